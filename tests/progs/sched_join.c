/* sched_join.c -- a pthread program that reads its worker's result before
 * joining the worker, trusting the worker's "finished" report instead: it
 * fails only when it looks in the moment between the report and the
 * worker's last store. Exit 1 when the result was read too early. Twin:
 * built with -DOK (sched_join_ok), the main thread joins the worker before
 * it reads the result, since only the join says the worker has finished.
 * Used by tests/sched-preload.sh. */
#include <pthread.h>
#include <stdio.h>

#ifdef OK
#define NAME "sched_join_ok"
#else
#define NAME "sched_join"
#endif

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
#ifdef OK
  pthread_join(t, NULL); /* joined first ... */
  r = result;            /* ... then read */
#else
  r = *(volatile int *)&result; /* read before the join: the bug */
  pthread_join(t, NULL);
#endif
  if (r != 42) {
    fprintf(stderr, "%s: read result %d before the worker set it\n", NAME, r);
    return 1;
  }
  return 0;
}
