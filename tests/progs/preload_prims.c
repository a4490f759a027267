/* preload_prims.c -- a correct program that uses every call the preload
 * shim interposes, each with its contract checked: recursive and
 * errorcheck mutexes, trylock, timedlock (timing out), rwlocks, spinlocks,
 * condition variables (wait, timedwait timing out, signal, broadcast),
 * barriers, semaphores (wait, trywait, timedwait, post), detach,
 * sched_yield, nanosleep, usleep and fork. Exit 0 when every contract
 * held; 1 names the first that did not. Used by tests/preload-correct.sh. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T 4
#define ROUNDS 3

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "preload_prims: %s failed (%d)\n", what, r);
    exit(3);
  }
}

static void want(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "preload_prims: %s\n", what);
    exit(1);
  }
}

static struct timespec in_ms(long ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += ms * 1000000L;
  ts.tv_sec += ts.tv_nsec / 1000000000L;
  ts.tv_nsec %= 1000000000L;
  return ts;
}

static void run_all(void *(*fn)(void *)) {
  pthread_t t[T];
  for (long i = 0; i < T; i++)
    check(pthread_create(&t[i], NULL, fn, (void *)i), "pthread_create");
  for (int i = 0; i < T; i++)
    check(pthread_join(t[i], NULL), "pthread_join");
}

/* Recursive mutex: taken twice by its holder, counted by all. */
static pthread_mutex_t rec;
static int rec_count;
static void *rec_fn(void *a) {
  (void)a;
  for (int i = 0; i < ROUNDS; i++) {
    check(pthread_mutex_lock(&rec), "recursive lock");
    check(pthread_mutex_lock(&rec), "recursive lock again");
    int seen = rec_count;
    sched_yield();
    rec_count = seen + 1;
    check(pthread_mutex_unlock(&rec), "recursive unlock");
    check(pthread_mutex_unlock(&rec), "recursive unlock again");
  }
  return NULL;
}

/* Errorcheck mutex: relocking is EDEADLK, a stranger's unlock EPERM. */
static pthread_mutex_t ec;
static void *ec_stranger(void *a) {
  (void)a;
  want(pthread_mutex_unlock(&ec) == EPERM, "errorcheck: unlock by another "
                                           "thread is not EPERM");
  return NULL;
}

/* trylock until it succeeds, yielding in between. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int try_count;
static void *try_fn(void *a) {
  (void)a;
  for (int i = 0; i < ROUNDS; i++) {
    int r;
    while ((r = pthread_mutex_trylock(&mu)) == EBUSY)
      sched_yield();
    check(r, "trylock");
    int seen = try_count;
    usleep(10);
    try_count = seen + 1;
    check(pthread_mutex_unlock(&mu), "unlock");
  }
  return NULL;
}

/* timedlock on a mutex held until the timed locker gives up. */
static sem_t gave_up;
static void *holder_fn(void *a) {
  (void)a;
  check(pthread_mutex_lock(&mu), "lock");
  while (sem_wait(&gave_up) != 0)
    want(errno == EINTR, "sem_wait failed");
  check(pthread_mutex_unlock(&mu), "unlock");
  return NULL;
}

/* rwlock: writers alone, readers together. */
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int readers, writers, rw_value;
static void *rw_fn(void *a) {
  long me = (long)a;
  for (int i = 0; i < ROUNDS; i++) {
    if (me % 2) {
      check(pthread_rwlock_wrlock(&rw), "wrlock");
      want(readers == 0 && writers == 0, "rwlock: a writer was not alone");
      writers++;
      sched_yield();
      rw_value++;
      writers--;
      check(pthread_rwlock_unlock(&rw), "rwlock unlock");
    } else {
      int r =
          (i % 2) ? pthread_rwlock_tryrdlock(&rw) : pthread_rwlock_rdlock(&rw);
      if (r == EBUSY)
        continue;
      check(r, "rdlock");
      want(writers == 0, "rwlock: a reader met a writer");
      __atomic_add_fetch(&readers, 1, __ATOMIC_SEQ_CST);
      sched_yield();
      __atomic_sub_fetch(&readers, 1, __ATOMIC_SEQ_CST);
      check(pthread_rwlock_unlock(&rw), "rwlock unlock");
    }
  }
  return NULL;
}

/* spinlock counter. */
static pthread_spinlock_t spin;
static int spin_count;
static void *spin_fn(void *a) {
  (void)a;
  for (int i = 0; i < ROUNDS; i++) {
    if (pthread_spin_trylock(&spin) != 0)
      check(pthread_spin_lock(&spin), "spin_lock");
    int seen = spin_count;
    sched_yield();
    spin_count = seen + 1;
    check(pthread_spin_unlock(&spin), "spin_unlock");
  }
  return NULL;
}

/* A one-slot queue with two condition variables. */
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int slot, full, taken_sum;
static void *queue_fn(void *a) {
  long me = (long)a;
  for (int i = 0; i < ROUNDS; i++) {
    check(pthread_mutex_lock(&mu), "lock");
    if (me < T / 2) { /* producers */
      while (full)
        check(pthread_cond_wait(&not_full, &mu), "cond_wait");
      slot = (int)me + 1;
      full = 1;
      check(pthread_cond_signal(&not_empty), "cond_signal");
    } else {
      while (!full)
        check(pthread_cond_wait(&not_empty, &mu), "cond_wait");
      taken_sum += slot;
      full = 0;
      check(pthread_cond_broadcast(&not_full), "cond_broadcast");
    }
    check(pthread_mutex_unlock(&mu), "unlock");
  }
  return NULL;
}

/* barrier: one serial thread per round. */
static pthread_barrier_t bar;
static int serials;
static void *bar_fn(void *a) {
  (void)a;
  for (int i = 0; i < ROUNDS; i++) {
    int r = pthread_barrier_wait(&bar);
    if (r == PTHREAD_BARRIER_SERIAL_THREAD)
      __atomic_add_fetch(&serials, 1, __ATOMIC_SEQ_CST);
    else
      check(r, "barrier_wait");
  }
  return NULL;
}

/* semaphores: T tokens passed around. */
static sem_t sem;
static int sem_in, sem_max;
static void *sem_fn(void *a) {
  (void)a;
  for (int i = 0; i < ROUNDS; i++) {
    while (sem_wait(&sem) != 0)
      want(errno == EINTR, "sem_wait failed");
    int in = __atomic_add_fetch(&sem_in, 1, __ATOMIC_SEQ_CST);
    if (in > sem_max)
      sem_max = in;
    struct timespec ts = {0, 1000};
    nanosleep(&ts, NULL);
    __atomic_sub_fetch(&sem_in, 1, __ATOMIC_SEQ_CST);
    check(sem_post(&sem) ? errno : 0, "sem_post");
  }
  return NULL;
}

/* A poster that sleeps a little first. */
static sem_t napped;
static void *nap_post(void *a) {
  struct timespec ts = {0, 1000000};
  (void)a;
  usleep(1000);
  nanosleep(&ts, NULL);
  check(sem_post(&napped) ? errno : 0, "sem_post");
  return NULL;
}

static int detached_done;
static void *detached_fn(void *a) {
  (void)a;
  check(pthread_mutex_lock(&mu), "lock");
  detached_done = 1;
  check(pthread_mutex_unlock(&mu), "unlock");
  return NULL;
}

int main(void) {
  pthread_mutexattr_t ma;
  pthread_t t;
  struct timespec ts;

  check(pthread_mutexattr_init(&ma), "mutexattr_init");
  check(pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE), "settype");
  check(pthread_mutex_init(&rec, &ma), "mutex_init");
  run_all(rec_fn);
  want(rec_count == T * ROUNDS, "recursive mutex: a count was lost");

  check(pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK), "settype");
  check(pthread_mutex_init(&ec, &ma), "mutex_init");
  check(pthread_mutex_lock(&ec), "errorcheck lock");
  want(pthread_mutex_lock(&ec) == EDEADLK, "errorcheck: relock is not EDEADLK");
  want(pthread_mutex_trylock(&ec) == EBUSY, "errorcheck: trylock is not EBUSY");
  check(pthread_create(&t, NULL, ec_stranger, NULL), "pthread_create");
  check(pthread_join(t, NULL), "pthread_join");
  check(pthread_mutex_unlock(&ec), "errorcheck unlock");
  check(pthread_mutex_destroy(&ec), "mutex_destroy");

  run_all(try_fn);
  want(try_count == T * ROUNDS, "trylock: a count was lost");

  check(sem_init(&gave_up, 0, 0), "sem_init");
  check(pthread_create(&t, NULL, holder_fn, NULL), "pthread_create");
  while (pthread_mutex_trylock(&mu) == 0) { /* until the holder has it */
    check(pthread_mutex_unlock(&mu), "unlock");
    sched_yield();
  }
  ts = in_ms(20);
  want(pthread_mutex_timedlock(&mu, &ts) == ETIMEDOUT,
       "timedlock on a held mutex did not time out");
  want(sem_trywait(&gave_up) == -1 && errno == EAGAIN,
       "sem_trywait on 0 is not EAGAIN");
  ts = in_ms(5);
  want(sem_timedwait(&gave_up, &ts) == -1 && errno == ETIMEDOUT,
       "sem_timedwait on 0 did not time out");
  check(sem_post(&gave_up), "sem_post");
  check(pthread_join(t, NULL), "pthread_join");
  ts = in_ms(20);
  check(pthread_mutex_timedlock(&mu, &ts), "timedlock on a free mutex");
  ts = in_ms(5);
  want(pthread_cond_timedwait(&not_empty, &mu, &ts) == ETIMEDOUT,
       "cond_timedwait nobody signals did not time out");
  check(pthread_mutex_unlock(&mu), "unlock");

  /* A generous limit is not reached while the poster sleeps 2 ms. */
  check(sem_init(&napped, 0, 0), "sem_init");
  check(pthread_create(&t, NULL, nap_post, NULL), "pthread_create");
  ts = in_ms(10000);
  want(sem_timedwait(&napped, &ts) == 0,
       "sem_timedwait with a 10 s limit timed out while its poster slept");
  check(pthread_join(t, NULL), "pthread_join");

  run_all(rw_fn);
  want(rw_value == (T / 2) * ROUNDS, "rwlock: a write was lost");

  check(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE), "spin_init");
  run_all(spin_fn);
  want(spin_count == T * ROUNDS, "spinlock: a count was lost");

  run_all(queue_fn);
  want(taken_sum == ROUNDS * (1 + 2) && !full,
       "queue: an item was lost or duplicated");

  check(pthread_barrier_init(&bar, NULL, T), "barrier_init");
  run_all(bar_fn);
  want(serials == ROUNDS, "barrier: not one serial thread per round");
  check(pthread_barrier_destroy(&bar), "barrier_destroy");

  check(sem_init(&sem, 0, 2), "sem_init");
  run_all(sem_fn);
  want(sem_max <= 2, "semaphore: more holders than tokens");

  /* fork: the child carries on by itself, with its own threads. No other
   * thread of ours is alive meanwhile: a parked one would make the shim's
   * watchdog hand the token on while main waits in waitpid(). */
  pid_t pid = fork();
  if (pid < 0)
    check(errno, "fork");
  if (pid == 0) {
    try_count = 0;
    run_all(try_fn);
    _exit(try_count == T * ROUNDS ? 7 : 1);
  }
  int st;
  want(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7,
       "fork: the child did not finish its own threads");
  check(pthread_create(&t, NULL, detached_fn, NULL), "pthread_create");
  check(pthread_detach(t), "pthread_detach");
  for (;;) {
    check(pthread_mutex_lock(&mu), "lock");
    int done = detached_done;
    check(pthread_mutex_unlock(&mu), "unlock");
    if (done)
      break;
    usleep(100);
  }

  return 0;
}
