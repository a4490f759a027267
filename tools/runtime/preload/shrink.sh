#!/bin/sh
# shrink.sh -- finds, for a failing run under the preload shim, a failing
# schedule with the fewest preemptions: run as
#   SCHED=SPEC tools/runtime/preload/shrink.sh [--shim PATH] [--max-runs N]
#       [--max-preemptions K] -- CMD [ARGS...]
# with SPEC a schedule under which CMD fails (random:S, pct:S:D:K, pos:S or
# an order: script, e.g. from hunt --preload's replay line).
# The search is preemption bounding (as in CHESS): first the run without
# any preemption; then, for k = 1, 2, ..., every schedule that follows a
# run with k-1 preemptions up to one of its later switch points (a step
# where the running thread could have gone on and another could have run,
# as the shim prints them with SCHED_PRINT=steps), switches there to one of
# the others, and goes on without preemption. The first schedule that fails
# the same way (the same exit status) is printed with the preemptions it
# takes (who was preempted at which call, and who ran) and a replay line:
# no schedule with fewer preemptions, among those the search reaches, fails.
# Every candidate is an exact replay, so the answer is too. The search
# stops after K preemptions (default 3) or N runs (default 2000), and says
# so. Exit: 0 a schedule was printed, or the bound was reached (said so);
# 2 usage error, or CMD does not fail under SPEC; 3 setup failure.
set -u
here=$(cd "$(dirname "$0")" && pwd) || exit 3
SHIM=$here/../../../build/libsched-preload.so
MAX_RUNS=2000 MAX_K=3
usage() {
  echo "usage: SCHED=SPEC $0 [--shim PATH] [--max-runs N] [--max-preemptions K] -- CMD [ARGS...]" >&2
  exit 2
}
number() { case $1 in '' | *[!0-9]*) usage ;; esac; }
while [ $# -gt 0 ]; do
  case $1 in
  --shim) [ $# -ge 2 ] || usage; SHIM=$2; shift 2 ;;
  --max-runs) [ $# -ge 2 ] || usage; number "$2"; MAX_RUNS=$2; shift 2 ;;
  --max-preemptions) [ $# -ge 2 ] || usage; number "$2"; MAX_K=$2; shift 2 ;;
  --) shift; break ;;
  --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
# script it took), pre (its preemptions, STEP:A@P>B@Q,...), sw (its switch
# points, STEP:A@P>B@Q|C@R,...) and npre (how many preemptions).
runs=0
runspec() {
  spec=$1
  shift
  runs=$((runs + 1))
  SCHED=$spec SCHED_PRINT=steps LD_PRELOAD=$SHIM "$@" >/dev/null 2>"$TMP/err"
  rc=$?
  steps=$(sed -n 's/^sched-preload: steps: order:\([^ ]*\) .*/\1/p' "$TMP/err")
  pre=$(sed -n 's/^sched-preload: preemptions: \([^ ]*\) .*/\1/p' "$TMP/err")
  sw=$(sed -n 's/^sched-preload: switch points: \([^ ]*\) .*/\1/p' "$TMP/err")
  npre=$(sed -n 's/^sched-preload: schedule: .*; [0-9]* steps\{0,1\}, \([0-9]*\) preemption.*/\1/p' "$TMP/err")
}
# same_failure: the last run failed as the first did, exactly.
same_failure() {
  [ "$rc" -eq "$want" ] && ! grep -q 'not exact' "$TMP/err"
}

runspec "$SCHED" "$@"
want=$rc
if [ "$want" -eq 0 ] || [ "$want" -eq 2 ]; then
  echo "shrink.sh: '$*' does not fail under SCHED=$SCHED (exit $want)" >&2
  exit 2
fi
if grep -q 'not exact' "$TMP/err"; then
  echo "shrink.sh: the run under SCHED=$SCHED left the model (not exact); cannot shrink it" >&2
  exit 2
fi
total=${npre:-0}
echo "shrink: SCHED=$SCHED fails (exit $want) with $total preemption(s)"

# found SCRIPT CMD...: prints the schedule, its preemptions (the threads
# and calls involved) and the replay line.
found() {
  script=$1
  shift
  echo "shrink: SCHED=order:$script fails (exit $want) with $npre preemption(s); no schedule with fewer does, of the $runs runs searched"
  if [ -n "$pre" ]; then
    printf '%s\n' "$pre" | tr ',' '\n' |
      sed 's/^\([0-9]*\):\([^@]*\)@\([^>]*\)>\([^@]*\)@\(.*\)$/  step \1: \2 preempted at its \3, \4 runs from its \5/'
  fi
  line=
  for a in "$@"; do
    line="$line '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
  done
  echo "replay: SCHED='order:$script' LD_PRELOAD='$SHIM'$line"
}

# Level 0: no preemption at all. The first step is main's (the only
# thread that has run); choosing it, and going on without preemption past
# the script's end, takes no preemption.
runspec "order:main" "$@"
if [ "$rc" -eq 2 ]; then
  echo "shrink.sh: the run without preemption does not start with main: $(head -n 1 "$TMP/err")" >&2
  exit 3
fi
if same_failure; then
  found main "$@"
  exit 0
fi
# A level is a file of runs, one a line: PREFIX-LENGTH<TAB>STEPS<TAB>SWITCH
# POINTS; the runs of level k take k preemptions, all within their prefix.
printf '0\t%s\t%s\n' "$steps" "$sw" >"$TMP/level"
k=1
while [ $k -le "$MAX_K" ]; do
  : >"$TMP/next"
  # Every candidate of this level: PREFIX-LENGTH<TAB>SCRIPT, where SCRIPT
  # is the run's steps before a switch point past its prefix, then another
  # thread at that point.
  awk -F'\t' '{
    n = split($2, st, ","); m = split($3, sp, ",")
    for (i = 1; i <= m; i++) {
      at = sp[i] + 0
      if (at <= $1) continue
      split(sp[i], parts, ">"); na = split(parts[2], alt, "|")
      pre = ""
      for (j = 1; j < at; j++) pre = pre st[j] ","
      for (a = 1; a <= na; a++) print at "\t" pre alt[a]
    }
  }' "$TMP/level" >"$TMP/cands"
  while IFS='	' read -r at script; do
    if [ "$runs" -ge "$MAX_RUNS" ]; then
      echo "shrink: the bound was reached ($MAX_RUNS runs, at $k preemption(s)) before a failing schedule: keep SCHED=$SCHED ($total preemption(s))"
      exit 0
    fi
    runspec "order:$script" "$@"
    [ "$rc" -eq 2 ] && continue # a candidate that does not fit: skip it
    if same_failure; then
      found "$script" "$@"
      exit 0
    fi
    printf '%s\t%s\t%s\n' "$at" "$steps" "$sw" >>"$TMP/next"
  done <"$TMP/cands"
  mv "$TMP/next" "$TMP/level"
  k=$((k + 1))
done
echo "shrink: no schedule with at most $MAX_K preemption(s) fails the same way ($runs runs): keep SCHED=$SCHED ($total preemption(s))"
exit 0
