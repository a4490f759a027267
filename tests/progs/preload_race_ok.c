/* preload_race_ok.c -- the correct twin of preload_race.c: each addition
 * reads and writes the counter in one critical section, so no update is
 * lost under any schedule. Exit 1 when the total is short. Used by
 * tests/preload-replay.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 2

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "preload_race_ok: %s failed (%d)\n", what, r);
    exit(3);
  }
}

static void *adder(void *arg) {
  (void)arg;
  for (int i = 0; i < ROUNDS; i++) {
    check(pthread_mutex_lock(&mu), "lock");
    counter = counter + 1;
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
    fprintf(stderr, "preload_race_ok: counter %ld, want %d: an update was "
            "lost\n", counter, 2 * ROUNDS);
    return 1;
  }
  return 0;
}
