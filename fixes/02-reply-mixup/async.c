/* async.c -- Scenario 02 (FIX): the same pipelined server and client, with
 * a correlation id in the protocol: each request carries an id, each reply
 * echoes it, and the client matches replies by id. Replies may still leave
 * in completion order; that is now harmless. Every request is logged with
 * corrlog from the client, through the server's work, to the matched reply.
 * Trigger: build/gallery expose 02 --fix. See also:
 * bugs/02-reply-mixup/async.c, chapters/02-reply-mixup.md. */
#include "gallery.h"
#include "reply_mixup.h"
#include "corrlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* One end of the connection: bytes are collected until a newline. */
struct conn {
  uv_tcp_t tcp;
  struct app *app;
  char in[4096];
  size_t inlen;
  int jobs; /* server: requests whose reply is not written yet */
  int eof;  /* server: the client has sent everything */
};

struct app {
  uv_loop_t loop;
  uv_tcp_t listener;
  struct conn server, client;
  uv_connect_t connect;
  uv_write_t request_write;
  uv_shutdown_t shutdown;
  char out[RM_MAX_REQUESTS * 48];
  const struct rm_config *cfg;
  struct rm_result *res;
  int err; /* first failure, returned by rm_run */
  /* FIX(02): one correlation op per request, begun by the client. Client
   * and server share this process, so the server logs on the same op,
   * found by the id on the wire; across machines the id would travel as
   * a trace context and the server would begin a child op. */
  corrlog_op ops[RM_MAX_REQUESTS];
  FILE *log;
};

/* One request on the server: parsed on the loop, computed on the pool,
 * answered from the after-work callback. */
struct job {
  uv_work_t work;
  uv_write_t write;
  struct conn *conn;
  int id; /* FIX(02): the request's id, echoed in the reply */
  char op[16];
  long long arg, value, cost;
  int ok;
  char reply[64];
};

/* corrlog's writer: called for every event, in logging order, serialised. */
static void write_log(void *arg, const char *line, size_t len) {
  fwrite(line, 1, len, arg);
}

static void fail(struct app *app, int err) {
  if (app->err == 0)
    app->err = err;
}

static void close_conn(struct conn *c) {
  if (!uv_is_closing((uv_handle_t *)&c->tcp))
    uv_close((uv_handle_t *)&c->tcp, NULL);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  struct conn *c = container_of(h, struct conn, tcp);
  (void)suggested;
  *buf = uv_buf_init(c->in + c->inlen, (unsigned)(sizeof c->in - c->inlen));
}

/* Appends nread bytes and calls line_cb for every complete line, without
 * its newline. */
static void split_lines(struct conn *c, ssize_t nread,
                        void (*line_cb)(struct conn *, char *)) {
  size_t start = 0;

  c->inlen += (size_t)nread;
  for (size_t i = 0; i < c->inlen; i++) {
    if (c->in[i] != '\n')
      continue;
    c->in[i] = '\0';
    line_cb(c, c->in + start);
    start = i + 1;
  }
  memmove(c->in, c->in + start, c->inlen - start);
  c->inlen -= start;
}

/* ------------------------------------------------------------ server */

static void maybe_close_server(struct conn *c) {
  if (c->eof && c->jobs == 0)
    close_conn(c);
}

static void compute_work(uv_work_t *work) {
  struct job *j = container_of(work, struct job, work);
  corrlog_thread_name("pool");
  corrlog_step(&j->conn->app->ops[j->id], "computing %s %lld", j->op,
               j->arg);
  rm_simulated_work(j->cost, j->conn->app->cfg->unit_us);
  corrlog_handoff(&j->conn->app->ops[j->id]);
}

static void reply_written(uv_write_t *w, int status) {
  struct job *j = container_of(w, struct job, write);
  struct conn *c = j->conn;

  if (status < 0)
    fail(c->app, status);
  free(j);
  c->jobs--;
  maybe_close_server(c);
}

/* @snippet compute_done */
static void compute_done(uv_work_t *work, int status) {
  struct job *j = container_of(work, struct job, work);
  uv_buf_t buf;

  CHECK_UV(status);
  /* FIX(02): the reply still goes out the moment its work is done, but it
   * names the request it answers, so its position no longer matters. */
  if (j->ok)
    snprintf(j->reply, sizeof j->reply, "%d %lld\n", j->id, j->value);
  else
    snprintf(j->reply, sizeof j->reply, "%d error\n", j->id);
  corrlog_step(&j->conn->app->ops[j->id], "reply \"%.*s\" written",
               (int)strlen(j->reply) - 1, j->reply);
  corrlog_handoff(&j->conn->app->ops[j->id]);
  buf = uv_buf_init(j->reply, (unsigned)strlen(j->reply));
  CHECK_UV(uv_write(&j->write, (uv_stream_t *)&j->conn->tcp, &buf, 1,
                    reply_written));
}
/* @end */

static void serve_line(struct conn *c, char *line) {
  struct job *j = calloc(1, sizeof *j);

  if (j == NULL)
    abort();
  j->conn = c;
  /* FIX(02): a request without a valid id cannot be answered at all. */
  if (sscanf(line, "%d %15s %lld", &j->id, j->op, &j->arg) != 3 ||
      j->id < 0 || j->id >= c->app->cfg->requests) {
    free(j);
    fail(c->app, UV_EPROTO);
    close_conn(c);
    return;
  }
  j->ok = rm_compute(j->op, j->arg, &j->value, &j->cost) == 0;
  corrlog_step(&c->app->ops[j->id], "server received request %d", j->id);
  corrlog_handoff(&c->app->ops[j->id]); /* FIX(02): on to the pool */
  c->jobs++;
  CHECK_UV(uv_queue_work(&c->app->loop, &j->work, compute_work, compute_done));
}

static void server_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  struct conn *c = container_of(s, struct conn, tcp);
  (void)buf;

  if (nread == UV_EOF) {
    c->eof = 1;
    maybe_close_server(c);
  } else if (nread < 0) {
    fail(c->app, (int)nread);
    close_conn(c);
  } else {
    split_lines(c, nread, serve_line);
  }
}

static void on_connection(uv_stream_t *listener, int status) {
  struct app *app = container_of(listener, struct app, listener);

  if (status < 0) {
    fail(app, status);
    return;
  }
  CHECK_UV(uv_tcp_init(&app->loop, &app->server.tcp));
  CHECK_UV(uv_accept(listener, (uv_stream_t *)&app->server.tcp));
  /* One connection is the whole workload. */
  uv_close((uv_handle_t *)&app->listener, NULL);
  CHECK_UV(uv_read_start((uv_stream_t *)&app->server.tcp, alloc_cb,
                         server_read));
}

/* ------------------------------------------------------------ client */

/* @snippet reply_line */
static void reply_line(struct conn *c, char *line) {
  struct rm_result *res = c->app->res;
  char *value;
  /* FIX(02): the reply names its request; match by id, not by position. */
  int i = (int)strtol(line, &value, 10);

  res->replies++;
  if (value == line || *value != ' ' || i < 0 || i >= c->app->cfg->requests) {
    fail(c->app, UV_EPROTO);
    return;
  }
  res->got[i] = strtoll(value + 1, NULL, 10);
  res->answers[i]++;
  snprintf(res->raw[i], sizeof res->raw[i], "%s", line);
  corrlog_end(&c->app->ops[i], 0, "matched reply \"%s\"", line);
}
/* @end */

static void client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  struct conn *c = container_of(s, struct conn, tcp);
  (void)buf;

  if (nread == UV_EOF) {
    close_conn(c);
  } else if (nread < 0) {
    fail(c->app, (int)nread);
    close_conn(c);
  } else {
    split_lines(c, nread, reply_line);
  }
}

static void requests_written(uv_write_t *w, int status) {
  struct app *app = container_of(w, struct app, request_write);

  if (status < 0) {
    fail(app, status);
    close_conn(&app->client);
    return;
  }
  /* Half-close: the server sees EOF once it has every request. */
  CHECK_UV(uv_shutdown(&app->shutdown, (uv_stream_t *)&app->client.tcp, NULL));
}

static void on_connect(uv_connect_t *req, int status) {
  struct app *app = container_of(req, struct app, connect);
  size_t n = 0;
  uv_buf_t buf;

  if (status < 0) {
    fail(app, status);
    close_conn(&app->client);
    return;
  }
  CHECK_UV(uv_read_start((uv_stream_t *)&app->client.tcp, alloc_cb,
                         client_read));
  /* @snippet pipeline */
  /* Pipelining: every request goes out at once, in one write, without
   * waiting for any reply. */
  for (int i = 0; i < app->cfg->requests; i++) {
    char text[32];
    rm_request_text(i, text, sizeof text);
    corrlog_begin(&app->ops[i], NULL, "req", "%s", text);
    corrlog_handoff(&app->ops[i]); /* FIX(02): the server takes it over */
    /* FIX(02): the request's id goes on the wire with it. */
    n += (size_t)snprintf(app->out + n, sizeof app->out - n, "%d %s\n", i,
                          text);
  }
  /* @end */
  buf = uv_buf_init(app->out, (unsigned)n);
  CHECK_UV(uv_write(&app->request_write, (uv_stream_t *)&app->client.tcp,
                    &buf, 1, requests_written));
}

/* ------------------------------------------------------------ run */

int rm_run(const struct rm_config *cfg, struct rm_result *res) {
  struct app *app = calloc(1, sizeof *app);
  struct sockaddr_in addr;
  struct sockaddr_storage name;
  int namelen = sizeof name, r;

  if (app == NULL)
    return UV_ENOMEM;
  app->cfg = cfg;
  app->res = res;
  app->server.app = app->client.app = app;
  if (cfg->log_path && (app->log = fopen(cfg->log_path, "w")) == NULL) {
    r = -errno;
    free(app);
    return r;
  }
  /* FIX(02): lines go out as they are logged, so the file is in logging
   * order across the loop and the pool; stdio batches the write(2)s. */
  if (app->log)
    corrlog_set_writer(write_log, app->log);
  corrlog_thread_name("loop");
  CHECK_UV(uv_loop_init(&app->loop));
  CHECK_UV(uv_tcp_init(&app->loop, &app->listener));
  CHECK_UV(uv_tcp_init(&app->loop, &app->client.tcp));
  /* Port 0: the OS picks a free port, so parallel runs never collide. */
  CHECK_UV(uv_ip4_addr("127.0.0.1", 0, &addr));
  r = uv_tcp_bind(&app->listener, (const struct sockaddr *)&addr, 0);
  if (r == 0)
    r = uv_listen((uv_stream_t *)&app->listener, 8, on_connection);
  if (r == 0)
    r = uv_tcp_getsockname(&app->listener, (struct sockaddr *)&name, &namelen);
  if (r == 0)
    r = uv_tcp_connect(&app->connect, &app->client.tcp,
                       (const struct sockaddr *)&name, on_connect);
  if (r != 0) {
    fail(app, r);
    uv_close((uv_handle_t *)&app->listener, NULL);
    uv_close((uv_handle_t *)&app->client.tcp, NULL);
  }
  CHECK_UV(uv_run(&app->loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&app->loop));
  if (app->log) {
    corrlog_close();
    fclose(app->log);
  }
  r = app->err;
  free(app);
  return r;
}
