#!/usr/bin/env python3
"""PyTorch (CPU, one thread) timing baseline for one training step of the MHA task's four models of Mittal et
al. 2022 (reference: sarthmit/Mod_Arch, MHA/Regression: Monolithic, Modular, Modular with --op, GT_Modular).

A step is what the reference's train_step does: draw a batch with numpy (search v1, data version 2: 256 sequences
of 10 tokens; timed, as in the reference), forward, L1 loss, backward, Adam lr 1e-4. Our own implementation of the
same math with the reference's parameter names, shapes and counts (asserted where known), so the Java engine's
MhaModel can be compared step for step. Options, modes, timing and JSON are torch_step.py's (shared code).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_mha_step.py --model modular --rules 2 --json
    OMP_NUM_THREADS=1 bench/.venv/bin/python bench/torch_mha_step.py --model gt-modular --rules 8

Heads: Monolithic has 2R heads of hd = att_dim / 2R; the modular kinds R modules of 2 heads of the same hd each
(the reference's --num-heads 2 --num-rules R). step_flops() counts a step's floating-point work.
"""
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_step import GroupLinear, add_step_arguments, check_step_arguments, seed_everything, time_training

HEADS_PER_RULE = 2
KINDS = ("monolithic", "modular", "modular-op", "gt-modular")

# (kind, rules, dim, att_dim) -> parameter count of the reference model, search v1 (5R input features per token)
KNOWN_PARAMETER_COUNTS = {
    ("monolithic", 2, 128, 512): 446209, ("modular", 2, 128, 512): 463363,
    ("modular-op", 2, 128, 512): 463619, ("gt-modular", 2, 128, 512): 462977,
    ("monolithic", 4, 128, 512): 422849, ("modular", 4, 128, 512): 447845,
    ("modular-op", 4, 128, 512): 447861, ("gt-modular", 4, 128, 512): 447281,
    ("monolithic", 8, 128, 512): 413089, ("modular", 8, 128, 512): 444169,
    ("modular-op", 8, 128, 512): 443945, ("gt-modular", 8, 128, 512): 443393,
}


def two_layer(din, dhidden, dout, group=None):
    if group is None:
        return nn.Sequential(nn.Linear(din, dhidden), nn.ReLU(), nn.Linear(dhidden, dout))
    return nn.Sequential(GroupLinear(group, din, dhidden), nn.ReLU(), GroupLinear(group, dhidden, dout))


def module_hidden(dim, att_dim, rules):
    """The reference's parameter-matching hidden width of each module's MLP (nh = 2 heads per module)."""
    nh = HEADS_PER_RULE
    num = 2 * dim * (rules * nh * (att_dim + dim) + att_dim)
    denom = rules * (att_dim * (nh + 1) + rules * nh * dim)
    return int(num / denom)


class Attention(nn.Module):
    """Self-attention over each sequence, every token attending to the other tokens (diagonal masked), then per
    token an output MLP: Monolithic one dense MLP over [all heads, in_]; the modular kinds R module MLPs, module m
    reading its 2 heads and its own in_ block, mixed by the routing scores (self-scored, op scorer, or ground truth)."""

    def __init__(self, kind, rules, dim, att_dim):
        super().__init__()
        self.kind, self.rules, self.dim = kind, rules, dim
        self.heads = HEADS_PER_RULE * rules
        self.head_dim = att_dim // self.heads
        groups = 1 if kind == "monolithic" else rules
        self.query_net = nn.Linear(dim, self.heads * self.head_dim)
        self.key_net = nn.Linear(dim, self.heads * self.head_dim)
        self.value_net = nn.Linear(dim, self.heads * self.head_dim)
        self.in_ = nn.Linear(dim, groups * self.head_dim)
        if kind == "monolithic":
            self.out_proj = two_layer((self.heads + 1) * self.head_dim, 2 * dim, dim)
            return
        if kind == "modular-op":
            self.scorer = two_layer(rules, self.head_dim, rules)
        extra = 1 if kind == "modular" else 0  # the self-score unit
        self.out_proj = two_layer((HEADS_PER_RULE + 1) * self.head_dim, module_hidden(dim, att_dim, rules),
                                  dim + extra, group=rules)

    def forward(self, x, rule_onehot):
        # x is (B, L, dim), rule_onehot is (B, L, R)
        bsz, length, _ = x.shape
        split = (bsz, length, self.heads, self.head_dim)
        q = (self.query_net(x) * self.head_dim ** -0.5).view(split).transpose(1, 2)  # (B, heads, L, hd)
        k = self.key_net(x).view(split).transpose(1, 2)
        v = self.value_net(x).view(split).transpose(1, 2)
        logits = q @ k.transpose(2, 3)                                                # (B, heads, L, L)
        self_mask = torch.eye(length, dtype=torch.bool, device=x.device)
        weights = F.softmax(logits.masked_fill(self_mask, float("-inf")), dim=-1)
        heads = (weights @ v).transpose(1, 2)                                         # (B, L, heads, hd)
        if self.kind == "monolithic":
            joined = torch.cat((heads.reshape(bsz, length, -1), self.in_(x)), dim=-1)  # (B, L, (heads + 1) hd)
            return self.out_proj(joined), None
        per_module = heads.reshape(bsz * length, self.rules, HEADS_PER_RULE * self.head_dim)
        own = self.in_(x).reshape(bsz * length, self.rules, self.head_dim)
        values = self.out_proj(torch.cat((per_module, own), dim=-1)).view(bsz, length, self.rules, -1)
        if self.kind == "modular":
            scores = F.softmax(values[..., -1:], dim=2)                               # (B, L, R, 1)
            values = values[..., :-1]
        elif self.kind == "modular-op":
            scores = F.softmax(self.scorer(rule_onehot), dim=-1).unsqueeze(-1)
        else:
            scores = rule_onehot.unsqueeze(-1)
        return (values * scores).sum(dim=2), scores


class MhaNet(nn.Module):
    """encoder Linear(in, dim) - ReLU - Linear(dim, dim) per token, the attention block ("model"), decoder
    Linear(dim, dim) - ReLU - Linear(dim, 1); parameters registered in the reference's state_dict order."""

    def __init__(self, kind, rules, dim, att_dim, in_dim):
        super().__init__()
        self.encoder = two_layer(in_dim, dim, dim)
        self.decoder = two_layer(dim, dim, 1)
        self.model = Attention(kind, rules, dim, att_dim)

    def forward(self, tokens, rule_onehot):
        h, scores = self.model(self.encoder(tokens), rule_onehot)
        return self.decoder(h).squeeze(), scores


def nearest_other(x):
    """Search v1: per sequence, for each token the index of the other token whose value is closest. x is (B, L)."""
    gaps = np.abs(x[:, :, None] - x[:, None, :])   # gaps[b, i, j] = |x[b, j] - x[b, i]|
    diagonal = np.arange(x.shape[1])
    gaps[:, diagonal, diagonal] = np.inf
    return gaps.argmin(axis=2)


def make_batch(batch_size, length, rules, data_seed):
    """A search-v1, data-version-2 batch as the reference's rules() draws it: coefficients from
    RandomState(data_seed) (remade every call), features and rules from numpy's global stream. Per rule r,
    v1 = feature 4r+2 of the token nearest in feature 4r, v2 = feature 4r+3 of the token nearest in feature 4r+1,
    label = coeff1[r] v1 + coeff2[r] v2 for each token's own rule. Returns (tokens (B, L, 5R), labels (B, L),
    one-hot rules (B, L, R)), float64."""
    coefficients = np.random.RandomState(data_seed)
    coeff1 = coefficients.randn(rules)
    coeff2 = coefficients.randn(rules)
    features = np.random.randn(batch_size, length, 4 * rules)
    rule = np.random.choice(rules, batch_size * length)
    onehot = np.zeros((batch_size * length, rules))
    onehot[np.arange(rule.size), rule] = 1.0
    onehot = onehot.reshape(batch_size, length, rules)
    per_rule = np.zeros((batch_size, length, rules))
    for r in range(rules):
        v1 = np.take_along_axis(features[:, :, 4 * r + 2], nearest_other(features[:, :, 4 * r]), axis=1)
        v2 = np.take_along_axis(features[:, :, 4 * r + 3], nearest_other(features[:, :, 4 * r + 1]), axis=1)
        per_rule[:, :, r] = coeff1[r] * v1 + coeff2[r] * v2
    return np.concatenate((features, onehot), axis=-1), (per_rule * onehot).sum(axis=-1), onehot


def step_flops(kind, rules, dim, att_dim, batch_size, length, in_dim):
    """Floating-point operations of one training step, counted analytically:
        3 * (forward GEMMs + forward attention)
    forward GEMMs: 2 * tokens * din * dout for every Linear and for every module of every GroupLinear
      (tokens = batch_size * length): encoder in->dim, dim->dim; query, key, value dim->heads*hd each;
      in_ dim->hd (Monolithic) or dim->R*hd; out_proj (heads+1)*hd->2dim->dim (Monolithic) or per module
      3hd->H->dim (+1 for the self-score of Modular); the op scorer R->hd->R; decoder dim->dim, dim->1.
    forward attention: 2 * 2 * L * L * hd per head per sequence (scores q k^T and the weighted sum of values).
    backward: twice the forward (gradients of inputs and of weights). Softmax, ReLU, the mixing, the loss and Adam
    (O(tokens * dim) and O(parameters)) are left out."""
    tokens = batch_size * length
    heads = HEADS_PER_RULE * rules
    hd = att_dim // heads
    macs = in_dim * dim + dim * dim + 3 * dim * heads * hd + dim * dim + dim
    if kind == "monolithic":
        macs += dim * hd + (heads + 1) * hd * 2 * dim + 2 * dim * dim
    else:
        hidden = module_hidden(dim, att_dim, rules)
        macs += dim * rules * hd + rules * (3 * hd * hidden + hidden * (dim + (kind == "modular")))
        if kind == "modular-op":
            macs += rules * hd + hd * rules
    attention = 2 * 2 * length * length * hd * heads * batch_size
    return 3 * (2 * tokens * macs + attention)


def gemm_macs_of(model):
    """Multiply-adds per token of every Linear and GroupLinear in the model (to check step_flops)."""
    return sum(m.weight.numel() if isinstance(m, nn.Linear) else m.w.numel()
               for m in model.modules() if isinstance(m, (nn.Linear, GroupLinear)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=KINDS, default="modular")
    parser.add_argument("--rules", type=int, default=2)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--att-dim", type=int, default=512)
    parser.add_argument("--seq-len", type=int, default=10)
    add_step_arguments(parser, steps=15, warmup=5)
    args = parser.parse_args()
    check_step_arguments(parser, args)
    if args.att_dim % (HEADS_PER_RULE * args.rules) != 0:
        parser.error(f"--att-dim {args.att_dim} is not a multiple of 2 * --rules {args.rules}")
    seed_everything(args)

    in_dim = 5 * args.rules  # search v1: 4R features and the one-hot rule
    model = MhaNet(args.model, args.rules, args.dim, args.att_dim, in_dim).to(torch.device(args.device))
    parameters = sum(p.numel() for p in model.parameters())
    expected = KNOWN_PARAMETER_COUNTS.get((args.model, args.rules, args.dim, args.att_dim))
    assert expected is None or parameters == expected, f"{parameters} parameters, the reference has {expected}"
    flops = step_flops(args.model, args.rules, args.dim, args.att_dim, args.batch_size, args.seq_len, in_dim)
    tokens = args.batch_size * args.seq_len
    attention = 3 * 2 * 2 * args.seq_len * args.seq_len * args.att_dim * args.batch_size
    assert flops == 3 * 2 * tokens * gemm_macs_of(model) + attention, "step_flops disagrees with the model's layers"
    criterion = nn.L1Loss()

    def forward_loss(tokens, label, rule_onehot):
        out, _ = model(tokens, rule_onehot)
        return criterion(out, label)

    time_training(args, model, forward_loss,
                  lambda: make_batch(args.batch_size, args.seq_len, args.rules, args.data_seed),
                  f"{args.model} rules={args.rules} dim={args.dim} att_dim={args.att_dim}",
                  {"model": args.model, "rules": args.rules, "dim": args.dim, "att_dim": args.att_dim,
                   "seq_len": args.seq_len, "parameters": parameters, "gflop_per_step": flops / 1e9})


if __name__ == "__main__":
    main()
