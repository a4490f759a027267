/* async.c -- Scenario 08 (FIX): the producer appends messages to a locked
 * queue and wakes the loop with uv_async_send; the async callback drains
 * the whole queue, so a wakeup that stands for several sends handles them
 * all. Each message is a correlation-logged operation begun on the producer
 * and ended on the loop thread. Trigger: build/gallery expose 08 --fix. See
 * also: bugs/08-coalesced-wakeup/async.c, chapters/08-coalesced-wakeup.md. */
#include "coalesced_wakeup.h"
#include "corrlog.h"
#include "gallery.h"

#include <pthread.h>
#include <stdlib.h>

struct msg {
  struct msg *next;
  int id;
  corrlog_op op; /* FIX(08): one operation per message */
};

struct cw_chan {
  uv_async_t async;
  pthread_mutex_t mu;
  struct cw_sink *sink;
  struct msg *head, *tail; /* FIX(08): every message not yet taken */
};

/* @snippet async_cb */
static void async_cb(uv_async_t *async) {
  struct cw_chan *ch = container_of(async, struct cw_chan, async);
  struct msg *m, *next;
  int n = 0;

  CHECK_PT(pthread_mutex_lock(&ch->mu));
  /* FIX(08): one wakeup may stand for many sends (libuv coalesces them),
   * so take everything queued, not one message. */
  m = ch->head;
  ch->head = ch->tail = NULL;
  CHECK_PT(pthread_mutex_unlock(&ch->mu));
  for (struct msg *p = m; p != NULL; p = p->next)
    n++;
  for (; m != NULL; m = next) {
    next = m->next;
    corrlog_end(&m->op, 0, "handled message %d (one of %d for this wakeup)",
                m->id, n);
    if (cw_handle(ch->sink, m->id))
      uv_close((uv_handle_t *)&ch->async, NULL);
    free(m);
  }
}
/* @end */

struct cw_chan *cw_chan_open(uv_loop_t *loop, struct cw_sink *sink) {
  struct cw_chan *ch = calloc(1, sizeof *ch);

  if (ch == NULL)
    abort();
  ch->sink = sink;
  CHECK_PT(pthread_mutex_init(&ch->mu, NULL));
  CHECK_UV(uv_async_init(loop, &ch->async, async_cb));
  return ch;
}

/* @snippet send */
void cw_chan_send(struct cw_chan *ch, int id) {
  struct msg *m = malloc(sizeof *m);

  if (m == NULL)
    abort();
  m->next = NULL;
  m->id = id;
  corrlog_begin(&m->op, NULL, "msg", "message %d", id);
  corrlog_handoff(&m->op); /* the loop thread ends it */
  CHECK_PT(pthread_mutex_lock(&ch->mu));
  if (ch->tail != NULL) /* FIX(08): append; nothing is overwritten */
    ch->tail->next = m;
  else
    ch->head = m;
  ch->tail = m;
  CHECK_PT(pthread_mutex_unlock(&ch->mu));
  CHECK_UV(uv_async_send(&ch->async));
}
/* @end */

void cw_chan_free(struct cw_chan *ch) {
  CHECK_PT(pthread_mutex_destroy(&ch->mu));
  free(ch);
}
