#!/bin/sh
# sched-determinism.sh -- the scheduler's self-check on the whole gallery:
# every scenario's bug and fix, run twice under the same seeded schedule,
# must make the same choices (the scheduler's record of them) and end the
# same way. Two runs that make no choice at all agree trivially, so every
# run must also take at least one scheduled step, except in the scenarios
# NO_STEPS names. Run from the repository root after `make all`.
#
# The choices come from the scheduler's recorder (SCHED_LOG, dsched.h): one
# JSON event per choice, {"ev":"step","kind":"sched","msg":CHOICE}, compared
# whole, never read out of the text a program prints. Its record also holds
# the choices of a forked child, which prints no schedule of its own, and a
# deadlock the scheduler ends the run on, as its last choice.
set -u
B=${B:-build}
SEEDS=${SEEDS:-"random:11 pct:5:3"}
# The scenarios whose runs show no scheduled step, each for a stated reason.
# The list is checked both ways: one of these that starts showing steps
# fails too, so that it cannot go stale.
#   12-unbounded-fanout  it opens, reads and closes files, none of which the
#                        scheduler holds, and has no schedule point.
NO_STEPS=${NO_STEPS-"12-unbounded-fanout"} # (set and empty: none)
. "$(dirname "$0")/lib.sh"
fails=0 checked=0 stepped=0

# no_steps NN-slug: whether NO_STEPS names the scenario.
no_steps() {
  case " $NO_STEPS " in *" $1 "*) return 0 ;; esac
  return 1
}

# choices LOG: the scheduler's choices in the record LOG, one JSON string a
# line; fails (exit 3) when LOG is no record of the scheduler's: without
# its trailer, a run that wrote nothing would pass as one that chose nothing.
choices() {
  jq -e -s 'any(.[]; .ev == "trailer" and .recorder == "sched")' "$1" \
    >/dev/null 2>&1 || return 3
  jq -c 'select(.ev == "step" and .kind == "sched") | .msg' "$1"
}

for bin in "$B"/bin/[0-9][0-9]-*-bug "$B"/bin/[0-9][0-9]-*-fix; do
  [ -x "$bin" ] || continue
  for spec in $SEEDS; do
    nolog=0
    for k in 1 2; do
      rm -f "$T/log$k"
      SCHED=$spec SCHED_LOG=$T/log$k timeout 60 "$bin" >"$T/out$k" 2>&1
      echo $? >"$T/rc$k"
      choices "$T/log$k" >"$T/steps$k" || nolog=1
    done
    checked=$((checked + 1))
    name="${bin##*/} under $spec"
    # Two runs agree on their steps before a step count means anything; a
    # run that takes none is reported as such first, since without steps an
    # exit that differs between the runs is only the natural race.
    n=$(wc -l <"$T/steps1")
    scen=${bin##*/}
    scen=${scen%-*}
    if [ "$(cat "$T/rc1")" = 124 ]; then
      echo "not ok - $name: timed out"
      fails=$((fails + 1))
    elif [ "$nolog" = 1 ]; then
      echo "not ok - $name: SCHED_LOG left no record of the scheduler's (no trailer with \"recorder\":\"sched\")"
      fails=$((fails + 1))
    elif ! cmp -s "$T/steps1" "$T/steps2"; then
      echo "not ok - $name: two runs made different choices"
      diff "$T/steps1" "$T/steps2" | head -n 4 | cut -c1-160 | sed 's/^/    /'
      fails=$((fails + 1))
    elif [ "$n" -eq 0 ] && ! no_steps "$scen"; then
      echo "not ok - $name: took no scheduled step, so the two runs prove nothing (a scenario that takes none belongs in NO_STEPS, with its reason)"
      fails=$((fails + 1))
    elif [ "$n" -gt 0 ] && no_steps "$scen"; then
      echo "not ok - $name: $n choices, but NO_STEPS says $scen takes none: update the list"
      fails=$((fails + 1))
    elif ! cmp -s "$T/rc1" "$T/rc2"; then
      echo "not ok - $name: same steps, exit $(cat "$T/rc1") then $(cat "$T/rc2")"
      fails=$((fails + 1))
    else
      [ "$n" -gt 0 ] && stepped=$((stepped + 1))
      echo "ok - $name: $n choices, exit $(cat "$T/rc1"), twice"
    fi
  done
done
# A name in NO_STEPS that matches no program would excuse nothing, silently.
for s in $NO_STEPS; do
  if [ ! -e "$B/bin/$s-bug" ] && [ ! -e "$B/bin/$s-fix" ]; then
    echo "not ok - NO_STEPS names $s, which has no program in $B/bin"
    fails=$((fails + 1))
  fi
done
echo "sched-determinism: $checked checked ($stepped with scheduled steps), $fails failed"
[ "$checked" -gt 0 ] && [ "$fails" -eq 0 ]
