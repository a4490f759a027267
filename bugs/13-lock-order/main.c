/* main.c -- Scenario 13 (lock-order) driver: runs one variant's lookups and
 * sweeps once, in a child process so that a deadlock the scheduler detects
 * is reported as a violated invariant, then checks the counters. Linked
 * with sync.c, the bug's async.c or the fix's async.c into
 * build/bin/13-lock-order-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "lock_order.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  struct lk_config cfg = {NULL, 1000, 100, 0};
  struct lk_outcome out;
  const char *schedule = getenv("SCHED");
  int r;

  const struct gallery_opt opts[] = {
      GALLERY_OPT_LOG(&cfg.log_path, GALLERY_FIX_LOGS),
      GALLERY_OPT_INT(
          "requests", &cfg.requests, 1, 1000000,
          "lookups on the loop thread (default {default}, {range})"),
      GALLERY_OPT_INT("sweeps", &cfg.sweeps, 0, 1000000,
                      "eviction sweeps (default {default}, {range})"),
      GALLERY_OPT_INT("hold-us", &cfg.hold_us, 0, 1000000,
                      "simulated latency: sleep N microseconds between taking "
                      "the first lock and the second (default {default})"),
      GALLERY_OPT_RUN_SCHEDULE(
          &schedule,
          "; a deadlock is then detected "
          "and reported with its waits-for cycle. Without a schedule a "
          "deadlock hangs: use build/gallery hunt 13 (it has a per-run "
          "timeout)."),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME " once: the loop thread handles N cache "
      "lookups while a sweeper thread evicts the cache; checks that both "
      "finish and that every request and eviction is counted.",
      opts,
      "Exit status: 0 invariant held, 1 violated (deadlock), 2 usage, 3 setup "
      "failure."};

  if ((r = gallery_parse(&cli, argc, argv)) >= 0)
    return r;
  if (schedule != NULL && (*schedule == '\0' || strcmp(schedule, "none") == 0))
    schedule = NULL;

  lk_run_isolated(&cfg, schedule, &out);
  gallery_say("%s", out.msg);
  if (out.taken[0] != '\0')
    printf("lock-order: schedule taken: %s\n", out.taken);
  return out.status;
}
