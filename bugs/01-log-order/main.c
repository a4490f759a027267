/* main.c -- Scenario 01 (log-order) driver: runs one variant's workload,
 * then checks the request log it wrote. Linked with sync.c, the bug's
 * async.c or the fix's async.c into build/bin/01-log-order-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "file_driver.h"
#include "log_order.h"
#include "scenario.h"

static int run(const void *cfg) {
  return lo_run(cfg);
}

int main(int argc, char **argv) {
  struct lo_config cfg = {NULL, 8, 1000};
  const char *schedule = NULL;
  int check_only = 0;
  int r;
  const struct gallery_opt opts[] = {
      GALLERY_OPT_STRING("log", &cfg.log_path, "FILE",
                         "keep the request log (JSON Lines) in FILE"),
      GALLERY_OPT_INT("requests", &cfg.requests, 1, 4096,
                      "concurrent requests (default {default}, {range})"),
      GALLERY_OPT_INT(
          "latency-us", &cfg.latency_us, 0, 1000000,
          "simulated fetch latency in microseconds (default {default})"),
      GALLERY_OPT_HOLD_SCHEDULE(&schedule, ""),
      GALLERY_OPT_FLAG("check-only", &check_only,
                       "run nothing: check the log --log FILE names (kept from "
                       "an earlier run, or edited) for --requests N"),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {"Runs scenario " SCENARIO_NAME
                                  " once and checks that every request's log "
                                  "lines appear as begin < step < end.",
                                  opts, GALLERY_EXIT_STATUS};
  const struct file_driver driver = {
      "log-order",
      "--log",
      &cfg.log_path,
      &cfg.requests,
      run,
      lo_check,
      "log-order: %d requests, every request's lines in order: invariant "
      "held\n",
      &cfg};

  if ((r = gallery_parse(&cli, argc, argv)) >= 0)
    return r;
  return file_driver_main(&driver, schedule, check_only, argv[0]);
}
