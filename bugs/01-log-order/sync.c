/* sync.c -- Scenario 01 (SYNC): the request log written synchronously, one
 * request after another. Correct by construction: each write(2) returns
 * before the next line is produced, so the file order is program order. It
 * is also slow: every fetch's latency is paid in sequence.
 * Trigger: build/gallery run 01 --sync. See also: bugs/01-log-order/async.c,
 * chapters/01-log-order.md. */
#include "log_order.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* @snippet sync_log_line */
static int log_line(int fd, int req, const char *ev, const char *msg) {
  char line[256];
  int n = snprintf(line, sizeof line,
                   "{\"op\":\"req-%d\",\"ev\":\"%s\",\"msg\":\"%s\"}\n", req,
                   ev, msg);
  return write(fd, line, (size_t)n) == n ? 0 : -errno;
}
/* @end */

/* The simulated fetch: the latency a real upstream call would have. */
static void fetch(int latency_us) {
  struct timespec ts = {latency_us / 1000000, (latency_us % 1000000) * 1000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

int lo_run(const struct lo_config *cfg) {
  char msg[64];
  int fd, r = 0;

  fd = open(cfg->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd < 0)
    return -errno;
  /* @snippet sync_request */
  for (int req = 0; req < cfg->requests && r == 0; req++) {
    snprintf(msg, sizeof msg, "GET /item/%d", req);
    r = log_line(fd, req, "begin", msg);
    if (r == 0)
      r = log_line(fd, req, "step", "cache miss, fetching");
    fetch(cfg->latency_us);
    if (r == 0)
      r = log_line(fd, req, "end", "200 OK");
  }
  /* @end */
  if (close(fd) != 0 && r == 0)
    r = -errno; /* a failed close may have lost lines, like a failed write */
  return r;
}
