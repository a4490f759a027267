/* preload_bench.c -- the preload shim's cost: THREADS threads (default
 * 13) each take and release one shared mutex ITERS times (default 2000),
 * doing WORK units of arithmetic inside the lock and WORK outside
 * (default 1000, about a microsecond). Exit 0 when the count is right.
 * Usage: preload_bench [THREADS [ITERS [WORK]]]. Used by
 * tests/check-preload-cost.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter, iters, work;

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "preload_bench: %s failed (%d)\n", what, r);
    exit(3);
  }
}

static void spend(void) {
  for (volatile long i = 0; i < work; i++)
    ;
}

static void *worker(void *arg) {
  (void)arg;
  for (long i = 0; i < iters; i++) {
    check(pthread_mutex_lock(&mu), "lock");
    counter++;
    spend();
    check(pthread_mutex_unlock(&mu), "unlock");
    spend();
  }
  return NULL;
}

static long arg(int argc, char **argv, int i, long def) {
  char *end;
  long v;
  if (argc <= i)
    return def;
  v = strtol(argv[i], &end, 10);
  if (*end != '\0' || v < 0 || v > 100000000) {
    fprintf(stderr,
            "preload_bench: argument %d: want a number, 0..1e8, "
            "not '%s'\n",
            i, argv[i]);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  long n = arg(argc, argv, 1, 13);
  pthread_t *t;
  iters = arg(argc, argv, 2, 2000);
  work = arg(argc, argv, 3, 1000);
  if (n < 1 || n > 1000) {
    fprintf(stderr, "preload_bench: THREADS: want 1..1000\n");
    return 2;
  }
  if ((t = calloc((size_t)n, sizeof *t)) == NULL)
    return 3;
  for (long i = 0; i < n; i++)
    check(pthread_create(&t[i], NULL, worker, NULL), "pthread_create");
  for (long i = 0; i < n; i++)
    check(pthread_join(t[i], NULL), "pthread_join");
  free(t);
  if (counter != n * iters) {
    fprintf(stderr, "preload_bench: counter %ld, want %ld\n", counter,
            n * iters);
    return 1;
  }
  return 0;
}
