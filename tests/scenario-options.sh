#!/bin/sh
# scenario-options.sh -- every scenario driver's command line comes from its
# option table (bugs/gallery.h): each option its --help usage line shows is
# one the parser knows, in both spellings (--opt V and --opt=V), with a row
# in the option list; a bad value, a missing one, a value given to a flag,
# an unknown option and a stray argument each exit 2 with a message that
# names the option; a --log file that cannot be created is named. Run
# from the repository root after `make`.
set -u
. "$(dirname "$0")/lib.sh"
# no DESC: a failed check, with the stderr it saw.
no() {
  notok "$1"
  quote "$T/err" 15
}

found=0
for P in build/bin/[0-9][0-9]-*-bug; do
  [ -x "$P" ] || continue
  found=1
  n=$(basename "$P" -bug)
  if ! "$P" --help >"$T/help" 2>"$T/err"; then
    no "$n: --help exits 0"
    continue
  fi
  # The usage line: "usage: PROG [--a N] [--b]", continued on lines that
  # start with spaces and "[".
  sed -n '1p; 2,${/^ *\[--/p; /^ *\[--/!q}' "$T/help" |
    grep -o '\[--[a-z-]*[^]]*\]' | tr -d '[]' >"$T/opts"
  if [ ! -s "$T/opts" ]; then
    echo "no options in the usage line" >"$T/err"
    no "$n: --help shows a usage line"
    continue
  fi
  while read -r opt arg; do
    if grep -qE -- "^  $opt( |$)" "$T/help"; then
      ok "$n: $opt has a row in --help"
    else
      cp "$T/help" "$T/err"
      no "$n: $opt has a row in --help"
    fi
    case $arg in
    '')
      refused "$opt takes no value" "$n: $opt=1 is refused" -- \
        "$P" "$opt=1" ;;
    N)
      refused "$opt wants a number" "$n: $opt x is refused" -- \
        "$P" "$opt" x
      refused "$opt wants a number" "$n: $opt=x is refused" -- \
        "$P" "$opt=x" ;;
    *)
      refused "$opt needs a value" "$n: $opt without a value" -- \
        "$P" "$opt" ;;
    esac
  done <"$T/opts"
  refused "unknown option '--bogus'" "$n: an unknown option" -- \
    "$P" --bogus
  refused "unknown option 'stray'" "$n: a stray argument" -- "$P" stray
done
# A driver whose --log is a file it creates says at once, by name, that
# the path cannot be written: bad input, not a setup failure later.
for n in 02-reply-mixup 03-lost-stack; do
  refused "--log $T/no-such-dir/log: " "$n: --log in a missing directory" -- \
    "build/bin/$n-bug" --log "$T/no-such-dir/log"
done
[ "$found" -eq 1 ] || { echo "scenario-options.sh: no drivers (make)" >&2
  exit 3; }
finish
