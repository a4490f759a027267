/* preload_exit_thread.c -- a correct program in which a thread ends the
 * process with exit(0) while the others wait: one for a condition nobody
 * will signal, main for that thread. Exit 0. Used by
 * tests/preload-correct.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "preload_exit_thread: %s failed (%d)\n", what, r);
    exit(3);
  }
}

static void *waiter(void *arg) {
  (void)arg;
  check(pthread_mutex_lock(&mu), "lock");
  for (;;)
    check(pthread_cond_wait(&cv, &mu), "cond_wait");
  return NULL;
}

static void *ender(void *arg) {
  (void)arg;
  check(pthread_mutex_lock(&mu), "lock");
  check(pthread_mutex_unlock(&mu), "unlock");
  exit(0);
}

int main(void) {
  pthread_t w, e;
  check(pthread_create(&w, NULL, waiter, NULL), "pthread_create");
  check(pthread_create(&e, NULL, ender, NULL), "pthread_create");
  check(pthread_join(w, NULL), "pthread_join"); /* never returns */
  return 3;
}
