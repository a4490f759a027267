/* current.c -- each thread's current operation and the
 * registry of live operations that debuggers read (see corrlog.h). */
#include "internal.h"

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

