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

#define RM_MAX_REQUESTS 256

struct rm_config {
  const char *log_path; /* correlation log (the fix writes one), or NULL */
  int requests;         /* pipelined requests, 1..RM_MAX_REQUESTS */
  int unit_us;          /* simulated work per unit of the argument */
};

/* What the client accepted. got[i] and answers[i] are written by the
 * client when it pairs a reply with request i. */
struct rm_result {
  long long got[RM_MAX_REQUESTS];   /* the value accepted for request i */
  int answers[RM_MAX_REQUESTS];     /* how many replies were paired with i */
  char raw[RM_MAX_REQUESTS][32];    /* the reply line as received */
  int replies;                      /* reply lines received in all */
};

/* Runs the workload once. Returns 0, or a negative libuv error for a setup
 * or protocol failure (no port, connection refused, garbled line...). */
int rm_run(const struct rm_config *cfg, struct rm_result *res);

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

/* Checks the invariant. Returns 0 when it holds, 1 when it is violated; on
 * 1 msg starts with "reply-mixup invariant violated:". */
int rm_check(const struct rm_config *cfg, const struct rm_result *res,
             char *msg, size_t msglen);

#endif
