/* async.c -- Scenario 08 (BUG): a producer thread hands messages to the
 * event loop through one mutex-protected slot and wakes the loop with
 * uv_async_send. Symptom: messages vanish -- the loop handles 0, 1, 3, 7
 * and never sees 2, 4, 5, 6 -- with no error anywhere and nothing for TSan
 * to report. Trigger: build/gallery expose 08 (forced), build/gallery hunt
 * 08 (natural). See also: fixes/08-coalesced-wakeup/async.c,
 * bugs/08-coalesced-wakeup/sync.c, chapters/08-coalesced-wakeup.md. */
#include "coalesced_wakeup.h"
#include "gallery.h"

#include <pthread.h>
#include <stdlib.h>

struct cw_chan {
  uv_async_t async;
  pthread_mutex_t mu;
  struct cw_sink *sink;
  int slot; /* BUG(08): room for one message; -1 when empty */
};

/* @snippet async_cb */
static void async_cb(uv_async_t *async) {
  struct cw_chan *ch = container_of(async, struct cw_chan, async);
  int id;

  CHECK_PT(pthread_mutex_lock(&ch->mu));
  /* BUG(08): one wakeup, one message. libuv merges the sends that happen
   * before this callback runs into one call, and every send but the last
   * overwrote the slot: those messages are gone. */
  id = ch->slot;
  ch->slot = -1;
  CHECK_PT(pthread_mutex_unlock(&ch->mu));
  if (id >= 0 && cw_handle(ch->sink, id))
    uv_close((uv_handle_t *)&ch->async, NULL);
}
/* @end */

struct cw_chan *cw_chan_open(uv_loop_t *loop, struct cw_sink *sink) {
  struct cw_chan *ch = calloc(1, sizeof *ch);

  if (ch == NULL)
    abort();
  ch->sink = sink;
  ch->slot = -1;
  CHECK_PT(pthread_mutex_init(&ch->mu, NULL));
  CHECK_UV(uv_async_init(loop, &ch->async, async_cb));
  return ch;
}

/* @snippet send */
void cw_chan_send(struct cw_chan *ch, int id) {
  CHECK_PT(pthread_mutex_lock(&ch->mu));
  ch->slot = id; /* BUG(08): overwrites a message the loop has not taken */
  CHECK_PT(pthread_mutex_unlock(&ch->mu));
  CHECK_UV(uv_async_send(&ch->async));
}
/* @end */

void cw_chan_free(struct cw_chan *ch) {
  CHECK_PT(pthread_mutex_destroy(&ch->mu));
  free(ch);
}
