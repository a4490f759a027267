#!/bin/sh
# script-end.sh -- a script that a run never used is not a schedule the
# run was under. The in-tree scheduler checks at the end of a run
# (dsched_reset) how much of its order: script was taken:
#   - none of it, though the run was scheduled: the script names nothing
#     the program does (thread steps for a program of requests, or
#     requests for a program of threads). Exit 2 and the trailer's
#     "mismatch", as for a step that does not fit; +lenient: recorded,
#     the status stands.
#   - part of it: a fix that makes fewer requests than the bug whose
#     script it runs. The status stands; stderr says where the run ended.
# Run from the repository root after `make`.
set -u
B=${B:-build}
. "$(dirname "$0")/lib.sh"
need "$B/bin/01-log-order-fix" "$B/bin/06-lost-update-fix" \
  "$B/bin/05-check-then-act-fix"
command -v jq >/dev/null 2>&1 ||
  { echo "script-end.sh: jq is not installed (make deps)" >&2; exit 3; }

# run SPEC PROG ARGS...: runs PROG under SCHED=SPEC; sets rc, and leaves
# stderr in $T/err and the scheduler's record in $T/log.jsonl.
run() {
  spec=$1
  shift
  rm -f "$T/log.jsonl"
  SCHED=$spec SCHED_LOG=$T/log.jsonl "$@" >/dev/null 2>"$T/err"
  rc=$?
}
# trailer FILTER: FILTER (jq -e) holds of the record's trailer.
trailer() {
  jq -e -s "map(select(.ev == \"trailer\")) | length == 1 and
    (.[0] | $1)" "$T/log.jsonl" >/dev/null 2>&1
}

# expect DESC RC PATTERN FILTER SPEC PROG ARGS...: runs PROG under SPEC and
# wants exit RC, a line matching PATTERN on stderr (or none from the
# scheduler when PATTERN is -), and FILTER true of the trailer.
expect() {
  desc=$1 want=$2 pat=$3 filter=$4
  shift 4
  run "$@"
  if [ "$pat" = - ]; then
    ! grep -q 'sched:' "$T/err"
  else
    grep -q "$pat" "$T/err"
  fi
  seen=$?
  if [ "$rc" -eq "$want" ] && [ "$seen" -eq 0 ] && trailer "$filter"; then
    ok "$desc"
  else
    notok "$desc (exit $rc, wanted $want)"
    quote "$T/err" 3
  fi
}

# 1. Thread steps for 01, whose work is requests: nothing was taken.
expect "01 under thread steps only: exit 2, no step taken, the trailer's mismatch" \
  2 'no step of the script was taken; step 1 (req9)' \
  'has("mismatch") and (.lenient | not)' \
  'order:req9' "$B/bin/01-log-order-fix" --requests 3
# 2. Requests for 06's fix, whose pool is threads.
expect "06 under requests only: exit 2, no step taken, the trailer's mismatch" \
  2 'no step of the script was taken; step 1 (work#0)' 'has("mismatch")' \
  'order:work#0' "$B/bin/06-lost-update-fix" --jobs 2
# 3. The same with +lenient: recorded, the run's own status kept.
expect "+lenient: the status stands (0), the trailer has the mismatch, lenient" \
  0 'no step of the script was taken' 'has("mismatch") and .lenient == true' \
  'order:req9+lenient' "$B/bin/01-log-order-fix" --requests 3
# 4. The bug's script on 05's fix, which never makes the duplicate fetch
# (work#2): the run ends before the script does; its verdict stands.
expect "05's fix under the bug's script: exit 0, the end of the run said on stderr" \
  0 'the run ended before step 3 of the script (work#2)' \
  'has("mismatch") | not' \
  'order:work#1,work#0,work#2' "$B/bin/05-check-then-act-fix" --pages 1
# 5. A script taken whole says nothing more.
expect "a script taken whole: exit 0, nothing from the scheduler on stderr" \
  0 - 'has("mismatch") | not' \
  'order:work#1,work#0' "$B/bin/05-check-then-act-fix" --pages 1

finish
