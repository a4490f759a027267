#!/bin/sh
# chapter-exercises.sh -- exercises a learner can do alone: in every
# chapter with exercises, each exercise has one hint; an exercise that
# breaks something by editing a file says how to rebuild (`make`) and how
# to undo (`git checkout -- FILE`); the answers are the chapter's last
# section ("## Answers"), and the book folds each answer in a <details>.
# Run from the repository root after `make` (the book part uses build/md).
set -u
. "$(dirname "$0")/lib.sh"
no() {
  notok "$1"
  quote "$T/why" 20
}

# One awk pass per chapter: the exercises' items, their hints, the
# break-it rules and where the answers are. Prints one line per problem.
lint() {
  awk -v f="$1" '
    function item_end() {
      if (num == "") return
      if (hints != 1) print f ": exercise " num " has " hints " hints, want 1"
      if (text ~ /Break it/ && text ~ /(In|in) (the fix|the bug|`)/ &&
          (text !~ /`make/ || text !~ /git checkout -- /))
        print f ": exercise " num " breaks a file but does not say how to rebuild (`make`) and undo (`git checkout -- FILE`)"
      num = ""
    }
    /^```/ { fence = !fence }
    !fence && /^#+ / {
      item_end()
      in_ex = ($0 ~ /^## Exercises?( |$|:)/)
      if ($0 ~ /^#+ Answers/) {
        if ($0 !~ /^## Answers$/) print f ": the answers heading is not \"## Answers\": " $0
        answers = NR
      } else if ($0 ~ /^## / && answers) {
        print f ": section after the answers (line " NR "): " $0
      }
      if (in_ex) exercises = NR
      next
    }
    !fence && /^Answers:/ { print f ":" NR ": answers in a paragraph, not a \"## Answers\" section" }
    in_ex && !fence && /^[0-9]+\. / { item_end(); num = $1; sub(/\.$/, "", num); hints = 0; text = "" }
    in_ex && num != "" { text = text " " $0; if ($0 ~ /\*Hint:\*/) hints++ }
    END {
      item_end()
      if (exercises && !answers) print f ": exercises but no \"## Answers\" section"
    }' "$1"
}

: >"$T/why"
nch=0
for f in chapters/*.md; do
  grep -qE '^## Exercises?( |$|:)' "$f" || continue
  nch=$((nch + 1))
  lint "$f" >>"$T/why"
done
if [ "$nch" -gt 0 ] && [ ! -s "$T/why" ]; then
  ok "$nch chapters: one hint per exercise, break-it exercises say make and undo, answers last"
else
  [ "$nch" -gt 0 ] || echo "no chapter has exercises" >>"$T/why"
  no "exercises: hints, how to break and undo, answers last"
fi

# The book folds the answers: as many <details class="answer"> as the
# Markdown has answers (or one fold for a section that is no list).
if [ ! -x build/md ]; then
  skip "build/md is not built"
else
  : >"$T/why"
  if ! tools/instruments/book/build.sh --no-figures -o "$T/book" >"$T/build.out" 2>&1; then
    cat "$T/build.out" >>"$T/why"
  fi
  for f in chapters/*.md; do
    grep -q '^## Answers$' "$f" || continue
    c=$(basename "$f" .md)
    want=$(awk '/^```/ { fence = !fence } !fence && /^## / { on = ($0 == "## Answers") ; next }
                on && !fence && /^[0-9]+\. / { n++ } END { print n + 0 }' "$f")
    got=$(grep -o '<details class="answer">' "$T/book/$c.html" 2>/dev/null | wc -l)
    whole=$(grep -c '<details class="answers">' "$T/book/$c.html" 2>/dev/null)
    if [ "$want" -gt 0 ] && [ "$got" -ne "$want" ]; then
      echo "$c.html: $got folded answers, the chapter has $want" >>"$T/why"
    elif [ "$want" -eq 0 ] && [ "${whole:-0}" -ne 1 ]; then
      echo "$c.html: the answers are not folded" >>"$T/why"
    fi
  done
  if [ ! -s "$T/why" ]; then ok "the book folds every answer in a <details>"; else
    no "the book folds every answer in a <details>"; fi
fi

finish
