/* gallery.h -- small helpers every scenario shares: checked libuv and
 * pthread calls that abort with a message (even in release builds). */
#ifndef GALLERY_H
#define GALLERY_H

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

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
