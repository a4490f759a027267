/* worker.c -- Scenario 04 (heisenbug): what the sync twin, the bug and the
 * fix share: the config load, the three logging modes, the start line and
 * the invariant check. */
#include "gallery.h"
#include "heisenbug.h"
#include "dsched.h"

#include <stdatomic.h>
#include <stdint.h>

long hb_load(int work) {
  uint32_t h = 2166136261u;

  for (int k = 0; k < work; k++)
    h = (h ^ (uint8_t)k) * 16777619u;
  return (long)(h & 0x7fffffff);
}

/* @snippet log */
void hb_log(struct hb_worker *w, const char *what) {
  switch (w->mode) {
  case HB_LOG_NONE:
    break;
  case HB_LOG_PRINTF:
    /* stdout is locked for the whole call, and the line is written
     * out with write(2) before the lock is released (line-buffered on a
     * terminal; flushed here so a pipe behaves the same). */
    printf("worker %d: %s\n", w->id, what);
    fflush(stdout);
    break;
  case HB_LOG_CORRLOG:
    /* A per-thread buffer: no lock, no system call until the flush. */
    corrlog_step(&w->op, "%s", what);
    break;
  }
}
/* @end */

void hb_init(struct hb_cache *c, struct hb_worker w[2], enum hb_log_mode mode,
             int work) {
  memset(c, 0, sizeof *c);
  c->work = work;
  CHECK_PT(pthread_mutex_init(&c->mu, NULL));
  for (int i = 0; i < 2; i++) {
    memset(&w[i], 0, sizeof w[i]);
    w[i].id = i + 1;
    w[i].mode = mode;
    w[i].cache = c;
    w[i].seen = -1;
    if (mode == HB_LOG_CORRLOG) {
      corrlog_begin(&w[i].op, NULL, "worker", "worker %d", i + 1);
      corrlog_handoff(&w[i].op); /* to the worker's thread */
    }
  }
}

void hb_fini(struct hb_cache *c, struct hb_worker w[2]) {
  for (int i = 0; i < 2 && w[0].mode == HB_LOG_CORRLOG; i++)
    corrlog_end(&w[i].op, 0, "saw config %ld", w[i].seen);
  CHECK_PT(pthread_mutex_destroy(&c->mu));
}

static atomic_int arrived;

void hb_start_together(int n) {
  if (dsched_active())
    return;
  atomic_fetch_add(&arrived, 1);
  while (atomic_load(&arrived) < n)
    ;
}

/* @snippet worker */
void *hb_worker_main(void *arg) {
  struct hb_worker *w = arg;

  /* The first event on a thread sets up its buffer (corrlog) or the
   * stream (stdio); in a long-running program that happened long ago, so it
   * happens here before the start line, not inside the race. */
  if (w->mode == HB_LOG_CORRLOG) {
    char name[16];
    snprintf(name, sizeof name, "worker-%d", w->id);
    corrlog_thread_name(name);
  }
  hb_log(w, "started");
  hb_start_together(2);
  hb_log(w, "need the config");
  w->seen = hb_get_config(w->cache);
  return NULL;
}
/* @end */
