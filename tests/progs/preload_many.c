/* preload_many.c -- a correct program with 1000 threads that each add to a
 * counter under a mutex and wait at a condition variable until all have
 * started. Exit 0 when the count is right; 1 otherwise. Used by
 * tests/preload-correct.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define N 1000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int started, count;

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "preload_many: %s failed (%d)\n", what, r);
    exit(3);
  }
}

static void *worker(void *arg) {
  (void)arg;
  check(pthread_mutex_lock(&mu), "lock");
  if (++started == N)
    check(pthread_cond_broadcast(&cv), "broadcast");
  while (started < N)
    check(pthread_cond_wait(&cv, &mu), "cond_wait");
  count++;
  check(pthread_mutex_unlock(&mu), "unlock");
  return NULL;
}

int main(void) {
  static pthread_t t[N];
  pthread_attr_t a;
  check(pthread_attr_init(&a), "attr_init");
  check(pthread_attr_setstacksize(&a, 64 * 1024), "attr_setstacksize");
  for (int i = 0; i < N; i++)
    check(pthread_create(&t[i], &a, worker, NULL), "pthread_create");
  for (int i = 0; i < N; i++)
    check(pthread_join(t[i], NULL), "pthread_join");
  if (count != N) {
    fprintf(stderr, "preload_many: count %d, want %d\n", count, N);
    return 1;
  }
  return 0;
}
