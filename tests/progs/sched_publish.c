/* sched_publish.c -- a pthread program that publishes an object before it
 * has initialised it: the reader, polling for the object, fails only when
 * it looks in the moment between the publisher's unlock and its last
 * store. Exit 1 when the reader saw the uninitialised value. Twin: built
 * with -DOK (sched_publish_ok), the object is initialised before it is
 * published, so no interleaving can fail. Used by tests/sched-preload.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef OK
#define NAME "sched_publish_ok"
#else
#define NAME "sched_publish"
#endif

struct config {
  int port;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct config *shared;

/* Other work between two looks, so that the lock is rarely contended. */
static void other_work(void) {
  for (volatile unsigned i = 0; i < 20000; i++)
    ;
}

static void *publisher(void *arg) {
  struct config *c = calloc(1, sizeof *c);
  (void)arg;
  if (c == NULL)
    abort();
  other_work();
#ifdef OK
  c->port = 8080; /* initialised first ... */
  pthread_mutex_lock(&mu);
  shared = c; /* ... then published */
  pthread_mutex_unlock(&mu);
#else
  pthread_mutex_lock(&mu);
  shared = c; /* published here ... */
  pthread_mutex_unlock(&mu);
  c->port = 8080; /* ... but initialised only here: the bug */
#endif
  return NULL;
}

int main(void) {
  pthread_t t;
  struct config *c;
  int port;

  if (pthread_create(&t, NULL, publisher, NULL) != 0)
    return 3;
  for (;;) {
    pthread_mutex_lock(&mu);
    c = shared;
    pthread_mutex_unlock(&mu);
    if (c != NULL)
      break;
    other_work();
  }
  port = *(volatile int *)&c->port;
  pthread_join(t, NULL);
  free(c);
  if (port != 8080) {
    fprintf(stderr, "%s: read port %d before it was set\n", NAME, port);
    return 1;
  }
  return 0;
}
