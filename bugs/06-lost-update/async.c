/* async.c -- Scenario 06 (BUG): jobs run on libuv's threadpool and each
 * pool thread adds its result to the shared totals itself. Symptom: the
 * totals come out short; some jobs' counts vanish without any error, and
 * ThreadSanitizer reports a data race on them. Trigger: build/gallery
 * expose 06 (forced), build/gallery hunt 06 (natural). See also:
 * fixes/06-lost-update/async.c, bugs/06-lost-update/sync.c,
 * chapters/06-lost-update.md. */
#include "gallery.h"
#include "lost_update.h"

struct request {
  uv_work_t work;
  struct lu_job job;
};

/* @snippet work */
void lu_work(struct lu_job *j) {
  lu_scan(j);
  /* BUG(06): the shared totals are updated here, on a pool thread. Pool
   * threads run in parallel, so two of them can both read the old totals
   * and both write back their own sum: one update vanishes. */
  lu_account(j->totals, j->bytes, j->spin);
}

void lu_done(struct lu_job *j) {
  (void)j;
}
/* @end */

static void work_cb(uv_work_t *work) {
  lu_work(&container_of(work, struct request, work)->job);
}

static void after_work_cb(uv_work_t *work, int status) {
  CHECK_UV(status);
  lu_done(&container_of(work, struct request, work)->job);
}

int lu_run(const struct lu_config *cfg, struct lu_totals *totals) {
  struct request *reqs = calloc((size_t)cfg->jobs, sizeof *reqs);
  uv_loop_t loop;

  if (reqs == NULL)
    abort();
  CHECK_UV(uv_loop_init(&loop));
  for (int i = 0; i < cfg->jobs; i++) {
    lu_job_init(&reqs[i].job, i, totals, cfg->spin);
    CHECK_UV(uv_queue_work(&loop, &reqs[i].work, work_cb, after_work_cb));
  }
  CHECK_UV(uv_run(&loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&loop));
  free(reqs);
  return 0;
}
