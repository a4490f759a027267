/* internal.h -- what the files of corrlog share and its users do not see:
 * the record and ring-buffer layouts, the process-wide state, and the
 * functions one concern calls in another. Every name here that has linkage
 * starts with corrlog__ (as libuv's uv__), so the files can be copied into
 * any program. */
#ifndef CORRLOG_INTERNAL_H
#define CORRLOG_INTERNAL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "corrlog.h"

#include <assert.h>
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
#include <sys/mman.h>
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
/* Bytes of a new buffer that are touched as it is made; the background
 * flusher touches the rest (corrlog__touch_rest). Touching a whole 1 MiB
 * buffer costs about 0.7 ms of page faults on this workbook's machine,
 * paid by the thread that opens the log just before it starts its own
 * threads -- enough to change how they are scheduled (chapter 04). */
#define TOUCH_FIRST (64 * 1024)
/* Buffers corrlog_open makes ready for threads to come (CORRLOG_PREALLOC
 * in the environment changes it). */
#define PREALLOC_DEFAULT 2
/* How often the background flusher looks at the buffers when nobody wakes
 * it (a buffer passing half full wakes it at once). */
#define FLUSH_PERIOD_MS 20
/* How long after corrlog_open the background flusher starts (sink.c). */
#define FLUSHER_DELAY_MS FLUSH_PERIOD_MS
/* Bound on the bytes of a C string (thread, kind, file, function) copied
 * into a line; it keeps the worst-case line size computable. */
#define STR_MAX 128
/* Output chunk of a flush: on the stack in the crash handler, which may run
 * on a small signal stack; BIG_CHUNK from the heap elsewhere, so that a
 * flush makes few system calls. */
#define CHUNK 16384
#define BIG_CHUNK (256 * 1024)

/* A mutex that knows which thread holds it, so that a function's "caller
 * holds the lock" is an assertion, assert(corrlog__held(&m)) (SQLite's
 * assert(mutex_held(m)) habit), not a comment. Lock and unlock abort on
 * an error: a logger that cannot lock cannot keep its promises (sink.c). */
struct corrlog__mutex {
  pthread_mutex_t mu;
  _Atomic(const void *) owner; /* the holder's corrlog__self(), or NULL */
};
#define CORRLOG__MUTEX_INIT                                                    \
  { PTHREAD_MUTEX_INITIALIZER, NULL }
void corrlog__lock(struct corrlog__mutex *m);
void corrlog__unlock(struct corrlog__mutex *m);
/* 0 when taken, EBUSY when another thread holds it. */
int corrlog__trylock(struct corrlog__mutex *m);
/* Made anew, unheld: in a fork child, for locks of threads it lacks. */
void corrlog__mutex_reset(struct corrlog__mutex *m);
int corrlog__held(const struct corrlog__mutex *m);
/* The calling thread's identity for corrlog__held and the live-ops lock:
 * the address of a thread-local byte, unique among live threads. */
const void *corrlog__self(void);

/* One event as stored in a thread buffer: fixed part, then msglen bytes of
 * message and attrlen bytes of attributes, padded to 8 bytes. The message
 * is either the arguments of fmt as corrlog__capture copied them, to be
 * rendered at flush time (fmt a literal), or, when fmt is NULL, its text.
 * The strings pointed to are literals (see corrlog.h, "Lifetimes"). */
struct rec {
  uint64_t t; /* raw clock: TSC ticks or nanoseconds, see now_raw() */
  uint64_t id, parent, lc;
  const char *ev, *kind, *file, *func, *fmt;
  uint32_t seq;
  int32_t status;
  int32_t line;
  uint16_t msglen, attrlen;
};
/* Most bytes corrlog__capture writes: 15 numbers or string lengths, plus
 * the strings, cut at CORRLOG_MSG_MAX bytes together. */
#define CAPTURE_MAX (CORRLOG_MSG_MAX + 15 * 10)
#define REC_MAX                                                                \
  ((sizeof(struct rec) + CAPTURE_MAX + CORRLOG_ATTR_MAX + 8) & ~(size_t)7)

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
  struct corrlog__mutex flush_lock;
  atomic_size_t tail, claim;
  size_t crash_from, crash_to; /* the crash handler's range, its own use */
  atomic_size_t touched;       /* data[0, touched) has its pages mapped */
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

/* Converts raw clock values to nanoseconds for one flush (clock.c). */
struct corrlog__clockconv {
  uint64_t tsc0, ns0;
  double ns_per_tick;
};

/* ---------------------------------------------------------------- state
 * Defined in sink.c unless noted. */
extern struct corrlog__mutex corrlog__sink_lock;
/* Serialises writes to the file sink, so that a write cut short by a full
 * disk can cut its partial line off again (see write_lines) without cutting
 * another thread's line. The crash handler does not take it: by the time it
 * writes, no other flusher can (see struct tbuf). */
extern struct corrlog__mutex corrlog__write_lock;
extern atomic_size_t corrlog__buf_kb;
/* The background flusher (flush.c): formats and writes buffers so that
 * logging threads rarely have to. Two states of flusher_pid: 0 = none
 * running in this process, else the pid that started it (a forked child
 * has none). */
extern sem_t corrlog__flusher_sem;
extern atomic_int corrlog__flusher_pid;
extern atomic_int corrlog__flusher_stop;
extern pthread_t corrlog__flusher_thread;
extern atomic_int corrlog__flusher_off; /* CORRLOG_FLUSHER=0 */
extern atomic_int corrlog__sink_fd;
extern int corrlog__sink_owned;
extern atomic_int corrlog__enabled; /* a file sink or a writer is set */
extern atomic_int corrlog__writer_on;
extern corrlog_writer_fn corrlog__writer;
extern void *corrlog__writer_arg;
extern _Atomic uint64_t corrlog__next_id;
extern _Atomic uint64_t corrlog__dropped;
extern _Atomic uint64_t corrlog__written;
extern _Atomic(struct tbuf *) corrlog__registry; /* buffer.c */
extern atomic_int corrlog__origin_frames;
extern atomic_int corrlog__crashing;
extern _Thread_local char corrlog__thread_name[16];
extern _Thread_local uint64_t corrlog__thread_clock;
extern _Thread_local struct tbuf *corrlog__my_buf;
/* Set in the background flusher, which blocks every signal for its life:
 * it need not block the fatal ones around each chunk (flush_locked). */
extern _Thread_local int corrlog__signals_blocked;
extern pthread_key_t corrlog__exit_key;
extern pthread_once_t corrlog__init_once;
extern struct sigaction corrlog__old_act[3];
extern const int corrlog__fatal_sigs[3];
extern int corrlog__use_tsc; /* clock.c */
extern uint64_t corrlog__raw_per_ms;
/* When (raw clock) the background flusher is to start: UINT64_MAX = not
 * pending (started, off, or no sink). See corrlog_open in sink.c. */
extern _Atomic uint64_t corrlog__flusher_due;
void corrlog__flusher_start_late(void);
extern uint64_t corrlog__cal_tsc0, corrlog__cal_ns0;

/* ---------------------------------------------------------------- clock.c */
uint64_t corrlog__mono_ns(void);
void corrlog__clockconv_init(struct corrlog__clockconv *cc);
uint64_t corrlog__clockconv_ns(const struct corrlog__clockconv *cc,
                               uint64_t raw);
void corrlog__clock_choose(void);
void corrlog__clock_setup(void);

/* The hot path's clock read: raw TSC ticks, or nanoseconds. */
static inline uint64_t corrlog__now_raw(void) {
#ifdef CORRLOG__HAVE_TSC
  if (corrlog__use_tsc)
    return __rdtsc();
#endif
  return corrlog__mono_ns();
}

/* ---------------------------------------------------------------- json.c */
/* Literals are inlined so that their length is a constant and the copy a
 * few moves. */
static inline __attribute__((always_inline)) char *
corrlog__put_lit(char *p, const char *s) {
  size_t n = __builtin_strlen(s);
  memcpy(p, s, n);
  return p + n;
}
/* "00" "01" ... "99": two decimal digits per table entry. */
extern const char corrlog__digits2[201];

/* Writes v < 10^8 as exactly 8 digits ending just before q; returns q - 8.
 * The four pairs come from independent 32-bit divisions, which the CPU
 * overlaps, instead of one chain of 64-bit ones. */
static inline char *corrlog__put8_rtl(char *q, uint32_t v) {
  uint32_t a = v / 10000, b = v % 10000;
  memcpy(q - 2, corrlog__digits2 + 2 * (b % 100), 2);
  memcpy(q - 4, corrlog__digits2 + 2 * (b / 100), 2);
  memcpy(q - 6, corrlog__digits2 + 2 * (a % 100), 2);
  memcpy(q - 8, corrlog__digits2 + 2 * (a / 100), 2);
  return q - 8;
}

/* Writes v in decimal, right to left, ending just before end (20 bytes at
 * most); returns where the number starts. Eight digits at a time while
 * more than eight are left, then two per division. */
static inline char *corrlog__u64_rtl(char *end, uint64_t v) {
  char *q = end;
  while (v >= 100000000) {
    q = corrlog__put8_rtl(q, (uint32_t)(v % 100000000));
    v /= 100000000;
  }
  uint32_t w = (uint32_t)v;
  while (w >= 100) {
    q -= 2;
    memcpy(q, corrlog__digits2 + 2 * (w % 100), 2);
    w /= 100;
  }
  if (w >= 10) {
    q -= 2;
    memcpy(q, corrlog__digits2 + 2 * w, 2);
  } else {
    *--q = (char)('0' + w);
  }
  return q;
}

char *corrlog__put_u64(char *p, uint64_t v);
char *corrlog__put_i64(char *p, int64_t v);
char *corrlog__put_hex16(char *p, uint64_t v);
char *corrlog__put_esc(char *p, const char *str, size_t n);
/* Whether none of the n bytes at s needs escaping (json.c). */
int corrlog__all_plain(const char *s, size_t n);
char *corrlog__format_rec(char *p, const struct rec *r, uint64_t ts_ns,
                          const char *thread);
/* utf8.c */
size_t corrlog__utf8_len(const unsigned char *s, size_t n);

/* Upper bound of the JSON line for a record: fixed text and numbers, plus
 * 6 output bytes per input byte of every string. */
#define LINE_MAX_FOR(r)                                                        \
  (320 + 6 * (((r)->fmt ? CORRLOG_MSG_MAX : (size_t)(r)->msglen) +             \
              2 * (size_t)(r)->attrlen + 5 * STR_MAX))
#define LINE_MAX_ALL                                                           \
  (320 + 6 * (CORRLOG_MSG_MAX + 2 * CORRLOG_ATTR_MAX + 5 * STR_MAX))

static inline size_t corrlog__rec_size(const struct rec *r) {
  return (sizeof *r + r->msglen + r->attrlen + 7) & ~(size_t)7;
}

/* ---------------------------------------------------------------- printf.c */
uint64_t corrlog__compile(const char *fmt);
#define DESC_LIBC UINT64_MAX
/* How a format's arguments are read, one nibble per argument, lowest
 * first; 0 ends the list. A format is "compiled" once per thread and call
 * site (see the cache in corrlog__capture). */
enum {
  A_END,
  A_INT,   /* int, unsigned, char, short (promoted) */
  A_LONG,  /* long, unsigned long */
  A_LLONG, /* long long */
  A_SIZE,  /* size_t, ssize_t */
  A_MAX,   /* intmax_t, uintmax_t */
  A_PTRD,  /* ptrdiff_t */
  A_PTR,   /* void * */
  A_STR    /* const char *: copied */
};
size_t corrlog__capture(char *dst, uint64_t desc, va_list ap);
/* One captured string: a 2-byte length, then at most max bytes of s (a
 * null pointer as glibc prints it), copied byte by byte rather than by a
 * call into libc -- code a thread that waited a while may find cold.
 * Returns the bytes of s taken. */
static inline uint16_t corrlog__capture_str(char *dst, const char *s,
                                            size_t max) {
  uint16_t n = 0;
  if (!s)
    s = "(null)";
  while (n < max && s[n]) {
    dst[2 + n] = s[n];
    n++;
  }
  memcpy(dst, &n, 2);
  return n;
}
/* corrlog__capture for the commonest argument lists, inline on the
 * logging thread: none, one int or long (%d, %u, %x, %ld, %lu, ...), or
 * one string (%s). */
static inline size_t corrlog__capture_fast(char *dst, uint64_t desc,
                                           va_list ap) {
  uint64_t v;
  if (desc == A_END)
    return 0;
  if (desc == A_INT)
    v = (unsigned)va_arg(ap, int);
  else if (desc == A_LONG)
    v = (unsigned long)va_arg(ap, long);
  else if (desc == A_STR)
    return 2 + (size_t)corrlog__capture_str(dst, va_arg(ap, const char *),
                                            CORRLOG_MSG_MAX);
  else
    return corrlog__capture(dst, desc, ap);
  memcpy(dst, &v, 8);
  return 8;
}
size_t corrlog__render(char *dst, size_t cap, const char *fmt, const char *args,
                       int *plain);
size_t corrlog__fmt_msg(char *dst, size_t cap, const char *fmt, va_list in);

/* ---------------------------------------------------------------- flush.c */
uint64_t corrlog__write_lines(int fd, const char *p, size_t n, uint64_t nlines);
const struct rec *corrlog__rec_at(const struct tbuf *b, size_t pos,
                                  size_t *next);
char *corrlog__format_chunk(const struct tbuf *b, size_t from, size_t to,
                            char *out, size_t cap, size_t *end, uint64_t *nrec,
                            const struct corrlog__clockconv *cc);
int corrlog__flush_locked(struct tbuf *b, int fd,
                          const struct corrlog__clockconv *cc);
void corrlog__flush_one(struct tbuf *b, int fd);
void corrlog__flusher_start(void);
void corrlog__flusher_join(void);

/* ---------------------------------------------------------------- buffer.c */
int corrlog__make_room(struct tbuf *b, size_t h, size_t need);
void corrlog__discard(struct tbuf *b);
void corrlog__thread_exit_cb(void *arg);
struct tbuf *corrlog__get_buf(void);
void corrlog__prealloc(int n);
void corrlog__touch_rest(void);

/* ---------------------------------------------------------------- crash.c */
void corrlog__crash_handler(int sig);

/* ---------------------------------------------------------------- sink.c */
size_t corrlog__trailer(char *p, int sig);
void corrlog__init(void);

/* ---------------------------------------------------------------- current.c */
void corrlog__live_add(corrlog_op *op);
void corrlog__live_remove(const corrlog_op *op);
const corrlog_op *corrlog__live_parent(const corrlog_op *op);
void corrlog__crash_chain(int sig);

#endif
