#!/bin/sh
# preload-release.sh -- the preload shim takes no decision at a release
# (mutex, rwlock and spin unlock, sem_post, condition signal and
# broadcast): the thread keeps the token to its next acquire-like point,
# where a waiter the release made runnable is a choice (partial-order
# reduction; sched_preload.c's Cost). tests/progs/preload_prims calls
# every one of them; under random, pct and pos (SCHED_PRINT=steps) it
# must end well, its steps and switch points must name no release call,
# and still name acquire-like points (lock, wait, join, ...) where the
# releases' waiters were chosen. Exit 0 all passed, 1 a check failed,
# 3 setup.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
SHIM=$PWD/$B/libsched-preload.so
PROG=$B/tests/progs/preload_prims
for f in "$SHIM" "$PROG"; do
  [ -f "$f" ] || { echo "preload-release.sh: $f is missing (make all first)" >&2; exit 3; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/preload-release.XXXXXX") || exit 3
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM HUP PIPE
status=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; status=1; }

RELEASES='@\(unlock\|rwunlock\|spin_unlock\|sem_post\|signal\|broadcast\)\b'
for spec in random:1 random:2 random:3 pct:1:3:200 pos:1; do
  SCHED_PRINT=steps SCHED=$spec LD_PRELOAD=$SHIM "$PROG" \
    >/dev/null 2>"$TMP/err"
  rc=$?
  if [ $rc -ne 0 ]; then
    fail "preload_prims under $spec: exit $rc, $(grep -m1 . "$TMP/err")"
    continue
  fi
  grep -e '^sched-preload: steps: ' -e '^sched-preload: switch points: ' \
    "$TMP/err" >"$TMP/steps"
  if ! grep -q '^sched-preload: steps: order:.' "$TMP/steps"; then
    fail "preload_prims under $spec: no steps printed"
  elif grep -q "$RELEASES" "$TMP/steps"; then
    fail "preload_prims under $spec: a release is a step: $(grep -o "[a-z0-9]*$RELEASES" "$TMP/steps" | sort -u | tr '\n' ' ')"
  elif ! grep -q '@lock\b' "$TMP/steps" || ! grep -q '@join\b' "$TMP/steps"; then
    fail "preload_prims under $spec: no lock or join step"
  else
    n=$(sed -n 's/.*(exact replay; \([0-9]*\) steps.*/\1/p' "$TMP/err")
    ok "preload_prims under $spec: ended well, $n steps, none at a release"
  fi
done
exit $status
