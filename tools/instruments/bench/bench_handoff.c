/* bench_handoff.c -- the least a hand-over of a token between two threads
 * costs on this machine: two threads pass the token back and forth the way
 * the preload shim (tools/runtime/preload) passes it, each parked on its
 * own futex word, woken by exactly one FUTEX_WAKE. Measured with the two
 * threads free to run on any CPU, then with both pinned to the CPU the
 * program started on. Pinned, each hand-over is one context switch: a
 * scheduler that wakes a sleeping thread at each switch pays about that
 * much per switch whatever else it does. (Free, the kernel may place the
 * threads better or worse than a scheduler's threads, so that figure is
 * no bound.) The shim's cost script (tests/check-preload-cost.sh) sets the
 * cheaper one beside what a switch costs the shim. */
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_REPS 51

/* One series of repetitions: microseconds per hand-over (median, min, max) and
 * the median context switches per hand-over. */
struct figures {
  double median, min, max, switches;
};

struct side {
  _Atomic int go; /* 1: this side holds the token */
  struct side *other;
  long rounds;
  _Atomic int stop; /* 1: give up (the other side could not start) */
  long csw;         /* context switches this side made, voluntary or not */
};

static void futex_wake(_Atomic int *w) {
  syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void futex_wait(_Atomic int *w, int v) {
  syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

/* Waits for the token, hands it over; `rounds` times. */
static void *side_run(void *arg) {
  struct side *s = arg;
  for (long i = 0; i < s->rounds; i++) {
    while (atomic_load_explicit(&s->go, memory_order_acquire) == 0)
      futex_wait(&s->go, 0);
    if (atomic_load(&s->stop))
      return NULL;
    atomic_store_explicit(&s->go, 0, memory_order_relaxed);
    atomic_store_explicit(&s->other->go, 1, memory_order_release);
    futex_wake(&s->other->go);
  }
  struct rusage ru;
  if (getrusage(RUSAGE_THREAD, &ru) == 0)
    s->csw = ru.ru_nvcsw + ru.ru_nivcsw;
  return NULL;
}

/* One measurement: 2 * rounds hand-overs, the threads on any CPU (cpu -1)
 * or both on cpu. Returns microseconds per hand-over, or -1 with errno set
 * (a thread could not start on that CPU); *sw: the two threads' context
 * switches per hand-over (about 1 when each hand-over is a switch). */
static double measure(long rounds, int cpu, double *sw) {
  struct side a = {0}, b = {0};
  pthread_t ta, tb;
  pthread_attr_t attr;
  a.other = &b, b.other = &a;
  a.rounds = b.rounds = rounds;
  int rc = pthread_attr_init(&attr);
  if (rc == 0 && cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    rc = pthread_attr_setaffinity_np(&attr, sizeof one, &one);
  }
  if (rc == 0)
    rc = pthread_create(&ta, &attr, side_run, &a);
  if (rc != 0) {
    pthread_attr_destroy(&attr);
    errno = rc;
    return -1;
  }
  rc = pthread_create(&tb, &attr, side_run, &b);
  pthread_attr_destroy(&attr);
  if (rc != 0) { /* a waits for a token no one will pass it */
    atomic_store(&a.stop, 1);
    atomic_store(&a.go, 1);
    futex_wake(&a.go);
    pthread_join(ta, NULL);
    errno = rc;
    return -1;
  }
  double t0 = bench_now_s(); /* both exist; the token starts with a */
  atomic_store_explicit(&a.go, 1, memory_order_release);
  futex_wake(&a.go);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  double t1 = bench_now_s();
  *sw = (double)(a.csw + b.csw) / (2.0 * (double)rounds);
  return (t1 - t0) * 1e6 / (2.0 * (double)rounds);
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: bench_handoff [--rounds N] [--reps R] [--json FILE]\n"
          "  Two threads pass a token back and forth 2N times (default N\n"
          "  50000) by futex, as the preload shim does, free and pinned to\n"
          "  one CPU, R times each (default 7, 1 to %d); prints the median\n"
          "  microseconds per hand-over and min-max, and the median of the\n"
          "  context switches per hand-over. --json FILE: the\n"
          "  same as one JSON object.\n"
          "  Exit: 0 measured; 2 usage (a --json FILE that cannot be\n"
          "  written too); 3 setup failure.\n",
          MAX_REPS);
}

static long number(const char *opt, const char *s, long lo, long hi) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) {
    fprintf(stderr,
            "bench_handoff: %s wants a number from %ld to %ld, not '%s'\n", opt,
            lo, hi, s);
    exit(2);
  }
  return v;
}

/* Measures reps times into *out; 0, or -1 when a measurement could not
 * run (said on stderr). */
static int series(const char *what, long rounds, int reps, int cpu,
                  struct figures *out) {
  double v[MAX_REPS], sw[MAX_REPS];
  for (int i = 0; i < reps; i++) {
    v[i] = measure(rounds, cpu, &sw[i]);
    if (v[i] < 0) {
      fprintf(stderr, "bench_handoff: %s: %s\n", what, strerror(errno));
      return -1;
    }
  }
  out->median = bench_median(v, reps);
  out->min = v[0];
  out->max = v[reps - 1];
  out->switches = bench_median(sw, reps);
  printf("  %-8s median %7.2f  min %7.2f  max %7.2f us/hand-over, %.2f "
         "context switches/hand-over\n",
         what, out->median, out->min, out->max, out->switches);
  return 0;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {{"rounds", required_argument, 0, 'n'},
                                       {"reps", required_argument, 0, 'r'},
                                       {"json", required_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  long rounds = 50000;
  int reps = 7, c;
  const char *json = NULL;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'n':
      rounds = number("--rounds", optarg, 1, 100000000);
      break;
    case 'r':
      reps = (int)number("--reps", optarg, 1, MAX_REPS);
      break;
    case 'j':
      json = optarg;
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "bench_handoff: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return 2;
  }
  int cpu = sched_getcpu();
  if (cpu < 0) {
    fprintf(stderr, "bench_handoff: sched_getcpu: %s\n", strerror(errno));
    return 3;
  }
  FILE *jf = NULL;
  if (json && (jf = fopen(json, "w")) == NULL) {
    fprintf(stderr, "bench_handoff: --json %s: %s\n", json, strerror(errno));
    return 2;
  }
  struct figures fr, pin;
  printf("token hand-over between two threads by futex, %ld x 2 per "
         "repetition, %d repetitions:\n",
         rounds, reps);
  if (series("free", rounds, reps, -1, &fr) != 0 ||
      series("pinned", rounds, reps, cpu, &pin) != 0) {
    if (jf) { /* no half-made report */
      fclose(jf);
      unlink(json);
    }
    return 3;
  }
  printf("handoff bench: free %.2f us/hand-over, pinned to cpu %d %.2f "
         "us/hand-over (medians)\n",
         fr.median, cpu, pin.median);
  if (jf) {
    fprintf(jf,
            "{\"rounds\":%ld,\"reps\":%d,\"cpu\":%d,"
            "\"free_us\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f},"
            "\"pinned_us\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f},"
            "\"free_switches\":%.4f,\"pinned_switches\":%.4f}\n",
            rounds, reps, cpu, fr.median, fr.min, fr.max, pin.median, pin.min,
            pin.max, fr.switches, pin.switches);
    if (fclose(jf) != 0) {
      fprintf(stderr, "bench_handoff: %s: %s\n", json, strerror(errno));
      unlink(json); /* no half-made report */
      return 3;
    }
  }
  return 0;
}
