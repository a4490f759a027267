/* check.c -- Scenario 02 (reply-mixup): the invariant, checked on what a run
 * of any variant leaves behind (see reply_mixup.h for what it promises). */
#include "reply_mixup.h"

#include <stdio.h>

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
