/* main.c -- Scenario 01 (log-order) driver: runs one variant's workload,
 * then checks the request log it wrote. Linked with sync.c, the bug's
 * async.c or the fix's async.c into build/bin/01-log-order-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "log_order.h"
#include "dsched.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: %s [--log FILE] [--requests N] [--latency-us N] [--schedule SPEC]\n"
    "          [--check-only]\n"
    "Runs scenario 01 (log-order) once and checks that every request's log\n"
    "lines appear as begin < step < end.\n"
    "  --log FILE        keep the request log (JSON Lines) in FILE\n"
    "  --requests N      concurrent requests (default 8, 1..4096)\n"
    "  --latency-us N    simulated fetch latency in microseconds (default 1000)\n"
    "  --schedule SPEC   hold threadpool requests and release them by SPEC\n"
    "                    (fifo, lifo, random:SEED, order:...; also env SCHED)\n"
    "  --check-only      run nothing: check the log --log FILE names (kept\n"
    "                    from an earlier run, or edited) for --requests N\n"
    "Exit status: 0 invariant held, 1 violated, 2 usage, 3 setup failure.\n";

int main(int argc, char **argv) {
  struct lo_config cfg = {NULL, 8, 1000};
  const char *schedule = NULL;
  int check_only = 0;
  char tmp[4096];
  char msg[512];
  int r, i;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      printf(usage, argv[0]);
      return 0;
    }
    if (strcmp(a, "--check-only") == 0) {
      check_only = 1;
      continue;
    }
    if (strcmp(a, "--log") != 0 && strcmp(a, "--requests") != 0 &&
        strcmp(a, "--latency-us") != 0 && strcmp(a, "--schedule") != 0) {
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
                 : gallery_int_arg(argv[0], a, v, 0, 1000000, &cfg.latency_us))
      return 2;
  }
  if ((schedule ? dsched_configure(schedule) : dsched_configure_from_env()) != 0)
    return 2;
  if (check_only && cfg.log_path == NULL) {
    fprintf(stderr, "%s: --check-only needs --log FILE\n", argv[0]);
    return 2;
  }
  if (cfg.log_path == NULL) {
    int e = gallery_tmpfile(tmp, sizeof tmp, "log-order");
    if (e < 0) {
      fprintf(stderr, "log-order: %s: %s\n", tmp, strerror(-e));
      return 3;
    }
    cfg.log_path = tmp;
  }

  r = check_only ? 0 : lo_run(&cfg);
  if (r < 0) {
    fprintf(stderr, "log-order: setup failed: %s\n", strerror(-r));
    r = 3;
  } else {
    r = lo_check(cfg.log_path, cfg.requests, msg, sizeof msg);
    if (r == 0)
      printf("log-order: %d requests, every request's lines in order: "
             "invariant held\n",
             cfg.requests);
    else if (r == 1)
      printf("%s\n", msg);
    else
      fprintf(stderr, "%s\n", msg); /* a setup failure: exit 3 */
    r = r == 0 ? 0 : r == 1 ? 1 : 3;
  }
  if (dsched_active())
    printf("log-order: schedule taken: %s\n", dsched_taken());
  dsched_reset();
  if (cfg.log_path == tmp)
    unlink(tmp);
  return r;
}
