/* async.c -- Scenario 03 (FIX): the same threadpool resizer, but each
 * resize begins a correlation op at submission, recording the caller's
 * file, line, function and return address while the caller is still there.
 * When the after-work callback finds the bad size, it reports that origin
 * next to the loop's backtrace. Trigger: build/gallery expose 03 --fix.
 * See also: bugs/03-lost-stack/async.c, chapters/03-lost-stack.md. */
#include "gallery.h"
#include "lost_stack.h"
#include "corrlog.h"

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
  corrlog_op op; /* FIX(03): the resize's id and where it was asked for */
};

struct ls_resizer *ls_open(const struct ls_config *cfg) {
  struct ls_resizer *r = calloc(1, sizeof *r);

  if (r == NULL) {
    fprintf(stderr, "lost-stack: out of memory\n");
    return NULL;
  }
  r->cfg = cfg;
  if (cfg->log_path && corrlog_open(cfg->log_path) != 0) {
    fprintf(stderr, "lost-stack: cannot write the log %s\n", cfg->log_path);
    free(r);
    return NULL;
  }
  corrlog_thread_name("loop");
  CHECK_UV(uv_loop_init(&r->loop));
  return r;
}

static void resize_work(uv_work_t *work) {
  struct job *j = container_of(work, struct job, work);
  corrlog_enter(&j->op); /* this pool thread works on the resize */
  j->status = ls_resize_pixels(j->width, j->height, j->r->cfg->work_us);
  corrlog_handoff(&j->op); /* back to the loop */
}

/* @snippet resize_done */
static void resize_done(uv_work_t *work, int status) {
  struct job *j = container_of(work, struct job, work);
  corrlog_enter(&j->op); /* and the loop works on it here */

  CHECK_UV(status);
  if (j->status < 0) {
    char what[512];
    snprintf(what, sizeof what, "resize of %s to %dx%d: %s", j->image, j->width,
             j->height, strerror(-j->status));
    corrlog_error(&j->op, j->status, "%s", what);
    /* FIX(03): the stack under us is still uv_run's, but the op knows who
     * asked: report that first, then the backtrace. */
    corrlog_report(&j->op, "lost-stack: the failed resize");
    ls_fatal(what);
  }
  corrlog_end(&j->op, 0, "resized");
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
  /* FIX(03): who called is known only now: keep it in the op. The caller's
   * site comes from the ls_resize macro, so this calls the function behind
   * corrlog_begin, which would record this line instead; the return
   * address is the caller's, which dladdr names under -rdynamic. */
  corrlog__begin(&j->op, NULL, "resize", NULL, file, line, func,
                 __builtin_return_address(0), "resize %s to %dx%d", image,
                 width, height);
  corrlog_handoff(&j->op); /* on to the pool */
  CHECK_UV(uv_queue_work(&r->loop, &j->work, resize_work, resize_done));
}
/* @end */

int ls_finish(struct ls_resizer *r) {
  int done;

  CHECK_UV(uv_run(&r->loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&r->loop));
  if (r->cfg->log_path)
    corrlog_close();
  done = r->done;
  free(r);
  return done;
}
