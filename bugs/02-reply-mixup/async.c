/* async.c -- Scenario 02 (BUG): a TCP server hands each pipelined request to
 * the threadpool and writes each reply as soon as its work is done; the
 * client pairs replies with requests first-in-first-out. Symptom: the client
 * accepts the answer to another request ("square 2" gets 125). Trigger:
 * build/gallery expose 02 (forced), build/gallery hunt 02 --perturb pct.
 * See also: fixes/02-reply-mixup/async.c, bugs/02-reply-mixup/sync.c,
 * chapters/02-reply-mixup.md. The connection itself is mixup.c's. */
#include "gallery.h"
#include "reply_mixup.h"

#include <stdio.h>
#include <stdlib.h>

/* One request on the server: parsed on the loop, computed on the pool,
 * answered from the after-work callback. */
struct job {
  uv_work_t work;
  uv_write_t write;
  struct rm_conn *conn;
  char op[16];
  long long arg, value, cost;
  int ok;
  char reply[64];
};

/* ------------------------------------------------------------ server */

static void compute_work(uv_work_t *work) {
  struct job *j = container_of(work, struct job, work);
  rm_simulated_work(j->cost, j->conn->app->cfg->unit_us);
}

/* @snippet compute_done */
static void compute_done(uv_work_t *work, int status) {
  struct job *j = container_of(work, struct job, work);

  CHECK_UV(status);
  if (j->ok)
    snprintf(j->reply, sizeof j->reply, "%lld\n", j->value);
  else
    snprintf(j->reply, sizeof j->reply, "error\n");
  /* BUG(02): the reply goes out the moment its work is done, so replies
   * leave in completion order, and nothing in a reply says which request
   * it answers. */
  rm_send_reply(j->conn, &j->write, j->reply, j);
}
/* @end */

static void serve_line(struct rm_conn *c, char *line) {
  struct job *j = calloc(1, sizeof *j);

  if (j == NULL)
    abort();
  j->conn = c;
  j->ok = sscanf(line, "%15s %lld", j->op, &j->arg) == 2 &&
          rm_compute(j->op, j->arg, &j->value, &j->cost) == 0;
  c->jobs++;
  CHECK_UV(uv_queue_work(&c->app->loop, &j->work, compute_work, compute_done));
}

/* ------------------------------------------------------------ client */

/* @snippet reply_line */
static void reply_line(struct rm_conn *c, char *line) {
  struct rm_result *res = c->app->res;
  /* BUG(02): first in, first out -- the k-th reply is taken to answer the
   * k-th request, which holds only if the server answers in order. */
  int i = res->replies++;

  if (i >= c->app->cfg->requests)
    return;
  res->got[i] = strtoll(line, NULL, 10);
  res->answers[i]++;
  snprintf(res->raw[i], sizeof res->raw[i], "%s", line);
}
/* @end */

/* ------------------------------------------------------------ run */

int rm_run(const struct rm_config *cfg, struct rm_result *res) {
  /* Requests go out as their text alone: nothing names them. */
  static const struct rm_variant variant = {NULL, serve_line, reply_line};
  return rm_serve(cfg, res, &variant, NULL);
}
