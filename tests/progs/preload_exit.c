/* preload_exit.c -- a correct program whose 200 threads end with
 * pthread_exit (some from inside a nested call, some detached), while the
 * main thread joins the others; then main itself ends with pthread_exit
 * and the last detached thread ends the process. Exit 0; 1 when a joined
 * thread's value is wrong. Used by tests/preload-correct.sh. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 200

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int ended;

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "preload_exit: %s failed (%d)\n", what, r);
    exit(3);
  }
}

static void leave(intptr_t v) {
  check(pthread_mutex_lock(&mu), "lock");
  ended++;
  check(pthread_mutex_unlock(&mu), "unlock");
  pthread_exit((void *)v);
}

static void *worker(void *arg) {
  leave((intptr_t)arg);
  return NULL; /* not reached */
}

int main(void) {
  pthread_t t[N];
  for (intptr_t i = 0; i < N; i++) {
    check(pthread_create(&t[i], NULL, worker, (void *)i), "pthread_create");
    if (i % 10 == 9)
      check(pthread_detach(t[i]), "pthread_detach");
  }
  for (intptr_t i = 0; i < N; i++) {
    void *v;
    if (i % 10 == 9)
      continue;
    check(pthread_join(t[i], &v), "pthread_join");
    if ((intptr_t)v != i) {
      fprintf(stderr, "preload_exit: thread %ld returned %ld\n", (long)i,
              (long)(intptr_t)v);
      return 1;
    }
  }
  pthread_exit(NULL); /* the process ends when the detached threads do */
}
