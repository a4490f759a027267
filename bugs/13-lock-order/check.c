/* check.c -- Scenario 13 (lock-order): the invariant, checked on what a run
 * of any variant leaves behind (see lock_order.h for what it promises). */
#include "lock_order.h"

#include <stdio.h>

int lk_check(const struct lk_config *cfg, const struct lk_result *r, char *msg,
             size_t msglen) {
  if (r->requests == cfg->requests && r->hits + r->misses == r->requests &&
      r->sweeps == cfg->sweeps && r->misses == r->evictions + r->cached) {
    snprintf(msg, msglen,
             "lock-order: %ld requests (%ld hits, %ld misses), %ld sweeps "
             "evicted %ld, %ld cached: every thread finished, invariant held",
             r->requests, r->hits, r->misses, r->sweeps, r->evictions,
             r->cached);
    return 0;
  }
  snprintf(msg, msglen,
           "lock-order invariant violated: %ld of %d requests counted "
           "(%ld hits + %ld misses), %ld of %d sweeps, %ld misses but %ld "
           "evictions + %ld cached",
           r->requests, cfg->requests, r->hits, r->misses, r->sweeps,
           cfg->sweeps, r->misses, r->evictions, r->cached);
  return 1;
}
