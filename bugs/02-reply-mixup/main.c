/* main.c -- Scenario 02 (reply-mixup) driver: runs one variant's server and
 * client once, then checks every reply the client accepted. Linked with
 * sync.c, the bug's async.c or the fix's async.c into
 * build/bin/02-reply-mixup-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "reply_mixup.h"
#include "dsched.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  struct rm_config cfg = {NULL, 8, 100};
  struct rm_result *res;
  const char *schedule = NULL;
  char msg[512];
  int r;

  const struct gallery_opt opts[] = {
      GALLERY_OPT_OUTFILE(
          "log", &cfg.log_path, "FILE",
          "write the correlation log (JSON Lines) to FILE; only the fix logs, "
          "the bug and the sync twin leave it empty"),
      GALLERY_OPT_INT("requests", &cfg.requests, 1, RM_MAX_REQUESTS,
                      "pipelined requests (default {default}, {range})"),
      GALLERY_OPT_INT(
          "unit-us", &cfg.unit_us, 0, 100000,
          "simulated work per unit of a request's argument, in microseconds "
          "(default {default}); request i costs i+2 units"),
      GALLERY_OPT_HOLD_SCHEDULE(&schedule, ""), GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME " once: a client pipelines N requests on "
      "one TCP connection to a server in the same loop, and checks that every "
      "reply it accepts answers the request it pairs it with.",
      opts, GALLERY_EXIT_STATUS};

  if ((r = gallery_start(&cli, argc, argv, &schedule)) >= 0)
    return r;
  res = calloc(1, sizeof *res);
  if (res == NULL) {
    fprintf(stderr, "reply-mixup: out of memory\n");
    return 3;
  }

  r = rm_run(&cfg, res);
  if (r >= 0)
    r = rm_check(&cfg, res, msg, sizeof msg);
  r = gallery_verdict("reply-mixup", r, msg,
                      "reply-mixup: %d pipelined requests, every accepted "
                      "reply answers its request: invariant held\n",
                      cfg.requests);
  gallery_schedule_taken("reply-mixup");
  dsched_reset();
  free(res);
  return r;
}
