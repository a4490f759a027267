#!/bin/sh
# trace.sh -- tests of build/trace on the committed logs in tests/trace/:
# golden outputs, every check on a log that triggers it and one that does
# not, and the bad-input corpus (each must give a one-line error and exit 2).
# Run from the repository root; `tests/trace.sh --update` rewrites goldens.
# TRACE=PATH tests another build of the tool (an older one, to see a test
# fail). Scratch files go under $TMPDIR and are removed on exit.
set -u
TR=${TRACE:-build/trace}
D=tests/trace
. "$(dirname "$0")/lib.sh"
need "$TR"

# expect_rc RC DESCRIPTION -- CMD...: runs CMD, output in $T/out, $T/err.
expect_rc() {
  want=$1; what=$2; shift 3
  NO_COLOR= "$@" >"$T/out" 2>"$T/err"
  got=$?
  if [ "$got" -eq "$want" ]; then ok "$what (exit $got)"; return 0; fi
  notok "$what: exit $got, wanted $want"; sed 's/^/    /' "$T/err" | head -5
  return 1
}

# Golden outputs: the text timeline (by op and by thread), SVG and Chrome.
golden() {
  name=$1; shift
  "$TR" "$@" >"$T/golden" 2>&1
  if [ "${UPDATE:-}" = 1 ]; then cp "$T/golden" "$D/golden/$name"; fi
  if cmp -s "$T/golden" "$D/golden/$name"; then ok "golden $name"
  else notok "golden $name differs:"; diff -u "$D/golden/$name" "$T/golden" | head -20; fi
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
done >"$T/cut.jsonl"
json_ok='import json, sys; json.load(open(sys.argv[1], encoding="utf-8"))'
expect_rc 1 "chrome export of a race note cut inside a character" -- \
  "$TR" -f chrome --races -o "$T/cut.json" "$T/cut.jsonl" &&
  if python3 -c "$json_ok" "$T/cut.json" 2>"$T/pyerr" &&
    grep -q "r$(printf '\357\277\275') with op a" "$T/cut.json"; then
    ok "chrome: a note cut inside a character is valid JSON"
  else
    notok "chrome: a note cut inside a character: $(tail -n 1 "$T/pyerr")"
  fi

# No escape codes when piped (stdout is a file here), even with colours
# forced off by NO_COLOR; and --color always does colour.
"$TR" "$D/ok.jsonl" >"$T/plain"
if grep -q "$(printf '\033')" "$T/plain"; then notok "escape codes in piped output"
else ok "no escape codes when piped"; fi
"$TR" --color always "$D/ok.jsonl" >"$T/col"
if grep -q "$(printf '\033')" "$T/col"; then ok "--color always colours"
else notok "--color always has no colour"; fi

# Each check: the log that triggers it (exit 1, message with file:line) and
# a log that does not (exit 0).
check() { # FILE MESSAGE [extra args]
  f=$1; msg=$2; shift 2
  if expect_rc 1 "--check $f" -- "$TR" --check "$@" "$D/$f" &&
     ! grep -q "^$D/$f:[0-9]*: .*$msg" "$T/out"; then
    notok "$f: no line with '$msg'"; sed 's/^/    /' "$T/out" | head -5
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
  "$TR" --expect-order begin begin "$D/ok.jsonl"
expect_rc 0 "--expect-order step:req step:req, repeats in order" -- \
  "$TR" --expect-order step:req step:req "$D/repeat-ok.jsonl"
expect_rc 1 "--races race.jsonl" -- "$TR" --races "$D/race.jsonl" &&
  { grep -q "race on cache:k1" "$T/out" || notok "race.jsonl: no race line"; }
for f in ok.jsonl log-order-sync.jsonl race-ok.jsonl fifo-ok.jsonl thread-batches.jsonl; do
  expect_rc 0 "clean $f" -- "$TR" --check --races "$D/$f"
done
for f in log-order-sync.jsonl fifo-ok.jsonl; do
  expect_rc 0 "clean $f with --expect-order" -- "$TR" --expect-order begin:req end:req "$D/$f"
done

# Bad input: exit 2 and one line naming the file (and line, when there is one).
for f in "$D"/bad/*; do
  if expect_rc 2 "bad input $f" -- "$TR" --check "$f"; then
    if [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q "$f" "$T/err"; then
      notok "$f: error is not one line naming the file"; cat "$T/err"; fi
  fi
done
# --lenient shows what it can of a cut-off log and counts what it skipped.
expect_rc 0 "--lenient on a truncated log" -- "$TR" --lenient "$D/bad/truncated.jsonl"
grep -q "skipped 1 malformed line" "$T/err" || notok "--lenient did not count the line"
# A 10 MB line is an error, not an allocation (made here, not committed).
python3 -c 'import sys; sys.stdout.write("{\"op\":\"a\",\"ev\":\"begin\",\"msg\":\"" + "x" * 10000000 + "\"}\n{\"op\":\"a\",\"ev\":\"end\"}\n")' >"$T/long.jsonl"
expect_rc 2 "10 MB line" -- "$TR" "$T/long.jsonl" &&
  { grep -q "long.jsonl:1: line is longer than" "$T/err" || notok "10 MB line: wrong message"; }
# Even with --lenient: finding the end of an over-long line means reading
# on without bound, and on a stream the end may never come. The limit is
# the same for files, pipes and character devices; each must end at once
# (timeout turns a hang into exit 124) with FILE:LINE and exit 2.
expect_rc 2 "10 MB line with --lenient" -- "$TR" --lenient "$T/long.jsonl" &&
  { grep -q "long.jsonl:1: line is longer than" "$T/err" || notok "10 MB line, --lenient: wrong message"; }
for lenient in "" --lenient; do
  expect_rc 2 "endless line from /dev/zero${lenient:+ $lenient}" -- \
    timeout 10 "$TR" $lenient /dev/zero &&
    { grep -q "/dev/zero:1: line is longer than" "$T/err" || notok "/dev/zero: wrong message"; }
  expect_rc 2 "endless line from a pipe${lenient:+ $lenient}" -- \
    timeout 10 sh -c 'cat /dev/zero | "$1" $2 -' sh "$TR" "$lenient" &&
    { grep -q -- "-:1: line is longer than" "$T/err" || notok "pipe: wrong message"; }
done
# Reading from stdin.
NO_COLOR= "$TR" - <"$D/ok.jsonl" >"$T/stdin" 2>&1
cmp -s "$T/stdin" "$D/golden/ok.txt" && ok "stdin (-)" || notok "stdin output differs"
# The fast parser and jansson (TRACE_PARSER=jansson) must give the same
# output, messages and exit status on every committed log, good and bad;
# escapes.jsonl has escapes, UTF-8, spaces and extra attributes.
same=0
for f in "$D"/*.jsonl "$D"/bad/*; do
  for args in "--check --races" "--format svg" "--format chrome" "--lenient"; do
    # shellcheck disable=SC2086
    NO_COLOR= "$TR" $args "$f" >"$T/fast" 2>&1; rf=$?
    # shellcheck disable=SC2086
    NO_COLOR= TRACE_PARSER=jansson "$TR" $args "$f" >"$T/slow" 2>&1; rs=$?
    if [ "$rf" -ne "$rs" ] || ! cmp -s "$T/fast" "$T/slow"; then
      notok "fast parser and jansson differ: $args $f (exit $rf vs $rs)"
      diff "$T/slow" "$T/fast" | head -5; same=1
    fi
  done
done
[ "$same" -eq 0 ] && ok "fast parser and jansson agree on every log"
expect_rc 0 "escapes and UTF-8" -- "$TR" --check --races "$D/escapes.jsonl"
# -o never destroys or half-writes its target: the rendering goes to a
# temporary file beside it, renamed over it only when the run succeeds.
# no_temp WHAT: nothing but what the test made may be left in $T/o.
signum() { # NAME: the signal's number (dash's kill -l only maps numbers)
  n=1; while [ "$n" -lt 65 ] && [ "$(kill -l "$n" 2>/dev/null)" != "$1" ]; do
    n=$((n + 1)); done; echo "$n"
}
no_temp() {
  left=$(find "$T/o" -name '*.tmp-*')
  if [ -n "$left" ]; then notok "$1: temporary file left: $left"; rm -f $left
  else ok "$1: no temporary file left"; fi
}
precious() { # FILE WHAT: FILE must still hold what the test put there
  if [ "$(cat "$1" 2>/dev/null)" = precious ]; then ok "$2: target untouched"
  else notok "$2: target destroyed ($(wc -c <"$1" 2>&1) bytes)"; fi
}
mkdir "$T/o"
for fmt in text svg chrome; do
  echo precious >"$T/o/o.$fmt"
  expect_rc 2 "-f $fmt -o with a missing log" -- \
    "$TR" -f "$fmt" -o "$T/o/o.$fmt" "$D/does-not-exist.jsonl"
  precious "$T/o/o.$fmt" "-f $fmt -o, missing log"
done
# A log that is bad at line 5001, after 5000 good lines, makes no chrome
# JSON at all: neither over an existing file nor as a new one.
python3 -c '
for i in range(2500):
    print("{\"op\":\"o%d\",\"ev\":\"begin\",\"msg\":\"m\"}" % i)
    print("{\"op\":\"o%d\",\"ev\":\"end\",\"msg\":\"m\"}" % i)' >"$T/big.jsonl"
{ cat "$T/big.jsonl"; echo '{"op":'; } >"$T/bad5001.jsonl"
echo precious >"$T/o/bad.json"
expect_rc 2 "chrome export of a log bad at line 5001" -- \
  "$TR" -f chrome -o "$T/o/bad.json" "$T/bad5001.jsonl" &&
  { grep -q "bad5001.jsonl:5001: " "$T/err" || notok "line 5001: wrong message"; }
precious "$T/o/bad.json" "bad at line 5001"
expect_rc 2 "same, to a new file" -- \
  "$TR" -f chrome -o "$T/o/new.json" "$T/bad5001.jsonl"
[ -e "$T/o/new.json" ] && notok "bad at line 5001: a new target was made"
no_temp "bad input"
# Success replaces the target with the whole rendering, with the mode a
# plain write would give (the target's own, or what the umask allows).
echo precious >"$T/o/ok.json"; chmod 640 "$T/o/ok.json"
expect_rc 0 "chrome export over an existing file" -- \
  "$TR" -f chrome -o "$T/o/ok.json" "$D/ok.jsonl"
cmp -s "$T/o/ok.json" "$D/golden/ok.chrome.json" && ok "-o: the complete output" ||
  notok "-o: output differs from golden ok.chrome.json"
[ "$(stat -c %a "$T/o/ok.json")" = 640 ] && ok "-o: keeps the target's mode" ||
  notok "-o: mode $(stat -c %a "$T/o/ok.json"), wanted 640"
(umask 027; "$TR" -f svg -o "$T/o/fresh.svg" "$D/ok.jsonl")
[ "$(stat -c %a "$T/o/fresh.svg")" = 640 ] && ok "-o: new file follows umask" ||
  notok "-o: new file mode $(stat -c %a "$T/o/fresh.svg"), wanted 640 (umask 027)"
# A symbolic link keeps pointing at the file it names, which gets the data.
echo precious >"$T/o/real.json"; ln -s real.json "$T/o/link.json"
"$TR" -f chrome -o "$T/o/link.json" "$D/ok.jsonl"
[ -L "$T/o/link.json" ] && cmp -s "$T/o/real.json" "$D/golden/ok.chrome.json" &&
  ok "-o through a symlink writes the file it names" ||
  notok "-o through a symlink replaced the link or missed the file"
# A target that is not a regular file (here a FIFO) is written in place.
mkfifo "$T/o/fifo"
cat "$T/o/fifo" >"$T/fromfifo" &
"$TR" -f chrome -o "$T/o/fifo" "$D/ok.jsonl"; wait $!
[ -p "$T/o/fifo" ] && cmp -s "$T/fromfifo" "$D/golden/ok.chrome.json" &&
  ok "-o to a FIFO writes into it" || notok "-o to a FIFO"
rm -f "$T/o/fifo"
# A write error (the file size limit, with SIGXFSZ ignored so that write()
# fails with EFBIG) is exit 3 and leaves the target; with SIGXFSZ at its
# default the process dies of it and the temporary file goes all the same.
echo precious >"$T/o/big.json"
expect_rc 3 "-o: write error" -- \
  sh -c 'trap "" XFSZ; ulimit -f 8; exec "$@"' sh \
  "$TR" -f chrome -o "$T/o/big.json" "$T/big.jsonl" &&
  { grep -q "big.json: write error" "$T/err" || notok "write error: wrong message"; }
precious "$T/o/big.json" "write error"
expect_rc $((128 + $(signum XFSZ))) "-o: killed by SIGXFSZ" -- \
  sh -c 'ulimit -f 8; exec "$@"' sh "$TR" -f chrome -o "$T/o/big.json" "$T/big.jsonl"
precious "$T/o/big.json" "SIGXFSZ"
no_temp "write error"
# Killed mid-write: the log is a FIFO that the test holds open, so trace
# has made its temporary file and is waiting for more of the log when the
# signal comes (it opens its output before its input: once the test's
# open of the FIFO for writing returns, the temporary file exists).
# env --default-signal undoes the SIGINT/SIGQUIT a shell ignores in
# background jobs, which trace must leave ignored.
mkfifo "$T/log.fifo"
for sig in INT TERM HUP; do
  echo precious >"$T/o/sig.json"
  env --default-signal="$sig" "$TR" -f chrome -o "$T/o/sig.json" "$T/log.fifo" \
    >/dev/null 2>"$T/err" &
  pid=$!
  exec 3>"$T/log.fifo"
  head -n 3 "$D/ok.jsonl" >&3
  if [ -n "$(find "$T/o" -name 'sig.json.tmp-*')" ]; then
    ok "SIG$sig: the temporary file exists mid-write"
  else notok "SIG$sig: no temporary file mid-write"; fi
  kill -s "$sig" "$pid"
  exec 3>&- # if the signal did not end trace, the log ends and it exits 0
  wait "$pid" 2>/dev/null; got=$? # dash reports "Hangup" otherwise
  [ "$got" -eq $((128 + $(signum "$sig"))) ] && ok "SIG$sig ends trace" ||
    notok "SIG$sig: exit $got, wanted death by the signal"
  precious "$T/o/sig.json" "SIG$sig mid-write"
  no_temp "SIG$sig mid-write"
done
rm -f "$T/log.fifo"

# The text view says what its symbols mean, on its first line, and every
# symbol in the lanes column of these logs is one it names; lanes are named
# by kind, number and the end of the id, never by the 16-digit id.
for f in ok.jsonl log-order-bug.jsonl ended-twice.jsonl never-ended.jsonl; do
  for by in op thread; do
    NO_COLOR= "$TR" --by "$by" "$D/$f" >"$T/key" 2>/dev/null
    key=$(head -n 1 "$T/key")
    case $key in
    "key: "*) ;;
    *) notok "$f --by $by: the first line is no key: $key"; continue ;;
    esac
    # The lanes column: 10 characters and one overflow from column 19.
    bad=$(sed -n '3,$p' "$T/key" | grep -E '^ *[0-9]+ ' | cut -c19-29 |
      fold -w 1 | sort -u | grep -v '^ *$' | while read -r sym; do
        case $key in *" $sym "*) ;; *) printf '%s ' "$sym" ;; esac
      done)
    [ -z "$bad" ] && ok "$f --by $by: the key names every symbol shown" ||
      notok "$f --by $by: symbols shown but not in the key: $bad"
  done
done
NO_COLOR= "$TR" "$D/ok.jsonl" >"$T/lab"
"$TR" --format svg "$D/ok.jsonl" >"$T/lab.svg"
if grep -qE '[0-9a-f]{16}' "$T/lab" ||
  grep -E '<text x="20" y="[0-9]+" font-size="24">' "$T/lab.svg" | grep -qE '[0-9a-f]{16}'; then
  notok "a lane is still labelled with a 16-digit id"
else ok "no lane labelled with a 16-digit id (text, SVG)"; fi
# ok.jsonl's third op to appear is 00000000000000b1, of kind fetch.
grep -q '^    4 .*fetch 3 · …b1 *begin  fetch k1' "$T/lab" &&
  grep -q '>fetch 3 · …b1</text>' "$T/lab.svg" &&
  ok "lane label: kind, number, end of id (fetch 3 · …b1)" ||
  notok "lane label of op 00000000000000b1 is not 'fetch 3 · …b1'"

# --json FILE: what the run found, for programs that read it (gallery
# compare --svg nests trace's pictures by the size it gives, and never
# reads their text). The size is the picture's own (its root's width and
# height, read by an XML parser), in both layouts; violations and races
# are counted when asked for and null otherwise; bad input writes nothing.
for lay in "" "--width 800"; do
  rm -f "$T/pic.json"
  # shellcheck disable=SC2086 # lay is an option and its value, or nothing
  "$TR" --format svg $lay -o "$T/pic.svg" --json "$T/pic.json" \
    "$D/log-order-bug.jsonl" 2>/dev/null
  size=$(python3 -c 'import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
print(r.get("width"), r.get("height"))' "$T/pic.svg" 2>/dev/null)
  got=$(jq -r '"\(.svg.width) \(.svg.height)"' "$T/pic.json" 2>/dev/null)
  if [ -n "$size" ] && [ "$got" = "$size" ]; then
    ok "--json: the SVG's size${lay:+ ($lay)}, $got"
  else
    notok "--json: the SVG's size${lay:+ ($lay)}: '$got', the picture says '$size'"
  fi
done
"$TR" --check --races --json "$T/chk.json" "$D/log-order-bug.jsonl" \
  >/dev/null 2>&1
"$TR" --json "$T/plain.json" "$D/ok.jsonl" >/dev/null 2>&1
if jq -e '.violations > 0 and .races == 0 and .svg == null and
    .events > 0 and .operations > 0' "$T/chk.json" >/dev/null 2>&1 &&
  jq -e '.violations == null and .races == null and .svg == null and
    .log == "tests/trace/ok.jsonl"' "$T/plain.json" >/dev/null 2>&1; then
  ok "--json: violations and races counted when asked for, else null"
else
  notok "--json: $(cat "$T/chk.json" "$T/plain.json" 2>&1 | tr -s ' \n' ' ')"
fi
rm -f "$T/bad.json"
bad=$(ls "$D"/bad/* | head -n 1)
if expect_rc 2 "--json on bad input" -- "$TR" --json "$T/bad.json" "$bad"; then
  [ ! -e "$T/bad.json" ] && ok "--json on bad input writes nothing" ||
    notok "--json on bad input wrote $T/bad.json"
fi
expect_rc 2 "--json without a file" -- "$TR" "$D/ok.jsonl" --json
# A target that cannot be written is refused before the log is read, as
# -o's is: nothing rendered, exit 2.
if expect_rc 2 "--json to a directory that does not exist" -- \
  "$TR" --json "$T/no/such/dir/x.json" "$D/ok.jsonl"; then
  [ ! -s "$T/out" ] && ok "--json to a bad path renders nothing first" ||
    notok "--json to a bad path rendered $(wc -c <"$T/out") bytes first"
fi

# Usage errors.
expect_rc 2 "no file" -- "$TR"
expect_rc 2 "unknown option" -- "$TR" --bogus "$D/ok.jsonl"
expect_rc 2 "bad --expect-order spec" -- "$TR" --expect-order start end "$D/ok.jsonl"
expect_rc 2 "missing file" -- "$TR" "$D/does-not-exist.jsonl"
expect_rc 0 "--help" -- "$TR" --help

finish
