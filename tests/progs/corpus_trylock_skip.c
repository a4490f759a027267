/* corpus_trylock_skip.c -- corpus bug (memory level): a worker that finds
 * the lock busy (trylock fails) assumes someone else is doing its job and
 * skips it. Each worker has its own job, so a collision loses one. The
 * critical section holds no pthread call, only a load and a store: a
 * scheduler that switches threads at pthread calls alone never finds the
 * lock held, so the window needs the build/schedcc rebuild. Exit 1 when a
 * job was skipped. Twin: -DOK (a busy lock is waited for). */
#include <errno.h>
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
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int done;

static void *worker(void *arg) {
  (void)arg;
#ifdef OK
  CHECK(pthread_mutex_lock(&mu));
#else
  int r = pthread_mutex_trylock(&mu);
  if (r == EBUSY)
    return NULL; /* BUG: my job is not someone else's */
  CHECK(r);
#endif
  done++;
  CHECK(pthread_mutex_unlock(&mu));
  return NULL;
}

int main(void) {
  pthread_t t[N];
  for (int i = 0; i < N; i++)
    CHECK(pthread_create(&t[i], NULL, worker, NULL));
  for (int i = 0; i < N; i++)
    CHECK(pthread_join(t[i], NULL));
  if (done != N) {
    fprintf(stderr, "corpus_trylock_skip: %d of %d jobs done\n", done, N);
    return 1;
  }
  return 0;
}
