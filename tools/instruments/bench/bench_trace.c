/* bench_trace.c -- measures the trace tool on a large correlation log: lines
 * per second, CPU and wall time and peak memory of `build/trace --check`
 * over a generated log, with its fast parser and with jansson only
 * (TRACE_PARSER=jansson), in the same run. */
#include "bench.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPS 51
#define OPEN_OPS 64

static double tv_s(struct timeval tv) {
  return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

static void die(const char *what) {
  fprintf(stderr, "bench_trace: %s: %s\n", what, strerror(errno));
  exit(3);
}

/* Writes the log corrlog would write for `events` events: OPEN_OPS
 * operations in flight, each a begin, a step on a worker thread, a step back
 * on the loop and an end, then the trailer. The short form (no parent, kind,
 * status or site) is about 110 bytes a line. */
static void write_log(FILE *f, long events) {
  static const char *const ev[] = {"begin", "step", "step", "end"};
  static const char *const th[] = {"loop", "worker-1", "loop", "loop"};
  unsigned long long ts = 1000000, lc = 0;
  long n = 0, base = 0;

  while (n < events) {
    for (int stage = 0; stage < 4 && n < events; stage++)
      for (long k = 0; k < OPEN_OPS && n < events; k++, n++) {
        ts += 137;
        fprintf(f,
                "{\"ts\":%llu,\"thread\":\"%s\",\"op\":\"%016lx\",\"seq\":%d,"
                "\"lc\":%llu,\"ev\":\"%s\",\"msg\":\"request %ld\"}\n",
                ts, th[stage], (unsigned long)(base + k + 1), stage, ++lc,
                ev[stage], base + k);
      }
    base += OPEN_OPS;
  }
  fprintf(f, "{\"ev\":\"trailer\",\"dropped\":0}\n");
}

/* One run of `TRACE --check PATH` in a child process, so that its peak RSS
 * and CPU time are its own. Returns the tool's exit code. */
static int run_tool(const char *trace, const char *path, int jansson,
                    double *wall, double *cpu, double *rss_mb) {
  struct rusage ru;
  int status;
  double t0 = bench_now_s();
  pid_t pid = fork();

  if (pid < 0)
    die("fork");
  if (pid == 0) {
    char *argv[] = {(char *)trace, "--check", (char *)path, NULL};
    if (!freopen("/dev/null", "w", stdout))
      _exit(3);
    if (jansson)
      setenv("TRACE_PARSER", "jansson", 1);
    else
      unsetenv("TRACE_PARSER");
    execv(trace, argv);
    fprintf(stderr, "bench_trace: %s: %s\n", trace, strerror(errno));
    _exit(3);
  }
  if (wait4(pid, &status, 0, &ru) < 0)
    die("wait4");
  *wall = bench_now_s() - t0;
  *cpu = tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
  *rss_mb = (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB */
  return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

struct series {
  double wall[MAX_REPS], cpu[MAX_REPS], rss[MAX_REPS];
};

/* Sorts the series and prints its medians and ranges. */
static void report(const char *what, struct series *s, int reps, long lines) {
  double mc = bench_median(s->cpu, reps), mw = bench_median(s->wall, reps),
         mr = bench_median(s->rss, reps);

  printf("trace bench: %ld lines in %.2f s CPU, %.0f lines/s, peak RSS "
         "%.1f MB (%s; median of %d; CPU %.2f-%.2f s, RSS %.1f-%.1f MB)\n",
         lines, mc, (double)lines / mc, mr, what, reps, s->cpu[0],
         s->cpu[reps - 1], s->rss[0], s->rss[reps - 1]);
  printf("trace bench: %ld lines in %.2f s wall, %.0f lines/s, peak RSS "
         "%.1f MB (%s; median of %d; wall %.2f-%.2f s)\n",
         lines, mw, (double)lines / mw, mr, what, reps, s->wall[0],
         s->wall[reps - 1]);
}

static void usage(FILE *f) {
  fprintf(
      f, "usage: bench_trace [--quick] [--lines N] [--reps R] [--trace PATH]\n"
         "  Writes a correlation log of N event lines (default 1000000, about\n"
         "  110 bytes each) to a temporary file and runs `PATH --check` on it\n"
         "  R times (default 3, at least 3) with the fast parser and R times\n"
         "  with TRACE_PARSER=jansson, alternating, each in a child process.\n"
         "  Prints lines/s from CPU time and from wall time, the peak RSS,\n"
         "  medians with min-max, and the jansson/fast CPU ratio of each\n"
         "  pair. PATH defaults to the trace program next to build/bench/.\n"
         "  --quick: 100000 lines.\n"
         "Target: 1000000 lines in <= 3 s and <= 100 MB.\n");
}

struct options {
  long events;
  int reps;
  char trace[4096];
};

/* Reads the command line. Returns 0 to run, 1 after --help, 2 on a usage
 * error (said). */
static int parse_args(int argc, char **argv, struct options *o) {
  char self[4096];

  o->events = 1000000;
  o->reps = 3;
  /* build/bench/bench_trace -> build/trace */
  snprintf(self, sizeof self, "%s", argv[0]);
  snprintf(o->trace, sizeof o->trace, "%s/../trace", dirname(self));
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 1;
    } else if (!strcmp(argv[i], "--quick")) {
      o->events = 100000;
    } else if (!strcmp(argv[i], "--lines") && i + 1 < argc) {
      o->events = strtol(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
      o->reps = (int)strtol(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--trace") && i + 1 < argc) {
      snprintf(o->trace, sizeof o->trace, "%s", argv[++i]);
    } else {
      fprintf(stderr, "bench_trace: unknown argument '%s' (try --help)\n",
              argv[i]);
      return 2;
    }
  }
  if (o->events < 1000 || o->reps < 3 || o->reps > MAX_REPS) {
    fprintf(stderr, "bench_trace: need --lines >= 1000 and 3 <= --reps <= %d\n",
            MAX_REPS);
    return 2;
  }
  return 0;
}

/* Writes the log into a new temporary file, its name in path; returns its
 * size in bytes. */
static double make_log(char *path, size_t size, long events) {
  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  int fd;
  FILE *f;
  struct stat st;

  snprintf(path, size, "%s/bench_trace.XXXXXX", tmp);
  fd = mkstemp(path);
  if (fd < 0 || !(f = fdopen(fd, "w")))
    die(path);
  write_log(f, events);
  if (fclose(f) != 0 || stat(path, &st) < 0) {
    unlink(path);
    die(path);
  }
  return (double)st.st_size;
}

/* Runs the tool reps times each way, alternating, into fast and slow, with
 * the jansson/fast CPU ratio of each pair in ratio. Returns 0, or 3 when a
 * run failed or the two parsers disagreed (said). */
static int run_pairs(const struct options *o, const char *path,
                     struct series *fast, struct series *slow, double *ratio) {
  int first_rc = -1;

  for (int r = 0; r < 2 * o->reps; r++) {
    int jansson = r % 2;
    struct series *s = jansson ? slow : fast;
    int rc = run_tool(o->trace, path, jansson, &s->wall[r / 2], &s->cpu[r / 2],
                      &s->rss[r / 2]);
    /* Exit 1 is expected: the operations of the last round are cut short
     * and reported as begun but never ended. Both parsers must agree. */
    if ((rc != 0 && rc != 1) || (first_rc >= 0 && rc != first_rc)) {
      fprintf(stderr, "bench_trace: %s --check %s exited %d%s\n", o->trace,
              path, rc, jansson ? " (TRACE_PARSER=jansson)" : "");
      return 3;
    }
    first_rc = rc;
    if (jansson)
      ratio[r / 2] = slow->cpu[r / 2] / fast->cpu[r / 2];
  }
  return 0;
}

int main(int argc, char **argv) {
  static struct options o;
  static struct series fast, slow;
  double ratio[MAX_REPS], bytes;
  char path[4096];
  int rc = parse_args(argc, argv, &o);

  if (rc)
    return rc == 1 ? 0 : rc;
  if (access(o.trace, X_OK) != 0) {
    fprintf(stderr, "bench_trace: %s: %s (build it, or pass --trace PATH)\n",
            o.trace, strerror(errno));
    return 3;
  }
  bytes = make_log(path, sizeof path, o.events);
  long lines = o.events + 1; /* the trailer is a line the tool reads too */
  printf("trace bench: a %ld-line log (%.1f MB) of corrlog's short form, "
         "`%s --check`, %d repetitions each way\n",
         lines, bytes / 1e6, o.trace, o.reps);
  fflush(stdout);
  rc = run_pairs(&o, path, &fast, &slow, ratio);
  unlink(path);
  if (rc)
    return rc;
  double mc = bench_median(fast.cpu, o.reps),
         mw = bench_median(fast.wall, o.reps),
         mr = bench_median(fast.rss, o.reps), mq = bench_median(ratio, o.reps);
  report("fast parser", &fast, o.reps, lines);
  report("jansson only", &slow, o.reps, lines);
  printf("trace bench: CPU time jansson only / fast parser: %.2f (median of "
         "%d pairs; %.2f-%.2f)\n",
         mq, o.reps, ratio[0], ratio[o.reps - 1]);
  /* The target is stated for 1,000,000 lines; scaled to this run. */
  double budget = 3.0 * (double)lines / 1e6;
  printf("trace bench: target %.2f s and 100 MB for this size: CPU %s, "
         "wall %s, memory %s\n",
         budget, mc <= budget ? "met" : "NOT met",
         mw <= budget ? "met" : "NOT met", mr <= 100 ? "met" : "NOT met");
  return 0;
}
