/* preload_race.c -- two threads add to a counter in two critical sections
 * (read under the lock, write back under the lock): an update is lost when
 * the other thread reads between them. Exit 1 when the total is short.
 * Plain pthreads, no project header: a program the preload shim has never
 * seen. Twin: built with -DOK (preload_race_ok), each addition reads and
 * writes the counter in one critical section, so no update is lost under
 * any schedule. Used by tests/preload-replay.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 2

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "preload_race: %s failed (%d)\n", what, r);
    exit(3);
  }
}

static void *adder(void *arg) {
  (void)arg;
  for (int i = 0; i < ROUNDS; i++) {
    check(pthread_mutex_lock(&mu), "lock");
#ifdef OK
    counter = counter + 1;
#else
    long seen = counter;
    check(pthread_mutex_unlock(&mu), "unlock");
    /* The bug: another adder may run here and its update is then lost. */
    check(pthread_mutex_lock(&mu), "lock");
    counter = seen + 1;
#endif
    check(pthread_mutex_unlock(&mu), "unlock");
  }
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    check(pthread_create(&t[i], NULL, adder, NULL), "pthread_create");
  for (int i = 0; i < 2; i++)
    check(pthread_join(t[i], NULL), "pthread_join");
  if (counter != 2 * ROUNDS) {
    fprintf(stderr,
            "preload_race: counter %ld, want %d: an update was "
            "lost\n",
            counter, 2 * ROUNDS);
    return 1;
  }
  return 0;
}
