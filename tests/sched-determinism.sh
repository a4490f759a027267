#!/bin/sh
# sched-determinism.sh -- the scheduler's self-check on the whole gallery:
# every scenario's bug and fix, run twice under the same seeded schedule,
# must take the same steps (the replayable schedule each run prints) and end
# the same way. Run from the repository root after `make all`.
set -u
B=${B:-build}
SEEDS=${SEEDS:-"random:11 pct:5:3"}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sched-determinism.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0 checked=0 stepped=0

# steps FILE: the schedule lines a run printed (scenario drivers print
# "schedule taken: order:...", the scheduler "sched: schedule: order:...").
steps() {
  grep -E 'schedule taken: |^sched: schedule: ' "$1" | sed 's/.*order:/order:/'
}

for bin in "$B"/bin/[0-9][0-9]-*-bug "$B"/bin/[0-9][0-9]-*-fix; do
  [ -x "$bin" ] || continue
  for spec in $SEEDS; do
    for k in 1 2; do
      SCHED=$spec SCHED_PRINT=1 timeout 60 "$bin" >"$tmp/out$k" 2>&1
      echo $? >"$tmp/rc$k"
      steps "$tmp/out$k" >"$tmp/steps$k"
    done
    checked=$((checked + 1))
    name="${bin##*/} under $spec"
    if [ "$(cat "$tmp/rc1")" = 124 ]; then
      echo "not ok - $name: timed out"
      fails=$((fails + 1))
    elif ! cmp -s "$tmp/steps1" "$tmp/steps2"; then
      echo "not ok - $name: two runs took different steps"
      diff "$tmp/steps1" "$tmp/steps2" | head -n 4 | cut -c1-160 | sed 's/^/    /'
      fails=$((fails + 1))
    elif ! cmp -s "$tmp/rc1" "$tmp/rc2"; then
      echo "not ok - $name: same steps, exit $(cat "$tmp/rc1") then $(cat "$tmp/rc2")"
      fails=$((fails + 1))
    else
      n=$(tr ',' '\n' <"$tmp/steps1" | grep -c .)
      [ "$n" -gt 0 ] && stepped=$((stepped + 1))
      echo "ok - $name: $n steps, exit $(cat "$tmp/rc1"), twice"
    fi
  done
done
echo "sched-determinism: $checked checked ($stepped with scheduled steps), $fails failed"
[ "$checked" -gt 0 ] && [ "$fails" -eq 0 ]
