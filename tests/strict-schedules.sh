#!/bin/sh
# strict-schedules.sh -- every scenario test runs the interleaving it names.
# Scripts are strict (tools/runtime/sched/dsched.h): a script that stops fitting the
# program ends the run with "schedule does not match the program" (exit 2),
# and only a "+lenient" one goes on "continuing with random:0". Either line
# in a scenario test's output means a forced interleaving was not run as
# written, whatever the verdict, so this runs every build/tests/NN-*-sync,
# -bug and -fix and fails on either line. It also checks that each bug
# build still fails naming its invariant ("SLUG invariant violated"), so a
# script made to fit cannot quietly stop exposing the bug.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
. tests/lib.sh
out=$T/out
status=0 n=0
for t in "$B"/tests/[0-9][0-9]-*-sync "$B"/tests/[0-9][0-9]-*-bug \
         "$B"/tests/[0-9][0-9]-*-fix; do
  [ -x "$t" ] || { echo "strict-schedules.sh: $t is missing (make all first)" >&2; exit 3; }
  n=$((n + 1))
  "$t" >"$out" 2>&1
  rc=$?
  name=${t##*/}
  if grep -qE "does not match the program|continuing with random" "$out"; then
    echo "FAIL $name (exit $rc): a schedule did not fit:"
    grep -E "does not match the program|continuing with random" "$out" | sed 's/^/  /'
    status=1
  fi
  case $name in
  *-bug)
    slug=${name%-bug}
    slug=${slug#[0-9][0-9]-}
    if [ "$rc" -eq 0 ] || ! grep -q "$slug invariant violated" "$out"; then
      echo "FAIL $name: exit $rc, want a failure naming the '$slug' invariant"
      status=1
    fi
    ;;
  esac
done
[ "$n" -gt 0 ] || { echo "strict-schedules.sh: no scenario tests in $B/tests" >&2; exit 3; }
[ "$status" -eq 0 ] && echo "strict-schedules.sh: $n scenario test programs, every schedule fit; every bug build names its invariant"
exit $status
