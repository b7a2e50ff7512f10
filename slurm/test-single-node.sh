#!/usr/bin/env bash
# Tests modarch's Slurm support against a real, throw-away, single-node Slurm on this machine:
#   1. installs Debian's slurmctld, slurmd, slurm-client and munge when missing (apt-get; no
#      daemon is started by the packages), then starts munged, slurmctld and slurmd itself (no
#      systemd), each with its config, socket, state, spool and logs in a temp dir and on ports of
#      their own, so it neither needs nor touches /etc/slurm, /etc/munge or a cluster already here;
#   2. waits until sinfo shows the node idle, submits slurm/tiny.yaml through
#      `./modarch sweep slurm` + sbatch, waits for the job array (squeue) and checks that every
#      array task COMPLETED with exit code 0, that tasks ran side by side, and that
#      `./modarch sweep plan --json` counts every run complete;
#   3. stops what it started (trap on EXIT), prints timings and a last line `slurm test: PASS`
#      or `slurm test: FAIL`; exits 0 only on PASS.
# Must run as root (apt-get, slurmd). Re-runnable: each run starts from a fresh temp dir, removed
# on PASS and kept (its path printed) on FAIL.
#
# Usage: slurm/test-single-node.sh [--dummy] [--keep] [--sweep FILE]
#   --dummy       submit `sbatch --array=0-3 --wrap 'echo task $SLURM_ARRAY_TASK_ID; sleep 2'`
#                 instead of a modarch sweep (tests Slurm alone: no Java, no build)
#   --keep        keep the temp dir (configs, logs, sweep output) on PASS as well
#   --sweep FILE  the sweep to submit (default slurm/tiny.yaml)
# Environment: START_TIMEOUT (s, default 60), SWEEP_TIMEOUT (s, default 900),
#   SLURM_TEST_PORT (slurmctld's port, default 6917; slurmd takes the next one),
#   TMPDIR (where the temp dir goes, default /tmp).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

mode=sweep keep=0 sweep_file="$repo/slurm/tiny.yaml"
while [ $# -gt 0 ]; do
  case "$1" in
    --dummy) mode=dummy ;;
    --keep) keep=1 ;;
    --sweep) sweep_file="$(realpath "$2")"; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--dummy] [--keep] [--sweep FILE]" >&2; exit 2 ;;
  esac
  shift
done
start_timeout="${START_TIMEOUT:-60}"
sweep_timeout="${SWEEP_TIMEOUT:-900}"
ctld_port="${SLURM_TEST_PORT:-6917}"
slurmd_port=$((ctld_port + 1))

# ---- bookkeeping: phases, timings, the failure line, the summary
now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }
t_begin=$(now_ms)
declare -a summary=()
note() { summary+=("$1"); echo "== $1"; }
phase="setup" dir="" result=FAIL failure=""
# fail "what failed" [log files whose tails to show]: prints one line naming what failed, then the
# logs' tails, and exits (the EXIT trap stops the daemons and prints the summary).
fail() {
  failure="$phase: $1"
  echo "slurm test: FAILED $failure"
  shift
  local f
  for f in "$@"; do
    [ -s "$f" ] || continue
    echo "---- last lines of $f"
    tail -n 20 "$f"
  done
  exit 1
}

# died NAME: a daemon ended: fails with its last fatal line (else its last line) and its log's tail
died() {
  local log="$dir/log/$1.log" out="$dir/log/$1.out" last
  [ -s "$log" ] || log="$out" # a daemon that died before it opened its log file
  last="$(grep -h "fatal" "$log" 2>/dev/null | tail -n 1 | sed "s/^\[[^]]*\] //")"
  [ -n "$last" ] || last="$(tail -n 1 "$log" 2>/dev/null)"
  fail "$1 exited${2:+ $2}${last:+: $last}" "$log"
}

# ---- cleanup: cancel our jobs, stop our daemons (by the pids we started), report what is left
munged_pid="" ctld_pid="" slurmd_pid="" policy_added=0
# the processes alive (zombies left out: slurmstepd's wait for init to reap them), "PID ARGS"
live() { ps -eo pid=,stat=,args= | awk -v self=$$ '$2 !~ /^Z/ && $1 != self { $2 = ""; sub(/  /, " "); print }'; }
# job step daemons of another Slurm here, if any
stepd_before="$(live | awk '$2 == "slurmstepd:" || $2 ~ /slurmstepd$/' || true)"
stop_pid() { # stop_pid NAME PID: TERM, up to 10 s, then KILL
  local name="$1" pid="$2" i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "slurm test: $name ($pid) ignored SIGTERM for 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$? i left
  set +e
  trap - EXIT INT TERM HUP
  [ "$policy_added" = 1 ] && rm -f /usr/sbin/policy-rc.d
  if [ -n "$ctld_pid" ] && kill -0 "$ctld_pid" 2>/dev/null; then
    if [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
      echo "== cancelling the jobs still queued or running"
      scancel --user="$(id -un)" 2>/dev/null
      for i in $(seq 150); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.2; done
    fi
  fi
  stop_pid slurmd "$slurmd_pid"
  stop_pid slurmctld "$ctld_pid"
  stop_pid munged "$munged_pid"
  # what outlived us: anything naming our temp dir (daemons, jobs' JVMs), and job step daemons
  if [ -n "$dir" ]; then
    left="$(live | D="$dir" awk 'index($0, ENVIRON["D"])' || true)"
    left+="$(live | awk '$2 == "slurmstepd:" || $2 ~ /slurmstepd$/' | grep -v -x -F -f <(printf '%s\n' "$stepd_before") || true)"
    if [ -n "$left" ]; then
      echo "slurm test: processes still running after the stop:"
      echo "$left"
      result=FAIL
      [ -n "$failure" ] || failure="stop: processes left running"
    fi
  fi
  [ "$rc" = 0 ] || result=FAIL
  echo
  echo "== summary ($mode)"
  for i in "${summary[@]}"; do echo "  $i"; done
  echo "  total: $(secs $(($(now_ms) - t_begin)))"
  if [ "$result" = PASS ]; then
    if [ "$keep" = 1 ]; then echo "  kept: $dir"; elif [ -n "$dir" ]; then rm -rf "$dir"; fi
    echo "slurm test: PASS"
    exit 0
  fi
  [ -n "$failure" ] && echo "  failed: $failure"
  [ -n "$dir" ] && echo "  logs, configs and output kept in $dir"
  echo "slurm test: FAIL"
  exit 1
}
trap cleanup EXIT
trap 'failure="${failure:-$phase: interrupted}"; exit 130' INT TERM HUP

[ "$(id -u)" = 0 ] || fail "must run as root (apt-get install, slurmd)"

# ---- 1. install
phase=install
t0=$(now_ms)
need="slurmctld slurmd sbatch squeue sinfo scancel scontrol munged mungekey munge"
missing=""
for c in $need; do command -v "$c" >/dev/null 2>&1 || missing+=" $c"; done
if [ -n "$missing" ]; then
  echo "== installing slurmctld slurmd slurm-client munge (missing:$missing)"
  command -v apt-get >/dev/null || fail "missing$missing and no apt-get to install them"
  # Debian's postinst scripts would start the packaged daemons where they can; a policy-rc.d that
  # denies every start (as Docker images ship) keeps them down. Ours goes away again at once.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy_added=1
  fi
  pkgs="slurmctld slurmd slurm-client munge"
  apt_log="$(mktemp)"
  export DEBIAN_FRONTEND=noninteractive
  # without apt-get update first: on a machine with fresh package lists that saves the update;
  # without lists (or stale ones) the install fails fast and runs again after the update
  if ! apt-get install -y -qq --no-install-recommends $pkgs >"$apt_log" 2>&1; then
    apt-get update -qq >>"$apt_log" 2>&1 || fail "apt-get update failed" "$apt_log"
    apt-get install -y -qq --no-install-recommends $pkgs >>"$apt_log" 2>&1 ||
      fail "apt-get install $pkgs failed" "$apt_log"
  fi
  if [ "$policy_added" = 1 ]; then rm -f /usr/sbin/policy-rc.d; policy_added=0; fi
  rm -f "$apt_log"
  for c in $need; do command -v "$c" >/dev/null 2>&1 || fail "$c still missing after apt-get install"; done
  how="installed"
else
  how="already installed"
fi
version() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }
note "install: $(secs $(($(now_ms) - t0))) ($how: slurm $(version slurmctld), munge $(version munge))"

# ---- 2. config and daemons
phase=start
t0=$(now_ms)
dir="$(mktemp -d "${TMPDIR:-/tmp}/modarch-slurm.XXXXXX")"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 700 "$dir/munge"
node="$(hostname -s)"
# the node's CPUs, sockets, cores, threads and memory as slurmd sees them (a node configured with
# more than it has is drained)
hw="$(slurmd -C 2>/dev/null | sed -n 's/^NodeName=[^ ]* //p')"
[ -n "$hw" ] || fail "slurmd -C printed no node line"
export SLURM_CONF="$dir/slurm.conf"
cat >"$SLURM_CONF" <<EOF
# written by slurm/test-single-node.sh: a throw-away single-node cluster
ClusterName=modarch-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
PlugStackConfig=$dir/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
Waittime=0
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
: >"$dir/plugstack.conf"

# munged: a key and a socket of its own (AuthInfo above points Slurm at that socket)
mungekey --create --keyfile="$dir/munge/munge.key" 2>"$dir/log/mungekey.log" ||
  fail "mungekey --create failed" "$dir/log/mungekey.log"
munged --foreground --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" \
  --log-file="$dir/log/munged.log" >"$dir/log/munged.out" 2>&1 &
munged_pid=$!
deadline=$(($(date +%s) + start_timeout))
until munge -n -S "$dir/munge/munge.socket" 2>/dev/null | unmunge -S "$dir/munge/munge.socket" >/dev/null 2>&1; do
  kill -0 "$munged_pid" 2>/dev/null || died munged
  [ "$(date +%s)" -lt "$deadline" ] || fail "munged not answering after ${start_timeout}s" "$dir/log/munged.log"
  sleep 0.1
done

slurmctld -D -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 &
slurmd_pid=$!
state=""
until [ "$state" = idle ]; do
  kill -0 "$ctld_pid" 2>/dev/null || died slurmctld
  kill -0 "$slurmd_pid" 2>/dev/null || died slurmd
  [ "$(date +%s)" -lt "$deadline" ] ||
    fail "node $node not idle after ${start_timeout}s (sinfo says '${state:-nothing}')" \
      "$dir/log/slurmctld.log" "$dir/log/slurmd.log"
  sleep 0.2
  state="$(sinfo -h -n "$node" -o %T 2>/dev/null || true)"
done
cpus="$(sinfo -h -n "$node" -o %c)"
cores="$(sinfo -h -n "$node" -o %z | awk -F: '{ print $1 * $2 }')"
note "start: $(secs $(($(now_ms) - t0))) (munged, slurmctld, slurmd; node $node idle: $cpus CPUs, $cores cores, $(sinfo -h -n "$node" -o %m) MB; $dir)"

# ---- 3. the job array
# wait_array JOBID: polls squeue until the array has left the queue; sets max_running. On a
# timeout it shows the tails of $task_logs (a glob: the array tasks' output files).
wait_array() {
  local id="$1" deadline=$(($(date +%s) + sweep_timeout)) running queued
  max_running=0
  while :; do
    queued="$(squeue -h -r -j "$id" -o %T 2>/dev/null || true)"
    [ -n "$queued" ] || break
    running="$(grep -c '^RUNNING$' <<<"$queued" || true)"
    [ "$running" -gt "$max_running" ] && max_running=$running
    kill -0 "$ctld_pid" 2>/dev/null || died slurmctld "while job $id ran"
    kill -0 "$slurmd_pid" 2>/dev/null || died slurmd "while job $id ran"
    [ "$(date +%s)" -lt "$deadline" ] ||
      fail "job array $id not done after ${sweep_timeout}s (SWEEP_TIMEOUT): $(sort <<<"$queued" | uniq -c | awk '{ printf "%s%d %s", (NR > 1 ? ", " : ""), $1, $2 }')" \
        "$dir/log/slurmctld.log" $task_logs
    sleep 0.5
  done
}
# check_array JOBID TASKS [LOGS]: every task of the array COMPLETED with exit code 0 (the jobcomp file
# holds one line per finished task: there is no accounting database)
check_array() {
  local id="$1" tasks="$2" done bad
  shift 2
  local f="$dir/log/jobcomp.txt" i
  for i in $(seq 50); do # the record of the last task may lag squeue a moment
    done="$(grep -c "ArrayJobId=$id " "$f" 2>/dev/null || true)"
    [ "${done:-0}" -ge "$tasks" ] && break
    sleep 0.1
  done
  [ "${done:-0}" -eq "$tasks" ] || fail "job $id: ${done:-0} of $tasks array tasks recorded as finished (the others never started: cancelled or held?)" "$f" "$dir/log/slurmctld.log" "$@"
  bad="$(grep "ArrayJobId=$id " "$f" | grep -v 'JobState=COMPLETED .*ExitCode=0:0' || true)"
  [ -z "$bad" ] || fail "job $id: array tasks not COMPLETED with exit code 0: $(awk '{
      for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v[k] = substr($i, length(k) + 2) }
      printf "%stask %s %s (exit %s)", (NR > 1 ? ", " : ""), v["ArrayTaskId"], v["JobState"], v["ExitCode"] }' <<<"$bad")" "$@"
  # side by side: as many at once as the cores allow (a task takes one CPU unless it asks more)
  local want=$((tasks < ${slots:-1} ? tasks : ${slots:-1}))
  [ "$want" -lt 2 ] || [ "$max_running" -ge 2 ] ||
    fail "job $id: the array tasks ran one at a time (room for $want at once)" "$dir/log/slurmctld.log"
}

phase=sweep
if [ "$mode" = dummy ]; then
  t0=$(now_ms)
  slots=$cores
  out="$dir/dummy"
  task_logs="$out/task-*.out"
  mkdir -p "$out"
  id="$(sbatch --parsable --array=0-3 --output="$out/task-%a.out" --wrap 'echo task $SLURM_ARRAY_TASK_ID; sleep 2' 2>"$dir/log/sbatch.err")" ||
    fail "sbatch failed: $(cat "$dir/log/sbatch.err")" "$dir/log/slurmctld.log"
  id="${id%%;*}"
  wait_array "$id"
  check_array "$id" 4
  for a in 0 1 2 3; do
    grep -qx "task $a" "$out/task-$a.out" 2>/dev/null || fail "task $a printed no 'task $a'" "$out/task-$a.out"
  done
  note "sweep: $(secs $(($(now_ms) - t0))) (dummy array of 4 tasks x sleep 2: all COMPLETED, up to $max_running at once)"
else
  [ -f "$sweep_file" ] || fail "no sweep file $sweep_file"
  # the jar, built once here: array tasks that each found it missing would all build it at once
  phase=build
  t0=$(now_ms)
  (cd "$repo" && ./modarch --version) >"$dir/log/build.log" 2>&1 || fail "./modarch --version (the build) failed" "$dir/log/build.log"
  note "build: $(secs $(($(now_ms) - t0))) (./modarch --version: $(grep -o 'modarch [0-9].*' "$dir/log/build.log" | tail -n 1))"

  phase=sweep
  t0=$(now_ms)
  out="$dir/sweep"
  task_logs="$out/slurm/*.log"
  cpt=1
  (cd "$repo" && ./modarch sweep slurm "$sweep_file" --partition debug --out "$out" --time 00:30:00 --cpus-per-task "$cpt") \
    >"$dir/log/sweep-slurm.log" 2>&1 || fail "./modarch sweep slurm failed" "$dir/log/sweep-slurm.log"
  script="$out/slurm/sweep.sbatch"
  [ -f "$script" ] || fail "./modarch sweep slurm wrote no $script" "$dir/log/sweep-slurm.log"
  # --no-probe: no timing probe (seconds of training) for an estimate nobody reads here
  plan() { (cd "$repo" && ./modarch sweep plan "$out/sweep.yaml" --out "$out" --json --no-probe) 2>"$dir/log/plan.err"; }
  field() { sed -n "s/.*\"$1\" *: *\([0-9][0-9]*\).*/\1/p" <<<"$2" | head -n 1; }
  json="$(plan)" || fail "./modarch sweep plan --json failed" "$dir/log/plan.err"
  runs="$(field runs "$json")" groups="$(field groups "$json")"
  [ -n "$runs" ] && [ -n "$groups" ] || fail "./modarch sweep plan --json: no runs/groups in: $json"
  array="$(sed -n 's/^#SBATCH *--array=\([^ %]*\).*/\1/p' "$script")"
  [ "$array" = "0-$((groups - 1))" ] || fail "$script: #SBATCH --array=$array, expected 0-$((groups - 1)) for $groups groups"
  slots=$((cores / cpt))
  id="$(cd "$repo" && sbatch --parsable "$script" 2>"$dir/log/sbatch.err")" ||
    fail "sbatch $script failed: $(cat "$dir/log/sbatch.err")" "$dir/log/slurmctld.log"
  id="${id%%;*}"
  echo "== submitted job array $id ($groups tasks, $runs runs)"
  wait_array "$id"
  logs=("$out"/slurm/*.log)
  check_array "$id" "$groups" "${logs[@]}"
  json="$(plan)" || fail "./modarch sweep plan --json failed after the array" "$dir/log/plan.err"
  complete="$(field complete "$json")"
  [ "$complete" = "$runs" ] || fail "./modarch sweep plan: $complete of $runs runs complete after the array: $json" "${logs[@]}"
  note "sweep: $(secs $(($(now_ms) - t0))) (job array $id: $groups tasks COMPLETED, up to $max_running at once; $complete/$runs runs complete)"
fi

phase=stop
result=PASS
