/* check.c -- Scenario 06 (lost-update): the invariant, checked on what a run
 * of any variant leaves behind (see lost_update.h for what it promises). */
#include "lost_update.h"

#include <stdio.h>

int lu_check(const struct lu_config *cfg, const struct lu_totals *t, char *msg,
             size_t msglen) {
  long want_bytes = 0;

  for (int i = 0; i < cfg->jobs; i++)
    want_bytes += (long)lu_job_size(i);
  if (t->files == cfg->jobs && t->bytes == want_bytes) {
    snprintf(msg, msglen, "lost-update: %d jobs, %ld bytes: invariant held",
             cfg->jobs, want_bytes);
    return 0;
  }
  snprintf(msg, msglen,
           "lost-update invariant violated: counted %ld of %d jobs and %ld "
           "of %ld bytes; %ld update(s) vanished",
           t->files, cfg->jobs, t->bytes, want_bytes, cfg->jobs - t->files);
  return 1;
}
