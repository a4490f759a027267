#!/bin/sh
# sched-recorder.sh -- a timeline of every bug: `gallery run NN --bug --log
# FILE` leaves a log build/trace can draw for every scenario. The bugs log
# nothing of their own (that is their lesson), so FILE is the scheduler's
# record (SCHED_LOG, tools/runtime/sched/dsched_rec.c), whose trailer says
# "recorder":"sched" and whose timeline carries the caption "recorded by
# the scheduler, not by the program". A fix's own log stays the program's,
# without the caption. Runs each under its forced schedule (fast and the
# same every time), and once without one (the recorder does not need a
# schedule). Also: without SCHED_LOG nothing is recorded.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
. tests/lib.sh
n=0
caption="recorded by the scheduler, not by the program"

# Each scenario's forced schedule is its compare_schedule
# (bugs/NN-slug/scenario.conf, through build/gallery info --json).
"$B"/gallery info --json >"$T/scenarios.json" ||
  { echo "sched-recorder.sh: build/gallery info --json failed" >&2; exit 3; }
# (Schedules hold no blanks: one word per scenario.)
for row in $(jq -r '.[] | (.id | tostring | if length < 2 then "0" + . else . end)
    + "=" + .compare_schedule' "$T/scenarios.json"); do
  nn=${row%%=*}
  sched=${row#*=}
  for v in bug fix; do
    log=$T/$nn-$v.jsonl
    rc=2
    if [ -n "$sched" ]; then
      "$B"/gallery run "$nn" --$v --schedule "$sched" --log "$log" >"$T/out" 2>&1
      rc=$?
    fi
    # The bug's script need not fit the fix (04, 06: exit 2): the fix then
    # runs without one.
    if [ "$rc" = 2 ] && [ "$v" = fix ] || [ -z "$sched" ]; then
      rm -f "$log"
      "$B"/gallery run "$nn" --$v --log "$log" >"$T/out" 2>&1
      rc=$?
    fi
    n=$((n + 1))
    if [ "$rc" -gt 1 ] || [ ! -s "$log" ]; then
      notok "$nn $v: exit $rc, log $(wc -c <"$log" 2>/dev/null || echo missing) bytes"
      sed 's/^/  /' "$T/out" | tail -n 5
      continue
    fi
    "$B"/trace "$log" >"$T/text" 2>"$T/err"
    trc=$?
    if [ "$trc" -gt 1 ] || ! grep -q ' begin ' "$T/text"; then
      notok "$nn $v: build/trace cannot draw the log (exit $trc): $(head -n 1 "$T/err")"
      continue
    fi
    if jq -e -s 'last | .ev == "trailer" and .recorder == "sched"' "$log" \
      >/dev/null 2>&1; then
      grep -q "$caption" "$T/text" ||
        notok "$nn $v: the scheduler's log has no caption in build/trace"
      # (A log of more events than an SVG can hold is refused, exit 2.)
      "$B"/trace --format svg -o "$T/svg" "$log" 2>/dev/null
      [ $? -ne 0 ] || grep -q "$caption" "$T/svg" ||
        notok "$nn $v: the scheduler's log has no caption in the SVG"
      grep -q "$caption" "$T/out" ||
        notok "$nn $v: gallery run did not say the log is the scheduler's"
    else
      [ "$v" = fix ] || [ "$nn" = 01 ] || [ "$nn" = 04 ] || [ "$nn" = 05 ] ||
        [ "$nn" = 09 ] ||
        notok "$nn $v: a bug that logs nothing itself got no scheduler's log"
      grep -q "$caption" "$T/text" &&
        notok "$nn $v: the program's own log is captioned as the scheduler's"
    fi
  done
done

# Without a schedule (natural run of a bug that logs nothing itself).
"$B"/gallery run 02 --bug --log "$T/nat.jsonl" >/dev/null 2>&1
jq -e -s 'any(.[]; .ev == "begin" and .kind == "work")' "$T/nat.jsonl" \
  >/dev/null 2>&1 ||
  notok "02 bug, natural: no work request in the scheduler's log"

# The recorder is off unless asked for.
rm -f "$T/off.jsonl"
SCHED_LOG= "$B"/bin/02-reply-mixup-bug >/dev/null 2>&1
[ ! -e "$T/off.jsonl" ] || notok "an empty SCHED_LOG wrote a file"

[ "$n" -gt 0 ] || { echo "sched-recorder.sh: no scenarios" >&2; exit 3; }
finish "$n runs, every one left a timeline"
