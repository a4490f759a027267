/* mixup.c -- Scenario 02's shared parts: the requests the client sends, the
 * arithmetic the server does, its simulated cost, and the invariant check.
 * Linked into the driver and the test for all three variants. */
#include "reply_mixup.h"

#include <errno.h>
#include <stdio.h>
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

/* @snippet check */
int rm_check(const struct rm_config *cfg, const struct rm_result *res,
             char *msg, size_t msglen) {
  for (int i = 0; i < cfg->requests; i++) {
    char req[32], op[16];
    long long arg, want, cost;

    rm_request_text(i, req, sizeof req);
    if (sscanf(req, "%15s %lld", op, &arg) != 2 ||
        rm_compute(op, arg, &want, &cost) != 0) {
      snprintf(msg, msglen, "reply-mixup check: bad request text '%s'", req);
      return 1;
    }
    if (res->answers[i] != 1) {
      snprintf(msg, msglen,
               "reply-mixup invariant violated: request %d \"%s\" was paired "
               "with %d replies, want exactly 1",
               i, req, res->answers[i]);
      return 1;
    }
    if (res->got[i] != want) {
      snprintf(msg, msglen,
               "reply-mixup invariant violated: request %d \"%s\" was paired "
               "with reply \"%s\" (want %lld): the client accepted another "
               "request's answer",
               i, req, res->raw[i], want);
      return 1;
    }
  }
  if (res->replies != cfg->requests) {
    snprintf(msg, msglen,
             "reply-mixup invariant violated: %d replies for %d requests",
             res->replies, cfg->requests);
    return 1;
  }
  return 0;
}
/* @end */
