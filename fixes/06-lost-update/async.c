/* async.c -- Scenario 06 (FIX): jobs run on libuv's threadpool, each pool
 * thread leaves its result in its own request, and the loop thread adds it
 * to the totals in the after-work callback. Only one thread ever touches the
 * totals, so no update can vanish; every job is logged with a correlation
 * id. Trigger: build/gallery expose 06 --fix. See also:
 * bugs/06-lost-update/async.c, chapters/06-lost-update.md. */
#include "gallery.h"
#include "gallery_log.h"
#include "lost_update.h"

#include <errno.h>

struct request {
  uv_work_t work;
  struct lu_job job;
};

/* @snippet work */
void lu_work(struct lu_job *j) {
  corrlog_enter(&j->op); /* this thread works on the job until we return */
  lu_scan(j);
  /* FIX(06): the result stays in the job; the pool thread touches nothing
   * shared. */
  corrlog_thread_name("pool");
  corrlog_step(&j->op, "scanned %zu bytes", j->bytes);
  corrlog_handoff(&j->op); /* back to the loop thread */
}

void lu_done(struct lu_job *j) {
  corrlog_enter(&j->op);
  /* FIX(06): the totals are updated on the loop thread, in the after-work
   * callback, one job at a time. */
  lu_account(j->totals, j->bytes, j->spin);
  corrlog_end(&j->op, 0, "counted: %ld jobs, %ld bytes so far",
              j->totals->files, j->totals->bytes);
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
  FILE *log;
  int e;
  uv_loop_t loop;

  if (reqs == NULL)
    abort();
  if ((e = gallery_log_start(cfg->log_path, &log)) != 0) {
    free(reqs);
    return e;
  }
  CHECK_UV(uv_loop_init(&loop));
  for (int i = 0; i < cfg->jobs; i++) {
    lu_job_init(&reqs[i].job, i, totals, cfg->spin);
    corrlog_begin(&reqs[i].job.op, NULL, "job", "scan job %d (%zu bytes)", i,
                  reqs[i].job.size);
    corrlog_handoff(&reqs[i].job.op); /* the work happens-after this */
    CHECK_UV(uv_queue_work(&loop, &reqs[i].work, work_cb, after_work_cb));
  }
  CHECK_UV(uv_run(&loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&loop));
  corrlog_close();
  if (log != NULL && gallery_log_close(log) != 0) {
    free(reqs);
    return -errno;
  }
  free(reqs);
  return 0;
}
