/* lock_order.h -- Scenario 13 (lock-order): the interface every variant
 * implements, the state they share and the invariant the driver and the
 * test check.
 *
 * The workload: a cache of LK_KEYS keys guarded by one mutex ("cache") and
 * request statistics guarded by another ("stats"). The loop thread handles
 * `requests` lookups; each looks a key up, fills it on a miss, and counts a
 * hit or a miss. A sweeper evicts every cached key `sweeps` times and
 * counts the evictions. Both keep the two structures consistent with each
 * other, so both hold one lock while they take the other.
 *
 * The invariant: the run finishes (no thread waits for ever), every request
 * is counted once (requests == hits + misses == the number handled), every
 * sweep ran, and every fill is accounted for (misses == evictions + keys
 * still cached). */
#ifndef LOCK_ORDER_H
#define LOCK_ORDER_H

#include <pthread.h>
#include <stddef.h>

#define LK_KEYS 16

struct lk_config {
  const char *log_path; /* correlation log to write, or NULL */
  int requests;         /* lookups handled by the loop thread */
  int sweeps;           /* eviction sweeps */
  int hold_us;          /* simulated latency between the two locks */
};

/* The two locked structures. Each variant documents which lock it takes
 * first; sync.c and the bug disagree with the fix. */
struct lk_state {
  pthread_mutex_t cache_mu;       /* guards present[] */
  unsigned char present[LK_KEYS]; /* 1 = key cached */
  pthread_mutex_t stats_mu;       /* guards the counters below */
  long requests, hits, misses, evictions, sweeps;
  int hold_us;
};

/* What a run leaves behind, copied out of the state after it. */
struct lk_result {
  long requests, hits, misses, evictions, sweeps, cached;
};

/* The outcome of a run in its own process (lk_run_isolated). */
struct lk_outcome {
  int status; /* 0 held, 1 violated, 2 bad schedule, 3 setup failure */
  struct lk_result res;
  char msg[512];    /* the result line; names the invariant when violated */
  char taken[2048]; /* the schedule taken (replayable), or "" */
};

/* ---- shared by all variants (state.c) ---- */

/* Initialises the state and names its mutexes for the scheduler's reports
 * ("cache", "stats"); call after the schedule is configured. */
void lk_state_init(struct lk_state *st, const struct lk_config *cfg);
void lk_state_destroy(struct lk_state *st, struct lk_result *res);

/* The key request i looks up. */
int lk_key(int i);

/* The simulated latency knob (--hold-us): sleeps hold_us microseconds.
 * Called between taking the first lock and the second, it widens the
 * window in which the other thread can take the other lock. 0 = no-op. */
void lk_hold(const struct lk_state *st);

/* Runs lk_run() and lk_check() in a child process under `schedule` (NULL:
 * no schedule), so that a deadlock the scheduler finds (it reports it and
 * ends its process with status 1) becomes an outcome: when the child
 * deadlocks, the msg names the invariant and gives the waits-for cycle the
 * scheduler handed over (dsched_on_deadlock). The child's stderr is ours,
 * so the report is seen as it is printed. Returns out->status. A natural
 * deadlock (no schedule) blocks here for ever: run it under a timeout
 * (build/hunt --timeout). */
int lk_run_isolated(const struct lk_config *cfg, const char *schedule,
                    struct lk_outcome *out);

/* ---- the invariant (check.c) ---- */

/* Checks the invariant on a finished run. Returns 0 when it holds, 1 when
 * it is violated (msg then starts with "lock-order invariant violated:"). */
int lk_check(const struct lk_config *cfg, const struct lk_result *res,
             char *msg, size_t msglen);

/* ---- per variant (sync.c, async.c) ---- */

/* Runs the workload once in this process. Returns 0, or a negative errno /
 * libuv error for a setup failure. */
int lk_run(const struct lk_config *cfg, struct lk_result *res);

#endif
