/* check.c -- Scenario 05 (check-then-act): the invariant, checked on what a
 * run of any variant leaves behind (see check_then_act.h for what it
 * promises). */
#include "check_then_act.h"

#include <stdio.h>

int cta_check(int pages, char *msg, size_t msglen) {
  for (int k = 0; k < pages; k++) {
    const struct cta_item *it = cta_item(k);
    if (it->down_to != 0) {
      snprintf(msg, msglen,
               "check-then-act invariant violated: item-%d went from v%d back "
               "to v%d in the cache (stale overwrite); it was fetched %d "
               "times, want once",
               k, it->down_from, it->down_to, it->fetches);
      return 1;
    }
    if (it->fetches != 1) {
      snprintf(msg, msglen,
               "check-then-act invariant violated: item-%d fetched %d times, "
               "want once (duplicate fetch: a second lookup missed while the "
               "first fetch was in flight)",
               k, it->fetches);
      return 1;
    }
    if (it->served[CTA_HEADER] != 1 || it->served[CTA_FOOTER] != 1) {
      snprintf(msg, msglen,
               "check-then-act invariant violated: page %d served its header "
               "%d times and its footer %d times, want once each",
               k, it->served[CTA_HEADER], it->served[CTA_FOOTER]);
      return 1;
    }
  }
  return 0;
}
