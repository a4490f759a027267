#!/bin/sh
# hunt.sh -- tests build/hunt end to end: bad input, rate statistics, crash,
# hang, grandchildren, floods, closed output, --keep replay, perturbation
# variables, Ctrl-C, leftovers (processes, temp files) and bounded memory.
# Run from the repository root after `make build/hunt build/tests/progs/...`.
set -u

HUNT=${HUNT:-build/hunt}
P=build/tests/progs
for f in "$HUNT" $P/hunt_crash $P/hunt_hang $P/hunt_flood $P/hunt_closeout; do
  if [ ! -x "$f" ]; then
    echo "hunt.sh: $f is missing; build it first (make)" >&2
    exit 3
  fi
done

. "$(dirname "$0")/lib.sh"
# A marker no other process carries: every child gets it as an argument so
# that pgrep can prove none is left behind.
MARK="hunt-test-marker-$$-$(date +%s)"
cleanup() {
  pkill -KILL -f "$MARK" 2>/dev/null
}

# fcmp EXPR: evaluates a floating-point condition with awk.
fcmp() { awk "BEGIN { exit !($1) }"; }
no_leftovers() { ! pgrep -f "$MARK" >/dev/null; }

# ---------------------------------------------------------------- bad input
bad() { # bad DESCRIPTION ARGS...: exit 2 and exactly one line on stderr
  d=$1
  shift
  "$HUNT" "$@" >"$T/out" 2>"$T/err"
  rc=$?
  lines=$(wc -l <"$T/err")
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -q '^hunt: ' "$T/err"; then
    ok "bad input ($d): exit 2, '$(cat "$T/err")'"
  else
    notok "bad input ($d): rc=$rc, $lines stderr lines: $(cat "$T/err")"
  fi
}
bad "--runs -1" --runs -1 -- true
bad "--runs x" --runs x -- true
bad "--jobs 0" --jobs 0 -- true
bad "missing --" true
bad "no command" --runs 3 --
bad "empty command" -- ''
bad "unknown option" --frobnicate -- true
# An unknown option is named as unknown, with or without a value; a known
# one that takes none says so.
"$HUNT" --frobnicate=3 -- true 2>"$T/err"
check "unknown option with a value is unknown: $(cat "$T/err")" \
  grep -q "unknown option '--frobnicate=3'" "$T/err"
"$HUNT" --quiet=1 -- true 2>"$T/err"
check "a flag given a value: $(cat "$T/err")" \
  grep -q -- "--quiet takes no value (got '1')" "$T/err"
bad "--timeout 0" --timeout 0 -- true
bad "--perturb pct:x" --perturb pct:x -- true
bad "--fail-on bad regex" --fail-on '(' -- true
bad "--bug-rate 2" --bug-rate 2 -- true
bad "missing value" --runs
bad "command not found" --runs 1 -- "./no-such-program-$MARK"

"$HUNT" --help >"$T/out" 2>&1
rc=$?
check "--help exits 0 and prints usage" \
  sh -c "[ $rc -eq 0 ] && grep -q '^usage: hunt' '$T/out'"

# ------------------------------------------------------------ statistics
# Run i fails exactly when i % 4 == 0: the counts are known in advance.
RUNS=400
"$HUNT" --quiet --runs $RUNS --count-all --jobs 2 --json "$T/q.json" \
  -- sh -c 'test $((HUNT_RUN % 4)) -ne 0' >"$T/out" 2>&1
rc=$?
f=$(jv .failures "$T/q.json")
r=$(jv .runs "$T/q.json")
ci=$(jv '"\(.ci95[0]) \(.ci95[1])"' "$T/q.json")
lo=${ci% *}
hi=${ci#* }
check "quarter fail by run index: exit 1, $f of $r runs failed (want $((RUNS / 4)) of $RUNS)" \
  [ "$rc" -eq 1 -a "$f" = $((RUNS / 4)) -a "$r" = $RUNS ]
check "Wilson interval [$lo, $hi] contains 0.25 and is narrower than 0.1" \
  fcmp "$lo < 0.25 && 0.25 < $hi && $hi - $lo < 0.1"
check "exit codes counted: code 1 seen $(jv '.exit_codes."1"' "$T/q.json") times" \
  [ "$(jv '.exit_codes."1"' "$T/q.json")" = $((RUNS / 4)) ]
check "advice to claim a fix is printed" grep -q '^to claim a fix: ' "$T/out"

# Every run index is used exactly once, also with parallel jobs.
"$HUNT" --quiet --runs 200 --count-all --jobs 2 \
  -- sh -c 'echo "$HUNT_RUN $HUNT_SEED" >>"$0"' "$T/idx" >/dev/null 2>&1
check "200 runs used run indexes 0..199 once each" \
  sh -c "[ \$(cut -d' ' -f1 '$T/idx' | sort -n | uniq | wc -l) -eq 200 ] &&
         [ \$(wc -l <'$T/idx') -eq 200 ] &&
         [ \$(cut -d' ' -f1 '$T/idx' | sort -n | tail -1) -eq 199 ]"

# The issue's acceptance command: a real 1-in-4 coin. The rate is random;
# 10%..40% is seven standard deviations wide, so this does not flake.
"$HUNT" --quiet --runs 400 --count-all --json "$T/r.json" \
  -- sh -c 'test $(( $(od -An -N2 -tu2 /dev/urandom) % 4 )) -ne 0' \
  >"$T/out" 2>&1
rate=$(jv .rate "$T/r.json")
check "urandom coin: rate $rate is near 0.25 ($(grep '^failure rate' "$T/out"))" \
  fcmp "$rate > 0.10 && $rate < 0.40"

# Stop at the first failure (the default): run 5 fails first.
"$HUNT" --quiet --jobs 1 --seed 1000 --json "$T/u.json" \
  -- sh -c 'test "$HUNT_RUN" -lt 5' >/dev/null 2>&1
rc=$?
check "until-fail: exit 1, stopped after run 5 with seed 1005" \
  [ $rc -eq 1 -a "$(jv .runs "$T/u.json")" = 6 \
    -a "$(jv .first_failure.run "$T/u.json")" = 5 -a "$(jv .first_failure.seed "$T/u.json")" = 1005 ]

"$HUNT" --quiet --runs 50 --json "$T/z.json" -- true >"$T/out" 2>&1
rc=$?
b=$(jv .zero_fail_bound95 "$T/z.json")
check "no failure: exit 0, bound $b = 1-0.05^(1/50)" \
  [ $rc -eq 0 -a "$(awk "BEGIN { d = $b - (1 - 0.05^(1/50)); print (d < 1e-9 && d > -1e-9) }")" = 1 ]

# ---------------------------------------------------------------- crashes
for mode in segv abort; do
  case $mode in segv) sig=SIGSEGV ;; abort) sig=SIGABRT ;; esac
  "$HUNT" --quiet --runs 3 --count-all --json "$T/c.json" \
    -- $P/hunt_crash $mode "$MARK" >"$T/out" 2>&1
  rc=$?
  check "$mode: exit 1, 3 signal failures named $sig" \
    [ $rc -eq 1 -a "$(jv .kinds.signal "$T/c.json")" = 3 \
      -a "$(jv .signals.$sig "$T/c.json")" = 3 ]
done

# ------------------------------------------------------------------ hangs
start=$(date +%s)
"$HUNT" --quiet --runs 2 --count-all --timeout 0.5 --json "$T/h.json" \
  -- $P/hunt_hang self "$MARK" >"$T/out" 2>&1
rc=$?
check "hang: exit 1, 2 hangs after --timeout 0.5 (in $(($(date +%s) - start)) s)" \
  [ $rc -eq 1 -a "$(jv .kinds.hang "$T/h.json")" = 2 -a "$(jv .failures "$T/h.json")" = 2 ]
check "hang: summary names the kind" grep -q 'hang (timeout 0.5s)' "$T/out"
check "hang: no process left behind" no_leftovers

# A leader that exits at once and leaves a hanging grandchild holding the
# output pipe. Without the group kill hunt would wait for EOF each run.
start=$(date +%s)
"$HUNT" --quiet --runs 20 --count-all --json "$T/g.json" \
  -- $P/hunt_hang grandchild "$MARK" >"$T/out" 2>"$T/err"
rc=$?
took=$(($(date +%s) - start))
check "grandchild: 20 clean runs, exit 0, in ${took} s (< 10 s)" \
  [ $rc -eq 0 -a "$(jv .runs "$T/g.json")" = 20 -a $took -lt 10 ]
check "grandchild: no stray-output warning" [ ! -s "$T/err" ]
check "grandchild: no process left behind" no_leftovers

"$HUNT" --quiet --runs 4 --count-all --jobs 2 --timeout 0.3 \
  --json "$T/b.json" -- $P/hunt_hang both "$MARK" >/dev/null 2>&1
check "leader and grandchild hang: 4 hangs" [ "$(jv .kinds.hang "$T/b.json")" = 4 ]
check "leader and grandchild hang: no process left behind" no_leftovers

# ----------------------------------------------------------------- floods
# 8 MiB per run with the needle at different places; only the last 64 KiB
# are kept, so a match at the start proves the whole stream is scanned.
for where in start mid end longline; do
  timeout 60 "$HUNT" --quiet --runs 4 --count-all --jobs 2 \
    --fail-on 'NEEDLE-7f3a' --json "$T/f.json" \
    -- $P/hunt_flood 8 $where "$MARK" >/dev/null 2>&1
  rc=$?
  check "flood 8 MiB, needle at $where: exit 1, 4 matches" \
    [ $rc -eq 1 -a "$(jv .kinds.match "$T/f.json")" = 4 ]
done
timeout 60 "$HUNT" --quiet --runs 4 --count-all --fail-on 'NEEDLE-7f3a' \
  -- $P/hunt_flood 8 none "$MARK" >/dev/null 2>&1
rc=$?
check "flood 8 MiB without needle: exit 0 (no false match)" [ $rc -eq 0 ]
timeout 60 "$HUNT" --quiet --runs 2 --count-all --fail-on '^NEEDLE' \
  -- $P/hunt_flood 8 mid "$MARK" >/dev/null 2>&1
rc=$?
check "flood: '^NEEDLE' does not match a needle in mid-line (exit 0)" [ $rc -eq 0 ]
timeout 60 "$HUNT" --quiet --runs 2 --count-all --fail-on '^NEEDLE' \
  -- $P/hunt_flood 8 start "$MARK" >/dev/null 2>&1
rc=$?
check "flood: '^NEEDLE' matches the needle starting the first line (exit 1)" [ $rc -eq 1 ]
timeout 60 "$HUNT" --quiet --runs 2 --count-all --fail-on 'NEEDLE-7f3a' \
  --keep "$T/fk" -- $P/hunt_flood 8 start "$MARK" >/dev/null 2>&1
size=$(wc -c <"$T/fk/run-0.log")
check "flood --keep: run-0.log holds a bounded tail ($size bytes <= 64 KiB + header)" \
  [ "$size" -gt 65536 -a "$size" -lt 70000 ]
check "flood: no process left behind" no_leftovers

# ---------------------------------------------------------- closed output
"$HUNT" --quiet --runs 4 --count-all -- $P/hunt_closeout 0 "$MARK" >/dev/null 2>&1
check "closed stdout/stderr then exit 0: clean (exit 0)" [ $? -eq 0 ]
"$HUNT" --quiet --runs 4 --count-all --json "$T/co.json" \
  -- $P/hunt_closeout 3 "$MARK" >/dev/null 2>&1
check "closed stdout/stderr then exit 3: 4 exits with code 3" \
  [ "$(jv '.exit_codes."3"' "$T/co.json")" = 4 -a "$(jv .kinds.exit "$T/co.json")" = 4 ]

# ------------------------------------------------- --keep, replay, SCHED
# The script announces a scheduler on the handshake descriptor, as a
# program built with tools/runtime/sched does (hunt refuses perturbed runs in which
# nothing does).
SCRIPT='[ -n "${SCHED_HANDSHAKE_FD:-}" ] && [ -n "${SCHED:-}" ] && echo "sched-handshake via=sched replay=exact spec=$SCHED" >&"$SCHED_HANDSHAKE_FD"; echo "sched=[${SCHED:-}] run=$HUNT_RUN seed=$HUNT_SEED it'\''s"; exit 1'
SCHED=stale "$HUNT" --quiet --runs 3 --count-all --jobs 2 --seed 1000 \
  --perturb pct:5 --keep "$T/keep" -- bash -c "$SCRIPT" >/dev/null 2>&1
check "--keep: one file per failing run" \
  [ -f "$T/keep/run-0.log" -a -f "$T/keep/run-1.log" -a -f "$T/keep/run-2.log" ]
check "--keep: run 1 saw SCHED=pct:1001:5, HUNT_RUN=1, HUNT_SEED=1001" \
  grep -qx "sched=\[pct:1001:5\] run=1 seed=1001 it's" "$T/keep/run-1.log"
check "--keep: header has the seed" grep -qx '# seed: 1001' "$T/keep/run-1.log"
replay=$(sed -n 's/^# replay: //p' "$T/keep/run-1.log")
check "--keep: the replay line says it is exact when the scheduler announced it" \
  grep -q '^# replay: .* # exact: ' "$T/keep/run-1.log"
sh -c "$replay" >"$T/replayed" 2>&1
sed '/^# /d' "$T/keep/run-1.log" >"$T/kept"
check "--keep: the replay command reproduces the run's output: $replay" \
  cmp -s "$T/replayed" "$T/kept"

SCHED=stale "$HUNT" --quiet --runs 1 --seed 7 --perturb random \
  --keep "$T/keep2" -- bash -c "$SCRIPT" >/dev/null 2>&1
check "--perturb random: SCHED=random:7" \
  grep -q '^sched=\[random:7\]' "$T/keep2/run-0.log"
SCHED=stale "$HUNT" --quiet --runs 1 --seed 7 --perturb pct \
  --keep "$T/keep3" -- bash -c "$SCRIPT" >/dev/null 2>&1
check "--perturb pct: SCHED=pct:7:3 (default depth 3)" \
  grep -q '^sched=\[pct:7:3\]' "$T/keep3/run-0.log"
SCHED=stale "$HUNT" --quiet --runs 1 --seed 7 \
  --keep "$T/keep4" -- bash -c "$SCRIPT" >/dev/null 2>&1
check "--perturb none: SCHED unset even when hunt's own environment has it" \
  grep -q '^sched=\[\] ' "$T/keep4/run-0.log"
check "--perturb none: the replay line says a natural run reproduces sometimes" \
  grep -q '^# replay: .* # no schedule, a natural run: reproduces sometimes' \
  "$T/keep4/run-0.log"

if [ -f "$(dirname "$HUNT")/libsched-preload.so" ]; then
  "$HUNT" --quiet --runs 1 --preload --perturb random --keep "$T/keep5" \
    -- sh -c 'echo "preload=$LD_PRELOAD"; exit 1' >/dev/null 2>&1
  check "--preload: LD_PRELOAD names libsched-preload.so" \
    grep -q '^preload=.*libsched-preload.so' "$T/keep5/run-0.log"
else
  "$HUNT" --runs 1 --preload --perturb random -- true >/dev/null 2>"$T/err"
  rc=$?
  check "--preload without libsched-preload.so: exit 2, names the file" \
    [ $rc -eq 2 -a "$(grep -c 'libsched-preload.so not found' "$T/err")" = 1 ]
fi

# ------------------------------------------- truthful verdicts (no no-ops)
G=build/bin/06-lost-update-fix
# One grammar, checked before the first run: a depth the scheduler refuses
# is refused by hunt at once, not reported as 100% failures.
"$HUNT" --quiet --runs 5 --perturb pct:20 -- sh -c "touch $T/ran" \
  >/dev/null 2>"$T/err"
rc=$?
check "--perturb pct:20: exit 2 before any run ($(cat "$T/err"))" \
  [ $rc -eq 2 -a ! -e "$T/ran" ]
"$HUNT" --quiet --runs 1 --schedule 'order:t1,,t2' -- sh -c "touch $T/ran" \
  >/dev/null 2>"$T/err"
rc=$?
check "--schedule with a malformed order: list: exit 2 before any run" \
  [ $rc -eq 2 -a ! -e "$T/ran" ]
"$HUNT" --quiet --runs 5 --perturb pct:16 --json "$T/g.json" -- "$G" \
  >"$T/out" 2>"$T/err"
rc=$?
check "--perturb pct:16 on a correct gallery fix: exit 0, 5 runs, 0 failures" \
  [ $rc -eq 0 -a "$(jv .runs "$T/g.json")" = 5 -a \
    "$(jv .failures "$T/g.json")" = 0 ]
check "the summary says what was in effect: pct via the workbook's scheduler, active in 5 of 5" \
  grep -q "^schedule: *pct:SEED:16 via the workbook's scheduler, active in 5 of 5 runs" "$T/out"
check "JSON: perturbation.active_runs = 5" [ "$(jv .perturbation.active_runs "$T/g.json")" = 5 ]

# A perturbation nothing takes is refused, naming --preload.
"$HUNT" --quiet --runs 20 --perturb pct -- true >"$T/out" 2>"$T/err"
rc=$?
check "--perturb pct on a program without a scheduler: exit 2, names --preload, no verdict" \
  sh -c "[ $rc -eq 2 ] && grep -q -- '--preload' '$T/err' &&
    ! grep -q 'rate is below' '$T/out'"
if [ -f "$(dirname "$HUNT")/libsched-preload.so" ]; then
  "$HUNT" --quiet --runs 20 --preload --perturb pct:10 --json "$T/p.json" \
    -- true >"$T/out" 2>"$T/err"
  rc=$?
  check "--preload --perturb pct:10 on /bin/true: exit 0, the shim active in 20 of 20 runs" \
    sh -c "[ $rc -eq 0 ] && grep -q 'via preload shim, active in 20 of 20 runs' '$T/out'"
  "$HUNT" --quiet --runs 3 --count-all --preload --perturb random --seed 5 \
    -- sh -c 'exit 1' >"$T/out" 2>&1
  check "a failure under the shim: the replay line says exact (the shim decides every choice)" \
    grep -q '^replay: .* # exact: the preload shim decides every choice' "$T/out"
fi

# Setup failures are never a bug verdict.
"$HUNT" --quiet --runs 10 --count-all --jobs 1 --setup-codes 2,3 \
  -- sh -c 'echo "usage: no such option" >&2; exit 2' >"$T/out" 2>"$T/err"
rc=$?
check "--setup-codes 2,3 and a child that exits 2: exit 3 at once, its stderr line shown" \
  sh -c "[ $rc -eq 3 ] && grep -q 'usage: no such option' '$T/err' &&
    ! grep -q '^failure rate' '$T/out'"
"$HUNT" --quiet --runs 4 --count-all \
  -- sh -c 'echo "cannot open config" >&2; exit 2' >"$T/out" 2>"$T/err"
check "a foreign command failing identically every run: a loud setup warning" \
  grep -q 'every run failed identically (exit 2: cannot open config)' "$T/out"
"$HUNT" --quiet --runs 4 --count-all --seed 3 \
  -- sh -c '[ $((HUNT_SEED % 2)) = 0 ] && exit 1; exit 0' >"$T/out" 2>&1
check "failures that differ from successes: no setup warning" \
  sh -c "! grep -q 'failed identically' '$T/out'"

# Results' targets are checked before the first run.
"$HUNT" --quiet --runs 1 --json "$T/no/such/dir/x.json" \
  -- sh -c "touch $T/ran" >/dev/null 2>"$T/err"
rc=$?
check "--json into a missing directory: exit 2 before any run" \
  [ $rc -eq 2 -a ! -e "$T/ran" ]
: >"$T/file"
"$HUNT" --quiet --runs 1 --keep "$T/file/sub" \
  -- sh -c "touch $T/ran" >/dev/null 2>"$T/err"
rc=$?
check "--keep under a regular file: exit 2 before any run" \
  [ $rc -eq 2 -a ! -e "$T/ran" ]
bad "--seed 2^63" --seed 9223372036854775808 -- true
"$HUNT" --quiet --runs 3 --count-all --seed 9223372036854775807 --json "$T/s.json" \
  -- sh -c 'exit 1' >/dev/null 2>&1
# Seeds use all 63 bits, which jq 1.6 would round (it reads numbers as
# doubles); python's json keeps integers exact.
seeds=$(python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(j["base_seed"], j["first_failure"]["seed"])' "$T/s.json")
check "seeds are non-negative in JSON (base 2^63-1, run 0's seed the same): $seeds" \
  [ "$seeds" = "9223372036854775807 9223372036854775807" ]

# A time budget: hunt stops by itself with a summary; zero runs is no verdict.
"$HUNT" --quiet --max-time 0.5 --jobs 2 -- $P/hunt_hang both "$MARK" \
  >"$T/out" 2>"$T/err"
rc=$?
check "--max-time with no run completed: exit 3, stopped: max-time, no verdict" \
  sh -c "[ $rc -eq 3 ] && grep -q 'stopped: max-time' '$T/out' &&
    grep -q 'no verdict' '$T/out'"
check "--max-time: no process left behind" no_leftovers
"$HUNT" --quiet --max-time 0.5 --count-all -- true >"$T/out" 2>&1
rc=$?
check "--max-time with runs completed: exit 0 and a rate" \
  sh -c "[ $rc -eq 0 ] && grep -q 'stopped: max-time' '$T/out' &&
    grep -q '^failure rate' '$T/out'"

# A stopped run gets SIGTERM and a grace before SIGKILL, so it can remove
# its temporary files.
mkdir "$T/gt"
TMPDIR="$T/gt" "$HUNT" --quiet --runs 2 --timeout 0.3 --count-all -- bash -c \
  'f=$(mktemp); trap "rm -f $f; exit 1" TERM; sleep 100 & wait' \
  >/dev/null 2>&1
check "--timeout: the run removed its temp file on SIGTERM ($(ls "$T/gt" | wc -l) left)" \
  [ -z "$(ls -A "$T/gt")" ]

# ---------------------------------------------------------- interruption
for sig in INT TERM; do
  "$HUNT" --count-all --jobs 2 -- $P/hunt_hang both "$MARK" \
    >"$T/int.out" 2>"$T/int.err" &
  hpid=$!
  # Wait (bounded) until both runs and their grandchildren exist: polling a
  # condition, not guessing a delay.
  i=0
  while [ "$(pgrep -f "$MARK" | wc -l)" -lt 4 ] && [ $i -lt 200 ]; do
    sleep 0.05
    i=$((i + 1))
  done
  kill -$sig $hpid
  wait $hpid
  rc=$?
  check "SIG$sig before any run completed: no verdict (exit $rc = 3), a summary that says so" \
    sh -c "[ $rc -eq 3 ] && grep -q 'stopped: interrupted' '$T/int.out' &&
      grep -q 'no run completed' '$T/int.out'"
  check "SIG$sig: no process left behind" no_leftovers
done

# ------------------------------------------------------ terminal hygiene
"$HUNT" --runs 30 -- true >"$T/out" 2>"$T/err"
check "stdout/stderr not a terminal: no carriage returns or escapes" \
  sh -c "! grep -q \"\$(printf '[\r\033]')\" '$T/out' '$T/err'"

# --------------------------------------------------------- no temp files
mkdir "$T/t" "$T/cwd"
ROOT=$(pwd)
case $HUNT in /*) AHUNT=$HUNT ;; *) AHUNT=$ROOT/$HUNT ;; esac
(cd "$T/cwd" && TMPDIR="$T/t" "$AHUNT" --quiet --runs 20 --count-all \
  --timeout 0.2 --fail-on x -- "$ROOT/$P/hunt_hang" both "$MARK" >/dev/null 2>&1)
left=$(ls -A "$T/t" "$T/cwd" | grep -cv -e '^$' -e ':$')
check "no temp files left in TMPDIR or the working directory ($left found)" \
  [ "$left" -eq 0 ]

# ------------------------------------------------------ bounded memory
# The peak RSS after 200 runs and after 4000 runs of `true` must be about
# the same: nothing is kept per run. (tests/check-hunt-memory.sh does 100,000.)
"$HUNT" --quiet --runs 200 --json "$T/m1.json" -- true >/dev/null 2>&1
"$HUNT" --quiet --runs 4000 --json "$T/m2.json" -- true >/dev/null 2>&1
m1=$(jv .max_rss_kib "$T/m1.json")
m2=$(jv .max_rss_kib "$T/m2.json")
check "memory: peak RSS $m1 KiB after 200 runs, $m2 KiB after 4000 (growth < 512 KiB)" \
  [ -n "$m1" -a -n "$m2" -a $((m2 - m1)) -lt 512 ]

finish
