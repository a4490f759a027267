/* corpus_lockorder.c -- corpus bug (pthread level): N threads, N locks in
 * a ring; thread i takes lock i, then lock i+1 (mod N). When every thread
 * holds its first lock, none gets its second: a deadlock, a run that hangs
 * (hunt --timeout counts it; a deciding scheduler reports the cycle).
 * Usage: corpus_lockorder [N] (default 2, 2..16). Twin: -DOK (every thread
 * takes the lower-numbered lock first: one global order). */
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

static pthread_mutex_t locks[16];
static int n = 2;
static int total;

static void *worker(void *arg) {
  int i = (int)(long)arg, first = i, second = (i + 1) % n;
#ifdef OK
  if (second < first) {
    first = second;
    second = i;
  }
#endif
  CHECK(pthread_mutex_lock(&locks[first]));
  CHECK(pthread_mutex_lock(&locks[second])); /* BUG: the ring closes here */
  total++;
  CHECK(pthread_mutex_unlock(&locks[second]));
  CHECK(pthread_mutex_unlock(&locks[first]));
  return NULL;
}

int main(int argc, char **argv) {
  pthread_t t[16];
  if (argc > 1)
    n = atoi(argv[1]);
  if (n < 2 || n > 16) {
    fprintf(stderr, "usage: corpus_lockorder [N], N in 2..16\n");
    return 2;
  }
  for (int i = 0; i < n; i++)
    CHECK(pthread_mutex_init(&locks[i], NULL));
  for (int i = 0; i < n; i++)
    CHECK(pthread_create(&t[i], NULL, worker, (void *)(long)i));
  for (int i = 0; i < n; i++)
    CHECK(pthread_join(t[i], NULL));
  return total == n ? 0 : 1;
}
