#!/usr/bin/env python3
"""cuBLAS as the yardstick of modarch's GEMM kernels: the batched shapes that GpuStepTimer's kernel table reports,
timed through PyTorch's torch.bmm, which calls cuBLAS's strided batched SGEMM (with TF32 allowed, PyTorch lets
cuBLAS use its TF32 tensor-core math), plus the bias-and-ReLU epilogue modarch fuses (here an add_ and a relu_
after the bmm, timed as a second figure). cuBLAS has no 3xTF32: its FP32 figure is 3xtf32's yardstick.

    python3 bench/cublas_gemm.py --device cuda            # gpu-check.sh runs it beside GpuStepTimer
    python3 bench/cublas_gemm.py --device cpu --quick      # a dry run of the script

Each figure is the median over 5 chunks of CUDA-event-timed calls after a warm-up. Prints a Markdown table.
"""
import argparse
import statistics
import sys
import time

import torch

# (batch, m, n, k) as GpuStepTimer's kernel table: the (512, 2048) module GEMMs and the (32, 128) ones, R = 8 and
# 25 replicas x 8 modules
SHAPES = ((8, 256, 2048, 512), (8, 256, 512, 2048), (200, 256, 2048, 512), (8, 256, 128, 32), (200, 256, 128, 32))
QUICK_SHAPES = ((2, 64, 32, 16),)
CHUNKS = 5


def seconds_per_call(device, calls, body):
    body()
    times = []
    for _ in range(CHUNKS):
        if device == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(calls):
                body()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1e3 / calls)
        else:
            t0 = time.perf_counter()
            for _ in range(calls):
                body()
            times.append((time.perf_counter() - t0) / calls)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--quick", action="store_true", help="one small shape, 2 calls per chunk")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("cublas_gemm.py: --device cuda, but this PyTorch sees no CUDA device", file=sys.stderr)
        sys.exit(1)
    name = torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu"
    print(f"\n## cuBLAS through torch.bmm on {name} (torch {torch.__version__}, CUDA {torch.version.cuda})\n")
    print("| precision | shape (batch x m x n x k) | bmm ms | bmm GFLOP/s | + bias, ReLU ms |")
    print("|---|---|---:|---:|---:|")
    for tf32 in (False, True):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        for batch, m, n, k in QUICK_SHAPES if args.quick else SHAPES:
            gen = torch.Generator(device=args.device).manual_seed(0)
            a = torch.randn(batch, m, k, device=args.device, generator=gen)
            b = torch.randn(batch, k, n, device=args.device, generator=gen)
            bias = torch.randn(batch, 1, n, device=args.device, generator=gen)
            c = torch.empty(batch, m, n, device=args.device)
            flops = 2.0 * batch * m * n * k
            calls = 2 if args.quick else max(3, min(200, int(2e11 / flops)))
            bmm = seconds_per_call(args.device, calls, lambda: torch.bmm(a, b, out=c))
            fused = seconds_per_call(args.device, calls, lambda: torch.bmm(a, b, out=c).add_(bias).relu_())
            print(f"| {'tf32' if tf32 else 'fp32'} | {batch} x {m}x{n}x{k} | {bmm * 1e3:.4f} | {flops / bmm / 1e9:.1f}"
                  f" | {fused * 1e3:.4f} |")
    torch.backends.cuda.matmul.allow_tf32 = False


if __name__ == "__main__":
    main()
