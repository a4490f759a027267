#!/bin/sh
# corrlog-amalgamation.sh -- "copy these two files into your program" stays
# true: tools/runtime/corrlog/amalgamate.sh writes corrlog.c and corrlog.h, a
# program that uses nothing else is compiled against them with the
# workbook's warnings as errors, and its log holds every event and a clean
# trailer.
set -eu
CC=${CC:-cc}
. "$(dirname "$0")/lib.sh"
fail() { echo "corrlog-amalgamation: FAIL: $*"; exit 1; }
tools/runtime/corrlog/amalgamate.sh "$T" || fail "amalgamate.sh"
cat >"$T/prog.c" <<'PROG'
#include "corrlog.h"
#include <pthread.h>
#include <stdio.h>
#define N 20000
static corrlog_op job;
static void *worker(void *arg) {
  corrlog_enter(&job);
  for (int i = 0; i < N; i++)
    corrlog_step(&job, "item %d of %s", i, (const char *)arg);
  return corrlog_current() == &job ? NULL : (void *)1;
}
int main(int argc, char **argv) {
  pthread_t t;
  void *bad;
  if (argc < 2 || corrlog_open(argv[1]) != 0)
    return 3;
  corrlog_begin(&job, NULL, "job", "start");
  corrlog_handoff(&job);
  if (pthread_create(&t, NULL, worker, "w") != 0 || pthread_join(t, &bad))
    return 3;
  corrlog_end(&job, 0, "done");
  corrlog_close();
  return bad != NULL || corrlog_current() != NULL;
}
PROG
$CC -std=c11 -Wall -Wextra -Werror -O2 -pthread -I"$T" -o "$T/prog" \
  "$T/prog.c" "$T/corrlog.c" -ldl ||
  fail "a program does not build against it"
"$T/prog" "$T/log.jsonl" || fail "the program failed ($?)"
want=20002
got=$(grep -c '"op":' "$T/log.jsonl" || true)
[ "$got" -eq "$want" ] || fail "$got events, want $want"
trailer="{\"ev\":\"trailer\",\"dropped\":0,\"events\":$want}"
[ "$(tail -n 1 "$T/log.jsonl")" = "$trailer" ] ||
  fail "trailer: $(tail -n 1 "$T/log.jsonl")"
echo "corrlog-amalgamation: ok: corrlog.c + corrlog.h alone make a working" \
  "logger ($got events)"
