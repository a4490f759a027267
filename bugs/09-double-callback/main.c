/* main.c -- Scenario 09 (double-callback) driver: runs one variant's calls
 * once, then checks that every call's callback ran exactly once. Linked
 * with sync.c, the bug's async.c or the fix's async.c into
 * build/bin/09-double-callback-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "double_callback.h"
#include "dsched.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  struct dc_config cfg = {NULL, 16, 12, 1000, 1000};
  struct dc_call *calls;
  const char *schedule = NULL;
  char msg[512];
  int r;

  const struct gallery_opt opts[] = {
      GALLERY_OPT_LOG(&cfg.log_path, "; every run of a callback logs an "
                                     "\"end\" of its call"),
      GALLERY_OPT_INT("requests", &cfg.requests, 1, 1024,
                      "how many calls, started together (default {default}, "
                      "{range}); libuv's pool runs 4 replies at a time"),
      GALLERY_OPT_INT("timeout-ms", &cfg.timeout_ms, 0, 60000,
                      "each call's deadline (default {default}, {range})"),
      GALLERY_OPT_INT(
          "reply-us", &cfg.reply_us, 0, 10000000,
          "the server's base reply time (default {default}, {range})"),
      GALLERY_OPT_INT(
          "jitter-us", &cfg.jitter_us, 0, 10000000,
          "up to this much more per call (default {default}, {range})"),
      GALLERY_OPT_HOLD_SCHEDULE(&schedule, "; timers are not held"),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME " once: N calls, each racing the "
      "server's reply against a deadline; checks that every call's callback "
      "ran exactly once.",
      opts, GALLERY_EXIT_STATUS};

  if ((r = gallery_start(&cli, argc, argv, &schedule)) >= 0)
    return r;
  if ((calls = calloc((size_t)cfg.requests, sizeof *calls)) == NULL) {
    fputs("double-callback: out of memory\n", stderr);
    return 3;
  }

  r = dc_run(&cfg, calls);
  /* The schedule first: the verdict is the last line, for readers. */
  gallery_schedule_taken("double-callback");
  if (r < 0) {
    fprintf(stderr, "double-callback: setup failed: %s: %s\n",
            cfg.log_path ? cfg.log_path : "run", strerror(-r));
    r = 3;
  } else {
    r = dc_check(&cfg, calls, msg, sizeof msg);
    gallery_say("%s", msg);
  }
  free(calls);
  dsched_reset();
  return r;
}
