/* async.c -- Scenario 01 (FIX): concurrent requests log through the
 * correlation logger into one ordered writer. Every line carries a
 * correlation id, a per-operation sequence number, a Lamport clock and a
 * monotonic timestamp, and only one write is in flight at a time, so the
 * file order is the order things were logged. Trigger: build/gallery expose
 * 01 --fix. See also: bugs/01-log-order/async.c, chapters/01-log-order.md. */
#include "gallery.h"
#include "log_order.h"
#include "corrlog.h"

#include <fcntl.h>
#include <stdlib.h>
#include <time.h>

struct app {
  uv_loop_t loop;
  uv_file fd;
  int latency_us;
  int err;                       /* first failed write, reported by lo_run */
  struct log_write *head, *tail; /* FIX(01): lines waiting to be written */
  int writing;                   /* FIX(01): one write in flight at most */
};

struct request {
  struct app *app;
  int id;
  uv_work_t work;
  corrlog_op op; /* FIX(01): the request's correlation id, seq and clock */
};

struct log_write {
  uv_fs_t req;
  struct log_write *next;
  size_t len;
  char line[];
};

static void write_next(struct app *app);

static void log_write_cb(uv_fs_t *req) {
  struct log_write *w = container_of(req, struct log_write, req);
  struct app *app = req->data;

  if (req->result < 0 && app->err == 0)
    app->err = (int)req->result;
  uv_fs_req_cleanup(req);
  app->head = w->next;
  if (app->head == NULL)
    app->tail = NULL;
  free(w);
  app->writing = 0;
  write_next(app);
}

/* @snippet log_line */
/* FIX(01): one ordered writer. Lines queue in the order they are logged and
 * exactly one write is in flight; the next starts from the previous one's
 * callback, so the pool has nothing to reorder. */
static void write_next(struct app *app) {
  struct log_write *w = app->head;
  uv_buf_t buf;

  if (app->writing || w == NULL)
    return;
  app->writing = 1;
  buf = uv_buf_init(w->line, (unsigned)w->len);
  w->req.data = app;
  CHECK_UV(
      uv_fs_write(&app->loop, &w->req, app->fd, &buf, 1, -1, log_write_cb));
}

/* The correlation logger's writer: called on the loop thread for every
 * event, in logging order. */
static void log_line(void *arg, const char *line, size_t len) {
  struct app *app = arg;
  struct log_write *w = malloc(sizeof *w + len);

  if (w == NULL)
    abort();
  memcpy(w->line, line, len);
  w->len = len;
  w->next = NULL;
  if (app->tail)
    app->tail->next = w;
  else
    app->head = w;
  app->tail = w;
  write_next(app);
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
  corrlog_end(&r->op, 0, "200 OK");
  free(r);
}

int lo_run(const struct lo_config *cfg) {
  struct app app = {.latency_us = cfg->latency_us};

  CHECK_UV(uv_loop_init(&app.loop));
  app.fd = gallery_fs_create(cfg->log_path, O_APPEND);
  if (app.fd < 0) {
    CHECK_UV(uv_loop_close(&app.loop));
    return app.fd;
  }
  corrlog_thread_name("loop");
  corrlog_set_writer(log_line, &app); /* FIX(01) */
  /* @snippet async_request */
  for (int id = 0; id < cfg->requests; id++) {
    struct request *r = malloc(sizeof *r);
    if (r == NULL)
      abort();
    r->app = &app;
    r->id = id;
    corrlog_begin(&r->op, NULL, "req", "GET /item/%d", id);
    corrlog_step(&r->op, "cache miss, fetching");
    corrlog_handoff(&r->op); /* FIX(01): the fetch happens-after this */
    CHECK_UV(uv_queue_work(&app.loop, &r->work, fetch_work, fetch_done));
  }
  /* @end */
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  corrlog_close(); /* FIX(01): the trailer line: how many events were lost */
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  /* A failed close is the run's error too: a setup failure. */
  app.err = gallery_fs_close(app.fd, app.err);
  CHECK_UV(uv_loop_close(&app.loop));
  return app.err;
}
