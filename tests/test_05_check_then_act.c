/* test_05_check_then_act.c -- Scenario 05's deterministic test, built three
 * times: against the sync twin, the buggy async version and the fix. The
 * scheduler holds the threadpool's work and releases it in a scripted
 * order, so a page's footer lookup runs while its header's fetch is still
 * in flight, on every run; no sleeps, no luck. Submission numbers for one
 * page: work#0 is the header's fetch, work#1 the body's rendering, work#2
 * (the bug only) the footer's second fetch. */
#include <criterion/criterion.h>

#include "check_then_act.h"
#include "dsched.h"
#include "scenario_test.h"

/* Runs the workload under a schedule and asserts the invariant, naming the
 * schedule actually taken so a failure can be replayed by hand. */
static void run_under(const char *schedule, int pages) {
  struct cta_config cfg = {pages, 0, 0};
  char msg[512];
  int r;

  SCENARIO_SCHEDULE(schedule);
  cta_reset();
  cr_assert_eq(cta_run(&cfg), 0, "check-then-act setup failed");
  r = cta_check(pages, msg, sizeof msg);
  SCENARIO_ASSERT_HELD(r, msg, schedule, dsched_taken(), "--pages %d", pages);
}

/* @snippet test_scripted */
/* The body is rendered before the header's fetch returns, so the footer's
 * lookup misses while that fetch is in flight: the bug fetches again. */
SCENARIO_TEST(check_then_act, footer_lookup_while_fetch_in_flight) {
  run_under("order:work#1,work#0,work#2", 1);
}

/* As above, and then the second fetch (newer version) returns before the
 * first: the bug's first fetch overwrites the newer version. */
SCENARIO_TEST(check_then_act, older_fetch_returns_last) {
  run_under("lifo", 1);
}
/* @end */

/* Four pages, the pool always finishing the newest work first. */
SCENARIO_TEST(check_then_act, pool_finishes_newest_first) {
  run_under("lifo", 4);
}

/* Control: each fetch returns before its page's body is rendered, so every
 * footer hits the cache; all variants pass (a variant that serves a part
 * twice or never, or never fetches, fails here). */
SCENARIO_TEST(check_then_act, fetch_returns_before_render) {
  run_under("fifo", 4);
}
