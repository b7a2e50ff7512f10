#!/usr/bin/env bash
# One training step (mlp-regression, modular, R=8, batch 256) at (E,D) = (32,128) and (128,512):
# modarch (JMH, default settings) against PyTorch on the CPU, measured in the same run, printing
# medians and the ratio. PyTorch runs at its best setting on these machines: one thread.
#
#   bench/compare.sh            # prints a Markdown table; also written to bench/results/tmp/
#
# Needs Debian's python3-torch and an optimised BLAS for it:
#   apt-get install -y python3-torch libopenblas0-pthread
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results/tmp
mkdir -p "$out"

/usr/bin/python3 -c 'import torch' 2>/dev/null || {
  echo "compare.sh: PyTorch not found for /usr/bin/python3: apt-get install -y python3-torch libopenblas0-pthread" >&2
  exit 2
}

mvn -q -Pbench -DskipTests package
java --add-modules jdk.incubator.vector -cp target/modarch.jar org.openjdk.jmh.Main TrainStepBench \
  -rf json -rff "$out/jmh-trainstep.json" | grep -E "^(Benchmark|TrainStepBench)" || true

for sizes in "32 128" "128 512"; do
  set -- $sizes
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_step.py \
    --enc-dim "$1" --dim "$2" --rules 8 --steps 100 --repeats 7 --json
done >"$out/torch-trainstep.jsonl"

/usr/bin/python3 - "$out/jmh-trainstep.json" "$out/torch-trainstep.jsonl" <<'PY'
import json, statistics, sys
jmh = json.load(open(sys.argv[1]))
torch = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
print("| E, D | modarch ms/step (median) | PyTorch ms/step (median) | PyTorch / modarch |")
print("| --- | --- | --- | --- |")
for t in torch:
    key = f"{t['enc_dim']},{t['dim']}"
    run = next(r for r in jmh if r["params"]["sizes"] == key)
    raw = [v for fork in run["primaryMetric"]["rawData"] for v in fork]
    ours = statistics.median(raw)
    print(f"| {t['enc_dim']}, {t['dim']} | {ours:.3f} | {t['ms_per_step_median']:.3f} | {t['ms_per_step_median'] / ours:.2f}x |")
PY
