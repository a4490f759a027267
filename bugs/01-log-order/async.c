/* async.c -- Scenario 01 (BUG): concurrent requests append their log lines
 * with fire-and-forget async writes. Symptom: the request log is not in the
 * order things happened; a reader sees a request's "step" or "end" before
 * its "begin". Trigger: build/gallery expose 01 (forced), build/gallery hunt
 * 01 (natural). See also: fixes/01-log-order/async.c, bugs/01-log-order/sync.c,
 * chapters/01-log-order.md. */
#include "gallery.h"
#include "log_order.h"

#include <fcntl.h>
#include <stdlib.h>
#include <time.h>

struct app {
  uv_loop_t loop;
  uv_file fd;
  int latency_us;
  int err; /* first failed write, reported by lo_run */
};

struct request {
  struct app *app;
  int id;
  uv_work_t work;
};

struct log_write {
  uv_fs_t req;
  char line[256];
};

static void log_write_cb(uv_fs_t *req) {
  struct log_write *w = container_of(req, struct log_write, req);
  struct app *app = req->data;

  if (req->result < 0 && app->err == 0)
    app->err = (int)req->result;
  uv_fs_req_cleanup(req);
  free(w);
}

/* @snippet log_line */
static void log_line(struct app *app, int req, const char *ev,
                     const char *msg) {
  struct log_write *w = malloc(sizeof *w);
  uv_buf_t buf;

  if (w == NULL)
    abort();
  buf = uv_buf_init(
      w->line,
      (unsigned)snprintf(w->line, sizeof w->line,
                         "{\"op\":\"req-%d\",\"ev\":\"%s\",\"msg\":\"%s\"}\n",
                         req, ev, msg));
  w->req.data = app;
  /* BUG(01): fire-and-forget append. Each line is its own threadpool
   * request, and requests in flight together reach the file in whatever
   * order the pool happens to run them -- not the order they were logged. */
  CHECK_UV(
      uv_fs_write(&app->loop, &w->req, app->fd, &buf, 1, -1, log_write_cb));
}
/* @end */

/* The simulated fetch, on a pool thread: the latency of an upstream call. */
static void fetch_work(uv_work_t *work) {
  struct request *r = container_of(work, struct request, work);
  int us = r->app->latency_us;
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
  nanosleep(&ts, NULL);
}

static void fetch_done(uv_work_t *work, int status) {
  struct request *r = container_of(work, struct request, work);

  CHECK_UV(status);
  log_line(r->app, r->id, "end", "200 OK");
  free(r);
}

int lo_run(const struct lo_config *cfg) {
  struct app app = {.latency_us = cfg->latency_us};
  char msg[64];

  CHECK_UV(uv_loop_init(&app.loop));
  app.fd = gallery_fs_create(cfg->log_path, O_APPEND);
  if (app.fd < 0) {
    CHECK_UV(uv_loop_close(&app.loop));
    return app.fd;
  }
  /* @snippet async_request */
  for (int id = 0; id < cfg->requests; id++) {
    struct request *r = malloc(sizeof *r);
    if (r == NULL)
      abort();
    r->app = &app;
    r->id = id;
    snprintf(msg, sizeof msg, "GET /item/%d", id);
    log_line(&app, id, "begin", msg);
    log_line(&app, id, "step", "cache miss, fetching");
    CHECK_UV(uv_queue_work(&app.loop, &r->work, fetch_work, fetch_done));
  }
  /* @end */
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  /* A failed close is the run's error too: a setup failure. */
  app.err = gallery_fs_close(app.fd, app.err);
  CHECK_UV(uv_loop_close(&app.loop));
  return app.err;
}
