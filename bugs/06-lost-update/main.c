/* main.c -- Scenario 06 (lost-update) driver: runs one variant's jobs once,
 * then checks the totals. Linked with sync.c, the bug's async.c or the fix's
 * async.c into build/bin/06-lost-update-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "lost_update.h"
#include "dsched.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  struct lu_config cfg = {NULL, 64, 0};
  struct lu_totals totals = {0, 0};
  const char *schedule = NULL, *pool = NULL;
  char msg[512];
  int workers = 4, r;
  static const char *const pools[] = {"uv", "threads", NULL};

  const struct gallery_opt opts[] = {
      GALLERY_OPT_LOG(&cfg.log_path, GALLERY_FIX_LOGS),
      GALLERY_OPT_INT("jobs", &cfg.jobs, 1, 4096,
                      "how many jobs (default {default}, {range})"),
      GALLERY_OPT_INT(
          "spin", &cfg.spin, 0, 10000000,
          "simulated latency: N busy-loop turns between reading and writing "
          "back the totals (default {default}, {range})"),
      GALLERY_OPT_CHOICE("pool", &pool, pools, "uv|threads", NULL),
      GALLERY_OPT_NOTE("pool", "uv",
                       "run the jobs on libuv's threadpool (the default)"),
      GALLERY_OPT_NOTE(
          "pool", "threads",
          "run them on plain threads the scheduler can drive, then count them "
          "as the loop would (the default under a schedule, see below)"),
      GALLERY_OPT_INT("workers", &workers, 1, 16,
                      "how many plain threads for --pool threads (default "
                      "{default}, libuv's default pool size; {range})"),
      GALLERY_OPT_RUN_SCHEDULE(
          &schedule,
          ". libuv's pool threads are not registered with the scheduler and it "
          "runs held work one request at a time, so under a schedule the jobs "
          "run on the plain threads unless --pool uv is given."),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME " once: N jobs scan their bytes and are "
      "counted into shared totals; checks that no job's count vanished.",
      opts, GALLERY_EXIT_STATUS};

  if ((r = gallery_start(&cli, argc, argv, &schedule)) >= 0)
    return r;
  if (pool == NULL)
    pool = dsched_active() ? "threads" : "uv";

  r = strcmp(pool, "uv") == 0 ? lu_run(&cfg, &totals)
                              : lu_run_threads(&cfg, &totals, workers);
  /* The schedule first: the verdict is the last line, for readers. */
  gallery_schedule_taken("lost-update");
  if (r < 0) {
    r = gallery_setup_failed("lost-update", r);
  } else {
    r = lu_check(&cfg, &totals, msg, sizeof msg);
    gallery_say("%s (pool: %s)", msg, pool);
  }
  dsched_reset();
  return r;
}
