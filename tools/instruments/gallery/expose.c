/* expose.c -- `gallery expose NN`: the scenario's deterministic Criterion
 * test, which forces the bad interleaving, against the bug (or the fix, or
 * the sync twin). */
#include "gallery_ext.h"

#include <limits.h>
#include <stdio.h>

static const char expose_help[] =
    "usage: gallery expose NN [--fix|--sync]\n"
    "Runs the scenario's deterministic Criterion test against the bug\n"
    "(default), the fix or the sync twin. The test forces the bad\n"
    "interleaving with the scheduler, so against the bug it fails every\n"
    "time and names the violated invariant.\n"
    "Exit: 0 the test passed, 1 it failed (the bug is exposed), 3 it could "
    "not run.\n";

static const struct option expose_opts[] = {GOPT_SYNC_ENTRY, GOPT_BUG_ENTRY,
                                            GOPT_FIX_ENTRY, GOPT_HELP_ENTRY,
                                            GOPT_END_ENTRY};

int gallery_cmd_expose(int argc, char **argv) {
  struct gallery_opts o;
  const struct scenario *s;
  char test[PATH_MAX], *targv[2] = {test, NULL};
  int rc;
  struct child c = {0};

  gallery_opts_begin(&o, "expose", expose_help, expose_opts, GOPT_SCENARIO,
                     argc, argv);
  if ((rc = gallery_opt_next(&o)) != GOPT_END)
    return rc == GOPT_HELP ? 0 : 2;
  s = o.s;
  gallery_path_of(test, sizeof test, "tests", s, gallery_variants[o.variant]);
  if ((rc = gallery_need_file(test)) != 0)
    return rc;
  printf("%s== expose %02d-%s against the %s: %s%s\n", gallery_paint("\033[1m"),
         s->id, s->slug, gallery_variants[o.variant],
         o.variant == 1 ? "the forced schedule must make it FAIL"
                        : "the same test must PASS",
         gallery_paint("\033[0m"));
  c.timeout_s = EXPOSE_LIMIT_S;
  rc = gallery_run(targv, &c);
  if (rc == 0) {
    printf("%sPASSED%s: the invariant held under every forced schedule\n",
           gallery_paint("\033[32m"), gallery_paint("\033[0m"));
    return 0;
  }
  if (rc == 1) {
    printf("%sFAILED%s: the forced schedule broke the invariant (read the "
           "assertion above)\n",
           gallery_paint("\033[31m"), gallery_paint("\033[0m"));
    return 1;
  }
  fprintf(stderr, "gallery: %s: %s\n", test, gallery_outcome(rc));
  return 3;
}
