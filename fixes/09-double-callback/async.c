/* async.c -- Scenario 09 (FIX): each call races a reply (threadpool work)
 * against a deadline (a timer), and a two-state completion (pending, done)
 * decides the race: the first of the two completes the call and stops the
 * other; a reply that arrives after the deadline is logged and ignored.
 * Trigger: build/gallery expose 09 --fix. See also:
 * bugs/09-double-callback/async.c, chapters/09-double-callback.md. */
#include "double_callback.h"
#include "gallery.h"

#include <stdlib.h>

struct pending {
  uv_timer_t timer;
  uv_work_t work;
  struct dc_client *client;
  struct dc_call *call;
  dc_cb cb;
  int done;         /* FIX(09): 0 pending, 1 completed (by either side) */
  corrlog_op reply; /* the server's reply, a child of the call */
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
/* FIX(09): the one way a call completes. Whichever of deadline and reply
 * comes first wins; it stops the timer (a no-op when the timer is the
 * caller) and runs the callback. The loser finds done set and does
 * nothing. Both run on the loop thread, so no lock is needed. */
static void complete(struct pending *p, int status) {
  if (p->done)
    return;
  p->done = 1;
  uv_timer_stop(&p->timer);
  p->cb(p->call, status);
}

static void timeout_cb(uv_timer_t *timer) {
  struct pending *p = container_of(timer, struct pending, timer);

  corrlog_step(&p->call->op, "deadline of %d ms passed",
               p->client->cfg->timeout_ms);
  complete(p, UV_ETIMEDOUT); /* FIX(09): the reply, when it comes, loses */
}

static void reply_cb(uv_work_t *work, int status) {
  struct pending *p = container_of(work, struct pending, work);

  CHECK_UV(status);
  corrlog_end(&p->reply, 0, "%s",
              p->done ? "late reply ignored: the call already timed out"
                      : "reply delivered");
  complete(p, 0); /* FIX(09): ignored when the deadline came first */
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
  corrlog_begin(&p->reply, &call->op, "reply", "ask the server (%d us)",
                dc_reply_us(c->cfg, call->id));
  corrlog_handoff(&p->reply); /* the reply is read back on the loop */
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
