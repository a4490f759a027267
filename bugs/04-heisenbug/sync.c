/* sync.c -- Scenario 04 (SYNC): one thread does both workers' jobs, one
 * after the other. Correct by construction: the second worker's check runs
 * after the first worker's load. It is also slower when the jobs are long:
 * nothing overlaps. Trigger: build/gallery run 04 --sync. See also:
 * bugs/04-heisenbug/async.c, chapters/04-heisenbug.md. */
#include "gallery.h"
#include "heisenbug.h"

long hb_get_config(struct hb_cache *c) {
  if (!c->ready) {
    c->value = hb_load(c->work);
    c->loads++;
    c->ready = 1;
  }
  return c->value;
}

/* @snippet sync_run */
int hb_run(struct hb_worker w[2]) {
  for (int i = 0; i < 2; i++) {
    hb_log(&w[i], "need the config");
    w[i].seen = hb_get_config(w[i].cache);
  }
  return 0;
}
/* @end */
