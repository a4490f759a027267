/* try.c -- `gallery try NN`: grade a learner's own fix. --start copies the
 * bug's async.c to a work place; `try NN [FILE]` builds FILE with the
 * scenario's driver and deterministic test (tools/instruments/gallery/try.mk:
 * the Makefile's own flags and objects) and prints a verdict card: the forced
 * schedules (strict scripts, k of k), a PCT hunt, ASan+UBSan, TSan, and
 * the diff against the bug and the reference fix.
 * Exit: 0 every check passed, 1 one failed (the card names the schedule
 * that breaks it), 2 usage or a file that does not build, 3 setup. */
#include "gallery_ext.h"
#include "proc.h"
#include "registry.h"

#include <jansson.h>

#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char try_help[] =
    "usage: gallery try NN --start [DIR]\n"
    "       gallery try NN [FILE] [--runs N] [--no-san] [--json OUT]\n"
    "Grade your own fix. --start copies the bug's async.c to DIR/async.c\n"
    "(default build/try/NN-slug/) for you to edit. Then `try NN [FILE]`\n"
    "(default: that copy) builds FILE with the scenario's driver and test,\n"
    "exactly as make builds the fix, and prints a verdict card:\n"
    "  forced schedules  the deterministic test's scripts (strict): k of k\n"
    "  PCT hunt          N runs under pct (default 1000; none failing\n"
    "                    bounds the rate at 1-0.05^(1/N), 0.3% for 1000)\n"
    "  ASan+UBSan        the program built with both, run naturally and\n"
    "                    under the scenario's forced schedule\n"
    "  TSan              the same two runs, built with TSan\n"
    "  diffs             against the bug and against the reference fix\n"
    "--no-san skips the sanitizer builds (the verdict then says \"PASS,\n"
    "sanitizers not run\"). --json OUT also writes the card as JSON, for "
    "collection.\n"
    "Exit: 0 passed, 1 a check failed (the card names the schedule that\n"
    "breaks it), 2 usage or FILE does not build, 3 setup failure.\n";

struct card {
  const struct scenario *s;
  char scen[64];      /* NN-slug */
  char src[PATH_MAX]; /* the learner's file, absolute */
  char out[PATH_MAX]; /* build/try/NN-slug */
  int runs, san;
  int fail, noverdict;
  char breaker[600]; /* the schedule that breaks it, or "" */
  json_t *j;
};

/* Runs argv with stdout and stderr captured together; SCHED, SCHED_LOG and
 * SCENARIO_REPORT are taken out of the environment (extra, a NULL-ended
 * list of NAME=VALUE, if not NULL, is added). Returns the shell-style
 * status, or -1 when it could not start. */
static int run_capture(char *const argv[], char *const *extra, double timeout_s,
                       char **out) {
  struct proc_opts o;
  struct proc_run r;
  static const char *const drop[] = {
      "SCHED=", "SCHED_LOG=", "SCENARIO_REPORT=", NULL};
  char *const none[] = {NULL};
  char *const *add = extra ? extra : none;
  char **env;
  int rc;

  if ((env = gallery_env(drop, add)) == NULL)
    return -1;
  memset(&o, 0, sizeof o);
  memset(&r, 0, sizeof r);
  o.envp = env;
  o.in = PROC_NULL;
  o.out = PROC_PIPE;
  o.err = PROC_MERGE;
  r.capture = 1;
  r.capture_max = 4 << 20;
  r.timeout_s = timeout_s;
  rc = proc_run(argv, &o, &r);
  free(env);
  if (r.interrupted) {
    free(r.out);
    fflush(stdout);
    raise(r.interrupted);
    _exit(128 + r.interrupted);
  }
  if (rc < 0) {
    free(r.out);
    if (out)
      *out = NULL;
    return -1;
  }
  if (out)
    *out = r.out;
  else
    free(r.out);
  if (r.timed_out)
    return 256;
  return proc_shell_status(r.status);
}

static void row(const char *what, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void row(const char *what, const char *fmt, ...) {
  va_list ap;
  printf("  %-26s ", what);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

/* make -f Makefile -f tools/instruments/gallery/try.mk with B, SAN and OPT as
 * given. Returns the status; the output (the compiler's) in *out. */
static int build(struct card *c, const char *b, const char *san,
                 const char *sub, const char *goal, char **out) {
  char scen[96], src[PATH_MAX + 16], dir[PATH_MAX + 32], bb[64], sv[128];
  char *argv[16];
  int n = 0;
  snprintf(scen, sizeof scen, "TRY_SCEN=%s", c->scen);
  snprintf(src, sizeof src, "TRY_SRC=%s", c->src);
  snprintf(dir, sizeof dir, "TRY_OUT=%s/%s", c->out, sub);
  snprintf(bb, sizeof bb, "B=%s", b);
  /* Everything is made from whichever file is tried this time: programs
   * left from an earlier try of another (newer) file must not stand in for
   * it, as make's timestamps alone would let them. */
  static const char *const made[] = {"async.o", "prog", "test"};
  for (int i = 0; i < 3; i++) {
    char old[PATH_MAX + 48];
    snprintf(old, sizeof old, "%s/%s/%s", c->out, sub, made[i]);
    if (unlink(old) != 0 && errno != ENOENT)
      return 3;
  }
  argv[n++] = "make";
  argv[n++] = "--no-print-directory";
  argv[n++] = "-f";
  argv[n++] = "Makefile";
  argv[n++] = "-f";
  argv[n++] = "tools/instruments/gallery/try.mk";
  argv[n++] = bb;
  argv[n++] = scen;
  argv[n++] = src;
  argv[n++] = dir;
  if (san) {
    snprintf(sv, sizeof sv, "SAN=%s", san);
    argv[n++] = sv;
    argv[n++] = "OPT=-O1";
  }
  argv[n++] = (char *)goal;
  argv[n] = NULL;
  return run_capture(argv, NULL, 1200, out);
}

/* Lines added and removed by diff -u a b. */
static void diff_count(const char *a, const char *b, int *plus, int *minus) {
  char *argv[] = {"diff", "-u", (char *)a, (char *)b, NULL}, *out = NULL;
  *plus = *minus = 0;
  run_capture(argv, NULL, 30, &out);
  for (char *p = out; p && *p;) {
    char *nl = strchr(p, '\n');
    if (p[0] == '+' && strncmp(p, "+++", 3) != 0)
      (*plus)++;
    if (p[0] == '-' && strncmp(p, "---", 3) != 0)
      (*minus)++;
    p = nl ? nl + 1 : NULL;
  }
  free(out);
}

/* What the deterministic test's run said, read from its report
 * (SCENARIO_REPORT=FILE, tests/scenario_report.h: a JSON line per violated
 * invariant, and Criterion's counts; one format, one parser: jansson).
 * Not Criterion's own --json: 2.4.1 writes a message's quotes unescaped,
 * and 02's messages quote the requests. */
struct forced_result {
  int tested, passed;
  json_t *first; /* the violation of the first test by name, or NULL: the
                    test processes run at once and report in any order */
};

/* A violation's "SUITE/NAME". */
static const char *test_name(json_t *v) {
  const char *t = json_string_value(json_object_get(v, "test"));
  return t ? t : "";
}

/* Reads the report at path into *f (f->first to be freed by the caller).
 * Returns 0, or -1 when it has no summary: the test did not run to its
 * end. */
static int read_report(const char *path, struct forced_result *f) {
  FILE *in = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  int summary = 0;

  memset(f, 0, sizeof *f);
  if (in == NULL)
    return -1;
  while (getline(&line, &cap, in) > 0) {
    json_t *j = json_loads(line, 0, NULL);
    const char *rec = json_string_value(json_object_get(j, "record"));
    if (rec && strcmp(rec, "summary") == 0) {
      f->tested = (int)json_integer_value(json_object_get(j, "tests"));
      f->passed = (int)json_integer_value(json_object_get(j, "passed"));
      summary = 1;
    } else if (rec && strcmp(rec, "violation") == 0 &&
               (f->first == NULL ||
                strcmp(test_name(j), test_name(f->first)) < 0)) {
      json_decref(f->first);
      f->first = json_incref(j);
    }
    json_decref(j);
  }
  free(line);
  fclose(in);
  return summary ? 0 : -1;
}

/* The schedule that breaks the program, from a violation's record: the
 * schedule its run took (the replay's), else the script it asked for. */
static const char *breaking_schedule(json_t *v) {
  const char *taken = json_string_value(
      json_object_get(json_object_get(v, "replay"), "schedule"));
  const char *asked = json_string_value(json_object_get(v, "schedule"));

  if (taken)
    return taken;
  return asked && strncmp(asked, "order:", 6) == 0 ? asked : NULL;
}

/* The card's rows for a test run that failed: the schedule that breaks
 * the learner's program, with the command that replays it (in the card's
 * JSON as forced.replay: its argv). */
static void forced_failed(struct card *c, const struct forced_result *f,
                          const char *out, json_t *jf) {
  const char *sched = breaking_schedule(f->first);
  const char *msg = json_string_value(json_object_get(f->first, "message"));
  json_t *args = json_object_get(json_object_get(f->first, "replay"), "args");
  char prog[PATH_MAX + 16], words[400] = "";
  size_t i, at = 0;
  json_t *w, *argv;

  row("forced schedules (strict)", "%d of %d passed%s", f->passed, f->tested,
      f->tested ? "" : " (the test did not run: see below)");
  if (sched) {
    snprintf(c->breaker, sizeof c->breaker, "%s", sched);
    snprintf(prog, sizeof prog, "%s/plain/prog", c->out);
    argv = json_pack("[s,s,s]", prog, "--schedule", c->breaker);
    json_array_foreach(args, i, w) {
      json_array_append(argv, w);
      if (at < sizeof words)
        at += (size_t)snprintf(words + at, sizeof words - at, " %s",
                               json_string_value(w));
    }
    row("", "FAILS under schedule %s", c->breaker);
    row("", "replay: %s --schedule '%s'%s", prog, c->breaker, words);
    json_object_set_new(jf, "replay", argv);
  }
  if (msg)
    row("", "%.180s", msg);
  if (!f->tested && out)
    fprintf(stderr, "%s", out);
  c->fail = 1;
}

/* Why a strict script did not fit the program, from the scheduler's
 * recorder (dsched_rec.c): each test process writes its trailer to the
 * log at path, with "mismatch" when its script stopped the run. Returns 1
 * with the first such reason in why, else 0. */
static int script_mismatch(const char *path, char *why, size_t len) {
  FILE *f = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  int found = 0;

  if (f == NULL)
    return 0;
  while (!found && getline(&line, &cap, f) > 0) {
    json_t *j;
    const char *ev, *m;
    j = json_loads(line, 0, NULL);
    ev = json_string_value(json_object_get(j, "ev"));
    m = json_string_value(json_object_get(j, "mismatch"));
    if (ev && strcmp(ev, "trailer") == 0 && m) {
      snprintf(why, len, "%s", m);
      found = 1;
    }
    json_decref(j);
  }
  free(line);
  fclose(f);
  return found;
}

static void forced(struct card *c) {
  char test[PATH_MAX + 16], json[PATH_MAX + 32], renv[PATH_MAX + 48];
  char log[PATH_MAX + 32], env[PATH_MAX + 48], why[300] = "";
  char *argv[2] = {test, NULL}, *out = NULL, *extra[] = {env, renv, NULL};
  struct forced_result f;
  json_t *jf;
  int rc;

  snprintf(test, sizeof test, "%s/plain/test", c->out);
  snprintf(json, sizeof json, "%s/plain/report.jsonl", c->out);
  snprintf(renv, sizeof renv, "SCENARIO_REPORT=%s", json);
  snprintf(log, sizeof log, "%s/plain/sched.jsonl", c->out);
  snprintf(env, sizeof env, "SCHED_LOG=%s", log);
  unlink(json); /* both are appended to: never read an earlier try's */
  unlink(log);
  rc = run_capture(argv, extra, 300, &out);
  read_report(json, &f);
  unlink(json);
  jf = json_pack("{s:i,s:i,s:i}", "tested", f.tested, "passed", f.passed,
                 "exit", rc);
  json_object_set_new(c->j, "forced", jf);
  /* The scheduler refuses a script that does not fit the program before
   * any assertion (its trailer says why): no verdict, not a failure. */
  if (script_mismatch(log, why, sizeof why)) {
    row("forced schedules (strict)",
        "%d of %d passed; a script does not fit your program: %s", f.passed,
        f.tested, why);
    c->noverdict = 1;
  } else if (rc == 0 && f.tested > 0 && f.passed == f.tested) {
    row("forced schedules (strict)", "%d of %d passed", f.passed, f.tested);
  } else {
    forced_failed(c, &f, out, jf);
  }
  json_decref(f.first);
  unlink(log);
  free(out);
}

static void pct_hunt(struct card *c) {
  char prog[PATH_MAX + 16], json[PATH_MAX + 16], runs[16], timeout[16];
  char *argv[24], *out = NULL;
  json_t *h;
  int n = 0, rc;

  snprintf(prog, sizeof prog, "%s/plain/prog", c->out);
  snprintf(json, sizeof json, "%s/hunt.json", c->out);
  snprintf(runs, sizeof runs, "%d", c->runs);
  unlink(json);
  argv[n++] = "build/hunt";
  argv[n++] = "--quiet";
  argv[n++] = "--runs";
  argv[n++] = runs;
  argv[n++] = "--perturb";
  argv[n++] = "pct";
  argv[n++] = "--timeout";
  snprintf(timeout, sizeof timeout, "%d", c->s->hunt_timeout);
  argv[n++] = timeout;
  argv[n++] = "--setup-codes";
  argv[n++] = "2,3";
  argv[n++] = "--json";
  argv[n++] = json;
  argv[n++] = "--";
  argv[n++] = prog;
  argv[n] = NULL;
  rc = run_capture(argv, NULL, 3600, &out);
  h = json_load_file(json, 0, NULL);
  if (h == NULL) {
    row("PCT hunt", "no verdict: hunt wrote no summary (exit %d): %.200s", rc,
        out ? out : "");
    c->noverdict = 1;
  } else {
    long r = (long)json_integer_value(json_object_get(h, "runs"));
    long f = (long)json_integer_value(json_object_get(h, "failures"));
    json_t *ff = json_object_get(h, "first_failure");
    json_t *b = json_object_get(h, "zero_fail_bound95");
    if (f > 0) {
      const char *rep = json_string_value(json_object_get(ff, "replay"));
      const char *sched = json_string_value(json_object_get(ff, "schedule"));
      row("PCT hunt", "FAILED at run %lld of %ld",
          json_integer_value(json_object_get(ff, "run")) + 1, (long)c->runs);
      row("", "replay: %s", rep ? rep : "(none)");
      if (!c->breaker[0] && sched)
        snprintf(c->breaker, sizeof c->breaker, "%s", sched);
      c->fail = 1;
    } else if (r > 0 && json_is_real(b)) {
      row("PCT hunt", "%ld runs, 0 failures: rate below %.2g%% at 95%%", r,
          100.0 * json_real_value(b));
    } else {
      row("PCT hunt", "no verdict: %ld runs", r);
      c->noverdict = 1;
    }
    json_object_set(c->j, "hunt", h);
    json_decref(h);
  }
  free(out);
}

/* The first sanitizer report in out, from where it starts to the end of
 * its line, into first. A sanitizer's report is the only interface it
 * offers: text in its own format on the process's stderr. So this is the
 * one place the gallery matches a program's text, with the one pattern the
 * tree has for it, tools/sanitizer-report.pat (an extended regular
 * expression a line; run-tests.sh and check.sh read it with grep -Ef).
 * Returns 1 when there is a report, 0 when there is none, -1 when the
 * patterns cannot be read (said on stderr). */
static int sanitizer_report(const char *out, char *first, size_t len) {
  static const char pat[] = "tools/sanitizer-report.pat";
  FILE *f = fopen(pat, "r");
  const char *best = NULL;
  char *line = NULL;
  size_t cap = 0;
  long no = 0;
  ssize_t n;
  int rc = 0;

  if (f == NULL) {
    fprintf(stderr, "gallery: try: %s: %s\n", pat, strerror(errno));
    return -1;
  }
  while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
    regex_t re;
    regmatch_t m;
    no++;
    if (line[n - 1] == '\n')
      line[--n] = '\0';
    if (n == 0)
      continue;
    if (regcomp(&re, line, REG_EXTENDED | REG_NEWLINE) != 0) {
      fprintf(stderr, "gallery: try: %s:%ld: not a regular expression\n", pat,
              no);
      rc = -1;
      break;
    }
    if (out && regexec(&re, out, 1, &m, 0) == 0 &&
        (best == NULL || out + m.rm_so < best))
      best = out + m.rm_so;
    regfree(&re);
  }
  free(line);
  fclose(f);
  if (rc < 0 || best == NULL)
    return rc;
  snprintf(first, len, "%.*s", (int)strcspn(best, "\n"), best);
  return 1;
}

/* One sanitizer: builds the program with it and runs it naturally and
 * under the scenario's forced schedule. */
static void sanitizer(struct card *c, const char *name, const char *b,
                      const char *flags, const char *env) {
  char *out = NULL, prog[PATH_MAX + 16], sched[600], first[300];
  char *argv[4];
  int rc, bad = 0, runs = 0, unfit = 0, found;
  json_t *js = json_object();

  rc = build(c, b, flags, name, "try-prog", &out);
  if (rc != 0) {
    row(name, "no verdict: the %s build failed (exit %d)", name, rc);
    if (out)
      fprintf(stderr, "%s", out);
    c->noverdict = 1;
    free(out);
    json_object_set_new(js, "built", json_false());
    json_object_set_new(c->j, name, js);
    return;
  }
  free(out);
  snprintf(prog, sizeof prog, "%s/%s/prog", c->out, name);
  for (int k = 0; k < 2; k++) {
    const char *sc = k ? c->s->compare_schedule : NULL;
    if (k && (sc == NULL || !*sc))
      continue;
    argv[0] = prog;
    argv[1] = NULL;
    if (sc) {
      argv[1] = "--schedule";
      argv[2] = (char *)sc;
      argv[3] = NULL;
    }
    out = NULL;
    rc = run_capture(argv, (char *[]){(char *)env, NULL},
                     (double)c->s->hunt_timeout * 4, &out);
    runs++;
    if ((found = sanitizer_report(out, first, sizeof first)) < 0) {
      row(name, "no verdict: the sanitizer patterns cannot be read");
      c->noverdict = 1;
      bad = -1;
      free(out);
      break;
    }
    if (found) {
      snprintf(sched, sizeof sched, "%s", sc ? sc : "natural");
      row(name, "REPORTS (%s run): %s", sched, first);
      bad = 1;
      free(out);
      break;
    }
    free(out);
    /* A run that stopped as bad input or a setup failure (the bug's
     * script need not fit a fix: exit 2) ran nothing to judge. */
    if (rc == 2 || rc == 3 || rc < 0) {
      runs--;
      if (sc) {
        unfit = 1;
      } else {
        row(name, "no verdict: the natural run exited %d", rc);
        c->noverdict = 1;
        bad = -1;
        break;
      }
    }
  }
  if (!bad)
    row(name, "clean (%d run%s: natural%s%s)%s", runs, runs == 1 ? "" : "s",
        runs > 1 ? ", under " : "", runs > 1 ? c->s->compare_schedule : "",
        unfit ? "; the forced schedule does not fit your program, so it "
                "was not run"
              : "");
  if (bad < 0)
    bad = 0;
  c->fail |= bad;
  json_object_set_new(js, "clean", json_boolean(!bad));
  json_object_set_new(js, "runs", json_integer(runs));
  json_object_set_new(c->j, name, js);
}

static int start(const struct scenario *s, const char *dir_arg) {
  char dir[PATH_MAX], from[PATH_MAX], to[PATH_MAX + 16], *out = NULL;
  char *mk[] = {"mkdir", "-p", dir, NULL}, *cp[] = {"cp", from, to, NULL};
  const char *sd = gallery_start_dir();
  struct stat st;

  if (dir_arg == NULL)
    snprintf(dir, sizeof dir, "build/try/%02d-%s", s->id, s->slug);
  else if (dir_arg[0] == '/' || !sd[0])
    snprintf(dir, sizeof dir, "%s", dir_arg);
  else
    snprintf(dir, sizeof dir, "%s/%s", sd, dir_arg);
  snprintf(from, sizeof from, "bugs/%02d-%s/async.c", s->id, s->slug);
  snprintf(to, sizeof to, "%s/async.c", dir);
  if (stat(to, &st) == 0) {
    fprintf(stderr,
            "gallery: try --start: %s already exists: your edits would be "
            "lost (remove it, or give another DIR)\n",
            to);
    return 2;
  }
  if (run_capture(mk, NULL, 10, &out) != 0 ||
      run_capture(cp, NULL, 10, NULL) != 0) {
    fprintf(stderr, "gallery: try --start: cannot copy %s to %s: %s\n", from,
            to, out ? out : "");
    free(out);
    return 3;
  }
  free(out);
  printf("gallery: your copy of the bug is %s\n"
         "  edit it (the lesson lines are tagged BUG(%02d)), then grade it:\n"
         "    build/gallery try %02d%s%s\n"
         "  undo: copy %s over it again.\n",
         to, s->id, s->id, dir_arg ? " " : "", dir_arg ? to : "", from);
  return 0;
}

enum { OPT_START = GOPT_OPTION, OPT_NO_SAN, OPT_RUNS, OPT_JSON };

static const struct option try_opts[] = {
    {"start", no_argument, NULL, OPT_START},
    {"no-san", no_argument, NULL, OPT_NO_SAN},
    {"runs", required_argument, NULL, OPT_RUNS},
    {"json", required_argument, NULL, OPT_JSON},
    GOPT_HELP_ENTRY,
    GOPT_END_ENTRY};

struct try_args {
  struct gallery_opts o;
  int start;            /* --start: copy the bug (file: where to) */
  const char *file;     /* the word after the scenario, or NULL */
  const char *json_out; /* --json, or NULL */
};

/* Reads try's command line into *a and c's options. Returns 0, 2 on a
 * usage error, or -1 after printing the help. */
static int try_parse(struct try_args *a, struct card *c, int argc,
                     char **argv) {
  int k;

  gallery_opts_begin(&a->o, "try", try_help, try_opts,
                     GOPT_SCENARIO | GOPT_WORDS, argc, argv);
  while ((k = gallery_opt_next(&a->o)) > 0) {
    if (k == GOPT_WORD && a->file)
      return gallery_usage("try", "one file at a time ('%s' and '%s')", a->file,
                           a->o.word);
    if (k == GOPT_WORD)
      a->file = a->o.word;
    else if (k == OPT_START)
      a->start = 1;
    else if (k == OPT_NO_SAN)
      c->san = 0;
    else if (k == OPT_JSON)
      a->json_out = a->o.arg;
    else if (gallery_count_arg("try", "--runs", a->o.arg, 1, 1000000, &c->runs))
      return 2;
  }
  if (k != GOPT_END)
    return gallery_opts_result(k);
  if (a->o.rest < argc)
    return gallery_usage("try", "one file at a time ('%s')", argv[a->o.rest]);
  return 0;
}

/* The learner's file (default: the --start copy), as an absolute path in
 * c->src. Returns 0, or 2 with a message. */
static int try_source(struct card *c, const char *file) {
  char buf[PATH_MAX * 2];
  const char *given;
  struct stat st;

  if (file == NULL) {
    snprintf(buf, sizeof buf, "%s/async.c", c->out);
    given = buf;
  } else {
    given = gallery_user_path(file, buf, sizeof buf);
  }
  if (stat(given, &st) != 0 || !S_ISREG(st.st_mode)) {
    fprintf(stderr, "gallery: try: %s: %s%s\n", file ? file : given,
            stat(given, &st) != 0 ? strerror(errno) : "not a file",
            file ? "" : " (build/gallery try NN --start makes your copy)");
    return 2;
  }
  if (realpath(given, c->src) == NULL) {
    fprintf(stderr, "gallery: try: %s: %s\n", given, strerror(errno));
    return 2;
  }
  return 0;
}

/* The checks after the build: forced schedules, PCT, sanitizers, diffs. */
static void try_checks(struct card *c) {
  char bug[PATH_MAX], fix[PATH_MAX];
  int plus, minus;

  forced(c);
  pct_hunt(c);
  if (c->san) {
    sanitizer(c, "asan", "build/asan",
              "-fsanitize=address,undefined -fno-sanitize-recover=undefined "
              "-fno-omit-frame-pointer",
              "ASAN_OPTIONS=detect_leaks=1:handle_segv=0:abort_on_error=0");
    /* On every scenario, whatever threads the file starts: a fix may
     * bring in the pool or a thread of its own. */
    sanitizer(c, "tsan", "build/tsan", "-fsanitize=thread",
              "TSAN_OPTIONS=halt_on_error=0 exitcode=66 "
              "suppressions=tools/tsan.supp");
  } else {
    row("asan, tsan", "not run (--no-san)");
  }
  snprintf(bug, sizeof bug, "bugs/%s/async.c", c->scen);
  snprintf(fix, sizeof fix, "fixes/%s/async.c", c->scen);
  diff_count(bug, c->src, &plus, &minus);
  row("against the bug", "+%d -%d lines (diff -u %s FILE)", plus, minus, bug);
  json_object_set_new(c->j, "diff_bug",
                      json_pack("{s:i,s:i}", "plus", plus, "minus", minus));
  diff_count(fix, c->src, &plus, &minus);
  row("against the reference fix", "+%d -%d lines (diff -u %s FILE)", plus,
      minus, fix);
  json_object_set_new(c->j, "diff_fix",
                      json_pack("{s:i,s:i}", "plus", plus, "minus", minus));
}

/* The verdict line, and the card as JSON when asked. Returns the exit
 * code. */
static int try_verdict(struct card *c, const char *json_out) {
  char path[PATH_MAX * 2];
  int rc;

  if (c->fail) {
    printf("VERDICT: FAIL%s%s\n", c->breaker[0] ? ": it breaks under " : "",
           c->breaker);
    rc = 1;
  } else if (c->noverdict) {
    printf("VERDICT: NO VERDICT: a check could not run (see above)\n");
    rc = 3;
  } else {
    printf("VERDICT: PASS%s\n",
           c->san ? "" : ", sanitizers not run (--no-san)");
    rc = 0;
  }
  json_object_set_new(c->j, "verdict",
                      json_string(rc == 1        ? "fail"
                                  : c->noverdict ? "no verdict"
                                  : c->san       ? "pass"
                                                 : "pass without sanitizers"));
  json_object_set_new(c->j, "breaks_under",
                      c->breaker[0] ? json_string(c->breaker) : json_null());
  if (json_out) {
    if (json_dump_file(c->j, gallery_user_path(json_out, path, sizeof path),
                       JSON_INDENT(2)) != 0) {
      fprintf(stderr, "gallery: try: cannot write %s\n", json_out);
      rc = rc ? rc : 3;
    }
  }
  return rc;
}

int gallery_cmd_try(int argc, char **argv) {
  static struct card c;
  struct try_args a = {0};
  char *out = NULL;
  int rc;

  memset(&c, 0, sizeof c);
  c.runs = 1000;
  c.san = 1;
  if ((rc = try_parse(&a, &c, argc, argv)) != 0)
    return rc < 0 ? 0 : rc;
  if (a.start)
    return start(a.o.s, a.file);
  c.s = a.o.s;
  snprintf(c.scen, sizeof c.scen, "%02d-%s", c.s->id, c.s->slug);
  snprintf(c.out, sizeof c.out, "build/try/%s", c.scen);
  if ((rc = try_source(&c, a.file)) != 0)
    return rc;
  c.j = json_object();
  json_object_set_new(c.j, "scenario", json_string(c.scen));
  json_object_set_new(c.j, "file", json_string(c.src));
  printf("== try %s: %s%s\n", c.scen, a.file ? a.file : c.out,
         a.file ? "" : "/async.c");
  rc = build(&c, "build", NULL, "plain", "try-build", &out);
  if (rc != 0) {
    row("builds", "NO (make exit %d): the compiler says", rc);
    fprintf(stderr, "%s", out ? out : "");
    free(out);
    json_decref(c.j);
    return 2;
  }
  free(out);
  row("builds", "yes, with the Makefile's flags (-Wall -Wextra -Werror)");
  try_checks(&c);
  rc = try_verdict(&c, a.json_out);
  json_decref(c.j);
  return rc;
}
