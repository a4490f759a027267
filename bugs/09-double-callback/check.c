/* check.c -- Scenario 09 (double-callback): the invariant, checked on what a
 * run of any variant leaves behind (see double_callback.h for what it
 * promises). */
#include "double_callback.h"

#include <stdio.h>

static const char *how(int status) {
  return status == 0 ? "reply" : "timed out";
}

int dc_check(const struct dc_config *cfg, const struct dc_call *calls,
             char *msg, size_t msglen) {
  int once = 0, timed_out = 0;

  for (int i = 0; i < cfg->requests; i++) {
    const struct dc_call *k = &calls[i];
    if (k->calls == 0) {
      snprintf(msg, msglen,
               "double-callback invariant violated: call %d's callback "
               "never ran; its caller waits forever",
               i);
      return 1;
    }
    if (k->calls > 1) {
      snprintf(msg, msglen,
               "double-callback invariant violated: call %d's callback ran "
               "%d times (first: %s, then: %s)",
               i, k->calls, how(k->status[0]), how(k->status[1]));
      return 1;
    }
    once++;
    timed_out += k->status[0] != 0;
  }
  snprintf(msg, msglen,
           "double-callback: %d calls, each callback ran once (%d replies, "
           "%d timed out): invariant held",
           once, once - timed_out, timed_out);
  return 0;
}
