#!/bin/sh
# preload-release.sh -- SCHED_POR=1: the preload shim takes no decision
# at a release (mutex, rwlock and spin unlock, sem_post, condition signal
# and broadcast): the thread keeps the token to its next acquire-like
# point, where a waiter the release made runnable is a choice
# (partial-order reduction; sched_preload.c's Cost). tests/progs/
# preload_prims calls every one of them; under random, pct and pos
# (its SCHED_REPORT) it must end well; with SCHED_POR=1 its steps and
# switch points name no release call, and still name lock and join
# points, and the same spec replays the same steps; without it (the
# default) releases are steps. SCHED_POR=2 is refused (exit 2). Exit 0
# all passed, 1 a check failed, 3 setup.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
SHIM=$PWD/$B/libsched-preload.so
PROG=$B/tests/progs/preload_prims
# $T, removed on exit; ok, notok and finish.
. tests/lib.sh
need "$SHIM" "$PROG"

RELEASES='["unlock", "rwunlock", "spin_unlock", "sem_post", "signal",
  "broadcast"]'
# run SPEC POR: preload_prims under SPEC with SCHED_POR=POR; the calls
# its steps and switch points name, one a line, in $T/points, its trace
# in $trace and its step count in $n (from its SCHED_REPORT); 1 if it
# failed or its run was not exact.
run() {
  rm -f "$T/report"
  SCHED_REPORT=$T/report SCHED_POR=$2 SCHED=$1 LD_PRELOAD=$SHIM "$PROG" \
    >/dev/null 2>"$T/err"
  rc=$?
  trace=$(jq -r 'select(.exact) | .trace' "$T/report" 2>/dev/null)
  n=$(jq -r .steps "$T/report" 2>/dev/null)
  # An order: script's steps are THREAD@CALL, comma-separated.
  jq -r '(.order // "order:" | ltrimstr("order:") | split(",")[]
      | sub("^[^@]*@"; "")),
    (.switch_points[] | .at, .could_run[].at)' "$T/report" \
    >"$T/points" 2>/dev/null
  if [ $rc -ne 0 ] || [ -z "$trace" ] || [ ! -s "$T/points" ]; then
    notok "preload_prims under $1, SCHED_POR=$2: exit $rc, $(grep -m1 . "$T/err")"
    return 1
  fi
}
# releases: the release calls among the points, one a line.
releases() {
  jq -R --argjson r "$RELEASES" 'select(. as $p | $r | index($p))' \
    "$T/points" | sort -u | tr '\n' ' '
}

for spec in random:1 random:2 random:3 pct:1:3:200 pos:1; do
  run $spec 1 || continue
  first=$trace
  rel=$(releases)
  if [ -n "$rel" ]; then
    notok "preload_prims under $spec, SCHED_POR=1: a release is a step: $rel"
  elif ! grep -q -x lock "$T/points" || ! grep -q -x join "$T/points"
  then
    notok "preload_prims under $spec, SCHED_POR=1: no lock or join step"
  else
    ok "preload_prims under $spec, SCHED_POR=1: ended well, $n steps," \
      "none at a release"
  fi
  run $spec 1 || continue
  if [ "$trace" = "$first" ]; then
    ok "preload_prims under $spec, SCHED_POR=1: the same steps again" \
      "(trace $trace)"
  else
    notok "preload_prims under $spec, SCHED_POR=1: trace $first, then $trace"
  fi
  run $spec 0 || continue
  if [ -n "$(releases)" ]; then
    ok "preload_prims under $spec, SCHED_POR=0: releases are steps"
  else
    notok "preload_prims under $spec, SCHED_POR=0: no release is a step"
  fi
done

SCHED_POR=2 SCHED=random:1 LD_PRELOAD=$SHIM "$PROG" >/dev/null 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "SCHED_POR='2'" "$T/err"; then
  ok "SCHED_POR=2: exit 2, $(grep -m1 . "$T/err")"
else
  notok "SCHED_POR=2: exit $rc, $(grep -m1 . "$T/err")"
fi
finish
