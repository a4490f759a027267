#!/bin/sh
# shrink.sh -- finds, for a failing run under the preload shim, a failing
# schedule with the fewest preemptions: run as
#   SCHED=SPEC tools/runtime/preload/shrink.sh [--shim PATH] [--max-runs N]
#       [--max-preemptions K] [--json FILE] -- CMD [ARGS...]
# with SPEC a schedule under which CMD fails (random:S, pct:S:D:K, pos:S or
# an order: script, e.g. from hunt --preload's replay line).
# The search is preemption bounding (as in CHESS): first the run without
# any preemption; then, for k = 1, 2, ..., every schedule that follows a
# run with k-1 preemptions up to one of its later switch points (a step
# where the running thread could have gone on and another could have run,
# as the shim reports them with SCHED_REPORT), switches there to one of
# the others, and goes on without preemption. The first schedule that fails
# the same way (the same exit status) is printed with the preemptions it
# takes (who was preempted at which call, and who ran) and a replay line:
# no schedule with fewer preemptions, among those the search reaches, fails.
# Every candidate is an exact replay, so the answer is too. The search
# stops after K preemptions (default 3) or N runs (default 2000), and says
# so. --json FILE: the result for scripts, one JSON object in FILE:
# result ("found", "bound": the run bound was reached, "none": no schedule
# within K preemptions), spec and exit (the failing run's), runs, from
# (its preemptions), and when found: to (the fewest), schedule (an
# order: script), preempted ([{step, thread, at, next, next_at}], the
# threads and calls involved), replay (the command line) and replay_env
# and replay_argv (the same, as the environment and the arguments).
# Exit: 0 a schedule was printed, or the bound was reached (said so);
# 2 usage error, or CMD does not fail under SPEC; 3 setup failure.
# Needs jq (make deps).
set -u
here=$(cd "$(dirname "$0")" && pwd) || exit 3
SHIM=$here/../../../build/libsched-preload.so
MAX_RUNS=2000 MAX_K=3 JSON=
usage() {
  echo "usage: SCHED=SPEC $0 [--shim PATH] [--max-runs N] [--max-preemptions K] [--json FILE] -- CMD [ARGS...]" >&2
  exit 2
}
number() { case $1 in '' | *[!0-9]*) usage ;; esac; }
while [ $# -gt 0 ]; do
  case $1 in
  --shim) [ $# -ge 2 ] || usage; SHIM=$2; shift 2 ;;
  --max-runs) [ $# -ge 2 ] || usage; number "$2"; MAX_RUNS=$2; shift 2 ;;
  --max-preemptions) [ $# -ge 2 ] || usage; number "$2"; MAX_K=$2; shift 2 ;;
  --json) [ $# -ge 2 ] || usage; JSON=$2; shift 2 ;;
  --) shift; break ;;
  --help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) usage ;;
  esac
done
[ $# -gt 0 ] || usage
[ -n "${SCHED:-}" ] || { echo "shrink.sh: set SCHED to the failing schedule" >&2; exit 2; }
[ -f "$SHIM" ] || { echo "shrink.sh: $SHIM is missing (make it first)" >&2; exit 3; }
command -v jq >/dev/null 2>&1 ||
  { echo "shrink.sh: jq is not installed (make deps)" >&2; exit 3; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/shrink.XXXXXX") || exit 3
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM HUP PIPE

# runspec SPEC CMD...: runs CMD under SPEC; sets rc, leaves the shim's
# report (SCHED_REPORT: steps, preemptions, switch points) in $TMP/report
# and sets npre (how many preemptions) and exact (true or false) from it.
runs=0
runspec() {
  spec=$1
  shift
  runs=$((runs + 1))
  rm -f "$TMP/report"
  SCHED=$spec SCHED_REPORT=$TMP/report LD_PRELOAD=$SHIM "$@" \
    >/dev/null 2>"$TMP/err"
  rc=$?
  npre=0 exact=false
  [ -s "$TMP/report" ] || return 0
  npre=$(jq -r '.preemptions' "$TMP/report")
  exact=$(jq -r '.exact' "$TMP/report")
}
# same_failure: the last run failed as the first did, exactly.
same_failure() {
  [ "$rc" -eq "$want" ] && [ "$exact" = true ]
}
# result RESULT [FILTER [JQ-ARGS...]]: with --json, writes the result
# object, with FILTER's object (of JQ-ARGS) merged in.
result() {
  [ -n "$JSON" ] || return 0
  r=$1 extra='{}'
  shift
  if [ $# -gt 0 ]; then extra=$1; shift; fi
  jq -n --arg result "$r" --arg spec "$SCHED" --argjson exit "$want" \
    --argjson runs "$runs" --argjson from "$total" \
    "{result: \$result, spec: \$spec, exit: \$exit, runs: \$runs,
      from: \$from} + $extra" "$@" >"$JSON" ||
    { echo "shrink.sh: cannot write $JSON" >&2; exit 3; }
}

runspec "$SCHED" "$@"
want=$rc
if [ "$want" -eq 0 ] || [ "$want" -eq 2 ]; then
  echo "shrink.sh: '$*' does not fail under SCHED=$SCHED (exit $want)" >&2
  exit 2
fi
if [ "$exact" != true ]; then
  echo "shrink.sh: the run under SCHED=$SCHED left the model (not exact); cannot shrink it" >&2
  exit 2
fi
total=$npre
echo "shrink: SCHED=$SCHED fails (exit $want) with $total preemption(s)"

# found SCRIPT CMD...: prints the schedule, its preemptions (the threads
# and calls involved) and the replay line.
found() {
  script=$1
  shift
  echo "shrink: SCHED=order:$script fails (exit $want) with $npre preemption(s); no schedule with fewer does, of the $runs runs searched"
  jq -r '.preempted[] | "  step \(.step): \(.thread) preempted at its " +
    "\(.at), \(.next) runs from its \(.next_at)"' "$TMP/report"
  line=
  for a in "$@"; do
    line="$line '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
  done
  echo "replay: SCHED='order:$script' LD_PRELOAD='$SHIM'$line"
  result found '{to: $rep[0].preemptions, schedule: $schedule,
      preempted: $rep[0].preempted, replay: $replay,
      replay_env: {SCHED: $schedule, LD_PRELOAD: $shim},
      replay_argv: $ARGS.positional}' --slurpfile rep "$TMP/report" \
    --arg replay "SCHED='order:$script' LD_PRELOAD='$SHIM'$line" \
    --arg schedule "order:$script" --arg shim "$SHIM" --args -- "$@"
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
# A level is a file of runs, one a line: {from: PREFIX-LENGTH, run: the
# shim's report}; the runs of level k take k preemptions, all within their
# prefix.
keep() { jq -c --argjson from "$1" '{from: $from, run: .}' "$TMP/report"; }
keep 0 >"$TMP/level" || exit 3
k=1
while [ $k -le "$MAX_K" ]; do
  : >"$TMP/next"
  # Every candidate of this level: PREFIX-LENGTH<TAB>SCRIPT, where SCRIPT
  # is the run's steps before a switch point past its prefix, then another
  # thread at that point. The steps are the run's order: script, split
  # at its commas as the shim's SCHED parser does.
  jq -r '.from as $from | .run
    | (.order // "order:" | ltrimstr("order:") | split(",")) as $st
    | .switch_points[] | select(.step > $from) | . as $p
    | .could_run[]
    | "\($p.step)\t\($st[0:$p.step - 1] + ["\(.thread)@\(.at)"] | join(","))"' \
    "$TMP/level" >"$TMP/cands" || exit 3
  while IFS='	' read -r at script; do
    if [ "$runs" -ge "$MAX_RUNS" ]; then
      echo "shrink: the bound was reached ($MAX_RUNS runs, at $k preemption(s)) before a failing schedule: keep SCHED=$SCHED ($total preemption(s))"
      result bound
      exit 0
    fi
    runspec "order:$script" "$@"
    [ "$rc" -eq 2 ] && continue # a candidate that does not fit: skip it
    if same_failure; then
      found "$script" "$@"
      exit 0
    fi
    [ -s "$TMP/report" ] && keep "$at" >>"$TMP/next"
  done <"$TMP/cands"
  mv "$TMP/next" "$TMP/level"
  k=$((k + 1))
done
echo "shrink: no schedule with at most $MAX_K preemption(s) fails the same way ($runs runs): keep SCHED=$SCHED ($total preemption(s))"
result none
exit 0
