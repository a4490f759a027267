/* correct_exit.c -- corpus, correct: 200 workers end with pthread_exit
 * (never by returning from their start function), half of them detached,
 * and the main thread ends with pthread_exit too, so the process ends when
 * the last worker does, with status 0. Each joinable worker's value is
 * checked; a detached worker signals its end on a counter. Exit 1 on a
 * wrong value. */
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

#define N 200
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int ended;

static void finish(long value) {
  CHECK(pthread_mutex_lock(&mu));
  ended++;
  CHECK(pthread_mutex_unlock(&mu));
  pthread_exit((void *)value);
}

static void *worker(void *arg) {
  finish((long)arg * 2);
  return NULL; /* not reached */
}

int main(void) {
  static pthread_t t[N];
  pthread_attr_t detached;
  CHECK(pthread_attr_init(&detached));
  CHECK(pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED));
  for (long i = 0; i < N; i++)
    CHECK(pthread_create(&t[i], i % 2 ? &detached : NULL, worker, (void *)i));
  CHECK(pthread_attr_destroy(&detached));
  for (long i = 0; i < N; i += 2) {
    void *v;
    CHECK(pthread_join(t[i], &v));
    if ((long)v != i * 2) {
      fprintf(stderr, "correct_exit: worker %ld returned %ld\n", i, (long)v);
      return 1;
    }
  }
  pthread_exit(NULL); /* the detached ones may still be running */
}
