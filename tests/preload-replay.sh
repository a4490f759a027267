#!/bin/sh
# preload-replay.sh -- the preload shim decides every choice, so a seed
# replays a run exactly (random, pct and pos): hunt --preload finds a
# failing seed of a racy, unmodified pthread program (tests/progs/
# preload_race: an update lost between two critical sections; under pos,
# the 100-thread two-stage publish), and its replay line, run REPLAYS times
# with a busy loop on every core, fails every time with the same schedule
# (the shim's trace hash); the correct twin never fails; a lock-order
# deadlock is reported at once (exit 1, the waits-for cycle) and replays;
# the steps a run took, printed as an order: script, replay it, also a
# script over 4 KiB (and a script that does not fit is refused, exit 2);
# shrink.sh finds the one preemption two known bugs need;
# a passing run of every primitive replays step for step; and a run that
# leaves the model (a spin on plain memory) says it is not exact.
# REPLAYS (default 20; tools/check.sh asks for 100) and TWIN_RUNS (default
# 200; 1000 in check) can be set.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
HUNT=$B/hunt
SHIM=$PWD/$B/libsched-preload.so
P=$B/tests/progs
REPLAYS=${REPLAYS:-20}
TWIN_RUNS=${TWIN_RUNS:-200}
for f in "$HUNT" "$SHIM" $P/preload_race $P/preload_race_ok $P/preload_deadlock \
  $P/preload_deadlock_ok $P/preload_prims $P/preload_spin $P/corpus_publish2; do
  [ -f "$f" ] || { echo "preload-replay.sh: $f is missing (make all first)" >&2; exit 3; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/preload-replay.XXXXXX") || exit 3
busy=
cleanup() {
  for p in $busy; do kill "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

status=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; status=1; }
# jstr KEY FILE / jnum KEY FILE: a string or number from hunt's JSON (the
# keys used here are unique in it).
jstr() { tr -d '\n' <"$2" | sed -nE "s/.*\"$1\": *\"([^\"]*)\".*/\1/p"; }
jnum() { tr -d ' \n' <"$2" | sed -nE "s/.*\"$1\":(-?[0-9.eE+-]+).*/\1/p"; }

# replays NAME WANT-RC CMD: runs the shell command CMD REPLAYS times with
# SCHED_PRINT=1; each must exit WANT-RC and print the same schedule line.
replays() {
  name=$1 want=$2 cmd=$3
  i=0 bad=0
  : >"$TMP/sched"
  while [ $i -lt "$REPLAYS" ]; do
    i=$((i + 1))
    SCHED_PRINT=1 sh -c "$cmd" >/dev/null 2>"$TMP/err"
    rc=$?
    if [ $rc -ne "$want" ]; then
      bad=$((bad + 1))
      [ $bad -gt 1 ] || { echo "  first bad replay: exit $rc"; sed 's/^/  | /' "$TMP/err"; }
    fi
    grep '^sched-preload: schedule: ' "$TMP/err" >>"$TMP/sched"
  done
  distinct=$(sort -u "$TMP/sched" | wc -l)
  lines=$(wc -l <"$TMP/sched")
  if [ $bad -eq 0 ] && [ "$distinct" -eq 1 ] && [ "$lines" -eq "$REPLAYS" ] &&
    grep -q '(exact replay;' "$TMP/sched"; then
    ok "$name: $REPLAYS of $REPLAYS replays exit $want, one schedule: $(sort -u "$TMP/sched" | sed 's/^sched-preload: schedule: //')"
  else
    fail "$name: $bad of $REPLAYS replays did not exit $want; $distinct distinct schedule line(s) in $lines"
    sort "$TMP/sched" | uniq -c | head -n 5
  fi
}

# A busy loop on every core while the replays run: the kernel's choices
# change, the shim's must not.
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
k=0
while [ $k -lt "$cores" ]; do
  sh -c 'while :; do :; done' &
  busy="$busy $!"
  k=$((k + 1))
done

# 1. A racy program: hunt finds a failing seed; its replay line fails
# every time.
"$HUNT" --quiet --preload --perturb pct --seed 1 --runs 1000 --timeout 10 \
  --json "$TMP/h.json" -- $P/preload_race >/dev/null 2>&1
rc=$?
replay=$(jstr replay "$TMP/h.json")
if [ $rc -ne 1 ] || [ -z "$replay" ] ||
  ! tr -d ' \n' <"$TMP/h.json" | grep -q '"replay_exact":true'; then
  fail "preload_race: hunt --preload --perturb pct found no failure marked exact (exit $rc)"
else
  ok "preload_race: hunt found a failure in $(jnum runs "$TMP/h.json") runs, replay marked exact"
  replays "preload_race replay (busy cores)" 1 "$replay"
  # The steps the run took, printed as an order: script, replay it too:
  # the same failure, the same trace.
  SCHED_PRINT=steps sh -c "$replay" >/dev/null 2>"$TMP/err"
  order=$(sed -n 's/^sched-preload: steps: \(order:[^ ]*\) (replays the run.*/\1/p' "$TMP/err")
  trace=$(sed -n 's/^sched-preload: schedule: .* trace \([0-9a-f]*\))$/\1/p' "$TMP/err")
  if [ -z "$order" ] || [ -z "$trace" ]; then
    fail "preload_race: SCHED_PRINT=steps printed no replayable order: script"
  else
    replays "preload_race as its order: script (busy cores)" 1 \
      "SCHED='$order' LD_PRELOAD='$SHIM' $P/preload_race"
    if grep -q "trace $trace)\$" "$TMP/sched"; then
      ok "preload_race: the order: script takes the seed's schedule (trace $trace)"
    else
      fail "preload_race: the order: script took another schedule than the seed's ($trace)"
    fi
  fi
fi

# Partial-order sampling (pos:SEED) on the 100-thread two-stage publish:
# hunt finds a failing seed; its replay line fails every time.
"$HUNT" --quiet --preload --perturb pos --seed 1 --runs 200 --timeout 10 \
  --json "$TMP/p.json" -- $P/corpus_publish2 100 >/dev/null 2>&1
rc=$?
replay=$(jstr replay "$TMP/p.json")
if [ $rc -ne 1 ] || [ -z "$replay" ] || ! echo "$replay" | grep -q 'SCHED=pos:' ||
  ! tr -d ' \n' <"$TMP/p.json" | grep -q '"replay_exact":true'; then
  fail "corpus_publish2 100: hunt --preload --perturb pos found no failure marked exact (exit $rc)"
else
  ok "corpus_publish2 100: pos found a failure in $(jnum runs "$TMP/p.json") runs, replay marked exact"
  replays "corpus_publish2 100 pos replay (busy cores)" 1 "$replay"
fi

# A long run: the 100-thread two-stage publish takes hundreds of steps, so
# its printed order: script is over 4 KiB; the script replays the failure
# with the seed's schedule (a spec has no length limit).
s=0 long=
while [ $s -lt 50 ] && [ -z "$long" ]; do
  s=$((s + 1))
  SCHED_PRINT=steps SCHED=random:$s LD_PRELOAD=$SHIM $P/corpus_publish2 100 \
    >/dev/null 2>"$TMP/err"
  [ $? -eq 1 ] && long=random:$s
done
order=$(sed -n 's/^sched-preload: steps: \(order:[^ ]*\) (replays the run.*/\1/p' "$TMP/err")
trace=$(sed -n 's/^sched-preload: schedule: .* trace \([0-9a-f]*\))$/\1/p' "$TMP/err")
if [ -z "$long" ] || [ ${#order} -le 4096 ] || [ -z "$trace" ]; then
  fail "corpus_publish2 100: no failing run with an order: script over 4 KiB (${long:-no failure}, ${#order} bytes)"
else
  SCHED_PRINT=1 SCHED=$order LD_PRELOAD=$SHIM $P/corpus_publish2 100 \
    >/dev/null 2>"$TMP/err"
  rc=$?
  if [ $rc -eq 1 ] && grep -q "(exact replay; .* trace $trace)\$" "$TMP/err"; then
    ok "corpus_publish2 100: the ${#order}-byte order: script of $long replays its failure (trace $trace)"
  else
    fail "corpus_publish2 100: the ${#order}-byte order: script of $long: exit $rc, $(grep -m1 . "$TMP/err")"
  fi
  # hunt passes it whole: every run fails, each an exact replay.
  "$HUNT" --quiet --preload --schedule "$order" --runs 3 --count-all \
    --timeout 10 --json "$TMP/l.json" -- $P/corpus_publish2 100 >/dev/null 2>&1
  rc=$?
  if [ $rc -eq 1 ] && [ "$(jnum failures "$TMP/l.json")" = 3 ] &&
    tr -d ' \n' <"$TMP/l.json" | grep -q '"replay_exact":true'; then
    ok "corpus_publish2 100: hunt --schedule with the ${#order}-byte script fails 3 runs of 3, exact"
  else
    fail "corpus_publish2 100: hunt --schedule with the ${#order}-byte script: exit $rc, $(jnum failures "$TMP/l.json") failures"
  fi
fi

# tools/runtime/preload/shrink.sh finds the fewest preemptions: the lost
# update of preload_race needs exactly one (t1 preempted between its two
# critical sections), and so does the lock-order deadlock (one thread
# preempted holding its first lock); from random:1's many, the search
# finds a schedule with exactly one, names it, and its replay line fails
# the same way.
for case in "preload_race 1" "preload_deadlock 1"; do
  set -- $case
  prog=$1 want=$2
  SCHED=random:1 tools/runtime/preload/shrink.sh --shim "$SHIM" -- $P/$prog >"$TMP/shrink" 2>&1
  rc=$?
  was=$(sed -n 's/^shrink: SCHED=random:1 fails (exit 1) with \([0-9]*\) preemption.*/\1/p' "$TMP/shrink")
  now=$(sed -n 's/^shrink: SCHED=order:.* fails (exit 1) with \([0-9]*\) preemption.*/\1/p' "$TMP/shrink")
  named=$(grep -c '^  step [0-9]*: t[12] preempted at its [a-z]*, t[12] runs from its [a-z]*$' "$TMP/shrink")
  line=$(sed -n 's/^replay: //p' "$TMP/shrink")
  again=none
  if [ -n "$line" ]; then
    SCHED_PRINT=1 sh -c "$line" >/dev/null 2>"$TMP/err"
    again=$?
    grep -q '(exact replay; .* 1 preemption,' "$TMP/err" || again="$again, not 1 preemption"
  fi
  if [ $rc -eq 0 ] && [ -n "$was" ] && [ "$was" -gt "$want" ] &&
    [ "$now" = "$want" ] && [ "$named" = "$want" ] && [ "$again" = 1 ]; then
    ok "shrink.sh: $prog's schedule went from $was preemptions to exactly $want, named, and still fails"
  else
    fail "shrink.sh: $prog: exit $rc, from '${was:-?}' to '${now:-?}' preemptions (want $want), $named named, replay exit $again"
    sed 's/^/  | /' "$TMP/shrink"
  fi
done

# A script that does not fit the program is bad input: exit 2, naming the
# step; with +lenient it goes on, and says the run is not exact.
SCHED=order:main@create,t9@lock LD_PRELOAD=$SHIM $P/preload_race >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc -eq 2 ] && grep -q '^sched-preload: schedule does not match the program: step 2 of the script (t9@lock) is not runnable; runnable: ' "$TMP/err"; then
  ok "preload_race: a script that does not fit exits 2 and names its step"
else
  fail "preload_race: a script that does not fit: exit $rc, $(head -n 1 "$TMP/err")"
fi
SCHED_PRINT=1 SCHED=order:t9+lenient LD_PRELOAD=$SHIM $P/preload_race_ok >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ] && grep -q 'continuing with random:0 (+lenient)' "$TMP/err" &&
  grep -q '^sched-preload: schedule: .*(not exact: ' "$TMP/err"; then
  ok "preload_race_ok: a lenient script that does not fit goes on, not exact"
else
  fail "preload_race_ok: a lenient script: exit $rc, $(head -n 2 "$TMP/err")"
fi

# 2. The correct twin never fails, under any strategy.
for mode in pct random pos; do
  "$HUNT" --quiet --preload --perturb $mode --seed 1 --runs "$TWIN_RUNS" \
    --count-all --timeout 10 --json "$TMP/t.json" -- $P/preload_race_ok \
    >/dev/null 2>&1
  rc=$?
  f=$(jnum failures "$TMP/t.json")
  n=$(jnum runs "$TMP/t.json")
  if [ $rc -eq 0 ] && [ "$f" = 0 ] && [ "$n" = "$TWIN_RUNS" ]; then
    ok "preload_race_ok under $mode: 0 failures in $n runs"
  else
    fail "preload_race_ok under $mode: exit $rc, ${f:-?} failures in ${n:-?} runs"
  fi
done

# 3. A lock-order deadlock: reported at once with its cycle, exit 1, never
# a hang; the seed replays it; the twin never deadlocks.
"$HUNT" --quiet --preload --perturb random --seed 1 --runs 200 --timeout 10 \
  --json "$TMP/d.json" -- $P/preload_deadlock >/dev/null 2>&1
replay=$(jstr replay "$TMP/d.json")
first=$(jstr stderr_first_line "$TMP/d.json")
if [ -z "$replay" ] || [ "$(jstr kind "$TMP/d.json")" != "exit 1" ] ||
  [ "$first" != "sched-preload: deadlock: no thread can run" ]; then
  fail "preload_deadlock: no deadlock reported (kind '$(jstr kind "$TMP/d.json")', first line '$first')"
else
  SCHED_PRINT=1 sh -c "$replay" >/dev/null 2>"$TMP/err"
  if grep -q '^sched-preload: waits-for cycle: t[12] -> mutex .* -> t[12] -> mutex .* -> t[12]$' "$TMP/err"; then
    ok "preload_deadlock: reported at once, with the waits-for cycle"
  else
    fail "preload_deadlock: the report names no cycle"
    sed 's/^/  /' "$TMP/err"
  fi
  replays "preload_deadlock replay (busy cores)" 1 "$replay"
fi
"$HUNT" --quiet --preload --perturb random --seed 1 --runs "$TWIN_RUNS" \
  --count-all --timeout 10 --json "$TMP/t.json" -- $P/preload_deadlock_ok \
  >/dev/null 2>&1
f=$(jnum failures "$TMP/t.json")
if [ "$f" = 0 ]; then
  ok "preload_deadlock_ok: 0 failures in $TWIN_RUNS runs"
else
  fail "preload_deadlock_ok: ${f:-?} failures in $TWIN_RUNS runs"
fi

# 4. A passing run replays too, step for step (every primitive, a fork).
replays "preload_prims random:7 (busy cores)" 0 \
  "SCHED=random:7 LD_PRELOAD='$SHIM' $P/preload_prims"
replays "preload_prims pct:7:5:200 (busy cores)" 0 \
  "SCHED=pct:7:5:200 LD_PRELOAD='$SHIM' $P/preload_prims"

for p in $busy; do kill "$p" 2>/dev/null; done
busy=

# 5. A spin on plain memory leaves the model: the watchdog hands the token
# on, the run ends well, and the shim says the run is not exact.
left=0 bad=0 s=0
while [ $s -lt 10 ]; do
  s=$((s + 1))
  SCHED_PRINT=1 SCHED_SLICE_MS=20 SCHED=random:$s LD_PRELOAD=$SHIM \
    timeout 10 $P/preload_spin >/dev/null 2>"$TMP/err" || bad=$((bad + 1))
  if grep -q '^sched-preload: warning: main ran without an interposed call for [0-9]* ms' "$TMP/err"; then
    grep -q '^sched-preload: schedule: .*(not exact: the run left the model;' "$TMP/err" &&
      left=$((left + 1))
  elif grep -q 'not exact' "$TMP/err"; then
    bad=$((bad + 1))
  fi
done
if [ $bad -eq 0 ] && [ $left -gt 0 ]; then
  ok "preload_spin: 10 of 10 runs ended well; the $left that spun say 'not exact'"
else
  fail "preload_spin: $bad bad runs, $left said 'not exact'"
fi
exit $status
