#!/bin/sh
# preload-correct.sh -- the preload shim must not break correct programs:
# every tests/progs/preload_* correct program (cancellation inside the
# wrappers, 200 threads ending with pthread_exit, 1000 threads, every
# interposed primitive, exit() from a thread, fork) passes natively and
# then RUNS times under each strategy (random:S, pct:S:3, pct:S:8:200,
# pos:S),
# with no failure and no hang (a run past TIMEOUT seconds is a hang).
# RUNS (default 20; tools/check.sh asks for 200) and SHIM (default
# build/libsched-preload.so, to measure an older shim) can be set.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
SHIM=${SHIM:-$PWD/$B/libsched-preload.so}
P=$B/tests/progs
RUNS=${RUNS:-20}
TIMEOUT=${TIMEOUT:-10}
PROGS="preload_cancel preload_exit preload_prims preload_exit_thread
  preload_race_ok preload_deadlock_ok preload_many"
for f in "$SHIM"; do
  [ -f "$f" ] || { echo "preload-correct.sh: $f is missing (make all first)" >&2; exit 3; }
done
for p in $PROGS; do
  [ -x "$P/$p" ] || { echo "preload-correct.sh: $P/$p is missing (make all first)" >&2; exit 3; }
done
command -v timeout >/dev/null || { echo "preload-correct.sh: needs timeout(1)" >&2; exit 3; }

status=0
for p in $PROGS; do
  timeout "$TIMEOUT" "$P/$p" >/dev/null 2>&1
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $p: exit $rc natively, without the shim (the program is wrong)"
    status=1
    continue
  fi
  # The 1000-thread program gets a tenth of the runs: each takes ~0.3 s.
  n=$RUNS
  [ "$p" = preload_many ] && n=$(((RUNS + 9) / 10))
  for strat in random pct3 pct8 pos; do
    fails=0 hangs=0 first= i=0
    while [ $i -lt "$n" ]; do
      i=$((i + 1))
      case $strat in
      random) spec=random:$i ;;
      pct3) spec=pct:$i:3 ;;
      pct8) spec=pct:$i:8:200 ;;
      pos) spec=pos:$i ;;
      esac
      SCHED=$spec LD_PRELOAD=$SHIM timeout "$TIMEOUT" "$P/$p" >/dev/null 2>&1
      rc=$?
      if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        hangs=$((hangs + 1))
      elif [ $rc -ne 0 ]; then
        fails=$((fails + 1))
      else
        continue
      fi
      [ -n "$first" ] || first="SCHED=$spec (exit $rc)"
    done
    if [ $fails -ne 0 ] || [ $hangs -ne 0 ]; then
      echo "FAIL $p under $strat: $fails failed, $hangs hung of $n runs; first: $first"
      status=1
    else
      echo "ok   $p under $strat: 0 failed, 0 hung of $n runs"
    fi
  done
done
exit $status
