/* corpus_sem_early.c -- corpus bug (pthread level): a producer posts the
 * semaphore that says "the slot is full" before it fills the slot. A
 * consumer that wakes at once reads the empty slot. Exit 1 when the
 * consumer read it empty. Twin: -DOK (fill, then post). */
#include <errno.h>
#include <semaphore.h>
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

static sem_t full;
static volatile int slot;

#define SEM(x)                                                                 \
  do {                                                                         \
    if ((x) != 0) {                                                            \
      perror(#x);                                                              \
      exit(3);                                                                 \
    }                                                                          \
  } while (0)

static void *producer(void *arg) {
  (void)arg;
#ifdef OK
  slot = 42;
  SEM(sem_post(&full));
#else
  SEM(sem_post(&full)); /* BUG: announced before ... */
  slot = 42;            /* ... it is there */
#endif
  return NULL;
}

/* The consumer's own work before it waits: arithmetic, no sleep, so that
 * the producer has nearly always filled the slot by then. */
static void own_work(void) {
  for (volatile unsigned i = 0; i < 200000; i++)
    ;
}

int main(void) {
  pthread_t t;
  int v;
  SEM(sem_init(&full, 0, 0));
  CHECK(pthread_create(&t, NULL, producer, NULL));
  own_work();
  while (sem_wait(&full) != 0)
    if (errno != EINTR) {
      perror("sem_wait");
      return 3;
    }
  v = slot;
  CHECK(pthread_join(t, NULL));
  SEM(sem_destroy(&full));
  if (v != 42) {
    fprintf(stderr, "corpus_sem_early: read %d from an empty slot\n", v);
    return 1;
  }
  return 0;
}
