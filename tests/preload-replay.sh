#!/bin/sh
# preload-replay.sh -- the preload shim decides every choice, so a seed
# replays a run exactly (random, pct and pos): hunt --preload finds a
# failing seed of a racy, unmodified pthread program (tests/progs/
# preload_race: an update lost between two critical sections; under pos,
# the 100-thread two-stage publish), and its replay line, run REPLAYS times
# with a busy loop on every core, fails every time with the same schedule
# (the shim's trace hash); the correct twin never fails; a lock-order
# deadlock is reported at once (exit 1, the waits-for cycle) and replays;
# the steps a run took, reported as an order: script, replay it, also a
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
. tests/lib.sh
need "$HUNT" "$SHIM" $P/preload_race $P/preload_race_ok $P/preload_deadlock \
  $P/preload_deadlock_ok $P/preload_prims $P/preload_spin $P/corpus_publish2
busy=
cleanup() {
  for p in $busy; do kill "$p" 2>/dev/null; done
}

# replays NAME WANT-RC CMD: runs the shell command CMD REPLAYS times; each
# must exit WANT-RC and take the same schedule, exactly, by the shim's
# reports (SCHED_REPORT, in $T/sched.jsonl) -- and say so in its text
# (SCHED_PRINT=1), with the reports' trace.
replays() {
  name=$1 want=$2 cmd=$3
  i=0 bad=0 said=0
  : >"$T/sched.jsonl"
  while [ $i -lt "$REPLAYS" ]; do
    i=$((i + 1))
    rm -f "$T/one.json"
    SCHED_PRINT=1 SCHED_REPORT=$T/one.json sh -c "$cmd" >/dev/null 2>"$T/err"
    rc=$?
    if [ $rc -ne "$want" ]; then
      bad=$((bad + 1))
      [ $bad -gt 1 ] || { echo "  first bad replay: exit $rc"; sed 's/^/  | /' "$T/err"; }
    fi
    cat "$T/one.json" >>"$T/sched.jsonl" 2>/dev/null
    t=$(jv .trace "$T/one.json" 2>/dev/null)
    grep -q "^sched-preload: schedule: .*(exact replay; .* trace $t)\$" \
      "$T/err" && said=$((said + 1))
  done
  # One schedule: every report exact, one spec and trace among them all.
  one=$(jq -rs 'if length > 0 and all(.[]; .exact) and
    ([.[] | [.spec, .trace]] | unique | length) == 1
    then .[0] | "\(.spec) (\(.steps) steps, \(.preemptions) preemptions, " +
      "trace \(.trace))"
    else empty end' "$T/sched.jsonl")
  lines=$(wc -l <"$T/sched.jsonl")
  if [ $bad -eq 0 ] && [ -n "$one" ] && [ "$lines" -eq "$REPLAYS" ] &&
    [ "$said" -eq "$REPLAYS" ]; then
    ok "$name: $REPLAYS of $REPLAYS replays exit $want, one schedule: $one"
  else
    notok "$name: $bad of $REPLAYS replays did not exit $want;" \
      "${one:-not one exact schedule} in $lines reports; $said said so"
    jq -r '"\(.spec) exact=\(.exact) trace \(.trace)"' "$T/sched.jsonl" |
      sort | uniq -c | head -n 5
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
  --json "$T/h.json" -- $P/preload_race >/dev/null 2>&1
rc=$?
replay=$(jv '.first_failure.replay // empty' "$T/h.json")
if [ $rc -ne 1 ] || [ -z "$replay" ] ||
  [ "$(jv .first_failure.replay_exact "$T/h.json")" != true ]; then
  notok "preload_race: hunt --preload --perturb pct found no failure marked exact (exit $rc)"
else
  ok "preload_race: hunt found a failure in $(jv .runs "$T/h.json") runs, replay marked exact"
  replays "preload_race replay (busy cores)" 1 "$replay"
  # The steps the run took, reported as an order: script, replay it too:
  # the same failure, the same trace.
  rm -f "$T/r.json"
  SCHED_REPORT=$T/r.json sh -c "$replay" >/dev/null 2>"$T/err"
  order=$(jv '.order // empty' "$T/r.json")
  trace=$(jv '.trace // empty' "$T/r.json")
  if [ -z "$order" ] || [ -z "$trace" ] ||
    [ "$(jv .order_fits_env "$T/r.json")" != true ]; then
    notok "preload_race: SCHED_REPORT gave no replayable order: script"
  else
    replays "preload_race as its order: script (busy cores)" 1 \
      "SCHED='$order' LD_PRELOAD='$SHIM' $P/preload_race"
    if jq -e --arg t "$trace" '.trace == $t' "$T/sched.jsonl" >/dev/null; then
      ok "preload_race: the order: script takes the seed's schedule (trace $trace)"
    else
      notok "preload_race: the order: script took another schedule than the seed's ($trace)"
    fi
  fi
fi

# Partial-order sampling (pos:SEED) on the 100-thread two-stage publish:
# hunt finds a failing seed; its replay line fails every time.
"$HUNT" --quiet --preload --perturb pos --seed 1 --runs 200 --timeout 10 \
  --json "$T/p.json" -- $P/corpus_publish2 100 >/dev/null 2>&1
rc=$?
replay=$(jv '.first_failure.replay // empty' "$T/p.json")
if [ $rc -ne 1 ] || [ -z "$replay" ] || ! echo "$replay" | grep -q 'SCHED=pos:' ||
  ! jq -e '.first_failure.replay_exact == true' "$T/p.json" >/dev/null; then
  notok "corpus_publish2 100: hunt --preload --perturb pos found no failure marked exact (exit $rc)"
else
  ok "corpus_publish2 100: pos found a failure in $(jv .runs "$T/p.json") runs, replay marked exact"
  replays "corpus_publish2 100 pos replay (busy cores)" 1 "$replay"
fi

# A long run: the 100-thread two-stage publish takes hundreds of steps, so
# its printed order: script is over 4 KiB; the script replays the failure
# with the seed's schedule (a spec has no length limit).
s=0 long=
while [ $s -lt 50 ] && [ -z "$long" ]; do
  s=$((s + 1))
  rm -f "$T/r.json"
  SCHED_REPORT=$T/r.json SCHED=random:$s LD_PRELOAD=$SHIM \
    $P/corpus_publish2 100 >/dev/null 2>"$T/err"
  [ $? -eq 1 ] && long=random:$s
done
order=$(jv '.order // empty' "$T/r.json")
trace=$(jv '.trace // empty' "$T/r.json")
if [ -z "$long" ] || [ ${#order} -le 4096 ] || [ -z "$trace" ]; then
  notok "corpus_publish2 100: no failing run with an order: script over 4 KiB (${long:-no failure}, ${#order} bytes)"
else
  rm -f "$T/r.json"
  SCHED_PRINT=1 SCHED_REPORT=$T/r.json SCHED=$order LD_PRELOAD=$SHIM \
    $P/corpus_publish2 100 >/dev/null 2>"$T/err"
  rc=$?
  if [ $rc -eq 1 ] && jq -e --arg t "$trace" '.exact and .trace == $t' \
    "$T/r.json" >/dev/null &&
    grep -q "(exact replay; .* trace $trace)\$" "$T/err"; then
    ok "corpus_publish2 100: the ${#order}-byte order: script of $long replays its failure (trace $trace)"
  else
    notok "corpus_publish2 100: the ${#order}-byte order: script of $long: exit $rc, $(grep -m1 . "$T/err")"
  fi
  # hunt passes it whole: every run fails, each an exact replay.
  "$HUNT" --quiet --preload --schedule "$order" --runs 3 --count-all \
    --timeout 10 --json "$T/l.json" -- $P/corpus_publish2 100 >/dev/null 2>&1
  rc=$?
  if [ $rc -eq 1 ] && [ "$(jv .failures "$T/l.json")" = 3 ] &&
    jq -e '.first_failure.replay_exact == true' "$T/l.json" >/dev/null; then
    ok "corpus_publish2 100: hunt --schedule with the ${#order}-byte script fails 3 runs of 3, exact"
  else
    notok "corpus_publish2 100: hunt --schedule with the ${#order}-byte script: exit $rc, $(jv .failures "$T/l.json") failures"
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
  rm -f "$T/shrink.json"
  SCHED=random:1 tools/runtime/preload/shrink.sh --shim "$SHIM" \
    --json "$T/shrink.json" -- $P/$prog >"$T/shrink" 2>&1
  rc=$?
  was=$(jv '.from // empty' "$T/shrink.json")
  now=$(jv 'select(.result == "found") | .to' "$T/shrink.json")
  named=$(jv '[.preempted[]? | select(.thread | test("^t[12]$"))
    | select(.next | test("^t[12]$"))] | length' "$T/shrink.json")
  # The text names each preemption too, with the same threads and calls.
  said=$(jv '.preempted[]? | "  step \(.step): \(.thread) preempted at " +
    "its \(.at), \(.next) runs from its \(.next_at)"' "$T/shrink.json" |
    grep -c -x -F -f - "$T/shrink")
  line=$(jv '.replay // empty' "$T/shrink.json")
  again=none
  if [ -n "$line" ] && grep -q -x -F "replay: $line" "$T/shrink"; then
    rm -f "$T/r.json"
    SCHED_REPORT=$T/r.json sh -c "$line" >/dev/null 2>"$T/err"
    again=$?
    jq -e --argjson k "$want" '.exact and .preemptions == $k' "$T/r.json" \
      >/dev/null || again="$again, not $want exact preemption(s)"
  fi
  if [ $rc -eq 0 ] && [ -n "$was" ] && [ "$was" -gt "$want" ] &&
    [ "$now" = "$want" ] && [ "$named" = "$want" ] &&
    [ "$said" = "$want" ] && [ "$again" = 1 ]; then
    ok "shrink.sh: $prog's schedule went from $was preemptions to exactly $want, named, and still fails"
  else
    notok "shrink.sh: $prog: exit $rc, from '${was:-?}' to '${now:-?}' preemptions (want $want), $named named, replay exit $again"
    sed 's/^/  | /' "$T/shrink"
  fi
done

# A script that does not fit the program is bad input: exit 2, naming the
# step; with +lenient it goes on, and says the run is not exact.
SCHED=order:main@create,t9@lock LD_PRELOAD=$SHIM $P/preload_race >/dev/null 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && grep -q '^sched-preload: schedule does not match the program: step 2 of the script (t9@lock) is not runnable; runnable: ' "$T/err"; then
  ok "preload_race: a script that does not fit exits 2 and names its step"
else
  notok "preload_race: a script that does not fit: exit $rc, $(head -n 1 "$T/err")"
fi
SCHED_PRINT=1 SCHED_REPORT=$T/len.json SCHED=order:t9+lenient \
  LD_PRELOAD=$SHIM $P/preload_race_ok >/dev/null 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && grep -q 'continuing with random:0 (+lenient)' "$T/err" &&
  grep -q '^sched-preload: schedule: .*(not exact: ' "$T/err" &&
  [ "$(jv .exact "$T/len.json")" = false ]; then
  ok "preload_race_ok: a lenient script that does not fit goes on, not exact"
else
  notok "preload_race_ok: a lenient script: exit $rc, $(head -n 2 "$T/err")"
fi

# 2. The correct twin never fails, under any strategy.
for mode in pct random pos; do
  "$HUNT" --quiet --preload --perturb $mode --seed 1 --runs "$TWIN_RUNS" \
    --count-all --timeout 10 --json "$T/t.json" -- $P/preload_race_ok \
    >/dev/null 2>&1
  rc=$?
  f=$(jv .failures "$T/t.json")
  n=$(jv .runs "$T/t.json")
  if [ $rc -eq 0 ] && [ "$f" = 0 ] && [ "$n" = "$TWIN_RUNS" ]; then
    ok "preload_race_ok under $mode: 0 failures in $n runs"
  else
    notok "preload_race_ok under $mode: exit $rc, ${f:-?} failures in ${n:-?} runs"
  fi
done

# 3. A lock-order deadlock: reported at once with its cycle, exit 1, never
# a hang; the seed replays it; the twin never deadlocks.
"$HUNT" --quiet --preload --perturb random --seed 1 --runs 200 --timeout 10 \
  --json "$T/d.json" -- $P/preload_deadlock >/dev/null 2>&1
replay=$(jv '.first_failure.replay // empty' "$T/d.json")
first=$(jv '.first_failure.stderr_first_line // empty' "$T/d.json")
if [ -z "$replay" ] || [ "$(jv '.first_failure.kind // empty' "$T/d.json")" != "exit 1" ] ||
  [ "$first" != "sched-preload: deadlock: no thread can run" ]; then
  notok "preload_deadlock: no deadlock reported (kind '$(jv '.first_failure.kind // empty' "$T/d.json")', first line '$first')"
else
  SCHED_PRINT=1 sh -c "$replay" >/dev/null 2>"$T/err"
  if grep -q '^sched-preload: waits-for cycle: t[12] -> mutex .* -> t[12] -> mutex .* -> t[12]$' "$T/err"; then
    ok "preload_deadlock: reported at once, with the waits-for cycle"
  else
    notok "preload_deadlock: the report names no cycle"
    sed 's/^/  /' "$T/err"
  fi
  replays "preload_deadlock replay (busy cores)" 1 "$replay"
fi
"$HUNT" --quiet --preload --perturb random --seed 1 --runs "$TWIN_RUNS" \
  --count-all --timeout 10 --json "$T/t.json" -- $P/preload_deadlock_ok \
  >/dev/null 2>&1
f=$(jv .failures "$T/t.json")
if [ "$f" = 0 ]; then
  ok "preload_deadlock_ok: 0 failures in $TWIN_RUNS runs"
else
  notok "preload_deadlock_ok: ${f:-?} failures in $TWIN_RUNS runs"
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
  rm -f "$T/spin.json"
  # timeout outside the shim: a scheduled timeout would report too.
  timeout 10 env SCHED_PRINT=1 SCHED_REPORT="$T/spin.json" \
    SCHED_SLICE_MS=20 SCHED=random:$s LD_PRELOAD="$SHIM" $P/preload_spin \
    >/dev/null 2>"$T/err" || bad=$((bad + 1))
  exact=$(jv .exact "$T/spin.json")
  if grep -q '^sched-preload: warning: main ran without an interposed call for [0-9]* ms' "$T/err"; then
    grep -q '^sched-preload: schedule: .*(not exact: the run left the model;' "$T/err" &&
      [ "$exact" = false ] && left=$((left + 1))
  elif [ "$exact" != true ] || grep -q 'not exact' "$T/err"; then
    bad=$((bad + 1))
  fi
done
if [ $bad -eq 0 ] && [ $left -gt 0 ]; then
  ok "preload_spin: 10 of 10 runs ended well; the $left that spun say 'not exact'"
else
  notok "preload_spin: $bad bad runs, $left said 'not exact'"
fi
finish
