/* main.c -- Scenario 13 (lock-order) driver: runs one variant's lookups and
 * sweeps once, in a child process so that a deadlock the scheduler detects
 * is reported as a violated invariant, then checks the counters. Linked
 * with sync.c, the bug's async.c or the fix's async.c into
 * build/bin/13-lock-order-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "lock_order.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: %s [--log FILE] [--requests N] [--sweeps N] [--hold-us N]\n"
    "          [--schedule SPEC]\n"
    "Runs scenario 13 (lock-order) once: the loop thread handles N cache\n"
    "lookups while a sweeper thread evicts the cache; checks that both\n"
    "finish and that every request and eviction is counted.\n"
    "  --log FILE        write the correlation log (JSON Lines) to FILE\n"
    "                    (the fix logs; the sync twin and the bug do not)\n"
    "  --requests N      lookups on the loop thread (default 1000, 1..1000000)\n"
    "  --sweeps N        eviction sweeps (default 100, 0..1000000)\n"
    "  --hold-us N       simulated latency: sleep N microseconds between\n"
    "                    taking the first lock and the second (default 0)\n"
    "  --schedule SPEC   run under the deterministic scheduler (fifo,\n"
    "                    random:SEED, pct:SEED:D, order:...; also env SCHED);\n"
    "                    a deadlock is then detected and reported with its\n"
    "                    waits-for cycle. Without a schedule a deadlock hangs:\n"
    "                    use build/gallery hunt 13 (it has a per-run timeout).\n"
    "Exit status: 0 invariant held, 1 violated (deadlock), 2 usage, 3 setup\n"
    "failure.\n";

int main(int argc, char **argv) {
  struct lk_config cfg = {NULL, 1000, 100, 0};
  struct lk_outcome out;
  const char *schedule = getenv("SCHED");
  int i;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int bad;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      printf(usage, argv[0]);
      return 0;
    }
    if (strcmp(a, "--log") != 0 && strcmp(a, "--requests") != 0 &&
        strcmp(a, "--sweeps") != 0 && strcmp(a, "--hold-us") != 0 &&
        strcmp(a, "--schedule") != 0) {
      fprintf(stderr, "%s: unknown option '%s' (see --help)\n", argv[0], a);
      return 2;
    }
    if (v == NULL) {
      fprintf(stderr, "%s: %s needs a value\n", argv[0], a);
      return 2;
    }
    i++;
    if (strcmp(a, "--log") == 0)
      cfg.log_path = v, bad = 0;
    else if (strcmp(a, "--schedule") == 0)
      schedule = v, bad = 0;
    else if (strcmp(a, "--requests") == 0)
      bad = gallery_int_arg(argv[0], a, v, 1, 1000000, &cfg.requests);
    else if (strcmp(a, "--sweeps") == 0)
      bad = gallery_int_arg(argv[0], a, v, 0, 1000000, &cfg.sweeps);
    else
      bad = gallery_int_arg(argv[0], a, v, 0, 1000000, &cfg.hold_us);
    if (bad)
      return 2;
  }
  if (schedule != NULL && (*schedule == '\0' || strcmp(schedule, "none") == 0))
    schedule = NULL;

  lk_run_isolated(&cfg, schedule, &out);
  printf("%s\n", out.msg);
  if (out.taken[0] != '\0')
    printf("lock-order: schedule taken: %s\n", out.taken);
  return out.status;
}
