/* main.c -- Scenario 08 (coalesced-wakeup) driver: runs one variant once, a
 * producer thread handing numbered messages to the loop thread, then checks
 * that every message was handled once and in order. Linked with sync.c, the
 * bug's async.c or the fix's async.c into
 * build/bin/08-coalesced-wakeup-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "coalesced_wakeup.h"
#include "dsched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: %s [--log FILE] [--messages N] [--interval-us N] [--work-us N]\n"
    "          [--schedule SPEC]\n"
    "Runs scenario 08 (coalesced-wakeup) once: a producer thread sends N\n"
    "numbered messages to the event loop (uv_async_send); checks that the\n"
    "loop handled every one, once, in order.\n"
    "  --log FILE        write the correlation log (JSON Lines) to FILE\n"
    "                    (the fix logs; the sync twin and the bug do not)\n"
    "  --messages N      how many messages (default 200, 1..100000)\n"
    "  --interval-us N   producer's pause between sends in microseconds\n"
    "                    (default 200, 0..1000000); smaller sends faster\n"
    "                    than the loop wakes up and widens the window\n"
    "  --work-us N       simulated cost of handling one message on the loop\n"
    "                    thread, in microseconds (default 20, 0..1000000)\n"
    "  --schedule SPEC   run under the deterministic scheduler (fifo,\n"
    "                    random:SEED, pct:SEED:D, order:...; also env SCHED);\n"
    "                    the producer is a registered thread with a point\n"
    "                    \"sent\" after every send\n"
    "Exit status: 0 invariant held, 1 violated, 2 usage, 3 setup failure.\n";

int main(int argc, char **argv) {
  struct cw_config cfg = {NULL, 200, 200, 20};
  struct cw_sink sink = {0};
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
    if (strcmp(a, "--log") != 0 && strcmp(a, "--messages") != 0 &&
        strcmp(a, "--interval-us") != 0 && strcmp(a, "--work-us") != 0 &&
        strcmp(a, "--schedule") != 0) {
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
    else if (strcmp(a, "--messages") == 0
                 ? gallery_int_arg(argv[0], a, v, 1, 100000, &cfg.messages)
             : strcmp(a, "--interval-us") == 0
                 ? gallery_int_arg(argv[0], a, v, 0, 1000000, &cfg.interval_us)
                 : gallery_int_arg(argv[0], a, v, 0, 1000000, &cfg.work_us))
      return 2;
  }
  if ((schedule ? dsched_configure(schedule) : dsched_configure_from_env()) != 0)
    return 2;

  r = cw_run(&cfg, &sink);
  /* The schedule first: the verdict is the last line, for readers and for
   * build/gallery compare. */
  if (dsched_active())
    printf("coalesced-wakeup: schedule taken: %s\n", dsched_taken());
  if (r < 0) {
    fprintf(stderr, "coalesced-wakeup: setup failed: %s: %s\n",
            cfg.log_path ? cfg.log_path : "run", strerror(-r));
    r = 3;
  } else {
    r = cw_check(&sink, msg, sizeof msg);
    printf("%s\n", msg);
  }
  free(sink.ids);
  dsched_reset();
  return r;
}
