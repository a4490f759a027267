#!/bin/sh
# scenario-header.sh -- a scenario's facts as a C header for its Criterion
# test, so that the test runs what bugs/NN-slug/scenario.conf says (one
# fact, one place) instead of a copy of it. The facts are read through
# `build/gallery info NN --json`; every key with a value becomes
#   #define SCENARIO_KEY "text"   (a string; a list: its words, by spaces)
#   #define SCENARIO_KEY 10       (a number)
# and a key the file leaves unset is not defined, so a test that uses it
# does not compile.
#
# usage: tools/instruments/scenario-header.sh NN OUT
# Exit: 0 written, 2 usage or bad input (the gallery's own message names
# the file and line), 3 setup (no build/gallery, no jq).
set -u
[ $# -eq 2 ] || { echo "usage: scenario-header.sh NN OUT" >&2; exit 2; }
nn=$1
out=$2
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 3
G=$root/${B:-build}/gallery
[ -x "$G" ] || { echo "scenario-header: $G is missing (make)" >&2; exit 3; }
command -v jq >/dev/null 2>&1 ||
  { echo "scenario-header: jq is missing (make deps)" >&2; exit 3; }
tmp=$out.tmp
trap 'rm -f "$tmp"' EXIT
trap 'exit 130' INT TERM

json=$("$G" info "$nn" --json) || exit 2
# A C string literal: backslash and quote escaped, and '?' too, so that no
# "??x" in a title becomes a trigraph; a control character cannot be
# written in one, so it is refused.
printf '%s\n' "$json" | jq -r '
  def cstr: if test("[\u0000-\u001f]") then error("control character")
    else "\"" + gsub("(?<c>[\\\\\"?])"; "\\\(.c)") + "\"" end;
  "/* " + .name + "/scenario.h -- written by scenario-header.sh from",
  " * " + .file + "; edit that file, not this one. */",
  "#ifndef SCENARIO_CONF_H", "#define SCENARIO_CONF_H",
  (to_entries[] | select(.value != null and .value != []) |
   "#define SCENARIO_" + (.key | ascii_upcase) + " " +
   (if (.value | type) == "number" then (.value | tostring)
    elif (.value | type) == "array" then (.value | join(" ") | cstr)
    else (.value | cstr) end)),
  "#endif"' >"$tmp" || {
  echo "scenario-header: bugs/$nn-*/scenario.conf: a value that cannot be" \
    "a C string" >&2
  exit 2
}
mv "$tmp" "$out" || exit 3
