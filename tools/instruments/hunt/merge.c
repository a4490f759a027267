/* merge.c -- `hunt --merge A.json B.json ...`: one failure rate and
 * interval from the --json summaries of many hunts (a workshop's laptops,
 * or one machine's several sessions). Runs and failures are summed; the
 * interval is computed again from the sums, never averaged. Hunts of
 * different commands or perturbations measure different things and are
 * refused unless --force. */
#include "hunt.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define Z95 1.959963984540054

static const char merge_help[] =
    "usage: hunt --merge [--force] [--json OUT] A.json B.json ...\n"
    "Adds up the runs and failures of hunts written with --json and prints\n"
    "one failure rate with its 95% interval (Wilson), or, with no failure,\n"
    "the bound the runs together give. Hunts of different commands or\n"
    "perturbations are refused (exit 2) unless --force. --json OUT writes\n"
    "the merged summary (runs, failures, rate, ci95, zero_fail_bound95,\n"
    "command, perturbation.spec, sources), which can be merged again.\n"
    "Exit: 0 no failure in any run, 1 failures seen, 2 usage or bad input.\n";

/* The command as one string: the argv array joined by blanks. */
static void command_text(json_t *cmd, char *buf, size_t cap) {
  size_t i, at = 0;
  json_t *v;
  buf[0] = '\0';
  json_array_foreach(cmd, i, v) {
    const char *w = json_string_value(v);
    at += (size_t)snprintf(buf + at, at < cap ? cap - at : 0, "%s%s",
                           i ? " " : "", w ? w : "?");
    if (at >= cap)
      break;
  }
}

int hunt_merge_main(int argc, char **argv) {
  const char *out = NULL, *first = NULL;
  char cmd0[2048] = "", spec0[256] = "";
  long runs = 0, fails = 0;
  int force = 0, nfiles = 0;
  json_t *sources = json_array();
  double lo, hi;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    json_error_t e;
    json_t *j, *r, *f, *c, *p;
    char cmd[2048], spec[256];

    if (strcmp(a, "--help") == 0) {
      fputs(merge_help, stdout);
      json_decref(sources);
      return 0;
    }
    if (strcmp(a, "--force") == 0) {
      force = 1;
      continue;
    }
    if (strcmp(a, "--json") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "hunt: --merge: --json needs a file name\n");
        goto usage;
      }
      out = argv[++i];
      continue;
    }
    if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "hunt: --merge: unknown option '%s' (try hunt --merge "
                      "--help)\n", a);
      goto usage;
    }
    if ((j = json_load_file(a, 0, &e)) == NULL) {
      fprintf(stderr, "hunt: --merge: %s:%d: %s\n", a, e.line, e.text);
      goto usage;
    }
    r = json_object_get(j, "runs");
    f = json_object_get(j, "failures");
    c = json_object_get(j, "command");
    if (!json_is_integer(r) || !json_is_integer(f) || !json_is_array(c) ||
        json_integer_value(r) < 0 || json_integer_value(f) < 0 ||
        json_integer_value(f) > json_integer_value(r)) {
      fprintf(stderr, "hunt: --merge: %s:1: not a hunt summary (it wants "
                      "\"runs\", \"failures\" <= runs and \"command\", as "
                      "hunt --json writes them)\n", a);
      json_decref(j);
      goto usage;
    }
    command_text(c, cmd, sizeof cmd);
    p = json_object_get(json_object_get(j, "perturbation"), "spec");
    snprintf(spec, sizeof spec, "%s",
             json_is_string(p) ? json_string_value(p) : "none");
    if (first == NULL) {
      first = a;
      snprintf(cmd0, sizeof cmd0, "%s", cmd);
      snprintf(spec0, sizeof spec0, "%s", spec);
    } else if (!force && (strcmp(cmd, cmd0) != 0 ||
                          strcmp(spec, spec0) != 0)) {
      fprintf(stderr,
              "hunt: --merge: %s hunted '%s' (perturbation %s) but %s hunted "
              "'%s' (perturbation %s): different hunts measure different "
              "rates (--force merges them anyway)\n",
              a, cmd, spec, first, cmd0, spec0);
      json_decref(j);
      goto usage;
    }
    runs += (long)json_integer_value(r);
    fails += (long)json_integer_value(f);
    json_array_append_new(sources, json_string(a));
    nfiles++;
    json_decref(j);
  }
  if (nfiles == 0) {
    fprintf(stderr, "hunt: --merge needs at least one hunt summary (hunt "
                    "--json FILE writes one)\n");
    goto usage;
  }
  printf("hunt: merged %d hunt%s of %s (perturbation %s)%s\n", nfiles,
         nfiles == 1 ? "" : "s", cmd0, spec0,
         force ? " (--force: commands or perturbations may differ)" : "");
  if (runs == 0) {
    printf("no verdict:    no run in any hunt\n");
  } else {
    hunt_wilson(fails, runs, Z95, &lo, &hi);
    printf("failures:      %ld of %ld runs (%.3g%%, 95%% interval "
           "%.3g%%-%.3g%%)\n",
           fails, runs, 100.0 * (double)fails / (double)runs, 100.0 * lo,
           100.0 * hi);
    if (fails == 0)
      printf("no failure:    the rate is below %.3g%% at 95%% confidence "
             "(1 - 0.05^(1/%ld))\n",
             100.0 * hunt_zero_fail_bound(runs, 0.95), runs);
  }
  if (out) {
    json_t *m = json_object(), *pt = json_object(), *ci = json_array();
    json_t *argvj = json_array();
    /* The command as one word per blank, as hunt writes its argv. */
    char tmp[2048], *save = NULL;
    snprintf(tmp, sizeof tmp, "%s", cmd0);
    for (char *w = strtok_r(tmp, " ", &save); w; w = strtok_r(NULL, " ",
                                                              &save))
      json_array_append_new(argvj, json_string(w));
    json_object_set_new(m, "command", argvj);
    json_object_set_new(m, "runs", json_integer(runs));
    json_object_set_new(m, "failures", json_integer(fails));
    json_object_set_new(m, "rate", json_real(runs ? (double)fails / runs
                                                  : 0.0));
    if (runs) {
      json_array_append_new(ci, json_real(lo));
      json_array_append_new(ci, json_real(hi));
    }
    json_object_set_new(m, "ci95", ci);
    json_object_set_new(m, "zero_fail_bound95",
                        runs && !fails
                            ? json_real(hunt_zero_fail_bound(runs, 0.95))
                            : json_null());
    json_object_set_new(pt, "spec", json_string(spec0));
    json_object_set_new(m, "perturbation", pt);
    json_object_set_new(m, "merged", json_integer(nfiles));
    json_object_set_new(m, "forced", json_boolean(force));
    json_object_set_new(m, "sources", sources);
    sources = NULL;
    if (json_dump_file(m, out, JSON_INDENT(2)) != 0) {
      fprintf(stderr, "hunt: --merge: cannot write %s\n", out);
      json_decref(m);
      return 3;
    }
    json_decref(m);
  }
  json_decref(sources);
  if (fflush(stdout) != 0)
    return 3;
  return runs == 0 ? 3 : fails > 0;
usage:
  json_decref(sources);
  return 2;
}
