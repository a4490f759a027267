/* test_09_double_callback.c -- Scenario 09's deterministic test, built
 * three times: against the sync twin, the buggy async version and the fix.
 * The deadline is 0 ms, so each call's timer is due as soon as the loop
 * starts; the scheduler holds the server's reply (work#N) and releases it
 * into a loop iteration that runs due timers before it polls for finished
 * work. The deadline therefore passes before the reply arrives, on every
 * run, without sleeping. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "double_callback.h"
#include "dsched.h"
#include "scenario_test.h"

/* Runs the calls under a schedule and asserts the invariant, naming the
 * schedule taken so a failure can be replayed with the driver. */
static void run_under(const char *schedule, int requests, int timeout_ms) {
  struct dc_config cfg = {NULL, requests, timeout_ms, 0, 0};
  struct dc_call *calls = calloc((size_t)requests, sizeof *calls);
  char msg[512];
  int r;

  cr_assert_not_null(calls);
  SCENARIO_SCHEDULE(schedule);
  cr_assert_eq(dc_run(&cfg, calls), 0, "double-callback setup failed");
  r = dc_check(&cfg, calls, msg, sizeof msg);
  free(calls);
  SCENARIO_ASSERT_HELD(
      r, msg, "09", schedule, dsched_taken(),
      "--requests %d --timeout-ms %d --reply-us 0 --jitter-us 0", requests,
      timeout_ms);
}

/* @snippet test_scripted */
/* One call. Its timer is due when the loop starts; the reply (work#0) is
 * released into the same loop iteration, whose timers run before the
 * finished work is collected: the deadline wins, then the reply comes. */
Test(double_callback, reply_arrives_after_the_deadline,
     .fini = scenario_teardown, .timeout = 10) {
  run_under("order:work#0", 1, 0);
}
/* @end */

/* Four calls, replies released one at a time in submission order: every
 * deadline passes before any reply. */
Test(double_callback, every_reply_after_its_deadline, .fini = scenario_teardown,
     .timeout = 10) {
  run_under("fifo", 4, 0);
}

/* Control: a deadline of a minute, replies at once. Every variant must
 * run each callback once, with the reply; a variant that forgets to stop
 * the timer waits a minute and fails on the test's timeout, and one that
 * calls back twice on this path fails with the invariant. */
Test(double_callback, reply_arrives_before_the_deadline,
     .fini = scenario_teardown, .timeout = 10) {
  run_under("fifo", 4, 60000);
}
