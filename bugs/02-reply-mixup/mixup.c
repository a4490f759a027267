/* mixup.c -- Scenario 02's shared parts: the requests the client sends, the
 * arithmetic the server does, its simulated cost, the connection both ends
 * share (everything but the lesson), and the invariant check. Linked into
 * the driver and the test for all three variants. */
#include "gallery.h"
#include "reply_mixup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const ops[] = {"square", "cube", "negate"};

void rm_request_text(int i, char *buf, size_t len) {
  /* Arguments grow with i, so later requests cost more: in submission order
   * the pool finishes them in order, and only a stall of about one unit
   * (or a scheduler) lets a later reply overtake an earlier one. */
  snprintf(buf, len, "%s %d", ops[i % 3], i + 2);
}

int rm_compute(const char *op, long long arg, long long *value,
               long long *cost_units) {
  if (arg < 0 || arg > 1000000)
    return -1;
  if (strcmp(op, "square") == 0)
    *value = arg * arg;
  else if (strcmp(op, "cube") == 0)
    *value = arg * arg * arg;
  else if (strcmp(op, "negate") == 0)
    *value = -arg;
  else
    return -1;
  *cost_units = arg;
  return 0;
}

void rm_simulated_work(long long units, int unit_us) {
  long long us = units * unit_us;
  struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* ------------------------------------------------------------ connection */

void rm_fail(struct rm_app *app, int err) {
  if (app->err == 0)
    app->err = err;
}

void rm_close_conn(struct rm_conn *c) {
  if (!uv_is_closing((uv_handle_t *)&c->tcp))
    uv_close((uv_handle_t *)&c->tcp, NULL);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  struct rm_conn *c = container_of(h, struct rm_conn, tcp);
  (void)suggested;
  *buf = uv_buf_init(c->in + c->inlen, (unsigned)(sizeof c->in - c->inlen));
}

/* Appends nread bytes and calls line_cb for every complete line, without
 * its newline. */
static void split_lines(struct rm_conn *c, ssize_t nread,
                        void (*line_cb)(struct rm_conn *, char *)) {
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

/* Reads one end: lines to line_cb; at EOF, eof_cb (NULL: close). */
static void read_lines(struct rm_conn *c, ssize_t nread,
                       void (*line_cb)(struct rm_conn *, char *),
                       void (*eof_cb)(struct rm_conn *)) {
  if (nread == UV_EOF) {
    if (eof_cb)
      eof_cb(c);
    else
      rm_close_conn(c);
  } else if (nread < 0) {
    rm_fail(c->app, (int)nread);
    rm_close_conn(c);
  } else {
    split_lines(c, nread, line_cb);
  }
}

/* ---- server */

static void maybe_close_server(struct rm_conn *c) {
  if (c->eof && c->jobs == 0)
    rm_close_conn(c);
}

static void server_eof(struct rm_conn *c) {
  c->eof = 1;
  maybe_close_server(c);
}

static void reply_written(uv_write_t *w, int status) {
  struct rm_conn *c = container_of(w->handle, struct rm_conn, tcp);

  if (status < 0)
    rm_fail(c->app, status);
  free(w->data);
  c->jobs--;
  maybe_close_server(c);
}

void rm_send_reply(struct rm_conn *server, uv_write_t *w, const char *reply,
                   void *job) {
  uv_buf_t buf = uv_buf_init((char *)reply, (unsigned)strlen(reply));
  w->data = job;
  CHECK_UV(uv_write(w, (uv_stream_t *)&server->tcp, &buf, 1, reply_written));
}

static void server_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  struct rm_conn *c = container_of(s, struct rm_conn, tcp);
  (void)buf;
  read_lines(c, nread, c->app->variant->serve_line, server_eof);
}

static void on_connection(uv_stream_t *listener, int status) {
  struct rm_app *app = container_of(listener, struct rm_app, listener);

  if (status < 0) {
    rm_fail(app, status);
    return;
  }
  CHECK_UV(uv_tcp_init(&app->loop, &app->server.tcp));
  CHECK_UV(uv_accept(listener, (uv_stream_t *)&app->server.tcp));
  /* One connection is the whole workload. */
  uv_close((uv_handle_t *)&app->listener, NULL);
  CHECK_UV(
      uv_read_start((uv_stream_t *)&app->server.tcp, alloc_cb, server_read));
}

/* ---- client */

static void client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  struct rm_conn *c = container_of(s, struct rm_conn, tcp);
  (void)buf;
  read_lines(c, nread, c->app->variant->reply_line, NULL);
}

static void requests_written(uv_write_t *w, int status) {
  struct rm_app *app = container_of(w, struct rm_app, request_write);

  if (status < 0) {
    rm_fail(app, status);
    rm_close_conn(&app->client);
    return;
  }
  /* Half-close: the server sees EOF once it has every request. */
  CHECK_UV(uv_shutdown(&app->shutdown, (uv_stream_t *)&app->client.tcp, NULL));
}

static int text_line(struct rm_app *app, int i, char *buf, size_t len) {
  char text[32];
  (void)app;
  rm_request_text(i, text, sizeof text);
  return snprintf(buf, len, "%s\n", text);
}

static void on_connect(uv_connect_t *req, int status) {
  struct rm_app *app = container_of(req, struct rm_app, connect);
  int (*line)(struct rm_app *, int, char *, size_t) =
      app->variant->request_line ? app->variant->request_line : text_line;
  size_t n = 0;
  uv_buf_t buf;

  if (status < 0) {
    rm_fail(app, status);
    rm_close_conn(&app->client);
    return;
  }
  CHECK_UV(
      uv_read_start((uv_stream_t *)&app->client.tcp, alloc_cb, client_read));
  /* Pipelining: every request goes out at once, in one write, without
   * waiting for any reply. */
  for (int i = 0; i < app->cfg->requests; i++)
    n += (size_t)line(app, i, app->out + n, sizeof app->out - n);
  buf = uv_buf_init(app->out, (unsigned)n);
  CHECK_UV(uv_write(&app->request_write, (uv_stream_t *)&app->client.tcp, &buf,
                    1, requests_written));
}

/* ---- run */

int rm_serve(const struct rm_config *cfg, struct rm_result *res,
             const struct rm_variant *variant, void *data) {
  struct rm_app *app = calloc(1, sizeof *app);
  struct sockaddr_in addr;
  struct sockaddr_storage name;
  int namelen = sizeof name, r;

  if (app == NULL)
    return UV_ENOMEM;
  app->cfg = cfg;
  app->res = res;
  app->variant = variant;
  app->data = data;
  app->server.app = app->client.app = app;
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
    rm_fail(app, r);
    uv_close((uv_handle_t *)&app->listener, NULL);
    uv_close((uv_handle_t *)&app->client.tcp, NULL);
  }
  CHECK_UV(uv_run(&app->loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&app->loop));
  r = app->err;
  free(app);
  return r;
}
