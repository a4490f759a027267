/* corpus_setters.c -- corpus bug (memory level): N setter threads store a
 * pair of plain variables (a = i; b = -i) while a checker reads the pair
 * and asserts a + b == 0. The window is between two plain stores, with no
 * pthread call in it, so only a scheduler that stops at loads and stores
 * (build/schedcc) can open it. Usage: corpus_setters [N] (default 3, up to
 * 64). Exit 1 when the checker saw a torn pair. Twin: -DOK (the setters and
 * the checker take one mutex). */
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

static int a, b;
static int torn;
#ifdef OK
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
#define LOCK() CHECK(pthread_mutex_lock(&mu))
#define UNLOCK() CHECK(pthread_mutex_unlock(&mu))
#else
#define LOCK() (void)0
#define UNLOCK() (void)0
#endif

static void *setter(void *arg) {
  int i = (int)(long)arg;
  LOCK();
  a = i;
  b = -i; /* BUG: between these two stores the pair is torn */
  UNLOCK();
  return NULL;
}

static void *checker(void *arg) {
  (void)arg;
  for (int k = 0; k < 3; k++) {
    LOCK();
    int x = a, y = b;
    UNLOCK();
    if (x + y != 0)
      torn = 1;
  }
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 3;
  pthread_t t[65];
  if (n < 1 || n > 64) {
    fprintf(stderr, "usage: corpus_setters [N], N in 1..64\n");
    return 2;
  }
  CHECK(pthread_create(&t[0], NULL, checker, NULL));
  for (int i = 1; i <= n; i++)
    CHECK(pthread_create(&t[i], NULL, setter, (void *)(long)i));
  for (int i = 0; i <= n; i++)
    CHECK(pthread_join(t[i], NULL));
  if (torn) {
    fprintf(stderr, "corpus_setters: the checker saw a torn pair\n");
    return 1;
  }
  return 0;
}
