#!/bin/sh
# scenario-docs.sh -- the README's chapter table and each scenario chapter's
# title, written from the scenario files (bugs/NN-slug/scenario.conf, read
# through build/gallery info --json), so that a title is kept in one place.
# A scenario's chapter opens with "# NN title", its line "Scenario `NN-slug`
# · theme: THEME ·" names its theme, and its README row is
#   | [NN title](CHAPTER) | NN-slug | `build/gallery expose NN` |
# The other rows of the table (chapters that are no scenario's) are kept as
# written; the rows are in chapter file order.
#
# usage: tools/instruments/scenario-docs.sh [--check | --write]
#   --check   (default) exit 1 and show the difference when the README or a
#             chapter does not say what the scenario files say
#   --write   rewrite them (make readme)
# Exit: 0 in agreement (or written), 1 a difference, 2 usage or bad input
# (a title that cannot sit in a table, a chapter or table missing), 3 setup.
set -u
mode=check
case ${1:-} in
--check | "") ;;
--write) mode=write ;;
-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "scenario-docs: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac
[ $# -le 1 ] || { echo "scenario-docs: one argument at most" >&2; exit 2; }

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 3
cd "$root" || exit 3
B=${B:-build}
command -v jq >/dev/null 2>&1 ||
  { echo "scenario-docs: jq is not installed (make deps)" >&2; exit 3; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/scenario-docs.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP PIPE

"$B/gallery" info --json >"$tmp/s.json" || {
  echo "scenario-docs: $B/gallery info --json failed (make first)" >&2
  exit 3
}
# One line per scenario: file, chapter, H1, table row, the chapter's
# scenario line (tab-separated).
jq -r '.[] | ("\(.id)" | if length < 2 then "0" + . else . end) as $nn |
  [.file, .chapter, "# \($nn) \(.title)",
   "| [\($nn) \(.title)](\(.chapter)) | \(.name) | `build/gallery expose \($nn)` |",
   "Scenario `\(.name)` · theme: \(.theme) ·"]
  | @tsv' "$tmp/s.json" >"$tmp/rows" || exit 3
status=0
while IFS='	' read -r file chapter h1 row line; do
  case $h1 in
  *"|"* | *"["* | *"]"*)
    echo "scenario-docs: $file: the title may not hold '|', '[' or ']' (it sits in a table link)" >&2
    exit 2 ;;
  esac
  [ -f "$chapter" ] || {
    echo "scenario-docs: $file: chapter $chapter does not exist" >&2
    exit 2
  }
  printf '%s\t%s\n' "$chapter" "$row" >>"$tmp/table"
done <"$tmp/rows"

# check_or_write FILE NEW: compares FILE with NEW, or puts NEW in its place.
check_or_write() {
  if cmp -s "$1" "$2"; then
    return 0
  elif [ "$mode" = write ]; then
    cat "$2" >"$1" && echo "scenario-docs: wrote $1" >&2
  else
    echo "scenario-docs: $1 differs from the scenario files (make readme):"
    diff -u "$1" "$2" | sed -n '3,$p'
    status=1
  fi
}

# The chapters: the first "# " line outside code fences, and the first
# line that opens with the scenario's name.
while IFS='	' read -r file chapter h1 row line; do
  awk -v h1="$h1" -v line="$line" '/^(```|~~~)/ { fence = !fence }
    !done && !fence && /^# / { print h1; done = 1; next }
    !said && index($0, substr(line, 1, index(line, " · ")))== 1 {
      print line; said = 1; next }
    { print }
    END { exit !(done && said) }' "$chapter" >"$tmp/chapter" || {
    echo "scenario-docs: $chapter has no '# ' title or no line '${line%% ·*} · theme: ...'" >&2
    exit 2
  }
  check_or_write "$chapter" "$tmp/chapter"
done <"$tmp/rows"

# The README: the table between the chapters-table markers. Its rows are
# sorted by the chapter they link to; a scenario's row is replaced.
begin='<!-- chapters-table:begin'
end='<!-- chapters-table:end -->'
if ! grep -q "^$begin" README.md || ! grep -qx "$end" README.md; then
  echo "scenario-docs: README.md has no chapters-table markers" >&2
  exit 2
fi
awk -v b="$begin" -v e="$end" 'index($0, b) == 1 { on = 1; next }
  $0 == e { on = 0 } on && /^\| *\[/' README.md |
  sed 's/^[^]]*](\([^)]*\)).*$/\1	&/' >"$tmp/old"
cut -f 1 "$tmp/table" >"$tmp/ours"
{
  grep -vFf "$tmp/ours" "$tmp/old"
  cat "$tmp/table"
} | LC_ALL=C sort -t '	' -k 1,1 | cut -f 2- >"$tmp/body"
awk -v b="$begin" -v e="$end" -v body="$tmp/body" '
  index($0, b) == 1 { print; on = 1; n = 0; next }
  $0 == e { while ((getline l < body) > 0) print l; on = 0 }
  on && /^\| *\[/ { next } { print }' README.md >"$tmp/readme"
check_or_write README.md "$tmp/readme"
exit "$status"
