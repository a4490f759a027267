/* hunt.c -- `gallery hunt NN`: build/hunt on one variant of a scenario,
 * with the scenario's presets (its time limit, the setup exit codes). */
#include "gallery_ext.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char hunt_help[] =
    "usage: gallery hunt NN [--bug|--fix|--sync] [--runs N] [--jobs J]\n"
    "                       [--perturb none|random|pct[:DEPTH]] [--seed S]\n"
    "                       [--timeout SEC] [other build/hunt options]\n"
    "Runs one variant (default --bug) until it fails, with build/hunt and\n"
    "the scenario's presets; prints the failure rate with a 95% interval.\n"
    "A run that exits 2 or 3 (usage, setup) stops the hunt: it is not the "
    "bug.\n"
    "See build/hunt --help for every option.\n";

/* The options other than the variant are build/hunt's, and build/hunt
 * reads them (one parser, one set of messages): the gallery only takes
 * the scenario and the variant, and looks for the two presets it would
 * otherwise add. Returns the number of words in hargv, or -2 (usage). */
static int hunt_args(int argc, char **argv, char **hargv, int cap, int *variant,
                     const struct scenario **s) {
  const char *given = NULL;
  int n = 0;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int v = -1;
    for (int k = 0; k < 3; k++)
      if (strncmp(a, "--", 2) == 0 && strcmp(a + 2, gallery_variants[k]) == 0)
        v = k;
    if (v >= 0 && given && strcmp(given, a) != 0)
      return gallery_usage("hunt", "%s and %s: choose one variant", given, a);
    if (v >= 0) {
      given = a;
      *variant = v;
    } else if (strcmp(a, "--") == 0) {
      return gallery_usage("hunt", "NN runs the scenario itself; use "
                                   "build/hunt -- CMD for other commands"),
             -2;
    } else if (*s == NULL && i == 1 && a[0] != '-') {
      if ((*s = gallery_find(a)) == NULL)
        return fprintf(stderr,
                       "gallery: unknown scenario '%s' "
                       "(build/gallery list shows them)\n",
                       a),
               -2;
    } else if (n >= cap) {
      return gallery_usage("hunt", "too many options"), -2;
    } else {
      hargv[n++] = argv[i];
    }
  }
  return n;
}

int gallery_cmd_hunt(int argc, char **argv) {
  const struct scenario *s = NULL;
  char prog[PATH_MAX], *hargv[80], timeout[16];
  int variant = 1, n, has_timeout = 0, has_codes = 0, rc;
  struct child c = {0};

  if (argc > 1 && strcmp(argv[1], "--help") == 0)
    return fputs(hunt_help, stdout), 0;
  hargv[0] = "build/hunt";
  if ((n = hunt_args(argc, argv, hargv + 1, 70, &variant, &s)) < 0)
    return 2;
  if (s == NULL) {
    fprintf(stderr, "gallery: hunt needs a scenario (e.g. 01 or "
                    "log-order)\n");
    return 2;
  }
  if ((rc = gallery_need_file(hargv[0])) != 0)
    return rc;
  n++;
  for (int i = 1; i < n; i++) {
    has_timeout |= strcmp(hargv[i], "--timeout") == 0;
    has_codes |= strcmp(hargv[i], "--setup-codes") == 0;
  }
  if (!has_timeout) {
    hargv[n++] = "--timeout";
    snprintf(timeout, sizeof timeout, "%d", s->hunt_timeout);
    hargv[n++] = timeout;
  }
  /* The workbook's programs exit 2 on usage and 3 on setup failure:
   * neither is the bug. */
  if (!has_codes) {
    hargv[n++] = "--setup-codes";
    hargv[n++] = "2,3";
  }
  gallery_path_of(prog, sizeof prog, "bin", s, gallery_variants[variant]);
  if ((rc = gallery_need_file(prog)) != 0)
    return rc;
  hargv[n++] = "--";
  hargv[n++] = prog;
  hargv[n] = NULL;
  fprintf(stderr, "gallery: hunting %02d-%s (%s)\n", s->id, s->slug,
          gallery_variants[variant]);
  c.keep_env = 1;
  c.grace_s = HUNT_GRACE_S;
  rc = gallery_run(hargv, &c);
  return gallery_exit(rc);
}
