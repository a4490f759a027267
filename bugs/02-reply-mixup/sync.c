/* sync.c -- Scenario 02 (SYNC): the same server and client, but the server
 * answers each request inline, on the loop thread, before it reads the next
 * one. Correct by construction: replies are written in request order, so
 * first-in-first-out pairing is right. Slow: the requests' work is paid one
 * after another, and the loop is blocked meanwhile. Trigger: build/gallery
 * run 02 --sync. See also: bugs/02-reply-mixup/async.c,
 * chapters/02-reply-mixup.md. The connection itself is mixup.c's. */
#include "gallery.h"
#include "reply_mixup.h"

#include <stdio.h>
#include <stdlib.h>

/* One request on the server: parsed, computed and answered on the loop. */
struct job {
  uv_write_t write;
  struct rm_conn *conn;
  char op[16];
  long long arg, value, cost;
  int ok;
  char reply[64];
};

/* ------------------------------------------------------------ server */

static void serve_line(struct rm_conn *c, char *line) {
  struct job *j = calloc(1, sizeof *j);

  if (j == NULL)
    abort();
  j->conn = c;
  j->ok = sscanf(line, "%15s %lld", j->op, &j->arg) == 2 &&
          rm_compute(j->op, j->arg, &j->value, &j->cost) == 0;
  c->jobs++;
  /* @snippet sync_serve */
  /* The work runs here, on the loop thread: nothing else happens until it
   * is done, and the reply is queued before the next request is read. */
  if (j->ok) {
    rm_simulated_work(j->cost, c->app->cfg->unit_us);
    snprintf(j->reply, sizeof j->reply, "%lld\n", j->value);
  } else {
    snprintf(j->reply, sizeof j->reply, "error\n");
  }
  rm_send_reply(c, &j->write, j->reply, j);
  /* @end */
}

/* ------------------------------------------------------------ client */

static void reply_line(struct rm_conn *c, char *line) {
  struct rm_result *res = c->app->res;
  /* First in, first out: right here, because the server answers in order. */
  int i = res->replies++;

  if (i >= c->app->cfg->requests)
    return;
  res->got[i] = strtoll(line, NULL, 10);
  res->answers[i]++;
  snprintf(res->raw[i], sizeof res->raw[i], "%s", line);
}

/* ------------------------------------------------------------ run */

int rm_run(const struct rm_config *cfg, struct rm_result *res) {
  /* Requests go out as their text alone. */
  static const struct rm_variant variant = {NULL, serve_line, reply_line};
  return rm_serve(cfg, res, &variant, NULL);
}
