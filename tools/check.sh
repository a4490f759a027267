#!/bin/sh
# check.sh -- the reliability gates behind `make check`: ASan+UBSan and TSan
# builds, valgrind, perturbed stress runs of every fix, fuzzing, and
# determinism of every forced failure. Ends with a table:
# check | runs | failures | time. Exit 0 when every gate passed.
#
# Knobs (environment): STRESS_RUNS (default 10000 per fix), FUZZ_SECONDS
# (default 60 per target), DETERMINISM_RUNS (default 100 per scenario and
# variant), CHECKS (default "asan tsan valgrind stress fuzz determinism
# tourload preload", any subset, in that order).
set -u
STRESS_RUNS=${STRESS_RUNS:-10000}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
DETERMINISM_RUNS=${DETERMINISM_RUNS:-100}
CHECKS=${CHECKS:-asan tsan valgrind stress fuzz determinism tourload preload}
JOBS=$(nproc 2>/dev/null || echo 2)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check.XXXXXX")
hog=""
cleanup() {
  [ -n "$hog" ] && kill "$hog" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

table="$tmp/table"
: >"$table"
total_fail=0
# record NAME RUNS FAILURES SECONDS
record() {
  printf '%-34s %8s %9s %8ss\n' "$1" "$2" "$3" "$4" >>"$table"
  [ "$3" -eq 0 ] || total_fail=$((total_fail + 1))
}
now() { date +%s; }
# begin HEADING: a check starts: its clock (t0), its counts (runs, fails)
# and its heading line "== HEADING".
begin() {
  t0=$(now)
  runs=0 fails=0
  echo "== $1"
}
# finish NAME: the check's row in the table, from its counts and clock.
finish() { record "$1" "$runs" "$fails" $(($(now) - t0)); }

# Every scenario's facts come from its bugs/NN-slug/scenario.conf, read
# through the gallery (build/gallery info --keys says what each key means).
if ! build/gallery info --json >"$tmp/scenarios.json"; then
  echo "check.sh: build/gallery info --json failed (make first)" >&2
  exit 3
fi
scenarios() { jq -r '.[].name' "$tmp/scenarios.json"; }
# fact NN-slug KEY: the key's value, a list as its words on one line.
fact() {
  jq -r --arg s "$1" --arg k "$2" '.[] | select(.name == $s) | .[$k] |
    if type == "array" then join(" ") elif . == null then "" else . end' \
    "$tmp/scenarios.json"
}
# lesson NN-slug SANITIZER: runs the bug whose report by SANITIZER
# (address, thread) is its lesson (sanitizer_lesson), under the arguments
# that make the report certain, into $tmp/out; returns 1 when it is not
# such a scenario.
lesson() {
  [ "$(fact "$1" sanitizer_lesson)" = "$2" ] || return 1
  runs=$((runs + 1))
  "$B/bin/$1-bug" $(fact "$1" sanitizer_lesson_args) >"$tmp/out" 2>&1
  return 0
}
# clean FILE: no sanitizer report in FILE. What a report looks like is
# written once, in tools/sanitizer-report.pat (run-tests.sh reads it too).
SAN_REPORT=tools/sanitizer-report.pat
clean() {
  ! grep -qEf "$SAN_REPORT" "$1"
}

check_asan() {
  B=build/asan
  begin "asan: building with -fsanitize=address,undefined into $B"
  if ! make --no-print-directory B=$B OPT=-O1 \
      SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
      all >"$tmp/asan-build" 2>&1; then
    tail -n 30 "$tmp/asan-build"
    record "asan+ubsan build" 1 1 $(($(now) - t0))
    return
  fi
  # The whole test suite under the sanitizers (doc checks drive the normal
  # build, so they are left to make test).
  export ASAN_OPTIONS="detect_leaks=1:handle_segv=0:abort_on_error=0"
  export LSAN_OPTIONS="suppressions=$PWD/tools/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1"
  runs=$((runs + 1))
  if ! B=$B SKIP_DOCS=1 SANITIZED=1 tools/run-tests.sh >"$tmp/asan-tests" 2>&1; then
    fails=$((fails + 1))
    grep -E -e '^FAIL' -f "$SAN_REPORT" "$tmp/asan-tests" | head -n 30
  fi
  tail -n 1 "$tmp/asan-tests"
  # Every sync twin and fix, run as a program: no report at all.
  for s in $(scenarios); do
    for v in sync fix; do
      runs=$((runs + 1))
      "$B/bin/$s-$v" >"$tmp/out" 2>&1
      rc=$?
      if [ "$rc" -ne 0 ] || ! clean "$tmp/out"; then
        fails=$((fails + 1))
        echo "asan: $s-$v: exit $rc"
        # The report's head names the error and where it happened.
        grep -m1 -A14 -Ef "$SAN_REPORT" "$tmp/out" ||
          tail -n 20 "$tmp/out"
      fi
    done
    if lesson "$s" address; then
      if grep -q 'ERROR: AddressSanitizer' "$tmp/out"; then
        echo "asan: $s-bug: reports $(grep -o 'AddressSanitizer: [a-z-]*' "$tmp/out" | head -n 1), as it must"
      else
        fails=$((fails + 1)); echo "asan: $s-bug: no AddressSanitizer report (the lesson is missing)"
      fi
    fi
  done
  unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
  finish "asan+ubsan (suite, sync, fix)"
}

# tsan_extra NN-slug VARIANT: TSan options for one program, with a leading
# blank: a sync twin's tsan_sync_options (13's takes both lock orders on its
# one thread by design).
tsan_extra() {
  [ "$2" = sync ] || return 0
  o=$(fact "$1" tsan_sync_options)
  [ -z "$o" ] || echo " $o"
}

check_tsan() {
  B=build/tsan
  bins=""
  for s in $(scenarios); do bins="$bins $B/bin/$s-sync $B/bin/$s-bug $B/bin/$s-fix"; done
  begin "tsan: building scenario programs with -fsanitize=thread into $B"
  if ! make --no-print-directory B=$B OPT=-O1 SAN="-fsanitize=thread" \
      $bins >"$tmp/tsan-build" 2>&1; then
    tail -n 30 "$tmp/tsan-build"
    record "tsan build" 1 1 $(($(now) - t0))
    return
  fi
  export TSAN_OPTIONS="halt_on_error=0 exitcode=66 suppressions=$PWD/tools/tsan.supp"
  for s in $(scenarios); do
    for v in sync fix; do
      for i in 1 2 3; do
        runs=$((runs + 1))
        TSAN_OPTIONS="$TSAN_OPTIONS$(tsan_extra "$s" "$v")" "$B/bin/$s-$v" >"$tmp/out" 2>&1
        rc=$?
        if [ "$rc" -ne 0 ] || ! clean "$tmp/out"; then
          fails=$((fails + 1))
          echo "tsan: $s-$v: exit $rc"; grep -A12 'WARNING: ThreadSanitizer' "$tmp/out" | head -n 30
          break
        fi
      done
    done
    if lesson "$s" thread; then
      if grep -q 'WARNING: ThreadSanitizer: data race' "$tmp/out"; then
        echo "tsan: $s-bug: reports a data race, as it must"
      else
        fails=$((fails + 1)); echo "tsan: $s-bug: no data race reported (the lesson is missing)"
      fi
    fi
  done
  # The tools' own TSan checks (plain programs: Criterion cannot run under
  # TSan), each a tests/check-*tsan*.sh script.
  for t in tests/check-*tsan*.sh; do
    [ -x "$t" ] || continue
    runs=$((runs + 1))
    if ! "$t" >"$tmp/out" 2>&1; then
      fails=$((fails + 1)); echo "tsan: $t failed"; tail -n 20 "$tmp/out"
    fi
  done
  unset TSAN_OPTIONS
  finish "tsan (sync, fix, tools)"
}

# memcheck BAD NAME CMD...: one run of CMD under memcheck (exit 99: its
# errors), counted; a failure, with the end of its output, when it exits
# BAD, or with any status but 0 when BAD is "any".
memcheck() {
  bad=$1 name=$2
  shift 2
  runs=$((runs + 1))
  valgrind -q --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    "$@" >"$tmp/out" 2>&1
  rc=$?
  [ "$rc" -ne 0 ] && { [ "$bad" = any ] || [ "$rc" -eq "$bad" ]; } || return 0
  fails=$((fails + 1))
  if [ "$rc" -eq 99 ]; then
    echo "valgrind: $name: memcheck errors"
  else
    echo "valgrind: $name: exit $rc"
  fi
  tail -n 25 "$tmp/out"
}

check_valgrind() {
  begin "valgrind: memcheck on every sync twin, fix and tool"
  for s in $(scenarios); do
    for v in sync fix; do
      memcheck any "$s-$v" "build/bin/$s-$v"
    done
  done
  # The tools may exit 1 (a verdict); only memcheck's errors fail them.
  for cmd in "build/gallery list" "build/doccheck snippets chapters/01-log-order.md" \
      "build/hunt --runs 5 --quiet -- true" \
      "build/trace tests/trace/ok.jsonl"; do
    set -- $cmd
    [ -x "$1" ] || continue
    memcheck 99 "$cmd" "$@"
  done
  finish "valgrind memcheck"
}

check_stress() {
  begin "stress: every fix under hunt --perturb pct --runs $STRESS_RUNS"
  for s in $(scenarios); do
    # The fix's stress_args: a smaller workload where one default run
    # takes most of a second (the race is the same at any size).
    rm -f "$tmp/hunt.json"
    build/hunt --perturb pct --runs "$STRESS_RUNS" --count-all --quiet \
      --setup-codes 2,3 --json "$tmp/hunt.json" \
      --timeout 30 --jobs "$JOBS" -- "build/bin/$s-fix" $(fact "$s" stress_args) \
      >"$tmp/out" 2>&1
    rc=$?
    # A hunt that wrote no summary, or one without these numbers, counts as
    # one failure of zero runs (jq -e: a missing field is no number).
    n=$(jq -e '.runs | numbers' "$tmp/hunt.json" 2>/dev/null) || n=
    f=$(jq -e '.failures | numbers' "$tmp/hunt.json" 2>/dev/null) || f=
    runs=$((runs + ${n:-0}))
    fails=$((fails + ${f:-1}))
    echo "stress: $s-fix: ${n:-?} runs, ${f:-?} failures (hunt exit $rc)"
    jq -r 'def pct: (. * 10000 | round) / 100 | tostring + "%";
      if .ci95 then "    failure rate \(.rate | pct), 95% interval \(.ci95[0] | pct) .. \(.ci95[1] | pct)" else empty end,
      if .failures == 0 and .zero_fail_bound95 then "    no failure: the rate is below \(.zero_fail_bound95 | pct) at 95% confidence" else empty end' \
      "$tmp/hunt.json" 2>/dev/null
  done
  finish "stress: fixes, pct, $STRESS_RUNS each"
}

check_fuzz() {
  begin "fuzz: libFuzzer targets, $FUZZ_SECONDS s each"
  for src in tests/fuzz/fuzz_*.c; do
    [ -f "$src" ] || continue
    name=$(basename "$src" .c)
    lib=${name#fuzz_}
    bin=build/fuzz/$name
    runs=$((runs + 1))
    # The build is the Makefile's (make fuzz), one target at a time so that
    # one that does not build does not stop the others.
    if ! make --no-print-directory "$bin" >"$tmp/out" 2>&1; then
      fails=$((fails + 1)); echo "fuzz: $name does not build"; tail -n 20 "$tmp/out"
      continue
    fi
    corpus=tests/fuzz/corpus/$lib
    mkdir -p "$tmp/corpus-$name"
    # Every crash ever found is kept in the corpus and replayed first.
    if ! "$bin" -max_total_time="$FUZZ_SECONDS" -artifact_prefix="$tmp/" \
        "$tmp/corpus-$name" "$corpus" >"$tmp/out" 2>&1; then
      fails=$((fails + 1)); echo "fuzz: $name found a crash:"; tail -n 30 "$tmp/out"
      ls "$tmp"/crash-* 2>/dev/null
    else
      echo "fuzz: $name: $(grep -o '#[0-9]*.*DONE.*' "$tmp/out" | tail -n 1)"
    fi
  done
  finish "fuzz (${FUZZ_SECONDS}s per target)"
}

check_determinism() {
  begin "determinism: every expose $DETERMINISM_RUNS times, one core busy"
  sh -c 'while :; do :; done' &
  hog=$!
  for s in $(scenarios); do
    n=${s%%-*}
    for want in "1 " "0 --fix"; do
      code=${want%% *}
      flag=${want#* }
      bad=0
      i=0
      while [ "$i" -lt "$DETERMINISM_RUNS" ]; do
        build/gallery expose "$n" $flag >/dev/null 2>&1
        [ $? -eq "$code" ] || bad=$((bad + 1))
        i=$((i + 1))
      done
      runs=$((runs + DETERMINISM_RUNS))
      fails=$((fails + bad))
      echo "determinism: expose $s ${flag:---bug}: $((DETERMINISM_RUNS - bad))/$DETERMINISM_RUNS exited $code"
    done
  done
  kill "$hog" 2>/dev/null
  hog=""
  finish "determinism: expose, core busy"
}

# The tour (make run) with a busy loop on every core: every hunt stops
# within its time budget, no row is a verdict from zero runs, nothing is
# left behind (tests/check-tour-load.sh).
check_tourload() {
  begin "tour under load: a busy loop on every core"
  runs=1
  if ! tests/check-tour-load.sh >"$tmp/tour.out" 2>&1; then
    fails=1
    tail -n 25 "$tmp/tour.out" | sed 's/^/    /'
  fi
  finish "tour, busy loop on every core"
}

# The preload shim at length: exact replay 100 times in 100 with a busy
# loop on every core, correct programs under every strategy, and its cost
# against native runs (pct within 5x; tests/check-preload-*.sh).
check_preload() {
  begin "the preload shim: replay, correct programs, cost"
  for t in "tests/check-preload-long.sh" "tests/check-preload-cost.sh"; do
    runs=$((runs + 1))
    if MAX_PCT=5 "$t" >"$tmp/preload.out" 2>&1; then
      echo "preload: $t: ok"
    else
      fails=$((fails + 1))
      echo "preload: $t: FAILED"
      tail -n 25 "$tmp/preload.out" | sed 's/^/    /'
    fi
  done
  finish "preload shim: replay, programs, cost"
}

start=$(now)
for c in $CHECKS; do
  case $c in
  asan | tsan | valgrind | stress | fuzz | determinism | tourload | preload)
    "check_$c" ;;
  *) echo "check.sh: unknown check '$c' in CHECKS" >&2; exit 2 ;;
  esac
done
echo
printf '%-34s %8s %9s %9s\n' check runs failures time
cat "$table"
echo "make check: $(($(now) - start)) s in all; $total_fail of the gates failed"
[ "$total_fail" -eq 0 ]
