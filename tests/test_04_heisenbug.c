/* test_04_heisenbug.c -- Scenario 04's deterministic test, built three
 * times: against the sync twin, the buggy async version and the fix. The
 * two workers are registered threads; a scripted schedule stops the first
 * between its check and its load and lets the second check too, so the
 * config is loaded twice on every run against the bug, whatever the
 * logging mode. */
#include <criterion/criterion.h>
#include <stdatomic.h>

#include "heisenbug.h"
#include "dsched.h"
#include "scenario.h"
#include "variant_schedule.h"
#include "scenario_test.h"

static void run_under(const char *schedule, enum hb_log_mode mode) {
  struct hb_cache c;
  struct hb_worker w[2];
  char msg[512];
  int r;

  SCENARIO_SCHEDULE(schedule);
  hb_init(&c, w, mode, 1000);
  hb_run(w);
  hb_fini(&c, w);
  r = hb_check(&c, w, msg, sizeof msg);
  SCENARIO_ASSERT_HELD(r, msg, schedule, dsched_taken(), "--work %d", 1000);
}

static void probe(void *arg) {
  struct hb_cache c;
  struct hb_worker w[2];
  (void)arg;
  hb_init(&c, w, HB_LOG_NONE, 1000);
  hb_run(w);
  hb_fini(&c, w);
}

/* @snippet test_scripted */
/* Both workers start; the first stops right after it has found the config
 * missing, and the second is given the token as soon as it can run. The
 * scripts are the scenario's compare scripts (bugs/04-heisenbug/
 * scenario.conf, through build/gen/04-heisenbug/scenario.h), one per
 * structure (the scripts are strict, tests/variant_schedule.h):
 * - bug: the check is not guarded, so t2 can run at once and check too
 *   (t1@checked, t2@checked): both load.
 * - fix: the check and the load sit under a mutex; t2 waits at the lock
 *   until t1 has loaded and unlocked (t1@lock, then t2@lock): one load.
 * - sync: one thread does both lookups; there is no second thread to run. */
static const struct variant_schedule check_then_switch[] = {
    {"order:main@create,main@create,t1@start,t1@checked",
     SCENARIO_COMPARE_SCHEDULE},
    {"order:main@create,main@create,t1@start,t1@lock",
     SCENARIO_COMPARE_FIX_SCHEDULE},
    {"order:", "fifo"},
};

SCENARIO_TEST(heisenbug, both_check_before_either_loads) {
  run_under(variant_schedule(check_then_switch, 3, probe, NULL), HB_LOG_NONE);
}
/* @end */

/* The same interleaving with printf logging: stdio's lock changes the
 * natural timing, not what the scheduler forces. */
SCENARIO_TEST(heisenbug, printf_does_not_hide_it_when_forced) {
  run_under(variant_schedule(check_then_switch, 3, probe, NULL), HB_LOG_PRINTF);
}

/* Control: one worker finishes before the other starts. */
SCENARIO_TEST(heisenbug, one_after_the_other) {
  run_under("fifo", HB_LOG_NONE);
}

/* The two workers' records sit on main's stack side by side, and each
 * worker writes its own (its correlation op, in corrlog mode) inside the
 * race window. Sharing a cache line, one worker's write made the other
 * wait for the line, which shifted the race (chapters/04-heisenbug.md,
 * "False sharing"); each record and the cache start on a line of their
 * own. */
Test(heisenbug_layout, no_two_workers_share_a_cache_line) {
  struct hb_cache c;
  struct hb_worker w[2];
  cr_assert_geq(_Alignof(struct hb_worker), 64);
  cr_assert_eq(sizeof(struct hb_worker) % 64, 0);
  cr_assert_geq(_Alignof(struct hb_cache), 64);
  cr_assert_eq((uintptr_t)&w[1] % 64, 0);
  cr_assert_eq((uintptr_t)&c % 64, 0);
}

/* The count of loads is what the check reads: an increment lost between
 * the two workers would make a double load look like one. Its type says
 * the add is atomic (an lvalue of atomic type keeps _Atomic through &). */
Test(heisenbug_layout, loads_are_counted_without_a_race) {
  struct hb_cache c;
  cr_assert(_Generic(&c.loads, atomic_int * : 1, default : 0),
            "hb_cache.loads must be an atomic_int");
}
