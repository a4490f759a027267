/* corpus_ring.c -- corpus bug (pthread level): two producers fill a ring
 * buffer; each reads the shared head index outside the lock, then writes
 * its slot under the lock and advances the index. Two producers that read
 * the same index overwrite one slot and an item is lost. Exit 1 when an
 * item is missing. Twin: -DOK (the index is read and advanced under the
 * lock). */
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

#define CAP 16
#define ITEMS 4 /* per producer */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int ring[CAP];
static volatile unsigned head;

static void *producer(void *arg) {
  int base = (int)(long)arg;
  for (int k = 0; k < ITEMS; k++) {
#ifdef OK
    CHECK(pthread_mutex_lock(&mu));
    unsigned i = head;
#else
    unsigned i = head; /* BUG: read outside the lock */
    CHECK(pthread_mutex_lock(&mu));
#endif
    ring[i % CAP] = base + k;
    head = i + 1;
    CHECK(pthread_mutex_unlock(&mu));
  }
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  int seen[2 * ITEMS] = {0};
  CHECK(pthread_create(&t1, NULL, producer, (void *)1L));
  CHECK(pthread_create(&t2, NULL, producer, (void *)(long)(1 + ITEMS)));
  CHECK(pthread_join(t1, NULL));
  CHECK(pthread_join(t2, NULL));
  for (unsigned i = 0; i < head && i < CAP; i++)
    if (ring[i] >= 1 && ring[i] <= 2 * ITEMS)
      seen[ring[i] - 1] = 1;
  for (int v = 0; v < 2 * ITEMS; v++)
    if (!seen[v]) {
      fprintf(stderr, "corpus_ring: item %d was lost\n", v + 1);
      return 1;
    }
  return 0;
}
