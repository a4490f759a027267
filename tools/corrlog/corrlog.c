/* corrlog.c -- the correlation logger: per-thread binary event buffers turned
 * into JSON Lines at flush time, with exit and crash flushing. See corrlog.h
 * for the model and the schema. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "corrlog.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <execinfo.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#define CORRLOG__HAVE_TSC 1
#endif

/* Default per-thread buffer size. A record is about 100 bytes, so a buffer
 * holds about ten thousand events; CORRLOG_BUFFER_KB in the environment or
 * corrlog_set_buffer_kb() changes it for buffers created afterwards. */
#define BUF_KB_DEFAULT 1024
/* How often the background flusher looks at the buffers when nobody wakes
 * it (a buffer passing half full wakes it at once). */
#define FLUSH_PERIOD_MS 20
/* Bound on the bytes of a C string (thread, kind, file, function) copied
 * into a line; it keeps the worst-case line size computable. */
#define STR_MAX 128
/* Output chunk of a flush, on the flushing thread's stack. */
#define CHUNK 16384

/* One event as stored in a thread buffer: fixed part, then msglen bytes of
 * message and attrlen bytes of attributes, padded to 8 bytes. The strings
 * pointed to are literals (see corrlog.h, "Lifetimes"). */
struct rec {
  uint64_t t; /* raw clock: TSC ticks or nanoseconds, see now_raw() */
  uint64_t id, parent, lc;
  const char *ev, *kind, *file, *func;
  uint32_t seq;
  int32_t status;
  int32_t line;
  uint16_t msglen, attrlen;
};
#define REC_MAX                                                                \
  ((sizeof(struct rec) + CORRLOG_MSG_MAX + CORRLOG_ATTR_MAX + 8) & ~(size_t)7)

/* A thread's buffer: a ring of records. Positions only grow (byte offsets
 * since the buffer was made, wrapping only at SIZE_MAX); a record at
 * position p is at data[p & (cap - 1)] and never straddles the end (the
 * owner pads to the start instead, see pad_at()). Three cursors,
 * tail <= claim <= head, head - tail <= cap:
 *   [tail, claim)  claimed by a flusher: being written right now;
 *   [claim, head)  logged, not yet claimed;
 *   before tail    in the file, or counted in `dropped` -- never both.
 * Only the owner thread writes records, at [head, tail + cap), and
 * publishes them by a release store of head. A flusher holds flush_lock,
 * formats a chunk from claim, takes it by a compare-and-swap of claim, then
 * writes it and advances tail (release, so the owner may reuse the space).
 * The crash handler holds no lock: it takes everything unclaimed with the
 * same compare-and-swap, so a range is written by one of them only, then
 * waits for the ranges already claimed to reach tail. A flusher that loses
 * the swap writes nothing. */
struct tbuf {
  struct tbuf *next; /* registry link, immutable once published */
  atomic_int in_use;
  pthread_mutex_t flush_lock;
  atomic_size_t tail, claim;
  size_t crash_from, crash_to; /* the crash handler's range, its own use */
  char name[16];
  /* The owner writes these on every event: a cache line of their own, so
   * that flushers touching the fields above do not bounce it. */
  _Alignas(64) atomic_size_t head;
  size_t room;                /* owner's copy of tail + cap, may be stale */
  volatile sig_atomic_t busy; /* owner is inside a logging call */
  size_t cap;                 /* bytes in data, a power of two */
  unsigned half_shift;        /* log2(cap / 2) */
  char *data;
};

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
/* Serialises writes to the file sink, so that a write cut short by a full
 * disk can cut its partial line off again (see write_lines) without cutting
 * another thread's line. The crash handler does not take it: by the time it
 * writes, no other flusher can (see struct tbuf). */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_size_t buf_kb;
/* The background flusher: formats and writes buffers so that logging
 * threads rarely have to. Two states of flusher_pid: 0 = none running in
 * this process, else the pid that started it (a forked child has none). */
static sem_t flusher_sem;
static atomic_int flusher_pid;
static atomic_int flusher_stop;
static pthread_t flusher_thread;
static atomic_int flusher_off; /* CORRLOG_FLUSHER=0 */
static atomic_int sink_fd = -1;
static int sink_owned;
static atomic_int enabled; /* a file sink or a writer is set */
static atomic_int writer_on;
static corrlog_writer_fn writer;
static void *writer_arg;
static _Atomic uint64_t next_id = 1;
static _Atomic uint64_t dropped;
static _Atomic uint64_t written;
static _Atomic(struct tbuf *) registry;
static atomic_int origin_frames;
static atomic_int crashing;
static _Thread_local char thread_name[16];
static _Thread_local uint64_t thread_clock;
static _Thread_local struct tbuf *my_buf;
/* Set in the background flusher, which blocks every signal for its life:
 * it need not block the fatal ones around each chunk (flush_locked). */
static _Thread_local int signals_blocked;
static pthread_key_t exit_key;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static struct sigaction old_act[3];
static const int fatal_sigs[3] = {SIGSEGV, SIGABRT, SIGBUS};
void corrlog__live_add(corrlog_op *op);
void corrlog__live_remove(const corrlog_op *op);
const corrlog_op *corrlog__live_parent(const corrlog_op *op);

/* ------------------------------------------------------------ clock */

/* The hot path reads the TSC where it is invariant (11 ns here against
 * 30 ns for clock_gettime); flushes convert ticks to CLOCK_MONOTONIC
 * nanoseconds by interpolating between the pair taken at open and a pair
 * taken at flush time, so every converted event lies inside the calibration
 * span. CORRLOG_CLOCK=mono in the environment forces clock_gettime. */
static int use_tsc;
static uint64_t cal_tsc0, cal_ns0;

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t now_raw(void) {
#ifdef CORRLOG__HAVE_TSC
  if (use_tsc)
    return __rdtsc();
#endif
  return mono_ns();
}

/* Converts raw clock values to nanoseconds for one flush. */
struct clockconv {
  uint64_t tsc0, ns0;
  double ns_per_tick;
};

static void clockconv_init(struct clockconv *cc) {
  cc->tsc0 = cal_tsc0;
  cc->ns0 = cal_ns0;
  cc->ns_per_tick = 1.0;
#ifdef CORRLOG__HAVE_TSC
  if (use_tsc) {
    uint64_t t1, n1;
    /* A span under a millisecond would make the rate noisy: wait it out
     * (only a flush right after open ever does). */
    do {
      n1 = mono_ns();
      t1 = __rdtsc();
    } while (n1 - cal_ns0 < 1000000u || t1 == cal_tsc0);
    cc->ns_per_tick = (double)(n1 - cal_ns0) / (double)(t1 - cal_tsc0);
  }
#endif
}

static uint64_t clockconv_ns(const struct clockconv *cc, uint64_t raw) {
  if (!use_tsc)
    return raw;
  if (raw < cc->tsc0)
    return cc->ns0;
  return cc->ns0 + (uint64_t)((double)(raw - cc->tsc0) * cc->ns_per_tick);
}

/* Decides once, before any event, which clock the hot path reads. */
static void clock_choose(void) {
  const char *e = getenv("CORRLOG_CLOCK");
  use_tsc = 0;
#ifdef CORRLOG__HAVE_TSC
  unsigned a, b, c, d;
  /* CPUID 0x80000007 EDX bit 8: the TSC runs at a constant rate in all
   * power states, so ticks measure time on every core. */
  if (__get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8)) &&
      !(e && strcmp(e, "mono") == 0))
    use_tsc = 1;
#endif
  (void)e;
}

static void clock_setup(void) {
  cal_ns0 = mono_ns();
#ifdef CORRLOG__HAVE_TSC
  cal_tsc0 = use_tsc ? __rdtsc() : 0;
#endif
}

/* ------------------------------------------------------------ text */

/* Everything from here to the flush functions is async-signal-safe: it
 * writes into caller memory and calls nothing but write(2). */

/* Literals are inlined so that their length is a constant and the copy a
 * few moves. */
static inline __attribute__((always_inline)) char *put_lit(char *p,
                                                           const char *s) {
  size_t n = __builtin_strlen(s);
  memcpy(p, s, n);
  return p + n;
}

static const char digits2[201] = "00010203040506070809"
                                 "10111213141516171819"
                                 "20212223242526272829"
                                 "30313233343536373839"
                                 "40414243444546474849"
                                 "50515253545556575859"
                                 "60616263646566676869"
                                 "70717273747576777879"
                                 "80818283848586878889"
                                 "90919293949596979899";

/* Decimal, two digits per division. */
static char *put_u64(char *p, uint64_t v) {
  char tmp[20];
  char *q = tmp + sizeof tmp;
  while (v >= 100) {
    unsigned d = (unsigned)(v % 100) * 2;
    v /= 100;
    *--q = digits2[d + 1];
    *--q = digits2[d];
  }
  if (v >= 10) {
    *--q = digits2[v * 2 + 1];
    *--q = digits2[v * 2];
  } else {
    *--q = (char)('0' + v);
  }
  size_t n = (size_t)(tmp + sizeof tmp - q);
  memcpy(p, q, n);
  return p + n;
}

static char *put_i64(char *p, int64_t v) {
  if (v < 0) {
    *p++ = '-';
    return put_u64(p, (uint64_t)0 - (uint64_t)v);
  }
  return put_u64(p, (uint64_t)v);
}

static char *put_hex16(char *p, uint64_t v) {
  static const char hex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; i -= 2) {
    unsigned b = (unsigned)(v & 0xff);
    p[i] = hex[b & 15];
    p[i - 1] = hex[b >> 4];
    v >>= 8;
  }
  return p + 16;
}

/* Length of a valid UTF-8 sequence starting at s (n bytes available), or 0
 * when it is not one. Rejects what JSON parsers reject: overlong forms,
 * surrogates and code points above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  unsigned lo = 0x80, hi = 0xbf;
  size_t len;
  if (c >= 0xc2 && c <= 0xdf)
    len = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0)
      lo = 0xa0;
    if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0)
      lo = 0x90;
    if (c == 0xf4)
      hi = 0x8f;
  } else
    return 0;
  if (n < len || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return len;
}

/* Appends n bytes of s as JSON string content: quotes, backslashes and
 * control bytes escaped, invalid UTF-8 replaced by U+FFFD. Writes at most
 * 6 bytes per input byte. */
static char *put_esc(char *p, const char *str, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      size_t j = i + 1;
      while (j < n && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' &&
             s[j] != '\\')
        j++;
      memcpy(p, s + i, j - i);
      p += j - i;
      i = j;
    } else if (c == '"' || c == '\\') {
      *p++ = '\\';
      *p++ = (char)c;
      i++;
    } else if (c < 0x20) {
      p = put_lit(p, "\\u00");
      *p++ = hex[c >> 4];
      *p++ = hex[c & 15];
      i++;
    } else {
      size_t k = utf8_len(s + i, n - i);
      if (k) {
        for (size_t j = 0; j < k; j++)
          *p++ = (char)s[i + j];
        i += k;
      } else {
        p = put_lit(p, "\xef\xbf\xbd");
        i++;
      }
    }
  }
  return p;
}

static size_t cstr_len(const char *s) {
  size_t n = 0;
  while (s && n < STR_MAX && s[n])
    n++;
  return n;
}

static char *put_cstr(char *p, const char *s) {
  return put_esc(p, s, cstr_len(s));
}

/* "k=v k2=v2" -> {"k":"v","k2":"v2"}. */
static char *put_attrs(char *p, const char *s, size_t n) {
  size_t i = 0;
  int first = 1;
  *p++ = '{';
  while (i < n) {
    while (i < n && s[i] == ' ')
      i++;
    if (i == n)
      break;
    size_t k0 = i;
    while (i < n && s[i] != ' ' && s[i] != '=')
      i++;
    size_t k1 = i, v0 = i, v1 = i;
    if (i < n && s[i] == '=') {
      v0 = ++i;
      while (i < n && s[i] != ' ')
        i++;
      v1 = i;
    }
    if (!first)
      *p++ = ',';
    first = 0;
    *p++ = '"';
    p = put_esc(p, s + k0, k1 - k0);
    p = put_lit(p, "\":\"");
    p = put_esc(p, s + v0, v1 - v0);
    *p++ = '"';
  }
  *p++ = '}';
  return p;
}

/* Upper bound of the JSON line for a record: fixed text and numbers, plus
 * 6 output bytes per input byte of every string. */
#define LINE_MAX_FOR(r)                                                        \
  (320 + 6 * ((size_t)(r)->msglen + 2 * (size_t)(r)->attrlen + 5 * STR_MAX))

#define LINE_MAX_ALL                                                           \
  (320 + 6 * (CORRLOG_MSG_MAX + 2 * CORRLOG_ATTR_MAX + 5 * STR_MAX))

static const char *base_name(const char *f) {
  const char *b = f;
  for (const char *q = f; *q; q++)
    if (*q == '/')
      b = q + 1;
  return b;
}

/* Writes the JSON line of r (with ts_ns and thread name) at p; returns the
 * end. The caller guarantees LINE_MAX_FOR(r) bytes of room. */
/* @snippet format */
static char *format_rec(char *p, const struct rec *r, uint64_t ts_ns,
                        const char *thread) {
  const char *msg = (const char *)(r + 1);
  p = put_lit(p, "{\"ts\":");
  p = put_u64(p, ts_ns);
  p = put_lit(p, ",\"thread\":\"");
  p = put_cstr(p, thread[0] ? thread : "main");
  p = put_lit(p, "\",\"op\":\"");
  p = put_hex16(p, r->id);
  p = put_lit(p, "\",\"parent\":\"");
  p = put_hex16(p, r->parent);
  p = put_lit(p, "\",\"seq\":");
  p = put_u64(p, r->seq);
  p = put_lit(p, ",\"lc\":");
  p = put_u64(p, r->lc);
  p = put_lit(p, ",\"ev\":\"");
  p = put_cstr(p, r->ev);
  p = put_lit(p, "\",\"kind\":\"");
  p = put_cstr(p, r->kind ? r->kind : "op");
  p = put_lit(p, "\",\"status\":");
  p = put_i64(p, r->status);
  p = put_lit(p, ",\"msg\":\"");
  p = put_esc(p, msg, r->msglen);
  p = put_lit(p, "\",\"site\":\"");
  p = put_cstr(p, base_name(r->file));
  *p++ = ':';
  p = put_i64(p, r->line);
  *p++ = ':';
  p = put_cstr(p, r->func);
  *p++ = '"';
  if (r->attrlen) {
    p = put_lit(p, ",\"attrs\":");
    p = put_attrs(p, msg + r->msglen, r->attrlen);
  }
  return put_lit(p, "}\n");
}
/* @end */

static size_t rec_size(const struct rec *r) {
  return (sizeof *r + r->msglen + r->attrlen + 7) & ~(size_t)7;
}

static void lock_or_die(pthread_mutex_t *m, int unlock) {
  int rc = unlock ? pthread_mutex_unlock(m) : pthread_mutex_lock(m);
  if (rc != 0) {
    fprintf(stderr, "corrlog: pthread_mutex_%s: %s\n",
            unlock ? "unlock" : "lock", strerror(rc));
    abort();
  }
}

/* Writes n bytes holding nlines whole lines to fd; returns how many of
 * the lines are in the file. A write cut short (a full disk, a file size
 * limit) leaves part of a line: it is cut off again, so that the file holds
 * whole lines only and that line is counted as dropped, not as written.
 * Async-signal-safe. */
static uint64_t write_lines(int fd, const char *p, size_t n, uint64_t nlines) {
  size_t done = 0, whole;
  uint64_t k = 0;
  while (done < n) {
    ssize_t w = write(fd, p + done, n - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      break;
    done += (size_t)w;
  }
  if (done == n)
    return nlines;
  for (whole = done; whole > 0 && p[whole - 1] != '\n'; whole--)
    ;
  if (whole < done) {
    off_t end = lseek(fd, 0, SEEK_END);
    if (end >= (off_t)(done - whole) &&
        ftruncate(fd, end - (off_t)(done - whole)) != 0) {
      /* Not a regular file: the partial line stays, still counted as
       * dropped. */
    }
  }
  for (size_t i = 0; i < whole; i++)
    k += p[i] == '\n';
  return k;
}

/* The record at position pos of b, or NULL when pos starts the padding
 * the owner leaves when a record might not fit before the end of the ring
 * (a record whose ev is NULL, or too few bytes for one). *next is the
 * position after it. */
static const struct rec *rec_at(const struct tbuf *b, size_t pos,
                                size_t *next) {
  size_t off = pos & (b->cap - 1);
  const struct rec *r = (const struct rec *)(b->data + off);
  if (b->cap - off < sizeof *r || !r->ev) {
    *next = pos + (b->cap - off);
    return NULL;
  }
  *next = pos + rec_size(r);
  return r;
}

/* Formats records of b from position from, up to to or until out (CHUNK
 * bytes) is full; *end is where it stopped, *nrec how many lines it made.
 * Returns the end of the text. */
static char *format_chunk(const struct tbuf *b, size_t from, size_t to,
                          char *out, size_t *end, uint64_t *nrec,
                          const struct clockconv *cc) {
  char *p = out;
  *nrec = 0;
  while (from != to) {
    size_t next;
    const struct rec *r = rec_at(b, from, &next);
    if (r) {
      if ((size_t)(out + CHUNK - p) < LINE_MAX_FOR(r))
        break;
      p = format_rec(p, r, clockconv_ns(cc, r->t), b->name);
      (*nrec)++;
    }
    from = next;
  }
  *end = from;
  return p;
}

/* The signals whose handler is the crash flush. */
static void fatal_sigset(sigset_t *set) {
  sigemptyset(set);
  for (int i = 0; i < 3; i++)
    sigaddset(set, fatal_sigs[i]);
}

/* Writes out b's unclaimed records, one chunk per claim. Caller holds
 * b->flush_lock, so no other flusher has a claim in flight. Returns 0, or
 * -1 when the crash handler has taken the rest (then nothing more is
 * written here).
 *
 * The fatal signals are blocked while it runs: a crash handler on this
 * thread could not wait for this thread's own claim, so a claim must never
 * be interrupted between the swap and the advance of tail. Blocking them
 * once per call, not per chunk, keeps the two system calls off the cost of
 * each event. (A fault while formatting then kills without the crash flush;
 * the flush would fault on the same record anyway.) */
static int flush_locked(struct tbuf *b, int fd, const struct clockconv *cc) {
  char out[CHUNK];
  sigset_t fatal, old;
  int rc = 0;
  if (!signals_blocked) {
    fatal_sigset(&fatal);
    pthread_sigmask(SIG_BLOCK, &fatal, &old);
  }
  for (;;) {
    size_t t = atomic_load_explicit(&b->claim, memory_order_relaxed), e;
    size_t h = atomic_load_explicit(&b->head, memory_order_acquire);
    uint64_t nrec, k;
    if (t & 1) {
      rc = -1; /* taken by the crash handler */
      break;
    }
    if (t == h)
      break;
    char *p = format_chunk(b, t, h, out, &e, &nrec, cc);
    if (!atomic_compare_exchange_strong(&b->claim, &t, e)) {
      rc = -1;
      break;
    }
    lock_or_die(&write_lock, 0);
    k = write_lines(fd, out, (size_t)(p - out), nrec);
    lock_or_die(&write_lock, 1);
    atomic_fetch_add(&written, k);
    atomic_fetch_add(&dropped, nrec - k);
    atomic_store_explicit(&b->tail, e, memory_order_release);
  }
  if (!signals_blocked)
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  return rc;
}

/* ------------------------------------------------------------ buffers */

static void flush_one(struct tbuf *b, int fd) {
  struct clockconv cc;
  lock_or_die(&b->flush_lock, 0);
  if (atomic_load(&b->head) != atomic_load(&b->claim)) {
    clockconv_init(&cc);
    flush_locked(b, fd, &cc);
  }
  lock_or_die(&b->flush_lock, 1);
}

/* Slow path of emit: as far as the owner's copy of tail knows, the ring has
 * no room for need bytes at h. Refreshes the copy, and when the flusher has
 * fallen a whole buffer behind, writes the buffer out itself. Returns 0 when
 * there is still no room (a crash is being handled). */
static __attribute__((noinline)) int make_room(struct tbuf *b, size_t h,
                                               size_t need) {
  struct clockconv cc;
  b->room = atomic_load_explicit(&b->tail, memory_order_acquire) + b->cap;
  if (need <= b->room - h)
    return 1;
  lock_or_die(&b->flush_lock, 0);
  clockconv_init(&cc);
  flush_locked(b, atomic_load(&sink_fd), &cc);
  lock_or_die(&b->flush_lock, 1);
  b->room = atomic_load_explicit(&b->tail, memory_order_acquire) + b->cap;
  return need <= b->room - h;
}

/* Forgets what b holds: events logged while no sink was open, or those of
 * another process (fork), belong to no log. Caller holds b->flush_lock or
 * is the only thread. */
static void discard(struct tbuf *b) {
  size_t h = atomic_load(&b->head);
  atomic_store(&b->claim, h);
  atomic_store(&b->tail, h);
}

/* Thread exit: write the thread's events out and free the buffer for the
 * next thread (buffers are never freed, so the crash handler and flushers
 * can walk the registry without locks). */
static void thread_exit_cb(void *arg) {
  struct tbuf *b = arg;
  if (atomic_load(&enabled))
    flush_one(b, atomic_load(&sink_fd));
  my_buf = NULL;
  atomic_store(&b->in_use, 0);
}

static struct tbuf *get_buf(void) {
  struct tbuf *b;
  for (b = atomic_load(&registry); b; b = b->next) {
    int expect = 0;
    if (atomic_compare_exchange_strong(&b->in_use, &expect, 1))
      break;
  }
  if (!b) {
    size_t kb = atomic_load(&buf_kb), want = (kb ? kb : BUF_KB_DEFAULT) * 1024;
    b = aligned_alloc(64, sizeof *b);
    if (!b)
      return NULL;
    memset(b, 0, sizeof *b);
    /* A power of two, so that a position's place in the ring is a mask. */
    for (b->cap = 16384, b->half_shift = 13; b->cap < want; b->half_shift++)
      b->cap <<= 1;
    b->data = aligned_alloc(64, b->cap);
    if (!b->data) {
      free(b);
      return NULL;
    }
    atomic_init(&b->in_use, 1);
    pthread_mutex_init(&b->flush_lock, NULL);
    b->next = atomic_load(&registry);
    while (!atomic_compare_exchange_weak(&registry, &b->next, b))
      ;
  }
  /* A recycled buffer may hold events its last owner logged after the sink
   * closed; they belong to no log. */
  lock_or_die(&b->flush_lock, 0);
  discard(b);
  memcpy(b->name, thread_name, sizeof b->name);
  lock_or_die(&b->flush_lock, 1);
  b->room = atomic_load(&b->tail) + b->cap;
  pthread_setspecific(exit_key, b);
  my_buf = b;
  return b;
}

/* ------------------------------------------------------------ messages */

/* Length modifiers: each is read as the type it names. */
enum { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE, L_MAX, L_PTRDIFF };

static long long arg_signed(va_list *ap, int len) {
  switch (len) {
  case L_CHAR:
    return (signed char)va_arg(*ap, int);
  case L_SHORT:
    return (short)va_arg(*ap, int);
  case L_LONG:
    return va_arg(*ap, long);
  case L_LLONG:
    return va_arg(*ap, long long);
  case L_SIZE:
    return va_arg(*ap, ssize_t);
  case L_MAX:
    return va_arg(*ap, intmax_t);
  case L_PTRDIFF:
    return va_arg(*ap, ptrdiff_t);
  default:
    return va_arg(*ap, int);
  }
}

static unsigned long long arg_unsigned(va_list *ap, int len) {
  switch (len) {
  case L_CHAR:
    return (unsigned char)va_arg(*ap, unsigned);
  case L_SHORT:
    return (unsigned short)va_arg(*ap, unsigned);
  case L_LONG:
    return va_arg(*ap, unsigned long);
  case L_LLONG:
    return va_arg(*ap, unsigned long long);
  case L_SIZE:
    return va_arg(*ap, size_t);
  case L_MAX:
    return va_arg(*ap, uintmax_t);
  case L_PTRDIFF:
    return (size_t)va_arg(*ap, ptrdiff_t);
  default:
    return va_arg(*ap, unsigned);
  }
}

/* printf for the conversions log messages use (%d %i %u %x %X with hh, h,
 * l, ll, z, j, t; %c %s %p %% without), without locale or stdio. Anything
 * else (flags, width, precision, floating point, wide characters) falls
 * back to vsnprintf for the whole message. Writes at most cap bytes (no
 * terminator); returns the length. tests/test_tool_corrlog.c compares it
 * with snprintf for every conversion it accepts. */
static size_t fmt_msg(char *dst, size_t cap, const char *fmt, va_list in) {
  va_list ap, ap2; /* a local ap, whose address is a va_list pointer */
  char *p = dst, *end = dst + cap;
  const char *f = fmt;
  va_copy(ap, in);
  va_copy(ap2, in); /* for the fallback, which starts again from the top */
  while (*f) {
    if (*f != '%') {
      if (p < end)
        *p++ = *f;
      f++;
      continue;
    }
    f++;
    if (*f == '%') {
      if (p < end)
        *p++ = '%';
      f++;
      continue;
    }
    int len = L_INT;
    if (*f == 'h')
      len = *++f == 'h' ? (f++, L_CHAR) : L_SHORT;
    else if (*f == 'l')
      len = *++f == 'l' ? (f++, L_LLONG) : L_LONG;
    else if (*f == 'z' || *f == 'j' || *f == 't')
      len = *f++ == 'z' ? L_SIZE : f[-1] == 'j' ? L_MAX : L_PTRDIFF;
    char num[24], *q = num + sizeof num;
    const char *s = NULL;
    size_t sn = 0;
    /* Wider than long long (no LP64 or ILP32 system): libc's job. */
    int conv = len == L_MAX && sizeof(intmax_t) > sizeof(long long)    ? '?'
               : len != L_INT && (*f == 'c' || *f == 's' || *f == 'p') ? '?'
                                                                       : *f;
    switch (conv) {
    case 'd':
    case 'i': {
      long long v = arg_signed(&ap, len);
      unsigned long long u =
          v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
      do {
        *--q = (char)('0' + u % 10);
        u /= 10;
      } while (u);
      if (v < 0)
        *--q = '-';
      break;
    }
    case 'u':
    case 'x':
    case 'X':
    case 'p': {
      unsigned long long u;
      const char *dig = *f == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
      unsigned base = *f == 'u' ? 10 : 16;
      if (*f == 'p') {
        void *ptr = va_arg(ap, void *);
        if (!ptr) {
          s = "(nil)";
          sn = 5;
          break;
        }
        u = (unsigned long long)(uintptr_t)ptr;
      } else
        u = arg_unsigned(&ap, len);
      do {
        *--q = dig[u % base];
        u /= base;
      } while (u);
      if (*f == 'p') {
        *--q = 'x';
        *--q = '0';
      }
      break;
    }
    case 'c':
      *--q = (char)va_arg(ap, int);
      break;
    case 's':
      s = va_arg(ap, const char *);
      if (!s)
        s = "(null)";
      sn = strlen(s);
      break;
    default: {
      /* Not handled here: let libc format the whole message. */
      char tmp[CORRLOG_MSG_MAX + 1];
      int n = vsnprintf(tmp, sizeof tmp, fmt, ap2);
      size_t k = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap;
      va_end(ap);
      va_end(ap2);
      memcpy(dst, tmp, k);
      return k;
    }
    }
    if (!s) {
      s = q;
      sn = (size_t)(num + sizeof num - q);
    }
    if (sn > (size_t)(end - p))
      sn = (size_t)(end - p);
    memcpy(p, s, sn);
    p += sn;
    f++;
  }
  va_end(ap);
  va_end(ap2);
  return (size_t)(p - dst);
}

/* ------------------------------------------------------------ logging */

/* Advances the calling thread's Lamport clock past both its own history and
 * the clock the op carries in, and stamps the op with the result. */
static void tick(corrlog_op *op) {
  if (op->lc > thread_clock)
    thread_clock = op->lc;
  op->lc = ++thread_clock;
}

static void fill_rec(struct rec *r, corrlog_op *op, const char *ev, int status,
                     const char *kv, const char *file, int line,
                     const char *func, const char *fmt, va_list ap) {
  char *msg = (char *)(r + 1);
  r->t = now_raw();
  tick(op);
  r->id = op->id;
  r->parent = op->parent;
  r->lc = op->lc;
  r->seq = op->seq++;
  r->ev = ev;
  r->kind = op->kind;
  r->file = file;
  r->func = func;
  r->line = line;
  r->status = status;
  r->msglen = (uint16_t)fmt_msg(msg, CORRLOG_MSG_MAX, fmt, ap);
  r->attrlen = 0;
  if (kv) {
    size_t n = 0;
    while (n < CORRLOG_ATTR_MAX && kv[n])
      n++;
    memcpy(msg + r->msglen, kv, n);
    r->attrlen = (uint16_t)n;
  }
}

/* Writer sink: format now, deliver under the sink lock so lines arrive
 * whole and in the order they were logged. */
static void emit_writer(corrlog_op *op, const char *ev, int status,
                        const char *kv, const char *file, int line,
                        const char *func, const char *fmt, va_list ap) {
  uint64_t rbuf[REC_MAX / 8 + 1];
  struct rec *r = (struct rec *)rbuf;
  char out[LINE_MAX_ALL];
  lock_or_die(&sink_lock, 0);
  fill_rec(r, op, ev, status, kv, file, line, func, fmt, ap);
  if (writer) {
    char *end = format_rec(out, r, mono_ns(), thread_name);
    writer(writer_arg, out, (size_t)(end - out));
    atomic_fetch_add(&written, 1);
  }
  lock_or_die(&sink_lock, 1);
}

/* @snippet hotpath */
static void emit(corrlog_op *op, const char *ev, int status, const char *kv,
                 const char *file, int line, const char *func, const char *fmt,
                 va_list ap) {
  struct tbuf *b = my_buf;
  if (!atomic_load_explicit(&enabled, memory_order_relaxed))
    return;
  if (atomic_load_explicit(&writer_on, memory_order_relaxed)) {
    emit_writer(op, ev, status, kv, file, line, func, fmt, ap);
    return;
  }
  if (!b && !(b = get_buf())) {
    atomic_fetch_add(&dropped, 1);
    return;
  }
  if (b->busy) { /* re-entered from a signal handler on this thread */
    atomic_fetch_add(&dropped, 1);
    return;
  }
  b->busy = 1;
  size_t h0 = atomic_load_explicit(&b->head, memory_order_relaxed);
  size_t off = h0 & (b->cap - 1);
  /* A record never straddles the end of the ring: skip to its start when
   * the longest one might not fit. */
  size_t skip = b->cap - off < REC_MAX ? b->cap - off : 0;
  if (skip + REC_MAX > b->room - h0 && !make_room(b, h0, skip + REC_MAX)) {
    b->busy = 0;
    atomic_fetch_add(&dropped, 1);
    return;
  }
  if (skip >= sizeof(struct rec))
    ((struct rec *)(b->data + off))->ev = NULL; /* padding, see rec_at */
  size_t h = h0 + skip;
  struct rec *r = (struct rec *)(b->data + (h & (b->cap - 1)));
  fill_rec(r, op, ev, status, kv, file, line, func, fmt, ap);
  size_t nh = h + rec_size(r);
  atomic_store_explicit(&b->head, nh, memory_order_release);
  /* Every half buffer logged wakes the flusher, so that the thread itself
   * seldom has to write. */
  if ((h0 ^ nh) >> b->half_shift)
    sem_post(&flusher_sem);
  b->busy = 0;
}
/* @end */

void corrlog__begin(corrlog_op *op, const corrlog_op *parent, const char *kind,
                    const char *kv, const char *file, int line,
                    const char *func, void *ret, const char *fmt, ...) {
  va_list ap;
  int nf = atomic_load_explicit(&origin_frames, memory_order_relaxed);

  memset(op, 0, sizeof *op);
  op->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
  op->parent = parent ? parent->id : 0;
  op->lc = parent ? parent->lc : 0;
  op->kind = kind;
  op->origin.file = file;
  op->origin.line = line;
  op->origin.func = func;
  op->origin.ret = ret;
#if defined(__GLIBC__)
  if (nf > 0) {
    /* Frame 0 is this function; keep the caller's frames after it. */
    void *fr[CORRLOG_MAX_FRAMES + 1];
    int got = backtrace(fr, nf + 1);
    for (int i = 1; i < got; i++)
      op->origin.frames[i - 1] = fr[i];
    op->origin.nframes = got > 1 ? got - 1 : 0;
  }
#else
  (void)nf;
#endif
  op->parent_op = parent;
  op->begin_ns = mono_ns();
  op->last_ev = "begin";
  corrlog__live_add(op);
  corrlog__current = op;
  va_start(ap, fmt);
  emit(op, "begin", 0, kv, file, line, func, fmt, ap);
  va_end(ap);
}

void corrlog__event(corrlog_op *op, const char *ev, int status, const char *kv,
                    const char *file, int line, const char *func,
                    const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  emit(op, ev, status, kv, file, line, func, fmt, ap);
  va_end(ap);
  op->last_ev = ev;
  if (ev[0] == 'e' && ev[1] == 'n' && ev[2] == 'd' && ev[3] == '\0') {
    op->ended = 1;
    corrlog__live_remove(op);
    if (corrlog__current == op)
      corrlog__current = NULL;
  }
}

void corrlog__handoff(corrlog_op *op, const char *file, int line,
                      const char *func) {
  tick(op);
  op->handoff.file = file;
  op->handoff.line = line;
  op->handoff.func = func;
}

size_t corrlog_format(char *buf, size_t len, const corrlog_op *op,
                      const char *ev, int status, const char *file, int line,
                      const char *func, const char *msg) {
  uint64_t rbuf[REC_MAX / 8 + 1];
  struct rec *r = (struct rec *)rbuf;
  char out[LINE_MAX_ALL];
  size_t n = strlen(msg);

  memset(r, 0, sizeof *r);
  r->id = op->id;
  r->parent = op->parent;
  r->seq = op->seq;
  r->lc = op->lc;
  r->ev = ev;
  r->kind = op->kind;
  r->file = file;
  r->line = line;
  r->func = func;
  r->status = status;
  r->msglen = (uint16_t)(n < CORRLOG_MSG_MAX ? n : CORRLOG_MSG_MAX);
  memcpy(r + 1, msg, r->msglen);
  n = (size_t)(format_rec(out, r, mono_ns(), thread_name) - out);
  if (n < len) {
    memcpy(buf, out, n);
    buf[n] = '\0';
  }
  return n;
}

/* ------------------------------------------------------------ sink */

void corrlog_flush(void) {
  int fd = atomic_load(&sink_fd);
  if (fd < 0)
    return;
  for (struct tbuf *b = atomic_load(&registry); b; b = b->next)
    if (atomic_load(&b->in_use))
      flush_one(b, fd);
}

static size_t trailer(char *p, int sig) {
  char *s = p;
  p = put_lit(p, "{\"ev\":\"trailer\",\"dropped\":");
  p = put_u64(p, atomic_load(&dropped));
  p = put_lit(p, ",\"events\":");
  p = put_u64(p, atomic_load(&written));
  if (sig) {
    p = put_lit(p, ",\"signal\":");
    p = put_u64(p, (uint64_t)sig);
  }
  p = put_lit(p, "}\n");
  return (size_t)(p - s);
}

/* How long the crash handler waits for a chunk another thread is writing. */
#define CRASH_WAIT_NS 1000000000u

/* Fatal signal: write what no flusher has claimed, with write(2) only, then
 * the trailer, then let the previous disposition (normally the default: die
 * with a core) handle the signal. The signal is blocked while this runs, so
 * the re-raised one is delivered when the handler returns.
 *
 * First every buffer's unclaimed range is taken: claim becomes head with the
 * low bit set (positions are multiples of 8), so that every later claim
 * fails. Then the handler waits for the chunks other threads had claimed
 * before: they write them and advance tail (and count them) on their own,
 * with the fatal signals blocked, so none of them is this thread. Only then
 * is the file written, so the trailer is the last line and counts them. */
static void crash_handler(int sig) {
  int i, saved = errno;
  for (i = 0; i < 3 && fatal_sigs[i] != sig; i++)
    ;
  if (i < 3)
    sigaction(sig, &old_act[i], NULL);
  int fd = atomic_load(&sink_fd);
  if (fd >= 0 && !atomic_exchange(&crashing, 1)) {
    struct clockconv cc;
    char line[128], out[CHUNK];
    struct tbuf *b;
    uint64_t deadline = mono_ns() + CRASH_WAIT_NS;
    for (b = atomic_load(&registry); b; b = b->next) {
      size_t c = atomic_load(&b->claim), h;
      do
        h = atomic_load_explicit(&b->head, memory_order_acquire);
      while (!atomic_compare_exchange_weak(&b->claim, &c, h | 1));
      b->crash_from = c;
      b->crash_to = h;
    }
    for (b = atomic_load(&registry); b; b = b->next) {
      size_t t;
      while ((t = atomic_load_explicit(&b->tail, memory_order_acquire)) !=
             b->crash_from) {
        struct timespec pause = {0, 100000};
        if (mono_ns() > deadline) {
          /* That write is stuck; the process dies before it completes. */
          uint64_t n = 0;
          for (size_t next; t != b->crash_from; t = next)
            n += rec_at(b, t, &next) != NULL;
          atomic_fetch_add(&dropped, n);
          break;
        }
        nanosleep(&pause, NULL);
      }
    }
    clockconv_init(&cc);
    for (b = atomic_load(&registry); b; b = b->next) {
      size_t from = b->crash_from, e;
      while (from != b->crash_to) {
        uint64_t nrec, k;
        char *p = format_chunk(b, from, b->crash_to, out, &e, &nrec, &cc);
        k = write_lines(fd, out, (size_t)(p - out), nrec);
        atomic_fetch_add(&written, k);
        atomic_fetch_add(&dropped, nrec - k);
        from = e;
      }
    }
    write_lines(fd, line, trailer(line, sig), 1);
  }
  errno = saved;
  raise(sig);
}

/* The background flusher: every FLUSH_PERIOD_MS, or when a buffer passes
 * half full, writes out what every thread has logged. It holds sink_lock
 * while it does, so the sink cannot be closed under it. */
static void *flusher_main(void *arg) {
  sigset_t all;
  (void)arg;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL); /* crashes belong to the app */
  signals_blocked = 1;
  for (;;) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += FLUSH_PERIOD_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    while (sem_timedwait(&flusher_sem, &ts) != 0 && errno == EINTR)
      ;
    if (atomic_load(&flusher_stop))
      break;
    lock_or_die(&sink_lock, 0);
    corrlog_flush();
    lock_or_die(&sink_lock, 1);
  }
  return NULL;
}

/* Starts the flusher once per process (a forked child starts its own). */
static void flusher_start(void) {
  int pid = (int)getpid();
  if (atomic_load(&flusher_off) || atomic_load(&flusher_pid) == pid)
    return;
  atomic_store(&flusher_stop, 0);
  /* Without a flusher, threads flush their own full buffers: slower, still
   * correct, so a failure here is not fatal. */
  if (pthread_create(&flusher_thread, NULL, flusher_main, NULL) == 0)
    atomic_store(&flusher_pid, pid);
}

/* Stops and joins this process's flusher, if it has one. */
static void flusher_join(void) {
  if (atomic_load(&flusher_pid) != (int)getpid())
    return;
  atomic_store(&flusher_stop, 1);
  sem_post(&flusher_sem);
  pthread_join(flusher_thread, NULL);
  atomic_store(&flusher_pid, 0);
}

void corrlog_set_buffer_kb(size_t kb) {
  atomic_store(&buf_kb, kb < 16 ? 16 : kb);
}

static void at_exit(void) {
  if (atomic_load(&enabled) && !atomic_load(&crashing))
    corrlog_close();
}

/* In the child of fork() only the forking thread is left. The parent's
 * buffered events are the parent's to write, and so is its log's trailer:
 * the child starts with empty buffers and no sink (corrlog.h, "Fork"). Locks
 * that vanished threads held are made anew. */
static void atfork_child(void) {
  int fd = atomic_load(&sink_fd);
  pthread_mutex_init(&sink_lock, NULL);
  pthread_mutex_init(&write_lock, NULL);
  sem_destroy(&flusher_sem);
  if (sem_init(&flusher_sem, 0, 0) != 0)
    abort(); /* cannot fail: the semaphore existed a moment ago */
  for (struct tbuf *b = atomic_load(&registry); b; b = b->next) {
    pthread_mutex_init(&b->flush_lock, NULL);
    discard(b);
    if (b == my_buf) {
      b->room = atomic_load(&b->tail) + b->cap;
    } else {
      b->busy = 0;
      atomic_store(&b->in_use, 0);
    }
  }
  if (fd >= 0 && sink_owned)
    close(fd);
  atomic_store(&sink_fd, -1);
  atomic_store(&enabled, 0);
  atomic_store(&writer_on, 0);
  writer = NULL;
  writer_arg = NULL;
  atomic_store(&dropped, 0);
  atomic_store(&written, 0);
  atomic_store(&flusher_pid, 0);
}

static void init(void) {
  struct sigaction sa;
  if (pthread_key_create(&exit_key, thread_exit_cb) != 0) {
    fprintf(stderr, "corrlog: pthread_key_create failed\n");
    abort();
  }
  clock_choose();
  if (sem_init(&flusher_sem, 0, 0) != 0) {
    fprintf(stderr, "corrlog: sem_init failed\n");
    abort();
  }
  const char *e = getenv("CORRLOG_BUFFER_KB");
  if (e && atol(e) > 0 && atomic_load(&buf_kb) == 0)
    corrlog_set_buffer_kb((size_t)atol(e));
  e = getenv("CORRLOG_FLUSHER");
  atomic_store(&flusher_off, e && strcmp(e, "0") == 0);
  atexit(at_exit);
  if (pthread_atfork(NULL, NULL, atfork_child) != 0) {
    fprintf(stderr, "corrlog: pthread_atfork failed\n");
    abort();
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = crash_handler;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; i++)
    sigaction(fatal_sigs[i], &sa, &old_act[i]);
}

int corrlog_open(const char *path) {
  int fd;

  pthread_once(&init_once, init);
  corrlog_close();
  if (strcmp(path, "-") == 0) {
    fd = STDOUT_FILENO;
  } else {
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
      return -errno;
  }
  /* Events left in buffers by threads that raced the last close belong to
   * no log. */
  for (struct tbuf *b = atomic_load(&registry); b; b = b->next) {
    lock_or_die(&b->flush_lock, 0);
    discard(b);
    lock_or_die(&b->flush_lock, 1);
  }
  lock_or_die(&sink_lock, 0);
  clock_setup();
  atomic_store(&dropped, 0);
  atomic_store(&written, 0);
  sink_owned = fd != STDOUT_FILENO;
  atomic_store(&sink_fd, fd);
  atomic_store(&enabled, 1);
  lock_or_die(&sink_lock, 1);
  flusher_start();
  return 0;
}

void corrlog_set_writer(corrlog_writer_fn fn, void *arg) {
  pthread_once(&init_once, init);
  /* Events already buffered for the file go to the file first, so the
   * switch does not reorder anything. */
  corrlog_flush();
  lock_or_die(&sink_lock, 0);
  if (fn && atomic_load(&sink_fd) < 0 && !writer) {
    atomic_store(&dropped, 0);
    atomic_store(&written, 0);
  }
  writer = fn;
  writer_arg = arg;
  atomic_store(&writer_on, fn != NULL);
  atomic_store(&enabled, fn != NULL || atomic_load(&sink_fd) >= 0);
  lock_or_die(&sink_lock, 1);
}

void corrlog_close(void) {
  char line[128];
  size_t n;

  flusher_join();
  corrlog_flush();
  lock_or_die(&sink_lock, 0);
  int fd = atomic_load(&sink_fd);
  if (writer || fd >= 0) {
    n = trailer(line, 0);
    if (writer)
      writer(writer_arg, line, n);
    else
      write_lines(fd, line, n, 1);
  }
  atomic_store(&enabled, 0);
  atomic_store(&writer_on, 0);
  writer = NULL;
  atomic_store(&sink_fd, -1);
  if (fd >= 0 && sink_owned)
    close(fd);
  lock_or_die(&sink_lock, 1);
}

void corrlog_thread_name(const char *name) {
  struct tbuf *b = my_buf;
  int fd = atomic_load(&sink_fd);
  /* Lines take the thread's name at flush time, so events already buffered
   * under the old name go out first. */
  if (b && fd >= 0 && atomic_load(&enabled))
    flush_one(b, fd);
  snprintf(thread_name, sizeof thread_name, "%s", name);
  if (b) {
    lock_or_die(&b->flush_lock, 0);
    memcpy(b->name, thread_name, sizeof b->name);
    lock_or_die(&b->flush_lock, 1);
  }
}

void corrlog_set_origin_frames(int n) {
  if (n < 0)
    n = 0;
  if (n > CORRLOG_MAX_FRAMES)
    n = CORRLOG_MAX_FRAMES;
#if defined(__GLIBC__)
  if (n > 0) {
    /* The first backtrace() loads the unwinder; do it here, not in the
     * first corrlog_begin. */
    void *fr[2];
    backtrace(fr, 2);
  }
#endif
  atomic_store(&origin_frames, n);
}

uint64_t corrlog_dropped(void) {
  return atomic_load(&dropped);
}

/* ------------------------------------------------------------ live ops */

struct corrlog_live corrlog__live_ops;
_Thread_local corrlog_op *corrlog__current;

#define LIVE_MASK (CORRLOG_LIVE_SLOTS - 1)
/* Fuller than this, probes grow long: further ops are counted in missed. */
#define LIVE_LIMIT (CORRLOG_LIVE_SLOTS * 3 / 4)

static void live_lock(void) {
  while (__atomic_exchange_n(&corrlog__live_ops.lock, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&corrlog__live_ops.lock, __ATOMIC_RELAXED))
      ;
}

static void live_unlock(void) {
  __atomic_store_n(&corrlog__live_ops.lock, 0, __ATOMIC_RELEASE);
}

static size_t live_hash(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (size_t)x & LIVE_MASK;
}

static corrlog_op *live_get(size_t i) {
  return __atomic_load_n(&corrlog__live_ops.slot[i], __ATOMIC_RELAXED);
}

static void live_set(size_t i, corrlog_op *op) {
  __atomic_store_n(&corrlog__live_ops.slot[i], op, __ATOMIC_RELAXED);
}

/* Linear probing: the slot holding op, or the empty slot where it would
 * go. Caller holds the lock; the table is never full (LIVE_LIMIT). */
static size_t live_find(const corrlog_op *op) {
  size_t i = live_hash(op);
  while (live_get(i) && live_get(i) != op)
    i = (i + 1) & LIVE_MASK;
  return i;
}

/* Lists op (begun again at the same address: it keeps its slot). */
void corrlog__live_add(corrlog_op *op) {
  live_lock();
  size_t i = live_find(op);
  if (!live_get(i)) {
    if (corrlog__live_ops.count >= LIVE_LIMIT) {
      corrlog__live_ops.missed++;
    } else {
      live_set(i, op);
      corrlog__live_ops.count++;
    }
  }
  live_unlock();
}

/* Unlists op, shifting back the entries after it that probed past its
 * slot, so that no lookup meets a hole before its entry. */
void corrlog__live_remove(const corrlog_op *op) {
  live_lock();
  size_t i = live_find(op);
  if (live_get(i)) {
    live_set(i, NULL);
    corrlog__live_ops.count--;
    for (size_t j = (i + 1) & LIVE_MASK; live_get(j); j = (j + 1) & LIVE_MASK) {
      size_t k = live_hash(live_get(j));
      /* The entry at j may move to the hole at i unless its home k lies
       * cyclically in (i, j]. */
      int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!stays) {
        live_set(i, live_get(j));
        live_set(j, NULL);
        i = j;
      }
    }
  }
  live_unlock();
}

/* op's parent when it is live, else NULL. */
const corrlog_op *corrlog__live_parent(const corrlog_op *op) {
  const corrlog_op *p = op->parent_op, *found = NULL;
  if (!p)
    return NULL;
  live_lock();
  size_t i = live_find(p);
  if (live_get(i) == p && p->id == op->parent)
    found = p;
  live_unlock();
  return found;
}

corrlog_op *corrlog_current(void) {
  return corrlog__current;
}

corrlog_op *corrlog_set_current(corrlog_op *op) {
  corrlog_op *prev = corrlog__current;
  corrlog__current = op;
  return prev;
}

void corrlog__restore_current(corrlog_op **prev) {
  corrlog__current = *prev;
}

/* ------------------------------------------------------------ reports */

/* Prints one code address as well as dladdr allows: the symbol and offset
 * when the symbol is exported (-rdynamic or a shared library), else the
 * object file and the offset inside it, which addr2line -e FILE resolves. */
static void print_addr(const char *label, void *addr) {
  Dl_info info;
  if (addr && dladdr(addr, &info) && info.dli_fname) {
    if (info.dli_sname)
      fprintf(stderr, "  %s %s+0x%lx (%s)\n", label, info.dli_sname,
              (unsigned long)((char *)addr - (char *)info.dli_saddr),
              info.dli_fname);
    else
      fprintf(stderr, "  %s %s+0x%lx (no symbol: addr2line -e %s 0x%lx)\n",
              label, info.dli_fname,
              (unsigned long)((char *)addr - (char *)info.dli_fbase),
              info.dli_fname,
              (unsigned long)((char *)addr - (char *)info.dli_fbase));
  } else {
    fprintf(stderr, "  %s %p\n", label, addr);
  }
}

/* One link of a chain: where op was begun and where it was handed off. */
static void report_one(const corrlog_op *op, const char *role) {
  fprintf(stderr, "  %s %016llx (%s) was started at %s:%d in %s()\n", role,
          (unsigned long long)op->id, op->kind ? op->kind : "op",
          op->origin.file ? op->origin.file : "?", op->origin.line,
          op->origin.func ? op->origin.func : "?");
  print_addr("called from", op->origin.ret);
  for (int i = 0; i < op->origin.nframes && i < CORRLOG_MAX_FRAMES; i++) {
    char label[16];
    snprintf(label, sizeof label, "#%d", i);
    print_addr(label, op->origin.frames[i]);
  }
  if (op->handoff.file)
    fprintf(stderr, "  handed off at %s:%d in %s()\n", op->handoff.file,
            op->handoff.line, op->handoff.func ? op->handoff.func : "?");
}

/* Prints op's chain up to its root: each parent is followed only while it
 * is live (in corrlog__live_ops with the expected id); an ended parent's
 * memory may be gone, so its id alone is printed. */
void corrlog_report_origin(const corrlog_op *op, const char *what) {
  fprintf(stderr, "%s\n", what);
  report_one(op, "operation");
  for (int depth = 0; op->parent && depth < 64; depth++) {
    const corrlog_op *p = corrlog__live_parent(op);
    if (!p) {
      fprintf(stderr, "  parent %016llx has ended (its begin is in the log)\n",
              (unsigned long long)op->parent);
      return;
    }
    report_one(p, "parent");
    op = p;
  }
}

void corrlog__report(const corrlog_op *op, const char *what, const char *file,
                     int line, const char *func) {
  char head[512];
  snprintf(head, sizeof head, "%s\n  detected at %s:%d in %s()", what, file,
           line, func);
  corrlog_report_origin(op, head);
}
