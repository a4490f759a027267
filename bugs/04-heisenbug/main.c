/* main.c -- Scenario 04 (heisenbug) driver: runs the two workers once with
 * the chosen logging, then checks that the config was loaded once. Linked
 * with sync.c, the bug's async.c or the fix's async.c into
 * build/bin/04-heisenbug-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "heisenbug.h"
#include "dsched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: %s [--log none|printf|corrlog|FILE] [--work N] [--schedule SPEC]\n"
    "Runs scenario 04 (heisenbug) once: two workers start together and both\n"
    "need a lazily loaded config; checks that it was loaded exactly once.\n"
    "  --log none        no logging (the default)\n"
    "  --log printf      each worker printf()s a line to stdout first\n"
    "  --log corrlog     each worker logs a correlation event first (per-\n"
    "                    thread buffer; written to a temporary file, removed)\n"
    "  --log FILE        as corrlog, and keep the log (JSON Lines) in FILE\n"
    "  --work N          bytes the config load parses (default 2000, 0..10^8):\n"
    "                    how long the race window stays open\n"
    "  --schedule SPEC   run under the deterministic scheduler (fifo,\n"
    "                    random:SEED, pct:SEED:D, order:...; also env SCHED)\n"
    "Exit status: 0 invariant held, 1 violated, 2 usage, 3 setup failure.\n";

int main(int argc, char **argv) {
  struct hb_config cfg = {HB_LOG_NONE, NULL, 2000};
  struct hb_cache c;
  struct hb_worker w[2];
  const char *schedule = NULL;
  char tmp[4096], msg[512];
  int r, i;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      printf(usage, argv[0]);
      return 0;
    }
    if (strcmp(a, "--log") != 0 && strcmp(a, "--work") != 0 &&
        strcmp(a, "--schedule") != 0) {
      fprintf(stderr, "%s: unknown option '%s' (see --help)\n", argv[0], a);
      return 2;
    }
    if (v == NULL || *v == '\0') {
      fprintf(stderr, "%s: %s needs a value\n", argv[0], a);
      return 2;
    }
    i++;
    if (strcmp(a, "--schedule") == 0) {
      schedule = v;
    } else if (strcmp(a, "--work") == 0) {
      char *end;
      long n;
      errno = 0;
      n = strtol(v, &end, 10);
      if (errno || end == v || *end || n < 0 || n > 100000000) {
        fprintf(stderr, "%s: --work wants a number from 0 to 100000000, "
                        "got '%s'\n", argv[0], v);
        return 2;
      }
      cfg.work = (int)n;
    } else if (strcmp(v, "none") == 0) {
      cfg.mode = HB_LOG_NONE;
    } else if (strcmp(v, "printf") == 0) {
      cfg.mode = HB_LOG_PRINTF;
    } else {
      cfg.mode = HB_LOG_CORRLOG;
      cfg.log_path = strcmp(v, "corrlog") == 0 ? NULL : v;
    }
  }
  if ((schedule ? dsched_configure(schedule) : dsched_configure_from_env()) != 0)
    return 2;
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
  if (cfg.mode == HB_LOG_CORRLOG && cfg.log_path == NULL)
    unlink(tmp);
  if (dsched_active())
    printf("heisenbug: schedule taken: %s\n", dsched_taken());
  r = hb_check(&c, w, msg, sizeof msg);
  printf("%s\n", msg);
  dsched_reset();
  return r;
}
