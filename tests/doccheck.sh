#!/bin/sh
# doccheck.sh -- exercises build/doccheck on small chapters written into a
# temporary directory: excerpts that match, drift, get refreshed, name
# missing regions; diff excerpts; command blocks with exit=N, norun and
# timeouts; malformed chapters. Run from the repository root after `make`.
set -u
. "$(dirname "$0")/lib.sh"
# DOCCHECK names another build to test (e.g. a deliberately broken one).
DC=${DOCCHECK:-$(pwd)/build/doccheck}
need "$DC"
cd "$T" || exit 3

# no NAME: a failed check, with the output it saw.
no() {
  notok "$1"
  quote out
}
# check NAME WANT_RC [GREP_PATTERN...] (this script's, in place of
# lib.sh's): the last command's exit status must be WANT_RC and its output
# (stdout and stderr, in file out) must contain every pattern as a fixed
# string.
check() {
  name=$1 want=$2
  shift 2
  if [ "$rc" -ne "$want" ]; then
    no "$name (exit $rc, want $want)"
    return
  fi
  for pat in "$@"; do
    if ! grep -qF -- "$pat" out; then
      no "$name (no '$pat' in the output)"
      return
    fi
  done
  ok "$name"
}
# kept NAME WANT_RC FILE COPY [GREP_PATTERN...]: check, and FILE is still
# byte for byte its COPY made before the command (--refresh left it alone).
kept() {
  if cmp -s "$3" "$4"; then
    kept_name=$1 kept_rc=$2
    shift 4
    check "$kept_name" "$kept_rc" "$@"
  else
    no "$1 ($3 was rewritten, exit $rc)"
  fi
}
# untouched NAME FILE INODE: the last command exited 0 and FILE is still
# the file INODE (an up-to-date chapter is not even written again).
untouched() {
  if [ "$(stat -c %i "$2")" = "$3" ]; then
    check "$1" 0
  else
    no "$1 ($2 was written again, exit $rc)"
  fi
}
dc() {
  "$DC" "$@" >out 2>&1
  rc=$?
}

mkdir src
cat >src/a.c <<'EOF'
/* a.c -- a source with labelled regions. */
/* @snippet outer */
int twice(int x) {
  /* @snippet inner */
  return 2 * x;
  /* @end */
}
/* @end */
EOF
sed 's/2 \* x/x + x/' src/a.c >src/b.c
cat >ch.md <<'EOF'
# A chapter

```c snippet=src/a.c:outer
int twice(int x) {
  return 2 * x;
}
```

1. The inner region, inside a list item:

   ```c snippet=src/a.c:inner
     return 2 * x;
   ```
EOF
cp ch.md ch.orig

dc snippets ch.md
check "matching excerpts pass, nested markers left out" 0 \
  "doccheck: 2 passed, 0 failed"
if [ "$(grep -c '^doccheck: ' out)" -ne 1 ]; then
  no "exactly one summary line"
else
  ok "exactly one summary line"
fi
# --json FILE: the same counts as data, the printed line kept.
dc snippets --json sum.json ch.md
check "--json keeps the summary line" 0 "doccheck: 2 passed, 0 failed"
if jq -e '. == {"passed": 2, "failed": 0, "skipped": 0}' sum.json >/dev/null
then
  ok "--json writes passed, failed and skipped"
else
  notok "--json writes passed, failed and skipped: $(cat sum.json)"
fi
dc snippets --json "$T/no/such/dir/sum.json" ch.md
check "a --json file that cannot be written is a usage error" 2 \
  "doccheck: --json $T/no/such/dir/sum.json: No such file or directory"

sed -i 's/2 \* x/x << 1/' src/a.c
dc snippets ch.md
check "an edited source fails the excerpt" 1 \
  "ch.md:3: snippet src/a.c:outer differs from the source (run make snippets)" \
  "ch.md:11: snippet src/a.c:inner differs" "+  return x << 1;" \
  "doccheck: 0 passed, 2 failed"

dc snippets --refresh ch.md
check "--refresh rewrites both excerpts" 0 "doccheck: 2 passed, 0 failed"
dc snippets ch.md
check "after --refresh the check passes" 0 "doccheck: 2 passed, 0 failed"
if grep -qF '     return x << 1;' ch.md && grep -qF '# A chapter' ch.md; then
  ok "--refresh kept the prose and the list indentation"
else
  no "--refresh kept the prose and the list indentation"
fi

inode=$(stat -c %i ch.md)
dc snippets --refresh ch.md
untouched "--refresh leaves an up-to-date chapter untouched" ch.md "$inode"

printf '\n```c snippet=src/a.c:nope\n```\n' >>ch.md
sed -i 's/x << 1/x * 2/' src/a.c
cp ch.md before.md
dc snippets ch.md
check "a missing region fails" 1 "ch.md:15: no region 'nope' in src/a.c"
dc snippets --refresh ch.md
kept "--refresh does not rewrite a chapter naming a missing region" 1 \
  ch.md before.md

printf '```c snippet=src/gone.c:x\n```\n' >gone.md
dc snippets gone.md
check "a missing source file fails" 1 \
  "gone.md:1: cannot read src/gone.c: No such file or directory"

# A diff excerpt is compared with what diff -u prints.
{
  echo '```diff diff=src/a.c,src/b.c'
  diff -u --label src/a.c --label src/b.c src/a.c src/b.c
  echo '```'
} >diff.md
dc snippets diff.md
check "a diff excerpt equal to diff -u passes" 0 "doccheck: 1 passed, 0 failed"
echo '/* one more line */' >>src/b.c
dc snippets diff.md
check "a diff excerpt fails once a file changes" 1 \
  "diff.md:1: diff src/a.c,src/b.c differs from the source" \
  "doccheck: 0 passed, 1 failed"

cat >cmd.md <<'EOF'
```sh exit=1
false
```

```sh
# a comment is not a command
echo continued \
  line
```
EOF
cat >>cmd.md <<'EOF'

```sh snippet=src/a.c:outer
exit 9
```

```inline``` code at the start of a prose line opens no block.

```sh
true
```
EOF
dc commands cmd.md
check "exit=1 passes on false; a continued line is one command; excerpts are not run; inline code is no fence" 0 \
  "doccheck: 3 passed, 0 failed"

printf '```sh exit=1\ntrue\n```\n' >cmd1.md
dc commands cmd1.md
check "exit=1 fails on true" 1 "cmd1.md:2: expected exit 1, got 0: true" \
  "doccheck: 0 passed, 1 failed"

printf '```sh\necho the last words; exit 7\n```\n```sh norun\nread x\n```\n' \
  >cmd2.md
dc commands cmd2.md
check "a failing command shows its output; norun is skipped" 1 \
  "cmd2.md:2: expected exit 0, got 7" "| the last words" \
  "doccheck: 0 passed, 1 failed, 1 skipped"

# The command leaves a background child behind; a timeout must kill both.
# The sleep length is unique to this run so pgrep cannot see other tests.
S=$((700000 + $$))
printf '```sh\nsleep %s & sleep %s\n```\n' "$S" "$S" >slow.md
dc commands --timeout 1 slow.md
check "a command over --timeout is reported" 1 \
  "slow.md:2: timed out after 1 s: sleep $S & sleep $S" \
  "doccheck: 0 passed, 1 failed"
if pgrep -f "sleep $S" >/dev/null; then
  no "the timed-out command and its background child are gone"
  kill $(pgrep -f "sleep $S") 2>/dev/null
else
  ok "the timed-out command and its background child are gone"
fi

# Output blocks: tied to the ```sh block before them and compared.
cat >out.md <<'EOF'
# Outputs

```sh
printf 'one\ntwo\n'
```

```text output
one
two
```

```sh exit=3
echo to stderr >&2; exit 3
```

```text output
to stderr
```
EOF
dc commands out.md
check "output blocks equal to what their commands print pass" 0 \
  "doccheck: 4 passed, 0 failed"

sed 's/^two$/deux/' out.md >drift.md
dc commands drift.md
check "a drifted output block fails, naming the chapter line that differs" 1 \
  "drift.md:9: output differs from what drift.md:3 prints" "  -deux" \
  "  +two" "doccheck: 3 passed, 1 failed"

printf '```sh\necho a; echo b\n```\n\n```text output\na\n```\n' >long.md
dc commands long.md
check "output longer than the block fails" 1 \
  "long.md:7: output differs from what long.md:1 prints" \
  "(the block ends here)" "  +b"

printf '```sh\necho a\n```\n\n```text output\na\nb\n```\n' >short.md
dc commands short.md
check "output shorter than the block fails" 1 \
  "short.md:7: output differs" "  -b" "(the output ends here)"

printf '```sh\necho x\n```\n\n```text\nx\n```\n\n```\nbare\n```\n' >untied.md
dc commands untied.md
check "an output block tied to nothing is reported, bare fences too" 1 \
  "untied.md:5: output block tied to no command" \
  "untied.md:9: output block tied to no command" \
  "doccheck: 1 passed, 2 failed"

printf '```text illustration\nA -> B\n```\n' >illus.md
dc commands illus.md
check "an illustration is declared, not compared" 0 \
  "doccheck: 0 passed, 0 failed, 1 skipped"

printf '```c\nint x;\n```\n\n```text output\nx\n```\n' >notsh.md
dc commands notsh.md
check "an output block after no sh block fails" 1 \
  "notsh.md:5: an 'output' block must come right after the"

printf '```sh norun\nslow natural run\n```\n\n```text output\nx\n```\n' \
  >norun.md
dc commands norun.md
check "the output of a norun block cannot be checked silently" 1 \
  "norun.md:5: the output of a norun block cannot be checked"

cat >sub.md <<'EOF'
```sh norun
a slow natural run
```

<!-- output-of: printf 'rate 23.00%% (seed 9051)\nok\n'; exit 1 -->
```text output normalize=count,time exit=1
rate 7.50% (seed 12)
ok
```
EOF
dc commands sub.md
check "output-of runs a stand-in for a norun block, with exit=N" 0 \
  "doccheck: 2 passed, 0 failed, 1 skipped"
sed -i 's/^ok$/okay/' sub.md
dc commands sub.md
check "the stand-in's output is compared too" 1 \
  "sub.md:8: output differs from what sub.md:5 prints"

# Each normalisation maps run-to-run differences on both sides, and only
# those: the same block without it fails.
norm() { # NAME SHOWN PRINTED
  printf '```sh\nprintf "%%s\\\\n" %s\n```\n\n```text output normalize=%s\n%s\n```\n' \
    "'$3'" "$1" "$2" >norm.md
  dc commands norm.md
  check "normalize=$1: '$2' matches '$3'" 0 "doccheck: 2 passed, 0 failed"
  sed -i "s/ normalize=$1\$//" norm.md
  dc commands norm.md
  check "without normalize=$1, '$2' differs from '$3'" 1 \
    "norm.md:6: output differs"
}
norm tmp "wrote ${TMPDIR:-/tmp}/test-log-order-gGDdei here" \
  'wrote /tmp/test-log-order-X1 here'
norm addr 'bug(+0x2b3a)[0x55bc153d5b3a]' 'bug(+0x3b6a)[0x556d47424b6a]'
norm pid '==17153== ERROR (pid=15205)' '==24488== ERROR (pid=9)'
norm time '+0.352 ms (4.75-5.76) {"ts":615912316181}' \
  '+11.597 ms (4.10-15.00) {"ts":1}'
norm count 'run 8, seed 905899684' 'run 12, seed 7'
norm count 'bug rate 28.7%' 'bug rate 24%'
norm ws '  a   b' ' a b  '
printf '```sh\necho "  1   +0.000  a 0x1f /tmp/x 24%%"\n```\n\n' >shape.md
printf '```text output shape\n 12 +11.597 a 0xab /tmp/yy 28.7%%\n```\n' >>shape.md
dc commands shape.md
check "shape: the same words in the same order, any numbers and spacing" 0 \
  "doccheck: 2 passed, 0 failed"
sed -i 's/ a 0xab/ b 0xab/' shape.md
dc commands shape.md
check "shape still compares the words" 1 "shape.md:6: output differs"
printf '```text output normalize=colour\nx\n```\n' >badnorm.md
dc commands badnorm.md
check "an unknown normalisation is bad input" 2 \
  "badnorm.md:1: unknown normalisation 'colour'"

# A '...' line stands for any number of lines.
cat >ell.md <<'EOF'
```sh
seq 1 6
```

```text output
1
2
...
6
```
EOF
dc commands ell.md
check "an elision stands for the lines between" 0 \
  "doccheck: 2 passed, 0 failed"
sed -i 's/^6$/7/' ell.md
dc commands ell.md
check "lines after an elision are still compared" 1 \
  "ell.md:9: output differs" "  -7"

# --refresh rewrites what differs, keeps an elision's head and tail, and
# leaves what matches, the prose and the other blocks as they are.
sed -i 's/seq 1 6/seq 1 9/' ell.md
{ echo; cat ell.md; } >>drift.md
dc commands --refresh drift.md
check "--refresh rewrites the output blocks that differ" 0 \
  "drift.md:7: refreshed output of drift.md:3" \
  "drift.md:24: refreshed output of drift.md:20"
sed -n '/^1$/,/^9$/p' drift.md >got
if printf '1\n2\n...\n9\n' | cmp -s - got && grep -qx two drift.md &&
  ! grep -qx deux drift.md && grep -qx '# Outputs' drift.md &&
  grep -qx 'to stderr' drift.md; then
  ok "--refresh kept the prose and the elision's head and tail"
else
  no "--refresh kept the prose and the elision's head and tail"
fi
dc commands drift.md
check "after --refresh the chapter passes" 0 "doccheck: 6 passed, 0 failed"
inode=$(stat -c %i drift.md)
dc commands --refresh drift.md
untouched "--refresh leaves matching output blocks untouched" drift.md \
  "$inode"
printf '```sh\necho 2 threads x 50000 events\n```\n\n' >measured.md
printf '```text output shape measured\n2 threads x 1000000 events\n```\n' \
  >>measured.md
dc commands measured.md
check "measured figures are compared by their declared shape" 0 \
  "doccheck: 2 passed, 0 failed"
sed -i '6s/threads x/threads of/' measured.md
cp measured.md measured.orig
dc commands --refresh measured.md
kept "--refresh never rewrites measured figures" 1 measured.md measured.orig \
  'measured.md:6: not refreshed: the block holds measured figures'
printf '```sh exit=1\necho new\n```\n\n```text output\nold\n```\n' >failed.md
cp failed.md failed.orig
dc commands --refresh failed.md
kept "--refresh keeps the block of a command that did not exit as expected" \
  1 failed.md failed.orig

printf '# t\n\n```c snippet=src/a.c:outer\nint x;\n' >open.md
dc snippets open.md
check "an unterminated fence is bad input" 2 \
  "open.md:3: unterminated code block"
dc commands open.md
check "an unterminated fence is bad input for commands too" 2 \
  "open.md:3: unterminated code block"

# Blocks are what Markdown reads: a fence inside an HTML comment is text,
# one inside a block quote is a block, kept in the quote by --refresh.
printf '<!--\n```sh\nfalse\n```\n-->\n\n```sh\ntrue\n```\n' >comment.md
dc commands comment.md
check "a fence inside an HTML comment is no block" 0 \
  "doccheck: 1 passed, 0 failed"
printf '# q\n\n> Quoted:\n>\n> ```c snippet=src/a.c:inner\n' >quote.md
printf '>   return 1;\n> ```\n' >>quote.md
dc snippets quote.md
check "an excerpt inside a block quote is checked" 1 \
  "quote.md:5: snippet src/a.c:inner differs from the source"
dc snippets --refresh quote.md
want=">   $(sed -n 's/^  return/return/p' src/a.c)"
if [ "$rc" -eq 0 ] && grep -qxF "$want" quote.md &&
  grep -qx '> ```' quote.md; then
  ok "--refresh keeps a refreshed excerpt inside its block quote"
else
  no "--refresh keeps a refreshed excerpt inside its block quote"
fi

dc snippets missing.md
check "an unreadable chapter is bad input" 2 "cannot read missing.md"
dc snippets --bogus ch.md
check "an unknown option is a usage error" 2 "unknown option '--bogus'"
dc commands --timeout 0 cmd.md
check "a bad --timeout is a usage error" 2 "--timeout"
dc commands --help
check "commands --help" 0 "usage: doccheck commands"
dc --help
check "doccheck --help" 0 "usage: doccheck snippets"

finish
