/* dsched_rec.c -- the scheduler's recorder: with SCHED_LOG=FILE in the
 * environment, every call the scheduler wraps (threadpool requests, timer
 * firings, closes, thread starts and exits, locks and schedule points) and
 * every choice it makes is written to FILE as JSON Lines in corrlog's
 * schema (tools/runtime/corrlog/corrlog.h), so that build/trace can draw a
 * timeline of a program that logs nothing of its own -- the bug variants. The
 * trailer says "recorder":"sched": what the timeline shows was seen by the
 * scheduler, not logged by the program.
 *
 * Operations: one per thread that reaches a wrapped call (kind "thread"),
 * one per threadpool request, timer start and close (kind "work",
 * "fs_write", "timer", "close"; parent: the thread that made the call),
 * and one for the scheduler's own choices (kind "sched") when a schedule
 * is active. The Lamport clock is one counter for the whole process: every
 * event is written under one lock, so the clock is a total order that
 * respects happens-before.
 *
 * Lines go out with one write(2) each, so that a run that crashes or that
 * the scheduler ends with _exit() keeps every event it recorded; only the
 * trailer needs a normal exit (or dsched__rec_close()). A forked child
 * writes its events to the same file (O_APPEND keeps lines whole); the
 * trailer is the opening process's.
 *
 * The trailer is also the run's machine-readable result for tools that
 * run a program under a schedule (gallery play): "taken" is the schedule
 * taken, as dsched_taken() returns it ("order:..."; after a deadlock too),
 * and "mismatch", present only when a script did not fit the program,
 * says which step and why: a strict script's stopped the run; with
 * "lenient": true, a +lenient script's went on as random:0. */
#include "dsched.h"
#include "dsched_internal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int dsched__rec;

static int rec_fd = -1;
static pid_t rec_pid;
static struct dsched__mutex rec_mu = DSCHED__MUTEX_INIT;
static unsigned long next_id;
static uint64_t lamport;
static unsigned long nevents;
static uint32_t *seqs; /* each op's next seq, indexed by op id */
static size_t seqs_cap;
static int main_named;
static unsigned long dsched_op; /* the "sched" op of choices, or 0 */
/* For the trailer: the schedule the last run took, kept when the
 * scheduler is reset (a driver resets it before it exits) or when a
 * forked child ends its run (a scenario that runs each schedule in a child
 * process), and why a strict script stopped the run, or "". Shared with
 * forked children (they write, the opening process's trailer reads), so
 * its lock is a process-shared one, robust against a child that dies
 * holding it. A schedule too long for taken is not kept (taken_ok 0):
 * a cut schedule would replay another run. */
static struct kept {
  pthread_mutex_t mu;
  int taken_ok;
  char taken[32768];
  char mismatch[1024];
  int lenient; /* the mismatch was a +lenient script's: the run went on */
} * kept;

static void setup_failure(const char *what, int err) {
  fprintf(stderr, "sched: SCHED_LOG: %s: %s\n", what, strerror(err));
  exit(3);
}

static void lock_kept(void) {
  int r = pthread_mutex_lock(&kept->mu);
  if (r == EOWNERDEAD)
    r = pthread_mutex_consistent(&kept->mu);
  if (r != 0) {
    fprintf(stderr, "sched: SCHED_LOG: lock: %s\n", strerror(r));
    abort();
  }
}

static void unlock_kept(void) {
  int r = pthread_mutex_unlock(&kept->mu);
  if (r != 0) {
    fprintf(stderr, "sched: SCHED_LOG: unlock: %s\n", strerror(r));
    abort();
  }
}

/* The shared record of kept, before main() (rec_init). */
static void kept_init(void) {
  pthread_mutexattr_t a;
  int r;

  kept = mmap(NULL, sizeof *kept, PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (kept == MAP_FAILED)
    setup_failure("mmap", errno);
  if ((r = pthread_mutexattr_init(&a)) != 0 ||
      (r = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)) != 0 ||
      (r = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST)) != 0 ||
      (r = pthread_mutex_init(&kept->mu, &a)) != 0 ||
      (r = pthread_mutexattr_destroy(&a)) != 0)
    setup_failure("process-shared lock", r);
}

/* The calling thread as the recorder knows it. */
static __thread struct {
  unsigned long op;
  char name[32];
} me;

/* The functions named *_locked are called with rec_mu held (asserted). */
static void lock_rec(void) {
  dsched__lock(&rec_mu);
}
static void unlock_rec(void) {
  dsched__unlock(&rec_mu);
}

static void close_at_exit(void) {
  dsched__rec_close();
}

/* Runs before main(): the scenario reads SCHED_LOG before any wrapped
 * call can happen. A file that cannot be opened is a setup failure. */
__attribute__((constructor)) static void rec_init(void) {
  const char *p = getenv("SCHED_LOG");
  if (p == NULL || *p == '\0')
    return;
  rec_fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (rec_fd < 0) {
    fprintf(stderr, "sched: SCHED_LOG=%s: %s\n", p, strerror(errno));
    exit(3);
  }
  kept_init();
  rec_pid = getpid();
  /* A child forked while another thread writes must not inherit the lock
   * held. */
  pthread_atfork(lock_rec, unlock_rec, unlock_rec);
  atexit(close_at_exit);
  dsched__rec = 1;
}

/* Appends s to b as JSON string content (at most cap bytes in all). */
static size_t json_esc(char *b, size_t at, size_t cap, const char *s) {
  for (; s && *s && at + 7 < cap; s++) {
    unsigned char u = (unsigned char)*s;
    if (u == '"' || u == '\\') {
      b[at++] = '\\';
      b[at++] = (char)u;
    } else if (u < 0x20) {
      at += (size_t)snprintf(b + at, cap - at, "\\u%04x", u);
    } else {
      b[at++] = (char)u;
    }
  }
  b[at] = '\0';
  return at;
}

static unsigned long new_op_locked(void) {
  assert(dsched__held(&rec_mu));
  unsigned long id = ++next_id;
  if (id >= seqs_cap) {
    size_t cap = seqs_cap ? seqs_cap * 2 : 256;
    uint32_t *n = realloc(seqs, cap * sizeof *n);
    if (n == NULL) {
      fputs("sched: out of memory (recorder)\n", stderr);
      abort();
    }
    memset(n + seqs_cap, 0, (cap - seqs_cap) * sizeof *n);
    seqs = n;
    seqs_cap = cap;
  }
  return id;
}

static void emit_locked(unsigned long op, unsigned long parent, const char *ev,
                        const char *kind, int status, const char *msg) {
  char b[1024];
  struct timespec ts;
  size_t at;
  ssize_t w;
  assert(dsched__held(&rec_mu));

  clock_gettime(CLOCK_MONOTONIC, &ts);
  at = (size_t)snprintf(b, sizeof b, "{\"ts\":%lld,\"thread\":\"",
                        (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
  at = json_esc(b, at, sizeof b - 300, me.name[0] ? me.name : "?");
  at += (size_t)snprintf(b + at, sizeof b - at,
                         "\",\"op\":\"%016lx\",\"parent\":\"%016lx\","
                         "\"seq\":%u,\"lc\":%llu,\"ev\":\"%s\",\"kind\":\"%s\","
                         "\"status\":%d,\"msg\":\"",
                         op, parent, seqs[op]++, (unsigned long long)++lamport,
                         ev, kind, status);
  at = json_esc(b, at, sizeof b - 4, msg);
  memcpy(b + at, "\"}\n", 4);
  at += 3;
  /* One write per line: whole lines, also from a forked child. A short
   * write (a full disk) loses this line only. */
  do
    w = write(rec_fd, b, at);
  while (w < 0 && errno == EINTR);
  nevents++;
}

/* The calling thread's op, begun on first use. Called with rec_mu held. */
static unsigned long thread_op_locked(void) {
  assert(dsched__held(&rec_mu));
  if (me.op == 0) {
    if (me.name[0] == '\0')
      snprintf(me.name, sizeof me.name, "%s", main_named ? "thread" : "main");
    main_named = 1;
    me.op = new_op_locked();
    emit_locked(me.op, 0, "begin", "thread", 0, me.name);
  }
  return me.op;
}

void dsched__rec_name(const char *name) {
  if (!dsched__rec)
    return;
  lock_rec();
  if (me.op != 0 && strcmp(me.name, name) != 0) {
    char msg[80];
    snprintf(msg, sizeof msg, "now called %s", name);
    emit_locked(me.op, 0, "step", "thread", 0, msg);
  }
  snprintf(me.name, sizeof me.name, "%s", name);
  if (strcmp(name, "main") == 0)
    main_named = 1;
  unlock_rec();
}

/* Formats the message of a variadic entry point below, from its fmt and
 * arguments, into buf (an array). A macro: va_start must run in the
 * variadic function itself. */
#define REC_FORMAT(buf, fmt)                                                   \
  do {                                                                         \
    va_list ap_;                                                               \
    va_start(ap_, fmt);                                                        \
    vsnprintf(buf, sizeof buf, fmt, ap_);                                      \
    va_end(ap_);                                                               \
  } while (0)

void dsched__rec_thread(const char *ev, const char *fmt, ...) {
  char msg[256];
  unsigned long op;

  if (!dsched__rec)
    return;
  REC_FORMAT(msg, fmt);
  lock_rec();
  op = thread_op_locked();
  emit_locked(op, 0, ev, "thread", 0, msg);
  if (strcmp(ev, "end") == 0)
    me.op = 0;
  unlock_rec();
}

unsigned long dsched__rec_begin(const char *kind, const char *fmt, ...) {
  char msg[256];
  unsigned long op, parent;

  if (!dsched__rec)
    return 0;
  REC_FORMAT(msg, fmt);
  lock_rec();
  parent = thread_op_locked();
  op = new_op_locked();
  emit_locked(op, parent, "begin", kind, 0, msg);
  unlock_rec();
  return op;
}

void dsched__rec_event(unsigned long op, const char *kind, const char *ev,
                       int status, const char *fmt, ...) {
  char msg[256];

  if (!dsched__rec || op == 0)
    return;
  REC_FORMAT(msg, fmt);
  lock_rec();
  emit_locked(op, 0, ev, kind, status, msg);
  unlock_rec();
}

void dsched__rec_thread_named(const char *name) {
  if (!dsched__rec)
    return;
  lock_rec();
  if (me.name[0] == '\0')
    snprintf(me.name, sizeof me.name, "%s", name);
  unlock_rec();
}

void dsched__rec_choice(const char *fmt, ...) {
  char msg[256];

  if (!dsched__rec)
    return;
  REC_FORMAT(msg, fmt);
  lock_rec();
  if (dsched_op == 0) {
    dsched_op = new_op_locked();
    emit_locked(dsched_op, 0, "begin", "sched", 0, "the scheduler's choices");
  }
  emit_locked(dsched_op, 0, "step", "sched", 0, msg);
  unlock_rec();
}

void dsched__rec_taken(const char *taken) {
  if (!dsched__rec || taken == NULL)
    return;
  lock_kept();
  kept->taken_ok = strlen(taken) < sizeof kept->taken;
  if (kept->taken_ok)
    memcpy(kept->taken, taken, strlen(taken) + 1);
  unlock_kept();
}

void dsched__rec_mismatch(int lenient, const char *fmt, ...) {
  va_list ap;

  if (!dsched__rec)
    return;
  lock_kept();
  kept->lenient = lenient;
  va_start(ap, fmt);
  vsnprintf(kept->mismatch, sizeof kept->mismatch, fmt, ap);
  va_end(ap);
  unlock_kept();
}

void dsched__rec_mismatch_add(const char *fmt, ...) {
  va_list ap;
  size_t at;

  if (!dsched__rec)
    return;
  lock_kept();
  at = strlen(kept->mismatch);
  if (at > 0 && at < sizeof kept->mismatch - 1) {
    va_start(ap, fmt);
    vsnprintf(kept->mismatch + at, sizeof kept->mismatch - at, fmt, ap);
    va_end(ap);
  }
  unlock_kept();
}

/* The trailer line: the totals, the schedule taken (the run's as
 * dsched_taken() has it, or the one kept at the last reset) and, when a
 * script did not fit, why. Returns its length; *out is malloc'ed
 * (NULL and 0 when out of memory). */
static size_t trailer_locked(char **out) {
  const char *taken = dsched_taken();
  size_t cap, at;
  char *b;

  lock_kept();
  if (strcmp(taken, "order:") == 0 && kept->taken_ok)
    taken = kept->taken;
  /* json_esc writes at most 6 bytes per input byte. */
  cap = 6 * (strlen(taken) + sizeof kept->mismatch) + 200;
  if ((*out = b = malloc(cap)) == NULL) {
    unlock_kept();
    return 0;
  }
  at = (size_t)snprintf(b, cap,
                        "{\"ev\":\"trailer\",\"dropped\":0,\"events\":%lu,"
                        "\"recorder\":\"sched\",\"taken\":\"",
                        nevents);
  at = json_esc(b, at, cap, taken);
  if (kept->mismatch[0]) {
    at += (size_t)snprintf(b + at, cap - at, "\",\"mismatch\":\"");
    at = json_esc(b, at, cap, kept->mismatch);
  }
  at += (size_t)snprintf(b + at, cap - at, "\"");
  if (kept->mismatch[0] && kept->lenient)
    at += (size_t)snprintf(b + at, cap - at, ",\"lenient\":true");
  unlock_kept();
  at += (size_t)snprintf(b + at, cap - at, "}\n");
  return at;
}

void dsched__rec_close(void) {
  char *b;
  size_t n;

  if (!dsched__rec || rec_fd < 0)
    return;
  if (getpid() != rec_pid) {
    /* A forked child ends its run (a deadlock, a script that does not
     * fit, its exit): the opening process's trailer has its schedule. */
    if (strcmp(dsched_taken(), "order:") != 0)
      dsched__rec_taken(dsched_taken());
    return;
  }
  lock_rec();
  /* The thread that ends the process ends its op; others that never
   * returned through a wrapper stay open, as they are. */
  if (me.op != 0) {
    emit_locked(me.op, 0, "end", "thread", 0, "the process exits");
    me.op = 0;
  }
  n = trailer_locked(&b);
  if (b == NULL || write(rec_fd, b, n) != (ssize_t)n)
    fputs("sched: SCHED_LOG: the trailer could not be written\n", stderr);
  free(b);
  close(rec_fd);
  rec_fd = -1;
  dsched__rec = 0;
  unlock_rec();
}
