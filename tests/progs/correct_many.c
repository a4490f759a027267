/* correct_many.c -- corpus, correct: 200 threads, each adding to a shared
 * total under one mutex and waiting at a condition variable until all
 * have arrived (a hand-made barrier with a generation count), then joined.
 * Exit 1 when the total is wrong. */
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

#define N 200
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_here = PTHREAD_COND_INITIALIZER;
static long total;
static int arrived;

static void *worker(void *arg) {
  CHECK(pthread_mutex_lock(&mu));
  total += (long)arg;
  if (++arrived == N)
    CHECK(pthread_cond_broadcast(&all_here));
  while (arrived < N)
    CHECK(pthread_cond_wait(&all_here, &mu));
  CHECK(pthread_mutex_unlock(&mu));
  return NULL;
}

int main(void) {
  static pthread_t t[N];
  for (long i = 0; i < N; i++)
    CHECK(pthread_create(&t[i], NULL, worker, (void *)(i + 1)));
  for (int i = 0; i < N; i++)
    CHECK(pthread_join(t[i], NULL));
  if (total != (long)N * (N + 1) / 2) {
    fprintf(stderr, "correct_many: total %ld\n", total);
    return 1;
  }
  return 0;
}
