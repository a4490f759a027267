/* compare.c -- `gallery compare NN`: bug against fix. Sync, bug and fix
 * run naturally and under the scenario's scripted schedule, side by side
 * (outcomes, elapsed times); then the fix as a diff (fixdiff.c) and the
 * bug's and the fix's timelines under the same schedule, one above the
 * other (and, with --svg, as one picture: pairsvg.c). */
#include "gallery_ext.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char compare_help[] =
    "usage: gallery compare NN [--reps N] [--svg FILE]\n"
    "Bug against fix: runs sync, bug and fix naturally and under the\n"
    "scenario's scripted schedule (N times each, default 5), prints\n"
    "outcomes and elapsed times (median, min-max) side by side, the\n"
    "fix as a diff, and the bug's and the fix's timelines under the\n"
    "same schedule, one above the other. --svg FILE also writes both\n"
    "timelines as one picture.\nExit: 0 when sync and fix held and "
    "the bug was observed under the schedule, 1 otherwise.\n";

enum { OPT_REPS = GOPT_OPTION, OPT_SVG };

static const struct option compare_opts[] = {
    {"reps", required_argument, NULL, OPT_REPS},
    {"svg", required_argument, NULL, OPT_SVG},
    GOPT_HELP_ENTRY,
    GOPT_END_ENTRY};

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The verdict the run's driver wrote to path (GALLERY_VERDICT,
 * bugs/gallery.h), into last, and the file removed; a run that wrote none
 * (it crashed, or was stopped) is said by its status. */
static void run_verdict(const char *path, int rc, char *last, size_t len) {
  FILE *f = fopen(path, "r");
  size_t n = 0;

  if (f) {
    n = fread(last, 1, len - 1, f);
    fclose(f);
    unlink(path);
  }
  last[n] = '\0';
  if (n == 0)
    snprintf(last, len, "no verdict: %s", gallery_outcome(rc));
}

/* Runs one variant `reps` times under sched; prints a row with the outcome
 * counts and the median and min-max elapsed time, and the message of the
 * last run. Returns the number of runs that observed the bug, -1 on setup
 * failure. */
static int compare_row(const struct scenario *s, int variant, const char *sched,
                       int reps) {
  char prog[PATH_MAX], verdict[PATH_MAX], last[512] = "";
  char *cargv[2] = {prog, NULL};
  double t[16];
  int bugs = 0, other = 0;

  gallery_path_of(prog, sizeof prog, "bin", s, gallery_variants[variant]);
  if (gallery_need_file(prog) != 0 ||
      gallery_tmp_path(verdict, sizeof verdict, "verdict.txt") != 0)
    return -1;
  for (int r = 0; r < reps; r++) {
    struct child c = {0};
    c.sched = sched;
    c.verdict = verdict;
    c.quiet = 1;
    c.timeout_s = (double)s->hunt_timeout;
    int rc = gallery_run(cargv, &c);
    t[r] = c.elapsed_s;
    bugs += gallery_exit(rc) == 1;
    other += gallery_exit(rc) > 1;
    run_verdict(verdict, rc, last, sizeof last); /* and the file removed */
    if (rc == RC_HANG)
      snprintf(last, sizeof last, "no progress for %d s: stopped",
               s->hunt_timeout);
  }
  qsort(t, (size_t)reps, sizeof t[0], cmp_double);
  {
    char nb[32], no[32];
    snprintf(nb, sizeof nb, "%d/%d", bugs, reps);
    snprintf(no, sizeof no, "%d/%d", other, reps);
    printf("  %-7s %-9s %s%-6s%s %s%-6s%s %8.2f ms (%.2f-%.2f)\n",
           gallery_variants[variant],
           sched ? (strlen(sched) > 9 ? "forced" : sched) : "natural",
           bugs ? gallery_paint("\033[31m") : "", nb,
           bugs ? gallery_paint("\033[0m") : "",
           other ? gallery_paint("\033[31m") : "", no,
           other ? gallery_paint("\033[0m") : "", t[reps / 2] * 1e3, t[0] * 1e3,
           t[reps - 1] * 1e3);
  }
  /* The table stays 80 columns wide: a long message wraps at a blank,
   * under itself. */
  for (const char *p = last, *tag = "last: "; *p; tag = "      ") {
    size_t n = strlen(p);
    if (n > 64) {
      n = 64;
      while (n > 20 && p[n] != ' ')
        n--;
      if (p[n] != ' ')
        n = 64;
    }
    printf("          %s%.*s\n", tag, (int)n, p);
    p += n;
    p += strspn(p, " ");
  }
  return other ? -1 : bugs;
}

/* Runs one variant under sched with its log in log_path (program output
 * discarded). Returns the program's status. */
static int run_logged(const struct scenario *s, int variant, const char *sched,
                      const char *log_path) {
  char prog[PATH_MAX];
  char *cargv[4] = {prog, "--log", (char *)log_path, NULL};
  char schedlog[PATH_MAX];
  struct child c = {0};
  int rc;

  gallery_path_of(prog, sizeof prog, "bin", s, gallery_variants[variant]);
  if (gallery_need_file(prog) != 0 ||
      gallery_tmp_path(schedlog, sizeof schedlog, "sched.jsonl") != 0)
    return 3;
  c.sched = sched;
  c.quiet = 1;
  c.timeout_s = (double)s->hunt_timeout;
  /* The bug logs nothing itself: its timeline is the scheduler's. */
  gallery_schedlog_begin(schedlog);
  rc = gallery_run(cargv, &c);
  gallery_schedlog_end(log_path, schedlog, log_path, 1);
  return rc;
}

/* A child that died of SIGPIPE wrote to a reader that went away (as in
 * `gallery compare 01 | head`): the gallery ends the same way, quietly,
 * with its files removed, instead of reporting the child as failed. */
static void end_if_reader_gone(int rc) {
  if (rc == 128 + SIGPIPE) {
    fflush(stdout);
    raise(SIGPIPE);
  }
}

/* The forced schedule for variant v (1 bug, 2 fix): the fix's own script
 * where the bug's does not fit it. */
static const char *forced_schedule(const struct scenario *s, int v) {
  return v == 2 && s->compare_fix_schedule ? s->compare_fix_schedule
                                           : s->compare_schedule;
}

struct compare_args {
  struct gallery_opts o;
  int reps;
  const char *svg_arg; /* --svg as typed */
  const char *svg_out; /* where it goes, or NULL */
  char svgbuf[PATH_MAX * 2];
};

/* Reads compare's command line into *a. Returns 0, 2 on a usage error,
 * or -1 after printing the help. */
static int compare_parse(struct compare_args *a, int argc, char **argv) {
  int c;

  a->reps = 5;
  gallery_opts_begin(&a->o, "compare", compare_help, compare_opts,
                     GOPT_SCENARIO, argc, argv);
  while ((c = gallery_opt_next(&a->o)) > 0) {
    if (c == OPT_REPS &&
        gallery_count_arg("compare", "--reps", a->o.arg, 1, 15, &a->reps))
      return 2;
    if (c == OPT_SVG) {
      a->svg_arg = a->o.arg;
      a->svg_out = gallery_user_path(a->svg_arg, a->svgbuf, sizeof a->svgbuf);
      if (gallery_check_output("compare", "--svg", a->svg_arg, a->svg_out))
        return 2;
    }
  }
  return gallery_opts_result(c);
}

/* The outcome table: every variant naturally, then bug and fix forced.
 * Returns 1 when a row is not what the lesson says it must be. */
static int compare_table(const struct scenario *s, int reps) {
  int bad = 0, rc;

  printf("%s== compare %02d-%s: %s%s\n", gallery_paint("\033[1m"), s->id,
         s->slug, s->title, gallery_paint("\033[0m"));
  printf("  %-7s %-9s %-6s %-6s %s\n", "variant", "schedule", "bug", "other",
         "   elapsed median (min-max)");
  for (int v = 0; v < 3; v++) {
    rc = compare_row(s, v, NULL, reps);
    if (rc < 0 || (v != 1 && rc > 0))
      bad = 1;
  }
  /* A schedule longer than its column is named once, whole, so that it
   * can be copied, and the rows call it "forced". */
  if (strlen(s->compare_schedule) > 9)
    printf("  forced: --schedule %s\n", s->compare_schedule);
  if (s->compare_fix_schedule)
    printf("  forced, fix: --schedule %s\n    (the same interleaving; "
           "the bug's script does not fit the fix)\n",
           s->compare_fix_schedule);
  for (int v = 1; v < 3; v++) {
    rc = compare_row(s, v, forced_schedule(s, v), reps);
    if (rc < 0 || (v == 1 ? rc != reps : rc != 0))
      bad = 1;
  }
  return bad;
}

/* One timeline (k 0: the bug, 1: the fix) under its forced schedule:
 * shown, and written as SVG to svg when that is set, with trace's report
 * of it (--json: the picture's size) in json. Returns 3 when no temporary
 * file could be made, 1 when the SVG could not be, else 0. */
static int compare_timeline(const struct scenario *s, int k, const char *svg,
                            const char *json, char *log, size_t loglen) {
  char name[64], *targv[] = {"build/trace", log, NULL};
  int rc;

  snprintf(name, sizeof name, "%02d-%s.jsonl", s->id, k ? "fix" : "bug");
  if (gallery_tmp_path(log, loglen, name) != 0)
    return 3;
  rc = run_logged(s, k + 1, forced_schedule(s, k + 1), log);
  printf("\n%s== timeline of the %s under schedule %s (%s)%s\n",
         gallery_paint("\033[1m"), k ? "fix" : "bug", forced_schedule(s, k + 1),
         gallery_outcome(rc), gallery_paint("\033[0m"));
  if (gallery_need_file(targv[0]) == 0) {
    struct child c = {0};
    c.keep_env = 1;
    rc = gallery_run(targv, &c);
    end_if_reader_gone(rc);
    if (rc > 1)
      printf("  (build/trace could not show this log: %s)\n",
             gallery_outcome(rc));
  }
  if (svg) {
    char *sargv[] = {"build/trace", "--format",   "svg", "-o", (char *)svg,
                     "--json",      (char *)json, log,   NULL};
    struct child c = {0};
    c.keep_env = 1;
    c.quiet = 1;
    if (gallery_run(sargv, &c) > 1)
      return fprintf(stderr, "gallery: no SVG for the %s\n", k ? "fix" : "bug"),
             1;
  }
  return 0;
}

int gallery_cmd_compare(int argc, char **argv) {
  struct compare_args a = {0};
  const struct scenario *s;
  char a_path[PATH_MAX], b_path[PATH_MAX];
  /* The logs are named for what they are: the timeline shows the name. */
  char logs[2][PATH_MAX], svgs[2][PATH_MAX], jsons[2][PATH_MAX], name[64];
  int bad, rc;

  if ((rc = compare_parse(&a, argc, argv)) != 0)
    return rc < 0 ? 0 : rc;
  s = a.o.s;
  bad = compare_table(s, a.reps);
  snprintf(a_path, sizeof a_path, "bugs/%02d-%s/async.c", s->id, s->slug);
  snprintf(b_path, sizeof b_path, "fixes/%02d-%s/async.c", s->id, s->slug);
  if (gallery_fix_diff(s, a_path, b_path) != 0)
    bad = 1;
  /* The timelines: the same schedule, bug above fix. */
  for (int k = 0; k < 2; k++) {
    snprintf(name, sizeof name, "%02d-%s.svg", s->id, k ? "fix" : "bug");
    if (gallery_tmp_path(svgs[k], sizeof svgs[k], name) != 0)
      return 3;
    snprintf(name, sizeof name, "%02d-%s.svg.json", s->id, k ? "fix" : "bug");
    if (gallery_tmp_path(jsons[k], sizeof jsons[k], name) != 0)
      return 3;
    rc = compare_timeline(s, k, a.svg_out ? svgs[k] : NULL, jsons[k], logs[k],
                          sizeof logs[k]);
    if (rc == 3)
      return 3;
    if (rc != 0)
      a.svg_out = NULL;
  }
  if (a.svg_out) {
    const char *const sv[2] = {svgs[0], svgs[1]};
    const char *const js[2] = {jsons[0], jsons[1]};
    if (gallery_pair_svg(a.svg_out, s, sv, js) != 0) {
      fprintf(stderr, "gallery: cannot write %s\n", a.svg_arg);
      bad = 1;
    } else {
      printf("\ngallery: both timelines in %s\n", a.svg_arg);
    }
  }
  return bad;
}
