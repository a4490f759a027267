/* async.c -- Scenario 07 (BUG): an echo server on one libuv loop that frees
 * a connection's memory as soon as it closes the connection, while a reply
 * computed on the threadpool (or its write) still points at it. Symptom,
 * when a client's shutdown overtakes its reply: a callback runs on freed
 * connection memory (AddressSanitizer: heap-use-after-free; the plain
 * build: the quarantine's poison pattern) and the client never gets its
 * reply. Trigger: build/gallery expose 07 (forced), build/gallery hunt 07
 * (natural). See also: fixes/07-use-after-close/async.c,
 * bugs/07-use-after-close/sync.c, chapters/07-use-after-close.md. */
#include "gallery.h"
#include "use_after_close.h"

#include <ctype.h>
#include <errno.h>
#include <time.h>

#define MSG_MAX 64

struct app {
  uv_loop_t loop;
  uv_tcp_t server;
  const struct uac_config *cfg;
  int clients_done;
};

/* The server's per-connection state, from the quarantine allocator. The
 * libuv handle is allocated apart: the poison must hit our fields, not the
 * fields libuv itself still reads while it finishes the close. */
struct conn {
  uint32_t magic; /* UAC_LIVE while the connection's memory is live */
  struct app *app;
  uv_tcp_t *tcp;
  int pending; /* replies being computed or written */
  int eof;     /* the client has shut down its side */
};

struct reply {
  struct conn *c;
  int work_us; /* copied on the loop thread: the pool never touches c */
  uv_work_t work;
  uv_write_t write;
  size_t len;
  char buf[MSG_MAX];
};

struct client {
  struct app *app;
  int id;
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_write_t write;
  uv_shutdown_t shutdown;
  uv_work_t think;
  char msg[MSG_MAX];
  char got[2 * MSG_MAX];
  size_t gotlen;
};

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  buf->base = malloc(hint);
  buf->len = buf->base ? hint : 0;
}

/* ---- server ---- */

static void server_closed(uv_handle_t *handle) {
  free(handle);
}

static void write_done(uv_write_t *req, int status) {
  struct reply *r = container_of(req, struct reply, write);
  struct conn *c = r->c;

  (void)status; /* UV_ECANCELED when the connection closed first */
  if (uac_live(c, "write_done")) {
    c->pending--;
  }
  free(r);
}

/* Simulated latency, on a pool thread: the server's computing time and the
 * client's think time (both explicit knobs, see use_after_close.h). */
static void spend_us(int us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};

  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* The simulated computation of a reply, on a pool thread. */
static void reply_work(uv_work_t *work) {
  struct reply *r = container_of(work, struct reply, work);

  uac_gate_wait();
  spend_us(r->work_us);
  for (size_t i = 0; i < r->len; i++)
    r->buf[i] = (char)toupper((unsigned char)r->buf[i]);
}

static void reply_done(uv_work_t *work, int status) {
  struct reply *r = container_of(work, struct reply, work);
  struct conn *c = r->c;
  uv_buf_t buf = uv_buf_init(r->buf, (unsigned)r->len);

  CHECK_UV(status);
  if (!uac_live(c, "reply_done")) {
    free(r);
    return;
  }
  CHECK_UV(uv_write(&r->write, (uv_stream_t *)c->tcp, &buf, 1, write_done));
}

/* @snippet server_read */
static void server_read(uv_stream_t *stream, ssize_t nread,
                        const uv_buf_t *buf) {
  struct conn *c = stream->data;

  if (nread > 0) {
    struct reply *r = malloc(sizeof *r);
    if (r == NULL)
      abort();
    r->c = c;
    r->work_us = c->app->cfg->work_us;
    r->len = (size_t)nread < MSG_MAX ? (size_t)nread : MSG_MAX;
    memcpy(r->buf, buf->base, r->len);
    c->pending++;
    CHECK_UV(uv_queue_work(&c->app->loop, &r->work, reply_work, reply_done));
  } else if (nread < 0) {
    c->eof = 1;
    uac_saw_eof();
    /* BUG(07): the connection is done, so its memory is freed at once. But
     * a reply may still be computing on the pool or waiting to be written,
     * and its callback will come back to c. The close itself is not done
     * either: libuv finishes it later, in the loop's closing phase. */
    uv_close((uv_handle_t *)c->tcp, server_closed);
    uac_free(c);
  }
  free(buf->base);
}
/* @end */

static void on_connection(uv_stream_t *server, int status) {
  struct app *app = container_of(server, struct app, server);
  struct conn *c = uac_alloc(sizeof *c);

  CHECK_UV(status);
  c->app = app;
  c->tcp = malloc(sizeof *c->tcp);
  if (c->tcp == NULL)
    abort();
  CHECK_UV(uv_tcp_init(&app->loop, c->tcp));
  c->tcp->data = c;
  CHECK_UV(uv_accept(server, (uv_stream_t *)c->tcp));
  CHECK_UV(uv_read_start((uv_stream_t *)c->tcp, alloc_cb, server_read));
}

/* ---- clients ---- */

static void client_closed(uv_handle_t *handle) {
  struct client *cl = container_of(handle, struct client, tcp);
  struct app *app = cl->app;

  free(cl);
  if (++app->clients_done == app->cfg->clients)
    uv_close((uv_handle_t *)&app->server, NULL);
}

static void client_read(uv_stream_t *stream, ssize_t nread,
                        const uv_buf_t *buf) {
  struct client *cl = container_of(stream, struct client, tcp);

  if (nread > 0) {
    size_t room = sizeof cl->got - 1 - cl->gotlen;
    size_t n = (size_t)nread < room ? (size_t)nread : room;
    memcpy(cl->got + cl->gotlen, buf->base, n);
    cl->gotlen += n;
  } else if (nread < 0) {
    char want[MSG_MAX];
    size_t i;
    for (i = 0; cl->msg[i]; i++)
      want[i] = (char)toupper((unsigned char)cl->msg[i]);
    want[i] = '\0';
    cl->got[cl->gotlen] = '\0';
    uac_reply(nread == UV_EOF && strcmp(cl->got, want) == 0);
    uv_close((uv_handle_t *)&cl->tcp, client_closed);
  }
  free(buf->base);
}

static void client_shut(uv_shutdown_t *req, int status) {
  (void)req;
  CHECK_UV(status);
}

/* The client's think time, on a pool thread: it decides whether it has
 * another request (it never has). */
static void client_think(uv_work_t *work) {
  struct client *cl = container_of(work, struct client, think);

  spend_us(cl->app->cfg->think_us);
}

/* Done sending: shut down the sending side; the reply is still read. */
static void client_thought(uv_work_t *work, int status) {
  struct client *cl = container_of(work, struct client, think);

  CHECK_UV(status);
  CHECK_UV(uv_shutdown(&cl->shutdown, (uv_stream_t *)&cl->tcp, client_shut));
}

/* @snippet client_wrote */
/* The request is sent. The client's shutdown now races the server's reply:
 * its think time on the pool against the server's computing time there.
 * With think_us 0 it shuts down at once, before any reply can exist. */
static void client_wrote(uv_write_t *req, int status) {
  struct client *cl = container_of(req, struct client, write);

  CHECK_UV(status);
  if (cl->app->cfg->think_us == 0)
    CHECK_UV(uv_shutdown(&cl->shutdown, (uv_stream_t *)&cl->tcp, client_shut));
  else
    CHECK_UV(uv_queue_work(&cl->app->loop, &cl->think, client_think,
                           client_thought));
}
/* @end */

static void client_connected(uv_connect_t *req, int status) {
  struct client *cl = container_of(req, struct client, connect);
  uv_buf_t buf = uv_buf_init(cl->msg, (unsigned)strlen(cl->msg));

  CHECK_UV(status);
  CHECK_UV(
      uv_write(&cl->write, (uv_stream_t *)&cl->tcp, &buf, 1, client_wrote));
  CHECK_UV(uv_read_start((uv_stream_t *)&cl->tcp, alloc_cb, client_read));
}

int uac_run(const struct uac_config *cfg) {
  struct app app = {.cfg = cfg};
  struct sockaddr_in addr;
  struct sockaddr_storage bound;
  int len = sizeof bound, r;

  CHECK_UV(uv_loop_init(&app.loop));
  CHECK_UV(uv_tcp_init(&app.loop, &app.server));
  CHECK_UV(uv_ip4_addr("127.0.0.1", 0, &addr));
  if ((r = uv_tcp_bind(&app.server, (const struct sockaddr *)&addr, 0)) < 0 ||
      (r = uv_listen((uv_stream_t *)&app.server, 128, on_connection)) < 0 ||
      (r = uv_tcp_getsockname(&app.server, (struct sockaddr *)&bound, &len)) <
          0) {
    uv_close((uv_handle_t *)&app.server, NULL);
    CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
    CHECK_UV(uv_loop_close(&app.loop));
    return r;
  }
  for (int i = 0; i < cfg->clients; i++) {
    struct client *cl = calloc(1, sizeof *cl);
    if (cl == NULL)
      abort();
    cl->app = &app;
    cl->id = i;
    snprintf(cl->msg, sizeof cl->msg, "hello from client %d", i);
    CHECK_UV(uv_tcp_init(&app.loop, &cl->tcp));
    CHECK_UV(uv_tcp_connect(&cl->connect, &cl->tcp,
                            (const struct sockaddr *)&bound, client_connected));
  }
  CHECK_UV(uv_run(&app.loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&app.loop));
  return 0;
}
