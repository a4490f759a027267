/* preload_spin.c -- a correct program whose main thread waits for a
 * worker by spinning on a plain (atomic) flag, with no call the preload
 * shim sees: the shim's watchdog must hand the token on, and say that the
 * run left the model. Exit 0. Used by tests/preload-replay.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int ready;

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "preload_spin: %s failed (%d)\n", what, r);
    exit(3);
  }
}

static void *worker(void *arg) {
  (void)arg;
  check(pthread_mutex_lock(&mu), "lock");
  check(pthread_mutex_unlock(&mu), "unlock");
  __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
  return NULL;
}

int main(void) {
  pthread_t t;
  check(pthread_mutex_lock(&mu), "lock");
  check(pthread_create(&t, NULL, worker, NULL), "pthread_create");
  check(pthread_mutex_unlock(&mu), "unlock");
  while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
    ; /* no interposed call: only the watchdog can get the worker going */
  check(pthread_join(t, NULL), "pthread_join");
  return 0;
}
