/* json.c -- hunt's summary as JSON (--json), the machine interface that
 * gallery, the tables and hunt --merge read. */
#include "hunt_internal.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The directory part of path, for checking that a file can be made there. */
void hunt__dir_of(const char *path, char *buf, size_t cap) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(buf, cap, ".");
  else if (slash == path)
    snprintf(buf, cap, "/");
  else
    snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

/* The command, the runs and the failures by kind, into j. */
static void json_counts(const struct hunt *h, json_t *j) {
  const struct hunt_result *r = &h->r;
  char sn[24];
  json_t *cmd = json_array();
  for (char *const *a = h->argv; *a; a++)
    json_array_append_new(cmd, json_string(*a));
  json_object_set_new(j, "command", cmd);
  json_object_set_new(j, "runs", json_integer(r->runs));
  json_object_set_new(j, "failures", json_integer(r->failures));
  json_object_set_new(j, "stopped", json_string(h->stop_reason));
  json_object_set_new(j, "interrupted", json_boolean(r->interrupted));
  json_object_set_new(
      j, "kinds",
      json_pack("{s:I,s:I,s:I,s:I}", "exit", (json_int_t)r->exits, "signal",
                (json_int_t)r->signals, "hang", (json_int_t)r->hangs, "match",
                (json_int_t)r->matches));
  json_t *codes = json_object();
  for (int c = 1; c < 256; c++)
    if (r->exit_codes[c]) {
      char k[16];
      snprintf(k, sizeof k, "%d", c);
      json_object_set_new(codes, k, json_integer(r->exit_codes[c]));
    }
  json_object_set_new(j, "exit_codes", codes);
  json_t *sigs = json_object();
  for (int s = 1; s < 65; s++)
    if (r->by_signal[s])
      json_object_set_new(sigs, hunt__signame(s, sn, sizeof sn),
                          json_integer(r->by_signal[s]));
  json_object_set_new(j, "signals", sigs);
}

/* The rate, the schedule, and the verdict (first failure, setup error,
 * bound), into j. */
static void json_verdict(const struct hunt *h, json_t *j) {
  const struct hunt_opts *o = h->o;
  const struct hunt_result *r = &h->r;
  char buf[32];
  if (r->runs > 0) {
    double lo, hi;
    hunt_wilson(r->failures, r->runs, Z95, &lo, &hi);
    json_object_set_new(j, "rate",
                        json_real((double)r->failures / (double)r->runs));
    json_object_set_new(j, "ci95", json_pack("[f,f]", lo, hi));
  } else {
    json_object_set_new(j, "rate", json_null());
    json_object_set_new(j, "ci95", json_null());
  }
  const char *sched = hunt__schedule_text(h, buf, sizeof buf);
  json_object_set_new(j, "perturbation",
                      hunt__perturbed(o)
                          ? json_pack("{s:s,s:s,s:b,s:I,s:I,s:I,s:I}", "spec",
                                      sched, "via", hunt__via_text(h),
                                      "preload", o->preload, "active_runs",
                                      (json_int_t)r->active_runs, "exact_runs",
                                      (json_int_t)r->exact_runs, "sched_runs",
                                      (json_int_t)r->sched_runs, "preload_runs",
                                      (json_int_t)r->preload_runs)
                          : json_null());
  if (r->first_fail_run >= 0)
    json_object_set_new(
        j, "first_failure",
        json_pack("{s:I,s:I,s:s,s:s?,s:s,s:b,s:s,s:s}", "run",
                  (json_int_t)r->first_fail_run, "seed",
                  (json_int_t)r->first_fail_seed, "kind", h->first_kind,
                  "schedule", h->first_sched, "replay",
                  h->first_replay ? h->first_replay : "", "replay_exact",
                  r->first_fail_exact, "replay_kind",
                  hunt__replay_kind(h, r->first_fail_exact, r->first_fail_via),
                  "stderr_first_line", h->first_err1));
  else
    json_object_set_new(j, "first_failure", json_null());
  json_object_set_new(j, "setup_error",
                      r->setup_error
                          ? json_pack("{s:i,s:s}", "code", r->setup_error,
                                      "line", h->setup_line)
                          : json_null());
  json_object_set_new(j, "identical_failures", json_boolean(r->identical));
  json_object_set_new(j, "zero_fail_bound95",
                      r->failures == 0 && r->runs > 0
                          ? json_real(hunt_zero_fail_bound(r->runs, 0.95))
                          : json_null());
}

/* The advice to claim a fix, the seed, the speed and the memory, into j. */
static void json_advice(const struct hunt *h, json_t *j) {
  const struct hunt_opts *o = h->o;
  const struct hunt_result *r = &h->r;
  double p = o->bug_rate;
  const char *src = "bug-rate";
  if (!(p > 0) && r->failures > 0) {
    p = (double)r->failures / (double)r->runs;
    src = "measured";
  }
  json_object_set_new(
      j, "claim_fix",
      p > 0 ? json_pack("{s:f,s:s,s:I,s:I}", "p", p, "source", src, "runs95",
                        (json_int_t)hunt_runs_to_claim_fix(p, 0.95), "runs99",
                        (json_int_t)hunt_runs_to_claim_fix(p, 0.99))
            : json_null());
  /* Seeds stay within 0..2^63-1 (spec.h), so json_int_t holds them. */
  json_object_set_new(j, "base_seed", json_integer((json_int_t)r->base_seed));
  json_object_set_new(j, "elapsed_s", json_real(r->elapsed_s));
  json_object_set_new(
      j, "runs_per_s",
      json_real(r->elapsed_s > 0 ? r->runs / r->elapsed_s : 0.0));
  json_object_set_new(j, "jobs", json_integer(o->jobs));
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  json_object_set_new(j, "max_rss_kib", json_integer(ru.ru_maxrss));
}

/* Writes the JSON summary to a temporary file beside the target and
 * renames it, so a failed write never leaves half a file. */
int hunt__write_json(struct hunt *h) {
  const struct hunt_opts *o = h->o;
  json_t *j = json_object();
  json_counts(h, j);
  json_verdict(h, j);
  json_advice(h, j);
  char tmp[PATH_MAX];
  int rc = -1;
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%ld", o->json_path,
                       (long)getpid()) < sizeof tmp) {
    rc = json_dump_file(j, tmp, JSON_INDENT(2));
    if (rc == 0 && rename(tmp, o->json_path) != 0)
      rc = -1;
    if (rc != 0)
      unlink(tmp);
  }
  json_decref(j);
  if (rc != 0) {
    fprintf(stderr, "%s: --json: cannot write %s\n", o->progname, o->json_path);
    return -1;
  }
  return 0;
}
