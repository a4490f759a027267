/* async.c -- Scenario 04 (BUG): two worker threads share a lazily loaded
 * config; each checks a flag and loads the config when it is missing.
 * Symptom: the config is loaded twice, often with no logging, rarely with
 * a printf added to look at it. Trigger: build/gallery expose 04 (forced),
 * build/hunt -- build/bin/04-heisenbug-bug --log none (natural). See also:
 * fixes/04-heisenbug/async.c, bugs/04-heisenbug/sync.c,
 * chapters/04-heisenbug.md. */
#include "gallery.h"
#include "heisenbug.h"

/* @snippet get_config */
long hb_get_config(struct hb_cache *c) {
  /* BUG(04): check, then act, with nothing making the pair atomic. Both
   * threads can see ready == 0 before either sets it. */
  if (!c->ready) {
    DSCHED_POINT("checked");
    c->value = hb_load(c->work);
    c->loads++;
    c->ready = 1;
  }
  return c->value;
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
