/* state.c -- Scenario 13 (lock-order): what the sync twin, the bug and the
 * fix share: the locked state, the latency knob, the invariant check, and
 * running a variant in a child process so that a deadlock is an outcome the
 * driver and the test can report instead of the end of them. */
#include "gallery.h"
#include "lock_order.h"
#include "proc.h"
#include "dsched.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void lk_state_init(struct lk_state *st, const struct lk_config *cfg) {
  memset(st, 0, sizeof *st);
  st->hold_us = cfg->hold_us;
  CHECK_PT(pthread_mutex_init(&st->cache_mu, NULL));
  CHECK_PT(pthread_mutex_init(&st->stats_mu, NULL));
  dsched_name(&st->cache_mu, "cache");
  dsched_name(&st->stats_mu, "stats");
}

void lk_state_destroy(struct lk_state *st, struct lk_result *res) {
  res->requests = st->requests;
  res->hits = st->hits;
  res->misses = st->misses;
  res->evictions = st->evictions;
  res->sweeps = st->sweeps;
  res->cached = 0;
  for (int k = 0; k < LK_KEYS; k++)
    res->cached += st->present[k];
  CHECK_PT(pthread_mutex_destroy(&st->cache_mu));
  CHECK_PT(pthread_mutex_destroy(&st->stats_mu));
}

int lk_key(int i) {
  return (i * 7) % LK_KEYS;
}

void lk_hold(const struct lk_state *st) {
  struct timespec ts = {st->hold_us / 1000000, (st->hold_us % 1000000) * 1000L};
  if (st->hold_us > 0)
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
      ;
}

/* @snippet on_deadlock */
/* The scheduler found that no thread can run (it then ends the child with
 * status 1): its report, as data, becomes the outcome the parent reads from
 * the shared page. Without a cycle the msg stays empty, and the parent
 * says the run ended without a check. */
static void on_deadlock(const char *cycle, const char *taken, void *arg) {
  struct lk_outcome *out = arg;
  if (cycle == NULL)
    return;
  snprintf(out->msg, sizeof out->msg,
           "lock-order invariant violated: the threads deadlocked, "
           "waits-for cycle: %s",
           cycle);
  snprintf(out->taken, sizeof out->taken, "%s", taken);
}
/* @end */

/* The child: runs the variant, checks it, and leaves the outcome in the
 * shared page. It ends with _exit so that nothing the parent registered
 * (atexit handlers, a test framework's) runs twice. */
static void child(const struct lk_config *cfg, const char *schedule,
                  struct lk_outcome *out) {
  int r;

  if (schedule != NULL && dsched_configure(schedule) != 0) {
    snprintf(out->msg, sizeof out->msg, "lock-order: bad schedule '%s'",
             schedule);
    _exit(2);
  }
  dsched_on_deadlock(on_deadlock, out);
  r = lk_run(cfg, &out->res);
  if (r < 0) {
    snprintf(out->msg, sizeof out->msg, "lock-order: setup failed: %s",
             strerror(-r));
    r = 3;
  } else {
    r = lk_check(cfg, &out->res, out->msg, sizeof out->msg);
  }
  if (dsched_active())
    snprintf(out->taken, sizeof out->taken, "%s", dsched_taken());
  dsched_reset();
  fflush(stdout);
  fflush(stderr);
  _exit(r);
}

/* The forked child's arguments (proc_spawn runs child_main in it). */
struct child_args {
  const struct lk_config *cfg;
  const char *schedule;
  struct lk_outcome *out;
};

static int child_main(void *arg) {
  struct child_args *a = arg;
  child(a->cfg, a->schedule, a->out);
  return 3; /* not reached: child() ends the process */
}

/* @snippet isolated */
int lk_run_isolated(const struct lk_config *cfg, const char *schedule,
                    struct lk_outcome *res) {
  struct lk_outcome *out;
  int status;
  struct proc p;

  out = mmap(NULL, sizeof *out, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (out == MAP_FAILED) {
    snprintf(res->msg, sizeof res->msg, "lock-order: setup failed: %s",
             strerror(errno));
    return res->status = 3;
  }
  memset(out, 0, sizeof *out);
  /* The workbook's process runner: the run in our process group (a Ctrl-C
   * ends both), its stderr, where the scheduler's report goes, ours. */
  struct child_args args = {cfg, schedule, out};
  struct proc_opts po = {.keep_group = 1, .fn = child_main, .arg = &args};
  if (proc_spawn(&p, NULL, &po) < 0) {
    snprintf(res->msg, sizeof res->msg, "lock-order: fork: %s",
             strerror(errno));
    munmap(out, sizeof *out);
    return res->status = 3;
  }
  status = proc_reap(&p);
  proc_close(&p);
  *res = *out;
  if (WIFSIGNALED(status)) {
    snprintf(res->msg, sizeof res->msg, "lock-order: the run died of %s",
             strsignal(WTERMSIG(status)));
    res->status = 3;
  } else if (WEXITSTATUS(status) == 1 && res->msg[0] == '\0') {
    /* Neither the check nor a deadlock with a cycle filled the page. */
    snprintf(res->msg, sizeof res->msg,
             "lock-order: the run ended with status 1 without a check or "
             "a waits-for cycle (see the report above)");
    res->status = 3;
  } else {
    res->status = WEXITSTATUS(status);
    if (res->msg[0] == '\0')
      snprintf(res->msg, sizeof res->msg,
               "lock-order: the run ended with status %d", res->status);
  }
  munmap(out, sizeof *out);
  return res->status;
}
/* @end */
