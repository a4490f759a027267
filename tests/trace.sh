#!/bin/sh
# trace.sh -- tests of build/trace on the committed logs in tests/trace/:
# golden outputs, every check on a log that triggers it and one that does
# not, and the bad-input corpus (each must give a one-line error and exit 2).
# Run from the repository root; `tests/trace.sh --update` rewrites goldens.
set -u
T=build/trace
D=tests/trace
fails=0
tmp=$(mktemp -d) || exit 3
trap 'rm -rf "$tmp"' EXIT INT TERM
[ -x "$T" ] || { echo "trace.sh: $T is not built"; exit 3; }

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok:   $*"; }

# expect_rc RC DESCRIPTION -- CMD...: runs CMD, output in $tmp/out, $tmp/err.
expect_rc() {
  want=$1; what=$2; shift 3
  NO_COLOR= "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  if [ "$got" -eq "$want" ]; then pass "$what (exit $got)"; return 0; fi
  fail "$what: exit $got, wanted $want"; sed 's/^/    /' "$tmp/err" | head -5
  return 1
}

# Golden outputs: the text timeline (by op and by thread), SVG and Chrome.
golden() {
  name=$1; shift
  "$T" "$@" >"$tmp/golden" 2>&1
  if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/golden" "$D/golden/$name"; fi
  if cmp -s "$tmp/golden" "$D/golden/$name"; then pass "golden $name"
  else fail "golden $name differs:"; diff -u "$D/golden/$name" "$tmp/golden" | head -20; fi
}
[ "${1:-}" = --update ] && UPDATE=1
golden ok.txt "$D/ok.jsonl"
golden ok-by-thread.txt --by thread "$D/ok.jsonl"
golden log-order-bug.txt "$D/log-order-bug.jsonl"
golden ok.svg --format svg "$D/ok.jsonl"
golden log-order-bug.svg --format svg "$D/log-order-bug.jsonl"
golden ok.chrome.json --format chrome "$D/ok.jsonl"

# No escape codes when piped (stdout is a file here), even with colours
# forced off by NO_COLOR; and --color always does colour.
"$T" "$D/ok.jsonl" >"$tmp/plain"
if grep -q "$(printf '\033')" "$tmp/plain"; then fail "escape codes in piped output"
else pass "no escape codes when piped"; fi
"$T" --color always "$D/ok.jsonl" >"$tmp/col"
if grep -q "$(printf '\033')" "$tmp/col"; then pass "--color always colours"
else fail "--color always has no colour"; fi

# Each check: the log that triggers it (exit 1, message with file:line) and
# a log that does not (exit 0).
check() { # FILE MESSAGE [extra args]
  f=$1; msg=$2; shift 2
  if expect_rc 1 "--check $f" -- "$T" --check "$@" "$D/$f" &&
     ! grep -q "^$D/$f:[0-9]*: .*$msg" "$tmp/out"; then
    fail "$f: no line with '$msg'"; sed 's/^/    /' "$tmp/out" | head -5
  fi
}
check ended-twice.jsonl "ended twice"
check never-ended.jsonl "begun but never ended"
check after-end.jsonl "step after the op ended"
check log-order-bug.jsonl "op req-2: end appears before begin (line 3)"
check seq-gap.jsonl "seq gap"
check seq-reversal.jsonl "seq 1 comes after seq 2"
# Per-thread batches: another thread's earlier events may come later in the
# file (read in seq order, no violation); within one thread they may not.
check thread-reversal.jsonl "seq 1 comes after seq 2 (line 2)"
check child-first.jsonl "begins before its parent"
check lamport.jsonl "Lamport clock 3 does not exceed 5"
check fifo-bug.jsonl "op b: reaches end:req before op a" --expect-order begin:req end:req
expect_rc 1 "--races race.jsonl" -- "$T" --races "$D/race.jsonl" &&
  { grep -q "race on cache:k1" "$tmp/out" || fail "race.jsonl: no race line"; }
for f in ok.jsonl log-order-sync.jsonl race-ok.jsonl fifo-ok.jsonl thread-batches.jsonl; do
  expect_rc 0 "clean $f" -- "$T" --check --races "$D/$f"
done
for f in log-order-sync.jsonl fifo-ok.jsonl; do
  expect_rc 0 "clean $f with --expect-order" -- "$T" --expect-order begin:req end:req "$D/$f"
done

# Bad input: exit 2 and one line naming the file (and line, when there is one).
for f in "$D"/bad/*; do
  if expect_rc 2 "bad input $f" -- "$T" --check "$f"; then
    if [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q "$f" "$tmp/err"; then
      fail "$f: error is not one line naming the file"; cat "$tmp/err"; fi
  fi
done
# --lenient shows what it can of a cut-off log and counts what it skipped.
expect_rc 0 "--lenient on a truncated log" -- "$T" --lenient "$D/bad/truncated.jsonl"
grep -q "skipped 1 malformed line" "$tmp/err" || fail "--lenient did not count the line"
# A 10 MB line is an error, not an allocation (made here, not committed).
python3 -c 'import sys; sys.stdout.write("{\"op\":\"a\",\"ev\":\"begin\",\"msg\":\"" + "x" * 10000000 + "\"}\n{\"op\":\"a\",\"ev\":\"end\"}\n")' >"$tmp/long.jsonl"
expect_rc 2 "10 MB line" -- "$T" "$tmp/long.jsonl" &&
  { grep -q "long.jsonl:1: line is longer than" "$tmp/err" || fail "10 MB line: wrong message"; }
expect_rc 0 "10 MB line skipped with --lenient" -- "$T" --lenient "$tmp/long.jsonl"
# Reading from stdin.
NO_COLOR= "$T" - <"$D/ok.jsonl" >"$tmp/stdin" 2>&1
cmp -s "$tmp/stdin" "$D/golden/ok.txt" && pass "stdin (-)" || fail "stdin output differs"
# The fast parser and jansson (TRACE_PARSER=jansson) must give the same
# output, messages and exit status on every committed log, good and bad;
# escapes.jsonl has escapes, UTF-8, spaces and extra attributes.
same=0
for f in "$D"/*.jsonl "$D"/bad/*; do
  for args in "--check --races" "--format svg" "--format chrome" "--lenient"; do
    # shellcheck disable=SC2086
    NO_COLOR= "$T" $args "$f" >"$tmp/fast" 2>&1; rf=$?
    # shellcheck disable=SC2086
    NO_COLOR= TRACE_PARSER=jansson "$T" $args "$f" >"$tmp/slow" 2>&1; rs=$?
    if [ "$rf" -ne "$rs" ] || ! cmp -s "$tmp/fast" "$tmp/slow"; then
      fail "fast parser and jansson differ: $args $f (exit $rf vs $rs)"
      diff "$tmp/slow" "$tmp/fast" | head -5; same=1
    fi
  done
done
[ "$same" -eq 0 ] && pass "fast parser and jansson agree on every log"
expect_rc 0 "escapes and UTF-8" -- "$T" --check --races "$D/escapes.jsonl"
# Usage errors.
expect_rc 2 "no file" -- "$T"
expect_rc 2 "unknown option" -- "$T" --bogus "$D/ok.jsonl"
expect_rc 2 "bad --expect-order spec" -- "$T" --expect-order start end "$D/ok.jsonl"
expect_rc 2 "missing file" -- "$T" "$D/does-not-exist.jsonl"
expect_rc 0 "--help" -- "$T" --help

if [ "$fails" -ne 0 ]; then echo "trace.sh: $fails failed"; exit 1; fi
echo "trace.sh: all passed"
