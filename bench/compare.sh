#!/usr/bin/env bash
# One training step (mlp-regression, modular, R=8, batch 256) at (E,D) = (32,128) and (128,512):
# modarch (JMH TrainStepBench) against PyTorch on the CPU, measured in the same run, INTERLEAVED:
# each round runs JMH (both shapes) and every PyTorch setting once per shape, in an order that flips
# from round to round, so the noise of this shared machine hits all alike. Prints the medians over
# all rounds (JMH iterations; PyTorch repeats of N steps) and PyTorch/modarch.
#
# --family mha measures the MHA family instead (bench/torch_mha_step.py): mha-regression, dim 128, att_dim 512,
# search v1, 256 sequences of 10 tokens, every kind (monolithic, modular, modular-op, gt-modular) at R = 2 and 8,
# against torch 1.13 eager 1t and torch 2.13 eager 1t; the table adds GFLOP/s (torch_mha_step.py's step_flops).
#
# --family rnn measures the RNN family (bench/torch_rnn_step.py): rnn-regression, d 32, enc 128, h_dim 128, order 1,
# 256 sequences of 10 steps, gradients clipped at norm 1, every kind at R = 2 and 8, against the same two PyTorch
# settings; the table adds GFLOP/s (torch_rnn_step.py's step_flops).
#
# PyTorch settings measured:
#   torch 1.13 eager 1t       Debian python3-torch at /usr/bin/python3, one thread
#   torch 2.13 eager 1t/2t    the venv's torch 2.13 (CPU wheel), eager, fused Adam, 1 or 2 threads
#   torch 2.13 compiled 1t/2t the same under torch.compile (inductor): forward + loss + backward
#                             compiled, fused Adam, 1 or 2 threads
#
#   bench/compare.sh                                  # builds target/modarch.jar first
#   bench/compare.sh --jar ../modarch-before/target/modarch.jar --rounds 3
#   MODARCH_JAR=old.jar ROUNDS=2 bench/compare.sh
#
# Options (or environment variables):
#   --family F         FAMILY           mlp (default), mha or rnn
#   --jar PATH         MODARCH_JAR      modarch jar built with -Pbench (default: build target/modarch.jar
#                                       with `mvn -q -Pbench -DskipTests package`)
#   --rounds N         ROUNDS           rounds (default 3)
#   --torch213 PYTHON  TORCH213_PYTHON  python of the PyTorch 2.13 venv (default bench/.venv/bin/python)
#   --summarize DIR                     only print the table of an earlier run's results folder
#   --idle-wait S      IDLE_WAIT_S      before each run, wait up to S s for the CPUs to go idle (default 5; 0: don't);
#                                       the CPU use seen before each run goes to busy.log
#                      JMH_OPTS         JMH options per round, each shape or cell (default "-wi 4 -w 1 -i 5 -r 1 -f 1";
#                                       mha, rnn: "-wi 6 -w 1 -i 5 -r 2 -f 1")
#                      TORCH_MAX_S      a PyTorch run stops repeating after this many timed seconds (default 10)
# With the defaults, one round takes about 2 minutes on an idle 2-vCPU machine (mha: about 8 minutes with
# TORCH_MAX_S=6 IDLE_WAIT_S=3 while other work held the CPUs); the first run of a compiled setting also
# compiles (about 40 s, then cached by inductor in /tmp/torchinductor_$USER).
#
# Needs Debian's python3-torch with an optimised BLAS (apt-get install -y python3-torch libopenblas0-pthread)
# and, for the 2.13 rows, the venv of bench/README.md; a missing one is reported and its rows left out.
# Results: bench/results/tmp/ (mha: tmp-mha/, rnn: tmp-rnn/): JMH JSON per round, torch.jsonl, busy.log, table.md.
set -euo pipefail

family="${FAMILY:-mlp}"
jar="${MODARCH_JAR:-}"
rounds="${ROUNDS:-3}"
py213="${TORCH213_PYTHON:-bench/.venv/bin/python}"
idle_wait="${IDLE_WAIT_S:-5}"
torch_max_s="${TORCH_MAX_S:-10}"
jmh_opts="${JMH_OPTS:-}"
py113=/usr/bin/python3
summarize=
while [ $# -gt 0 ]; do
  case "$1" in
    --family) family="$2"; shift 2 ;;
    --jar) jar="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --torch213) py213="$2"; shift 2 ;;
    --idle-wait) idle_wait="$2"; shift 2 ;;
    --summarize) summarize="$(realpath "$2")"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$family" in mlp|mha|rnn) ;; *) echo "compare.sh: --family is mlp, mha or rnn, not $family" >&2; exit 2 ;; esac
# An MHA step is ~100 ms and the first one of a fork takes seconds (JIT): more and longer warm-up iterations.
[ -z "$jmh_opts" ] && { [ "$family" = mlp ] && jmh_opts="-wi 4 -w 1 -i 5 -r 1 -f 1" || jmh_opts="-wi 6 -w 1 -i 5 -r 2 -f 1"; }
[ -n "$jar" ] && jar="$(realpath "$jar")"
cd "$(dirname "$0")/.."

summary() {  # results folder: Markdown table of the medians (and minima) with the ratios
"$py113" - "$1" <<'PY'
import glob, json, os, statistics, sys
out = sys.argv[1]
family = open(f"{out}/family").read().strip() if os.path.exists(f"{out}/family") else "mlp"
kinds = ["monolithic", "modular", "modular-op", "gt-modular"]
if family == "mlp":  # a cell is a shape (E, D)
    jmh_cell = lambda p: tuple(int(v) for v in p["sizes"].replace("x", ",").split(","))
    torch_cell = lambda t: (t["enc_dim"], t["dim"])
    cell_order = lambda c: c
    head, cell_cols, name_cell = "E, D", lambda c: f"{c[0]}, {c[1]}", lambda c: f"E={c[0]}, D={c[1]}"
else:                # a cell is a model kind and a rule count
    jmh_cell = lambda p: (p["model"], int(p["rules"]))
    torch_cell = lambda t: (t["model"], t["rules"])
    cell_order = lambda c: (c[1], kinds.index(c[0]) if c[0] in kinds else len(kinds))
    head, cell_cols, name_cell = "kind | R", lambda c: f"{c[0]} | {c[1]}", lambda c: f"{c[0]} R={c[1]}"
ours = {}
for f in glob.glob(f"{out}/jmh-r*.json"):
    for run in json.load(open(f)):
        ours.setdefault(jmh_cell(run["params"]), []).extend(v for fork in run["primaryMetric"]["rawData"] for v in fork)
theirs, gflop = {}, {}
for line in open(f"{out}/torch.jsonl"):
    t = json.loads(line)
    name = f"torch {'.'.join(t['torch'].split('.')[:2])} {'compiled' if t['mode'] == 'compile' else 'eager'} {t['threads']}t"
    theirs.setdefault(torch_cell(t), {}).setdefault(name, []).extend(t["ms_per_step_all"])
    if "gflop_per_step" in t:
        gflop[torch_cell(t)] = t["gflop_per_step"]
order = ["torch 1.13 eager 1t", "torch 2.13 eager 1t", "torch 2.13 eager 2t", "torch 2.13 compiled 1t", "torch 2.13 compiled 2t"]
rate = "| modarch GFLOP/s | PyTorch GFLOP/s " if gflop else ""
print(f"| {head} | PyTorch setting | modarch ms/step | PyTorch ms/step | PyTorch / modarch {rate}| min: modarch, PyTorch, ratio |")
print("|" + " --- |" * (head.count("|") + 6 + (2 if gflop else 0)))
best = []
for cell in sorted(theirs, key=cell_order):
    m = statistics.median(ours[cell])
    rows = sorted(theirs[cell].items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    for name, values in rows:
        p = statistics.median(values)
        rates = f"| {gflop[cell] / m * 1e3:.1f} | {gflop[cell] / p * 1e3:.1f} " if gflop else ""
        print(f"| {cell_cols(cell)} | {name} | {m:.3f} | {p:.3f} | {p / m:.2f}x {rates}"
              f"| {min(ours[cell]):.3f}, {min(values):.3f}, {min(values) / min(ours[cell]):.2f}x |")
    if len(rows) > 1:
        name, values = min(rows, key=lambda kv: statistics.median(kv[1]))
        best.append(f"best PyTorch at {name_cell(cell)}: {name}, {statistics.median(values):.3f} ms/step "
                    f"= {statistics.median(values) / m:.2f}x modarch ({len(ours[cell])} JMH iterations, "
                    f"{len(values)} PyTorch repeats)")
if gflop and family == "mha":
    best.append("GFLOP/s: torch_mha_step.py's step_flops (3 x (forward GEMMs 2mnk + attention 4 L^2 hd per head "
                "and sequence)) over the median ms/step")
elif gflop:
    best.append("GFLOP/s: torch_rnn_step.py's step_flops (3 x forward GEMMs 2mnk of every Linear, LSTM cell and "
                "module, per step) over the median ms/step")
print()
print("\n".join(best))
busy = [int(l.split("CPUs ")[1].split("%")[0]) for l in open(f"{out}/busy.log")]
print(f"CPUs busy with other work just before the runs: median {statistics.median(busy)}%, "
      f"max {max(busy)}% over {len(busy)} runs (busy.log)")
PY
}
if [ -n "$summarize" ]; then summary "$summarize"; exit 0; fi

out=bench/results/tmp
[ "$family" != mlp ] && out=bench/results/tmp-$family
rm -rf "$out" && mkdir -p "$out"
echo "$family" >"$out/family"

$py113 -c 'import torch' 2>/dev/null || {
  echo "compare.sh: PyTorch not found for $py113: apt-get install -y python3-torch python3-scipy libopenblas0-pthread" >&2
  exit 2
}
have213=1
if ! "$py213" -c 'import torch; assert torch.__version__.startswith("2.13")' 2>/dev/null; then
  have213=0
  echo "compare.sh: no PyTorch 2.13 at $py213: its rows are left out. Make the venv with:" >&2
  echo "  python3 -m venv bench/.venv && bench/.venv/bin/pip install --no-deps torch==2.13.0+cpu \\" >&2
  echo "    && bench/.venv/bin/pip install filelock typing-extensions sympy networkx jinja2 fsspec numpy 'setuptools>=77.0.3'" >&2
fi

if [ -z "$jar" ]; then
  mvn -q -Pbench -DskipTests package
  jar="$PWD/target/modarch.jar"
fi
[ -f "$jar" ] || { echo "compare.sh: no jar at $jar" >&2; exit 2; }
echo "modarch jar: $jar ($(date -r "$jar" '+%F %T'))" | tee "$out/setup.txt"

# Waits (at most $idle_wait s) until the CPUs were under 15% busy for one second: other work on
# this shared machine (builds, tests) lands in the numbers of whatever runs beside it. Logs what it saw.
cpu_busy() {  # percent of all CPUs busy over one second
  { awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; sleep 1
    awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; } |
    paste -sd' ' | awk '{d=$4-$2; print (d > 0 ? int(100 * ($3-$1) / d) : 0)}'
}
wait_idle() {  # label
  local start=$SECONDS busy
  busy=$(cpu_busy)
  while [ "$busy" -ge 15 ] && [ $((SECONDS - start)) -lt "$idle_wait" ]; do busy=$(cpu_busy); done
  echo "$1: CPUs ${busy}% busy before the run (waited $((SECONDS - start)) s)" >>"$out/busy.log"
}

# The family's cells: JMH's parameters and the check that every cell ran; PyTorch's script, its arguments per
# cell and its steps per repeat.
if [ "$family" = mlp ]; then  # both shapes of the benchmark's @Param (JMH's -p would split "32,128" at the comma)
  jmh_params=()
  cells=("32 128" "128 512")
  jmh_expect='{(32, 128), (128, 512)} <= {tuple(int(v) for v in r["params"]["sizes"].replace("x", ",").split(",")) for r in ran}'
else
  sizes=128x512
  [ "$family" = rnn ] && sizes=128x128
  jmh_params=(-p task=$family-regression -p sizes=$sizes -p rules=2,8 -p model=monolithic,modular,modular-op,gt-modular)
  cells=()
  for rules in 2 8; do for kind in monolithic modular modular-op gt-modular; do cells+=("$kind $rules"); done; done
  jmh_expect='len({(r["params"]["model"], r["params"]["rules"]) for r in ran}) == 8'
fi
torch_cell_args() {  # cell words: the PyTorch script and its options for that cell
  if [ "$family" = mlp ]; then
    local steps=50 warmup=20
    [ "$2" -ge 512 ] && steps=15 warmup=5
    echo bench/torch_step.py --enc-dim "$1" --dim "$2" --rules 8 --steps $steps --warmup $warmup
  elif [ "$family" = mha ]; then
    echo bench/torch_mha_step.py --model "$1" --rules "$2" --dim 128 --att-dim 512 --steps 15 --warmup 5
  else
    echo bench/torch_rnn_step.py --model "$1" --rules "$2" --d-dim 32 --enc-dim 128 --h-dim 128 --steps 15 --warmup 5
  fi
}

run_jmh() {  # round
  java "$(sed -n 's:.*<modarch.jvm.flags>\(.*\)</modarch.jvm.flags>.*:\1:p' pom.xml)" -cp "$jar" org.openjdk.jmh.Main TrainStepBench \
    $jmh_opts "${jmh_params[@]}" -rf json -rff "$out/jmh-r$1.json" >"$out/jmh-r$1.log" 2>&1 &&
    "$py113" -c 'import json, sys; ran = [r for r in json.load(open(sys.argv[1])) if r["primaryMetric"]["rawData"][0]]
assert '"$jmh_expect" "$out/jmh-r$1.json" ||
    { echo "compare.sh: JMH failed, see $out/jmh-r$1.log" >&2; exit 1; }
}

run_torch() {  # round cell-word cell-word python mode threads
  # shellcheck disable=SC2046  # the script's options are words
  OMP_NUM_THREADS=$6 OPENBLAS_NUM_THREADS=$6 MKL_NUM_THREADS=$6 "$4" $(torch_cell_args "$2" "$3") \
    --mode "$5" --threads "$6" --repeats 5 --max-seconds "$torch_max_s" --json 2>>"$out/torch-stderr.log" |
    sed "s/^{/{\"round\": $1, /" >>"$out/torch.jsonl" ||
    { echo "compare.sh: PyTorch failed ($2 $3, $4 $5 $6t), see $out/torch-stderr.log" >&2; exit 1; }
}

settings=("$py113 eager 1")
if [ $have213 = 1 ]; then
  if [ "$family" = mlp ]; then settings+=("$py213 eager 1" "$py213 eager 2" "$py213 compile 1" "$py213 compile 2")
  else settings+=("$py213 eager 1"); fi
fi
jobs=("jmh")
for cell in "${cells[@]}"; do
  for setting in "${settings[@]}"; do jobs+=("$cell $setting"); done
done
begin=$SECONDS
for ((r = 1; r <= rounds; r++)); do
  order=("${jobs[@]}")
  if ((r % 2 == 0)); then  # even rounds run everything in reverse order
    order=(); for ((i = ${#jobs[@]} - 1; i >= 0; i--)); do order+=("${jobs[i]}"); done
  fi
  for job in "${order[@]}"; do
    wait_idle "round $r, $job"
    echo "round $r/$rounds: $job ($((SECONDS - begin)) s)" >&2
    if [ "$job" = jmh ]; then run_jmh "$r"; else run_torch "$r" $job; fi
  done
done
echo "total $((SECONDS - begin)) s" >&2

summary "$out" | tee "$out/table.md"
