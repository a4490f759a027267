/* reply_mixup.h -- Scenario 02 (reply-mixup): the interface every variant
 * implements, the workload both ends agree on, and the invariant.
 *
 * The workload: one program runs a TCP server on 127.0.0.1 (a port the OS
 * picks) and a client, on the same libuv loop. The client opens one
 * connection and pipelines `requests` requests on it without waiting for
 * replies: request i is rm_request_text(i), e.g. "square 7". The server
 * computes each answer (rm_compute), taking arg * unit_us microseconds of
 * simulated work, and writes a reply. The invariant: every reply the client
 * accepts is the answer to the request it pairs the reply with ("square 7"
 * must get 49), and every request gets exactly one. */
#ifndef REPLY_MIXUP_H
#define REPLY_MIXUP_H

#include <stddef.h>
#include <uv.h>

#define RM_MAX_REQUESTS 256

struct rm_config {
  const char *log_path; /* correlation log (the fix writes one), or NULL */
  int requests;         /* pipelined requests, 1..RM_MAX_REQUESTS */
  int unit_us;          /* simulated work per unit of the argument */
};

/* What the client accepted. got[i] and answers[i] are written by the
 * client when it pairs a reply with request i. */
struct rm_result {
  long long got[RM_MAX_REQUESTS]; /* the value accepted for request i */
  int answers[RM_MAX_REQUESTS];   /* how many replies were paired with i */
  char raw[RM_MAX_REQUESTS][32];  /* the reply line as received */
  int replies;                    /* reply lines received in all */
};

/* Runs the workload once. Returns 0, or a negative libuv error for a setup
 * or protocol failure (no port, connection refused, garbled line...). */
int rm_run(const struct rm_config *cfg, struct rm_result *res);

/* ---- the connection both ends share (mixup.c) ----
 * What is not the lesson: the listener, the connection, reading lines,
 * the half-close and the loop. A variant gives the three things that
 * differ between the sync twin, the bug and the fix (struct rm_variant):
 * what a request line says, how the server answers one, and how the
 * client pairs a reply with its request. */

struct rm_app;

/* One end of the connection: bytes are collected until a newline. */
struct rm_conn {
  uv_tcp_t tcp;
  struct rm_app *app;
  char in[4096];
  size_t inlen;
  int jobs; /* server: requests whose reply is not written yet */
  int eof;  /* server: the client has sent everything */
};

struct rm_variant {
  /* Writes request i's line, with its newline, into buf; returns its
   * length. NULL: the request's text alone (rm_request_text). */
  int (*request_line)(struct rm_app *app, int i, char *buf, size_t len);
  /* The server read request line `line` (without its newline). */
  void (*serve_line)(struct rm_conn *server, char *line);
  /* The client read reply line `line` (without its newline). */
  void (*reply_line)(struct rm_conn *client, char *line);
};

struct rm_app {
  uv_loop_t loop;
  uv_tcp_t listener;
  struct rm_conn server, client;
  uv_connect_t connect;
  uv_write_t request_write;
  uv_shutdown_t shutdown;
  char out[RM_MAX_REQUESTS * 48];
  const struct rm_config *cfg;
  struct rm_result *res;
  const struct rm_variant *variant;
  void *data; /* the variant's own state, or NULL */
  int err;    /* first failure, returned by rm_serve */
};

/* Runs the server and the client on one loop until both ends are closed,
 * with variant's protocol and data as app->data. Returns 0, or the first
 * failure (a negative libuv error). */
int rm_serve(const struct rm_config *cfg, struct rm_result *res,
             const struct rm_variant *variant, void *data);

/* Records err as the run's failure unless one came first. */
void rm_fail(struct rm_app *app, int err);

/* Closes one end (once). */
void rm_close_conn(struct rm_conn *c);

/* Writes reply (a line, kept alive by the caller until written) to the
 * client; once it is written, free(job) and counts the request answered.
 * The server's end closes when the client has sent everything and every
 * request is answered. */
void rm_send_reply(struct rm_conn *server, uv_write_t *w, const char *reply,
                   void *job);

/* ---- shared by all variants (mixup.c) ---- */

/* The text of request i, e.g. "square 7" (no newline). */
void rm_request_text(int i, char *buf, size_t len);

/* Parses "OP ARG" and computes the answer. Returns 0, or -1 for a request
 * the server does not understand. *cost_units is how many units of
 * simulated work the request takes (its argument). */
int rm_compute(const char *op, long long arg, long long *value,
               long long *cost_units);

/* Sleeps units * unit_us microseconds: the simulated work of a request. */
void rm_simulated_work(long long units, int unit_us);

/* ---- the invariant (check.c) ---- */

/* Checks the invariant. Returns 0 when it holds, 1 when it is violated; on
 * 1 msg starts with "reply-mixup invariant violated:". */
int rm_check(const struct rm_config *cfg, const struct rm_result *res,
             char *msg, size_t msglen);

#endif
