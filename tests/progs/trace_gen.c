/* trace_gen.c -- writes a synthetic correlation log of N lines (corrlog's
 * format) to stdout, for measuring the trace tool's speed and memory. */
#include <stdio.h>
#include <stdlib.h>

/* Usage: trace_gen LINES [OPEN [short]]: OPEN operations are in flight at
 * once (default 64); each has a begin, two steps (one on a worker thread, a
 * handoff) and an end, so the log has LINES/4 operations. "short" leaves
 * out parent, kind, status and site (about 110 bytes a line instead of
 * 200). */
int main(int argc, char **argv) {
  long lines = argc > 1 ? atol(argv[1]) : 1000000;
  long open = argc > 2 ? atol(argv[2]) : 64;
  static const char *const ev[] = {"begin", "step", "step", "end"};
  static const char *const th[] = {"loop", "worker-1", "loop", "loop"};
  unsigned long long ts = 1000000, lc = 0;
  long n = 0, base = 0;
  int shrt = argc > 3 && argv[3][0] == 's';

  if (lines <= 0 || open <= 0) {
    fprintf(stderr, "usage: trace_gen LINES [OPEN]\n");
    return 2;
  }
  /* Rounds: OPEN ops each take one step per round, four rounds per batch. */
  while (n < lines) {
    for (int stage = 0; stage < 4 && n < lines; stage++)
      for (long k = 0; k < open && n < lines; k++, n++) {
        ts += 137;
        if (shrt) {
          printf("{\"ts\":%llu,\"thread\":\"%s\",\"op\":\"%016lx\",\"seq\":%d,"
                 "\"lc\":%llu,\"ev\":\"%s\",\"msg\":\"request %ld\"}\n",
                 ts, th[stage], (unsigned long)(base + k + 1), stage, ++lc,
                 ev[stage], base + k);
          continue;
        }
        printf("{\"ts\":%llu,\"thread\":\"%s\",\"op\":\"%016lx\","
               "\"parent\":\"0000000000000000\",\"seq\":%d,\"lc\":%llu,"
               "\"ev\":\"%s\",\"kind\":\"req\",\"status\":0,\"msg\":\"request "
               "%ld stage %d\",\"site\":\"server.c:42:handle_cb\"}\n",
               ts, th[stage], (unsigned long)(base + k + 1), stage, ++lc,
               ev[stage], base + k, stage);
      }
    base += open;
  }
  printf("{\"ev\":\"trailer\",\"dropped\":0}\n");
  return 0;
}
