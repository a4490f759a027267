/* test_11_stale_buffer.c -- Scenario 11's deterministic test, built three
 * times: against the sync twin, the buggy async version and the fix. The
 * scheduler holds every uv_fs_write until the loop runs, so a pool thread
 * reads each write's buffer only after the submitting loop has moved on to
 * later records -- on every run, with no sleeps. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsched.h"
#include "stale_buffer.h"
#include "scenario_test.h"

/* Runs the workload under a schedule and asserts the invariant, naming the
 * schedule taken so a failure can be replayed by hand. */
static void run_under(const char *schedule, int records) {
  struct sb_config cfg = {scenario_file(), NULL, records};

  SCENARIO_FILE_HELD(schedule, sb_run(&cfg), sb_check, records, "--records %d",
                     records);
}

/* @snippet test_held */
/* Two records. Both writes are held at submission and released in
 * submission order, one at a time: the earliest a pool thread can read
 * record 0's buffer is after the loop has formatted record 1. */
SCENARIO_FILE_TEST(stale_buffer, write_released_after_next_record_formatted) {
  run_under("order:fs_write#0,fs_write#1", 2);
}
/* @end */

/* Eight records, the newest write released first: the order of the writes
 * does not matter, only that they run after the loop moved on. */
SCENARIO_FILE_TEST(stale_buffer, newest_write_first) {
  run_under("lifo", 8);
}

/* Control: one record. Nothing is formatted after it, so even a shared
 * buffer holds the right bytes when the held write runs; every variant
 * passes, and a variant that loses or mangles records fails here. */
SCENARIO_FILE_TEST(stale_buffer, single_record) {
  run_under("fifo", 1);
}

/* A record file that cannot be read is a setup failure, not the bug. */
SCENARIO_FILE_TEST(stale_buffer, unreadable_file_is_a_setup_failure) {
  scenario_unreadable_is_setup_failure(sb_check, scenario_file());
}
