/* env.c -- what each run sees: its environment (HUNT_RUN, HUNT_SEED,
 * SCHED, LD_PRELOAD), its seed, and the command line that replays it. */
#include "hunt_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int hunt__perturbed(const struct hunt_opts *o) {
  return o->perturb != HUNT_PERTURB_NONE || o->schedule != NULL;
}

/* Builds the child's environment once: the inherited one without the
 * variables hunt sets per run. The per-run entries are fixed buffers. */
int hunt__build_env(struct hunt *h) {
  size_t n = 0;
  for (char **e = environ; *e; e++)
    n++;
  h->envp = calloc(n + 5, sizeof *h->envp);
  if (!h->envp)
    return -1;
  size_t k = 0;
  const char *old_preload = NULL;
  for (char **e = environ; *e; e++) {
    if (strncmp(*e, "HUNT_RUN=", 9) == 0 ||
        strncmp(*e, "HUNT_SEED=", 10) == 0 || strncmp(*e, "SCHED=", 6) == 0 ||
        strncmp(*e, "SCHED_HANDSHAKE_FD=", 19) == 0)
      continue;
    if (h->o->preload && strncmp(*e, "LD_PRELOAD=", 11) == 0) {
      old_preload = *e + 11;
      continue;
    }
    h->envp[k++] = *e;
  }
  h->envp[k++] = h->env_run;
  h->envp[k++] = h->env_seed;
  if (h->o->preload) {
    size_t len =
        strlen(h->preload_path) + 16 + (old_preload ? strlen(old_preload) : 0);
    h->env_preload = malloc(len);
    if (!h->env_preload)
      return -1;
    if (old_preload && *old_preload)
      snprintf(h->env_preload, len, "LD_PRELOAD=%s:%s", h->preload_path,
               old_preload);
    else
      snprintf(h->env_preload, len, "LD_PRELOAD=%s", h->preload_path);
    h->envp[k++] = h->env_preload;
  }
  if (hunt__perturbed(h->o)) {
    h->env_sched_cap = 64 + (h->o->schedule ? strlen(h->o->schedule) : 0);
    h->env_sched = calloc(1, h->env_sched_cap);
    if (!h->env_sched)
      return -1;
    h->envp[k++] = h->env_sched;
  }
  h->envp[k] = NULL;
  return 0;
}

/* Run i's seed: the base seed plus i, kept within the spec grammar's seed
 * range (so it is never negative, in JSON either). */
unsigned long long hunt__run_seed(const struct hunt *h, long run) {
  return (h->r.base_seed + (unsigned long long)run) & SPEC_SEED_MAX;
}

void hunt__set_run_env(struct hunt *h, long run, unsigned long long seed) {
  snprintf(h->env_run, sizeof h->env_run, "HUNT_RUN=%ld", run);
  snprintf(h->env_seed, sizeof h->env_seed, "HUNT_SEED=%llu", seed);
  if (h->o->schedule)
    snprintf(h->env_sched, h->env_sched_cap, "SCHED=%s", h->o->schedule);
  else if (h->o->perturb == HUNT_PERTURB_RANDOM)
    snprintf(h->env_sched, h->env_sched_cap, "SCHED=random:%llu", seed);
  else if (h->o->perturb == HUNT_PERTURB_PCT)
    snprintf(h->env_sched, h->env_sched_cap, "SCHED=pct:%llu:%d", seed,
             h->o->pct_depth);
  else if (h->o->perturb == HUNT_PERTURB_POS)
    snprintf(h->env_sched, h->env_sched_cap, "SCHED=pos:%llu", seed);
}

/* The exact command that replays run `run`: its environment assignments and
 * the quoted command, for a POSIX shell. Returns a malloc'd string. */
char *hunt__replay_command(struct hunt *h, long run, unsigned long long seed) {
  hunt__set_run_env(h, run, seed);
  const char *assigns[4];
  int na = 0;
  if (hunt__perturbed(h->o))
    assigns[na++] = h->env_sched;
  if (h->o->preload)
    assigns[na++] = h->env_preload;
  assigns[na++] = h->env_run;
  assigns[na++] = h->env_seed;
  size_t cap = 64, len = 0;
  for (int i = 0; i < na; i++)
    cap += 4 * strlen(assigns[i]) + 4;
  for (char *const *a = h->argv; *a; a++)
    cap += 4 * strlen(*a) + 4;
  char *out = malloc(cap);
  if (!out)
    return NULL;
  out[0] = '\0';
  for (int i = 0; i < na; i++) {
    /* NAME=value: the name is safe, the value is quoted. */
    const char *eq = strchr(assigns[i], '=');
    len += (size_t)snprintf(out + len, cap - len,
                            "%.*s=", (int)(eq - assigns[i]), assigns[i]);
    len += hunt_shell_quote(out + len, cap - len, eq + 1);
    out[len++] = ' ';
  }
  for (char *const *a = h->argv; *a; a++) {
    len += hunt_shell_quote(out + len, cap - len, *a);
    out[len++] = ' ';
  }
  out[len - 1] = '\0';
  return out;
}

/* What a replay of a failing run can promise, in one phrase. */
const char *hunt__replay_kind(const struct hunt *h, int exact, int via) {
  if (exact && via == 2)
    return "exact: the preload shim decides every choice";
  if (exact)
    return "exact: the workbook's scheduler decides every choice";
  if (hunt__perturbed(h->o))
    return "same seed, perturbation only: reproduces sometimes";
  return "no schedule, a natural run: reproduces sometimes";
}

unsigned long long hunt__default_seed(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  unsigned long long x = (unsigned long long)ts.tv_sec * 1000000007ULL ^
                         (unsigned long long)ts.tv_nsec ^
                         ((unsigned long long)getpid() << 32);
  /* splitmix64 finaliser: nearby times give unrelated seeds. */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x % 1000000000ULL; /* short enough to type */
}

int hunt__find_preload(struct hunt *h) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0) {
    fprintf(stderr, "%s: --preload: cannot read /proc/self/exe: %s\n",
            h->o->progname, strerror(errno));
    return -1;
  }
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash)
    *slash = '\0';
  size_t len = strlen(exe) + sizeof "/libsched-preload.so";
  h->preload_path = malloc(len);
  if (!h->preload_path)
    return -1;
  snprintf(h->preload_path, len, "%s/libsched-preload.so", exe);
  if (access(h->preload_path, R_OK) != 0) {
    fprintf(stderr, "%s: --preload: %s not found (build it with make)\n",
            h->o->progname, h->preload_path);
    return -1;
  }
  return 0;
}
