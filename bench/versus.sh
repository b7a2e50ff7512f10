#!/usr/bin/env bash
# modarch against modarch: the training step (JMH TrainStepBench) of a baseline jar and a candidate jar,
# INTERLEAVED round by round (the order flips each round) so this shared machine's noise hits both alike,
# plus the candidate's replica throughput (8 replicas in one pass against one). Prints the medians of all
# JMH iterations, the candidate/baseline speed-up, and 8 * time(1 replica) / time(8 replicas).
#
#   bench/versus.sh --baseline ../modarch-before/target/modarch.jar [--candidate target/modarch.jar] [--rounds 3]
#
# Both jars are built with the bench profile (mvn -q -Pbench -DskipTests package); a baseline without the
# replicas parameter (before the reshape) runs one replica. JMH_OPTS as in compare.sh.
# Results: bench/results/tmp-versus/ (JMH JSON per run, table.md).
set -euo pipefail
baseline=""
candidate=""
rounds=3
jmh_opts="${JMH_OPTS:--wi 4 -w 1 -i 5 -r 1 -f 1}"
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) baseline="$(realpath "$2")"; shift 2 ;;
    --candidate) candidate="$(realpath "$2")"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "versus.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
[ -n "$baseline" ] || { echo "versus.sh: --baseline JAR is required" >&2; exit 2; }
if [ -z "$candidate" ]; then
  mvn -q -Pbench -DskipTests package >&2
  candidate="$(realpath target/modarch.jar)"
fi
flags="$(sed -n 's:.*<modarch.jvm.flags>\(.*\)</modarch.jvm.flags>.*:\1:p' pom.xml)"
out=bench/results/tmp-versus
rm -rf "$out" && mkdir -p "$out"

jmh() {  # name jar extra-jmh-args...
  local name="$1" jar="$2"
  shift 2
  java "$flags" -cp "$jar" org.openjdk.jmh.Main TrainStepBench $jmh_opts "$@" -rf json -rff "$out/$name.json" \
    >"$out/$name.log" 2>&1 || { echo "versus.sh: JMH failed, see $out/$name.log" >&2; exit 1; }
}

for r in $(seq 1 "$rounds"); do
  runs=("baseline" "candidate" "replicas")
  [ $((r % 2)) -eq 0 ] && runs=("replicas" "candidate" "baseline")
  for run in "${runs[@]}"; do
    echo "round $r: $run" >&2
    case "$run" in
      baseline) jmh "baseline-r$r" "$baseline" ;;
      candidate) jmh "candidate-r$r" "$candidate" -p replicas=1 ;;
      replicas) jmh "replicas-r$r" "$candidate" -p sizes=32x128 -p replicas=1,8 ;;
    esac
  done
done

python3 - "$out" <<'PY' | tee "$out/table.md"
import glob, json, statistics, sys
out = sys.argv[1]
times = {}
for f in sorted(glob.glob(out + "/*.json")):
    kind = f.rsplit("/", 1)[1].split("-r")[0]
    for run in json.load(open(f)):
        sizes = run["params"]["sizes"].replace("x", ",")
        reps = int(run["params"].get("replicas", "1"))
        for fork in run["primaryMetric"]["rawData"]:
            times.setdefault((kind, sizes, reps), []).extend(fork)
med = {k: statistics.median(v) for k, v in times.items()}
print("| (E, D) | baseline ms/step | candidate ms/step | speed-up |")
print("| --- | --- | --- | --- |")
for sizes in ("32,128", "128,512"):
    b, c = med.get(("baseline", sizes, 1)), med.get(("candidate", sizes, 1))
    if b and c:
        print(f"| ({sizes}) | {b:.3f} | {c:.3f} | {b / c:.2f}x |")
one, eight = med.get(("replicas", "32,128", 1)), med.get(("replicas", "32,128", 8))
if one and eight:
    print()
    print(f"replicas at (32,128): 1 replica {one:.3f} ms/step, 8 replicas {eight:.3f} ms/step (all 8 stepped once):"
          f" {8 * one / eight:.2f}x the steps/s of 8 single runs one after another")
print()
print("medians over", {k: len(v) for k, v in times.items()}, "JMH iterations")
PY
