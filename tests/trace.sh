#!/bin/sh
# trace.sh -- tests of build/trace on the committed logs in tests/trace/:
# golden outputs, every check on a log that triggers it and one that does
# not, and the bad-input corpus (each must give a one-line error and exit 2).
# Run from the repository root; `tests/trace.sh --update` rewrites goldens.
# TRACE=PATH tests another build of the tool (an older one, to see a test
# fail). Scratch files go under $TMPDIR and are removed on exit.
set -u
T=${TRACE:-build/trace}
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

# A note cut inside a UTF-8 character still makes valid JSON: a resource
# name of 59 ASCII bytes and an e-acute, cut at 60 bytes in the race note,
# is written with U+FFFD for the cut byte, as corrlog writes invalid UTF-8.
res=$(printf '%059d' 0 | tr 0 r)$(printf '\303\251')
for op in a b; do
  printf '{"op":"%s","ev":"begin","attrs":{"res":"%s"}}\n' $op "$res"
done >"$tmp/cut.jsonl"
json_ok='import json, sys; json.load(open(sys.argv[1], encoding="utf-8"))'
expect_rc 1 "chrome export of a race note cut inside a character" -- \
  "$T" -f chrome --races -o "$tmp/cut.json" "$tmp/cut.jsonl" &&
  if python3 -c "$json_ok" "$tmp/cut.json" 2>"$tmp/err" &&
    grep -q "r$(printf '\357\277\275') with op a" "$tmp/cut.json"; then
    pass "chrome: a note cut inside a character is valid JSON"
  else
    fail "chrome: a note cut inside a character: $(tail -n 1 "$tmp/err")"
  fi

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
# A spec that the same event matches twice (A A) compares an op's first and
# second matching events: a log where every op begins once is clean for
# `begin begin`, and a second step out of order is still caught.
check repeat-bug.jsonl "op b: reaches step:req before op a" --expect-order step:req step:req
expect_rc 0 "--expect-order begin begin on a clean log" -- \
  "$T" --expect-order begin begin "$D/ok.jsonl"
expect_rc 0 "--expect-order step:req step:req, repeats in order" -- \
  "$T" --expect-order step:req step:req "$D/repeat-ok.jsonl"
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
# Even with --lenient: finding the end of an over-long line means reading
# on without bound, and on a stream the end may never come. The limit is
# the same for files, pipes and character devices; each must end at once
# (timeout turns a hang into exit 124) with FILE:LINE and exit 2.
expect_rc 2 "10 MB line with --lenient" -- "$T" --lenient "$tmp/long.jsonl" &&
  { grep -q "long.jsonl:1: line is longer than" "$tmp/err" || fail "10 MB line, --lenient: wrong message"; }
for lenient in "" --lenient; do
  expect_rc 2 "endless line from /dev/zero${lenient:+ $lenient}" -- \
    timeout 10 "$T" $lenient /dev/zero &&
    { grep -q "/dev/zero:1: line is longer than" "$tmp/err" || fail "/dev/zero: wrong message"; }
  expect_rc 2 "endless line from a pipe${lenient:+ $lenient}" -- \
    timeout 10 sh -c 'cat /dev/zero | "$1" $2 -' sh "$T" "$lenient" &&
    { grep -q -- "-:1: line is longer than" "$tmp/err" || fail "pipe: wrong message"; }
done
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
# -o never destroys or half-writes its target: the rendering goes to a
# temporary file beside it, renamed over it only when the run succeeds.
# no_temp WHAT: nothing but what the test made may be left in $tmp/o.
signum() { # NAME: the signal's number (dash's kill -l only maps numbers)
  n=1; while [ "$n" -lt 65 ] && [ "$(kill -l "$n" 2>/dev/null)" != "$1" ]; do
    n=$((n + 1)); done; echo "$n"
}
no_temp() {
  left=$(find "$tmp/o" -name '*.tmp-*')
  if [ -n "$left" ]; then fail "$1: temporary file left: $left"; rm -f $left
  else pass "$1: no temporary file left"; fi
}
precious() { # FILE WHAT: FILE must still hold what the test put there
  if [ "$(cat "$1" 2>/dev/null)" = precious ]; then pass "$2: target untouched"
  else fail "$2: target destroyed ($(wc -c <"$1" 2>&1) bytes)"; fi
}
mkdir "$tmp/o"
for fmt in text svg chrome; do
  echo precious >"$tmp/o/o.$fmt"
  expect_rc 2 "-f $fmt -o with a missing log" -- \
    "$T" -f "$fmt" -o "$tmp/o/o.$fmt" "$D/does-not-exist.jsonl"
  precious "$tmp/o/o.$fmt" "-f $fmt -o, missing log"
done
# A log that is bad at line 5001, after 5000 good lines, makes no chrome
# JSON at all: neither over an existing file nor as a new one.
python3 -c '
for i in range(2500):
    print("{\"op\":\"o%d\",\"ev\":\"begin\",\"msg\":\"m\"}" % i)
    print("{\"op\":\"o%d\",\"ev\":\"end\",\"msg\":\"m\"}" % i)' >"$tmp/big.jsonl"
{ cat "$tmp/big.jsonl"; echo '{"op":'; } >"$tmp/bad5001.jsonl"
echo precious >"$tmp/o/bad.json"
expect_rc 2 "chrome export of a log bad at line 5001" -- \
  "$T" -f chrome -o "$tmp/o/bad.json" "$tmp/bad5001.jsonl" &&
  { grep -q "bad5001.jsonl:5001: " "$tmp/err" || fail "line 5001: wrong message"; }
precious "$tmp/o/bad.json" "bad at line 5001"
expect_rc 2 "same, to a new file" -- \
  "$T" -f chrome -o "$tmp/o/new.json" "$tmp/bad5001.jsonl"
[ -e "$tmp/o/new.json" ] && fail "bad at line 5001: a new target was made"
no_temp "bad input"
# Success replaces the target with the whole rendering, with the mode a
# plain write would give (the target's own, or what the umask allows).
echo precious >"$tmp/o/ok.json"; chmod 640 "$tmp/o/ok.json"
expect_rc 0 "chrome export over an existing file" -- \
  "$T" -f chrome -o "$tmp/o/ok.json" "$D/ok.jsonl"
cmp -s "$tmp/o/ok.json" "$D/golden/ok.chrome.json" && pass "-o: the complete output" ||
  fail "-o: output differs from golden ok.chrome.json"
[ "$(stat -c %a "$tmp/o/ok.json")" = 640 ] && pass "-o: keeps the target's mode" ||
  fail "-o: mode $(stat -c %a "$tmp/o/ok.json"), wanted 640"
(umask 027; "$T" -f svg -o "$tmp/o/fresh.svg" "$D/ok.jsonl")
[ "$(stat -c %a "$tmp/o/fresh.svg")" = 640 ] && pass "-o: new file follows umask" ||
  fail "-o: new file mode $(stat -c %a "$tmp/o/fresh.svg"), wanted 640 (umask 027)"
# A symbolic link keeps pointing at the file it names, which gets the data.
echo precious >"$tmp/o/real.json"; ln -s real.json "$tmp/o/link.json"
"$T" -f chrome -o "$tmp/o/link.json" "$D/ok.jsonl"
[ -L "$tmp/o/link.json" ] && cmp -s "$tmp/o/real.json" "$D/golden/ok.chrome.json" &&
  pass "-o through a symlink writes the file it names" ||
  fail "-o through a symlink replaced the link or missed the file"
# A target that is not a regular file (here a FIFO) is written in place.
mkfifo "$tmp/o/fifo"
cat "$tmp/o/fifo" >"$tmp/fromfifo" &
"$T" -f chrome -o "$tmp/o/fifo" "$D/ok.jsonl"; wait $!
[ -p "$tmp/o/fifo" ] && cmp -s "$tmp/fromfifo" "$D/golden/ok.chrome.json" &&
  pass "-o to a FIFO writes into it" || fail "-o to a FIFO"
rm -f "$tmp/o/fifo"
# A write error (the file size limit, with SIGXFSZ ignored so that write()
# fails with EFBIG) is exit 3 and leaves the target; with SIGXFSZ at its
# default the process dies of it and the temporary file goes all the same.
echo precious >"$tmp/o/big.json"
expect_rc 3 "-o: write error" -- \
  sh -c 'trap "" XFSZ; ulimit -f 8; exec "$@"' sh \
  "$T" -f chrome -o "$tmp/o/big.json" "$tmp/big.jsonl" &&
  { grep -q "big.json: write error" "$tmp/err" || fail "write error: wrong message"; }
precious "$tmp/o/big.json" "write error"
expect_rc $((128 + $(signum XFSZ))) "-o: killed by SIGXFSZ" -- \
  sh -c 'ulimit -f 8; exec "$@"' sh "$T" -f chrome -o "$tmp/o/big.json" "$tmp/big.jsonl"
precious "$tmp/o/big.json" "SIGXFSZ"
no_temp "write error"
# Killed mid-write: the log is a FIFO that the test holds open, so trace
# has made its temporary file and is waiting for more of the log when the
# signal comes (it opens its output before its input: once the test's
# open of the FIFO for writing returns, the temporary file exists).
# env --default-signal undoes the SIGINT/SIGQUIT a shell ignores in
# background jobs, which trace must leave ignored.
mkfifo "$tmp/log.fifo"
for sig in INT TERM HUP; do
  echo precious >"$tmp/o/sig.json"
  env --default-signal="$sig" "$T" -f chrome -o "$tmp/o/sig.json" "$tmp/log.fifo" \
    >/dev/null 2>"$tmp/err" &
  pid=$!
  exec 3>"$tmp/log.fifo"
  head -n 3 "$D/ok.jsonl" >&3
  if [ -n "$(find "$tmp/o" -name 'sig.json.tmp-*')" ]; then
    pass "SIG$sig: the temporary file exists mid-write"
  else fail "SIG$sig: no temporary file mid-write"; fi
  kill -s "$sig" "$pid"
  exec 3>&- # if the signal did not end trace, the log ends and it exits 0
  wait "$pid" 2>/dev/null; got=$? # dash reports "Hangup" otherwise
  [ "$got" -eq $((128 + $(signum "$sig"))) ] && pass "SIG$sig ends trace" ||
    fail "SIG$sig: exit $got, wanted death by the signal"
  precious "$tmp/o/sig.json" "SIG$sig mid-write"
  no_temp "SIG$sig mid-write"
done
rm -f "$tmp/log.fifo"

# The text view says what its symbols mean, on its first line, and every
# symbol in the lanes column of these logs is one it names; lanes are named
# by kind, number and the end of the id, never by the 16-digit id.
for f in ok.jsonl log-order-bug.jsonl ended-twice.jsonl never-ended.jsonl; do
  for by in op thread; do
    NO_COLOR= "$T" --by "$by" "$D/$f" >"$tmp/key" 2>/dev/null
    key=$(head -n 1 "$tmp/key")
    case $key in
    "key: "*) ;;
    *) fail "$f --by $by: the first line is no key: $key"; continue ;;
    esac
    # The lanes column: 10 characters and one overflow from column 19.
    bad=$(sed -n '3,$p' "$tmp/key" | grep -E '^ *[0-9]+ ' | cut -c19-29 |
      fold -w 1 | sort -u | grep -v '^ *$' | while read -r sym; do
        case $key in *" $sym "*) ;; *) printf '%s ' "$sym" ;; esac
      done)
    [ -z "$bad" ] && pass "$f --by $by: the key names every symbol shown" ||
      fail "$f --by $by: symbols shown but not in the key: $bad"
  done
done
NO_COLOR= "$T" "$D/ok.jsonl" >"$tmp/lab"
"$T" --format svg "$D/ok.jsonl" >"$tmp/lab.svg"
if grep -qE '[0-9a-f]{16}' "$tmp/lab" ||
  grep -E '<text x="20" y="[0-9]+" font-size="24">' "$tmp/lab.svg" | grep -qE '[0-9a-f]{16}'; then
  fail "a lane is still labelled with a 16-digit id"
else pass "no lane labelled with a 16-digit id (text, SVG)"; fi
# ok.jsonl's third op to appear is 00000000000000b1, of kind fetch.
grep -q '^    4 .*fetch 3 · …b1 *begin  fetch k1' "$tmp/lab" &&
  grep -q '>fetch 3 · …b1</text>' "$tmp/lab.svg" &&
  pass "lane label: kind, number, end of id (fetch 3 · …b1)" ||
  fail "lane label of op 00000000000000b1 is not 'fetch 3 · …b1'"

# Usage errors.
expect_rc 2 "no file" -- "$T"
expect_rc 2 "unknown option" -- "$T" --bogus "$D/ok.jsonl"
expect_rc 2 "bad --expect-order spec" -- "$T" --expect-order start end "$D/ok.jsonl"
expect_rc 2 "missing file" -- "$T" "$D/does-not-exist.jsonl"
expect_rc 0 "--help" -- "$T" --help

if [ "$fails" -ne 0 ]; then echo "trace.sh: $fails failed"; exit 1; fi
echo "trace.sh: all passed"
