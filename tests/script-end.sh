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

# 1. Thread steps for 01, whose work is requests: nothing was taken.
run 'order:req9' "$B/bin/01-log-order-fix" --requests 3
if [ "$rc" -eq 2 ] && grep -q 'no step of the script was taken; step 1 (req9)' "$T/err" &&
  trailer 'has("mismatch") and (.lenient | not)'; then
  ok "01 under thread steps only: exit 2, no step taken, the trailer's mismatch"
else
  notok "01 under thread steps only: exit $rc, wanted 2 and a mismatch"
  quote "$T/err" 3
fi

# 2. Requests for 06's fix, whose pool is threads.
run 'order:work#0' "$B/bin/06-lost-update-fix" --jobs 2
if [ "$rc" -eq 2 ] && grep -q 'no step of the script was taken; step 1 (work#0)' "$T/err" &&
  trailer 'has("mismatch")'; then
  ok "06 under requests only: exit 2, no step taken, the trailer's mismatch"
else
  notok "06 under requests only: exit $rc, wanted 2 and a mismatch"
  quote "$T/err" 3
fi

# 3. The same with +lenient: recorded, the run's own status kept.
run 'order:req9+lenient' "$B/bin/01-log-order-fix" --requests 3
if [ "$rc" -eq 0 ] && trailer 'has("mismatch") and .lenient == true'; then
  ok "+lenient: the status stands (0), the trailer has the mismatch, lenient"
else
  notok "+lenient: exit $rc, wanted 0 with mismatch and lenient in the trailer"
  quote "$T/err" 3
fi

# 4. The bug's script on 05's fix, which never makes the duplicate fetch
# (work#2): the run ends before the script does; its verdict stands.
run 'order:work#1,work#0,work#2' "$B/bin/05-check-then-act-fix" --pages 1
if [ "$rc" -eq 0 ] && grep -q 'the run ended before step 3 of the script (work#2)' "$T/err" &&
  trailer 'has("mismatch") | not'; then
  ok "05's fix under the bug's script: exit 0, the end of the run said on stderr"
else
  notok "05's fix under the bug's script: exit $rc, wanted 0 and the note"
  quote "$T/err" 3
fi

# 5. A script taken whole says nothing more.
run 'order:work#1,work#0' "$B/bin/05-check-then-act-fix" --pages 1
if [ "$rc" -eq 0 ] && ! grep -q 'sched:' "$T/err"; then
  ok "a script taken whole: exit 0, nothing on stderr"
else
  notok "a script taken whole: exit $rc"
  quote "$T/err" 3
fi

finish
