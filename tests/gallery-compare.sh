#!/bin/sh
# gallery-compare.sh -- what the gallery says before and around its numbers:
# the tour opens with a legend of its words (bug, natural / bug, PCT / bug,
# forced / "PCT to fail"); `compare NN` shows the lesson first (every hunk
# of the fix that holds a FIX(NN) or BUG(NN) line, exactly as diff -u -p
# prints it, before any other), then the other hunks counted, with the
# command for the whole diff; and `compare NN | head` ends quietly: nothing
# on stderr. Run from the repository root after `make`.
set -u
G=${G:-build/gallery}
. "$(dirname "$0")/lib.sh"
need "$G"
no() {
  notok "$1"
  [ -s "$T/why" ] && quote "$T/why" 20
}

# 1. The tour's legend comes before the first scenario. Its reader stops
# after the legend; the tour then ends at its next write.
TMPDIR=$T timeout 60 $G tour --all --runs 1 </dev/null 2>"$T/err" |
  sed '/^== /q' >"$T/tour"
: >"$T/why"
for w in 'bug, natural' 'bug, PCT' 'bug, forced' '"PCT to fail"'; do
  grep -qF "  $w" "$T/tour" || echo "no legend line for $w" >>"$T/why"
done
grep -q 'chapter 21' "$T/tour" || echo "the legend does not point to chapter 21" >>"$T/why"
# The legend precedes the first scenario's heading.
tail -n 1 "$T/tour" | grep -q '^== 01-' || echo "the legend is not before scenario 01" >>"$T/why"
awk 'length > 80' "$T/tour" >>"$T/why"
if [ ! -s "$T/why" ]; then ok "the tour opens with its legend"; else
  cat "$T/tour" >>"$T/why"; no "the tour opens with its legend"; fi

# 2. compare: the lesson first, for every scenario with a bug and a fix.
for dir in bugs/[0-9][0-9]-*/; do
  s=$(basename "$dir")
  nn=${s%%-*}
  a=bugs/$s/async.c
  b=fixes/$s/async.c
  [ -f "$a" ] && [ -f "$b" ] || continue
  : >"$T/why"
  TMPDIR=$T timeout 120 $G compare "$nn" --reps 1 >"$T/out" 2>"$T/err"
  # The forced rows ran under a script that fits each variant: the fix
  # passes it and no schedule was refused (scripts are strict).
  if grep -q 'does not match the program' "$T/out" "$T/err"; then
    echo "compare $nn: a forced schedule did not fit a variant" >>"$T/why"
  fi
  if ! grep -E '^  fix +[^ ]+ ' "$T/out" | tail -n 1 |
    grep -qE '^  fix +[^ ]+ +0/1 +0/1 '; then
    echo "compare $nn: the fix's forced row is not 0/1 0/1:" >>"$T/why"
    grep -E '^  fix ' "$T/out" >>"$T/why"
  fi
  # The expected lesson: diff's own tagged hunks, in order, and the count
  # of the others.
  diff -u -p --label "$a" --label "$b" "$a" "$b" >"$T/diff"
  awk -v tag="(FIX|BUG)\\\\($nn\\\\)" -v want="$T/lesson" -v n="$T/rest" '
    /^@@/ { flush(); h = $0 "\n"; t = 0; next }
    h != "" { h = h $0 "\n"; if (/^[-+]/ && $0 ~ tag) t = 1 }
    function flush() { if (h == "") return; if (t) printf "%s", h > want; else rest++; h = "" }
    END { flush(); print rest + 0 > n }' "$T/diff"
  # What compare printed: the hunks between "== the lesson" and the next
  # heading, without its ---/+++ lines.
  awk '/^== the lesson/ { on = 1; next } on && /^== / { exit }
       on && /^$/ { next } on && !/^(---|\+\+\+) / { print }' "$T/out" >"$T/got"
  if ! cmp -s "$T/lesson" "$T/got"; then
    echo "compare $nn: the lesson is not the tagged hunks of diff -u -p:" >>"$T/why"
    diff "$T/lesson" "$T/got" | head -10 >>"$T/why"
  fi
  rest=$(cat "$T/rest")
  if [ "$rest" -gt 0 ]; then
    grep -q "^== the rest: $rest untagged hunk" "$T/out" ||
      echo "compare $nn: no count of the $rest other hunks" >>"$T/why"
    grep -qF "the whole diff: diff -u $a $b" "$T/out" ||
      echo "compare $nn: no command for the whole diff" >>"$T/why"
    # The lesson comes before the rest.
    awk '/^== the lesson/ { l = NR } /^== the rest/ { r = NR }
         END { exit !(l && r && l < r) }' "$T/out" ||
      echo "compare $nn: the rest is not after the lesson" >>"$T/why"
  fi
  # Each row's "last:" is the verdict its driver wrote (GALLERY_VERDICT);
  # the natural runs of sync and fix end with one.
  if grep -q '^ *last: no verdict' "$T/out" && sed -n '1,/^$/p' "$T/out" |
    awk '/^  (sync|fix) +natural/ { getline; if (/last: no verdict/) f = 1 }
         END { exit !f }'; then
    echo "compare $nn: a natural sync or fix run shows no verdict:" >>"$T/why"
    grep -A1 -E '^  (sync|fix) +natural' "$T/out" >>"$T/why"
  fi
  # The table's rows and messages: 80 columns.
  sed -n '1,/^$/p' "$T/out" | grep -E '^  (variant|sync|bug|fix) |^ +last: |^                ' | awk -v n="$nn" 'length > 80 { print "compare " n ": table line over 80 columns: " $0 }' >>"$T/why"
  if [ ! -s "$T/why" ]; then ok "compare $nn shows the lesson first"; else
    no "compare $nn shows the lesson first"; fi
done

# 3. compare --svg: bug above fix, each timeline trace's own picture,
# whole: a well-formed SVG whose two nested pictures stand 70 px apart
# below the heading, and whose size holds both. Read with an XML parser;
# a nested picture's place is its y, or the translate of the group that
# holds it.
: >"$T/why"
if ! TMPDIR=$T timeout 120 $G compare 01 --reps 1 --svg "$T/pair.svg" \
  >"$T/out" 2>"$T/err"; then
  { echo "compare 01 --svg: exit $?"; cat "$T/err"; } >>"$T/why"
fi
python3 - "$T/pair.svg" >>"$T/why" 2>&1 <<'EOF'
import re, sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
placed = []
def walk(el, dy):
    for ch in el:
        m = re.fullmatch(r"translate\(0[ ,]+(\d+)\)", ch.get("transform", ""))
        y = dy + (int(m.group(1)) if m else 0)
        if ch.tag == NS + "svg":
            placed.append((y + int(ch.get("y", "0")), int(ch.get("width")),
                           int(ch.get("height"))))
        else:
            walk(ch, y)
walk(root, 0)
if len(placed) != 2:
    sys.exit("want 2 nested pictures, got %d" % len(placed))
(yb, wb, hb), (yf, wf, hf) = placed
want = {"bug at": (yb, 110), "fix at": (yf, 110 + hb + 70),
        "width": (int(root.get("width")), max(600, wb, wf)),
        "height": (int(root.get("height")), 110 + hb + 70 + hf + 10)}
for what, (got, exp) in want.items():
    if got != exp:
        print("compare 01 --svg: %s %d, want %d" % (what, got, exp))
EOF
if [ ! -s "$T/why" ]; then ok "compare 01 --svg: bug above fix, both whole, in a picture that holds them"; else
  no "compare 01 --svg: bug above fix in one picture"; fi

# 4. A reader that goes away: nothing on stderr, every time. Before, the
# diff ran as a child writing to the pipe, and when the reader left while
# it wrote, the gallery said "diff failed: killed by PIPE". A reader that
# leaves right after the heading before the diff loses that race most
# often; head -3 is the everyday case.
: >"$T/why"
i=0
while [ $i -lt 10 ]; do
  TMPDIR=$T timeout 60 $G compare 01 --reps 1 2>"$T/err" | head -3 >/dev/null
  [ -s "$T/err" ] && { echo "compare 01 | head -3:"; cat "$T/err"; } >>"$T/why"
  TMPDIR=$T timeout 60 $G compare 01 --reps 1 2>"$T/err" | sed '/^== the/q' >/dev/null
  [ -s "$T/err" ] && { echo "compare 01 | sed '/^== the/q':"; cat "$T/err"; } >>"$T/why"
  i=$((i + 1))
done
if [ ! -s "$T/why" ]; then ok "compare 01 | head -3 ends quietly (10 times, and 10 readers leaving at the diff)"; else
  no "compare 01 | head ends quietly"; fi

finish
