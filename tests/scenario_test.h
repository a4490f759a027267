/* scenario_test.h -- what the scenario tests (tests/test_NN_slug.c) share:
 * the fixture's teardown, a scratch file under $TMPDIR, configuring the
 * schedule a test runs under, and the assertion that names the invariant,
 * the schedule and the command that replays the run. */
#ifndef SCENARIO_TEST_H
#define SCENARIO_TEST_H

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsched.h"
#include "scenario.h"
#include "scenario_report.h"

/* Criterion's runner (2.4.1) ends on SIGTERM or SIGHUP without removing
 * its socket, /tmp/criterion_PID.sock, and on SIGINT removes it. The
 * gallery and hunt stop a run with SIGTERM (a hang, a Ctrl-C, a tour
 * stopped), so the runner takes SIGTERM and SIGHUP as SIGINT: nothing is
 * left in /tmp. kill is async-signal-safe. */
static inline void scenario__stop_as_int(int sig) {
  (void)sig;
  kill(getpid(), SIGINT);
}

ReportHook(PRE_ALL)(struct criterion_test_set *set) {
  struct sigaction sa;
  (void)set;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = scenario__stop_as_int;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
}

/* .fini of a test that only needs the scheduler to forget its run. */
static inline void scenario_teardown(void) {
  dsched_reset();
}

/* The scratch file of a test whose workload writes one (its log, its
 * records), by a name the workload opens as any path:
 * "/proc/self/fd/N", a file that .init = scenario_file_setup makes as
 * "$TMPDIR/test-SLUG-XXXXXX" (default /tmp) and unlinks at once, keeping
 * it open as fd N. Nothing is left in $TMPDIR however the process ends:
 * Criterion's runner, stopped by a signal, SIGKILLs its test processes
 * (each in a session of its own, out of reach of the group's signal),
 * and no handler of theirs could run. .fini = scenario_file_teardown
 * closes it. One per test process: Criterion runs each test in its own. */
static inline char *scenario_file(void) {
  static char path[64];
  return path;
}

static inline int *scenario_file_fd(void) {
  static int fd = -1;
  return &fd;
}

static inline void scenario_file_setup(void) {
  const char *dir = getenv("TMPDIR");
  char made[4096];
  int fd;

  snprintf(made, sizeof made, "%s/test-%s-XXXXXX", dir && *dir ? dir : "/tmp",
           SCENARIO_SLUG);
  fd = mkstemp(made);
  cr_assert_geq(fd, 0, "mkstemp %s failed", made);
  cr_assert_eq(unlink(made), 0, "unlink %s failed", made);
  *scenario_file_fd() = fd;
  snprintf(scenario_file(), 64, "/proc/self/fd/%d", fd);
}

static inline void scenario_file_teardown(void) {
  close(*scenario_file_fd());
  scenario_teardown();
}

/* For a scenario whose invariant is checked on a file (check(path, n,
 * msg, len)): a file that cannot be read is a setup failure, not the bug.
 * check says -1 and names the file, never the invariant (run-tests.sh
 * counts a failure naming the invariant as the bug observed). A directory
 * opens but cannot be read; a path under the regular file `file` cannot
 * be opened. */
static inline void scenario_unreadable_is_setup_failure(
    int (*check)(const char *, int, char *, size_t), const char *file) {
  char bad[4200], msg[512];
  const char *paths[] = {"/", bad};

  snprintf(bad, sizeof bad, "%s/x", file);
  for (int i = 0; i < 2; i++) {
    msg[0] = '\0';
    cr_assert_eq(check(paths[i], 1, msg, sizeof msg), -1, "%s: %s", paths[i],
                 msg);
    cr_assert_null(strstr(msg, "invariant violated"), "%s", msg);
    cr_assert_not_null(strstr(msg, paths[i]), "%s", msg);
  }
}

/* Configures the schedule a test runs under; one that does not parse fails
 * the test (not as the bug: it names no invariant). */
#define SCENARIO_SCHEDULE(schedule)                                            \
  cr_assert_eq(dsched_configure(schedule), 0, "bad schedule %s", (schedule))

/* Fails the test unless r is 0 (the check found the invariant held), with
 * the check's msg, the schedule asked for, and the command that replays
 * the schedule taken: build/gallery run NN --schedule 'TAKEN' -- ARGS,
 * where NN is the scenario's (SCENARIO_ID) and ARGS (a printf format and
 * its values) are the driver options that give the test's workload. A
 * macro, so that the failure names the test's own file and line. */
#define SCENARIO_ASSERT_HELD(r, msg, schedule, taken, ...)                     \
  do {                                                                         \
    char scenario_args_[256];                                                  \
    snprintf(scenario_args_, sizeof scenario_args_, __VA_ARGS__);              \
    scenario_report((r), (msg), (schedule), (taken), NULL, scenario_args_);    \
    cr_assert_eq((r), 0,                                                       \
                 "%s\n  schedule: %s\n  replay: " SCENARIO_REPLAY              \
                 " --schedule '%s' -- %s",                                     \
                 (msg), (schedule), SCENARIO_ID, (taken), scenario_args_);     \
  } while (0)

/* ---- a test's declaration and the scenario's facts ---- */

/* How long a scenario test may take before Criterion fails it as a hang. */
#define SCENARIO_TIMEOUT 10

/* A scenario test whose fixture only makes the scheduler forget its run,
 * and one whose workload writes the scratch file (scenario_file()). */
#define SCENARIO_TEST(suite, name)                                             \
  Test(suite, name, .fini = scenario_teardown, .timeout = SCENARIO_TIMEOUT)
#define SCENARIO_FILE_TEST(suite, name)                                        \
  Test(suite, name, .init = scenario_file_setup,                               \
       .fini = scenario_file_teardown, .timeout = SCENARIO_TIMEOUT)

/* The start of the command that replays a run, a printf format for
 * SCENARIO_ID: "build/gallery run 09". */
#define SCENARIO_REPLAY "build/gallery run %02d"

/* For a scenario whose variant writes scenario_file() and whose check
 * reads it back, check(path, n, msg, len) (01's log, 11's records):
 * configures schedule, makes the call run (0, or a setup failure), and
 * asserts as SCENARIO_ASSERT_HELD that check finds the invariant held for
 * n; the rest are the driver options that replay it (a printf format and
 * its values). */
#define SCENARIO_FILE_HELD(schedule, run, check, n, ...)                       \
  do {                                                                         \
    char scenario_msg_[512];                                                   \
    int scenario_r_;                                                           \
    SCENARIO_SCHEDULE(schedule);                                               \
    cr_assert_eq((run), 0, SCENARIO_SLUG " setup failed");                     \
    scenario_r_ =                                                              \
        check(scenario_file(), (n), scenario_msg_, sizeof scenario_msg_);      \
    SCENARIO_ASSERT_HELD(scenario_r_, scenario_msg_, (schedule),               \
                         dsched_taken(), __VA_ARGS__);                         \
  } while (0)

/* The number option --NAME has in args, a driver's options as one string
 * (SCENARIO_FIGURE_ARGS: the scenario.conf key the book's figures run);
 * fails the test when args does not give it one. */
static inline int scenario_arg(const char *args, const char *name) {
  size_t n = strlen(name);
  const char *s = args;
  char *end;
  long v;

  while ((s = strstr(s, "--")) != NULL) {
    s += 2;
    if (strncmp(s, name, n) == 0 && s[n] == ' ') {
      v = strtol(s + n + 1, &end, 10);
      cr_assert(end != s + n + 1 && (*end == ' ' || *end == '\0'),
                "'%s': --%s is no number", args, name);
      return (int)v;
    }
  }
  cr_assert_fail("'%s' has no --%s", args, name);
  return 0;
}

#endif
