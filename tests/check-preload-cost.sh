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
# apply to the default modes only). Not part of make test (timing
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
need "$SHIM" "$PROG"

# now_ns: a monotonic clock in nanoseconds (GNU date).
now_ns() { date +%s%N; }

# once MODE: runs the program once in MODE, appends its seconds to
# $T/MODE; any failure is a setup failure (exit 3).
once() {
  mode=$1
  t0=$(now_ns)
  case $mode in
  native) "$PROG" "$THREADS" "$ITERS" "$WORK" ;;
  random) SCHED=random:$r LD_PRELOAD=$SHIM "$PROG" "$THREADS" "$ITERS" "$WORK" ;;
  pct) SCHED=pct:$r:3 LD_PRELOAD=$SHIM "$PROG" "$THREADS" "$ITERS" "$WORK" ;;
  pos) SCHED=pos:$r LD_PRELOAD=$SHIM "$PROG" "$THREADS" "$ITERS" "$WORK" ;;
  random-pinned) SCHED_PIN=1 SCHED=random:$r LD_PRELOAD=$SHIM "$PROG" \
    "$THREADS" "$ITERS" "$WORK" ;;
  pct-pinned) SCHED_PIN=1 SCHED=pct:$r:3 LD_PRELOAD=$SHIM "$PROG" \
    "$THREADS" "$ITERS" "$WORK" ;;
  random-por) SCHED_POR=1 SCHED=random:$r LD_PRELOAD=$SHIM "$PROG" \
    "$THREADS" "$ITERS" "$WORK" ;;
  pct-por) SCHED_POR=1 SCHED=pct:$r:3 LD_PRELOAD=$SHIM "$PROG" \
    "$THREADS" "$ITERS" "$WORK" ;;
  pos-por) SCHED_POR=1 SCHED=pos:$r LD_PRELOAD=$SHIM "$PROG" \
    "$THREADS" "$ITERS" "$WORK" ;;
  esac
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
exit $status
