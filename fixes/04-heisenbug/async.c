/* async.c -- Scenario 04 (FIX): two worker threads share a lazily loaded
 * config; the check and the load happen under one mutex, so exactly one
 * worker loads it whatever the timing, logging or no logging. Trigger:
 * build/gallery expose 04 --fix. See also: bugs/04-heisenbug/async.c,
 * chapters/04-heisenbug.md. */
#include "gallery.h"
#include "heisenbug.h"

/* @snippet get_config */
long hb_get_config(struct hb_cache *c) {
  long v;

  /* FIX(04): the check and the act are one step: nobody can see
   * ready == 0 while another thread is between its check and its set. */
  CHECK_PT(pthread_mutex_lock(&c->mu));
  if (!c->ready) {
    DSCHED_POINT("checked");
    c->value = hb_load(c->work);
    c->loads++;
    c->ready = 1;
  }
  v = c->value;
  CHECK_PT(pthread_mutex_unlock(&c->mu));
  return v;
}
/* @end */

int hb_run(struct hb_worker w[2]) {
  pthread_t t[2];

  for (int i = 0; i < 2; i++)
    CHECK_PT(pthread_create(&t[i], NULL, hb_worker_main, &w[i]));
  for (int i = 0; i < 2; i++)
    CHECK_PT(pthread_join(t[i], NULL));
  return 0;
}
