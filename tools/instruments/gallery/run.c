/* run.c -- `gallery run NN`: one variant of a scenario, once, with its
 * invariant checked; under a schedule, with its log kept, and stopped
 * and explained when it makes no progress. */
#include "gallery_ext.h"
#include "spec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char run_help[] =
    "usage: gallery run NN [--sync|--bug|--fix] [--seed S] [--schedule SPEC]\n"
    "                      [--log FILE] [-- PROGRAM-ARGS...]\n"
    "Runs one variant of a scenario once (default --bug) and checks its\n"
    "invariant. --schedule holds the threadpool's requests and releases them\n"
    "in the order SPEC says (fifo, lifo, random:SEED, order:...); --seed S is\n"
    "short for --schedule random:S. --log FILE keeps the run's log (JSON\n"
    "Lines); a variant that logs nothing itself (the bugs) gets the\n"
    "scheduler's record of the run instead, marked as such (SCHED_LOG).\n"
    "Arguments after -- go to the scenario program (try -- --help).\n"
    "A run gets the scenario's time limit (gallery show NN): one that makes\n"
    "no progress for that long is stopped and reported as a hang.\n"
    "Exit: 0 invariant held, 1 bug observed (or a hang), 2 usage, 3 setup\n"
    "failure.\n";

enum { OPT_LOG = GOPT_OPTION, OPT_SCHEDULE, OPT_SEED };

static const struct option run_opts[] = {
    GOPT_SYNC_ENTRY,
    GOPT_BUG_ENTRY,
    GOPT_FIX_ENTRY,
    {"log", required_argument, NULL, OPT_LOG},
    {"schedule", required_argument, NULL, OPT_SCHEDULE},
    {"seed", required_argument, NULL, OPT_SEED},
    GOPT_HELP_ENTRY,
    GOPT_END_ENTRY};

struct run_args {
  struct gallery_opts o;
  const char *log;   /* --log as typed, or NULL */
  const char *sched; /* --schedule, or --seed's random:S, or NULL */
  char seedsched[64];
};

/* --seed S is --schedule random:S. Returns 0 or 2. */
static int take_seed(struct run_args *a) {
  const char *v = a->o.arg;
  char *end;
  unsigned long long seed;

  errno = 0;
  seed = strtoull(v, &end, 10);
  if (errno || end == v || *end || v[0] == '-')
    return gallery_usage("run",
                         "--seed wants a non-negative number, got "
                         "'%s'",
                         v);
  snprintf(a->seedsched, sizeof a->seedsched, "random:%llu", seed);
  a->sched = a->seedsched;
  return 0;
}

/* Reads run's command line into *a. Returns 0, 2 on a usage error, or -1
 * after printing the help. */
static int run_parse(struct run_args *a, int argc, char **argv) {
  struct spec sp;
  char err[256];
  int c;

  gallery_opts_begin(&a->o, "run", run_help, run_opts, GOPT_SCENARIO, argc,
                     argv);
  while ((c = gallery_opt_next(&a->o)) > 0) {
    if (c == OPT_LOG) {
      a->log = a->o.arg;
      continue;
    }
    if (a->sched)
      return gallery_usage("run", "--seed and --schedule: give one "
                                  "schedule");
    if (c == OPT_SCHEDULE)
      a->sched = a->o.arg;
    else if (take_seed(a) != 0)
      return 2;
  }
  if (c != GOPT_END)
    return gallery_opts_result(c);
  /* The one grammar (tools/runtime/sched/spec.h): refused here, before a
   * run. */
  if (a->sched && spec_parse(a->sched, &sp, err, sizeof err) != 0) {
    fprintf(stderr, "gallery: run: %s (see tools/runtime/sched/spec.h)\n", err);
    return 2;
  }
  return 0;
}

/* What a run that stopped at its time limit means, said once, after the
 * program's own output. */
static void explain_hang(const struct scenario *s, int variant,
                         const char *sched, double limit) {
  fprintf(stderr, "gallery: no progress for %.0f s: ", limit);
  if (s->hang && variant == 1) {
    fprintf(stderr, "%s.\n", s->hang);
    if (sched)
      fprintf(stderr, "gallery: the scheduler's report above names what "
                      "each thread waits for.\n");
    else
      fprintf(stderr,
              "gallery: to see the waits-for cycle, run it under the "
              "scheduler,\n         whose watchdog reports it:\n"
              "           build/gallery run %02d --bug --schedule %s\n"
              "           build/gallery expose %02d\n",
              s->id, s->compare_schedule, s->id);
    return;
  }
  fprintf(stderr,
          "the run was stopped. This variant is not expected to "
          "hang;\n         a very busy machine can be this slow: "
          "try again, or\n           build/gallery hunt %02d --%s\n",
          s->id, gallery_variants[variant]);
}

int gallery_cmd_run(int argc, char **argv) {
  struct run_args a = {0};
  const struct scenario *s;
  char prog[PATH_MAX], logbuf[PATH_MAX * 2], *cargv[64];
  char schedlog[PATH_MAX];
  const char *logp = NULL;
  int n = 0, i, rc;
  struct child c = {0};

  if ((rc = run_parse(&a, argc, argv)) != 0)
    return rc < 0 ? 0 : rc;
  s = a.o.s;
  gallery_path_of(prog, sizeof prog, "bin", s, gallery_variants[a.o.variant]);
  if ((rc = gallery_need_file(prog)) != 0)
    return rc;
  cargv[n++] = prog;
  if (a.log) {
    const char *path = gallery_user_path(a.log, logbuf, sizeof logbuf);
    if ((rc = gallery_check_output("run", "--log", a.log, path)) != 0)
      return rc;
    cargv[n++] = "--log";
    cargv[n++] = (char *)path;
    /* A variant that logs nothing gets the scheduler's record instead. */
    if ((rc = gallery_tmp_path(schedlog, sizeof schedlog, "sched.jsonl")))
      return rc;
    gallery_schedlog_begin(schedlog);
    logp = path;
  }
  for (i = a.o.rest; i < argc && n < 62; i++)
    cargv[n++] = argv[i];
  cargv[n] = NULL;
  fprintf(stderr, "gallery: %02d-%s (%s)%s%s\n", s->id, s->slug,
          gallery_variants[a.o.variant], a.sched ? " under schedule " : "",
          a.sched ? a.sched : "");
  c.sched = a.sched ? a.sched : getenv("SCHED");
  c.timeout_s = (double)s->hunt_timeout;
  rc = gallery_run(cargv, &c);
  if (logp)
    gallery_schedlog_end(logp, schedlog, a.log, 0);
  if (rc == RC_HANG)
    explain_hang(s, a.o.variant, c.sched, c.timeout_s);
  else if (rc > 128 || rc == RC_NORUN)
    fprintf(stderr, "gallery: %s: %s\n", prog, gallery_outcome(rc));
  return gallery_exit(rc);
}
