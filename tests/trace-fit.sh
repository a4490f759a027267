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
dir=$(mktemp -d "${TMPDIR:-/tmp}/trace-fit.XXXXXX") || exit 3
trap 'rm -rf "$dir"' EXIT INT TERM HUP PIPE
status=0
fail() { echo "FAIL $*"; status=1; }
attr() { sed -n "s/.*<svg[^>]* $1=\"\([0-9]*\)\".*/\1/p" "$2" | head -n 1; }

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
} >"$dir/wide.jsonl"
"$B"/trace --format svg --width 700 -o "$dir/wide.svg" "$dir/wide.jsonl" ||
  fail "wide log: exit $?"
[ "$(attr width "$dir/wide.svg")" = 700 ] || fail "width is not 700"
[ "$(attr font-size "$dir/wide.svg")" -ge 11 ] || fail "text under 11 px"
lanes=$(attr data-lanes "$dir/wide.svg")
[ "$lanes" = 20 ] || fail "30 ops in flight: $lanes lanes, want 20 (19 + one shared)"
grep -q '>11 more<' "$dir/wide.svg" || fail "no shared lane naming the 11 more ops"
grep -q 'class="msg"[^>]*>req 1 · …01: request 1<' "$dir/wide.svg" ||
  fail "the first op's label and message are not on its bar"

# An op that never ends keeps its lane: the next one gets another.
printf '{"op":"%016x","ev":"begin","kind":"t","msg":"stuck"}\n' 90 >"$dir/stuck.jsonl"
printf '{"op":"%016x","ev":"begin","kind":"t","msg":"next"}\n{"op":"%016x","ev":"end","kind":"t","msg":"ok"}\n' 91 91 >>"$dir/stuck.jsonl"
"$B"/trace --format svg --width 700 -o "$dir/stuck.svg" "$dir/stuck.jsonl" 2>/dev/null
[ "$(attr data-lanes "$dir/stuck.svg")" = 2 ] || fail "an op that never ends gave its lane away"

# One after another: one lane.
tail -n 10 "$dir/wide.jsonl" >"$dir/seq.jsonl"
"$B"/trace --format svg --width 700 -o "$dir/seq.svg" "$dir/seq.jsonl" || fail "seq: exit $?"
[ "$(attr data-lanes "$dir/seq.svg")" = 1 ] || fail "5 sequential ops: want 1 lane"
[ "$(grep -c 'class="msg"[^>]*>job [0-9]' "$dir/seq.svg")" = 5 ] ||
  fail "5 sequential ops: want 5 bars with their label"
[ "$(grep -c 'class="msg"[^>]*>ok<' "$dir/seq.svg")" = 5 ] ||
  fail "5 sequential ops: want each end's message at its place"

# The scheduler's log carries its caption.
cp "$dir/seq.jsonl" "$dir/sched.jsonl"
printf '{"ev":"trailer","dropped":0,"events":10,"recorder":"sched"}\n' >>"$dir/sched.jsonl"
"$B"/trace --format svg --width 700 "$dir/sched.jsonl" 2>/dev/null |
  grep -q 'recorded by the scheduler, not by the program' || fail "no caption"

for w in 100 5000 x; do
  "$B"/trace --format svg --width "$w" "$dir/seq.jsonl" >/dev/null 2>"$dir/err"
  [ $? = 2 ] && grep -q -- "--width" "$dir/err" || fail "--width $w: want exit 2 naming --width"
done
[ "$status" = 0 ] && echo "trace-fit.sh: --width figures fit, reuse and cap their lanes, keep messages on the bars"
exit "$status"
