/* corpus_init_after_create.c -- corpus bug (pthread level): the main
 * thread starts a worker and only then sets up the table the worker
 * uses; thread start-up and the worker's own work before it looks are
 * slow enough that the table is nearly always there in time. A worker
 * that runs at once finds it missing. Exit 1 when
 * the worker saw no table. Twin: -DOK (set up, then start). */
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

static int *volatile table;
static int missing;

/* The worker's own work before it needs the table: arithmetic, no sleep. */
static void own_work(void) {
  for (volatile unsigned i = 0; i < 200000; i++)
    ;
}

static void *worker(void *arg) {
  (void)arg;
  own_work();
  int *t = table;
  if (t == NULL)
    missing = 1;
  return NULL;
}

static int *make_table(void) {
  static int storage[4] = {1, 2, 3, 4};
  return storage;
}

int main(void) {
  pthread_t t;
#ifdef OK
  table = make_table();
  CHECK(pthread_create(&t, NULL, worker, NULL));
#else
  CHECK(pthread_create(&t, NULL, worker, NULL));
  table = make_table(); /* BUG: the worker may already be running */
#endif
  CHECK(pthread_join(t, NULL));
  if (missing) {
    fprintf(stderr, "corpus_init_after_create: the worker ran before its "
                    "table was set up\n");
    return 1;
  }
  return 0;
}
