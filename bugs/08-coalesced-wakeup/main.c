/* main.c -- Scenario 08 (coalesced-wakeup) driver: runs one variant once, a
 * producer thread handing numbered messages to the loop thread, then checks
 * that every message was handled once and in order. Linked with sync.c, the
 * bug's async.c or the fix's async.c into
 * build/bin/08-coalesced-wakeup-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "coalesced_wakeup.h"
#include "dsched.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  struct cw_config cfg = {NULL, 200, 200, 20};
  struct cw_sink sink = {0};
  const char *schedule = NULL;
  char msg[512];
  int r;

  const struct gallery_opt opts[] = {
      GALLERY_OPT_LOG(&cfg.log_path, GALLERY_FIX_LOGS),
      GALLERY_OPT_INT("messages", &cfg.messages, 1, 100000,
                      "how many messages (default {default}, {range})"),
      GALLERY_OPT_INT("interval-us", &cfg.interval_us, 0, 1000000,
                      "producer's pause between sends in microseconds (default "
                      "{default}, {range}); smaller sends faster than the loop "
                      "wakes up and widens the window"),
      GALLERY_OPT_INT("work-us", &cfg.work_us, 0, 1000000,
                      "simulated cost of handling one message on the loop "
                      "thread, in microseconds (default {default}, {range})"),
      GALLERY_OPT_RUN_SCHEDULE(&schedule,
                               "; the producer is a registered thread with a "
                               "point \"sent\" after every send"),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME " once: a producer thread sends N "
      "numbered messages to the event loop (uv_async_send); checks that the "
      "loop handled every one, once, in order.",
      opts, GALLERY_EXIT_STATUS};

  if ((r = gallery_start(&cli, argc, argv, &schedule)) >= 0)
    return r;

  r = cw_run(&cfg, &sink);
  /* The schedule first: the verdict is the last line, for readers. */
  gallery_schedule_taken("coalesced-wakeup");
  if (r < 0) {
    fprintf(stderr, "coalesced-wakeup: setup failed: %s: %s\n",
            cfg.log_path ? cfg.log_path : "run", strerror(-r));
    r = 3;
  } else {
    r = cw_check(&sink, msg, sizeof msg);
    gallery_say("%s", msg);
  }
  free(sink.ids);
  dsched_reset();
  return r;
}
