#!/usr/bin/env bash
# The GPU check: on a machine with an NVIDIA GPU (driver R580+), runs the gpu-tagged tests, a small training run
# with --device cuda, the CUDA timings (bench GpuStepTimer: per kernel, and ms per training step of every MLP kind
# at R in {2, 8, 32}, (E, D) in {(32, 128), (512, 2048)}, 1 and 25 replicas) and, where python3 has PyTorch with
# CUDA, PyTorch eager on the same GPU (bench/torch_step.py --device cuda); writes
# bench/results/gpu-<card>-<date>.md (or $RESULTS_DIR/...).
#
#   bench/gpu-check.sh                 # builds with Maven first (needs mvn, a JDK 17 and the tests' classes)
#   PREBUILT=DIR bench/gpu-check.sh    # a machine without Maven: DIR holds modarch.jar (built -Pbench),
#                                      # test-classes/, junit-console.jar, bench-classes/ (GpuStepTimer) and
#                                      # optionally a Java runtime in jre/
#   DEVICE=cuda-emulated QUICK=1 bench/gpu-check.sh   # a dry run of the script on any machine
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
results=${RESULTS_DIR:-bench/results}
if [ -n "${PREBUILT:-}" ]; then
  jar=$PREBUILT/modarch.jar
  tests=$PREBUILT/test-classes
  console=$PREBUILT/junit-console.jar
  timer_cp=$jar:$PREBUILT/bench-classes
  [ -x "$PREBUILT/jre/bin/java" ] && export PATH="$PREBUILT/jre/bin:$PATH"
else
  mvn -B -q -Pbench -DskipTests package
  mvn -B -q test-compile
  mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.4 \
    -DoutputDirectory=target -Dmdep.stripVersion=true
  jar=target/modarch.jar
  tests=target/test-classes
  console=target/junit-platform-console-standalone.jar
  timer_cp=$jar
fi
device=${DEVICE:-cuda}
flags=$(sed -n 's:.*<modarch.jvm.flags>\(.*\)</modarch.jvm.flags>.*:\1:p' pom.xml)
java_run() { java $flags "$@" 2> >(grep -v 'Using incubator modules' >&2); }
gpu() { nvidia-smi --query-gpu="$1" --format=csv,noheader 2>/dev/null | head -1 || true; }
card=$(gpu name | tr ' ' '-' | tr -cd 'A-Za-z0-9_-')
out="$results/gpu-${card:-unknown}-$(date +%F).md"
mkdir -p "$results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo "# GPU check: $(gpu name,driver_version,memory.total) (--device $device)"
  echo
  echo "Run by bench/gpu-check.sh on $(date -u +%FT%TZ), commit ${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}."
  echo
  echo '## modarch devices'
  echo '```'
  java_run -jar "$jar" devices
  echo '```'
  echo
  echo '## gpu-tagged tests'
  echo '```'
  java_run -jar "$console" execute -cp "$tests:$jar" --include-tag gpu --scan-classpath "$tests" \
    --details summary --disable-banner 2>&1 | grep -v '^\s*$' | tail -25 || echo "(tests failed: see above)"
  echo '```'
  echo
  echo "## A small run: train --device $device, then eval"
  echo '```'
  started=$SECONDS
  java $flags -jar "$jar" train --device "$device" --task mlp-regression --model modular \
    --rules 8 --iterations "$( [ -n "${QUICK:-}" ] && echo 20 || echo 3000 )" --quiet --out "$work/run" 2>&1 | grep -v 'Using incubator' | tail -4
  echo "$((SECONDS - started)) s wall"
  java_run -jar "$jar" eval "$work/run" 2>&1 | tail -6
  echo '```'
  java_run -cp "$timer_cp" modarch.bench.GpuStepTimer "$device" ${QUICK:+quick}
  if [ -z "${QUICK:-}" ] && python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    echo
    echo '## PyTorch eager on the same GPU (bench/torch_step.py --device cuda, Modular, 1 run, batch 256)'
    echo
    echo '| R | E | D | ms/step (median) | torch |'
    echo '|---:|---:|---:|---:|---|'
    for shape in "8 32 128" "8 512 2048" "2 32 128" "32 32 128"; do
      set -- $shape
      python3 bench/torch_step.py --device cuda --rules "$1" --enc-dim "$2" --dim "$3" --steps 100 --repeats 5 --json
    done > "$work/torch.jsonl"
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("| %d | %d | %d | %.3f | %s |" % (r["rules"], r["enc_dim"], r["dim"], r["ms_per_step_median"], r["torch"]))
' "$work/torch.jsonl"
  else
    echo; echo "(no PyTorch with CUDA here: no PyTorch rows)"
  fi
} | tee "$out"
echo "bench/gpu-check.sh: wrote $out" >&2
