#!/usr/bin/env bash
# One training step (mlp-regression, modular, R=8, batch 256) at (E,D) = (32,128) and (128,512):
# modarch (JMH TrainStepBench) against PyTorch on the CPU, measured in the same run, INTERLEAVED:
# each round runs JMH (both shapes) and every PyTorch setting once per shape, in an order that flips
# from round to round, so the noise of this shared machine hits all alike. Prints the medians over
# all rounds (JMH iterations; PyTorch repeats of N steps) and PyTorch/modarch.
#
# PyTorch settings measured:
#   torch 1.13 eager 1t       Debian python3-torch at /usr/bin/python3, one thread
#   torch 2.13 eager 1t/2t    the venv's torch 2.13 (CPU wheel), eager, fused Adam, 1 or 2 threads
#   torch 2.13 compiled 1t/2t the same under torch.compile (inductor): forward + loss + backward
#                             compiled, fused Adam, 1 or 2 threads
#
#   bench/compare.sh                                  # builds target/modarch.jar first
#   bench/compare.sh --jar /work/before/target/modarch.jar --rounds 3
#   MODARCH_JAR=old.jar ROUNDS=2 bench/compare.sh
#
# Options (or environment variables):
#   --jar PATH         MODARCH_JAR      modarch jar built with -Pbench (default: build target/modarch.jar
#                                       with `mvn -q -Pbench -DskipTests package`)
#   --rounds N         ROUNDS           rounds (default 3)
#   --torch213 PYTHON  TORCH213_PYTHON  python of the PyTorch 2.13 venv (default /work/venv-torch213/bin/python)
#   --summarize DIR                     only print the table of an earlier run's results folder
#   --idle-wait S      IDLE_WAIT_S      before each run, wait up to S s for the CPUs to go idle (default 5; 0: don't);
#                                       the CPU use seen before each run goes to busy.log
#                      JMH_OPTS         JMH options per round, each shape (default "-wi 4 -w 1 -i 5 -r 1 -f 1")
#                      TORCH_MAX_S      a PyTorch run stops repeating after this many timed seconds (default 10)
# With the defaults, one round takes about 2 minutes on an idle 2-vCPU machine; the first run of a
# compiled setting also compiles (about 40 s, then cached by inductor in /tmp/torchinductor_$USER).
#
# Needs Debian's python3-torch with an optimised BLAS (apt-get install -y python3-torch libopenblas0-pthread)
# and, for the 2.13 rows, the venv of bench/README.md; a missing one is reported and its rows left out.
# Results: bench/results/tmp/ (JMH JSON per round, torch.jsonl, busy.log, table.md).
set -euo pipefail

jar="${MODARCH_JAR:-}"
rounds="${ROUNDS:-3}"
py213="${TORCH213_PYTHON:-/work/venv-torch213/bin/python}"
idle_wait="${IDLE_WAIT_S:-5}"
torch_max_s="${TORCH_MAX_S:-10}"
jmh_opts="${JMH_OPTS:--wi 4 -w 1 -i 5 -r 1 -f 1}"
py113=/usr/bin/python3
summarize=
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --torch213) py213="$2"; shift 2 ;;
    --idle-wait) idle_wait="$2"; shift 2 ;;
    --summarize) summarize="$(realpath "$2")"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$jar" ] && jar="$(realpath "$jar")"
cd "$(dirname "$0")/.."

summary() {  # results folder: Markdown table of the medians (and minima) with the ratios
"$py113" - "$1" <<'PY'
import glob, json, statistics, sys
out = sys.argv[1]
ours = {}
for f in glob.glob(f"{out}/jmh-r*.json"):
    for run in json.load(open(f)):
        e, d = run["params"]["sizes"].replace("x", ",").split(",")
        ours.setdefault((int(e), int(d)), []).extend(v for fork in run["primaryMetric"]["rawData"] for v in fork)
theirs = {}
for line in open(f"{out}/torch.jsonl"):
    t = json.loads(line)
    name = f"torch {'.'.join(t['torch'].split('.')[:2])} {'compiled' if t['mode'] == 'compile' else 'eager'} {t['threads']}t"
    theirs.setdefault((t["enc_dim"], t["dim"]), {}).setdefault(name, []).extend(t["ms_per_step_all"])
order = ["torch 1.13 eager 1t", "torch 2.13 eager 1t", "torch 2.13 eager 2t", "torch 2.13 compiled 1t", "torch 2.13 compiled 2t"]
print("| E, D | PyTorch setting | modarch ms/step | PyTorch ms/step | PyTorch / modarch | min: modarch, PyTorch, ratio |")
print("| --- | --- | --- | --- | --- | --- |")
best = []
for shape in sorted(theirs):
    m = statistics.median(ours[shape])
    rows = sorted(theirs[shape].items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    for name, values in rows:
        p = statistics.median(values)
        print(f"| {shape[0]}, {shape[1]} | {name} | {m:.3f} | {p:.3f} | {p / m:.2f}x "
              f"| {min(ours[shape]):.3f}, {min(values):.3f}, {min(values) / min(ours[shape]):.2f}x |")
    name, values = min(rows, key=lambda kv: statistics.median(kv[1]))
    best.append(f"best PyTorch at E={shape[0]}, D={shape[1]}: {name}, {statistics.median(values):.3f} ms/step "
                f"= {statistics.median(values) / m:.2f}x modarch ({len(ours[shape])} JMH iterations, "
                f"{len(values)} PyTorch repeats)")
print()
print("\n".join(best))
busy = [int(l.split("CPUs ")[1].split("%")[0]) for l in open(f"{out}/busy.log")]
print(f"CPUs busy with other work just before the runs: median {statistics.median(busy)}%, "
      f"max {max(busy)}% over {len(busy)} runs (busy.log)")
PY
}
if [ -n "$summarize" ]; then summary "$summarize"; exit 0; fi

out=bench/results/tmp
rm -rf "$out" && mkdir -p "$out"

$py113 -c 'import torch' 2>/dev/null || {
  echo "compare.sh: PyTorch not found for $py113: apt-get install -y python3-torch python3-scipy libopenblas0-pthread" >&2
  exit 2
}
have213=1
if ! "$py213" -c 'import torch; assert torch.__version__.startswith("2.13")' 2>/dev/null; then
  have213=0
  echo "compare.sh: no PyTorch 2.13 at $py213: its rows are left out. Make the venv with:" >&2
  echo "  python3 -m venv /work/venv-torch213 && /work/venv-torch213/bin/pip install --no-deps torch==2.13.0+cpu \\" >&2
  echo "    && /work/venv-torch213/bin/pip install filelock typing-extensions sympy networkx jinja2 fsspec numpy 'setuptools>=77.0.3'" >&2
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

run_jmh() {  # round; both shapes of the benchmark's @Param (JMH's -p would split "32,128" at the comma)
  java "$(sed -n 's:.*<modarch.jvm.flags>\(.*\)</modarch.jvm.flags>.*:\1:p' pom.xml)" -cp "$jar" org.openjdk.jmh.Main TrainStepBench \
    $jmh_opts -rf json -rff "$out/jmh-r$1.json" >"$out/jmh-r$1.log" 2>&1 &&
    "$py113" -c 'import json, sys; runs = json.load(open(sys.argv[1]))
assert {r["params"]["sizes"].replace("x", ",") for r in runs if r["primaryMetric"]["rawData"][0]} >= {"32,128", "128,512"}' "$out/jmh-r$1.json" ||
    { echo "compare.sh: JMH failed, see $out/jmh-r$1.log" >&2; exit 1; }
}

run_torch() {  # round E D python mode threads
  local steps=50 warmup=20
  [ "$3" -ge 512 ] && steps=15 warmup=5
  OMP_NUM_THREADS=$6 OPENBLAS_NUM_THREADS=$6 MKL_NUM_THREADS=$6 "$4" bench/torch_step.py \
    --enc-dim "$2" --dim "$3" --rules 8 --mode "$5" --threads "$6" \
    --steps $steps --warmup $warmup --repeats 5 --max-seconds "$torch_max_s" --json 2>>"$out/torch-stderr.log" |
    sed "s/^{/{\"round\": $1, /" >>"$out/torch.jsonl" ||
    { echo "compare.sh: torch_step.py failed ($4 $5 $6t), see $out/torch-stderr.log" >&2; exit 1; }
}

settings=("$py113 eager 1")
[ $have213 = 1 ] && settings+=("$py213 eager 1" "$py213 eager 2" "$py213 compile 1" "$py213 compile 2")
jobs=("jmh")
for shape in "32 128" "128 512"; do
  for setting in "${settings[@]}"; do jobs+=("$shape $setting"); done
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
