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
. "$(dirname "$0")/table-lib.sh"
table_args gallery-table.sh "$@"
table_tmp gallery-table

# hunt_rate MODE RUNS SECONDS TIMEOUT PROGRAM: prints "rate% [lo–hi%] (f/n)",
# from hunt's JSON summary.
hunt_rate() {
  rm -f "$tmp/hunt.json"
  build/hunt --perturb "$1" --runs "$2" --count-all --max-time "$3" \
    --setup-codes 2,3 --quiet --timeout "$4" --json "$tmp/hunt.json" \
    -- "$5" >"$tmp/out" 2>&1
  jq -r 'def pct: (. * 10000 | round) as $c |
      "\($c / 100 | floor).\($c % 100 | tostring | if length < 2 then "0" + . else . end)%";
    if (.runs // 0) == 0 or .rate == null then "not measured"
    else "\(.rate | pct) [\(.ci95[0] | pct)–\(.ci95[1] | pct)] (\(.failures)/\(.runs))"
    end' "$tmp/hunt.json" 2>/dev/null || echo "not measured"
}

# The scenarios' facts, from their bugs/NN-slug/scenario.conf files.
if ! build/gallery info --json >"$tmp/scenarios.json"; then
  echo "gallery-table.sh: build/gallery info --json failed (make first)" >&2
  exit 3
fi

table=$tmp/table.md
{
  echo "| scenario | natural | random | PCT (depth 3) | expose |"
  echo "|----------|---------|--------|---------------|--------|"
} >"$table"
for s in $(jq -r '.[].name' "$tmp/scenarios.json"); do
  [ -x "build/bin/$s-bug" ] || continue
  n=${s%%-*}
  to=$(jq -r --arg s "$s" '.[] | select(.name == $s) | .hunt_timeout' \
    "$tmp/scenarios.json")
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
  if ! table_write "$CHAPTER" '<!-- gallery-table:begin -->' \
    '<!-- gallery-table:end -->' "$table"; then
    echo "gallery-table.sh: $CHAPTER has no gallery-table markers; table not written" >&2
    exit 1
  fi
  echo "gallery-table: written into $CHAPTER" >&2
fi
