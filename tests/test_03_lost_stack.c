/* test_03_lost_stack.c -- Scenario 03's test, built three times: against
 * the sync twin, the buggy async version and the fix. Each test runs the
 * workload in a child process, captures the crash report it writes to
 * stderr, and checks that the report names the caller that passed the bad
 * argument. The failure is deterministic: no schedule is needed to make
 * the bug's report miss the caller; one test uses a schedule to show that
 * the order of the pool's work does not matter. */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/wait.h>

#include "lost_stack.h"
#include "scenario_test.h"

static char report[65536];

/* @snippet expect_named */
static void expect_named(enum ls_caller culprit, const char *schedule) {
  struct ls_config cfg = {NULL, culprit, 0, schedule};
  char msg[512];
  int st, r;

  cr_assert_eq(ls_capture(&cfg, report, sizeof report, &st), 0,
               "could not start the child");
  cr_assert_eq(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, 1,
               "the bad width from %s did not abort (status %d):\n%s",
               ls_caller_name(culprit), st, report);
  r = ls_check(report, culprit, msg, sizeof msg);
  scenario_report(r, msg, schedule, NULL, NULL, NULL);
  cr_assert_eq(r, 0, "%s\n  the report was:\n%s", msg, report);
}
/* @end */

Test(lost_stack, banner_passes_negative_width, .timeout = 10) {
  expect_named(LS_BANNER, NULL);
}

Test(lost_stack, avatar_passes_negative_width, .timeout = 10) {
  expect_named(LS_AVATAR, NULL);
}

/* The pool finishes the newest resize first: the culprit is still the one
 * that passed the bad width, whatever order the work runs in. */
Test(lost_stack, gallery_passes_negative_width_newest_first, .timeout = 10) {
  expect_named(LS_GALLERY, "lifo");
}

/* Control: with no bad argument there is no crash and no report (a
 * variant that reports where nothing is wrong fails here). */
Test(lost_stack, no_bad_argument_no_report, .timeout = 10) {
  struct ls_config cfg = {NULL, LS_NONE, 0, NULL};
  char msg[512];
  int st, r;

  cr_assert_eq(ls_capture(&cfg, report, sizeof report, &st), 0);
  cr_assert_eq(WIFEXITED(st) && WEXITSTATUS(st) == 0, 1,
               "a clean run failed (status %d):\n%s", st, report);
  r = ls_check(report, LS_NONE, msg, sizeof msg);
  scenario_report(r, msg, NULL, NULL, NULL, NULL);
  cr_assert_eq(r, 0, "%s", msg);
}
