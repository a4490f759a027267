/* corpus_flag_first.c -- corpus bug (memory level): a producer raises its
 * "ready" flag before it writes the data the flag stands for. The consumer
 * polls the flag (yielding between looks) and reads the data as soon as
 * it sees the flag. The window is two plain stores with no pthread call in
 * between. Exit 1 when the consumer read the data before it was written.
 * Twin: -DOK (data first, then the flag, with release/acquire order). */
#include <sched.h>
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

static int data;
#ifdef OK
static atomic_int ready;
#else
static volatile int ready;
#endif

static void *producer(void *arg) {
  (void)arg;
#ifdef OK
  data = 42;
  atomic_store_explicit(&ready, 1, memory_order_release);
#else
  ready = 1; /* BUG: published before ... */
  data = 42; /* ... the data is written */
#endif
  return NULL;
}

int main(void) {
  pthread_t t;
  int d;
  CHECK(pthread_create(&t, NULL, producer, NULL));
#ifdef OK
  while (!atomic_load_explicit(&ready, memory_order_acquire))
#else
  while (!ready)
#endif
    sched_yield();
  d = *(volatile int *)&data;
  CHECK(pthread_join(t, NULL));
  if (d != 42) {
    fprintf(stderr,
            "corpus_flag_first: read %d before the data was "
            "written\n",
            d);
    return 1;
  }
  return 0;
}
