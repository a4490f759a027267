/* flush.c -- turning a thread's ring of records into lines
 * in the file: claims, chunks, the full-disk rule, and the background
 * flusher thread. */
#include "internal.h"

/* The calling thread's kept output chunk (BIG_CHUNK bytes), or NULL: then
 * each flush allocates its own. Only the background flusher keeps one. */
static _Thread_local char *kept_chunk;
/* The same block, held by a global too: a child forked while the flusher
 * runs inherits the block but not the thread, and a thread-local of a
 * thread that does not exist is no root for a leak checker. */
static char *volatile kept_chunk_ref;

/* Writes n bytes holding nlines whole lines to fd; returns how many of
 * the lines are in the file. A write cut short (a full disk, a file size
 * limit) leaves part of a line: it is cut off again, so that the file holds
 * whole lines only and that line is counted as dropped, not as written.
 * Async-signal-safe. */
uint64_t corrlog__write_lines(int fd, const char *p, size_t n,
                              uint64_t nlines) {
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
const struct rec *corrlog__rec_at(const struct tbuf *b, size_t pos,
                                  size_t *next) {
  size_t off = pos & (b->cap - 1);
  const struct rec *r = (const struct rec *)(b->data + off);
  if (b->cap - off < sizeof *r || !r->ev) {
    *next = pos + (b->cap - off);
    return NULL;
  }
  *next = pos + corrlog__rec_size(r);
  return r;
}

/* Formats records of b from position from, up to to or until out (cap
 * bytes) is full; *end is where it stopped, *nrec how many lines it made.
 * Returns the end of the text. */
char *corrlog__format_chunk(const struct tbuf *b, size_t from, size_t to,
                            char *out, size_t cap, size_t *end, uint64_t *nrec,
                            const struct corrlog__clockconv *cc) {
  char *p = out;
  *nrec = 0;
  while (from != to) {
    size_t next;
    const struct rec *r = corrlog__rec_at(b, from, &next);
    if (r) {
      if ((size_t)(out + cap - p) < LINE_MAX_FOR(r))
        break;
      p = corrlog__format_rec(p, r, corrlog__clockconv_ns(cc, r->t), b->name);
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
    sigaddset(set, corrlog__fatal_sigs[i]);
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
int corrlog__flush_locked(struct tbuf *b, int fd,
                          const struct corrlog__clockconv *cc) {
  assert(corrlog__held(&b->flush_lock));
  char small[CHUNK];
  char *out = kept_chunk ? kept_chunk : malloc(BIG_CHUNK);
  size_t cap = out ? BIG_CHUNK : CHUNK;
  sigset_t fatal, old;
  int rc = 0;
  if (!out)
    out = small; /* slower, as correct */
  if (!corrlog__signals_blocked) {
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
    char *p = corrlog__format_chunk(b, t, h, out, cap, &e, &nrec, cc);
    if (!atomic_compare_exchange_strong(&b->claim, &t, e)) {
      rc = -1;
      break;
    }
    corrlog__lock(&corrlog__write_lock);
    k = corrlog__write_lines(fd, out, (size_t)(p - out), nrec);
    corrlog__unlock(&corrlog__write_lock);
    atomic_fetch_add(&corrlog__written, k);
    atomic_fetch_add(&corrlog__dropped, nrec - k);
    atomic_store_explicit(&b->tail, e, memory_order_release);
  }
  if (!corrlog__signals_blocked)
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (out != small && out != kept_chunk)
    free(out);
  return rc;
}

/* Flushes b, whose flush_lock the caller holds. */
static void flush_held(struct tbuf *b, int fd) {
  struct corrlog__clockconv cc;
  assert(corrlog__held(&b->flush_lock));
  if (atomic_load(&b->head) != atomic_load(&b->claim)) {
    corrlog__clockconv_init(&cc);
    corrlog__flush_locked(b, fd, &cc);
  }
}

void corrlog__flush_one(struct tbuf *b, int fd) {
  corrlog__lock(&b->flush_lock);
  flush_held(b, fd);
  corrlog__unlock(&b->flush_lock);
}

/* Two passes: the first skips buffers another thread is flushing, so that
 * two flushers (the background one and corrlog_close, say) share the
 * buffers between them instead of queueing on the same one; the second
 * waits for each, so everything logged before the call is written. */
void corrlog_flush(void) {
  int fd = atomic_load(&corrlog__sink_fd);
  if (fd < 0)
    return;
  for (struct tbuf *b = atomic_load(&corrlog__registry); b; b = b->next) {
    if (!atomic_load(&b->in_use))
      continue;
    if (corrlog__trylock(&b->flush_lock) == EBUSY)
      continue;
    flush_held(b, fd);
    corrlog__unlock(&b->flush_lock);
  }
  for (struct tbuf *b = atomic_load(&corrlog__registry); b; b = b->next)
    if (atomic_load(&b->in_use))
      corrlog__flush_one(b, fd);
}

/* The background flusher: every FLUSH_PERIOD_MS, or when a buffer passes
 * half full, writes out what every thread has logged. It holds sink_lock
 * while it does, so the sink cannot be closed under it. */
static void *flusher_main(void *arg) {
  sigset_t all;
  (void)arg;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL); /* crashes belong to the app */
  corrlog__signals_blocked = 1;
  /* The flusher's output chunk is allocated and touched once, not per
   * flush: a fresh 256 KiB block is a mmap, 64 page faults and a munmap. */
  kept_chunk = malloc(BIG_CHUNK);
  if (kept_chunk)
    memset(kept_chunk, 0, BIG_CHUNK);
  kept_chunk_ref = kept_chunk;
  for (;;) {
    struct timespec ts;
    corrlog__touch_rest(); /* new buffers' pages, see touch_first */
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += FLUSH_PERIOD_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    while (sem_timedwait(&corrlog__flusher_sem, &ts) != 0 && errno == EINTR)
      ;
    if (atomic_load(&corrlog__flusher_stop))
      break;
    corrlog__lock(&corrlog__sink_lock);
    corrlog_flush();
    corrlog__unlock(&corrlog__sink_lock);
  }
  free(kept_chunk);
  kept_chunk = kept_chunk_ref = NULL;
  return NULL;
}

/* Starts the flusher once per process (a forked child starts its own). */
void corrlog__flusher_start(void) {
  int pid = (int)getpid();
  if (atomic_load(&corrlog__flusher_off) ||
      atomic_load(&corrlog__flusher_pid) == pid)
    return;
  atomic_store(&corrlog__flusher_stop, 0);
  /* Without a flusher, threads flush their own full buffers: slower, still
   * correct, so a failure here is not fatal. */
  if (pthread_create(&corrlog__flusher_thread, NULL, flusher_main, NULL) == 0)
    atomic_store(&corrlog__flusher_pid, pid);
}

/* Stops and joins this process's flusher, if it has one. */
void corrlog__flusher_join(void) {
  if (atomic_load(&corrlog__flusher_pid) != (int)getpid())
    return;
  atomic_store(&corrlog__flusher_stop, 1);
  sem_post(&corrlog__flusher_sem);
  pthread_join(corrlog__flusher_thread, NULL);
  atomic_store(&corrlog__flusher_pid, 0);
}

/* Called from a logging call when flusher_due has passed or a buffer
 * passed half full: starts the flusher, once. */
__attribute__((noinline, cold)) void corrlog__flusher_start_late(void) {
  if (atomic_exchange(&corrlog__flusher_due, UINT64_MAX) != UINT64_MAX)
    corrlog__flusher_start();
}
