/* buffer.c -- the per-thread ring buffers: creation and
 * reuse (the registry), room for the owner, discarding, thread exit. */
#include "internal.h"

/* Every buffer ever made, newest first. Buffers are never freed, so the
 * crash handler and flushers walk this list without locks. */
_Atomic(struct tbuf *) corrlog__registry;

/* Slow path of emit: as far as the owner's copy of tail knows, the ring has
 * no room for need bytes at h. Refreshes the copy, and when the flusher has
 * fallen a whole buffer behind, writes the buffer out itself. Returns 0 when
 * there is still no room (a crash is being handled). */
__attribute__((noinline)) int corrlog__make_room(struct tbuf *b, size_t h,
                                                 size_t need) {
  struct corrlog__clockconv cc;
  b->room = atomic_load_explicit(&b->tail, memory_order_acquire) + b->cap;
  if (need <= b->room - h)
    return 1;
  corrlog__lock(&b->flush_lock);
  corrlog__clockconv_init(&cc);
  corrlog__flush_locked(b, atomic_load(&corrlog__sink_fd), &cc);
  corrlog__unlock(&b->flush_lock);
  b->room = atomic_load_explicit(&b->tail, memory_order_acquire) + b->cap;
  return need <= b->room - h;
}

/* Forgets what b holds: events logged while no sink was open, or those of
 * another process (fork), belong to no log. Caller holds b->flush_lock. */
void corrlog__discard(struct tbuf *b) {
  assert(corrlog__held(&b->flush_lock));
  size_t h = atomic_load(&b->head);
  atomic_store(&b->claim, h);
  atomic_store(&b->tail, h);
}

/* Thread exit: write the thread's events out and free the buffer for the
 * next thread (buffers are never freed, so the crash handler and flushers
 * can walk the registry without locks). */
void corrlog__thread_exit_cb(void *arg) {
  struct tbuf *b = arg;
  if (atomic_load(&corrlog__enabled))
    corrlog__flush_one(b, atomic_load(&corrlog__sink_fd));
  corrlog__my_buf = NULL;
  atomic_store(&b->in_use, 0);
}

/* Maps the pages of b's first TOUCH_FIRST bytes now, so that no logging
 * call takes their page faults, and leaves the rest to the background
 * flusher (corrlog__touch_rest). Where the kernel cannot populate pages on
 * request (MADV_POPULATE_WRITE, Linux 5.14), the whole buffer is touched
 * now instead. */
static void touch_first(struct tbuf *b) {
  size_t first = b->cap < TOUCH_FIRST ? b->cap : TOUCH_FIRST;
  if (madvise(b->data, first, MADV_POPULATE_WRITE) == 0) {
    atomic_init(&b->touched, first);
    return;
  }
  memset(b->data, 0, b->cap);
  atomic_init(&b->touched, b->cap);
}

/* The background flusher's share of touch_first: maps the pages of every
 * buffer's untouched rest. MADV_POPULATE_WRITE writes no byte, so it may
 * run while the owner logs into the same pages. Should it fail (out of
 * memory), the owner takes the page faults as it writes; nothing is
 * lost, and the buffer is not tried again. */
void corrlog__touch_rest(void) {
  for (struct tbuf *b = atomic_load(&corrlog__registry); b; b = b->next) {
    size_t t = atomic_load(&b->touched);
    if (t < b->cap) {
      (void)madvise(b->data + t, b->cap - t, MADV_POPULATE_WRITE);
      atomic_store(&b->touched, b->cap);
    }
  }
}

/* Makes a buffer of the size set now, its start touched, and lists it with
 * in_use as given. NULL when out of memory. */
static struct tbuf *new_buf(int in_use) {
  size_t kb = atomic_load(&corrlog__buf_kb),
         want = (kb ? kb : BUF_KB_DEFAULT) * 1024;
  struct tbuf *b = aligned_alloc(64, sizeof *b);
  if (!b)
    return NULL;
  memset(b, 0, sizeof *b);
  /* A power of two, so that a position's place in the ring is a mask. */
  for (b->cap = 16384, b->half_shift = 13; b->cap < want; b->half_shift++)
    b->cap <<= 1;
  b->data = aligned_alloc(4096, b->cap); /* pages, for madvise */
  if (!b->data) {
    free(b);
    return NULL;
  }
  touch_first(b);
  atomic_init(&b->in_use, in_use);
  corrlog__mutex_reset(&b->flush_lock);
  b->next = atomic_load(&corrlog__registry);
  while (!atomic_compare_exchange_weak(&corrlog__registry, &b->next, b))
    ;
  return b;
}

/* Makes sure n buffers are free for threads to come (corrlog_open calls it
 * on the opening thread): a thread that starts logging then takes one
 * without a system call or a page fault -- setting a buffer up costs a
 * large mmap and a page fault per 4 KiB, which, paid by two threads as
 * they start, changes how they are scheduled. */
void corrlog__prealloc(int n) {
  for (struct tbuf *b = atomic_load(&corrlog__registry); b && n > 0;
       b = b->next)
    n -= atomic_load(&b->in_use) == 0;
  while (n-- > 0 && new_buf(0))
    ;
}

struct tbuf *corrlog__get_buf(void) {
  struct tbuf *b;
  for (b = atomic_load(&corrlog__registry); b; b = b->next) {
    int expect = 0;
    if (atomic_compare_exchange_strong(&b->in_use, &expect, 1))
      break;
  }
  if (!b && !(b = new_buf(1)))
    return NULL;
  /* A recycled buffer may hold events its last owner logged after the sink
   * closed; they belong to no log. */
  corrlog__lock(&b->flush_lock);
  corrlog__discard(b);
  memcpy(b->name, corrlog__thread_name, sizeof b->name);
  corrlog__unlock(&b->flush_lock);
  b->room = atomic_load(&b->tail) + b->cap;
  pthread_setspecific(corrlog__exit_key, b);
  corrlog__my_buf = b;
  return b;
}

void corrlog_set_buffer_kb(size_t kb) {
  atomic_store(&corrlog__buf_kb, kb < 16 ? 16 : kb);
}
