/* test_10_pool_deadlock.c -- Scenario 10's deterministic test, built three
 * times: against the sync twin, the buggy async version and the fix. Each
 * test fixes the pool size (UV_THREADPOOL_SIZE, read once per process at
 * the first threadpool use; Criterion runs every test in its own process)
 * and submits all pages before the loop runs. libuv's pool takes work in
 * submission order, so every lookup is queued behind every page: once the
 * pages fill the pool, the bug's hang is certain, not likely. The monitor's
 * watchdog turns that hang into a failure with a report; its bounded wait
 * is a timeout, not a stand-in for synchronisation. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "pool_deadlock.h"
#include "dsched.h"
#include "scenario_test.h"

/* Runs `requests` pages on a pool of `pool` threads and asserts the
 * invariant; the message carries the watchdog's summary on a hang. */
static void run_on_pool(int pool, int requests) {
  struct pd_config cfg = {NULL, requests, 0, 500};
  struct pd_req *reqs;
  char msg[1024], size[16], env[64], args[64];
  int r;

  snprintf(size, sizeof size, "%d", pool);
  cr_assert_eq(setenv("UV_THREADPOOL_SIZE", size, 1), 0);
  reqs = pd_monitor_start(&cfg);
  cr_assert_not_null(reqs, "pool-deadlock setup failed");
  cr_assert_eq(pd_run(&cfg, reqs), 0, "pool-deadlock setup failed");
  r = pd_monitor_stop(msg, sizeof msg);
  snprintf(env, sizeof env, "UV_THREADPOOL_SIZE=%d", pool);
  snprintf(args, sizeof args, "--requests %d", requests);
  scenario_report(r, msg, NULL, NULL, env, args);
  cr_assert_eq(r, 0,
               "%s\n  load: %d requests on a pool of %d threads\n  replay: "
               "%s " SCENARIO_REPLAY " -- %s",
               msg, requests, pool, env, SCENARIO_ID, args);
}

/* @snippet test_load */
/* As many pages as pool threads: each thread takes a page, and each page
 * waits for a lookup queued behind all of them. */
Test(pool_deadlock, load_at_pool_size, .fini = scenario_teardown,
     .timeout = 20) {
  run_on_pool(2, 2);
}

/* More pages than threads: the extra pages wait in the queue as well. */
Test(pool_deadlock, load_above_pool_size, .fini = scenario_teardown,
     .timeout = 20) {
  run_on_pool(2, 5);
}

/* Control: one page fewer than threads. A thread stays free to run the
 * lookups, so every variant passes; a variant that renders wrong pages or
 * loses one fails here. */
Test(pool_deadlock, load_below_pool_size, .fini = scenario_teardown,
     .timeout = 20) {
  run_on_pool(2, 1);
}
/* @end */
