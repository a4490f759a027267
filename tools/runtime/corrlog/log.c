/* log.c -- the logging calls: begin, step, end, error and
 * handoff, the hot path into the thread's ring, and the writer sink. */
#include "internal.h"

/* Advances the calling thread's Lamport clock past both its own history and
 * the clock the op carries in, and stamps the op with the result. */
static void tick(corrlog_op *op) {
  if (op->lc > corrlog__thread_clock)
    corrlog__thread_clock = op->lc;
  op->lc = ++corrlog__thread_clock;
}

/* Formats seen by this thread, by address, with their argument lists
 * (corrlog__compile). Keyed by pointer, so only literals come here. */
#define FMT_SLOTS 64
static _Thread_local struct {
  const char *fmt;
  uint64_t desc;
} fmt_cache[FMT_SLOTS];

/* The fields every record takes from its operation and call site: one
 * place for the logging path and for corrlog_format. */
static inline __attribute__((always_inline)) void
rec_head(struct rec *r, const corrlog_op *op, const char *ev, int status,
         const char *file, int line, const char *func) {
  r->id = op->id;
  r->parent = op->parent;
  r->lc = op->lc;
  r->seq = op->seq;
  r->ev = ev;
  r->kind = op->kind;
  r->file = file;
  r->func = func;
  r->line = line;
  r->status = status;
}

static inline __attribute__((always_inline)) void
fill_rec(struct rec *r, corrlog_op *op, const char *ev, int status,
         const char *kv, const char *file, int line, const char *func, int lit,
         const char *fmt, va_list ap) {
  char *msg = (char *)(r + 1);
  r->t = corrlog__now_raw();
  tick(op);
  rec_head(r, op, ev, status, file, line, func);
  op->seq++;
  r->fmt = NULL;
  if (lit) {
    /* A literal format outlives the record: keep the pointer and copy the
     * arguments; the flusher renders the text (printf.c). */
    size_t k = ((uintptr_t)fmt >> 3) & (FMT_SLOTS - 1);
    if (fmt_cache[k].fmt != fmt) {
      fmt_cache[k].desc = corrlog__compile(fmt);
      fmt_cache[k].fmt = fmt;
    }
    if (fmt_cache[k].desc != DESC_LIBC) {
      r->fmt = fmt;
      r->msglen = (uint16_t)corrlog__capture_fast(msg, fmt_cache[k].desc, ap);
    }
  }
  if (!r->fmt)
    r->msglen = (uint16_t)corrlog__fmt_msg(msg, CORRLOG_MSG_MAX, fmt, ap);
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
static __attribute__((noinline)) void
emit_writer(corrlog_op *op, const char *ev, int status, const char *kv,
            const char *file, int line, const char *func, int lit,
            const char *fmt, va_list ap) {
  uint64_t rbuf[REC_MAX / 8 + 1];
  struct rec *r = (struct rec *)rbuf;
  char out[LINE_MAX_ALL];
  corrlog__lock(&corrlog__sink_lock);
  fill_rec(r, op, ev, status, kv, file, line, func, lit, fmt, ap);
  if (corrlog__writer) {
    char *end =
        corrlog__format_rec(out, r, corrlog__mono_ns(), corrlog__thread_name);
    corrlog__writer(corrlog__writer_arg, out, (size_t)(end - out));
    atomic_fetch_add(&corrlog__written, 1);
  }
  corrlog__unlock(&corrlog__sink_lock);
}

/* @snippet hotpath */
static inline __attribute__((always_inline)) void
emit(corrlog_op *op, const char *ev, int status, const char *kv,
     const char *file, int line, const char *func, int lit, const char *fmt,
     va_list ap) {
  struct tbuf *b = corrlog__my_buf;
  if (!atomic_load_explicit(&corrlog__enabled, memory_order_relaxed))
    return;
  if (atomic_load_explicit(&corrlog__writer_on, memory_order_relaxed)) {
    emit_writer(op, ev, status, kv, file, line, func, lit, fmt, ap);
    return;
  }
  if (!b && !(b = corrlog__get_buf())) {
    atomic_fetch_add(&corrlog__dropped, 1);
    return;
  }
  if (b->busy) { /* re-entered from a signal handler on this thread */
    atomic_fetch_add(&corrlog__dropped, 1);
    return;
  }
  b->busy = 1;
  size_t h0 = atomic_load_explicit(&b->head, memory_order_relaxed);
  size_t off = h0 & (b->cap - 1);
  /* A record never straddles the end of the ring: skip to its start when
   * the longest one might not fit. */
  size_t skip = b->cap - off < REC_MAX ? b->cap - off : 0;
  if (skip + REC_MAX > b->room - h0 &&
      !corrlog__make_room(b, h0, skip + REC_MAX)) {
    b->busy = 0;
    atomic_fetch_add(&corrlog__dropped, 1);
    return;
  }
  if (skip >= sizeof(struct rec))
    ((struct rec *)(b->data + off))->ev = NULL; /* padding, see rec_at */
  size_t h = h0 + skip;
  struct rec *r = (struct rec *)(b->data + (h & (b->cap - 1)));
  fill_rec(r, op, ev, status, kv, file, line, func, lit, fmt, ap);
  size_t nh = h + corrlog__rec_size(r);
  uint64_t t = r->t;
  atomic_store_explicit(&b->head, nh, memory_order_release);
  /* The flusher starts late (see corrlog_open), on the first event after
   * its time or at the first half buffer. Every half buffer logged wakes
   * it, so that the thread itself seldom has to write. */
  if (t >= atomic_load_explicit(&corrlog__flusher_due, memory_order_relaxed))
    corrlog__flusher_start_late();
  if ((h0 ^ nh) >> b->half_shift) {
    corrlog__flusher_start_late();
    sem_post(&corrlog__flusher_sem);
  }
  b->busy = 0;
}
/* @end */

/* The body of both begin entry points, inlined into each so that the raw
 * frames it records start at the caller's. */
static inline __attribute__((always_inline)) void
begin_v(corrlog_op *op, const corrlog_op *parent, const char *kind,
        const char *kv, const char *file, int line, const char *func, void *ret,
        int lit, const char *fmt, va_list ap) {
  int nf = atomic_load_explicit(&corrlog__origin_frames, memory_order_relaxed);

  memset(op, 0, sizeof *op);
  op->id =
      atomic_fetch_add_explicit(&corrlog__next_id, 1, memory_order_relaxed);
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
  op->begin_ns = corrlog__mono_ns();
  op->last_ev = "begin";
  corrlog__live_add(op);
  corrlog__current = op;
  emit(op, "begin", 0, kv, file, line, func, lit, fmt, ap);
}

/* What the corrlog_begin macros call: lit says fmt is a literal. */
void corrlog__begin_lit(corrlog_op *op, const corrlog_op *parent,
                        const char *kind, const char *kv, const char *file,
                        int line, const char *func, void *ret, int lit,
                        const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  begin_v(op, parent, kind, kv, file, line, func, ret, lit, fmt, ap);
  va_end(ap);
}

/* For callers that pass their own caller's site (scenario 03's fix): the
 * format is taken as not a literal, so the message is formatted now. */
void corrlog__begin(corrlog_op *op, const corrlog_op *parent, const char *kind,
                    const char *kv, const char *file, int line,
                    const char *func, void *ret, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  begin_v(op, parent, kind, kv, file, line, func, ret, 0, fmt, ap);
  va_end(ap);
}

void corrlog__event(corrlog_op *op, const char *ev, int status, const char *kv,
                    const char *file, int line, const char *func, int lit,
                    const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  emit(op, ev, status, kv, file, line, func, lit, fmt, ap);
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
  rec_head(r, op, ev, status, file, line, func);
  r->msglen = (uint16_t)(n < CORRLOG_MSG_MAX ? n : CORRLOG_MSG_MAX);
  memcpy(r + 1, msg, r->msglen);
  n = (size_t)(corrlog__format_rec(out, r, corrlog__mono_ns(),
                                   corrlog__thread_name) -
               out);
  if (n < len) {
    memcpy(buf, out, n);
    buf[n] = '\0';
  }
  return n;
}
