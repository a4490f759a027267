/* dsched_uv.c -- holds libuv threadpool submissions and releases them one at
 * a time in a scripted, seeded or replayed order. See dsched.h. */
#include "dsched.h"
#include "dsched_internal.h"
#include "spec.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum strategy { S_NONE, S_FIFO, S_LIFO, S_RANDOM, S_ORDER, S_INTERACTIVE };
enum kind { K_FS_WRITE, K_WORK, K_TIMER, K_CLOSE, K_NKINDS };
/* Kind names are spec.h's, in the same order. */
#define kind_names spec_item_kinds

/* One held or in-flight request. The user's callback is kept here because
 * req->data belongs to the user. */
struct item {
  enum kind kind;
  unsigned num; /* submission number within its kind */
  uv_loop_t *loop;
  void *req;
  union {
    struct {
      uv_file file;
      uv_buf_t *bufs;
      unsigned nbufs;
      int64_t offset;
      uv_fs_cb cb;
    } fs;
    struct {
      uv_work_cb work;
      uv_after_work_cb after;
    } work;
    uv_timer_cb timer;
    uv_close_cb close;
  } u;
  unsigned long rec; /* its op in the recorder (dsched_rec.c), or 0 */
  const char *file;  /* where it was submitted (dsched__at), for the player */
  int line;
  int repeat; /* a repeating timer's firing: its op goes on */
  struct item *next;
  struct item *pool_next; /* K_WORK in flight: the pool list (below) */
};

static enum strategy strategy = S_NONE;
static uint64_t rng_state;
static unsigned *script;      /* S_ORDER: encoded (kind << 24 | num) */
static unsigned *script_step; /* each one's place in the order: list, from 1 */
static size_t script_len, script_pos;
static struct item *held; /* singly linked, in submission order */
static struct item *inflight;
static unsigned submitted[K_NKINDS];
/* Opt-in: timer firings and close callbacks are held too (see dsched.h). */
static int hold_timers, hold_close;
/* +lenient: a script that stops matching goes on as random:0. */
static int lenient;

/* The user's callback for each wrapped timer and closing handle, found by
 * handle: the trampolines libuv calls look them up here. */
struct cbent {
  void *h;
  enum kind kind;
  void (*cb)(void);
  unsigned num;      /* close: the number of its uv_close() call */
  unsigned long rec; /* its op in the recorder, or 0 */
  int repeat;        /* timer: a repeating one */
};
static struct cbent *cbs;
static size_t ncbs, cbs_cap;
/* Close events are named by their uv_close() call (close#N is the Nth
 * call), not by the order libuv happens to finish them in. */
static unsigned closes_called;

/* Work requests in libuv's threadpool. work_cb runs on a pool thread and
 * finds its item here, by request, under pool_mu: the held and inflight
 * lists belong to the loop thread, and libuv's own request fields are not
 * ours to borrow. An item is on this list from submit() until
 * after_work_cb, which libuv runs only after work_cb has returned. */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct item *pool;

/* Recorded file system requests (never held): the user's callback and the
 * recorder's op, found by request when libuv calls rec_fs_cb. Loop thread
 * only. */
struct fsrec {
  uv_fs_t *req;
  uv_fs_cb cb;
  unsigned long rec;
  struct fsrec *next;
};
static struct fsrec *fsrecs;

static void fatal(const char *what, int err) {
  fprintf(stderr, "sched: %s: %s\n", what, uv_strerror(err));
  abort();
}

static void check(int r, const char *what) {
  if (r != 0) {
    fprintf(stderr, "sched: %s: %s\n", what, strerror(r));
    abort();
  }
}

/* The pool list's item for req (see pool_mu), unlinked when del. */
static struct item *pool_find(void *req, int del) {
  struct item *it, **pp;
  check(pthread_mutex_lock(&pool_mu), "pthread_mutex_lock");
  for (pp = &pool; (it = *pp) != NULL; pp = &it->pool_next)
    if (it->req == req) {
      if (del)
        *pp = it->pool_next;
      break;
    }
  check(pthread_mutex_unlock(&pool_mu), "pthread_mutex_unlock");
  if (it == NULL)
    fatal("a work request the scheduler did not submit", UV_EINVAL);
  return it;
}

/* The shared generator (spec.h), in the libuv side's stream. */
static uint64_t rng_next(void) {
  return spec_rng_next(&rng_state);
}

static void rng_seed(uint64_t seed) {
  spec_rng_seed(&rng_state, seed, 1);
}

/* The handshake (spec.h): one line per process that takes a schedule. A
 * program may configure several times (a test per schedule, a driver that
 * resets and runs again); only its first schedule other than none is
 * announced, since the line answers "was a scheduler in effect in this
 * process", not "how many runs". A forked child that configures a schedule
 * of its own (scenarios 03 and 13 run the variant in a child) is another
 * process and writes its own line; a child that merely inherits its
 * parent's configuration writes none. A reader such as hunt therefore
 * counts runs with at least one line, never lines. */
static void announce(const struct spec *sp) {
  static pid_t announced;
  if (announced == getpid())
    return;
  announced = getpid();
  char *text = spec_format_alloc(sp);
  if (text == NULL)
    return; /* out of memory: hunt then says no scheduler announced */
  spec_handshake("sched", "exact", text);
  free(text);
}

/* order: requests go to this side's script, thread steps to the thread
 * side's; each item keeps its place in the whole list, so that a mismatch
 * names the step as the user wrote it. */
static void configure_order(const struct spec *sp) {
  size_t pos = 0, n;
  const char *it;
  unsigned step = 0;
  while ((it = spec_next_item(sp, &pos, &n)) != NULL) {
    int kind;
    unsigned num;
    step++;
    if (spec_item(it, n, &kind, &num) == 1) {
      script = realloc(script, (script_len + 1) * sizeof *script);
      script_step =
          realloc(script_step, (script_len + 1) * sizeof *script_step);
      if (script == NULL || script_step == NULL)
        fatal("realloc", UV_ENOMEM);
      script_step[script_len] = step;
      script[script_len++] = (unsigned)kind << 24 | num;
    } else {
      dsched__script_add(it, n, step);
    }
  }
}

int dsched_configure(const char *spec_in) {
  enum dsched_tstrategy ts = DSCHED_T_NONE;
  struct spec sp;
  char err[256];

  dsched_reset();
  if (spec_parse(spec_in, &sp, err, sizeof err) != 0) {
    fprintf(stderr, "sched: %s\n", err);
    return -EINVAL;
  }
  switch (sp.kind) {
  case SPEC_NONE:
    strategy = S_NONE;
    break;
  case SPEC_FIFO:
    strategy = S_FIFO;
    ts = DSCHED_T_FIFO;
    break;
  case SPEC_LIFO:
    strategy = S_LIFO;
    ts = DSCHED_T_FIFO;
    break;
  case SPEC_RANDOM:
    strategy = S_RANDOM;
    ts = DSCHED_T_RANDOM;
    rng_seed(sp.seed);
    break;
  case SPEC_PCT:
    /* Held libuv requests have no priorities: they are released at
     * random, from the same seed. */
    strategy = S_RANDOM;
    ts = DSCHED_T_PCT;
    rng_seed(sp.seed);
    break;
  case SPEC_POS:
    /* Partial-order sampling re-draws the priorities of the events that
     * race with the one just run: events on the same object. This
     * scheduler's points are names without an object, so it has no race
     * relation to sample from; the shim's points are calls on objects. */
    fprintf(stderr,
            "sched: SCHED=pos:%llu is carried out by the preload "
            "shim only (LD_PRELOAD=build/libsched-preload.so, on a program "
            "not linked with this scheduler); this program takes random:, "
            "pct:, fifo, lifo, order: or interactive\n",
            sp.seed);
    return -EINVAL;
  case SPEC_INTERACTIVE:
    strategy = S_INTERACTIVE;
    ts = DSCHED_T_INTERACTIVE;
    break;
  case SPEC_ORDER:
    configure_order(&sp);
    /* A script of thread steps only leaves libuv requests in FIFO order. */
    strategy = script_len > 0 ? S_ORDER : S_FIFO;
    ts = DSCHED_T_SCRIPT;
    break;
  }
  lenient = sp.lenient;
  hold_timers = sp.timers;
  hold_close = sp.closes;
  dsched__threads_configure(ts, sp.seed, sp.depth, sp.steps, sp.lenient);
  if (strategy != S_NONE)
    announce(&sp);
  return 0;
}

int dsched_configure_from_env(void) {
  const char *s = getenv("SCHED");
  return s ? dsched_configure(s) : 0;
}

static void (*on_stop)(void);

void dsched_on_stop(void (*fn)(void)) {
  on_stop = fn;
}

void dsched__stopping(void) {
  if (on_stop)
    on_stop();
}

int dsched_active(void) {
  return strategy != S_NONE;
}

/* A run that ended before its script did. A script is a prefix: a fix
 * that makes fewer requests than the bug ends before the bug's script
 * does, and the steps it took are still the interleaving the script
 * names; that is said on stderr, and the status stands. But a script
 * none of whose steps was taken named nothing this program does (thread
 * steps for a program whose threads are not registered, say): a run
 * under it claims a schedule that was never in force. That is bad input,
 * exit 2, as a step that does not fit (a +lenient one: recorded, its
 * status stands). Nothing is said when nothing was scheduled: no run
 * since the script was set. */
static void check_script_end(void) {
  const char *want = NULL;
  char item[40];
  unsigned ts = dsched__script_left(&want), step;

  if (strcmp(dsched_taken(), "order:") == 0)
    return;
  /* A +lenient script that stopped fitting went on as random:0; its
   * mismatch is recorded already. */
  if (script_len > 0 && strategy != S_ORDER)
    return;
  if (script_pos < script_len && (ts == 0 || script_step[script_pos] < ts)) {
    unsigned code = script[script_pos];
    snprintf(item, sizeof item, "%s#%u", kind_names[code >> 24],
             code & 0xffffff);
    want = item;
    step = script_step[script_pos];
  } else if ((step = ts) == 0) {
    return;
  }
  if (script_pos > 0 || dsched__script_taken() > 0) {
    fprintf(stderr,
            "sched: the run ended before step %u of the script (%s); the "
            "steps from there were not taken\n",
            step, want);
    return;
  }
  fprintf(stderr,
          "sched: schedule does not match the program: the run ended and no "
          "step of the script was taken; step %u (%s) names nothing it "
          "did%s\n",
          step, want, lenient ? " (+lenient: its status stands)" : "");
  dsched__rec_mismatch(lenient,
                       "the run ended and no step of the script was taken; "
                       "step %u (%s) names nothing it did",
                       step, want);
  if (lenient)
    return;
  fprintf(stderr, "sched: schedule taken: %s\n", dsched_taken());
  dsched__stopping();
  exit(2);
}

/* Forgets the run. */
static void reset_state(void) {
  free(script);
  free(script_step);
  script = NULL;
  script_step = NULL;
  script_len = script_pos = 0;
  free(cbs);
  cbs = NULL;
  ncbs = cbs_cap = 0;
  closes_called = 0;
  hold_timers = hold_close = 0;
  memset(submitted, 0, sizeof submitted);
  strategy = S_NONE;
  dsched__threads_reset();
}

void dsched_reset(void) {
  check_script_end();
  reset_state();
}

static void submit(struct item *it);

static void record(const struct item *it) {
  char step[40];
  snprintf(step, sizeof step, "%s#%u", kind_names[it->kind], it->num);
  dsched__record(step);
}

static struct item *new_item(enum kind kind, uv_loop_t *loop, void *req) {
  struct item *it = calloc(1, sizeof *it), **tail;
  if (it == NULL)
    fatal("calloc", UV_ENOMEM);
  it->kind = kind;
  it->num = submitted[kind]++;
  it->file = dsched__file;
  it->line = dsched__line;
  it->loop = loop;
  it->req = req;
  for (tail = &held; *tail; tail = &(*tail)->next)
    ;
  *tail = it;
  return it;
}

static void unlink_item(struct item **list, struct item *it) {
  for (struct item **pp = list; *pp; pp = &(*pp)->next)
    if (*pp == it) {
      *pp = it->next;
      it->next = NULL;
      return;
    }
}

static struct item *unlink_req(struct item **list, void *req) {
  for (struct item **pp = list; *pp; pp = &(*pp)->next) {
    if ((*pp)->req == req) {
      struct item *it = *pp;
      *pp = it->next;
      it->next = NULL;
      return it;
    }
  }
  return NULL;
}

static void fs_done_cb(uv_fs_t *req) {
  struct item *it = unlink_req(&inflight, req);
  uv_fs_cb cb = it->u.fs.cb;
  dsched__rec_event(it->rec, "fs_write", "end",
                    req->result < 0 ? (int)req->result : 0,
                    "fs_write#%u: callback, result %zd", it->num, req->result);
  free(it->u.fs.bufs);
  free(it);
  if (cb)
    cb(req);
}

static void work_cb(uv_work_t *req) {
  /* On a pool thread: the item is read through the pool list, never
   * through the loop thread's lists; its fields do not change in flight. */
  struct item *it = pool_find(req, 0);
  unsigned long rec = it->rec;
  unsigned num = it->num;
  dsched__rec_thread_named("pool");
  dsched__rec_event(rec, "work", "step", 0,
                    "work#%u: work_cb starts on a "
                    "pool thread",
                    num);
  it->u.work.work(req);
  dsched__rec_event(rec, "work", "step", 0, "work#%u: work_cb returns", num);
}

static void after_work_cb(uv_work_t *req, int status) {
  struct item *it = unlink_req(&inflight, req);
  pool_find(req, 1);
  uv_after_work_cb after = it->u.work.after;
  dsched__rec_event(it->rec, "work", "end", status,
                    "work#%u: after_work_cb on the loop thread", it->num);
  free(it);
  if (after)
    after(req, status);
}

int dsched_uv_fs_write(uv_loop_t *loop, uv_fs_t *req, uv_file file,
                       const uv_buf_t bufs[], unsigned int nbufs,
                       int64_t offset, uv_fs_cb cb) {
  struct item *it;

  if ((strategy == S_NONE && !dsched__rec) || cb == NULL)
    return uv_fs_write(loop, req, file, bufs, nbufs, offset, cb);
  if (nbufs == 0 || bufs == NULL)
    return UV_EINVAL;
  it = new_item(K_FS_WRITE, loop, req);
  it->rec = dsched__rec_begin("fs_write", "fs_write#%u: submitted%s", it->num,
                              strategy == S_NONE ? "" : ", held");
  it->u.fs.file = file;
  it->u.fs.nbufs = nbufs;
  it->u.fs.offset = offset;
  it->u.fs.cb = cb;
  it->u.fs.bufs = malloc(nbufs * sizeof *bufs);
  if (it->u.fs.bufs == NULL)
    fatal("malloc", UV_ENOMEM);
  memcpy(it->u.fs.bufs, bufs, nbufs * sizeof *bufs);
  if (strategy == S_NONE)
    submit(it); /* recording only: nothing is held */
  return 0;
}

int dsched_uv_queue_work(uv_loop_t *loop, uv_work_t *req, uv_work_cb work,
                         uv_after_work_cb after) {
  struct item *it;

  if (strategy == S_NONE && !dsched__rec)
    return uv_queue_work(loop, req, work, after);
  if (work == NULL)
    return UV_EINVAL;
  it = new_item(K_WORK, loop, req);
  it->u.work.work = work;
  it->u.work.after = after;
  it->rec = dsched__rec_begin("work", "work#%u: queued%s", it->num,
                              strategy == S_NONE ? "" : ", held");
  if (strategy == S_NONE)
    submit(it); /* recording only: nothing is held */
  return 0;
}

static void item_what(char *buf, size_t len, const struct item *it) {
  const char *f = it->file ? strrchr(it->file, '/') : NULL;
  char at[120] = "";
  if (it->file)
    snprintf(at, sizeof at, " (%s:%d)", f ? f + 1 : it->file, it->line);
  switch (it->kind) {
  case K_FS_WRITE:
    snprintf(buf, len, "a file write, submitted%s", at);
    break;
  case K_WORK:
    snprintf(buf, len, "pool work and then its callback, queued%s", at);
    break;
  case K_TIMER:
    snprintf(buf, len, "a timer fired: its callback");
    break;
  default:
    snprintf(buf, len, "a handle closed: its close callback");
    break;
  }
}

int dsched__held_infos(char (*buf)[160], int max) {
  int k = 0;
  for (struct item *it = held; it && k < max; it = it->next) {
    char w[140];
    item_what(w, sizeof w, it);
    snprintf(buf[k++], 160, "held %s#%u: %.120s", kind_names[it->kind], it->num,
             w);
  }
  return k;
}

/* interactive: the player picks which held request goes next; the live
 * registered threads are shown as what else is pending. */
static struct item *ask_player(size_t n) {
  enum { MAXQ = 64 };
  static char ib[MAXQ][40], wb[MAXQ][160], nb[MAXQ][160];
  const char *items[MAXQ], *whats[MAXQ], *infos[MAXQ];
  struct item *its[MAXQ], *it;
  int k = 0, ninfo;
  for (it = held; it && k < MAXQ; it = it->next, k++) {
    snprintf(ib[k], sizeof ib[k], "%s#%u", kind_names[it->kind], it->num);
    item_what(wb[k], sizeof wb[k], it);
    items[k] = ib[k];
    whats[k] = wb[k];
    its[k] = it;
  }
  (void)n;
  ninfo = dsched__thread_infos(nb, MAXQ);
  for (int i = 0; i < ninfo; i++)
    infos[i] = nb[i];
  return its[dsched__ask("requests", k, items, whats, ninfo, infos)];
}

/* Chooses the next held request to release, or NULL when none is held. */
static struct item *pick(void) {
  struct item *it, *last = NULL;
  size_t n = 0, k;

  if (held == NULL)
    return NULL;
  for (it = held; it; it = it->next, n++)
    last = it;
  switch (strategy) {
  case S_FIFO:
    return held;
  case S_LIFO:
    return last;
  case S_INTERACTIVE:
    return n == 1 ? held : ask_player(n);
  case S_ORDER:
    if (script_pos < script_len) {
      unsigned code = script[script_pos];
      for (it = held; it; it = it->next)
        if (((unsigned)it->kind << 24 | it->num) == code) {
          script_pos++;
          return it;
        }
      fprintf(stderr,
              "sched: schedule does not match the program: step %u of the "
              "script (%s#%u) is not pending; pending:",
              script_step[script_pos], kind_names[code >> 24], code & 0xffffff);
      /* The recorder's trailer says why (and whether the run went on). */
      dsched__rec_mismatch(lenient,
                           "step %u of the script (%s#%u) is not pending; "
                           "pending:",
                           script_step[script_pos], kind_names[code >> 24],
                           code & 0xffffff);
      for (it = held; it; it = it->next) {
        fprintf(stderr, " %s#%u", kind_names[it->kind], it->num);
        dsched__rec_mismatch_add(" %s#%u", kind_names[it->kind], it->num);
      }
      if (!lenient) {
        /* A script that does not fit is bad input (exit 2), never a
         * verdict: the interleaving it names was not run. exit(), not
         * _exit(): this is the loop thread between callbacks, so the
         * program's atexit handlers (a correlation log's flush) can run. */
        fprintf(stderr, "\nsched: schedule taken so far: %s\n", dsched_taken());
        dsched__stopping();
        exit(2);
      }
      fprintf(stderr, "; continuing with random:0 (+lenient)\n");
      strategy = S_RANDOM;
      rng_seed(0);
    } else {
      /* A script is a prefix: past its end requests are released in
       * submission order, which is deterministic too. */
      return held;
    }
    /* fall through */
  case S_RANDOM:
    k = (size_t)(rng_next() % n);
    for (it = held; k > 0; it = it->next, k--)
      ;
    return it;
  case S_NONE:
    break;
  }
  return held;
}

/* Submits a request for real: it is in flight until its callback. */
static void submit(struct item *it) {
  int r;

  unlink_item(&held, it);
  it->next = inflight;
  inflight = it;
  if (it->kind == K_FS_WRITE) {
    r = uv_fs_write(it->loop, it->req, it->u.fs.file, it->u.fs.bufs,
                    it->u.fs.nbufs, it->u.fs.offset, fs_done_cb);
  } else {
    check(pthread_mutex_lock(&pool_mu), "pthread_mutex_lock");
    it->pool_next = pool;
    pool = it;
    check(pthread_mutex_unlock(&pool_mu), "pthread_mutex_unlock");
    r = uv_queue_work(it->loop, it->req, work_cb, after_work_cb);
  }
  if (r != 0)
    fatal("releasing a held request", r);
}

static unsigned count_held(void) {
  unsigned n = 0;
  for (struct item *it = held; it; it = it->next)
    n++;
  return n;
}

static void release(struct item *it) {
  unsigned n = count_held();

  record(it);
  dsched__rec_choice("release %s#%u (of %u held)", kind_names[it->kind],
                     it->num, n);
  if (it->kind == K_TIMER || it->kind == K_CLOSE) {
    /* The event already happened in libuv; releasing it runs the user's
     * callback now, on the loop thread. */
    void *h = it->req;
    uv_timer_cb tcb = it->u.timer;
    uv_close_cb ccb = it->u.close;
    enum kind k = it->kind;
    dsched__rec_event(it->rec, kind_names[k], it->repeat ? "step" : "end", 0,
                      "%s#%u: released, its callback runs", kind_names[k],
                      it->num);
    unlink_item(&held, it);
    free(it);
    if (k == K_TIMER)
      tcb(h);
    else if (ccb)
      ccb(h);
    return;
  }
  dsched__rec_event(it->rec, kind_names[it->kind], "step", 0,
                    "%s#%u: released by the scheduler", kind_names[it->kind],
                    it->num);
  submit(it);
}

int dsched_uv_run(uv_loop_t *loop, uv_run_mode mode) {
  int alive;

  if (strategy == S_NONE && held == NULL)
    return uv_run(loop, mode);
  for (;;) {
    if (inflight == NULL) {
      struct item *it = pick();
      if (it)
        release(it);
    }
    /* NOWAIT stays non-blocking; DEFAULT and ONCE take one iteration at a
     * time so that the next held request is released between them. */
    /* While requests are held and none is in flight, nothing may be left
     * to wake the loop: look, but do not wait. */
    alive = uv_run(loop, mode == UV_RUN_NOWAIT || (held && !inflight)
                             ? UV_RUN_NOWAIT
                             : UV_RUN_ONCE);
    if (mode != UV_RUN_DEFAULT)
      return alive || held || inflight;
    if (!alive && held == NULL && inflight == NULL)
      return 0;
  }
}

/* ------------------------------------------------------------ timers and
 * close callbacks (held only when the schedule asks: +timers, +close, or
 * timer#N / close#N in an order: list). */

static struct cbent *cb_set(void *h, enum kind k, void (*cb)(void)) {
  for (size_t i = 0; i < ncbs; i++)
    if (cbs[i].h == h && cbs[i].kind == k) {
      cbs[i].cb = cb;
      return &cbs[i];
    }
  if (ncbs == cbs_cap) {
    cbs_cap = cbs_cap ? 2 * cbs_cap : 16;
    cbs = realloc(cbs, cbs_cap * sizeof *cbs);
    if (cbs == NULL)
      fatal("realloc", UV_ENOMEM);
  }
  cbs[ncbs] = (struct cbent){h, k, cb, 0, 0, 0};
  return &cbs[ncbs++];
}

static struct cbent *cb_find(void *h, enum kind k) {
  for (size_t i = 0; i < ncbs; i++)
    if (cbs[i].h == h && cbs[i].kind == k)
      return &cbs[i];
  return NULL;
}

/* Returns the callback registered for (h, k) and, when del, forgets it
 * (its number goes to *num when num is not NULL). */
static void (*cb_take(void *h, enum kind k, int del, unsigned *num))(void) {
  for (size_t i = 0; i < ncbs; i++)
    if (cbs[i].h == h && cbs[i].kind == k) {
      void (*cb)(void) = cbs[i].cb;
      if (num)
        *num = cbs[i].num;
      if (del)
        cbs[i] = cbs[--ncbs];
      return cb;
    }
  return NULL;
}

/* Forgets the held firings of timer h: a stopped or closed timer's
 * callback must not run, as with plain libuv. */
static void drop_timer(void *h) {
  struct item **pp = &held;
  while (*pp) {
    struct item *it = *pp;
    if (it->kind == K_TIMER && it->req == h) {
      *pp = it->next;
      free(it);
    } else {
      pp = &it->next;
    }
  }
}

static void timer_tramp(uv_timer_t *t) {
  struct cbent *e = cb_find(t, K_TIMER);
  uv_timer_cb cb = e ? (uv_timer_cb)e->cb : NULL;
  unsigned long rec = e ? e->rec : 0;
  int repeat = e ? e->repeat : 0;
  if (cb == NULL)
    return;
  if (!repeat && e)
    e->rec = 0; /* a one-shot timer's op ends with this firing */
  if (hold_timers) {
    struct item *it = new_item(K_TIMER, t->loop, t);
    it->u.timer = cb;
    it->rec = rec;
    it->repeat = repeat;
    dsched__rec_event(rec, "timer", "step", 0, "fires; held as timer#%u",
                      it->num);
    return;
  }
  /* Recording only: the callback runs now, as libuv would run it. */
  dsched__rec_event(rec, "timer", repeat ? "step" : "end", 0,
                    "fires, its callback runs");
  cb(t);
}

int dsched_uv_timer_start(uv_timer_t *t, uv_timer_cb cb, uint64_t timeout,
                          uint64_t repeat) {
  int r;
  if ((!hold_timers && !dsched__rec) || cb == NULL)
    return uv_timer_start(t, cb, timeout, repeat);
  r = uv_timer_start(t, timer_tramp, timeout, repeat);
  if (r == 0) {
    struct cbent *e = cb_set(t, K_TIMER, (void (*)(void))cb);
    if (e->rec)
      dsched__rec_event(e->rec, "timer", "end", 0, "restarted");
    e->rec = dsched__rec_begin("timer", "timer started: %llu ms%s",
                               (unsigned long long)timeout,
                               repeat ? ", repeating" : "");
    e->repeat = repeat != 0;
  }
  return r;
}

/* The recorder: a timer stopped or closed before its firing ends its op
 * here. */
static void timer_rec_stop(void *h, const char *why) {
  struct cbent *e = cb_find(h, K_TIMER);
  if (e && e->rec) {
    dsched__rec_event(e->rec, "timer", "end", 0, "%s", why);
    e->rec = 0;
  }
}

int dsched_uv_timer_stop(uv_timer_t *t) {
  if (hold_timers)
    drop_timer(t);
  if (dsched__rec)
    timer_rec_stop(t, "stopped");
  return uv_timer_stop(t);
}

static void close_tramp(uv_handle_t *h) {
  unsigned num = 0;
  struct cbent *e = cb_find(h, K_CLOSE);
  unsigned long rec = e ? e->rec : 0;
  uv_close_cb cb = (uv_close_cb)cb_take(h, K_CLOSE, 1, &num);
  struct item *it;
  if (!hold_close) {
    /* Recording only: the callback runs now. */
    dsched__rec_event(rec, "close", "end", 0, "close#%u: closed, %s", num,
                      cb ? "its callback runs" : "no callback");
    if (cb)
      cb(h);
    return;
  }
  it = new_item(K_CLOSE, h->loop, h);
  it->u.close = cb;
  it->num = num;
  it->rec = rec;
  dsched__rec_event(rec, "close", "step", 0,
                    "close#%u: closed, callback "
                    "held",
                    num);
}

void dsched_uv_close(uv_handle_t *h, uv_close_cb cb) {
  struct cbent *e;
  if ((hold_timers || dsched__rec) && h->type == UV_TIMER) {
    drop_timer(h);
    if (dsched__rec)
      timer_rec_stop(h, "closed");
    cb_take(h, K_TIMER, 1, NULL);
  }
  if (!hold_close && !dsched__rec) {
    uv_close(h, cb);
    return;
  }
  e = cb_set(h, K_CLOSE, (void (*)(void))cb);
  e->num = closes_called++;
  e->rec = dsched__rec_begin("close", "close#%u: uv_close(%s)", e->num,
                             uv_handle_type_name(h->type));
  uv_close(h, close_tramp);
}

/* ------------------------------------------------------------ recorded
 * file system calls: never held, only written down. The user's callback
 * and the recorder's op wait in fsrecs (above) until rec_fs_cb. */

static void fsrec_add(uv_fs_t *req, uv_fs_cb cb, unsigned long rec) {
  struct fsrec *f = malloc(sizeof *f);
  if (f == NULL)
    fatal("malloc", UV_ENOMEM);
  *f = (struct fsrec){req, cb, rec, fsrecs};
  fsrecs = f;
}

/* Forgets req's record; its callback and op go to *cb and *rec. */
static void fsrec_take(uv_fs_t *req, uv_fs_cb *cb, unsigned long *rec) {
  for (struct fsrec *f, **pp = &fsrecs; (f = *pp) != NULL; pp = &f->next)
    if (f->req == req) {
      *cb = f->cb;
      *rec = f->rec;
      *pp = f->next;
      free(f);
      return;
    }
  fatal("a file system request the scheduler did not record", UV_EINVAL);
}

static void rec_fs_cb(uv_fs_t *req) {
  uv_fs_cb cb;
  unsigned long rec;
  const char *what = uv_fs_get_type(req) == UV_FS_OPEN   ? "open"
                     : uv_fs_get_type(req) == UV_FS_READ ? "read"
                                                         : "close";
  fsrec_take(req, &cb, &rec);
  if (req->result < 0)
    dsched__rec_event(rec, "fs", "end", (int)req->result, "%s failed: %s", what,
                      uv_err_name((int)req->result));
  else
    dsched__rec_event(rec, "fs", "end", 0, "%s done: %zd", what, req->result);
  cb(req);
}

/* What uv_fs_*() returned for a recorded request: a refusal ends its op
 * and its record at once (libuv will not call rec_fs_cb). */
static int fs_submitted(uv_fs_t *req, int r, const char *what) {
  uv_fs_cb cb;
  unsigned long rec;
  if (r < 0) {
    fsrec_take(req, &cb, &rec);
    dsched__rec_event(rec, "fs", "end", r, "%s refused: %s", what,
                      uv_err_name(r));
  }
  return r;
}

int dsched_uv_fs_open(uv_loop_t *loop, uv_fs_t *req, const char *path,
                      int flags, int mode, uv_fs_cb cb) {
  if (!dsched__rec || cb == NULL)
    return uv_fs_open(loop, req, path, flags, mode, cb);
  fsrec_add(req, cb, dsched__rec_begin("fs", "open %s", path));
  return fs_submitted(req, uv_fs_open(loop, req, path, flags, mode, rec_fs_cb),
                      "open");
}

int dsched_uv_fs_read(uv_loop_t *loop, uv_fs_t *req, uv_file file,
                      const uv_buf_t bufs[], unsigned int nbufs, int64_t offset,
                      uv_fs_cb cb) {
  if (!dsched__rec || cb == NULL)
    return uv_fs_read(loop, req, file, bufs, nbufs, offset, cb);
  fsrec_add(req, cb, dsched__rec_begin("fs", "read fd %d", file));
  return fs_submitted(
      req, uv_fs_read(loop, req, file, bufs, nbufs, offset, rec_fs_cb), "read");
}

int dsched_uv_fs_close(uv_loop_t *loop, uv_fs_t *req, uv_file file,
                       uv_fs_cb cb) {
  if (!dsched__rec || cb == NULL)
    return uv_fs_close(loop, req, file, cb);
  fsrec_add(req, cb, dsched__rec_begin("fs", "close fd %d", file));
  return fs_submitted(req, uv_fs_close(loop, req, file, rec_fs_cb), "close");
}
