#!/usr/bin/env python3
"""PyTorch (CPU, one thread) timing baseline for one training step of the RNN task's four models of Mittal et
al. 2022 (reference: sarthmit/Mod_Arch, RNN/Regression: Monolithic, Modular, Modular with --op, GT_Modular).

A step is what the reference's train_step does: draw a batch with numpy (256 sequences of 10 steps; timed, as in
the reference), forward over the sequence, L1 loss over all steps, backward, clip_grad_norm_(parameters, 1.0),
Adam lr 1e-4. Our own implementation of the same math with the reference's parameter names, shapes and counts
(asserted where known), so the Java engine can be compared step for step. Options, modes, timing and JSON are
torch_step.py's (shared code); the clipping runs through its after_backward hook.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_rnn_step.py --model modular --rules 2 --json
    OMP_NUM_THREADS=1 bench/.venv/bin/python bench/torch_rnn_step.py --model gt-modular --rules 8

Models: encoder Linear(d + R, enc) - ReLU - Linear(enc, enc) per step; Monolithic an nn.LSTMCell(enc, h); the
modular kinds one GroupLSTMCell of R modules of width hmod (module_hidden: the reference's parameter-matching
width), whose outputs h and c are score-weighted sums over the modules (self-scored, op scorer, or ground truth);
decoder Linear(h, h) - ReLU - Linear(h, d) per step (h = hmod for the modular kinds). The data's rules and the
model's modules are both --rules (the reference's --gt-rules and --num-rules, equal here). step_flops() counts a
step's floating-point work.
"""
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_step import GroupLinear, add_step_arguments, check_step_arguments, seed_everything, time_training

KINDS = ("monolithic", "modular", "modular-op", "gt-modular")

# (kind, rules, d_dim, enc_dim, h_dim) -> parameter count of the reference model (order 1 needs no parameters),
# counted from the reference's own RNN/Regression/model.py (torch 1.13, CPU)
KNOWN_PARAMETER_COUNTS = {
    ("monolithic", 2, 32, 128, 128): 173728, ("modular", 2, 32, 128, 128): 172086,
    ("modular-op", 2, 32, 128, 128): 171088, ("gt-modular", 2, 32, 128, 128): 170756,
    ("monolithic", 4, 32, 128, 128): 173984, ("modular", 4, 32, 128, 128): 169434,
    ("modular-op", 4, 32, 128, 128): 168230, ("gt-modular", 4, 32, 128, 128): 167830,
    ("monolithic", 8, 32, 128, 128): 174496, ("modular", 8, 32, 128, 128): 171150,
    ("modular-op", 8, 32, 128, 128): 169750, ("gt-modular", 8, 32, 128, 128): 169286,
}


def two_layer(din, dhidden, dout, bias=True):
    return nn.Sequential(nn.Linear(din, dhidden, bias=bias), nn.ReLU(), nn.Linear(dhidden, dout, bias=bias))


def module_hidden(enc_dim, h_dim, rules):
    """The reference's parameter-matching width hmod of each LSTM module: the positive root of
    (4R + 1) m^2 + (4R enc + 1) m = 5 h^2 + h (4 enc + 1), truncated."""
    lin = 4 * rules * enc_dim + 1
    quad = 4 * rules + 1
    root = math.sqrt(lin ** 2 + 4 * quad * (5 * h_dim * h_dim + h_dim * (4 * enc_dim + 1))) - lin
    return int(root / (2 * quad))


class GroupLSTMCell(nn.Module):
    """R LSTM cells of width m in one: i2h, h2h without biases give each module's 4 gate blocks, in the order
    i, f, o (sigmoid), g (tanh); every module reads the same h, c, and the new h, c are the sums of the modules'
    h_t, c_t weighted by the scores (B, R, 1)."""

    def __init__(self, kind, inp_dim, hidden, rules):
        super().__init__()
        self.kind, self.hidden, self.rules = kind, hidden, rules
        self.i2h = nn.Linear(inp_dim, 4 * rules * hidden, bias=False)
        self.h2h = nn.Linear(hidden, 4 * rules * hidden, bias=False)
        if kind == "modular":
            # scores from the module's own gate pre-activations; the GroupLinear's bias exists but is not used
            self.scorer = nn.Sequential(nn.ReLU(), GroupLinear(rules, 8 * hidden, 1, add_bias=False))
        elif kind == "modular-op":
            self.scorer = two_layer(rules, hidden, rules, bias=False)

    def forward(self, x, h, c, rule_onehot):
        bsz = x.shape[0]
        i_h = self.i2h(x).view(bsz, self.rules, 4 * self.hidden)
        h_h = self.h2h(h).view(bsz, self.rules, 4 * self.hidden)
        if self.kind == "modular":
            scores = F.softmax(self.scorer(torch.cat((i_h, h_h), dim=-1)), dim=1)      # (B, R, 1)
        elif self.kind == "modular-op":
            scores = F.softmax(self.scorer(rule_onehot), dim=1).unsqueeze(-1)
        else:
            scores = rule_onehot.unsqueeze(-1)
        preact = i_h + h_h
        m = self.hidden
        gates = preact[:, :, :3 * m].sigmoid()
        g_t = preact[:, :, 3 * m:].tanh()
        i_t, f_t, o_t = gates[:, :, :m], gates[:, :, m:2 * m], gates[:, :, 2 * m:]
        c_t = c.unsqueeze(1) * f_t + i_t * g_t
        h_t = o_t * c_t.tanh()
        return (h_t * scores).sum(dim=1), (c_t * scores).sum(dim=1), scores


class RnnNet(nn.Module):
    """encoder, recurrent cell ("rnn"), decoder; parameters registered in the reference's state_dict order."""

    def __init__(self, kind, rules, d_dim, enc_dim, h_dim):
        super().__init__()
        self.kind = kind
        self.encoder = two_layer(d_dim + rules, enc_dim, enc_dim)
        if kind == "monolithic":
            self.hid_dim = h_dim
            self.rnn = nn.LSTMCell(enc_dim, h_dim)
        else:
            self.hid_dim = module_hidden(enc_dim, h_dim, rules)
            self.rnn = GroupLSTMCell(kind, enc_dim, self.hid_dim, rules)
        self.decoder = two_layer(self.hid_dim, self.hid_dim, d_dim)

    def forward(self, inputs, rule_onehot):
        # inputs (B, L, d + R), rule_onehot (B, L, R) -> predictions (B, L, d)
        x = self.encoder(inputs)
        h = torch.zeros(x.shape[0], self.hid_dim, device=x.device)
        c = torch.zeros_like(h)
        out = []
        for t in range(x.shape[1]):
            if self.kind == "monolithic":
                h, c = self.rnn(x[:, t], (h, c))
            else:
                h, c, _ = self.rnn(x[:, t], h, c, rule_onehot[:, t])
            out.append(h)
        return self.decoder(torch.stack(out)).transpose(0, 1).contiguous()  # contiguous: the loss sums as the reference's


def make_batch(batch_size, length, rules, order, dim, data_seed):
    """An RNN-regression batch as the reference's rules() draws it: coefficients A (R, order, d, d) / sqrt(order d)
    and B (R, d, d) / sqrt(d) from RandomState(data_seed) (remade every call), then from numpy's global stream the
    rules (uniform, B * L of them) and the inputs x ~ N(0, I_d) (B, L, d), in that order. State
    s_t = x_t B[c_t] + sum_{o <= min(order, t)} s_{t-o} A[c_t, o-1], the regression target. Returns (inputs
    [x, onehot(c)] (B, L, d + R), states (B, L, d), one-hot rules (B, L, R)), float64.

    The reference computes every rule's map for every sequence and keeps the chosen one by multiplying with the
    one-hot and summing over rules; here each rule's rows are mapped by that rule's matrices alone (the other
    terms are exact zeros there), the input term for all steps at once: the same sums in the same order, R times
    less work. The rules, inputs and one-hots are identical to the reference's for the same numpy seed; the states
    agree to rounding (about 1e-15: OpenBLAS rounds a row's product differently depending on how many rows the
    call has)."""
    coefficients = np.random.RandomState(data_seed)
    coeff1 = coefficients.randn(rules, order, dim, dim) / np.sqrt(order * dim)
    coeff2 = coefficients.randn(rules, dim, dim) / np.sqrt(dim)
    rule = np.random.choice(rules, batch_size * length)
    onehot = np.zeros((batch_size * length, rules))
    onehot[np.arange(rule.size), rule] = 1.0
    data = np.random.randn(batch_size, length, dim)

    flat_data = data.reshape(-1, dim)
    states = np.empty((batch_size * length, dim))
    rows = [np.flatnonzero(rule == r) for r in range(rules)]        # flat index b * L + t, in b order
    for r in range(rules):
        states[rows[r]] = flat_data[rows[r]] @ coeff2[r]
    states = states.reshape(batch_size, length, dim)
    rule = rule.reshape(batch_size, length)
    for t in range(1, length):
        for r in range(rules):
            seqs = np.flatnonzero(rule[:, t] == r)
            for o in range(1, min(order, t) + 1):
                states[seqs, t] += states[seqs, t - o] @ coeff1[r, o - 1]
    return (np.concatenate((data, onehot.reshape(batch_size, length, rules)), axis=-1), states,
            onehot.reshape(batch_size, length, rules))


def step_flops(kind, rules, d_dim, enc_dim, h_dim, batch_size, length):
    """Floating-point operations of one training step, counted analytically: 3 * forward GEMMs, with
    2 * tokens * din * dout for every Linear and for every module of every GroupLinear (tokens = batch_size *
    length, each layer running once per step of every sequence): encoder (d + R) -> enc -> enc; Monolithic the
    LSTMCell's enc -> 4h and h -> 4h; the modular kinds i2h enc -> 4 R m and h2h m -> 4 R m (m = hmod), the
    self-scorer 8m -> 1 per module (Modular) or the op scorer R -> m -> R (Modular-op); decoder h -> h -> d.
    Backward: twice the forward (gradients of inputs and of weights). Gate nonlinearities, the score mixing,
    softmax, the loss, clipping and Adam (O(tokens * h) and O(parameters)) are left out."""
    tokens = batch_size * length
    macs = (d_dim + rules) * enc_dim + enc_dim * enc_dim
    if kind == "monolithic":
        h = h_dim
        macs += enc_dim * 4 * h + h * 4 * h
    else:
        h = module_hidden(enc_dim, h_dim, rules)
        macs += enc_dim * 4 * rules * h + h * 4 * rules * h
        if kind == "modular":
            macs += rules * 8 * h
        elif kind == "modular-op":
            macs += rules * h + h * rules
    macs += h * h + h * d_dim
    return 3 * 2 * tokens * macs


def gemm_macs_of(model):
    """Multiply-adds per token of every Linear, GroupLinear and LSTMCell in the model (to check step_flops)."""
    total = 0
    for m in model.modules():
        if isinstance(m, nn.Linear):
            total += m.weight.numel()
        elif isinstance(m, GroupLinear):
            total += m.w.numel()
        elif isinstance(m, nn.LSTMCell):
            total += m.weight_ih.numel() + m.weight_hh.numel()
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=KINDS, default="modular")
    parser.add_argument("--rules", type=int, default=2)
    parser.add_argument("--d-dim", type=int, default=32)
    parser.add_argument("--order", type=int, default=1)
    parser.add_argument("--enc-dim", type=int, default=128)
    parser.add_argument("--h-dim", type=int, default=128)
    parser.add_argument("--seq-len", type=int, default=10)
    add_step_arguments(parser, steps=15, warmup=5)
    args = parser.parse_args()
    check_step_arguments(parser, args)
    if args.rules < 1 or args.order < 1 or args.seq_len < 1:
        parser.error("--rules, --order and --seq-len must be at least 1")
    seed_everything(args)

    model = RnnNet(args.model, args.rules, args.d_dim, args.enc_dim, args.h_dim).to(torch.device(args.device))
    parameters = sum(p.numel() for p in model.parameters())
    expected = KNOWN_PARAMETER_COUNTS.get((args.model, args.rules, args.d_dim, args.enc_dim, args.h_dim))
    assert expected is None or parameters == expected, f"{parameters} parameters, the reference has {expected}"
    flops = step_flops(args.model, args.rules, args.d_dim, args.enc_dim, args.h_dim, args.batch_size,
                       args.seq_len)
    assert flops == 3 * 2 * args.batch_size * args.seq_len * gemm_macs_of(model), \
        "step_flops disagrees with the model's layers"
    criterion = nn.L1Loss()
    clipped = list(model.parameters())

    def forward_loss(inputs, label, rule_onehot):
        return criterion(model(inputs, rule_onehot), label)

    time_training(args, model, forward_loss,
                  lambda: make_batch(args.batch_size, args.seq_len, args.rules, args.order, args.d_dim,
                                     args.data_seed),
                  f"{args.model} rules={args.rules} d={args.d_dim} enc_dim={args.enc_dim} h_dim={args.h_dim}"
                  f" (module width {model.hid_dim})",
                  {"model": args.model, "rules": args.rules, "enc_dim": args.enc_dim, "h_dim": args.h_dim,
                   "d_dim": args.d_dim, "order": args.order, "seq_len": args.seq_len, "cell_dim": model.hid_dim,
                   "parameters": parameters, "gflop_per_step": flops / 1e9},
                  after_backward=lambda: nn.utils.clip_grad_norm_(clipped, 1.0))


if __name__ == "__main__":
    main()
