#!/bin/sh
# heisenbug-table.sh -- chapter 04's table, measured: how often scenario 04's
# bug fails with no logging, with printf, with corrlog writing a temporary
# file (the scenario's `--log corrlog`) and with corrlog writing to
# /dev/null (the logger without the file system), each with its 95 %
# Wilson interval and as a share of the no-logging rate, under two loads:
# one run at a time (`hunt --jobs 1`: the program has the machine to
# itself) and two at once (`--jobs 2`, hunt's default on two cores: each
# run's threads compete with the other run's). The race's rate, and how
# much logging moves it, depend on the load; chapter 04 measures why.
# The hunts run interleaved (ROUNDS rounds of RUNS/ROUNDS runs of each mode
# under each load in turn, the order rotated each round), so that the
# machine's state, and whatever one mode leaves for the next, weighs on all
# modes alike -- on a shared machine one mode's rate moved from 19 % to 1 %
# between rounds minutes apart, hence many short rounds; each mode's rounds
# are added up by `hunt --merge`. Prints the table (Markdown) and, with
# --write, puts it into chapters/04-heisenbug.md between the
# heisenbug-table markers. Run by `make bench`.
#
# Knobs (environment): RUNS per mode and load (default 2000), ROUNDS
# (default 20), LOADS (default "1 2": the --jobs values measured).
# Exit: 0 measured; 2 usage; 3 a hunt could not run.
set -u
RUNS=${RUNS:-2000}
ROUNDS=${ROUNDS:-20}
LOADS=${LOADS:-1 2}
CHAPTER=chapters/04-heisenbug.md
BIN=build/bin/04-heisenbug-bug
. "$(dirname "$0")/table-lib.sh"
table_args heisenbug-table.sh "$@"
case $RUNS$ROUNDS in
*[!0-9]*) echo "heisenbug-table.sh: RUNS and ROUNDS must be numbers" >&2
  exit 2 ;;
esac
case $LOADS in
1 | 2 | "1 2" | "2 1") ;;
*) echo "heisenbug-table.sh: LOADS is 1, 2 or \"1 2\" (runs at once), not '$LOADS'" >&2
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
    for j in $LOADS; do
      printf 'heisenbug-table: round %d of %d, --log %s, %d at once (%d runs)\n' \
        "$r" "$ROUNDS" "$arg" "$j" "$per" >&2
      build/hunt --jobs "$j" --runs "$per" --count-all --setup-codes 2,3 \
        --quiet --json "$tmp/$m.$j-$r.json" -- "$BIN" --log "$arg" \
        >"$tmp/out" 2>&1
      rc=$?
      if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        echo "heisenbug-table.sh: hunt --jobs $j --log $arg failed (exit $rc):" >&2
        cat "$tmp/out" >&2
        exit 3
      fi
    done
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

row() { # LOAD MODE F N LO HI NF NN
  awk -v j="$1" -v m="$2" -v f="$3" -v n="$4" -v lo="$5" -v hi="$6" \
    -v nf="$7" -v nn="$8" 'BEGIN {
      share = nf > 0 ? sprintf("%.0f %%", 100 * (f / n) / (nf / nn)) : "-"
      printf "| %s | `%s` | %d/%d | %.2f %% (%.2f %% .. %.2f %%) | %s |\n",
        j == 1 ? "one" : "two", m, f, n, 100 * f / n, 100 * lo, 100 * hi,
        share }'
}
overlap() { # LO HI NLO NHI: whether [LO, HI] meets [NLO, NHI]
  awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" \
    'BEGIN { print (a <= d && c <= b) ? "overlap" : "do not overlap" }'
}

printf '| runs at once | `--log` | failures | rate (95 %% Wilson interval) |' \
  >"$tmp/table"
echo ' share of no-logging rate |' >>"$tmp/table"
echo "|---|---|---|---|---|" >>"$tmp/table"
for j in $LOADS; do
  [ "$j" -eq 1 ] && at="one run at a time" || at="two runs at once"
  for m in none printf corrlog null; do
    res=$(merged "$m.$j") || exit 3
    set -- $res
    case $m in
    none) nf=$1 nn=$2 nlo=$3 nhi=$4 ;;
    corrlog) vc=$(overlap "$3" "$4" "$nlo" "$nhi") ;;
    null) vd=$(overlap "$3" "$4" "$nlo" "$nhi") ;;
    esac
    name=$m
    [ "$m" = null ] && name=/dev/null
    row "$j" "$name" "$1" "$2" "$3" "$4" "$nf" "$nn" >>"$tmp/table"
  done
  echo "heisenbug-table: $at: no logging's interval and corrlog's $vc," \
    "/dev/null's $vd ($RUNS runs per mode, $ROUNDS interleaved rounds)" \
    >>"$tmp/verdicts"
done
cat "$tmp/table" "$tmp/verdicts"

if [ "$write" -eq 1 ]; then
  begin='<!-- heisenbug-table: tools/instruments/heisenbug-table.sh --write -->'
  end='<!-- /heisenbug-table -->'
  table_write "$CHAPTER" "$begin" "$end" "$tmp/table" || {
    echo "heisenbug-table.sh: $CHAPTER has no heisenbug-table markers" >&2
    exit 3
  }
  echo "heisenbug-table: wrote the table into $CHAPTER" >&2
fi
