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
#include "dsched.h"
#include "variant_schedule.h"
#include "scenario_test.h"

/* Runs the workload under a schedule and asserts the invariant, naming the
 * schedule taken so a failure can be replayed with the driver. */
static void run_under(const char *schedule, int messages) {
  struct cw_config cfg = {NULL, messages, 0, 0};
  struct cw_sink sink = {0};
  char msg[512];
  int r;

  SCENARIO_SCHEDULE(schedule);
  cr_assert_eq(cw_run(&cfg, &sink), 0, "coalesced-wakeup setup failed");
  r = cw_check(&sink, msg, sizeof msg);
  free(sink.ids);
  SCENARIO_ASSERT_HELD(r, msg, schedule, dsched_taken(),
                       "--messages %d --interval-us 0", messages);
}

static void probe(void *messages) {
  struct cw_config cfg = {NULL, *(int *)messages, 0, 0};
  struct cw_sink sink = {0};
  cr_assert_eq(cw_run(&cfg, &sink), 0, "coalesced-wakeup setup failed");
  free(sink.ids);
}

/* @snippet test_scripted */
/* Three messages. The loop thread wakes for message 0 and handles it
 * (main@wait ... main@lock); then, when the producer has sent message 1,
 * the producer goes on (producer@unlock, producer@sent) and sends message 2
 * before the loop thread runs again. One script per structure (the scripts
 * are strict, tests/variant_schedule.h):
 * - bug and fix: a send takes the channel's lock (the main@lock and
 *   main@unlock steps between the wakeup and the producer's turn).
 * - sync: a send calls the handler on the producer itself, with no lock,
 *   so the producer's turn comes right after the loop thread's wakeup. */
static const struct variant_schedule send_twice_first[] = {
    {"order:main@create,main@lock,producer@unlock,producer@sent,"
     "producer@lock,producer@unlock,producer@lock",
     "order:main@create,main@lock,main@wait,main@unlock,main@lock,"
     "main@unlock,main@lock,producer@unlock,producer@sent"},
    {"order:main@create,main@lock,producer@unlock,producer@sent,"
     "producer@lock,producer@unlock,producer@sent",
     "order:main@create,main@lock,main@wait,main@unlock,main@lock,"
     "producer@unlock,producer@sent"},
};

SCENARIO_TEST(coalesced_wakeup, producer_sends_twice_before_the_loop_wakes) {
  int messages = 3;
  run_under(variant_schedule(send_twice_first, 2, probe, &messages), messages);
}
/* @end */

/* Eight messages, the producer never preempted: every send happens before
 * the loop thread's first wakeup. */
SCENARIO_TEST(coalesced_wakeup, producer_sends_all_before_the_loop_wakes) {
  run_under("fifo", 8);
}

/* Control: two messages, the loop thread handles message 0 before the
 * producer sends message 1 (the script gives it the token; fifo does the
 * rest). One wakeup per send: every variant must handle both, in order; a
 * variant that loses or repeats messages without any coalescing fails. */
SCENARIO_TEST(coalesced_wakeup, one_wakeup_per_send) {
  run_under("order:main@create,main@lock,main@wait", 2);
}
