/* main.c -- Scenario 06 (lost-update) driver: runs one variant's jobs once,
 * then checks the totals. Linked with sync.c, the bug's async.c or the fix's
 * async.c into build/bin/06-lost-update-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "lost_update.h"
#include "dsched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: %s [--log FILE] [--jobs N] [--spin N] [--pool uv|threads]\n"
    "          [--workers N] [--schedule SPEC]\n"
    "Runs scenario 06 (lost-update) once: N jobs scan their bytes and are\n"
    "counted into shared totals; checks that no job's count vanished.\n"
    "  --log FILE        write the correlation log (JSON Lines) to FILE\n"
    "                    (the fix logs; the sync twin and the bug do not)\n"
    "  --jobs N          how many jobs (default 64, 1..4096)\n"
    "  --spin N          simulated latency: N busy-loop turns between reading\n"
    "                    and writing back the totals (default 0, 0..10000000)\n"
    "  --pool uv         run the jobs on libuv's threadpool (the default)\n"
    "  --pool threads    run them on plain threads the scheduler can drive,\n"
    "                    then count them as the loop would (the default\n"
    "                    under a schedule, see below)\n"
    "  --workers N       how many plain threads for --pool threads (default\n"
    "                    4, libuv's default pool size; 1..16)\n"
    "  --schedule SPEC   run under the deterministic scheduler (fifo, lifo,\n"
    "                    random:SEED, pct:SEED:D, order:...; also env SCHED).\n"
    "                    libuv's pool threads are not registered with the\n"
    "                    scheduler and it runs held work one request at a\n"
    "                    time, so under a schedule the jobs run on the plain\n"
    "                    threads unless --pool uv is given.\n"
    "Exit status: 0 invariant held, 1 violated, 2 usage, 3 setup failure.\n";

int main(int argc, char **argv) {
  struct lu_config cfg = {NULL, 64, 0};
  struct lu_totals totals = {0, 0};
  const char *schedule = NULL, *pool = NULL;
  char msg[512];
  int workers = 4, r, i;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      printf(usage, argv[0]);
      return 0;
    }
    if (strcmp(a, "--log") != 0 && strcmp(a, "--jobs") != 0 &&
        strcmp(a, "--spin") != 0 && strcmp(a, "--pool") != 0 &&
        strcmp(a, "--workers") != 0 && strcmp(a, "--schedule") != 0) {
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
    else if (strcmp(a, "--pool") == 0) {
      if (strcmp(v, "uv") != 0 && strcmp(v, "threads") != 0) {
        fprintf(stderr, "%s: --pool wants uv or threads, got '%s'\n",
                argv[0], v);
        return 2;
      }
      pool = v;
    } else if (strcmp(a, "--jobs") == 0
                   ? gallery_int_arg(argv[0], a, v, 1, 4096, &cfg.jobs)
               : strcmp(a, "--workers") == 0
                   ? gallery_int_arg(argv[0], a, v, 1, 16, &workers)
                   : gallery_int_arg(argv[0], a, v, 0, 10000000, &cfg.spin))
      return 2;
  }
  if ((schedule ? dsched_configure(schedule) : dsched_configure_from_env()) != 0)
    return 2;
  if (pool == NULL)
    pool = dsched_active() ? "threads" : "uv";

  r = strcmp(pool, "uv") == 0 ? lu_run(&cfg, &totals)
                              : lu_run_threads(&cfg, &totals, workers);
  /* The schedule first: the verdict is the last line, for readers and for
   * build/gallery compare. */
  if (dsched_active())
    printf("lost-update: schedule taken: %s\n", dsched_taken());
  if (r < 0) {
    fprintf(stderr, "lost-update: setup failed: %s\n", strerror(-r));
    r = 3;
  } else {
    r = lu_check(&cfg, &totals, msg, sizeof msg);
    printf("%s (pool: %s)\n", msg, pool);
  }
  dsched_reset();
  return r;
}
