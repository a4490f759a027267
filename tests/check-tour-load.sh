#!/bin/sh
# check-tour-load.sh -- `make run` on a busy machine: the tour, with its
# time budget, while a busy loop runs on every core. It must pass (exit 0):
# every hunt stops within its budget and reports the runs it made, and no
# row is a verdict from 0 runs. Nothing may be left in its $TMPDIR.
# Slow (the whole tour, a minute or more on 2 cores): run by make check.
# Knobs: RUNS (the tour's --runs, default its own 20), HOGS (default nproc).
set -u
G=build/gallery
[ -x "$G" ] || { echo "check-tour-load.sh: $G is missing (make)" >&2; exit 3; }
HOGS=${HOGS:-$(nproc)}
. "$(dirname "$0")/lib.sh"
mkdir "$T/tmp"
pids=
stop_hogs() {
  for p in $pids; do kill "$p" 2>/dev/null; done
  for p in $pids; do wait "$p" 2>/dev/null; done
  pids=
}
cleanup() { stop_hogs; }

i=0
while [ "$i" -lt "$HOGS" ]; do
  sh -c 'while :; do :; done' &
  pids="$pids $!"
  i=$((i + 1))
done
t0=$(date +%s)
TMPDIR=$T/tmp "$G" tour --all ${RUNS:+--runs "$RUNS"} </dev/null >"$T/out" 2>&1
rc=$?
t1=$(date +%s)
stop_hogs
tail -n 16 "$T/out"
echo "check-tour-load: exit $rc in $((t1 - t0)) s with $HOGS busy loops"
fail=0
if [ "$rc" -ne 0 ]; then
  echo "check-tour-load: FAIL: the tour exited $rc under load" >&2
  fail=1
fi
if grep -q 'no verdict' "$T/out"; then
  echo "check-tour-load: FAIL: a row has no verdict:" >&2
  grep 'no verdict' "$T/out" >&2
  fail=1
fi
if [ -n "$(ls -A "$T/tmp")" ]; then
  echo "check-tour-load: FAIL: left in \$TMPDIR: $(ls -A "$T/tmp")" >&2
  fail=1
fi
exit $fail
