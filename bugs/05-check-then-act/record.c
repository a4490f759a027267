/* record.c -- Scenario 05's shared world: the origin that hands out item
 * versions, the cache every variant stores into, and what each page was
 * served (check.c reads it). Shared by the driver, the test and all variants;
 * it runs on one thread (the loop's, or the sync twin's). */
#include "check_then_act.h"

#include <stdio.h>
#include <string.h>

static struct cta_item items[CTA_MAX_PAGES];

void cta_reset(void) {
  memset(items, 0, sizeof items);
}

const struct cta_item *cta_item(int key) {
  return &items[key];
}

int cta_origin_fetch(int key) {
  return ++items[key].fetches;
}

int cta_cache_get(int key) {
  return items[key].cached;
}

int cta_cache_put(int key, int version) {
  struct cta_item *it = &items[key];
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
