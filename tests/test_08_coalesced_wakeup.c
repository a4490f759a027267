/* test_08_coalesced_wakeup.c -- Scenario 08's deterministic test, built
 * three times: against the sync twin, the buggy async version and the fix.
 * The producer is a registered thread with a schedule point after every
 * send, and the loop thread's wait for a wakeup is a schedule point too
 * (see pump() in bugs/08-coalesced-wakeup/harness.c), so a script decides
 * whether the producer sends twice before the loop's async callback runs.
 * When it does, libuv runs the callback once for both sends, on every run. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "coalesced_wakeup.h"
#include "sched.h"

static void teardown(void) {
  sched_reset();
}

/* Runs the workload under a schedule and asserts the invariant, naming the
 * schedule taken so a failure can be replayed with the driver. */
static void run_under(const char *schedule, int messages) {
  struct cw_config cfg = {NULL, messages, 0, 0};
  struct cw_sink sink = {0};
  char msg[512];
  int r;

  cr_assert_eq(sched_configure(schedule), 0, "bad schedule %s", schedule);
  cr_assert_eq(cw_run(&cfg, &sink), 0, "coalesced-wakeup setup failed");
  r = cw_check(&sink, msg, sizeof msg);
  free(sink.ids);
  cr_assert_eq(r, 0,
               "%s\n  schedule: %s\n  replay: build/gallery run 08 "
               "--schedule '%s' -- --messages %d --interval-us 0",
               msg, schedule, sched_taken(), messages);
}

/* @snippet test_scripted */
/* Three messages. The loop thread wakes for message 0 and handles it
 * (main@wait ... main@lock); then, when the producer has sent message 1,
 * the producer goes on (producer@unlock, producer@sent) and sends message 2
 * before the loop thread runs again. */
Test(coalesced_wakeup, producer_sends_twice_before_the_loop_wakes,
     .fini = teardown, .timeout = 10) {
  run_under("order:main@create,main@lock,main@wait,main@unlock,main@lock,"
            "main@unlock,main@lock,producer@unlock,producer@sent",
            3);
}
/* @end */

/* Eight messages, the producer never preempted: every send happens before
 * the loop thread's first wakeup. */
Test(coalesced_wakeup, producer_sends_all_before_the_loop_wakes,
     .fini = teardown, .timeout = 10) {
  run_under("fifo", 8);
}

/* Control: two messages, the loop thread handles message 0 before the
 * producer sends message 1 (the script gives it the token; fifo does the
 * rest). One wakeup per send: every variant must handle both, in order; a
 * variant that loses or repeats messages without any coalescing fails. */
Test(coalesced_wakeup, one_wakeup_per_send, .fini = teardown, .timeout = 10) {
  run_under("order:main@create,main@lock,main@wait", 2);
}
