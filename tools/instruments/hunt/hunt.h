/* hunt.h -- the run-until-fail engine: runs any command again and again,
 * classifies every run (exit code, signal, hang, output match) and reports
 * the failure rate with the statistics needed to judge a fix.
 *
 * build/hunt is a thin main() around this library; build/gallery calls it
 * with presets. Typical use:
 *
 *   struct hunt_opts o;
 *   hunt_opts_default(&o);
 *   int cmd = hunt_parse_args(argc, argv, &o);   (or fill o by hand)
 *   if (cmd < 0) return 2;
 *   return hunt_run(&o, argv + cmd, NULL);
 *
 * Each run is a child process in its own process group
 * (tools/runtime/proc), with stdin from /dev/null and stdout and stderr on
 * pipes that hunt drains continuously, so a child that prints megabytes
 * never blocks. A run that is stopped (timeout, first failure elsewhere,
 * --max-time, Ctrl-C) gets SIGTERM, a grace to clean up, then SIGKILL, with
 * its whole group. Only a bounded tail of each run's output
 * (HUNT_TAIL_BYTES) is kept, for --keep. --fail-on is matched
 * against the whole output stream, line by line as it arrives (see
 * hunt_run), never only against the kept tail.
 *
 * The child sees these environment variables:
 *   HUNT_RUN   the run's index, 0, 1, 2, ...
 *   HUNT_SEED  the run's seed: the base seed plus the run index
 *   SCHED      the schedule for tools/runtime/sched (and the preload shim):
 *              unset for --perturb none, "random:SEED", "pct:SEED:DEPTH",
 *              or the --schedule SPEC (grammar: tools/runtime/sched/spec.h)
 *   SCHED_HANDSHAKE_FD  where a scheduler announces that it took the
 *              schedule (spec.h); hunt counts the runs it was active in
 *              and refuses to report a perturbed verdict without one
 *   LD_PRELOAD with <dir of the hunt program>/libsched-preload.so
 *              prepended, when --preload is given
 *
 * hunt_run() installs handlers for SIGINT, SIGTERM, SIGHUP, SIGCHLD
 * (proc_wake_open) and ignores SIGPIPE while it runs, and restores the
 * previous dispositions before it returns; it must not be called from two
 * threads at once. The caller must
 * not reap hunt's children itself (no waitpid(-1, ...) while it runs).
 */
#ifndef HUNT_H
#define HUNT_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of each run's output kept for --keep (the last ones). */
#define HUNT_TAIL_BYTES (64 * 1024)

enum hunt_perturb {
  HUNT_PERTURB_NONE,
  HUNT_PERTURB_RANDOM,
  HUNT_PERTURB_PCT,
  HUNT_PERTURB_POS /* partial-order sampling: the preload shim only */
};

struct hunt_opts {
  long runs;               /* stop after this many runs; 0 = no limit */
  int until_fail;          /* 1: stop at the first failure; 0: count all */
  int jobs;                /* runs in parallel (>= 1) */
  double timeout_s;        /* per run; 0 = none. The whole group is killed */
  const char *fail_on;     /* POSIX extended regex; a match is a failure */
  int perturb;             /* enum hunt_perturb */
  int pct_depth;           /* DEPTH for HUNT_PERTURB_PCT (default 3) */
  unsigned long long seed; /* base seed, used when seed_set */
  int seed_set;            /* 0: derive the base seed from time and pid */
  const char *keep_dir;    /* save failing runs' output here, or NULL */
  const char *json_path;   /* write the summary as JSON here, or NULL */
  double bug_rate;         /* known failure rate for the "runs to claim a
                              fix" advice; 0 = use the measured one */
  const char *schedule;    /* --schedule: the same spec every run, or NULL */
  int preload;             /* add libsched-preload.so to LD_PRELOAD */
  unsigned char setup_code[256]; /* 1: this exit code is a setup failure */
  double max_time_s;             /* stop after this long; 0 = no limit */
  double grace_s;       /* SIGTERM to SIGKILL; 0 = the runner's default */
  int quiet;            /* no progress lines (the summary still prints) */
  FILE *out;            /* where the summary goes; NULL: stdout */
  const char *progname; /* prefix of messages; default "hunt" */
};

/* What hunt_run() saw; all counts are of completed runs. Runs that were
 * still in flight when hunt stopped (first failure, Ctrl-C) are killed and
 * not counted. */
struct hunt_result {
  long runs;
  long failures;
  long exits;           /* non-zero exit codes */
  long signals;         /* death by a signal (not hunt's timeout kill) */
  long hangs;           /* killed by the timeout */
  long matches;         /* --fail-on matched, otherwise clean */
  long exit_codes[256]; /* runs per exit status */
  long by_signal[65];   /* runs per signal number */
  long first_fail_run;  /* lowest failing run index, or -1 */
  int first_fail_exact; /* its replay decides every choice (the in-tree
                           scheduler was active in it) */
  long active_runs;     /* runs in which a scheduler announced itself */
  long exact_runs;      /* ... and it decided every choice (exact replay) */
  long sched_runs;      /* ... by the scheduler linked into the program */
  long preload_runs;    /* ... by the preload shim */
  int first_fail_via;   /* 0 none, 1 the linked scheduler, 2 the shim */
  int setup_error;      /* stopped on a --setup-codes exit; its code */
  int identical;        /* every completed run failed the same way (>= 2) */
  unsigned long long first_fail_seed;
  unsigned long long base_seed;
  double elapsed_s;
  int interrupted; /* stopped by SIGINT/SIGTERM */
};

/* Fills o with the defaults: no run limit, stop at the first failure, one
 * job per online core, no timeout, no perturbation, seed from time and pid. */
void hunt_opts_default(struct hunt_opts *o);

/* Parses hunt's options from argv[1..] up to and including "--", filling o.
 * Returns the index of the first word of the command, or -1 after printing
 * a one-line error naming the bad option to stderr (the caller exits 2).
 * "--help" prints the usage to stdout and returns 0 (the caller exits 0).
 * String options point into argv. */
int hunt_parse_args(int argc, char **argv, struct hunt_opts *o);

/* Prints the usage text to f. */
void hunt_usage(FILE *f);

/* Runs argv (argv[0] looked up in PATH) repeatedly per o, prints progress
 * to stderr and the summary to o->out (stdout when NULL), fills *res when
 * res is not NULL. Returns 0 when runs completed and no failure was seen, 1
 * when a failure was seen, 2 for bad options, a command that cannot be
 * executed, or a perturbation that no scheduler in the command took, 3 for
 * a setup failure (an exit code in --setup-codes), no completed run (no
 * verdict), or an internal failure (fork, pipe, poll, writing --keep or
 * --json). When interrupted, the summary covers the runs completed so far
 * and the exit code follows the same rule. */
int hunt_run(const struct hunt_opts *o, char *const argv[],
             struct hunt_result *res);

/* Statistics, exposed for tests and for the gallery. */

/* 95% (or any z) Wilson score interval for k failures in n runs. */
void hunt_wilson(long k, long n, double z, double *lo, double *hi);

/* `hunt --merge A.json B.json ...` (merge.c): argv[0] is "--merge".
 * Returns the exit status. */
int hunt_merge_main(int argc, char **argv);

/* Upper bound on the failure rate after n clean runs at confidence c:
 * 1 - (1-c)^(1/n); about 3/n at c = 0.95 (the "rule of three"). */
double hunt_zero_fail_bound(long n, double c);

/* Consecutive clean runs needed to claim, at confidence c, that a bug with
 * failure rate p is gone: ceil(ln(1-c) / ln(1-p)). Returns -1 for p <= 0. */
long hunt_runs_to_claim_fix(double p, double c);

/* Writes word into buf (size cap, always NUL-terminated when cap > 0)
 * quoted for a POSIX shell; words made only of safe characters are left
 * bare. Returns the length the result needs (like snprintf). */
size_t hunt_shell_quote(char *buf, size_t cap, const char *word);

#ifdef __cplusplus
}
#endif

#endif /* HUNT_H */
