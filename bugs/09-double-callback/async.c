/* async.c -- Scenario 09 (BUG): each call races a reply (threadpool work)
 * against a deadline (a timer). The reply stops the timer, but the timer
 * does nothing about the reply. Symptom: when the deadline passes first,
 * the caller's callback runs twice: "timed out", then "reply".
 * Trigger: build/gallery expose 09 (forced), build/gallery hunt 09
 * (natural). See also: fixes/09-double-callback/async.c,
 * bugs/09-double-callback/sync.c, chapters/09-double-callback.md. */
#include "double_callback.h"
#include "gallery.h"

#include <stdlib.h>

struct pending {
  uv_timer_t timer;
  uv_work_t work;
  struct dc_client *client;
  struct dc_call *call;
  dc_cb cb;
};

struct dc_client {
  const struct dc_config *cfg;
  struct pending *p; /* one per call, indexed by call id */
};

static void work_cb(uv_work_t *work) {
  struct pending *p = container_of(work, struct pending, work);
  dc_serve(p->client->cfg, p->call->id);
}

/* @snippet callbacks */
static void timeout_cb(uv_timer_t *timer) {
  struct pending *p = container_of(timer, struct pending, timer);

  /* BUG(09): completes the call, but the reply is still on its way and
   * nothing will stop it from completing the call a second time. */
  p->cb(p->call, UV_ETIMEDOUT);
}

static void reply_cb(uv_work_t *work, int status) {
  struct pending *p = container_of(work, struct pending, work);

  CHECK_UV(status);
  uv_timer_stop(&p->timer);
  /* BUG(09): assumes the call is still pending: true only when the reply
   * beat the deadline. */
  p->cb(p->call, 0);
}
/* @end */

struct dc_client *dc_client_new(uv_loop_t *loop, const struct dc_config *cfg) {
  struct dc_client *c = malloc(sizeof *c);

  if (c == NULL || (c->p = calloc((size_t)cfg->requests, sizeof *c->p)) == NULL)
    abort();
  c->cfg = cfg;
  for (int i = 0; i < cfg->requests; i++) {
    c->p[i].client = c;
    CHECK_UV(uv_timer_init(loop, &c->p[i].timer));
  }
  return c;
}

/* @snippet start */
void dc_call_start(struct dc_client *c, struct dc_call *call, dc_cb cb) {
  struct pending *p = &c->p[call->id];

  p->call = call;
  p->cb = cb;
  CHECK_UV(
      uv_timer_start(&p->timer, timeout_cb, (uint64_t)c->cfg->timeout_ms, 0));
  CHECK_UV(uv_queue_work(p->timer.loop, &p->work, work_cb, reply_cb));
}
/* @end */

void dc_client_close(struct dc_client *c) {
  for (int i = 0; i < c->cfg->requests; i++)
    uv_close((uv_handle_t *)&c->p[i].timer, NULL);
}

void dc_client_free(struct dc_client *c) {
  free(c->p);
  free(c);
}
