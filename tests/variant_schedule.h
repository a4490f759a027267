/* variant_schedule.h -- picks a scenario test's script by the structure of
 * the variant the test is linked with (the sync twin, the bug or the fix).
 *
 * Each tests/test_NN_slug.c is built three times, and order: scripts are
 * strict (tools/runtime/sched/dsched.h): a script written for the bug's
 * requests and schedule points stops a variant whose structure differs, with
 * exit status
 * 2. Such a variant gets its own script for the same interleaving. Which
 * script fits is read off the program itself: the workload runs once under
 * fifo, and the schedule it took (the requests it held and the steps it
 * took, in order) is its structure. Each row of a table names a prefix of
 * that structure and the script for it; a structure no row names fails the
 * test, so a variant is never run under a script chosen by guess. */
#ifndef VARIANT_SCHEDULE_H
#define VARIANT_SCHEDULE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dsched.h"

struct variant_schedule {
  const char *fifo;     /* the fifo run's schedule taken starts with this,
                           followed by ',' or nothing */
  const char *schedule; /* the script for that structure */
};

/* Runs probe(arg) under fifo and returns the schedule of the first row of
 * rows[0..n) whose prefix the run took. */
static inline const char *variant_schedule(const struct variant_schedule *rows,
                                           size_t n, void (*probe)(void *),
                                           void *arg) {
  char taken[2048];

  cr_assert_eq(dsched_configure("fifo"), 0);
  probe(arg);
  snprintf(taken, sizeof taken, "%s", dsched_taken());
  dsched_reset();
  for (size_t i = 0; i < n; i++) {
    size_t k = strlen(rows[i].fifo);
    if (strncmp(taken, rows[i].fifo, k) == 0 &&
        (taken[k] == '\0' || taken[k] == ','))
      return rows[i].schedule;
  }
  cr_assert_fail("no script for this variant's structure: under fifo it "
                 "took %s",
                 taken);
  return NULL;
}

#endif
