/* corpus_publish2.c -- corpus bug (pthread level, deep with many threads):
 * a writer publishes a record in two critical sections (stage 1: reserve,
 * stage 2: fill); the record is torn in between. One reader looks once. The
 * other N-2 threads do unrelated locked work on their own mutexes, so with
 * N = 100 the reader must be scheduled in one narrow gap among many
 * threads. Usage: corpus_publish2 [N] (default 2, 2..1000). Exit 1 when the
 * reader saw stage 1. Twin: -DOK (one critical section). */
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
static int stage;
static int saw_torn;

static void *writer(void *arg) {
  (void)arg;
  CHECK(pthread_mutex_lock(&mu));
  stage = 1;
#ifndef OK
  CHECK(pthread_mutex_unlock(&mu)); /* BUG: the record is torn until ... */
  CHECK(pthread_mutex_lock(&mu));   /* ... this second section */
#endif
  stage = 2;
  CHECK(pthread_mutex_unlock(&mu));
  return NULL;
}

static void *reader(void *arg) {
  (void)arg;
  CHECK(pthread_mutex_lock(&mu));
  if (stage == 1)
    saw_torn = 1;
  CHECK(pthread_mutex_unlock(&mu));
  return NULL;
}

/* Unrelated work with locks of its own: more threads, more choices. */
static void *bystander(void *arg) {
  pthread_mutex_t *own = arg;
  for (int i = 0; i < 2; i++) {
    CHECK(pthread_mutex_lock(own));
    CHECK(pthread_mutex_unlock(own));
  }
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2;
  if (n < 2 || n > 1000) {
    fprintf(stderr, "usage: corpus_publish2 [N], N in 2..1000\n");
    return 2;
  }
  pthread_t *t = calloc((size_t)n, sizeof *t);
  pthread_mutex_t *own = calloc((size_t)n, sizeof *own);
  if (t == NULL || own == NULL)
    return 3;
  /* The bystanders first, then the two that matter, so that the gap comes
   * late among many runnable threads. */
  for (int i = 2; i < n; i++) {
    CHECK(pthread_mutex_init(&own[i], NULL));
    CHECK(pthread_create(&t[i], NULL, bystander, &own[i]));
  }
  CHECK(pthread_create(&t[0], NULL, writer, NULL));
  CHECK(pthread_create(&t[1], NULL, reader, NULL));
  for (int i = 0; i < n; i++)
    CHECK(pthread_join(t[i], NULL));
  free(t);
  free(own);
  if (saw_torn) {
    fprintf(stderr, "corpus_publish2: the reader saw a half-published "
                    "record\n");
    return 1;
  }
  return 0;
}
