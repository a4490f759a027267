#!/bin/sh
# handshake.sh -- every way a program takes a schedule announces itself
# once per process through SCHED_HANDSHAKE_FD (tools/runtime/sched/spec.h), so that
# hunt knows whether a perturbation was in effect: the in-tree scheduler
# (replay=exact), the preload shim when it schedules (replay=exact: it
# decides every choice too) and when it leaves the spec to a scheduler
# linked into the program (replay=none, silently); nothing for SCHED=none
# or unset. Each case checks the exact lines written.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
SHIM=$PWD/$B/libsched-preload.so
. tests/lib.sh
need "$SHIM" "$B/bin/06-lost-update-bug" "$B/bin/06-lost-update-fix" \
  "$B/bin/13-lock-order-fix"
hs=$T/hs
err=$T/err
status=0

# expect NAME WANT-LINES SCHED-OR-unset CMD...: runs CMD with the handshake
# on fd 9 (a file) and compares what was written; CMD must exit 0 with
# nothing on stderr.
expect() {
  name=$1 want=$2 spec=$3
  shift 3
  if [ "$spec" = unset ]; then
    env -u SCHED SCHED_HANDSHAKE_FD=9 "$@" >/dev/null 2>"$err" 9>"$hs"
  else
    SCHED=$spec SCHED_HANDSHAKE_FD=9 "$@" >/dev/null 2>"$err" 9>"$hs"
  fi
  rc=$?
  got=$(cat "$hs")
  if [ "$rc" -ne 0 ] || [ -s "$err" ]; then
    echo "FAIL $name: exit $rc, stderr: $(head -n 1 "$err")"
    status=1
  elif [ "$got" != "$want" ]; then
    echo "FAIL $name: handshake"
    printf '%s\n' "$got" | sed 's/^/  got:  /'
    printf '%s\n' "$want" | sed 's/^/  want: /'
    status=1
  else
    echo "ok   $name: ${got:-(no line)}" | head -n 1
  fi
}

nl='
'
expect "scheduler, pct" "sched-handshake via=sched replay=exact spec=pct:5:3" \
  pct:5 "$B/bin/06-lost-update-fix" --jobs 4
expect "scheduler, none" "" none "$B/bin/06-lost-update-fix" --jobs 4
expect "scheduler, unset" "" unset "$B/bin/06-lost-update-fix" --jobs 4
# Scenario 13 runs the variant in a forked child that configures the
# schedule: one process takes it, one line.
expect "scheduler in a forked child" \
  "sched-handshake via=sched replay=exact spec=fifo" \
  fifo "$B/bin/13-lock-order-fix" --requests 4 --sweeps 1
expect "shim, random" "sched-handshake via=preload replay=exact spec=random:7" \
  random:7 env LD_PRELOAD="$SHIM" /bin/true
expect "shim, pct" "sched-handshake via=preload replay=exact spec=pct:5:16:100" \
  pct:5:16:100 env LD_PRELOAD="$SHIM" /bin/true
expect "shim, order: of thread steps" \
  "sched-handshake via=preload replay=exact spec=order:t1" \
  order:t1 env LD_PRELOAD="$SHIM" /bin/true
expect "shim, order: naming a libuv request (cannot carry it out)" \
  "sched-handshake via=preload replay=none spec=order:t1,work#0" \
  order:t1,work#0 env LD_PRELOAD="$SHIM" /bin/true
expect "shim, fifo (cannot carry it out)" \
  "sched-handshake via=preload replay=none spec=fifo" \
  fifo env LD_PRELOAD="$SHIM" /bin/true
expect "shim, none" "" none env LD_PRELOAD="$SHIM" /bin/true
expect "shim, unset" "" unset env LD_PRELOAD="$SHIM" /bin/true
# A program linked with the scheduler, run under the shim: the shim stands
# aside, whatever the spec, and the scheduler carries it out.
expect "shim and scheduler, order" \
  "sched-handshake via=preload replay=none spec=order:t1${nl}sched-handshake via=sched replay=exact spec=order:t1" \
  order:t1 env LD_PRELOAD="$SHIM" "$B/bin/06-lost-update-fix" --jobs 2 --workers 2
expect "shim and scheduler, random" \
  "sched-handshake via=preload replay=none spec=random:7${nl}sched-handshake via=sched replay=exact spec=random:7" \
  random:7 env LD_PRELOAD="$SHIM" "$B/bin/06-lost-update-fix" --jobs 2 --workers 2
exit $status
