#!/bin/sh
# gallery-play.sh -- `gallery play` on every scenario: each recorded game
# (tools/instruments/gallery/games/NN-slug.play) wins against the bug, and its replay
# line breaks the bug again; against the fix the same script never wins,
# and a search of the fix's choice tree finds no win. Scenario 12 has no
# game: its bug is exhaustion under load (EMFILE), and no order of what
# the scheduler holds changes it -- play 12 reports a tree of one path.
# Also: a script line that is not an option is bad input (exit 2, file:line).
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
. tests/lib.sh
games=0
MAX=${PLAY_FIX_MAX:-30}

for d in bugs/[0-9][0-9]-*/; do
  slug=$(basename "$d")
  nn=$(echo "$slug" | cut -c1-2)
  game=tools/instruments/gallery/games/$slug.play
  if [ ! -f "$game" ]; then
    [ "$nn" = 12 ] || notok "$slug: no recorded game in $game"
    continue
  fi
  games=$((games + 1))
  args=$(sed -n 's/^# args://p' "$game")
  "$B"/gallery play "$nn" --script "$game" >"$T/out" 2>&1
  rc=$?
  [ "$rc" = 1 ] && grep -q "^YOU WIN" "$T/out" ||
    notok "$slug: the game does not win against the bug (exit $rc): $(tail -n 3 "$T/out")"
  replay=$(sed -n 's/^replay: \(build\/gallery run .*\)$/\1/p' "$T/out")
  replay_fails "$slug" "$replay"
  "$B"/gallery play "$nn" --fix --script "$game" >"$T/out" 2>&1
  rc=$?
  [ "$rc" = 1 ] && notok "$slug: the bug's game wins against the fix"
  # shellcheck disable=SC2086
  "$B"/gallery play "$nn" --fix --max "$MAX" -- $args >"$T/out" 2>&1
  rc=$?
  [ "$rc" = 0 ] && grep -q "^no " "$T/out" ||
    notok "$slug: searching the fix: exit $rc: $(tail -n 4 "$T/out")"
done

"$B"/gallery play 12 --search >"$T/out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "exhaustive search, all 1 paths" "$T/out" ||
  notok "12: want a tree of one path: exit $rc: $(tail -n 2 "$T/out")"

printf 'fs_write#0\nnot-an-option\n' >"$T/bad.play"
"$B"/gallery play 01 --script "$T/bad.play" -- --requests 2 >"$T/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "bad.play:2: 'not-an-option' is not an option" "$T/out" ||
  notok "a script line that is not an option: exit $rc: $(tail -n 2 "$T/out")"

[ "$games" -gt 0 ] || { echo "gallery-play.sh: no games" >&2; exit 3; }
finish "$games games win against their bug and never against the fix"
