/* sched_preload.c -- LD_PRELOAD shim that perturbs the schedule of an
 * unmodified, dynamically linked pthread program: at each interposed
 * pthread call it may yield or sleep a few microseconds, chosen from a seed.
 *
 * It perturbs; it does not replay. The same seed gives the same sequence of
 * decisions in each thread, but what the other threads do meanwhile is up
 * to the kernel, so a seed that made a run fail makes the next run fail
 * more often, not always -- and every line the shim prints that names a
 * seed says so ("perturbation, not replay"). The deterministic scheduler
 * (tools/sched) is the tool for exact replay; it needs the program to be
 * built against it.
 *
 * Configuration (environment):
 *   SCHED=SPEC          a schedule spec in the one grammar (tools/sched/
 *                       spec.h), parsed by spec_parse(). The shim carries
 *                       out random:SEED and pct:SEED[:D[:STEPS]]; STEPS
 *                       (default 1000) is how many interposed calls, over
 *                       all threads, the change points are drawn from.
 *                       fifo, lifo and order: scripts need the scheduler
 *                       linked into the program: the shim does nothing
 *                       for them (a program that is linked with it takes
 *                       them itself). Unset or none: nothing at all. A
 *                       spec that does not parse: one message, exit 2.
 *   SCHED_DELAY_US=N    longest delay in microseconds (default 1000)
 *   SCHED_VERBOSE=1     print the configuration to stderr at start
 * When the program exits with a nonzero status or dies of SIGABRT, SIGSEGV,
 * SIGBUS, SIGFPE or SIGILL, the spec is printed to stderr:
 *   sched-preload: failed under SCHED=random:1234 (perturbation, not replay)
 *
 * The handshake (spec.h): the constructor writes one line to the fd in
 * SCHED_HANDSHAKE_FD, "sched-handshake via=preload replay=perturb
 * spec=CANONICAL" when it perturbs, "... replay=none spec=SPEC" for a spec
 * it cannot carry out, and none when SCHED is unset or none.
 *
 * random: at every interposed call, with probability 1/4 sched_yield(),
 * with 1/8 a short sleep (0..50 us), with 1/8 a long one (0..SCHED_DELAY_US).
 * pct: a coarse imitation of PCT's priorities: every thread gets a random
 * priority; at each interposed call a thread sleeps in proportion to the
 * number of live threads above it (lowest priority: longest), and at D-1
 * interposed calls (counted over all threads) chosen from the first STEPS
 * the calling thread's priority drops below all others. Real PCT needs a
 * scheduler that runs one thread at a time; this one only makes the
 * lower-priority threads slower.
 *
 * Interposed (dlsym(RTLD_NEXT)): pthread_create, pthread_join,
 * pthread_mutex_lock, pthread_mutex_trylock, pthread_mutex_unlock,
 * pthread_cond_wait, pthread_cond_signal, pthread_cond_broadcast. The shim
 * uses no locks of its own, only atomics, so it cannot deadlock the program.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../sched/spec.h"

#define MAXT 256

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *,
                         void *(*)(void *), void *);
typedef int (*join_fn)(pthread_t, void **);
typedef int (*mutex_fn)(pthread_mutex_t *);
typedef int (*wait_fn)(pthread_cond_t *, pthread_mutex_t *);
typedef int (*cond_fn)(pthread_cond_t *);

static create_fn real_create;
static join_fn real_join;
static mutex_fn real_lock, real_trylock, real_unlock;
static wait_fn real_wait;
static cond_fn real_signal, real_broadcast;

enum { P_RANDOM, P_PCT };
static int strategy = P_RANDOM;
static uint64_t seed;
static unsigned depth = 3;
static unsigned delay_us = 1000;
static unsigned pct_steps = 1000;
static int ready;

static atomic_uint next_index = 1; /* main is 0 */
static atomic_uint calls;          /* interposed calls, all threads */
static _Atomic int64_t prio[MAXT];
static atomic_int live[MAXT];
static unsigned change_at[SPEC_DEPTH_MAX];

static __thread uint64_t rng;
static __thread unsigned my_index;
static __thread int rng_ready;

static uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

static uint64_t rnd(void) {
  if (!rng_ready) {
    rng = mix(seed ^ mix(my_index + 1));
    rng_ready = 1;
  }
  rng = mix(rng);
  return rng;
}

static void sleep_us(unsigned us) {
  struct timespec ts = {0, (long)us * 1000};
  if (us > 0)
    nanosleep(&ts, NULL);
}

/* The perturbation, at every interposed call. */
static void perturb(void) {
  if (!ready)
    return;
  if (strategy == P_RANDOM) {
    unsigned r = (unsigned)(rnd() % 8);
    if (r < 2)
      sched_yield();
    else if (r == 2)
      sleep_us((unsigned)(rnd() % 51));
    else if (r == 3)
      sleep_us((unsigned)(rnd() % (delay_us + 1)));
    return;
  }
  unsigned n = atomic_fetch_add(&calls, 1) + 1, above = 0;
  for (unsigned i = 0; i + 1 < depth; i++)
    if (change_at[i] == n && my_index < MAXT)
      atomic_store(&prio[my_index], (int64_t)i - 16);
  if (my_index >= MAXT)
    return;
  int64_t mine = atomic_load(&prio[my_index]);
  unsigned nt = atomic_load(&next_index);
  for (unsigned i = 0; i < nt && i < MAXT; i++)
    if (i != my_index && atomic_load(&live[i]) && atomic_load(&prio[i]) > mine)
      above++;
  if (above > 0)
    sleep_us(above * (delay_us / 4 + (unsigned)(rnd() % (delay_us / 4 + 1))));
}

/* Written at start: the handlers below may run in a signal handler, where
 * only write() is safe. */
static char spec_text[SPEC_MAX_LEN + 64];

static void say(const char *a, const char *b, const char *c) {
  (void)!write(2, a, strlen(a));
  (void)!write(2, b, strlen(b));
  (void)!write(2, c, strlen(c));
}

static void say_seed(const char *why) {
  say("sched-preload: ", why, " under SCHED=");
  say(spec_text, " (perturbation, not replay)\n", "");
}

static void on_fatal(int sig) {
  say_seed("died of a signal");
  signal(sig, SIG_DFL);
  raise(sig);
}

static void on_exit_cb(int status, void *arg) {
  (void)arg;
  if (status != 0)
    say_seed("failed");
}

/* Reads a decimal number of at most max; -1 for anything else. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out) {
  char *end;
  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  *out = strtoull(s, &end, 10);
  return *end == '\0' && errno == 0 && *out <= max ? 0 : -1;
}

__attribute__((constructor)) static void init(void) {
  const char *s = getenv("SCHED"), *e;
  struct spec sp;
  char err[256];
  uint64_t v;

  real_create = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
  real_join = (join_fn)dlsym(RTLD_NEXT, "pthread_join");
  real_lock = (mutex_fn)dlsym(RTLD_NEXT, "pthread_mutex_lock");
  real_trylock = (mutex_fn)dlsym(RTLD_NEXT, "pthread_mutex_trylock");
  real_unlock = (mutex_fn)dlsym(RTLD_NEXT, "pthread_mutex_unlock");
  real_wait = (wait_fn)dlsym(RTLD_NEXT, "pthread_cond_wait");
  real_signal = (cond_fn)dlsym(RTLD_NEXT, "pthread_cond_signal");
  real_broadcast = (cond_fn)dlsym(RTLD_NEXT, "pthread_cond_broadcast");
  if (!real_create || !real_join || !real_lock || !real_trylock ||
      !real_unlock || !real_wait || !real_signal || !real_broadcast) {
    fprintf(stderr, "sched-preload: cannot find the pthread functions: %s\n",
                    dlerror());
    _exit(3);
  }
  if (spec_parse(s, &sp, err, sizeof err) != 0) {
    fprintf(stderr, "sched-preload: SCHED='%s': %s\n", s, err);
    _exit(2);
  }
  if (sp.kind == SPEC_NONE)
    return;
  spec_format(&sp, spec_text, sizeof spec_text);
  if (sp.kind != SPEC_RANDOM && sp.kind != SPEC_PCT) {
    /* fifo, lifo and order: decide every choice: only the scheduler linked
     * into the program can, and it announces itself when it does. The shim
     * stays out of the way, silently, and says so to hunt alone. */
    spec_handshake("preload", "none", spec_text);
    return;
  }
  /* +timers and +close name libuv events only the linked scheduler can
   * hold; the spec the shim carries out, and prints, is the rest. */
  sp.timers = sp.closes = 0;
  spec_format(&sp, spec_text, sizeof spec_text);
  strategy = sp.kind == SPEC_PCT ? P_PCT : P_RANDOM;
  seed = sp.seed;
  depth = sp.depth;
  if (sp.steps)
    pct_steps = sp.steps;
  if ((e = getenv("SCHED_DELAY_US")) != NULL &&
      parse_u64(e, 1000000, &v) != 0) {
    fprintf(stderr, "sched-preload: SCHED_DELAY_US='%s': want a number of "
                    "microseconds, 0..1000000\n", e);
    _exit(2);
  }
  if (e != NULL)
    delay_us = (unsigned)v;
  my_index = 0;
  atomic_store(&live[0], 1);
  atomic_store(&prio[0], (int64_t)(rnd() >> 2));
  for (unsigned i = 0; i + 1 < depth; i++)
    change_at[i] = 1 + (unsigned)(rnd() % pct_steps);
  on_exit(on_exit_cb, NULL);
  signal(SIGABRT, on_fatal);
  signal(SIGSEGV, on_fatal);
  signal(SIGBUS, on_fatal);
  signal(SIGFPE, on_fatal);
  signal(SIGILL, on_fatal);
  e = getenv("SCHED_VERBOSE");
  if (e && *e && strcmp(e, "0") != 0)
    say_seed("running");
  spec_handshake("preload", "perturb", spec_text);
  ready = 1;
}

struct start {
  void *(*fn)(void *);
  void *arg;
  unsigned index;
};

static void *start(void *p) {
  struct start st = *(struct start *)p;
  void *ret;
  free(p);
  my_index = st.index;
  perturb(); /* a late start is the commonest surprise */
  ret = st.fn(st.arg);
  if (my_index < MAXT)
    atomic_store(&live[my_index], 0);
  return ret;
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr,
                   void *(*fn)(void *), void *arg) {
  struct start *st = malloc(sizeof *st);
  int r;
  if (st == NULL)
    return real_create(t, attr, fn, arg);
  st->fn = fn;
  st->arg = arg;
  st->index = atomic_fetch_add(&next_index, 1);
  if (st->index < MAXT) {
    /* Each new thread's priority comes from the creator's stream, so it
     * depends on the seed and the creation order only. */
    atomic_store(&prio[st->index], (int64_t)(rnd() >> 2));
    atomic_store(&live[st->index], 1);
  }
  r = real_create(t, attr, start, st);
  if (r != 0) {
    if (st->index < MAXT)
      atomic_store(&live[st->index], 0);
    free(st);
  }
  perturb();
  return r;
}

int pthread_join(pthread_t t, void **ret) {
  perturb();
  return real_join(t, ret);
}

int pthread_mutex_lock(pthread_mutex_t *m) {
  perturb();
  return real_lock(m);
}

int pthread_mutex_trylock(pthread_mutex_t *m) {
  perturb();
  return real_trylock(m);
}

int pthread_mutex_unlock(pthread_mutex_t *m) {
  int r = real_unlock(m);
  /* After the unlock: the window a waiter can now slip into. */
  perturb();
  return r;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  perturb();
  return real_wait(c, m);
}

int pthread_cond_signal(pthread_cond_t *c) {
  int r = real_signal(c);
  perturb();
  return r;
}

int pthread_cond_broadcast(pthread_cond_t *c) {
  int r = real_broadcast(c);
  perturb();
  return r;
}
