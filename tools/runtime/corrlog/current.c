/* current.c -- each thread's current operation and the
 * registry of live operations that debuggers read (see corrlog.h). */
#include "internal.h"

struct corrlog_live corrlog__live_ops;
_Thread_local corrlog_op *corrlog__current;

#define LIVE_MASK (CORRLOG_LIVE_SLOTS - 1)
/* Fuller than this, probes grow long: further ops are counted in missed. */
#define LIVE_LIMIT (CORRLOG_LIVE_SLOTS * 3 / 4)

/* Who holds the table's spin lock (corrlog__self()), for assertions. */
static _Atomic(const void *) live_owner;

static void live_lock(void) {
  while (__atomic_exchange_n(&corrlog__live_ops.lock, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&corrlog__live_ops.lock, __ATOMIC_RELAXED))
      ;
  atomic_store_explicit(&live_owner, corrlog__self(), memory_order_relaxed);
}

static int live_held(void) {
  return atomic_load_explicit(&live_owner, memory_order_relaxed) ==
         corrlog__self();
}

static void live_unlock(void) {
  assert(live_held());
  atomic_store_explicit(&live_owner, NULL, memory_order_relaxed);
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
  assert(live_held());
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

/* op's parent when it is listed, read without the lock: for the crash
 * handler, which must not wait for a lock the crashed thread may hold. A
 * racing change can only make it miss the parent. */
static const corrlog_op *live_parent_unlocked(const corrlog_op *op) {
  const corrlog_op *p = op->parent_op;
  if (!p)
    return NULL;
  for (size_t i = live_hash(p), n = 0; n < CORRLOG_LIVE_SLOTS;
       i = (i + 1) & LIVE_MASK, n++) {
    const corrlog_op *o = live_get(i);
    if (!o)
      return NULL;
    if (o == p)
      return p->id == op->parent ? p : NULL;
  }
  return NULL;
}

/* Appends s (at most 128 bytes of it) at p. */
static char *put_str(char *p, const char *s) {
  for (int n = 0; s && *s && n < 128; n++)
    *p++ = *s++;
  return s ? p : corrlog__put_lit(p, "?");
}

static char *put_where(char *p, const char *file, int line, const char *func) {
  p = put_str(p, file);
  *p++ = ':';
  p = corrlog__put_i64(p, line);
  p = corrlog__put_lit(p, " in ");
  p = put_str(p, func);
  return corrlog__put_lit(p, "()\n");
}

/* The fatal-signal report: the chain of the operation the crashing thread
 * was working on, up to its root, written to stderr with write(2) only
 * (async-signal-safe). Nothing when the thread had no current op. */
void corrlog__crash_chain(int sig) {
  const corrlog_op *op = corrlog__current;
  char buf[1024];
  const char *role = "in operation";
  if (!op)
    return;
  for (int depth = 0; op && depth < 16; depth++) {
    char *p = buf;
    if (depth == 0) {
      p = corrlog__put_lit(p, "corrlog: signal ");
      p = corrlog__put_u64(p, (uint64_t)sig);
      *p++ = ' ';
    } else {
      p = corrlog__put_lit(p, "  ");
    }
    p = put_str(p, role);
    *p++ = ' ';
    p = corrlog__put_hex16(p, op->id);
    p = corrlog__put_lit(p, " (");
    p = put_str(p, op->kind ? op->kind : "op");
    p = corrlog__put_lit(p, ") begun at ");
    p = put_where(p, op->origin.file, op->origin.line, op->origin.func);
    if (op->handoff.file) {
      p = corrlog__put_lit(p, "    handed off at ");
      p = put_where(p, op->handoff.file, op->handoff.line, op->handoff.func);
    }
    const corrlog_op *parent = live_parent_unlocked(op);
    if (op->parent && !parent) {
      p = corrlog__put_lit(p, "  parent ");
      p = corrlog__put_hex16(p, op->parent);
      p = corrlog__put_lit(p, " has ended (its begin is in the log)\n");
    }
    if (write(STDERR_FILENO, buf, (size_t)(p - buf)) < 0)
      return;
    role = "parent";
    op = parent;
  }
}
