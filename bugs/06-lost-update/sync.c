/* sync.c -- Scenario 06 (SYNC): the jobs run one after another on one
 * thread, each scanned and then counted. Correct by construction: only one
 * thread ever touches the totals. It is also slow: the scans never overlap.
 * Trigger: build/gallery run 06 --sync. See also: bugs/06-lost-update/async.c,
 * chapters/06-lost-update.md. */
#include "gallery.h"
#include "lost_update.h"

void lu_work(struct lu_job *j) {
  lu_scan(j);
}

void lu_done(struct lu_job *j) {
  lu_account(j->totals, j->bytes, j->spin);
}

/* @snippet sync_run */
int lu_run(const struct lu_config *cfg, struct lu_totals *totals) {
  struct lu_job job;

  for (int i = 0; i < cfg->jobs; i++) {
    lu_job_init(&job, i, totals, cfg->spin);
    lu_work(&job);
    lu_done(&job);
  }
  return 0;
}
/* @end */
