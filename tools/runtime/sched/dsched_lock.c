/* dsched_lock.c -- the scheduler's own mutexes, which know their holder, so
 * that a function's "called with the lock held" is an assertion
 * (assert(dsched__held(&m)), SQLite's assert(mutex_held(m)) habit) rather
 * than a comment. See dsched_internal.h. */
#include "dsched_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A thread's identity for dsched__held: the address of a thread-local
 * byte, unique among live threads and cheap to take. */
static _Thread_local char me_tag;

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "sched: %s: %s\n", what, strerror(r));
    abort();
  }
}

void dsched__lock(struct dsched__mutex *m) {
  check(pthread_mutex_lock(&m->mu), "pthread_mutex_lock");
  atomic_store_explicit(&m->owner, &me_tag, memory_order_relaxed);
}

void dsched__unlock(struct dsched__mutex *m) {
  atomic_store_explicit(&m->owner, NULL, memory_order_relaxed);
  check(pthread_mutex_unlock(&m->mu), "pthread_mutex_unlock");
}

void dsched__cond_wait(pthread_cond_t *c, struct dsched__mutex *m) {
  atomic_store_explicit(&m->owner, NULL, memory_order_relaxed);
  check(pthread_cond_wait(c, &m->mu), "pthread_cond_wait");
  atomic_store_explicit(&m->owner, &me_tag, memory_order_relaxed);
}

/* Relaxed is enough: only the calling thread ever stores its own tag, so
 * it reads its tag exactly when its last store (lock, or wake-up from a
 * wait) is not yet undone by its own unlock. */
int dsched__held(struct dsched__mutex *m) {
  return atomic_load_explicit(&m->owner, memory_order_relaxed) == &me_tag;
}
