/* async.c -- Scenario 12 (FIX): the files are opened through a bounded
 * queue -- at most `limit` open at once, well under the fd limit, the next
 * one started as one closes -- and every callback checks its status and
 * reports a failure with the file's correlation id. Trigger: build/gallery
 * expose 12 --fix. See also: bugs/12-unbounded-fanout/async.c,
 * chapters/12-unbounded-fanout.md. */
#include "gallery.h"
#include "unbounded_fanout.h"
#include "corrlog.h"
#include "gallery_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

struct app {
  uv_loop_t loop;
  const struct uf_config *cfg;
  struct uf_totals *t;
  int next;   /* the next file to open */
  int in_use; /* files opened and not yet closed */
};

struct file_read {
  struct app *app;
  int id;
  uv_file fd;
  uv_fs_t req;
  char buf[128];
  corrlog_op op; /* FIX(12): the file's correlation id */
};

static void start_more(struct app *app);

static void close_cb(uv_fs_t *req) {
  struct file_read *f = container_of(req, struct file_read, req);
  struct app *app = f->app;

  if (req->result < 0) { /* FIX(12): even a failed close is reported */
    app->t->errors++;
    corrlog_error(&f->op, (int)req->result, "close: %s",
                  uv_strerror((int)req->result));
  }
  corrlog_end(&f->op, (int)req->result, "closed");
  uv_fs_req_cleanup(req);
  free(f);
  app->in_use--;
  start_more(app);
}

/* @snippet read_cb */
static void read_cb(uv_fs_t *req) {
  struct file_read *f = container_of(req, struct file_read, req);

  /* FIX(12): a failed read is an error, reported and counted, never an
   * empty file. */
  if (req->result < 0) {
    f->app->t->errors++;
    corrlog_error(&f->op, (int)req->result, "read: %s",
                  uv_strerror((int)req->result));
  } else {
    uf_parse(f->app->t, f->buf, (size_t)req->result);
    f->app->t->files_ok++;
    corrlog_step(&f->op, "read %zd bytes", req->result);
  }
  uv_fs_req_cleanup(req);
  CHECK_UV(uv_fs_close(&f->app->loop, req, f->fd, close_cb));
}

static void open_cb(uv_fs_t *req) {
  struct file_read *f = container_of(req, struct file_read, req);
  uv_buf_t buf = uv_buf_init(f->buf, sizeof f->buf);

  /* FIX(12): a negative result is an error (EMFILE, ENOENT...), not a
   * descriptor: report it with the file's id and give the slot back. */
  if (req->result < 0) {
    struct app *app = f->app;
    app->t->errors++;
    corrlog_error(&f->op, (int)req->result, "open: %s",
                  uv_strerror((int)req->result));
    corrlog_end(&f->op, (int)req->result, "not read");
    uv_fs_req_cleanup(req);
    free(f);
    app->in_use--;
    start_more(app);
    return;
  }
  f->fd = (uv_file)req->result;
  uv_fs_req_cleanup(req);
  CHECK_UV(uv_fs_read(&f->app->loop, req, f->fd, &buf, 1, 0, read_cb));
}
/* @end */

/* @snippet start_more */
static void start_more(struct app *app) {
  char path[4096];

  /* FIX(12): at most `limit` files open at once; close_cb starts the
   * next. The limit is a fixed number well under RLIMIT_NOFILE, so the
   * load no longer decides how many descriptors the process needs. */
  while (app->next < app->cfg->files && app->in_use < app->cfg->limit) {
    struct file_read *f = malloc(sizeof *f);
    if (f == NULL)
      abort();
    f->app = app;
    f->id = app->next++;
    uf_path(path, sizeof path, app->cfg->dir, f->id);
    corrlog_begin(&f->op, NULL, "file", "open f%06d", f->id);
    app->in_use++;
    CHECK_UV(uv_fs_open(&app->loop, &f->req, path, O_RDONLY, 0, open_cb));
  }
}
/* @end */

int uf_run(const struct uf_config *cfg, struct uf_totals *t) {
  struct app app = {.cfg = cfg, .t = t};
  FILE *log;
  int e;

  if ((e = gallery_log_start(cfg->log_path, &log)) != 0)
    return e;
  CHECK_UV(uv_loop_init(&app.loop));
  start_more(&app);
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&app.loop));
  corrlog_close();
  if (log != NULL && gallery_log_close(log) != 0)
    return -errno;
  return 0;
}
