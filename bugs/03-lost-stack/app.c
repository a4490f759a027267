/* app.c -- Scenario 03's callers: three places in an application that ask
 * for thumbnails, one of which (chosen with --bad) gets its arithmetic
 * wrong. Shared by all three variants. */
#include "lost_stack.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

const char *ls_caller_name(enum ls_caller c) {
  switch (c) {
  case LS_AVATAR:
    return "avatar_thumbnail";
  case LS_BANNER:
    return "banner_thumbnail";
  case LS_GALLERY:
    return "gallery_thumbnail";
  case LS_NONE:
    break;
  }
  return NULL;
}

int ls_resize_pixels(int width, int height, int work_us) {
  struct timespec ts = {work_us / 1000000, (work_us % 1000000) * 1000L};

  if (width <= 0 || height <= 0)
    return -EINVAL;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
  return 0;
}

/* The bad argument: a width computed as margin - page instead of
 * page - margin. Which caller makes the mistake is a knob, so that a test
 * can check that the report follows the culprit, wherever it is. */
static int width_of(const struct ls_config *cfg, enum ls_caller me, int page,
                    int margin) {
  return cfg->bad == me ? margin - page : page - margin;
}

/* @snippet callers */
__attribute__((noinline)) void avatar_thumbnail(struct ls_resizer *r,
                                                const struct ls_config *cfg) {
  ls_resize(r, "avatar.png", width_of(cfg, LS_AVATAR, 96, 32), 64);
}

__attribute__((noinline)) void banner_thumbnail(struct ls_resizer *r,
                                                const struct ls_config *cfg) {
  ls_resize(r, "banner.png", width_of(cfg, LS_BANNER, 800, 72), 90);
}

__attribute__((noinline)) void gallery_thumbnail(struct ls_resizer *r,
                                                 const struct ls_config *cfg) {
  ls_resize(r, "gallery-01.png", width_of(cfg, LS_GALLERY, 240, 40), 150);
}
/* @end */

int ls_run(const struct ls_config *cfg) {
  struct ls_resizer *r = ls_open(cfg);

  if (r == NULL)
    return -1;
  avatar_thumbnail(r, cfg);
  banner_thumbnail(r, cfg);
  gallery_thumbnail(r, cfg);
  return ls_finish(r);
}
