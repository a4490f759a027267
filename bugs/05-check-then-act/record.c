/* record.c -- Scenario 05's shared world: the origin that hands out item
 * versions, the cache every variant stores into, what each page was served,
 * and the invariant check. Shared by the driver, the test and all variants;
 * it runs on one thread (the loop's, or the sync twin's). */
#include "cta.h"

#include <stdio.h>
#include <string.h>

static struct item {
  int fetches;        /* fetches sent to the origin */
  int cached;         /* version in the cache, 0 = none */
  int down_from;      /* first time the cache went down: from this ... */
  int down_to;        /* ... to this version (0 = never went down) */
  int served[2];      /* lookups served, per part */
  int served_ver[2];  /* the version last served, per part */
} items[CTA_MAX_PAGES];

void cta_reset(void) { memset(items, 0, sizeof items); }

int cta_origin_fetch(int key) { return ++items[key].fetches; }

int cta_cache_get(int key) { return items[key].cached; }

int cta_cache_put(int key, int version) {
  struct item *it = &items[key];
  int old = it->cached;

  if (version < old && it->down_to == 0) {
    it->down_from = old;
    it->down_to = version;
  }
  it->cached = version;
  return old;
}

void cta_served(int key, enum cta_part part, int version) {
  items[key].served[part]++;
  items[key].served_ver[part] = version;
}

int cta_check(int pages, char *msg, size_t msglen) {
  for (int k = 0; k < pages; k++) {
    const struct item *it = &items[k];
    if (it->down_to != 0) {
      snprintf(msg, msglen,
               "check-then-act invariant violated: item-%d went from v%d back "
               "to v%d in the cache (stale overwrite); it was fetched %d "
               "times, want once",
               k, it->down_from, it->down_to, it->fetches);
      return 1;
    }
    if (it->fetches != 1) {
      snprintf(msg, msglen,
               "check-then-act invariant violated: item-%d fetched %d times, "
               "want once (duplicate fetch: a second lookup missed while the "
               "first fetch was in flight)",
               k, it->fetches);
      return 1;
    }
    if (it->served[CTA_HEADER] != 1 || it->served[CTA_FOOTER] != 1) {
      snprintf(msg, msglen,
               "check-then-act invariant violated: page %d served its header "
               "%d times and its footer %d times, want once each",
               k, it->served[CTA_HEADER], it->served[CTA_FOOTER]);
      return 1;
    }
  }
  return 0;
}
