/* main.c -- Scenario 07 (use-after-close) driver: runs one variant's echo
 * server and clients once, then checks that no callback ran on freed
 * connection memory and every client got its reply. Linked with sync.c, the
 * bug's async.c or the fix's async.c into
 * build/bin/07-use-after-close-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "gallery_log.h"
#include "corrlog.h"
#include "dsched.h"
#include "use_after_close.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The defaults make the bug latent: a client usually thinks longer than the
 * server computes, so its EOF usually comes after its reply (measured rates
 * in chapters/07-use-after-close.md). */
#define DEFAULT_WORK_US 50
#define DEFAULT_THINK_US 200
#define DEFAULT_CLIENTS 2

int main(int argc, char **argv) {
  struct uac_config cfg = {DEFAULT_CLIENTS, DEFAULT_WORK_US, DEFAULT_THINK_US};
  const char *schedule = NULL, *log = NULL;
  FILE *logf = NULL;
  char msg[512];
  int r, gate = 0;

  const struct gallery_opt opts[] = {
      GALLERY_OPT_INT("clients", &cfg.clients, 1, 64,
                      "concurrent clients (default {default}, {range})"),
      GALLERY_OPT_INT(
          "work-us", &cfg.work_us, 0, 1000000,
          "simulated time to compute a reply, microseconds (default "
          "{default}); the longer, the wider the bug's window"),
      GALLERY_OPT_INT("think-us", &cfg.think_us, 0, 1000000,
                      "simulated client think time on the threadpool before it "
                      "shuts down, microseconds (default {default}; 0: at "
                      "once); the shorter, the wider the window"),
      GALLERY_OPT_FLAG("gate", &gate,
                       "clients shut down at once (--think-us 0) and every "
                       "reply's computation waits until the server has read "
                       "EOF from every client (the forced order)"),
      GALLERY_OPT_HOLD_SCHEDULE(&schedule, ""),
      GALLERY_OPT_LOG(&log, GALLERY_FIX_LOGS),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME " once: N clients send a message to an "
      "echo server on 127.0.0.1, think, and shut down; the server computes "
      "each reply on the threadpool. Checks that no callback ran on freed "
      "connection memory and that every client got its reply.",
      opts, GALLERY_EXIT_STATUS};

  if ((r = gallery_start(&cli, argc, argv, &schedule)) >= 0)
    return r;
  /* Gated replies wait on pool threads for every client's EOF; a client
   * thinking on the pool could then wait for a pool thread forever. */
  if (gate)
    cfg.think_us = 0;
  if (log) {
    if ((logf = gallery_log_open(log)) == NULL) {
      fprintf(stderr, "%s: cannot write log %s: %s\n", argv[0], log,
              strerror(errno));
      return 3;
    }
  }
  corrlog_thread_name("loop");

  uac_reset();
  uac_gate(gate, cfg.clients);
  r = uac_run(&cfg);
  if (r >= 0)
    r = uac_check(cfg.clients, msg, sizeof msg);
  r = gallery_verdict("use-after-close", r, msg,
                      "use-after-close: %d clients, every reply delivered, "
                      "no callback on freed memory: invariant held\n",
                      cfg.clients);
  gallery_schedule_taken("use-after-close");
  if (logf) {
    corrlog_close();
    if (gallery_log_close(logf) != 0) {
      fprintf(stderr, "%s: writing log %s: %s\n", argv[0], log,
              strerror(errno));
      r = 3;
    }
  }
  uac_reset();
  dsched_reset();
  return r;
}
