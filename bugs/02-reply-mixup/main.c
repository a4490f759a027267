/* main.c -- Scenario 02 (reply-mixup) driver: runs one variant's server and
 * client once, then checks every reply the client accepted. Linked with
 * sync.c, the bug's async.c or the fix's async.c into
 * build/bin/02-reply-mixup-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "reply_mixup.h"
#include "dsched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: %s [--log FILE] [--requests N] [--unit-us N] [--schedule SPEC]\n"
    "Runs scenario 02 (reply-mixup) once: a client pipelines N requests on\n"
    "one TCP connection to a server in the same loop, and checks that every\n"
    "reply it accepts answers the request it pairs it with.\n"
    "  --log FILE        write the correlation log (JSON Lines) to FILE; only\n"
    "                    the fix logs, the bug and the sync twin leave it empty\n"
    "  --requests N      pipelined requests (default 8, 1..256)\n"
    "  --unit-us N       simulated work per unit of a request's argument, in\n"
    "                    microseconds (default 100); request i costs i+2 "
    "units\n"
    "  --schedule SPEC   hold threadpool requests and release them by SPEC\n"
    "                    (fifo, lifo, random:SEED, order:work#N,...; also env\n"
    "                    SCHED)\n"
    "Exit status: 0 invariant held, 1 violated, 2 usage, 3 setup failure.\n";

int main(int argc, char **argv) {
  struct rm_config cfg = {NULL, 8, 100};
  struct rm_result *res;
  const char *schedule = NULL;
  char msg[512];
  int r, i;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      printf(usage, argv[0]);
      return 0;
    }
    if (strcmp(a, "--log") != 0 && strcmp(a, "--requests") != 0 &&
        strcmp(a, "--unit-us") != 0 && strcmp(a, "--schedule") != 0) {
      fprintf(stderr, "%s: unknown option '%s' (see --help)\n", argv[0], a);
      return 2;
    }
    if (v == NULL) {
      fprintf(stderr, "%s: %s needs a value\n", argv[0], a);
      return 2;
    }
    i++;
    if (strcmp(a, "--log") == 0)
      cfg.log_path = v;
    else if (strcmp(a, "--schedule") == 0)
      schedule = v;
    else if (strcmp(a, "--requests") == 0
                 ? gallery_int_arg(argv[0], a, v, 1, RM_MAX_REQUESTS, &cfg.requests)
                 : gallery_int_arg(argv[0], a, v, 0, 100000, &cfg.unit_us))
      return 2;
  }
  if ((schedule ? dsched_configure(schedule) : dsched_configure_from_env()) != 0)
    return 2;
  if (cfg.log_path) {
    /* Bad input is reported here, by name, not as a setup failure later. */
    FILE *f = fopen(cfg.log_path, "w");
    if (f == NULL) {
      fprintf(stderr, "%s: --log %s: %s\n", argv[0], cfg.log_path,
              strerror(errno));
      return 2;
    }
    fclose(f);
  }
  res = calloc(1, sizeof *res);
  if (res == NULL) {
    fprintf(stderr, "reply-mixup: out of memory\n");
    return 3;
  }

  r = rm_run(&cfg, res);
  if (r < 0) {
    fprintf(stderr, "reply-mixup: setup failed: %s\n", strerror(-r));
    r = 3;
  } else if ((r = rm_check(&cfg, res, msg, sizeof msg)) == 0) {
    printf("reply-mixup: %d pipelined requests, every accepted reply answers "
           "its request: invariant held\n",
           cfg.requests);
  } else {
    printf("%s\n", msg);
    r = 1;
  }
  if (dsched_active())
    printf("reply-mixup: schedule taken: %s\n", dsched_taken());
  dsched_reset();
  free(res);
  return r;
}
