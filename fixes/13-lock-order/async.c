/* async.c -- Scenario 13 (FIX): the loop thread handles lookups while a
 * sweeper thread evicts the cache, and both take the two mutexes in one
 * order, cache before stats, checked at every acquisition. No thread can
 * hold stats while waiting for cache, so no waits-for cycle can form; every
 * lookup and sweep is logged with a correlation id. Trigger: build/gallery
 * expose 13 --fix. See also: bugs/13-lock-order/async.c,
 * chapters/13-lock-order.md. */
#include "gallery.h"
#include "lock_order.h"
#include "corrlog.h"
#include "gallery_log.h"

#include <errno.h>
#include <pthread.h>

struct app {
  uv_loop_t loop;
  uv_idle_t idle;
  struct lk_state st;
  int next, requests, sweeps;
};

/* @snippet ranked */
/* FIX(13): the program's one lock order. A thread may take a lock only
 * when every lock it already holds has a lower rank: cache (1) before
 * stats (2). Two threads that both follow it can never each hold what the
 * other wants next. The check runs on every acquisition, in release builds
 * too, so a new code path that breaks the order aborts on its first run
 * instead of deadlocking on its thousandth. */
enum { RANK_CACHE = 1, RANK_STATS = 2 };
static _Thread_local unsigned held_ranks; /* bit r set = rank r held */

static void lock_ranked(corrlog_op *op, pthread_mutex_t *m, unsigned rank,
                        const char *name) {
  if (held_ranks >> rank != 0) {
    fprintf(stderr,
            "lock-order: taking %s (rank %u) while holding rank mask %#x: "
            "locks must be taken cache before stats\n",
            name, rank, held_ranks);
    abort();
  }
  CHECK_PT(pthread_mutex_lock(m));
  held_ranks |= 1u << rank;
  corrlog_step(op, "took %s (rank %u)", name, rank);
}

static void unlock_ranked(pthread_mutex_t *m, unsigned rank) {
  held_ranks &= ~(1u << rank);
  CHECK_PT(pthread_mutex_unlock(m));
}
/* @end */

/* @snippet handle */
/* One lookup, on the loop thread. The request and its outcome are counted
 * under one hold of stats, so a reader of stats never sees a request that
 * is neither a hit nor a miss. */
static void handle_request(struct app *app, int i) {
  struct lk_state *st = &app->st;
  int key = lk_key(i), hit;
  corrlog_op op;

  corrlog_begin(&op, NULL, "req", "GET key %d", key);
  /* FIX(13): cache first, then stats -- the same order as the sweeper. */
  lock_ranked(&op, &st->cache_mu, RANK_CACHE, "cache");
  hit = st->present[key];
  st->present[key] = 1;
  lk_hold(st);
  lock_ranked(&op, &st->stats_mu, RANK_STATS, "stats");
  st->requests++;
  if (hit)
    st->hits++;
  else
    st->misses++;
  unlock_ranked(&st->stats_mu, RANK_STATS);
  unlock_ranked(&st->cache_mu, RANK_CACHE);
  corrlog_end(&op, 0, "%s", hit ? "hit" : "miss, filled");
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
  corrlog_thread_name("sweeper");
  for (int s = 0; s < app->sweeps; s++) {
    long n = 0;
    corrlog_op op;
    corrlog_begin(&op, NULL, "sweep", "sweep %d", s);
    lock_ranked(&op, &st->cache_mu, RANK_CACHE, "cache");
    for (int k = 0; k < LK_KEYS; k++) {
      n += st->present[k];
      st->present[k] = 0;
    }
    lk_hold(st);
    lock_ranked(&op, &st->stats_mu, RANK_STATS, "stats");
    st->evictions += n;
    st->sweeps++;
    unlock_ranked(&st->stats_mu, RANK_STATS);
    unlock_ranked(&st->cache_mu, RANK_CACHE);
    corrlog_end(&op, 0, "evicted %ld", n);
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
  FILE *log;
  int e;
  pthread_t t;

  if ((e = gallery_log_start(cfg->log_path, &log)) != 0)
    return e;
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
  corrlog_close();
  if (log != NULL && gallery_log_close(log) != 0)
    return -errno;
  return 0;
}
