/* sync.c -- Scenario 13 (SYNC): lookups and eviction sweeps on one thread,
 * the sweeps spread evenly between the lookups. It takes the two mutexes in
 * the same two orders as the bug -- stats then cache for a lookup, cache
 * then stats for a sweep -- and cannot deadlock: one thread never waits for
 * a lock it does not hold itself. It is slower: the lookups wait while a
 * sweep runs. Trigger: build/gallery run 13 --sync. See also:
 * bugs/13-lock-order/async.c, chapters/13-lock-order.md. */
#include "gallery.h"
#include "lock_order.h"

#include <pthread.h>

static void handle_request(struct lk_state *st, int i) {
  int key = lk_key(i), hit;

  CHECK_PT(pthread_mutex_lock(&st->stats_mu));
  st->requests++;
  lk_hold(st);
  CHECK_PT(pthread_mutex_lock(&st->cache_mu));
  hit = st->present[key];
  st->present[key] = 1;
  CHECK_PT(pthread_mutex_unlock(&st->cache_mu));
  if (hit)
    st->hits++;
  else
    st->misses++;
  CHECK_PT(pthread_mutex_unlock(&st->stats_mu));
}

static void sweep(struct lk_state *st) {
  long n = 0;

  CHECK_PT(pthread_mutex_lock(&st->cache_mu));
  for (int k = 0; k < LK_KEYS; k++) {
    n += st->present[k];
    st->present[k] = 0;
  }
  lk_hold(st);
  CHECK_PT(pthread_mutex_lock(&st->stats_mu));
  st->evictions += n;
  st->sweeps++;
  CHECK_PT(pthread_mutex_unlock(&st->stats_mu));
  CHECK_PT(pthread_mutex_unlock(&st->cache_mu));
}

/* @snippet sync_run */
int lk_run(const struct lk_config *cfg, struct lk_result *res) {
  struct lk_state st;
  long done = 0;

  lk_state_init(&st, cfg);
  for (int i = 0; i < cfg->requests; i++) {
    handle_request(&st, i);
    /* Sweep number d runs once d/sweeps of the requests are handled. */
    while (done < cfg->sweeps &&
           (done + 1) * cfg->requests <= (long)(i + 1) * cfg->sweeps) {
      sweep(&st);
      done++;
    }
  }
  lk_state_destroy(&st, res);
  return 0;
}
/* @end */
