/* correct_primitives.c -- corpus, correct: one program that uses every
 * primitive a scheduler for unmodified programs has to carry: mutexes of
 * the three kinds (normal, recursive, errorcheck), trylock and timedlock,
 * a rwlock, a spinlock, condition variables (wait, timedwait, signal,
 * broadcast), a barrier, semaphores (wait, trywait, timedwait, post),
 * a detached thread, sched_yield, nanosleep and usleep, and fork (the
 * child uses threads too and carries on by itself). Every result is
 * checked; exit 1 when a result is wrong. */
#include <errno.h>
#include <sched.h>
#include <semaphore.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
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

#define W 3
static pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t rec, errchk, timed;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t bar;
static sem_t items, detached_done;
static int go, counter, spun, rwsum, bad;

static void fail(const char *what) {
  CHECK(pthread_mutex_lock(&plain));
  fprintf(stderr, "correct_primitives: %s\n", what);
  bad = 1;
  CHECK(pthread_mutex_unlock(&plain));
}

static struct timespec in_ms(long ms) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_sec += ms / 1000;
  t.tv_nsec += (ms % 1000) * 1000000L;
  if (t.tv_nsec >= 1000000000L) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000L;
  }
  return t;
}

static void *worker(void *arg) {
  long me = (long)arg;
  int r;
  /* Wait for the start signal (broadcast) with a predicate loop. */
  CHECK(pthread_mutex_lock(&plain));
  while (!go)
    CHECK(pthread_cond_wait(&cv, &plain));
  CHECK(pthread_mutex_unlock(&plain));

  /* Recursive mutex, taken twice. */
  CHECK(pthread_mutex_lock(&rec));
  CHECK(pthread_mutex_lock(&rec));
  counter++;
  CHECK(pthread_mutex_unlock(&rec));
  CHECK(pthread_mutex_unlock(&rec));

  /* Errorcheck mutex: a second lock by the owner is refused. */
  CHECK(pthread_mutex_lock(&errchk));
  if (pthread_mutex_lock(&errchk) != EDEADLK)
    fail("errorcheck mutex relocked");
  CHECK(pthread_mutex_unlock(&errchk));

  /* trylock until free, yielding; then timedlock with a generous bound. */
  while ((r = pthread_mutex_trylock(&plain)) == EBUSY)
    sched_yield();
  CHECK(r);
  CHECK(pthread_mutex_unlock(&plain));
  struct timespec until = in_ms(5000);
  CHECK(pthread_mutex_timedlock(&timed, &until));
  CHECK(pthread_mutex_unlock(&timed));

  /* rwlock: readers add, one writer per thread. */
  CHECK(pthread_rwlock_wrlock(&rw));
  rwsum += (int)me;
  CHECK(pthread_rwlock_unlock(&rw));
  CHECK(pthread_rwlock_rdlock(&rw));
  if (rwsum < (int)me)
    fail("rwlock lost a write");
  CHECK(pthread_rwlock_unlock(&rw));

  CHECK(pthread_spin_lock(&spin));
  spun++;
  CHECK(pthread_spin_unlock(&spin));

  r = pthread_barrier_wait(&bar);
  if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD)
    CHECK(r);

  struct timespec nap = {0, 100000};
  nanosleep(&nap, NULL);
  usleep(100);
  if (sem_post(&items) != 0)
    fail("sem_post");
  return NULL;
}

static void *detached(void *arg) {
  (void)arg;
  sched_yield();
  if (sem_post(&detached_done) != 0)
    fail("sem_post (detached)");
  return NULL;
}

/* The forked child: threads of its own, then exit 0 if they agree. */
static int child(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, detached, NULL));
  CHECK(pthread_join(t, NULL));
  return sem_trywait(&detached_done) == 0 ? 0 : 1;
}

int main(void) {
  pthread_t t[W], d;
  pthread_mutexattr_t ma;
  pthread_attr_t da;
  CHECK(pthread_mutexattr_init(&ma));
  CHECK(pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE));
  CHECK(pthread_mutex_init(&rec, &ma));
  CHECK(pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK));
  CHECK(pthread_mutex_init(&errchk, &ma));
  CHECK(pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_NORMAL));
  CHECK(pthread_mutex_init(&timed, &ma));
  CHECK(pthread_mutexattr_destroy(&ma));
  CHECK(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE));
  CHECK(pthread_barrier_init(&bar, NULL, W));
  if (sem_init(&items, 0, 0) != 0 || sem_init(&detached_done, 0, 0) != 0)
    return 3;

  for (long i = 0; i < W; i++)
    CHECK(pthread_create(&t[i], NULL, worker, (void *)(i + 1)));
  CHECK(pthread_attr_init(&da));
  CHECK(pthread_attr_setdetachstate(&da, PTHREAD_CREATE_DETACHED));
  CHECK(pthread_create(&d, &da, detached, NULL));
  CHECK(pthread_attr_destroy(&da));

  /* A timedwait that times out (nobody signals cv before go is set). */
  CHECK(pthread_mutex_lock(&plain));
  struct timespec soon = in_ms(1);
  int r = pthread_cond_timedwait(&cv, &plain, &soon);
  if (r != ETIMEDOUT && r != 0)
    CHECK(r);
  go = 1;
  CHECK(pthread_cond_broadcast(&cv));
  CHECK(pthread_cond_signal(&cv));
  CHECK(pthread_mutex_unlock(&plain));

  for (int i = 0; i < W; i++) {
    struct timespec until = in_ms(10000);
    while (sem_timedwait(&items, &until) != 0)
      if (errno != EINTR) {
        perror("sem_timedwait");
        return 1;
      }
  }
  for (int i = 0; i < W; i++)
    CHECK(pthread_join(t[i], NULL));
  while (sem_wait(&detached_done) != 0)
    if (errno != EINTR)
      return 3;

  pid_t pid = fork();
  if (pid < 0)
    return 3;
  if (pid == 0)
    _exit(child());
  int status;
  if (waitpid(pid, &status, 0) != pid)
    return 3;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail("the forked child");

  if (counter != W || spun != W || rwsum != W * (W + 1) / 2)
    fail("a count is wrong");
  return bad;
}
