/* heisenbug.h -- Scenario 04 (heisenbug): the interface every variant
 * implements, the logging modes whose timing the lesson is about, and the
 * invariant.
 *
 * The workload: two workers start at the same moment and both need a
 * lazily loaded config. Each logs a line (or not, by --log mode), then
 * calls hb_get_config(), which loads the config if nobody has yet. The
 * invariant: the config was loaded exactly once, and both workers saw the
 * same value. */
#ifndef HEISENBUG_H
#define HEISENBUG_H

#include <pthread.h>
#include <stdatomic.h>

#include "corrlog.h"

enum hb_log_mode { HB_LOG_NONE, HB_LOG_PRINTF, HB_LOG_CORRLOG };

struct hb_config {
  enum hb_log_mode mode;
  const char *log_path; /* HB_LOG_CORRLOG: the correlation log file */
  int work;             /* bytes the config load parses (its duration) */
};

/* The lazily loaded config, shared by the workers. It and each worker's
 * record start on a cache line of their own (64 bytes on x86-64): laid
 * side by side on main's stack, the tail of one worker's record shared a
 * line with the head of the other's, and corrlog's writes to each worker's
 * op inside the race made the other worker wait for that line
 * (chapters/04-heisenbug.md, "False sharing"). */
struct hb_cache {
  _Alignas(64) int ready; /* 0 until the config is loaded */
  /* How many times it was loaded: the scenario's witness, not part of the
   * bug, so it is counted atomically (`c->loads++` on an atomic_int is one
   * indivisible add). As a plain int, the two workers' increments, which
   * come at the same moment when both load, lost one another: on one
   * machine the check called half the double loads clean
   * (chapters/04-heisenbug.md, "The witness raced too"). */
  atomic_int loads;
  long value;         /* the loaded config */
  int work;           /* see hb_config.work */
  pthread_mutex_t mu; /* used by the fix */
};

struct hb_worker {
  _Alignas(64) int id;
  enum hb_log_mode mode;
  struct hb_cache *cache;
  long seen;     /* the config value this worker used */
  corrlog_op op; /* the worker's correlation id (corrlog mode) */
};

/* ---- shared by all variants (worker.c) ---- */

/* Loads the config: parses `work` bytes. Returns its value. */
long hb_load(int work);

/* Logs `what` for worker w in its mode: nothing, printf to stdout (stdio
 * takes its stream lock and writes), or a correlation log event (a
 * per-thread buffer, no lock). */
void hb_log(struct hb_worker *w, const char *what);

/* Holds every worker until `n` have arrived, so they start together.
 * Under a schedule it returns at once (registered threads pass a token;
 * a spinning thread would keep it). */
void hb_start_together(int n);

/* Sets up an empty cache and the two workers that share it. */
void hb_init(struct hb_cache *c, struct hb_worker w[2], enum hb_log_mode mode,
             int work);
/* Ends the workers' operations (corrlog mode) and frees the cache's mutex. */
void hb_fini(struct hb_cache *c, struct hb_worker w[2]);

/* A worker's whole job: start with the others, log, get the config. */
void *hb_worker_main(void *arg);

/* ---- the invariant (check.c) ---- */

/* Checks the invariant for the two workers. Returns 0 when it holds, 1
 * when it is violated (msg starts with "heisenbug invariant violated:"). */
int hb_check(const struct hb_cache *c, const struct hb_worker w[2], char *msg,
             size_t msglen);

/* ---- per variant (sync.c, async.c) ---- */

/* Returns the config, loading it first if nobody has. */
long hb_get_config(struct hb_cache *c);

/* Runs the two workers (set up by the caller, sharing one cache) once.
 * Returns 0. */
int hb_run(struct hb_worker w[2]);

#endif
