/* preload.h -- what the preload shim's two halves share: the scheduler core
 * (sched_preload.c: threads, the token, strategies, reports) and the
 * interposed pthread calls (preload_wrap.c). Internal; see sched_preload.c
 * for what the shim does and what it cannot do. */
#ifndef PRELOAD_H
#define PRELOAD_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* What a parked thread waits for before it may run again. W_NONE and
 * W_YIELD are runnable (W_YIELD: at sched_yield or a sleep, which PCT
 * takes as "let the others go first"); W_OBJ: a try-operation on obj
 * (mutex, rwlock, spinlock, semaphore) failed, runnable again once some
 * thread releases obj; W_COND: in a condition wait on obj; W_JOIN: until
 * thread obj ends; W_BARRIER: until the barrier obj fills. */
enum pl_wait { W_NONE, W_YIELD, W_OBJ, W_COND, W_JOIN, W_BARRIER };

/* PARKED: at a schedule point, waiting for (or just given) the token;
 * RUNNING: holds the token; ESCAPED: ran too long without an interposed
 * call, so the token was handed on and it runs outside the model until its
 * next interposed call; DONE: ended (returned, pthread_exit, cancelled). */
enum pl_state { T_PARKED, T_RUNNING, T_ESCAPED, T_DONE };

struct pl_thread {
  unsigned id; /* 0 = main, then creation order */
  char name[16];
  enum pl_state state;
  const char *point;
  enum pl_wait wait;
  const void *obj;
  int timed, timed_out; /* a timed wait; it timed out */
  int woken;            /* W_COND: signalled (or cancelled) */
  unsigned long seq;    /* W_COND and timed waits: arrival order */
  uint64_t due;         /* virtual ns: a sleep's end, a timed wait's limit */
  int64_t prio;         /* PCT and POS priority */
  int cancel_pending;   /* pthread_cancel was called on it */
  int cpoint;           /* parked inside a cancellation point */
  int detached, joined;
  atomic_int go; /* futex word: 1 once it has been given the token */
  pthread_t pt;
  void *(*fn)(void *);
  void *arg;
};

/* Kinds of objects the shim names in reports. */
enum pl_kind { K_MUTEX, K_RWLOCK, K_SPIN, K_SEM, K_COND, K_BARRIER };

struct pl_obj {
  const void *key;
  enum pl_kind kind;
  struct pl_thread *owner; /* mutexes: the holder */
  unsigned count;          /* mutexes: recursion depth; barriers: size */
  unsigned arrived;        /* barriers: threads waiting in this round */
};

/* Nonzero while the shim schedules: a spec it carries out, not in a forked
 * child, not while the process exits. */
extern int pl_on;
/* SCHED_POR=1: no schedule point at a release (preload_wrap.c's
 * release()). */
extern int pl_por;
extern __thread struct pl_thread *pl_self
    __attribute__((tls_model("initial-exec")));

/* The real functions, found with dlsym(RTLD_NEXT). */
struct pl_real {
  int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
  int (*join)(pthread_t, void **);
  int (*detach)(pthread_t);
  void (*exit)(void *) __attribute__((noreturn));
  int (*cancel)(pthread_t);
  int (*mutex_init)(pthread_mutex_t *, const pthread_mutexattr_t *);
  int (*mutex_destroy)(pthread_mutex_t *);
  int (*lock)(pthread_mutex_t *);
  int (*trylock)(pthread_mutex_t *);
  int (*unlock)(pthread_mutex_t *);
  int (*timedlock)(pthread_mutex_t *, const struct timespec *);
  int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
  int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *,
                        const struct timespec *);
  int (*cond_signal)(pthread_cond_t *);
  int (*cond_broadcast)(pthread_cond_t *);
  int (*rd)(pthread_rwlock_t *);
  int (*wr)(pthread_rwlock_t *);
  int (*tryrd)(pthread_rwlock_t *);
  int (*trywr)(pthread_rwlock_t *);
  int (*timedrd)(pthread_rwlock_t *, const struct timespec *);
  int (*timedwr)(pthread_rwlock_t *, const struct timespec *);
  int (*rwunlock)(pthread_rwlock_t *);
  int (*spin_lock)(pthread_spinlock_t *);
  int (*spin_trylock)(pthread_spinlock_t *);
  int (*spin_unlock)(pthread_spinlock_t *);
  int (*barrier_init)(pthread_barrier_t *, const pthread_barrierattr_t *,
                      unsigned);
  int (*barrier_wait)(pthread_barrier_t *);
  int (*barrier_destroy)(pthread_barrier_t *);
  int (*sem_wait)(sem_t *);
  int (*sem_trywait)(sem_t *);
  int (*sem_timedwait)(sem_t *, const struct timespec *);
  int (*sem_post)(sem_t *);
  int (*yield)(void);
  int (*nanosleep)(const struct timespec *, struct timespec *);
  int (*clock_nanosleep)(clockid_t, int, const struct timespec *,
                         struct timespec *);
  int (*usleep)(unsigned);
  unsigned (*sleep)(unsigned);
  void (*exit_process)(int) __attribute__((noreturn));
};
extern struct pl_real pl_real;
/* Fills pl_real; the constructor does, and so does the first wrapper
 * called before it (from another library's constructor). */
void pl_find_real(void);

/* The shim's own lock (a plain mutex taken through pl_real): guards every
 * pl_* structure below. */
void pl_lock(void);
void pl_unlock(void);
/* Nonzero when the calling thread holds the shim's lock: each "with the
 * lock held" below is asserted with it. */
int pl_held(void);

/* With the lock held, by the token holder: parks it at point waiting for
 * w/obj (timed: the wait may time out), lets the strategy choose who runs,
 * and returns once the caller holds the token again. An ESCAPED caller
 * rejoins the model here. Returns 1 when a timed wait timed out. */
int pl_park(const char *point, enum pl_wait w, const void *obj, int timed);

/* With the lock held: the caller's sleep ends, or its next timed wait
 * times out, ns virtual nanoseconds from now. */
void pl_due_in(uint64_t ns);

/* With the lock held: every thread in a W_OBJ wait on obj may retry. */
void pl_release(const void *obj);
/* With the lock held: wakes the oldest condition waiter on c, or all. */
void pl_cond_wake(const void *c, int all);
/* With the lock held: the barrier b filled; its waiters go on. */
void pl_barrier_open(const void *b);

/* With the lock held: the object record for key (created when create is
 * set, else NULL when unknown). */
struct pl_obj *pl_obj(const void *key, enum pl_kind kind, int create);

/* Thread lifecycle. pl_thread_new: a record for a thread about to be
 * created (lock held); pl_thread_end: the calling thread ends, however
 * (lock not held); pl_find: the live or unjoined record for pt. */
struct pl_thread *pl_thread_new(void *(*fn)(void *), void *arg);
void pl_thread_drop(struct pl_thread *t);
void pl_thread_end(struct pl_thread *t);
struct pl_thread *pl_find(pthread_t pt);
/* Waits (lock held) until t holds the token. */
void pl_wait_token(struct pl_thread *t);
/* Starts the watchdog thread once (lock not held). */
void pl_monitor_start(void);
/* exit() was called: stop scheduling, leave the others parked. */
void pl_stop(void);
/* With the lock held: nonzero when the caller is the only live thread. */
int pl_alone(void);

#endif
