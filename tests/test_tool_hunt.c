/* test_tool_hunt.c -- unit tests of the hunt library: its statistics, its
 * option parser, its shell quoting and hunt_run() on tiny commands. The
 * robustness tests (crashes, hangs, floods, Ctrl-C) are in tests/hunt.sh. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hunt.h"

#define Z95 1.959963984540054

/* The Wilson interval for k of n: contains the observed rate, stays in
 * [0, 1], and narrows as n grows at the same rate. */
Test(hunt_stats, wilson_contains_estimate_and_narrows) {
  long ks[] = {0, 1, 25, 50, 99, 100};
  for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
    double lo, hi;
    hunt_wilson(ks[i], 100, Z95, &lo, &hi);
    double p = ks[i] / 100.0;
    cr_assert(lo <= p && p <= hi, "k=%ld: [%g, %g] misses %g", ks[i], lo, hi,
              p);
    cr_assert(lo >= 0.0 && hi <= 1.0, "k=%ld: [%g, %g]", ks[i], lo, hi);
  }
  double lo1, hi1, lo2, hi2;
  hunt_wilson(25, 100, Z95, &lo1, &hi1);
  hunt_wilson(250, 1000, Z95, &lo2, &hi2);
  cr_assert_lt(hi2 - lo2, hi1 - lo1);
}

/* The Wilson bounds are the two roots of |p - phat| = z sqrt(p(1-p)/n):
 * check the defining equation rather than a copied figure. */
Test(hunt_stats, wilson_bounds_solve_the_score_equation) {
  long k = 37, n = 211;
  double lo, hi, ph = (double)k / n;
  hunt_wilson(k, n, Z95, &lo, &hi);
  double dl = fabs(ph - lo) - Z95 * sqrt(lo * (1 - lo) / n);
  double dh = fabs(hi - ph) - Z95 * sqrt(hi * (1 - hi) / n);
  cr_assert_lt(fabs(dl), 1e-12);
  cr_assert_lt(fabs(dh), 1e-12);
}

/* After n clean runs the bound u satisfies (1-u)^n = 0.05, and is close to
 * the rule of three (3/n) for large n. */
Test(hunt_stats, zero_failure_bound) {
  long ns[] = {1, 10, 300, 100000};
  for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
    double u = hunt_zero_fail_bound(ns[i], 0.95);
    cr_assert_lt(fabs(pow(1 - u, (double)ns[i]) - 0.05), 1e-9, "n=%ld", ns[i]);
  }
  double u = hunt_zero_fail_bound(100000, 0.95);
  cr_assert_lt(fabs(u * 100000 / 3.0 - 1.0), 0.01);
}

/* n clean runs are enough and n-1 are not: (1-p)^n <= 1-c < (1-p)^(n-1). */
Test(hunt_stats, runs_to_claim_fix_is_the_least_sufficient) {
  double ps[] = {0.5, 0.25, 0.1, 0.01, 0.001};
  double cs[] = {0.95, 0.99};
  for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
    for (size_t j = 0; j < 2; j++) {
      long n = hunt_runs_to_claim_fix(ps[i], cs[j]);
      cr_assert_gt(n, 0);
      cr_assert_leq(pow(1 - ps[i], (double)n), 1 - cs[j] + 1e-12);
      cr_assert_gt(pow(1 - ps[i], (double)(n - 1)), 1 - cs[j]);
    }
  cr_assert_eq(hunt_runs_to_claim_fix(0.0, 0.95), -1);
}

static int parse(struct hunt_opts *o, const char *const *words) {
  char *argv[32];
  int argc = 0;
  argv[argc++] = "hunt";
  for (; *words; words++)
    argv[argc++] = (char *)*words;
  argv[argc] = NULL;
  hunt_opts_default(o);
  return hunt_parse_args(argc, argv, o);
}

Test(hunt_args, good_options_are_parsed) {
  struct hunt_opts o;
  const char *w[] = {"--runs",    "40",   "--count-all", "--jobs=3",
                     "--timeout", "1.5",  "--perturb",   "pct:7",
                     "--seed",    "99",   "--fail-on",   "ERR",
                     "--",        "prog", "arg",         NULL};
  int i = parse(&o, w);
  cr_assert_eq(i, 14);
  cr_assert_eq(o.runs, 40);
  cr_assert_eq(o.until_fail, 0);
  cr_assert_eq(o.jobs, 3);
  cr_assert_lt(fabs(o.timeout_s - 1.5), 1e-12);
  cr_assert_eq(o.perturb, HUNT_PERTURB_PCT);
  cr_assert_eq(o.pct_depth, 7);
  cr_assert_eq(o.seed, 99ULL);
  cr_assert_eq(o.seed_set, 1);
  cr_assert_str_eq(o.fail_on, "ERR");
}

Test(hunt_args, bad_options_are_refused) {
  const char *bad[][5] = {
      {"--runs", "-1", "--", "true", NULL},
      {"--jobs", "0", "--", "true", NULL},
      {"true", NULL},
      {"--", NULL},
      {"--nope", "--", "true", NULL},
      {"--perturb", "pc", "--", "x", NULL},
      {"--seed", "-3", "--", "true", NULL},
      {"--timeout", "-1", "--", "x", NULL},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct hunt_opts o;
    cr_assert_eq(parse(&o, bad[i]), -1, "case %zu (%s) was accepted", i,
                 bad[i][0]);
  }
}

/* A quoted word, given to sh, comes back unchanged. */
Test(hunt_quote, round_trips_through_sh) {
  const char *words[] = {"plain", "two words", "it's", "$HOME `x` \"q\" \\",
                         "",      "*?[a]",     NULL};
  for (int i = 0; words[i]; i++) {
    char q[256], cmd[300], got[256] = "";
    size_t n = hunt_shell_quote(q, sizeof q, words[i]);
    cr_assert_lt(n, sizeof q);
    snprintf(cmd, sizeof cmd, "printf '%%s' %s", q);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t len = fread(got, 1, sizeof got - 1, p);
    got[len] = '\0';
    pclose(p);
    cr_assert_str_eq(got, words[i], "quoted as %s", q);
  }
}

Test(hunt_quote, reports_needed_length_when_truncated) {
  char q[4];
  size_t n = hunt_shell_quote(q, sizeof q, "a b c");
  cr_assert_eq(n, strlen("'a b c'"));
  cr_assert_eq(strlen(q), 3);
}

static struct hunt_opts quiet_opts(long runs, int count_all) {
  struct hunt_opts o;
  hunt_opts_default(&o);
  o.runs = runs;
  o.until_fail = !count_all;
  o.quiet = 1;
  o.jobs = 2;
  o.seed = 500;
  o.seed_set = 1;
  /* The summary is checked by tests/hunt.sh; keep this log readable. */
  static FILE *devnull;
  if (!devnull)
    devnull = fopen("/dev/null", "w");
  o.out = devnull;
  return o;
}

Test(hunt_run, clean_command_returns_0) {
  struct hunt_opts o = quiet_opts(10, 1);
  struct hunt_result r;
  char *argv[] = {"true", NULL};
  cr_assert_eq(hunt_run(&o, argv, &r), 0);
  cr_assert_eq(r.runs, 10);
  cr_assert_eq(r.failures, 0);
  cr_assert_eq(r.first_fail_run, -1);
}

Test(hunt_run, failing_runs_are_classified) {
  struct hunt_opts o = quiet_opts(12, 1);
  struct hunt_result r;
  /* Run i: i%3==0 exits 4, i%3==1 is killed by SIGTERM, else clean. */
  char *argv[] = {"sh", "-c",
                  "case $((HUNT_RUN % 3)) in 0) exit 4;; 1) kill -TERM $$;; "
                  "esac; exit 0",
                  NULL};
  cr_assert_eq(hunt_run(&o, argv, &r), 1);
  cr_assert_eq(r.runs, 12);
  cr_assert_eq(r.exits, 4);
  cr_assert_eq(r.exit_codes[4], 4);
  cr_assert_eq(r.signals, 4);
  cr_assert_eq(r.failures, 8);
  cr_assert_eq(r.first_fail_run, 0);
  cr_assert_eq(r.first_fail_seed, 500ULL);
}

Test(hunt_run, until_fail_stops_at_the_first_failure) {
  struct hunt_opts o = quiet_opts(0, 0);
  o.jobs = 1;
  struct hunt_result r;
  char *argv[] = {"sh", "-c", "test $HUNT_RUN -lt 3", NULL};
  cr_assert_eq(hunt_run(&o, argv, &r), 1);
  cr_assert_eq(r.runs, 4);
  cr_assert_eq(r.first_fail_run, 3);
  cr_assert_eq(r.first_fail_seed, 503ULL);
}

Test(hunt_run, unrunnable_command_returns_2) {
  struct hunt_opts o = quiet_opts(3, 1);
  char *argv[] = {"/nonexistent/hunt-test-program", NULL};
  cr_assert_eq(hunt_run(&o, argv, NULL), 2);
}
