/* async.c -- Scenario 03 (BUG): the resizer queues each resize on the
 * threadpool and checks the result in the after-work callback, which is
 * where a bad size is found. Symptom: the crash report's backtrace shows
 * the event loop (uv_run, libuv's internals, the callback), never the
 * caller that passed the bad size. Trigger: build/gallery expose 03.
 * See also: fixes/03-lost-stack/async.c, bugs/03-lost-stack/sync.c,
 * chapters/03-lost-stack.md. */
#include "gallery.h"
#include "lost_stack.h"

#include <stdio.h>
#include <stdlib.h>

struct ls_resizer {
  uv_loop_t loop;
  const struct ls_config *cfg;
  int done;
};

/* One resize in flight. */
struct job {
  uv_work_t work;
  struct ls_resizer *r;
  const char *image;
  int width, height;
  int status;
};

struct ls_resizer *ls_open(const struct ls_config *cfg) {
  struct ls_resizer *r = calloc(1, sizeof *r);

  if (r == NULL) {
    fprintf(stderr, "lost-stack: out of memory\n");
    return NULL;
  }
  r->cfg = cfg;
  CHECK_UV(uv_loop_init(&r->loop));
  return r;
}

static void resize_work(uv_work_t *work) {
  struct job *j = container_of(work, struct job, work);
  j->status = ls_resize_pixels(j->width, j->height, j->r->cfg->work_us);
}

/* @snippet resize_done */
static void resize_done(uv_work_t *work, int status) {
  struct job *j = container_of(work, struct job, work);

  CHECK_UV(status);
  if (j->status < 0) {
    char what[512];
    /* BUG(03): the error surfaces here, in a callback the loop called. The
     * stack under us is uv_run's, and nothing in the job says who asked. */
    snprintf(what, sizeof what, "resize of %s to %dx%d: %s", j->image, j->width,
             j->height, strerror(-j->status));
    ls_fatal(what);
  }
  j->r->done++;
  free(j);
}
/* @end */

/* @snippet submit */
void ls_resize_at(struct ls_resizer *r, const char *image, int width,
                  int height, const char *file, int line, const char *func) {
  struct job *j = calloc(1, sizeof *j);

  if (j == NULL)
    abort();
  j->r = r;
  j->image = image;
  j->width = width;
  j->height = height;
  /* BUG(03): who called is known only now, and is dropped on return. */
  (void)file;
  (void)line;
  (void)func;
  CHECK_UV(uv_queue_work(&r->loop, &j->work, resize_work, resize_done));
}
/* @end */

int ls_finish(struct ls_resizer *r) {
  int done;

  CHECK_UV(uv_run(&r->loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&r->loop));
  done = r->done;
  free(r);
  return done;
}
