/* main.c -- Scenario 04 (heisenbug) driver: runs the two workers once with
 * the chosen logging, then checks that the config was loaded once. Linked
 * with sync.c, the bug's async.c or the fix's async.c into
 * build/bin/04-heisenbug-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "heisenbug.h"
#include "dsched.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  struct hb_config cfg = {HB_LOG_NONE, NULL, 2000};
  struct hb_cache c;
  struct hb_worker w[2];
  const char *schedule = NULL, *log = "none";
  char tmp[4096], msg[512];
  int r;

  const struct gallery_opt opts[] = {
      GALLERY_OPT_NONEMPTY("log", &log, "none|printf|corrlog|FILE", NULL),
      GALLERY_OPT_NOTE("log", "none", "no logging (the default)"),
      GALLERY_OPT_NOTE("log", "printf",
                       "each worker printf()s a line to stdout first"),
      GALLERY_OPT_NOTE("log", "corrlog",
                       "each worker logs a correlation event first (per-"
                       "thread buffer; written to a temporary file, removed)"),
      GALLERY_OPT_NOTE("log", "FILE",
                       "as corrlog, and keep the log (JSON Lines) in FILE"),
      GALLERY_OPT_INT("work", &cfg.work, 0, 100000000,
                      "bytes the config load parses (default {default}, "
                      "0..10^8): how long the race window stays open"),
      GALLERY_OPT_NONEMPTY(
          "schedule", &schedule, "SPEC",
          "run under the deterministic scheduler (fifo, random:SEED, "
          "pct:SEED:D, order:...; also env SCHED)"),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME
      " once: two workers start together and both "
      "need a lazily loaded config; checks that it was loaded exactly once.",
      opts, GALLERY_EXIT_STATUS};

  if ((r = gallery_start(&cli, argc, argv, &schedule)) >= 0)
    return r;
  if (strcmp(log, "none") == 0) {
    cfg.mode = HB_LOG_NONE;
  } else if (strcmp(log, "printf") == 0) {
    cfg.mode = HB_LOG_PRINTF;
  } else {
    cfg.mode = HB_LOG_CORRLOG;
    cfg.log_path = strcmp(log, "corrlog") == 0 ? NULL : log;
  }
  if (cfg.mode == HB_LOG_CORRLOG) {
    if (cfg.log_path == NULL) {
      int e = gallery_tmpfile(tmp, sizeof tmp, "heisenbug");
      if (e < 0) {
        fprintf(stderr, "heisenbug: %s: %s\n", tmp, strerror(-e));
        return 3;
      }
    }
    r = corrlog_open(cfg.log_path ? cfg.log_path : tmp);
    if (r < 0) {
      fprintf(stderr, "heisenbug: %s: %s\n", cfg.log_path ? cfg.log_path : tmp,
              strerror(-r));
      return 3;
    }
    corrlog_thread_name("main");
  }

  hb_init(&c, w, cfg.mode, cfg.work);
  hb_run(w);
  hb_fini(&c, w);
  corrlog_close();
  if (cfg.mode == HB_LOG_CORRLOG && cfg.log_path == NULL) {
    unlink(tmp);
    gallery_tmp_forget();
  }
  gallery_schedule_taken("heisenbug");
  r = hb_check(&c, w, msg, sizeof msg);
  gallery_say("%s", msg);
  dsched_reset();
  return r;
}
