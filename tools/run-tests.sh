#!/bin/sh
# run-tests.sh -- the runner behind `make test`: every scenario test both
# ways (the bug build must FAIL reporting its invariant violated; the sync
# and fix builds must pass), the tools' tests, and the doc checks. Prints
# one line per check and ends with "N passed, M failed". Run from the
# repository root after `make all`.
#
# Verdicts come from what the programs report as data, read with jq: the
# scenario tests' report (SCENARIO_REPORT=FILE, tests/scenario_report.h:
# a JSON line per violated invariant, naming it, and Criterion's counts;
# not Criterion's --json, which 2.4.1 writes without escaping the quotes
# in a message, so that a message with one makes it invalid) and
# doccheck's JSON (--json FILE: passed, failed, skipped). The one text
# match is a sanitizer's report, which is the process's stderr in the
# sanitizer's own format, not a summary a tool prints.
#
# Environment: B (build directory, default build), SKIP_DOCS=1 (no doc
# checks), SANITIZED=1 (a sanitizer build: any sanitizer report fails a
# check that must pass, a report counts as exposing a bug, and the shell
# tests, which drive the plain build, are left out).
set -u
B=${B:-build}
SKIP_DOCS=${SKIP_DOCS:-0}
SANITIZED=${SANITIZED:-0}
pass=0
fail=0
out=$(mktemp "${TMPDIR:-/tmp}/run-tests.XXXXXX") || exit 3
js=$(mktemp "${TMPDIR:-/tmp}/run-tests-report.XXXXXX") || {
  rm -f "$out"
  exit 3
}
# A signal ends the run (a trap that only removed the files would let the
# shell go on to the next test), and the EXIT trap removes the files.
trap 'rm -f "$out" "$js"' EXIT
trap 'exit 130' INT HUP
trap 'exit 143' TERM
trap 'exit 141' PIPE

ok() {
  pass=$((pass + 1))
  printf 'PASS  %s\n' "$1"
}
bad() {
  fail=$((fail + 1))
  printf 'FAIL  %s: %s\n' "$1" "$2"
  tail -n 25 "$out" | sed 's/^/      | /'
}
# run CMD...: runs it with its output in $out; sets rc. In a sanitizer
# build, a report in the output of a run that exited 0 makes rc 99; what a
# report looks like is written once, in tools/sanitizer-report.pat (check.sh
# reads it too). A sanitizer writes its report to the process's stderr, as
# text in its own format and nowhere else, so that is matched as text.
report=tools/sanitizer-report.pat
run() {
  "$@" >"$out" 2>&1
  rc=$?
  if [ "$SANITIZED" = 1 ] && [ "$rc" -eq 0 ] && grep -qEf "$report" "$out"; then
    rc=99
  fi
}

# verdict SLUG: what the bug build's report in $js says. "named N" when a
# test reported the SLUG invariant violated (N tests failed), unless a test
# crashed or timed out ("crashed": it died instead of reporting);
# "unnamed" when none reported it; nothing when the report has no summary
# (the program died, or it is not a scenario test).
verdict() {
  jq -rs --arg inv "$1" '
    (map(select(.record == "summary")) | last) as $s
    | if $s == null then empty
      elif any(.[]; .record == "violation" and .invariant == $inv) | not
      then "unnamed"
      elif $s.crashed > 0 then "crashed"
      else "named \($s.failed)" end' "$js" 2>/dev/null
}

for t in "$B"/tests/[0-9][0-9]-*-bug; do
  [ -x "$t" ] || continue
  scen=${t##*/}
  scen=${scen%-bug}
  slug=${scen#[0-9][0-9]-}
  for v in sync fix; do
    run "$B/tests/$scen-$v"
    if [ "$rc" -eq 0 ]; then ok "$scen $v: invariant holds"; else bad "$scen $v" "exit $rc, want 0"; fi
  done
  # The bug build must fail, and fail for the right reason: a passing bug
  # build means the test cannot see the bug, which is itself a failure.
  : >"$js"
  run env SCENARIO_REPORT="$js" "$t"
  v=$(verdict "$slug")
  if [ "$rc" -eq 0 ]; then
    bad "$scen bug" "the test PASSED against the bug: it does not expose it"
  elif [ "$SANITIZED" = 1 ] && grep -qEf "$report" "$out"; then
    first=$(grep -oEf "$report" "$out" | head -n 1)
    ok "$scen bug: fails with a sanitizer report ($first)"
  elif [ -z "$v" ]; then
    bad "$scen bug" "failed (exit $rc) without a Criterion report"
  elif [ "$v" = unnamed ]; then
    bad "$scen bug" "failed (exit $rc) without naming the '$slug' invariant"
  elif [ "$v" = crashed ]; then
    bad "$scen bug" "a test crashed instead of reporting the invariant"
  else
    why="${v#named } failing, the '$slug' invariant reported violated"
    ok "$scen bug: fails as it must ($why)"
  fi
done

for t in "$B"/tests/tool-*; do
  [ -x "$t" ] || continue
  run "$t"
  if [ "$rc" -eq 0 ]; then ok "${t##*/}"; else bad "${t##*/}" "exit $rc"; fi
done

# Every tests/*.sh but check-* (make check and make check-book run those)
# and lib.sh (what the others source) is a test. One that is not
# executable is a failure, not a skip: a script that lost its mode bit
# would otherwise drop out of the suite unnoticed.
for t in tests/*.sh; do
  [ -e "$t" ] && [ "$SANITIZED" != 1 ] || continue
  case ${t##*/} in check-* | lib.sh) continue ;; esac
  if [ ! -x "$t" ]; then
    : >"$out"
    bad "$t" "not executable, so it did not run (chmod +x $t)"
    continue
  fi
  run "$t"
  if [ "$rc" -eq 0 ]; then ok "$t"; else bad "$t" "exit $rc"; fi
done

# Doc checks count every excerpt, every command and every output block as
# one check each.
if [ "$SKIP_DOCS" = 1 ]; then
  echo "SKIP  doc checks (SKIP_DOCS=1)"
elif [ -x "$B/doccheck" ]; then
  for mode in snippets commands; do
    : >"$js"
    run "$B/doccheck" "$mode" --json "$js" chapters/*.md
    p=$(jq -er '.passed | numbers' "$js" 2>/dev/null)
    f=$(jq -er '.failed | numbers' "$js" 2>/dev/null)
    k=$(jq -er '.skipped | numbers' "$js" 2>/dev/null)
    if [ -z "$p" ] || [ -z "$f" ] || [ -z "$k" ]; then
      bad "doccheck $mode" \
        "no summary in $B/doccheck's --json report (exit $rc)"
      continue
    fi
    pass=$((pass + p))
    fail=$((fail + f))
    line="$p passed, $f failed, $k skipped"
    if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ]; then
      printf 'PASS  doccheck %s: %s\n' "$mode" "$line"
    else
      printf 'FAIL  doccheck %s: %s (exit %s)\n' "$mode" "$line" "$rc"
      tail -n 25 "$out" | sed 's/^/      | /'
      [ "$f" -eq 0 ] && fail=$((fail + 1))
    fi
  done
else
  fail=$((fail + 1))
  echo "FAIL  doccheck: $B/doccheck was not built"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
