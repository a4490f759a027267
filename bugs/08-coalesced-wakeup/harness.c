/* harness.c -- Scenario 08's shared half: the producer thread, the loop
 * thread's run, the message handler and the invariant check, the same for
 * the sync twin, the bug and the fix. */
#include "coalesced_wakeup.h"
#include "corrlog.h"
#include "gallery.h"
#include "gallery_log.h"
#include "dsched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Under a schedule the loop is driven with real non-blocking iterations
 * (see pump() below). dsched_uv_run would turn UV_RUN_NOWAIT into a blocking
 * UV_RUN_ONCE, and this file submits no request the scheduler could hold,
 * so it calls libuv's own uv_run. */
#undef uv_run

struct run {
  const struct cw_config *cfg;
  struct cw_chan *ch;
  /* Under a schedule only: the producer counts its sends here and signals,
   * so that the loop thread's wait for a wakeup is one the scheduler sees. */
  pthread_mutex_t gate;
  pthread_cond_t wake;
  unsigned sent;
  int done;
};

static void pause_us(int us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
  while (us > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* @snippet producer */
static void *producer(void *arg) {
  struct run *r = arg;

  dsched_thread_name("producer");
  corrlog_thread_name("producer");
  for (int id = 0; id < r->cfg->messages; id++) {
    if (id > 0)
      pause_us(r->cfg->interval_us);
    cw_chan_send(r->ch, id);
    if (dsched_active()) {
      CHECK_PT(pthread_mutex_lock(&r->gate));
      r->sent++;
      CHECK_PT(pthread_cond_signal(&r->wake));
      CHECK_PT(pthread_mutex_unlock(&r->gate));
    }
    DSCHED_POINT("sent"); /* the loop thread may run here, or not */
  }
  /* @end */
  if (dsched_active()) {
    CHECK_PT(pthread_mutex_lock(&r->gate));
    r->done = 1;
    CHECK_PT(pthread_cond_signal(&r->wake));
    CHECK_PT(pthread_mutex_unlock(&r->gate));
  }
  return NULL;
}

/* The loop thread under a schedule. A thread blocked in epoll_wait is not
 * at a schedule point: if the scheduler gave the loop thread the token
 * while the producer had nothing sent yet, the loop would wait for the
 * producer and the producer for the token. So the loop thread waits on a
 * condition the producer signals after every send -- a wait the scheduler
 * can see -- and then runs one iteration that does not block. The eventfd
 * behind uv_async_send is already readable by then, so each iteration runs
 * the async callback exactly when the real loop would have woken up. */
static void pump(struct run *r, uv_loop_t *loop) {
  unsigned seen = 0;
  int done = 0;

  while (!done) {
    CHECK_PT(pthread_mutex_lock(&r->gate));
    while (r->sent == seen && !r->done)
      CHECK_PT(pthread_cond_wait(&r->wake, &r->gate));
    seen = r->sent;
    done = r->done;
    CHECK_PT(pthread_mutex_unlock(&r->gate));
    CHECK_UV(uv_run(loop, UV_RUN_NOWAIT));
  }
}

int cw_run(const struct cw_config *cfg, struct cw_sink *sink) {
  struct run r = {.cfg = cfg};
  FILE *log;
  int e;
  pthread_t t;
  uv_loop_t loop;

  sink->messages = cfg->messages;
  sink->work_us = cfg->work_us;
  sink->nids = 0;
  sink->cap = cfg->messages;
  sink->ids = malloc((size_t)cfg->messages * sizeof *sink->ids);
  if (sink->ids == NULL)
    abort();
  if ((e = gallery_log_start(cfg->log_path, &log)) != 0)
    return e;
  CHECK_PT(pthread_mutex_init(&r.gate, NULL));
  CHECK_PT(pthread_cond_init(&r.wake, NULL));
  CHECK_UV(uv_loop_init(&loop));
  r.ch = cw_chan_open(&loop, sink);
  CHECK_PT(pthread_create(&t, NULL, producer, &r));
  if (dsched_active())
    pump(&r, &loop);
  /* Without a schedule this is the whole run: the loop thread sleeps in
   * epoll until a wakeup, as any libuv program does. Under a schedule it
   * finishes what pump() left: the close callback of the channel. */
  CHECK_UV(uv_run(&loop, UV_RUN_DEFAULT));
  CHECK_PT(pthread_join(t, NULL));
  CHECK_UV(uv_loop_close(&loop));
  cw_chan_free(r.ch);
  CHECK_PT(pthread_cond_destroy(&r.wake));
  CHECK_PT(pthread_mutex_destroy(&r.gate));
  if (log != NULL) {
    corrlog_close();
    if (gallery_log_close(log) != 0)
      return -errno;
  }
  return 0;
}

int cw_handle(struct cw_sink *sink, int id) {
  if (sink->nids == sink->cap) { /* more handled than sent: keep them all */
    int *ids = realloc(sink->ids, 2 * (size_t)sink->cap * sizeof *ids);
    if (ids == NULL)
      abort();
    sink->ids = ids;
    sink->cap *= 2;
  }
  sink->ids[sink->nids++] = id;
  pause_us(sink->work_us);
  return id == sink->messages - 1;
}
