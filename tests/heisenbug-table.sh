#!/bin/sh
# heisenbug-table.sh -- chapter 04's table script, run against a stand-in
# for the scenario whose failures are known in advance, so that every
# figure the script derives can be checked: the control row is there; a
# mode whose rounds all fail at one rate has dispersion 0 and its widened
# interval is its Wilson interval; a mode whose rounds alternate between
# all failing and none (corrlog here) has dispersion R*n/(R-1) and its
# widened interval is the Wilson interval of n/dispersion runs (checked
# against the same formula in Python); the verdicts follow the intervals.
# Bad knobs exit 2.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
. tests/lib.sh
need "$B/hunt"
ROOT=$(pwd)

# The stand-in runs where the script expects build/: the real hunt, and a
# "scenario" that fails by its --log mode. none and again (--log none):
# runs 0, 5, 10, ... of each hunt fail (20 %). corrlog: every run of every
# other corrlog hunt fails (hunt k counted in a file when HUNT_RUN is 0).
# printf and /dev/null: never.
mkdir -p "$T/w/build/bin" || exit 3
ln -s "$ROOT/$B/hunt" "$T/w/build/hunt" || exit 3
cat >"$T/w/build/bin/04-heisenbug-bug" <<EOF
#!/bin/sh
log=none
while [ \$# -gt 0 ]; do
  [ "\$1" = --log ] && log=\$2
  shift
done
case \$log in
none) [ \$((HUNT_RUN % 5)) -eq 0 ] && exit 1; exit 0 ;;
corrlog)
  [ "\$HUNT_RUN" -eq 0 ] && echo x >>"$T/corrlog-hunts"
  k=\$(wc -l <"$T/corrlog-hunts")
  [ \$((k % 2)) -eq 1 ] && exit 1; exit 0 ;;
*) exit 0 ;;
esac
EOF
chmod +x "$T/w/build/bin/04-heisenbug-bug" || exit 3
mkdir -p "$T/w/chapters" || exit 3

(cd "$T/w" && RUNS=40 ROUNDS=4 LOADS=1 TMPDIR=$T \
  "$ROOT/tools/instruments/heisenbug-table.sh" >"$T/out" 2>"$T/err")
rc=$?
check "a table from the stand-in: exit 0" [ "$rc" = 0 ]
[ "$rc" = 0 ] || quote "$T/err" 20

# row MODE: the table row of MODE (as shown in the --log column).
row() { grep -F "| one | $1 |" "$T/out"; }
# field ROW N: the Nth |-separated cell, trimmed.
field() { echo "$1" | awk -F'|' -v n="$2" '{ gsub(/^ +| +$/, "", $(n + 1)); print $(n + 1) }'; }

check "five rows for one load, the control among them" \
  [ "$(grep -c '^| one |' "$T/out")" = 5 ]
check "the control row names itself" [ -n "$(row '`none`, again')" ]

none=$(row '`none`')
check "none: 8/40 failed" [ "$(field "$none" 3)" = 8/40 ]
check "none: rounds alike, dispersion 0.0" [ "$(field "$none" 5)" = 0.0 ]
wilson=$(field "$none" 4 | sed 's/^[^(]*(//; s/)$//')
check "none: the widened interval is the Wilson one" \
  [ "$(field "$none" 6)" = "$wilson" ]

c=$(row '`corrlog`')
check "corrlog: 20/40 failed" [ "$(field "$c" 3)" = 20/40 ]
# Rounds of 10 runs: 10, 0, 10, 0 failures at p = 1/2: chi-square
# 4 * 25 / 2.5 = 40 over 3 degrees of freedom. The widened interval is
# computed from the dispersion as the table shows it, so that a reader can
# compute it again from the table.
check "corrlog: dispersion 13.3 (rounds all or nothing)" \
  [ "$(field "$c" 5)" = 13.3 ]
want=$(python3 -c '
import math
p, n, z = 0.5, 40 / 13.3, 1.959964
c = (p + z * z / (2 * n)) / (1 + z * z / n)
h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
print("%.2f %% .. %.2f %%" % (100 * max(0, c - h), 100 * min(1, c + h)))')
check "corrlog: the widened interval is Wilson's of n / dispersion runs ($want)" \
  [ "$(field "$c" 6)" = "$want" ]
[ "$(field "$c" 6)" = "$want" ] || quote "$T/out" 8

check "printf: 0 failures, dispersion '-'" \
  [ "$(field "$(row '`printf`')" 5)" = - ]
check "Wilson intervals: corrlog (35-65 %) does not meet none (about 10-35 %)" \
  grep -q "one run at a time, Wilson intervals: no logging's and corrlog's do not overlap" "$T/out"
check "widened: corrlog's meets none's" \
  grep -q "allowing for the dispersion: no logging's and corrlog's overlap" "$T/out"
check "the control's two measurements meet, both ways" \
  [ "$(grep -c "control.* overlap" "$T/out")" = 2 ]
check "nothing left in TMPDIR but the stand-in's files" \
  [ "$(find "$T" -mindepth 1 -maxdepth 1 -name 'heisenbug-table.*' | wc -l)" = 0 ]

refused "LOADS is 1, 2" "a LOADS of 3" -- env LOADS=3 \
  "$ROOT/tools/instruments/heisenbug-table.sh"
refused "RUNS and ROUNDS must be numbers" "a RUNS that is no number" -- \
  env RUNS=x "$ROOT/tools/instruments/heisenbug-table.sh"
finish
