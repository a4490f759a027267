/* correct_cancel.c -- corpus, correct: threads cancelled while blocked in a
 * condition wait, in sem_wait and in nanosleep (all cancellation points),
 * each with a cleanup handler that must run. Exit 0 when every thread was
 * cancelled and cleaned up; 1 otherwise. A scheduler that interposes these
 * calls must stay cancellation-safe. */
#include <semaphore.h>
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
static sem_t never;
static int cleaned, started;

static void cleanup_unlock(void *arg) {
  (void)arg;
  cleaned++; /* the mutex is held again here, as cond_wait promises */
  CHECK(pthread_mutex_unlock(&mu));
}

static void cleanup_count(void *arg) {
  (void)arg;
  CHECK(pthread_mutex_lock(&mu));
  cleaned++;
  CHECK(pthread_mutex_unlock(&mu));
}

static void mark_started(void) {
  CHECK(pthread_mutex_lock(&mu));
  started++;
  CHECK(pthread_cond_broadcast(&cv));
  CHECK(pthread_mutex_unlock(&mu));
}

static void *in_cond_wait(void *arg) {
  (void)arg;
  CHECK(pthread_mutex_lock(&mu));
  started++;
  CHECK(pthread_cond_broadcast(&cv));
  pthread_cleanup_push(cleanup_unlock, NULL);
  for (;;)
    CHECK(pthread_cond_wait(&cv, &mu));
  pthread_cleanup_pop(0);
  return NULL;
}

static void *in_sem_wait(void *arg) {
  (void)arg;
  mark_started();
  pthread_cleanup_push(cleanup_count, NULL);
  for (;;)
    sem_wait(&never);
  pthread_cleanup_pop(0);
  return NULL;
}

static void *in_sleep(void *arg) {
  struct timespec long_time = {3600, 0};
  (void)arg;
  mark_started();
  pthread_cleanup_push(cleanup_count, NULL);
  for (;;)
    nanosleep(&long_time, NULL);
  pthread_cleanup_pop(0);
  return NULL;
}

int main(void) {
  void *(*fns[3])(void *) = {in_cond_wait, in_sem_wait, in_sleep};
  pthread_t t[3];
  void *ret;
  if (sem_init(&never, 0, 0) != 0)
    return 3;
  for (int i = 0; i < 3; i++)
    CHECK(pthread_create(&t[i], NULL, fns[i], NULL));
  CHECK(pthread_mutex_lock(&mu));
  while (started < 3)
    CHECK(pthread_cond_wait(&cv, &mu));
  CHECK(pthread_mutex_unlock(&mu));
  for (int i = 0; i < 3; i++) {
    CHECK(pthread_cancel(t[i]));
    CHECK(pthread_join(t[i], &ret));
    if (ret != PTHREAD_CANCELED) {
      fprintf(stderr, "correct_cancel: thread %d was not cancelled\n", i);
      return 1;
    }
  }
  if (cleaned != 3) {
    fprintf(stderr, "correct_cancel: %d of 3 cleanups ran\n", cleaned);
    return 1;
  }
  return 0;
}
