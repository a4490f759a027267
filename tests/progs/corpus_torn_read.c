/* corpus_torn_read.c -- corpus bug (memory level): a writer updates a
 * two-field position under a spinlock, but the reader reads both fields
 * without taking it, trusting that the update is quick. Exit 1 when the
 * reader saw a position that was never written (x != y). Twin: -DOK (the
 * reader takes the spinlock too). */
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

static pthread_spinlock_t spin;
static volatile int x, y;
static int torn;

static void *writer(void *arg) {
  (void)arg;
  for (int i = 1; i <= 3; i++) {
    CHECK(pthread_spin_lock(&spin));
    x = i;
    y = i;
    CHECK(pthread_spin_unlock(&spin));
  }
  return NULL;
}

static void *reader(void *arg) {
  (void)arg;
  for (int k = 0; k < 3; k++) {
#ifdef OK
    CHECK(pthread_spin_lock(&spin));
#endif
    int a = x, b = y; /* BUG (without OK): no lock */
#ifdef OK
    CHECK(pthread_spin_unlock(&spin));
#endif
    if (a != b)
      torn = 1;
  }
  return NULL;
}

int main(void) {
  pthread_t tw, tr;
  CHECK(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE));
  CHECK(pthread_create(&tr, NULL, reader, NULL));
  CHECK(pthread_create(&tw, NULL, writer, NULL));
  CHECK(pthread_join(tw, NULL));
  CHECK(pthread_join(tr, NULL));
  CHECK(pthread_spin_destroy(&spin));
  if (torn) {
    fprintf(stderr, "corpus_torn_read: read a position never written\n");
    return 1;
  }
  return 0;
}
