/* main.c -- Scenario 10 (pool-deadlock) driver: runs one variant's pages
 * once under the watchdog, then checks that every page was rendered right.
 * Linked with sync.c, the bug's async.c or the fix's async.c into
 * build/bin/10-pool-deadlock-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated (a hang reported by the watchdog, or a
 * wrong page), 2 usage, 3 setup failure. */
#include "gallery.h"
#include "pool_deadlock.h"
#include "dsched.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  struct pd_config cfg = {NULL, 4, 1000, 1000};
  const char *schedule = NULL;
  struct pd_req *reqs;
  char msg[1024];
  int r, stopped;

  const struct gallery_opt opts[] = {
      GALLERY_OPT_INT("requests", &cfg.requests, 1, 4096,
                      "requests in flight (default {default}, libuv's default "
                      "pool size; {range}). The bug hangs once N reaches the "
                      "pool size (UV_THREADPOOL_SIZE)"),
      GALLERY_OPT_INT(
          "lookup-us", &cfg.lookup_us, 0, 1000000,
          "simulated lookup latency in microseconds (default {default})"),
      GALLERY_OPT_UINT(
          "watchdog-ms", &cfg.watchdog_ms, 0, 3600000,
          "report a hang after N ms without progress (default {default}); 0 "
          "turns the watchdog off, and a hang hangs"),
      GALLERY_OPT_LOG(&cfg.log_path, GALLERY_FIX_LOGS),
      GALLERY_OPT_HOLD_SCHEDULE(&schedule, ""),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME " once: N page renders arrive at once, "
      "each needing a lookup. Checks that every page is rendered and that no "
      "request stays blocked on work queued behind it.",
      opts, GALLERY_EXIT_STATUS};

  if ((r = gallery_start(&cli, argc, argv, &schedule)) >= 0)
    return r;

  if ((reqs = pd_monitor_start(&cfg)) == NULL) {
    fprintf(stderr, "pool-deadlock: setup failed: out of memory\n");
    return 3;
  }
  r = pd_run(&cfg, reqs);
  /* The monitor stops either way; its verdict counts when the run was set
   * up. */
  stopped = pd_monitor_stop(msg, sizeof msg);
  if (r >= 0)
    r = stopped;
  r = gallery_verdict(
      "pool-deadlock", r, msg,
      "pool-deadlock: %d requests, every page rendered: invariant held\n",
      cfg.requests);
  gallery_schedule_taken("pool-deadlock");
  dsched_reset();
  return r;
}
