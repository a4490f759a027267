/* outcome.c -- a completed run becomes a verdict: its kind of failure,
 * what schedulers announced in it, the counts, the first failure's replay
 * and the --keep log. */
#include "hunt_internal.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *hunt__signame(int sig, char *buf, size_t cap) {
  const char *ab = sigabbrev_np(sig);
  if (ab)
    snprintf(buf, cap, "SIG%s", ab);
  else
    snprintf(buf, cap, "signal %d", sig);
  return buf;
}

static void write_keep(struct hunt *h, struct slot *s, const char *kind,
                       int exact, int via) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/run-%ld.log", h->o->keep_dir, s->run);
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "%s: --keep: cannot write %s: %s\n", h->o->progname, path,
            strerror(errno));
    if (!h->fatal)
      h->fatal = 3;
    return;
  }
  char *replay = hunt__replay_command(h, s->run, s->seed);
  size_t kept = s->total < HUNT_TAIL_BYTES ? (size_t)s->total : HUNT_TAIL_BYTES;
  fprintf(f, "# hunt: run %ld failed: %s\n", s->run, kind);
  fprintf(f, "# seed: %llu\n", s->seed);
  fprintf(f, "# replay: %s  # %s\n", replay ? replay : "(out of memory)",
          hunt__replay_kind(h, exact, via));
  fprintf(f, "# output: the last %zu of %llu bytes follow\n", kept, s->total);
  if (s->total > HUNT_TAIL_BYTES) {
    fwrite(s->tail + s->tail_pos, 1, HUNT_TAIL_BYTES - s->tail_pos, f);
    fwrite(s->tail, 1, s->tail_pos, f);
  } else {
    fwrite(s->tail, 1, kept, f);
  }
  free(replay);
  if (fclose(f) != 0) {
    fprintf(stderr, "%s: --keep: cannot write %s: %s\n", h->o->progname, path,
            strerror(errno));
    if (!h->fatal)
      h->fatal = 3;
  }
}

/* What schedulers announced in a run (spec.h's handshake lines; a line
 * with replay=none took no part): *level 0 none, 1 a perturbation, 2 exact;
 * *via bit 1 the scheduler linked into the program, bit 2 the shim. */
static void handshake_seen(const struct slot *s, int *level, int *via) {
  const char *p = s->hs, *end = s->hs + s->hs_len;
  *level = *via = 0;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    int l = 0;
    if (n > 16 && memcmp(p, "sched-handshake ", 16) == 0) {
      if (memmem(p, n, " replay=exact ", 14))
        l = 2;
      else if (memmem(p, n, " replay=perturb ", 16))
        l = 1;
    }
    if (l > 0) {
      if (l > *level)
        *level = l;
      *via |= memmem(p, n, " via=preload ", 13) ? 2 : 1;
    }
    p += n + 1;
  }
}

/* The run took no schedule although one was asked for: say why, and
 * refuse to go on (a verdict from unperturbed runs would be a lie). */
static void no_scheduler(struct hunt *h, struct slot *s) {
  const struct hunt_opts *o = h->o;
  fprintf(stderr,
          "%s: run %ld took no schedule: nothing in '%s' announced a "
          "scheduler, so %s would change nothing.\n",
          o->progname, s->run, h->argv[0],
          o->schedule ? "--schedule" : "--perturb");
  if (!o->preload)
    fprintf(stderr,
            "%s: a program built with the workbook's scheduler "
            "(tools/runtime/sched) takes SCHED itself; for an unmodified, "
            "dynamically linked pthread program add --preload.\n",
            o->progname);
  else if (o->schedule)
    fprintf(stderr,
            "%s: the preload shim did not take '%s' (it runs random, pct "
            "and order: scripts of thread steps; fifo and lifo need a "
            "program built with the workbook's scheduler).\n",
            o->progname, o->schedule);
  else
    fprintf(stderr,
            "%s: the preload shim was not loaded (a static program, or "
            "one started in a way that drops LD_PRELOAD?)\n",
            o->progname);
  h->fatal = 2;
  hunt__stop_all(h, "no-scheduler");
}

/* Closes a finished run's descriptors: its slot is free again. */
static void free_slot(struct slot *s) {
  s->active = 0;
  for (int k = 0; k < 2; k++)
    if (s->st[k].fd >= 0) {
      close(s->st[k].fd);
      s->st[k].fd = -1;
    }
  if (s->hs_fd >= 0) {
    close(s->hs_fd);
    s->hs_fd = -1;
  }
}

/* A run that exited with a --setup-codes code says the command could not
 * run as asked: no verdict, and the hunt stops. Returns 1 for such a run. */
static int setup_failure(struct hunt *h, const struct slot *s) {
  const struct hunt_opts *o = h->o;
  int status = s->p.status;
  if (s->timed_out || !WIFEXITED(status) || WEXITSTATUS(status) == 0 ||
      !o->setup_code[WEXITSTATUS(status)])
    return 0;
  h->r.setup_error = WEXITSTATUS(status);
  snprintf(h->setup_line, sizeof h->setup_line, "%s", s->err1);
  fprintf(stderr,
          "%s: run %ld exited %d, a setup failure (--setup-codes), not the "
          "bug: %s\n",
          o->progname, s->run, WEXITSTATUS(status),
          s->err1[0] ? s->err1 : "(it wrote nothing to stderr)");
  if (!h->fatal)
    h->fatal = 3;
  hunt__stop_all(h, "setup-error");
  return 1;
}

/* Counts the run's kind of failure and names it in kind; returns 0 for a
 * clean run. */
static int classify(struct hunt *h, const struct slot *s, char *kind,
                    size_t cap) {
  struct hunt_result *r = &h->r;
  int status = s->p.status;
  char sn[24];
  if (s->timed_out) {
    r->hangs++;
    snprintf(kind, cap, "hang (timeout %gs)", h->o->timeout_s);
  } else if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    r->signals++;
    if (sig > 0 && sig < 65)
      r->by_signal[sig]++;
    snprintf(kind, cap, "signal %s", hunt__signame(sig, sn, sizeof sn));
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    r->exits++;
    r->exit_codes[WEXITSTATUS(status)]++;
    snprintf(kind, cap, "exit %d", WEXITSTATUS(status));
  } else if (s->matched) {
    r->matches++;
    snprintf(kind, cap, "output matched --fail-on");
  } else {
    return 0;
  }
  return 1;
}

/* Counts a failing run of the given kind: whether all failed alike, the
 * first failure and its replay, the --keep log, the stop at the first. */
static void failed(struct hunt *h, struct slot *s, const char *kind, int level,
                   int via) {
  struct hunt_result *r = &h->r;
  int by = via & 1 ? 1 : via & 2 ? 2 : 0;
  /* Every completed run failing the same way (same kind, same first
   * stderr line) is what a setup error looks like. */
  if (r->failures == 0) {
    snprintf(h->same_kind, sizeof h->same_kind, "%s", kind);
    snprintf(h->same_err1, sizeof h->same_err1, "%s", s->err1);
  } else if (strcmp(kind, h->same_kind) != 0 ||
             strcmp(s->err1, h->same_err1) != 0) {
    h->differ = 1;
  }
  r->failures++;
  r->identical = !h->differ && r->failures == r->runs && r->runs >= 2;
  if (r->first_fail_run < 0 || s->run < r->first_fail_run) {
    r->first_fail_run = s->run;
    r->first_fail_seed = s->seed;
    r->first_fail_exact = level == 2;
    r->first_fail_via = by;
    snprintf(h->first_kind, sizeof h->first_kind, "%s", kind);
    snprintf(h->first_err1, sizeof h->first_err1, "%s", s->err1);
    free(h->first_replay);
    h->first_replay = hunt__replay_command(h, s->run, s->seed);
    free(h->first_sched); /* the command above set env_sched for this run */
    h->first_sched =
        hunt__perturbed(h->o) ? strdup(strchr(h->env_sched, '=') + 1) : NULL;
  }
  if (h->o->keep_dir)
    write_keep(h, s, kind, level == 2, by);
  if (h->o->until_fail)
    hunt__stop_all(h, "first-failure");
}

/* Counts a completed run; frees its slot. */
void hunt__finish(struct hunt *h, struct slot *s) {
  struct hunt_result *r = &h->r;
  char kind[48] = "";
  int level, via;
  free_slot(s);
  if (s->abandoned)
    return;
  handshake_seen(s, &level, &via);
  h->finished++;
  if (setup_failure(h, s))
    return;
  /* No scheduler in the first run to finish: refuse. Later runs without
   * one are counted, and the summary says in how many it was active. */
  if (hunt__perturbed(h->o) && level == 0 && r->active_runs == 0) {
    no_scheduler(h, s);
    return;
  }
  r->runs++;
  r->active_runs += level > 0;
  r->exact_runs += level == 2;
  r->sched_runs += (via & 1) != 0;
  r->preload_runs += (via & 2) != 0;
  if (classify(h, s, kind, sizeof kind))
    failed(h, s, kind, level, via);
  else
    h->differ = 1;
}
