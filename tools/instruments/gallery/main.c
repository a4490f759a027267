/* main.c -- build/gallery: list, show, run, hunt, expose, compare, trace,
 * tour, play and try the workbook's scenarios. Each variant is its own
 * program under build/bin/ and each deterministic test its own Criterion
 * program under build/tests/; the gallery finds them next to itself and
 * runs them. Each command lives in a file of its own (run.c, hunt.c, ...);
 * this file finds the repository and dispatches.
 * Exit: 0 ran and the invariant held, 1 the bug was observed, 2 usage or bad
 * input, 3 setup or internal failure. */
#include "gallery_ext.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char build_dir[PATH_MAX];    /* where this program lives: build/ */
static char root_dir[PATH_MAX + 4]; /* the repository: build/.. */
static int color;                /* stdout is a terminal and NO_COLOR unset */
static char start_dir[PATH_MAX]; /* where the gallery was started */

const char *const gallery_variants[3] = {"sync", "bug", "fix"};

const char *gallery_paint(const char *code) {
  return color ? code : "";
}

const char *gallery_start_dir(void) {
  return start_dir;
}

const char *gallery_build_dir(void) {
  return build_dir;
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
  /* The root is the first directory above the build directory that holds
   * bugs/: build/gallery, and a sanitizer build's build/asan/gallery. */
  snprintf(root_dir, sizeof root_dir, "%s/..", build_dir);
  for (int up = 0; up < 3; up++) {
    char probe[sizeof root_dir + 8];
    snprintf(probe, sizeof probe, "%s/bugs", root_dir);
    if (access(probe, F_OK) == 0 || strlen(root_dir) + 4 >= sizeof root_dir)
      break;
    strcat(root_dir, "/..");
  }
  if (chdir(root_dir) != 0) {
    fprintf(stderr, "gallery: cannot enter %s: %s\n", root_dir,
            strerror(errno));
    exit(3);
  }
}

double gallery_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- list */

static const struct option no_opts[] = {GOPT_HELP_ENTRY, GOPT_END_ENTRY};

/* A command that takes no options but --help, and a scenario if flags
 * say so: any other word is refused with why. Returns 0, -1 (help
 * printed) or 2. */
static int plain_args(struct gallery_opts *o, const char *cmd, const char *help,
                      int flags, const char *why, int argc, char **argv) {
  int c;

  gallery_opts_begin(o, cmd, help, no_opts, flags | GOPT_WORDS, argc, argv);
  if ((c = gallery_opt_next(o)) == GOPT_WORD)
    return gallery_usage(NULL, "%s, got '%s'", why, o->word);
  if (c == GOPT_END && o->rest < argc)
    return gallery_usage(NULL, "%s, got '%s'", why, argv[o->rest]);
  return gallery_opts_result(c);
}

static int cmd_list(int argc, char **argv) {
  struct gallery_opts o;
  int rc = plain_args(&o, "list",
                      "usage: gallery list\nEvery scenario: id, title, "
                      "chapter, what goes wrong.\n",
                      0, "list takes no arguments", argc, argv);

  if (rc != 0)
    return rc < 0 ? 0 : rc;
  for (int i = 0; i < gallery_nscenarios; i++) {
    const struct scenario *s = &gallery_scenarios[i];
    printf("%s%02d-%s%s  %s\n    chapter: %s\n    what goes wrong: %s\n",
           gallery_paint("\033[1m"), s->id, s->slug, gallery_paint("\033[0m"),
           s->title, s->chapter, s->wrong);
  }
  return 0;
}

/* ---------------------------------------------------------------- show */

static int cmd_show(int argc, char **argv) {
  struct gallery_opts o;
  const struct scenario *s;
  int rc = plain_args(&o, "show",
                      "usage: gallery show NN\nThe scenario's files, how to "
                      "trigger it, and what to look at.\n",
                      GOPT_SCENARIO, "show takes one scenario", argc, argv);

  if (rc != 0)
    return rc < 0 ? 0 : rc;
  s = o.s;
  printf("%02d-%s: %s\n  theme: %s\n  what goes wrong: %s\n\n", s->id, s->slug,
         s->title, s->theme, s->wrong);
  printf("files:\n"
         "  bugs/%02d-%s/sync.c     the synchronous twin (correct, slower)\n"
         "  bugs/%02d-%s/async.c    the async version with the latent bug\n"
         "  fixes/%02d-%s/async.c   the fix (diff it against the bug)\n"
         "  bugs/%02d-%s/main.c     the driver and its invariant\n"
         "  tests/test_%02d_",
         s->id, s->slug, s->id, s->slug, s->id, s->slug, s->id, s->slug, s->id);
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

/* ---------------------------------------------------------------- trace */

static int cmd_trace(int argc, char **argv) {
  char prog[PATH_MAX + 8];
  struct child c = {0};
  int rc;

  /* The files trace reads and writes are the user's: back to where the
   * gallery was started. */
  snprintf(prog, sizeof prog, "build/trace");
  if ((rc = gallery_need_file(prog)) != 0)
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
  return gallery_exit(gallery_run(argv, &c));
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
  } cmds[] = {{"list", cmd_list},
              {"show", cmd_show},
              {"run", gallery_cmd_run},
              {"hunt", gallery_cmd_hunt},
              {"expose", gallery_cmd_expose},
              {"compare", gallery_cmd_compare},
              {"trace", cmd_trace},
              {"tour", gallery_cmd_tour},
              {"try", gallery_cmd_try},
              {"play", gallery_cmd_play},
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
    return gallery_usage(NULL,
                         "missing command: list, show, run, hunt, expose, "
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
  gallery_catch_signals();
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (strcmp(argv[1], cmds[i].name) == 0)
      return finish(cmds[i].fn(argc - 1, argv + 1));
  return gallery_usage(NULL, "unknown command '%s'", argv[1]);
}
