/* bench_corrlog.c -- measures what a logged event costs the logging thread:
 * corrlog against fprintf of the same JSON line, two threads logging at once
 * into a real temporary file, plus the cost of capturing an async origin. */
#include "corrlog.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define THREADS 2
#define MAX_REPS 101

static long events = 1000000;
static int reps = 7;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the calling thread: what logging costs the thread itself,
 * unaffected by waiting for a core on a shared machine. */
static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
  fprintf(stderr, "bench_corrlog: %s: %s\n", what, strerror(errno));
  exit(3);
}

/* Both threads start logging together, so they contend for real. */
static pthread_barrier_t start;
static FILE *stdio_file;

struct job {
  int idx;
  double secs; /* wall time inside the logging loop */
  double cpu;  /* the thread's CPU time inside the logging loop */
};

/* @snippet bench_corrlog_loop */
static void *corrlog_thread(void *arg) {
  struct job *j = arg;
  corrlog_op op;
  corrlog_thread_name(j->idx ? "writer-1" : "writer-0");
  corrlog_begin(&op, NULL, "bench", "start");
  pthread_barrier_wait(&start);
  double t0 = now_s(), c0 = cpu_s();
  for (long i = 0; i < events; i++)
    corrlog_step(&op, "item %ld", i);
  j->secs = now_s() - t0;
  j->cpu = cpu_s() - c0;
  corrlog_end(&op, 0, "done");
  return NULL;
}
/* @end */

/* The record alone: batches small enough never to fill the thread's buffer,
 * each written out by corrlog_flush() outside the timed region. This is the
 * latency of a typical logging call; the loop above adds the formatting and
 * writing that a full buffer costs its thread. */
#define BATCH 1000
static void *record_thread(void *arg) {
  struct job *j = arg;
  corrlog_op op;
  corrlog_thread_name(j->idx ? "writer-1" : "writer-0");
  corrlog_begin(&op, NULL, "bench", "start");
  pthread_barrier_wait(&start);
  j->secs = j->cpu = 0;
  for (long i = 0; i < events; i += BATCH) {
    double t0 = now_s(), c0 = cpu_s();
    for (long k = i; k < i + BATCH && k < events; k++)
      corrlog_step(&op, "item %ld", k);
    j->secs += now_s() - t0;
    j->cpu += cpu_s() - c0;
    corrlog_flush();
  }
  corrlog_end(&op, 0, "done");
  return NULL;
}

/* The same line corrlog writes, with the same fields, through stdio (whose
 * FILE lock the two threads share). It skips JSON escaping, which only
 * flatters fprintf. */
static void *fprintf_thread(void *arg) {
  struct job *j = arg;
  const char *name = j->idx ? "writer-1" : "writer-0";
  unsigned long long id = (unsigned long long)j->idx + 1, lc = 0;
  pthread_barrier_wait(&start);
  double t0 = now_s(), c0 = cpu_s();
  for (long i = 0; i < events; i++) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    fprintf(stdio_file,
            "{\"ts\":%llu,\"thread\":\"%s\",\"op\":\"%016llx\",\"parent\":"
            "\"%016llx\",\"seq\":%ld,\"lc\":%llu,\"ev\":\"%s\",\"kind\":\"%s\","
            "\"status\":%d,\"msg\":\"item %ld\",\"site\":\"%s:%d:%s\"}\n",
            (unsigned long long)ts.tv_sec * 1000000000ull +
                (unsigned long long)ts.tv_nsec,
            name, id, 0ull, i + 1, ++lc, "step", "bench", 0, i,
            "bench_corrlog.c", __LINE__, __func__);
  }
  j->secs = now_s() - t0;
  j->cpu = cpu_s() - c0;
  return NULL;
}

/* Nothing lost: the trailer of the log at path must count every event
 * the threads logged (begin, the steps, end) as written, none dropped. */
static void check_trailer(const char *path, long want) {
  char tail[256];
  long long ev = -1, dr = -1;
  FILE *f = fopen(path, "r");
  if (!f)
    die(path);
  if (fseek(f, -(long)sizeof tail + 1, SEEK_END) != 0)
    rewind(f);
  size_t n = fread(tail, 1, sizeof tail - 1, f);
  fclose(f);
  tail[n] = '\0';
  const char *t = strstr(tail, "{\"ev\":\"trailer\"");
  if (t)
    sscanf(t, "{\"ev\":\"trailer\",\"dropped\":%lld,\"events\":%lld", &dr, &ev);
  if (ev != want || dr != 0) {
    fprintf(stderr,
            "bench_corrlog: the trailer counts %lld events and %lld "
            "dropped, want %ld and 0\n",
            ev, dr, want);
    exit(1);
  }
}

/* Runs one repetition; returns mean wall ns/event per thread inside the
 * loop, stores the mean CPU ns/event per thread in *cpu_ns and the ns/event
 * of the final flush-and-close in *tail_ns. */
static double total_cpu_ns; /* last run: all threads' CPU, per event */

static double process_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run(int use_corrlog, const char *path, double *tail_ns,
                  double *cpu_ns) {
  pthread_t th[THREADS];
  struct job jobs[THREADS];
  double p0 = process_cpu_s();
  if (use_corrlog) {
    int rc = corrlog_open(path);
    if (rc < 0) {
      errno = -rc;
      die(path);
    }
  } else if (!(stdio_file = fopen(path, "w"))) {
    die(path);
  }
  if (pthread_barrier_init(&start, NULL, THREADS) != 0)
    die("pthread_barrier_init");
  for (int i = 0; i < THREADS; i++) {
    jobs[i].idx = i;
    if (pthread_create(&th[i], NULL,
                       use_corrlog == 2   ? record_thread
                       : use_corrlog == 1 ? corrlog_thread
                                          : fprintf_thread,
                       &jobs[i]) != 0)
      die("pthread_create");
  }
  for (int i = 0; i < THREADS; i++)
    if (pthread_join(th[i], NULL) != 0)
      die("pthread_join");
  pthread_barrier_destroy(&start);
  double t0 = now_s();
  if (use_corrlog) {
    if (corrlog_dropped() != 0)
      fprintf(stderr, "bench_corrlog: %llu events dropped\n",
              (unsigned long long)corrlog_dropped());
    corrlog_close();
  } else if (fclose(stdio_file) != 0) {
    die("fclose");
  }
  *tail_ns = (now_s() - t0) * 1e9 / ((double)events * THREADS);
  total_cpu_ns = (process_cpu_s() - p0) * 1e9 / ((double)events * THREADS);
  if (use_corrlog)
    check_trailer(path, (events + 2) * THREADS);
  double sum = 0, csum = 0;
  for (int i = 0; i < THREADS; i++) {
    sum += jobs[i].secs;
    csum += jobs[i].cpu;
  }
  *cpu_ns = csum / THREADS * 1e9 / (double)events;
  return sum / THREADS * 1e9 / (double)events;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void show(const char *label, double *v, int n) {
  double m = median(v, n);
  printf("  %-34s median %7.1f  min %7.1f  max %7.1f ns/event\n", label, m,
         v[0], v[n - 1]);
}

/* ns per corrlog_begin+end pair with n raw origin frames (single thread). */
static double begin_cost(const char *path, int frames, long n) {
  corrlog_op op;
  if (corrlog_open(path) < 0)
    die(path);
  corrlog_set_origin_frames(frames);
  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    corrlog_begin(&op, NULL, "bench", "begin %ld", i);
    corrlog_end(&op, 0, "end");
  }
  double ns = (now_s() - t0) * 1e9 / (double)n;
  corrlog_set_origin_frames(0);
  corrlog_close();
  return ns;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: bench_corrlog [--quick] [--events N] [--reps R]\n"
          "  Two threads log N events each (default 1000000), R times\n"
          "  (default 7, at least 5), through corrlog and through fprintf of\n"
          "  the same JSON line into a temporary file; prints medians and\n"
          "  min-max. --quick: 50000 events, 5 repetitions.\n");
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(argv[i], "--quick")) {
      events = 50000;
      reps = 5;
    } else if (!strcmp(argv[i], "--events") && i + 1 < argc) {
      events = strtol(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = (int)strtol(argv[++i], NULL, 10);
    } else {
      fprintf(stderr, "bench_corrlog: unknown argument '%s' (try --help)\n",
              argv[i]);
      return 2;
    }
  }
  if (events < 1000 || reps < 5 || reps > MAX_REPS) {
    fprintf(stderr, "bench_corrlog: need --events >= 1000 and 5 <= --reps "
                    "<= 101\n");
    return 2;
  }

  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  char path[4096];
  snprintf(path, sizeof path, "%s/bench_corrlog.XXXXXX", tmp);
  int fd = mkstemp(path);
  if (fd < 0)
    die(path);
  close(fd);

  double cl[MAX_REPS], fp[MAX_REPS], cl_tail[MAX_REPS], fp_tail[MAX_REPS];
  double cl_e2e[MAX_REPS], fp_e2e[MAX_REPS], ratio[MAX_REPS];
  double clc[MAX_REPS], fpc[MAX_REPS], cratio[MAX_REPS], recc[MAX_REPS];
  double clt[MAX_REPS], fpt[MAX_REPS], all_ratio[MAX_REPS];
  /* Each thread's buffer holds the whole burst, so the loop measures the
   * logging call and the background flusher formats in parallel (as it
   * would for any program that logs in bursts); what formatting costs is
   * in the "all threads' CPU" figures. The first repetition also pays the
   * page faults of the fresh buffers; the medians do not. */
  corrlog_set_buffer_kb((size_t)events * 128 / 1024 + 1024);
  printf("corrlog vs fprintf: %d threads x %ld events, %d repetitions, "
         "file %s\n",
         THREADS, events, reps, path);
  /* Alternate the two so that drifting machine load hits both alike. */
  for (int r = 0; r < reps; r++) {
    cl[r] = run(1, path, &cl_tail[r], &clc[r]);
    clt[r] = total_cpu_ns;
    fp[r] = run(0, path, &fp_tail[r], &fpc[r]);
    fpt[r] = total_cpu_ns;
    all_ratio[r] = fpt[r] / clt[r]; /* before show() sorts them */
    cl_e2e[r] = cl[r] + cl_tail[r];
    fp_e2e[r] = fp[r] + fp_tail[r];
    ratio[r] = fp[r] / cl[r];
    cratio[r] = fpc[r] / clc[r];
  }
  double rec[MAX_REPS], rec_tail[MAX_REPS];
  for (int r = 0; r < reps; r++)
    rec[r] = run(2, path, &rec_tail[r], &recc[r]);
  double e2e_ratio[MAX_REPS];
  for (int r = 0; r < reps; r++)
    e2e_ratio[r] = fp_e2e[r] / cl_e2e[r];

  printf("per thread, wall time inside the logging loop:\n");
  show("corrlog", cl, reps);
  show("fprintf", fp, reps);
  printf("per thread, CPU time inside the logging loop:\n");
  show("corrlog", clc, reps);
  show("fprintf", fpc, reps);
  printf("per thread, the record alone (batches of %d, flushed untimed):\n",
         BATCH);
  show("corrlog record, wall", rec, reps);
  show("corrlog record, CPU", recc, reps);
  printf("final flush and close, per event:\n");
  show("corrlog_close", cl_tail, reps);
  show("fclose", fp_tail, reps);
  printf("all threads' CPU (loggers, flusher, close), per event:\n");
  show("corrlog", clt, reps);
  show("fprintf", fpt, reps);
  printf("end to end (loop + close), per event:\n");
  show("corrlog", cl_e2e, reps);
  show("fprintf", fp_e2e, reps);
  double er = median(e2e_ratio, reps);
  printf("  end-to-end ratio fprintf/corrlog: median %.1f (min %.1f, max "
         "%.1f)\n",
         er, e2e_ratio[0], e2e_ratio[reps - 1]);

  long nb = events / 4;
  double b0[MAX_REPS], b4[MAX_REPS];
  for (int r = 0; r < reps; r++) {
    b0[r] = begin_cost(path, 0, nb);
    b4[r] = begin_cost(path, CORRLOG_MAX_FRAMES, nb);
  }
  printf("origin capture, one thread, begin+end pair:\n");
  show("return address only", b0, reps);
  show("plus 4 raw frames", b4, reps);
  printf("  => 4 raw frames add %.1f ns per begin (medians)\n",
         median(b4, reps) - median(b0, reps));
  unlink(path);

  double mr = median(ratio, reps);
  printf("wall-time ratio per repetition: median %.1f, min %.1f, max %.1f\n",
         mr, ratio[0], ratio[reps - 1]);
  mr = median(cratio, reps);
  printf("logging threads' CPU ratio per repetition: median %.1f, min %.1f, "
         "max %.1f\n",
         mr, cratio[0], cratio[reps - 1]);
  /* The final line: the record's cost to the logging thread (its CPU
   * time, which waiting for a core on a shared machine does not inflate),
   * the whole process's CPU per event for both loggers -- the fair total,
   * since corrlog moves the formatting to other threads -- their ratio
   * per repetition, and the wall time of corrlog_close per event. */
  double rec_m = median(recc, reps), clt_m = median(clt, reps);
  double fpt_m = median(fpt, reps), ar = median(all_ratio, reps);
  double close_m = median(cl_tail, reps);
  printf("all threads' CPU ratio per repetition: median %.1f, min %.1f, "
         "max %.1f\n",
         ar, all_ratio[0], all_ratio[reps - 1]);
  printf("corrlog bench: record %.1f ns/event, all threads %.1f ns/event, "
         "fprintf %.1f ns/event, ratio %.1f (all threads), close %.1f "
         "ns/event\n",
         rec_m, clt_m, fpt_m, ar, close_m);
  return 0;
}
