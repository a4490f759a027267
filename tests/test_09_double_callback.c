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

/* Runs the calls args describes (the driver's options) under a schedule
 * and asserts the invariant, naming the schedule taken so a failure can be
 * replayed with the driver. */
static void run_under(const char *schedule, const char *args) {
  struct dc_config cfg = {
      NULL, scenario_arg(args, "requests"), scenario_arg(args, "timeout-ms"),
      scenario_arg(args, "reply-us"), scenario_arg(args, "jitter-us")};
  struct dc_call *calls = calloc((size_t)cfg.requests, sizeof *calls);
  char msg[512];
  int r;

  cr_assert_not_null(calls);
  SCENARIO_SCHEDULE(schedule);
  cr_assert_eq(dc_run(&cfg, calls), 0, "double-callback setup failed");
  r = dc_check(&cfg, calls, msg, sizeof msg);
  free(calls);
  SCENARIO_ASSERT_HELD(r, msg, schedule, dsched_taken(), "%s", args);
}

/* @snippet test_scripted */
/* One call. Its timer is due when the loop starts; the reply (work#0) is
 * released into the same loop iteration, whose timers run before the
 * finished work is collected: the deadline wins, then the reply comes. */
SCENARIO_TEST(double_callback, reply_arrives_after_the_deadline) {
  run_under("order:work#0",
            "--requests 1 --timeout-ms 0 --reply-us 0 --jitter-us 0");
}
/* @end */

/* The book's figure run (figure_args in bugs/09-double-callback/
 * scenario.conf): four calls, replies released one at a time in submission
 * order; every deadline passes before any reply. */
SCENARIO_TEST(double_callback, every_reply_after_its_deadline) {
  run_under("fifo", SCENARIO_FIGURE_ARGS);
}

/* Control: a deadline of a minute, replies at once. Every variant must
 * run each callback once, with the reply; a variant that forgets to stop
 * the timer waits a minute and fails on the test's timeout, and one that
 * calls back twice on this path fails with the invariant. */
SCENARIO_TEST(double_callback, reply_arrives_before_the_deadline) {
  run_under("fifo",
            "--requests 4 --timeout-ms 60000 --reply-us 0 --jitter-us 0");
}
