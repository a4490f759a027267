/* sched_join_ok.c -- the correct twin of sched_join.c: the main thread
 * joins the worker before it reads the result; only the join says the
 * worker has finished. Exit 1 would mean the result was read too early.
 * Used by tests/sched-preload.sh. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int finished; /* the worker's progress report */
static int result;

static void other_work(void) {
  for (volatile unsigned i = 0; i < 20000; i++)
    ;
}

static void *worker(void *arg) {
  int r;
  (void)arg;
  other_work();
  r = 42;
  pthread_mutex_lock(&mu);
  finished = 1; /* reports itself finished ... */
  pthread_mutex_unlock(&mu);
  *(volatile int *)&result = r; /* ... and hands over its result after */
  return NULL;
}

int main(void) {
  pthread_t t;
  int done = 0, r;

  if (pthread_create(&t, NULL, worker, NULL) != 0)
    return 3;
  /* Wait for the progress report, doing other work meanwhile. */
  while (!done) {
    other_work();
    pthread_mutex_lock(&mu);
    done = finished;
    pthread_mutex_unlock(&mu);
  }
  pthread_join(t, NULL); /* joined first ... */
  r = result;             /* ... then read */
  if (r != 42) {
    fprintf(stderr, "sched_join_ok: read result %d before the worker set it\n", r);
    return 1;
  }
  return 0;
}
