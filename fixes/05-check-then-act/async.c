/* async.c -- Scenario 05 (FIX): the cache keeps a table of fetches in
 * flight, and a lookup that misses joins the item's fetch in flight instead
 * of starting another; the check (miss? in flight?) and the act (join, or
 * start the fetch and enter it in the table) happen in the same callback,
 * with nothing else running in between. Each item is fetched once, so no
 * older fetch can overwrite a newer one. Trigger: build/gallery expose 05
 * --fix. See also: bugs/05-check-then-act/async.c,
 * chapters/05-check-then-act.md. */
#include "gallery.h"
#include "check_then_act.h"
#include "corrlog.h"

#include <errno.h>
#include <time.h>

static const char *const part_names[] = {"header", "footer"};

struct app {
  uv_loop_t loop;
  const struct cta_config *cfg;
  struct fetch *inflight[CTA_MAX_PAGES]; /* FIX(05): per item, or NULL */
};

struct page {
  struct app *app;
  int key;    /* the page's item: item-KEY */
  int served; /* parts served so far; the page ends at 2 */
  uv_work_t render;
  corrlog_op op;
};

struct fetch {
  struct page *page;
  unsigned parts; /* the page's parts waiting for this fetch (1 << part) */
  int version;    /* the version the origin answered with */
  uv_work_t work;
  corrlog_op op;
};

/* Simulated latency, on a pool thread: the origin's reply or the body's
 * rendering. */
static void pause_us(int us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

static void serve(struct page *p, enum cta_part part, int version) {
  cta_served(p->key, part, version);
  corrlog_step(&p->op, "%s served item-%d v%d", part_names[part], p->key,
               version);
  if (++p->served == 2) {
    corrlog_end(&p->op, 0, "200 OK");
    free(p);
  }
}

static void fetch_work(uv_work_t *work) {
  struct fetch *f = container_of(work, struct fetch, work);
  pause_us(f->page->app->cfg->fetch_us);
}

/* @snippet fetch_done */
static void fetch_done(uv_work_t *work, int status) {
  struct fetch *f = container_of(work, struct fetch, work);
  struct page *p = f->page;
  char kv[64];
  int old;

  CHECK_UV(status);
  /* FIX(05): the fetch leaves the table as it stores, in one callback: a
   * lookup from now on hits the cache, one before it joined this fetch. */
  p->app->inflight[p->key] = NULL;
  old = cta_cache_put(p->key, f->version);
  snprintf(kv, sizeof kv, "res=cache:item-%d access=write", p->key);
  corrlog_end_kv(&f->op, 0, kv, "store item-%d v%d (replaces v%d)", p->key,
                 f->version, old);
  for (int part = CTA_HEADER; part <= CTA_FOOTER; part++)
    if (f->parts & (1u << part))
      serve(p, (enum cta_part)part, f->version);
  free(f);
}
/* @end */

static void start_fetch(struct page *p, enum cta_part part) {
  struct fetch *f = malloc(sizeof *f);

  if (f == NULL)
    abort();
  f->page = p;
  f->parts = 1u << part;
  f->version = cta_origin_fetch(p->key);
  p->app->inflight[p->key] = f; /* FIX(05): act at once on the miss */
  corrlog_begin(&f->op, &p->op, "fetch", "GET item-%d from the origin (v%d)",
                p->key, f->version);
  CHECK_UV(uv_queue_work(&p->app->loop, &f->work, fetch_work, fetch_done));
}

/* @snippet lookup */
static void lookup(struct page *p, enum cta_part part) {
  int version = cta_cache_get(p->key);

  if (version > 0) {
    corrlog_step(&p->op, "%s: hit item-%d v%d", part_names[part], p->key,
                 version);
    serve(p, part, version);
    return;
  }
  /* FIX(05): a miss is not the whole check: a fetch of the item may be in
   * flight. Join it; its result serves this lookup too. */
  if (p->app->inflight[p->key] != NULL) {
    struct fetch *f = p->app->inflight[p->key];
    f->parts |= 1u << part;
    corrlog_step(&p->op, "%s: miss item-%d, joins fetch %016llx in flight",
                 part_names[part], p->key, (unsigned long long)f->op.id);
    return;
  }
  corrlog_step(&p->op, "%s: miss item-%d, fetching", part_names[part], p->key);
  start_fetch(p, part);
}
/* @end */

static void render_work(uv_work_t *work) {
  struct page *p = container_of(work, struct page, render);
  pause_us(p->app->cfg->render_us);
}

static void render_done(uv_work_t *work, int status) {
  struct page *p = container_of(work, struct page, render);

  CHECK_UV(status);
  corrlog_step(&p->op, "body rendered");
  lookup(p, CTA_FOOTER);
}

int cta_run(const struct cta_config *cfg) {
  struct app app = {.cfg = cfg};

  CHECK_UV(uv_loop_init(&app.loop));
  corrlog_thread_name("loop");
  for (int key = 0; key < cfg->pages; key++) {
    struct page *p = calloc(1, sizeof *p);
    if (p == NULL)
      abort();
    p->app = &app;
    p->key = key;
    corrlog_begin(&p->op, NULL, "page", "GET /page/%d", key);
    lookup(p, CTA_HEADER);
    CHECK_UV(uv_queue_work(&app.loop, &p->render, render_work, render_done));
  }
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&app.loop));
  return 0;
}
