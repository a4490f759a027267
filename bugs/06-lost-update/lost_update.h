/* lost_update.h -- Scenario 06 (lost-update): the interface every variant
 * implements and the invariant the driver and the test check.
 *
 * The workload: `jobs` jobs, each scanning a block of bytes (a checksum over
 * generated data; job i has lu_job_size(i) bytes). Two running totals are
 * kept for the whole run: how many jobs were counted and how many bytes.
 * The invariant: after the run, files == jobs and bytes == the sum of every
 * job's size. Every variant splits a job in two halves, as libuv does:
 * lu_work() is what a pool thread runs, lu_done() is what the loop thread
 * runs after it (the after-work callback). */
#ifndef LOST_UPDATE_H
#define LOST_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "corrlog.h"

struct lu_totals {
  long files; /* jobs counted */
  long bytes; /* bytes counted */
};

struct lu_config {
  const char *log_path; /* correlation log to write, or NULL */
  int jobs;             /* how many jobs (1..4096) */
  int spin;             /* simulated latency inside the update, in loop turns */
};

struct lu_job {
  int id;
  size_t size;              /* bytes to scan */
  int spin;                 /* see lu_account() */
  struct lu_totals *totals; /* the run's shared totals */
  size_t bytes;             /* result of the work: bytes scanned */
  uint32_t sum;             /* result of the work: their checksum */
  corrlog_op op;            /* the job's correlation id (used by the fix) */
};

/* ---- shared by all variants (jobs.c) ---- */

/* How many bytes job `id` scans. */
size_t lu_job_size(int id);

/* Prepares job `id` of a run that counts into `totals`. */
void lu_job_init(struct lu_job *j, int id, struct lu_totals *totals, int spin);

/* The work itself: scans the job's bytes, leaving the results in the job. */
void lu_scan(struct lu_job *j);

/* Adds one job of n bytes to the totals: a plain load, add and store,
 * correct when one thread at a time calls it. `spin` turns of a busy loop
 * between the loads and the stores simulate a slower update. */
void lu_account(struct lu_totals *t, size_t n, int spin);

/* Runs the jobs on `workers` plain threads that take jobs from a shared
 * queue and call lu_work(), then, after joining them, calls lu_done() for
 * every job on the calling thread, as the loop thread would. Under a
 * schedule the threads are registered with the scheduler, which libuv's
 * pool threads are not. Returns 0. */
int lu_run_threads(const struct lu_config *cfg, struct lu_totals *totals,
                   int workers);

/* ---- the invariant (check.c) ---- */

/* Checks the invariant. Returns 0 when it holds, 1 when it is violated
 * (msg then starts with "lost-update invariant violated:"). */
int lu_check(const struct lu_config *cfg, const struct lu_totals *t, char *msg,
             size_t msglen);

/* ---- per variant (sync.c, async.c) ---- */

/* The job's pool-thread half. */
void lu_work(struct lu_job *j);
/* The job's loop-thread half, run after lu_work() returned. */
void lu_done(struct lu_job *j);
/* Runs the whole workload once. Returns 0, or a negative libuv error for a
 * setup failure. */
int lu_run(const struct lu_config *cfg, struct lu_totals *totals);

#endif
