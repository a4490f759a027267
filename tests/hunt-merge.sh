#!/bin/sh
# hunt-merge.sh -- `hunt --merge` adds up hunts: runs and failures are
# summed and the interval is computed from the sums (checked against the
# same formulas in Python); hunts of different commands or perturbations
# are refused (exit 2) unless --force; a file that is not a summary is
# named with its line (exit 2); a merged summary merges again.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
dir=$(mktemp -d "${TMPDIR:-/tmp}/hunt-merge.XXXXXX") || exit 3
trap 'rm -rf "$dir"' EXIT INT TERM HUP PIPE
status=0
fail() { echo "FAIL $*"; status=1; }
h() { "$B"/hunt --quiet --count-all "$@" >/dev/null 2>&1; }

h --runs 7 --json "$dir/a.json" -- true
h --runs 13 --json "$dir/b.json" -- true
h --runs 4 --json "$dir/f.json" -- false
h --runs 6 --json "$dir/g.json" -- false

"$B"/hunt --merge "$dir/a.json" "$dir/b.json" --json "$dir/ab.json" >"$dir/out" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "merge of two clean hunts: exit $rc, want 0"
want=$(python3 -c 'print("%.3g" % (100 * (1 - 0.05 ** (1 / 20))))')
grep -q "0 of 20 runs" "$dir/out" || fail "clean merge: no '0 of 20 runs': $(cat "$dir/out")"
grep -q "below $want%" "$dir/out" || fail "clean merge: no bound $want%: $(cat "$dir/out")"

"$B"/hunt --merge "$dir/f.json" "$dir/g.json" >"$dir/out" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "merge of failing hunts: exit $rc, want 1"
grep -q "10 of 10 runs" "$dir/out" || fail "failing merge: $(cat "$dir/out")"

# A merged summary merges again, with the same sums.
h --runs 5 --json "$dir/c.json" -- true
"$B"/hunt --merge "$dir/ab.json" "$dir/c.json" >"$dir/out" 2>&1 ||
  fail "merging a merged summary: exit $?"
grep -q "0 of 25 runs" "$dir/out" || fail "re-merge: $(cat "$dir/out")"

"$B"/hunt --merge "$dir/a.json" "$dir/f.json" >"$dir/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "different" "$dir/out" ||
  fail "different commands: exit $rc, want 2 with a reason: $(cat "$dir/out")"
"$B"/hunt --merge --force "$dir/a.json" "$dir/f.json" >"$dir/out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "4 of 11 runs" "$dir/out" ||
  fail "--force: exit $rc: $(cat "$dir/out")"

printf '{"runs": 3}\n' >"$dir/bad.json"
"$B"/hunt --merge "$dir/a.json" "$dir/bad.json" >"$dir/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "bad.json:1: not a hunt summary" "$dir/out" ||
  fail "a file that is not a summary: exit $rc: $(cat "$dir/out")"
printf '{\n' >"$dir/broken.json"
"$B"/hunt --merge "$dir/broken.json" >"$dir/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "broken.json:2:" "$dir/out" ||
  fail "broken JSON: exit $rc: $(cat "$dir/out")"

[ "$status" = 0 ] && echo "hunt-merge.sh: merging, refusing and bad input as documented"
exit "$status"
