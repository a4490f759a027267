/* trace_reader.c -- reads a log line by line, from a file, a pipe or a
 * character device, with a hard cap on the length of one line. */
#include "trace_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int trace__reader_open(struct trace_reader *r, const char *path) {
  memset(r, 0, sizeof *r);
  if (strcmp(path, "-") == 0) {
    r->f = stdin;
  } else {
    r->f = fopen(path, "rb");
    if (!r->f)
      return -errno;
    r->own = 1;
  }
  /* Room for one maximal line plus one read chunk. */
  r->cap = TRACE_MAX_LINE + TRACE__CHUNK + 2;
  r->buf = malloc(r->cap);
  if (!r->buf) {
    if (r->own)
      fclose(r->f);
    return -ENOMEM;
  }
  return 0;
}

void trace__reader_close(struct trace_reader *r) {
  if (r->own && r->f)
    fclose(r->f);
  free(r->buf);
  r->buf = NULL;
  r->f = NULL;
}

/* Reads more input after the pending bytes. Returns bytes read, 0 at end. */
static size_t fill(struct trace_reader *r) {
  size_t n;

  if (r->eof)
    return 0;
  if (r->start > 0) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
  }
  n = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
  if (n == 0) {
    r->eof = 1;
    if (ferror(r->f))
      r->error = errno ? errno : EIO;
  }
  r->end += n;
  return n;
}

int trace__reader_next(struct trace_reader *r, const char **line, size_t *len) {
  size_t scanned = 0;

  if (r->too_long)
    return 0;
  for (;;) {
    char *nl =
        memchr(r->buf + r->start + scanned, '\n', r->end - r->start - scanned);
    if (nl) {
      *line = r->buf + r->start;
      *len = (size_t)(nl - *line);
      r->start += *len + 1;
      r->line++;
      return 1;
    }
    scanned = r->end - r->start;
    if (scanned > TRACE_MAX_LINE) {
      /* Too long: stop here. Skipping to the next newline would mean
       * reading without bound, and a stream such as /dev/zero or a pipe
       * from a runaway writer has none: the limit must end the read
       * whatever the input is, so the reader is finished after this. */
      r->line++;
      r->too_long = 1;
      r->start = r->end = 0;
      *line = NULL;
      *len = 0;
      return 2;
    }
    if (fill(r) == 0) {
      if (r->end == r->start)
        return 0;
      /* Last line without a newline (a log cut short, or hand-written). */
      *line = r->buf + r->start;
      *len = r->end - r->start;
      r->start = r->end;
      r->line++;
      return 1;
    }
  }
}
