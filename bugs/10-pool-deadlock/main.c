/* main.c -- Scenario 10 (pool-deadlock) driver: runs one variant's pages
 * once under the watchdog, then checks that every page was rendered right.
 * Linked with sync.c, the bug's async.c or the fix's async.c into
 * build/bin/10-pool-deadlock-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated (a hang reported by the watchdog, or a
 * wrong page), 2 usage, 3 setup failure. */
#include "gallery.h"
#include "pool_deadlock.h"
#include "dsched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: %s [--requests N] [--lookup-us N] [--watchdog-ms N] [--log FILE]\n"
    "          [--schedule SPEC]\n"
    "Runs scenario 10 (pool-deadlock) once: N page renders arrive at once,\n"
    "each needing a lookup. Checks that every page is rendered and that no\n"
    "request stays blocked on work queued behind it.\n"
    "  --requests N      requests in flight (default 4, libuv's default pool\n"
    "                    size; 1..4096). The bug hangs once N reaches the\n"
    "                    pool size (UV_THREADPOOL_SIZE)\n"
    "  --lookup-us N     simulated lookup latency in microseconds (default\n"
    "                    1000)\n"
    "  --watchdog-ms N   report a hang after N ms without progress (default\n"
    "                    1000); 0 turns the watchdog off, and a hang hangs\n"
    "  --log FILE        write the correlation log (JSON Lines) to FILE\n"
    "                    (the fix logs; the sync twin and the bug do not)\n"
    "  --schedule SPEC   hold threadpool requests and release them by SPEC\n"
    "                    (fifo, lifo, random:SEED, order:...; also env SCHED)\n"
    "Exit status: 0 invariant held, 1 violated, 2 usage, 3 setup failure.\n";

int main(int argc, char **argv) {
  struct pd_config cfg = {NULL, 4, 1000, 1000};
  const char *schedule = NULL;
  struct pd_req *reqs;
  char msg[1024];
  int r, i, wd = 1000;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      printf(usage, argv[0]);
      return 0;
    }
    if (strcmp(a, "--requests") != 0 && strcmp(a, "--lookup-us") != 0 &&
        strcmp(a, "--watchdog-ms") != 0 && strcmp(a, "--log") != 0 &&
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
    else if (strcmp(a, "--requests") == 0
                 ? gallery_int_arg(argv[0], a, v, 1, 4096, &cfg.requests)
             : strcmp(a, "--lookup-us") == 0
                 ? gallery_int_arg(argv[0], a, v, 0, 1000000, &cfg.lookup_us)
                 : gallery_int_arg(argv[0], a, v, 0, 3600000, &wd))
      return 2;
  }
  cfg.watchdog_ms = (unsigned)wd;
  if ((schedule ? dsched_configure(schedule) : dsched_configure_from_env()) != 0)
    return 2;

  if ((reqs = pd_monitor_start(&cfg)) == NULL) {
    fprintf(stderr, "pool-deadlock: setup failed: out of memory\n");
    return 3;
  }
  r = pd_run(&cfg, reqs);
  if (r < 0) {
    pd_monitor_stop(msg, sizeof msg);
    fprintf(stderr, "pool-deadlock: setup failed: %s\n", strerror(-r));
    r = 3;
  } else {
    r = pd_monitor_stop(msg, sizeof msg);
    if (r == 0)
      printf("pool-deadlock: %d requests, every page rendered: invariant "
             "held\n", cfg.requests);
    else
      printf("%s\n", msg);
  }
  if (dsched_active())
    printf("pool-deadlock: schedule taken: %s\n", dsched_taken());
  dsched_reset();
  return r;
}
