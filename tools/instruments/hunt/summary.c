/* summary.c -- what hunt prints: the progress line while it runs and the
 * text summary at the end. */
#include "hunt_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void hunt__progress(struct hunt *h, double now, int final) {
  if (h->o->quiet)
    return;
  if (final) {
    if (h->tty && h->progress_len > 0)
      fprintf(stderr, "\r%*s\r", h->progress_len, "");
    return;
  }
  if (now < h->next_progress)
    return;
  h->next_progress = now + (h->tty ? 0.1 : 5.0);
  double el = now - h->t0;
  char line[160];
  int len = snprintf(line, sizeof line,
                     "%s: %ld runs, %ld failures (%.2f%%), %.1f s, %.1f runs/s",
                     h->o->progname, h->r.runs, h->r.failures,
                     h->r.runs ? 100.0 * h->r.failures / h->r.runs : 0.0, el,
                     el > 0 ? h->r.runs / el : 0.0);
  if (h->tty) {
    int pad = h->progress_len > len ? h->progress_len - len : 0;
    fprintf(stderr, "\r%s%*s", line, pad, "");
    h->progress_len = len;
  } else {
    fprintf(stderr, "%s\n", line);
  }
  fflush(stderr);
}

/* The schedule in effect: o->schedule itself, or "pct:SEED:3" (a seed
 * per run) written in buf. */
const char *hunt__schedule_text(const struct hunt *h, char *buf, size_t cap) {
  const struct hunt_opts *o = h->o;
  if (o->schedule)
    return o->schedule;
  else if (o->perturb == HUNT_PERTURB_RANDOM)
    snprintf(buf, cap, "random:SEED");
  else if (o->perturb == HUNT_PERTURB_PCT)
    snprintf(buf, cap, "pct:SEED:%d", o->pct_depth);
  else if (o->perturb == HUNT_PERTURB_POS)
    snprintf(buf, cap, "pos:SEED");
  else
    snprintf(buf, cap, "none");
  return buf;
}

const char *hunt__via_text(const struct hunt *h) {
  const struct hunt_result *r = &h->r;
  if (r->sched_runs > 0 && r->preload_runs > 0)
    return "the workbook's scheduler and the preload shim";
  if (r->preload_runs > 0)
    return "preload shim";
  if (r->sched_runs > 0)
    return "the workbook's scheduler";
  return "no scheduler";
}

/* The command, the schedule, and the runs and failures by kind. */
static void print_counts(const struct hunt *h, FILE *f) {
  const struct hunt_opts *o = h->o;
  const struct hunt_result *r = &h->r;
  char sn[24], buf[32];
  fprintf(f, "%s: command:", o->progname);
  for (char *const *a = h->argv; *a; a++) {
    char q[256];
    size_t need = hunt_shell_quote(q, sizeof q, *a);
    fprintf(f, " %s%s", q, need >= sizeof q ? "..." : "");
  }
  fprintf(f, "\n");
  const char *sched = hunt__schedule_text(h, buf, sizeof buf);
  if (hunt__perturbed(o))
    fprintf(f, "schedule:      %s via %s, active in %ld of %ld runs\n", sched,
            hunt__via_text(h), r->active_runs, r->runs);
  else
    fprintf(f, "schedule:      none (natural runs: the OS decides)\n");
  fprintf(f, "runs:          %ld (stopped: %s)\n", r->runs, h->stop_reason);
  fprintf(f, "failures:      %ld\n", r->failures);
  fprintf(f, "  exit:        %ld", r->exits);
  int first = 1;
  for (int c = 1; c < 256; c++)
    if (r->exit_codes[c]) {
      fprintf(f, "%scode %d: %ld", first ? " (" : ", ", c, r->exit_codes[c]);
      first = 0;
    }
  fprintf(f, "%s\n", first ? "" : ")");
  fprintf(f, "  signal:      %ld", r->signals);
  first = 1;
  for (int sig = 1; sig < 65; sig++)
    if (r->by_signal[sig]) {
      fprintf(f, "%s%s: %ld", first ? " (" : ", ",
              hunt__signame(sig, sn, sizeof sn), r->by_signal[sig]);
      first = 0;
    }
  fprintf(f, "%s\n", first ? "" : ")");
  fprintf(f, "  hang:        %ld", r->hangs);
  if (o->timeout_s > 0)
    fprintf(f, " (stopped after --timeout %g s)", o->timeout_s);
  fprintf(f, "\n  match:       %ld%s\n", r->matches,
          o->fail_on ? " (--fail-on)" : "");
}

/* The rate and its interval, and the verdict: the first failure and its
 * replay, the bound after clean runs, or why there is none. */
static void print_verdict(const struct hunt *h, FILE *f) {
  const struct hunt_opts *o = h->o;
  const struct hunt_result *r = &h->r;
  if (r->runs > 0) {
    double lo, hi;
    hunt_wilson(r->failures, r->runs, Z95, &lo, &hi);
    fprintf(f,
            "failure rate:  %.2f%% (95%% Wilson interval %.2f%% .. %.2f%%)\n",
            100.0 * r->failures / r->runs, 100.0 * lo, 100.0 * hi);
  }
  if (o->until_fail && r->failures > 0)
    fprintf(f, "               (stopped at the first failure: run with "
               "--count-all to measure the rate)\n");
  if (r->setup_error) {
    fprintf(f,
            "no verdict:    a run exited %d, a setup failure "
            "(--setup-codes): %s\n",
            r->setup_error, h->setup_line[0] ? h->setup_line : "(no stderr)");
  } else if (r->first_fail_run >= 0) {
    fprintf(f, "first failure: run %ld, seed %llu: %s\n", r->first_fail_run,
            r->first_fail_seed, h->first_kind);
    if (h->first_replay)
      fprintf(f, "replay:        %s  # %s\n", h->first_replay,
              hunt__replay_kind(h, r->first_fail_exact, r->first_fail_via));
  } else if (r->runs > 0) {
    fprintf(f,
            "no failure:    the rate is below %.3g%% at 95%% confidence "
            "(1 - 0.05^(1/%ld); rule of three: 3/N)%s\n",
            100.0 * hunt_zero_fail_bound(r->runs, 0.95), r->runs,
            hunt__perturbed(o) && r->active_runs < r->runs
                ? ", counting runs without the schedule too"
                : "");
  } else {
    fprintf(f, "no verdict:    no run completed\n");
  }
  if (r->identical)
    fprintf(f,
            "warning:       every run failed identically (%s: %s) -- this "
            "looks like a setup error, not the bug; if that exit code means "
            "the command could not run, say so with --setup-codes\n",
            h->same_kind, h->same_err1[0] ? h->same_err1 : "no stderr");
  else if (r->failures > 0 && r->first_fail_run == 0 && r->runs == 1)
    fprintf(f,
            "note:          the very first run failed (%s: %s); if that "
            "is a setup problem, hunt cannot tell (see --setup-codes)\n",
            h->first_kind, h->first_err1[0] ? h->first_err1 : "no stderr");
}

/* Speed, the seed to rerun, and the clean runs needed to claim a fix. */
static void print_advice(const struct hunt *h, FILE *f) {
  const struct hunt_opts *o = h->o;
  const struct hunt_result *r = &h->r;
  fprintf(f, "speed:         %.1f runs/s (%.2f s, %d jobs)\n",
          r->elapsed_s > 0 ? r->runs / r->elapsed_s : 0.0, r->elapsed_s,
          o->jobs);
  fprintf(f, "seed:          %llu (rerun these seeds with --seed %llu: %s)\n",
          r->base_seed, r->base_seed,
          !hunt__perturbed(o) ? "natural runs, the seed steers nothing"
          : r->exact_runs > 0 && r->exact_runs == r->runs
              ? "exact replay"
              : "perturbation only, reproduces sometimes");
  double p = o->bug_rate;
  const char *src = "--bug-rate";
  if (!(p > 0) && r->failures > 0 && r->runs > 0) {
    p = (double)r->failures / r->runs;
    src = "measured";
  }
  if (p > 0)
    fprintf(f,
            "to claim a fix: %ld consecutive clean runs for 95%% confidence, "
            "%ld for 99%% (bug rate %.3g%%, %s)\n",
            hunt_runs_to_claim_fix(p, 0.95), hunt_runs_to_claim_fix(p, 0.99),
            100.0 * p, src);
}

void hunt__print_summary(struct hunt *h, FILE *f) {
  print_counts(h, f);
  print_verdict(h, f);
  print_advice(h, f);
}
