/* gallery.h -- small helpers every scenario shares: checked libuv and
 * pthread calls that abort with a message (even in release builds). */
#ifndef GALLERY_H
#define GALLERY_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* A run's temporary files go under $TMPDIR (default /tmp), and a run
 * stopped by SIGTERM, SIGINT or SIGHUP (hunt's time limit, Ctrl-C in the
 * gallery) removes them before it dies of the signal. The handler calls
 * only unlink, rmdir and the scenario's own remove function, which must
 * be async-signal-safe too. State lives in one translation unit: the one
 * that registers is the one whose handler runs. */
struct gallery_tmp {
  char file[4096];      /* a file to unlink, or "" */
  void (*remove)(void); /* the scenario's own cleanup, or NULL */
};

static inline struct gallery_tmp *gallery__tmp(void) {
  static struct gallery_tmp t;
  return &t;
}

static inline void gallery__tmp_on_signal(int sig) {
  struct gallery_tmp *t = gallery__tmp();
  if (t->file[0])
    unlink(t->file);
  if (t->remove)
    t->remove();
  /* Dies of the signal, so the exit says it: raised while blocked, it
   * is delivered, with its default action, when the handler returns. */
  signal(sig, SIG_DFL);
  raise(sig);
}

/* Holds those signals (block = 1) while a file is made and recorded, then
 * lets them in (0): one that came meanwhile then finds the name. */
static inline void gallery_tmp_hold(int block) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static inline void gallery__tmp_catch(void) {
  struct sigaction sa;
  int sigs[] = {SIGTERM, SIGINT, SIGHUP};
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = gallery__tmp_on_signal;
  /* A second signal (a SIGTERM after a SIGINT) waits until the files are
   * gone. */
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(&sa.sa_mask, sigs[i]);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaction(sigs[i], &sa, NULL);
}

/* Makes an empty file "$TMPDIR/PREFIX-XXXXXX", its name in buf, removed on
 * those signals too. Returns 0 or a negative errno. */
static inline int gallery_tmpfile(char *buf, size_t len, const char *prefix) {
  const char *dir = getenv("TMPDIR");
  int fd;
  snprintf(buf, len, "%s/%s-XXXXXX", dir && *dir ? dir : "/tmp", prefix);
  gallery_tmp_hold(1);
  if ((fd = mkstemp(buf)) < 0) {
    int e = errno;
    gallery_tmp_hold(0);
    return -e;
  }
  close(fd);
  snprintf(gallery__tmp()->file, sizeof gallery__tmp()->file, "%s", buf);
  gallery__tmp_catch();
  gallery_tmp_hold(0);
  return 0;
}

/* Calls remove() on those signals (NULL: no longer). Make what it removes
 * between gallery_tmp_hold(1) and (0). */
static inline void gallery_tmp_on_signal(void (*remove)(void)) {
  gallery__tmp()->remove = remove;
  if (remove)
    gallery__tmp_catch();
}

/* The files are gone (removed by the run itself): nothing to do on a
 * signal any more. */
static inline void gallery_tmp_forget(void) {
  gallery__tmp()->file[0] = '\0';
  gallery__tmp()->remove = NULL;
}

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
