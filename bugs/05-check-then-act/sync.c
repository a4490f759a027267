/* sync.c -- Scenario 05 (SYNC): the page views served one after another
 * with blocking fetches. Correct by construction: a lookup checks the cache
 * and, on a miss, fetches and stores in the same step, with nothing else
 * running in between, so the footer's lookup always finds the header's
 * fetch in the cache. Slow: every fetch and render is paid in sequence.
 * Trigger: build/gallery run 05 --sync. See also:
 * bugs/05-check-then-act/async.c, chapters/05-check-then-act.md. */
#include "check_then_act.h"

#include <errno.h>
#include <time.h>

/* Simulated latency (the origin's reply, the body's rendering). */
static void pause_us(int us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* @snippet sync_lookup */
static void lookup(const struct cta_config *cfg, int key, enum cta_part part) {
  int version = cta_cache_get(key);

  if (version == 0) {
    /* Check and act in one step: nothing can run between the miss and the
     * store, so no second lookup can miss in between. */
    version = cta_origin_fetch(key);
    pause_us(cfg->fetch_us);
    cta_cache_put(key, version);
  }
  cta_served(key, part, version);
}
/* @end */

int cta_run(const struct cta_config *cfg) {
  for (int page = 0; page < cfg->pages; page++) {
    lookup(cfg, page, CTA_HEADER);
    pause_us(cfg->render_us);
    lookup(cfg, page, CTA_FOOTER);
  }
  return 0;
}
