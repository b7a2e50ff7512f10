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
#   FAMILY=mha bench/gpu-check.sh      # the MHA family instead of the MLP runs and timings: the attention kernels,
#                                      # MHA steps of every kind, and 4 runs of MHA_ITERATIONS (20000) steps side by
#                                      # side (R=4, Modular and Monolithic, dense and --attention-topk 1); the file
#                                      # is then gpu-<card>-<date>-mha.md
#   FAMILY=rnn bench/gpu-check.sh      # the RNN family: RNN steps of every kind, and its 4 kinds' runs of
#                                      # RNN_ITERATIONS (20000) steps side by side (R=4, d 32, enc 128, h_dim 128)
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
out="$results/gpu-${card:-unknown}-$(date +%F)${FAMILY:+-$FAMILY}.md"
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
  if [ "${FAMILY:-mlp}" != mlp ]; then
    family=$FAMILY
    echo
    if [ "$family" = mha ]; then
      echo "## Sparse top-k attention and MHA training steps (bench GpuStepTimer mha)"
    else
      echo "## RNN training steps (bench GpuStepTimer rnn)"
    fi
    java_run -cp "$timer_cp" modarch.bench.GpuStepTimer "$device" "$family" ${QUICK:+quick}
    echo
    if [ "$family" = mha ]; then
      echo "## What K = 1 does to learning: mha-regression, R = 4, dim 128, att_dim 512, seeds 0, dense against --attention-topk 1"
      runs=("modular 0" "modular 1" "monolithic 0" "monolithic 1")
      iterations=${MHA_ITERATIONS:-20000}
    else
      echo "## Learning: rnn-regression, R = 4, d 32, enc 128, h_dim 128, seeds 0, every kind"
      runs=("monolithic" "modular" "modular-op" "gt-modular")
      iterations=${RNN_ITERATIONS:-20000}
    fi
    echo
    started=$SECONDS
    for run in "${runs[@]}"; do
      set -- $run
      options=(--task "$family-regression" --model "$1" --rules 4)
      [ "$family" = mha ] && options+=(--attention-topk "$2")
      java $flags -jar "$jar" train --device "$device" "${options[@]}" --iterations "$iterations" --eval-every 5000 \
        --quiet --out "$work/run-${run// /-}" > "$work/run-${run// /-}.out" 2>&1 &
    done
    wait
    echo "${#runs[@]} runs side by side: $((SECONDS - started)) s wall"
    echo
    echo '| run | iteration | eval L1 (L = 10) | OoD L1 | eval L1 at L = 3, 5, 10, 20, 30 |'
    echo '|---|---:|---:|---:|---|'
    for run in "${runs[@]}"; do
      name=${run// /-}
      tail -1 "$work/run-$name/log.jsonl" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
by = ", ".join("%.4f" % l["eval_loss"] for l in r["eval_by_length"])
print("| %s | %d | %.4f | %.4f | %s |" % (sys.argv[1], r["iteration"], r["eval_loss"], r["eval_ood_loss"], by))
' "$( [ "$family" = mha ] && echo "$1 top-$2 (0: dense)" || echo "$run" )" || { echo "(run $name failed:)"; tail -3 "$work/run-$name.out"; }
    done
    if [ -z "${QUICK:-}" ] && [ -f "bench/torch_${family}_step.py" ] \
        && python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
      echo
      echo "## PyTorch eager on the same GPU (bench/torch_${family}_step.py --device cuda, 1 run, batch 256, L 10)"
      echo
      echo '| kind | R | ms/step (median) | torch |'
      echo '|---|---:|---:|---|'
      for rules in 2 8; do
        for kind in monolithic modular modular-op gt-modular; do
          python3 "bench/torch_${family}_step.py" --device cuda --model $kind --rules $rules --steps 50 --repeats 5 --json
        done
      done > "$work/torch-$family.jsonl"
      python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("| %s | %d | %.3f | %s |" % (r["model"], r["rules"], r["ms_per_step_median"], r["torch"]))
' "$work/torch-$family.jsonl"
    fi
  else
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
  fi
} | tee "$out"
echo "bench/gpu-check.sh: wrote $out" >&2
