/* corpus_twomutex.c -- corpus bug (memory level): one counter, two writers,
 * each under its own mutex. Both critical sections can run at once, and
 * the read-modify-write inside them (load, add, store: no pthread call in
 * between) loses an update when they overlap. Exit 1 when the final count
 * is short. Twin: -DOK (both writers take the same mutex). */
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
static pthread_mutex_t m1 = PTHREAD_MUTEX_INITIALIZER;
#ifdef OK
#define m2 m1
#else
static pthread_mutex_t m2 = PTHREAD_MUTEX_INITIALIZER; /* BUG: not m1 */
#endif
static volatile int count;

static void *writer(void *arg) {
  pthread_mutex_t *m = arg;
  for (int i = 0; i < ROUNDS; i++) {
    CHECK(pthread_mutex_lock(m));
    count = count + 1;
    CHECK(pthread_mutex_unlock(m));
  }
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  CHECK(pthread_create(&t1, NULL, writer, &m1));
  CHECK(pthread_create(&t2, NULL, writer, &m2));
  CHECK(pthread_join(t1, NULL));
  CHECK(pthread_join(t2, NULL));
  if (count != 2 * ROUNDS) {
    fprintf(stderr, "corpus_twomutex: count %d, want %d\n", count, 2 * ROUNDS);
    return 1;
  }
  return 0;
}
