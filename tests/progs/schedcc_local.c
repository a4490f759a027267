/* schedcc_local.c -- a program for tests/corpus.sh: each thread makes 400
 * accesses to its own stack and 200 to its thread-local storage, and one
 * store to a shared global. Built with build/schedcc, it must reach the
 * shim's schedule point for the shared stores only (one per thread), which
 * the test counts with a stand-in for the shim. Exit 0. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
static volatile int shared[THREADS];
static __thread volatile int mine[8];

static void *worker(void *arg) {
  volatile int local[8];
  long me = (long)arg;
  for (int i = 0; i < 200; i++) {
    local[i % 8] = i;
    mine[i % 8] = local[(i + 1) % 8];
  }
  shared[me] = 1;
  return NULL;
}

int main(void) {
  pthread_t t[THREADS];
  for (long i = 0; i < THREADS; i++) {
    int e = pthread_create(&t[i], NULL, worker, (void *)i);
    if (e != 0) {
      fprintf(stderr, "pthread_create: %s\n", strerror(e));
      return 3;
    }
  }
  for (int i = 0; i < THREADS; i++)
    if (pthread_join(t[i], NULL) != 0)
      return 3;
  return 0;
}
