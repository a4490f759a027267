/* corpus_barrier_late.c -- corpus bug (pthread level): workers are meant
 * to write their slot, then meet the main thread at a barrier, after which
 * the main thread sums the slots. The bug writes the slot after the
 * barrier, so the sum can miss a slot. Exit 1 when a slot was missing.
 * Twin: -DOK (write, then the barrier). */
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

#define N 3
static pthread_barrier_t bar;
static volatile int slot[N];

static void *worker(void *arg) {
  int i = (int)(long)arg;
#ifdef OK
  slot[i] = 1;
#endif
  int r = pthread_barrier_wait(&bar);
  if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD)
    CHECK(r);
#ifndef OK
  slot[i] = 1; /* BUG: after the barrier the main thread is already reading */
#endif
  return NULL;
}

int main(void) {
  pthread_t t[N];
  int sum = 0, r;
  CHECK(pthread_barrier_init(&bar, NULL, N + 1));
  for (int i = 0; i < N; i++)
    CHECK(pthread_create(&t[i], NULL, worker, (void *)(long)i));
  r = pthread_barrier_wait(&bar);
  if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD)
    CHECK(r);
  /* The main thread's own work (arithmetic, no sleep): long enough that
   * the workers have nearly always written their slots when it ends. */
  for (volatile unsigned k = 0; k < 2000000; k++)
    ;
  for (int i = 0; i < N; i++)
    sum += slot[i];
  for (int i = 0; i < N; i++)
    CHECK(pthread_join(t[i], NULL));
  CHECK(pthread_barrier_destroy(&bar));
  if (sum != N) {
    fprintf(stderr, "corpus_barrier_late: %d of %d slots written\n", sum, N);
    return 1;
  }
  return 0;
}
