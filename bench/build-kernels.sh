#!/usr/bin/env bash
# Builds kernels/*.cu for the GPU with nvcc into ONE fatbin: SASS for sm_80, sm_90, sm_100 plus compute_80 PTX
# (JIT on newer GPUs); sm_80 SASS also runs on sm_86 and sm_89 (same major version), so those are not built
# separately, which keeps the committed fatbin 2 MiB smaller (3.3 instead of 5.3 MiB when this was decided). No
# -lineinfo: its line tables made the fatbin 4.3 MB instead of 1.7 (measured with the 13 kernel files of 2026-11-26)
# and change no code; add it locally to profile with Nsight Compute.
# Written to src/main/resources/modarch/kernels/ with ptxas.txt (the -Xptxas -v report: registers, shared memory,
# spills) and manifest.txt (the sha256 of every kernel source and header, the nvcc version and the flags; KernelManifestTest
# fails when it no longer matches kernels/). Fails if ptxas reports a spill.
# All .cu files are compiled as one translation unit (one module): kernel and __device__ helper names must be
# unique across files.
# usage: bench/build-kernels.sh [--check]   env: NVCC (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc)
#   --check: compile and look for spills only, writing nothing (what the tests run where nvcc is present)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
out=src/main/resources/modarch/kernels
mkdir -p "$out"
shopt -s nullglob
kernels=(kernels/*.cu)
[ ${#kernels[@]} -gt 0 ] || { echo "bench/build-kernels.sh: no kernels/*.cu" >&2; exit 1; }
flags="-std=c++17 -O3 -Xptxas -v"
for sm in 80 90 100; do flags+=" -gencode arch=compute_$sm,code=sm_$sm"; done
flags+=" -gencode arch=compute_80,code=compute_80"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cu in "${kernels[@]}"; do echo "#include \"$root/$cu\""; done > "$tmp/modarch_kernels.cu"
"$NVCC" $flags -fatbin -o "$tmp/modarch.fatbin" "$tmp/modarch_kernels.cu" 2> "$tmp/ptxas.txt" \
  || { cat "$tmp/ptxas.txt" >&2; exit 1; }
if grep -E '[1-9][0-9]* bytes spill (stores|loads)' "$tmp/ptxas.txt" >&2; then
  echo "bench/build-kernels.sh: ptxas reports spills (above)" >&2
  exit 1
fi
if [ "${1:-}" = --check ]; then
  echo "bench/build-kernels.sh: ${#kernels[@]} kernel files compile for every target, no spills"
  exit 0
fi
grep -v 'Compile time' "$tmp/ptxas.txt" | sed "s|$root/||g; s|$tmp/||g" > "$out/ptxas.txt"   # no timings: reproducible
mv "$tmp/modarch.fatbin" "$out/modarch.fatbin"
{
  echo "# kernels/*.cu as built into modarch.fatbin by bench/build-kernels.sh; rebuild after changing any of them"
  echo "# $("$NVCC" --version | grep -m1 release)"
  echo "# flags: $flags"
  sha256sum "${kernels[@]}" kernels/*.h
} > "$out/manifest.txt"
echo "bench/build-kernels.sh: $out/modarch.fatbin ($(stat -c %s "$out/modarch.fatbin") bytes, ${#kernels[@]} kernel files)"
