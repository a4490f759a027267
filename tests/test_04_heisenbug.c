/* test_04_heisenbug.c -- Scenario 04's deterministic test, built three
 * times: against the sync twin, the buggy async version and the fix. The
 * two workers are registered threads; a scripted schedule stops the first
 * between its check and its load and lets the second check too, so the
 * config is loaded twice on every run against the bug, whatever the
 * logging mode. */
#include <criterion/criterion.h>

#include "heisenbug.h"
#include "sched.h"

static void teardown(void) { sched_reset(); }

static void run_under(const char *schedule, enum hb_log_mode mode) {
  struct hb_cache c;
  struct hb_worker w[2];
  char msg[512];

  cr_assert_eq(sched_configure(schedule), 0, "bad schedule %s", schedule);
  hb_init(&c, w, mode, 1000);
  hb_run(w);
  hb_fini(&c, w);
  cr_assert_eq(hb_check(&c, w, msg, sizeof msg), 0,
               "%s\n  schedule: %s\n  replay: build/gallery run 04 "
               "--schedule '%s'",
               msg, schedule, sched_taken());
}

/* @snippet test_scripted */
/* Both workers check the flag before either has loaded the config. */
Test(heisenbug, both_check_before_either_loads, .fini = teardown,
     .timeout = 10) {
  run_under("order:main@create,main@create,t1@start,t2@start,t1@checked,t2@checked", HB_LOG_NONE);
}
/* @end */

/* The same interleaving with printf logging: stdio's lock changes the
 * natural timing, not what the scheduler forces. */
Test(heisenbug, printf_does_not_hide_it_when_forced, .fini = teardown,
     .timeout = 10) {
  run_under("order:main@create,main@create,t1@start,t2@start,t1@checked,t2@checked", HB_LOG_PRINTF);
}

/* Control: one worker finishes before the other starts. */
Test(heisenbug, one_after_the_other, .fini = teardown, .timeout = 10) {
  run_under("fifo", HB_LOG_NONE);
}
