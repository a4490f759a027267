/* sync.c -- Scenario 09 (SYNC): each call waits for the server's reply,
 * then compares the time it took with the deadline. Correct by
 * construction: there is one path through a call, so its callback runs
 * once. It is also slower -- calls run one after another, each paying the
 * server's full reply time -- and a "timeout" is only noticed after the
 * reply has been waited for. Trigger: build/gallery run 09 --sync. See
 * also: bugs/09-double-callback/async.c, chapters/09-double-callback.md. */
#include "double_callback.h"

#include <stdlib.h>

struct dc_client {
  const struct dc_config *cfg;
};

struct dc_client *dc_client_new(uv_loop_t *loop, const struct dc_config *cfg) {
  struct dc_client *c = malloc(sizeof *c);

  (void)loop; /* nothing runs on the loop: the call blocks its caller */
  if (c == NULL)
    abort();
  c->cfg = cfg;
  return c;
}

/* @snippet sync_start */
void dc_call_start(struct dc_client *c, struct dc_call *call, dc_cb cb) {
  uint64_t start = uv_hrtime(), took_ms;

  dc_serve(c->cfg, call->id);
  took_ms = (uv_hrtime() - start) / 1000000;
  cb(call, took_ms > (uint64_t)c->cfg->timeout_ms ? UV_ETIMEDOUT : 0);
}
/* @end */

void dc_client_close(struct dc_client *c) {
  (void)c;
}

void dc_client_free(struct dc_client *c) {
  free(c);
}
