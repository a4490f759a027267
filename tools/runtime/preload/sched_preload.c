/* sched_preload.c -- LD_PRELOAD scheduler for unmodified, dynamically
 * linked pthread programs: the in-tree scheduler's model
 * (tools/runtime/sched), one runnable thread at a time and a token passed
 * at interposed calls, so that a seed decides every choice and replays the
 * run exactly.
 *
 * Configuration (environment):
 *   SCHED=SPEC          a schedule spec in the one grammar
 *                       (tools/runtime/sched/spec.h), parsed by
 *                       spec_parse(). The shim carries
 *                       out random:SEED, pct:SEED[:D[:K]] (K, default 16,
 *                       is the step count PCT draws its D-1 change points
 *                       from), pos:SEED and order: scripts of thread steps
 *                       (THREAD[@POINT], as SCHED_PRINT=steps prints them;
 *                       strict: a step that does not fit exits 2, unless
 *                       +lenient; past the end, no preemption). fifo,
 *                       lifo and order: items naming libuv requests are
 *                       for the in-tree scheduler; in a program linked
 *                       with it (it exports dsched__on) the shim leaves
 *                       every spec to it and does nothing. Unset or none:
 *                       nothing at all. A spec that does not parse: one
 *                       message, exit 2.
 *   SCHED_PRINT=1       print the schedule taken at exit; =steps also
 *                       the steps themselves as an order: script, the
 *                       preemptions (STEP:THREAD@POINT>THREAD@POINT) and
 *                       the switch points, where a preemption could have
 *                       been (STEP:THREAD@POINT>THREAD@POINT|..., the
 *                       threads that could have run; shrink.sh's search)
 *   SCHED_SLICE_MS=N    the watchdog's bound, ms of CPU time (default
 *                       100; 0: no watchdog; see Limits)
 *   SCHED_PIN=0|1       1: the scheduled process runs on one CPU, the one
 *                       its main thread started on (see Cost); 0 (the
 *                       default): on the CPUs it was given
 *   SCHED_POR=0|1       1: no schedule point at a release (mutex,
 *                       rwlock and spin unlock, sem_post, condition
 *                       signal and broadcast; see Cost); 0 (the
 *                       default): a point after each
 *   SCHED_VERBOSE=1     print the configuration at start
 *   SCHED_REPORT=FILE   the machine channel, for scripts (shrink.sh, the
 *                       tests): when the run ends -- exit, deadlock, a
 *                       script that does not fit, death by a signal --
 *                       append one JSON object, on one line, in one
 *                       write(), to FILE: pid, spec, exact (bool),
 *                       not_exact_why (string or null), outcome
 *                       ("exit", "deadlock", "mismatch", "signal"),
 *                       status (the exit status or the signal number),
 *                       steps, preemptions, handoffs (decisions
 *                       that gave the token to another thread: each
 *                       a thread switch, see Cost), trace (H below, 16 hex
 *                       digits), order (the steps as an order: script,
 *                       null when no choice was made), order_fits_env
 *                       (bool), preempted ([{step, thread, at, next,
 *                       next_at}]) and switch_points ([{step, thread,
 *                       at, could_run: [{thread, at}]}]). Every
 *                       process the variables reach reports (a wrapper
 *                       such as timeout too): pid tells them apart. A
 *                       FILE that cannot be opened for appending: exit 2.
 *
 * The model. The main thread and every thread created through pthread_create
 * are registered; exactly one of them holds the token and runs, the others
 * are parked in the shim. At each interposed call (a schedule point) the
 * holder parks and the strategy gives the token to one runnable thread. The
 * shim is the only blocking: a lock is taken for real only with a
 * try-operation that succeeds, a thread whose try fails waits in the shim
 * until someone releases that object; condition variables, barriers and
 * joins are modelled and never block for real. A *step* is a decision with
 * two or more runnable threads. Sleeps are schedule points that do not
 * sleep: time is virtual, it passes as the schedule lets a sleep end (a
 * sleeper may be chosen at any step, like any runnable thread; sched_yield
 * counts as a 1 us sleep) and a timed wait times out when its limit has
 * passed, or when nothing could run but sleepers that end after its limit (a
 * lone thread sleeps for real). A thread is forgotten when it ends, however
 * it ends (return, pthread_exit, cancellation: a cleanup handler around its
 * start routine). pthread_cancel makes a target parked at a cancellation
 * point (condition wait, join, sem_wait, sleep) runnable; inside the
 * wrappers cancellation is disabled and acted on when the wrapper is done.
 * fork: the child carries on unscheduled (on the CPUs the process had
 * before the shim pinned it). exit() from any thread stops scheduling; the
 * other threads stay parked while the process exits.
 *
 * Cost. A hand-over of the token is one futex wake, of exactly the
 * thread chosen (on its own futex word), and one futex wait; a point with
 * one runnable thread, or whose choice is the caller, wakes nobody. So
 * random, which hands the token on at most points, costs a thread switch
 * per point; pct and pos mostly let the running thread go on. The token
 * serialises the registered threads anyway, so SCHED_PIN=1 runs them all
 * on one CPU, as SCHED_BATCH threads (a woken thread does not preempt the
 * one that woke it, which would otherwise be switched back in only to go
 * to sleep), so that a hand-over never leaves the core and the next holder
 * finds the last one's data in its cache. On a loaded machine the process
 * then waits for that one CPU while another is free, which cost more than
 * it saved here (tests/check-preload-cost.sh PINNED=1 measures both):
 * hence not the default.
 *
 * Half the points of a lock/unlock loop are the releases. SCHED_POR=1
 * drops them (partial-order reduction): the releasing thread keeps the
 * token to its next point, where the waiters it made runnable are a
 * choice. That reaches the same states only if the code between the
 * release and the next point touches no memory another thread reads or
 * writes outside a lock: true of a data-race-free program, and of a
 * build/schedcc build, whose shared loads and stores are points. An
 * unmodified program that publishes or reads after an unlock with plain
 * accesses (tests/progs/sched_publish, sched_join) has its window there
 * and nowhere else, so the points stay by default.
 *
 * Strategies. random:SEED gives the token to a uniformly chosen runnable
 * thread. pct:SEED:D:K is PCT (Burckhardt et al., ASPLOS 2010): random
 * priorities, the highest runnable runs, at D-1 steps drawn from 1..K the
 * running thread drops below all others; a thread at sched_yield or a
 * sleep drops to the bottom too, and a thread chosen PL_FAIR steps in a row
 * while others could run is demoted as if it had yielded (a polling loop
 * without a yield would otherwise starve the thread it waits for).
 * pos:SEED is partial-order sampling (Yuan, Yang, Gu, "Partial Order Aware
 * Concurrency Sampling", CAV 2018): each pending event -- the call a
 * thread is parked at -- gets a random priority when the thread parks
 * there, the highest runnable runs, and once it is chosen the events that
 * race with it, those of the other threads parked on the same object
 * (mutex, condition, barrier, thread; for build/schedcc's memory points,
 * the same address), get fresh priorities. Unlike PCT it needs no guess of
 * the run's length, and independent events do not use up its randomness:
 * it suits many threads.
 *
 * Deadlock: when no registered thread can run, the shim prints who waits
 * for what, the waits-for cycle and the schedule, and exits 1 at once.
 *
 * Output: on failure (nonzero exit status, or death by SIGABRT, SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL) and with SCHED_PRINT=1 at exit:
 *   sched-preload: failed under SCHED=pct:5:3:16 (exact replay)
 *   sched-preload: schedule: pct:5:3:16 (exact replay; 37 steps,
 *                  2 preemptions, trace H)
 * H is a hash of the steps taken (who got the token at which point): two
 * runs that print the same H took the same schedule. A preemption is a
 * step that took the token from a thread that could have gone on (and
 * had not yielded or slept).
 *
 * The handshake (spec.h): "sched-handshake via=preload replay=exact
 * spec=CANONICAL" when it schedules, "... replay=none spec=SPEC" for a spec
 * it leaves alone, nothing for none or unset.
 *
 * Limits -- what the shim cannot decide, and what it says then:
 * - A thread that uses SCHED_SLICE_MS of CPU time without an interposed
 *   call (a spin on plain memory, a custom spin lock), or spends ten times
 *   that in a call the shim does not see (a blocking read(), a futex-based
 *   lock, waitpid), keeps the others waiting; the watchdog then hands the
 *   token on and that thread runs outside the model until its next
 *   interposed call. The run is no
 *   longer exact: the shim prints "sched-preload: warning: ... this run is
 *   not exact replay" and its failure and schedule lines say "not exact".
 * - Races on plain memory are reached only at the interposed calls around
 *   them (see build/schedcc for loads and stores as schedule points).
 * - Only calls through the dynamic symbol table are seen: a static
 *   program, or a library's internal calls, are not.
 * - Threads created before the shim's constructor, or not through
 *   pthread_create, are unregistered: their calls are the plain ones.
 * - A condition variable waited on by an unregistered thread, clock-based
 *   variants (pthread_cond_clockwait, pthread_mutex_clocklock), and
 *   process-shared objects across fork are the plain calls.
 * - Timeouts are virtual (above); a program that measures time sees sleeps
 *   return at once.
 * - An order: script is passed in the environment, which holds at most
 *   128 KiB in one variable: a run with more steps than that replays from
 *   its seed only (the shim prints its script all the same, and says so).
 */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <assert.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../sched/spec.h"
#include "preload.h"

#define PL_PCT_K 16  /* pct's default K: about the steps of a small program */
#define PL_FAIR 1000 /* steps in a row one thread may run while others wait */
/* Linux's limit on one environment string (MAX_ARG_STRLEN), NUL included. */
#define PL_ENV_MAX (32u * 4096u)

int pl_on;
int pl_por;
__thread struct pl_thread *pl_self __attribute__((tls_model("initial-exec")));
struct pl_real pl_real;

static pthread_mutex_t S = PTHREAD_MUTEX_INITIALIZER;

enum { ST_RANDOM, ST_PCT, ST_POS, ST_ORDER };
static int strategy;
/* order: the script's thread steps, in order, and the next one. */
static char **script;
static size_t script_len, script_pos;
static int lenient;
static uint64_t rng;
static unsigned depth = 3, pct_k = PL_PCT_K;
static unsigned change_at[SPEC_DEPTH_MAX];
static int64_t lowest; /* PCT: the lowest priority handed out so far */

static struct pl_thread **live, **all, **runq;
static size_t nlive, nall, cap_live, cap_all, cap_runq;
static unsigned next_id;
static struct pl_thread *current;
static unsigned long gen; /* token handoffs and points: the watchdog's clock */
static unsigned long seqno;
/* Virtual time, in ns: it passes only as sleeps end and timed waits time
 * out, in the order the schedule takes them, never with the wall clock. */
static uint64_t vnow;
static unsigned steps, decisions, run_len, nescaped;
static struct pl_thread *last_chosen;
static uint64_t trace = 1469598103934665603ULL; /* FNV-1a over the steps */
static unsigned preemptions;   /* steps that took the token from a thread
                                * that could have gone on */
static unsigned long handoffs; /* decisions that woke another thread */
/* SCHED_PRINT=steps or SCHED_REPORT: the steps as text, THREAD@POINT,...,
 * the preemptions and switch points as text (printed with SCHED_PRINT=steps)
 * and as JSON array items (the report's). */
static int keep_steps, print_steps;
static char *steps_buf, *pre_buf, *sw_buf, *pre_json, *sw_json;
static size_t steps_len, steps_cap, pre_len, pre_cap, sw_len, sw_cap;
static size_t prej_len, prej_cap, swj_len, swj_cap;
/* SCHED_REPORT's file, copied once before any thread exists. */
static char *report_path;

static struct pl_obj *objs;
static size_t nobjs, cap_objs;

static unsigned slice_ms = 100;
static int monitor_started;
/* Set, and woken, when the last registered thread ends: the watchdog must
 * end too, or it would keep a process whose main thread called
 * pthread_exit alive for ever. */
static atomic_int monitor_quit;
/* Set once before any thread exists; read by the fatal signal handler,
 * where only write() is safe. */
static char *spec_text;
static char left_why[160];
static volatile int left_model;
static int forked_child;
/* SCHED_PIN=1: the CPUs and the policy the process had before. */
static cpu_set_t saved_cpus;
static int pinned, saved_policy = -1;
static struct sched_param saved_param;

static void say(const char *s) {
  (void)!write(2, s, strlen(s));
}

static void die(const char *what) {
  fprintf(stderr, "sched-preload: %s\n", what);
  _exit(3);
}

static void futex_wait(atomic_int *w, int v) {
  syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void futex_wake(atomic_int *w) {
  syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* The thread decide() gave the token to, woken only once S is released:
 * woken earlier, it would find S still held and sleep a second time. */
static struct pl_thread *to_wake;

/* Who holds S: "with the lock held" is asserted (pl_held), not only
 * written. A thread's identity is the address of a thread-local byte. */
static _Thread_local char self_tag;
static _Atomic(const void *) S_owner;

int pl_held(void) {
  return atomic_load_explicit(&S_owner, memory_order_relaxed) == &self_tag;
}

void pl_lock(void) {
  if (pl_real.lock(&S) != 0)
    die("cannot take the shim's lock");
  atomic_store_explicit(&S_owner, &self_tag, memory_order_relaxed);
}

void pl_unlock(void) {
  struct pl_thread *w = to_wake;
  assert(pl_held());
  to_wake = NULL;
  atomic_store_explicit(&S_owner, NULL, memory_order_relaxed);
  pl_real.unlock(&S);
  if (w != NULL)
    futex_wake(&w->go);
}

/* The shared generator (spec.h), in the threads' stream. */
static uint64_t rnd(void) {
  return spec_rng_next(&rng);
}

static void *grow(void *p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap)
    return p;
  size_t c = *cap ? *cap * 2 : 64;
  while (c < need)
    c *= 2;
  p = realloc(p, c * size);
  if (p == NULL)
    die("out of memory");
  *cap = c;
  return p;
}

/* ---- objects: an open-addressing table keyed by address ---- */

static size_t hash_ptr(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  return (size_t)(x ^ (x >> 33));
}

struct pl_obj *pl_obj(const void *key, enum pl_kind kind, int create) {
  assert(pl_held());
  if (cap_objs) {
    for (size_t i = hash_ptr(key) & (cap_objs - 1);;
         i = (i + 1) & (cap_objs - 1)) {
      if (objs[i].key == key)
        return &objs[i];
      if (objs[i].key == NULL)
        break;
    }
  }
  if (!create)
    return NULL;
  if (2 * (nobjs + 1) > cap_objs) {
    size_t oc = cap_objs, nc = oc ? oc * 2 : 256;
    struct pl_obj *old = objs;
    objs = calloc(nc, sizeof *objs);
    if (objs == NULL)
      die("out of memory");
    cap_objs = nc;
    for (size_t j = 0; j < oc; j++)
      if (old[j].key) {
        size_t i = hash_ptr(old[j].key) & (nc - 1);
        while (objs[i].key)
          i = (i + 1) & (nc - 1);
        objs[i] = old[j];
      }
    free(old);
  }
  size_t i = hash_ptr(key) & (cap_objs - 1);
  while (objs[i].key)
    i = (i + 1) & (cap_objs - 1);
  memset(&objs[i], 0, sizeof objs[i]);
  objs[i].key = key;
  objs[i].kind = kind;
  nobjs++;
  return &objs[i];
}

static const char *kind_name(const void *key) {
  static const char *const names[] = {"mutex",     "rwlock",    "spinlock",
                                      "semaphore", "condition", "barrier"};
  struct pl_obj *o = pl_obj(key, K_MUTEX, 0);
  return o ? names[o->kind] : "object";
}

/* ---- choosing ---- */

static int runnable(const struct pl_thread *t) {
  if (t->state != T_PARKED)
    return 0;
  switch (t->wait) {
  case W_NONE:
  case W_YIELD:
    return 1;
  case W_JOIN:
    return ((const struct pl_thread *)t->obj)->state == T_DONE;
  default:
    return 0;
  }
}

static void demote(struct pl_thread *t) {
  t->prio = --lowest;
}

static struct pl_thread *highest(struct pl_thread **r, size_t n) {
  size_t best = 0;
  for (size_t j = 1; j < n; j++)
    if (r[j]->prio > r[best]->prio)
      best = j;
  return r[best];
}

static void print_schedule(const char *how);
static void report(const char *outcome, int status);

/* order: the script's next step, which must be runnable. */
static struct pl_thread *scripted(struct pl_thread **r, size_t n,
                                  struct pl_thread *prev) {
  if (script_pos < script_len) {
    const char *want = script[script_pos];
    for (size_t i = 0; i < n; i++)
      if (spec_step_matches(want, r[i]->name, r[i]->point)) {
        script_pos++;
        return r[i];
      }
    fprintf(stderr,
            "sched-preload: schedule does not match the program: "
            "step %zu of the script (%s) is not runnable; runnable:",
            script_pos + 1, want);
    for (size_t i = 0; i < n; i++)
      fprintf(stderr, " %s@%s", r[i]->name, r[i]->point);
    if (!lenient) {
      /* A script that does not fit is bad input (exit 2), never a
       * verdict; _exit, as for a deadlock: the others are parked. */
      fputc('\n', stderr);
      print_schedule("schedule taken so far");
      report("mismatch", 2);
      fflush(stdout);
      _exit(2);
    }
    fprintf(stderr, "; continuing with random:0 (+lenient)\n");
    strategy = ST_RANDOM;
    spec_rng_seed(&rng, 0, 7);
    left_model = 1;
    snprintf(left_why, sizeof left_why,
             "the script stopped matching at "
             "step %zu (+lenient)",
             script_pos + 1);
    return r[rnd() % n];
  }
  /* A script is a prefix: past its end the run goes on without
   * preemption, which is deterministic too. A thread that yields or
   * sleeps lets the next runnable thread after it go (in creation order,
   * round the list), so that a polling loop does not starve the thread it
   * waits for. */
  for (size_t i = 0; i < n; i++)
    if (r[i] == prev)
      return prev->wait == W_YIELD ? r[(i + 1) % n] : prev;
  return r[0];
}

static struct pl_thread *choose(struct pl_thread **r, size_t n,
                                struct pl_thread *prev) {
  struct pl_thread *t;
  if (strategy == ST_RANDOM)
    return r[rnd() % n];
  if (strategy == ST_ORDER)
    return scripted(r, n, prev);
  if (strategy == ST_POS)
    return highest(r, n);
  for (unsigned i = 0; i + 1 < depth; i++)
    if (change_at[i] == steps)
      highest(r, n)->prio = (int64_t)(i + 1);
  t = highest(r, n);
  if (t == last_chosen && ++run_len >= PL_FAIR) {
    demote(t);
    t = highest(r, n);
  }
  return t;
}

static void trace_add(const struct pl_thread *t) {
  const char *p = t->point;
  uint64_t h = trace;
  h = (h ^ t->id) * 1099511628211ULL;
  while (*p)
    h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
  trace = h * 1099511628211ULL;
  if (keep_steps) {
    char one[64];
    int n = snprintf(one, sizeof one, "%s%s@%s", steps_len ? "," : "", t->name,
                     t->point);
    steps_buf = grow(steps_buf, &steps_cap, steps_len + (size_t)n + 1, 1);
    memcpy(steps_buf + steps_len, one, (size_t)n + 1);
    steps_len += (size_t)n;
  }
}

static const char *replay_word(void) {
  return left_model ? "not exact: the run left the model" : "exact replay";
}

static void print_schedule(const char *how) {
  fprintf(stderr,
          "sched-preload: %s: %s (%s; %u step%s, %u preemption%s, "
          "trace %016llx)\n",
          how, spec_text, replay_word(), steps, steps == 1 ? "" : "s",
          preemptions, preemptions == 1 ? "" : "s", (unsigned long long)trace);
  if (print_steps)
    fprintf(stderr, "sched-preload: steps: order:%s (%s)\n",
            steps_len ? steps_buf : "",
            steps_len == 0 ? "none: no choice was made"
            : steps_len + sizeof "SCHED=order:" > PL_ENV_MAX
                ? "longer than one environment variable may be: replay "
                  "with the spec above"
                : "replays the run as SCHED=order:...");
  if (print_steps && pre_len)
    fprintf(stderr,
            "sched-preload: preemptions: %s (STEP:THREAD@POINT>"
            "THREAD@POINT, who was preempted at which call, and who ran)\n",
            pre_buf);
  if (print_steps && sw_len)
    fprintf(stderr,
            "sched-preload: switch points: %s (STEP:THREAD@POINT>"
            "THREAD@POINT|..., where a preemption could have been, and "
            "who could have run)\n",
            sw_buf);
}

/* ---- SCHED_REPORT: one JSON object per process ---- */

/* A writer that only counts when p is NULL: each text is produced twice,
 * once to size its buffer and once to fill it, with no stdio and no
 * malloc, so that the fatal signal handler can write a report too. */
struct out {
  char *p;
  size_t n;
};

static void put(struct out *o, const char *s, size_t k) {
  if (o->p)
    memcpy(o->p + o->n, s, k);
  o->n += k;
}

static void put_s(struct out *o, const char *s) {
  put(o, s, strlen(s));
}

/* s as a JSON string. The shim's strings are ASCII (a canonical spec,
 * thread names, call names); a byte outside it would make the line
 * invalid UTF-8, so it is written as '?' rather than passed on. */
static void put_str(struct out *o, const char *s) {
  static const char hex[] = "0123456789abcdef";
  put(o, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    if (c == '"' || c == '\\') {
      e[1] = (char)c;
      put(o, e, 2);
    } else if (c < 0x20) {
      put(o, e, 6);
    } else {
      put(o, c < 0x80 ? s : "?", 1);
    }
  }
  put(o, "\"", 1);
}

/* v in base 10 or 16 (then zero-padded to 16 digits). */
static void put_u(struct out *o, unsigned long long v, unsigned base) {
  char d[24];
  size_t i = sizeof d;
  do {
    d[--i] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v != 0 || (base == 16 && i > sizeof d - 16));
  put(o, d + i, sizeof d - i);
}

static void put_key(struct out *o, const char *key) {
  put(o, ",", 1);
  put_str(o, key);
  put(o, ":", 1);
}

/* A thread and its call, as the members "KEY":"NAME","KEY_at":"POINT". */
static void put_at(struct out *o, const char *key, const char *key_at,
                   const struct pl_thread *t) {
  put_key(o, key);
  put_str(o, t->name);
  put_key(o, key_at);
  put_str(o, t->point);
}

/* The step being decided: prev could go on, next was chosen among r[n]. */
struct step_view {
  const struct pl_thread *prev, *next;
  struct pl_thread **r;
  size_t n;
};

static void put_preempted(struct out *o, const struct step_view *v) {
  put_s(o, "{\"step\":");
  put_u(o, steps, 10);
  put_at(o, "thread", "at", v->prev);
  put_at(o, "next", "next_at", v->next);
  put(o, "}", 1);
}

static void put_switch(struct out *o, const struct step_view *v) {
  put_s(o, "{\"step\":");
  put_u(o, steps, 10);
  put_at(o, "thread", "at", v->prev);
  put_s(o, ",\"could_run\":[");
  for (size_t i = 0, first = 1; i < v->n; i++) {
    if (v->r[i] == v->prev)
      continue;
    put_s(o, first ? "{\"thread\":" : ",{\"thread\":");
    put_str(o, v->r[i]->name);
    put_key(o, "at");
    put_str(o, v->r[i]->point);
    put(o, "}", 1);
    first = 0;
  }
  put_s(o, "]}");
}

/* Appends one item, put(v), to a comma-separated list of JSON items. */
static void jlist_add(char **buf, size_t *len, size_t *cap,
                      void (*put_item)(struct out *, const struct step_view *),
                      const struct step_view *v) {
  struct out o = {NULL, 0};
  put_item(&o, v);
  *buf = grow(*buf, cap, *len + o.n + 2, 1);
  if (*len)
    (*buf)[(*len)++] = ',';
  o.p = *buf + *len;
  o.n = 0;
  put_item(&o, v);
  *len += o.n;
}

static void put_report(struct out *o, const char *outcome, int status) {
  put_s(o, "{\"pid\":");
  put_u(o, (unsigned long long)getpid(), 10);
  put_key(o, "spec");
  put_str(o, spec_text);
  put_s(o, left_model ? ",\"exact\":false" : ",\"exact\":true");
  put_key(o, "not_exact_why");
  if (left_model)
    put_str(o, left_why);
  else
    put_s(o, "null");
  put_key(o, "outcome");
  put_str(o, outcome);
  put_key(o, "status");
  put_u(o, (unsigned long long)status, 10);
  put_key(o, "steps");
  put_u(o, steps, 10);
  put_key(o, "preemptions");
  put_u(o, preemptions, 10);
  put_key(o, "handoffs");
  put_u(o, handoffs, 10);
  put_s(o, ",\"trace\":\"");
  put_u(o, trace, 16);
  put_s(o, "\",\"order\":");
  if (steps_len) {
    put_s(o, "\"order:");
    put(o, steps_buf, steps_len); /* names and calls: nothing to escape */
    put(o, "\"", 1);
  } else {
    put_s(o, "null");
  }
  put_s(o, steps_len + sizeof "SCHED=order:" > PL_ENV_MAX
               ? ",\"order_fits_env\":false"
               : ",\"order_fits_env\":true");
  put_s(o, ",\"preempted\":[");
  put(o, pre_json ? pre_json : "", prej_len);
  put_s(o, "],\"switch_points\":[");
  put(o, sw_json ? sw_json : "", swj_len);
  put_s(o, "]}\n");
}

/* Appends the report to SCHED_REPORT's file in one write(), so that the
 * lines of several processes appending to one file do not interleave. Only
 * async-signal-safe calls: the fatal signal handler calls it too. */
static void report(const char *outcome, int status) {
  struct out o = {NULL, 0};
  if (report_path == NULL)
    return;
  put_report(&o, outcome, status);
  size_t size = o.n;
  void *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int fd = open(report_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (m == MAP_FAILED || fd < 0) {
    say("sched-preload: SCHED_REPORT: cannot write the report to ");
    say(report_path);
    say("\n");
  } else {
    o.p = m;
    o.n = 0;
    put_report(&o, outcome, status);
    if (write(fd, m, size) != (ssize_t)size)
      say("sched-preload: SCHED_REPORT: a short write\n");
  }
  if (fd >= 0)
    close(fd);
  if (m != MAP_FAILED)
    munmap(m, size);
}

/* ---- reports ---- */

/* The thread t waits for, with the object in between, or NULL (a
 * spec_waits_fn, spec.h). */
static const void *waits_for(const void *arg, const char **via, char *buf,
                             size_t n) {
  const struct pl_thread *t = arg;
  struct pl_obj *o;
  if (t->state != T_PARKED)
    return NULL;
  if (t->wait == W_JOIN) {
    *via = "join";
    return (struct pl_thread *)t->obj;
  }
  if (t->wait == W_OBJ && (o = pl_obj(t->obj, K_MUTEX, 0)) != NULL &&
      o->kind == K_MUTEX) {
    snprintf(buf, n, "mutex %p", t->obj);
    *via = buf;
    return o->owner;
  }
  return NULL;
}

static void print_waits(const struct pl_thread *t) {
  const struct pl_thread *o;
  const char *via;
  char buf[64];
  switch (t->wait) {
  case W_OBJ:
    o = waits_for(t, &via, buf, sizeof buf);
    if (o != NULL)
      fprintf(stderr,
              "sched-preload:   %s at %s: waits for mutex %p held "
              "by %s\n",
              t->name, t->point, t->obj, o->name);
    else
      fprintf(stderr, "sched-preload:   %s at %s: waits for %s %p\n", t->name,
              t->point, kind_name(t->obj), t->obj);
    break;
  case W_JOIN:
    o = t->obj;
    fprintf(stderr, "sched-preload:   %s at %s: waits for %s to end\n", t->name,
            t->point, o->name);
    break;
  case W_COND:
    fprintf(stderr,
            "sched-preload:   %s at %s: waits for condition %p; no "
            "thread that can run is left to signal it\n",
            t->name, t->point, t->obj);
    break;
  case W_BARRIER: {
    struct pl_obj *b = pl_obj(t->obj, K_BARRIER, 0);
    fprintf(stderr,
            "sched-preload:   %s at %s: waits at barrier %p (%u of "
            "%u arrived)\n",
            t->name, t->point, t->obj, b ? b->arrived : 0, b ? b->count : 0);
    break;
  }
  default:
    fprintf(stderr, "sched-preload:   %s at %s: runnable\n", t->name, t->point);
  }
}

static const char *thread_name(const void *t) {
  return ((const struct pl_thread *)t)->name;
}

static void print_cycle(void) {
  const void **ts = malloc((nlive + 1) * sizeof *ts);
  if (ts == NULL)
    die("out of memory");
  for (size_t i = 0; i < nlive; i++)
    ts[i] = live[i];
  spec_print_cycle(stderr, "sched-preload", ts, nlive, waits_for, thread_name,
                   "a thread waits for something no thread "
                   "that can run will give");
  free(ts);
}

/* With S held, when no registered thread can run and none runs outside
 * the model: the run can never go on. */
static void deadlock(void) {
  assert(pl_held());
  pl_on = 0;
  fprintf(stderr, "sched-preload: deadlock: no thread can run\n");
  for (size_t i = 0; i < nlive; i++)
    print_waits(live[i]);
  print_cycle();
  print_schedule("schedule");
  report("deadlock", 1);
  fflush(stdout);
  /* _exit: the other threads are parked for good; atexit handlers that
   * reach an interposed call would wait for them. */
  _exit(1);
}

/* Appends text to a SCHED_PRINT=steps list, comma-separated. */
static void list_add(char **buf, size_t *len, size_t *cap, const char *text) {
  size_t k = strlen(text);
  *buf = grow(*buf, cap, *len + k + 2, 1);
  if (*len)
    (*buf)[(*len)++] = ',';
  memcpy(*buf + *len, text, k + 1);
  *len += k;
}

/* Counts a step that preempted prev (it could have gone on, and had not
 * yielded or slept); with SCHED_PRINT=steps, records it, and records each
 * step where a preemption could have been (a switch point: prev could go
 * on and others could run) with the threads that could have run instead,
 * for shrink.sh's search. */
static void note_step(struct pl_thread *prev, struct pl_thread *next,
                      struct pl_thread **r, size_t n) {
  char one[128];
  const struct step_view v = {prev, next, r, n};
  if (prev == NULL || !runnable(prev) || prev->wait == W_YIELD)
    return;
  if (next != prev) {
    preemptions++;
    if (keep_steps) {
      snprintf(one, sizeof one, "%u:%s@%s>%s@%s", steps, prev->name,
               prev->point, next->name, next->point);
      list_add(&pre_buf, &pre_len, &pre_cap, one);
      jlist_add(&pre_json, &prej_len, &prej_cap, put_preempted, &v);
    }
  }
  if (!keep_steps)
    return;
  jlist_add(&sw_json, &swj_len, &swj_cap, put_switch, &v);
  snprintf(one, sizeof one, "%u:%s@%s>", steps, prev->name, prev->point);
  list_add(&sw_buf, &sw_len, &sw_cap, one);
  for (size_t i = 0, first = 1; i < n; i++) {
    if (r[i] == prev)
      continue;
    int k = snprintf(one, sizeof one, "%s%s@%s", first ? "" : "|", r[i]->name,
                     r[i]->point);
    sw_buf = grow(sw_buf, &sw_cap, sw_len + (size_t)k + 1, 1);
    memcpy(sw_buf + sw_len, one, (size_t)k + 1);
    sw_len += (size_t)k;
    first = 0;
  }
}

/* Gives the token to the next thread, with S held, after the caller
 * (prev, or NULL) parked, ended or was moved aside. */
static void decide(struct pl_thread *prev) {
  assert(pl_held());
  size_t n = 0, busy = 0;
  struct pl_thread *next, *timed = NULL, *sleeper = NULL;

  for (size_t i = 0; i < nlive; i++) {
    struct pl_thread *t = live[i];
    if (t->state == T_PARKED && t->timed && !runnable(t) && t->due <= vnow) {
      t->wait = W_NONE; /* its limit has passed */
      t->timed_out = 1;
    }
    if (runnable(t)) {
      runq[n++] = t;
      if (t->wait != W_YIELD || t->due <= vnow)
        busy++;
      else if (sleeper == NULL || t->due < sleeper->due)
        sleeper = t;
    } else if (t->state == T_PARKED && t->timed &&
               (timed == NULL || t->due < timed->due ||
                (t->due == timed->due && t->seq < timed->seq))) {
      timed = t;
    }
  }
  /* Nothing can run but sleepers: the first timed wait whose limit comes
   * before every sleeper's end times out (time passes to it). */
  if (busy == 0 && timed != NULL &&
      (sleeper == NULL || timed->due < sleeper->due)) {
    vnow = timed->due;
    timed->wait = W_NONE;
    timed->timed_out = 1;
    runq[n++] = timed;
  }
  if (n == 0) {
    current = NULL;
    if (nlive > 0 && nescaped == 0)
      deadlock();
    return;
  }
  decisions++;
  if (n >= 2) {
    steps++;
    next = choose(runq, n, prev);
    trace_add(next);
    note_step(prev, next, runq, n);
  } else {
    next = runq[0];
  }
  if (strategy == ST_POS && next->obj != NULL)
    for (size_t i = 0; i < nlive; i++) /* the events racing with next's */
      if (live[i] != next && live[i]->obj == next->obj)
        live[i]->prio = (int64_t)(rnd() >> 1);
  if (next->wait == W_YIELD && next->due > vnow)
    vnow = next->due; /* its sleep ended */
  if (next != last_chosen)
    run_len = 0;
  last_chosen = next;
  current = next;
  gen++;
  if (next != prev) {
    handoffs++;
    atomic_store_explicit(&next->go, 1, memory_order_release);
    if (to_wake != NULL && to_wake != next)
      futex_wake(&to_wake->go); /* not expected: one decision per unlock */
    to_wake = next;
  }
}

void pl_wait_token(struct pl_thread *me) {
  assert(pl_held());
  while (current != me) {
    pl_unlock();
    while (atomic_load_explicit(&me->go, memory_order_acquire) == 0)
      futex_wait(&me->go, 0);
    pl_lock();
    atomic_store_explicit(&me->go, 0, memory_order_relaxed);
  }
  me->state = T_RUNNING;
  gen++;
}

int pl_park(const char *point, enum pl_wait w, const void *obj, int timed) {
  assert(pl_held());
  struct pl_thread *me = pl_self;
  int escaped = me->state == T_ESCAPED;
  me->state = T_PARKED;
  me->point = point;
  me->wait = w;
  me->obj = obj;
  me->timed = timed;
  me->timed_out = 0;
  if (timed || w == W_COND)
    me->seq = ++seqno;
  if (w == W_YIELD && strategy == ST_PCT)
    demote(me);
  if (strategy == ST_POS) /* a new pending event */
    me->prio = (int64_t)(rnd() >> 1);
  atomic_store_explicit(&me->go, 0, memory_order_relaxed);
  if (escaped) {
    /* Back from outside the model: wait for the token like any parked
     * thread; decide only if nobody holds it. */
    nescaped--;
    if (current == NULL)
      decide(NULL);
  } else {
    decide(me);
  }
  pl_wait_token(me);
  me->wait = W_NONE;
  me->timed = 0;
  return me->timed_out;
}

void pl_due_in(uint64_t ns) {
  assert(pl_held());
  pl_self->due = vnow + ns < vnow ? UINT64_MAX : vnow + ns;
}

void pl_release(const void *obj) {
  assert(pl_held());
  for (size_t i = 0; i < nlive; i++)
    if (live[i]->wait == W_OBJ && live[i]->obj == obj)
      live[i]->wait = W_NONE;
}

void pl_cond_wake(const void *c, int all_waiters) {
  assert(pl_held());
  for (;;) {
    struct pl_thread *w = NULL;
    for (size_t i = 0; i < nlive; i++) {
      struct pl_thread *t = live[i];
      if (t->wait == W_COND && t->obj == c && (w == NULL || t->seq < w->seq))
        w = t;
    }
    if (w == NULL)
      return;
    w->wait = W_NONE;
    w->woken = 1;
    if (!all_waiters)
      return;
  }
}

void pl_barrier_open(const void *b) {
  assert(pl_held());
  for (size_t i = 0; i < nlive; i++)
    if (live[i]->wait == W_BARRIER && live[i]->obj == b)
      live[i]->wait = W_NONE;
}

/* ---- threads ---- */

static struct pl_thread *record(void) {
  struct pl_thread *t = calloc(1, sizeof *t);
  if (t == NULL)
    die("out of memory");
  t->id = next_id++;
  if (t->id == 0)
    strcpy(t->name, "main");
  else
    snprintf(t->name, sizeof t->name, "t%u", t->id);
  /* Distinct random priorities above every change point's. */
  t->prio = (int64_t)depth + 1 + (int64_t)(rnd() >> 2);
  live = grow(live, &cap_live, nlive + 1, sizeof *live);
  runq = grow(runq, &cap_runq, cap_live + 1, sizeof *runq);
  all = grow(all, &cap_all, nall + 1, sizeof *all);
  live[nlive++] = t;
  all[nall++] = t;
  return t;
}

struct pl_thread *pl_thread_new(void *(*fn)(void *), void *arg) {
  assert(pl_held());
  struct pl_thread *t = record();
  t->state = T_PARKED;
  t->point = "start";
  t->wait = W_NONE;
  t->fn = fn;
  t->arg = arg;
  return t;
}

static void unlive(struct pl_thread *t) {
  for (size_t i = 0; i < nlive; i++)
    if (live[i] == t) {
      memmove(&live[i], &live[i + 1], (nlive - i - 1) * sizeof *live);
      nlive--;
      return;
    }
}

/* A thread that could not be created: forget it (S held). */
void pl_thread_drop(struct pl_thread *t) {
  assert(pl_held());
  unlive(t);
  t->state = T_DONE;
  t->joined = 1;
}

void pl_thread_end(struct pl_thread *t) {
  assert(!pl_held());
  pl_lock();
  if (t->state != T_DONE) {
    int had = current == t || current == NULL;
    if (t->state == T_ESCAPED)
      nescaped--;
    t->state = T_DONE;
    t->point = "end";
    unlive(t);
    if (current == t)
      current = NULL;
    if (had && pl_on)
      decide(t);
    if (nlive == 0) {
      atomic_store(&monitor_quit, 1);
      futex_wake(&monitor_quit);
    }
  }
  pl_unlock();
  pl_self = NULL;
}

struct pl_thread *pl_find(pthread_t pt) {
  for (size_t i = nall; i > 0; i--)
    if (!all[i - 1]->joined && all[i - 1]->id != 0 &&
        pthread_equal(all[i - 1]->pt, pt))
      return all[i - 1];
  return NULL;
}

/* ---- the watchdog: a thread that keeps the token too long ---- */

/* The CPU time thread t has used, in ns (0 if it cannot be read). */
static uint64_t cpu_ns(const struct pl_thread *t) {
  clockid_t cid;
  struct timespec ts;
  if (pthread_getcpuclockid(t->pt, &cid) != 0 || clock_gettime(cid, &ts) != 0)
    return 0;
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Hands the token on from a holder that keeps others waiting: one that
 * used SCHED_SLICE_MS of CPU time without an interposed call (a spin), or
 * spent ten times that in wall time (blocked in a call the shim does not
 * see). CPU time, not wall time, for the first: on a loaded machine a
 * thread may wait for a CPU far longer than it runs. */
static void *monitor(void *arg) {
  unsigned long seen = (unsigned long)-1;
  uint64_t w0 = 0, c0 = 0, slice = (uint64_t)slice_ms * 1000000u;
  (void)arg;
  for (;;) {
    struct timespec ts = {(time_t)(slice_ms / 2000),
                          (long)(slice_ms / 2 % 1000) * 1000000L};
    syscall(SYS_futex, &monitor_quit, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
    if (atomic_load(&monitor_quit))
      return NULL;
    pl_lock();
    int waiting = 0;
    for (size_t i = 0; i < nlive; i++)
      waiting += live[i]->state == T_PARKED && runnable(live[i]);
    if (!pl_on || current == NULL || current->state != T_RUNNING ||
        gen != seen || waiting == 0) {
      seen = gen;
      w0 = wall_ns();
      c0 = current ? cpu_ns(current) : 0;
    } else {
      struct pl_thread *t = current;
      uint64_t cpu = cpu_ns(t) - c0, wall = wall_ns() - w0;
      if (cpu >= slice || wall >= 10 * slice) {
        char why[160];
        snprintf(why, sizeof why,
                 "%s ran without an interposed call for "
                 "%llu ms (%llu ms of CPU time: a spin on plain memory, or a "
                 "call the shim does not see)",
                 t->name, (unsigned long long)(wall / 1000000),
                 (unsigned long long)(cpu / 1000000));
        if (!left_model)
          snprintf(left_why, sizeof left_why, "%s", why);
        left_model = 1;
        fprintf(stderr,
                "sched-preload: warning: %s; the token was handed "
                "on: this run is not exact replay\n",
                why);
        t->state = T_ESCAPED;
        nescaped++;
        current = NULL;
        decide(NULL);
        seen = gen;
        w0 = wall_ns();
        c0 = current ? cpu_ns(current) : 0;
      }
    }
    pl_unlock();
  }
  return NULL;
}

void pl_monitor_start(void) {
  assert(!pl_held());
  pthread_t m;
  pthread_attr_t a;
  if (monitor_started || slice_ms == 0)
    return;
  monitor_started = 1;
  if (pthread_attr_init(&a) != 0 ||
      pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED) != 0 ||
      pl_real.create(&m, &a, monitor, NULL) != 0)
    die("cannot start the watchdog thread");
  pthread_attr_destroy(&a);
}

int pl_alone(void) {
  assert(pl_held());
  return nlive == 1;
}

void pl_stop(void) {
  if (!pl_on)
    return;
  pl_lock();
  pl_on = 0;
  pl_unlock();
}

/* ---- process events ---- */

static void say_failed(const char *why) {
  say("sched-preload: ");
  say(why);
  say(" under SCHED=");
  say(spec_text);
  say(" (");
  say(replay_word());
  if (left_model) {
    say(": ");
    say(left_why);
  }
  say(")\n");
}

static void on_fatal(int sig) {
  say_failed("died of a signal");
  report("signal", sig);
  signal(sig, SIG_DFL);
  raise(sig);
}

static void on_exit_cb(int status, void *arg) {
  const char *p = getenv("SCHED_PRINT");
  (void)arg;
  if (forked_child)
    return; /* it carried on unscheduled: nothing to replay */
  pl_on = 0;
  if (status != 0)
    say_failed("failed");
  if (p && *p && strcmp(p, "0") != 0)
    print_schedule("schedule");
  report("exit", status);
}

static void atfork_prepare(void) {
  pl_lock();
}

static void atfork_parent(void) {
  pl_unlock();
}

static void atfork_child(void) {
  /* The child has one thread: it carries on unscheduled, on every CPU
   * the process had. */
  pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
  if (pinned)
    (void)sched_setaffinity(0, sizeof saved_cpus, &saved_cpus);
  if (saved_policy >= 0)
    (void)sched_setscheduler(0, saved_policy, &saved_param);
  S = fresh;
  to_wake = NULL;
  pl_on = 0;
  pl_self = NULL;
  forked_child = 1;
}

static void *sym(const char *name) {
  void *p = dlsym(RTLD_NEXT, name);
  if (p == NULL) {
    fprintf(stderr, "sched-preload: cannot find %s: %s\n", name, dlerror());
    _exit(3);
  }
  return p;
}

static void *symv(const char *name, const char *version) {
  void *p = dlvsym(RTLD_NEXT, name, version);
  return p ? p : sym(name);
}

void pl_find_real(void) {
  struct pl_real *r = &pl_real;
  *(void **)&r->create = sym("pthread_create");
  *(void **)&r->join = sym("pthread_join");
  *(void **)&r->detach = sym("pthread_detach");
  *(void **)&r->exit = sym("pthread_exit");
  *(void **)&r->cancel = sym("pthread_cancel");
  *(void **)&r->mutex_init = sym("pthread_mutex_init");
  *(void **)&r->mutex_destroy = sym("pthread_mutex_destroy");
  *(void **)&r->lock = sym("pthread_mutex_lock");
  *(void **)&r->trylock = sym("pthread_mutex_trylock");
  *(void **)&r->unlock = sym("pthread_mutex_unlock");
  *(void **)&r->timedlock = sym("pthread_mutex_timedlock");
  *(void **)&r->cond_wait = symv("pthread_cond_wait", "GLIBC_2.3.2");
  *(void **)&r->cond_timedwait = symv("pthread_cond_timedwait", "GLIBC_2.3.2");
  *(void **)&r->cond_signal = symv("pthread_cond_signal", "GLIBC_2.3.2");
  *(void **)&r->cond_broadcast = symv("pthread_cond_broadcast", "GLIBC_2.3.2");
  *(void **)&r->rd = sym("pthread_rwlock_rdlock");
  *(void **)&r->wr = sym("pthread_rwlock_wrlock");
  *(void **)&r->tryrd = sym("pthread_rwlock_tryrdlock");
  *(void **)&r->trywr = sym("pthread_rwlock_trywrlock");
  *(void **)&r->timedrd = sym("pthread_rwlock_timedrdlock");
  *(void **)&r->timedwr = sym("pthread_rwlock_timedwrlock");
  *(void **)&r->rwunlock = sym("pthread_rwlock_unlock");
  *(void **)&r->spin_lock = sym("pthread_spin_lock");
  *(void **)&r->spin_trylock = sym("pthread_spin_trylock");
  *(void **)&r->spin_unlock = sym("pthread_spin_unlock");
  *(void **)&r->barrier_init = sym("pthread_barrier_init");
  *(void **)&r->barrier_wait = sym("pthread_barrier_wait");
  *(void **)&r->barrier_destroy = sym("pthread_barrier_destroy");
  *(void **)&r->sem_wait = sym("sem_wait");
  *(void **)&r->sem_trywait = sym("sem_trywait");
  *(void **)&r->sem_timedwait = sym("sem_timedwait");
  *(void **)&r->sem_post = sym("sem_post");
  *(void **)&r->yield = sym("sched_yield");
  *(void **)&r->nanosleep = sym("nanosleep");
  *(void **)&r->clock_nanosleep = sym("clock_nanosleep");
  *(void **)&r->usleep = sym("usleep");
  *(void **)&r->sleep = sym("sleep");
  *(void **)&r->exit_process = sym("exit");
}

/* Reads a decimal number of at most max; -1 for anything else. */
static int parse_u(const char *s, unsigned long max, unsigned long *out) {
  char *end;
  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  *out = strtoul(s, &end, 10);
  return *end == '\0' && errno == 0 && *out <= max ? 0 : -1;
}

/* Whether every item of an order: list is a thread step (the shim
 * carries those out; libuv requests need the linked scheduler). */
static int thread_steps_only(const struct spec *sp) {
  size_t pos = 0, n;
  const char *it;
  while ((it = spec_next_item(sp, &pos, &n)) != NULL) {
    int kind;
    unsigned num;
    if (spec_item(it, n, &kind, &num) != 0)
      return 0;
  }
  return 1;
}

/* The strategy of sp (random, pct, pos or a script of thread steps), with
 * its generator, script or change points; spec_text becomes the spec that
 * replays the run. */
static void take_strategy(struct spec *sp) {
  strategy = sp->kind == SPEC_PCT     ? ST_PCT
             : sp->kind == SPEC_POS   ? ST_POS
             : sp->kind == SPEC_ORDER ? ST_ORDER
                                      : ST_RANDOM;
  if (strategy == ST_ORDER) {
    size_t pos = 0, n;
    const char *it;
    lenient = sp->lenient;
    while ((it = spec_next_item(sp, &pos, &n)) != NULL) {
      script = realloc(script, (script_len + 1) * sizeof *script);
      if (script == NULL || (script[script_len] = strndup(it, n)) == NULL)
        die("out of memory");
      script_len++;
    }
  }
  spec_rng_seed(&rng, sp->seed, 7);
  if (strategy == ST_PCT) {
    depth = sp->depth;
    if (sp->steps)
      pct_k = sp->steps;
    /* The printed spec names K, so that it replays whatever the default
     * becomes. */
    sp->steps = pct_k;
    free(spec_text);
    if ((spec_text = spec_format_alloc(sp)) == NULL)
      die("out of memory");
    spec_pct_change_points(&rng, depth, pct_k, change_at);
  }
}

/* SCHED_PIN=1: the main thread, and so every thread created after it,
 * runs on the CPU it is on now, as SCHED_BATCH (see Cost above). A process
 * that may not change them runs as it was. */
/* SCHED_POR: 0 or 1, else exit 2. */
static void take_por(void) {
  const char *e = getenv("SCHED_POR");
  unsigned long v = 0;
  if (e != NULL && parse_u(e, 1, &v) != 0) {
    fprintf(stderr,
            "sched-preload: SCHED_POR='%s': want 0 (a point after "
            "each release, the default) or 1 (none)\n",
            e);
    _exit(2);
  }
  pl_por = (int)v;
}

static void pin(void) {
  const char *e = getenv("SCHED_PIN");
  struct sched_param batch = {0};
  unsigned long v = 0;
  cpu_set_t one;
  int cpu;
  if (e != NULL && parse_u(e, 1, &v) != 0) {
    fprintf(stderr,
            "sched-preload: SCHED_PIN='%s': want 0 (the CPUs the "
            "process was given, the default) or 1 (one CPU)\n",
            e);
    _exit(2);
  }
  if (v == 0 || sched_getaffinity(0, sizeof saved_cpus, &saved_cpus) != 0)
    return;
  cpu = sched_getcpu();
  if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &saved_cpus))
    return;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  pinned = sched_setaffinity(0, sizeof one, &one) == 0;
  if (pinned && sched_getparam(0, &saved_param) == 0) {
    int policy = sched_getscheduler(0);
    if (policy >= 0 && sched_setscheduler(0, SCHED_BATCH, &batch) == 0)
      saved_policy = policy;
  }
}

/* SCHED_REPORT=FILE: opened once here, so that a path that cannot be
 * written is bad input now rather than a lost report at the end. */
static void take_report(void) {
  const char *e = getenv("SCHED_REPORT");
  int fd;
  if (e == NULL || *e == '\0')
    return;
  fd = open(e, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr,
            "sched-preload: SCHED_REPORT='%s': cannot open it for "
            "appending: %s\n",
            e, strerror(errno));
    _exit(2);
  }
  close(fd);
  if ((report_path = strdup(e)) == NULL)
    die("out of memory");
}

__attribute__((constructor)) static void init(void) {
  const char *s = getenv("SCHED"), *e;
  struct spec sp;
  char err[256];
  unsigned long v;

  pl_find_real();
  if (spec_parse(s, &sp, err, sizeof err) != 0) {
    fprintf(stderr, "sched-preload: SCHED='%s': %s\n", s, err);
    _exit(2);
  }
  if (sp.kind == SPEC_NONE)
    return;
  if ((spec_text = spec_format_alloc(&sp)) == NULL)
    die("out of memory");
  /* A program linked with the in-tree scheduler (it exports dsched__on)
   * takes SCHED itself; fifo and lifo order libuv requests, and so do
   * order: items such as work#0: only that scheduler can carry them out,
   * and it announces itself when it does. The shim stays out of the way,
   * silently, and says so to hunt alone. */
  if (dlsym(RTLD_DEFAULT, "dsched__on") != NULL ||
      (sp.kind != SPEC_RANDOM && sp.kind != SPEC_PCT && sp.kind != SPEC_POS &&
       (sp.kind != SPEC_ORDER || !thread_steps_only(&sp)))) {
    spec_handshake("preload", "none", spec_text);
    return;
  }
  if ((e = getenv("SCHED_SLICE_MS")) != NULL) {
    if (parse_u(e, 600000, &v) != 0) {
      fprintf(stderr,
              "sched-preload: SCHED_SLICE_MS='%s': want a number of "
              "milliseconds, 0..600000 (0: no watchdog)\n",
              e);
      _exit(2);
    }
    slice_ms = (unsigned)v;
  }
  /* +timers and +close name libuv events only the linked scheduler can
   * hold; the spec the shim carries out, and announces, is the rest. */
  sp.timers = sp.closes = 0;
  free(spec_text);
  if ((spec_text = spec_format_alloc(&sp)) == NULL)
    die("out of memory");
  spec_handshake("preload", "exact", spec_text);
  take_strategy(&sp);
  take_por();
  pin();
  pl_self = record();
  pl_self->state = T_RUNNING;
  pl_self->pt = pthread_self();
  current = pl_self;
  on_exit(on_exit_cb, NULL);
  signal(SIGABRT, on_fatal);
  signal(SIGSEGV, on_fatal);
  signal(SIGBUS, on_fatal);
  signal(SIGFPE, on_fatal);
  signal(SIGILL, on_fatal);
  if (pthread_atfork(atfork_prepare, atfork_parent, atfork_child) != 0)
    die("pthread_atfork failed");
  e = getenv("SCHED_PRINT");
  print_steps = e != NULL && strcmp(e, "steps") == 0;
  take_report();
  keep_steps = print_steps || report_path != NULL;
  e = getenv("SCHED_VERBOSE");
  if (e && *e && strcmp(e, "0") != 0)
    fprintf(stderr,
            "sched-preload: scheduling under SCHED=%s (slice %u "
            "ms)\n",
            spec_text, slice_ms);
  pl_on = 1;
}
