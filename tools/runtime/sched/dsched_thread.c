/* dsched_thread.c -- the deterministic scheduler's thread side: token passing
 * between registered threads at schedule points, with scripted, random and
 * PCT choices, deadlock reports and a watchdog. See dsched.h. */
#include "dsched.h"
#include "dsched_internal.h"
#include "spec.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXT 64    /* registered threads per run */
#define MAXOBJ 256 /* mutexes and named objects per run */

/* What a parked thread waits for before it may run again. */
enum wait { W_NONE, W_MUTEX, W_COND, W_JOIN };
/* RUNNING: holds the token; PARKED: at a schedule point, waiting for the
 * token; DONE: its start routine returned. */
enum tstate { T_RUNNING, T_PARKED, T_DONE };

struct sthread {
  int id;
  char name[32];
  enum tstate state;
  const char *point; /* the schedule point it is parked at */
  const char *file;  /* where it entered the scheduler (dsched__at), or NULL */
  int line;
  enum wait wait;
  const void *wait_obj;
  pthread_mutex_t *cond_mutex; /* W_COND: the mutex to take back */
  unsigned long wait_seq;      /* W_COND: FIFO order of waiters */
  pthread_cond_t cv;           /* signalled when it receives the token */
  pthread_t pt;
  int64_t prio; /* PCT priority */
  void *(*fn)(void *);
  void *arg;
};

struct obj {
  const void *obj;
  struct sthread *owner; /* mutexes: the registered holder */
  char name[32];
};

int dsched__on;

static struct dsched__mutex S_mu = DSCHED__MUTEX_INIT;
static struct sthread threads[MAXT];
static int nthreads;
static struct sthread *current; /* the token holder */
static struct obj objs[MAXOBJ];
static int nobjs;
static unsigned long wait_seq;
static __thread struct sthread *self;

static enum dsched_tstrategy tstrat;
static uint64_t trng;
static unsigned depth = 3;
static char **script;
static unsigned *script_step; /* each step's place in the order: list */
static size_t script_len, script_pos;
static unsigned steps;     /* decisions with >= 2 runnable threads */
static unsigned decisions; /* all decisions */
static unsigned max_threads;
static unsigned pct_k; /* the step count change points are drawn from */
static unsigned change_at[SPEC_DEPTH_MAX];
static int64_t change_prio[SPEC_DEPTH_MAX];
/* +lenient: a script that stops matching goes on as random:0. */
static int lenient;

static struct timespec token_since;
static unsigned watchdog_ms = 2000;
static int watchdog_started;

/* The order taken, shared with the libuv side (dsched_uv.c). */
static struct dsched__mutex rec_mu = DSCHED__MUTEX_INIT;
static char *taken;
static size_t taken_len, taken_cap;

static void die_oom(void) {
  fputs("sched: out of memory\n", stderr);
  abort();
}

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "sched: %s: %s\n", what, strerror(r));
    abort();
  }
}

void dsched__record(const char *step) {
  size_t n = strlen(step);
  dsched__lock(&rec_mu);
  if (taken == NULL) {
    taken_cap = 256;
    if ((taken = malloc(taken_cap)) == NULL)
      die_oom();
    strcpy(taken, "order:");
    taken_len = 6;
  }
  while (taken_len + n + 2 > taken_cap) {
    taken_cap *= 2;
    if ((taken = realloc(taken, taken_cap)) == NULL)
      die_oom();
  }
  if (taken_len > 6)
    taken[taken_len++] = ',';
  memcpy(taken + taken_len, step, n + 1);
  taken_len += n;
  dsched__unlock(&rec_mu);
}

const char *dsched_taken(void) {
  return taken ? taken : "order:";
}

/* The shared generator (spec.h), in the threads' stream. */
static uint64_t rnd(void) {
  return spec_rng_next(&trng);
}

static void rnd_seed(uint64_t seed) {
  spec_rng_seed(&trng, seed, 7);
}

static struct obj *obj_find(const void *o, int create) {
  for (int i = 0; i < nobjs; i++)
    if (objs[i].obj == o)
      return &objs[i];
  if (!create)
    return NULL;
  if (nobjs == MAXOBJ) {
    fprintf(stderr,
            "sched: more than %d mutexes and named objects in one "
            "run\n",
            MAXOBJ);
    dsched__stopping();
    exit(3);
  }
  objs[nobjs].obj = o;
  objs[nobjs].owner = NULL;
  snprintf(objs[nobjs].name, sizeof objs[nobjs].name, "%p", o);
  return &objs[nobjs++];
}

static const char *obj_name(const void *o) {
  struct obj *r = obj_find(o, 0);
  static char buf[32];
  if (r)
    return r->name;
  snprintf(buf, sizeof buf, "%p", o);
  return buf;
}

static struct sthread *owner_of(const void *m) {
  struct obj *r = obj_find(m, 0);
  return r ? r->owner : NULL;
}

static int runnable(const struct sthread *t) {
  if (t->state != T_PARKED)
    return 0;
  switch (t->wait) {
  case W_NONE:
    return 1;
  case W_MUTEX:
    return owner_of(t->wait_obj) == NULL;
  case W_JOIN:
    return ((const struct sthread *)t->wait_obj)->state == T_DONE;
  case W_COND:
    return 0;
  }
  return 0;
}

static void now(struct timespec *ts) {
  clock_gettime(CLOCK_MONOTONIC, ts);
}

static void print_waits(const struct sthread *t) {
  const struct sthread *o;
  switch (t->wait) {
  case W_MUTEX:
    o = owner_of(t->wait_obj);
    fprintf(stderr, "sched:   %s at %s: waits for mutex %s held by %s\n",
            t->name, t->point, obj_name(t->wait_obj), o ? o->name : "nobody");
    break;
  case W_JOIN:
    o = t->wait_obj;
    fprintf(stderr, "sched:   %s at %s: waits for %s to finish (%s is at %s)\n",
            t->name, t->point, o->name, o->name,
            o->state == T_RUNNING ? "running" : o->point);
    break;
  case W_COND:
    fprintf(stderr,
            "sched:   %s at %s: waits for condition %s (mutex %s); no "
            "runnable thread is left to signal it\n",
            t->name, t->point, obj_name(t->wait_obj), obj_name(t->cond_mutex));
    break;
  case W_NONE:
    fprintf(stderr, "sched:   %s at %s: runnable\n", t->name,
            t->state == T_RUNNING ? "(running)" : t->point);
    break;
  }
}

/* The thread t waits for, with the object in between, or NULL (a
 * spec_waits_fn, spec.h). */
static const void *waits_for(const void *arg, const char **via, char *buf,
                             size_t cap) {
  const struct sthread *t = arg;
  if (t->state != T_PARKED)
    return NULL;
  if (t->wait == W_MUTEX) {
    snprintf(buf, cap, "mutex %s", obj_name(t->wait_obj));
    *via = buf;
    return owner_of(t->wait_obj);
  }
  if (t->wait == W_JOIN) {
    *via = "join";
    return t->wait_obj;
  }
  return NULL;
}

static const char *thread_name(const void *t) {
  return ((const struct sthread *)t)->name;
}

/* Writes the first waits-for cycle ("main -> mutex B -> t1 -> mutex A ->
 * main") into buf; returns 0 when there is none (a thread waits for a
 * condition nobody can signal). */
static int format_cycle(char *buf, size_t len) {
  const void *ts[MAXT];
  for (int i = 0; i < nthreads; i++)
    ts[i] = &threads[i];
  return spec_format_cycle(buf, len, ts, (size_t)nthreads, waits_for,
                           thread_name);
}

static dsched_deadlock_fn *on_deadlock;
static void *on_deadlock_arg;

void dsched_on_deadlock(dsched_deadlock_fn *fn, void *arg) {
  on_deadlock = fn;
  on_deadlock_arg = arg;
}

/* Called with S_mu held when no registered thread can run. */
static void deadlock(void) {
  char cycle[512] = "";
  fprintf(stderr, "sched: deadlock: no thread can run\n");
  for (int i = 0; i < nthreads; i++)
    if (threads[i].state != T_DONE)
      print_waits(&threads[i]);
  if (format_cycle(cycle, sizeof cycle))
    fprintf(stderr, "sched: waits-for cycle: %s\n", cycle);
  else
    fprintf(stderr, "sched: no waits-for cycle: a thread waits for a "
                    "condition that nobody can signal any more\n");
  fprintf(stderr, "sched: schedule: %s\n", dsched_taken());
  if (on_deadlock)
    on_deadlock(cycle[0] ? cycle : NULL, dsched_taken(), on_deadlock_arg);
  dsched__rec_choice("deadlock: no thread can run");
  dsched__rec_close();
  fflush(stdout);
  fflush(stderr);
  dsched__stopping();
  /* _exit: the other threads are parked for good, and atexit handlers
   * (ours included) would wait on them. */
  _exit(1);
}

static void step_name(char *buf, size_t n, const struct sthread *t) {
  snprintf(buf, n, "%s@%s", t->name, t->point);
}

/* Where a parked thread stands, in words, for the player. */
static void describe(char *buf, size_t len, const struct sthread *t) {
  char at[120] = "";
  const char *f = t->file ? strrchr(t->file, '/') : NULL;
  if (t->file)
    snprintf(at, sizeof at, " (%s:%d)", f ? f + 1 : t->file, t->line);
  switch (t->wait) {
  case W_MUTEX:
    snprintf(buf, len, "wants mutex %s, %s%s", obj_name(t->wait_obj),
             owner_of(t->wait_obj) ? "held" : "free", at);
    break;
  case W_JOIN:
    snprintf(buf, len, "joins %s%s",
             ((const struct sthread *)t->wait_obj)->name, at);
    break;
  case W_COND:
    snprintf(buf, len, "waits on condition %s%s", obj_name(t->wait_obj), at);
    break;
  case W_NONE:
    if (strcmp(t->point, "start") == 0)
      snprintf(buf, len, "about to start");
    else
      snprintf(buf, len, "at %s%s", t->point, at);
    break;
  }
}

int dsched__thread_infos(char (*buf)[160], int max) {
  int k = 0;
  assert(!dsched__held(&S_mu)); /* would wait for itself */
  dsched__lock(&S_mu);
  for (int i = 0; i < nthreads && k < max; i++) {
    const struct sthread *t = &threads[i];
    char d[140];
    if (t->state != T_PARKED)
      continue;
    describe(d, sizeof d, t);
    snprintf(buf[k++], 160, "thread %.31s: %.110s", t->name, d);
  }
  dsched__unlock(&S_mu);
  return k;
}

/* interactive: the player picks. Called with S_mu held; the others are
 * parked, so asking (and waiting for a person) holds nobody up. */
static struct sthread *ask_player(struct sthread **r, int n) {
  static char ib[MAXT][80], wb[MAXT][160], nb[MAXT][160];
  const char *items[MAXT], *whats[MAXT], *infos[MAXT];
  int ninfo = 0;
  assert(dsched__held(&S_mu));
  for (int i = 0; i < n; i++) {
    snprintf(ib[i], sizeof ib[i], "%s@%s", r[i]->name, r[i]->point);
    describe(wb[i], sizeof wb[i], r[i]);
    items[i] = ib[i];
    whats[i] = wb[i];
  }
  for (int i = 0; i < nthreads; i++) {
    const struct sthread *t = &threads[i];
    int in = 0;
    char d[140];
    for (int j = 0; j < n; j++)
      in |= r[j] == t;
    if (in || t->state != T_PARKED)
      continue;
    describe(d, sizeof d, t);
    snprintf(nb[ninfo], sizeof nb[ninfo],
             "thread %.31s (cannot run now): %.100s", t->name, d);
    infos[ninfo] = nb[ninfo];
    ninfo++;
  }
  return r[dsched__ask("threads", n, items, whats, ninfo, infos)];
}

static struct sthread *choose(struct sthread **r, int n, struct sthread *prev) {
  int best;
  switch (tstrat) {
  case DSCHED_T_INTERACTIVE:
    return ask_player(r, n);
  case DSCHED_T_SCRIPT:
    if (script_pos < script_len) {
      const char *want = script[script_pos];
      for (int i = 0; i < n; i++)
        if (spec_step_matches(want, r[i]->name, r[i]->point)) {
          script_pos++;
          return r[i];
        }
      fprintf(stderr,
              "sched: schedule does not match the program: step %u of the "
              "script (%s) is not runnable; runnable:",
              script_step[script_pos], want);
      /* The recorder's trailer says why (and whether the run went on). */
      dsched__rec_mismatch(lenient,
                           "step %u of the script (%s) is not runnable; "
                           "runnable:",
                           script_step[script_pos], want);
      for (int i = 0; i < n; i++) {
        fprintf(stderr, " %s@%s", r[i]->name, r[i]->point);
        dsched__rec_mismatch_add(" %s@%s", r[i]->name, r[i]->point);
      }
      if (!lenient) {
        /* A script that does not fit is bad input (exit 2), never a
         * verdict. _exit, as in deadlock(): this thread holds S_mu and the
         * other registered threads are parked for good, so atexit handlers
         * that reach a schedule point would wait forever. stdio is flushed
         * first; no registered thread is inside it (they park only in the
         * scheduler), so the flush cannot block on one. */
        fprintf(stderr, "\nsched: schedule taken so far: %s\n", dsched_taken());
        dsched__rec_close();
        fflush(NULL);
        dsched__stopping();
        _exit(2);
      }
      fprintf(stderr, "; continuing with random:0 (+lenient)\n");
      tstrat = DSCHED_T_RANDOM;
      rnd_seed(0);
      return r[rnd() % (uint64_t)n];
    }
    /* A script is a prefix: past its end the run goes on without
     * preemption, which is deterministic too. */
    /* fall through */
  case DSCHED_T_FIFO:
    for (int i = 0; i < n; i++)
      if (r[i] == prev)
        return prev;
    return r[0];
  case DSCHED_T_RANDOM:
    return r[rnd() % (uint64_t)n];
  case DSCHED_T_PCT:
    /* At a change point the thread that would run next is demoted below
     * every initial priority (Burckhardt et al., ASPLOS 2010). */
    for (unsigned i = 0; i + 1 < depth && i < SPEC_DEPTH_MAX; i++) {
      if (change_at[i] != steps)
        continue;
      best = 0;
      for (int j = 1; j < n; j++)
        if (r[j]->prio > r[best]->prio)
          best = j;
      r[best]->prio = change_prio[i];
    }
    best = 0;
    for (int j = 1; j < n; j++)
      if (r[j]->prio > r[best]->prio)
        best = j;
    return r[best];
  case DSCHED_T_NONE:
    break;
  }
  return r[0];
}

/* Passes the token to the next thread. Called with S_mu held by the token
 * holder, which has just parked (or finished). */
static void decide(struct sthread *prev) {
  struct sthread *r[MAXT], *next;
  int n = 0, live = 0;
  assert(dsched__held(&S_mu));

  for (int i = 0; i < nthreads; i++) {
    live += threads[i].state != T_DONE;
    if (runnable(&threads[i]))
      r[n++] = &threads[i];
  }
  if (n == 0) {
    current = NULL;
    if (live > 0)
      deadlock();
    return;
  }
  decisions++;
  if (n >= 2) {
    char step[80];
    steps++;
    next = choose(r, n, prev);
    step_name(step, sizeof step, next);
    dsched__record(step);
    dsched__rec_choice("%s (of %d runnable)", step, n);
  } else {
    next = r[0];
  }
  current = next;
  now(&token_since);
  if (next != prev)
    check(pthread_cond_signal(&next->cv), "pthread_cond_signal");
}

/* Parks the calling (token-holding) thread at point, lets the scheduler
 * choose, and returns when the thread holds the token again. */
static void park(const char *point, enum wait w, const void *obj) {
  struct sthread *me = self;
  assert(dsched__held(&S_mu));
  me->state = T_PARKED;
  me->point = point;
  me->file = dsched__file;
  me->line = dsched__line;
  me->wait = w;
  me->wait_obj = obj;
  decide(me);
  while (current != me)
    dsched__cond_wait(&me->cv, &S_mu);
  me->state = T_RUNNING;
  me->wait = W_NONE;
}

static void *watchdog(void *arg) {
  (void)arg;
  for (;;) {
    struct timespec t, tick = {0, 20 * 1000 * 1000};
    nanosleep(&tick, NULL);
    dsched__lock(&S_mu);
    now(&t);
    if (dsched__on && watchdog_ms > 0 && current != NULL) {
      int waiting = 0;
      long ms = (t.tv_sec - token_since.tv_sec) * 1000 +
                (t.tv_nsec - token_since.tv_nsec) / 1000000;
      for (int i = 0; i < nthreads; i++)
        waiting += threads[i].state == T_PARKED;
      /* Only a holder that keeps other registered threads waiting is
       * stuck; a lone thread may take as long as it likes. */
      if (waiting > 0 && ms >= (long)watchdog_ms) {
        fprintf(stderr,
                "sched: stuck: %s has held the token for %ld ms without "
                "reaching a schedule point (blocked in a call the scheduler "
                "does not wrap?)\n",
                current->name, ms);
        for (int i = 0; i < nthreads; i++)
          if (threads[i].state != T_DONE)
            print_waits(&threads[i]);
        fprintf(stderr, "sched: schedule: %s\n", dsched_taken());
        dsched__rec_choice("stuck: %s holds the token", current->name);
        dsched__rec_close();
        fflush(stdout);
        fflush(stderr);
        dsched__stopping();
        _exit(1);
      }
    }
    dsched__unlock(&S_mu);
  }
  return NULL;
}

static void init_thread(struct sthread *t, int id) {
  memset(t, 0, sizeof *t);
  t->id = id;
  if (id == 0)
    strcpy(t->name, "main");
  else
    snprintf(t->name, sizeof t->name, "t%d", id);
  check(pthread_cond_init(&t->cv, NULL), "pthread_cond_init");
  /* Distinct random priorities above every change-point priority. */
  t->prio = (int64_t)depth + 1 + (int64_t)(rnd() >> 2);
}

void dsched__script_clear(void) {
  for (size_t i = 0; i < script_len; i++)
    free(script[i]);
  free(script);
  free(script_step);
  script = NULL;
  script_step = NULL;
  script_len = script_pos = 0;
}

void dsched__script_add(const char *s, size_t n, unsigned step) {
  /* The spec parser (spec.c) has checked the item's syntax. */
  script = realloc(script, (script_len + 1) * sizeof *script);
  script_step = realloc(script_step, (script_len + 1) * sizeof *script_step);
  if (script == NULL || script_step == NULL ||
      (script[script_len] = strndup(s, n)) == NULL)
    die_oom();
  script_step[script_len++] = step;
}

size_t dsched__script_taken(void) {
  return script_pos;
}

unsigned dsched__script_left(const char **want) {
  /* tstrat is no longer the script's after a +lenient mismatch (random:0
   * took over, and the mismatch is recorded). */
  if (script_pos >= script_len || tstrat != DSCHED_T_SCRIPT)
    return 0;
  *want = script[script_pos];
  return script_step[script_pos];
}

void dsched__threads_reset(void) {
  dsched__lock(&S_mu);
  dsched__on = 0;
  for (int i = 0; i < nthreads; i++)
    pthread_cond_destroy(&threads[i].cv);
  nthreads = 0;
  nobjs = 0;
  current = NULL;
  self = NULL;
  steps = decisions = max_threads = 0;
  tstrat = DSCHED_T_NONE;
  dsched__script_clear();
  dsched__lock(&rec_mu);
  dsched__rec_taken(taken);
  free(taken);
  taken = NULL;
  taken_len = taken_cap = 0;
  dsched__unlock(&rec_mu);
  dsched__unlock(&S_mu);
}

static void print_at_exit(void) {
  const char *p = getenv("SCHED_PRINT");
  if (p && *p && strcmp(p, "0") != 0 && tstrat != DSCHED_T_NONE)
    fprintf(stderr, "sched: schedule: %s\n", dsched_taken());
}

void dsched__threads_configure(enum dsched_tstrategy s, uint64_t seed,
                               unsigned d, unsigned k, int lenient_script) {
  static int atexit_done;
  const char *e;

  dsched__lock(&S_mu);
  tstrat = s;
  lenient = lenient_script;
  /* The spec parser (spec.c) keeps d within 1..SPEC_DEPTH_MAX. */
  depth = d ? d : 3;
  rnd_seed(seed);
  /* k: from the spec (pct:SEED:D:K), else a guess that suits small
   * programs. Never from the environment or earlier runs: the spec alone
   * must give the schedule, so that the spec a run prints replays it. */
  pct_k = k ? k : 8;
  spec_pct_change_points(&trng, depth, pct_k, change_at);
  for (unsigned i = 0; i + 1 < depth; i++)
    change_prio[i] = (int64_t)(i + 1);
  e = getenv("SCHED_WATCHDOG_MS");
  if (e)
    watchdog_ms = (unsigned)atoi(e);
  nthreads = 1;
  max_threads = 1;
  init_thread(&threads[0], 0);
  threads[0].state = T_RUNNING;
  threads[0].pt = pthread_self();
  self = &threads[0];
  dsched__rec_name(self->name);
  current = self;
  now(&token_since);
  dsched__on = s != DSCHED_T_NONE;
  if (dsched__on && !watchdog_started) {
    pthread_t w;
    pthread_attr_t a;
    check(pthread_attr_init(&a), "pthread_attr_init");
    check(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED),
          "pthread_attr_setdetachstate");
    check(pthread_create(&w, &a, watchdog, NULL), "pthread_create");
    pthread_attr_destroy(&a);
    watchdog_started = 1;
  }
  dsched__unlock(&S_mu);
  if (!atexit_done) {
    atexit(print_at_exit);
    atexit_done = 1;
  }
}

/* The name of a mutex or condition variable for the recorder, copied
 * under S_mu (call without it). */
static const char *rec_obj(const void *o, char *buf, size_t n) {
  struct obj *r;
  assert(!dsched__held(&S_mu)); /* would wait for itself */
  dsched__lock(&S_mu);
  r = obj_find(o, 0);
  if (r)
    snprintf(buf, n, "%s", r->name);
  else
    snprintf(buf, n, "%p", o);
  dsched__unlock(&S_mu);
  return buf;
}

void dsched_point(const char *name) {
  dsched__rec_thread("step", "at %s", name);
  if (!dsched__on || self == NULL)
    return;
  dsched__lock(&S_mu);
  park(name, W_NONE, NULL);
  dsched__unlock(&S_mu);
}

void dsched_thread_name(const char *name) {
  dsched__rec_name(name);
  if (self == NULL)
    return;
  dsched__lock(&S_mu);
  snprintf(self->name, sizeof self->name, "%s", name);
  dsched__unlock(&S_mu);
}

void dsched_name(const void *obj, const char *name) {
  if (!dsched__on && !dsched__rec)
    return;
  dsched__lock(&S_mu);
  snprintf(obj_find(obj, 1)->name, sizeof objs[0].name, "%s", name);
  dsched__unlock(&S_mu);
}

void dsched_set_watchdog_ms(unsigned ms) {
  dsched__lock(&S_mu);
  watchdog_ms = ms;
  dsched__unlock(&S_mu);
}

void dsched_get_stats(struct dsched_stats *st) {
  dsched__lock(&S_mu);
  st->threads = max_threads;
  st->steps = steps;
  st->decisions = decisions;
  st->pct_k = pct_k;
  st->depth = depth;
  dsched__unlock(&S_mu);
}

static void *trampoline(void *arg) {
  struct sthread *me = arg;
  void *ret;

  self = me;
  dsched__rec_name(me->name);
  dsched__lock(&S_mu);
  while (current != me)
    dsched__cond_wait(&me->cv, &S_mu);
  me->state = T_RUNNING;
  me->wait = W_NONE;
  dsched__unlock(&S_mu);
  dsched__rec_thread("step", "starts");
  ret = me->fn(me->arg);
  dsched__rec_thread("end", "exits");
  dsched__lock(&S_mu);
  me->state = T_DONE;
  me->point = "exit";
  decide(me);
  dsched__unlock(&S_mu);
  return ret;
}

/* Without a schedule, a thread the recorder follows: its name, then the
 * user's start routine. */
struct rec_start {
  char name[32];
  void *(*fn)(void *);
  void *arg;
};

static void *rec_trampoline(void *arg) {
  struct rec_start rs = *(struct rec_start *)arg;
  void *ret;
  free(arg);
  dsched__rec_name(rs.name);
  dsched__rec_thread("step", "starts");
  ret = rs.fn(rs.arg);
  dsched__rec_thread("end", "exits");
  return ret;
}

int dsched_pthread_create(pthread_t *t, const pthread_attr_t *attr,
                          void *(*fn)(void *), void *arg) {
  struct sthread *nt;
  int r;

  if ((!dsched__on || self == NULL) && dsched__rec) {
    static unsigned created;
    struct rec_start *rs = malloc(sizeof *rs);
    if (rs == NULL)
      return EAGAIN;
    dsched__lock(&S_mu);
    snprintf(rs->name, sizeof rs->name, "t%u", ++created);
    dsched__unlock(&S_mu);
    rs->fn = fn;
    rs->arg = arg;
    dsched__rec_thread("step", "creates %s", rs->name);
    if ((r = pthread_create(t, attr, rec_trampoline, rs)) != 0)
      free(rs);
    return r;
  }
  if (!dsched__on || self == NULL)
    return pthread_create(t, attr, fn, arg);
  dsched__lock(&S_mu);
  if (nthreads == MAXT) {
    dsched__unlock(&S_mu);
    fprintf(stderr, "sched: more than %d threads in one run\n", MAXT);
    dsched__stopping();
    exit(3);
  }
  nt = &threads[nthreads];
  init_thread(nt, nthreads);
  nt->state = T_PARKED;
  nt->point = "start";
  nt->fn = fn;
  nt->arg = arg;
  r = pthread_create(&nt->pt, attr, trampoline, nt);
  if (r != 0) {
    pthread_cond_destroy(&nt->cv);
    dsched__unlock(&S_mu);
    return r;
  }
  nthreads++;
  if ((unsigned)nthreads > max_threads)
    max_threads = (unsigned)nthreads;
  *t = nt->pt;
  dsched__rec_thread("step", "creates %s", nt->name);
  /* The point comes after the creation: the child may run first. */
  park("create", W_NONE, NULL);
  dsched__unlock(&S_mu);
  return 0;
}

int dsched_pthread_join(pthread_t t, void **ret) {
  struct sthread *target = NULL;
  int r;

  if (dsched__on && self != NULL) {
    dsched__lock(&S_mu);
    for (int i = 0; i < nthreads; i++)
      if (pthread_equal(threads[i].pt, t) && &threads[i] != self)
        target = &threads[i];
    /* Joining a finished thread is no choice; joining a live one blocks
     * until it is done. */
    if (target && target->state != T_DONE)
      park("join", W_JOIN, target);
    dsched__unlock(&S_mu);
  }
  dsched__rec_thread("step", "join");
  r = pthread_join(t, ret);
  dsched__rec_thread("step", "joined");
  return r;
}

int dsched_mutex_lock(pthread_mutex_t *m) {
  char nm[32];
  int r;
  if (dsched__rec)
    dsched__rec_thread("step", "lock %s", rec_obj(m, nm, sizeof nm));
  if (!dsched__on || self == NULL) {
    r = pthread_mutex_lock(m);
  } else {
    dsched__lock(&S_mu);
    obj_find(m, 1);
    park("lock", W_MUTEX, m);
    obj_find(m, 1)->owner = self;
    dsched__unlock(&S_mu);
    /* Free among registered threads; an unregistered holder (a libuv pool
     * thread) may still make this wait briefly, which is real
     * behaviour. */
    r = pthread_mutex_lock(m);
  }
  if (dsched__rec)
    dsched__rec_thread("step", "holds %s", rec_obj(m, nm, sizeof nm));
  return r;
}

int dsched_mutex_trylock(pthread_mutex_t *m) {
  int r;
  if (!dsched__on || self == NULL)
    return pthread_mutex_trylock(m);
  dsched__lock(&S_mu);
  park("trylock", W_NONE, NULL);
  if (owner_of(m) != NULL) {
    r = EBUSY;
  } else if ((r = pthread_mutex_trylock(m)) == 0) {
    obj_find(m, 1)->owner = self;
  }
  dsched__unlock(&S_mu);
  return r;
}

int dsched_mutex_unlock(pthread_mutex_t *m) {
  struct obj *o;
  int r;
  if (dsched__rec) {
    char nm[32];
    dsched__rec_thread("step", "unlock %s", rec_obj(m, nm, sizeof nm));
  }
  if (!dsched__on || self == NULL)
    return pthread_mutex_unlock(m);
  dsched__lock(&S_mu);
  if ((o = obj_find(m, 0)) != NULL && o->owner == self)
    o->owner = NULL;
  r = pthread_mutex_unlock(m);
  if (r == 0)
    park("unlock", W_NONE, NULL);
  dsched__unlock(&S_mu);
  return r;
}

int dsched_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  struct obj *o;
  int r;
  if (dsched__rec) {
    char nm[32];
    dsched__rec_thread("step", "wait %s", rec_obj(c, nm, sizeof nm));
  }
  if (!dsched__on || self == NULL)
    return pthread_cond_wait(c, m);
  dsched__lock(&S_mu);
  if ((o = obj_find(m, 0)) != NULL && o->owner == self)
    o->owner = NULL;
  if ((r = pthread_mutex_unlock(m)) != 0) {
    dsched__unlock(&S_mu);
    return r;
  }
  /* No real wait: the scheduler is the condition variable. A signal turns
   * the wait into a wait for the mutex (see wake()). */
  self->cond_mutex = m;
  self->wait_seq = ++wait_seq;
  park("wait", W_COND, c);
  obj_find(m, 1)->owner = self;
  dsched__unlock(&S_mu);
  return pthread_mutex_lock(m);
}

/* Wakes the longest waiter on c, or all of them. Called with S_mu held. */
static void wake(const pthread_cond_t *c, int all) {
  assert(dsched__held(&S_mu));
  for (;;) {
    struct sthread *w = NULL;
    for (int i = 0; i < nthreads; i++) {
      struct sthread *t = &threads[i];
      if (t->state == T_PARKED && t->wait == W_COND && t->wait_obj == c &&
          (w == NULL || t->wait_seq < w->wait_seq))
        w = t;
    }
    if (w == NULL)
      return;
    w->wait = W_MUTEX;
    w->wait_obj = w->cond_mutex;
    if (!all)
      return;
  }
}

static int signal_common(pthread_cond_t *c, int all) {
  int r;
  if (dsched__rec) {
    char nm[32];
    dsched__rec_thread("step", "%s %s", all ? "broadcast" : "signal",
                       rec_obj(c, nm, sizeof nm));
  }
  r = all ? pthread_cond_broadcast(c) : pthread_cond_signal(c);
  if (!dsched__on || r != 0)
    return r;
  dsched__lock(&S_mu);
  wake(c, all);
  if (self != NULL)
    park(all ? "broadcast" : "signal", W_NONE, NULL);
  dsched__unlock(&S_mu);
  return 0;
}

int dsched_cond_signal(pthread_cond_t *c) {
  return signal_common(c, 0);
}

int dsched_cond_broadcast(pthread_cond_t *c) {
  return signal_common(c, 1);
}
