/* test_13_lock_order.c -- Scenario 13's deterministic test, built three
 * times: against the sync twin, the buggy async version and the fix. A
 * scripted schedule lets the loop thread take one mutex and the sweeper
 * thread the other before either asks for its second, so the bug
 * deadlocks on every run. The scheduler then prints its report and ends
 * the process with status 1, so each run happens in a child process
 * (lk_run_isolated): the test reads the child's exit status and the
 * waits-for cycle the scheduler handed it (dsched_on_deadlock), and fails
 * naming the invariant. */
#include <criterion/criterion.h>

#include "lock_order.h"
#include "scenario.h"
#include "scenario_test.h"

/* Runs the workload under a schedule in a child process and asserts that
 * it finished with the invariant held. A deadlock counts only when the
 * scheduler found a waits-for cycle; a run that ends any other way is
 * a setup failure, reported without the invariant's name. */
static void run_under(const char *schedule, int requests, int sweeps) {
  struct lk_config cfg = {NULL, requests, sweeps, 0};
  struct lk_outcome out;
  int r = lk_run_isolated(&cfg, schedule, &out);

  cr_assert(r == 0 || r == 1, "%s (exit %d, schedule %s)", out.msg, r,
            schedule);
  SCENARIO_ASSERT_HELD(r, out.msg, schedule, out.taken,
                       "--requests %d --sweeps %d", requests, sweeps);
}

/* @snippet test_scripted */
/* The loop thread takes its first lock and stops before its second; the
 * sweeper starts and takes its first lock. Whatever each wants next, the
 * other must not be holding it. The script is the scenario's compare
 * script (bugs/13-lock-order/scenario.conf, through
 * build/gen/13-lock-order/scenario.h). */
Test(lock_order, loop_first_then_sweeper, .timeout = 10) {
  run_under(SCENARIO_COMPARE_SCHEDULE, 8, 2);
}
/* @end */

/* The mirror image: the sweeper takes its first lock, then the loop thread
 * takes its first. */
Test(lock_order, sweeper_first_then_loop, .timeout = 10) {
  run_under("order:t1@start,sweeper@lock,loop@create,loop@lock", 8, 2);
}

/* Control: no preemption (each thread runs until it must wait). Every
 * variant must finish and count every request and sweep here; a variant
 * that loses a count or never finishes fails. */
Test(lock_order, threads_without_preemption, .timeout = 10) {
  run_under("fifo", 64, 8);
}
