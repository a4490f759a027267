#!/bin/sh
# gallery-cli.sh -- the gallery's command-line promises: usage errors exit 2
# and name the problem (a repeated variant, a count like "5x", a --log path
# that cannot be written); a closed stdout is said once and fast; a run that
# makes no progress is stopped at the scenario's time limit and says what it
# means; a tour row with 0 runs is "no verdict", never "ok". The last two run
# a copy of build/gallery in a scratch tree whose programs are stand-ins (a
# program that never finishes, a hunt that completes no run), so that they
# are deterministic. Run from the repository root after `make`.
set -u
G=build/gallery
. "$(dirname "$0")/lib.sh"
need "$G"
# no DESC: a failed check, with the stderr it saw.
no() {
  notok "$1"
  quote "$T/err" 15
}

refused 'choose one variant' "run 01 --bug --fix is a usage error" -- \
  $G run 01 --bug --fix
refused 'choose one variant' "expose 01 --fix --sync is a usage error" -- \
  $G expose 01 --fix --sync
refused "--runs .*'5x'" "tour --runs 5x is a usage error" -- \
  $G tour --runs 5x
refused "--reps .*'5x'" "compare 01 --reps 5x is a usage error" -- \
  $G compare 01 --reps 5x
refused "$T/no-such-dir/run.jsonl" "run --log names a path it cannot write" \
  -- $G run 01 --log "$T/no-such-dir/run.jsonl"
# One schedule grammar: the gallery refuses what the scheduler would, up
# front (the run's own "under schedule" line is never printed).
refused "bad depth '20'" \
  "run --schedule pct:1:20 is refused by the spec parser" \
  -- $G run 06 --bug --schedule pct:1:20
refused "0\\.\\.9223372036854775807" \
  "run --seed 2^63 is refused by the spec parser" \
  -- $G run 06 --bug --seed 9223372036854775808
# Options are read with getopt_long from one table per command: a value
# may follow "=", a flag takes none, a name must be typed in full, every
# command takes --help after its scenario, and an error points at the
# command's own help.
refused "bad depth '20'" "run --schedule=SPEC is read as --schedule SPEC" \
  -- $G run 06 --bug --schedule=pct:1:20
refused "'--sched'" "run --sched (a prefix) is an unknown option" -- \
  $G run 06 --bug --sched fifo
refused "--bug takes no value" "run --bug=1 is a usage error" -- \
  $G run 01 --bug=1
refused "see build/gallery compare --help" \
  "an error names the command's help" -- $G compare 01 --bogus
for cmd in run expose compare show play try; do
  TMPDIR=$T timeout 60 $G $cmd 01 --help >"$T/out" 2>"$T/err"
  rc=$?
  if [ "$rc" -eq 0 ] && grep -q "^usage: gallery $cmd NN" "$T/out"; then
    ok "$cmd 01 --help prints the command's help"
  else
    echo "exit $rc" >>"$T/err"
    no "$cmd 01 --help prints the command's help"
  fi
done
mkdir "$T/adir"
refused "$T/adir" "run --log names a directory given as the file" -- \
  $G run 01 --log "$T/adir"

# A closed stdout: one message on stderr, a non-zero exit, at once (the old
# gallery ran the whole tour, 100 s, and exited 1 saying nothing).
t0=$(date +%s)
TMPDIR=$T timeout 20 $G tour --all >&- 2>"$T/err"
rc=$?
t1=$(date +%s)
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
  [ $((t1 - t0)) -le 5 ]; then
  ok "tour with stdout closed says so on stderr and exits $rc"
else
  echo "exit $rc after $((t1 - t0)) s" >>"$T/err"
  no "tour with stdout closed says so on stderr and exits promptly"
fi

# The scratch tree: build/gallery (a copy: it finds its programs next to
# itself), the scenario files it reads, and stand-ins for every program it
# runs.
R=$T/root
mkdir -p "$R/build/bin" "$R/build/tests"
cp "$G" "$R/build/gallery"
for f in bugs/*/scenario.conf; do
  mkdir -p "$R/${f%/*}" && cp "$f" "$R/$f"
done
for s in $($G info --json | jq -r '.[].name'); do
  for v in sync bug fix; do
    printf '#!/bin/sh\nexit 0\n' >"$R/build/bin/$s-$v"
    printf '#!/bin/sh\nexit %d\n' "$([ $v = bug ] && echo 1 || echo 0)" \
      >"$R/build/tests/$s-$v"
  done
done
# Scenario 13's bug: a program that never makes progress (it waits on a
# pipe nobody writes), and records its pid so the test can tell it is gone.
cat >"$R/build/bin/13-lock-order-bug" <<'EOF'
#!/bin/sh
echo $$ >"$TMPDIR/stuck.pid"
exec sleep 300
EOF
# hunt: completes no run in its time budget (what a loaded machine did to
# the tour's hunts), and says so in its JSON summary.
cat >"$R/build/hunt" <<'EOF'
#!/bin/sh
json=
while [ $# -gt 0 ]; do
  case $1 in --json) json=$2; shift ;; --) break ;; esac
  shift
done
[ -n "$json" ] && printf '{"runs": 0, "failures": 0, "stopped": "max-time",
 "interrupted": false, "rate": null, "ci95": null, "first_failure": null,
 "perturbation": null, "setup_error": null, "base_seed": 1,
 "elapsed_s": 7.0}\n' >"$json"
echo "hunt: no run completed in 7 s"
exit 3
EOF
chmod +x "$R/build/gallery" "$R/build/hunt" "$R/build/bin/"* "$R/build/tests/"*

t0=$(date +%s)
TMPDIR=$T timeout 30 "$R/build/gallery" run 13 --bug >"$T/out" 2>"$T/err"
rc=$?
t1=$(date +%s)
pid=$(cat "$T/stuck.pid" 2>/dev/null)
if [ "$rc" -eq 1 ] && grep -q 'no progress for 5 s' "$T/err" &&
  grep -q 'deadlock chapter 13' "$T/err" &&
  grep -q -- '--schedule' "$T/err" && [ $((t1 - t0)) -le 10 ] &&
  [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
  ok "run 13 --bug that makes no progress is stopped at 5 s and explained"
else
  echo "exit $rc after $((t1 - t0)) s; stand-in pid ${pid:-none}" >>"$T/err"
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  no "run 13 --bug that makes no progress is stopped and explained"
fi
rm -f "$T/stuck.pid"

TMPDIR=$T timeout 60 "$R/build/gallery" tour --all --runs 2 >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out" >>"$T/err"
if [ "$rc" -ne 0 ] && grep -q 'no verdict: 0 runs in 7 s' "$T/out" &&
  ! grep -qE 'ok 0/0|failed 0 of 0' "$T/out"; then
  ok "a tour row with 0 runs says no verdict and the tour fails (exit $rc)"
else
  echo "exit $rc" >>"$T/err"
  no "a tour row with 0 runs says no verdict and the tour fails"
fi

leftover=$(ls -A "$T" | grep -v -e '^out$' -e '^err$' -e '^root$' -e '^adir$')
if [ -z "$leftover" ]; then
  ok "nothing left in \$TMPDIR"
else
  echo "left: $leftover" >"$T/err"
  no "nothing left in \$TMPDIR"
fi

finish
