#!/bin/sh
# check-preload-cost.sh -- what the preload shim costs: wall time of
# tests/progs/preload_bench (THREADS threads taking one mutex ITERS times
# each, WORK units of arithmetic inside and outside the lock) natively,
# under SCHED=random:S, SCHED=pct:S:3 and SCHED=pos:S, ROUNDS rounds
# interleaved so that all meet the same machine; prints each mode's median
# and min..max, and the ratios of the medians to native. With MAX_RANDOM
# and MAX_PCT set (ratios, e.g. 3 and 5; MAX_POS too) it exits 1 when a
# ratio is above its bound. With PINNED=1 it also measures random and pct
# with SCHED_PIN=1 (the process on one CPU: what pinning saves, or costs,
# on this machine). With POR=1 it also measures random, pct and pos with
# SCHED_POR=1 (no point at a release: what the reduction saves; the bounds
# apply to the default modes only). Then, per mode, its hand-offs (thread
# switches, from SCHED_REPORT) and what as many bare futex hand-offs
# take on this machine (build/bench/bench_handoff, measured in the same
# run). Not part of make test (timing
# depends on the machine's load): run it by hand or from make check.
# Settings: THREADS=13 ITERS=2000 WORK=1000 ROUNDS=7.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
SHIM=$PWD/$B/libsched-preload.so
PROG=$B/tests/progs/preload_bench
THREADS=${THREADS:-13} ITERS=${ITERS:-2000} WORK=${WORK:-1000}
ROUNDS=${ROUNDS:-7}
MODES="random pct pos"
[ "${PINNED:-0}" = 1 ] && MODES="$MODES random-pinned pct-pinned"
[ "${POR:-0}" = 1 ] && MODES="$MODES random-por pct-por pos-por"
. tests/lib.sh
HANDOFF=$B/bench/bench_handoff
need "$SHIM" "$PROG" "$HANDOFF"

# now_ns: a monotonic clock in nanoseconds (GNU date).
now_ns() { date +%s%N; }

# settings MODE: the environment that runs MODE under the shim (none for
# native), seed $r.
settings() {
  case $1 in
  native) ;;
  random) echo "SCHED=random:$r" ;;
  pct) echo "SCHED=pct:$r:3" ;;
  pos) echo "SCHED=pos:$r" ;;
  random-pinned) echo "SCHED_PIN=1 SCHED=random:$r" ;;
  pct-pinned) echo "SCHED_PIN=1 SCHED=pct:$r:3" ;;
  random-por) echo "SCHED_POR=1 SCHED=random:$r" ;;
  pct-por) echo "SCHED_POR=1 SCHED=pct:$r:3" ;;
  pos-por) echo "SCHED_POR=1 SCHED=pos:$r" ;;
  esac
}

# once MODE: runs the program once in MODE, appends its seconds to
# $T/MODE; any failure is a setup failure (exit 3).
once() {
  mode=$1
  t0=$(now_ns)
  if [ $mode = native ]; then
    "$PROG" "$THREADS" "$ITERS" "$WORK"
  else
    env $(settings $mode) LD_PRELOAD="$SHIM" "$PROG" "$THREADS" "$ITERS" "$WORK"
  fi
  rc=$?
  t1=$(now_ns)
  if [ $rc -ne 0 ]; then
    echo "check-preload-cost.sh: $PROG failed in mode $mode (exit $rc)" >&2
    exit 3
  fi
  echo "$t0 $t1" | awk '{ printf "%.4f\n", ($2 - $1) / 1e9 }' >>"$T/$mode"
}

r=0
while [ $r -lt "$ROUNDS" ]; do
  r=$((r + 1))
  once native
  for mode in $MODES; do once $mode; done
done

# stats MODE: "median min max" of its times.
stats() {
  sort -n "$T/$1" | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.4f %.4f %.4f\n", m, v[1], v[NR] }'
}
set -- $(stats native)
nmed=$1
echo "preload_bench $THREADS threads x $ITERS lock/unlock, work $WORK; $ROUNDS rounds, interleaved"
printf '%-15s median %8.4f s  (min %.4f .. max %.4f)\n' native "$1" "$2" "$3"
status=0
for mode in $MODES; do
  set -- $(stats $mode)
  ratio=$(awk -v a="$1" -v b="$nmed" 'BEGIN { printf "%.2f", a / b }')
  printf '%-15s median %8.4f s  (min %.4f .. max %.4f)  %sx native\n' \
    "$mode" "$1" "$2" "$3" "$ratio"
  bound=
  [ $mode = random ] && bound=${MAX_RANDOM:-}
  [ $mode = pct ] && bound=${MAX_PCT:-}
  [ $mode = pos ] && bound=${MAX_POS:-}
  if [ -n "$bound" ] && awk -v r="$ratio" -v b="$bound" 'BEGIN { exit !(r > b) }'; then
    echo "$mode: ${ratio}x native is above the bound ${bound}x"
    status=1
  fi
done

# What the switches cost: each mode's hand-offs (thread switches) in one
# run reported through SCHED_REPORT (seed 1; a timed run does not report,
# which costs), its time above native per hand-off, and what as many
# hand-offs of bench_handoff's bare two-thread ping-pong take on this
# machine now, at the cheaper of its two figures (free or pinned). Each of
# the shim's hand-offs wakes a thread asleep on its futex word and puts
# the caller to sleep, as the ping-pong does, so the shim's bookkeeping is
# what lies above that line.
"$HANDOFF" --reps 5 --json "$T/floor.json" >"$T/floor.out" 2>&1 || {
  echo "check-preload-cost.sh: $HANDOFF failed:" >&2
  cat "$T/floor.out" >&2
  exit 3
}
ffree=$(jv .free_us.median "$T/floor.json")
fpin=$(jv .pinned_us.median "$T/floor.json")
floor=$(awk -v a="$ffree" -v b="$fpin" 'BEGIN { print (a < b) ? a : b }')
printf 'a futex hand-off between two threads here: %.2f us free, %.2f us pinned (bench_handoff, medians)\n' \
  "$ffree" "$fpin"
r=1
for mode in $MODES; do
  rm -f "$T/report.jsonl"
  env $(settings $mode) SCHED_REPORT="$T/report.jsonl" LD_PRELOAD="$SHIM" \
    "$PROG" "$THREADS" "$ITERS" "$WORK" >/dev/null || {
    echo "check-preload-cost.sh: $PROG failed in mode $mode, reporting" >&2
    exit 3
  }
  h=$(jq -e -s 'map(.handoffs) | add' "$T/report.jsonl") || {
    echo "check-preload-cost.sh: no SCHED_REPORT from mode $mode" >&2
    exit 3
  }
  set -- $(stats $mode)
  awk -v m="$mode" -v h="$h" -v t="$1" -v n="$nmed" -v f="$floor" 'BEGIN {
    printf "%-15s %6d hand-offs; %.4f s above native (%.2f us a hand-off); as many at %.2f us: %.4f s, %.2fx native\n",
      m, h, t - n, (h > 0 ? (t - n) * 1e6 / h : 0), f, h * f * 1e-6,
      h * f * 1e-6 / n }'
done
exit $status
