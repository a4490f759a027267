/* preload_wrap.c -- the calls the preload shim interposes: each one is a
 * schedule point for a registered thread (the plain call for any other),
 * and every blocking one is modelled so that only the shim blocks. The
 * model and its limits are described in sched_preload.c.
 *
 * Inside a wrapper cancellation is disabled, so that a thread is never
 * cancelled while it holds the shim's lock or is half-way through a
 * decision; the wrappers that are cancellation points check for a pending
 * cancellation on entry and after they are done, with the state the
 * program had set. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "preload.h"

static inline void need_real(void) {
  if (__builtin_expect(pl_real.exit_process == NULL, 0))
    pl_find_real(); /* called from a constructor that ran before ours */
}

/* The calling thread when the shim schedules it, else NULL. */
static inline struct pl_thread *me_now(void) {
  need_real();
  return pl_on ? pl_self : NULL;
}

static int cs_off(void) {
  int old;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
  return old;
}

static void cs_on(int old) {
  int x;
  pthread_setcancelstate(old, &x);
}

/* A cancellation the thread must act on at its cancellation point: one
 * is pending and the program had cancellation enabled (cs, the state the
 * wrapper saved when it disabled it). */
static int cancelled(const struct pl_thread *me, int cs) {
  return me->cancel_pending && cs == PTHREAD_CANCEL_ENABLE;
}

/* The objects a try-operation can take. */
enum op { OP_MUTEX, OP_RD, OP_WR, OP_SPIN, OP_SEM };

static const enum pl_kind op_kind[] = {K_MUTEX, K_RWLOCK, K_RWLOCK, K_SPIN,
                                       K_SEM};

static int try_op(enum op op, void *o) {
  switch (op) {
  case OP_MUTEX:
    return pl_real.trylock(o);
  case OP_RD:
    return pl_real.tryrd(o);
  case OP_WR:
    return pl_real.trywr(o);
  case OP_SPIN:
    return pl_real.spin_trylock(o);
  case OP_SEM:
    return pl_real.sem_trywait(o) == 0 ? 0 : errno == EAGAIN ? EBUSY : errno;
  }
  return EINVAL;
}

/* glibc keeps the mutex type in the low bits of __kind. */
static int errorcheck(const pthread_mutex_t *m) {
  return (m->__data.__kind & 3) == PTHREAD_MUTEX_ERRORCHECK;
}

static void took(struct pl_thread *me, enum op op, void *obj) {
  struct pl_obj *o = pl_obj(obj, op_kind[op], 1);
  o->kind = op_kind[op];
  if (op != OP_MUTEX)
    return;
  if (o->owner == me) {
    o->count++;
  } else {
    o->owner = me;
    o->count = 1;
  }
}

/* With the lock held: a point, then the try-operation until it succeeds;
 * while it fails the thread waits in the shim for a release of obj.
 * Returns 0 (or EOWNERDEAD), the operation's error, ETIMEDOUT for a timed
 * wait that timed out, or ECANCELED when a cancellation point (cancellable)
 * was cancelled while cancellation was enabled (cs). */
static int acquire(struct pl_thread *me, enum op op, void *obj, const char *pt,
                   int timed, int cancellable, int cs) {
  assert(pl_held());
  pl_park(pt, W_NONE, obj, 0);
  for (;;) {
    struct pl_obj *o;
    int r = try_op(op, obj);
    if (r == 0 || r == EOWNERDEAD) {
      took(me, op, obj);
      return r;
    }
    if (r != EBUSY)
      return r;
    o = pl_obj(obj, op_kind[op], 1);
    o->kind = op_kind[op];
    if (op == OP_MUTEX && o->owner == me && errorcheck(obj))
      return EDEADLK;
    if (cancellable && cancelled(me, cs))
      return ECANCELED;
    me->cpoint = cancellable;
    r = pl_park(pt, W_OBJ, obj, timed);
    me->cpoint = 0;
    if (r)
      return ETIMEDOUT;
  }
}

static int unlock_op(enum op op, void *obj) {
  switch (op) {
  case OP_MUTEX:
    return pl_real.unlock(obj);
  case OP_RD:
  case OP_WR:
    return pl_real.rwunlock(obj);
  case OP_SPIN:
    return pl_real.spin_unlock(obj);
  case OP_SEM:
    return pl_real.sem_post(obj) == 0 ? 0 : errno;
  }
  return EINVAL;
}

/* With the lock held: the real release, then the model's. */
static int release_locked(struct pl_thread *me, enum op op, void *obj) {
  assert(pl_held());
  int r = unlock_op(op, obj);
  if (r != 0)
    return r;
  if (op == OP_MUTEX) {
    struct pl_obj *o = pl_obj(obj, K_MUTEX, 0);
    if (o != NULL && o->owner == me && --o->count == 0)
      o->owner = NULL;
  }
  pl_release(obj);
  return 0;
}

/* An unlock-like call: release, then a point after it (the window a
 * waiter can now slip into, and the only one a plain load or store after
 * the release can be reached in) -- unless SCHED_POR=1: the thread then
 * keeps the token to its next point, where a waiter the release made
 * runnable is a choice (sched_preload.c's Cost says when that loses
 * nothing). */
static int release(enum op op, void *obj, const char *pt) {
  struct pl_thread *me = me_now();
  int r, cs;
  if (me == NULL) {
    r = unlock_op(op, obj);
    if (r == 0 && pl_on) {
      /* An unregistered thread's release still lets waiters retry. */
      pl_lock();
      pl_release(obj);
      pl_unlock();
    }
    return r;
  }
  cs = cs_off();
  pl_lock();
  r = release_locked(me, op, obj);
  if (r == 0 && !pl_por)
    pl_park(pt, W_NONE, obj, 0);
  pl_unlock();
  cs_on(cs);
  return r;
}

/* How far off an absolute limit is, in ns, rounded to whole
 * milliseconds so that the microseconds a program spends between reading
 * the clock and calling do not change the schedule. A limit far in the
 * past is taken to be on CLOCK_MONOTONIC (a condition variable may use
 * it). */
static uint64_t until(const struct timespec *abs) {
  struct timespec now;
  int64_t d;
  clock_gettime(CLOCK_REALTIME, &now);
  if (abs->tv_sec < now.tv_sec - 86400)
    clock_gettime(CLOCK_MONOTONIC, &now);
  d = (int64_t)(abs->tv_sec - now.tv_sec) * 1000000000 +
      (abs->tv_nsec - now.tv_nsec);
  if (d <= 0)
    return 0;
  return (uint64_t)((d + 500000) / 1000000) * 1000000;
}

static int take(enum op op, void *obj, const char *pt,
                const struct timespec *abs) {
  struct pl_thread *me = me_now();
  int cs = cs_off(), r;
  uint64_t ns = abs ? until(abs) : 0;
  pl_lock();
  if (abs)
    pl_due_in(ns);
  r = acquire(me, op, obj, pt, abs != NULL, 0, cs);
  pl_unlock();
  cs_on(cs);
  return r;
}

static int attempt(enum op op, void *obj, const char *pt) {
  struct pl_thread *me = me_now();
  int cs = cs_off(), r;
  pl_lock();
  pl_park(pt, W_NONE, obj, 0);
  r = try_op(op, obj);
  if (r == 0 || r == EOWNERDEAD)
    took(me, op, obj);
  pl_unlock();
  cs_on(cs);
  return r;
}

/* ---- threads ---- */

static void end_cb(void *p) {
  pl_thread_end(p);
}

static void *trampoline(void *p) {
  struct pl_thread *me = p;
  void *ret;
  int cs;
  pl_self = me;
  /* Runs however the thread ends: return, pthread_exit, cancellation. */
  pthread_cleanup_push(end_cb, me);
  cs = cs_off();
  pl_lock();
  pl_wait_token(me);
  pl_unlock();
  cs_on(cs);
  ret = me->fn(me->arg);
  pthread_cleanup_pop(1);
  return ret;
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr,
                   void *(*fn)(void *), void *arg) {
  struct pl_thread *me = me_now(), *nt;
  int r, cs, ds;
  if (me == NULL)
    return pl_real.create(t, attr, fn, arg);
  cs = cs_off();
  pl_monitor_start();
  pl_lock();
  nt = pl_thread_new(fn, arg);
  if (attr && pthread_attr_getdetachstate(attr, &ds) == 0 &&
      ds == PTHREAD_CREATE_DETACHED)
    nt->detached = 1;
  /* The new thread waits for the token, and for this lock, in
   * trampoline(). */
  r = pl_real.create(&nt->pt, attr, trampoline, nt);
  if (r != 0) {
    pl_thread_drop(nt);
    pl_unlock();
    cs_on(cs);
    return r;
  }
  *t = nt->pt;
  pl_park("create", W_NONE, nt, 0);
  pl_unlock();
  cs_on(cs);
  return 0;
}

int pthread_join(pthread_t pt, void **ret) {
  struct pl_thread *me = me_now(), *t;
  int cs;
  if (me == NULL)
    return pl_real.join(pt, ret);
  pthread_testcancel();
  cs = cs_off();
  pl_lock();
  t = pl_find(pt);
  if (t != NULL && t != me) {
    pl_park("join", W_NONE, t, 0);
    while (t->state != T_DONE && !cancelled(me, cs)) {
      me->cpoint = 1;
      pl_park("join", W_JOIN, t, 0);
      me->cpoint = 0;
    }
    if (t->state == T_DONE)
      t->joined = 1;
  }
  pl_unlock();
  cs_on(cs);
  if (me->cancel_pending)
    pthread_testcancel();
  /* The thread has ended in the model; the real join waits out the rest
   * of its exit (destructors), which the shim does not schedule. */
  return pl_real.join(pt, ret);
}

int pthread_detach(pthread_t pt) {
  struct pl_thread *me = me_now(), *t;
  if (me != NULL) {
    pl_lock();
    if ((t = pl_find(pt)) != NULL) {
      t->detached = 1;
      t->joined = t->state == T_DONE;
    }
    pl_unlock();
  }
  return pl_real.detach(pt);
}

void pthread_exit(void *ret) {
  struct pl_thread *me = me_now();
  /* A created thread is forgotten by its trampoline's cleanup handler;
   * main has none. */
  if (me != NULL && me->id == 0) {
    int cs = cs_off();
    pl_thread_end(me);
    cs_on(cs);
  }
  pl_real.exit(ret);
}

int pthread_cancel(pthread_t pt) {
  struct pl_thread *me = me_now(), *t;
  int cs, r;
  if (me == NULL)
    return pl_real.cancel(pt);
  cs = cs_off();
  pl_lock();
  t = pl_find(pt);
  r = pl_real.cancel(pt);
  if (r == 0 && t != NULL && t != me && t->state != T_DONE) {
    t->cancel_pending = 1;
    /* A target waiting inside a cancellation point may act on it now; it
     * checks its own cancellation state when it runs. */
    if (t->state == T_PARKED && t->cpoint &&
        (t->wait == W_COND || t->wait == W_JOIN || t->wait == W_OBJ))
      t->wait = W_NONE;
  }
  pl_park("cancel", W_NONE, t, 0);
  pl_unlock();
  cs_on(cs);
  return r;
}

/* A schedule point that is no call at all: a program rebuilt with
 * build/schedcc (tools/runtime/schedcc/rt.c) calls it before each load or
 * store of shared memory, so that a window between two plain accesses --
 * which no interposed call bounds -- is a place where the token can change
 * hands.
 * what names the access ("load4", "store8", ...); addr is the object of
 * the point: pos: takes two accesses to one address as racing. Outside a
 * scheduled thread it returns at once. */
__attribute__((visibility("default"))) void
dsched_preload_point(const char *what, const void *addr) {
  int cs;
  if (me_now() == NULL)
    return;
  cs = cs_off();
  pl_lock();
  pl_park(what ? what : "access", W_NONE, addr, 0);
  pl_unlock();
  cs_on(cs);
}

int sched_yield(void) {
  int cs;
  if (me_now() == NULL)
    return pl_real.yield();
  cs = cs_off();
  pl_lock();
  pl_due_in(1000); /* a yield is a short sleep: time passes in loops */
  pl_park("yield", W_YIELD, NULL, 0);
  pl_unlock();
  cs_on(cs);
  return 0;
}

/* A sleep is a point at which the thread lets the others go first; it
 * does not sleep (time is the schedule's), unless the thread is alone. */
static int sleep_point(uint64_t ns) {
  struct pl_thread *me = me_now();
  int cs, alone;
  if (me == NULL)
    return 0;
  pthread_testcancel();
  cs = cs_off();
  pl_lock();
  alone = pl_alone();
  if (!alone) {
    pl_due_in(ns);
    me->cpoint = 1;
    pl_park("sleep", W_YIELD, NULL, 0);
    me->cpoint = 0;
  }
  pl_unlock();
  cs_on(cs);
  if (me->cancel_pending)
    pthread_testcancel();
  return !alone;
}

static uint64_t span(const struct timespec *ts) {
  if (ts == NULL || ts->tv_sec < 0)
    return 0;
  return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

int nanosleep(const struct timespec *req, struct timespec *rem) {
  if (!sleep_point(span(req)))
    return pl_real.nanosleep(req, rem);
  if (rem) {
    rem->tv_sec = 0;
    rem->tv_nsec = 0;
  }
  return 0;
}

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
                    struct timespec *rem) {
  uint64_t ns = span(req);
  if (flags & TIMER_ABSTIME) {
    struct timespec now;
    clock_gettime(clk, &now);
    ns = ns > span(&now) ? ns - span(&now) : 0;
  }
  if (!sleep_point(ns))
    return pl_real.clock_nanosleep(clk, flags, req, rem);
  if (rem) {
    rem->tv_sec = 0;
    rem->tv_nsec = 0;
  }
  return 0;
}

int usleep(useconds_t us) {
  return sleep_point((uint64_t)us * 1000) ? 0 : pl_real.usleep(us);
}

unsigned sleep(unsigned s) {
  return sleep_point((uint64_t)s * 1000000000u) ? 0 : pl_real.sleep(s);
}

void exit(int status) {
  need_real();
  /* The other threads stay parked while this one runs the exit handlers:
   * no decision is taken after exit() began. */
  pl_stop();
  pl_real.exit_process(status);
}

/* ---- mutexes ---- */

/* A mutex made anew has no holder, whatever the old one at its address
 * had. */
static void forget_holder(pthread_mutex_t *m) {
  if (pl_on) {
    struct pl_obj *o;
    pl_lock();
    if ((o = pl_obj(m, K_MUTEX, 0)) != NULL) {
      o->owner = NULL;
      o->count = 0;
    }
    pl_unlock();
  }
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a) {
  int r;
  need_real();
  r = pl_real.mutex_init(m, a);
  if (r == 0)
    forget_holder(m);
  return r;
}

int pthread_mutex_destroy(pthread_mutex_t *m) {
  int r;
  need_real();
  r = pl_real.mutex_destroy(m);
  if (r == 0)
    forget_holder(m);
  return r;
}

int pthread_mutex_lock(pthread_mutex_t *m) {
  if (me_now() == NULL)
    return pl_real.lock(m);
  return take(OP_MUTEX, m, "lock", NULL);
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t) {
  if (me_now() == NULL)
    return pl_real.timedlock(m, t);
  return take(OP_MUTEX, m, "timedlock", t);
}

int pthread_mutex_trylock(pthread_mutex_t *m) {
  if (me_now() == NULL)
    return pl_real.trylock(m);
  return attempt(OP_MUTEX, m, "trylock");
}

int pthread_mutex_unlock(pthread_mutex_t *m) {
  return release(OP_MUTEX, m, "unlock");
}

/* ---- condition variables ---- */

static int cond_wait(pthread_cond_t *c, pthread_mutex_t *m,
                     const struct timespec *abs) {
  struct pl_thread *me = me_now();
  int cs, r, out = 0, timed = abs != NULL;
  uint64_t ns = abs ? until(abs) : 0;
  pthread_testcancel();
  cs = cs_off();
  pl_lock();
  if (timed)
    pl_due_in(ns);
  if ((r = release_locked(me, OP_MUTEX, m)) != 0) {
    pl_unlock();
    cs_on(cs);
    return r;
  }
  /* No real wait: the shim is the condition variable. A signal makes the
   * waiter runnable; it then takes the mutex back like a lock. */
  me->woken = 0;
  /* One wait: a signal, a broadcast, a timeout or a cancellation ends it.
   * A cancellation while the program has it disabled ends the wait as a
   * spurious wakeup would (POSIX allows one): waiting on would miss a
   * signal sent before the waiter runs again. */
  if (!cancelled(me, cs)) {
    me->cpoint = 1;
    if (pl_park(timed ? "timedwait" : "wait", W_COND, c, timed))
      out = ETIMEDOUT;
    me->cpoint = 0;
  }
  r = acquire(me, OP_MUTEX, m, "relock", 0, 0, cs);
  pl_unlock();
  cs_on(cs);
  if (me->cancel_pending)
    pthread_testcancel(); /* with the mutex held, as POSIX says */
  return r ? r : out;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  if (me_now() == NULL)
    return pl_real.cond_wait(c, m);
  return cond_wait(c, m, NULL);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                           const struct timespec *t) {
  if (me_now() == NULL)
    return pl_real.cond_timedwait(c, m, t);
  return cond_wait(c, m, t);
}

static int cond_wake(pthread_cond_t *c, int all) {
  struct pl_thread *me = me_now();
  /* The real call too, for a waiter the shim does not schedule. */
  int r = all ? pl_real.cond_broadcast(c) : pl_real.cond_signal(c), cs;
  if (!pl_on)
    return r;
  cs = cs_off();
  pl_lock();
  pl_cond_wake(c, all);
  if (me != NULL && !pl_por) /* a release like an unlock's */
    pl_park(all ? "broadcast" : "signal", W_NONE, c, 0);
  pl_unlock();
  cs_on(cs);
  return r;
}

int pthread_cond_signal(pthread_cond_t *c) {
  return cond_wake(c, 0);
}

int pthread_cond_broadcast(pthread_cond_t *c) {
  return cond_wake(c, 1);
}

/* ---- rwlocks and spinlocks ---- */

int pthread_rwlock_rdlock(pthread_rwlock_t *l) {
  if (me_now() == NULL)
    return pl_real.rd(l);
  return take(OP_RD, l, "rdlock", NULL);
}

int pthread_rwlock_wrlock(pthread_rwlock_t *l) {
  if (me_now() == NULL)
    return pl_real.wr(l);
  return take(OP_WR, l, "wrlock", NULL);
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t) {
  if (me_now() == NULL)
    return pl_real.timedrd(l, t);
  return take(OP_RD, l, "timedrdlock", t);
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t) {
  if (me_now() == NULL)
    return pl_real.timedwr(l, t);
  return take(OP_WR, l, "timedwrlock", t);
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *l) {
  if (me_now() == NULL)
    return pl_real.tryrd(l);
  return attempt(OP_RD, l, "tryrdlock");
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *l) {
  if (me_now() == NULL)
    return pl_real.trywr(l);
  return attempt(OP_WR, l, "trywrlock");
}

int pthread_rwlock_unlock(pthread_rwlock_t *l) {
  return release(OP_RD, l, "rwunlock");
}

int pthread_spin_lock(pthread_spinlock_t *l) {
  if (me_now() == NULL)
    return pl_real.spin_lock(l);
  return take(OP_SPIN, (void *)l, "spin_lock", NULL);
}

int pthread_spin_trylock(pthread_spinlock_t *l) {
  if (me_now() == NULL)
    return pl_real.spin_trylock(l);
  return attempt(OP_SPIN, (void *)l, "spin_trylock");
}

int pthread_spin_unlock(pthread_spinlock_t *l) {
  return release(OP_SPIN, (void *)l, "spin_unlock");
}

/* ---- barriers ---- */

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a,
                         unsigned n) {
  int r;
  need_real();
  r = pl_real.barrier_init(b, a, n);
  if (r == 0 && pl_on) {
    struct pl_obj *o;
    pl_lock();
    o = pl_obj(b, K_BARRIER, 1);
    o->kind = K_BARRIER;
    o->count = n;
    o->arrived = 0;
    pl_unlock();
  }
  return r;
}

int pthread_barrier_wait(pthread_barrier_t *b) {
  struct pl_thread *me = me_now();
  struct pl_obj *o;
  int cs, r = 0;
  if (me == NULL)
    return pl_real.barrier_wait(b);
  cs = cs_off();
  pl_lock();
  o = pl_obj(b, K_BARRIER, 0);
  if (o == NULL || o->kind != K_BARRIER || o->count == 0) {
    /* Initialised before the shim could see it: the plain call. */
    pl_unlock();
    cs_on(cs);
    return pl_real.barrier_wait(b);
  }
  pl_park("barrier", W_NONE, b, 0);
  o = pl_obj(b, K_BARRIER, 0); /* the table may have grown meanwhile */
  if (++o->arrived >= o->count) {
    o->arrived = 0;
    pl_barrier_open(b);
    r = PTHREAD_BARRIER_SERIAL_THREAD;
    pl_park("barrier", W_NONE, b, 0);
  } else {
    pl_park("barrier", W_BARRIER, b, 0);
  }
  pl_unlock();
  cs_on(cs);
  return r;
}

int pthread_barrier_destroy(pthread_barrier_t *b) {
  need_real();
  if (pl_on) {
    struct pl_obj *o;
    pl_lock();
    if ((o = pl_obj(b, K_BARRIER, 0)) != NULL)
      o->count = 0;
    pl_unlock();
  }
  return pl_real.barrier_destroy(b);
}

/* ---- semaphores ---- */

static int sem_take(sem_t *s, const struct timespec *abs) {
  struct pl_thread *me = me_now();
  int cs, r;
  uint64_t ns = abs ? until(abs) : 0;
  pthread_testcancel();
  cs = cs_off();
  pl_lock();
  if (abs)
    pl_due_in(ns);
  r = acquire(me, OP_SEM, s, abs ? "sem_timedwait" : "sem_wait", abs != NULL, 1,
              cs);
  pl_unlock();
  cs_on(cs);
  if (me->cancel_pending)
    pthread_testcancel();
  if (r == 0)
    return 0;
  errno = r == ECANCELED ? EINTR : r;
  return -1;
}

int sem_wait(sem_t *s) {
  if (me_now() == NULL)
    return pl_real.sem_wait(s);
  return sem_take(s, NULL);
}

int sem_timedwait(sem_t *s, const struct timespec *t) {
  if (me_now() == NULL)
    return pl_real.sem_timedwait(s, t);
  return sem_take(s, t);
}

int sem_trywait(sem_t *s) {
  int r;
  if (me_now() == NULL)
    return pl_real.sem_trywait(s);
  r = attempt(OP_SEM, s, "sem_trywait");
  if (r == 0)
    return 0;
  errno = r == EBUSY ? EAGAIN : r;
  return -1;
}

int sem_post(sem_t *s) {
  int r = release(OP_SEM, s, "sem_post");
  if (r == 0)
    return 0;
  errno = r;
  return -1;
}
