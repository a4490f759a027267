/* test_01_log_order.c -- Scenario 01's deterministic test, built three times:
 * against the sync twin, the buggy async version and the fix. The scheduler
 * holds the threadpool's writes and releases them in a scripted order, so
 * the bug's reordering happens on every run; no sleeps, no luck. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log_order.h"
#include "dsched.h"
#include "variant_schedule.h"
#include "scenario_test.h"

/* Runs the workload under a schedule and asserts the invariant, naming the
 * schedule actually taken so a failure can be replayed by hand. */
static void run_under(const char *schedule, int requests) {
  struct lo_config cfg = {scenario_file(), requests, 0};

  SCENARIO_FILE_HELD(schedule, lo_run(&cfg), lo_check, requests,
                     "--requests %d", requests);
}

static void probe(void *requests) {
  struct lo_config cfg = {scenario_file(), *(int *)requests, 0};
  cr_assert_eq(lo_run(&cfg), 0, "log-order setup failed");
}

/* @snippet test_scripted */
/* One request; the pool finishes what is in flight newest first, wherever
 * the variant lets it choose. One script per structure (the scripts are
 * strict, see tests/variant_schedule.h):
 * - bug: the "begin" and "step" lines are two writes in flight at once; the
 *   pool runs the step's (fs_write#1) before the begin's (fs_write#0).
 * - fix: one write is in flight at a time, so no two lines can swap; the
 *   only choice is the fetch (work#0) against the begin line's write, and
 *   the fetch goes first: "end" is logged while "begin" is still queued.
 * - sync: every write is synchronous; nothing is held, nothing to order. */
static const struct variant_schedule newest_first[] = {
    {"order:fs_write#0,fs_write#1",
     "order:fs_write#1,fs_write#0,work#0,fs_write#2"},
    {"order:fs_write#0,work#0",
     "order:work#0,fs_write#0,fs_write#1,fs_write#2,fs_write#3"},
    {"order:", "fifo"},
};

SCENARIO_FILE_TEST(log_order, step_write_finishes_before_begin_write) {
  int requests = 1;
  run_under(variant_schedule(newest_first, 3, probe, &requests), requests);
}
/* @end */

/* Four requests: the pool always finishes the newest request first. */
SCENARIO_FILE_TEST(log_order, pool_finishes_newest_first) {
  run_under("lifo", 4);
}

/* Control: when writes finish in submission order, every variant's log is
 * in order and complete (a variant that loses lines fails here). */
SCENARIO_FILE_TEST(log_order, pool_finishes_in_submission_order) {
  run_under("fifo", 4);
}

/* A log that cannot be read is a setup failure, not the bug. */
SCENARIO_FILE_TEST(log_order, unreadable_log_is_a_setup_failure) {
  scenario_unreadable_is_setup_failure(lo_check, scenario_file());
}
