/* main.c -- Scenario 09 (double-callback) driver: runs one variant's calls
 * once, then checks that every call's callback ran exactly once. Linked
 * with sync.c, the bug's async.c or the fix's async.c into
 * build/bin/09-double-callback-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "double_callback.h"
#include "dsched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: %s [--log FILE] [--requests N] [--timeout-ms N] [--reply-us N]\n"
    "          [--jitter-us N] [--schedule SPEC]\n"
    "Runs scenario 09 (double-callback) once: N calls, each racing the\n"
    "server's reply against a deadline; checks that every call's callback\n"
    "ran exactly once.\n"
    "  --log FILE        write the correlation log (JSON Lines) to FILE;\n"
    "                    every run of a callback logs an \"end\" of its call\n"
    "  --requests N      how many calls, started together (default 16,\n"
    "                    1..1024); libuv's pool runs 4 replies at a time\n"
    "  --timeout-ms N    each call's deadline (default 12, 0..60000)\n"
    "  --reply-us N      the server's base reply time (default 1000,\n"
    "                    0..10000000)\n"
    "  --jitter-us N     up to this much more per call (default 1000,\n"
    "                    0..10000000)\n"
    "  --schedule SPEC   hold threadpool work and release it by SPEC (fifo,\n"
    "                    lifo, random:SEED, order:work#0,...; also env\n"
    "                    SCHED); timers are not held\n"
    "Exit status: 0 invariant held, 1 violated, 2 usage, 3 setup failure.\n";

int main(int argc, char **argv) {
  struct dc_config cfg = {NULL, 16, 12, 1000, 1000};
  struct dc_call *calls;
  const char *schedule = NULL;
  char msg[512];
  int r, i;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      printf(usage, argv[0]);
      return 0;
    }
    if (strcmp(a, "--log") != 0 && strcmp(a, "--requests") != 0 &&
        strcmp(a, "--timeout-ms") != 0 && strcmp(a, "--reply-us") != 0 &&
        strcmp(a, "--jitter-us") != 0 && strcmp(a, "--schedule") != 0) {
      fprintf(stderr, "%s: unknown option '%s' (see --help)\n", argv[0], a);
      return 2;
    }
    if (v == NULL) {
      fprintf(stderr, "%s: %s needs a value\n", argv[0], a);
      return 2;
    }
    i++;
    if (strcmp(a, "--log") == 0)
      cfg.log_path = v;
    else if (strcmp(a, "--schedule") == 0)
      schedule = v;
    else if (strcmp(a, "--requests") == 0
                 ? gallery_int_arg(argv[0], a, v, 1, 1024, &cfg.requests)
             : strcmp(a, "--timeout-ms") == 0
                 ? gallery_int_arg(argv[0], a, v, 0, 60000, &cfg.timeout_ms)
             : strcmp(a, "--reply-us") == 0
                 ? gallery_int_arg(argv[0], a, v, 0, 10000000, &cfg.reply_us)
                 : gallery_int_arg(argv[0], a, v, 0, 10000000, &cfg.jitter_us))
      return 2;
  }
  if ((schedule ? dsched_configure(schedule) : dsched_configure_from_env()) != 0)
    return 2;
  if ((calls = calloc((size_t)cfg.requests, sizeof *calls)) == NULL) {
    fputs("double-callback: out of memory\n", stderr);
    return 3;
  }

  r = dc_run(&cfg, calls);
  /* The schedule first: the verdict is the last line, for readers and for
   * build/gallery compare. */
  if (dsched_active())
    printf("double-callback: schedule taken: %s\n", dsched_taken());
  if (r < 0) {
    fprintf(stderr, "double-callback: setup failed: %s: %s\n",
            cfg.log_path ? cfg.log_path : "run", strerror(-r));
    r = 3;
  } else {
    r = dc_check(&cfg, calls, msg, sizeof msg);
    printf("%s\n", msg);
  }
  free(calls);
  dsched_reset();
  return r;
}
