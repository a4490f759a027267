/* async.c -- Scenario 10 (BUG): every page is rendered on libuv's
 * threadpool, and the render blocks its pool thread while a lookup it asked
 * for is queued to the same pool. Symptom: fine with fewer requests than
 * pool threads; once the requests in flight reach the pool size
 * (UV_THREADPOOL_SIZE, default 4) every pool thread waits for a lookup
 * that no thread is left to run, and the program hangs. Trigger:
 * build/gallery expose 10 (forced), build/gallery run 10 --bug (natural, at
 * the default load). See also: fixes/10-pool-deadlock/async.c,
 * bugs/10-pool-deadlock/sync.c, chapters/10-pool-deadlock.md. */
#include "gallery.h"
#include "pool_deadlock.h"

#include <stdlib.h>

struct app {
  uv_loop_t loop;
  uv_async_t wake;        /* pool threads ask the loop to queue lookups */
  uv_mutex_t mu;          /* guards wanted */
  struct request *wanted; /* lookups asked for, not yet queued */
  int pending;            /* callbacks still to run before closing wake */
};

struct request {
  struct app *app;
  struct pd_req *pr;
  uv_work_t page_work;
  uv_work_t lookup_work;
  struct request *next;
};

static void one_done(struct app *app) {
  if (--app->pending == 0)
    uv_close((uv_handle_t *)&app->wake, NULL);
}

static void lookup_work(uv_work_t *w) {
  pd_lookup(container_of(w, struct request, lookup_work)->pr);
}

static void lookup_done(uv_work_t *w, int status) {
  CHECK_UV(status);
  one_done(container_of(w, struct request, lookup_work)->app);
}

/* On the loop: queue every lookup a pool thread asked for. uv_queue_work
 * may only be called from the loop thread, hence the detour. */
static void wake_cb(uv_async_t *a) {
  struct app *app = container_of(a, struct app, wake);
  struct request *r, *next;

  uv_mutex_lock(&app->mu);
  r = app->wanted;
  app->wanted = NULL;
  uv_mutex_unlock(&app->mu);
  for (; r != NULL; r = next) {
    next = r->next;
    pd_lookup_queued(r->pr);
    CHECK_UV(
        uv_queue_work(&app->loop, &r->lookup_work, lookup_work, lookup_done));
  }
}

/* @snippet page */
static void page_work(uv_work_t *w) {
  struct request *r = container_of(w, struct request, page_work);
  struct app *app = r->app;

  pd_parse(r->pr);
  /* BUG(10): a blocking sub-request on a pool thread. The lookup is queued
   * to the same pool, behind every page already waiting there, and this
   * thread is held until it has run. With as many pages in flight as pool
   * threads, no thread is left to run any lookup. */
  uv_mutex_lock(&app->mu);
  r->next = app->wanted;
  app->wanted = r;
  uv_mutex_unlock(&app->mu);
  CHECK_UV(uv_async_send(&app->wake));
  if (pd_wait_lookup(r->pr) == 0)
    pd_finish(r->pr);
}

static void page_done(uv_work_t *w, int status) {
  CHECK_UV(status);
  one_done(container_of(w, struct request, page_work)->app);
}
/* @end */

int pd_run(const struct pd_config *cfg, struct pd_req *reqs) {
  struct app app = {.pending = 2 * cfg->requests};
  struct request *rs = calloc((size_t)cfg->requests, sizeof *rs);

  if (rs == NULL)
    abort();
  CHECK_UV(uv_loop_init(&app.loop));
  CHECK_UV(uv_mutex_init(&app.mu));
  CHECK_UV(uv_async_init(&app.loop, &app.wake, wake_cb));
  /* @snippet submit */
  for (int i = 0; i < cfg->requests; i++) {
    rs[i].app = &app;
    rs[i].pr = &reqs[i];
    CHECK_UV(uv_queue_work(&app.loop, &rs[i].page_work, page_work, page_done));
  }
  /* @end */
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&app.loop));
  uv_mutex_destroy(&app.mu);
  free(rs);
  return 0;
}
