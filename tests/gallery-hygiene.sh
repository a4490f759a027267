#!/bin/sh
# gallery-hygiene.sh -- nothing left behind: hunt, compare, expose, tour
# and play are interrupted (SIGINT as from Ctrl-C, SIGTERM, a reader that
# goes away) while their children run; afterwards no process of theirs is
# left and their private $TMPDIR is empty. The programs that make temporary
# files make them under that $TMPDIR (seen there while they run) and remove
# them.
# Each gallery runs in a session of its own (setsid): whatever it started
# stays in that session even when orphaned, so the process table is
# compared by session, untouched by other work on the machine. Run from the
# repository root after `make`.
set -u
. "$(dirname "$0")/lib.sh"
G=${GALLERY:-$PWD/build/gallery}
need "$G"
command -v setsid >/dev/null ||
  { echo "gallery-hygiene.sh: no setsid" >&2; exit 3; }
# $TD: the galleries' $TMPDIR, which must be empty after each case.
TD=$T/tmp
mkdir "$TD"
# no DESC: a failed check, with what went wrong.
no() {
  notok "$1"
  quote "$T/why" 20
}
# in_session SID: the processes still in that session.
in_session() {
  ps -e -o sid= -o pid= -o stat= -o args= | awk -v s="$1" '$1 == s'
}
# wait_for COND...: polls until COND holds, for at most 30 s (the state
# being waited for is visible in the file system or the process table; no
# event announces it).
wait_for() {
  i=0
  until "$@"; do
    i=$((i + 1))
    [ $i -gt 600 ] && return 1
    sleep 0.05
  done
}
has_file() { ls "$TD" 2>/dev/null | grep -q "^$1-"; }
has_fanout() { has_file fanout; }
has_child() { [ "$(in_session "$sid" | wc -l)" -gt 1 ]; }
exited() { ps -o stat= -p "$sid" | grep -qv '^Z' && return 1 || return 0; }
gone() { [ -z "$(in_session "$sid" | grep -v ' Z')" ]; }

# Criterion's runner keeps a socket /tmp/criterion_PID.sock (in /tmp,
# whatever $TMPDIR says) while it runs; one whose process is gone was left
# behind. Those already there when this test started are not its own.
ls /tmp/criterion_*.sock >"$T/socks.before" 2>/dev/null
stale_socks() {
  for f in /tmp/criterion_*.sock; do
    [ -e "$f" ] || continue
    pid=${f#/tmp/criterion_}
    pid=${pid%.sock}
    kill -0 "$pid" 2>/dev/null && continue
    grep -qxF "$f" "$T/socks.before" || echo "$f"
  done
}

# ended DESC EXPECTED-RC: the gallery $sid exited EXPECTED-RC; nothing of
# it is left in the process table, in $TMPDIR or as a runner's socket.
ended() {
  : >"$T/why"
  if ! wait_for exited; then
    echo "did not exit within 30 s of the signal: killed" >>"$T/why"
    in_session "$sid" | awk '{print $2}' | xargs -r kill -KILL 2>/dev/null
  fi
  wait "$sid"
  rc=$?
  # A SIGKILLed grandchild may take a moment to leave the table.
  wait_for gone || { echo "left running:"; in_session "$sid"; } >>"$T/why"
  left=$(ls -A "$TD")
  [ -n "$left" ] && echo "left in \$TMPDIR: $left" >>"$T/why"
  socks=$(stale_socks)
  if [ -n "$socks" ]; then
    echo "a test runner's socket left: $socks" >>"$T/why"
    echo "$socks" >>"$T/socks.before" # said once, in the case that left it
  fi
  [ "$rc" -ne "$2" ] && echo "exit $rc, wanted $2" >>"$T/why"
  if [ -s "$T/why" ]; then
    cat "$T/err" >>"$T/why" 2>/dev/null
    no "$1"
  else
    ok "$1"
  fi
  rm -rf "${TD:?}"/* "$T/err"
}
# A background job of a script starts with SIGINT ignored; Ctrl-C reaches
# a gallery whose SIGINT is at its default, so the test starts it so.
DFL=
env --default-signal=INT true 2>/dev/null && DFL="env --default-signal=INT"
# verdict_empty DESC: ok when nothing went wrong ($T/why is empty) and
# nothing is left in $TMPDIR; then $TMPDIR is emptied for the next case.
verdict_empty() {
  left=$(ls -A "$TD")
  [ -n "$left" ] && echo "left in \$TMPDIR: $left" >>"$T/why"
  if [ -s "$T/why" ]; then no "$1"; else ok "$1"; fi
  rm -rf "${TD:?}"/*
}

# start ARGS...: the gallery in a session of its own; its pid is the sid.
start() {
  TMPDIR=$TD setsid $DFL "${GX:-$G}" "$@" >/dev/null 2>"$T/err" </dev/null &
  sid=$!
}

# 1. Ctrl-C during a hunt of 12's fix, while a run's files exist.
start hunt 12 --fix --runs 1000
wait_for has_fanout
kill -INT "$sid"
ended "hunt 12 --fix stopped by SIGINT leaves no process and no file" 130

# 2. SIGTERM during compare 12, while a run's files exist.
start compare 12
wait_for has_fanout
kill -TERM "$sid"
ended "compare 12 stopped by SIGTERM leaves no process and no file" 143

# 3. SIGINT during expose 13, while its test runs. The real test ends in
# a tenth of a second, before a signal could be sure to find it running, so
# a copy of the gallery runs a stand-in test (found next to the copy) that
# makes a file and waits until it is stopped.
R=$T/root
mkdir -p "$R/build/tests"
cp "$G" "$R/build/gallery"
for f in bugs/*/scenario.conf; do
  mkdir -p "$R/${f%/*}" && cp "$f" "$R/$f"
done
printf '%s\n' '#!/bin/sh' 'f=$(mktemp "$TMPDIR/expose-standin-XXXXXX")' \
  'trap '"'"'rm -f "$f"; exit 143'"'"' INT TERM' 'sleep 300 &' 'wait' \
  >"$R/build/tests/13-lock-order-bug"
chmod +x "$R/build/tests/13-lock-order-bug"
GX=$R/build/gallery start expose 13
wait_for has_file expose-standin
kill -INT "$sid"
ended "expose 13 stopped by SIGINT leaves no process and no file" 130

# 4. SIGTERM during the tour, while its first child runs.
start tour --all --runs 2
wait_for has_child
kill -TERM "$sid"
ended "tour stopped by SIGTERM leaves no process and no file" 143

# 5. The tour's reader goes away (`tour | head -1`): the gallery dies of
# SIGPIPE at its next write, its files removed.
TMPDIR=$TD setsid sh -c '"$1" tour --all --runs 2 </dev/null |
  head -1 >/dev/null
  exit $?' sh "$G" 2>"$T/err" &
sid=$!
ended "tour | head -1 leaves no process and no file" 0

# 6. Ctrl-C during play 01 while the game waits for the player's pick:
# the program, parked at its question, is stopped too and removes its
# file. stdin stays open (a FIFO this shell holds) and gives no answer.
mkfifo "$T/in"
exec 9<>"$T/in"
TMPDIR=$TD setsid $DFL "$G" play 01 >"$T/out" 2>"$T/err" <&9 &
sid=$!
asked() { grep -q "your pick" "$T/out" 2>/dev/null; }
wait_for asked
kill -INT "$sid"
ended "play 01 stopped by SIGINT at a question leaves no process and no file" \
  130
exec 9>&-

# 7. Runs that end by themselves make their files under $TMPDIR (the old
# drivers of 01, 04 and 11 wrote to /tmp) and remove them. Each is slowed
# down (its own options) so that the file lives long enough to be seen.
for case in "01 log-order --latency-us 300000" \
  "04 heisenbug --log corrlog --work 100000000" \
  "11 stale-buffer --records 100000"; do
  set -- $case
  s=$1 prefix=$2
  shift 2
  start run "$s" --fix -- "$@"
  if wait_for has_file "$prefix"; then
    ended "run $s --fix makes its file under \$TMPDIR and removes it" 0
  else
    wait "$sid"
    echo "no $prefix-* appeared in \$TMPDIR" >"$T/why"
    no "run $s --fix makes its file under \$TMPDIR and removes it"
  fi
done

# 8. Hunts of 01's bug that stop at the first failure: the runs still in
# flight are stopped (SIGTERM, then the grace) and remove their files.
: >"$T/why"
for i in 1 2 3 4 5 6; do
  TMPDIR=$TD "$G" hunt 01 >/dev/null 2>"$T/err" </dev/null
  rc=$?
  [ "$rc" -eq 1 ] || echo "hunt $i: exit $rc, wanted 1 (a failure)" >>"$T/why"
done
verdict_empty "6 hunts of 01 stopped at the first failure leave no file"

# 9. Runs the scheduler ends itself (a script that does not fit: exit 2)
# remove their files too (dsched_on_stop): 01's driver on the loop's
# side, 11's likewise, 04's on the threads' side. Each makes its file
# before the run, and the script's first step names nothing pending.
for case in "01-log-order order:work#5 --requests 3" \
  "11-stale-buffer order:work#99" \
  "04-heisenbug order:nobody --log corrlog"; do
  set -- $case
  name=$1 prog=build/bin/$1-fix sched=$2
  shift 2
  : >"$T/why"
  TMPDIR=$TD "$prog" --schedule "$sched" "$@" >/dev/null 2>"$T/err" </dev/null
  rc=$?
  [ "$rc" -eq 2 ] || echo "$prog --schedule $sched: exit $rc, wanted 2" >>"$T/why"
  grep -q 'does not match the program' "$T/err" ||
    { echo "no mismatch report:"; cat "$T/err"; } >>"$T/why"
  verdict_empty "$name: a run the scheduler ends leaves no file"
done

finish
