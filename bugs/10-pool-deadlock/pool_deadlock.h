/* pool_deadlock.h -- Scenario 10 (pool-deadlock): the interface every
 * variant implements, the request stages they share, and the watchdog that
 * turns a hang into a report.
 *
 * The workload: `requests` page renders. Each one parses (stage 1), needs a
 * user lookup (a sub-task, `lookup_us` microseconds of simulated I/O), and
 * finishes the page with the lookup's value (stage 2). The invariant: every
 * request completes with the right page, and no request is left blocked on
 * work queued behind it. */
#ifndef POOL_DEADLOCK_H
#define POOL_DEADLOCK_H

#include <stddef.h>

struct pd_config {
  const char *log_path; /* correlation log (the fix writes one), or NULL */
  int requests;         /* how many requests arrive at once */
  int lookup_us;        /* simulated latency of one lookup */
  unsigned watchdog_ms; /* no progress for this long is a hang; 0: wait */
};

/* Where a request's page and its lookup are. The watchdog prints these. */
enum pd_stage {
  PD_QUEUED,   /* page work queued, no pool thread has taken it yet */
  PD_PARSING,  /* stage 1 running */
  PD_WAITING,  /* stage 1 done; blocked on a pool thread for the lookup */
  PD_PARSED,   /* stage 1 done; the thread was given back */
  PD_FINISHED, /* stage 2 done: the page is rendered */
  PD_ABANDONED /* the watchdog declared a hang and the wait gave up */
};
enum pd_lookup_state { PD_L_NONE, PD_L_QUEUED, PD_L_RUNNING, PD_L_DONE };

/* One request's shared state. Fields are written under the monitor's lock
 * by the pd_* functions below; variants only call those. */
struct pd_req {
  int id;
  enum pd_stage stage;
  enum pd_lookup_state lookup_state;
  long lookup;        /* the lookup's value, valid once lookup_state is DONE */
  long page;          /* the rendered page's checksum, valid once FINISHED */
  int lookup_us_hint; /* the configured lookup latency */
};

/* Starts the monitor and its watchdog thread for cfg->requests requests and
 * returns their state table (owned by the monitor). NULL on setup failure. */
struct pd_req *pd_monitor_start(const struct pd_config *cfg);

/* Stops the watchdog and checks the invariant (pd_check). Returns 0 when
 * it held, 1 when it was violated (msg says how, starting with
 * "pool-deadlock invariant violated:"). Frees the table. */
int pd_monitor_stop(char *msg, size_t msglen);

/* A stage in words, and the page request id must end with (what the sync
 * twin computes). */
const char *pd_stage_name(enum pd_stage s);
long pd_expected_page(int id);

/* The stages, callable from any thread; each one is progress. */
void pd_parse(struct pd_req *r);         /* stage 1 */
void pd_lookup_queued(struct pd_req *r); /* the lookup was queued */
void pd_lookup(struct pd_req *r);        /* the lookup itself */
void pd_finish(struct pd_req *r);        /* stage 2; needs the lookup */

/* Blocks the calling thread until r's lookup is done. Returns 0, or -1 when
 * the watchdog has declared a hang (the wait is abandoned so that the
 * program can end and report). */
int pd_wait_lookup(struct pd_req *r);

/* Runs the workload once over the table reqs. Returns 0, or a negative
 * errno/libuv error for a setup failure. */
int pd_run(const struct pd_config *cfg, struct pd_req *reqs);

/* ---- the invariant (check.c) ---- */

/* Every request finished with the page it should render, and none stayed
 * blocked on work queued behind it: hang_report is the watchdog's report
 * of such a hang (it starts with "pool-deadlock invariant violated:"), or
 * NULL. Returns 0 when the invariant held, 1 when violated (msg says
 * how). */
int pd_check(const char *hang_report, const struct pd_req *reqs, int n,
             char *msg, size_t msglen);

#endif
