/* corpus_signal_first.c -- corpus bug (pthread level): a worker signals a
 * condition variable that the main thread waits on with no predicate
 * loop. If the signal comes before the wait, it is lost and the wait would
 * last for ever. To report that rather than hang, the wait has a 100 ms
 * deadline (a bound on the run, not a window widener), and the worker's
 * `ready` flag, looked at only when the deadline passes, tells a lost
 * signal (exit 1) from a worker that is merely late on a busy machine
 * (wait again). Twin: -DOK (the flag waited for in a predicate loop). */
#include <errno.h>
#include <time.h>
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
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;

/* The worker's own work before it reports: arithmetic, no sleep, so that
 * the main thread is nearly always waiting by then. */
static void own_work(void) {
  for (volatile unsigned i = 0; i < 200000; i++)
    ;
}

static void *worker(void *arg) {
  (void)arg;
  own_work();
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
  for (;;) {
    r = pthread_cond_timedwait(&cv, &mu, &until); /* BUG: no predicate */
    if (r != 0 && r != ETIMEDOUT)
      CHECK(r);
    if (r == 0 || ready)
      break;        /* woken, or timed out after the signal: lost */
    until.tv_sec++; /* late, not lost: the signal is still to come */
  }
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
