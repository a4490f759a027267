#!/bin/sh
# hunt-merge.sh -- `hunt --merge` adds up hunts: runs and failures are
# summed and the interval is computed from the sums (checked against the
# same formulas in Python); hunts of different commands or perturbations
# are refused (exit 2) unless --force; a file that is not a summary is
# named with its line (exit 2); a merged summary merges again.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
. tests/lib.sh
h() { "$B"/hunt --quiet --count-all "$@" >/dev/null 2>&1; }

h --runs 7 --json "$T/a.json" -- true
h --runs 13 --json "$T/b.json" -- true
h --runs 4 --json "$T/f.json" -- false
h --runs 6 --json "$T/g.json" -- false

"$B"/hunt --merge "$T/a.json" "$T/b.json" --json "$T/ab.json" >"$T/out" 2>&1
rc=$?
[ "$rc" = 0 ] || notok "merge of two clean hunts: exit $rc, want 0"
want=$(python3 -c 'print("%.3g" % (100 * (1 - 0.05 ** (1 / 20))))')
grep -q "0 of 20 runs" "$T/out" || notok "clean merge: no '0 of 20 runs': $(cat "$T/out")"
grep -q "below $want%" "$T/out" || notok "clean merge: no bound $want%: $(cat "$T/out")"

"$B"/hunt --merge "$T/f.json" "$T/g.json" >"$T/out" 2>&1
rc=$?
[ "$rc" = 1 ] || notok "merge of failing hunts: exit $rc, want 1"
grep -q "10 of 10 runs" "$T/out" || notok "failing merge: $(cat "$T/out")"

# A merged summary merges again, with the same sums.
h --runs 5 --json "$T/c.json" -- true
"$B"/hunt --merge "$T/ab.json" "$T/c.json" >"$T/out" 2>&1 ||
  notok "merging a merged summary: exit $?"
grep -q "0 of 25 runs" "$T/out" || notok "re-merge: $(cat "$T/out")"

"$B"/hunt --merge "$T/a.json" "$T/f.json" >"$T/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "different" "$T/out" ||
  notok "different commands: exit $rc, want 2 with a reason: $(cat "$T/out")"
"$B"/hunt --merge --force "$T/a.json" "$T/f.json" >"$T/out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "4 of 11 runs" "$T/out" ||
  notok "--force: exit $rc: $(cat "$T/out")"

printf '{"runs": 3}\n' >"$T/bad.json"
"$B"/hunt --merge "$T/a.json" "$T/bad.json" >"$T/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "bad.json:1: not a hunt summary" "$T/out" ||
  notok "a file that is not a summary: exit $rc: $(cat "$T/out")"
printf '{\n' >"$T/broken.json"
"$B"/hunt --merge "$T/broken.json" >"$T/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "broken.json:2:" "$T/out" ||
  notok "broken JSON: exit $rc: $(cat "$T/out")"

finish "merging, refusing and bad input as documented"
