/* check.c -- Scenario 10 (pool-deadlock): the invariant, checked on what a
 * run of any variant leaves behind (see pool_deadlock.h for what it
 * promises). */
#include "pool_deadlock.h"

#include <stdio.h>

int pd_check(const char *hang_report, const struct pd_req *reqs, int n,
             char *msg, size_t msglen) {
  if (hang_report != NULL) {
    snprintf(msg, msglen, "%s", hang_report);
    return 1;
  }
  for (int i = 0; i < n; i++) {
    const struct pd_req *r = &reqs[i];
    if (r->stage != PD_FINISHED || r->page != pd_expected_page(r->id)) {
      snprintf(msg, msglen,
               "pool-deadlock invariant violated: req %d ended as '%s' with "
               "page %ld, want page %ld",
               r->id, pd_stage_name(r->stage), r->page,
               pd_expected_page(r->id));
      return 1;
    }
  }
  return 0;
}
