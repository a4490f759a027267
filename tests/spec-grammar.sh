#!/bin/sh
# spec-grammar.sh -- one schedule grammar: every spec in tests/spec-table.txt
# gets the same answer from a scenario program (linked with the scheduler)
# and from the LD_PRELOAD shim as from spec_parse() (build/tests/tool-spec
# reads the same table). Accepted: the program runs the spec (exit 0) and
# so does /bin/true under the shim -- but pos:SEED, the shim's alone, the
# program refuses with exit 2, naming the shim; and a script that parses
# but names nothing the program does (requests, for 06's fix, whose pool
# is threads) is run and found not to fit: exit 2 with the trailer's
# "mismatch", never a silent run. Rejected: both exit 2 with one line
# saying why, before anything runs.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
SHIM=$PWD/$B/libsched-preload.so
PROG=$B/bin/06-lost-update-fix
TABLE=tests/spec-table.txt
. tests/lib.sh
need "$SHIM" "$PROG"
[ -f "$TABLE" ] || { echo "spec-grammar.sh: $TABLE is missing" >&2; exit 3; }
err=$T/err

status=0 rows=0
# check WHAT WANT SPEC CMD...: runs CMD with SCHED=SPEC; WANT is accept or
# reject. A rejected spec must be refused as it is parsed, not run and
# then found not to fit: the records say when a script did not fit (the
# scheduler's trailer in SCHED_LOG and the shim's report in SCHED_REPORT
# have a "mismatch").
check() {
  what=$1 want=$2 spec=$3
  shift 3
  rm -f "$T/log.jsonl" "$T/report.jsonl"
  SCHED=$spec SCHED_LOG=$T/log.jsonl SCHED_REPORT=$T/report.jsonl "$@" \
    >/dev/null 2>"$err"
  rc=$?
  lines=$(wc -l <"$err")
  unfit=$(cat "$T/log.jsonl" "$T/report.jsonl" 2>/dev/null |
    jq -r 'select(has("mismatch") or .outcome == "mismatch") | "unfit"')
  if [ "$want" = accept ] && [ "$rc" -ne 0 ] &&
    ! { [ "$rc" -eq 2 ] && [ -n "$unfit" ]; }; then
    echo "FAIL $what: SCHED='$spec' should be accepted, exit $rc: $(head -n 1 "$err")"
    status=1
  elif [ "$want" = reject ] && { [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ]; }; then
    echo "FAIL $what: SCHED='$spec' should be rejected with exit 2 and one line, got exit $rc and $lines line(s): $(head -n 1 "$err")"
    status=1
  elif [ "$want" = reject ] && [ -n "$unfit" ]; then
    echo "FAIL $what: SCHED='$spec' was parsed, then did not fit: $(head -n 1 "$err")"
    status=1
  fi
}

while IFS= read -r line; do
  case $line in
  '#'* | '') continue ;;
  accept) want=accept spec= ;;
  'accept '*) want=accept spec=${line#accept } ;;
  'reject '*) want=reject spec=${line#reject } ;;
  *) echo "spec-grammar.sh: $TABLE: bad row: $line" >&2; exit 3 ;;
  esac
  rows=$((rows + 1))
  case $want:$spec in
  accept:pos:*)
    # Partial-order sampling is the shim's: the linked scheduler refuses
    # it, naming the shim, never falls back to another strategy.
    SCHED=$spec "$PROG" --jobs 1 --workers 1 >/dev/null 2>"$err"
    rc=$?
    if [ $rc -ne 2 ] || [ "$(wc -l <"$err")" -ne 1 ] ||
      ! grep -q "is carried out by the preload shim only" "$err"; then
      echo "FAIL 06-lost-update-fix: SCHED='$spec' should be refused with exit 2, naming the shim; got exit $rc: $(head -n 1 "$err")"
      status=1
    fi ;;
  *) check "06-lost-update-fix" "$want" "$spec" "$PROG" --jobs 1 --workers 1 ;;
  esac
  check "shim on /bin/true" "$want" "$spec" env LD_PRELOAD="$SHIM" /bin/true
done <"$TABLE"
[ "$rows" -gt 0 ] || { echo "spec-grammar.sh: no rows in $TABLE" >&2; exit 3; }
[ "$status" -eq 0 ] && echo "spec-grammar.sh: $rows specs, the scenario program and the shim agree with the table"
exit $status
