/* corpus_tokenring.c -- corpus bug (pthread level): three threads pass a
 * token round a ring, each waiting on one shared condition variable for
 * its turn and writing its name into a shared log. The bug logs the turn
 * after the token has been passed on and the lock released, so the next
 * holder can log first. Exit 1 when the log is out of turn. Twin: -DOK
 * (log, then pass the token, under the lock). */
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

#define N 3
#define ROUNDS 2
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int token;
static int order[N * ROUNDS], pos;

static void *member(void *arg) {
  int me = (int)(long)arg;
  for (int r = 0; r < ROUNDS; r++) {
    CHECK(pthread_mutex_lock(&mu));
    while (token != me)
      CHECK(pthread_cond_wait(&cv, &mu));
#ifdef OK
    order[pos++] = me;
#endif
    token = (token + 1) % N;
    CHECK(pthread_cond_broadcast(&cv));
    CHECK(pthread_mutex_unlock(&mu));
#ifndef OK
    order[pos++] = me; /* BUG: the next holder may log before me */
#endif
  }
  return NULL;
}

int main(void) {
  pthread_t t[N];
  for (int i = 0; i < N; i++)
    CHECK(pthread_create(&t[i], NULL, member, (void *)(long)i));
  for (int i = 0; i < N; i++)
    CHECK(pthread_join(t[i], NULL));
  for (int i = 0; i < N * ROUNDS; i++)
    if (order[i] != i % N) {
      fprintf(stderr, "corpus_tokenring: turn %d taken by %d\n", i, order[i]);
      return 1;
    }
  return 0;
}
