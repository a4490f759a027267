/* corpus_refcount.c -- corpus bug (memory level): two owners drop their
 * references to a shared object with a plain decrement, and whoever sees
 * the count reach zero releases it. When the two decrements interleave,
 * both see 1 (no release: a leak) or the count goes wrong. Exit 1 when
 * the object was not released exactly once. Twin: -DOK (an atomic
 * decrement). */
#include <stdatomic.h>
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

#ifdef OK
static atomic_int refs = 2;
#else
static volatile int refs = 2;
#endif
static atomic_int releases;

static void *owner(void *arg) {
  (void)arg;
#ifdef OK
  int left = atomic_fetch_sub(&refs, 1) - 1;
#else
  int left = refs - 1; /* BUG: load and store, not one step */
  refs = left;
#endif
  if (left == 0)
    atomic_fetch_add(&releases, 1);
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  CHECK(pthread_create(&t1, NULL, owner, NULL));
  CHECK(pthread_create(&t2, NULL, owner, NULL));
  CHECK(pthread_join(t1, NULL));
  CHECK(pthread_join(t2, NULL));
  if (atomic_load(&releases) != 1) {
    fprintf(stderr, "corpus_refcount: released %d times\n",
            atomic_load(&releases));
    return 1;
  }
  return 0;
}
