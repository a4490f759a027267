#!/bin/sh
# scenario-header.sh -- a scenario test reads its scenario's facts from
# bugs/NN-slug/scenario.conf, through the generated header
# build/gen/NN-slug/scenario.h (tools/instruments/scenario-header.sh): a
# value changed in the file is the value a C program built against the
# header sees, whatever characters it holds; a bad file stops the
# generator with exit 2 naming the file and line; and the tests that run a
# scenario's schedules are rebuilt when its file changes (make's own
# up-to-date check, asked with -q and -W). The edits are made in a scratch
# tree holding copies of build/gallery, the generator and the files.
# Run from the repository root after `make`.
set -u
. "$(dirname "$0")/lib.sh"
G=build/gallery
[ -x "$G" ] || { echo "scenario-header.sh: $G is missing (make)" >&2; exit 3; }
CC=${CC:-cc}

R=$T/root
mkdir -p "$R/build" "$R/tools/instruments"
cp "$G" "$R/build/gallery"
cp tools/instruments/scenario-header.sh "$R/tools/instruments/"
for f in bugs/*/scenario.conf; do
  mkdir -p "$R/${f%/*}" && cp "$f" "$R/$f"
done
F=bugs/13-lock-order/scenario.conf

# show KEY [FMT]: what a program built against the scratch tree's header
# for 13 prints for SCENARIO_KEY, with printf format FMT (default %s);
# nothing, and a non-zero exit, when it does not build.
show() {
  printf '#include <stdio.h>\n#include "scenario.h"\n%s\n' \
    "int main(void) { printf(\"${2:-%s}\\n\", SCENARIO_$1); return 0; }" \
    >"$T/show.c"
  "$CC" -std=c11 -Wall -Werror -iquote "$T" -o "$T/show" "$T/show.c" \
    2>"$T/cc.err" && "$T/show"
}
gen() { "$R/tools/instruments/scenario-header.sh" 13 "$T/scenario.h"; }

"$G" info 13 --json >"$T/j13" || exit 3
gen 2>"$T/err"
check "the header for 13 is written (exit 0)" [ "$?" -eq 0 ]
check "the header's compare_schedule is the file's" \
  [ "$(show COMPARE_SCHEDULE)" = "$(jv .compare_schedule "$T/j13")" ]
check "the header's hunt_timeout is the file's, a number" \
  [ "$(show HUNT_TIMEOUT %d)" = "$(jv .hunt_timeout "$T/j13")" ]

# A changed schedule reaches the header, and so the test built on it.
new='order:t1@start,sweeper@lock,loop@create,loop@lock'
sed -i "s/^compare_schedule *=.*/compare_schedule = $new/" "$R/$F"
gen 2>"$T/err"
check "a changed compare_schedule is what the header says" \
  [ "$(show COMPARE_SCHEDULE)" = "$new" ]
# A title with every character a C string must escape, and a trigraph.
title='A "quoted" back\slash, ??/ and ??= kept'
sed -i "s/^title *=.*/title = $(printf '%s' "$title" | sed 's/[\/&\\]/\\&/g')/" \
  "$R/$F"
gen 2>"$T/err"
check "a title with quotes, a backslash and trigraphs comes through as is" \
  [ "$(show TITLE)" = "$title" ]
check "a key the file leaves unset is not defined" \
  [ "$(show SANITIZER_LESSON)" = "" ]

# A bad file: exit 2, the file and line named (the gallery's message).
echo "colour = red" >>"$R/$F"
gen 2>"$T/err"
rc=$?
named() { [ "$rc" -eq 2 ] && grep -qF "$F:$(wc -l <"$R/$F"): " "$T/err"; }
check "a bad file: exit 2, $F:$(wc -l <"$R/$F") named" named

# make rebuilds each scripted test's object when its scenario file is newer
# (and not before): the file -> header -> test chain is in the Makefile.
for s in 04-heisenbug 06-lost-update 13-lock-order; do
  o=build/obj/tests/test_$(echo "$s" | tr - _).o
  make -q "$o" 2>/dev/null
  fresh=$?
  make -q -W "bugs/$s/scenario.conf" "$o" 2>/dev/null
  stale=$?
  check "$o is up to date, and stale when bugs/$s/scenario.conf changes" \
    [ "$fresh.$stale" = 0.1 ]
done
finish
