/* jobs.c -- Scenario 06 (lost-update): what the sync twin, the bug and the
 * fix share: the jobs, the shared-totals update, a pool of plain threads
 * the scheduler can drive, and the invariant check. */
#include "gallery.h"
#include "lost_update.h"

#include <pthread.h>

size_t lu_job_size(int id) {
  return 1000 + 37 * (size_t)id;
}

void lu_job_init(struct lu_job *j, int id, struct lu_totals *totals, int spin) {
  memset(j, 0, sizeof *j);
  j->id = id;
  j->size = lu_job_size(id);
  j->spin = spin;
  j->totals = totals;
}

void lu_scan(struct lu_job *j) {
  uint32_t h = 2166136261u;

  for (size_t k = 0; k < j->size; k++)
    h = (h ^ (uint8_t)(j->id * 131 + k)) * 16777619u;
  j->sum = h;
  j->bytes = j->size;
}

/* @snippet account */
void lu_account(struct lu_totals *t, size_t n, int spin) {
  long files = t->files;
  long bytes = t->bytes;

  /* A thread that stops here holds totals it has read but not yet written
   * back. The schedule point lets a test stop it here on purpose; the spin
   * loop (--spin, 0 by default) widens the window for natural runs. */
  DSCHED_POINT("account");
  for (volatile int i = 0; i < spin; i++)
    ;
  t->files = files + 1;
  t->bytes = bytes + (long)n;
}
/* @end */

struct tpool {
  pthread_mutex_t mu;
  struct lu_job *jobs;
  int njobs, next;
};

static void *tpool_worker(void *arg) {
  struct tpool *p = arg;

  for (;;) {
    int i;
    CHECK_PT(pthread_mutex_lock(&p->mu));
    i = p->next < p->njobs ? p->next++ : -1;
    CHECK_PT(pthread_mutex_unlock(&p->mu));
    if (i < 0)
      return NULL;
    lu_work(&p->jobs[i]);
  }
}

int lu_run_threads(const struct lu_config *cfg, struct lu_totals *totals,
                   int workers) {
  struct tpool p = {.njobs = cfg->jobs};
  pthread_t tid[16];

  if (workers < 1 || workers > 16)
    abort();
  p.jobs = calloc((size_t)cfg->jobs, sizeof *p.jobs);
  if (p.jobs == NULL)
    abort();
  CHECK_PT(pthread_mutex_init(&p.mu, NULL));
  for (int i = 0; i < cfg->jobs; i++)
    lu_job_init(&p.jobs[i], i, totals, cfg->spin);
  for (int w = 0; w < workers; w++)
    CHECK_PT(pthread_create(&tid[w], NULL, tpool_worker, &p));
  for (int w = 0; w < workers; w++)
    CHECK_PT(pthread_join(tid[w], NULL));
  for (int i = 0; i < cfg->jobs; i++)
    lu_done(&p.jobs[i]);
  CHECK_PT(pthread_mutex_destroy(&p.mu));
  free(p.jobs);
  return 0;
}
