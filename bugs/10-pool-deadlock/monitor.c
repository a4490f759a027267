/* monitor.c -- Scenario 10's shared request stages, the invariant check and
 * the watchdog that turns a hang into a report of who waits for what.
 * Shared by the driver and the Criterion test, for all three variants. */
#include "gallery.h"
#include "pool_deadlock.h"
#include "dsched.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The monitor observes the program from outside any schedule: its lock,
 * condition and thread are plain pthreads, not the scheduler's points
 * (gallery code is compiled with dsched_wrap.h, which renames them). */
#undef pthread_create
#undef pthread_join
#undef pthread_mutex_lock
#undef pthread_mutex_unlock
#undef pthread_cond_wait
#undef pthread_cond_broadcast

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cond; /* broadcast on every progress and at stop */
  pthread_t thread;
  struct pd_req *reqs;
  int n;
  unsigned watchdog_ms;
  unsigned long progress; /* counts every stage change */
  int stopping;
  int hung; /* the watchdog declared a hang; waits are abandoned */
  char report[1024];
} mon;

static const char *const stage_names[] = {
    "queued, no pool thread has taken it",
    "parsing on a pool thread",
    "blocked on a pool thread, waiting for its lookup",
    "parsed, pool thread given back",
    "finished",
    "abandoned by the watchdog"};
static const char *const lookup_names[] = {
    "not queued yet", "queued behind, not started", "running", "done"};

/* The page a request should render: what the sync twin computes. */
static long page_of(int id, long lookup) {
  return lookup * 31 + id;
}
static long lookup_of(int id) {
  return (long)id * 7919 % 1000 + 1;
}

/* The pool size libuv 1.44 uses (src/threadpool.c, init_threads): read
 * once, default 4, clamped to 1..1024. For the report only. */
static int pool_size(void) {
  const char *v = getenv("UV_THREADPOOL_SIZE");
  int n = v ? atoi(v) : 4;
  return n < 1 ? 1 : n > 1024 ? 1024 : n;
}

static void changed(void) {
  mon.progress++;
  CHECK_PT(pthread_cond_broadcast(&mon.cond));
}

static void set_stage(struct pd_req *r, enum pd_stage s) {
  CHECK_PT(pthread_mutex_lock(&mon.mu));
  r->stage = s;
  changed();
  CHECK_PT(pthread_mutex_unlock(&mon.mu));
}

static void set_lookup(struct pd_req *r, enum pd_lookup_state s) {
  CHECK_PT(pthread_mutex_lock(&mon.mu));
  r->lookup_state = s;
  if (s == PD_L_DONE)
    r->lookup = lookup_of(r->id);
  changed();
  CHECK_PT(pthread_mutex_unlock(&mon.mu));
}

void pd_parse(struct pd_req *r) {
  set_stage(r, PD_PARSING);
  /* Parsing is quick: what matters is what the thread does next. */
  set_stage(r, PD_PARSED);
}

void pd_lookup_queued(struct pd_req *r) {
  set_lookup(r, PD_L_QUEUED);
}

void pd_lookup(struct pd_req *r) {
  set_lookup(r, PD_L_RUNNING);
  /* Simulated I/O latency of the lookup (an upstream call): it makes the
   * sync twin pay one lookup after another, it does not open any window. */
  if (r->lookup_us_hint > 0) {
    struct timespec ts = {0, 0};
    ts.tv_sec = r->lookup_us_hint / 1000000;
    ts.tv_nsec = (r->lookup_us_hint % 1000000) * 1000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
      ;
  }
  set_lookup(r, PD_L_DONE);
}

void pd_finish(struct pd_req *r) {
  CHECK_PT(pthread_mutex_lock(&mon.mu));
  if (r->lookup_state == PD_L_DONE) {
    r->page = page_of(r->id, r->lookup);
    r->stage = PD_FINISHED;
  }
  changed();
  CHECK_PT(pthread_mutex_unlock(&mon.mu));
}

int pd_wait_lookup(struct pd_req *r) {
  int rc;

  CHECK_PT(pthread_mutex_lock(&mon.mu));
  r->stage = PD_WAITING;
  changed();
  while (r->lookup_state != PD_L_DONE && !mon.hung)
    CHECK_PT(pthread_cond_wait(&mon.cond, &mon.mu));
  rc = r->lookup_state == PD_L_DONE ? 0 : -1;
  r->stage = rc == 0 ? PD_PARSED : PD_ABANDONED;
  changed();
  CHECK_PT(pthread_mutex_unlock(&mon.mu));
  return rc;
}

/* Called with mon.mu held when the watchdog saw no progress: prints every
 * request's state to stderr and keeps a one-line summary for the check. */
static void report_hang(void) {
  int blocked = 0, behind = 0, queued = 0, done = 0, first = -1;

  fprintf(stderr,
          "pool-deadlock watchdog: no progress for %u ms; %d requests, "
          "pool of %d threads%s:\n",
          mon.watchdog_ms, mon.n, pool_size(),
          dsched_active() ? " (the scheduler runs one request at a time)" : "");
  for (int i = 0; i < mon.n; i++) {
    struct pd_req *r = &mon.reqs[i];
    fprintf(stderr, "  req %d: page %s; lookup %s\n", r->id,
            stage_names[r->stage], lookup_names[r->lookup_state]);
    if (r->stage == PD_WAITING && r->lookup_state != PD_L_DONE) {
      blocked++;
      if (first < 0)
        first = i;
    }
    behind += r->lookup_state == PD_L_QUEUED;
    queued += r->stage == PD_QUEUED;
    done += r->stage == PD_FINISHED;
  }
  if (first < 0) {
    /* Nothing waits in the pool: a stall the watchdog cannot tell apart
     * from a hang, e.g. work slower than the limit. Still no progress. */
    snprintf(mon.report, sizeof mon.report,
             "pool-deadlock invariant violated: no progress for %u ms, but no "
             "request is blocked on work queued behind it (%d of %d done): "
             "work slower than the watchdog's limit?",
             mon.watchdog_ms, done, mon.n);
    return;
  }
  snprintf(mon.report, sizeof mon.report,
           "pool-deadlock invariant violated: no progress for %u ms: %d "
           "requests blocked on work queued behind them (req %d holds a pool "
           "thread waiting for lookup %d, %s); %d lookups queued behind, %d "
           "pages not started, %d of %d done",
           mon.watchdog_ms, blocked, mon.reqs[first].id, mon.reqs[first].id,
           lookup_names[mon.reqs[first].lookup_state], behind, queued, done,
           mon.n);
}

/* The watchdog. Its bounded wait is not a sleep standing in for
 * synchronisation: it is a timeout that turns a hang into a report. Every
 * stage change resets it, so a slow but moving run is never reported. On a
 * hang it wakes every blocked wait (which gives up), so the loop can drain
 * and close and the run can fail with the report instead of hanging. */
static void *watchdog(void *arg) {
  unsigned long seen;
  struct timespec deadline;

  (void)arg;
  CHECK_PT(pthread_mutex_lock(&mon.mu));
  while (!mon.stopping && !mon.hung) {
    seen = mon.progress;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += mon.watchdog_ms / 1000;
    deadline.tv_nsec += (long)(mon.watchdog_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000L;
    }
    while (!mon.stopping && mon.progress == seen) {
      int r = pthread_cond_timedwait(&mon.cond, &mon.mu, &deadline);
      if (r == ETIMEDOUT) {
        if (mon.progress == seen && !mon.stopping) {
          report_hang();
          mon.hung = 1;
          changed();
        }
        break;
      }
      CHECK_PT(r);
    }
  }
  CHECK_PT(pthread_mutex_unlock(&mon.mu));
  return NULL;
}

struct pd_req *pd_monitor_start(const struct pd_config *cfg) {
  pthread_condattr_t ca;

  memset(&mon, 0, sizeof mon);
  mon.n = cfg->requests;
  mon.watchdog_ms = cfg->watchdog_ms;
  mon.reqs = calloc((size_t)mon.n, sizeof *mon.reqs);
  if (mon.reqs == NULL)
    return NULL;
  for (int i = 0; i < mon.n; i++) {
    mon.reqs[i].id = i;
    mon.reqs[i].lookup_us_hint = cfg->lookup_us;
  }
  CHECK_PT(pthread_mutex_init(&mon.mu, NULL));
  CHECK_PT(pthread_condattr_init(&ca));
  CHECK_PT(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC));
  CHECK_PT(pthread_cond_init(&mon.cond, &ca));
  CHECK_PT(pthread_condattr_destroy(&ca));
  if (mon.watchdog_ms > 0)
    CHECK_PT(pthread_create(&mon.thread, NULL, watchdog, NULL));
  return mon.reqs;
}

int pd_monitor_stop(char *msg, size_t msglen) {
  int rc;

  CHECK_PT(pthread_mutex_lock(&mon.mu));
  mon.stopping = 1;
  changed();
  CHECK_PT(pthread_mutex_unlock(&mon.mu));
  if (mon.watchdog_ms > 0)
    CHECK_PT(pthread_join(mon.thread, NULL));
  rc = pd_check(mon.hung ? mon.report : NULL, mon.reqs, mon.n, msg, msglen);
  CHECK_PT(pthread_cond_destroy(&mon.cond));
  CHECK_PT(pthread_mutex_destroy(&mon.mu));
  free(mon.reqs);
  mon.reqs = NULL;
  return rc;
}

const char *pd_stage_name(enum pd_stage s) {
  return stage_names[s];
}

long pd_expected_page(int id) {
  return page_of(id, lookup_of(id));
}
