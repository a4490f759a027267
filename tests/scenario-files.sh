#!/bin/sh
# scenario-files.sh -- a scenario's facts live in bugs/NN-slug/scenario.conf
# and the gallery reads them there: `gallery info --json` is every file,
# typed (hunt_timeout a number, lists as arrays); a bad file stops the
# gallery with "FILE:LINE: what" and exit 2 (unknown key, missing required
# key, bad number, bad schedule, a key given twice, a line that is no
# "key = value", a folder with no file); and a value changed in a file is
# what the gallery shows. The bad files are made in a scratch tree holding
# a copy of build/gallery (which reads the files beside its build/).
# Run from the repository root after `make`.
set -u
. "$(dirname "$0")/lib.sh"
G=build/gallery
need "$G"

# Every folder has its file, and info --json lists each once, typed.
$G info --json >"$T/all.json" 2>"$T/err"
rc=$?
check "info --json exits 0" eval '[ "$rc" -eq 0 ]'
dirs=$(for d in bugs/[0-9][0-9]-*/; do basename "$d"; done | tr '\n' ' ')
names=$(jq -r '.[].name' "$T/all.json" | tr '\n' ' ')
check "info --json lists every bugs/NN-slug folder, in order" eval \
  '[ -n "$dirs" ] && [ "$dirs" = "$names" ]'
check "hunt_timeout is a number, lists are arrays, every title is set" eval \
  'jq -e "all(.[]; (.hunt_timeout | type) == \"number\" and
     (.stress_args | type) == \"array\" and (.title | length) > 0)" \
     "$T/all.json" >/dev/null'
jq -r '.[] | select(.name == "05-check-then-act") | .title' "$T/all.json" \
  >"$T/t05"
$G info 05 --json | jq -r .title >"$T/t05b"
check "info NN --json is that scenario's object" \
  eval 'cmp -s "$T/t05" "$T/t05b"'

# The scratch tree.
R=$T/root
mkdir -p "$R/build"
cp "$G" "$R/build/gallery"
F=bugs/05-check-then-act/scenario.conf
fresh() {
  rm -rf "$R/bugs"
  for f in bugs/*/scenario.conf; do
    mkdir -p "$R/${f%/*}" && cp "$f" "$R/$f"
  done
}
# bad DESC LINE WHAT: the gallery, on the scratch tree as edited, exits 2
# and names $F:LINE and WHAT.
bad() {
  "$R/build/gallery" list >/dev/null 2>"$T/err"
  rc=$?
  if [ "$rc" -eq 2 ] && grep -qF "$F:$2: " "$T/err" &&
    grep -qF "$3" "$T/err"; then
    ok "$1: exit 2, $F:$2 named"
  else
    notok "$1: exit $rc, said: $(cat "$T/err")"
  fi
}
line_of() { grep -n "^$1 *=" "$F" | cut -d: -f1; }
last=$(wc -l <"$F")

fresh
echo "colour = red" >>"$R/$F"
bad "an unknown key" $((last + 1)) "unknown key 'colour'"
fresh
echo "title = again" >>"$R/$F"
bad "a key given twice" $((last + 1)) "title given twice (first on line $(line_of title))"
fresh
echo "no equals sign here" >>"$R/$F"
bad "a line that is no key = value" $((last + 1)) "expected 'key = value'"
fresh
l=$(line_of hunt_timeout)
sed -i 's/^hunt_timeout *=.*/hunt_timeout = 10s/' "$R/$F"
bad "a number with a unit" "$l" "hunt_timeout: '10s' is not a whole number"
fresh
l=$(line_of compare_schedule)
sed -i 's/^compare_schedule *=.*/compare_schedule = order:work#x/' "$R/$F"
bad "a schedule the grammar refuses" "$l" "compare_schedule: bad schedule 'order:work#x'"
fresh
sed -i '/^look *=/,/^[a-z]/{/^look *=/d;/^ /d}' "$R/$F"
bad "a missing required key" "$(wc -l <"$R/$F")" "missing required key look"
fresh
mkdir -p "$R/bugs/14-new-one"
"$R/build/gallery" list >/dev/null 2>"$T/err"
rc=$?
check "a folder with no scenario.conf: exit 2, the file named" eval \
  '[ "$rc" -eq 2 ] && grep -qF "bugs/14-new-one/scenario.conf:" "$T/err"'

# A value changed in the file is what the gallery shows.
fresh
sed -i 's/^title *=.*/title = A title changed in its file/' "$R/$F"
sed -i 's/^hunt_timeout *=.*/hunt_timeout = 7/' "$R/$F"
check "a changed title is what gallery list and show print" eval \
  '"$R/build/gallery" list | grep -qF "A title changed in its file" &&
   "$R/build/gallery" show 05 | grep -qF "A title changed in its file"'
check "a changed hunt_timeout is what gallery info reports" eval \
  '[ "$("$R/build/gallery" info 05 --json | jq .hunt_timeout)" = 7 ]'

finish
