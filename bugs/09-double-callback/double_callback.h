/* double_callback.h -- Scenario 09 (double-callback): the interface every
 * variant implements and the invariant the driver and the test check.
 *
 * The workload: `requests` calls to a slow server, all started at once.
 * Each call has a deadline of `timeout_ms`; the server's reply (threadpool
 * work) takes `reply_us` plus a per-call jitter. The contract every
 * variant must keep, as libuv keeps it for its own requests: a started
 * call completes exactly once -- its callback runs once, with 0 when the
 * reply came first or UV_ETIMEDOUT when the deadline did. The invariant:
 * every call's callback ran exactly once. */
#ifndef DOUBLE_CALLBACK_H
#define DOUBLE_CALLBACK_H

#include <stddef.h>
#include <uv.h>

#include "corrlog.h"

struct dc_config {
  const char *log_path; /* correlation log to write, or NULL */
  int requests;         /* how many calls (1..1024) */
  int timeout_ms;       /* each call's deadline */
  int reply_us;         /* the server's base reply time */
  int jitter_us;        /* up to this much more, differing per call */
};

/* One call as its caller sees it (owned by the harness). */
struct dc_call {
  int id;
  int calls;     /* how many times its callback ran */
  int status[2]; /* the statuses of the first two runs */
  corrlog_op op; /* begun when the call starts, ended by its callback */
};

typedef void (*dc_cb)(struct dc_call *call, int status);

/* ---- shared by all variants (harness.c) ---- */

/* How long the server takes to reply to call id, in microseconds. */
int dc_reply_us(const struct dc_config *cfg, int id);

/* The server's work, run on a pool thread (or inline by the sync twin). */
void dc_serve(const struct dc_config *cfg, int id);

/* Runs the workload once: starts every call, runs the loop until nothing
 * is left, closes the client. Fills calls[0..requests-1]. Returns 0, or a
 * negative errno for a setup failure (the log could not be opened). */
int dc_run(const struct dc_config *cfg, struct dc_call *calls);

/* ---- the invariant (check.c) ---- */

/* Checks the invariant. Returns 0 when it holds, 1 when it is violated
 * (msg then starts with "double-callback invariant violated:"). */
int dc_check(const struct dc_config *cfg, const struct dc_call *calls,
             char *msg, size_t msglen);

/* ---- per variant (sync.c, async.c) ---- */

struct dc_client;

/* A client whose calls complete on loop. */
struct dc_client *dc_client_new(uv_loop_t *loop, const struct dc_config *cfg);
/* Starts call: ask the server, and give up after cfg->timeout_ms. cb must
 * run exactly once, on the loop thread. */
void dc_call_start(struct dc_client *c, struct dc_call *call, dc_cb cb);
/* Closes the client's handles; the loop must run once more before
 * dc_client_free. */
void dc_client_close(struct dc_client *c);
void dc_client_free(struct dc_client *c);

#endif
