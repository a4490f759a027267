/* hunt.c -- the runner of the run-until-fail engine behind build/hunt and
 * gallery hunt: one poll() loop that launches runs, lets their output be
 * drained (output.c), reaps them, kills their process groups and hands
 * each completed run to outcome.c. */
#include "hunt_internal.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void internal(struct hunt *h, const char *what) {
  fprintf(stderr, "%s: %s: %s\n", h->o->progname, what, strerror(errno));
  if (!h->fatal)
    h->fatal = 3;
  h->stopping = 1;
  h->stop_reason = "internal-error";
}

/* Stops a run: SIGTERM to its group now, SIGKILL after the grace. */
static void stop_run(struct hunt *h, struct slot *s) {
  if (s->kill_at == 0 && !s->p.reaped) {
    proc_kill(&s->p, SIGTERM);
    s->kill_at = proc_now_s() + h->grace;
  }
}

void hunt__stop_all(struct hunt *h, const char *reason) {
  if (!h->stopping) {
    h->stopping = 1;
    h->stop_reason = reason;
  }
  for (int i = 0; i < h->o->jobs; i++) {
    struct slot *s = &h->slots[i];
    if (s->active && !s->p.reaped) {
      /* A run still going is abandoned; one whose leader already exited
       * is finished and still counts. */
      if (s->kill_at == 0 && !proc_exited(&s->p))
        s->abandoned = 1;
      stop_run(h, s);
    }
  }
}

static int launch(struct hunt *h, struct slot *s) {
  long run = h->launched;
  unsigned long long seed = hunt__run_seed(h, run);
  hunt__set_run_env(h, run, seed);
  struct proc_opts po = {.envp = h->envp,
                         .in = PROC_NULL,
                         .out = PROC_PIPE,
                         .err = PROC_PIPE,
                         .handshake = 1};
  if (proc_spawn(&s->p, h->argv, &po) < 0) {
    if (s->p.pid > 0) {
      /* It forked, but the exec failed: a command that cannot run is
       * reported once, not counted as a failing run. */
      fprintf(stderr, "%s: cannot execute '%s': %s\n", h->o->progname,
              h->argv[0], strerror(errno));
      h->fatal = 2;
      hunt__stop_all(h, "exec-error");
    } else {
      internal(h, "fork");
    }
    return -1;
  }
  s->active = 1;
  s->abandoned = 0;
  s->st[0].fd = s->p.out_fd;
  s->st[1].fd = s->p.err_fd;
  s->hs_fd = s->p.hs_fd;
  s->p.out_fd = s->p.err_fd = s->p.hs_fd = -1; /* the slot owns them */
  for (int k = 0; k < 2; k++)
    s->st[k].line_len = 0, s->st[k].line_split = 0;
  s->hs_len = 0;
  s->err1_len = 0;
  s->err1_done = 0;
  s->err1[0] = '\0';
  s->timed_out = 0;
  s->run = run;
  s->seed = seed;
  s->deadline = h->o->timeout_s > 0 ? proc_now_s() + h->o->timeout_s : 0;
  s->kill_at = 0;
  s->tail_pos = 0;
  s->total = 0;
  s->matched = 0;
  h->launched++;
  return 0;
}

/* Moves one run along: exit, timeout, stop, reap, finish. */
static void advance(struct hunt *h, struct slot *s, double now, char *buf) {
  if (!s->p.reaped) {
    int ex = proc_exited(&s->p);
    if (ex && s->kill_at == 0) {
      /* The leader is a zombie, so its group id is still ours: what it
       * left behind gets SIGTERM, and SIGKILL after the grace. */
      proc_kill(&s->p, SIGTERM);
      s->kill_at = now + h->grace;
    } else if (!ex && s->kill_at == 0 && s->deadline > 0 &&
               now >= s->deadline) {
      s->timed_out = 1;
      stop_run(h, s);
    }
    if (s->kill_at > 0 && (now >= s->kill_at || (ex && !hunt__pipes_open(s)))) {
      proc_kill(&s->p, SIGKILL);
      proc_reap(&s->p);
      s->kill_at = now + EOF_GRACE_S; /* now: how long to wait for EOF */
    }
  }
  if (s->p.reaped && hunt__pipes_open(s) && now >= s->kill_at) {
    if (!h->stray_warned) {
      fprintf(stderr,
              "%s: run %ld: its output stayed open after its process "
              "group was killed (a process left the group with setsid?); "
              "not waiting for it\n",
              h->o->progname, s->run);
      h->stray_warned = 1;
    }
    for (int k = 0; k < 2; k++)
      if (s->st[k].fd >= 0) {
        close(s->st[k].fd);
        s->st[k].fd = -1;
      }
  }
  if (s->p.reaped && !hunt__pipes_open(s)) {
    while (s->hs_fd >= 0 && s->hs_len + 1 < sizeof s->hs) {
      size_t before = s->hs_len;
      hunt__drain(h, s, 2, buf);
      if (s->hs_len == before)
        break;
    }
    hunt__finish(h, s);
  }
}

static void loop(struct hunt *h) {
  const struct hunt_opts *o = h->o;
  size_t cap = 3 * (size_t)o->jobs + 1;
  struct pollfd *pfd = calloc(cap, sizeof *pfd);
  int *owner = calloc(cap, sizeof *owner);
  char *buf = malloc(READ_CHUNK);
  if (!pfd || !owner || !buf) {
    internal(h, "out of memory");
    free(pfd);
    free(owner);
    free(buf);
    return;
  }
  for (;;) {
    double now = proc_now_s();
    if (h->deadline > 0 && now >= h->deadline && !h->stopping)
      hunt__stop_all(h, "max-time");
    int nactive = 0;
    for (int i = 0; i < o->jobs; i++) {
      struct slot *s = &h->slots[i];
      if (!s->active && !h->stopping && (o->runs == 0 || h->launched < o->runs))
        launch(h, s);
      nactive += s->active;
    }
    if (nactive == 0)
      break;

    double wake = o->quiet ? now + 1.0 : h->next_progress;
    if (h->deadline > 0 && !h->stopping && h->deadline < wake)
      wake = h->deadline;
    int n = 0;
    pfd[n].fd = h->wake_fd;
    pfd[n].events = POLLIN;
    owner[n++] = -1;
    for (int i = 0; i < o->jobs; i++) {
      struct slot *s = &h->slots[i];
      if (!s->active)
        continue;
      int fds[3] = {s->st[0].fd, s->st[1].fd, s->hs_fd};
      for (int k = 0; k < 3; k++)
        if (fds[k] >= 0) {
          pfd[n].fd = fds[k];
          pfd[n].events = POLLIN;
          owner[n++] = i * 3 + k;
        }
      if (!s->p.reaped && s->kill_at == 0 && s->deadline > 0 &&
          s->deadline < wake)
        wake = s->deadline;
      if (s->kill_at > 0 && s->kill_at < wake)
        wake = s->kill_at;
    }
    /* Exits are also checked on every pass, so a lost wake-up costs at most
     * a fraction of a second, never a stuck run. */
    if (wake > now + 0.5)
      wake = now + 0.5;
    int ms = wake > now ? (int)((wake - now) * 1000.0) + 1 : 0;
    int pr = poll(pfd, (nfds_t)n, ms);
    if (pr < 0 && errno != EINTR) {
      internal(h, "poll");
      hunt__stop_all(h, "internal-error");
    }
    if (pr > 0 && (pfd[0].revents & POLLIN))
      proc_wake_drain();
    if (proc_wake_signal() && !h->r.interrupted) {
      h->r.interrupted = 1;
      hunt__stop_all(h, "interrupted");
    }
    for (int k = 1; pr > 0 && k < n; k++)
      if (pfd[k].revents)
        hunt__drain(h, &h->slots[owner[k] / 3], owner[k] % 3, buf);
    now = proc_now_s();
    for (int i = 0; i < o->jobs; i++)
      if (h->slots[i].active)
        advance(h, &h->slots[i], now, buf);
    hunt__progress(h, now, 0);
  }
  free(pfd);
  free(owner);
  free(buf);
}

/* Where results go is checked before the first run, not after an hour of
 * them. Returns 0 or the exit code (2). */
static int check_outputs(const struct hunt_opts *o) {
  if (o->keep_dir && ((mkdir(o->keep_dir, 0777) < 0 && errno != EEXIST) ||
                      access(o->keep_dir, W_OK | X_OK) < 0)) {
    fprintf(stderr, "%s: --keep: cannot write into %s: %s\n", o->progname,
            o->keep_dir, strerror(errno));
    return 2;
  }
  if (o->json_path) {
    char dir[PATH_MAX];
    struct stat st;
    hunt__dir_of(o->json_path, dir, sizeof dir);
    if (stat(o->json_path, &st) == 0 && S_ISDIR(st.st_mode)) {
      fprintf(stderr, "%s: --json: %s is a directory\n", o->progname,
              o->json_path);
      return 2;
    }
    if (access(dir, W_OK | X_OK) < 0) {
      fprintf(stderr, "%s: --json: cannot write %s: %s: %s\n", o->progname,
              o->json_path, dir, strerror(errno));
      return 2;
    }
  }
  return 0;
}

/* Everything before the first run: the command and options, the regex,
 * the shim, the outputs. Returns 0 or the exit code (2). */
static int setup(struct hunt *h) {
  const struct hunt_opts *o = h->o;
  char *const *argv = h->argv;
  if (!argv || !argv[0] || !argv[0][0]) {
    fprintf(stderr, "%s: no command to run\n", o->progname);
    return 2;
  }
  if (o->jobs < 1 || o->runs < 0) {
    fprintf(stderr, "%s: jobs must be >= 1 and runs >= 0\n", o->progname);
    return 2;
  }
  h->r.base_seed =
      (o->seed_set ? o->seed : hunt__default_seed()) & SPEC_SEED_MAX;
  if (o->fail_on) {
    if (regcomp(&h->re, o->fail_on, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) !=
        0) {
      fprintf(stderr, "%s: --fail-on: bad regex '%s'\n", o->progname,
              o->fail_on);
      return 2;
    }
    h->have_re = 1;
  }
  if (o->preload && hunt__find_preload(h) < 0)
    return 2;
  return check_outputs(o);
}

/* The environment and one slot per job, with its buffers allocated once.
 * Returns 0 or the exit code (3). */
static int alloc_runs(struct hunt *h) {
  const struct hunt_opts *o = h->o;
  if (hunt__build_env(h) < 0) {
    fprintf(stderr, "%s: out of memory\n", o->progname);
    return 3;
  }
  h->slots = calloc((size_t)o->jobs, sizeof *h->slots);
  if (!h->slots)
    return 3;
  for (int i = 0; i < o->jobs; i++) {
    struct slot *s = &h->slots[i];
    s->st[0].fd = s->st[1].fd = s->hs_fd = -1;
    s->tail = malloc(HUNT_TAIL_BYTES);
    for (int k = 0; k < 2 && h->have_re; k++)
      s->st[k].line = malloc(HUNT_LINE_MAX);
    if (!s->tail || (h->have_re && (!s->st[0].line || !s->st[1].line))) {
      fprintf(stderr, "%s: out of memory\n", o->progname);
      return 3;
    }
  }
  return 0;
}

/* Frees what setup and alloc_runs made (any part of it). */
static void release(struct hunt *h) {
  for (int i = 0; h->slots && i < h->o->jobs; i++) {
    free(h->slots[i].tail);
    free(h->slots[i].st[0].line);
    free(h->slots[i].st[1].line);
  }
  free(h->slots);
  free(h->envp);
  free(h->env_preload);
  free(h->env_sched);
  free(h->first_replay);
  free(h->first_sched);
  free(h->preload_path);
  if (h->have_re)
    regfree(&h->re);
}

/* The exit code of a hunt that ran (see hunt_run). */
static int verdict(const struct hunt *h) {
  if (h->fatal)
    return h->fatal;
  if (h->r.failures > 0)
    return 1;
  if (h->r.runs == 0) {
    /* No run completed (interrupted or out of time at once): there is
     * nothing to base a verdict on. */
    fprintf(stderr, "%s: no run completed (stopped: %s): no verdict\n",
            h->o->progname, h->stop_reason);
    return 3;
  }
  return 0;
}

/* The runs, with signals caught, then the summary; returns the exit code. */
static int hunt_go(struct hunt *h) {
  const struct hunt_opts *o = h->o;
  h->wake_fd = proc_wake_open();
  if (h->wake_fd < 0) {
    fprintf(stderr, "%s: pipe: %s\n", o->progname, strerror(errno));
    return 3;
  }
  h->tty = isatty(STDERR_FILENO);
  h->t0 = proc_now_s();
  h->deadline = o->max_time_s > 0 ? h->t0 + o->max_time_s : 0;
  h->next_progress = h->t0 + (h->tty ? 0.1 : 5.0);
  loop(h);
  h->r.elapsed_s = proc_now_s() - h->t0;
  proc_wake_close();

  hunt__progress(h, 0, 1);
  if (h->fatal != 2) {
    FILE *out = o->out ? o->out : stdout;
    hunt__print_summary(h, out);
    fflush(out);
    if (o->json_path && hunt__write_json(h) < 0 && !h->fatal)
      h->fatal = 3;
  }
  return verdict(h);
}

int hunt_run(const struct hunt_opts *o, char *const argv[],
             struct hunt_result *res) {
  struct hunt hs;
  struct hunt *h = &hs;
  int rc;
  memset(h, 0, sizeof *h);
  h->o = o;
  h->argv = argv;
  h->r.first_fail_run = -1;
  h->stop_reason = o->runs > 0 ? "runs" : "first-failure";
  h->grace = o->grace_s > 0 ? o->grace_s : PROC_GRACE_S;
  rc = setup(h);
  if (rc == 0)
    rc = alloc_runs(h);
  if (rc == 0) {
    rc = hunt_go(h);
    if (res)
      *res = h->r;
  }
  release(h);
  return rc;
}
