/* preload_cancel.c -- a correct program that cancels threads while they
 * wait inside the calls the preload shim interposes: in a condition wait
 * (its cleanup handler unlocks the mutex), in sem_wait, in pthread_join, in
 * nanosleep, one with cancellation disabled that finishes its wait
 * first, and one cancelled while it locks and unlocks (neither is a
 * cancellation point, so the cancellation must act at its
 * pthread_testcancel, never inside them). Exit 0 when every thread ended
 * as it should; 1 otherwise. Used by tests/preload-correct.sh. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static int go, cleaned;
static pthread_t sleeper;
static pthread_mutex_t mu2 = PTHREAD_MUTEX_INITIALIZER;
static volatile int held;

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "preload_cancel: %s failed (%d)\n", what, r);
    exit(3);
  }
}

static void unlock_cb(void *arg) {
  cleaned++; /* the mutex is held again here */
  check(pthread_mutex_unlock(arg), "unlock in cleanup");
}

static void *cond_waiter(void *arg) {
  (void)arg;
  check(pthread_mutex_lock(&mu), "lock");
  pthread_cleanup_push(unlock_cb, &mu);
  while (!go)
    check(pthread_cond_wait(&cv, &mu), "cond_wait");
  pthread_cleanup_pop(1);
  return NULL;
}

static void *sem_waiter(void *arg) {
  (void)arg;
  for (;;)
    sem_wait(&sem);
  return NULL;
}

static void *sleepy(void *arg) {
  struct timespec ts = {0, 1000000};
  (void)arg;
  for (;;)
    nanosleep(&ts, NULL);
  return NULL;
}

static void *joiner(void *arg) {
  (void)arg;
  pthread_join(sleeper, NULL); /* cancelled while it waits */
  return NULL;
}

static void *stubborn(void *arg) {
  int old;
  (void)arg;
  check(pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old), "setcancelstate");
  check(pthread_mutex_lock(&mu), "lock");
  while (!go)
    check(pthread_cond_wait(&cv, &mu), "cond_wait");
  check(pthread_mutex_unlock(&mu), "unlock");
  check(pthread_setcancelstate(old, NULL), "setcancelstate");
  pthread_testcancel();
  return (void *)1; /* not reached: the cancellation acts above */
}

static void *locker(void *arg) {
  (void)arg;
  for (;;) {
    check(pthread_mutex_lock(&mu2), "lock");
    held = 1;
    check(pthread_mutex_unlock(&mu2), "unlock");
    held = 0;
    pthread_testcancel();
  }
  return NULL;
}

int main(void) {
  pthread_t cw, sw, jw, st, lk;
  void *r1, *r2, *r3, *r4, *r5, *r6;
  check(sem_init(&sem, 0, 0), "sem_init");
  check(pthread_create(&cw, NULL, cond_waiter, NULL), "create");
  check(pthread_create(&sw, NULL, sem_waiter, NULL), "create");
  check(pthread_create(&sleeper, NULL, sleepy, NULL), "create");
  check(pthread_create(&jw, NULL, joiner, NULL), "create");
  check(pthread_create(&st, NULL, stubborn, NULL), "create");
  check(pthread_create(&lk, NULL, locker, NULL), "create");
  for (int i = 0; i < 3; i++) { /* let the locker go round a few times */
    check(pthread_mutex_lock(&mu2), "lock");
    check(pthread_mutex_unlock(&mu2), "unlock");
  }
  check(pthread_cancel(lk), "cancel");
  check(pthread_cancel(cw), "cancel");
  check(pthread_cancel(sw), "cancel");
  check(pthread_cancel(jw), "cancel");
  check(pthread_cancel(st), "cancel");
  check(pthread_join(cw, &r1), "join");
  check(pthread_join(sw, &r2), "join");
  check(pthread_join(jw, &r3), "join");
  check(pthread_mutex_lock(&mu), "lock");
  go = 1;
  check(pthread_cond_broadcast(&cv), "broadcast");
  check(pthread_mutex_unlock(&mu), "unlock");
  check(pthread_join(st, &r4), "join");
  check(pthread_cancel(sleeper), "cancel");
  check(pthread_join(sleeper, &r5), "join");
  check(pthread_join(lk, &r6), "join");
  /* The cond waiter may have been cancelled before it waited (then its
   * handler ran too) -- it ran the cleanup handler either way, unless it
   * was cancelled before it locked. */
  if (r1 != PTHREAD_CANCELED || r2 != PTHREAD_CANCELED ||
      r3 != PTHREAD_CANCELED || r4 != PTHREAD_CANCELED ||
      r5 != PTHREAD_CANCELED || r6 != PTHREAD_CANCELED || cleaned > 1) {
    fprintf(stderr,
            "preload_cancel: a thread did not end by cancellation "
            "(%p %p %p %p %p %p, cleaned %d)\n",
            r1, r2, r3, r4, r5, r6, cleaned);
    return 1;
  }
  /* The mutexes must be free: the handler gave one back, the locker was
   * cancelled outside its lock and unlock. */
  if (pthread_mutex_trylock(&mu) != 0 || pthread_mutex_trylock(&mu2) != 0 ||
      held) {
    fprintf(stderr,
            "preload_cancel: a mutex is still held, or the locker "
            "was cancelled inside lock or unlock (held %d)\n",
            held);
    return 1;
  }
  check(pthread_mutex_unlock(&mu), "unlock");
  check(pthread_mutex_unlock(&mu2), "unlock");
  return 0;
}
