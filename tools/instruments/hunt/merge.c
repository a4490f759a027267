/* merge.c -- `hunt --merge A.json B.json ...`: one failure rate and
 * interval from the --json summaries of many hunts (a workshop's laptops,
 * or one machine's several sessions). Runs and failures are summed; the
 * interval is computed again from the sums, never averaged. Hunts of
 * different commands or perturbations measure different things and are
 * refused unless --force. */
#include "hunt_internal.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* What the summaries read so far add up to. */
struct merge {
  const char *out;             /* --json OUT, or NULL */
  const char *first;           /* the first summary's file name */
  char cmd0[2048], spec0[256]; /* its command and perturbation */
  long runs, fails;
  int force, nfiles;
  json_t *sources; /* the file names, for --json */
};

/* Adds summary file a to m; -1 after saying why it cannot be added. */
static int merge_file(struct merge *m, const char *a) {
  json_error_t e;
  json_t *j, *r, *f, *c, *p;
  char cmd[2048], spec[256];
  if ((j = json_load_file(a, 0, &e)) == NULL) {
    fprintf(stderr, "hunt: --merge: %s:%d: %s\n", a, e.line, e.text);
    return -1;
  }
  r = json_object_get(j, "runs");
  f = json_object_get(j, "failures");
  c = json_object_get(j, "command");
  if (!json_is_integer(r) || !json_is_integer(f) || !json_is_array(c) ||
      json_integer_value(r) < 0 || json_integer_value(f) < 0 ||
      json_integer_value(f) > json_integer_value(r)) {
    fprintf(stderr,
            "hunt: --merge: %s:1: not a hunt summary (it wants "
            "\"runs\", \"failures\" <= runs and \"command\", as "
            "hunt --json writes them)\n",
            a);
    json_decref(j);
    return -1;
  }
  command_text(c, cmd, sizeof cmd);
  p = json_object_get(json_object_get(j, "perturbation"), "spec");
  snprintf(spec, sizeof spec, "%s",
           json_is_string(p) ? json_string_value(p) : "none");
  if (m->first == NULL) {
    m->first = a;
    snprintf(m->cmd0, sizeof m->cmd0, "%s", cmd);
    snprintf(m->spec0, sizeof m->spec0, "%s", spec);
  } else if (!m->force &&
             (strcmp(cmd, m->cmd0) != 0 || strcmp(spec, m->spec0) != 0)) {
    fprintf(stderr,
            "hunt: --merge: %s hunted '%s' (perturbation %s) but %s hunted "
            "'%s' (perturbation %s): different hunts measure different "
            "rates (--force merges them anyway)\n",
            a, cmd, spec, m->first, m->cmd0, m->spec0);
    json_decref(j);
    return -1;
  }
  m->runs += (long)json_integer_value(r);
  m->fails += (long)json_integer_value(f);
  json_array_append_new(m->sources, json_string(a));
  m->nfiles++;
  json_decref(j);
  return 0;
}

/* Prints the merged rate and interval (into *lo, *hi) or the bound. */
static void merge_print(const struct merge *m, double *lo, double *hi) {
  printf("hunt: merged %d hunt%s of %s (perturbation %s)%s\n", m->nfiles,
         m->nfiles == 1 ? "" : "s", m->cmd0, m->spec0,
         m->force ? " (--force: commands or perturbations may differ)" : "");
  if (m->runs == 0) {
    printf("no verdict:    no run in any hunt\n");
    return;
  }
  hunt_wilson(m->fails, m->runs, Z95, lo, hi);
  printf("failures:      %ld of %ld runs (%.3g%%, 95%% interval "
         "%.3g%%-%.3g%%)\n",
         m->fails, m->runs, 100.0 * (double)m->fails / (double)m->runs,
         100.0 * *lo, 100.0 * *hi);
  if (m->fails == 0)
    printf("no failure:    the rate is below %.3g%% at 95%% confidence "
           "(1 - 0.05^(1/%ld))\n",
           100.0 * hunt_zero_fail_bound(m->runs, 0.95), m->runs);
}

/* Writes the merged summary to m->out; takes m->sources. 0 or exit 3. */
static int merge_write(struct merge *m, double lo, double hi) {
  json_t *j = json_object(), *pt = json_object(), *ci = json_array();
  json_t *argvj = json_array();
  /* The command as one word per blank, as hunt writes its argv. */
  char tmp[2048], *save = NULL;
  snprintf(tmp, sizeof tmp, "%s", m->cmd0);
  for (char *w = strtok_r(tmp, " ", &save); w; w = strtok_r(NULL, " ", &save))
    json_array_append_new(argvj, json_string(w));
  json_object_set_new(j, "command", argvj);
  json_object_set_new(j, "runs", json_integer(m->runs));
  json_object_set_new(j, "failures", json_integer(m->fails));
  json_object_set_new(j, "rate",
                      json_real(m->runs ? (double)m->fails / m->runs : 0.0));
  if (m->runs) {
    json_array_append_new(ci, json_real(lo));
    json_array_append_new(ci, json_real(hi));
  }
  json_object_set_new(j, "ci95", ci);
  json_object_set_new(j, "zero_fail_bound95",
                      m->runs && !m->fails
                          ? json_real(hunt_zero_fail_bound(m->runs, 0.95))
                          : json_null());
  json_object_set_new(pt, "spec", json_string(m->spec0));
  json_object_set_new(j, "perturbation", pt);
  json_object_set_new(j, "merged", json_integer(m->nfiles));
  json_object_set_new(j, "forced", json_boolean(m->force));
  json_object_set_new(j, "sources", m->sources);
  m->sources = NULL;
  int rc = json_dump_file(j, m->out, JSON_INDENT(2)) != 0 ? 3 : 0;
  if (rc)
    fprintf(stderr, "hunt: --merge: cannot write %s\n", m->out);
  json_decref(j);
  return rc;
}

/* The options and files on the command line, into m: 0, 1 for --help
 * (printed), or -1 after an error. */
static int merge_args(int argc, char **argv, struct merge *m) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0) {
      fputs(merge_help, stdout);
      return 1;
    }
    if (strcmp(a, "--force") == 0) {
      m->force = 1;
    } else if (strcmp(a, "--json") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "hunt: --merge: --json needs a file name\n");
        return -1;
      }
      m->out = argv[++i];
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr,
              "hunt: --merge: unknown option '%s' (try hunt --merge "
              "--help)\n",
              a);
      return -1;
    } else if (merge_file(m, a) < 0) {
      return -1;
    }
  }
  if (m->nfiles == 0) {
    fprintf(stderr, "hunt: --merge needs at least one hunt summary (hunt "
                    "--json FILE writes one)\n");
    return -1;
  }
  return 0;
}

int hunt_merge_main(int argc, char **argv) {
  struct merge m = {.sources = json_array()};
  double lo = 0, hi = 1;
  int rc = merge_args(argc, argv, &m);
  if (rc != 0) {
    json_decref(m.sources);
    return rc > 0 ? 0 : 2;
  }
  merge_print(&m, &lo, &hi);
  if (m.out && merge_write(&m, lo, hi) != 0) {
    json_decref(m.sources);
    return 3;
  }
  json_decref(m.sources);
  if (fflush(stdout) != 0)
    return 3;
  return m.runs == 0 ? 3 : m.fails > 0;
}
