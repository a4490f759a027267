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

int main(int argc, char **argv) {
  struct lo_config cfg = {NULL, 8, 1000};
  const char *schedule = NULL;
  int check_only = 0;
  char tmp[4096];
  char msg[512];
  int r;
  const struct gallery_opt opts[] = {
      GALLERY_OPT_STRING("log", &cfg.log_path, "FILE",
                         "keep the request log (JSON Lines) in FILE"),
      GALLERY_OPT_INT("requests", &cfg.requests, 1, 4096,
                      "concurrent requests (default {default}, {range})"),
      GALLERY_OPT_INT(
          "latency-us", &cfg.latency_us, 0, 1000000,
          "simulated fetch latency in microseconds (default {default})"),
      GALLERY_OPT_STRING(
          "schedule", &schedule, "SPEC",
          "hold threadpool requests and release them by SPEC (fifo, lifo, "
          "random:SEED, order:...; also env SCHED)"),
      GALLERY_OPT_FLAG("check-only", &check_only,
                       "run nothing: check the log --log FILE names (kept from "
                       "an earlier run, or edited) for --requests N"),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario 01 (log-order) once and checks that every request's log "
      "lines appear as begin < step < end.",
      opts, GALLERY_EXIT_STATUS};

  if ((r = gallery_parse(&cli, argc, argv)) >= 0)
    return r;
  if ((schedule ? dsched_configure(schedule) : dsched_configure_from_env()) !=
      0)
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
