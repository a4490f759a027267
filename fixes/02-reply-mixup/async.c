/* async.c -- Scenario 02 (FIX): the same pipelined server and client, with
 * a correlation id in the protocol: each request carries an id, each reply
 * echoes it, and the client matches replies by id. Replies may still leave
 * in completion order; that is now harmless. Every request is logged with
 * corrlog from the client, through the server's work, to the matched reply.
 * Trigger: build/gallery expose 02 --fix. See also:
 * bugs/02-reply-mixup/async.c, chapters/02-reply-mixup.md. The connection
 * itself is mixup.c's. */
#include "gallery.h"
#include "reply_mixup.h"
#include "corrlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* One request on the server: parsed on the loop, computed on the pool,
 * answered from the after-work callback. */
struct job {
  uv_work_t work;
  uv_write_t write;
  struct rm_conn *conn;
  int id; /* FIX(02): the request's id, echoed in the reply */
  char op[16];
  long long arg, value, cost;
  int ok;
  char reply[64];
};

/* FIX(02): one correlation op per request, begun by the client (the run's
 * app->data). Client and server share this process, so the server logs on
 * the same op, found by the id on the wire; across machines the id would
 * travel as a trace context and the server would begin a child op. */
static corrlog_op *op_of(struct rm_app *app, int id) {
  return &((corrlog_op *)app->data)[id];
}

/* corrlog's writer: called for every event, in logging order, serialised. */
static void write_log(void *arg, const char *line, size_t len) {
  fwrite(line, 1, len, arg);
}

/* ------------------------------------------------------------ server */

static void compute_work(uv_work_t *work) {
  struct job *j = container_of(work, struct job, work);
  corrlog_thread_name("pool");
  corrlog_step(op_of(j->conn->app, j->id), "computing %s %lld", j->op, j->arg);
  rm_simulated_work(j->cost, j->conn->app->cfg->unit_us);
  corrlog_handoff(op_of(j->conn->app, j->id));
}

/* @snippet compute_done */
static void compute_done(uv_work_t *work, int status) {
  struct job *j = container_of(work, struct job, work);

  CHECK_UV(status);
  /* FIX(02): the reply still goes out the moment its work is done, but it
   * names the request it answers, so its position no longer matters. */
  if (j->ok)
    snprintf(j->reply, sizeof j->reply, "%d %lld\n", j->id, j->value);
  else
    snprintf(j->reply, sizeof j->reply, "%d error\n", j->id);
  corrlog_step(op_of(j->conn->app, j->id), "reply \"%.*s\" written",
               (int)strlen(j->reply) - 1, j->reply);
  corrlog_handoff(op_of(j->conn->app, j->id));
  rm_send_reply(j->conn, &j->write, j->reply, j);
}
/* @end */

static void serve_line(struct rm_conn *c, char *line) {
  struct job *j = calloc(1, sizeof *j);

  if (j == NULL)
    abort();
  j->conn = c;
  /* FIX(02): a request without a valid id cannot be answered at all. */
  if (sscanf(line, "%d %15s %lld", &j->id, j->op, &j->arg) != 3 || j->id < 0 ||
      j->id >= c->app->cfg->requests) {
    free(j);
    rm_fail(c->app, UV_EPROTO);
    rm_close_conn(c);
    return;
  }
  j->ok = rm_compute(j->op, j->arg, &j->value, &j->cost) == 0;
  corrlog_step(op_of(c->app, j->id), "server received request %d", j->id);
  corrlog_handoff(op_of(c->app, j->id)); /* FIX(02): on to the pool */
  c->jobs++;
  CHECK_UV(uv_queue_work(&c->app->loop, &j->work, compute_work, compute_done));
}

/* ------------------------------------------------------------ client */

/* @snippet reply_line */
static void reply_line(struct rm_conn *c, char *line) {
  struct rm_result *res = c->app->res;
  char *value;
  /* FIX(02): the reply names its request; match by id, not by position. */
  int i = (int)strtol(line, &value, 10);

  res->replies++;
  if (value == line || *value != ' ' || i < 0 || i >= c->app->cfg->requests) {
    rm_fail(c->app, UV_EPROTO);
    return;
  }
  res->got[i] = strtoll(value + 1, NULL, 10);
  res->answers[i]++;
  snprintf(res->raw[i], sizeof res->raw[i], "%s", line);
  corrlog_end(op_of(c->app, i), 0, "matched reply \"%s\"", line);
}
/* @end */

static int request_line(struct rm_app *app, int i, char *buf, size_t len) {
  char text[32];
  rm_request_text(i, text, sizeof text);
  corrlog_begin(op_of(app, i), NULL, "req", "%s", text);
  corrlog_handoff(op_of(app, i)); /* FIX(02): the server takes it over */
  /* FIX(02): the request's id goes on the wire with it. */
  return snprintf(buf, len, "%d %s\n", i, text);
}

/* ------------------------------------------------------------ run */

int rm_run(const struct rm_config *cfg, struct rm_result *res) {
  static const struct rm_variant variant = {request_line, serve_line,
                                            reply_line};
  corrlog_op *ops = calloc(RM_MAX_REQUESTS, sizeof *ops);
  FILE *log = NULL;
  int r;

  if (ops == NULL)
    return UV_ENOMEM;
  if (cfg->log_path && (log = fopen(cfg->log_path, "w")) == NULL) {
    r = -errno;
    free(ops);
    return r;
  }
  /* FIX(02): lines go out as they are logged, so the file is in logging
   * order across the loop and the pool; stdio batches the write(2)s. */
  if (log)
    corrlog_set_writer(write_log, log);
  corrlog_thread_name("loop");
  r = rm_serve(cfg, res, &variant, ops);
  if (log) {
    corrlog_close();
    fclose(log);
  }
  free(ops);
  return r;
}
