/* correct_thread_exit.c -- corpus, correct: a worker ends the whole
 * process with exit(0) while the main thread is blocked in pthread_join on
 * a thread that never ends. Exit 0 (from the worker's exit); a main thread
 * that got past the join exits 1. */
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

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *sleeper(void *arg) {
  (void)arg;
  CHECK(pthread_mutex_lock(&mu));
  for (;;)
    CHECK(pthread_cond_wait(&never, &mu));
  return NULL;
}

static void *ender(void *arg) {
  (void)arg;
  fflush(stdout);
  exit(0);
}

int main(void) {
  pthread_t s, e;
  CHECK(pthread_create(&s, NULL, sleeper, NULL));
  CHECK(pthread_create(&e, NULL, ender, NULL));
  CHECK(pthread_join(s, NULL));
  return 1;
}
