#!/usr/bin/env python3
"""The strongest PyTorch baseline we know how to write for the three families of Mittal et al. 2022 (reference:
sarthmit/Mod_Arch, MLP, MHA and RNN, Regression and Classification), for issue 21: R replicas of one model trained
at once, as a researcher who wants 25 seeds fast would write it.

    bench/.venv/bin/python bench/torch_strong.py --check                       # the golden comparison (CPU, ~10 s)
    python3 bench/torch_strong.py --family mlp --kind modular --capacity 32x128 --replicas 1,25 --tf32 off,on
    python3 bench/torch_strong.py --family all --kind all --capacity paper --replicas 1,25 --tf32 off,on \\
        --compile reduce-overhead --prewarm-jobs 8                            # the whole GPU matrix, JSON lines
    python3 bench/torch_strong.py --summarize results.jsonl                   # a markdown table of JSON lines

- The model: the reference's per-replica math as a pure function of (params, batch), params a dict named, shaped,
  ordered and initialised as the reference's state_dict (layout()); `--check` compares it, for one replica (run as
  two identical vmapped replicas), with one training step of the reference's own models
  (src/test/resources/modarch/golden/torch_{mlp,mha,rnn}.json).
- R replicas: every parameter stacked to (rep, ...) (each replica initialised from its own seed), the loss
  torch.func.vmap-ped over replicas, gradients by torch.func.grad of the replicas' summed loss (each replica's
  gradient is its own), the RNN family's clip_grad_norm_(1.0) per replica, then torch.optim.Adam over the stacked
  tensors (Adam is elementwise, so that is R independent Adams): fused=True on the GPU, foreach on the CPU.
- Batches are drawn on the device with torch's RNG, the tasks' distributions (the reference's data.py, data
  version 2, as modarch's MlpTask, MhaTask, RnnTask), each replica with its own task instance (data seed
  data_seed + i % 5: a paper group is 5 task instances x 5 model seeds).
- torch.compile of the whole step but Adam (draw, forward, backward, clipping) in the mode given, or the fastest of
  several (--compile auto), or eager (--compile off); a compile that fails falls back to eager and says so.
- --tf32 off|on sets torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32.
Output: one JSON line per configuration (ms per step, ms per replica-step, versions, device, compile mode, tf32).
"""
import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import time
import traceback
import warnings
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

FAMILIES = ("mlp", "mha", "rnn")
KINDS = ("monolithic", "modular", "modular-op", "gt-modular")
# The paper's five capacities (sweeps/paper-*.yaml): MLP [enc_dim, dim], MHA [dim, att_dim], RNN [enc_dim, h_dim]
PAPER_CAPACITIES = ((32, 128), (64, 256), (128, 512), (256, 1024), (512, 2048))
GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "modarch",
                      "golden")
# The golden check's tolerances (TorchGoldenTest): relative error ||ours - ref|| / ||ref|| over a whole tensor
OUTPUT_TOLERANCE, GRADIENT_TOLERANCE, ADAM_TOLERANCE = 1e-5, 1e-4, 1e-5
NOISE_GRADIENT = 1e-9  # a reference gradient of smaller norm is float noise around an exact zero
CLIP_NORM = 1.0        # the RNN family's clip_grad_norm_
COMPILE_CANDIDATES = ("reduce-overhead", "max-autotune-no-cudagraphs", "default")
START = time.perf_counter()


@dataclass(frozen=True)
class Spec:
    """One model and task. capacity: MLP (enc_dim, dim), MHA (dim, att_dim), RNN (enc_dim, h_dim)."""
    family: str
    kind: str
    rules: int
    capacity: tuple
    task: str = "regression"
    batch: int = 256
    seq_len: int = 10        # MHA and RNN
    search_version: int = 1  # MHA
    d_dim: int = 32          # RNN
    order: int = 1           # RNN

    @property
    def classification(self):
        return self.task == "classification"


# ---------------------------------------------------------------------------------------------------------------
# Parameter layout: (name, shape, init bound) in the reference's state_dict order, U(-bound, bound) as its init

def linear(name, dout, din, bias=True):
    """nn.Linear(din, dout): weight (dout, din) and bias (dout), both U(+-1/sqrt(din))."""
    bound = 1.0 / math.sqrt(din)
    return [(name + ".weight", (dout, din), bound)] + ([(name + ".bias", (dout,), bound)] if bias else [])


def two_layer(name, din, dhidden, dout, bias=True):
    """nn.Sequential(Linear(din, dhidden), ReLU, Linear(dhidden, dout)): entries .0 and .2."""
    return linear(name + ".0", dhidden, din, bias) + linear(name + ".2", dout, dhidden, bias)


def group_linear(name, groups, din, dout):
    """The reference's GroupLinearLayer: w (groups, din, dout), b (1, groups, dout), U(+-sqrt(1/din)). With
    bias=False b is still a parameter (left uninitialised there, never used; drawn here like w)."""
    bound = math.sqrt(1.0 / din)
    return [(name + ".w", (groups, din, dout), bound), (name + ".b", (1, groups, dout), bound)]


def mha_module_hidden(dim, att_dim, rules, heads_per_rule=2):
    """The reference's parameter-matching width of each module's output MLP (Modular_Transformer)."""
    num = 2 * dim * (rules * heads_per_rule * (att_dim + dim) + att_dim)
    denom = rules * (att_dim * (heads_per_rule + 1) + rules * heads_per_rule * dim)
    return int(num / denom)


def rnn_module_hidden(enc_dim, h_dim, rules):
    """The reference's parameter-matching width of each LSTM module (RNN Model's hid_new), truncated."""
    lin = 4 * rules * enc_dim + 1
    quad = 4 * rules + 1
    root = math.sqrt(lin ** 2 + 4 * quad * (5 * h_dim * h_dim + h_dim * (4 * enc_dim + 1))) - lin
    return int(root / (2 * quad))


def mha_dims(s):
    """(heads, head_dim, in_dim): Monolithic has 2R heads, the modular kinds R modules of 2 heads, of one head_dim;
    the input is the features (4R for search version 1, 6R for version 2) and the one-hot rule."""
    heads = 2 * s.rules
    return heads, s.capacity[1] // heads, (5 if s.search_version == 1 else 7) * s.rules


def rnn_dims(s):
    """(cell width, outputs per step): h_dim for Monolithic, the module width for the modular kinds."""
    width = s.capacity[1] if s.kind == "monolithic" else rnn_module_hidden(s.capacity[0], s.capacity[1], s.rules)
    return width, 1 if s.classification else s.d_dim


def layout(s):
    """Every parameter of one replica: [(name, shape, init bound)] in the reference's state_dict order."""
    r, kind = s.rules, s.kind
    self_score = 1 if kind == "modular" else 0
    if s.family == "mlp":
        e, d = s.capacity
        out = two_layer("encoder_digit", 1, e, e) + two_layer("encoder_operation", r, e, e)
        if kind == "monolithic":
            out += two_layer("MLP", 3 * e, d, d)
        else:
            out += group_linear("MLP.0", r, 3 * e, d // r) + group_linear("MLP.2", r, d // r, d + self_score)
            if kind == "modular-op":
                out += linear("scorer", r, e)
        return out + two_layer("decoder", d, e, 1)
    if s.family == "mha":
        dim, att_dim = s.capacity
        heads, hd, in_dim = mha_dims(s)
        out = two_layer("encoder", in_dim, dim, dim) + two_layer("decoder", dim, dim, 1)
        for net in ("query_net", "key_net", "value_net"):
            out += linear("model." + net, heads * hd, dim)
        if kind == "monolithic":
            return out + linear("model.in_", hd, dim) + two_layer("model.out_proj", (heads + 1) * hd, 2 * dim, dim)
        out += linear("model.in_", r * hd, dim)
        if kind == "modular-op":
            out += two_layer("model.scorer", r, hd, r)
        hidden = mha_module_hidden(dim, att_dim, r)
        return out + group_linear("model.out_proj.0", r, 3 * hd, hidden) + \
            group_linear("model.out_proj.2", r, hidden, dim + self_score)
    enc, h_dim = s.capacity
    width, outputs = rnn_dims(s)
    out = two_layer("encoder", s.d_dim + r, enc, enc)
    if kind == "monolithic":
        bound = 1.0 / math.sqrt(h_dim)  # nn.LSTMCell: every tensor U(+-1/sqrt(h))
        out += [("rnn.weight_ih", (4 * h_dim, enc), bound), ("rnn.weight_hh", (4 * h_dim, h_dim), bound),
                ("rnn.bias_ih", (4 * h_dim,), bound), ("rnn.bias_hh", (4 * h_dim,), bound)]
    else:
        out += linear("rnn.i2h", 4 * r * width, enc, bias=False) + linear("rnn.h2h", 4 * r * width, width, bias=False)
        if kind == "modular":
            out += group_linear("rnn.scorer.1", r, 8 * width, 1)  # its bias is never added
        elif kind == "modular-op":
            out += two_layer("rnn.scorer", r, width, r, bias=False)
    return out + two_layer("decoder", width, width, outputs)


def parameter_count(s):
    return sum(math.prod(shape) for _, shape, _ in layout(s))


def init_replicas(s, seeds, device):
    """Stacked parameters {name: (rep, *shape)}, replica i initialised from torch.Generator seeded seeds[i]."""
    stacked = {}
    generators = [torch.Generator().manual_seed(seed) for seed in seeds]
    for name, shape, bound in layout(s):
        per_replica = [torch.empty(shape).uniform_(-bound, bound, generator=g) for g in generators]
        stacked[name] = torch.stack(per_replica).to(device)
    return stacked


# ---------------------------------------------------------------------------------------------------------------
# One replica's forward pass: a pure function of (params, inputs, onehot); vmap adds the replica dimension

def lin(p, name, x):
    """x (..., din) -> (..., dout) through nn.Linear parameters name.weight, name.bias (bias optional)."""
    return F.linear(x, p[name + ".weight"], p.get(name + ".bias"))


def mlp2(p, name, x):
    """Linear - ReLU - Linear (entries .0, .2)."""
    return lin(p, name + ".2", F.relu(lin(p, name + ".0", x)))


def group(p, name, x, bias=True):
    """GroupLinearLayer: x (N, R, din) -> (N, R, dout), module r mapped by w[r]."""
    y = torch.einsum("nri,rio->nro", x, p[name + ".w"])
    return y + p[name + ".b"] if bias else y


def mlp_forward(s, p, x, onehot):
    """x (B, 2 + R) = [a, b, onehot(rule)] -> predictions (B,), scores (B, R) or None."""
    digits = mlp2(p, "encoder_digit", x[:, :2].unsqueeze(-1))          # (B, 2, E): a and b, one shared encoder
    op = mlp2(p, "encoder_operation", onehot)                           # (B, E)
    h = torch.cat((digits.flatten(1), op), dim=-1)                      # (B, 3E)
    if s.kind == "monolithic":
        return mlp2(p, "decoder", mlp2(p, "MLP", h)).squeeze(-1), None
    # every module reads the same h: one GEMM against all modules' first layers
    hidden = F.relu(torch.einsum("bi,rih->brh", h, p["MLP.0.w"]) + p["MLP.0.b"])  # (B, R, D/R)
    out = group(p, "MLP.2", hidden)                                     # (B, R, D (+1))
    if s.kind == "modular":
        scores = F.softmax(out[:, :, -1:], dim=1)                       # (B, R, 1), self-scored
        out = out[:, :, :-1]
    elif s.kind == "modular-op":
        scores = F.softmax(lin(p, "scorer", op), dim=-1).unsqueeze(-1)  # from the encoded rule
    else:
        scores = onehot.unsqueeze(-1)                                   # ground truth
    mixed = (out * scores).sum(dim=1)                                   # (B, D)
    return mlp2(p, "decoder", mixed).squeeze(-1), scores.squeeze(-1)


def mha_forward(s, p, x, onehot):
    """x (B, L, in_dim) = [features, onehot(rule)], onehot (B, L, R) -> predictions (B, L), scores or None."""
    heads, hd, _ = mha_dims(s)
    h = mlp2(p, "encoder", x)                                           # (B, L, dim)
    bsz, length, _ = h.shape
    q = (lin(p, "model.query_net", h).reshape(bsz, length, heads, hd) * hd ** -0.5).transpose(1, 2)
    k = lin(p, "model.key_net", h).reshape(bsz, length, heads, hd).transpose(1, 2)
    v = lin(p, "model.value_net", h).reshape(bsz, length, heads, hd).transpose(1, 2)  # (B, heads, L, hd)
    logits = q @ k.transpose(2, 3)                                      # (B, heads, L, L)
    self_mask = torch.eye(length, dtype=torch.bool, device=x.device)    # a token never attends to itself
    weights = F.softmax(logits.masked_fill(self_mask, float("-inf")), dim=-1)
    att = (weights @ v).transpose(1, 2)                                 # (B, L, heads, hd)
    if s.kind == "monolithic":
        joined = torch.cat((att.reshape(bsz, length, heads * hd), lin(p, "model.in_", h)), dim=-1)
        return mlp2(p, "decoder", mlp2(p, "model.out_proj", joined)).squeeze(-1), None
    r = s.rules
    per_module = att.reshape(bsz * length, r, 2 * hd)                   # module m reads heads 2m, 2m + 1
    own = lin(p, "model.in_", h).reshape(bsz * length, r, hd)
    hidden = F.relu(group(p, "model.out_proj.0", torch.cat((per_module, own), dim=-1)))
    values = group(p, "model.out_proj.2", hidden).reshape(bsz, length, r, -1)  # (B, L, R, dim (+1))
    if s.kind == "modular":
        scores = F.softmax(values[..., -1:], dim=2)                     # (B, L, R, 1)
        values = values[..., :-1]
    elif s.kind == "modular-op":
        scores = F.softmax(mlp2(p, "model.scorer", onehot), dim=-1).unsqueeze(-1)
    else:
        scores = onehot.unsqueeze(-1)
    return mlp2(p, "decoder", (values * scores).sum(dim=2)).squeeze(-1), scores


def rnn_forward(s, p, x, onehot):
    """x (B, L, d + R) = [features, onehot(rule)], onehot (B, L, R) -> predictions (B, L, d or 1), scores
    (B, L, R, 1) or None. The cell's input projections of all steps are one GEMM before the loop."""
    width, _ = rnn_dims(s)
    e = mlp2(p, "encoder", x)                                           # (B, L, enc)
    bsz, length, _ = e.shape
    h = torch.zeros(bsz, width, dtype=e.dtype, device=e.device)
    c = torch.zeros_like(h)
    outs, all_scores = [], []
    if s.kind == "monolithic":  # nn.LSTMCell: gates i, f, g, o
        x_gates = F.linear(e, p["rnn.weight_ih"], p["rnn.bias_ih"])    # (B, L, 4h)
        for t in range(length):
            gates = x_gates[:, t] + F.linear(h, p["rnn.weight_hh"], p["rnn.bias_hh"])
            i, f, g, o = gates.chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outs.append(h)
        return mlp2(p, "decoder", torch.stack(outs, dim=1)), None
    r, m = s.rules, width
    x_gates = F.linear(e, p["rnn.i2h.weight"]).reshape(bsz, length, r, 4 * m)  # (B, L, R, 4m)
    if s.kind == "modular-op":
        op_scores = F.softmax(mlp2(p, "rnn.scorer", onehot), dim=-1).unsqueeze(-1)  # (B, L, R, 1)
    for t in range(length):  # GroupLSTMCell: gates i, f, o (sigmoid), g (tanh) per module
        i_h = x_gates[:, t]                                             # (B, R, 4m)
        h_h = F.linear(h, p["rnn.h2h.weight"]).reshape(bsz, r, 4 * m)
        if s.kind == "modular":
            scores = F.softmax(group(p, "rnn.scorer.1", F.relu(torch.cat((i_h, h_h), dim=-1)), bias=False), dim=1)
        elif s.kind == "modular-op":
            scores = op_scores[:, t]
        else:
            scores = onehot[:, t].unsqueeze(-1)                         # (B, R, 1)
        pre = i_h + h_h
        gates = torch.sigmoid(pre[..., :3 * m])
        c_t = c.unsqueeze(1) * gates[..., m:2 * m] + gates[..., :m] * torch.tanh(pre[..., 3 * m:])
        h_t = gates[..., 2 * m:] * torch.tanh(c_t)                       # (B, R, m)
        h = (h_t * scores).sum(dim=1)
        c = (c_t * scores).sum(dim=1)
        outs.append(h)
        all_scores.append(scores)
    return mlp2(p, "decoder", torch.stack(outs, dim=1)), torch.stack(all_scores, dim=1)


FORWARD = {"mlp": mlp_forward, "mha": mha_forward, "rnn": rnn_forward}


def replica_loss(s, p, inputs, onehot, labels):
    """One replica's loss: L1 (regression) or BCE with logits (classification), mean over the batch."""
    predictions, _ = FORWARD[s.family](s, p, inputs, onehot)
    if s.classification:
        return F.binary_cross_entropy_with_logits(predictions, labels)
    return F.l1_loss(predictions, labels)


def grads_of(s, params, batch):
    """Every replica's gradient and loss: params {name: (rep, ...)}, batch (inputs, onehot, labels) each (rep, ...)
    -> grads {name: (rep, ...)} (clipped per replica for the RNN family), losses (rep,), norms (rep,) or None."""
    def total(p, inputs, onehot, labels):
        losses = torch.func.vmap(lambda *a: replica_loss(s, *a))(p, inputs, onehot, labels)  # (rep,)
        return losses.sum(), losses
    grads, losses = torch.func.grad(total, has_aux=True)(params, *batch)
    if s.family != "rnn":
        return grads, losses, None
    grads, norms = clip_per_replica(grads, CLIP_NORM)
    return grads, losses, norms


def clip_per_replica(grads, max_norm):
    """clip_grad_norm_(max_norm) of every replica on its own: grads {name: (rep, ...)} -> clipped grads and the
    norms before clipping (rep,)."""
    norms = torch.stack([g.flatten(1).pow(2).sum(1) for g in grads.values()]).sum(0).sqrt()  # (rep,)
    coef = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    return {k: g * coef.view(-1, *([1] * (g.dim() - 1))) for k, g in grads.items()}, norms


# ---------------------------------------------------------------------------------------------------------------
# Batches drawn on the device, every replica at once: (inputs, onehot, labels), each (rep, ...)

def task_coefficients(s, data_seeds, device):
    """Each replica's task instance, drawn as the reference's data.py draws it from RandomState(data seed):
    MLP and MHA (coeff1, coeff2), each (rep, R); RNN (A (rep, R, order, d, d) / sqrt(order d), B (rep, R, d, d) /
    sqrt(d), w (rep, d): the classification readout, drawn after A and B)."""
    per_replica = []
    for seed in data_seeds:
        rng = np.random.RandomState(seed)
        if s.family == "rnn":
            a = rng.randn(s.rules, s.order, s.d_dim, s.d_dim) / np.sqrt(s.order * s.d_dim)
            b = rng.randn(s.rules, s.d_dim, s.d_dim) / np.sqrt(s.d_dim)
            per_replica.append((a, b, rng.randn(s.d_dim)))
        else:
            per_replica.append((rng.randn(s.rules), rng.randn(s.rules)))
    return tuple(torch.tensor(np.stack(parts), dtype=torch.float32, device=device) for parts in zip(*per_replica))


def draw_rules(s, shape, device):
    """Uniform rules of the given shape and their one-hot (shape..., R) in float."""
    rule = torch.randint(s.rules, shape, device=device)
    return rule, F.one_hot(rule, s.rules).float()


def draw_mlp(s, coefficients, rep, device):
    """a, b ~ N(0, 1), uniform rules: inputs (rep, B, 2 + R) = [a, b, onehot], onehot (rep, B, R), labels (rep, B)."""
    ab = torch.randn(rep, s.batch, 2, device=device)                    # (rep, B, 2)
    rule, onehot = draw_rules(s, (rep, s.batch), device)                # (rep, B), (rep, B, R)
    return torch.cat((ab, onehot), dim=-1), onehot, mlp_labels(s, coefficients, ab, rule)


def mlp_labels(s, coefficients, ab, rule):
    """y = coeff1[c] a + coeff2[c] b (classification: y >= 0). ab (rep, B, 2), rule (rep, B) -> (rep, B)."""
    coeff1, coeff2 = coefficients                                       # (rep, R)
    y = coeff1.gather(1, rule) * ab[..., 0] + coeff2.gather(1, rule) * ab[..., 1]
    return (y >= 0).float() if s.classification else y


def exclude_self(scores, fill):
    """scores (rep, B, L_i, L_j, R) with the diagonal i == j set to fill."""
    length = scores.shape[2]
    diagonal = torch.eye(length, dtype=torch.bool, device=scores.device).view(length, length, 1)
    return scores.masked_fill(diagonal, fill)


def retrieve(values, winners):
    """values (rep, B, L, R), winners (rep, B, L, R): out[..., i, r] = values[..., winners[..., i, r], r]."""
    return values.gather(2, winners)


def draw_mha(s, coefficients, rep, device):
    """Search version 1: 4 features per rule, N(0, 1) (keys 1, 2, values 1, 2); version 2: 6 per rule, two unit
    2-D keys (normalised N(0, I)) and two N(0, 1) values. inputs (rep, B, L, F + R) = [features, onehot], onehot
    (rep, B, L, R), labels (rep, B, L)."""
    shape = (rep, s.batch, s.seq_len, s.rules)
    if s.search_version == 1:
        per_rule = torch.randn(*shape, 4, device=device)                # (rep, B, L, R, 4)
    else:
        keys = F.normalize(torch.randn(*shape, 2, 2, device=device), dim=-1)  # (rep, B, L, R, key, 2)
        per_rule = torch.cat((keys.flatten(-2), torch.randn(*shape, 2, device=device)), dim=-1)  # (..., R, 6)
    _, onehot = draw_rules(s, shape[:3], device)                        # (rep, B, L, R)
    labels = mha_labels(s, coefficients, per_rule, onehot)
    return torch.cat((per_rule.flatten(-2), onehot), dim=-1), onehot, labels


def mha_labels(s, coefficients, per_rule, onehot):
    """Search and retrieve, data version 2: a token with rule r gets coeff1[r] v1 + coeff2[r] v2 (classification:
    >= 0), v_k the value k of the other token that search k of rule r finds: the nearest key k (version 1) or the
    greatest dot product of unit keys k (version 2). per_rule (rep, B, L, R, 4 or 6), onehot (rep, B, L, R) ->
    (rep, B, L)."""
    coeff1, coeff2 = coefficients                                       # (rep, R)
    found = []
    for k in range(2):
        if s.search_version == 1:
            keys = per_rule[..., k]                                     # (rep, B, L, R)
            gaps = (keys.unsqueeze(2) - keys.unsqueeze(3)).abs()        # (rep, B, L_i, L_j, R)
            winners = exclude_self(gaps, float("inf")).argmin(dim=3)
            found.append(retrieve(per_rule[..., 2 + k], winners))
        else:
            keys = per_rule[..., 2 * k:2 * k + 2]                       # (rep, B, L, R, 2)
            dots = torch.einsum("abirc,abjrc->abijr", keys, keys)       # (rep, B, L_i, L_j, R)
            winners = exclude_self(dots, float("-inf")).argmax(dim=3)
            found.append(retrieve(per_rule[..., 4 + k], winners))
    per_rule_label = coeff1[:, None, None, :] * found[0] + coeff2[:, None, None, :] * found[1]
    y = (per_rule_label * onehot).sum(dim=-1)                           # (rep, B, L)
    return (y >= 0).float() if s.classification else y


def draw_rnn(s, coefficients, rep, device):
    """x_t ~ N(0, I_d), uniform rules: inputs (rep, B, L, d + R) = [x, onehot], onehot (rep, B, L, R), labels."""
    x = torch.randn(rep, s.batch, s.seq_len, s.d_dim, device=device)   # (rep, B, L, d)
    _, onehot = draw_rules(s, (rep, s.batch, s.seq_len), device)        # (rep, B, L, R)
    return torch.cat((x, onehot), dim=-1), onehot, rnn_labels(s, coefficients, x, onehot)


def rnn_labels(s, coefficients, x, onehot):
    """Switching linear dynamics: s_t = x_t B[c_t] + sum_{o <= min(order, t)} s_{t-o} A[c_t, o-1]; the labels are
    the states (rep, B, L, d), or s_t . w >= 0 (rep, B, L, 1) for classification. Every rule's map is computed and
    the token's own kept by its one-hot, as the reference does."""
    transition, input_map, readout = coefficients       # (rep, R, order, d, d), (rep, R, d, d), (rep, d)
    states = []
    for t in range(x.shape[2]):
        per_rule = torch.einsum("abi,arij->abrj", x[:, :, t], input_map)             # (rep, B, R, d)
        for o in range(1, min(s.order, t) + 1):
            per_rule = per_rule + torch.einsum("abi,arij->abrj", states[t - o], transition[:, :, o - 1])
        states.append((per_rule * onehot[:, :, t].unsqueeze(-1)).sum(dim=2))        # (rep, B, d)
    states = torch.stack(states, dim=2)                                 # (rep, B, L, d)
    if s.classification:
        return (torch.einsum("abld,ad->abl", states, readout) >= 0).float().unsqueeze(-1)
    return states


DRAW = {"mlp": draw_mlp, "mha": draw_mha, "rnn": draw_rnn}


def make_adam(tensors, lr, device, adam="auto"):
    """torch.optim.Adam over the stacked tensors (elementwise: R independent Adams): fused on the GPU, foreach on
    the CPU (auto). Returns (optimizer, which)."""
    if adam == "auto":
        adam = "fused" if device.type == "cuda" else "foreach"
    options = {"fused": {"fused": True}, "foreach": {"foreach": True}}[adam]
    return torch.optim.Adam(tensors, lr=lr, **options), adam


# ---------------------------------------------------------------------------------------------------------------
# --check: one replica against one training step of the reference's own models (the golden files)

def spec_of_case(family, c):
    """The Spec of one golden case."""
    if family == "mlp":
        return Spec("mlp", c["kind"], c["rules"], (c["enc_dim"], c["dim"]), c["task"], c["batch"])
    if family == "mha":
        return Spec("mha", c["kind"], c["rules"], (c["dim"], c["att_dim"]), c["task"], c["batch"], c["seq_len"],
                    c["search_version"])
    return Spec("rnn", c["kind"], c["rules"], (c["enc_dim"], c["h_dim"]), c["task"], c["batch"], c["seq_len"],
                d_dim=c["d_dim"])


def task_labels(s, c, inputs):
    """The labels our device task code gives the golden case's inputs, for its data seed (one replica)."""
    coefficients = task_coefficients(s, [c["data_seed"]], torch.device("cpu"))
    features, onehot = inputs[..., :-s.rules].unsqueeze(0), inputs[..., -s.rules:].unsqueeze(0)
    if s.family == "mlp":
        return mlp_labels(s, coefficients, features, onehot.argmax(-1))[0]
    if s.family == "mha":
        per_rule = features.reshape(*features.shape[:3], s.rules, -1)   # (1, B, L, R, 4 or 6)
        return mha_labels(s, coefficients, per_rule, onehot)[0]
    return rnn_labels(s, coefficients, features, onehot)[0]


def golden_tensor(entry):
    return torch.tensor(entry["data"], dtype=torch.float32).reshape(entry["shape"])


def relative_error(ours, reference):
    """||ours - reference|| / ||reference|| over a whole tensor, in double (TorchGoldenTest's measure)."""
    ours, reference = ours.double().flatten(), reference.double().flatten()
    return ((ours - reference).norm() / reference.norm().clamp(min=1e-30)).item()


def two_replicas(t):
    """t (...) -> (2, ...): the same replica twice, so that the check runs the vmapped code path."""
    return t.unsqueeze(0).expand(2, *t.shape).contiguous()


def check_case(family, c, device, compile_mode=None):
    """One golden case through the replicated code path (two identical replicas); with compile_mode, the gradients
    and losses through torch.compile in that mode. Returns {what: max relative error} and a list of failures."""
    s = spec_of_case(family, c)
    errors, failures = {}, []

    def record(what, error, tolerance):
        errors[what] = max(errors.get(what, 0.0), error)
        if not error < tolerance:
            failures.append(f"{what}: relative error {error:.3g} (tolerance {tolerance:g})")

    expected_layout = [(name, tuple(entry["shape"])) for name, entry in c["state_dict"].items()]
    ours = [(name, tuple(shape)) for name, shape, _ in layout(s)]
    if ours != expected_layout:
        return errors, [f"layout differs: ours {ours}, the reference's {expected_layout}"]
    if parameter_count(s) != sum(math.prod(shape) for _, shape in expected_layout):
        failures.append("parameter count")
    if family == "rnn" and rnn_dims(s)[0] != c["module_h_dim"]:
        failures.append(f"module width {rnn_dims(s)[0]}, the reference's {c['module_h_dim']}")
    if family == "mha" and c["heads"] != (2 * s.rules if s.kind == "monolithic" else 2):
        failures.append(f"heads {c['heads']}")

    params = {name: two_replicas(golden_tensor(entry)).to(device) for name, entry in c["state_dict"].items()}
    inputs = torch.tensor(c["inputs"], dtype=torch.float32)
    onehot = inputs[..., -s.rules:]
    predictions_ref = golden_tensor(c["predictions"])
    labels = torch.tensor(c["labels"], dtype=torch.float32).reshape(predictions_ref.shape)
    record("labels (our task code)", relative_error(task_labels(s, c, inputs).reshape(labels.shape), labels),
           OUTPUT_TOLERANCE)
    batch = tuple(two_replicas(t).to(device) for t in (inputs, onehot, labels))

    def predict(p, x, oh):
        predictions, scores = FORWARD[family](s, p, x, oh)
        return predictions, scores if scores is not None else torch.zeros(())
    predictions, scores = torch.func.vmap(predict)(params, batch[0], batch[1])
    for r in range(2):
        record("predictions", relative_error(predictions[r].cpu(), predictions_ref), OUTPUT_TOLERANCE)
        if c["scores"] is not None:
            scores_ref = golden_tensor(c["scores"])
            record("scores", relative_error(scores[r].cpu().reshape(scores_ref.shape), scores_ref), OUTPUT_TOLERANCE)
    if (c["scores"] is None) != (s.kind == "monolithic"):
        failures.append("scores present where the reference has none, or missing")

    grads_fn = grads_of
    if compile_mode:
        fresh_compile_state()
        grads_fn = torch.compile(grads_of, mode=None if compile_mode == "default" else compile_mode)
    grads, losses, norms = grads_fn(s, params, batch)
    for r in range(2):
        record("loss", abs(losses[r].item() - c["loss"]) / abs(c["loss"]), OUTPUT_TOLERANCE)
        if family == "rnn":
            norm_ref = c["grad_norm_before_clip"]
            record("grad norm", abs(norms[r].item() - norm_ref) / norm_ref, GRADIENT_TOLERANCE)
        for name in params:
            ours = grads[name][r].cpu()
            if name in c["params_without_gradient"] or name not in c["grads"]:
                if ours.abs().max().item() != 0.0:  # never used: our gradient must be exactly zero
                    failures.append(f"gradient of {name}: unused in the reference, ours is not zero")
                continue
            reference = golden_tensor(c["grads"][name])
            if reference.double().norm().item() < NOISE_GRADIENT:  # zero in exact arithmetic, float noise in both
                if not ours.double().norm().item() < 10 * NOISE_GRADIENT:
                    failures.append(f"gradient of {name}: norm {ours.double().norm().item():.3g}, zero expected")
                continue
            record("gradients", relative_error(ours, reference), GRADIENT_TOLERANCE)

    # Adam from the reference's gradients (float noise around zero would otherwise decide a step's sign), through
    # the optimizers the benchmark uses: fused on the GPU; on the CPU foreach (its choice there) and fused
    adam = c["adam"]
    if tuple(adam["betas"]) != (0.9, 0.999) or adam["eps"] != 1e-8:
        failures.append(f"Adam settings {adam} are not torch's defaults")
    for which in ("fused",) if torch.device(device).type == "cuda" else ("foreach", "fused"):
        stepped = {name: p.clone() for name, p in params.items()}
        optimizer, _ = make_adam(list(stepped.values()), adam["lr"], torch.device(device), which)
        for name, p in stepped.items():
            grad = c["grads"].get(name)
            p.grad = two_replicas(golden_tensor(grad)).to(device) if grad is not None else torch.zeros_like(p)
        optimizer.step()
        for name, p in stepped.items():
            for r in range(2):
                record("after Adam", relative_error(p[r].cpu(), golden_tensor(c["after_adam"][name])),
                       ADAM_TOLERANCE)
    return errors, failures


def check_trainer_adams(device):
    """The benchmark's own step (draw, vmapped gradients, Adam) with fused and with foreach Adam, from the same seeds:
    the parameters after 2 steps must agree (a gradient in another layout than its parameter once made the fused
    kernel read it wrongly). Returns [(family, max relative error)]."""
    out = []
    for family in FAMILIES:
        s = Spec(family, "modular", 4, (16, 32), batch=16, seq_len=5, d_dim=4)
        after = []
        for which in ("foreach", "fused"):
            torch.manual_seed(0)
            trainer = Trainer(s, 2, torch.device(device), 0, 0, "off", lr=1e-3, adam=which)
            trainer.step()
            trainer.step()
            after.append(trainer.params)
        out.append((family, max(relative_error(after[1][k].cpu(), after[0][k].cpu()) for k in after[0])))
    return out


def known_counts():
    """The reference's parameter counts that bench's eager scripts assert: [(Spec, count)]."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_mha_step
    import torch_rnn_step
    import torch_step
    out = [(Spec("mlp", "modular", r, (e, d)), n) for (r, e, d), n in torch_step.KNOWN_PARAMETER_COUNTS.items()]
    out += [(Spec("mha", kind, r, (d, a)), n) for (kind, r, d, a), n in torch_mha_step.KNOWN_PARAMETER_COUNTS.items()]
    out += [(Spec("rnn", kind, r, (e, h), d_dim=d), n)
            for (kind, r, d, e, h), n in torch_rnn_step.KNOWN_PARAMETER_COUNTS.items()]
    return out


def run_check(device, compile_mode=None):
    """Every golden case of every family (with compile_mode: the regression cases of search version 1 only, their
    gradients through torch.compile); prints the max relative error per family and kind, returns 0 when all pass."""
    started = time.perf_counter()
    set_tf32(False)
    print(f"torch {torch.__version__} on {device}: one training step of the reference's models "
          f"({os.path.relpath(GOLDEN)}/torch_{{mlp,mha,rnn}}.json), each case as 2 identical vmapped replicas"
          + (f"; gradients and losses through torch.compile mode {compile_mode} (regression, search v1)"
             if compile_mode else ""))
    print(f"tolerances (relative error over a tensor): outputs and loss {OUTPUT_TOLERANCE:g}, gradients "
          f"{GRADIENT_TOLERANCE:g}, after Adam {ADAM_TOLERANCE:g}")
    columns = ("labels (our task code)", "predictions", "scores", "loss", "grad norm", "gradients", "after Adam")
    print("| family | kind | cases | " + " | ".join(columns) + " |")
    print("|---|---|---:|" + "---:|" * len(columns))
    failed = []
    for family in FAMILIES:
        with open(os.path.join(GOLDEN, f"torch_{family}.json")) as f:
            cases = json.load(f)["cases"]
        for kind in KINDS:
            worst, count = {}, 0
            for c in (c for c in cases if c["kind"] == kind):
                if compile_mode and (c["task"] != "regression" or c.get("search_version", 1) != 1):
                    continue
                errors, failures = check_case(family, c, device, compile_mode)
                count += 1
                for what, error in errors.items():
                    worst[what] = max(worst.get(what, 0.0), error)
                version = f" v{c['search_version']}" if "search_version" in c else ""
                failed += [f"{family} {c['task']}{version} {kind}: {failure}" for failure in failures]
            cells = " | ".join(f"{worst[w]:.1e}" if w in worst else "-" for w in columns)
            print(f"| {family} | {kind} | {count} | {cells} |")
    for s, count in known_counts():
        if parameter_count(s) != count:
            failed.append(f"{s.family} {s.kind} R={s.rules} {s.capacity}: {parameter_count(s)} parameters, "
                          f"the reference has {count}")
    print(f"parameter counts: {len(known_counts())} known reference counts (bench/torch_*step.py) checked")
    adams = check_trainer_adams(device)
    print("the benchmark's step, 2 replicas x 2 steps, fused against foreach Adam: max relative error "
          + ", ".join(f"{family} {error:.1e}" for family, error in adams))
    failed += [f"{family}: fused and foreach Adam differ by {error:.3g}" for family, error in adams
               if not error < ADAM_TOLERANCE]
    for failure in failed:
        print("FAILED " + failure)
    print(f"{'FAILED' if failed else 'passed'} in {time.perf_counter() - started:.1f} s")
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------------------------------
# Timing: R replicas, one compiled step (draw, forward, backward, clipping) and fused Adam

def set_tf32(on):
    """--tf32: TF32 for cuBLAS matmuls and cuDNN (no effect on the CPU)."""
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Trainer:
    """R replicas of one Spec on one device: stacked parameters, task instances, Adam, and step()."""

    def __init__(self, s, replicas, device, seed, data_seed, compile_mode, lr=1e-4, adam="auto"):
        self.s, self.replicas, self.device = s, replicas, device
        self.params = init_replicas(s, [seed + i for i in range(replicas)], device)   # {name: (rep, ...)}
        self.coefficients = task_coefficients(s, [data_seed + i % 5 for i in range(replicas)], device)
        self.optimizer, self.adam = make_adam(list(self.params.values()), lr, device, adam)
        self.compile_mode = compile_mode
        self.cudagraphs = compile_mode in ("reduce-overhead", "max-autotune")
        step_grads = self.step_grads
        if compile_mode != "off":
            if self.cudagraphs and hasattr(torch._dynamo, "mark_static_address"):
                for t in (*self.params.values(), *self.coefficients):  # updated in place: no copy per replay
                    torch._dynamo.mark_static_address(t)
            step_grads = torch.compile(step_grads, mode=None if compile_mode == "default" else compile_mode)
        self.grads_fn = step_grads

    def step_grads(self, params, coefficients):
        """Draw every replica's batch on the device, then every replica's (clipped) gradient and loss."""
        batch = DRAW[self.s.family](self.s, coefficients, self.replicas, self.device)
        grads, losses, _ = grads_of(self.s, params, batch)
        # the parameters' own (contiguous) layout, which the fused Adam kernel reads as flat arrays
        return {name: g.contiguous() for name, g in grads.items()}, losses

    def step(self):
        """One training step of every replica; returns the losses (rep,)."""
        self.optimizer.zero_grad(set_to_none=True)  # no reference to the last replay's outputs survives it
        if self.cudagraphs:
            torch.compiler.cudagraph_mark_step_begin()
        grads, losses = self.grads_fn(self.params, self.coefficients)
        for name, p in self.params.items():
            p.grad = grads[name]
        self.optimizer.step()
        return losses


def time_trainer(trainer, steps, repeats, warmup):
    """(first step s, warm-up s, [ms per step of each repeat], last losses): the first step compiles."""
    device = trainer.device
    start = time.perf_counter()
    trainer.step()
    synchronize(device)
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(warmup):
        trainer.step()
    synchronize(device)
    warmup_s = time.perf_counter() - start
    ms = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            losses = trainer.step()
        synchronize(device)
        ms.append((time.perf_counter() - start) * 1e3 / steps)
    return first_s, warmup_s, ms, losses.detach().float().cpu()


def fresh_compile_state():
    """Forget compiled code between configurations (a new shape or TF32 setting compiles anew), and the counters."""
    if hasattr(torch, "_dynamo"):
        torch._dynamo.reset()
        torch._dynamo.utils.counters.clear()


def compile_counters():
    """(graphs dynamo made, CUDA graph skips inductor reported) since the last fresh_compile_state()."""
    try:
        counters = torch._dynamo.utils.counters
        return counters["stats"].get("unique_graphs", 0), counters["inductor"].get("cudagraph_skips", 0)
    except (AttributeError, KeyError):
        return None, None


def measure(s, replicas, device, mode, args):
    """One configuration in one compile mode: a JSON-ready dict; a compile that fails falls back to eager."""
    fresh_compile_state()
    note = None
    try:
        trainer = Trainer(s, replicas, device, args.seed, args.data_seed, mode, adam=args.adam)
        first_s, warmup_s, ms, losses = time_trainer(trainer, args.steps, args.repeats, args.warmup)
    except Exception as error:  # noqa: BLE001: a compiler failure, reported, then eager
        if mode == "off":
            raise
        note = f"torch.compile mode {mode} failed ({type(error).__name__}: {str(error).splitlines()[0][:200]}); eager"
        print(f"torch_strong: {note}", file=sys.stderr)
        fresh_compile_state()
        trainer = Trainer(s, replicas, device, args.seed, args.data_seed, "off", adam=args.adam)
        first_s, warmup_s, ms, losses = time_trainer(trainer, args.steps, args.repeats, args.warmup)
        mode = "off"
    graphs, skips = compile_counters() if mode != "off" else (None, None)
    notes = [note] if note else []
    if graphs and graphs > 1:
        notes.append(f"{graphs} graphs (graph breaks)")
    if skips and device.type == "cuda" and mode in ("reduce-overhead", "max-autotune"):
        notes.append(f"CUDA graphs skipped {skips} time(s)")
    if not torch.isfinite(losses).all():
        notes.append("non-finite loss")
    note = "; ".join(notes) or None
    return {"compile_mode": "eager" if mode == "off" else mode, "ms_per_step": statistics.median(ms),
            "graphs": graphs, "cudagraph_skips": skips,
            "ms_per_step_all": [round(x, 4) for x in ms], "first_step_s": round(first_s, 3),
            "warmup_s": round(warmup_s, 3), "loss_mean": losses.mean().item(), "adam": trainer.adam, "note": note}


def release_memory(device):
    """Between configurations: free the last one's tensors and CUDA graph pools (prewarm processes share the GPU)."""
    fresh_compile_state()
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def versions(device):
    cuda = torch.version.cuda
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else (os.uname().machine + " CPU")
    return {"torch": torch.__version__, "cuda": cuda, "cudnn": torch.backends.cudnn.version() if cuda else None,
            "device": str(device), "device_name": name}


def run_config(s, replicas, tf32, device, modes, args):
    """One configuration in every compile mode asked for; the fastest is reported. Returns a dict (one JSON line)."""
    set_tf32(tf32)
    tried = {}
    best = None
    for mode in modes:
        result = measure(s, replicas, device, mode, args)
        tried[result["compile_mode"]] = round(result["ms_per_step"], 4)
        if best is None or result["ms_per_step"] < best["ms_per_step"]:
            best = result
    record = {"family": s.family, "task": s.task, "kind": s.kind, "rules": s.rules, "capacity": list(s.capacity),
              "replicas": replicas, "batch": s.batch, "parameters_per_replica": parameter_count(s), "tf32": tf32}
    if s.family == "mha":
        record.update(seq_len=s.seq_len, search_version=s.search_version)
    elif s.family == "rnn":
        record.update(seq_len=s.seq_len, d_dim=s.d_dim, order=s.order, cell_width=rnn_dims(s)[0])
    record.update(best)
    record["ms_per_replica_step"] = best["ms_per_step"] / replicas
    record["modes_ms"] = tried
    record.update(versions(device))
    record.update(steps=args.steps, repeats=args.repeats, warmup=args.warmup,
                  threads=torch.get_num_threads() if device.type == "cpu" else None)
    return record


# ---------------------------------------------------------------------------------------------------------------
# The command line: a matrix of configurations, one JSON line each

def parse_list(text, allowed=None, convert=str):
    values = [convert(v) for v in text.split(",") if v]
    if allowed is not None:
        if values == ["all"]:
            return list(allowed)
        bad = [v for v in values if v not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(f"{bad} not in {allowed}")
    return values


def parse_capacities(text):
    """paper: the five, the ends first (the issue's targets, so a run cut short by --budget-s has them); ends:
    (32, 128) and (512, 2048); else a list such as 32x128,512x2048."""
    if text == "paper":
        return [PAPER_CAPACITIES[0], PAPER_CAPACITIES[-1], *PAPER_CAPACITIES[1:-1]]
    if text == "ends":
        return [PAPER_CAPACITIES[0], PAPER_CAPACITIES[-1]]
    return [tuple(int(x) for x in c.split("x")) for c in text.split(",")]


def compile_modes(text, device):
    """off, a mode, a comma list, or auto (reduce-overhead, max-autotune-no-cudagraphs, default on the GPU)."""
    if text == "auto":
        return list(COMPILE_CANDIDATES) if device.type == "cuda" else ["default"]
    return text.split(",")


def configurations(args):
    """The matrix: [(Spec, replicas, tf32)] in capacity, family, kind, replicas, tf32 order (a run cut short by
    --budget-s has every family and kind at the first capacities)."""
    out = []
    for capacity in args.capacity:
        for family in args.family:
            for kind in args.kind:
                s = Spec(family, kind, args.rules, capacity, args.task, args.batch, args.seq_len,
                         args.search_version, args.d_dim, args.order)
                for replicas in args.replicas:
                    for tf32 in args.tf32:
                        out.append((s, replicas, tf32 == "on"))
    return out


def valid(s):
    """None, or why the reference cannot build this model."""
    if s.family == "mlp" and s.kind != "monolithic" and s.capacity[1] % s.rules:
        return f"dim {s.capacity[1]} is not a multiple of {s.rules} rules"
    if s.family == "mha" and s.capacity[1] % (2 * s.rules):
        return f"att_dim {s.capacity[1]} is not a multiple of 2 x {s.rules} rules"
    return None


def prewarm(args, argv, jobs, timeout_s):
    """Compile every configuration once in `jobs` processes side by side (the inductor caches on disk then serve
    the timing process), each running its share with 1 step and 2 warm-up steps, its output discarded; processes
    still running after timeout_s are stopped."""
    started = time.perf_counter()
    procs = []
    for shard in range(jobs):
        command = [sys.executable, os.path.abspath(__file__), *argv, "--prewarm-jobs", "0",
                   "--shard", f"{shard}/{jobs}", "--steps", "1", "--repeats", "1", "--warmup", "2"]
        procs.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        try:
            _, err = proc.communicate(timeout=max(1.0, timeout_s - (time.perf_counter() - started)))
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            print(f"torch_strong: prewarm process {proc.pid} stopped after {timeout_s:.0f} s", file=sys.stderr)
            continue
        if proc.returncode != 0:
            print(f"torch_strong: a prewarm process failed ({proc.returncode}): {err[-500:]}", file=sys.stderr)
    print(f"torch_strong: prewarmed in {jobs} processes, {time.perf_counter() - started:.0f} s", file=sys.stderr)


def summarize(path):
    """A markdown table of JSON lines (from this script)."""
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    notes = [r["note"] for r in rows if "skipped" in r]
    rows = [r for r in rows if "skipped" not in r]
    if not rows:
        print("(no results)")
        return
    first = rows[0]
    print(f"torch {first['torch']}, CUDA {first['cuda']}, cuDNN {first.get('cudnn')}, {first['device_name']}")
    print()
    print("| family | kind | R | capacity | replicas | TF32 | params/replica | compile mode | ms/step | "
          "ms/replica-step | modes tried (ms/step) | note |")
    print("|---|---|---:|---|---:|---|---:|---|---:|---:|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['family']} | {r['kind']} | {r['rules']} | {'x'.join(map(str, r['capacity']))} | "
                  f"{r['replicas']} | {'on' if r['tf32'] else 'off'} | | | | | | {r['error']} |")
            continue
        tried = ", ".join(f"{m} {ms:.3f}" for m, ms in r["modes_ms"].items())
        print(f"| {r['family']} | {r['kind']} | {r['rules']} | {'x'.join(map(str, r['capacity']))} | "
              f"{r['replicas']} | {'on' if r['tf32'] else 'off'} | {r['parameters_per_replica']} | "
              f"{r['compile_mode']} | {r['ms_per_step']:.3f} | {r['ms_per_replica_step']:.4f} | {tried} | "
              f"{r['note'] or ''} |")
    for note in notes:
        print()
        print(note)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="compare one replica with the golden files (one step of the reference's models), exit;"
                             " with --compile MODE, the regression cases' gradients through torch.compile")
    parser.add_argument("--summarize", metavar="JSONL", help="print a markdown table of a results file, exit")
    parser.add_argument("--family", type=lambda t: parse_list(t, FAMILIES), default=["mlp"], help="mlp,mha,rnn or all")
    parser.add_argument("--kind", type=lambda t: parse_list(t, KINDS), default=["modular"],
                        help="monolithic,modular,modular-op,gt-modular or all")
    parser.add_argument("--task", choices=("regression", "classification"), default="regression")
    parser.add_argument("--rules", type=int, default=8)
    parser.add_argument("--capacity", type=parse_capacities, default=[PAPER_CAPACITIES[0]],
                        help="paper (all five), ends (32x128,512x2048) or a list such as 32x128,128x512; "
                             "MLP enc_dim x dim, MHA dim x att_dim, RNN enc_dim x h_dim")
    parser.add_argument("--replicas", type=lambda t: parse_list(t, convert=int), default=[1, 25])
    parser.add_argument("--tf32", type=lambda t: parse_list(t, ("off", "on")), default=["off"], help="off,on")
    parser.add_argument("--compile", default="auto",
                        help="off (eager), a torch.compile mode (default, reduce-overhead, max-autotune-no-cudagraphs, "
                             "max-autotune), a comma list, or auto (the three candidates on the GPU, default on "
                             "the CPU): each is timed, the fastest reported")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--seq-len", type=int, default=10)
    parser.add_argument("--search-version", type=int, choices=(1, 2), default=1)
    parser.add_argument("--d-dim", type=int, default=32)
    parser.add_argument("--order", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps after the first (CUDA graphs record)")
    parser.add_argument("--seed", type=int, default=0, help="replica i is initialised from seed + i")
    parser.add_argument("--data-seed", type=int, default=0, help="replica i's task instance: data seed + i %% 5")
    parser.add_argument("--adam", choices=("auto", "fused", "foreach"), default="auto",
                        help="auto: fused on the GPU, foreach on the CPU (fused runs on the CPU too, as a check)")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads on the CPU (0: torch's)")
    parser.add_argument("--prewarm-jobs", type=int, default=0,
                        help="compile every configuration first in this many processes side by side (GPU)")
    parser.add_argument("--budget-s", type=float, default=0,
                        help="start no configuration after this many seconds (prewarm included: at most half of it);"
                             " the rest is reported as skipped; 0: no limit")
    parser.add_argument("--shard", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", help="also append the JSON lines to this file")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.summarize:
        summarize(args.summarize)
        return 0
    if args.check:
        mode = None if args.compile in ("off", "auto") else args.compile
        return run_check(args.device, mode)
    modes = compile_modes(args.compile, device)
    if device.type == "cpu" and any(m in ("reduce-overhead", "max-autotune") for m in modes):
        print("torch_strong: CUDA graphs (reduce-overhead, max-autotune) need a GPU; on the CPU they compile "
              "without them", file=sys.stderr)
    configs = configurations(args)
    if args.shard:
        index, count = (int(x) for x in args.shard.split("/"))
        configs = configs[index::count]
    elif args.prewarm_jobs > 1 and modes != ["off"]:
        prewarm(args, argv, args.prewarm_jobs, args.budget_s / 2 if args.budget_s else float("inf"))
    out = open(args.out, "a") if args.out else None
    for index, (s, replicas, tf32) in enumerate(configs):
        if args.budget_s and not args.shard and time.perf_counter() - START > args.budget_s:
            skipped = len(configs) - index
            line = json.dumps({"skipped": skipped, "budget_s": args.budget_s,
                               "note": f"--budget-s {args.budget_s:g} spent: {skipped} configurations not run"})
            print(line, flush=True)
            if out:
                print(line, file=out, flush=True)
            break
        why = valid(s)
        try:
            if why:
                raise ValueError(why)
            record = run_config(s, replicas, tf32, device, modes, args)
        except Exception as error:  # noqa: BLE001: one failed configuration must not stop the matrix
            if not isinstance(error, ValueError):
                traceback.print_exc()
            record = {"family": s.family, "task": s.task, "kind": s.kind, "rules": s.rules,
                      "capacity": list(s.capacity), "replicas": replicas, "tf32": tf32,
                      "error": f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"}
        release_memory(device)
        line = json.dumps(record)
        if not args.shard:
            print(line, flush=True)
            if out:
                print(line, file=out, flush=True)
    return 0


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sys.exit(main())
