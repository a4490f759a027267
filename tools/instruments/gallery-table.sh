#!/bin/sh
# gallery-table.sh -- the workbook's central table, measured: for every
# scenario, how often the bug fails naturally, under random and under PCT
# perturbation, and whether the deterministic test exposes it. Prints the
# table (Markdown) and, with --write, puts it into chapters/21-testing-time.md
# between the gallery-table markers. Run by `make bench`.
#
# Knobs (environment): NATURAL_RUNS (default 2000), NATURAL_SECONDS (default
# 60, whichever comes first), PERTURBED_RUNS (default 200, or 120 s).
set -u
NATURAL_RUNS=${NATURAL_RUNS:-2000}
NATURAL_SECONDS=${NATURAL_SECONDS:-60}
PERTURBED_RUNS=${PERTURBED_RUNS:-200}
CHAPTER=chapters/21-testing-time.md
write=0
case ${1:-} in
--write) write=1 ;;
--help | -h)
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 0 ;;
"") ;;
*) echo "gallery-table.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gallery-table.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# hunt_rate MODE RUNS SECONDS TIMEOUT PROGRAM: prints "rate% [lo–hi%] (f/n)".
hunt_rate() {
  build/hunt --perturb "$1" --runs "$2" --count-all --max-time "$3" \
    --setup-codes 2,3 --quiet --timeout "$4" -- "$5" >"$tmp/out" 2>&1
  n=$(sed -n 's/^runs: *\([0-9]*\).*/\1/p' "$tmp/out")
  f=$(sed -n 's/^failures: *\([0-9]*\).*/\1/p' "$tmp/out")
  r=$(sed -n 's/^failure rate: *\([0-9.]*%\) (95% Wilson interval \([0-9.]*%\) \.\. \([0-9.]*%\)).*/\1 [\2–\3]/p' "$tmp/out")
  if [ -z "$n" ]; then
    echo "not measured"
  else
    echo "$r ($f/$n)"
  fi
}

table=$tmp/table.md
{
  echo "| scenario | natural | random | PCT (depth 3) | expose |"
  echo "|----------|---------|--------|---------------|--------|"
} >"$table"
for d in bugs/[0-9][0-9]-*/; do
  s=$(basename "$d")
  [ -x "build/bin/$s-bug" ] || continue
  n=${s%%-*}
  to=$(build/gallery show "$n" 2>/dev/null | sed -n 's/^  hunt timeout: \([0-9.]*\).*/\1/p')
  to=${to:-10}
  echo "gallery-table: $s ..." >&2
  nat=$(hunt_rate none "$NATURAL_RUNS" "$NATURAL_SECONDS" "$to" "build/bin/$s-bug")
  rnd=$(hunt_rate random "$PERTURBED_RUNS" 120 "$to" "build/bin/$s-bug")
  pct=$(hunt_rate pct "$PERTURBED_RUNS" 120 "$to" "build/bin/$s-bug")
  build/gallery expose "$n" >/dev/null 2>&1
  case $? in
  1) exp="fails (1 run)" ;;
  0) exp="PASSES: not exposed" ;;
  *) exp="error" ;;
  esac
  echo "| $s | $nat | $rnd | $pct | $exp |" >>"$table"
done
{
  echo
  echo "Measured by \`make bench\` (tools/instruments/gallery-table.sh) on $(nproc) cores, $(date -u +%Y-%m-%d):"
  echo "natural = up to $NATURAL_RUNS runs or $NATURAL_SECONDS s; random and PCT = up to $PERTURBED_RUNS runs or 120 s each;"
  echo "rates with their 95% Wilson intervals."
} >>"$table"
cat "$table"

if [ "$write" = 1 ]; then
  if ! grep -q '<!-- gallery-table:begin -->' "$CHAPTER" ||
     ! grep -q '<!-- gallery-table:end -->' "$CHAPTER"; then
    echo "gallery-table.sh: $CHAPTER has no gallery-table markers; table not written" >&2
    exit 1
  fi
  awk -v t="$table" '
    /<!-- gallery-table:begin -->/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
    /<!-- gallery-table:end -->/ { skip = 0 }
    !skip { print }' "$CHAPTER" >"$tmp/chapter" && cat "$tmp/chapter" >"$CHAPTER"
  echo "gallery-table: written into $CHAPTER" >&2
fi
