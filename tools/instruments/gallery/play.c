/* play.c -- `gallery play NN`: be the scheduler. The scenario runs under
 * the interactive strategy (tools/runtime/sched/dsched_play.c): at every choice the
 * scheduler has -- which held pool request or callback goes next, which
 * runnable thread runs -- the program stops and asks, showing each option
 * and where it stands in the source, and what else is pending. Breaking
 * the invariant wins: play prints the schedule as a replayable --schedule
 * string and the run's timeline (the scheduler's recorder). Choices come
 * from the terminal, from --script FILE (a recorded game), or, with
 * --search (the default with --fix), from a depth-first walk over the
 * choice tree that says whether it was exhaustive or bounded.
 * Exit: 1 the invariant broke (a win), 0 it held, 2 usage or a script that
 * does not fit, 3 setup failure. */
#include "gallery_ext.h"
#include "proc.h"
#include "registry.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

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

/* ------------------------------------------------------------ one game */

struct question {
  char kind[16];
  int n;
  char items[64][80];
  char whats[64][160];
  int ninfo;
  char infos[64][160];
  char taken[4096];
};

/* How the choices are made: returns the index chosen, -1 to quit (the
 * message printed), -2 for bad input (a script that does not fit). */
typedef int (*chooser_fn)(void *arg, const struct question *q, int number);

struct game {
  const struct scenario *s;
  int variant; /* 1 bug, 2 fix */
  char spec[64];
  char *const *args;
  int nargs;
  int verbose; /* show each question and pick */
  chooser_fn choose;
  void *arg;
  /* results */
  int choices;
  int rc; /* the program's shell-style status; 256: stopped */
  char schedule[4096];
  char lastq[4200]; /* the last question's schedule with its pick */
  char *out;
  size_t out_len;
  char dir[PATH_MAX];
  char log[PATH_MAX + 16];
};

static char play_dir[PATH_MAX]; /* removed on a signal */

static void remove_play_dir(void) {
  char p[PATH_MAX + 16];
  if (!play_dir[0])
    return;
  snprintf(p, sizeof p, "%s/ask", play_dir);
  unlink(p);
  snprintf(p, sizeof p, "%s/answer", play_dir);
  unlink(p);
  snprintf(p, sizeof p, "%s/log.jsonl", play_dir);
  unlink(p);
  rmdir(play_dir);
  play_dir[0] = '\0';
}

static void on_signal(int sig) {
  remove_play_dir();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void append(struct game *g, const char *buf, size_t n) {
  char *m = realloc(g->out, g->out_len + n + 1);
  if (m == NULL)
    return;
  memcpy(m + g->out_len, buf, n);
  g->out = m;
  g->out_len += n;
  g->out[g->out_len] = '\0';
}

static void show_question(const struct question *q, int number) {
  printf("\nchoice %d -- ", number);
  if (strcmp(q->kind, "threads") == 0)
    printf("%d threads can run: which one goes next?\n", q->n);
  else
    printf("%d requests or callbacks are held: which one goes next?\n",
           q->n);
  for (int i = 0; i < q->n; i++)
    printf("  %d) %-14s %s\n", i + 1, q->items[i], q->whats[i]);
  if (q->ninfo > 0) {
    printf("  also pending:\n");
    for (int i = 0; i < q->ninfo; i++)
      printf("     %s\n", q->infos[i]);
  }
}

/* Parses one question (its lines in text); returns 0 or -1. */
static int parse_question(char *text, struct question *q) {
  char *save = NULL;
  memset(q, 0, sizeof *q);
  for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n",
                                                              &save)) {
    if (strncmp(l, "choose ", 7) == 0) {
      if (sscanf(l + 7, "%15s %d", q->kind, &q->n) != 2)
        return -1;
    } else if (strncmp(l, "opt ", 4) == 0 && q->ninfo < 64) {
      static int k;
      char *tab = strchr(l + 4, '\t');
      if (tab == NULL)
        return -1;
      *tab = '\0';
      k = 0;
      while (k < 64 && q->items[k][0])
        k++;
      if (k == 64)
        return -1;
      snprintf(q->items[k], sizeof q->items[k], "%s", l + 4);
      snprintf(q->whats[k], sizeof q->whats[k], "%s", tab + 1);
    } else if (strncmp(l, "taken ", 6) == 0) {
      snprintf(q->taken, sizeof q->taken, "%s", l + 6);
    } else if (strncmp(l, "info ", 5) == 0 && q->ninfo < 64) {
      snprintf(q->infos[q->ninfo++], sizeof q->infos[0], "%s", l + 5);
    }
  }
  return q->n > 0 && q->n <= 64 ? 0 : -1;
}

/* Runs one game. Returns 0 when it ran to the end (g->rc is the
 * program's status), -2 bad input (the chooser said so), -1 when the
 * player quit, -3 setup failure. */
static int play_once(struct game *g) {
  char prog[PATH_MAX], ask[PATH_MAX + 16], answer[PATH_MAX + 16];
  char e_sched[96], e_play[PATH_MAX + 16], e_log[PATH_MAX + 32];
  char *argv[72], **env, qbuf[65536];
  size_t qlen = 0, n = 0, k = 0;
  const char *t = getenv("TMPDIR");
  struct proc_opts o;
  struct proc p;
  int afd = -1, wfd = -1, ret = 0, na = 0, out_open = 1;

  g->choices = 0;
  g->rc = -1;
  g->schedule[0] = '\0';
  g->lastq[0] = '\0';
  free(g->out);
  g->out = NULL;
  g->out_len = 0;
  snprintf(g->dir, sizeof g->dir, "%s/gallery-play-XXXXXX",
           t && *t ? t : "/tmp");
  if (mkdtemp(g->dir) == NULL) {
    fprintf(stderr, "gallery: play: cannot make %s: %s\n", g->dir,
            strerror(errno));
    return -3;
  }
  snprintf(play_dir, sizeof play_dir, "%s", g->dir);
  snprintf(ask, sizeof ask, "%s/ask", g->dir);
  snprintf(answer, sizeof answer, "%s/answer", g->dir);
  snprintf(g->log, sizeof g->log, "%s/log.jsonl", g->dir);
  if (mkfifo(ask, 0600) != 0 || mkfifo(answer, 0600) != 0) {
    fprintf(stderr, "gallery: play: mkfifo in %s: %s\n", g->dir,
            strerror(errno));
    return -3;
  }
  /* Both ends are open before the program starts: it opens ask for
   * writing and answer for reading at its first question, and neither
   * open may wait for us. (A FIFO opened for reading and writing does not
   * block on Linux.) */
  afd = open(ask, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  wfd = open(answer, O_RDWR | O_CLOEXEC);
  if (afd < 0 || wfd < 0) {
    fprintf(stderr, "gallery: play: cannot open the FIFOs: %s\n",
            strerror(errno));
    ret = -3;
    goto done;
  }
  snprintf(prog, sizeof prog, "build/bin/%02d-%s-%s", g->s->id, g->s->slug,
           g->variant == 2 ? "fix" : "bug");
  if (access(prog, X_OK) != 0) {
    fprintf(stderr, "gallery: %s is missing: run make first\n", prog);
    ret = -3;
    goto done;
  }
  argv[na++] = prog;
  for (int i = 0; i < g->nargs && na < 70; i++)
    argv[na++] = g->args[i];
  argv[na] = NULL;
  for (char **e = environ; *e; e++)
    n++;
  if ((env = calloc(n + 6, sizeof *env)) == NULL) {
    ret = -3;
    goto done;
  }
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "SCHED", 5) != 0)
      env[k++] = *e;
  snprintf(e_sched, sizeof e_sched, "SCHED=%s", g->spec);
  snprintf(e_play, sizeof e_play, "SCHED_PLAY=%s", g->dir);
  snprintf(e_log, sizeof e_log, "SCHED_LOG=%s", g->log);
  env[k++] = e_sched;
  env[k++] = e_play;
  env[k++] = e_log;
  env[k++] = "SCHED_PRINT=1";
  /* A person may take their time: the watchdog is for programs. */
  env[k++] = "SCHED_WATCHDOG_MS=0";
  env[k] = NULL;
  memset(&o, 0, sizeof o);
  o.envp = env;
  o.in = PROC_NULL;
  o.out = PROC_PIPE;
  o.err = PROC_MERGE;
  if (proc_spawn(&p, argv, &o) != 0) {
    fprintf(stderr, "gallery: cannot run %s: %s\n", prog, strerror(errno));
    free(env);
    ret = -3;
    goto done;
  }
  free(env);
  for (;;) {
    struct pollfd pf[2] = {{afd, POLLIN, 0}, {p.out_fd, POLLIN, 0}};
    char buf[4096];
    ssize_t r;
    int exited = proc_exited(&p);

    if (poll(pf, out_open ? 2 : 1, exited ? 0 : 100) < 0 && errno != EINTR)
      break;
    if (out_open && (pf[1].revents & (POLLIN | POLLHUP))) {
      r = read(p.out_fd, buf, sizeof buf);
      if (r > 0)
        append(g, buf, (size_t)r);
      else if (r == 0)
        out_open = 0;
    }
    if (pf[0].revents & POLLIN) {
      r = read(afd, qbuf + qlen, sizeof qbuf - 1 - qlen);
      if (r > 0) {
        char *end;
        qlen += (size_t)r;
        qbuf[qlen] = '\0';
        while ((end = strstr(qbuf, "\nend\n")) != NULL ||
               strncmp(qbuf, "end\n", 4) == 0) {
          struct question q;
          size_t used = end ? (size_t)(end - qbuf) + 5 : 4;
          char text[65536];
          int pick;
          memcpy(text, qbuf, used);
          text[used] = '\0';
          memmove(qbuf, qbuf + used, qlen - used + 1);
          qlen -= used;
          if (parse_question(text, &q) != 0) {
            fprintf(stderr, "gallery: play: a garbled question from the "
                            "program\n");
            ret = -3;
            break;
          }
          g->choices++;
          if (g->verbose)
            show_question(&q, g->choices);
          pick = g->choose(g->arg, &q, g->choices);
          if (pick < 0) {
            ret = pick;
            break;
          }
          if (g->verbose)
            printf("  -> %s\n", q.items[pick]);
          snprintf(g->lastq, sizeof g->lastq, "%s%s%s", q.taken,
                   strcmp(q.taken, "order:") ? "," : "", q.items[pick]);
          fflush(stdout);
          if (dprintf(wfd, "%s\n", q.items[pick]) < 0) {
            ret = -3;
            break;
          }
        }
        if (ret)
          break;
        continue;
      }
    }
    if (exited && !(pf[0].revents & POLLIN) &&
        !(out_open && (pf[1].revents & (POLLIN | POLLHUP))))
      break;
  }
  if (ret) {
    proc_stop(&p, 1.0);
  } else {
    char buf[4096];
    ssize_t r;
    proc_reap(&p);
    while (out_open && (r = read(p.out_fd, buf, sizeof buf)) > 0)
      append(g, buf, (size_t)r);
  }
  proc_close(&p);
  g->rc = ret ? 256 : proc_shell_status(p.status);
  {
    /* The schedule taken: the scheduler prints it at exit (SCHED_PRINT),
     * also after a deadlock. The last such line is the whole run's. */
    const char *s = g->out, *hit = NULL, *key = "sched: schedule: ";
    while (s && (s = strstr(s, key)) != NULL)
      hit = s, s++;
    if (hit == NULL) {
      /* A driver that resets the scheduler before it exits prints the
       * schedule itself. */
      key = "schedule taken: ";
      for (s = g->out; s && (s = strstr(s, key)) != NULL; s++)
        hit = s;
    }
    if (hit) {
      hit += strlen(key);
      snprintf(g->schedule, sizeof g->schedule, "%.*s",
               (int)strcspn(hit, "\n"), hit);
    } else if (g->lastq[0]) {
      /* Died before it could print one (a crash in a forked child): the
       * schedule up to the last choice, which decides the rest. */
      snprintf(g->schedule, sizeof g->schedule, "%.4000s", g->lastq);
    }
  }
done:
  if (afd >= 0)
    close(afd);
  if (wfd >= 0)
    close(wfd);
  return ret;
}

static void cleanup_game(struct game *g) {
  (void)g;
  remove_play_dir();
}

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

static void show_ending(struct game *g, int timeline) {
  char cmd[8192];
  int win = won(g);
  printf("\n%s after %d choice%s: the program says\n",
         win ? "YOU WIN: the invariant broke" : "The invariant held",
         g->choices, g->choices == 1 ? "" : "s");
  show_output(g);
  if (g->schedule[0]) {
    int at = snprintf(cmd, sizeof cmd, "build/gallery run %02d --%s "
                      "--schedule '%s'", g->s->id,
                      g->variant == 2 ? "fix" : "bug", g->schedule);
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
           strstr(g->spec, "+timers") ? "" : "; timers and closes are held "
                                             "only with --flags");
  else if (!win)
    printf("\nno win this time. Play again, or let the search find one:\n"
           "  build/gallery play %02d --search\n", g->s->id);
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
    fprintf(stderr, "gallery: play: %s: the script ends after %d choices, "
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
  fprintf(stderr, "gallery: play: %s:%d: '%s' is not an option here "
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
    fprintf(stderr, "gallery: play: --script %s: %s\n", path,
            strerror(errno));
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
    if (strchr(s, ' ') || strlen(s) >= sizeof sc->lines[0] ||
        sc->n == 1024) {
      fprintf(stderr, "gallery: play: %s:%d: want one option name a line "
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
  int depth;  /* decisions in the prefix to follow */
  int taken;  /* decisions made in this run */
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

int gallery_cmd_play(int argc, char **argv) {
  const struct scenario *s;
  const char *script = NULL, *flags = "";
  char sargs[512] = "", *args[64], *save = NULL;
  int variant = 1, search = 0, max = 500, nargs = 0, i, rc;
  struct game g;

  if (argc > 1 && strcmp(argv[1], "--help") == 0)
    return fputs(play_help, stdout), 0;
  if (argc < 2 || argv[1][0] == '-' ||
      (s = gallery_find(argv[1])) == NULL) {
    fprintf(stderr, "gallery: play needs a scenario (e.g. 01 or "
                    "log-order), got '%s' (see build/gallery play --help)\n",
            argc > 1 ? argv[1] : "");
    return 2;
  }
  for (i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "--fix") == 0) {
      variant = 2;
    } else if (strcmp(a, "--bug") == 0) {
      variant = 1;
    } else if (strcmp(a, "--search") == 0) {
      search = 1;
    } else if (strcmp(a, "--script") == 0 || strcmp(a, "--max") == 0 ||
               strcmp(a, "--flags") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "gallery: play: %s needs a value\n", a);
        return 2;
      }
      if (a[2] == 's') {
        script = argv[++i];
      } else if (a[2] == 'f') {
        flags = argv[++i];
        if (strcmp(flags, "+timers") && strcmp(flags, "+close") &&
            strcmp(flags, "+timers+close") && strcmp(flags, "+close+timers")) {
          fprintf(stderr, "gallery: play: --flags takes +timers, +close or "
                          "both, got '%s'\n", flags);
          return 2;
        }
      } else {
        char *end;
        max = (int)strtol(argv[++i], &end, 10);
        if (*end || max < 1 || max > 100000) {
          fprintf(stderr, "gallery: play: --max wants a whole number from "
                          "1 to 100000, got '%s'\n", argv[i]);
          return 2;
        }
      }
    } else {
      fprintf(stderr, "gallery: play: unknown option '%s' (see build/gallery "
                      "play --help)\n", a);
      return 2;
    }
  }
  if (script && search) {
    fprintf(stderr, "gallery: play: --script and --search: choose one\n");
    return 2;
  }
  if (variant == 2 && !script)
    search = 1;
  memset(&g, 0, sizeof g);
  g.s = s;
  g.variant = variant;
  snprintf(g.spec, sizeof g.spec, "interactive%s", flags);
  {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
  }
  if (script) {
    static struct script sc;
    char path[PATH_MAX * 2];
    const char *sd = gallery_start_dir();
    if (script[0] == '/' || !sd[0] || access(script, R_OK) == 0)
      snprintf(path, sizeof path, "%s", script);
    else
      snprintf(path, sizeof path, "%s/%s", sd, script);
    if ((rc = read_script(&sc, path, sargs, sizeof sargs)) != 0)
      return rc;
    sc.path = script;
    g.choose = ask_script;
    g.arg = &sc;
  }
  /* Program arguments: the script's, then those after --. */
  for (char *w = strtok_r(sargs, " \t", &save); w && nargs < 60;
       w = strtok_r(NULL, " \t", &save))
    args[nargs++] = w;
  for (; i < argc && nargs < 60; i++)
    args[nargs++] = argv[i];
  g.args = args;
  g.nargs = nargs;

  if (search) {
    static struct dfs d;
    int runs = 0, exhausted = 0, win = 0;
    g.choose = ask_dfs;
    g.arg = &d;
    printf("== play %02d-%s (%s): searching the choice tree depth-first, "
           "at most %d runs\n",
           s->id, s->slug, variant == 2 ? "fix" : "bug", max);
    while (runs < max) {
      d.taken = 0;
      rc = play_once(&g);
      runs++;
      if (rc == -3 || (rc == 0 && (g.rc == 2 || g.rc == 3))) {
        show_output(&g);
        fprintf(stderr, "gallery: play: the run could not be played "
                        "(exit %d)\n", g.rc);
        cleanup_game(&g);
        free(g.out);
        return 3;
      }
      if (won(&g)) {
        win = 1;
        break;
      }
      cleanup_game(&g);
      /* The next path: the deepest choice with an option left. */
      d.depth = d.taken;
      while (d.depth > 0 &&
             d.idx[d.depth - 1] + 1 >= d.width[d.depth - 1])
        d.depth--;
      if (d.depth == 0) {
        exhausted = 1;
        break;
      }
      d.idx[d.depth - 1]++;
    }
    if (win) {
      printf("found a win in run %d: these choices break the invariant "
             "(a script for --script):\n", runs);
      for (int k = 0; k < d.taken; k++)
        printf("  %s\n", d.picks[k]);
      show_ending(&g, 0);
      cleanup_game(&g);
      free(g.out);
      return 1;
    }
    if (exhausted && !d.changed)
      printf("no choice breaks the %s: exhaustive search, all %d paths of "
             "the choice tree (every order of its choices) ran and the "
             "invariant held in each\n",
             variant == 2 ? "fix" : "bug", runs);
    else if (exhausted)
      printf("no path broke the %s in %d runs, but the choice tree changed "
             "between runs (timing outside the scheduler): a bounded "
             "search, not a proof\n",
             variant == 2 ? "fix" : "bug", runs);
    else
      printf("no choice broke the %s in %d runs: a bounded search (--max "
             "%d), the tree has more paths\n",
             variant == 2 ? "fix" : "bug", runs, max);
    free(g.out);
    return 0;
  }

  if (!script)
    g.choose = ask_terminal;
  g.verbose = 1;
  printf("== play %02d-%s (%s): you are the scheduler. Break the "
         "invariant to win.\n   %s.\n",
         s->id, s->slug, variant == 2 ? "fix" : "bug", s->wrong);
  rc = play_once(&g);
  if (rc == -2 || rc == -3 || rc == -1) {
    cleanup_game(&g);
    free(g.out);
    return rc == -2 ? 2 : rc == -1 ? 0 : 3;
  }
  if (g.rc == 2 || g.rc == 3) {
    show_output(&g);
    fprintf(stderr, "gallery: play: the program could not run (exit %d)\n",
            g.rc);
    cleanup_game(&g);
    free(g.out);
    return 3;
  }
  if (script) {
    struct script *sc = g.arg;
    if (sc->pos < sc->n) {
      fprintf(stderr, "gallery: play: %s:%d: the game ended before this "
                      "choice (%d of the script's %d were used)\n",
              sc->path, sc->lineno[sc->pos], sc->pos, sc->n);
      cleanup_game(&g);
      free(g.out);
      return 2;
    }
  }
  show_ending(&g, 1);
  cleanup_game(&g);
  free(g.out);
  return won(&g) ? 1 : g.rc == 0 ? 0 : 1;
}
