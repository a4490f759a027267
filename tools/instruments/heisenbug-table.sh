#!/bin/sh
# heisenbug-table.sh -- chapter 04's table, measured: how often scenario 04's
# bug fails with no logging, with printf, with corrlog writing a temporary
# file (the scenario's `--log corrlog`), with corrlog writing to /dev/null
# (the logger without the file system), and with no logging again (the
# control: what the method finds between a program and itself). Each row
# has its 95 % Wilson interval, its share of the no-logging rate, and the
# dispersion of its rounds: how much their failure counts vary beside what
# one fixed rate would give -- about 1 when the runs behave as independent
# trials, and the Wilson interval can be trusted; well above 1 when the
# rate itself drifts from round to round, and the interval is too narrow
# -- and a second interval that allows for it. Two loads: one run at a
# time (`hunt --jobs 1`: the program has the machine to itself) and two
# at once (`--jobs 2`, hunt's default on two cores: each run's threads
# compete with the other run's). The race's rate, and how
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

# The modes, each a hunt per load and round; again is --log none a second
# time, measured as a mode of its own.
MODES="none printf corrlog null again"

per=$((RUNS / ROUNDS))
r=1
while [ "$r" -le "$ROUNDS" ]; do
  # Each mode takes each place in the order in turn: what one mode's runs
  # leave behind (corrlog's mode makes and removes a file each run) weighs
  # on the next one, and so on each mode alike.
  set -- $MODES
  k=$(((r - 1) % $#))
  while [ "$k" -gt 0 ]; do
    m=$1
    shift
    set -- "$@" "$m"
    k=$((k - 1))
  done
  for m in "$@"; do
    arg=$m
    [ "$m" = null ] && arg=/dev/null
    [ "$m" = again ] && arg=none
    for j in $LOADS; do
      printf 'heisenbug-table: round %d of %d, --log %s%s, %d at once (%d runs)\n' \
        "$r" "$ROUNDS" "$arg" "$([ "$m" = again ] && echo ' (the control)')" \
        "$j" "$per" >&2
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

# dispersion MODE: how much the rounds' failure counts of MODE (e.g.
# none.1) vary, as a multiple of what they would vary by were every run an
# independent trial at the mode's overall rate: Pearson's chi-square over
# the rounds divided by its degrees of freedom (rounds - 1). "-" when it
# says nothing: one round, or a rate of 0 or 1.
dispersion() {
  jq -r '"\(.failures) \(.runs)"' "$tmp/$1"-*.json 2>/dev/null | awk '
    { f[NR] = $1; n[NR] = $2; F += $1; N += $2 }
    END {
      p = N > 0 ? F / N : 0
      if (NR < 2 || p <= 0 || p >= 1) { print "-"; exit }
      for (i = 1; i <= NR; i++)
        x += (f[i] - n[i] * p) ^ 2 / (n[i] * p * (1 - p))
      printf "%.1f\n", x / (NR - 1)
    }'
}

# widened F N D: "lo hi", the 95 % Wilson interval of F failures in N runs
# with the runs counted as N / D independent trials (D the dispersion, taken
# as 1 when below 1 or "-"; as the table shows it, so that a reader can
# compute the interval again from the table): the quasi-binomial allowance
# for rounds that vary more than one fixed rate would make them.
widened() {
  awk -v f="$1" -v n="$2" -v d="$3" 'BEGIN {
    if (d == "-" || d + 0 < 1) d = 1
    p = f / n; m = n / d; z = 1.959964
    c = (p + z * z / (2 * m)) / (1 + z * z / m)
    h = z * sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / (1 + z * z / m)
    printf "%.6f %.6f\n", (c - h < 0 ? 0 : c - h), (c + h > 1 ? 1 : c + h)
  }'
}

row() { # LOAD MODE F N LO HI NF NN DISPERSION WLO WHI
  awk -v j="$1" -v m="$2" -v f="$3" -v n="$4" -v lo="$5" -v hi="$6" \
    -v nf="$7" -v nn="$8" -v d="$9" -v wlo="${10}" -v whi="${11}" 'BEGIN {
      share = nf > 0 ? sprintf("%.0f %%", 100 * (f / n) / (nf / nn)) : "-"
      name = m == "again" ? "`none`, again" : "`" m "`"
      printf "| %s | %s | %d/%d | %.2f %% (%.2f %% .. %.2f %%) | %s |" \
        " %.2f %% .. %.2f %% | %s |\n",
        j == 1 ? "one" : "two", name, f, n, 100 * f / n, 100 * lo, 100 * hi,
        d, 100 * wlo, 100 * whi, share }'
}
overlap() { # LO HI NLO NHI: whether [LO, HI] meets [NLO, NHI]
  awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" \
    'BEGIN { print (a <= d && c <= b) ? "overlap" : "do not overlap" }'
}

printf '| runs at once | `--log` | failures | rate (95 %% Wilson interval) |' \
  >"$tmp/table"
printf ' dispersion of the rounds | interval allowing for it |' >>"$tmp/table"
echo ' share of no-logging rate |' >>"$tmp/table"
echo "|---|---|---|---|---|---|---|" >>"$tmp/table"
for j in $LOADS; do
  [ "$j" -eq 1 ] && at="one run at a time" || at="two runs at once"
  for m in $MODES; do
    res=$(merged "$m.$j") || exit 3
    set -- $res
    d=$(dispersion "$m.$j")
    wide=$(widened "$1" "$2" "$d")
    set -- "$@" $wide
    case $m in
    none) nf=$1 nn=$2 nlo=$3 nhi=$4 wnlo=$5 wnhi=$6 ;;
    *) v=$(overlap "$3" "$4" "$nlo" "$nhi")
      w=$(overlap "$5" "$6" "$wnlo" "$wnhi") ;;
    esac
    case $m in
    corrlog) vc=$v wc=$w ;;
    null) vd=$v wd=$w ;;
    again) va=$v wa=$w ;;
    esac
    name=$m
    [ "$m" = null ] && name=/dev/null
    row "$j" "$name" "$1" "$2" "$3" "$4" "$nf" "$nn" "$d" "$5" "$6" \
      >>"$tmp/table"
  done
  {
    echo "heisenbug-table: $at, Wilson intervals: no logging's and" \
      "corrlog's $vc, /dev/null's $vd; no logging's two measurements (the" \
      "control) $va"
    echo "heisenbug-table: $at, allowing for the dispersion: no logging's" \
      "and corrlog's $wc, /dev/null's $wd; the control's $wa" \
      "($RUNS runs per mode, $ROUNDS interleaved rounds)"
  } >>"$tmp/verdicts"
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
