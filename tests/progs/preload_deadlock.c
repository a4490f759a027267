/* preload_deadlock.c -- two threads take two mutexes in opposite orders:
 * a lock-order deadlock that happens only when each takes its first lock
 * before the other takes its second. Exit 0 when the run got through (it
 * hangs otherwise; the preload shim reports the cycle and exits 1). Twin:
 * built with -DOK (preload_deadlock_ok), both threads take the mutexes in
 * the same order, so no schedule deadlocks. Used by
 * tests/preload-replay.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "preload_deadlock: %s failed (%d)\n", what, r);
    exit(3);
  }
}

static void both(pthread_mutex_t *first, pthread_mutex_t *second) {
  check(pthread_mutex_lock(first), "lock");
  check(pthread_mutex_lock(second), "lock");
  check(pthread_mutex_unlock(second), "unlock");
  check(pthread_mutex_unlock(first), "unlock");
}

static void *ab(void *arg) {
  (void)arg;
  both(&a, &b);
  return NULL;
}

static void *ba(void *arg) {
  (void)arg;
#ifdef OK
  both(&a, &b); /* the same order */
#else
  both(&b, &a); /* the bug: the other order */
#endif
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  check(pthread_create(&t1, NULL, ab, NULL), "pthread_create");
  check(pthread_create(&t2, NULL, ba, NULL), "pthread_create");
  check(pthread_join(t1, NULL), "pthread_join");
  check(pthread_join(t2, NULL), "pthread_join");
  return 0;
}
