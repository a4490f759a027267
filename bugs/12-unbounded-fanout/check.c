/* check.c -- Scenario 12 (unbounded-fanout): the invariant, checked on what
 * a run of any variant leaves behind (see unbounded_fanout.h for what it
 * promises). */
#include "unbounded_fanout.h"

#include <stdio.h>

int uf_check(const struct uf_config *cfg, const struct uf_totals *t, char *msg,
             size_t msglen) {
  long want = (long)cfg->files * UF_RECORDS, want_sum = 0;

  for (int i = 0; i < cfg->files; i++)
    for (int r = 0; r < UF_RECORDS; r++)
      want_sum += uf_value(i, r);
  if (t->records == want && t->sum == want_sum && t->files_ok == cfg->files) {
    snprintf(msg, msglen,
             "unbounded-fanout: %d files, %ld records, sum %ld: every record "
             "read, invariant held",
             cfg->files, want, want_sum);
    return 0;
  }
  snprintf(msg, msglen,
           "unbounded-fanout invariant violated: read %ld of %ld records "
           "(sum %ld of %ld) from %ld of %d files; %ld error(s) reported%s",
           t->records, want, t->sum, want_sum, t->files_ok, cfg->files,
           t->errors, t->errors == 0 ? ": the loss is silent" : "");
  return 1;
}
