/* file_driver.h -- the flow of a driver whose variant writes a file that
 * its check reads back (01 log-order's request log, 11 stale-buffer's
 * record file): --check-only reads a kept file, else a temporary file
 * stands in when none is named; the verdict and exit status follow
 * GALLERY_EXIT_STATUS. */
#ifndef FILE_DRIVER_H
#define FILE_DRIVER_H

#include "dsched.h"
#include "gallery.h"

struct file_driver {
  const char *name;   /* the scenario's slug: messages, temporary file */
  const char *option; /* the option that names the file ("--log") */
  const char **path;  /* that option's value; NULL for a temporary file */
  const int *count;   /* what the check expects (requests, records) */
  int (*run)(const void *cfg); /* 0, or -errno: setup failed */
  int (*check)(const char *path, int count, char *msg, size_t msglen);
  const char *held; /* the verdict that held: printf format for *count */
  const void *cfg;  /* passed to run */
};

/* Runs d (or, with check_only, only its check) under schedule (NULL: as
 * SCHED says) and returns the exit status: 0 invariant held, 1 violated,
 * 2 usage, 3 setup failure. */
static inline int file_driver_main(const struct file_driver *d,
                                   const char *schedule, int check_only,
                                   const char *argv0) {
  char tmp[4096];
  char msg[512];
  int r;

  if (gallery_schedule(schedule) != 0)
    return 2;
  if (check_only && *d->path == NULL) {
    fprintf(stderr, "%s: --check-only needs %s FILE\n", argv0, d->option);
    return 2;
  }
  if (*d->path == NULL) {
    int e = gallery_tmpfile(tmp, sizeof tmp, d->name);
    if (e < 0) {
      fprintf(stderr, "%s: %s: %s\n", d->name, tmp, strerror(-e));
      return 3;
    }
    *d->path = tmp;
  }
  r = check_only ? 0 : d->run(d->cfg);
  if (r < 0) {
    r = gallery_setup_failed(d->name, r);
  } else {
    r = d->check(*d->path, *d->count, msg, sizeof msg);
    if (r == 0)
      gallery_say(d->held, *d->count);
    else if (r == 1)
      gallery_say("%s", msg);
    else
      fprintf(stderr, "%s\n", msg); /* a setup failure: exit 3 */
    r = r == 0 ? 0 : r == 1 ? 1 : 3;
  }
  gallery_schedule_taken(d->name);
  dsched_reset();
  if (*d->path == tmp) {
    unlink(tmp);
    gallery_tmp_forget();
    *d->path = NULL; /* tmp dies with this frame */
  }
  return r;
}

#endif
