/* async.c -- Scenario 13 (BUG): the loop thread handles lookups while a
 * sweeper thread evicts the cache, and the two take the cache and stats
 * mutexes in opposite orders. Symptom: now and then the program stops for
 * good -- the loop thread holds stats and waits for cache, the sweeper
 * holds cache and waits for stats; TSan and helgrind report the inversion
 * even on runs that finish. Trigger: build/gallery expose 13 (forced),
 * build/gallery hunt 13 (natural). See also: fixes/13-lock-order/async.c,
 * bugs/13-lock-order/sync.c, chapters/13-lock-order.md. */
#include "gallery.h"
#include "lock_order.h"

#include <pthread.h>

struct app {
  uv_loop_t loop;
  uv_idle_t idle;
  struct lk_state st;
  int next, requests, sweeps;
};

/* @snippet handle */
/* One lookup, on the loop thread. The request and its outcome are counted
 * under one hold of stats, so a reader of stats never sees a request that
 * is neither a hit nor a miss. */
static void handle_request(struct app *app, int i) {
  struct lk_state *st = &app->st;
  int key = lk_key(i), hit;

  /* BUG(13): stats first, then cache -- the opposite of the sweeper. */
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
/* @end */

/* @snippet sweeper */
/* The sweeper thread: empties the cache `sweeps` times and counts what it
 * evicted while still holding the cache, so evictions and the cache's
 * content always agree. */
static void *sweeper(void *arg) {
  struct app *app = arg;
  struct lk_state *st = &app->st;

  dsched_thread_name("sweeper");
  for (int s = 0; s < app->sweeps; s++) {
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
  return NULL;
}
/* @end */

static void idle_close_cb(uv_handle_t *h) {
  (void)h;
}

/* One request per loop turn, as requests arriving one by one would be. */
static void idle_cb(uv_idle_t *idle) {
  struct app *app = container_of(idle, struct app, idle);

  if (app->next < app->requests)
    handle_request(app, app->next++);
  if (app->next == app->requests) {
    CHECK_UV(uv_idle_stop(idle));
    uv_close((uv_handle_t *)idle, idle_close_cb);
  }
}

int lk_run(const struct lk_config *cfg, struct lk_result *res) {
  struct app app = {.requests = cfg->requests, .sweeps = cfg->sweeps};
  pthread_t t;

  dsched_thread_name("loop");
  lk_state_init(&app.st, cfg);
  CHECK_UV(uv_loop_init(&app.loop));
  CHECK_UV(uv_idle_init(&app.loop, &app.idle));
  CHECK_UV(uv_idle_start(&app.idle, idle_cb));
  CHECK_PT(pthread_create(&t, NULL, sweeper, &app));
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  CHECK_PT(pthread_join(t, NULL));
  CHECK_UV(uv_loop_close(&app.loop));
  lk_state_destroy(&app.st, res);
  return 0;
}
