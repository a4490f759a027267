/* test_02_reply_mixup.c -- Scenario 02's deterministic test, built three
 * times: against the sync twin, the buggy async version and the fix. The
 * scheduler holds the server's threadpool work and releases it in a
 * scripted order, so replies are written out of order on every run of the
 * bug; no sleeps, no luck. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "reply_mixup.h"
#include "dsched.h"
#include "scenario_test.h"

/* Runs the workload under a schedule and asserts the invariant, naming the
 * schedule taken so that a failure can be replayed by hand. The client
 * sends every request in one write, so the server holds all of them before
 * the scheduler releases the first. */
static void run_under(const char *schedule, int requests) {
  struct rm_config cfg = {NULL, requests, 0};
  struct rm_result *res = calloc(1, sizeof *res);
  char msg[512];
  int r;

  cr_assert_not_null(res);
  SCENARIO_SCHEDULE(schedule);
  r = rm_run(&cfg, res);
  cr_assert_eq(r, 0, "reply-mixup setup failed: %d", r);
  r = rm_check(&cfg, res, msg, sizeof msg);
  SCENARIO_ASSERT_HELD(r, msg, schedule, dsched_taken(), "--requests %d",
                       requests);
  free(res);
}

/* @snippet test_scripted */
/* Two requests: the pool finishes the second one's work first. */
SCENARIO_TEST(reply_mixup, second_request_finishes_first) {
  run_under("order:work#1,work#0", 2);
}
/* @end */

/* Six requests: the pool always finishes the newest request first. */
SCENARIO_TEST(reply_mixup, pool_finishes_newest_first) {
  run_under("lifo", 6);
}

/* Control: when the work finishes in request order, every variant pairs
 * every reply right (a variant that loses or garbles replies fails here). */
SCENARIO_TEST(reply_mixup, pool_finishes_in_request_order) {
  run_under("fifo", 6);
}
