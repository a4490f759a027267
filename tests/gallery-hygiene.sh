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
G=${GALLERY:-$PWD/build/gallery}
[ -x "$G" ] || { echo "gallery-hygiene.sh: $G is missing (make)" >&2; exit 3; }
command -v setsid >/dev/null || { echo "gallery-hygiene.sh: no setsid" >&2; exit 3; }
W=$(mktemp -d "${TMPDIR:-/tmp}/gallery-hygiene.XXXXXX") || exit 3
T=$W/tmp
mkdir "$T"
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
N=0
FAILS=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
no() {
  N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $1"
  sed 's/^/    | /' "$W/why" | head -20
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
has_file() { ls "$T" 2>/dev/null | grep -q "^$1-"; }
has_fanout() { has_file fanout; }
has_child() { [ "$(in_session "$sid" | wc -l)" -gt 1 ]; }
exited() { ps -o stat= -p "$sid" | grep -qv '^Z' && return 1 || return 0; }
gone() { [ -z "$(in_session "$sid" | grep -v ' Z')" ]; }

# check DESC EXPECTED-RC: the gallery $sid exited EXPECTED-RC; nothing of
# it is left in the process table or in $TMPDIR.
check() {
  : >"$W/why"
  if ! wait_for exited; then
    echo "did not exit within 30 s of the signal: killed" >>"$W/why"
    in_session "$sid" | awk '{print $2}' | xargs -r kill -KILL 2>/dev/null
  fi
  wait "$sid"
  rc=$?
  # A SIGKILLed grandchild may take a moment to leave the table.
  wait_for gone || { echo "left running:"; in_session "$sid"; } >>"$W/why"
  left=$(ls -A "$T")
  [ -n "$left" ] && echo "left in \$TMPDIR: $left" >>"$W/why"
  [ "$rc" -ne "$2" ] && echo "exit $rc, wanted $2" >>"$W/why"
  if [ -s "$W/why" ]; then
    cat "$W/err" >>"$W/why" 2>/dev/null
    no "$1"
  else
    ok "$1"
  fi
  rm -rf "${T:?}"/* "$W/err"
}
# A background job of a script starts with SIGINT ignored; Ctrl-C reaches
# a gallery whose SIGINT is at its default, so the test starts it so.
DFL=
env --default-signal=INT true 2>/dev/null && DFL="env --default-signal=INT"
# start ARGS...: the gallery in a session of its own; its pid is the sid.
start() {
  TMPDIR=$T setsid $DFL "${GX:-$G}" "$@" >/dev/null 2>"$W/err" </dev/null &
  sid=$!
}

# 1. Ctrl-C during a hunt of 12's fix, while a run's files exist.
start hunt 12 --fix --runs 1000
wait_for has_fanout
kill -INT "$sid"
check "hunt 12 --fix stopped by SIGINT leaves no process and no file" 130

# 2. SIGTERM during compare 12, while a run's files exist.
start compare 12
wait_for has_fanout
kill -TERM "$sid"
check "compare 12 stopped by SIGTERM leaves no process and no file" 143

# 3. SIGINT during expose 13, while its test runs. The real test ends in
# a tenth of a second, before a signal could be sure to find it running, so
# a copy of the gallery runs a stand-in test (found next to the copy) that
# makes a file and waits until it is stopped.
R=$W/root
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
check "expose 13 stopped by SIGINT leaves no process and no file" 130

# 4. SIGTERM during the tour, while its first child runs.
start tour --all --runs 2
wait_for has_child
kill -TERM "$sid"
check "tour stopped by SIGTERM leaves no process and no file" 143

# 5. The tour's reader goes away (`tour | head -1`): the gallery dies of
# SIGPIPE at its next write, its files removed.
TMPDIR=$T setsid sh -c '"$1" tour --all --runs 2 </dev/null | head -1 >/dev/null
  exit $?' sh "$G" 2>"$W/err" &
sid=$!
check "tour | head -1 leaves no process and no file" 0

# 6. Ctrl-C during play 01 while the game waits for the player's pick:
# the program, parked at its question, is stopped too and removes its
# file. stdin stays open (a FIFO this shell holds) and gives no answer.
mkfifo "$W/in"
exec 9<>"$W/in"
TMPDIR=$T setsid $DFL "$G" play 01 >"$W/out" 2>"$W/err" <&9 &
sid=$!
asked() { grep -q "your pick" "$W/out"; }
wait_for asked
kill -INT "$sid"
check "play 01 stopped by SIGINT at a question leaves no process and no file" \
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
    check "run $s --fix makes its file under \$TMPDIR and removes it" 0
  else
    wait "$sid"
    echo "no $prefix-* appeared in \$TMPDIR" >"$W/why"
    no "run $s --fix makes its file under \$TMPDIR and removes it"
  fi
done

# 8. Hunts of 01's bug that stop at the first failure: the runs still in
# flight are stopped (SIGTERM, then the grace) and remove their files.
: >"$W/why"
for i in 1 2 3 4 5 6; do
  TMPDIR=$T "$G" hunt 01 >/dev/null 2>"$W/err" </dev/null
  rc=$?
  [ "$rc" -eq 1 ] || echo "hunt $i: exit $rc, wanted 1 (a failure)" >>"$W/why"
done
left=$(ls -A "$T")
[ -n "$left" ] && echo "left in \$TMPDIR: $left" >>"$W/why"
if [ -s "$W/why" ]; then
  no "6 hunts of 01 stopped at the first failure leave no file"
else
  ok "6 hunts of 01 stopped at the first failure leave no file"
fi
rm -rf "${T:?}"/*

echo "1..$N"
[ "$FAILS" -eq 0 ]
