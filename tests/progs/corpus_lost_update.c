/* corpus_lost_update.c -- corpus bug (memory level): two threads increment
 * a plain counter with no lock at all; the load and the store of `n++` can
 * interleave and one increment vanishes. A few increments each, so that a
 * natural run almost never overlaps them. Exit 1 when the count is short.
 * Twin: -DOK (a mutex around the increment). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                               \
  do {                                                                         \
    int e_ = (x);                                                              \
    if (e_ != 0) {                                                             \
      fprintf(stderr, "%s: %s\n", #x, strerror(e_));                           \
      exit(3);                                                                 \
    }                                                                          \
  } while (0)

#define ROUNDS 3
static volatile int n;
#ifdef OK
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
#endif

static void *bump(void *arg) {
  (void)arg;
  for (int i = 0; i < ROUNDS; i++) {
#ifdef OK
    CHECK(pthread_mutex_lock(&mu));
#endif
    n = n + 1; /* BUG: load, add, store, unprotected */
#ifdef OK
    CHECK(pthread_mutex_unlock(&mu));
#endif
  }
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  CHECK(pthread_create(&t1, NULL, bump, NULL));
  CHECK(pthread_create(&t2, NULL, bump, NULL));
  CHECK(pthread_join(t1, NULL));
  CHECK(pthread_join(t2, NULL));
  if (n != 2 * ROUNDS) {
    fprintf(stderr, "corpus_lost_update: %d, want %d\n", n, 2 * ROUNDS);
    return 1;
  }
  return 0;
}
