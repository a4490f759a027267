/* tour.c -- `gallery tour`: a guided walk through every scenario (the
 * sync twin, the bug's natural runs, a short PCT hunt, the forced
 * failure, the fix), then a table. Hunts run through build/hunt, whose
 * JSON summary is read with jansson. */
#include "gallery_ext.h"

#include <jansson.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What one build/hunt said, read from its --json summary. runs < 0: no
 * summary (why is in err). */
struct hunt_result {
  int rc; /* hunt's exit status */
  int runs, fails;
  long first; /* the first failing run's index, -1 when none */
  char stopped[32];
  double elapsed_s;
  int setup_code; /* nonzero: a run failed to set up (setup_line) */
  char setup_line[160];
  char err[160];
};

struct tour_row {
  const struct scenario *s;
  int sync_rc;
  double sync_ms;
  struct hunt_result bug, pct, fix;
  int expose_rc;
  int fix_rc;
  double fix_ms;
};

/* The first line of text, into buf. */
static void first_line(const char *text, char *buf, size_t len) {
  size_t n = text ? strcspn(text, "\n") : 0;
  snprintf(buf, len, "%.*s", (int)n, text ? text : "");
}

/* Reads hunt's JSON summary (one format, one parser: jansson). */
static int read_hunt_json(const char *path, struct hunt_result *h) {
  json_error_t e;
  json_t *j = json_load_file(path, 0, &e), *v;

  if (j == NULL) {
    snprintf(h->err, sizeof h->err, "no summary from hunt (%.100s)", e.text);
    return -1;
  }
  h->runs = (int)json_integer_value(json_object_get(j, "runs"));
  h->fails = (int)json_integer_value(json_object_get(j, "failures"));
  h->elapsed_s = json_number_value(json_object_get(j, "elapsed_s"));
  snprintf(h->stopped, sizeof h->stopped, "%s",
           json_is_string(v = json_object_get(j, "stopped"))
               ? json_string_value(v)
               : "");
  v = json_object_get(j, "first_failure");
  if (json_is_object(v))
    h->first = (long)json_integer_value(json_object_get(v, "run"));
  v = json_object_get(j, "setup_error");
  if (json_is_object(v)) {
    json_t *line = json_object_get(v, "line");
    h->setup_code = (int)json_integer_value(json_object_get(v, "code"));
    if (h->setup_code == 0)
      h->setup_code = 3;
    snprintf(h->setup_line, sizeof h->setup_line, "%s",
             json_is_string(line) ? json_string_value(line) : "");
  }
  json_decref(j);
  return 0;
}

/* Runs build/hunt on one variant with a time budget and reads its JSON
 * summary into *h. */
static void tour_hunt(const struct scenario *s, int variant,
                      const char *perturb, int runs, int count_all,
                      unsigned timeout, unsigned max_time,
                      struct hunt_result *h) {
  char prog[PATH_MAX], json[PATH_MAX], runs_s[16], to_s[16], max_s[16];
  char *hargv[24];
  struct child c = {0};
  int n = 0;

  memset(h, 0, sizeof *h);
  h->runs = -1;
  h->first = -1;
  gallery_path_of(prog, sizeof prog, "bin", s, gallery_variants[variant]);
  if (gallery_need_file(prog) != 0 || gallery_need_file("build/hunt") != 0) {
    h->rc = 3;
    snprintf(h->err, sizeof h->err, "not built: run make first");
    return;
  }
  if (gallery_tmp_path(json, sizeof json, "hunt.json") != 0) {
    h->rc = 3;
    snprintf(h->err, sizeof h->err, "no temporary directory");
    return;
  }
  unlink(json); /* never read the previous hunt's summary */
  snprintf(runs_s, sizeof runs_s, "%d", runs);
  snprintf(to_s, sizeof to_s, "%u", timeout);
  snprintf(max_s, sizeof max_s, "%u", max_time);
  hargv[n++] = "build/hunt";
  hargv[n++] = "--quiet";
  hargv[n++] = "--runs";
  hargv[n++] = runs_s;
  hargv[n++] = "--timeout";
  hargv[n++] = to_s;
  hargv[n++] = "--max-time";
  hargv[n++] = max_s;
  hargv[n++] = "--setup-codes";
  hargv[n++] = "2,3";
  hargv[n++] = "--perturb";
  hargv[n++] = (char *)perturb;
  hargv[n++] = "--json";
  hargv[n++] = json;
  if (count_all)
    hargv[n++] = "--count-all";
  hargv[n++] = "--";
  hargv[n++] = prog;
  hargv[n] = NULL;
  c.quiet = 2;
  c.grace_s = HUNT_GRACE_S;
  /* hunt keeps its own budget; this limit only catches a hunt that does
   * not. */
  c.timeout_s = (double)max_time + timeout + 30;
  h->rc = gallery_run(hargv, &c);
  if (h->rc == RC_HANG)
    snprintf(h->err, sizeof h->err, "hunt did not stop within %.0f s",
             c.timeout_s);
  else if (read_hunt_json(json, h) != 0 && c.out && c.out[0])
    first_line(c.out, h->err, sizeof h->err); /* hunt's own message */
  free(c.out);
}

/* One hunt's result in words: "failed 2 of 20 runs", or why there is no
 * verdict. Returns 1 when there is a verdict. */
static int hunt_words(const struct hunt_result *h, char *buf, size_t len) {
  if (h->setup_code) {
    snprintf(buf, len, "no verdict: a run failed to set up (exit %d): %s",
             h->setup_code, h->setup_line);
    return 0;
  }
  if (h->runs < 0) {
    snprintf(buf, len, "no verdict: %s",
             h->err[0] ? h->err : gallery_outcome(h->rc));
    return 0;
  }
  if (h->runs == 0) {
    snprintf(buf, len, "no verdict: 0 runs in %.0f s", h->elapsed_s);
    return 0;
  }
  snprintf(buf, len, "failed %d of %d runs%s", h->fails, h->runs,
           strcmp(h->stopped, "max-time") == 0 ? " (its time budget ran out)"
                                               : "");
  return 1;
}

static const char tour_help[] =
    "usage: gallery tour [--all] [--runs N] [--max-time SEC]\n"
    "A guided walk through every scenario: the sync twin, the bug's\n"
    "natural runs (N, default 20), a short PCT hunt (at most 20 runs),\n"
    "the forced failure, and the fix (N runs). Each hunt stops after SEC\n"
    "seconds (default 20; at least its per-run time limit plus 5 s, so a\n"
    "run can finish) and says how many runs it made. On a terminal, Enter\n"
    "goes to the next scenario and q stops; with --all (or when stdin is\n"
    "not a terminal) it runs straight through. Ends with a table.\n"
    "Exit: 0 when every sync twin and fix held and every bug was exposed,\n"
    "1 when one did not, 3 when a row has no verdict (0 runs, a setup\n"
    "failure).\n";

/* The tour's PCT hunt per scenario: enough for every bug to fail within
 * it, short enough for a tour. */
#define TOUR_PCT_RUNS 20

enum { OPT_ALL = GOPT_OPTION, OPT_RUNS, OPT_MAX_TIME };

static const struct option tour_opts[] = {
    {"all", no_argument, NULL, OPT_ALL},
    {"runs", required_argument, NULL, OPT_RUNS},
    {"max-time", required_argument, NULL, OPT_MAX_TIME},
    GOPT_HELP_ENTRY,
    GOPT_END_ENTRY};

struct tour {
  int all;    /* run straight through */
  int runs;   /* natural runs of the bug and the fix */
  int budget; /* seconds per hunt */
  struct tour_row rows[64];
  int nrows, bad, unknown;
};

/* Reads tour's command line into *t. Returns 0, 2 on a usage error, or
 * -1 after printing the help. */
static int tour_parse(struct tour *t, int argc, char **argv) {
  struct gallery_opts o;
  int c;

  gallery_opts_begin(&o, "tour", tour_help, tour_opts, 0, argc, argv);
  while ((c = gallery_opt_next(&o)) > 0) {
    if (c == OPT_ALL)
      t->all = 1;
    else if (c == OPT_RUNS &&
             gallery_count_arg("tour", "--runs", o.arg, 1, 10000, &t->runs))
      return 2;
    else if (c == OPT_MAX_TIME && gallery_count_arg("tour", "--max-time", o.arg,
                                                    1, 86400, &t->budget))
      return 2;
  }
  return gallery_opts_result(c);
}

/* Runs a program once (output discarded) and returns its status; *ms is
 * how long it took. */
static int tour_once(const char *prog, double timeout_s, double *ms) {
  char *cargv[] = {(char *)prog, NULL};
  struct child c = {0};
  int rc;

  c.quiet = 1;
  c.timeout_s = timeout_s;
  rc = gallery_need_file(prog) ? 3 : gallery_run(cargv, &c);
  if (ms)
    *ms = c.elapsed_s * 1e3;
  return rc;
}

/* The bug's PCT hunt, in words. */
static void tour_pct_line(struct tour *t, const struct hunt_result *h) {
  char words[256];

  if (!hunt_words(h, words, sizeof words)) {
    t->unknown = 1;
    printf("   bug, PCT:         %s\n", words);
  } else if (h->first >= 0) {
    printf("   bug, PCT:         failed at run %ld\n", h->first + 1);
  } else {
    printf("   bug, PCT:         no failure in %d runs%s\n", h->runs,
           strcmp(h->stopped, "max-time") == 0 ? " (its time budget ran out)"
                                               : "");
  }
}

/* One scenario's stop on the tour, into r. */
static void tour_scenario(struct tour *t, const struct scenario *s,
                          struct tour_row *r) {
  /* A bug's hang costs at most 5 s, so the tour stays short; the fix
   * gets the scenario's whole time limit, so that a slow run on a busy
   * machine is not mistaken for a hang. */
  unsigned full = (unsigned)s->hunt_timeout;
  unsigned to, max_bug, max_fix, budget = (unsigned)t->budget;
  char words[256], prog[PATH_MAX];

  full = full < 1 ? 1 : full;
  to = full > 5 ? 5 : full;
  max_bug = budget > to + 5 ? budget : to + 5;
  max_fix = budget > full + 5 ? budget : full + 5;
  memset(r, 0, sizeof *r);
  r->s = s;
  printf("\n%s== %02d-%s: %s%s\n   %s.\n", gallery_paint("\033[1m"), s->id,
         s->slug, s->title, gallery_paint("\033[0m"), s->wrong);
  gallery_path_of(prog, sizeof prog, "bin", s, gallery_variants[0]);
  r->sync_rc = tour_once(prog, full, &r->sync_ms);
  printf("   sync twin:        %s (%.1f ms)\n", gallery_outcome(r->sync_rc),
         r->sync_ms);
  tour_hunt(s, 1, "none", t->runs, 1, to, max_bug, &r->bug);
  t->unknown |= !hunt_words(&r->bug, words, sizeof words);
  printf("   bug, natural:     %s\n", words);
  tour_hunt(s, 1, "pct", TOUR_PCT_RUNS, 0, to, max_bug, &r->pct);
  tour_pct_line(t, &r->pct);
  gallery_path_of(prog, sizeof prog, "tests", s, gallery_variants[1]);
  r->expose_rc = tour_once(prog, EXPOSE_LIMIT_S, NULL);
  printf("   bug, forced:      deterministic test %s\n",
         r->expose_rc == 1 ? "FAILED, as it must"
                           : gallery_outcome(r->expose_rc));
  tour_hunt(s, 2, "none", t->runs, 1, full, max_fix, &r->fix);
  t->unknown |= !hunt_words(&r->fix, words, sizeof words);
  gallery_path_of(prog, sizeof prog, "bin", s, gallery_variants[2]);
  r->fix_rc = tour_once(prog, full, &r->fix_ms);
  printf("   fix:              %s (one run %.1f ms: %s)\n", words, r->fix_ms,
         gallery_outcome(r->fix_rc));
  printf("   next: build/gallery compare %02d, then %s\n", s->id, s->chapter);
  t->bad |= r->sync_rc != 0 || r->expose_rc != 1 || r->fix.fails != 0 ||
            r->fix_rc != 0;
}

/* One row of the closing table. */
static void tour_table_row(const struct tour_row *r) {
  char name[40], sync[32], bugrate[32], pct[32], fix[200], words[160];

  snprintf(name, sizeof name, "%02d-%s", r->s->id, r->s->slug);
  snprintf(sync, sizeof sync, "%s %.1f ms", r->sync_rc ? "FAIL" : "ok",
           r->sync_ms);
  if (hunt_words(&r->bug, words, sizeof words))
    snprintf(bugrate, sizeof bugrate, "%d/%d", r->bug.fails, r->bug.runs);
  else
    snprintf(bugrate, sizeof bugrate, "no verdict");
  if (!hunt_words(&r->pct, words, sizeof words))
    snprintf(pct, sizeof pct, "no verdict");
  else if (r->pct.first >= 0)
    snprintf(pct, sizeof pct, "run %ld", r->pct.first + 1);
  else
    snprintf(pct, sizeof pct, "none in %d", r->pct.runs);
  if (!hunt_words(&r->fix, words, sizeof words))
    snprintf(fix, sizeof fix, "%s", words);
  else
    snprintf(fix, sizeof fix, "%s %d/%d, %.1f ms",
             r->fix.fails || r->fix_rc ? "FAIL" : "ok", r->fix.fails,
             r->fix.runs, r->fix_ms);
  printf("%-22s %-15s %-13s %-12s %-8s %s\n", name, sync, bugrate, pct,
         r->expose_rc == 1 ? "fails" : "PASSES?!", fix);
}

/* The legend first: the rows use these words without defining them, and
 * PCT is only explained in chapter 21. */
static void tour_legend(int runs) {
  printf("How to read each scenario:\n"
         "  bug, natural  %d plain run%s, real threads and I/O: "
         "failures/runs\n"
         "  bug, PCT      %d runs, the scheduler shuffling who goes next at "
         "held steps\n"
         "  bug, forced   the test scripts the bad order; it must fail "
         "every time\n"
         "  \"PCT to fail\": the first PCT run that failed (PCT is "
         "explained in chapter 21)\n",
         runs, runs == 1 ? "" : "s", TOUR_PCT_RUNS);
}

/* On a terminal, Enter goes on and q stops. Returns 1 to stop. */
static int tour_pause(void) {
  char line[16] = "";
  printf("   [Enter: next scenario, q: stop] ");
  fflush(stdout);
  return fgets(line, sizeof line, stdin) == NULL || line[0] == 'q';
}

int gallery_cmd_tour(int argc, char **argv) {
  static struct tour t;
  double t0 = gallery_now_s();
  int rc;

  memset(&t, 0, sizeof t);
  t.all = !isatty(0);
  t.runs = 20;
  t.budget = 20;
  if ((rc = tour_parse(&t, argc, argv)) != 0)
    return rc < 0 ? 0 : rc;
  tour_legend(t.runs);
  for (int i = 0; i < gallery_nscenarios && t.nrows < 64; i++) {
    tour_scenario(&t, &gallery_scenarios[i], &t.rows[t.nrows++]);
    if (!t.all && i + 1 < gallery_nscenarios && tour_pause())
      break;
  }
  printf("\n%-22s %-15s %-13s %-12s %-8s %s\n", "scenario", "sync ok/time",
         "bug natural", "PCT to fail", "expose", "fix ok/time");
  for (int i = 0; i < t.nrows; i++)
    tour_table_row(&t.rows[i]);
  printf("tour: %d scenarios in %.0f s\n", t.nrows, gallery_now_s() - t0);
  if (t.unknown && !t.bad)
    fprintf(stderr, "gallery: tour: a row has no verdict (see the table)\n");
  return t.bad ? 1 : t.unknown ? 3 : 0;
}
