#!/bin/sh
# make-promises.sh -- the promises of the build and of its test runners,
# checked: `make help` lists every target, even once build/ holds dependency
# files; a plain `make` builds in parallel; `make deps` (tools/deps.list)
# covers every program the README's make targets run; run-tests.sh fails a
# test script it cannot run; sched-determinism.sh fails a run that takes no
# scheduled step and compares the scheduler's record (SCHED_LOG), not the
# schedules programs print; a scenario's check that cannot read its file is
# a setup failure (exit 3), never the invariant. Run from the repository
# root after `make all`.
set -u
B=${B:-build}
root=$(pwd)
. "$(dirname "$0")/lib.sh"
# mk ARGS...: make as a user types it, not as a child of `make test`, whose
# MAKEFLAGS (jobs, jobserver) and MAKELEVEL would change what is measured.
mk() {
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@"
}

# ---------------------------------------------------------------- make help
# A build leaves .d files that the Makefile includes. An empty build
# directory with one stands in for a built tree, whatever state build/ is in.
mkdir -p "$T/b/obj"
echo 'x.o: x.c' >"$T/b/obj/x.d"
mk -pn B="$T/b" help >"$T/db" 2>&1
phony=$(sed -n 's/^\.PHONY: //p' "$T/db" | tr ' ' '\n' | sort -u | tr '\n' ' ')
if ! grep -q "^MAKEFILE_LIST := .*$T/b/obj/x.d" "$T/db"; then
  notok "make help: the Makefile did not include $T/b/obj/x.d, so this test proves nothing"
elif [ -z "$phony" ]; then
  notok "make help: no .PHONY targets in make's database"
else
  mk -s B="$T/b" help >"$T/help" 2>&1
  bad=$(grep -vE '^  make [a-z][a-z-]* +[^ ]' "$T/help" | head -n 3)
  listed=$(sed -n 's/^  make \([a-z][a-z-]*\) .*/\1/p' "$T/help" | sort -u | tr '\n' ' ')
  missing=""
  for t in $phony; do
    case " $listed " in *" $t "*) ;; *) missing="$missing $t" ;; esac
  done
  if [ -n "$bad" ]; then
    notok "make help: lines not of the form 'make TARGET  what it does': $bad"
  elif [ -n "$missing" ]; then
    notok "make help: leaves out$missing"
  else
    ok "make help: every target ($phony) on a 'make TARGET' line, with .d files included"
  fi
fi

# ---------------------------------------------------------------- parallel
# Two recipes that can only finish together: one writes into a FIFO, which
# blocks until the other opens it to read. A serial build runs the writer
# alone and blocks until the timeout; a parallel one finishes at once.
mkfifo "$T/fifo"
cat >"$T/rendezvous.mk" <<EOF
.DEFAULT_GOAL := rendezvous
rendezvous: rv-writer rv-reader
rv-writer: ; @echo meet >"$T/fifo"
rv-reader: ; @cat "$T/fifo" >/dev/null
.PHONY: rendezvous rv-writer rv-reader
EOF
if timeout 20 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    make --no-print-directory -f Makefile -f "$T/rendezvous.mk" B="$T/b" >"$T/par" 2>&1; then
  ok "make: two recipes run at the same time by default"
else
  notok "make: the default build is serial (two recipes that must run together did not): $(head -n 2 "$T/par")"
  # A writer still blocked in open() is released by a reader: on Linux,
  # opening a FIFO read-write does not block.
  exec 3<>"$T/fifo"
  exec 3>&-
fi

# ---------------------------------------------------------------- links
# Each program links the libraries it uses: jansson only into what reads or
# writes JSON, libuv only into what runs the scheduler's libuv side. The
# link lines of a build from scratch (-B, into an empty B), not run (-n).
mk -nB V=1 B="$T/l" "$T/l/doccheck" "$T/l/hunt" \
  "$T/l/bin/01-log-order-bug" >"$T/links" 2>&1
link_of() { grep -E -- "-o $T/l/$1 " "$T/links"; }
if ! link_of doccheck >/dev/null || ! link_of hunt >/dev/null ||
   ! link_of bin/01-log-order-bug >/dev/null; then
  notok "links: make -n printed no link line to check: $(tail -n 3 "$T/links")"
elif link_of doccheck | grep -qE -- '-ljansson|-luv'; then
  notok "links: doccheck links jansson or libuv: $(link_of doccheck)"
elif link_of hunt | grep -q -- '-luv' || ! link_of hunt | grep -q -- '-ljansson'; then
  notok "links: hunt should link jansson and not libuv: $(link_of hunt)"
elif link_of bin/01-log-order-bug | grep -q -- '-ljansson' ||
     ! link_of bin/01-log-order-bug | grep -q -- '-luv'; then
  notok "links: a lesson should link libuv and not jansson"
else
  ok "links: doccheck links neither jansson nor libuv, hunt jansson, a lesson libuv"
fi

# ---------------------------------------------------------------- bench
# `make bench` measures and changes no tracked file; `make tables` is the
# one target that writes measured tables into the chapters.
mk -n bench >"$T/bench" 2>&1
mk -n tables >"$T/tables" 2>&1
if grep -q -- '--write' "$T/bench"; then
  notok "make bench writes into chapters: $(grep -m1 -- '--write' "$T/bench")"
elif ! grep -q -- '--write' "$T/tables"; then
  notok "make tables does not write the tables into the chapters"
else
  ok "make bench keeps its tables under build/; make tables writes chapters"
fi

# ---------------------------------------------------------------- sanitizer reports
# What a sanitizer report looks like is written once, in
# tools/sanitizer-report.pat, and both runners and gallery try read it: it
# matches each kind of report and not a clean line, and none of the three
# keeps a copy (a string of a report's words in try.c).
pat=tools/sanitizer-report.pat
missed=""
for l in "==1==ERROR: AddressSanitizer: heap-use-after-free" \
  "==1==ERROR: LeakSanitizer: detected memory leaks" \
  "WARNING: ThreadSanitizer: data race (pid=1)" \
  "a.c:3:5: runtime error: signed integer overflow"; do
  printf '%s\n' "$l" | grep -qEf "$pat" || missed="$missed [$l]"
done
try=tools/instruments/gallery/try.c
copies=$(grep -lE "Sanitizer\|WARNING: ThreadSanitizer" tools/check.sh \
  tools/run-tests.sh 2>/dev/null)
copies="$copies$(grep -lE '"[^"]*(Sanitizer|runtime error|ERROR: )' "$try")"
if [ -n "$missed" ]; then
  notok "sanitizer reports: $pat misses$missed"
elif echo "all 3 runs passed" | grep -qEf "$pat"; then
  notok "sanitizer reports: $pat matches a clean line"
elif [ -n "$copies" ] || ! grep -q "$pat" tools/check.sh ||
  ! grep -q "$pat" tools/run-tests.sh || ! grep -q "\"$pat\"" "$try"; then
  notok "sanitizer reports: a runner keeps its own pattern ($copies)"
else
  ok "sanitizer reports: one pattern ($pat), read by check.sh, run-tests.sh and gallery try"
fi

# ---------------------------------------------------------------- make deps
# The programs each make target the README names would run: the commands of
# its recipes (make -n -B), and of every repository script they run, and
# scripts those run. Each must be on a line of tools/deps.list, or come from
# a Debian package that every Debian has (Essential or Priority: required),
# or from a package such a line installs (through its dependencies).
# tools/deps.sh itself is the installer: what it runs cannot be installed
# by it.
tools/deps.sh --list >"$T/list" && [ -s "$T/list" ] ||
  notok "tools/deps.sh --list failed or listed nothing"
targets=$(tr '\n' ' ' <README.md | grep -oE '\bmake +[a-z][a-z-]*' |
  awk '{print $2}' | sort -u)
: >"$T/cmds"
run_targets=""
for t in $targets; do
  case " $phony " in *" $t "*) ;; *) continue ;; esac
  [ "$t" = deps ] && continue
  run_targets="$run_targets $t"
  mk -n -B B="$T/b" "$t" >>"$T/cmds" 2>/dev/null
done
# cmdwords: the words in command position of shell text on stdin, with
# heredoc bodies and comments left out.
cmdwords() {
  awk '
    skip != "" { t = $0; gsub(/^[ \t]+|[ \t]+$/, "", t); if (t == skip) skip = ""; next }
    {
      line = $0
      if (match(line, /<<-?[ \t]*["'\'']?[A-Za-z_]+/)) {
        skip = substr(line, RSTART, RLENGTH); gsub(/^<<-?[ \t]*["'\'']?/, "", skip)
      }
      sub(/(^|[ \t])#.*/, "", line)
      gsub(/\$\(\(/, " ", line)
      gsub(/&&|\|\||[;|`(){}!]|\$\(/, "\n", line)
      n = split(line, seg, "\n")
      for (i = 1; i <= n; i++) {
        m = split(seg[i], w, /[ \t]+/)
        for (j = 1; j <= m; j++) {
          if (w[j] == "" || w[j] ~ /^[A-Za-z_][A-Za-z_0-9]*=/ || w[j] ~ /^-/ ||
              w[j] ~ /^[0-9]+$/ || w[j] ~ /^(if|then|do|else|elif|while|until|time|exec|command|env|timeout|nohup|xargs|sudo)$/)
            continue
          print w[j]; break
        }
      }
    }'
}
# Scripts: every repository path a command or script names that is a file
# starting with #!; each is read once.
: >"$T/seen"
queue="$T/cmds"
while [ -n "$queue" ]; do
  next=""
  for f in $queue; do
    cmdwords <"$f" >>"$T/words"
    for s in $(grep -oE '(tools|tests)/[A-Za-z0-9_.*/-]+' "$f" | sort -u); do
      for p in $s; do # a glob such as tests/*.sh expands here
        [ -f "$p" ] && [ "$p" != tools/deps.sh ] || continue
        head -c 2 "$p" | grep -q '^#!' || continue
        grep -qxF "$p" "$T/seen" && continue
        echo "$p" >>"$T/seen"
        next="$next $p"
      done
    done
  done
  queue=$next
done
# Shell functions the scripts define are not programs.
funcs=$(xargs cat <"$T/seen" 2>/dev/null |
  sed -n 's/^[ \t]*\([A-Za-z_][A-Za-z_0-9]*\)()[ \t]*{*.*/\1/p' | sort -u | tr '\n' ' ')
# Installed packages: name, whether every Debian has it, and what it needs.
dpkg-query -W -f '${Package}\t${Essential}\t${Priority}\t${Pre-Depends}, ${Depends}\n' \
  >"$T/pkgs" 2>/dev/null
cut -d' ' -f2 "$T/list" >"$T/roots"
# The closure of the list's packages over their dependencies.
awk -F'\t' '
  FILENAME == ARGV[1] { root[$1] = 1; next }
  { n = split($4, d, /[,|]/); deps[$1] = ""
    for (i = 1; i <= n; i++) { x = d[i]; sub(/\(.*\)/, "", x); sub(/:.*/, "", x)
      gsub(/[ \t]/, "", x); if (x != "") deps[$1] = deps[$1] " " x } }
  END { for (r in root) stack[++sp] = r
    while (sp > 0) { p = stack[sp--]; if (p in got) continue; got[p] = 1; print p
      n = split(deps[p], d, " "); for (i = 1; i <= n; i++) if (!(d[i] in got)) stack[++sp] = d[i] } }
' "$T/roots" "$T/pkgs" >"$T/closure"
awk -F'\t' '$2 == "yes" || $3 == "required" { print $1 }' "$T/pkgs" >"$T/base"
checked="" uncovered=""
: >"$T/paths"
for w in $(sort -u "$T/words"); do
  case $w in */* | \$* | \"* | \'* | *\\*) continue ;; esac
  case " $funcs " in *" $w "*) continue ;; esac
  p=$(command -v "$w" 2>/dev/null) || continue
  case $p in /*) ;; *) continue ;; esac # a builtin or keyword
  checked="$checked $w"
  awk -v w="$w" '$1 == w { f = 1 } END { exit !f }' "$T/list" && continue
  # dpkg knows a file by the path its package installed: with /usr merged,
  # /usr/bin/cat is /bin/cat; an alternative is known by its target.
  printf '%s\t%s\t%s\t%s\n' "$w" "$p" "$(readlink -f "$p")" "${p#/usr}" >>"$T/paths"
done
# One dpkg query for every candidate path ("package: path" lines).
cut -f2- "$T/paths" | tr '\t' '\n' | sort -u | xargs -r dpkg -S 2>/dev/null |
  awk '/^diversion / { next }
    { i = index($0, ": "); pkg = substr($0, 1, i - 1); sub(/[:,].*/, "", pkg)
      print pkg "\t" substr($0, i + 2) }' >"$T/owners"
while IFS="$(printf '\t')" read -r w p real short; do
  pkg=$(awk -F'\t' -v a="$p" -v b="$real" -v c="$short" \
    '$2 == a || $2 == b || $2 == c { print $1; exit }' "$T/owners")
  if [ -z "$pkg" ]; then
    uncovered="$uncovered $w($p: no Debian package owns it)"
  elif ! grep -qxF "$pkg" "$T/base" && ! grep -qxF "$pkg" "$T/closure"; then
    uncovered="$uncovered $w($pkg)"
  fi
done <"$T/paths"
if [ -z "$checked" ]; then
  notok "make deps: found no program that the README's targets run (targets:$run_targets)"
elif [ -n "$uncovered" ]; then
  notok "make deps: tools/deps.list does not cover what these targets run:$uncovered"
else
  ok "make deps: tools/deps.list covers the$checked that make$run_targets run, through $(wc -l <"$T/seen") scripts"
fi
# One list: CI and the Makefile install through tools/deps.sh, not by
# naming packages of their own.
if grep -q 'apt-get' .ci/run Makefile; then
  notok "one list: .ci/run or the Makefile runs apt-get itself: $(grep -n 'apt-get' .ci/run Makefile | head -n 2)"
elif ! grep -q 'tools/deps.sh' .ci/run || ! grep -q 'tools/deps.sh' Makefile; then
  notok "one list: .ci/run and the Makefile must install through tools/deps.sh"
else
  ok "one list: .ci/run and make deps both install through tools/deps.sh"
fi
# deps.sh reads the list it is given: a required line whose program is
# missing is reported with its package; an optional one is said so.
mkdir "$T/deps"
cp tools/deps.sh "$T/deps/"
printf 'sh dash\nno-such-program-mp nosuch-pkg-mp\nno-such-opt-mp opt-pkg-mp optional\n' >"$T/deps/deps.list"
sh "$T/deps/deps.sh" --check >"$T/deps/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'missing Debian packages: nosuch-pkg-mp$' "$T/deps/out" &&
  grep -q 'optional, not installed: opt-pkg-mp' "$T/deps/out"; then
  ok "tools/deps.sh --check: names the missing package, and the optional one as optional"
else
  notok "tools/deps.sh --check: exit $rc: $(tr '\n' ' ' <"$T/deps/out")"
fi

# ---------------------------------------------------------------- run-tests
# A test script that is not executable is a failure, named, not a skip.
mkdir -p "$T/rt/tests" "$T/rt/build"
printf '#!/bin/sh\nexit 0\n' >"$T/rt/tests/runs.sh"
cp "$T/rt/tests/runs.sh" "$T/rt/tests/lost-mode.sh"
chmod +x "$T/rt/tests/runs.sh"
(cd "$T/rt" && B=build SKIP_DOCS=1 sh "$root/tools/run-tests.sh") >"$T/rt/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q '^PASS  tests/runs.sh' "$T/rt/out" &&
  grep -q '^FAIL  tests/lost-mode.sh: not executable' "$T/rt/out"; then
  ok "run-tests.sh: a test script without the x bit fails, by name"
else
  notok "run-tests.sh: exit $rc with a non-executable test script: $(tail -n 3 "$T/rt/out" | tr '\n' ' ')"
fi

# ---------------------------------------------------------------- sched-determinism
# Runs under schedule "none" take no step: the self-check must fail them,
# and pass the same programs under a real schedule. Fixes, whose natural
# runs all end the same way, keep the exit codes out of it.
mkdir -p "$T/sd/bin"
for p in 01-log-order-fix 12-unbounded-fanout-fix; do
  ln -s "$root/$B/bin/$p" "$T/sd/bin/$p"
done
B="$T/sd" SEEDS=none NO_STEPS=12-unbounded-fanout tests/sched-determinism.sh >"$T/sd/none" 2>&1
rc_none=$?
B="$T/sd" SEEDS=random:11 NO_STEPS=12-unbounded-fanout tests/sched-determinism.sh >"$T/sd/rand" 2>&1
rc_rand=$?
if [ "$rc_none" -ne 0 ] && grep -q 'not ok - 01-log-order-fix under none: took no scheduled step' "$T/sd/none" &&
  [ "$rc_rand" -eq 0 ]; then
  ok "sched-determinism.sh: a run that takes no scheduled step fails unless NO_STEPS names it"
else
  notok "sched-determinism.sh: exit $rc_none under none, $rc_rand under random:11: $(grep -h 'not ok' "$T/sd/none" "$T/sd/rand" | head -n 2)"
fi
# The choices it compares are the scheduler's record (SCHED_LOG), not text
# a program prints: a program that prints schedule lines and records
# nothing fails; one that records a choice and prints nothing passes.
mkdir -p "$T/sd/says/bin" "$T/sd/logs/bin"
cat >"$T/sd/says/bin/01-says-fix" <<'EOF'
#!/bin/sh
echo 'says: schedule taken: order:t1@lock'
echo 'sched: schedule: order:t1@lock' >&2
EOF
cat >"$T/sd/logs/bin/01-logs-fix" <<'EOF'
#!/bin/sh
printf '%s\n' '{"ev":"step","kind":"sched","msg":"t1@lock (of 2 runnable)"}' \
  '{"ev":"trailer","dropped":0,"events":1,"recorder":"sched"}' >>"$SCHED_LOG"
EOF
chmod +x "$T/sd/says/bin/01-says-fix" "$T/sd/logs/bin/01-logs-fix"
B="$T/sd/says" SEEDS=random:11 NO_STEPS= tests/sched-determinism.sh >"$T/sd/says.out" 2>&1
rc_says=$?
B="$T/sd/logs" SEEDS=random:11 NO_STEPS= tests/sched-determinism.sh >"$T/sd/logs.out" 2>&1
rc_logs=$?
if [ "$rc_says" -ne 0 ] && grep -q "not ok - 01-says-fix under random:11: SCHED_LOG left no record" "$T/sd/says.out" &&
  [ "$rc_logs" -eq 0 ] && grep -q "ok - 01-logs-fix under random:11: 1 choices" "$T/sd/logs.out"; then
  ok "sched-determinism.sh: compares the scheduler's record of its choices, not the schedule a program prints"
else
  notok "sched-determinism.sh: exit $rc_says for a program that only prints a schedule (want 1), $rc_logs for one that only records it (want 0): $(grep -h 'ok -' "$T/sd/says.out" "$T/sd/logs.out" | head -n 2)"
fi

# ---------------------------------------------------------------- check I/O errors
# A check that cannot read its file is a setup failure: exit 3, the file
# named, and not a word of the invariant (that would count as the bug).
for spec in "01-log-order --log" "11-stale-buffer --out"; do
  scen=${spec% *}
  opt=${spec#* }
  for v in sync bug fix; do
    for path in / "$T/no-such-dir/file"; do
      "$B/bin/$scen-$v" "$opt" "$path" --check-only >"$T/io" 2>&1
      rc=$?
      if [ "$rc" -eq 3 ] && grep -qF "$path" "$T/io" && ! grep -q 'invariant violated' "$T/io"; then
        ok "$scen-$v: cannot read $path: exit 3, the file named, no invariant"
      else
        notok "$scen-$v $opt $path --check-only: exit $rc (want 3): $(head -n 2 "$T/io" | tr '\n' ' ')"
      fi
    done
  done
done

finish
