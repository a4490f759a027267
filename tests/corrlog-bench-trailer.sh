#!/bin/sh
# corrlog-bench-trailer.sh -- the corrlog benchmark is also a check that
# nothing is lost: when a log's trailer does not count every event (here a
# file size limit cuts the writes short), it says so and exits 1, and it
# leaves no temporary file behind.
set -u
BENCH=build/bench/bench_corrlog
[ -x "$BENCH" ] || { echo "corrlog-bench-trailer: build $BENCH first" >&2; exit 3; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/corrlog-bench-trailer.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT
fail=0

# Whole: every event counted, exit 0.
TMPDIR=$tmp "$BENCH" --events 1000 --reps 5 >"$tmp/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: a whole run exited $rc"; cat "$tmp/out"; fail=1; }
grep -q '^corrlog bench: record [0-9.]* ns/event, all threads [0-9.]* ns/event, fprintf [0-9.]* ns/event, ratio [0-9.]* (all threads), close [0-9.]* ns/event$' "$tmp/out" ||
  { echo "FAIL: the final line is not in the bench's format"; tail -1 "$tmp/out"; fail=1; }

# Cut short: 64 KiB of file at most (ulimit -f counts 512-byte blocks);
# SIGXFSZ ignored, so that write(2) fails with EFBIG instead of killing.
(trap '' XFSZ; ulimit -f 128 && TMPDIR=$tmp exec "$BENCH" --events 1000 --reps 5) \
  >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: a cut-short run exited $rc, want 1"; cat "$tmp/err"; fail=1; }
grep -q 'the trailer counts' "$tmp/err" ||
  { echo "FAIL: no message naming the trailer"; cat "$tmp/err"; fail=1; }
left=$(ls "$tmp" | grep -c bench_corrlog)
[ "$left" -eq 0 ] || { echo "FAIL: $left temporary log(s) left behind"; fail=1; }

[ "$fail" -eq 0 ] && echo "corrlog-bench-trailer: ok"
exit "$fail"
