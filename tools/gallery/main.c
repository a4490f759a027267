/* main.c -- build/gallery: list, show, run, hunt, expose, compare, trace and
 * tour the workbook's scenarios. Each variant is its own program under
 * build/bin/ and each deterministic test its own Criterion program under
 * build/tests/; the gallery finds them next to itself and runs them.
 * Exit: 0 ran and the invariant held, 1 the bug was observed, 2 usage or bad
 * input, 3 setup or internal failure. */
#include "registry.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* Runs argv with SCHED set to sched (or unset when NULL). When out is not
 * NULL the child's stdout and stderr go there (a file), else they are
 * inherited. Returns the exit status, or 128 + signal number. */
/* Seconds a spawned program may run (0: no limit). The alarm is set in the
 * child before exec and survives it, so a hanging scenario dies of SIGALRM
 * and is reported as a hang. */
static unsigned spawn_timeout;

static int spawn(char *const argv[], const char *sched, const char *out,
                 double *elapsed) {
  double t0;
  int status;
  pid_t pid;

  fflush(NULL); /* the child's output must come after ours */
  t0 = now_s();
  pid = fork();

  if (pid < 0) {
    perror("gallery: fork");
    return 3;
  }
  if (pid == 0) {
    if (sched)
      setenv("SCHED", sched, 1);
    else
      unsetenv("SCHED");
    if (out) {
      int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        _exit(127);
      close(fd);
    }
    if (spawn_timeout)
      alarm(spawn_timeout);
    execv(argv[0], argv);
    fprintf(stderr, "gallery: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return 3;
  if (elapsed)
    *elapsed = now_s() - t0;
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
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
  case 127:
    return "could not run";
  default:
    if (rc == 128 + SIGALRM)
      return "HANG (killed by the time limit)";
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

/* Maps a child's status onto the gallery's exit codes. */
static int exit_code(int rc) {
  if (rc == 0 || rc == 1 || rc == 2 || rc == 3)
    return rc;
  return rc > 128 ? 1 : 3;
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
  printf("presets:\n  hunt timeout: %s s per run\n  forced schedule (compare): "
         "%s\n",
         s->hunt_timeout, s->expose_schedule);
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
    "Lines). Arguments after -- go to the scenario program (try -- --help).\n"
    "Exit: 0 invariant held, 1 bug observed, 2 usage, 3 setup failure.\n";

static int variant_flag(const char *a) {
  for (int v = 0; v < 3; v++)
    if (a[0] == '-' && a[1] == '-' && strcmp(a + 2, variants[v]) == 0)
      return v;
  return -1;
}

static int cmd_run(int argc, char **argv) {
  const struct scenario *s;
  const char *log = NULL, *sched = NULL;
  char prog[PATH_MAX], seedsched[64], *cargv[64];
  int variant = 1, n = 0, i, rc;

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
      variant = variant_flag(a);
    } else if (strcmp(a, "--log") == 0 || strcmp(a, "--schedule") == 0 ||
               strcmp(a, "--seed") == 0) {
      if (i + 1 >= argc)
        return usage_error("%s needs a value", a);
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
  path_of(prog, sizeof prog, "bin", s, variants[variant]);
  if ((rc = need_file(prog)) != 0)
    return rc;
  cargv[n++] = prog;
  if (log) {
    cargv[n++] = "--log";
    cargv[n++] = (char *)log;
  }
  for (; i < argc && n < 62; i++)
    cargv[n++] = argv[i];
  cargv[n] = NULL;
  fprintf(stderr, "gallery: %02d-%s (%s)%s%s\n", s->id, s->slug,
          variants[variant], sched ? " under schedule " : "",
          sched ? sched : "");
  rc = spawn(cargv, sched, NULL, NULL);
  if (rc > 128 || rc == 127)
    fprintf(stderr, "gallery: %s: %s\n", prog, outcome(rc));
  return exit_code(rc);
}

/* ---------------------------------------------------------------- hunt */

static int cmd_hunt(int argc, char **argv) {
  const struct scenario *s;
  char prog[PATH_MAX], hunt[PATH_MAX], *hargv[80];
  int variant = 1, n = 0, has_timeout = 0, rc;

  if (argc > 1 && strcmp(argv[1], "--help") == 0) {
    puts("usage: gallery hunt NN [--bug|--fix|--sync] [--runs N] [--jobs J]\n"
         "                       [--perturb none|random|pct[:DEPTH]] [--seed "
         "S]\n"
         "                       [--timeout SEC] [other build/hunt options]\n"
         "Runs one variant (default --bug) until it fails, with build/hunt "
         "and\nthe scenario's presets; prints the failure rate with a 95% "
         "interval.\nSee build/hunt --help for every option.");
    return 0;
  }
  if ((s = scenario_arg(argc, argv, "hunt")) == NULL)
    return 2;
  snprintf(hunt, sizeof hunt, "build/hunt");
  if ((rc = need_file(hunt)) != 0)
    return rc;
  hargv[n++] = hunt;
  for (int i = 2; i < argc && n < 70; i++) {
    if (variant_flag(argv[i]) >= 0) {
      variant = variant_flag(argv[i]);
      continue;
    }
    if (strcmp(argv[i], "--") == 0)
      return usage_error("hunt NN runs the scenario itself; use build/hunt "
                         "-- CMD for other commands");
    if (strcmp(argv[i], "--timeout") == 0)
      has_timeout = 1;
    hargv[n++] = argv[i];
  }
  if (!has_timeout) {
    hargv[n++] = "--timeout";
    hargv[n++] = (char *)s->hunt_timeout;
  }
  path_of(prog, sizeof prog, "bin", s, variants[variant]);
  if ((rc = need_file(prog)) != 0)
    return rc;
  hargv[n++] = "--";
  hargv[n++] = prog;
  hargv[n] = NULL;
  fprintf(stderr, "gallery: hunting %02d-%s (%s)\n", s->id, s->slug,
          variants[variant]);
  return exit_code(spawn(hargv, getenv("SCHED"), NULL, NULL));
}

/* ---------------------------------------------------------------- expose */

static int cmd_expose(int argc, char **argv) {
  const struct scenario *s;
  char test[PATH_MAX], *targv[3];
  int variant = 1, rc;

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
    int v = variant_flag(argv[i]);
    if (v < 0)
      return usage_error("expose: unknown option '%s'", argv[i]);
    variant = v;
  }
  path_of(test, sizeof test, "tests", s, variants[variant]);
  if ((rc = need_file(test)) != 0)
    return rc;
  printf("%s== expose %02d-%s against the %s: %s%s\n", paint("\033[1m"),
         s->id, s->slug, variants[variant],
         variant == 1 ? "the forced schedule must make it FAIL"
                      : "the same test must PASS",
         paint("\033[0m"));
  fflush(stdout);
  targv[0] = test;
  targv[1] = NULL;
  rc = spawn(targv, NULL, NULL, NULL);
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

/* Runs one variant `reps` times under sched; prints a row with the outcome
 * counts and the median and min-max elapsed time, and the message of the
 * last run. Returns the number of runs that observed the bug, -1 on setup
 * failure. */
static int compare_row(const struct scenario *s, int variant,
                       const char *sched, int reps) {
  char prog[PATH_MAX], out[] = "/tmp/gallery-out-XXXXXX", last[512] = "";
  char *cargv[3] = {prog, NULL, NULL};
  double t[16];
  int bugs = 0, other = 0, fd;
  FILE *f;

  path_of(prog, sizeof prog, "bin", s, variants[variant]);
  if (need_file(prog) != 0 || (fd = mkstemp(out)) < 0)
    return -1;
  close(fd);
  for (int r = 0; r < reps; r++) {
    int rc = spawn(cargv, sched, out, &t[r]);
    bugs += rc == 1 || rc > 128;
    other += rc != 0 && rc != 1 && rc <= 128;
    if ((f = fopen(out, "r")) != NULL) {
      char line[512];
      while (fgets(line, sizeof line, f))
        if (strncmp(line, "sched:", 6) != 0 && strstr(line, "schedule taken") == NULL)
          snprintf(last, sizeof last, "%s", line);
      fclose(f);
    }
  }
  unlink(out);
  qsort(t, (size_t)reps, sizeof t[0], cmp_double);
  last[strcspn(last, "\n")] = '\0';
  printf("  %-5s %-9s %s%2d/%d bug%s %s%2d/%d other%s  %8.2f ms "
         "(%.2f-%.2f)\n",
         variants[variant], sched ? sched : "natural",
         bugs ? paint("\033[31m") : "", bugs, reps, bugs ? paint("\033[0m") : "",
         other ? paint("\033[31m") : "", other, reps, other ? paint("\033[0m") : "",
         t[reps / 2] * 1e3, t[0] * 1e3, t[reps - 1] * 1e3);
  if (last[0])
    printf("        last: %.150s\n", last);
  return other ? -1 : bugs;
}

/* Runs one variant under sched with its log in log_path (program output
 * discarded). Returns the program's status. */
static int run_logged(const struct scenario *s, int variant, const char *sched,
                      const char *log_path) {
  char prog[PATH_MAX];
  char *cargv[4] = {prog, "--log", (char *)log_path, NULL};

  path_of(prog, sizeof prog, "bin", s, variants[variant]);
  if (need_file(prog) != 0)
    return 3;
  return spawn(cargv, sched, "/dev/null", NULL);
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
  char body[] = "/tmp/gallery-svg-XXXXXX";
  FILE *tmp, *out;
  int width = 600, y = 110, h, fd = mkstemp(body);

  if (fd < 0 || (tmp = fdopen(fd, "w+")) == NULL)
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
          width, y, width, y, s->id, s->slug, s->expose_schedule);
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

static int cmd_compare(int argc, char **argv) {
  const struct scenario *s;
  char a[PATH_MAX], b[PATH_MAX];
  /* The logs are named for what they are: the timeline shows the name. */
  char dir[] = "/tmp/gallery-compare-XXXXXX", logs[2][64], svgs[2][64];
  const char *svg_out = NULL;
  char *dargv[12], *targv[8];
  int n = 0, reps = 5, bad = 0, rc;

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
    if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = atoi(argv[++i]);
      if (reps < 1 || reps > 15)
        return usage_error("--reps wants 1 to 15, got '%s'", argv[i]);
    } else if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc) {
      svg_out = argv[++i];
    } else {
      return usage_error("compare: unknown option '%s'", argv[i]);
    }
  }
  spawn_timeout = (unsigned)atoi(s->hunt_timeout);
  printf("%s== compare %02d-%s: %s%s\n", paint("\033[1m"), s->id, s->slug,
         s->title, paint("\033[0m"));
  printf("  variant schedule  outcomes            elapsed median (min-max)\n");
  for (int v = 0; v < 3; v++) {
    rc = compare_row(s, v, NULL, reps);
    if (rc < 0 || (v != 1 && rc > 0))
      bad = 1;
  }
  for (int v = 1; v < 3; v++) {
    rc = compare_row(s, v, s->expose_schedule, reps);
    if (rc < 0 || (v == 1 ? rc != reps : rc != 0))
      bad = 1;
  }
  snprintf(a, sizeof a, "bugs/%02d-%s/async.c", s->id, s->slug);
  snprintf(b, sizeof b, "fixes/%02d-%s/async.c", s->id, s->slug);
  printf("\n%s== the fix: diff -u %s %s%s\n", paint("\033[1m"), a, b,
         paint("\033[0m"));
  dargv[n++] = "/usr/bin/diff";
  dargv[n++] = "-u";
  dargv[n++] = "--label";
  dargv[n++] = a;
  dargv[n++] = "--label";
  dargv[n++] = b;
  if (color)
    dargv[n++] = "--color=always";
  dargv[n++] = a;
  dargv[n++] = b;
  dargv[n] = NULL;
  rc = spawn(dargv, NULL, NULL, NULL);
  if (rc != 0 && rc != 1)
    fprintf(stderr, "gallery: diff failed: %s\n", outcome(rc));

  /* The timelines: the same schedule, bug above fix. */
  if (mkdtemp(dir) == NULL) {
    perror("gallery: mkdtemp");
    return 3;
  }
  for (int k = 0; k < 2; k++) {
    snprintf(logs[k], sizeof logs[k], "%s/%02d-%s.jsonl", dir, s->id,
             k ? "fix" : "bug");
    snprintf(svgs[k], sizeof svgs[k], "%s/%02d-%s.svg", dir, s->id,
             k ? "fix" : "bug");
    rc = run_logged(s, k + 1, s->expose_schedule, logs[k]);
    printf("\n%s== timeline of the %s under schedule %s (%s)%s\n",
           paint("\033[1m"), k ? "fix" : "bug", s->expose_schedule,
           outcome(rc), paint("\033[0m"));
    targv[0] = "build/trace";
    targv[1] = logs[k];
    targv[2] = NULL;
    if (need_file(targv[0]) == 0) {
      rc = spawn(targv, NULL, NULL, NULL);
      if (rc > 1)
        printf("  (build/trace could not show this log: %s)\n",
               outcome(rc));
    }
    if (svg_out) {
      char *sargv[] = {"build/trace", "--format", "svg", "-o", svgs[k],
                       logs[k], NULL};
      if (spawn(sargv, NULL, "/dev/null", NULL) > 1)
        svg_out = NULL, fprintf(stderr, "gallery: no SVG for the %s\n",
                                k ? "fix" : "bug");
    }
  }
  if (svg_out) {
    if (write_pair_svg(svg_out, s, svgs[0], svgs[1]) != 0) {
      fprintf(stderr, "gallery: cannot write %s\n", svg_out);
      bad = 1;
    } else {
      printf("\ngallery: both timelines in %s\n", svg_out);
    }
  }
  for (int k = 0; k < 2; k++) {
    unlink(svgs[k]);
    unlink(logs[k]);
  }
  rmdir(dir);
  return bad;
}

/* ---------------------------------------------------------------- trace */

static int cmd_trace(int argc, char **argv) {
  char prog[PATH_MAX];
  int rc;

  snprintf(prog, sizeof prog, "build/trace");
  if ((rc = need_file(prog)) != 0)
    return rc;
  argv[0] = prog;
  (void)argc;
  return exit_code(spawn(argv, NULL, NULL, NULL));
}

/* ---------------------------------------------------------------- tour */

struct tour_row {
  const struct scenario *s;
  int sync_rc;
  double sync_ms;
  int bug_fails, bug_runs;
  int pct_first; /* runs until the first PCT failure, 0 = none seen */
  int pct_runs;
  int expose_rc;
  int fix_fails, fix_runs;
  double fix_ms;
};

static int run_quiet(const struct scenario *s, const char *dir, int variant,
                     const char *sched, double *ms) {
  char prog[PATH_MAX];
  char *cargv[2] = {prog, NULL};
  double t = 0;
  int rc;

  path_of(prog, sizeof prog, dir, s, variants[variant]);
  if (need_file(prog) != 0)
    return 3;
  rc = spawn(cargv, sched, "/dev/null", &t);
  if (ms)
    *ms = t * 1e3;
  return rc;
}

/* Runs build/hunt on one variant and reads its summary: runs done,
 * failures, and the index of the first failing run (-1 when none). */
static int tour_hunt(const struct scenario *s, int variant,
                     const char *perturb, int runs, int count_all,
                     unsigned timeout, int *done, int *fails, int *first) {
  char prog[PATH_MAX], runs_s[16], to_s[16], out[] = "/tmp/gallery-hunt-XXXXXX";
  char line[512];
  char *hargv[16];
  int n = 0, fd, rc;
  FILE *f;

  *done = *fails = 0;
  *first = -1;
  path_of(prog, sizeof prog, "bin", s, variants[variant]);
  if (need_file(prog) != 0 || need_file("build/hunt") != 0)
    return 3;
  if ((fd = mkstemp(out)) < 0)
    return 3;
  close(fd);
  snprintf(runs_s, sizeof runs_s, "%d", runs);
  snprintf(to_s, sizeof to_s, "%u", timeout);
  hargv[n++] = "build/hunt";
  hargv[n++] = "--quiet";
  hargv[n++] = "--runs";
  hargv[n++] = runs_s;
  hargv[n++] = "--timeout";
  hargv[n++] = to_s;
  hargv[n++] = "--perturb";
  hargv[n++] = (char *)perturb;
  if (count_all)
    hargv[n++] = "--count-all";
  hargv[n++] = "--";
  hargv[n++] = prog;
  hargv[n] = NULL;
  rc = spawn(hargv, NULL, out, NULL);
  if ((f = fopen(out, "r")) != NULL) {
    while (fgets(line, sizeof line, f)) {
      sscanf(line, "runs: %d", done);
      sscanf(line, "failures: %d", fails);
      sscanf(line, "first failure: run %d", first);
    }
    fclose(f);
  }
  unlink(out);
  return rc;
}

static int cmd_tour(int argc, char **argv) {
  struct tour_row rows[64];
  int all = !isatty(0), nrows = 0, bad = 0, runs = 20;
  double t0 = now_s();

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0) {
      puts("usage: gallery tour [--all] [--runs N]\n"
           "A guided walk through every scenario: the sync twin, the bug's\n"
           "natural runs (N, default 20), a short PCT hunt (at most 20 "
           "runs),\nthe forced failure, and the fix (N runs). On a "
           "terminal, Enter goes\nto the next scenario and q stops; with "
           "--all (or when stdin is not\na terminal) it runs straight "
           "through. Ends with a table.\n"
           "Exit: 0 when every sync twin and fix held and every bug was "
           "exposed.");
      return 0;
    } else if (strcmp(argv[i], "--all") == 0) {
      all = 1;
    } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = atoi(argv[++i]);
      if (runs < 1 || runs > 10000)
        return usage_error("--runs wants 1 to 10000, got '%s'", argv[i]);
    } else {
      return usage_error("tour: unknown option '%s'", argv[i]);
    }
  }
  for (int i = 0; i < gallery_nscenarios && nrows < 64; i++) {
    const struct scenario *s = &gallery_scenarios[i];
    struct tour_row *r = &rows[nrows++];
    /* A bug's hang costs at most 5 s, so the tour stays short; the fix
     * gets the scenario's whole time limit, so that a slow run on a busy
     * machine is not mistaken for a hang. */
    unsigned full = (unsigned)atoi(s->hunt_timeout);
    unsigned to;
    int done, first;

    full = full < 1 ? 1 : full;
    to = full > 5 ? 5 : full;
    spawn_timeout = 30;
    memset(r, 0, sizeof *r);
    r->s = s;
    printf("\n%s== %02d-%s: %s%s\n   %s.\n", paint("\033[1m"), s->id,
           s->slug, s->title, paint("\033[0m"), s->wrong);
    r->sync_rc = run_quiet(s, "bin", 0, NULL, &r->sync_ms);
    printf("   sync twin:        %s (%.1f ms)\n", outcome(r->sync_rc),
           r->sync_ms);
    tour_hunt(s, 1, "none", runs, 1, to, &r->bug_runs, &r->bug_fails, &first);
    printf("   bug, natural:     failed %d of %d runs\n", r->bug_fails,
           r->bug_runs);
    tour_hunt(s, 1, "pct", 20, 0, to, &r->pct_runs, &done, &first);
    r->pct_first = first >= 0 ? first + 1 : 0;
    if (r->pct_first)
      printf("   bug, PCT:         failed at run %d\n", r->pct_first);
    else
      printf("   bug, PCT:         no failure in %d runs\n", r->pct_runs);
    r->expose_rc = run_quiet(s, "tests", 1, NULL, NULL);
    printf("   bug, forced:      deterministic test %s\n",
           r->expose_rc == 1 ? "FAILED, as it must" : outcome(r->expose_rc));
    tour_hunt(s, 2, "none", runs, 1, full, &r->fix_runs, &r->fix_fails,
              &first);
    run_quiet(s, "bin", 2, NULL, &r->fix_ms);
    printf("   fix:              failed %d of %d runs (one run %.1f ms)\n",
           r->fix_fails, r->fix_runs, r->fix_ms);
    printf("   next: build/gallery compare %02d, then %s\n", s->id,
           s->chapter);
    bad |= r->sync_rc != 0 || r->expose_rc != 1 || r->fix_fails != 0 ||
           r->fix_runs == 0;
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
    char name[40], sync[32], bugrate[32], pct[32], fix[40];
    snprintf(name, sizeof name, "%02d-%s", r->s->id, r->s->slug);
    snprintf(sync, sizeof sync, "%s %.1f ms", r->sync_rc ? "FAIL" : "ok",
             r->sync_ms);
    snprintf(bugrate, sizeof bugrate, "%d/%d", r->bug_fails, r->bug_runs);
    if (r->pct_first)
      snprintf(pct, sizeof pct, "run %d", r->pct_first);
    else
      snprintf(pct, sizeof pct, "none in %d", r->pct_runs);
    snprintf(fix, sizeof fix, "%s %d/%d, %.1f ms",
             r->fix_fails ? "FAIL" : "ok", r->fix_fails, r->fix_runs,
             r->fix_ms);
    printf("%-22s %-15s %-13s %-12s %-8s %s\n", name, sync, bugrate, pct,
           r->expose_rc == 1 ? "fails" : "PASSES?!", fix);
  }
  printf("tour: %d scenarios in %.0f s\n", nrows, now_s() - t0);
  return bad ? 1 : 0;
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
    "  tour [--all]          a guided walk through every scenario\n\n"
    "Every command takes --help. Exit: 0 ran and the invariant held, 1 the\n"
    "bug was observed, 2 usage or bad input, 3 setup or internal failure.\n";

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } cmds[] = {{"list", cmd_list},       {"show", cmd_show},
              {"run", cmd_run},         {"hunt", cmd_hunt},
              {"expose", cmd_expose},   {"compare", cmd_compare},
              {"trace", cmd_trace},     {"tour", cmd_tour}};
  const char *nc = getenv("NO_COLOR");

  color = isatty(1) && (nc == NULL || *nc == '\0');
  if (argc < 2)
    return usage_error("missing command: list, show, run, hunt, expose, "
                       "compare, trace or tour");
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0)
    return fputs(help, stdout), 0;
  locate();
  signal(SIGPIPE, SIG_DFL);
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (strcmp(argv[1], cmds[i].name) == 0)
      return cmds[i].fn(argc - 1, argv + 1);
  return usage_error("unknown command '%s'", argv[1]);
}
