/* log_order.h -- Scenario 01 (log-order): the interface every variant
 * implements and the invariant the driver and the test check.
 *
 * The workload: `requests` concurrent requests, each writing three lines to
 * a request log -- begin, step (cache miss, fetching) and end -- around a
 * simulated fetch of `latency_us` microseconds. The invariant: for every
 * request, its lines appear in the file as begin < step < end. */
#ifndef LOG_ORDER_H
#define LOG_ORDER_H

#include <stddef.h>

struct lo_config {
  const char *log_path; /* the request log to write (created, truncated) */
  int requests;         /* how many requests run concurrently */
  int latency_us;       /* simulated fetch latency (the "I/O") */
};

/* Runs the workload once, writing the request log. Returns 0, or a negative
 * errno/libuv error for a setup failure (the log could not be opened...). */
int lo_run(const struct lo_config *cfg);

/* Reads the request log back and checks the invariant. Returns 0 when it
 * holds, 1 when it is violated (msg starts with "log-order invariant
 * violated:"), -1 when the log cannot be read (msg starts with "log-order
 * check:" and names the file: a setup failure, not the bug). */
int lo_check(const char *log_path, int requests, char *msg, size_t msglen);

#endif
