#!/bin/sh
# shrink.sh -- reduces a failing schedule of the preload shim to the fewest
# preemptions: run as
#   SCHED=SPEC tools/runtime/preload/shrink.sh [--shim PATH] -- CMD [ARGS...]
# with SPEC a schedule under which CMD fails (random:S, pct:S:D:K or an
# order: script, e.g. from hunt --preload's replay line). It runs CMD under
# the shim with SCHED_PRINT=steps, then tries, for k = 0, 1, ..., the
# script that keeps the run's first k preemptions and lets the run go on
# without preemption after the k-th: the first that fails the same way
# (the same exit status) is printed, with the preemptions it keeps (who was
# preempted at which call, and who ran) and a replay line. Every candidate
# is an exact replay, so the answer is too.
# Exit: 0 a schedule was printed; 1 never (shrinking finds, it does not
# judge); 2 usage error, or CMD does not fail under SPEC; 3 setup failure.
set -u
here=$(cd "$(dirname "$0")" && pwd) || exit 3
SHIM=$here/../../../build/libsched-preload.so
usage() {
  echo "usage: SCHED=SPEC $0 [--shim PATH] -- CMD [ARGS...]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
  --shim) [ $# -ge 2 ] || usage; SHIM=$2; shift 2 ;;
  --) shift; break ;;
  --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) usage ;;
  esac
done
[ $# -gt 0 ] || usage
[ -n "${SCHED:-}" ] || { echo "shrink.sh: set SCHED to the failing schedule" >&2; exit 2; }
[ -f "$SHIM" ] || { echo "shrink.sh: $SHIM is missing (make it first)" >&2; exit 3; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/shrink.XXXXXX") || exit 3
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM HUP PIPE

# runspec SPEC CMD...: runs CMD under SPEC; sets rc, steps (the order:
# script it took) and pre (its preemptions, STEP:A@P>B@Q,...).
runspec() {
  spec=$1
  shift
  SCHED=$spec SCHED_PRINT=steps LD_PRELOAD=$SHIM "$@" >/dev/null 2>"$TMP/err"
  rc=$?
  steps=$(sed -n 's/^sched-preload: steps: order:\([^ ]*\) .*/\1/p' "$TMP/err")
  pre=$(sed -n 's/^sched-preload: preemptions: \([^ ]*\) .*/\1/p' "$TMP/err")
}

runspec "$SCHED" "$@"
want=$rc
all_steps=$steps
all_pre=$pre
if [ "$want" -eq 0 ] || [ "$want" -eq 2 ]; then
  echo "shrink.sh: '$*' does not fail under SCHED=$SCHED (exit $want)" >&2
  exit 2
fi
if grep -q 'not exact' "$TMP/err"; then
  echo "shrink.sh: the run under SCHED=$SCHED left the model (not exact); cannot shrink it" >&2
  exit 2
fi
count() { printf '%s' "$1" | tr ',' '\n' | grep -c .; }
total=$(count "$all_pre")
echo "shrink: SCHED=$SCHED fails (exit $want) with $total preemption(s)"

# try CAND CMD...: runs the order: script CAND; when CMD fails the same way with
# fewer preemptions than the best so far, CAND's run becomes the best.
try() {
  c=$1
  shift
  [ ${#c} -le 1000 ] || return 1
  runspec "order:$c" "$@"
  [ $rc -eq "$want" ] && ! grep -q 'not exact' "$TMP/err" || return 1
  n=$(count "$pre")
  [ "$n" -lt "$best_n" ] || return 1
  best=$c best_n=$n best_steps=$steps best_pre=$pre
}

# nth LIST N: the Nth item of a comma-separated list.
nth() { printf '%s' "$1" | tr ',' '\n' | sed -n "$2p"; }
# upto LIST N: its first N items, each followed by a comma.
upto() { printf '%s' "$1" | tr ',' '\n' | head -n "$2" | tr '\n' ','; }
# names_from LIST N: its items from the Nth on, threads only (no @POINT),
# so that they still fit once an earlier step has changed.
names_from() { printf '%s' "$1" | tr ',' '\n' | tail -n +"$2" | sed 's/@.*//' | tr '\n' ',' | sed 's/,$//'; }

best=$all_steps best_n=$total best_steps=$all_steps best_pre=$all_pre
improved=1
while [ $improved = 1 ] && [ "$best_n" -gt 0 ]; do
  improved=0
  # 1. Keep the first k preemptions, then none: the preempted thread runs
  # on (past a script's end the run goes on without preemption).
  k=0
  while [ $k -lt "$best_n" ] && [ $improved = 0 ]; do
    p=$(nth "$best_pre" $((k + 1)))
    at=${p%%:*} who=${p#*:}
    try "$(upto "$best_steps" $((at - 1)))${who%%@*}" "$@" && improved=1
    k=$((k + 1))
  done
  # 2. Drop one preemption and keep the rest of the run, by thread.
  k=0
  while [ $k -lt "$best_n" ] && [ $improved = 0 ]; do
    p=$(nth "$best_pre" $((k + 1)))
    at=${p%%:*} who=${p#*:}
    rest=$(names_from "$best_steps" "$at")
    try "$(upto "$best_steps" $((at - 1)))${who%%@*}${rest:+,$rest}" "$@" &&
      improved=1
    k=$((k + 1))
  done
done
if [ "$best_n" -eq "$total" ]; then
  echo "shrink: no script with fewer preemptions fails the same way: keep SCHED=$SCHED"
  exit 0
fi
echo "shrink: SCHED=order:$best fails (exit $want) with $best_n preemption(s)"
if [ "$best_n" -gt 0 ]; then
  printf '%s\n' "$best_pre" | tr ',' '\n' |
    sed 's/^\([0-9]*\):\([^@]*\)@\([^>]*\)>\([^@]*\)@\(.*\)$/  step \1: \2 preempted at its \3, \4 runs from its \5/'
fi
# The command as a shell line, each word quoted.
line=
for a in "$@"; do
  line="$line '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
done
echo "replay: SCHED='order:$best' LD_PRELOAD='$SHIM'$line"
exit 0
