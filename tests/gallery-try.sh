#!/bin/sh
# gallery-try.sh -- `gallery try` grades a learner's fix: --start makes a
# private copy of the bug (and refuses to overwrite one); the bug itself
# fails, its card naming a schedule that breaks it, and that schedule
# replays the failure on the learner's build; the reference fix passes
# (forced schedules k of k, a PCT hunt without failure); a file that does
# not compile is bad input (exit 2) with the compiler's file:line; --json
# writes the card; the forced schedules' verdict comes from the test's
# report (tests/scenario_report.h), whatever its text says. Sanitizers are
# left out here (--no-san: their builds take minutes); `gallery try NN`
# runs them.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
. tests/lib.sh
dir=$T
# The tests' scratch files go there too, where the check below can see
# that a test process the scheduler stops (a script that does not fit)
# leaves none (tests/scenario_test.h: unlinked as soon as it is made).
export TMPDIR="$T"
# The builds the test makes (never a learner's copy in build/try/NN-slug/).
cleanup() {
  rm -rf build/try/01-log-order/plain build/try/01-log-order/hunt.json \
    build/try/02-reply-mixup/plain build/try/02-reply-mixup/hunt.json \
    build/try/13-lock-order/plain build/try/13-lock-order/hunt.json
  rmdir build/try/01-log-order build/try/02-reply-mixup \
    build/try/13-lock-order build/try 2>/dev/null
}
fail() { notok "$*"; }

for nn in 01 13; do
  slug=$(ls -d bugs/$nn-* | sed 's|bugs/||')
  w=$dir/$nn
  "$B"/gallery try "$nn" --start "$w" >"$dir/out" 2>&1 ||
    fail "$nn --start: exit $?: $(cat "$dir/out")"
  cmp -s "$w/async.c" "bugs/$slug/async.c" || fail "$nn --start: not a copy of the bug"
  "$B"/gallery try "$nn" --start "$w" >"$dir/out" 2>&1
  rc=$?
  [ "$rc" = 2 ] && grep -q "already exists" "$dir/out" ||
    fail "$nn --start over a copy: exit $rc, want 2 and a refusal"

  # The bug as a fix: a failing card naming the schedule that breaks it.
  "$B"/gallery try "$nn" "$w/async.c" --runs 50 --no-san --json "$dir/bug.json" >"$dir/out" 2>&1
  rc=$?
  [ "$rc" = 1 ] || fail "$nn: the bug graded with exit $rc, want 1"
  grep -q "^VERDICT: FAIL: it breaks under order:" "$dir/out" ||
    fail "$nn: the bug's card names no schedule: $(tail -n 3 "$dir/out")"
  jq -e '.verdict == "fail"' "$dir/bug.json" >/dev/null ||
    fail "$nn: --json has no failing verdict"
  # The named schedule, replayed on the learner's build, fails again.
  replay=$(sed -n 's/^ *replay: \(build\/try\/.*prog --schedule .*\)$/\1/p' "$dir/out" | head -n 1)
  replay_fails "$nn: the forced schedule" "$replay"

  # The reference fix passes.
  cp "fixes/$slug/async.c" "$w/async.c"
  "$B"/gallery try "$nn" "$w/async.c" --runs 200 --no-san >"$dir/out" 2>&1
  rc=$?
  [ "$rc" = 0 ] || fail "$nn: the reference fix graded with exit $rc: $(cat "$dir/out")"
  grep -q "^VERDICT: PASS" "$dir/out" || fail "$nn: the fix's card does not pass"
  grep -Eq "forced schedules \(strict\) +([0-9]+) of \1 passed" "$dir/out" ||
    fail "$nn: the fix did not pass k of k forced schedules"
  bound=$(python3 -c 'print("%.2g" % (100 * (1 - 0.05 ** (1 / 200))))')
  grep -q "200 runs, 0 failures: rate below $bound% at 95%" "$dir/out" ||
    fail "$nn: the fix's hunt line: $(grep 'PCT hunt' "$dir/out")"
  grep -q "against the reference fix  +0 -0 lines" "$dir/out" ||
    fail "$nn: the reference fix differs from itself"
done

# The forced schedules' verdict, the schedule and the replay come from the
# test's own report (tests/scenario_report.h), which carries any message:
# 02's quote the requests ("square 2"), which Criterion's --json writes
# unescaped. The card counts the tests, names the schedule that breaks the
# bug, and gives the replay in its JSON as argv, which fails again.
"$B"/gallery try 02 bugs/02-reply-mixup/async.c --runs 1 --no-san \
  --json "$dir/02.json" >"$dir/out" 2>&1
jq -e '.forced.tested > 0 and .forced.passed < .forced.tested and
  (.breaks_under | startswith("order:")) and
  .forced.replay[2] == .breaks_under' "$dir/02.json" >/dev/null ||
  fail "02, whose messages hold quotes: $(grep -A3 forced "$dir/out")"
replay_fails "02: the card's JSON replay" \
  "$(jq -r '.forced.replay // empty | @sh' "$dir/02.json")"

# A file older than the last try's build is built again, not graded by the
# program left from that try (make's timestamps alone would keep it): a
# fresh copy of the bug, then the reference fix itself, untouched.
cp bugs/01-log-order/async.c "$dir/newer.c"
"$B"/gallery try 01 "$dir/newer.c" --runs 20 --no-san >/dev/null 2>&1
"$B"/gallery try 01 fixes/01-log-order/async.c --runs 20 --no-san >"$dir/out" 2>&1
grep -q "^VERDICT: PASS" "$dir/out" ||
  fail "the reference fix tried after a newer file: $(tail -n 1 "$dir/out")"

# The test's verdict is read from its report, not from Criterion's
# text: a Criterion told to print nothing (verbosity 3: no summary, no
# assertion) grades the same, k of k with k > 0, and names the schedule
# that breaks the bug.
CRITERION_VERBOSITY_LEVEL=3 "$B"/gallery try 01 fixes/01-log-order/async.c \
  --runs 20 --no-san >"$dir/out" 2>&1
grep -Eq "forced schedules \(strict\) +([1-9][0-9]*) of \1 passed" "$dir/out" ||
  fail "the fix under a quiet Criterion: $(grep 'forced' "$dir/out")"
CRITERION_VERBOSITY_LEVEL=3 "$B"/gallery try 01 bugs/01-log-order/async.c \
  --runs 1 --no-san >"$dir/out" 2>&1
grep -q "^  *FAILS under schedule order:" "$dir/out" ||
  fail "the bug under a quiet Criterion names no schedule:" \
    "$(grep -A2 'forced' "$dir/out")"

# A fix whose requests differ from the test's scripts (its fetch queues a
# second work item before it ends the request): a strict script does not
# fit, so the card gives no verdict (exit 3, "no verdict" in the JSON) and
# says which step and what was pending. try reads this from the
# scheduler's record (the trailer's "mismatch" field, SCHED_LOG), not from
# the scheduler's text on stderr: without the field the card would grade
# the run as a failure instead.
cat >"$dir/unfit.sed" <<'EOF'
/^static void fetch_done/i\
static void noop_work(uv_work_t *work) { (void)work; }\
static void second_done(uv_work_t *work, int status) {\
  struct request *r = container_of(work, struct request, work);\
  CHECK_UV(status);\
  corrlog_end(&r->op, 0, "200 OK");\
  free(r);\
}
/^static void fetch_done/,/^}/{
  s/^  corrlog_end.*/  CHECK_UV(uv_queue_work(\&r->app->loop, \&r->work, noop_work, second_done));/
  /^  free(r);/d
}
EOF
sed -f "$dir/unfit.sed" fixes/01-log-order/async.c >"$dir/unfit.c"
grep -q second_done "$dir/unfit.c" || fail "the unfit fix was not made"
"$B"/gallery try 01 "$dir/unfit.c" --runs 1 --no-san --json "$dir/unfit.json" \
  >"$dir/out" 2>&1
rc=$?
[ "$rc" = 3 ] && jq -e '.verdict == "no verdict"' "$dir/unfit.json" >/dev/null &&
  grep -Eq "a script does not fit your program: step [0-9]+ of the script \([^)]*\) is not (pending|runnable); (pending|runnable):( [^ ]+)+\$" \
    "$dir/out" ||
  fail "a fix the scripts do not fit: exit $rc: $(grep forced "$dir/out")"
left=$(ls -A "$T" | grep '^test-')
[ -z "$left" ] || fail "the stopped test processes left their files: $left"

# A file that does not build: exit 2, with the compiler's file:line.
printf 'int broken(void) { return }\n' >"$dir/broken.c"
"$B"/gallery try 01 "$dir/broken.c" --no-san >"$dir/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "broken.c:1:" "$dir/out" ||
  fail "a file that does not compile: exit $rc: $(tail -n 3 "$dir/out")"
"$B"/gallery try 01 "$dir/missing.c" >"$dir/out" 2>&1
[ $? = 2 ] || fail "a missing file: want exit 2"

finish "the bug fails naming its schedule, the fix passes (01, 13)"
