#!/bin/sh
# trace-fit.sh -- `trace --format svg --width PX` draws a figure to be read
# at 100%: exactly PX wide, 12 px text, lanes reused once an operation is
# done (sequential operations share one), at most 20 lanes with the rest
# in a shared "N more" lane, every operation's messages on its bar, the
# scheduler's caption when the log is the scheduler's. Bad widths are
# usage errors (exit 2).
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
. tests/lib.sh
# attr NAME FILE: an attribute of the picture's root element, read by an
# XML parser (the SVG's text is not matched).
attr() {
  python3 -c 'import sys, xml.etree.ElementTree as E
print(E.parse(sys.argv[2]).getroot().get(sys.argv[1], ""))' "$1" "$2" 2>/dev/null
}

# 30 operations all in flight at once, then 5 one after another; one that
# never ends keeps its lane.
{
  i=1
  while [ $i -le 30 ]; do
    printf '{"op":"%016x","ev":"begin","kind":"req","msg":"request %d"}\n' $i $i
    i=$((i + 1))
  done
  i=1
  while [ $i -le 30 ]; do
    printf '{"op":"%016x","ev":"end","kind":"req","msg":"done %d"}\n' $i $i
    i=$((i + 1))
  done
  i=31
  while [ $i -le 35 ]; do
    printf '{"op":"%016x","ev":"begin","kind":"job","msg":"job %d"}\n' $i $i
    printf '{"op":"%016x","ev":"end","kind":"job","msg":"ok"}\n' $i
    i=$((i + 1))
  done
} >"$T/wide.jsonl"
"$B"/trace --format svg --width 700 -o "$T/wide.svg" "$T/wide.jsonl" ||
  notok "wide log: exit $?"
[ "$(attr width "$T/wide.svg")" = 700 ] || notok "width is not 700"
[ "$(attr font-size "$T/wide.svg")" -ge 11 ] || notok "text under 11 px"
lanes=$(attr data-lanes "$T/wide.svg")
[ "$lanes" = 20 ] || notok "30 ops in flight: $lanes lanes, want 20 (19 + one shared)"
grep -q '>11 more<' "$T/wide.svg" || notok "no shared lane naming the 11 more ops"
grep -q 'class="msg"[^>]*>req 1 · …01: request 1<' "$T/wide.svg" ||
  notok "the first op's label and message are not on its bar"

# An op that never ends keeps its lane: the next one gets another.
printf '{"op":"%016x","ev":"begin","kind":"t","msg":"stuck"}\n' 90 >"$T/stuck.jsonl"
printf '{"op":"%016x","ev":"begin","kind":"t","msg":"next"}\n{"op":"%016x","ev":"end","kind":"t","msg":"ok"}\n' 91 91 >>"$T/stuck.jsonl"
"$B"/trace --format svg --width 700 -o "$T/stuck.svg" "$T/stuck.jsonl" 2>/dev/null
[ "$(attr data-lanes "$T/stuck.svg")" = 2 ] || notok "an op that never ends gave its lane away"

# One after another: one lane.
tail -n 10 "$T/wide.jsonl" >"$T/seq.jsonl"
"$B"/trace --format svg --width 700 -o "$T/seq.svg" "$T/seq.jsonl" || notok "seq: exit $?"
[ "$(attr data-lanes "$T/seq.svg")" = 1 ] || notok "5 sequential ops: want 1 lane"
[ "$(grep -c 'class="msg"[^>]*>job [0-9]' "$T/seq.svg")" = 5 ] ||
  notok "5 sequential ops: want 5 bars with their label"
[ "$(grep -c 'class="msg"[^>]*>ok<' "$T/seq.svg")" = 5 ] ||
  notok "5 sequential ops: want each end's message at its place"

# The scheduler's log carries its caption.
cp "$T/seq.jsonl" "$T/sched.jsonl"
printf '{"ev":"trailer","dropped":0,"events":10,"recorder":"sched"}\n' >>"$T/sched.jsonl"
"$B"/trace --format svg --width 700 "$T/sched.jsonl" 2>/dev/null |
  grep -q 'recorded by the scheduler, not by the program' || notok "no caption"

for w in 100 5000 x; do
  "$B"/trace --format svg --width "$w" "$T/seq.jsonl" >/dev/null 2>"$T/err"
  [ $? = 2 ] && grep -q -- "--width" "$T/err" || notok "--width $w: want exit 2 naming --width"
done
finish "--width figures fit, reuse and cap their lanes, keep messages on the bars"
