#!/bin/sh
# schedcc-stack.sh -- a build/schedcc program takes the same schedule
# wherever its stack lands: the main thread's arguments and environment
# are its own memory (no schedule point) in every run. glibc reports the
# main thread's stack as ending at the page above __libc_stack_end, so
# argv could fall inside that range in one run and outside it in another
# as the stack moved; the run then made one point more and did not replay.
# Here the stack is moved on purpose, not by chance: with address-space
# randomisation off (setarch -R), each run gets an environment 16 bytes
# longer, which slides argv down a whole page in 256 runs, across the
# boundary once. Every run must report the same trace (SCHED_REPORT,
# read with jq) under pos, which draws a priority at every point, even a
# lone thread's: one point more shifts every later draw.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
SHIM=$PWD/$B/libsched-preload.so
# $T, removed on exit; ok, notok, skip and finish.
. tests/lib.sh
need "$SHIM" "$B/schedcc"

if ! setarch -R true 2>/dev/null; then
  skip "setarch -R is refused here: the stack cannot be placed on purpose"
  finish
fi
# main reads its argument, then starts a thread that stores to memory
# both can see: the store is a point, the reads of argv must not be.
cat >"$T/argv.c" <<'PROG'
#include <pthread.h>
#include <stdlib.h>
static int shared;
static void *store(void *arg) {
  shared = 1;
  return arg;
}
int main(int argc, char **argv) {
  pthread_t t;
  /* Loads of an argv slot and of a byte of an argument string. */
  int n = argc > 1 ? atoi(argv[1]) : 0;
  if (argc > 2 && argv[2][0] == 'x')
    n++;
  if (pthread_create(&t, 0, store, 0) != 0 || pthread_join(t, 0) != 0)
    return 3;
  return n == 1 ? 0 : 4;
}
PROG
"$B/schedcc" -std=c11 -O2 "$T/argv.c" -o "$T/argv" ||
  { notok "build/schedcc could not build the probe"; finish; }

pad=
traces=$T/traces
: >"$traces"
i=0
while [ $i -lt 256 ]; do
  rm -f "$T/report.json"
  setarch -R env PAD="$pad" SCHED=pos:1 SCHED_REPORT="$T/report.json" \
    LD_PRELOAD="$SHIM" "$T/argv" 1 y >/dev/null 2>&1
  jq -r '.trace' "$T/report.json" >>"$traces" 2>/dev/null ||
    echo "no report" >>"$traces"
  pad="${pad}xxxxxxxxxxxxxxxx"
  i=$((i + 1))
done
n=$(sort -u "$traces" | wc -l)
if [ "$n" -eq 1 ] && ! grep -q "no report" "$traces"; then
  ok "256 runs, argv moved down a page 16 bytes at a time: one trace ($(head -n 1 "$traces"))"
else
  notok "256 runs with argv moved down a page 16 bytes at a time: $n different traces ($(sort "$traces" | uniq -c | tr '\n' ';'))"
fi
finish
