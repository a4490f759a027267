/* corrlog.c -- the correlation logger: formats events as JSON Lines and
 * writes them to one process-wide sink. See corrlog.h for the model. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dladdr */
#endif
#include "corrlog.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static int sink_fd = -1;
static int sink_owned;
static corrlog_writer_fn writer;
static void *writer_arg;
static _Atomic uint64_t next_id = 1;
static _Atomic uint64_t dropped;
static _Thread_local char thread_name[16];
static _Thread_local uint64_t thread_clock;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int corrlog_open(const char *path) {
  int fd;

  corrlog_close();
  if (strcmp(path, "-") == 0) {
    fd = STDOUT_FILENO;
  } else {
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
      return -errno;
  }
  pthread_mutex_lock(&sink_lock);
  sink_fd = fd;
  sink_owned = fd != STDOUT_FILENO;
  pthread_mutex_unlock(&sink_lock);
  return 0;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    p += w;
    n -= (size_t)w;
  }
}

void corrlog_set_writer(corrlog_writer_fn fn, void *arg) {
  pthread_mutex_lock(&sink_lock);
  writer = fn;
  writer_arg = arg;
  pthread_mutex_unlock(&sink_lock);
}

void corrlog_close(void) {
  char line[96];
  int n;

  pthread_mutex_lock(&sink_lock);
  n = snprintf(line, sizeof line, "{\"ev\":\"trailer\",\"dropped\":%llu}\n",
               (unsigned long long)atomic_load(&dropped));
  if (writer) {
    writer(writer_arg, line, (size_t)n);
    writer = NULL;
  } else if (sink_fd >= 0) {
    write_all(sink_fd, line, (size_t)n);
    if (sink_owned)
      close(sink_fd);
  }
  sink_fd = -1;
  pthread_mutex_unlock(&sink_lock);
}

void corrlog_thread_name(const char *name) {
  snprintf(thread_name, sizeof thread_name, "%s", name);
}

uint64_t corrlog_dropped(void) {
  return atomic_load(&dropped);
}

/* Appends s to the JSON string being built at *p, escaping quotes,
 * backslashes and control bytes, and replacing bytes that are not valid
 * UTF-8 with U+FFFD so every line stays valid JSON. */
static void put_json_string(char **p, char *end, const char *s) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *u = (const unsigned char *)s;

  while (*u && *p + 7 < end) {
    unsigned c = *u;
    if (c == '"' || c == '\\') {
      *(*p)++ = '\\';
      *(*p)++ = (char)c;
      u++;
    } else if (c < 0x20) {
      *(*p)++ = '\\';
      *(*p)++ = 'u';
      *(*p)++ = '0';
      *(*p)++ = '0';
      *(*p)++ = hex[c >> 4];
      *(*p)++ = hex[c & 15];
      u++;
    } else if (c < 0x80) {
      *(*p)++ = (char)c;
      u++;
    } else {
      int n = c >= 0xf0 && c < 0xf5 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : -1;
      int ok = n > 0 && c < 0xf5;
      for (int i = 1; ok && i <= n; i++)
        ok = (u[i] & 0xc0) == 0x80;
      if (ok) {
        for (int i = 0; i <= n; i++)
          *(*p)++ = (char)u[i];
        u += n + 1;
      } else {
        memcpy(*p, "\xef\xbf\xbd", 3);
        *p += 3;
        u++;
      }
    }
  }
}

size_t corrlog_format(char *buf, size_t len, const corrlog_op *op,
                      const char *ev, int status, const char *file, int line,
                      const char *func, const char *msg) {
  char tmp[2048];
  char *p = tmp, *end = tmp + sizeof tmp - 8;
  const char *base = strrchr(file, '/');
  size_t n;

  p += snprintf(p, (size_t)(end - p),
                "{\"ts\":%llu,\"thread\":\"", (unsigned long long)now_ns());
  put_json_string(&p, end, thread_name[0] ? thread_name : "main");
  p += snprintf(p, (size_t)(end - p),
                "\",\"op\":\"%016llx\",\"parent\":\"%016llx\",\"seq\":%u,"
                "\"lc\":%llu,\"ev\":\"%s\",\"kind\":\"",
                (unsigned long long)op->id, (unsigned long long)op->parent,
                op->seq, (unsigned long long)op->lc, ev);
  put_json_string(&p, end, op->kind ? op->kind : "op");
  p += snprintf(p, (size_t)(end - p), "\",\"status\":%d,\"msg\":\"", status);
  put_json_string(&p, end, msg);
  p += snprintf(p, (size_t)(end - p), "\",\"site\":\"");
  put_json_string(&p, end, base ? base + 1 : file);
  p += snprintf(p, (size_t)(end - p), ":%d:", line);
  put_json_string(&p, end, func);
  *p++ = '"';
  *p++ = '}';
  *p++ = '\n';
  n = (size_t)(p - tmp);
  if (n < len) {
    memcpy(buf, tmp, n);
    buf[n] = '\0';
  }
  return n;
}

/* Advances the calling thread's Lamport clock past both its own history and
 * the clock the op carries in, and stamps the op with the result. */
static void tick(corrlog_op *op) {
  if (op->lc > thread_clock)
    thread_clock = op->lc;
  op->lc = ++thread_clock;
}

static void emit(corrlog_op *op, const char *ev, int status, const char *file,
                 int line, const char *func, const char *fmt, va_list ap) {
  char msg[512], out[2048];
  size_t n;

  vsnprintf(msg, sizeof msg, fmt, ap);
  tick(op);
  n = corrlog_format(out, sizeof out, op, ev, status, file, line, func, msg);
  op->seq++;
  if (n >= sizeof out) {
    atomic_fetch_add(&dropped, 1);
    return;
  }
  pthread_mutex_lock(&sink_lock);
  if (writer)
    writer(writer_arg, out, n);
  else if (sink_fd >= 0)
    write_all(sink_fd, out, n);
  pthread_mutex_unlock(&sink_lock);
}

void corrlog__begin(corrlog_op *op, const corrlog_op *parent, const char *kind,
                    const char *file, int line, const char *func, void *ret,
                    const char *fmt, ...) {
  va_list ap;

  memset(op, 0, sizeof *op);
  op->id = atomic_fetch_add(&next_id, 1);
  op->parent = parent ? parent->id : 0;
  op->lc = parent ? parent->lc : 0;
  op->kind = kind;
  op->origin.file = file;
  op->origin.line = line;
  op->origin.func = func;
  op->origin.ret = ret;
  va_start(ap, fmt);
  emit(op, "begin", 0, file, line, func, fmt, ap);
  va_end(ap);
}

void corrlog__event(corrlog_op *op, const char *ev, int status,
                    const char *file, int line, const char *func,
                    const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  emit(op, ev, status, file, line, func, fmt, ap);
  va_end(ap);
  if (strcmp(ev, "end") == 0)
    op->ended = 1;
}

void corrlog_handoff(corrlog_op *op) {
  tick(op);
}

void corrlog_report_origin(const corrlog_op *op, const char *what) {
  Dl_info info;
  const char *sym = "?";

  if (op->origin.ret && dladdr(op->origin.ret, &info) && info.dli_sname)
    sym = info.dli_sname;
  fprintf(stderr,
          "%s\n  operation %016llx (%s) was started at %s:%d in %s()\n"
          "  called from %s (return address %p)\n",
          what, (unsigned long long)op->id, op->kind ? op->kind : "op",
          op->origin.file, op->origin.line, op->origin.func, sym,
          op->origin.ret);
}
