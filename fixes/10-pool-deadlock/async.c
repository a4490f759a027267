/* async.c -- Scenario 10 (FIX): every page is rendered in two pool stages
 * with the lookup between them, and no pool thread ever waits: the lookup
 * is queued from the first stage's after-work callback, on the loop, and
 * the page is finished by the lookup's own work. Any load completes, with
 * any pool size. Every request is logged with a correlation id. Trigger:
 * build/gallery expose 10 --fix. See also: bugs/10-pool-deadlock/async.c,
 * chapters/10-pool-deadlock.md. */
#include "gallery.h"
#include "pool_deadlock.h"
#include "corrlog.h"
#include "gallery_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct app {
  uv_loop_t loop;
};

struct request {
  struct app *app;
  struct pd_req *pr;
  uv_work_t page_work;
  uv_work_t lookup_work;
  corrlog_op op; /* FIX(10): the request's correlation id across stages */
};

/* FIX(10): the lookup's work also finishes the page: the second stage
 * runs when its input exists, so it never has to wait for it. */
static void lookup_work(uv_work_t *w) {
  struct request *r = container_of(w, struct request, lookup_work);

  corrlog_thread_name("pool");
  pd_lookup(r->pr);
  pd_finish(r->pr);
  corrlog_step(&r->op, "looked up %ld, page finished", r->pr->lookup);
  corrlog_handoff(&r->op);
}

static void lookup_done(uv_work_t *w, int status) {
  struct request *r = container_of(w, struct request, lookup_work);

  CHECK_UV(status);
  corrlog_end(&r->op, 0, "page %ld", r->pr->page);
}

/* @snippet page */
static void page_work(uv_work_t *w) {
  struct request *r = container_of(w, struct request, page_work);

  corrlog_thread_name("pool");
  pd_parse(r->pr);
  /* FIX(10): stage 1 ends here and gives its pool thread back. */
  corrlog_step(&r->op, "parsed; pool thread given back");
  corrlog_handoff(&r->op);
}

static void page_done(uv_work_t *w, int status) {
  struct request *r = container_of(w, struct request, page_work);

  CHECK_UV(status);
  /* FIX(10): the sub-task is queued from the after-work callback, on the
   * loop thread, and nobody blocks waiting for it. */
  pd_lookup_queued(r->pr);
  corrlog_step(&r->op, "lookup queued");
  corrlog_handoff(&r->op);
  CHECK_UV(
      uv_queue_work(&r->app->loop, &r->lookup_work, lookup_work, lookup_done));
}
/* @end */

int pd_run(const struct pd_config *cfg, struct pd_req *reqs) {
  struct app app;
  struct request *rs = calloc((size_t)cfg->requests, sizeof *rs);
  FILE *log;
  int e;

  if (rs == NULL)
    abort();
  if ((e = gallery_log_start(cfg->log_path, &log)) != 0) {
    free(rs);
    return e;
  }
  CHECK_UV(uv_loop_init(&app.loop));
  /* @snippet submit */
  for (int i = 0; i < cfg->requests; i++) {
    rs[i].app = &app;
    rs[i].pr = &reqs[i];
    corrlog_begin(&rs[i].op, NULL, "page", "render page %d", i);
    corrlog_handoff(&rs[i].op); /* stage 1 happens-after this */
    CHECK_UV(uv_queue_work(&app.loop, &rs[i].page_work, page_work, page_done));
  }
  /* @end */
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&app.loop));
  corrlog_close();
  if (log != NULL)
    gallery_log_close(log);
  free(rs);
  return 0;
}
