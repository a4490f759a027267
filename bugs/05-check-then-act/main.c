/* main.c -- Scenario 05 (check-then-act) driver: runs one variant's page
 * views once, then checks that every item was fetched once and its cached
 * version never went down. Linked with sync.c, the bug's async.c or the
 * fix's async.c into build/bin/05-check-then-act-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "corrlog.h"
#include "check_then_act.h"
#include "dsched.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  struct cta_config cfg = {4, 1000, 1200};
  const char *schedule = NULL, *log = NULL;
  char msg[512];
  int r;

  const struct gallery_opt opts[] = {
      GALLERY_OPT_LOG(&log, ""),
      GALLERY_OPT_INT("pages", &cfg.pages, 1, CTA_MAX_PAGES,
                      "concurrent page views (default {default}, {range})"),
      GALLERY_OPT_INT(
          "fetch-us", &cfg.fetch_us, 0, 1000000,
          "simulated origin latency in microseconds (default {default})"),
      GALLERY_OPT_INT(
          "render-us", &cfg.render_us, 0, 1000000,
          "simulated body rendering time in microseconds (default {default}); "
          "the closer to --fetch-us, the wider the bug's window"),
      GALLERY_OPT_HOLD_SCHEDULE(&schedule, ""),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME " once: N page views, each looking up "
      "its item in a cache twice (header at once, footer after rendering), and "
      "checks that each item was fetched once and its cached version never "
      "went down.",
      opts, GALLERY_EXIT_STATUS};

  if ((r = gallery_start(&cli, argc, argv, &schedule)) >= 0)
    return r;
  if (log != NULL && (r = corrlog_open(log)) != 0) {
    fprintf(stderr, "check-then-act: cannot write log %s: %s\n", log,
            strerror(-r));
    return 3;
  }

  cta_reset();
  r = cta_run(&cfg);
  if (log != NULL)
    corrlog_close();
  if (r >= 0)
    r = cta_check(cfg.pages, msg, sizeof msg);
  r = gallery_verdict("check-then-act", r, msg,
                      "check-then-act: %d pages, every item fetched once, "
                      "no stale overwrite: invariant held\n",
                      cfg.pages);
  gallery_schedule_taken("check-then-act");
  dsched_reset();
  return r;
}
