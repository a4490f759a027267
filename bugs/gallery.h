/* gallery.h -- small helpers every scenario shares: checked libuv and
 * pthread calls that abort with a message (even in release builds). */
#ifndef GALLERY_H
#define GALLERY_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* Aborts with file:line and the call's text when a libuv call (negative
 * error) or a pthread call (positive errno) fails. Never hides a side effect
 * in assert(): the call always runs. */
#define CHECK_UV(call) gallery_check_uv((call), #call, __FILE__, __LINE__)
#define CHECK_PT(call) gallery_check_pt((call), #call, __FILE__, __LINE__)

static inline void gallery_check_uv(int r, const char *what, const char *file,
                                    int line) {
  if (r < 0) {
    fprintf(stderr, "%s:%d: %s: %s\n", file, line, what, uv_strerror(r));
    abort();
  }
}

static inline void gallery_check_pt(int r, const char *what, const char *file,
                                    int line) {
  if (r != 0) {
    fprintf(stderr, "%s:%d: %s: %s\n", file, line, what, strerror(r));
    abort();
  }
}

/* Parses option opt's value s as an integer in [lo, hi] into *out. On bad
 * input prints "PROG: OPT wants a number from LO to HI, got 'S'" and
 * returns -1 (the driver then exits 2). */
static inline int gallery_int_arg(const char *prog, const char *opt,
                                  const char *s, int lo, int hi, int *out) {
  char *end;
  long v;

  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) {
    fprintf(stderr, "%s: %s wants a number from %d to %d, got '%s'\n", prog,
            opt, lo, hi, s);
    return -1;
  }
  *out = (int)v;
  return 0;
}

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
