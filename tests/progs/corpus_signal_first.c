/* corpus_signal_first.c -- corpus bug (pthread level): a worker signals a
 * condition variable that the main thread waits on with no predicate loop
 * and no flag. If the signal comes before the wait, it is lost: the wait
 * gives up after its deadline (100 ms, a bound on how long the program
 * waits, not a window widener) and the program exits 1. Twin: -DOK (a
 * flag under the mutex, waited for in a loop). */
#include <errno.h>
#include <time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                             \
  do {                                                                       \
    int e_ = (x);                                                            \
    if (e_ != 0) {                                                           \
      fprintf(stderr, "%s: %s\n", #x, strerror(e_));                         \
      exit(3);                                                               \
    }                                                                        \
  } while (0)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;

static void *worker(void *arg) {
  (void)arg;
  CHECK(pthread_mutex_lock(&mu));
  ready = 1;
  CHECK(pthread_cond_signal(&cv)); /* BUG: nobody may be waiting yet */
  CHECK(pthread_mutex_unlock(&mu));
  return NULL;
}

int main(void) {
  pthread_t t;
  int r = 0;
  CHECK(pthread_create(&t, NULL, worker, NULL));
  CHECK(pthread_mutex_lock(&mu));
#ifdef OK
  while (!ready)
    CHECK(pthread_cond_wait(&cv, &mu));
#else
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += 100 * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  r = pthread_cond_timedwait(&cv, &mu, &until); /* BUG: no predicate */
  if (r != 0 && r != ETIMEDOUT)
    CHECK(r);
#endif
  CHECK(pthread_mutex_unlock(&mu));
  CHECK(pthread_join(t, NULL));
  if (r == ETIMEDOUT) {
    fprintf(stderr, "corpus_signal_first: the signal came before the wait "
                    "and was lost\n");
    return 1;
  }
  return 0;
}
