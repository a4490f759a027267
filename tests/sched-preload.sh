#!/bin/sh
# sched-preload.sh -- measures what the LD_PRELOAD shim is for: on small,
# unmodified pthread programs whose failure needs a rare interleaving, runs
# under build/libsched-preload.so (which decides the schedule from the
# seed) must fail at least 10 times as often as plain runs (the same number
# of each, in the same test run), and the correct twins must never fail
# under it. RUNS (default 400) sets the runs per program and mode; the
# twins get 1000 runs each. tests/preload-replay.sh checks that the seeds
# replay.
set -u
cd "$(dirname "$0")/.." || exit 3
SHIM=$PWD/build/libsched-preload.so
P=build/tests/progs
RUNS=${RUNS:-400}
TWIN_RUNS=${TWIN_RUNS:-1000}
for f in "$SHIM" $P/sched_publish $P/sched_publish_ok $P/sched_join $P/sched_join_ok; do
  [ -x "$f" ] || [ -f "$f" ] || { echo "sched-preload.sh: $f is missing (make it first)" >&2; exit 3; }
done

# fails PROG MODE N: how many of N runs exit nonzero; MODE is plain, or a
# SCHED prefix such as random or pct (the run number is the seed).
fails() {
  n=0 i=0
  while [ $i -lt "$3" ]; do
    i=$((i + 1))
    if [ "$2" = plain ]; then
      "$1" 2>/dev/null || n=$((n + 1))
    else
      LD_PRELOAD=$SHIM SCHED=$2:$i "$1" 2>/dev/null || n=$((n + 1))
    fi
  done
  echo $n
}

status=0
for prog in sched_publish sched_join; do
  plain=$(fails $P/$prog plain "$RUNS")
  floor=$plain
  [ "$floor" -gt 0 ] || floor=1
  for mode in random pct; do
    shim=$(fails $P/$prog $mode "$RUNS")
    verdict=ok
    if [ "$shim" -lt $((10 * floor)) ]; then verdict=FAIL; status=1; fi
    echo "$prog: plain $plain/$RUNS failed, under SCHED=$mode:SEED $shim/$RUNS failed (want >= 10 x max(plain,1) = $((10 * floor))): $verdict"
  done
done
for prog in sched_publish_ok sched_join_ok; do
  half=$((TWIN_RUNS / 2))
  n=$(( $(fails $P/$prog random $half) + $(fails $P/$prog pct $((TWIN_RUNS - half))) ))
  verdict=ok
  if [ "$n" -ne 0 ]; then verdict=FAIL; status=1; fi
  echo "$prog: under the shim $n/$TWIN_RUNS failed (want 0): $verdict"
done
exit $status
