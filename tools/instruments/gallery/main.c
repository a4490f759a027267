/* main.c -- build/gallery: list, show, run, hunt, expose, compare, trace and
 * tour the workbook's scenarios. Each variant is its own program under
 * build/bin/ and each deterministic test its own Criterion program under
 * build/tests/; the gallery finds them next to itself and runs them.
 * Exit: 0 ran and the invariant held, 1 the bug was observed, 2 usage or bad
 * input, 3 setup or internal failure. */
#include "gallery_ext.h"
#include "proc.h"
#include "registry.h"
#include "spec.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char build_dir[PATH_MAX]; /* where this program lives: build/ */
static char root_dir[PATH_MAX + 4]; /* the repository: build/.. */
static int color;                /* stdout is a terminal and NO_COLOR unset */

static const char *const variants[] = {"sync", "bug", "fix"};

static int usage_error(const char *fmt, ...) {
  va_list ap;
  fputs("gallery: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs(strchr(fmt, '(') ? "\n" : " (see build/gallery --help)\n", stderr);
  return 2;
}

static const char *paint(const char *code) {
  return color ? code : "";
}

static void locate(void) {
  char *slash;
  ssize_t n = readlink("/proc/self/exe", build_dir, sizeof build_dir - 1);

  if (n <= 0) {
    snprintf(build_dir, sizeof build_dir, "build");
  } else {
    build_dir[n] = '\0';
    slash = strrchr(build_dir, '/');
    if (slash)
      *slash = '\0';
  }
  snprintf(root_dir, sizeof root_dir, "%s/..", build_dir);
  if (chdir(root_dir) != 0) {
    fprintf(stderr, "gallery: cannot enter %s: %s\n", root_dir,
            strerror(errno));
    exit(3);
  }
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Paths are relative to the repository root, where locate() chdirs. */
static void path_of(char *buf, size_t len, const char *dir,
                    const struct scenario *s, const char *variant) {
  snprintf(buf, len, "build/%s/%02d-%s-%s", dir, s->id, s->slug, variant);
}

static int need_file(const char *path) {
  if (access(path, X_OK) == 0)
    return 0;
  fprintf(stderr, "gallery: %s is missing: run make first\n", path);
  return 3;
}

/* ------------------------------------------------------- temporary files
 * Everything the gallery writes for itself goes into one private directory
 * under $TMPDIR (default /tmp), made on first use. Its files are listed
 * here so that a signal handler can remove them: unlink and rmdir are
 * async-signal-safe, walking a directory is not. */
static char tmp_dir[PATH_MAX];
static char tmp_files[16][PATH_MAX];
static volatile sig_atomic_t tmp_nfiles;

static void remove_tmp(void) {
  for (int i = 0; i < tmp_nfiles; i++)
    unlink(tmp_files[i]);
  if (tmp_dir[0])
    rmdir(tmp_dir);
}

/* Sets buf to the path of NAME in the private directory and registers it
 * for removal. Returns 0, or 3 with a message. */
static int tmp_path(char *buf, size_t len, const char *name) {
  if (!tmp_dir[0]) {
    const char *t = getenv("TMPDIR");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/gallery-XXXXXX", t && *t ? t : "/tmp");
    if (mkdtemp(dir) == NULL) {
      fprintf(stderr, "gallery: cannot make a directory in %s: %s\n",
              t && *t ? t : "/tmp", strerror(errno));
      return 3;
    }
    memcpy(tmp_dir, dir, sizeof dir);
  }
  snprintf(buf, len, "%s/%s", tmp_dir, name);
  for (int i = 0; i < tmp_nfiles; i++)
    if (strcmp(tmp_files[i], buf) == 0)
      return 0;
  if (tmp_nfiles >= (int)(sizeof tmp_files / sizeof tmp_files[0])) {
    fprintf(stderr, "gallery: too many temporary files\n");
    return 3;
  }
  snprintf(tmp_files[tmp_nfiles], sizeof tmp_files[0], "%s", buf);
  tmp_nfiles++; /* after the name is complete: the handler may read it */
  return 0;
}

/* SIGINT, SIGTERM, SIGHUP and SIGPIPE (a reader that went away, as in
 * `gallery tour | head -1`) while no child runs: remove the temporary
 * files and die of the signal, so the caller sees what happened. While a
 * child runs, proc_run() has the signals: it stops the child, returns, and
 * run_child() re-raises the signal here. */
static void on_signal(int sig) {
  remove_tmp();
  /* Raised while blocked: delivered, with its default action, when the
   * handler returns. */
  signal(sig, SIG_DFL);
  raise(sig);
}

static void catch_signals(void) {
  struct sigaction sa;
  int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  /* A second signal waits until the files are gone. */
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(&sa.sa_mask, sigs[i]);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaction(sigs[i], &sa, NULL);
  atexit(remove_tmp);
}

/* ------------------------------------------------------------- children */

/* run_child()'s results beyond a child's own exit status: */
#define RC_HANG 256  /* stopped by its time limit */
#define RC_NORUN 127 /* could not be started (a message was printed) */

struct child {
  const char *sched; /* SCHED for the child; NULL: unset */
  int keep_env;      /* 1: the caller's environment as it is */
  int quiet;         /* 0: output inherited, 1: discarded, 2: captured */
  int keep_stdin;    /* 1: stdin inherited; 0: /dev/null */
  double timeout_s;  /* 0: no limit */
  double grace_s;    /* between SIGTERM and SIGKILL; 0: proc's default */
  char *out;         /* quiet == 2: the output (malloc'd), or NULL */
  double elapsed_s;
};

extern char **environ;

/* The caller's environment with SCHED replaced (or removed). */
static char **env_with_sched(const char *sched) {
  static char entry[512];
  size_t n = 0, k = 0;
  char **v;

  for (char **e = environ; *e; e++)
    n++;
  if ((v = calloc(n + 2, sizeof *v)) == NULL)
    return NULL;
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "SCHED=", 6) != 0)
      v[k++] = *e;
  if (sched) {
    snprintf(entry, sizeof entry, "SCHED=%s", sched);
    v[k++] = entry;
  }
  v[k] = NULL;
  return v;
}

/* Runs argv through the one process runner (tools/runtime/proc): its own process
 * group, stdin from /dev/null, stopped with SIGTERM, a grace and SIGKILL
 * at the time limit. Returns the shell-style status, RC_HANG or RC_NORUN.
 * When the gallery is interrupted meanwhile, the child is stopped first
 * and the gallery then dies of the same signal, its files removed. */
static int run_child(char *const argv[], struct child *c) {
  struct proc_opts o;
  struct proc_run r;
  char **envp = NULL;
  int rc;

  /* Our own output first, and while our SIGPIPE handler is in place: a
   * reader that went away ends the gallery here, not in a child. */
  fflush(stdout);
  memset(&o, 0, sizeof o);
  memset(&r, 0, sizeof r);
  if (!c->keep_env && (envp = env_with_sched(c->sched)) == NULL) {
    fprintf(stderr, "gallery: out of memory\n");
    return RC_NORUN;
  }
  o.envp = envp;
  o.in = c->keep_stdin ? PROC_INHERIT : PROC_NULL;
  o.out = o.err = c->quiet == 1 ? PROC_NULL : PROC_INHERIT;
  r.timeout_s = c->timeout_s;
  r.grace_s = c->grace_s;
  r.capture = c->quiet == 2;
  rc = proc_run(argv, &o, &r);
  free(envp);
  c->elapsed_s = r.elapsed_s;
  c->out = r.out;
  if (r.interrupted) {
    free(r.out);
    c->out = NULL;
    remove_tmp();
    fflush(stdout);
    signal(r.interrupted, SIG_DFL);
    raise(r.interrupted);
    _exit(128 + r.interrupted); /* not reached */
  }
  if (rc < 0) {
    fprintf(stderr, "gallery: cannot run %s: %s\n", argv[0],
            strerror(r.spawn_errno ? r.spawn_errno : errno));
    return RC_NORUN;
  }
  if (r.timed_out)
    return RC_HANG;
  return proc_shell_status(r.status);
}

static const char *outcome(int rc) {
  static char buf[64];
  switch (rc) {
  case 0:
    return "ok, invariant held";
  case 1:
    return "BUG OBSERVED";
  case 2:
    return "usage error";
  case 3:
    return "setup failure";
  case RC_NORUN:
    return "could not run";
  case RC_HANG:
    return "HANG (stopped at the time limit)";
  default:
    if (rc > 128) {
      snprintf(buf, sizeof buf, "killed by %s", sigabbrev_np(rc - 128)
                                                    ? sigabbrev_np(rc - 128)
                                                    : "a signal");
      return buf;
    }
    snprintf(buf, sizeof buf, "exit %d", rc);
    return buf;
  }
}

/* Maps a child's status onto the gallery's exit codes: a hang or a death
 * by a signal is the bug observed; a program that could not run is a setup
 * failure. */
static int exit_code(int rc) {
  if (rc == 0 || rc == 1 || rc == 2 || rc == 3)
    return rc;
  return rc == RC_HANG || (rc > 128 && rc < RC_HANG) ? 1 : 3;
}

/* Parses a whole-number option value in [lo, hi]; "5x" or "" is an error
 * naming the option. Returns 0, or 2 after the message. */
static int count_arg(const char *cmd, const char *opt, const char *v, long lo,
                     long hi, int *out) {
  char *end;
  long n;

  errno = 0;
  n = v ? strtol(v, &end, 10) : 0;
  if (v == NULL || errno || end == v || *end || n < lo || n > hi)
    return usage_error("%s: %s wants a whole number from %ld to %ld, got "
                       "'%s'",
                       cmd, opt, lo, hi, v ? v : "");
  *out = (int)n;
  return 0;
}

/* A path the user typed, relative to where the gallery was started (it
 * works from the repository root). */
static char start_dir[PATH_MAX];

const char *gallery_start_dir(void) {
  return start_dir;
}

static const char *user_path(const char *path, char *buf, size_t len) {
  if (path[0] == '/' || !start_dir[0])
    return path;
  snprintf(buf, len, "%s/%s", start_dir, path);
  return buf;
}

/* Checks that a file can be written at path before a program runs for
 * nothing: names the path and what is wrong. Returns 0, or 2. */
static int check_output_path(const char *opt, const char *shown,
                             const char *path) {
  char dir[PATH_MAX];
  struct stat st;
  char *slash;

  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return usage_error("%s %s: is a directory (it wants a file name)", opt,
                         shown);
    if (access(path, W_OK) != 0)
      return usage_error("%s %s: cannot write it (%s)", opt, shown,
                         strerror(errno));
    return 0;
  }
  if (errno != ENOENT)
    return usage_error("%s %s: %s (cannot write it)", opt, shown,
                       strerror(errno));
  snprintf(dir, sizeof dir, "%s", path);
  slash = strrchr(dir, '/');
  if (slash == dir)
    dir[1] = '\0';
  else if (slash)
    *slash = '\0';
  else
    snprintf(dir, sizeof dir, ".");
  if (stat(dir, &st) != 0)
    return usage_error("%s %s: no directory %s to write it in (%s)", opt,
                       shown, dir, strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return usage_error("%s %s: %s is not a directory (cannot write there)",
                       opt, shown, dir);
  if (access(dir, W_OK | X_OK) != 0)
    return usage_error("%s %s: cannot create files in %s (%s)", opt, shown,
                       dir, strerror(errno));
  return 0;
}

/* ---------------------------------------------------------------- list */

static int cmd_list(int argc, char **argv) {
  if (argc > 1)
    return strcmp(argv[1], "--help") == 0
               ? (puts("usage: gallery list\nEvery scenario: id, title, "
                       "chapter, what goes wrong."),
                  0)
               : usage_error("list takes no arguments, got '%s'", argv[1]);
  for (int i = 0; i < gallery_nscenarios; i++) {
    const struct scenario *s = &gallery_scenarios[i];
    printf("%s%02d-%s%s  %s\n    chapter: %s\n    what goes wrong: %s\n",
           paint("\033[1m"), s->id, s->slug, paint("\033[0m"), s->title,
           s->chapter, s->wrong);
  }
  return 0;
}

/* Resolves argv[1] as a scenario, or prints why not. */
static const struct scenario *scenario_arg(int argc, char **argv,
                                           const char *cmd) {
  const struct scenario *s;
  if (argc < 2 || argv[1][0] == '-') {
    usage_error("%s needs a scenario (e.g. 01 or log-order)", cmd);
    return NULL;
  }
  s = gallery_find(argv[1]);
  if (s == NULL)
    usage_error("unknown scenario '%s' (build/gallery list shows them)",
                argv[1]);
  return s;
}

/* ---------------------------------------------------------------- show */

static int cmd_show(int argc, char **argv) {
  const struct scenario *s;

  if (argc > 1 && strcmp(argv[1], "--help") == 0) {
    puts("usage: gallery show NN\nThe scenario's files, how to trigger it, "
         "and what to look at.");
    return 0;
  }
  if ((s = scenario_arg(argc, argv, "show")) == NULL)
    return 2;
  if (argc > 2)
    return usage_error("show takes one scenario, got '%s'", argv[2]);
  printf("%02d-%s: %s\n  theme: %s\n  what goes wrong: %s\n\n", s->id,
         s->slug, s->title, s->theme, s->wrong);
  printf("files:\n"
         "  bugs/%02d-%s/sync.c     the synchronous twin (correct, slower)\n"
         "  bugs/%02d-%s/async.c    the async version with the latent bug\n"
         "  fixes/%02d-%s/async.c   the fix (diff it against the bug)\n"
         "  bugs/%02d-%s/main.c     the driver and its invariant\n"
         "  tests/test_%02d_",
         s->id, s->slug, s->id, s->slug, s->id, s->slug, s->id, s->slug,
         s->id);
  for (const char *p = s->slug; *p; p++)
    putchar(*p == '-' ? '_' : *p);
  printf(".c  the deterministic test\n  %s\n\n", s->chapter);
  printf("how to trigger it:\n"
         "  build/gallery run %02d --bug          once, naturally\n"
         "  build/gallery hunt %02d               until it fails, naturally\n"
         "  build/gallery hunt %02d --perturb pct until it fails, shaken\n"
         "  build/gallery expose %02d             forced, every time\n"
         "  build/gallery compare %02d            bug against fix\n\n",
         s->id, s->id, s->id, s->id, s->id);
  printf("what to look at:\n  %s\n\n", s->look);
  printf("presets:\n  hunt timeout: %d s per run\n  forced schedule (compare): "
         "%s\n",
         s->hunt_timeout, s->compare_schedule);
  return 0;
}

/* ---------------------------------------------------------------- run */

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

/* Returns the variant a --sync/--bug/--fix flag names, or -1. */
static int variant_flag(const char *a) {
  for (int v = 0; v < 3; v++)
    if (a[0] == '-' && a[1] == '-' && strcmp(a + 2, variants[v]) == 0)
      return v;
  return -1;
}

/* Sets *variant from flag a; a second, different variant is a usage
 * error (never "the last one wins"). Returns 0 or 2. */
static int set_variant(const char *cmd, const char *a, int *variant,
                       const char **given) {
  int v = variant_flag(a);
  if (*given && strcmp(*given, a) != 0)
    return usage_error("%s: %s and %s: choose one variant", cmd, *given, a);
  *given = a;
  *variant = v;
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
  fprintf(stderr, "the run was stopped. This variant is not expected to "
                  "hang;\n         a very busy machine can be this slow: "
                  "try again, or\n           build/gallery hunt %02d --%s\n",
          s->id, variants[variant]);
}

static int cmd_run(int argc, char **argv) {
  const struct scenario *s;
  const char *log = NULL, *sched = NULL, *given = NULL;
  char prog[PATH_MAX], seedsched[64], logbuf[PATH_MAX * 2], *cargv[64];
  char schedlog[PATH_MAX];
  const char *logp = NULL;
  int variant = 1, n = 0, i, rc;
  struct child c = {0};

  if (argc > 1 && strcmp(argv[1], "--help") == 0)
    return fputs(run_help, stdout), 0;
  if ((s = scenario_arg(argc, argv, "run")) == NULL)
    return 2;
  for (i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (variant_flag(a) >= 0) {
      if (set_variant("run", a, &variant, &given))
        return 2;
    } else if (strcmp(a, "--log") == 0 || strcmp(a, "--schedule") == 0 ||
               strcmp(a, "--seed") == 0) {
      if (i + 1 >= argc)
        return usage_error("run: %s needs a value", a);
      if (sched && a[2] == 's')
        return usage_error("run: --seed and --schedule: give one "
                           "schedule");
      if (a[2] == 'l')
        log = argv[++i];
      else if (a[3] == 'c')
        sched = argv[++i];
      else {
        char *end;
        const char *v = argv[++i];
        errno = 0;
        unsigned long long seed = strtoull(v, &end, 10);
        if (errno || end == v || *end || v[0] == '-')
          return usage_error("--seed wants a non-negative number, got '%s'",
                             v);
        snprintf(seedsched, sizeof seedsched, "random:%llu", seed);
        sched = seedsched;
      }
    } else {
      return usage_error("run: unknown option '%s'", a);
    }
  }
  if (sched) {
    /* The one grammar (tools/runtime/sched/spec.h): refused here, before a run. */
    struct spec sp;
    char err[256];
    if (spec_parse(sched, &sp, err, sizeof err) != 0)
      return usage_error("run: %s (see tools/runtime/sched/spec.h)", err);
  }
  path_of(prog, sizeof prog, "bin", s, variants[variant]);
  if ((rc = need_file(prog)) != 0)
    return rc;
  cargv[n++] = prog;
  if (log) {
    const char *path = user_path(log, logbuf, sizeof logbuf);
    if ((rc = check_output_path("--log", log, path)) != 0)
      return rc;
    cargv[n++] = "--log";
    cargv[n++] = (char *)path;
    /* A variant that logs nothing gets the scheduler's record instead. */
    if ((rc = tmp_path(schedlog, sizeof schedlog, "sched.jsonl")) != 0)
      return rc;
    gallery_schedlog_begin(schedlog);
    logp = path;
  }
  for (; i < argc && n < 62; i++)
    cargv[n++] = argv[i];
  cargv[n] = NULL;
  fprintf(stderr, "gallery: %02d-%s (%s)%s%s\n", s->id, s->slug,
          variants[variant], sched ? " under schedule " : "",
          sched ? sched : "");
  c.sched = sched ? sched : getenv("SCHED");
  c.timeout_s = (double)s->hunt_timeout;
  rc = run_child(cargv, &c);
  if (logp)
    gallery_schedlog_end(logp, schedlog, log, 0);
  if (rc == RC_HANG)
    explain_hang(s, variant, c.sched, c.timeout_s);
  else if (rc > 128 || rc == RC_NORUN)
    fprintf(stderr, "gallery: %s: %s\n", prog, outcome(rc));
  return exit_code(rc);
}

/* ---------------------------------------------------------------- hunt */

/* hunt supervises its own runs: it gets longer than they do to stop them
 * before the SIGKILL reaches it. */
#define HUNT_GRACE_S 5.0

static int cmd_hunt(int argc, char **argv) {
  const struct scenario *s;
  const char *given = NULL;
  char prog[PATH_MAX], hunt[PATH_MAX], *hargv[80], timeout[16];
  int variant = 1, n = 0, has_timeout = 0, has_codes = 0, rc;
  struct child c = {0};

  if (argc > 1 && strcmp(argv[1], "--help") == 0) {
    puts("usage: gallery hunt NN [--bug|--fix|--sync] [--runs N] [--jobs J]\n"
         "                       [--perturb none|random|pct[:DEPTH]] [--seed "
         "S]\n"
         "                       [--timeout SEC] [other build/hunt options]\n"
         "Runs one variant (default --bug) until it fails, with build/hunt "
         "and\nthe scenario's presets; prints the failure rate with a 95% "
         "interval.\nA run that exits 2 or 3 (usage, setup) stops the hunt: "
         "it is not the bug.\nSee build/hunt --help for every option.");
    return 0;
  }
  if ((s = scenario_arg(argc, argv, "hunt")) == NULL)
    return 2;
  snprintf(hunt, sizeof hunt, "build/hunt");
  if ((rc = need_file(hunt)) != 0)
    return rc;
  hargv[n++] = hunt;
  for (int i = 2; i < argc; i++) {
    if (variant_flag(argv[i]) >= 0) {
      if (set_variant("hunt", argv[i], &variant, &given))
        return 2;
      continue;
    }
    if (strcmp(argv[i], "--") == 0)
      return usage_error("hunt NN runs the scenario itself; use build/hunt "
                         "-- CMD for other commands");
    if (n >= 70)
      return usage_error("hunt: too many options");
    if (strcmp(argv[i], "--timeout") == 0)
      has_timeout = 1;
    if (strcmp(argv[i], "--setup-codes") == 0)
      has_codes = 1;
    hargv[n++] = argv[i];
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
  path_of(prog, sizeof prog, "bin", s, variants[variant]);
  if ((rc = need_file(prog)) != 0)
    return rc;
  hargv[n++] = "--";
  hargv[n++] = prog;
  hargv[n] = NULL;
  fprintf(stderr, "gallery: hunting %02d-%s (%s)\n", s->id, s->slug,
          variants[variant]);
  c.keep_env = 1;
  c.grace_s = HUNT_GRACE_S;
  rc = run_child(hargv, &c);
  return exit_code(rc);
}

/* ---------------------------------------------------------------- expose */

/* A Criterion test's own per-test timeouts turn a hang into a failure;
 * this is the limit for the whole program, should that fail too. */
#define EXPOSE_LIMIT_S 120.0

static int cmd_expose(int argc, char **argv) {
  const struct scenario *s;
  const char *given = NULL;
  char test[PATH_MAX], *targv[3];
  int variant = 1, rc;
  struct child c = {0};

  if (argc > 1 && strcmp(argv[1], "--help") == 0) {
    puts("usage: gallery expose NN [--fix|--sync]\n"
         "Runs the scenario's deterministic Criterion test against the bug\n"
         "(default), the fix or the sync twin. The test forces the bad\n"
         "interleaving with the scheduler, so against the bug it fails every\n"
         "time and names the violated invariant.\n"
         "Exit: 0 the test passed, 1 it failed (the bug is exposed), 3 it "
         "could not run.");
    return 0;
  }
  if ((s = scenario_arg(argc, argv, "expose")) == NULL)
    return 2;
  for (int i = 2; i < argc; i++) {
    if (variant_flag(argv[i]) < 0)
      return usage_error("expose: unknown option '%s'", argv[i]);
    if (set_variant("expose", argv[i], &variant, &given))
      return 2;
  }
  path_of(test, sizeof test, "tests", s, variants[variant]);
  if ((rc = need_file(test)) != 0)
    return rc;
  printf("%s== expose %02d-%s against the %s: %s%s\n", paint("\033[1m"),
         s->id, s->slug, variants[variant],
         variant == 1 ? "the forced schedule must make it FAIL"
                      : "the same test must PASS",
         paint("\033[0m"));
  targv[0] = test;
  targv[1] = NULL;
  c.timeout_s = EXPOSE_LIMIT_S;
  rc = run_child(targv, &c);
  if (rc == 0) {
    printf("%sPASSED%s: the invariant held under every forced schedule\n",
           paint("\033[32m"), paint("\033[0m"));
    return 0;
  }
  if (rc == 1) {
    printf("%sFAILED%s: the forced schedule broke the invariant (read the "
           "assertion above)\n",
           paint("\033[31m"), paint("\033[0m"));
    return 1;
  }
  fprintf(stderr, "gallery: %s: %s\n", test, outcome(rc));
  return 3;
}

/* ---------------------------------------------------------------- compare */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The last line of a run's output that is the program's own (not the
 * scheduler's), into last. */
static void last_line(const char *out, char *last, size_t len) {
  const char *p = out;

  while (p && *p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    if (n > 0 && strncmp(p, "sched:", 6) != 0 &&
        !memmem(p, n, "schedule taken", 14))
      snprintf(last, len, "%.*s", (int)n, p);
    p = nl ? nl + 1 : NULL;
  }
}

/* Runs one variant `reps` times under sched; prints a row with the outcome
 * counts and the median and min-max elapsed time, and the message of the
 * last run. Returns the number of runs that observed the bug, -1 on setup
 * failure. */
static int compare_row(const struct scenario *s, int variant,
                       const char *sched, int reps) {
  char prog[PATH_MAX], last[512] = "";
  char *cargv[2] = {prog, NULL};
  double t[16];
  int bugs = 0, other = 0;

  path_of(prog, sizeof prog, "bin", s, variants[variant]);
  if (need_file(prog) != 0)
    return -1;
  for (int r = 0; r < reps; r++) {
    struct child c = {0};
    c.sched = sched;
    c.quiet = 2;
    c.timeout_s = (double)s->hunt_timeout;
    int rc = run_child(cargv, &c);
    t[r] = c.elapsed_s;
    bugs += exit_code(rc) == 1;
    other += exit_code(rc) > 1;
    if (rc == RC_HANG)
      snprintf(last, sizeof last, "no progress for %d s: stopped",
               s->hunt_timeout);
    else
      last_line(c.out, last, sizeof last);
    free(c.out);
  }
  qsort(t, (size_t)reps, sizeof t[0], cmp_double);
  {
    char nb[32], no[32];
    snprintf(nb, sizeof nb, "%d/%d", bugs, reps);
    snprintf(no, sizeof no, "%d/%d", other, reps);
    printf("  %-7s %-9s %s%-6s%s %s%-6s%s %8.2f ms (%.2f-%.2f)\n",
           variants[variant],
           sched ? (strlen(sched) > 9 ? "forced" : sched) : "natural",
           bugs ? paint("\033[31m") : "", nb, bugs ? paint("\033[0m") : "",
           other ? paint("\033[31m") : "", no, other ? paint("\033[0m") : "",
           t[reps / 2] * 1e3, t[0] * 1e3, t[reps - 1] * 1e3);
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

  path_of(prog, sizeof prog, "bin", s, variants[variant]);
  if (need_file(prog) != 0 ||
      tmp_path(schedlog, sizeof schedlog, "sched.jsonl") != 0)
    return 3;
  c.sched = sched;
  c.quiet = 1;
  c.timeout_s = (double)s->hunt_timeout;
  /* The bug logs nothing itself: its timeline is the scheduler's. */
  gallery_schedlog_begin(schedlog);
  rc = run_child(cargv, &c);
  gallery_schedlog_end(log_path, schedlog, log_path, 1);
  return rc;
}

/* Copies the SVG in path into out as a nested <svg> placed at y; returns
 * its height, or -1 when it cannot be read. */
static int nest_svg(FILE *out, const char *path, int y, int *width) {
  FILE *f = fopen(path, "r");
  char *buf, *root, *end, *w, *h;
  long n;
  int height = -1;

  if (f == NULL)
    return -1;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  rewind(f);
  buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
    buf[n] = '\0';
    root = strstr(buf, "<svg");
    end = root ? strchr(root, '>') : NULL;
    w = root ? strstr(root, "width=\"") : NULL;
    h = root ? strstr(root, "height=\"") : NULL;
    if (end && w && h && w < end && h < end) {
      int wi = atoi(w + 7);
      height = atoi(h + 8);
      if (wi > *width)
        *width = wi;
      fprintf(out, "<svg x=\"0\" y=\"%d\"%.*s", y, (int)(end - root - 4),
              root + 4);
      fputs(end, out);
      fputc('\n', out);
    }
  }
  free(buf);
  fclose(f);
  return height;
}

/* Writes bug above fix as one SVG picture, for a slide. */
static int write_pair_svg(const char *out_path, const struct scenario *s,
                          const char *bug_svg, const char *fix_svg) {
  char body[PATH_MAX];
  FILE *tmp, *out;
  int width = 600, y = 110, h;

  if (tmp_path(body, sizeof body, "pair-body.svg") != 0 ||
      (tmp = fopen(body, "w+")) == NULL)
    return -1;
  fprintf(tmp, "<text x=\"20\" y=\"%d\" font-size=\"28\" "
               "font-family=\"sans-serif\">bug</text>\n",
          y - 20);
  if ((h = nest_svg(tmp, bug_svg, y, &width)) < 0)
    goto fail;
  y += h + 70;
  fprintf(tmp, "<text x=\"20\" y=\"%d\" font-size=\"28\" "
               "font-family=\"sans-serif\">fix</text>\n",
          y - 20);
  if ((h = nest_svg(tmp, fix_svg, y, &width)) < 0)
    goto fail;
  y += h + 10;
  if ((out = fopen(out_path, "w")) == NULL)
    goto fail;
  fprintf(out,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
          "height=\"%d\" viewBox=\"0 0 %d %d\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
          "<text x=\"20\" y=\"30\" font-size=\"22\" "
          "font-family=\"sans-serif\">%02d-%s under schedule %s</text>\n",
          width, y, width, y, s->id, s->slug, s->compare_schedule);
  rewind(tmp);
  for (int c; (c = fgetc(tmp)) != EOF;)
    fputc(c, out);
  fputs("</svg>\n", out);
  fclose(out);
  fclose(tmp);
  unlink(body);
  return 0;
fail:
  fclose(tmp);
  unlink(body);
  return -1;
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

/* Prints one line of a diff, coloured on a terminal. */
static void diff_line(const char *p, size_t n) {
  const char *c = *p == '+'   ? "\033[32m"
                  : *p == '-' ? "\033[31m"
                  : *p == '@' ? "\033[36m"
                              : NULL;
  printf("%s%.*s%s\n", c ? paint(c) : "", (int)n, p, c ? paint("\033[0m") : "");
}

/* The fix as a diff, lesson first: the hunks that hold a FIX(NN) or
 * BUG(NN) line, in file order, then the others (the header comment, the
 * correlation logging) summarised one line each, with the command that
 * prints them all. The diff is captured and printed here, so that a reader
 * that goes away ends the gallery, not a child it would have to explain.
 * Returns 0, or 1 when the diff could not be made. */
static int print_fix_diff(const struct scenario *s, const char *a,
                          const char *b) {
  char *dargv[] = {"diff", "-u", "-p", "--label", (char *)a, "--label",
                   (char *)b, (char *)a, (char *)b, NULL};
  char fixtag[16], bugtag[16];
  struct child c = {0};
  const char *hunk[256], *end;
  int nh = 0, lesson = 0, rc;

  c.keep_env = 1;
  c.quiet = 2;
  rc = run_child(dargv, &c);
  if ((rc != 0 && rc != 1) || c.out == NULL) {
    fprintf(stderr, "gallery: diff -u %s %s failed: %s\n", a, b,
            outcome(rc));
    free(c.out);
    return 1;
  }
  snprintf(fixtag, sizeof fixtag, "FIX(%02d)", s->id);
  snprintf(bugtag, sizeof bugtag, "BUG(%02d)", s->id);
  /* The hunks: each starts at a line "@@" and ends where the next starts. */
  for (const char *p = c.out; *p && nh < 255;) {
    if (strncmp(p, "@@", 2) == 0)
      hunk[nh++] = p;
    p = strchr(p, '\n');
    p = p ? p + 1 : "";
  }
  end = c.out + strlen(c.out);
  hunk[nh] = end;
  int tagged[256] = {0}, plus[256] = {0}, minus[256] = {0};
  for (int h = 0; h < nh; h++) {
    for (const char *p = hunk[h]; p < hunk[h + 1];) {
      const char *nl = memchr(p, '\n', (size_t)(hunk[h + 1] - p));
      size_t n = nl ? (size_t)(nl - p) : (size_t)(hunk[h + 1] - p);
      if ((*p == '+' || *p == '-') &&
          (memmem(p, n, fixtag, strlen(fixtag)) ||
           memmem(p, n, bugtag, strlen(bugtag))))
        tagged[h] = 1;
      plus[h] += *p == '+';
      minus[h] += *p == '-';
      p = nl ? nl + 1 : hunk[h + 1];
    }
    lesson += tagged[h];
  }
  printf("\n%s== the lesson: the %d of %d hunks of the fix with a %s or %s "
         "line%s\n",
         paint("\033[1m"), lesson, nh, fixtag, bugtag, paint("\033[0m"));
  printf("--- %s\n+++ %s\n", a, b);
  for (int h = 0; h < nh; h++) {
    if (!tagged[h])
      continue;
    for (const char *p = hunk[h]; p < hunk[h + 1];) {
      const char *nl = memchr(p, '\n', (size_t)(hunk[h + 1] - p));
      size_t n = nl ? (size_t)(nl - p) : (size_t)(hunk[h + 1] - p);
      diff_line(p, n);
      p = nl ? nl + 1 : hunk[h + 1];
    }
  }
  if (lesson < nh) {
    int np = 0, nm = 0;
    for (int h = 0; h < nh; h++)
      if (!tagged[h])
        np += plus[h], nm += minus[h];
    printf("\n%s== the rest: %d untagged hunk%s, +%d -%d lines (header "
           "comment, logging)%s\n",
           paint("\033[1m"), nh - lesson, nh - lesson == 1 ? "" : "s", np, nm,
           paint("\033[0m"));
    for (int h = 0; h < nh; h++) {
      if (tagged[h])
        continue;
      const char *nl = strchr(hunk[h], '\n');
      int n = nl ? (int)(nl - hunk[h]) : (int)strlen(hunk[h]);
      char where[64];
      snprintf(where, sizeof where, "+%d -%d", plus[h], minus[h]);
      /* 80 columns: the hunk's header (with its function) is cut. */
      printf("  %-9s %.*s%s\n", where, n > 66 ? 63 : n, hunk[h],
             n > 66 ? "..." : "");
    }
    printf("  the whole diff: diff -u %s %s\n", a, b);
  }
  free(c.out);
  return 0;
}

/* The forced schedule for variant v (1 bug, 2 fix): the fix's own script
 * where the bug's does not fit it. */
static const char *forced_schedule(const struct scenario *s, int v) {
  return v == 2 && s->compare_fix_schedule ? s->compare_fix_schedule
                                           : s->compare_schedule;
}

static int cmd_compare(int argc, char **argv) {
  const struct scenario *s;
  char a[PATH_MAX], b[PATH_MAX], svgbuf[PATH_MAX * 2];
  /* The logs are named for what they are: the timeline shows the name. */
  char logs[2][PATH_MAX], svgs[2][PATH_MAX], name[64];
  const char *svg_out = NULL, *svg_arg = NULL;
  char *targv[8];
  int reps = 5, bad = 0, rc;

  if (argc > 1 && strcmp(argv[1], "--help") == 0) {
    puts("usage: gallery compare NN [--reps N] [--svg FILE]\n"
         "Bug against fix: runs sync, bug and fix naturally and under the\n"
         "scenario's scripted schedule (N times each, default 5), prints\n"
         "outcomes and elapsed times (median, min-max) side by side, the\n"
         "fix as a diff, and the bug's and the fix's timelines under the\n"
         "same schedule, one above the other. --svg FILE also writes both\n"
         "timelines as one picture.\nExit: 0 when sync and fix held and "
         "the bug was observed under the schedule, 1 otherwise.");
    return 0;
  }
  if ((s = scenario_arg(argc, argv, "compare")) == NULL)
    return 2;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--reps") == 0) {
      if (count_arg("compare", "--reps", i + 1 < argc ? argv[++i] : NULL, 1,
                    15, &reps))
        return 2;
    } else if (strcmp(argv[i], "--svg") == 0) {
      if (i + 1 >= argc)
        return usage_error("compare: --svg needs a file name");
      svg_arg = argv[++i];
      svg_out = user_path(svg_arg, svgbuf, sizeof svgbuf);
      if ((rc = check_output_path("--svg", svg_arg, svg_out)) != 0)
        return rc;
    } else {
      return usage_error("compare: unknown option '%s'", argv[i]);
    }
  }
  printf("%s== compare %02d-%s: %s%s\n", paint("\033[1m"), s->id, s->slug,
         s->title, paint("\033[0m"));
  printf("  %-7s %-9s %-6s %-6s %s\n", "variant", "schedule", "bug",
         "other", "   elapsed median (min-max)");
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
  snprintf(a, sizeof a, "bugs/%02d-%s/async.c", s->id, s->slug);
  snprintf(b, sizeof b, "fixes/%02d-%s/async.c", s->id, s->slug);
  if (print_fix_diff(s, a, b) != 0)
    bad = 1;

  /* The timelines: the same schedule, bug above fix. */
  for (int k = 0; k < 2; k++) {
    snprintf(name, sizeof name, "%02d-%s.jsonl", s->id, k ? "fix" : "bug");
    if (tmp_path(logs[k], sizeof logs[k], name) != 0)
      return 3;
    snprintf(name, sizeof name, "%02d-%s.svg", s->id, k ? "fix" : "bug");
    if (tmp_path(svgs[k], sizeof svgs[k], name) != 0)
      return 3;
    rc = run_logged(s, k + 1, forced_schedule(s, k + 1), logs[k]);
    printf("\n%s== timeline of the %s under schedule %s (%s)%s\n",
           paint("\033[1m"), k ? "fix" : "bug", forced_schedule(s, k + 1),
           outcome(rc), paint("\033[0m"));
    targv[0] = "build/trace";
    targv[1] = logs[k];
    targv[2] = NULL;
    if (need_file(targv[0]) == 0) {
      struct child c = {0};
      c.keep_env = 1;
      rc = run_child(targv, &c);
      end_if_reader_gone(rc);
      if (rc > 1)
        printf("  (build/trace could not show this log: %s)\n",
               outcome(rc));
    }
    if (svg_out) {
      char *sargv[] = {"build/trace", "--format", "svg", "-o", svgs[k],
                       logs[k], NULL};
      struct child c = {0};
      c.keep_env = 1;
      c.quiet = 1;
      if (run_child(sargv, &c) > 1)
        svg_out = NULL, fprintf(stderr, "gallery: no SVG for the %s\n",
                                k ? "fix" : "bug");
    }
  }
  if (svg_out) {
    if (write_pair_svg(svg_out, s, svgs[0], svgs[1]) != 0) {
      fprintf(stderr, "gallery: cannot write %s\n", svg_arg);
      bad = 1;
    } else {
      printf("\ngallery: both timelines in %s\n", svg_arg);
    }
  }
  return bad;
}

/* ---------------------------------------------------------------- trace */

static int cmd_trace(int argc, char **argv) {
  char prog[PATH_MAX + 8];
  struct child c = {0};
  int rc;

  /* The files trace reads and writes are the user's: back to where the
   * gallery was started. */
  snprintf(prog, sizeof prog, "build/trace");
  if ((rc = need_file(prog)) != 0)
    return rc;
  snprintf(prog, sizeof prog, "%s/trace", build_dir);
  if (start_dir[0] && chdir(start_dir) != 0) {
    fprintf(stderr, "gallery: cannot go back to %s: %s\n", start_dir,
            strerror(errno));
    return 3;
  }
  argv[0] = prog;
  (void)argc;
  c.keep_env = 1;
  c.keep_stdin = 1;
  return exit_code(run_child(argv, &c));
}

/* ---------------------------------------------------------------- tour */

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
    snprintf(h->err, sizeof h->err, "no summary from hunt (%.100s)",
             e.text);
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
  path_of(prog, sizeof prog, "bin", s, variants[variant]);
  if (need_file(prog) != 0 || need_file("build/hunt") != 0) {
    h->rc = 3;
    snprintf(h->err, sizeof h->err, "not built: run make first");
    return;
  }
  if (tmp_path(json, sizeof json, "hunt.json") != 0) {
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
  h->rc = run_child(hargv, &c);
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
    snprintf(buf, len, "no verdict: %s", h->err[0] ? h->err : outcome(h->rc));
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

static int cmd_tour(int argc, char **argv) {
  struct tour_row rows[64];
  int all = !isatty(0), nrows = 0, bad = 0, unknown = 0, runs = 20;
  int budget = 20;
  double t0 = now_s();

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0) {
      fputs(tour_help, stdout);
      return 0;
    } else if (strcmp(argv[i], "--all") == 0) {
      all = 1;
    } else if (strcmp(argv[i], "--runs") == 0) {
      if (count_arg("tour", "--runs", i + 1 < argc ? argv[++i] : NULL, 1,
                    10000, &runs))
        return 2;
    } else if (strcmp(argv[i], "--max-time") == 0) {
      if (count_arg("tour", "--max-time", i + 1 < argc ? argv[++i] : NULL, 1,
                    86400, &budget))
        return 2;
    } else {
      return usage_error("tour: unknown option '%s'", argv[i]);
    }
  }
  /* The legend first: the rows below use these words without defining
   * them, and PCT is only explained in chapter 21. */
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
  for (int i = 0; i < gallery_nscenarios && nrows < 64; i++) {
    const struct scenario *s = &gallery_scenarios[i];
    struct tour_row *r = &rows[nrows++];
    /* A bug's hang costs at most 5 s, so the tour stays short; the fix
     * gets the scenario's whole time limit, so that a slow run on a busy
     * machine is not mistaken for a hang. */
    unsigned full = (unsigned)s->hunt_timeout;
    unsigned to, max_bug, max_fix;
    char words[256];
    struct child c = {0};
    char prog[PATH_MAX], *cargv[2] = {prog, NULL};

    full = full < 1 ? 1 : full;
    to = full > 5 ? 5 : full;
    max_bug = (unsigned)budget > to + 5 ? (unsigned)budget : to + 5;
    max_fix = (unsigned)budget > full + 5 ? (unsigned)budget : full + 5;
    memset(r, 0, sizeof *r);
    r->s = s;
    printf("\n%s== %02d-%s: %s%s\n   %s.\n", paint("\033[1m"), s->id,
           s->slug, s->title, paint("\033[0m"), s->wrong);

    path_of(prog, sizeof prog, "bin", s, variants[0]);
    c.quiet = 1;
    c.timeout_s = full;
    r->sync_rc = need_file(prog) ? 3 : run_child(cargv, &c);
    r->sync_ms = c.elapsed_s * 1e3;
    printf("   sync twin:        %s (%.1f ms)\n", outcome(r->sync_rc),
           r->sync_ms);

    tour_hunt(s, 1, "none", runs, 1, to, max_bug, &r->bug);
    unknown |= !hunt_words(&r->bug, words, sizeof words);
    printf("   bug, natural:     %s\n", words);

    tour_hunt(s, 1, "pct", TOUR_PCT_RUNS, 0, to, max_bug, &r->pct);
    if (!hunt_words(&r->pct, words, sizeof words)) {
      unknown = 1;
      printf("   bug, PCT:         %s\n", words);
    } else if (r->pct.first >= 0) {
      printf("   bug, PCT:         failed at run %ld\n", r->pct.first + 1);
    } else {
      printf("   bug, PCT:         no failure in %d runs%s\n", r->pct.runs,
             strcmp(r->pct.stopped, "max-time") == 0
                 ? " (its time budget ran out)"
                 : "");
    }

    path_of(prog, sizeof prog, "tests", s, variants[1]);
    c = (struct child){0};
    c.quiet = 1;
    c.timeout_s = EXPOSE_LIMIT_S;
    r->expose_rc = need_file(prog) ? 3 : run_child(cargv, &c);
    printf("   bug, forced:      deterministic test %s\n",
           r->expose_rc == 1 ? "FAILED, as it must" : outcome(r->expose_rc));

    tour_hunt(s, 2, "none", runs, 1, full, max_fix, &r->fix);
    unknown |= !hunt_words(&r->fix, words, sizeof words);
    path_of(prog, sizeof prog, "bin", s, variants[2]);
    c = (struct child){0};
    c.quiet = 1;
    c.timeout_s = full;
    r->fix_rc = need_file(prog) ? 3 : run_child(cargv, &c);
    r->fix_ms = c.elapsed_s * 1e3;
    printf("   fix:              %s (one run %.1f ms: %s)\n", words,
           r->fix_ms, outcome(r->fix_rc));
    printf("   next: build/gallery compare %02d, then %s\n", s->id,
           s->chapter);
    bad |= r->sync_rc != 0 || r->expose_rc != 1 || r->fix.fails != 0 ||
           r->fix_rc != 0;
    if (!all && i + 1 < gallery_nscenarios) {
      char line[16] = "";
      printf("   [Enter: next scenario, q: stop] ");
      fflush(stdout);
      if (fgets(line, sizeof line, stdin) == NULL || line[0] == 'q')
        break;
    }
  }
  printf("\n%-22s %-15s %-13s %-12s %-8s %s\n", "scenario", "sync ok/time",
         "bug natural", "PCT to fail", "expose", "fix ok/time");
  for (int i = 0; i < nrows; i++) {
    struct tour_row *r = &rows[i];
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
  printf("tour: %d scenarios in %.0f s\n", nrows, now_s() - t0);
  if (unknown && !bad)
    fprintf(stderr, "gallery: tour: a row has no verdict (see the table)\n");
  return bad ? 1 : unknown ? 3 : 0;
}

/* ---------------------------------------------------------------- main */

static const char help[] =
    "usage: gallery COMMAND [ARGS]\n"
    "The workbook's scenarios: each a sync twin, an async version with a\n"
    "latent bug, and a fix. NN is 5, 05, 05-check-then-act or "
    "check-then-act.\n\n"
    "  list                  every scenario: id, title, chapter, what goes "
    "wrong\n"
    "  show NN               files, how to trigger, what to look at\n"
    "  run NN [--sync|--bug|--fix] [--seed S] [--schedule SPEC] [--log "
    "FILE]\n"
    "                        run one variant once and check its invariant\n"
    "  hunt NN [--bug|--fix|--sync] [--runs N] [--jobs J] [--perturb P]\n"
    "                        run it until it fails, with statistics\n"
    "  expose NN [--fix|--sync]\n"
    "                        the deterministic test: fails on the bug, "
    "every time\n"
    "  compare NN            bug against fix: outcomes, timings, the diff\n"
    "  trace FILE [...]      a run's log as a timeline (see trace --help)\n"
    "  tour [--all]          a guided walk through every scenario\n"
    "  play NN [--fix] [--script F]\n"
    "                        be the scheduler: pick each choice yourself\n"
    "  try NN [--start [DIR]] [FILE]\n"
    "                        grade your own fix: a verdict card\n"
    "  info [NN] [--json]    the scenario files as read (--keys: the keys)\n\n"
    "Every command takes --help. Exit: 0 ran and the invariant held, 1 the\n"
    "bug was observed, 2 usage or bad input, 3 setup or internal failure.\n";

/* Standard output written in full, or said why not. */
static int finish(int rc) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "gallery: cannot write standard output: %s\n",
            strerror(errno));
    return rc ? rc : 3;
  }
  return rc;
}

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } cmds[] = {{"list", cmd_list},       {"show", cmd_show},
              {"run", cmd_run},         {"hunt", cmd_hunt},
              {"expose", cmd_expose},   {"compare", cmd_compare},
              {"trace", cmd_trace},     {"tour", cmd_tour},
              {"try", gallery_cmd_try},  {"play", gallery_cmd_play},
              {"info", gallery_cmd_info}};
  const char *nc = getenv("NO_COLOR");
  char err[PATH_MAX + 256];
  int rc;

  /* A closed stdout would make every report vanish (and the next file
   * opened would take descriptor 1): say so once, and stop. */
  if (fcntl(1, F_GETFD) < 0) {
    fputs("gallery: standard output is closed: nothing could be shown "
          "(redirect it to /dev/null to discard it)\n",
          stderr);
    return 3;
  }
  if (fcntl(0, F_GETFD) < 0 && open("/dev/null", O_RDONLY) != 0)
    return 3;
  color = isatty(1) && (nc == NULL || *nc == '\0');
  if (argc < 2)
    return usage_error("missing command: list, show, run, hunt, expose, "
                       "compare, trace or tour");
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0)
    return finish((fputs(help, stdout), 0));
  if (getcwd(start_dir, sizeof start_dir) == NULL)
    start_dir[0] = '\0';
  locate();
  if ((rc = gallery_load("bugs", err, sizeof err)) != 0) {
    fprintf(stderr, "gallery: %s\n", err);
    return rc;
  }
  catch_signals();
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (strcmp(argv[1], cmds[i].name) == 0)
      return finish(cmds[i].fn(argc - 1, argv + 1));
  return usage_error("unknown command '%s'", argv[1]);
}
