/* test_06_lost_update.c -- Scenario 06's deterministic test, built three
 * times: against the sync twin, the buggy async version and the fix. Two
 * registered threads play two pool threads running two jobs' lu_work(); a
 * scripted schedule stops both between reading the totals and writing them
 * back, so an update vanishes on every run against the bug. libuv's own
 * pool threads are not registered with the scheduler, which is why the
 * threads here are plain ones (lu_run_threads in bugs/06-lost-update/jobs.c).
 */
#include <criterion/criterion.h>

#include "lost_update.h"
#include "dsched.h"
#include "scenario.h"
#include "variant_schedule.h"
#include "scenario_test.h"

/* Checks the invariant, naming the schedule taken so a failure can be
 * replayed with the driver. */
static void check(const struct lu_config *cfg, const struct lu_totals *t,
                  const char *schedule, const char *how) {
  char msg[512];
  int r = lu_check(cfg, t, msg, sizeof msg);

  SCENARIO_ASSERT_HELD(r, msg, schedule, dsched_taken(), "--jobs %d %s",
                       cfg->jobs, how);
}

static void run_threads(const char *schedule, int jobs, int workers) {
  struct lu_config cfg = {NULL, jobs, 0};
  struct lu_totals t = {0, 0};
  char how[64];

  SCENARIO_SCHEDULE(schedule);
  lu_run_threads(&cfg, &t, workers);
  snprintf(how, sizeof how, "--pool threads --workers %d", workers);
  check(&cfg, &t, schedule, how);
}

/* The workload the figure script is written for, as figure_args in
 * bugs/06-lost-update/scenario.conf gives it (--jobs, --workers). */
#define FIGURE_ARG(name) scenario_arg(SCENARIO_FIGURE_ARGS, name)

static void probe(void *arg) {
  struct lu_config cfg = {NULL, FIGURE_ARG("jobs"), 0};
  struct lu_totals t = {0, 0};
  (void)arg;
  lu_run_threads(&cfg, &t, FIGURE_ARG("workers"));
}

/* @snippet test_scripted */
/* Two pool threads, one job each. Each takes its job and scans it; then the
 * first goes on, then the second, before either job has been counted. One
 * script per structure (the scripts are strict, tests/variant_schedule.h):
 * - bug: each thread counts its own job: it stops with the totals read
 *   (t1@account, t2@account), so the second writes back a stale sum. The
 *   script is the scenario's figure script (bugs/06-lost-update/
 *   scenario.conf, through build/gen/06-lost-update/scenario.h).
 * - sync and fix: the threads touch no totals; they go on to ask for the
 *   next job (t1@lock, t2@lock) and the loop thread counts every job after
 *   they are done, one at a time. This script is the test's own: the
 *   scenario file holds no two-thread script for the fix. */
static const struct variant_schedule both_read_first[] = {
    {"order:main@create,main@create,t1@start,t1@lock,t1@unlock,t1@account",
     SCENARIO_FIGURE_SCHEDULE},
    {"order:main@create,main@create,t1@start,t1@lock,t1@unlock,t1@lock",
     "order:main@create,main@create,"
     "t1@start,t1@lock,t1@unlock,"
     "t2@start,t2@lock,t2@unlock,"
     "t1@lock,t2@lock"},
};

SCENARIO_TEST(lost_update, both_read_before_either_writes) {
  run_threads(variant_schedule(both_read_first, 2, probe, NULL),
              FIGURE_ARG("jobs"), FIGURE_ARG("workers"));
}
/* @end */

/* Control: the same threads without preemption (each job is counted before
 * the next starts). Every variant must count every job exactly once here;
 * a variant that loses or double-counts jobs fails. */
SCENARIO_TEST(lost_update, threads_without_overlap) {
  run_threads("fifo", 8, 2);
}

/* Control: the variant's real run on libuv's pool, its work requests
 * released one at a time (the scheduler holds uv_queue_work). */
SCENARIO_TEST(lost_update, libuv_pool_one_request_at_a_time) {
  struct lu_config cfg = {NULL, 16, 0};
  struct lu_totals t = {0, 0};

  cr_assert_eq(dsched_configure("lifo"), 0);
  cr_assert_eq(lu_run(&cfg, &t), 0, "lost-update setup failed");
  check(&cfg, &t, "lifo", "--pool uv");
}
