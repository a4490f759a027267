/* gallery_log.h -- a driver's or a fix's correlation log (--log FILE):
 * each line written to the file as it is logged (corrlog serialises the
 * calls), so the file is in the order events happened and the pool's
 * lines sit between the loop's, not in per-thread batches. */
#ifndef GALLERY_LOG_H
#define GALLERY_LOG_H

#include "corrlog.h"

#include <errno.h>
#include <stdio.h>

static inline void gallery__log_line(void *arg, const char *line, size_t len) {
  fwrite(line, 1, len, arg);
}

/* Creates (truncates) path and sends corrlog's lines to it. Returns the
 * file, or NULL with errno set. */
static inline FILE *gallery_log_open(const char *path) {
  FILE *log = fopen(path, "w");
  if (log != NULL)
    corrlog_set_writer(gallery__log_line, log);
  return log;
}

/* A run's correlation log: opens path (when it is set; else *log is NULL)
 * with gallery_log_open into *log, then names the calling thread "loop"
 * in the log. Returns 0, or -errno when the file cannot be made. */
static inline int gallery_log_start(const char *path, FILE **log) {
  *log = NULL;
  if (path != NULL && (*log = gallery_log_open(path)) == NULL)
    return -errno;
  corrlog_thread_name("loop");
  return 0;
}

/* Stops sending lines to log and closes it: fclose's result and errno (a
 * failed close may have lost lines). Write the trailer (corrlog_close)
 * first. */
static inline int gallery_log_close(FILE *log) {
  corrlog_set_writer(NULL, NULL);
  return fclose(log);
}

#endif
