/* sync.c -- Scenario 03 (SYNC): the resizer works inside the call. A bad
 * size is rejected while the caller is still on the stack, so the report
 * names it: the call site the ls_resize macro passes in, and the caller's
 * frame in the backtrace. Slow: every resize blocks its caller. Trigger:
 * build/gallery run 03 --sync. See also: bugs/03-lost-stack/async.c,
 * chapters/03-lost-stack.md. */
#include "lost_stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ls_resizer {
  const struct ls_config *cfg;
  int done;
};

struct ls_resizer *ls_open(const struct ls_config *cfg) {
  struct ls_resizer *r = calloc(1, sizeof *r);

  if (r == NULL) {
    fprintf(stderr, "lost-stack: out of memory\n");
    return NULL;
  }
  r->cfg = cfg;
  return r;
}

/* @snippet sync_resize */
void ls_resize_at(struct ls_resizer *r, const char *image, int width,
                  int height, const char *file, int line, const char *func) {
  int status = ls_resize_pixels(width, height, r->cfg->work_us);

  if (status < 0) {
    char what[512];
    /* The caller is still waiting for this call: who it is, is known. */
    snprintf(what, sizeof what,
             "resize of %s to %dx%d: %s\n  passed by %s() at %s:%d", image,
             width, height, strerror(-status), func, file, line);
    ls_fatal(what);
  }
  r->done++;
}
/* @end */

int ls_finish(struct ls_resizer *r) {
  int done = r->done;
  free(r);
  return done;
}
