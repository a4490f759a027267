/* async.c -- Scenario 12 (BUG): every file is opened at once with
 * uv_fs_open, and the callbacks never look at their status. Symptom: under
 * load (more files than the process may have open), opens fail with EMFILE,
 * the reads on the missing descriptors fail too, and the totals come out
 * short without a single error message. Fine at 100 files, broken past the
 * fd limit. Trigger: build/gallery expose 12 (forced: the test lowers
 * RLIMIT_NOFILE), build/bin/12-unbounded-fanout-bug --files 30000.
 * See also: fixes/12-unbounded-fanout/async.c,
 * bugs/12-unbounded-fanout/sync.c, chapters/12-unbounded-fanout.md. */
#include "gallery.h"
#include "unbounded_fanout.h"

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
};

static void start_more(struct app *app);

static void close_cb(uv_fs_t *req) {
  struct file_read *f = container_of(req, struct file_read, req);
  struct app *app = f->app;

  uv_fs_req_cleanup(req);
  free(f);
  app->in_use--;
  start_more(app);
}

/* @snippet read_cb */
static void read_cb(uv_fs_t *req) {
  struct file_read *f = container_of(req, struct file_read, req);

  /* BUG(12): the status is not checked. A failed read (here: EBADF on a
   * descriptor that was never opened) looks like an empty file, and the
   * file is counted as read. */
  if (req->result > 0)
    uf_parse(f->app->t, f->buf, (size_t)req->result);
  f->app->t->files_ok++;
  uv_fs_req_cleanup(req);
  CHECK_UV(uv_fs_close(&f->app->loop, req, f->fd, close_cb));
}

static void open_cb(uv_fs_t *req) {
  struct file_read *f = container_of(req, struct file_read, req);
  uv_buf_t buf = uv_buf_init(f->buf, sizeof f->buf);

  /* BUG(12): the result is taken as a descriptor without a look at its
   * sign: -EMFILE (-24) goes on to the read as if it were a file. */
  f->fd = (uv_file)req->result;
  uv_fs_req_cleanup(req);
  CHECK_UV(uv_fs_read(&f->app->loop, req, f->fd, &buf, 1, 0, read_cb));
}
/* @end */

/* @snippet start_more */
static void start_more(struct app *app) {
  char path[4096];

  /* BUG(12): no bound. Every file is opened at once: 10,000 files ask for
   * 10,000 descriptors at the same moment. */
  while (app->next < app->cfg->files) {
    struct file_read *f = malloc(sizeof *f);
    if (f == NULL)
      abort();
    f->app = app;
    f->id = app->next++;
    uf_path(path, sizeof path, app->cfg->dir, f->id);
    app->in_use++;
    CHECK_UV(uv_fs_open(&app->loop, &f->req, path, O_RDONLY, 0, open_cb));
  }
}
/* @end */

int uf_run(const struct uf_config *cfg, struct uf_totals *t) {
  struct app app = {.cfg = cfg, .t = t};

  CHECK_UV(uv_loop_init(&app.loop));
  start_more(&app);
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&app.loop));
  return 0;
}
