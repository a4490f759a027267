#!/bin/sh
# strict-schedules.sh -- every scenario test runs the interleaving it names.
# Scripts are strict (tools/runtime/sched/dsched.h): a script that stops
# fitting the program ends the run (exit 2), and only a "+lenient" one goes
# on as random:0. Either means a forced interleaving was not run as
# written, whatever the verdict. The scheduler's record says so (SCHED_LOG:
# each test process's trailer has "mismatch" when its script did not fit,
# and "lenient": true when the run went on), so this runs every
# build/tests/NN-*-sync, -bug and -fix under SCHED_LOG and fails on any
# trailer with a mismatch. It also checks that each bug build still fails
# reporting its invariant violated (SCENARIO_REPORT, tests/scenario_report.h),
# so a script made to fit cannot quietly stop exposing the bug.
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
  rm -f "$T/sched.jsonl" "$T/report.jsonl"
  SCHED_LOG=$T/sched.jsonl SCENARIO_REPORT=$T/report.jsonl "$t" >"$out" 2>&1
  rc=$?
  name=${t##*/}
  # No record: the program ran no schedule (12's sync twin takes none).
  unfit=
  [ -e "$T/sched.jsonl" ] &&
    unfit=$(jq -r 'select(.ev == "trailer" and has("mismatch")) |
      .mismatch + if .lenient then " (+lenient: went on as random:0)"
        else "" end' "$T/sched.jsonl" 2>&1)
  if [ -n "$unfit" ]; then
    echo "FAIL $name (exit $rc): a schedule did not fit:"
    printf '%s\n' "$unfit" | sed 's/^/  /'
    status=1
  fi
  case $name in
  *-bug)
    slug=${name%-bug}
    slug=${slug#[0-9][0-9]-}
    if [ "$rc" -eq 0 ] || ! jq -se --arg inv "$slug" 'any(.[];
        .record == "violation" and .invariant == $inv)' "$T/report.jsonl" \
        >/dev/null 2>&1; then
      echo "FAIL $name: exit $rc, want a failure reporting the '$slug' invariant"
      status=1
    fi
    ;;
  esac
done
[ "$n" -gt 0 ] || { echo "strict-schedules.sh: no scenario tests in $B/tests" >&2; exit 3; }
[ "$status" -eq 0 ] && echo "strict-schedules.sh: $n scenario test programs, every schedule fit; every bug build reports its invariant"
exit $status
