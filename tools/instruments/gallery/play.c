/* play.c -- `gallery play NN`: be the scheduler. The scenario runs under
 * the interactive strategy (tools/runtime/sched/dsched_play.h): at every
 * choice the scheduler has -- which held pool request or callback goes
 * next, which runnable thread runs -- the program stops and asks, showing
 * each option and where it stands in the source, and what else is
 * pending (one game: play_game.c). Breaking the invariant wins: play
 * prints the schedule as a replayable --schedule string and the run's
 * timeline (the scheduler's recorder). Choices come from the terminal,
 * from --script FILE (a recorded game), or, with --search (the default
 * with --fix), from a depth-first walk over the choice tree that says
 * whether it was exhaustive or bounded.
 * Exit: 1 the invariant broke (a win), 0 it held, 2 usage or a script that
 * does not fit, 3 setup failure. */
#include "play.h"
#include "proc.h"
#include "spec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char play_help[] =
    "usage: gallery play NN [--fix] [--script FILE | --search [--max N]]\n"
    "                       [--flags +timers+close] [-- PROGRAM-ARGS...]\n"
    "Be the scheduler: the bug runs under the interactive strategy and, at\n"
    "every choice, you pick which held pool request or callback goes next,\n"
    "or which runnable thread runs, seeing where each thread stands in the\n"
    "source and what else is pending. Break the invariant to win: play\n"
    "prints the schedule as a replayable --schedule string and the run's\n"
    "timeline. Type the number or the name of an option; q quits.\n"
    "  --script FILE  take the choices from FILE, one name a line (# starts\n"
    "                 a comment; \"# args: ...\" gives PROGRAM-ARGS); every\n"
    "                 line must fit, and the game must end with the script\n"
    "  --search       walk the choice tree depth-first, each run one path,\n"
    "                 and stop at the first win; says whether the walk was\n"
    "                 exhaustive or stopped at --max runs (default 500).\n"
    "                 With --fix (and no --script) this is the default: no\n"
    "                 choice should break the fix\n"
    "  --flags F      hold timer firings and close callbacks too (+timers,\n"
    "                 +close), as choices\n"
    "Exit: 1 the invariant broke (you won), 0 it held, 2 usage or a script\n"
    "that does not fit, 3 setup failure.\n";

/* The program's own output, without the scheduler's lines. */
static void show_output(const struct game *g) {
  const char *p = g->out;
  while (p && *p) {
    size_t n = strcspn(p, "\n");
    if (strncmp(p, "sched: schedule:", 16) != 0)
      printf("  | %.*s\n", (int)n, p);
    p += n + (p[n] == '\n');
  }
}

/* The bug observed: the invariant check failed (1), the scheduler found a
 * deadlock (1), or the program died of a signal (a crash the lesson
 * shows, as for the gallery's other commands). */
static int won(const struct game *g) {
  return g->rc == 1 || (g->rc > 128 && g->rc < 256);
}

/* Whether the game's schedule holds timer firings (+timers), as the
 * schedule grammar reads it. */
static int holds_timers(const struct game *g) {
  struct spec sp;
  char err[160];

  return spec_parse(g->spec, &sp, err, sizeof err) == 0 && sp.timers;
}

static void show_ending(struct game *g, int timeline) {
  char cmd[8192];
  int win = won(g);
  printf("\n%s after %d choice%s: the program says\n",
         win ? "YOU WIN: the invariant broke" : "The invariant held",
         g->choices, g->choices == 1 ? "" : "s");
  show_output(g);
  if (g->schedule[0]) {
    int at = snprintf(cmd, sizeof cmd,
                      "build/gallery run %02d --%s "
                      "--schedule '%s'",
                      g->s->id, g->variant == 2 ? "fix" : "bug", g->schedule);
    if (g->nargs > 0) {
      at += snprintf(cmd + at, sizeof cmd - (size_t)at, " --");
      for (int i = 0; i < g->nargs && at < (int)sizeof cmd; i++)
        at += snprintf(cmd + at, sizeof cmd - (size_t)at, " %s", g->args[i]);
    }
    printf("replay: %s\n", cmd);
  } else {
    printf("replay: (the program printed no schedule)\n");
  }
  if (timeline) {
    char *targv[] = {"build/trace", "--color", "never", g->log, NULL};
    struct proc_opts o;
    struct proc_run r;
    fflush(stdout);
    printf("\nthe timeline of your game (recorded by the scheduler):\n");
    fflush(stdout);
    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    o.in = PROC_NULL;
    o.out = PROC_INHERIT;
    o.err = PROC_INHERIT;
    r.timeout_s = 30;
    proc_run(targv, &o, &r);
    free(r.out);
  }
  if (g->choices == 0)
    printf("\nthis run offered the scheduler no choice: nothing it holds "
           "(pool requests, file writes, threads at schedule points%s) was "
           "ever pending twice at once. Try a bigger run (-- ARGS) or "
           "--flags +timers+close.\n",
           holds_timers(g) ? ""
                           : "; timers and closes are held only with "
                             "--flags");
  else if (!win)
    printf("\nno win this time. Play again, or let the search find one:\n"
           "  build/gallery play %02d --search\n",
           g->s->id);
}

/* ------------------------------------------------------------ choosers */

static int ask_terminal(void *arg, const struct question *q, int number) {
  char line[256];
  (void)arg;
  (void)number;
  for (;;) {
    char *end;
    long v;
    printf("your pick [1-%d, or a name; q quits]: ", q->n);
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
      printf("\n");
      fprintf(stderr, "gallery: play: no more input: the game is left "
                      "unfinished\n");
      return -2;
    }
    line[strcspn(line, "\r\n")] = '\0';
    if (strcmp(line, "q") == 0) {
      printf("stopped: the game is left unfinished.\n");
      return -1;
    }
    v = strtol(line, &end, 10);
    if (*line && *end == '\0' && v >= 1 && v <= q->n)
      return (int)v - 1;
    for (int i = 0; i < q->n; i++)
      if (strcmp(line, q->items[i]) == 0)
        return i;
    printf("'%s' is not one of the options\n", line);
  }
}

struct script {
  const char *path;
  char lines[1024][80];
  int lineno[1024];
  int n, pos;
};

static int ask_script(void *arg, const struct question *q, int number) {
  struct script *sc = arg;
  const char *want;
  (void)number;
  if (sc->pos >= sc->n) {
    fprintf(stderr,
            "gallery: play: %s: the script ends after %d choices, "
            "but the program asks another (options:",
            sc->path, sc->n);
    for (int i = 0; i < q->n; i++)
      fprintf(stderr, " %s", q->items[i]);
    fprintf(stderr, ")\n");
    return -2;
  }
  want = sc->lines[sc->pos];
  for (int i = 0; i < q->n; i++)
    if (strcmp(want, q->items[i]) == 0) {
      sc->pos++;
      return i;
    }
  fprintf(stderr,
          "gallery: play: %s:%d: '%s' is not an option here "
          "(choice %d; options:",
          sc->path, sc->lineno[sc->pos], want, sc->pos + 1);
  for (int i = 0; i < q->n; i++)
    fprintf(stderr, " %s", q->items[i]);
  fprintf(stderr, ")\n");
  return -2;
}

/* Reads a script; "# args: ..." lines give the program's arguments. */
static int read_script(struct script *sc, const char *path, char *args,
                       size_t cap) {
  FILE *f = fopen(path, "r");
  char line[256];
  int ln = 0;
  if (f == NULL) {
    fprintf(stderr, "gallery: play: --script %s: %s\n", path, strerror(errno));
    return 2;
  }
  sc->path = path;
  while (fgets(line, sizeof line, f)) {
    char *s = line, *e;
    ln++;
    line[strcspn(line, "\r\n")] = '\0';
    while (*s == ' ' || *s == '\t')
      s++;
    if (strncmp(s, "# args:", 7) == 0) {
      snprintf(args, cap, "%s", s + 7);
      continue;
    }
    if (*s == '#' || *s == '\0')
      continue;
    for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
      ;
    *e = '\0';
    if (strchr(s, ' ') || strlen(s) >= sizeof sc->lines[0] || sc->n == 1024) {
      fprintf(stderr,
              "gallery: play: %s:%d: want one option name a line "
              "(e.g. work#1 or t1@lock), got '%s'\n",
              path, ln, s);
      fclose(f);
      return 2;
    }
    sc->lineno[sc->n] = ln;
    snprintf(sc->lines[sc->n++], sizeof sc->lines[0], "%s", s);
  }
  fclose(f);
  return 0;
}

/* Depth-first search: the path so far, each choice's index and width. */
struct dfs {
  int idx[4096], width[4096];
  int depth;   /* decisions in the prefix to follow */
  int taken;   /* decisions made in this run */
  int changed; /* the tree was not the same twice: timing outside */
  char picks[4096][80];
};

static int ask_dfs(void *arg, const struct question *q, int number) {
  struct dfs *d = arg;
  int i = number - 1, k;
  if (i >= 4096)
    return 0;
  if (i < d->depth) {
    k = d->idx[i];
    if (d->width[i] != q->n)
      d->changed = 1;
    if (k >= q->n)
      k = q->n - 1;
  } else {
    k = 0;
  }
  d->idx[i] = k;
  d->width[i] = q->n;
  snprintf(d->picks[i], sizeof d->picks[i], "%s", q->items[k]);
  d->taken = number;
  return k;
}

/* ------------------------------------------------------------ command */

enum { OPT_SCRIPT = GOPT_OPTION, OPT_SEARCH, OPT_MAX, OPT_FLAGS };

static const struct option play_opts[] = {
    GOPT_BUG_ENTRY,
    GOPT_FIX_ENTRY,
    {"script", required_argument, NULL, OPT_SCRIPT},
    {"search", no_argument, NULL, OPT_SEARCH},
    {"max", required_argument, NULL, OPT_MAX},
    {"flags", required_argument, NULL, OPT_FLAGS},
    GOPT_HELP_ENTRY,
    GOPT_END_ENTRY};

struct play_args {
  struct gallery_opts o;
  const char *script, *flags;
  int search, max;
};

/* --flags: the kinds of events held as choices besides the pool's. */
static int flags_ok(const char *f) {
  return !strcmp(f, "+timers") || !strcmp(f, "+close") ||
         !strcmp(f, "+timers+close") || !strcmp(f, "+close+timers");
}

/* Reads play's command line into *a. Returns 0, 2 on a usage error, or
 * -1 after printing the help. */
static int play_parse(struct play_args *a, int argc, char **argv) {
  int c;

  a->flags = "";
  a->max = 500;
  gallery_opts_begin(&a->o, "play", play_help, play_opts, GOPT_SCENARIO, argc,
                     argv);
  while ((c = gallery_opt_next(&a->o)) > 0) {
    if (c == OPT_SCRIPT)
      a->script = a->o.arg;
    else if (c == OPT_SEARCH)
      a->search = 1;
    else if (c == OPT_FLAGS && !flags_ok(a->flags = a->o.arg))
      return gallery_usage("play",
                           "--flags takes +timers, +close or both, "
                           "got '%s'",
                           a->flags);
    else if (c == OPT_MAX &&
             gallery_count_arg("play", "--max", a->o.arg, 1, 100000, &a->max))
      return 2;
  }
  if (c != GOPT_END)
    return gallery_opts_result(c);
  if (a->script && a->search)
    return gallery_usage("play", "--script and --search: choose one");
  if (a->o.variant == 2 && !a->script)
    a->search = 1;
  return 0;
}

/* The search's verdict when no path won. */
static void search_held(const struct game *g, const struct dfs *d, int runs,
                        int exhausted, int max) {
  const char *v = g->variant == 2 ? "fix" : "bug";
  if (exhausted && !d->changed)
    printf("no choice breaks the %s: exhaustive search, all %d paths of "
           "the choice tree (every order of its choices) ran and the "
           "invariant held in each\n",
           v, runs);
  else if (exhausted)
    printf("no path broke the %s in %d runs, but the choice tree changed "
           "between runs (timing outside the scheduler): a bounded "
           "search, not a proof\n",
           v, runs);
  else
    printf("no choice broke the %s in %d runs: a bounded search (--max "
           "%d), the tree has more paths\n",
           v, runs, max);
}

/* The next path of a depth-first walk: the deepest choice with an option
 * left. Returns 0 when there is none (the walk is over). */
static int next_path(struct dfs *d) {
  d->depth = d->taken;
  while (d->depth > 0 && d->idx[d->depth - 1] + 1 >= d->width[d->depth - 1])
    d->depth--;
  if (d->depth == 0)
    return 0;
  d->idx[d->depth - 1]++;
  return 1;
}

/* --search: one run per path until one wins or the walk ends. */
static int play_search(struct game *g, int max) {
  static struct dfs d;
  int runs = 0, exhausted = 0, rc;

  g->choose = ask_dfs;
  g->arg = &d;
  printf("== play %02d-%s (%s): searching the choice tree depth-first, "
         "at most %d runs\n",
         g->s->id, g->s->slug, g->variant == 2 ? "fix" : "bug", max);
  while (runs < max) {
    d.taken = 0;
    rc = play_once(g);
    runs++;
    if (rc == -3 || (rc == 0 && (g->rc == 2 || g->rc == 3))) {
      show_output(g);
      fprintf(stderr,
              "gallery: play: the run could not be played "
              "(exit %d)\n",
              g->rc);
      return 3;
    }
    if (won(g)) {
      printf("found a win in run %d: these choices break the invariant "
             "(a script for --script):\n",
             runs);
      for (int k = 0; k < d.taken; k++)
        printf("  %s\n", d.picks[k]);
      show_ending(g, 0);
      return 1;
    }
    play_cleanup();
    if (!next_path(&d)) {
      exhausted = 1;
      break;
    }
  }
  search_held(g, &d, runs, exhausted, max);
  return 0;
}

/* One game, the choices from the terminal or a script. */
static int play_by_hand(struct game *g, struct script *sc) {
  int rc;

  g->verbose = 1;
  printf("== play %02d-%s (%s): you are the scheduler. Break the "
         "invariant to win.\n   %s.\n",
         g->s->id, g->s->slug, g->variant == 2 ? "fix" : "bug", g->s->wrong);
  rc = play_once(g);
  if (rc == -2 || rc == -3 || rc == -1)
    return rc == -2 ? 2 : rc == -1 ? 0 : 3;
  if (g->rc == 2 || g->rc == 3) {
    show_output(g);
    fprintf(stderr, "gallery: play: the program could not run (exit %d)\n",
            g->rc);
    return 3;
  }
  if (sc && sc->pos < sc->n) {
    fprintf(stderr,
            "gallery: play: %s:%d: the game ended before this "
            "choice (%d of the script's %d were used)\n",
            sc->path, sc->lineno[sc->pos], sc->pos, sc->n);
    return 2;
  }
  show_ending(g, 1);
  return won(g) ? 1 : g->rc == 0 ? 0 : 1;
}

/* Loads --script: its choices, and its "# args:" into sargs. */
static int load_script(struct script *sc, const char *script, char *sargs,
                       size_t cap) {
  char path[PATH_MAX * 2];
  const char *sd = gallery_start_dir();
  int rc;

  /* A path that works from the repository root is taken as it is. */
  if (script[0] == '/' || !sd[0] || access(script, R_OK) == 0)
    snprintf(path, sizeof path, "%s", script);
  else
    snprintf(path, sizeof path, "%s/%s", sd, script);
  if ((rc = read_script(sc, path, sargs, cap)) != 0)
    return rc;
  sc->path = script;
  return 0;
}

int gallery_cmd_play(int argc, char **argv) {
  static struct script sc;
  static struct game g;
  struct play_args a = {0};
  char sargs[512] = "", *args[64], *save = NULL;
  int nargs = 0, rc;

  if ((rc = play_parse(&a, argc, argv)) != 0)
    return rc < 0 ? 0 : rc;
  memset(&g, 0, sizeof g);
  g.s = a.o.s;
  g.variant = a.o.variant;
  snprintf(g.spec, sizeof g.spec, "interactive%s", a.flags);
  g.choose = ask_terminal;
  if (a.script) {
    if ((rc = load_script(&sc, a.script, sargs, sizeof sargs)) != 0)
      return rc;
    g.choose = ask_script;
    g.arg = &sc;
  }
  /* Program arguments: the script's, then those after --. */
  for (char *w = strtok_r(sargs, " \t", &save); w && nargs < 60;
       w = strtok_r(NULL, " \t", &save))
    args[nargs++] = w;
  for (int i = a.o.rest; i < argc && nargs < 60; i++)
    args[nargs++] = argv[i];
  g.args = args;
  g.nargs = nargs;
  rc = a.search ? play_search(&g, a.max)
                : play_by_hand(&g, a.script ? &sc : NULL);
  play_cleanup();
  free(g.out);
  return rc;
}
