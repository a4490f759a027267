/* corpus_wrong_waiter.c -- corpus bug (pthread level): two waiters for two
 * different conditions share one condition variable, and the producer
 * wakes one waiter with pthread_cond_signal. When the waiter for the other
 * condition is the one woken, it waits again and the right one sleeps on:
 * a lost wakeup. To report that rather than hang, the waits have a 100 ms
 * deadline (a bound on the run, not a window widener): a waiter whose
 * deadline passes with its flag already set missed its wakeup (exit 1);
 * with the flag not yet set it is merely early on a busy machine and
 * waits again. Twin: -DOK (broadcast). */
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
static int a_ready, b_ready, waiting, lost;

static void *waiter(void *arg) {
  int *flag = arg;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += 100 * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  CHECK(pthread_mutex_lock(&mu));
  waiting++;
  CHECK(pthread_cond_broadcast(&cv)); /* tell the producer I am waiting */
  while (!*flag) {
    int r = pthread_cond_timedwait(&cv, &mu, &until);
    if (r == ETIMEDOUT && *flag) {
      lost = 1;
      break;
    }
    if (r == ETIMEDOUT)
      until.tv_sec++;
    else
      CHECK(r);
  }
  CHECK(pthread_mutex_unlock(&mu));
  return NULL;
}

int main(void) {
  pthread_t ta, tb;
  CHECK(pthread_create(&ta, NULL, waiter, &a_ready));
  CHECK(pthread_create(&tb, NULL, waiter, &b_ready));
  CHECK(pthread_mutex_lock(&mu));
  while (waiting < 2) /* both wait on cv before the first wakeup */
    CHECK(pthread_cond_wait(&cv, &mu));
  a_ready = 1;
#ifdef OK
  CHECK(pthread_cond_broadcast(&cv));
#else
  CHECK(pthread_cond_signal(&cv)); /* BUG: may wake b's waiter, not a's */
#endif
  CHECK(pthread_mutex_unlock(&mu));
  CHECK(pthread_mutex_lock(&mu));
  b_ready = 1;
#ifdef OK
  CHECK(pthread_cond_broadcast(&cv));
#else
  CHECK(pthread_cond_signal(&cv));
#endif
  CHECK(pthread_mutex_unlock(&mu));
  CHECK(pthread_join(ta, NULL));
  CHECK(pthread_join(tb, NULL));
  if (lost) {
    fprintf(stderr, "corpus_wrong_waiter: a wakeup went to the wrong "
                    "waiter and was lost\n");
    return 1;
  }
  return 0;
}
