/* corpus_rw_upgrade.c -- corpus bug (pthread level): a cache looked up
 * under a read lock and filled under a write lock taken after the read
 * lock is released. Two threads that miss at the same time both fill.
 * Exit 1 when the entry was computed twice. Twin: -DOK (the lookup is
 * repeated under the write lock). */
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

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int cached, fills;

static void *lookup(void *arg) {
  int hit;
  (void)arg;
  CHECK(pthread_rwlock_rdlock(&rw));
  hit = cached != 0;
  CHECK(pthread_rwlock_unlock(&rw));
  if (!hit) {
    CHECK(pthread_rwlock_wrlock(&rw)); /* BUG: no second look */
#ifdef OK
    if (cached == 0)
#endif
    {
      fills++;
      cached = 42;
    }
    CHECK(pthread_rwlock_unlock(&rw));
  }
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  CHECK(pthread_create(&t1, NULL, lookup, NULL));
  CHECK(pthread_create(&t2, NULL, lookup, NULL));
  CHECK(pthread_join(t1, NULL));
  CHECK(pthread_join(t2, NULL));
  if (fills != 1) {
    fprintf(stderr, "corpus_rw_upgrade: filled %d times\n", fills);
    return 1;
  }
  return 0;
}
