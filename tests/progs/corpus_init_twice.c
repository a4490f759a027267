/* corpus_init_twice.c -- corpus bug (pthread level): lazy initialisation
 * checked without the lock ("double-checked" without the second check):
 * two threads both see "not initialised" and both initialise. Exit 1 when
 * the initialiser ran twice. Twin: -DOK (the check is repeated under the
 * lock). */
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
static volatile int inited;
static int init_runs;

static void use(void) {
  if (!inited) {
    CHECK(pthread_mutex_lock(&mu));
#ifdef OK
    if (!inited) {
#else
    { /* BUG: the check above may be stale by now */
#endif
      init_runs++;
      inited = 1;
    }
    CHECK(pthread_mutex_unlock(&mu));
  }
}

static void *client(void *arg) {
  (void)arg;
  use();
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  CHECK(pthread_create(&t1, NULL, client, NULL));
  CHECK(pthread_create(&t2, NULL, client, NULL));
  CHECK(pthread_join(t1, NULL));
  CHECK(pthread_join(t2, NULL));
  if (init_runs != 1) {
    fprintf(stderr, "corpus_init_twice: initialised %d times\n", init_runs);
    return 1;
  }
  return 0;
}
