#!/bin/sh
# machine-interfaces.sh -- the JSON the workbook's scripts read from its
# tools, checked field by field against the real tools: tools talk to tools
# through JSON, never by scraping each other's text, so a field a reader
# relies on that is renamed, retyped or dropped must fail here, by name and
# reader, not leave a reader with an empty value. Each check names the
# fields and who reads them:
#   build/gallery info --json   tools/check.sh, tools/instruments/book/build.sh,
#                               gallery-table.sh, scenario-docs.sh,
#                               tests/sched-recorder.sh
#   build/hunt --json           tools/check.sh (stress), gallery-table.sh,
#                               tests/check-hunt-memory.sh, gallery try
#                               (try.c: first_failure.schedule)
#   build/hunt --merge --json   heisenbug-table.sh
#   SCHED_LOG (the scheduler's  tests/sched-determinism.sh,
#   record)                     tests/sched-recorder.sh, gallery play
#                               (play_game.c: the trailer's "taken"),
#                               gallery try (try.c: its "mismatch"),
#                               tests/strict-schedules.sh ("mismatch",
#                               "lenient")
#   SCHED_REPORT (the preload   tools/runtime/preload/shrink.sh,
#   shim's report)              tests/preload-replay.sh,
#                               preload-release.sh, preload-pin.sh,
#                               check-preload-cost.sh ("handoffs")
#   build/bench/bench_handoff   tests/check-preload-cost.sh,
#   --json                      tests/bench-handoff.sh
#   shrink.sh --json            tests/preload-replay.sh
#   SCENARIO_REPORT (the        tools/run-tests.sh, gallery try (try.c),
#   scenario tests' report,     tests/strict-schedules.sh
#   tests/scenario_report.h)
#   build/trace --json          gallery compare --svg (pairsvg.c)
#   GALLERY_VERDICT (the        gallery compare (compare.c: a row's
#   drivers' verdict, one       "last:")
#   message, bugs/gallery.h)
# Run from the repository root after `make all`.
set -u
B=${B:-build}
for f in "$B/gallery" "$B/hunt" "$B/bin/01-log-order-fix" \
  "$B/bin/02-reply-mixup-bug" "$B/bin/04-heisenbug-bug" \
  "$B/bin/13-lock-order-bug" "$B/libsched-preload.so" "$B/trace" \
  "$B/tests/02-reply-mixup-bug" "$B/tests/10-pool-deadlock-bug" \
  "$B/tests/progs/preload_race" "$B/tests/progs/preload_deadlock"; do
  [ -x "$f" ] || { echo "machine-interfaces.sh: $f is missing (make)" >&2; exit 3; }
done
command -v jq >/dev/null 2>&1 ||
  { echo "machine-interfaces.sh: jq is not installed (make deps)" >&2; exit 3; }
T=$(mktemp -d "${TMPDIR:-/tmp}/machine-interfaces.XXXXXX") || exit 3
trap 'rm -rf "$T"' EXIT
# The programs' own scratch files go there too.
export TMPDIR="$T"
trap 'exit 130' INT HUP
trap 'exit 143' TERM
trap 'exit 141' PIPE
N=0 FAILS=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
no() { N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $1"; }
# shape WHAT FILE FILTER: FILTER, run with jq -e (-s: FILE as one array of
# its lines when JSONL=1), must be true of FILE.
shape() {
  if jq -e ${JSONL:+-s} "$3" "$2" >/dev/null 2>"$T/jq.err"; then ok "$1"; else
    no "$1"
    sed 's/^/    | /' "$T/jq.err" | head -n 3
  fi
}

# ------------------------------------------------------------ gallery info
"$B/gallery" info --json >"$T/info.json" ||
  { echo "machine-interfaces.sh: gallery info --json failed" >&2; exit 3; }
shape "gallery info --json: an array with an object per scenario" \
  "$T/info.json" 'type == "array" and length > 0 and all(.[]; type == "object")'
shape "gallery info --json: id a number, name/file/chapter/title/theme strings (scenario-docs.sh, check.sh, book)" \
  "$T/info.json" 'all(.[]; (.id | type) == "number" and
    all(.name, .file, .chapter, .title, .theme; type == "string"))'
shape "gallery info --json: compare_schedule a string, figure_schedule and sanitizer_lesson strings or null (book, sched-recorder.sh, check.sh)" \
  "$T/info.json" 'all(.[]; (.compare_schedule | type) == "string" and
    all(.figure_schedule, .sanitizer_lesson; type == "string" or . == null))'
shape "gallery info --json: hunt_timeout a number (gallery-table.sh)" \
  "$T/info.json" 'all(.[]; (.hunt_timeout | type) == "number")'
shape "gallery info --json: the list keys arrays of strings (check.sh, book)" \
  "$T/info.json" 'all(.[]; all(.figure_args, .stress_args,
    .sanitizer_lesson_args, .tsan_sync_options;
    type == "array" and all(.[]; type == "string")))'
"$B/gallery" info 05 --json >"$T/one.json" 2>/dev/null
shape "gallery info NN --json: one object, with its title (tests/scenario-docs.sh)" \
  "$T/one.json" 'type == "object" and (.title | type) == "string"'

# ------------------------------------------------------------ hunt
# A command that never fails and one that always does: the summary of each,
# and of two hunts merged.
"$B/hunt" --runs 4 --quiet --json "$T/pass.json" -- true >/dev/null 2>&1
"$B/hunt" --runs 4 --quiet --json "$T/pass2.json" -- true >/dev/null 2>&1
"$B/hunt" --runs 4 --quiet --count-all --json "$T/fail.json" -- false \
  >/dev/null 2>&1
# fields JSON: runs and failures numbers, the rate a number, its 95 %
# interval two numbers from 0 to 1.
fields='(.runs | type) == "number" and (.failures | type) == "number" and
  (.rate | type) == "number" and (.ci95 | type) == "array" and
  (.ci95 | length) == 2 and all(.ci95[]; type == "number" and 0 <= . and . <= 1)'
shape "hunt --json: runs, failures, rate, ci95 (check.sh, gallery-table.sh)" \
  "$T/pass.json" "$fields and .runs == 4 and .failures == 0"
shape "hunt --json: zero_fail_bound95 a number when nothing failed (check.sh)" \
  "$T/pass.json" '(.zero_fail_bound95 | type) == "number"'
shape "hunt --json: max_rss_kib a number (check-hunt-memory.sh)" \
  "$T/pass.json" '(.max_rss_kib | type) == "number"'
shape "hunt --json: failures counted in the same fields (check.sh, gallery-table.sh)" \
  "$T/fail.json" "$fields and .runs == 4 and .failures == 4"
shape "hunt --json: first_failure.schedule null without a schedule (gallery try)" \
  "$T/fail.json" '.first_failure | has("schedule") and .schedule == null'
# A perturbed hunt of a bug that fails: its first failure's schedule is
# the SCHED its replay sets (gallery try names it as the one that breaks
# a learner's fix).
"$B/hunt" --runs 200 --quiet --perturb pct --json "$T/pct.json" \
  -- "$B/bin/02-reply-mixup-bug" >/dev/null 2>&1
shape "hunt --json: first_failure.schedule the pct: spec its replay runs under (gallery try)" \
  "$T/pct.json" '.first_failure | .schedule as $s |
    ($s | test("^pct:[0-9]+:[0-9]+$")) and (.replay | startswith("SCHED=\($s) "))'
"$B/hunt" --merge --json "$T/merged.json" "$T/pass.json" "$T/pass2.json" \
  >/dev/null 2>&1
shape "hunt --merge --json: runs, failures, rate, ci95 of both (heisenbug-table.sh)" \
  "$T/merged.json" "$fields and .runs == 8"

# ------------------------------------------------------------ SCHED_LOG
SCHED=random:11 SCHED_LOG=$T/sched.jsonl "$B/bin/01-log-order-fix" \
  >/dev/null 2>&1
JSONL=1 shape "SCHED_LOG: choices as {ev: step, kind: sched, msg: string} (sched-determinism.sh)" \
  "$T/sched.jsonl" 'any(.[]; .ev == "step" and .kind == "sched" and
    (.msg | type) == "string")'
JSONL=1 shape "SCHED_LOG: the last line the trailer, recorder sched (sched-determinism.sh, sched-recorder.sh)" \
  "$T/sched.jsonl" 'last | .ev == "trailer" and .recorder == "sched"'
# "taken": the schedule the run took, one that replays it: the same
# schedule again, from its own trailer. 01's driver resets the scheduler
# before it exits, so this is the schedule kept at the reset.
JSONL=1 shape "SCHED_LOG: the trailer's taken an order: spec with steps, no mismatch (gallery play)" \
  "$T/sched.jsonl" 'last | (.taken | type) == "string" and
    (.taken | test("^order:.+")) and has("mismatch") == false'
taken=$(jq -rs 'last | .taken' "$T/sched.jsonl")
SCHED=$taken SCHED_LOG=$T/again.jsonl "$B/bin/01-log-order-fix" \
  >/dev/null 2>&1
JSONL=1 shape "SCHED_LOG: the trailer's taken replays itself (gallery play)" \
  "$T/again.jsonl" "last | .taken == \"$taken\""
# After a deadlock in a forked child: 13 runs its schedule in a child
# process, which the scheduler ends with _exit at the deadlock; the
# opening process's trailer has the child's schedule, which replays it.
sched13=$(jq -r '.[] | select(.id == 13) | .compare_schedule' "$T/info.json")
args13=$(jq -r '.[] | select(.id == 13) | .figure_args | join(" ")' \
  "$T/info.json")
for k in 1 2; do
  # shellcheck disable=SC2086
  SCHED=$sched13 SCHED_LOG=$T/dead$k.jsonl "$B/bin/13-lock-order-bug" \
    $args13 >"$T/dead$k.out" 2>&1
  echo "$?" >"$T/dead$k.rc"
  # the second run replays the first's taken
  sched13=$(jq -rs 'last | .taken' "$T/dead$k.jsonl")
  [ "$k" = 1 ] && taken13=$sched13
done
JSONL=1 shape "SCHED_LOG after a deadlock in a forked child: the trailer's taken, which replays the deadlock (gallery play)" \
  "$T/dead2.jsonl" "last | .ev == \"trailer\" and (.taken | test(\"^order:.+\")) and
    .taken == \"$taken13\" and $(cat "$T/dead1.rc") == 1 and $(cat "$T/dead2.rc") == 1"
# A strict script that does not fit: exit 2, and the trailer says why.
SCHED=order:work#99 SCHED_LOG=$T/unfit.jsonl "$B/bin/01-log-order-fix" \
  >/dev/null 2>&1
JSONL=1 shape "SCHED_LOG, a script that does not fit: the trailer's mismatch names the step (gallery try)" \
  "$T/unfit.jsonl" 'last | .ev == "trailer" and (.taken | type) == "string"
    and (.mismatch | type) == "string" and
    (.mismatch | test("^step 1 of the script \\(work#99\\) is not pending; pending: "))'
# The same for the threads' side, whose mismatch ends the run with _exit.
SCHED=order:nobody@nowhere SCHED_LOG=$T/unfit-t.jsonl \
  "$B/bin/04-heisenbug-bug" >/dev/null 2>&1
JSONL=1 shape "SCHED_LOG, a thread script that does not fit: the trailer's mismatch (gallery try)" \
  "$T/unfit-t.jsonl" 'last | .ev == "trailer" and
    (.mismatch | test("^step 1 of the script \\(nobody@nowhere\\) is not runnable; runnable: "))'
# A +lenient script that does not fit goes on as random:0; the trailer
# says so, both sides.
SCHED=order:work#99+lenient SCHED_LOG=$T/len.jsonl "$B/bin/01-log-order-fix" \
  >/dev/null 2>&1
SCHED=order:nobody@nowhere+lenient SCHED_LOG=$T/len-t.jsonl \
  "$B/bin/04-heisenbug-bug" >/dev/null 2>&1
JSONL=1 shape "SCHED_LOG, a +lenient script that does not fit: the trailer's mismatch and lenient true (strict-schedules.sh)" \
  "$T/len.jsonl" 'last | .ev == "trailer" and .lenient == true and
    (.mismatch | test("^step 1 of the script \\(work#99\\) is not pending"))'
JSONL=1 shape "SCHED_LOG, a +lenient thread script that does not fit: mismatch and lenient true (strict-schedules.sh)" \
  "$T/len-t.jsonl" 'last | .ev == "trailer" and .lenient == true and
    (.mismatch | test("^step 1 of the script \\(nobody@nowhere\\) is not runnable"))'
JSONL=1 shape "SCHED_LOG, a strict script that does not fit: no lenient (gallery try)" \
  "$T/unfit.jsonl" 'last | has("lenient") == false'
SCHED_LOG=$T/nat.jsonl "$B/bin/02-reply-mixup-bug" >/dev/null 2>&1
JSONL=1 shape "SCHED_LOG without a schedule: requests as {ev: begin, kind: work} (sched-recorder.sh)" \
  "$T/nat.jsonl" 'any(.[]; .ev == "begin" and .kind == "work")'

# ------------------------------------------------------------ SCHED_REPORT
# A lost update (exit 1) and a deadlock, both reported into one file: one
# line each.
SHIM=$(cd "$(dirname "$B/libsched-preload.so")" && pwd)/libsched-preload.so
SCHED=random:3 SCHED_REPORT=$T/report.jsonl LD_PRELOAD=$SHIM \
  "$B/tests/progs/preload_race" >/dev/null 2>&1
SCHED=random:1 SCHED_REPORT=$T/report.jsonl LD_PRELOAD=$SHIM \
  "$B/tests/progs/preload_deadlock" >/dev/null 2>&1
JSONL=1 shape "SCHED_REPORT: one line per process, an exit and a deadlock (shrink.sh, preload-replay.sh)" \
  "$T/report.jsonl" 'length == 2 and .[0].outcome == "exit" and
    .[1].outcome == "deadlock" and all(.[]; (.status | type) == "number")'
JSONL=1 shape "SCHED_REPORT: pid, steps, preemptions, handoffs numbers; spec, trace strings; exact a boolean, not_exact_why a string or null (shrink.sh, preload-replay.sh, preload-pin.sh, check-preload-cost.sh)" \
  "$T/report.jsonl" 'all(.[]; all(.pid, .steps, .preemptions, .handoffs;
    type == "number") and (.spec | type) == "string" and
    (.trace | test("^[0-9a-f]{16}$")) and (.exact | type) == "boolean" and
    (.not_exact_why | type == "string" or . == null))'
JSONL=1 shape "SCHED_REPORT: every preemption is a hand-off, and the lost update's two threads took turns (check-preload-cost.sh)" \
  "$T/report.jsonl" 'all(.[]; .handoffs >= .preemptions) and .[0].handoffs > 0'
JSONL=1 shape "SCHED_REPORT: order an order: script or null, order_fits_env a boolean (shrink.sh, preload-replay.sh, preload-release.sh)" \
  "$T/report.jsonl" 'all(.[]; (.order | . == null or (type == "string" and
    startswith("order:"))) and (.order_fits_env | type) == "boolean") and
    any(.[]; .order | type == "string")'
JSONL=1 shape "SCHED_REPORT: preempted [{step, thread, at, next, next_at}] (shrink.sh)" \
  "$T/report.jsonl" 'all(.[]; (.preempted | type) == "array" and
    all(.preempted[]; (.step | type) == "number" and
      all(.thread, .at, .next, .next_at; type == "string")))
    and any(.[]; .preempted | length > 0)'
JSONL=1 shape "SCHED_REPORT: switch_points [{step, thread, at, could_run: [{thread, at}]}] (shrink.sh, preload-release.sh)" \
  "$T/report.jsonl" 'all(.[]; (.switch_points | type) == "array" and
    all(.switch_points[]; (.step | type) == "number" and
      all(.thread, .at; type == "string") and
      all(.could_run[]; all(.thread, .at; type == "string"))))
    and any(.[]; .switch_points | length > 0)'

# ------------------------------------------------------------ SCENARIO_REPORT
# A bug's test: a line per violated check, and Criterion's counts last.
# 02's messages hold quotes; 10's replay sets the pool's size and takes no
# schedule.
for t in 02-reply-mixup 10-pool-deadlock; do
  SCENARIO_REPORT=$T/rep-$t.jsonl "$B/tests/$t-bug" >/dev/null 2>&1
done
JSONL=1 shape "SCENARIO_REPORT: violations {record, test, invariant, message}, then a summary (run-tests.sh, gallery try)" \
  "$T/rep-02-reply-mixup.jsonl" 'any(.[]; .record == "violation") and
    all(.[] | select(.record == "violation");
      .invariant == "reply-mixup" and all(.test, .message; type == "string"))
    and (last | .record == "summary")'
JSONL=1 shape "SCENARIO_REPORT: the summary's tests, passed, failed, crashed, skipped numbers (run-tests.sh, gallery try)" \
  "$T/rep-02-reply-mixup.jsonl" 'last | all(.tests, .passed, .failed, .crashed,
    .skipped; type == "number") and .failed > 0 and .tests == .passed + .failed + .skipped'
JSONL=1 shape "SCENARIO_REPORT: schedule, and replay {scenario, schedule, env, args} (gallery try)" \
  "$T/rep-02-reply-mixup.jsonl" 'all(.[] | select(.record == "violation");
    (.schedule | type) == "string" and .replay.scenario == 2 and
    (.replay.schedule | startswith("order:")) and
    all(.replay.env, .replay.args; type == "array" and all(.[]; type == "string")))'
JSONL=1 shape "SCENARIO_REPORT: a replay without a schedule: schedule null, env NAME=VALUE (gallery try)" \
  "$T/rep-10-pool-deadlock.jsonl" 'any(.[]; .record == "violation" and
    .schedule == null and .replay.schedule == null and
    all(.replay.env[]; test("^[A-Z_]+=")))'

# ------------------------------------------------------------ trace --json
"$B/trace" --format svg -o "$T/t.svg" --json "$T/t.json" \
  tests/trace/log-order-bug.jsonl >/dev/null 2>&1
shape "trace --json: svg {width, height} numbers, events and operations numbers (gallery compare --svg)" \
  "$T/t.json" 'all(.svg.width, .svg.height, .events, .operations;
    type == "number" and . > 0)'

# ------------------------------------------------------------ GALLERY_VERDICT
# Every driver writes its verdict, the very line it prints, to the file
# (sync twins and fixes: runs that end by themselves);
# a file it cannot write is a setup failure (exit 3), not a verdict.
: >"$T/why"
for prog in "$B"/bin/[0-9][0-9]-*-sync "$B"/bin/[0-9][0-9]-*-fix; do
  rm -f "$T/verdict"
  GALLERY_VERDICT=$T/verdict timeout 60 "$prog" >"$T/vout" 2>/dev/null
  rc=$?
  if [ ! -s "$T/verdict" ]; then
    echo "${prog##*/} (exit $rc) wrote no verdict" >>"$T/why"
  elif [ "$(wc -l <"$T/verdict")" -ne 0 ] ||
    ! grep -qxF -f "$T/verdict" "$T/vout"; then
    echo "${prog##*/}: the verdict is not one line it printed: $(cat "$T/verdict")" >>"$T/why"
  fi
done
if [ -s "$T/why" ]; then
  no "GALLERY_VERDICT: every driver writes the verdict line it prints (gallery compare)"
  sed 's/^/    | /' "$T/why" | head -n 5
else
  ok "GALLERY_VERDICT: every driver writes the verdict line it prints (gallery compare)"
fi
GALLERY_VERDICT=$T/no/such/dir/v "$B/bin/01-log-order-fix" >/dev/null 2>"$T/verr"
rc=$?
if [ "$rc" -eq 3 ] && grep -q "GALLERY_VERDICT=$T/no/such/dir/v" "$T/verr"; then
  ok "GALLERY_VERDICT that cannot be written: exit 3, naming it"
else
  no "GALLERY_VERDICT that cannot be written: exit 3, naming it (got $rc)"
fi

# ------------------------------------------------------------ shrink.sh
SCHED=random:1 tools/runtime/preload/shrink.sh --shim "$SHIM" \
  --json "$T/shrink.json" -- "$B/tests/progs/preload_race" >/dev/null 2>&1
shape "shrink.sh --json: result, spec, schedule, replay strings; exit, runs, from, to numbers (preload-replay.sh)" \
  "$T/shrink.json" '.result == "found" and all(.spec, .schedule, .replay;
    type == "string") and all(.exit, .runs, .from, .to; type == "number")'
shape "shrink.sh --json: preempted [{step, thread, at, next, next_at}], replay_env {SCHED, LD_PRELOAD}, replay_argv strings (preload-replay.sh)" \
  "$T/shrink.json" 'all(.preempted[]; (.step | type) == "number" and
    all(.thread, .at, .next, .next_at; type == "string")) and
    all(.replay_env.SCHED, .replay_env.LD_PRELOAD; type == "string") and
    all(.replay_argv[]; type == "string") and (.replay_argv | length) == 1'

echo "1..$N"
[ "$FAILS" -eq 0 ]
