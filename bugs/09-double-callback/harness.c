/* harness.c -- Scenario 09's shared half: the caller that starts every call
 * and counts its callbacks, the simulated server, and the invariant check,
 * the same for the sync twin, the bug and the fix. */
#include "double_callback.h"
#include "gallery.h"
#include "gallery_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int dc_reply_us(const struct dc_config *cfg, int id) {
  /* A fixed spread per call (Knuth's multiplicative hash), so that a run
   * can be repeated and replies do not all arrive together. */
  unsigned spread = (unsigned)id * 2654435761u;
  return cfg->reply_us + (cfg->jitter_us > 0
                              ? (int)(spread % (unsigned)(cfg->jitter_us + 1))
                              : 0);
}

void dc_serve(const struct dc_config *cfg, int id) {
  int us = dc_reply_us(cfg, id);
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};

  while (us > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* @snippet user_cb */
/* The caller's callback. Every run of it ends the call's operation in the
 * correlation log, so a second run shows as a second "end". */
static void call_done(struct dc_call *call, int status) {
  if (call->calls < 2)
    call->status[call->calls] = status;
  call->calls++;
  corrlog_end(&call->op, status, "callback run %d: %s", call->calls,
              status == 0 ? "reply" : uv_strerror(status));
}
/* @end */

int dc_run(const struct dc_config *cfg, struct dc_call *calls) {
  struct dc_client *c;
  FILE *log;
  int e;
  uv_loop_t loop;

  if ((e = gallery_log_start(cfg->log_path, &log)) != 0)
    return e;
  CHECK_UV(uv_loop_init(&loop));
  c = dc_client_new(&loop, cfg);
  for (int i = 0; i < cfg->requests; i++) {
    memset(&calls[i], 0, sizeof calls[i]);
    calls[i].id = i;
    corrlog_begin(&calls[i].op, NULL, "call", "call %d: deadline %d ms", i,
                  cfg->timeout_ms);
    dc_call_start(c, &calls[i], call_done);
  }
  CHECK_UV(uv_run(&loop, UV_RUN_DEFAULT));
  dc_client_close(c);
  CHECK_UV(uv_run(&loop, UV_RUN_DEFAULT));
  CHECK_UV(uv_loop_close(&loop));
  dc_client_free(c);
  if (log != NULL) {
    corrlog_close();
    if (gallery_log_close(log) != 0)
      return -errno;
  }
  return 0;
}
