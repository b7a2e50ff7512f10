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
#   BASELINE_JAR=PATH bench/gpu-check.sh   # also times an earlier commit's kernels on the same card, in the same
#                                      # call: that commit's -Pbench jar runs the same GpuStepTimer right after
#                                      # this one's (BASELINE_LABEL names it in the file, default the path)
# The MLP variant also times cuBLAS at GpuStepTimer's GEMM shapes, FP32 and TF32 (bench/cublas_gemm.py through
# PyTorch's torch.bmm, from TORCH_PYTHON, default python3), as the yardstick of modarch's GEMM kernels.
#   FAMILY=mha bench/gpu-check.sh      # the MHA family instead of the MLP runs and timings: the attention kernels,
#                                      # MHA steps of every kind, and 4 runs of MHA_ITERATIONS (20000) steps side by
#                                      # side (R=4, Modular and Monolithic, dense and --attention-topk 1); the file
#                                      # is then gpu-<card>-<date>-mha.md
#   FAMILY=rnn bench/gpu-check.sh      # the RNN family: RNN steps of every kind, and its 4 kinds' runs of
#                                      # RNN_ITERATIONS (20000) steps side by side (R=4, d 32, enc 128, h_dim 128)
# Every variant then times the paper grids' Modular R = 8 shapes of every family at their five capacities, 1 and
# 25 replicas, in each precision, and projects the grids' GPU-hours from those rates, on one GPU and on an 8-GPU node
# (bench GridProjection; GRID_BUDGET_S, default 240, 30 under QUICK: no cell starts later; 0 skips it).
# Every variant ends with the strongest PyTorch baseline, bench/torch_strong.py (all three families, needs PyTorch 2
# with CUDA in TORCH_PYTHON, default python3): TORCH_SIZE=tiny|small|full|off (default small: every kind at (32,128)
# and (512,2048), 1 and 25 replicas, TF32 off and on), TORCH_MODES (default reduce-overhead; auto tries three
# compile modes and keeps the fastest, 3x the compile time), TORCH_BUDGET_S (240: no configuration starts later),
# TORCH_JOBS (8 compile processes), TORCH_RULES (8), TORCH_STEPS (20), TORCH_REPEATS (3).
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
if [ -n "${BASELINE_JAR:-}" ] && [ ! -f "$BASELINE_JAR" ]; then
  echo "bench/gpu-check.sh: BASELINE_JAR $BASELINE_JAR: no such file" >&2
  exit 1
fi
flags=$(sed -n 's:.*<modarch.jvm.flags>\(.*\)</modarch.jvm.flags>.*:\1:p' pom.xml)
java_run() { java $flags "$@" 2> >(grep -v 'Using incubator modules' >&2); }
# The GpuStepTimer timings with arguments "$@", then, with BASELINE_JAR, the same timings by the earlier jar
step_timings() {
  java_run -cp "$timer_cp" modarch.bench.GpuStepTimer "$@"
  [ -n "${BASELINE_JAR:-}" ] || return 0
  echo
  echo "## The same timings by the baseline, ${BASELINE_LABEL:-$BASELINE_JAR} (BASELINE_JAR), same card, same call"
  java_run -cp "$BASELINE_JAR" modarch.bench.GpuStepTimer "$@" || echo "(the baseline's GpuStepTimer failed)"
}
gpu() { nvidia-smi --query-gpu="$1" --format=csv,noheader 2>/dev/null | head -1 || true; }
card=$(gpu name | tr ' ' '-' | tr -cd 'A-Za-z0-9_-')
out="$results/gpu-${card:-unknown}-$(date +%F)${FAMILY:+-$FAMILY}.md"
mkdir -p "$results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The strongest PyTorch (bench/torch_strong.py): every family x kind x capacity x {1, 25} replicas x TF32 off/on on
# the same GPU, in one process after a parallel compile (prewarm), bounded by TORCH_BUDGET_S. TORCH_SIZE: tiny (the
# modular kind, capacities (32,128) and (512,2048): 24 configurations), small (every kind at those two: 96, the
# default), full (the five paper capacities: 240), off. Under QUICK=1 a CPU dry run of the same command (eager,
# batch 32, 2 configurations per family).
torch_strong_section() {
  local size=${TORCH_SIZE:-small} python=${TORCH_PYTHON:-}
  [ "$size" = off ] && return 0
  if [ -z "$python" ]; then
    python=python3
    [ -x bench/.venv/bin/python ] && [ -n "${QUICK:-}" ] && python=bench/.venv/bin/python
  fi
  echo
  echo "## The strongest PyTorch: bench/torch_strong.py (TORCH_SIZE=$size)"
  echo
  local options=(--family all --replicas 1,25 --tf32 off,on --rules "${TORCH_RULES:-8}")
  case $size in
    tiny) options+=(--kind modular --capacity ends) ;;
    small) options+=(--kind all --capacity ends) ;;
    full) options+=(--kind all --capacity paper) ;;
    *) echo "(TORCH_SIZE=$size: allowed are tiny, small, full, off)"; return 0 ;;
  esac
  if [ -n "${QUICK:-}" ] && ! "$python" -c 'import torch, torch.func' 2>/dev/null; then
    echo "(no PyTorch 2 in $python for the dry run: make bench/.venv, see bench/README.md; no rows)"
    return 0
  elif [ -n "${QUICK:-}" ]; then
    options=(--family all --kind modular --capacity 32x128 --replicas 1,2 --tf32 off --device cpu --compile off
             --batch 32 --steps 2 --repeats 1 --warmup 1)
  elif ! "$python" -c 'import sys, torch, torch.func; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    echo "(no PyTorch 2 with CUDA in $python: set TORCH_PYTHON to one; no rows)"
    return 0
  else
    options+=(--device cuda --compile "${TORCH_MODES:-reduce-overhead}" --prewarm-jobs "${TORCH_JOBS:-8}"
              --steps "${TORCH_STEPS:-20}" --repeats "${TORCH_REPEATS:-3}" --warmup 5
              --budget-s "${TORCH_BUDGET_S:-240}")
  fi
  local device=cuda
  [ -n "${QUICK:-}" ] && device=cpu
  echo "The golden check on this device (one step of the reference's models, fused Adam; \`--check --device $device\`):"
  echo '```'
  "$python" bench/torch_strong.py --check --device "$device" 2>&1 | grep -v -i warn | tail -20 || true
  echo '```'
  echo
  echo "\`$python bench/torch_strong.py ${options[*]}\`"
  echo
  local started=$SECONDS sampler=
  if command -v nvidia-smi > /dev/null 2>&1 && [ -z "${QUICK:-}" ]; then  # utilisation every 500 ms meanwhile
    nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -lms 500 \
      > "$work/torch-strong.smi" 2>/dev/null &
    sampler=$!
  fi
  "$python" bench/torch_strong.py "${options[@]}" --out "$work/torch-strong.jsonl" > /dev/null \
    2> "$work/torch-strong.err" || echo "(torch_strong.py failed: $(tail -3 "$work/torch-strong.err"))"
  if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; fi
  "$python" bench/torch_strong.py --summarize "$work/torch-strong.jsonl" 2>&1 || true
  echo
  echo "$((SECONDS - started)) s wall; ms/replica-step = ms/step / replicas; the JSON lines:"
  echo '```'
  cat "$work/torch-strong.jsonl" 2>/dev/null || true
  echo '```'
  grep -v '^\s*$' "$work/torch-strong.err" | grep -iv 'warn' | tail -5 | sed 's/^/    /' || true
  if [ -s "$work/torch-strong.smi" ]; then
    echo
    awk -F', *' '{ n++; u += $1; if ($1 > umax) umax = $1; if ($2 > mmax) mmax = $2 }
      END { if (n) printf "GPU during the section (nvidia-smi every 500 ms, %d samples, compiles included): utilisation mean %.0f%%, max %d%%; memory used max %d MiB\n", n, u / n, umax, mmax }' \
      "$work/torch-strong.smi"
  fi
}
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
    step_timings "$device" "$family" ${QUICK:+quick}
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
    step_timings "$device" ${QUICK:+quick}
    cublas_python=${TORCH_PYTHON:-python3}
    if [ -n "${QUICK:-}" ] && [ -x bench/.venv/bin/python ] && [ -z "${TORCH_PYTHON:-}" ]; then cublas_python=bench/.venv/bin/python; fi
    if [ -n "${QUICK:-}" ] && "$cublas_python" -c 'import torch' 2>/dev/null; then
      "$cublas_python" bench/cublas_gemm.py --device cpu --quick
    elif [ -z "${QUICK:-}" ] && "$cublas_python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
      "$cublas_python" bench/cublas_gemm.py --device cuda || echo "(cublas_gemm.py failed)"
    else
      echo; echo "(no PyTorch in $cublas_python: no cuBLAS yardstick)"
    fi
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
  grid_budget=${GRID_BUDGET_S:-$( [ -n "${QUICK:-}" ] && echo 30 || echo 240 )}
  if [ "$grid_budget" != 0 ]; then
    echo
    echo "## The paper grids: every family at its five capacities, 1 and 25 replicas, each precision (bench GridProjection)"
    java_run -cp "$timer_cp" modarch.bench.GridProjection "$device" ${QUICK:+quick} "$grid_budget"
  fi
  torch_strong_section
} | tee "$out"
echo "bench/gpu-check.sh: wrote $out" >&2
