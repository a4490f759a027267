/* corpus_before_join.c -- corpus bug (pthread level): the main thread reads
 * its worker's result before joining it, after some work of its own that
 * usually outlasts the worker. A worker that starts late has not written
 * the result yet. Exit 1 when the result was read too early. Twin: -DOK
 * (join first, then read). */
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

static volatile int result;

static void *worker(void *arg) {
  (void)arg;
  result = 42;
  return NULL;
}

/* The main thread's own work: no sleep, just arithmetic. */
static void own_work(void) {
  for (volatile unsigned i = 0; i < 2000000; i++)
    ;
}

int main(void) {
  pthread_t t;
  int r;
  CHECK(pthread_create(&t, NULL, worker, NULL));
  own_work();
#ifdef OK
  CHECK(pthread_join(t, NULL));
  r = result;
#else
  r = result; /* BUG: read before the join */
  CHECK(pthread_join(t, NULL));
#endif
  if (r != 42) {
    fprintf(stderr,
            "corpus_before_join: result %d read before the worker "
            "wrote it\n",
            r);
    return 1;
  }
  return 0;
}
