#!/bin/sh
# scenario-docs.sh -- a scenario's title and theme are kept in its file
# (bugs/NN-slug/scenario.conf) alone: the README's chapter table and each
# scenario chapter's title and theme line agree with the files
# (tools/instruments/scenario-docs.sh --check, which `make readme`
# rewrites), and a title changed in one file reaches the README and the
# chapter (after make readme), the gallery, and the book. The change is made
# in a scratch tree: a copy of build/gallery, the scenario files, the README,
# the chapters and the scripts. Run from the repository root after `make`.
set -u
. "$(dirname "$0")/lib.sh"
G=build/gallery
S=tools/instruments/scenario-docs.sh
need "$G"

"$S" --check >"$T/out" 2>&1
rc=$?
check "the README and the chapters agree with the scenario files" eval \
  '[ "$rc" -eq 0 ] || { cat "$T/out"; false; }'

# The scratch tree.
R=$T/root
mkdir -p "$R/build" "$R/chapters" "$R/tools/instruments"
cp "$G" "$R/build/gallery"
for f in bugs/*/scenario.conf; do
  mkdir -p "$R/${f%/*}" && cp "$f" "$R/$f"
done
cp README.md "$R/"
cp chapters/*.md "$R/chapters/"
cp "$S" "$R/$S"
cp -R tools/instruments/book "$R/tools/instruments/"
F=bugs/05-check-then-act/scenario.conf
C=chapters/05-check-then-act.md
new="Check-then-act: a title changed in its file"
sed -i "s/^title *=.*/title = $new/" "$R/$F"

"$R/$S" --check >"$T/out" 2>&1
rc=$?
check "a changed title: --check exits 1 and names the README and the chapter" \
  eval '[ "$rc" -eq 1 ] &&
   grep -q "^scenario-docs: README.md differs" "$T/out" &&
   grep -q "^scenario-docs: $C differs" "$T/out"'
"$R/$S" --write >"$T/out" 2>&1
rc=$?
check "make readme's script writes them" eval '[ "$rc" -eq 0 ]'
check "then --check agrees" eval '"$R/$S" --check >/dev/null 2>&1'
check "the README's row shows the new title" eval \
  'grep -qF "| [05 $new]($C) | 05-check-then-act |" "$R/README.md"'
check "the chapter opens with it" \
  eval '[ "$(head -n 1 "$R/$C")" = "# 05 $new" ]'
check "no other chapter changed" eval \
  'for c in chapters/*.md; do
     [ "$c" = "$C" ] || cmp -s "$c" "$R/$c" || exit 1
   done'
check "the README changed in that row alone" eval \
  '[ "$(diff README.md "$R/README.md" | grep -c "^[<>]")" -eq 2 ]'
check "gallery list, show and info show it" eval \
  '"$R/build/gallery" list | grep -qF "$new" &&
   "$R/build/gallery" show 05 | grep -qF "$new" &&
   [ "$("$R/build/gallery" info 05 --json | jq -r .title)" = "$new" ]'
# The book renders through build/md (cmark-gfm's syntax tree), which
# make builds with everything else.
cp build/md "$R/build/md"
"$R/tools/instruments/book/build.sh" --no-figures -o "$R/build/book" \
  >"$T/book" 2>&1
rc=$?
check "the book shows it: the chapter's page and the contents" eval \
  '[ "$rc" -eq 0 ] &&
   grep -qF ">05 $new</h1>" "$R/build/book/05-check-then-act.html" &&
   grep -qF ">05 $new</a>" "$R/build/book/index.html" ||
   { tail -n 5 "$T/book"; false; }'

# A title that would break the table is bad input, named.
sed -i "s/^title *=.*/title = a | b/" "$R/$F"
"$R/$S" --check >"$T/out" 2>&1
rc=$?
check "a title holding '|': exit 2, the file named" eval \
  '[ "$rc" -eq 2 ] && grep -qF "$F" "$T/out"'

finish
