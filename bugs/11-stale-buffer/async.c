/* async.c -- Scenario 11 (BUG): each record is formatted into one shared
 * buffer and handed to uv_fs_write, and the loop goes straight on to the
 * next record. Symptom: the file holds the last record over and over (or
 * records torn between two), and earlier records are missing; no call
 * reports an error. Trigger: build/gallery expose 11 (forced),
 * build/gallery hunt 11 (natural). See also: fixes/11-stale-buffer/async.c,
 * bugs/11-stale-buffer/sync.c, chapters/11-stale-buffer.md. */
#include "gallery.h"
#include "stale_buffer.h"

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
};

static void write_cb(uv_fs_t *req) {
  struct record_write *w = container_of(req, struct record_write, req);
  struct app *app = req->data;

  if (req->result < 0 && app->err == 0)
    app->err = (int)req->result;
  uv_fs_req_cleanup(req);
  free(w);
}

/* @snippet submit */
static void submit_record(struct app *app, int id) {
  /* BUG(11): one buffer for every record, as in the synchronous twin. But
   * uv_fs_write only queues the write: a pool thread reads these bytes
   * later, when the loop has already formatted the next records here. */
  static char record[SB_RECORD_LEN + 1];
  struct record_write *w = malloc(sizeof *w);
  uv_buf_t buf;

  if (w == NULL)
    abort();
  w->id = id;
  w->req.data = app;
  buf = uv_buf_init(record, (unsigned)sb_format(record, sizeof record, id));
  CHECK_UV(uv_fs_write(&app->loop, &w->req, app->fd, &buf, 1,
                       (int64_t)id * SB_RECORD_LEN, write_cb));
}
/* @end */

int sb_run(const struct sb_config *cfg) {
  struct app app = {0};

  CHECK_UV(uv_loop_init(&app.loop));
  app.fd = gallery_fs_create(cfg->out_path, 0);
  if (app.fd < 0) {
    CHECK_UV(uv_loop_close(&app.loop));
    return app.fd;
  }
  /* @snippet loop */
  for (int id = 0; id < cfg->records; id++)
    submit_record(&app, id);
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  /* @end */
  /* A failed close is the run's error too: a setup failure. */
  app.err = gallery_fs_close(app.fd, app.err);
  CHECK_UV(uv_loop_close(&app.loop));
  return app.err;
}
