/* hunt.c -- the run-until-fail engine behind build/hunt and gallery hunt:
 * one poll() loop that forks runs, drains their output, reaps them, kills
 * their process groups and turns the outcomes into statistics. */
#include "hunt.h"
#include "proc.h"
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define Z95 1.959963984540054
/* --fail-on sees output one line at a time. A line longer than this is
 * matched in windows of this size that overlap by half, so any match up to
 * HUNT_LINE_MAX / 2 bytes long is still found wherever it sits. */
#define HUNT_LINE_MAX (64 * 1024)
#define READ_CHUNK (64 * 1024)
/* After a run's leader has exited and its group was killed, the pipe should
 * reach EOF at once. If it does not, a process outside the group (one that
 * called setsid) holds it; hunt stops waiting after this long. */
#define EOF_GRACE_S 2.0

/* ------------------------------------------------------------ statistics */

void hunt_wilson(long k, long n, double z, double *lo, double *hi) {
  if (n <= 0) {
    *lo = 0.0;
    *hi = 1.0;
    return;
  }
  double p = (double)k / (double)n, z2 = z * z, nn = (double)n;
  double denom = 1.0 + z2 / nn;
  double center = (p + z2 / (2.0 * nn)) / denom;
  double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  *lo = k == 0 ? 0.0 : fmax(0.0, center - half);
  *hi = k == n ? 1.0 : fmin(1.0, center + half);
}

double hunt_zero_fail_bound(long n, double c) {
  if (n <= 0)
    return 1.0;
  /* @snippet zero_fail_bound */
  /* n clean runs happen with probability (1-u)^n; the largest rate u that
   * still makes them at least 1-c likely is the bound. */
  return 1.0 - pow(1.0 - c, 1.0 / (double)n);
  /* @end */
}

long hunt_runs_to_claim_fix(double p, double c) {
  if (!(p > 0.0))
    return -1;
  if (p >= 1.0)
    return 1;
  /* @snippet runs_to_claim_fix */
  /* A bug that fails with probability p survives n runs unseen with
   * probability (1-p)^n; we need that to be at most 1-c. log1p keeps small
   * p accurate, and the 1e-9 keeps an exact integer from rounding up. */
  return (long)ceil(log(1.0 - c) / log1p(-p) - 1e-9);
  /* @end */
}

size_t hunt_shell_quote(char *buf, size_t cap, const char *word) {
  static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                             "WXYZ0123456789_-+./:=,@%";
  size_t need = 0;
  int bare = word[0] != '\0' && strspn(word, safe) == strlen(word);
#define PUT(c)                                                                 \
  do {                                                                         \
    if (need + 1 < cap)                                                        \
      buf[need] = (c);                                                         \
    need++;                                                                    \
  } while (0)
  if (bare) {
    for (const char *s = word; *s; s++)
      PUT(*s);
  } else {
    /* Single quotes keep everything literal; a quote inside becomes '\''. */
    PUT('\'');
    for (const char *s = word; *s; s++) {
      if (*s == '\'') {
        PUT('\'');
        PUT('\\');
        PUT('\'');
        PUT('\'');
      } else {
        PUT(*s);
      }
    }
    PUT('\'');
  }
#undef PUT
  if (cap > 0)
    buf[need < cap ? need : cap - 1] = '\0';
  return need;
}

/* --------------------------------------------------------------- options */

void hunt_opts_default(struct hunt_opts *o) {
  memset(o, 0, sizeof *o);
  o->until_fail = 1;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  o->jobs = n > 0 ? (int)n : 1;
  o->pct_depth = 3;
  o->progname = "hunt";
}

void hunt_usage(FILE *f) {
  fputs("usage: hunt [options] -- CMD [ARGS...]\n"
        "Runs CMD again and again until it fails, and reports how often it "
        "fails.\n"
        "\n"
        "A run fails when it exits non-zero, dies by a signal, hangs past\n"
        "--timeout, or prints a line matching --fail-on.\n"
        "\n"
        "options:\n"
        "  --runs N         stop after N runs (default: no limit)\n"
        "  --until-fail     stop at the first failure (the default)\n"
        "  --count-all      keep going after failures, to measure the rate\n"
        "  --jobs J         runs in parallel (default: the number of cores)\n"
        "  --timeout SEC    per run; a run still going is killed with its\n"
        "                   process group and counted as a hang\n"
        "  --fail-on REGEX  a line of output matching this POSIX extended\n"
        "                   regex is a failure (the whole output is scanned)\n"
        "  --perturb MODE   none | random | pct[:DEPTH] | pos (default none;\n"
        "                   DEPTH 1..16): sets SCHED for the run, e.g.\n"
        "                   SCHED=pct:S:3; pos (partial-order sampling) is\n"
        "                   the preload shim's (--preload)\n"
        "  --schedule SPEC  the same schedule every run (grammar: see\n"
        "                   tools/runtime/sched/spec.h, e.g. order:t1,t2 or fifo)\n"
        "  --seed S         base seed, 0..2^63-1; run i gets seed S+i (default:\n"
        "                   from the time and pid, printed in the summary)\n"
        "  --preload        run under libsched-preload.so (LD_PRELOAD), found\n"
        "                   next to the hunt program, for unmodified pthread\n"
        "                   programs; needs --perturb or --schedule\n"
        "  --setup-codes L  exit codes (comma-separated, 1..255) that mean the\n"
        "                   command could not run as asked, not that the bug\n"
        "                   showed: such a run stops the hunt with exit 3 and\n"
        "                   its first stderr line. The workbook's programs use\n"
        "                   2 (usage) and 3 (setup); gallery passes 2,3. Default:\n"
        "                   none, since for a foreign command any non-zero exit\n"
        "                   may be the bug\n"
        "  --max-time SEC   stop after SEC seconds: runs in flight are stopped\n"
        "                   and not counted; the summary covers the rest\n"
        "  --grace SEC      a stopped run gets SIGTERM, then SIGKILL after SEC\n"
        "                   seconds (default 1), so it can remove its files\n"
        "  --keep DIR       save each failing run's output (last 64 KiB) to\n"
        "                   DIR/run-N.log, headed by its seed and a replay\n"
        "                   command\n"
        "  --json FILE      also write the summary as JSON to FILE\n"
        "  --bug-rate P     the bug's known failure rate (0<P<1), for the\n"
        "                   \"clean runs needed to claim a fix\" advice\n"
        "  --quiet          no progress line\n"
        "  --help           this text\n"
        "or: hunt --merge [--force] [--json OUT] A.json B.json ...: one rate\n"
        "and interval from many hunts' --json summaries (hunt --merge --help)\n"
        "\n"
        "Each run sees HUNT_RUN (its index), HUNT_SEED (its seed), SCHED and\n"
        "SCHED_HANDSHAKE_FD. A scheduler that takes SCHED announces itself\n"
        "there; with --perturb or --schedule, a command in which none does is\n"
        "refused (exit 2) rather than reported as unperturbed runs. The\n"
        "replay line says whether it is exact (the workbook's scheduler\n"
        "decides every choice) or reproduces the failure only sometimes.\n"
        "exit status: 0 runs completed and no failure seen, 1 a failure was\n"
        "seen, 2 usage error, 3 setup failure (--setup-codes), no completed\n"
        "run, or internal failure\n",
        f);
}

__attribute__((format(printf, 2, 3))) static int
opt_error(const struct hunt_opts *o, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", o->progname ? o->progname : "hunt");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return -1;
}

static int parse_long(const char *s, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

static int parse_double(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end != '\0' || !isfinite(v))
    return -1;
  *out = v;
  return 0;
}

static int parse_perturb(const char *s, struct hunt_opts *o) {
  if (strcmp(s, "none") == 0) {
    o->perturb = HUNT_PERTURB_NONE;
  } else if (strcmp(s, "random") == 0) {
    o->perturb = HUNT_PERTURB_RANDOM;
  } else if (strcmp(s, "pct") == 0) {
    o->perturb = HUNT_PERTURB_PCT;
  } else if (strcmp(s, "pos") == 0) {
    o->perturb = HUNT_PERTURB_POS;
  } else if (strncmp(s, "pct:", 4) == 0) {
    /* The depth's limits are the spec grammar's: pct:0:DEPTH must parse. */
    char text[64], err[160];
    struct spec sp;
    long d;
    if (parse_long(s + 4, &d) < 0 || d < 1 || d > SPEC_DEPTH_MAX)
      return -1;
    snprintf(text, sizeof text, "pct:0:%ld", d);
    if (spec_parse(text, &sp, err, sizeof err) != 0)
      return -1;
    o->perturb = HUNT_PERTURB_PCT;
    o->pct_depth = (int)sp.depth;
  } else {
    return -1;
  }
  return 0;
}

int hunt_parse_args(int argc, char **argv, struct hunt_opts *o) {
  static const char *const with_value[] = {
      "--runs",     "--jobs",        "--timeout",  "--fail-on",
      "--perturb",  "--seed",        "--keep",     "--json",
      "--bug-rate", "--schedule",    "--max-time", "--grace",
      "--setup-codes", NULL};
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--") == 0) {
      if (i + 1 >= argc || argv[i + 1][0] == '\0')
        return opt_error(o, "no command after '--'");
      if (o->preload && o->perturb == HUNT_PERTURB_NONE && !o->schedule)
        return opt_error(o, "--preload perturbs nothing without --perturb "
                            "random|pct|pos or --schedule SPEC");
      if (o->schedule && o->perturb != HUNT_PERTURB_NONE)
        return opt_error(o, "--schedule and --perturb exclude each other "
                            "(one schedule per run)");
      return i + 1;
    }
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      hunt_usage(stdout);
      return 0;
    }
    if (strncmp(arg, "--", 2) != 0)
      return opt_error(o,
                       "'%s': missing '--' before the command (usage: hunt "
                       "[options] -- CMD [ARGS...])", arg);
    /* Split --name=value; otherwise the value is the next word. */
    char name[32];
    const char *val = NULL;
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    if (nlen >= sizeof name)
      return opt_error(o, "unknown option '%s' (see --help)", arg);
    memcpy(name, arg, nlen);
    name[nlen] = '\0';
    int takes = 0;
    for (int k = 0; with_value[k]; k++)
      takes |= strcmp(name, with_value[k]) == 0;
    if (takes) {
      if (eq) {
        val = eq + 1;
      } else if (i + 1 < argc && strcmp(argv[i + 1], "--") != 0) {
        val = argv[++i];
      } else {
        return opt_error(o, "%s needs a value", name);
      }
    } else if (eq) {
      return opt_error(o, "%s takes no value (got '%s')", name, eq + 1);
    }

    long l;
    double d;
    if (strcmp(name, "--runs") == 0) {
      if (parse_long(val, &l) < 0 || l < 1)
        return opt_error(o, "--runs: '%s' is not a positive integer", val);
      o->runs = l;
    } else if (strcmp(name, "--jobs") == 0) {
      if (parse_long(val, &l) < 0 || l < 1 || l > 1024)
        return opt_error(o, "--jobs: '%s' is not an integer from 1 to 1024", val);
      o->jobs = (int)l;
    } else if (strcmp(name, "--timeout") == 0) {
      if (parse_double(val, &d) < 0 || d <= 0 || d > 1e6)
        return opt_error(o,
                         "--timeout: '%s' is not a positive number of "
                         "seconds", val);
      o->timeout_s = d;
    } else if (strcmp(name, "--fail-on") == 0) {
      regex_t re;
      int rc = regcomp(&re, val, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
      if (rc != 0) {
        char msg[128];
        regerror(rc, &re, msg, sizeof msg);
        return opt_error(o, "--fail-on: bad regex '%s': %s", val, msg);
      }
      regfree(&re);
      o->fail_on = val;
    } else if (strcmp(name, "--perturb") == 0) {
      if (parse_perturb(val, o) < 0)
        return opt_error(o,
                         "--perturb: '%s' is not none, random, pct, "
                         "pct:DEPTH (DEPTH 1..%d) or pos",
                         val, SPEC_DEPTH_MAX);
    } else if (strcmp(name, "--schedule") == 0) {
      struct spec sp;
      char err[256];
      if (spec_parse(val, &sp, err, sizeof err) != 0)
        return opt_error(o, "--schedule: %s", err);
      if (sp.kind == SPEC_NONE)
        return opt_error(o, "--schedule: '%s' schedules nothing (leave "
                            "--schedule out for natural runs)", val);
      o->schedule = val;
    } else if (strcmp(name, "--max-time") == 0) {
      if (parse_double(val, &d) < 0 || d <= 0 || d > 1e7)
        return opt_error(o, "--max-time: '%s' is not a positive number of "
                            "seconds", val);
      o->max_time_s = d;
    } else if (strcmp(name, "--grace") == 0) {
      if (parse_double(val, &d) < 0 || d <= 0 || d > 600)
        return opt_error(o, "--grace: '%s' is not a number of seconds in "
                            "(0, 600]", val);
      o->grace_s = d;
    } else if (strcmp(name, "--setup-codes") == 0) {
      const char *p = val;
      memset(o->setup_code, 0, sizeof o->setup_code);
      for (;;) {
        char *end;
        errno = 0;
        long c = strtol(p, &end, 10);
        if (errno || end == p || c < 1 || c > 255 ||
            (*end != ',' && *end != '\0'))
          return opt_error(o, "--setup-codes: '%s' is not a list of exit "
                              "codes 1..255, e.g. 2,3", val);
        o->setup_code[c] = 1;
        if (*end == '\0')
          break;
        p = end + 1;
      }
    } else if (strcmp(name, "--seed") == 0) {
      char *end;
      errno = 0;
      unsigned long long s = strtoull(val, &end, 10);
      if (errno || end == val || *end != '\0' || val[0] == '-' ||
          s > SPEC_SEED_MAX)
        return opt_error(o, "--seed: '%s' is not an integer 0..%llu", val,
                         SPEC_SEED_MAX);
      o->seed = s;
      o->seed_set = 1;
    } else if (strcmp(name, "--keep") == 0) {
      if (val[0] == '\0')
        return opt_error(o, "--keep: empty directory name");
      o->keep_dir = val;
    } else if (strcmp(name, "--json") == 0) {
      if (val[0] == '\0')
        return opt_error(o, "--json: empty file name");
      o->json_path = val;
    } else if (strcmp(name, "--bug-rate") == 0) {
      if (parse_double(val, &d) < 0 || !(d > 0 && d < 1))
        return opt_error(o,
                         "--bug-rate: '%s' is not a rate between 0 and 1 "
                         "(exclusive)", val);
      o->bug_rate = d;
    } else if (strcmp(name, "--until-fail") == 0) {
      o->until_fail = 1;
    } else if (strcmp(name, "--count-all") == 0) {
      o->until_fail = 0;
    } else if (strcmp(name, "--preload") == 0) {
      o->preload = 1;
    } else if (strcmp(name, "--quiet") == 0) {
      o->quiet = 1;
    } else {
      return opt_error(o, "unknown option '%s' (see --help)", arg);
    }
  }
  return opt_error(o,
                   "missing '--' and a command (usage: hunt [options] -- CMD "
                   "[ARGS...])");
}

/* ---------------------------------------------------------------- engine */

/* One output stream of a run (0: stdout, 1: stderr), with the current,
 * incomplete line for --fail-on. */
struct stream {
  int fd;
  char *line;
  size_t line_len;
  int line_split; /* line holds the rest of a longer line */
};

/* One run in flight. Lifecycle: launched (proc running, pipes open) -> the
 * leader has exited (a zombie: its group is sent SIGTERM, and SIGKILL at
 * kill_at) -> reaped, and every pipe has reached EOF -> finished and
 * counted, and the slot is free again. Buffers are allocated once per slot
 * and reused, so memory does not grow with runs. */
struct slot {
  int active;
  int abandoned; /* stopped because hunt is stopping: not counted */
  struct proc p;
  struct stream st[2];
  int hs_fd;            /* the handshake pipe's read end, or -1 */
  char hs[512];         /* what schedulers announced (the first bytes) */
  size_t hs_len;
  char err1[200];       /* the first line the run wrote to stderr */
  size_t err1_len;
  int err1_done;
  int timed_out;
  long run;
  unsigned long long seed;
  double deadline;      /* --timeout */
  double kill_at;       /* SIGTERM was sent; SIGKILL then (0: not yet) */
  char *tail; /* ring of the last HUNT_TAIL_BYTES of output */
  size_t tail_pos;
  unsigned long long total;
  int matched;
};

struct hunt {
  const struct hunt_opts *o;
  char *const *argv;
  struct hunt_result r;
  struct slot *slots;
  regex_t re;
  int have_re;
  char **envp;     /* the inherited environment plus the slots below */
  char env_run[40], env_seed[48];
  char *env_sched; /* SCHED=...: a spec has no length limit */
  size_t env_sched_cap;
  char *env_preload;
  char *preload_path;
  long launched;
  int stopping;
  const char *stop_reason;
  int fatal; /* exit code to return instead (2 or 3), 0 if none */
  char first_kind[48];
  char *first_replay;
  char first_err1[200];  /* the first failure's first stderr line */
  char same_kind[48];    /* the failure every run so far had ... */
  char same_err1[200];   /* ... with this first stderr line */
  int differ;            /* a completed run differed from those */
  char setup_line[200];  /* the setup failure's first stderr line */
  long finished;         /* completed runs, counted or not */
  double grace;
  double deadline;       /* --max-time, absolute; 0: none */
  double t0;
  int tty;
  double next_progress;
  int progress_len;
  int stray_warned;
};

static int self_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
  int saved = errno;
  if (sig != SIGCHLD)
    stop_signal = sig;
  if (self_pipe[1] >= 0) {
    char c = 0;
    ssize_t n = write(self_pipe[1], &c, 1);
    (void)n; /* a full pipe already holds a wake-up */
  }
  errno = saved;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *signame(int sig, char *buf, size_t cap) {
  const char *ab = sigabbrev_np(sig);
  if (ab)
    snprintf(buf, cap, "SIG%s", ab);
  else
    snprintf(buf, cap, "signal %d", sig);
  return buf;
}

static void internal(struct hunt *h, const char *what) {
  fprintf(stderr, "%s: %s: %s\n", h->o->progname, what, strerror(errno));
  if (!h->fatal)
    h->fatal = 3;
  h->stopping = 1;
  h->stop_reason = "internal-error";
}

static int perturbed(const struct hunt_opts *o) {
  return o->perturb != HUNT_PERTURB_NONE || o->schedule != NULL;
}

/* Builds the child's environment once: the inherited one without the
 * variables hunt sets per run. The per-run entries are fixed buffers. */
static int build_env(struct hunt *h) {
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
  if (perturbed(h->o)) {
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
static unsigned long long run_seed(const struct hunt *h, long run) {
  return (h->r.base_seed + (unsigned long long)run) & SPEC_SEED_MAX;
}

static void set_run_env(struct hunt *h, long run, unsigned long long seed) {
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
static char *replay_command(struct hunt *h, long run, unsigned long long seed) {
  set_run_env(h, run, seed);
  const char *assigns[4];
  int na = 0;
  if (perturbed(h->o))
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
static const char *replay_kind(const struct hunt *h, int exact, int via) {
  if (exact && via == 2)
    return "exact: the preload shim decides every choice";
  if (exact)
    return "exact: the workbook's scheduler decides every choice";
  if (perturbed(h->o))
    return "same seed, perturbation only: reproduces sometimes";
  return "no schedule, a natural run: reproduces sometimes";
}

static void match_window(struct hunt *h, struct slot *s, struct stream *st,
                         const char *p, size_t n) {
  regmatch_t m[1] = {{0, (regoff_t)n}};
  if (regexec(&h->re, p, 1, m,
              REG_STARTEND | (st->line_split ? REG_NOTBOL : 0)) == 0)
    s->matched = 1;
}

/* Feeds a chunk of one stream's output to --fail-on, a line at a time. */
static void scan_output(struct hunt *h, struct slot *s, struct stream *st,
                        const char *p, size_t n) {
  while (n > 0 && !s->matched) {
    const char *nl = memchr(p, '\n', n);
    size_t seg = nl ? (size_t)(nl - p) : n;
    while (seg > 0 && !s->matched) {
      size_t room = HUNT_LINE_MAX - st->line_len;
      size_t take = seg < room ? seg : room;
      memcpy(st->line + st->line_len, p, take);
      st->line_len += take;
      p += take;
      n -= take;
      seg -= take;
      if (st->line_len == HUNT_LINE_MAX) {
        /* A long line: match this window, keep its second half so a match
         * straddling the cut is seen again in the next window. */
        match_window(h, s, st, st->line, st->line_len);
        memmove(st->line, st->line + HUNT_LINE_MAX / 2, HUNT_LINE_MAX / 2);
        st->line_len = HUNT_LINE_MAX / 2;
        st->line_split = 1;
      }
    }
    if (nl && !s->matched) {
      match_window(h, s, st, st->line, st->line_len);
      st->line_len = 0;
      st->line_split = 0;
      p++;
      n--;
    }
  }
}

static void keep_tail(struct slot *s, const char *p, size_t n) {
  s->total += n;
  if (n >= HUNT_TAIL_BYTES) {
    memcpy(s->tail, p + n - HUNT_TAIL_BYTES, HUNT_TAIL_BYTES);
    s->tail_pos = 0;
    return;
  }
  size_t first = HUNT_TAIL_BYTES - s->tail_pos;
  if (first > n)
    first = n;
  memcpy(s->tail + s->tail_pos, p, first);
  memcpy(s->tail, p + first, n - first);
  s->tail_pos = (s->tail_pos + n) % HUNT_TAIL_BYTES;
}

/* Keeps the first line of stderr, for setup failures and the summary. */
static void keep_err1(struct slot *s, const char *p, size_t n) {
  for (size_t i = 0; i < n && !s->err1_done; i++) {
    if (p[i] == '\n') {
      s->err1_done = 1;
    } else if (s->err1_len + 1 < sizeof s->err1) {
      s->err1[s->err1_len++] = p[i] == '\t' ? ' ' : p[i];
    }
  }
  s->err1[s->err1_len] = '\0';
}

/* Stops a run: SIGTERM to its group now, SIGKILL after the grace. */
static void stop_run(struct hunt *h, struct slot *s) {
  if (s->kill_at == 0 && !s->p.reaped) {
    proc_kill(&s->p, SIGTERM);
    s->kill_at = now_s() + h->grace;
  }
}

static void stop_all(struct hunt *h, const char *reason) {
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
  unsigned long long seed = run_seed(h, run);
  set_run_env(h, run, seed);
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
      stop_all(h, "exec-error");
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
  s->deadline = h->o->timeout_s > 0 ? now_s() + h->o->timeout_s : 0;
  s->kill_at = 0;
  s->tail_pos = 0;
  s->total = 0;
  s->matched = 0;
  h->launched++;
  return 0;
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
  char *replay = replay_command(h, s->run, s->seed);
  size_t kept = s->total < HUNT_TAIL_BYTES ? (size_t)s->total : HUNT_TAIL_BYTES;
  fprintf(f, "# hunt: run %ld failed: %s\n", s->run, kind);
  fprintf(f, "# seed: %llu\n", s->seed);
  fprintf(f, "# replay: %s  # %s\n", replay ? replay : "(out of memory)",
          replay_kind(h, exact, via));
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
  stop_all(h, "no-scheduler");
}

/* Counts a completed run; frees its slot. */
static void finish(struct hunt *h, struct slot *s) {
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
  if (s->abandoned)
    return;
  struct hunt_result *r = &h->r;
  const struct hunt_opts *o = h->o;
  char kind[48] = "";
  char sn[24];
  int status = s->p.status;
  int level, via;
  handshake_seen(s, &level, &via);
  h->finished++;
  if (!s->timed_out && WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
      o->setup_code[WEXITSTATUS(status)]) {
    /* The command says it could not run as asked: no verdict. */
    r->setup_error = WEXITSTATUS(status);
    snprintf(h->setup_line, sizeof h->setup_line, "%s", s->err1);
    fprintf(stderr,
            "%s: run %ld exited %d, a setup failure (--setup-codes), not the "
            "bug: %s\n",
            o->progname, s->run, WEXITSTATUS(status),
            s->err1[0] ? s->err1 : "(it wrote nothing to stderr)");
    if (!h->fatal)
      h->fatal = 3;
    stop_all(h, "setup-error");
    return;
  }
  /* No scheduler in the first run to finish: refuse. Later runs without
   * one are counted, and the summary says in how many it was active. */
  if (perturbed(o) && level == 0 && r->active_runs == 0) {
    no_scheduler(h, s);
    return;
  }
  r->runs++;
  r->active_runs += level > 0;
  r->exact_runs += level == 2;
  r->sched_runs += (via & 1) != 0;
  r->preload_runs += (via & 2) != 0;
  if (s->timed_out) {
    r->hangs++;
    snprintf(kind, sizeof kind, "hang (timeout %gs)", o->timeout_s);
  } else if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    r->signals++;
    if (sig > 0 && sig < 65)
      r->by_signal[sig]++;
    snprintf(kind, sizeof kind, "signal %s", signame(sig, sn, sizeof sn));
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    r->exits++;
    r->exit_codes[WEXITSTATUS(status)]++;
    snprintf(kind, sizeof kind, "exit %d", WEXITSTATUS(status));
  } else if (s->matched) {
    r->matches++;
    snprintf(kind, sizeof kind, "output matched --fail-on");
  } else {
    h->differ = 1;
    return;
  }
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
    r->first_fail_via = via & 1 ? 1 : via & 2 ? 2 : 0;
    snprintf(h->first_kind, sizeof h->first_kind, "%s", kind);
    snprintf(h->first_err1, sizeof h->first_err1, "%s", s->err1);
    free(h->first_replay);
    h->first_replay = replay_command(h, s->run, s->seed);
  }
  if (o->keep_dir)
    write_keep(h, s, kind, level == 2, via & 1 ? 1 : via & 2 ? 2 : 0);
  if (o->until_fail)
    stop_all(h, "first-failure");
}

static void progress(struct hunt *h, double now, int final) {
  if (h->o->quiet)
    return;
  if (final) {
    if (h->tty && h->progress_len > 0)
      fprintf(stderr, "\r%*s\r", h->progress_len, "");
    return;
  }
  if (now < h->next_progress)
    return;
  h->next_progress = now + (h->tty ? 0.1 : 5.0);
  double el = now - h->t0;
  char line[160];
  int len = snprintf(line, sizeof line,
                     "%s: %ld runs, %ld failures (%.2f%%), %.1f s, %.1f runs/s",
                     h->o->progname, h->r.runs, h->r.failures,
                     h->r.runs ? 100.0 * h->r.failures / h->r.runs : 0.0, el,
                     el > 0 ? h->r.runs / el : 0.0);
  if (h->tty) {
    int pad = h->progress_len > len ? h->progress_len - len : 0;
    fprintf(stderr, "\r%s%*s", line, pad, "");
    h->progress_len = len;
  } else {
    fprintf(stderr, "%s\n", line);
  }
  fflush(stderr);
}

/* The schedule in effect: o->schedule itself, or "pct:SEED:3" (a seed
 * per run) written in buf. */
static const char *schedule_text(const struct hunt *h, char *buf,
                                 size_t cap) {
  const struct hunt_opts *o = h->o;
  if (o->schedule)
    return o->schedule;
  else if (o->perturb == HUNT_PERTURB_RANDOM)
    snprintf(buf, cap, "random:SEED");
  else if (o->perturb == HUNT_PERTURB_PCT)
    snprintf(buf, cap, "pct:SEED:%d", o->pct_depth);
  else if (o->perturb == HUNT_PERTURB_POS)
    snprintf(buf, cap, "pos:SEED");
  else
    snprintf(buf, cap, "none");
  return buf;
}

static const char *via_text(const struct hunt *h) {
  const struct hunt_result *r = &h->r;
  if (r->sched_runs > 0 && r->preload_runs > 0)
    return "the workbook's scheduler and the preload shim";
  if (r->preload_runs > 0)
    return "preload shim";
  if (r->sched_runs > 0)
    return "the workbook's scheduler";
  return "no scheduler";
}

static void print_summary(struct hunt *h, FILE *f) {
  const struct hunt_opts *o = h->o;
  const struct hunt_result *r = &h->r;
  char sn[24], buf[32];
  fprintf(f, "%s: command:", o->progname);
  for (char *const *a = h->argv; *a; a++) {
    char q[256];
    size_t need = hunt_shell_quote(q, sizeof q, *a);
    fprintf(f, " %s%s", q, need >= sizeof q ? "..." : "");
  }
  fprintf(f, "\n");
  const char *sched = schedule_text(h, buf, sizeof buf);
  if (perturbed(o))
    fprintf(f, "schedule:      %s via %s, active in %ld of %ld runs\n", sched,
            via_text(h), r->active_runs, r->runs);
  else
    fprintf(f, "schedule:      none (natural runs: the OS decides)\n");
  fprintf(f, "runs:          %ld (stopped: %s)\n", r->runs, h->stop_reason);
  fprintf(f, "failures:      %ld\n", r->failures);
  fprintf(f, "  exit:        %ld", r->exits);
  int first = 1;
  for (int c = 1; c < 256; c++)
    if (r->exit_codes[c]) {
      fprintf(f, "%scode %d: %ld", first ? " (" : ", ", c, r->exit_codes[c]);
      first = 0;
    }
  fprintf(f, "%s\n", first ? "" : ")");
  fprintf(f, "  signal:      %ld", r->signals);
  first = 1;
  for (int sig = 1; sig < 65; sig++)
    if (r->by_signal[sig]) {
      fprintf(f, "%s%s: %ld", first ? " (" : ", ", signame(sig, sn, sizeof sn),
              r->by_signal[sig]);
      first = 0;
    }
  fprintf(f, "%s\n", first ? "" : ")");
  fprintf(f, "  hang:        %ld", r->hangs);
  if (o->timeout_s > 0)
    fprintf(f, " (stopped after --timeout %g s)", o->timeout_s);
  fprintf(f, "\n  match:       %ld%s\n", r->matches,
          o->fail_on ? " (--fail-on)" : "");
  if (r->runs > 0) {
    double lo, hi;
    hunt_wilson(r->failures, r->runs, Z95, &lo, &hi);
    fprintf(f,
            "failure rate:  %.2f%% (95%% Wilson interval %.2f%% .. %.2f%%)\n",
            100.0 * r->failures / r->runs, 100.0 * lo, 100.0 * hi);
  }
  if (o->until_fail && r->failures > 0)
    fprintf(f, "               (stopped at the first failure: run with "
               "--count-all to measure the rate)\n");
  if (r->setup_error) {
    fprintf(f, "no verdict:    a run exited %d, a setup failure "
               "(--setup-codes): %s\n",
            r->setup_error, h->setup_line[0] ? h->setup_line : "(no stderr)");
  } else if (r->first_fail_run >= 0) {
    fprintf(f, "first failure: run %ld, seed %llu: %s\n", r->first_fail_run,
            r->first_fail_seed, h->first_kind);
    if (h->first_replay)
      fprintf(f, "replay:        %s  # %s\n", h->first_replay,
              replay_kind(h, r->first_fail_exact, r->first_fail_via));
  } else if (r->runs > 0) {
    fprintf(f,
            "no failure:    the rate is below %.3g%% at 95%% confidence "
            "(1 - 0.05^(1/%ld); rule of three: 3/N)%s\n",
            100.0 * hunt_zero_fail_bound(r->runs, 0.95), r->runs,
            perturbed(o) && r->active_runs < r->runs
                ? ", counting runs without the schedule too"
                : "");
  } else {
    fprintf(f, "no verdict:    no run completed\n");
  }
  if (r->identical)
    fprintf(f,
            "warning:       every run failed identically (%s: %s) -- this "
            "looks like a setup error, not the bug; if that exit code means "
            "the command could not run, say so with --setup-codes\n",
            h->same_kind, h->same_err1[0] ? h->same_err1 : "no stderr");
  else if (r->failures > 0 && r->first_fail_run == 0 && r->runs == 1)
    fprintf(f, "note:          the very first run failed (%s: %s); if that "
               "is a setup problem, hunt cannot tell (see --setup-codes)\n",
            h->first_kind, h->first_err1[0] ? h->first_err1 : "no stderr");
  fprintf(f, "speed:         %.1f runs/s (%.2f s, %d jobs)\n",
          r->elapsed_s > 0 ? r->runs / r->elapsed_s : 0.0, r->elapsed_s,
          o->jobs);
  fprintf(f, "seed:          %llu (rerun these seeds with --seed %llu: %s)\n",
          r->base_seed, r->base_seed,
          !perturbed(o) ? "natural runs, the seed steers nothing"
          : r->exact_runs > 0 && r->exact_runs == r->runs
              ? "exact replay"
              : "perturbation only, reproduces sometimes");
  double p = o->bug_rate;
  const char *src = "--bug-rate";
  if (!(p > 0) && r->failures > 0 && r->runs > 0) {
    p = (double)r->failures / r->runs;
    src = "measured";
  }
  if (p > 0)
    fprintf(f,
            "to claim a fix: %ld consecutive clean runs for 95%% confidence, "
            "%ld for 99%% (bug rate %.3g%%, %s)\n",
            hunt_runs_to_claim_fix(p, 0.95), hunt_runs_to_claim_fix(p, 0.99),
            100.0 * p, src);
}

/* The directory part of path, for checking that a file can be made there. */
static void dir_of(const char *path, char *buf, size_t cap) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(buf, cap, ".");
  else if (slash == path)
    snprintf(buf, cap, "/");
  else
    snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

/* Writes the JSON summary to a temporary file beside the target and
 * renames it, so a failed write never leaves half a file. */
static int write_json(struct hunt *h) {
  const struct hunt_opts *o = h->o;
  const struct hunt_result *r = &h->r;
  char sn[24], buf[32];
  json_t *j = json_object();
  json_t *cmd = json_array();
  for (char *const *a = h->argv; *a; a++)
    json_array_append_new(cmd, json_string(*a));
  json_object_set_new(j, "command", cmd);
  json_object_set_new(j, "runs", json_integer(r->runs));
  json_object_set_new(j, "failures", json_integer(r->failures));
  json_object_set_new(j, "stopped", json_string(h->stop_reason));
  json_object_set_new(j, "interrupted", json_boolean(r->interrupted));
  json_object_set_new(
      j, "kinds",
      json_pack("{s:I,s:I,s:I,s:I}", "exit", (json_int_t)r->exits, "signal",
                (json_int_t)r->signals, "hang", (json_int_t)r->hangs, "match",
                (json_int_t)r->matches));
  json_t *codes = json_object();
  for (int c = 1; c < 256; c++)
    if (r->exit_codes[c]) {
      char k[16];
      snprintf(k, sizeof k, "%d", c);
      json_object_set_new(codes, k, json_integer(r->exit_codes[c]));
    }
  json_object_set_new(j, "exit_codes", codes);
  json_t *sigs = json_object();
  for (int s = 1; s < 65; s++)
    if (r->by_signal[s])
      json_object_set_new(sigs, signame(s, sn, sizeof sn),
                          json_integer(r->by_signal[s]));
  json_object_set_new(j, "signals", sigs);
  if (r->runs > 0) {
    double lo, hi;
    hunt_wilson(r->failures, r->runs, Z95, &lo, &hi);
    json_object_set_new(j, "rate",
                        json_real((double)r->failures / (double)r->runs));
    json_object_set_new(j, "ci95", json_pack("[f,f]", lo, hi));
  } else {
    json_object_set_new(j, "rate", json_null());
    json_object_set_new(j, "ci95", json_null());
  }
  const char *sched = schedule_text(h, buf, sizeof buf);
  json_object_set_new(
      j, "perturbation",
      perturbed(o)
          ? json_pack("{s:s,s:s,s:b,s:I,s:I,s:I,s:I}", "spec", sched, "via",
                      via_text(h), "preload", o->preload, "active_runs",
                      (json_int_t)r->active_runs, "exact_runs",
                      (json_int_t)r->exact_runs, "sched_runs",
                      (json_int_t)r->sched_runs, "preload_runs",
                      (json_int_t)r->preload_runs)
          : json_null());
  if (r->first_fail_run >= 0)
    json_object_set_new(
        j, "first_failure",
        json_pack("{s:I,s:I,s:s,s:s,s:b,s:s,s:s}", "run",
                  (json_int_t)r->first_fail_run, "seed",
                  (json_int_t)r->first_fail_seed, "kind", h->first_kind,
                  "replay", h->first_replay ? h->first_replay : "",
                  "replay_exact", r->first_fail_exact, "replay_kind",
                  replay_kind(h, r->first_fail_exact, r->first_fail_via), "stderr_first_line",
                  h->first_err1));
  else
    json_object_set_new(j, "first_failure", json_null());
  json_object_set_new(j, "setup_error",
                      r->setup_error
                          ? json_pack("{s:i,s:s}", "code", r->setup_error,
                                      "line", h->setup_line)
                          : json_null());
  json_object_set_new(j, "identical_failures", json_boolean(r->identical));
  json_object_set_new(j, "zero_fail_bound95",
                      r->failures == 0 && r->runs > 0
                          ? json_real(hunt_zero_fail_bound(r->runs, 0.95))
                          : json_null());
  double p = o->bug_rate;
  const char *src = "bug-rate";
  if (!(p > 0) && r->failures > 0) {
    p = (double)r->failures / (double)r->runs;
    src = "measured";
  }
  json_object_set_new(
      j, "claim_fix",
      p > 0 ? json_pack("{s:f,s:s,s:I,s:I}", "p", p, "source", src, "runs95",
                        (json_int_t)hunt_runs_to_claim_fix(p, 0.95), "runs99",
                        (json_int_t)hunt_runs_to_claim_fix(p, 0.99))
            : json_null());
  /* Seeds stay within 0..2^63-1 (spec.h), so json_int_t holds them. */
  json_object_set_new(j, "base_seed", json_integer((json_int_t)r->base_seed));
  json_object_set_new(j, "elapsed_s", json_real(r->elapsed_s));
  json_object_set_new(
      j, "runs_per_s",
      json_real(r->elapsed_s > 0 ? r->runs / r->elapsed_s : 0.0));
  json_object_set_new(j, "jobs", json_integer(o->jobs));
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  json_object_set_new(j, "max_rss_kib", json_integer(ru.ru_maxrss));
  char tmp[PATH_MAX];
  int rc = -1;
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%ld", o->json_path,
                       (long)getpid()) < sizeof tmp) {
    rc = json_dump_file(j, tmp, JSON_INDENT(2));
    if (rc == 0 && rename(tmp, o->json_path) != 0)
      rc = -1;
    if (rc != 0)
      unlink(tmp);
  }
  json_decref(j);
  if (rc != 0) {
    fprintf(stderr, "%s: --json: cannot write %s\n", o->progname, o->json_path);
    return -1;
  }
  return 0;
}

static unsigned long long default_seed(void) {
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

static int find_preload(struct hunt *h) {
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

static int pipes_open(const struct slot *s) {
  return s->st[0].fd >= 0 || s->st[1].fd >= 0;
}

/* Reads what is ready on one of a slot's descriptors. */
static void drain(struct hunt *h, struct slot *s, int which, char *buf) {
  if (which == 2) {
    char *dst = s->hs + s->hs_len;
    size_t room = sizeof s->hs - 1 - s->hs_len;
    ssize_t got = read(s->hs_fd, room ? dst : buf, room ? room : READ_CHUNK);
    if (got > 0 && room)
      s->hs_len += (size_t)got;
    else if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
      close(s->hs_fd);
      s->hs_fd = -1;
    }
    return;
  }
  struct stream *st = &s->st[which];
  ssize_t got = read(st->fd, buf, READ_CHUNK);
  if (got > 0) {
    keep_tail(s, buf, (size_t)got);
    if (which == 1)
      keep_err1(s, buf, (size_t)got);
    if (h->have_re)
      scan_output(h, s, st, buf, (size_t)got);
  } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
    close(st->fd);
    st->fd = -1;
    if (h->have_re && !s->matched && st->line_len > 0)
      match_window(h, s, st, st->line, st->line_len);
  }
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
    if (s->kill_at > 0 && (now >= s->kill_at || (ex && !pipes_open(s)))) {
      proc_kill(&s->p, SIGKILL);
      proc_reap(&s->p);
      s->kill_at = now + EOF_GRACE_S; /* now: how long to wait for EOF */
    }
  }
  if (s->p.reaped && pipes_open(s) && now >= s->kill_at) {
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
  if (s->p.reaped && !pipes_open(s)) {
    while (s->hs_fd >= 0 && s->hs_len + 1 < sizeof s->hs) {
      size_t before = s->hs_len;
      drain(h, s, 2, buf);
      if (s->hs_len == before)
        break;
    }
    finish(h, s);
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
    double now = now_s();
    if (h->deadline > 0 && now >= h->deadline && !h->stopping)
      stop_all(h, "max-time");
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
    pfd[n].fd = self_pipe[0];
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
      stop_all(h, "internal-error");
    }
    if (pr > 0 && (pfd[0].revents & POLLIN)) {
      char d[64];
      while (read(self_pipe[0], d, sizeof d) > 0)
        ;
    }
    if (stop_signal && !h->r.interrupted) {
      h->r.interrupted = 1;
      stop_all(h, "interrupted");
    }
    for (int k = 1; pr > 0 && k < n; k++)
      if (pfd[k].revents)
        drain(h, &h->slots[owner[k] / 3], owner[k] % 3, buf);
    now = now_s();
    for (int i = 0; i < o->jobs; i++)
      if (h->slots[i].active)
        advance(h, &h->slots[i], now, buf);
    progress(h, now, 0);
  }
  free(pfd);
  free(owner);
  free(buf);
}

int hunt_run(const struct hunt_opts *o, char *const argv[],
             struct hunt_result *res) {
  struct hunt hs;
  struct hunt *h = &hs;
  memset(h, 0, sizeof *h);
  h->o = o;
  h->argv = argv;
  h->r.first_fail_run = -1;
  h->stop_reason = o->runs > 0 ? "runs" : "first-failure";
  h->grace = o->grace_s > 0 ? o->grace_s : PROC_GRACE_S;
  if (!argv || !argv[0] || !argv[0][0]) {
    fprintf(stderr, "%s: no command to run\n", o->progname);
    return 2;
  }
  if (o->jobs < 1 || o->runs < 0) {
    fprintf(stderr, "%s: jobs must be >= 1 and runs >= 0\n", o->progname);
    return 2;
  }
  h->r.base_seed = (o->seed_set ? o->seed : default_seed()) & SPEC_SEED_MAX;
  if (o->fail_on) {
    if (regcomp(&h->re, o->fail_on, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) !=
        0) {
      fprintf(stderr, "%s: --fail-on: bad regex '%s'\n", o->progname,
              o->fail_on);
      return 2;
    }
    h->have_re = 1;
  }
  int rc = 0;
  if (o->preload && find_preload(h) < 0) {
    rc = 2;
    goto out_re;
  }
  /* Where results go is checked before the first run, not after an hour
   * of them. */
  if (o->keep_dir && ((mkdir(o->keep_dir, 0777) < 0 && errno != EEXIST) ||
                      access(o->keep_dir, W_OK | X_OK) < 0)) {
    fprintf(stderr, "%s: --keep: cannot write into %s: %s\n", o->progname,
            o->keep_dir, strerror(errno));
    rc = 2;
    goto out_re;
  }
  if (o->json_path) {
    char dir[PATH_MAX];
    struct stat st;
    dir_of(o->json_path, dir, sizeof dir);
    if (stat(o->json_path, &st) == 0 && S_ISDIR(st.st_mode)) {
      fprintf(stderr, "%s: --json: %s is a directory\n", o->progname,
              o->json_path);
      rc = 2;
      goto out_re;
    }
    if (access(dir, W_OK | X_OK) < 0) {
      fprintf(stderr, "%s: --json: cannot write %s: %s: %s\n", o->progname,
              o->json_path, dir, strerror(errno));
      rc = 2;
      goto out_re;
    }
  }
  if (build_env(h) < 0) {
    fprintf(stderr, "%s: out of memory\n", o->progname);
    rc = 3;
    goto out_env;
  }
  h->slots = calloc((size_t)o->jobs, sizeof *h->slots);
  if (!h->slots) {
    rc = 3;
    goto out_env;
  }
  for (int i = 0; i < o->jobs; i++) {
    struct slot *s = &h->slots[i];
    s->st[0].fd = s->st[1].fd = s->hs_fd = -1;
    s->tail = malloc(HUNT_TAIL_BYTES);
    for (int k = 0; k < 2 && h->have_re; k++)
      s->st[k].line = malloc(HUNT_LINE_MAX);
    if (!s->tail || (h->have_re && (!s->st[0].line || !s->st[1].line))) {
      fprintf(stderr, "%s: out of memory\n", o->progname);
      rc = 3;
      goto out_slots;
    }
  }

  if (pipe2(self_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
    fprintf(stderr, "%s: pipe: %s\n", o->progname, strerror(errno));
    rc = 3;
    goto out_slots;
  }
  stop_signal = 0;
  struct sigaction sa, old_int, old_term, old_hup, old_chld, old_pipe;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGHUP, &sa, &old_hup);
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, &old_chld);
  /* A closed stdout (hunt ... | head) must not kill hunt before it has
   * stopped its runs; writes then fail with EPIPE instead. */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, &old_pipe);

  h->tty = isatty(STDERR_FILENO);
  h->t0 = now_s();
  h->deadline = o->max_time_s > 0 ? h->t0 + o->max_time_s : 0;
  h->next_progress = h->t0 + (h->tty ? 0.1 : 5.0);
  loop(h);
  h->r.elapsed_s = now_s() - h->t0;

  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sigaction(SIGHUP, &old_hup, NULL);
  sigaction(SIGCHLD, &old_chld, NULL);
  sigaction(SIGPIPE, &old_pipe, NULL);
  close(self_pipe[0]);
  close(self_pipe[1]);
  self_pipe[0] = self_pipe[1] = -1;

  progress(h, 0, 1);
  if (h->fatal != 2) {
    FILE *out = o->out ? o->out : stdout;
    print_summary(h, out);
    fflush(out);
    if (o->json_path && write_json(h) < 0 && !h->fatal)
      h->fatal = 3;
  }
  if (h->fatal)
    rc = h->fatal;
  else if (h->r.failures > 0)
    rc = 1;
  else if (h->r.runs == 0) {
    /* No run completed (interrupted or out of time at once): there is
     * nothing to base a verdict on. */
    fprintf(stderr, "%s: no run completed (stopped: %s): no verdict\n",
            o->progname, h->stop_reason);
    rc = 3;
  } else
    rc = 0;
  if (res)
    *res = h->r;

out_slots:
  for (int i = 0; h->slots && i < o->jobs; i++) {
    free(h->slots[i].tail);
    free(h->slots[i].st[0].line);
    free(h->slots[i].st[1].line);
  }
  free(h->slots);
out_env:
  free(h->envp);
  free(h->env_preload);
  free(h->env_sched);
  free(h->first_replay);
out_re:
  free(h->preload_path);
  if (h->have_re)
    regfree(&h->re);
  return rc;
}
