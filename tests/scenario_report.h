/* scenario_report.h -- the scenario tests' machine-readable report. When
 * SCENARIO_REPORT names a file, each check that finds its invariant
 * violated appends one JSON object (one line) to it, and Criterion's
 * runner appends its counts at the end; tools/run-tests.sh and gallery try
 * read the file (jq, jansson) instead of the words of a message:
 *
 *   {"record": "violation", "test": "SUITE/NAME", "invariant": SLUG,
 *    "message": TEXT, "schedule": ASKED or null,
 *    "replay": {"scenario": NN, "schedule": TAKEN or null,
 *               "env": ["NAME=VALUE", ...], "args": ["--opt", ...]} or null}
 *   {"record": "summary", "tests": N, "passed": N, "failed": N,
 *    "crashed": N, "skipped": N}
 *
 * "replay" is the command that runs it again: ENV build/gallery run NN
 * --schedule TAKEN -- ARGS (no --schedule when TAKEN is null). "failed"
 * counts crashed tests too. The
 * including file defines SCENARIO_SLUG and SCENARIO_ID (build/gen's
 * scenario.h) and links jansson. */
#ifndef SCENARIO_REPORT_H
#define SCENARIO_REPORT_H

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Appends j, as one line, to $SCENARIO_REPORT; nothing when it is unset.
 * One write() on an O_APPEND file: lines from test processes running at
 * the same time do not mix. A report that cannot be written aborts the
 * process, so that no verdict is read from a partial report. */
static inline void scenario_report_put(json_t *j) {
  const char *path = getenv("SCENARIO_REPORT");
  char *line;
  size_t n;
  int fd;

  if (path == NULL || *path == '\0') {
    json_decref(j);
    return;
  }
  line = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  if (line == NULL)
    abort();
  n = strlen(line);
  line[n] = '\n'; /* over the terminating NUL: the line and its newline */
  fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0 || write(fd, line, n + 1) != (ssize_t)(n + 1) || close(fd) != 0)
    abort();
  free(line);
}

/* The words of s (split at blanks, as the shell splits a replay line's
 * unquoted arguments) as a JSON array; s NULL: an empty one. */
static inline json_t *scenario_report_words(const char *s) {
  json_t *a = json_array();

  while (s && *s) {
    size_t n;
    s += strspn(s, " \t");
    n = strcspn(s, " \t");
    if (n > 0)
      json_array_append_new(a, json_stringn(s, n));
    s += n;
  }
  return a;
}

/* Reports a check's result r (0 held, 1 violated, -1 setup failure: only
 * 1 is reported) with its message; schedule is the one the test asked
 * for, taken the one the run took (NULL: none), env and args the
 * environment and the driver options that replay the run (NULL: the test
 * names no replay; both blank-separated words). */
static inline void scenario_report(int r, const char *msg, const char *schedule,
                                   const char *taken, const char *env,
                                   const char *args) {
  char test[512];
  json_t *replay = json_null();

  if (r != 1)
    return;
  snprintf(test, sizeof test, "%s/%s", criterion_current_suite->name,
           criterion_current_test->name);
  if (taken || args)
    replay = json_pack("{s:i,s:s?,s:o,s:o}", "scenario", SCENARIO_ID,
                       "schedule", taken, "env", scenario_report_words(env),
                       "args", scenario_report_words(args));
  scenario_report_put(json_pack("{s:s,s:s,s:s,s:s,s:s?,s:o}", "record",
                                "violation", "test", test, "invariant",
                                SCENARIO_SLUG, "message", msg, "schedule",
                                schedule, "replay", replay));
}

/* Criterion's counts, from its runner once every test has run. "crashed"
 * counts the tests that died or timed out (Criterion's own tests_crashed
 * leaves out a timeout); each is in "failed" too. */
ReportHook(POST_ALL)(struct criterion_global_stats *st) {
  json_int_t crashed = 0;

  for (struct criterion_suite_stats *s = st->suites; s; s = s->next)
    for (struct criterion_test_stats *t = s->tests; t; t = t->next)
      crashed += t->crashed || t->timed_out;
  scenario_report_put(json_pack(
      "{s:s,s:I,s:I,s:I,s:I,s:I}", "record", "summary", "tests",
      (json_int_t)st->nb_tests, "passed", (json_int_t)st->tests_passed,
      "failed", (json_int_t)st->tests_failed, "crashed", crashed, "skipped",
      (json_int_t)st->tests_skipped));
}

#endif
