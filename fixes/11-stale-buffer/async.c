/* async.c -- Scenario 11 (FIX): every write request owns the buffer its
 * record is formatted into, from submission until its callback, which
 * frees both. Nothing the loop does next can change bytes a pool thread has
 * yet to read; every write is logged with a correlation id. Trigger:
 * build/gallery expose 11 --fix. See also: bugs/11-stale-buffer/async.c,
 * chapters/11-stale-buffer.md. */
#include "gallery.h"
#include "stale_buffer.h"
#include "corrlog.h"
#include "gallery_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

struct app {
  uv_loop_t loop;
  uv_file fd;
  int err; /* first failed write, reported by sb_run */
};

struct record_write {
  uv_fs_t req;
  int id;
  corrlog_op op;                  /* FIX(11): the write's correlation id */
  char record[SB_RECORD_LEN + 1]; /* FIX(11): owned until write_cb */
};

static void write_cb(uv_fs_t *req) {
  struct record_write *w = container_of(req, struct record_write, req);
  struct app *app = req->data;

  if (req->result < 0 && app->err == 0)
    app->err = (int)req->result;
  if (req->result < 0)
    corrlog_error(&w->op, (int)req->result, "write failed: %s",
                  uv_strerror((int)req->result));
  else
    corrlog_end(&w->op, 0, "wrote %zd bytes at slot %d: %.13s", req->result,
                w->id, w->record);
  uv_fs_req_cleanup(req);
  free(w); /* FIX(11): the buffer dies with its request, after the write */
}

/* @snippet submit */
static void submit_record(struct app *app, int id) {
  /* FIX(11): each request carries its own buffer. uv_fs_write only queues
   * the write; the bytes must stay put until write_cb, and they do, because
   * nobody else ever writes into them. */
  struct record_write *w = malloc(sizeof *w);
  uv_buf_t buf;

  if (w == NULL)
    abort();
  w->id = id;
  w->req.data = app;
  buf = uv_buf_init(w->record,
                    (unsigned)sb_format(w->record, sizeof w->record, id));
  corrlog_begin(&w->op, NULL, "write", "record %d queued (%.13s)", id,
                w->record);
  corrlog_handoff(&w->op); /* the pool's write happens-after this */
  CHECK_UV(uv_fs_write(&app->loop, &w->req, app->fd, &buf, 1,
                       (int64_t)id * SB_RECORD_LEN, write_cb));
}
/* @end */

int sb_run(const struct sb_config *cfg) {
  struct app app = {0};
  FILE *log = NULL;

  CHECK_UV(uv_loop_init(&app.loop));
  app.fd = gallery_fs_create(cfg->out_path, 0);
  if (app.fd < 0) {
    CHECK_UV(uv_loop_close(&app.loop));
    return app.fd;
  }
  if (cfg->log_path != NULL) {
    if ((log = gallery_log_open(cfg->log_path)) == NULL) {
      int e = -errno;
      CHECK_UV(gallery_fs_close(app.fd, 0));
      CHECK_UV(uv_loop_close(&app.loop));
      return e;
    }
  }
  corrlog_thread_name("loop");
  /* @snippet loop */
  for (int id = 0; id < cfg->records; id++)
    submit_record(&app, id);
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  /* @end */
  corrlog_close(); /* FIX(11): the trailer: how many events were lost */
  if (log != NULL) {
    if (gallery_log_close(log) != 0 && app.err == 0)
      app.err = -errno; /* the correlation log is incomplete */
  }
  /* A failed close is the run's error too: a setup failure. */
  app.err = gallery_fs_close(app.fd, app.err);
  CHECK_UV(uv_loop_close(&app.loop));
  return app.err;
}
