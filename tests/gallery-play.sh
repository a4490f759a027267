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
dir=$(mktemp -d "${TMPDIR:-/tmp}/gallery-play.XXXXXX") || exit 3
trap 'rm -rf "$dir"' EXIT INT TERM HUP PIPE
status=0 games=0
fail() { echo "FAIL $*"; status=1; }
MAX=${PLAY_FIX_MAX:-30}

for d in bugs/[0-9][0-9]-*/; do
  slug=$(basename "$d")
  nn=$(echo "$slug" | cut -c1-2)
  game=tools/instruments/gallery/games/$slug.play
  if [ ! -f "$game" ]; then
    [ "$nn" = 12 ] || fail "$slug: no recorded game in $game"
    continue
  fi
  games=$((games + 1))
  args=$(sed -n 's/^# args://p' "$game")
  "$B"/gallery play "$nn" --script "$game" >"$dir/out" 2>&1
  rc=$?
  [ "$rc" = 1 ] && grep -q "^YOU WIN" "$dir/out" ||
    fail "$slug: the game does not win against the bug (exit $rc): $(tail -n 3 "$dir/out")"
  replay=$(sed -n 's/^replay: \(build\/gallery run .*\)$/\1/p' "$dir/out")
  if [ -z "$replay" ]; then
    fail "$slug: no replay line"
  else
    sh -c "$replay" >/dev/null 2>&1
    rc=$?
    [ "$rc" = 1 ] || fail "$slug: the replay exits $rc, want 1: $replay"
  fi
  "$B"/gallery play "$nn" --fix --script "$game" >"$dir/out" 2>&1
  rc=$?
  [ "$rc" = 1 ] && fail "$slug: the bug's game wins against the fix"
  # shellcheck disable=SC2086
  "$B"/gallery play "$nn" --fix --max "$MAX" -- $args >"$dir/out" 2>&1
  rc=$?
  [ "$rc" = 0 ] && grep -q "^no " "$dir/out" ||
    fail "$slug: searching the fix: exit $rc: $(tail -n 4 "$dir/out")"
done

"$B"/gallery play 12 --search >"$dir/out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "exhaustive search, all 1 paths" "$dir/out" ||
  fail "12: want a tree of one path: exit $rc: $(tail -n 2 "$dir/out")"

printf 'fs_write#0\nnot-an-option\n' >"$dir/bad.play"
"$B"/gallery play 01 --script "$dir/bad.play" -- --requests 2 >"$dir/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "bad.play:2: 'not-an-option' is not an option" "$dir/out" ||
  fail "a script line that is not an option: exit $rc: $(tail -n 2 "$dir/out")"

[ "$games" -gt 0 ] || { echo "gallery-play.sh: no games" >&2; exit 3; }
[ "$status" = 0 ] && echo "gallery-play.sh: $games games win against their bug and never against the fix"
exit "$status"
