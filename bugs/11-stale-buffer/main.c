/* main.c -- Scenario 11 (stale-buffer) driver: runs one variant's workload,
 * then checks the record file it wrote. Linked with sync.c, the bug's
 * async.c or the fix's async.c into build/bin/11-stale-buffer-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "file_driver.h"
#include "stale_buffer.h"
#include "scenario.h"

static int run(const void *cfg) {
  return sb_run(cfg);
}

int main(int argc, char **argv) {
  struct sb_config cfg = {NULL, NULL, 8};
  const char *schedule = NULL;
  int check_only = 0;
  int r;

  const struct gallery_opt opts[] = {
      GALLERY_OPT_INT("records", &cfg.records, 1, SB_MAX_RECORDS,
                      "records to write (default {default}, {range})"),
      GALLERY_OPT_STRING("out", &cfg.out_path, "FILE",
                         "keep the record file in FILE (default: a temporary "
                         "file, removed afterwards)"),
      GALLERY_OPT_LOG(&cfg.log_path, GALLERY_FIX_LOGS),
      GALLERY_OPT_HOLD_SCHEDULE(&schedule, ""),
      GALLERY_OPT_FLAG("check-only", &check_only,
                       "run nothing: check the record file --out FILE names "
                       "(kept from an earlier run) for --records N"),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME " once and checks that slot i of the "
      "record file holds record i: every record submitted is the one written.",
      opts, GALLERY_EXIT_STATUS};
  const struct file_driver driver = {
      "stale-buffer",
      "--out",
      &cfg.out_path,
      &cfg.records,
      run,
      sb_check,
      "stale-buffer: %d records, slot i holds record i: invariant held\n",
      &cfg};

  if ((r = gallery_parse(&cli, argc, argv)) >= 0)
    return r;
  return file_driver_main(&driver, schedule, check_only, argv[0]);
}
