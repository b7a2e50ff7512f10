#!/usr/bin/env python3
"""PyTorch (CPU, one thread) timing baseline for one training step of the MLP task's
"Modular (joint)" model of Mittal et al. 2022 (reference: sarthmit/Mod_Arch, MLP/Regression).

A step is what the reference's train_step does: draw a batch of regression data with numpy,
forward, L1 loss, backward, Adam. Shapes, parameter names and the parameter count match the
reference model, so the Java engine can be compared step for step.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_step.py --enc-dim 32 --dim 128 --json
    OMP_NUM_THREADS=2 bench/.venv/bin/python bench/torch_step.py --mode compile --threads 2 --json

Modes: "eager" runs the step as written; "compile" (PyTorch 2.x) runs forward + loss through
torch.compile (inductor), whose AOTAutograd also compiles the backward graph that loss.backward()
runs, so forward, loss and backward are compiled code; Adam is torch's own fused CPU kernel where
the version has one (--adam auto: fused in 2.4+, else foreach). Data is drawn with numpy in every
mode and timed, as in the reference.
"""
import argparse
import inspect
import json
import math
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# (rules, enc_dim, dim) -> parameter count of the reference model
KNOWN_PARAMETER_COUNTS = {(8, 128, 512): 564105, (2, 32, 128): 35619}


class GroupLinear(nn.Module):
    """R independent linear maps, one per module: (B, R, din) -> (B, R, dout) by a batched matmul over R.
    add_bias=False: b is still a parameter (counted, never used), as in the reference's GroupLinearLayer(bias=False)."""

    def __init__(self, groups, din, dout, add_bias=True):
        super().__init__()
        bound = math.sqrt(1.0 / din)
        self.add_bias = add_bias
        self.w = nn.Parameter(torch.empty(groups, din, dout).uniform_(-bound, bound))
        self.b = nn.Parameter(torch.empty(1, groups, dout).uniform_(-bound, bound))

    def forward(self, x):
        out = torch.bmm(x.permute(1, 0, 2), self.w).permute(1, 0, 2)
        return out + self.b if self.add_bias else out


def two_layer(din, dhidden, dout):
    return nn.Sequential(nn.Linear(din, dhidden), nn.ReLU(), nn.Linear(dhidden, dout))


class ModularJoint(nn.Module):
    """Each of R module MLPs emits D outputs plus one self-score; a softmax over modules of the
    scores weights the sum of the module outputs, which a small decoder maps to the prediction."""

    def __init__(self, rules, enc_dim, dim):
        super().__init__()
        self.rules = rules
        self.encoder_digit = two_layer(1, enc_dim, enc_dim)          # shared by a and b
        self.encoder_operation = two_layer(rules, enc_dim, enc_dim)  # one-hot rule
        self.MLP = nn.Sequential(
            GroupLinear(rules, 3 * enc_dim, dim // rules),
            nn.ReLU(),
            GroupLinear(rules, dim // rules, dim + 1))
        self.decoder = two_layer(dim, enc_dim, 1)

    def forward(self, x):
        # x is (B, 2 + R): a, b, one-hot rule
        h = torch.cat((self.encoder_digit(x[:, 0:1]),
                       self.encoder_digit(x[:, 1:2]),
                       self.encoder_operation(x[:, 2:])), dim=-1)   # (B, 3E)
        h = h.unsqueeze(1).repeat(1, self.rules, 1)                   # (B, R, 3E)
        out = self.MLP(h)                                             # (B, R, D+1)
        score = F.softmax(out[:, :, -1:], dim=1)                      # (B, R, 1)
        mixed = (out[:, :, :-1] * score).sum(dim=1)                   # (B, D)
        return self.decoder(mixed).squeeze(), score.squeeze()


def make_batch(batch_size, rules, data_seed):
    """Regression batch: y = coeff1[rule] * a + coeff2[rule] * b, inputs [a, b, onehot(rule)] in float64."""
    coefficients = np.random.RandomState(data_seed)
    coeff1 = coefficients.randn(rules)
    coeff2 = coefficients.randn(rules)
    a = np.random.randn(batch_size, 1)
    b = np.random.randn(batch_size, 1)
    rule = np.random.choice(rules, size=batch_size)
    onehot = np.zeros((batch_size, rules))
    onehot[np.arange(batch_size), rule] = 1.0
    label = coeff1[rule] * a[:, 0] + coeff2[rule] * b[:, 0]
    return np.concatenate((a, b, onehot), axis=-1), label


def fused_adam_on_cpu():
    """True where torch.optim.Adam(fused=True) runs on CPU tensors (PyTorch 2.4+); 1.13 has it for CUDA only."""
    if "fused" not in inspect.signature(torch.optim.Adam).parameters:
        return False
    try:
        p = nn.Parameter(torch.zeros(2))
        p.grad = torch.ones(2)
        torch.optim.Adam([p], fused=True).step()
        return True
    except (RuntimeError, ValueError):
        return False


def add_step_arguments(parser, steps=100, warmup=20):
    """The options every step baseline shares (this one and torch_mha_step.py): batch, timing, seeds, threads,
    mode, Adam, device, output."""
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=steps, help="timed steps per repeat")
    parser.add_argument("--warmup", type=int, default=warmup, help="untimed steps before the first repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, default=0,
                        help="stop repeating (after at least 2 repeats) once the timed steps took this long; 0: never")
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (also set OMP_NUM_THREADS)")
    parser.add_argument("--mode", choices=("eager", "compile"), default="eager",
                        help="compile: torch.compile of forward + loss (+ its backward), PyTorch 2.x")
    parser.add_argument("--compile-mode", default="default",
                        help="torch.compile mode (default, max-autotune-no-cudagraphs, ...)")
    parser.add_argument("--adam", choices=("auto", "fused", "foreach", "single"), default="auto",
                        help="Adam implementation; auto: fused where this torch has it on the CPU, else foreach")
    parser.add_argument("--device", default="cpu",
                        help="cpu, or cuda: the model on the GPU, the batch drawn with numpy on the host and copied"
                             " there each step, as the reference does; timing waits for the GPU")
    parser.add_argument("--json", action="store_true", help="print one JSON line only")


def check_step_arguments(parser, args):
    if args.mode == "compile" and not hasattr(torch, "compile"):
        parser.error(f"--mode compile needs PyTorch 2.x, this is {torch.__version__}")


def seed_everything(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)


def time_training(args, model, forward_loss, make_tensors, describe, record, after_backward=None):
    """Times the reference's train_step: model.train(), zero_grad, draw a batch with numpy (make_tensors: host
    arrays, timed) and copy it to the device, forward + loss, backward, after_backward() where given (e.g. gradient
    clipping, eager in every mode), Adam lr 1e-4. forward_loss(*tensors) returns the loss; under --mode compile it
    runs through torch.compile. Prints one JSON line (record plus the timings) or a line per repeat. describe: what
    the human-readable header names."""
    device = torch.device(args.device)
    adam = args.adam
    if adam == "auto":
        adam = "fused" if device.type == "cuda" or fused_adam_on_cpu() else "foreach"
    adam_options = {"fused": {"fused": True}, "foreach": {"foreach": True}, "single": {"foreach": False}}[adam]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, **adam_options)
    if args.mode == "compile":
        forward_loss = torch.compile(forward_loss, mode=args.compile_mode, fullgraph=True)

    def synchronize():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def step():
        model.train()
        model.zero_grad()
        tensors = [torch.Tensor(a).to(device) for a in make_tensors()]
        loss = forward_loss(*tensors)
        loss.backward()
        if after_backward is not None:
            after_backward()
        optimizer.step()
        return loss

    parameters = record["parameters"]
    if not args.json:
        print(f"torch {torch.__version__} on {args.device}, {torch.get_num_threads()} thread(s), {args.mode}, Adam {adam}, "
              f"{describe}: {parameters} parameters")
    start = time.perf_counter()
    step()  # in compile mode, this compiles
    synchronize()
    first_step_s = time.perf_counter() - start
    for _ in range(args.warmup):
        step()
    ms_per_step = []
    timed_since = time.perf_counter()
    for r in range(args.repeats):
        if args.max_seconds > 0 and r >= 2 and time.perf_counter() - timed_since > args.max_seconds:
            break
        start = time.perf_counter()
        for _ in range(args.steps):
            loss = step()
        synchronize()
        ms_per_step.append((time.perf_counter() - start) * 1e3 / args.steps)
        if not args.json:
            print(f"repeat {r + 1}/{args.repeats}: {ms_per_step[-1]:.3f} ms/step (loss {loss.item():.4f})")
    median = statistics.median(ms_per_step)
    if args.json:
        print(json.dumps({**record, "ms_per_step_median": median, "ms_per_step_all": ms_per_step,
                          "torch": torch.__version__, "threads": torch.get_num_threads(),
                          "mode": args.mode, "compile_mode": args.compile_mode if args.mode == "compile" else None,
                          "adam": adam, "device": args.device, "first_step_s": first_step_s}))
    else:
        print(f"median {median:.3f} ms/step over {len(ms_per_step)} x {args.steps} steps")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enc-dim", type=int, default=32)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--rules", type=int, default=8)
    add_step_arguments(parser)
    args = parser.parse_args()
    if args.dim % args.rules != 0:
        parser.error(f"--dim {args.dim} is not a multiple of --rules {args.rules}")
    check_step_arguments(parser, args)
    seed_everything(args)

    model = ModularJoint(args.rules, args.enc_dim, args.dim).to(torch.device(args.device))
    parameters = sum(p.numel() for p in model.parameters())
    expected = KNOWN_PARAMETER_COUNTS.get((args.rules, args.enc_dim, args.dim))
    assert expected is None or parameters == expected, f"{parameters} parameters, the reference has {expected}"
    criterion = nn.L1Loss()

    def forward_loss(data, label):
        out, _ = model(data)
        return criterion(out, label)

    time_training(args, model, forward_loss, lambda: make_batch(args.batch_size, args.rules, args.data_seed),
                  f"rules={args.rules} enc_dim={args.enc_dim} dim={args.dim}",
                  {"enc_dim": args.enc_dim, "dim": args.dim, "rules": args.rules, "parameters": parameters})

if __name__ == "__main__":
    main()
