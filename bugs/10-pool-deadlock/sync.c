/* sync.c -- Scenario 10 (SYNC): the pages rendered one after another on
 * one thread, each lookup done in line where it is needed. Correct by
 * construction: nothing waits for anything queued behind it, because
 * nothing is queued. It is also slow: every lookup's latency is paid in
 * sequence. Trigger: build/gallery run 10 --sync. See also:
 * bugs/10-pool-deadlock/async.c, chapters/10-pool-deadlock.md. */
#include "pool_deadlock.h"

int pd_run(const struct pd_config *cfg, struct pd_req *reqs) {
  /* @snippet sync_render */
  for (int i = 0; i < cfg->requests; i++) {
    pd_parse(&reqs[i]);
    pd_lookup_queued(&reqs[i]);
    pd_lookup(&reqs[i]);
    pd_finish(&reqs[i]);
  }
  /* @end */
  return 0;
}
