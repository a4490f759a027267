/* check_then_act.h -- Scenario 05 (check-then-act): the interface every variant
 * implements, and the shared cache, origin and invariant they all use.
 *
 * The workload: `pages` page views run at once. Page i needs item-i twice:
 * for its header, looked up at once, and for its footer, looked up when its
 * body has been rendered (simulated work of `render_us` microseconds). A
 * lookup that misses the cache fetches the item from the origin (simulated
 * latency of `fetch_us`). The origin's items keep changing: every fetch gets
 * the next version number of the item, taken when the fetch is sent.
 *
 * The invariant, per item: it is fetched exactly once (the footer's lookup
 * is served by the header's fetch), the cached version never goes down, and
 * the page's header and footer are each served once. */
#ifndef CHECK_THEN_ACT_H
#define CHECK_THEN_ACT_H

#include <stddef.h>

#define CTA_MAX_PAGES 64

enum cta_part { CTA_HEADER, CTA_FOOTER };

struct cta_config {
  int pages;     /* concurrent page views, 1..CTA_MAX_PAGES */
  int fetch_us;  /* simulated origin latency of one fetch */
  int render_us; /* simulated time to render a page's body */
};

/* Runs the workload once (implemented by sync.c and each async.c). Returns
 * 0, or a negative errno/libuv error for a setup failure. Logs through
 * tools/runtime/corrlog when a sink is open. */
int cta_run(const struct cta_config *cfg);

/* ---- shared: record.c ---- */

/* What the record holds for one item (page i shows item i). */
struct cta_item {
  int fetches;       /* fetches sent to the origin */
  int cached;        /* version in the cache, 0 = none */
  int down_from;     /* first time the cache went down: from this ... */
  int down_to;       /* ... to this version (0 = never went down) */
  int served[2];     /* lookups served, per part */
  int served_ver[2]; /* the version last served, per part */
};

/* Item key's record, read-only (for the check). */
const struct cta_item *cta_item(int key);

/* Forgets every fetch, cache entry and served lookup; call before cta_run. */
void cta_reset(void);

/* The origin: counts a fetch of item `key` and returns its version, one
 * higher than the previous fetch of that item got (the first is 1). */
int cta_origin_fetch(int key);

/* The cache: the version cached for `key`, 0 on a miss. */
int cta_cache_get(int key);

/* Stores `version` for `key`, unconditionally, and notes when that makes
 * the cached version go down. Returns the version it replaced (0: none). */
int cta_cache_put(int key, int version);

/* Records that the page's header or footer was served `version`. */
void cta_served(int key, enum cta_part part, int version);

/* ---- the invariant (check.c) ---- */

/* Checks the invariant for pages 0..pages-1. Returns 0 when it holds, 1 when
 * it is violated; then msg says how, starting with "check-then-act
 * invariant violated:". */
int cta_check(int pages, char *msg, size_t msglen);

#endif
