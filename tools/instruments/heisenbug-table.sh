#!/bin/sh
# heisenbug-table.sh -- chapter 04's table, measured: how often scenario 04's
# bug fails with no logging, with printf, with corrlog writing a temporary
# file (the scenario's `--log corrlog`) and with corrlog writing to
# /dev/null (the logger without the file system), each with its 95 %
# Wilson interval and as a share of the no-logging rate. The two corrlog
# rows differ by what a file made and removed on the disk in each run does
# to the race, which chapter 04 measures.
# The hunts run interleaved (ROUNDS rounds of RUNS/ROUNDS runs of each mode
# in turn, the order rotated each round), so that the machine's load, and
# whatever one mode leaves for the next, weighs on all modes alike -- on a
# shared machine one mode's rate moved from 19 % to 1 % between rounds
# minutes apart, hence many short rounds; each mode's rounds are added up
# by `hunt --merge`. Prints the table (Markdown) and, with --write, puts it
# into chapters/04-heisenbug.md between the heisenbug-table markers. Run by
# `make bench`.
#
# Knobs (environment): RUNS per mode (default 2000), ROUNDS (default 20).
# Exit: 0 measured; 2 usage; 3 a hunt could not run.
set -u
RUNS=${RUNS:-2000}
ROUNDS=${ROUNDS:-20}
CHAPTER=chapters/04-heisenbug.md
BIN=build/bin/04-heisenbug-bug
. "$(dirname "$0")/table-lib.sh"
table_args heisenbug-table.sh "$@"
case $RUNS$ROUNDS in
*[!0-9]*) echo "heisenbug-table.sh: RUNS and ROUNDS must be numbers" >&2
  exit 2 ;;
esac
if [ "$ROUNDS" -lt 1 ] || [ "$RUNS" -lt "$ROUNDS" ]; then
  echo "heisenbug-table.sh: need 1 <= ROUNDS <= RUNS" >&2
  exit 2
fi
[ -x "$BIN" ] && [ -x build/hunt ] || {
  echo "heisenbug-table.sh: build $BIN and build/hunt first (make)" >&2
  exit 3
}

table_tmp heisenbug-table

per=$((RUNS / ROUNDS))
r=1
while [ "$r" -le "$ROUNDS" ]; do
  # Each mode takes each place in the order in turn: what one mode's runs
  # leave behind (corrlog's mode makes and removes a file each run) weighs
  # on the next one, and so on each mode alike.
  case $((r % 4)) in
  1) order="none printf corrlog null" ;;
  2) order="printf corrlog null none" ;;
  3) order="corrlog null none printf" ;;
  0) order="null none printf corrlog" ;;
  esac
  for m in $order; do
    arg=$m
    [ "$m" = null ] && arg=/dev/null
    printf 'heisenbug-table: round %d of %d, --log %s (%d runs)\n' \
      "$r" "$ROUNDS" "$arg" "$per" >&2
    build/hunt --runs "$per" --count-all --setup-codes 2,3 --quiet \
      --json "$tmp/$m-$r.json" -- "$BIN" --log "$arg" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
      echo "heisenbug-table.sh: hunt --log $arg failed (exit $rc):" >&2
      cat "$tmp/out" >&2
      exit 3
    fi
  done
  r=$((r + 1))
done

# merged MODE: "failures runs lo hi" (lo, hi as fractions), from hunt's
# merged JSON summary.
merged() {
  build/hunt --merge --json "$tmp/$1.json" "$tmp/$1"-*.json >/dev/null 2>&1
  [ $? -le 1 ] && [ -s "$tmp/$1.json" ] ||
    { echo "heisenbug-table.sh: hunt --merge for $1 failed" >&2; exit 3; }
  jq -e -r '"\(.failures) \(.runs) \(.ci95[0]) \(.ci95[1])"' \
    "$tmp/$1.json" 2>/dev/null ||
    { echo "heisenbug-table.sh: $1's merged summary has no runs, failures or ci95" >&2; exit 3; }
}

res=$(merged none) || exit 3
set -- $res
nf=$1 nn=$2 nlo=$3 nhi=$4
res=$(merged printf) || exit 3
set -- $res
pf=$1 pn=$2 plo=$3 phi=$4
res=$(merged corrlog) || exit 3
set -- $res
cf=$1 cn=$2 clo=$3 chi=$4
res=$(merged null) || exit 3
set -- $res
df=$1 dn=$2 dlo=$3 dhi=$4

row() { # MODE F N LO HI
  awk -v m="$1" -v f="$2" -v n="$3" -v lo="$4" -v hi="$5" -v nf="$nf" \
    -v nn="$nn" 'BEGIN {
      share = nf > 0 ? sprintf("%.0f %%", 100 * (f / n) / (nf / nn)) : "-"
      printf "| `%s` | %d/%d | %.2f %% (%.2f %% .. %.2f %%) | %s |\n",
        m, f, n, 100 * f / n, 100 * lo, 100 * hi, share }'
}

{
  printf '| `--log` | failures | rate (95 %% Wilson interval) |'
  echo ' share of no-logging rate |'
  echo "|---|---|---|---|"
  row none "$nf" "$nn" "$nlo" "$nhi"
  row printf "$pf" "$pn" "$plo" "$phi"
  row corrlog "$cf" "$cn" "$clo" "$chi"
  row /dev/null "$df" "$dn" "$dlo" "$dhi"
} >"$tmp/table"
cat "$tmp/table"
overlap() { # LO HI: whether [LO, HI] meets no logging's interval
  awk -v a="$1" -v b="$2" -v c="$nlo" -v d="$nhi" \
    'BEGIN { print (a <= d && c <= b) ? "overlap" : "do not overlap" }'
}
echo "heisenbug-table: no logging's interval and corrlog's $(overlap "$clo" "$chi")," \
  "/dev/null's $(overlap "$dlo" "$dhi")" \
  "($RUNS runs per mode, $ROUNDS interleaved rounds)"

if [ "$write" -eq 1 ]; then
  begin='<!-- heisenbug-table: tools/instruments/heisenbug-table.sh --write -->'
  end='<!-- /heisenbug-table -->'
  table_write "$CHAPTER" "$begin" "$end" "$tmp/table" || {
    echo "heisenbug-table.sh: $CHAPTER has no heisenbug-table markers" >&2
    exit 3
  }
  echo "heisenbug-table: wrote the table into $CHAPTER" >&2
fi
