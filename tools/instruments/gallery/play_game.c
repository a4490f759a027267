/* play_game.c -- one game of `gallery play`: the scenario's program runs
 * under the interactive strategy, and each question it sends over the
 * FIFOs of dsched_play.h goes to the game's chooser, whose pick is the
 * answer. The program's output is kept; the schedule it took is read from
 * the recorder's trailer in the game's SCHED_LOG at the end. */
#include "play.h"
#include "proc.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The game's files, in the gallery's private directory (tmp.c removes
 * them at exit and on a signal): the two FIFOs and the recorder's log. */
static char ask_path[PATH_MAX], answer_path[PATH_MAX], log_path[PATH_MAX];

/* The program of the game in progress, or 0: stopped with SIGTERM when
 * the gallery is, so that it cleans up after itself (its own handler)
 * instead of waiting for an answer that will not come. */
static volatile pid_t playing;

static void stop_playing(void) {
  if (playing > 0)
    kill(-playing, SIGTERM);
}

void play_cleanup(void) {
  if (ask_path[0])
    unlink(ask_path);
  if (answer_path[0])
    unlink(answer_path);
  if (log_path[0])
    unlink(log_path);
}

void play_show_question(const struct question *q, int number) {
  printf("\nchoice %d -- ", number);
  if (strcmp(q->kind, "threads") == 0)
    printf("%d threads can run: which one goes next?\n", q->n);
  else
    printf("%d requests or callbacks are held: which one goes next?\n", q->n);
  for (int i = 0; i < q->n; i++)
    printf("  %d) %-14s %s\n", i + 1, q->items[i], q->whats[i]);
  if (q->ninfo > 0) {
    printf("  also pending:\n");
    for (int i = 0; i < q->ninfo; i++)
      printf("     %s\n", q->infos[i]);
  }
}

/* A line that starts with keyword kw (dsched_play.h): the rest, or NULL. */
static const char *after(const char *line, const char *kw) {
  size_t n = strlen(kw);
  return strncmp(line, kw, n) == 0 ? line + n : NULL;
}

/* "choose KIND N". Returns 0, or -1 when it does not fit the grammar. */
static int parse_choose(const char *v, struct question *q) {
  size_t k = strcspn(v, " ");
  char *end;
  long n;

  if (k == 0 || k >= sizeof q->kind || v[k] != ' ')
    return -1;
  snprintf(q->kind, sizeof q->kind, "%.*s", (int)k, v);
  errno = 0;
  n = strtol(v + k + 1, &end, 10);
  if (errno || end == v + k + 1 || *end || n < 1 || n > DSCHED_PLAY_MAX_OPTIONS)
    return -1;
  q->n = (int)n;
  return 0;
}

/* Parses one question (its lines in text, dsched_play.h's grammar);
 * returns 0, or -1 when it does not fit. */
static int parse_question(char *text, struct question *q) {
  char *save = NULL;
  const char *v;
  int nopt = 0;

  memset(q, 0, sizeof *q);
  for (char *l = strtok_r(text, "\n", &save); l;
       l = strtok_r(NULL, "\n", &save)) {
    if ((v = after(l, DSCHED_PLAY_CHOOSE)) != NULL) {
      if (parse_choose(v, q) != 0)
        return -1;
    } else if ((v = after(l, DSCHED_PLAY_OPT)) != NULL) {
      const char *tab = strchr(v, '\t');
      if (tab == NULL || nopt == DSCHED_PLAY_MAX_OPTIONS)
        return -1;
      snprintf(q->items[nopt], sizeof q->items[0], "%.*s", (int)(tab - v), v);
      snprintf(q->whats[nopt++], sizeof q->whats[0], "%s", tab + 1);
    } else if ((v = after(l, DSCHED_PLAY_TAKEN)) != NULL) {
      snprintf(q->taken, sizeof q->taken, "%s", v);
    } else if ((v = after(l, DSCHED_PLAY_INFO)) != NULL &&
               q->ninfo < DSCHED_PLAY_MAX_OPTIONS) {
      snprintf(q->infos[q->ninfo++], sizeof q->infos[0], "%s", v);
    }
  }
  return q->n > 0 && nopt == q->n ? 0 : -1;
}

/* One game's channel to its program. */
struct session {
  struct proc p;
  int afd, wfd; /* the question FIFO (read), the answer FIFO */
  int out_open; /* the program's output not yet at its end */
  char qbuf[65536];
  size_t qlen;
};

static void append(struct game *g, const char *buf, size_t n) {
  char *m = realloc(g->out, g->out_len + n + 1);
  if (m == NULL)
    return;
  memcpy(m + g->out_len, buf, n);
  g->out = m;
  g->out_len += n;
  g->out[g->out_len] = '\0';
}

/* The game's two FIFOs, both ends open before the program starts: it
 * opens the question FIFO for writing and the answer FIFO for reading at
 * its first question, and neither open may wait for us. (A FIFO opened
 * for reading and writing does not block on Linux.) Returns 0 or -3. */
static int open_channel(struct game *g, struct session *ss) {
  if (gallery_tmp_path(ask_path, sizeof ask_path, DSCHED_PLAY_ASK) != 0 ||
      gallery_tmp_path(answer_path, sizeof answer_path, DSCHED_PLAY_ANSWER) !=
          0 ||
      gallery_tmp_path(log_path, sizeof log_path, "play.jsonl") != 0)
    return -3;
  /* The directory SCHED_PLAY names; the recorder appends to its log, and
   * a game starts from nothing. */
  snprintf(g->dir, sizeof g->dir, "%.*s",
           (int)(strrchr(ask_path, '/') - ask_path), ask_path);
  snprintf(g->log, sizeof g->log, "%s", log_path);
  play_cleanup();
  if (mkfifo(ask_path, 0600) != 0 || mkfifo(answer_path, 0600) != 0) {
    fprintf(stderr, "gallery: play: mkfifo in %s: %s\n", g->dir,
            strerror(errno));
    return -3;
  }
  ss->afd = open(ask_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ss->wfd = open(answer_path, O_RDWR | O_CLOEXEC);
  if (ss->afd < 0 || ss->wfd < 0) {
    fprintf(stderr, "gallery: play: cannot open the FIFOs: %s\n",
            strerror(errno));
    return -3;
  }
  return 0;
}

/* The caller's environment without SCHED*, plus the game's. NULL when
 * out of memory. */
static char **game_env(const struct game *g) {
  static const char *const drop[] = {"SCHED", NULL};
  static char e_sched[96], e_play[PATH_MAX + 16], e_log[PATH_MAX + 32];
  /* A person may take their time: the watchdog is for programs. */
  char *add[] = {e_sched, e_play, e_log, "SCHED_WATCHDOG_MS=0", NULL};

  snprintf(e_sched, sizeof e_sched, "SCHED=%s", g->spec);
  snprintf(e_play, sizeof e_play, "SCHED_PLAY=%s", g->dir);
  snprintf(e_log, sizeof e_log, "SCHED_LOG=%s", g->log);
  return gallery_env(drop, add);
}

/* Starts the program, its output (stdout and stderr) on a pipe. Returns
 * 0 or -3. */
static int spawn(struct game *g, struct session *ss) {
  char prog[PATH_MAX], *argv[72], **env;
  struct proc_opts o;
  int na = 0, rc;

  gallery_path_of(prog, sizeof prog, "bin", g->s,
                  gallery_variants[g->variant == 2 ? 2 : 1]);
  if (gallery_need_file(prog) != 0)
    return -3;
  argv[na++] = prog;
  for (int i = 0; i < g->nargs && na < 70; i++)
    argv[na++] = g->args[i];
  argv[na] = NULL;
  if ((env = game_env(g)) == NULL)
    return -3;
  memset(&o, 0, sizeof o);
  o.envp = env;
  o.in = PROC_NULL;
  o.out = PROC_PIPE;
  o.err = PROC_MERGE;
  rc = proc_spawn(&ss->p, argv, &o);
  if (rc == 0) {
    playing = ss->p.pid;
    gallery_tmp_hook(stop_playing);
  }
  if (rc != 0)
    fprintf(stderr, "gallery: cannot run %s: %s\n", prog, strerror(errno));
  free(env);
  return rc != 0 ? -3 : 0;
}

/* Asks the chooser one question and writes its pick as the answer.
 * Returns 0, or the chooser's negative answer, or -3. */
static int answer(struct game *g, struct session *ss, char *text) {
  struct question q;
  int pick;

  if (parse_question(text, &q) != 0) {
    fprintf(stderr, "gallery: play: a garbled question from the program\n");
    return -3;
  }
  g->choices++;
  if (g->verbose)
    play_show_question(&q, g->choices);
  if ((pick = g->choose(g->arg, &q, g->choices)) < 0)
    return pick;
  if (g->verbose)
    printf("  -> %s\n", q.items[pick]);
  snprintf(g->lastq, sizeof g->lastq, "%s%s%s", q.taken,
           strcmp(q.taken, "order:") ? "," : "", q.items[pick]);
  fflush(stdout);
  return dprintf(ss->wfd, "%s\n", q.items[pick]) < 0 ? -3 : 0;
}

/* Reads what the question FIFO holds and answers every whole question
 * in it (each ends with DSCHED_PLAY_END). Returns 0 or negative. */
static int read_questions(struct game *g, struct session *ss) {
  static const char end[] = "\n" DSCHED_PLAY_END;
  static char text[sizeof ss->qbuf];
  ssize_t r =
      read(ss->afd, ss->qbuf + ss->qlen, sizeof ss->qbuf - 1 - ss->qlen);
  char *e;
  int rc;

  if (r <= 0)
    return 0;
  ss->qlen += (size_t)r;
  ss->qbuf[ss->qlen] = '\0';
  while ((e = strstr(ss->qbuf, end)) != NULL ||
         strncmp(ss->qbuf, DSCHED_PLAY_END, strlen(DSCHED_PLAY_END)) == 0) {
    size_t used =
        e ? (size_t)(e - ss->qbuf) + strlen(end) : strlen(DSCHED_PLAY_END);
    memcpy(text, ss->qbuf, used);
    text[used] = '\0';
    memmove(ss->qbuf, ss->qbuf + used, ss->qlen - used + 1);
    ss->qlen -= used;
    if ((rc = answer(g, ss, text)) != 0)
      return rc;
  }
  return 0;
}

/* Until the program exits and its output is read: questions answered,
 * output kept. Returns 0, or negative when the game was cut short. */
static int converse(struct game *g, struct session *ss) {
  for (;;) {
    struct pollfd pf[2] = {{ss->afd, POLLIN, 0}, {ss->p.out_fd, POLLIN, 0}};
    int exited = proc_exited(&ss->p), rc, out_ready;
    char buf[4096];
    ssize_t r;

    if (poll(pf, ss->out_open ? 2 : 1, exited ? 0 : 100) < 0 && errno != EINTR)
      return 0;
    out_ready = ss->out_open && (pf[1].revents & (POLLIN | POLLHUP));
    if (out_ready) {
      r = read(ss->p.out_fd, buf, sizeof buf);
      if (r > 0)
        append(g, buf, (size_t)r);
      else if (r == 0)
        ss->out_open = 0;
    }
    if (pf[0].revents & POLLIN) {
      if ((rc = read_questions(g, ss)) != 0)
        return rc;
      continue;
    }
    if (exited && !out_ready)
      return 0;
  }
}

/* The schedule taken, from the recorder's trailer (the last line of the
 * game's SCHED_LOG, dsched_rec.c): the scheduler writes it at exit, also
 * after a deadlock, and keeps the last run's when a driver resets the
 * scheduler before it exits or runs the schedule in a forked child.
 * Returns 0; 1 when the log has no trailer (a program killed or crashed
 * before its exit); -1, with a message, when the trailer has no "taken". */
static int trailer_taken(const struct game *g, char *buf, size_t n) {
  FILE *f = fopen(g->log, "r");
  char *line = NULL, *last = NULL;
  size_t cap = 0;
  long lineno = 0, at = 0;
  json_t *j;
  const char *ev, *taken;
  int rc = 1;

  if (f == NULL)
    return 1;
  while (getline(&line, &cap, f) > 0) {
    lineno++;
    free(last);
    if ((last = strdup(line)) == NULL)
      break;
    at = lineno;
  }
  free(line);
  fclose(f);
  j = last ? json_loads(last, 0, NULL) : NULL;
  free(last);
  ev = json_string_value(json_object_get(j, "ev"));
  if (ev != NULL && strcmp(ev, "trailer") == 0) {
    taken = json_string_value(json_object_get(j, "taken"));
    if (taken != NULL) {
      snprintf(buf, n, "%s", taken);
      rc = 0;
    } else {
      fprintf(stderr, "gallery: play: %s:%ld: the trailer has no \"taken\"\n",
              g->log, at);
      rc = -1;
    }
  }
  json_decref(j);
  return rc;
}

static void read_schedule(struct game *g) {
  int rc = trailer_taken(g, g->schedule, sizeof g->schedule);

  if (rc != 0 || strcmp(g->schedule, "order:") == 0)
    g->schedule[0] = '\0';
  if (rc >= 0 && g->schedule[0] == '\0' && g->lastq[0]) {
    /* The program died before its trailer (a crash, a signal): the
     * schedule up to the last choice, which decides the rest. */
    snprintf(g->schedule, sizeof g->schedule, "%.4000s", g->lastq);
  }
}

int play_once(struct game *g) {
  static struct session ss;
  int ret;

  memset(&ss, 0, sizeof ss);
  ss.afd = ss.wfd = -1;
  ss.out_open = 1;
  g->choices = 0;
  g->rc = -1;
  g->schedule[0] = '\0';
  g->lastq[0] = '\0';
  free(g->out);
  g->out = NULL;
  g->out_len = 0;
  if ((ret = open_channel(g, &ss)) == 0 && (ret = spawn(g, &ss)) == 0) {
    if ((ret = converse(g, &ss)) != 0) {
      proc_stop(&ss.p, 1.0);
      playing = 0; /* reaped: its pid may be another's now */
    } else {
      char buf[4096];
      ssize_t r;
      playing = 0; /* it has exited: nothing to stop */
      proc_reap(&ss.p);
      while (ss.out_open && (r = read(ss.p.out_fd, buf, sizeof buf)) > 0)
        append(g, buf, (size_t)r);
    }
    proc_close(&ss.p);
    g->rc = ret ? 256 : proc_shell_status(ss.p.status);
    read_schedule(g);
  }
  if (ss.afd >= 0)
    close(ss.afd);
  if (ss.wfd >= 0)
    close(ss.wfd);
  return ret;
}
