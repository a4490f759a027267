/* bench_corrlog.c -- measures what a logged event costs the logging thread:
 * corrlog against fprintf of the same JSON line, two threads logging at once
 * into a real temporary file, plus the cost of capturing an async origin. */
#include "bench.h"
#include "corrlog.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define THREADS 2
#define MAX_REPS 101

static long events = 1000000;
static int reps = 7;

/* CPU time of the calling thread: what logging costs the thread itself,
 * unaffected by waiting for a core on a shared machine. */
static double cpu_s(void) {
  return bench_clock_s(CLOCK_THREAD_CPUTIME_ID);
}

/* The temporary log, removed on every way out. */
static char log_path[4096];

static void leave(int code) {
  if (log_path[0])
    unlink(log_path);
  exit(code);
}

static void die(const char *what) {
  fprintf(stderr, "bench_corrlog: %s: %s\n", what, strerror(errno));
  leave(3);
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
  double t0 = bench_now_s(), c0 = cpu_s();
  for (long i = 0; i < events; i++)
    corrlog_step(&op, "item %ld", i);
  j->secs = bench_now_s() - t0;
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
    double t0 = bench_now_s(), c0 = cpu_s();
    for (long k = i; k < i + BATCH && k < events; k++)
      corrlog_step(&op, "item %ld", k);
    j->secs += bench_now_s() - t0;
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
  double t0 = bench_now_s(), c0 = cpu_s();
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
  j->secs = bench_now_s() - t0;
  j->cpu = cpu_s() - c0;
  return NULL;
}

/* Nothing lost: the trailer of the log at path must count every event
 * the threads logged (begin, the steps, end) as written, none dropped.
 * The trailer is the log's last line, a JSON object read as JSON. */
static void check_trailer(const char *path, long want) {
  char tail[256];
  json_int_t ev = -1, dr = -1;
  FILE *f = fopen(path, "r");
  if (!f)
    die(path);
  if (fseek(f, -(long)sizeof tail + 1, SEEK_END) != 0)
    rewind(f);
  size_t n = fread(tail, 1, sizeof tail - 1, f);
  fclose(f);
  if (n > 0 && tail[n - 1] == '\n')
    n--;
  tail[n] = '\0';
  const char *line = strrchr(tail, '\n');
  json_t *t = json_loads(line ? line + 1 : tail, 0, NULL);
  const char *kind = NULL;
  if (!t ||
      json_unpack(t, "{s:s, s:I, s:I}", "ev", &kind, "dropped", &dr, "events",
                  &ev) != 0 ||
      strcmp(kind, "trailer") != 0)
    ev = dr = -1; /* no trailer, or not the last line: nothing counted */
  json_decref(t);
  if (ev != want || dr != 0) {
    fprintf(stderr,
            "bench_corrlog: the trailer counts %lld events and %lld "
            "dropped, want %ld and 0\n",
            (long long)ev, (long long)dr, want);
    leave(1);
  }
}

/* What the threads log through in one repetition. */
enum mode { FPRINTF, CORRLOG, RECORD };

/* One repetition: per thread, mean wall and CPU ns/event inside the
 * logging loop; per event, the wall time of the final flush-and-close and
 * the whole process's CPU time (loggers, flusher, close). */
struct sample {
  double wall, cpu, tail, total;
  double sys; /* the part of total spent in the kernel */
};

/* The process's CPU time in the kernel so far, in seconds. */
static double sys_s(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    die("getrusage");
  return (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Opens the sink for mode at path. */
static void open_sink(enum mode m, const char *path) {
  if (m != FPRINTF) {
    int rc = corrlog_open(path);
    if (rc < 0) {
      errno = -rc;
      die(path);
    }
  } else if (!(stdio_file = fopen(path, "w"))) {
    die(path);
  }
}

static void close_sink(enum mode m) {
  if (m == FPRINTF) {
    if (fclose(stdio_file) != 0)
      die("fclose");
    return;
  }
  if (corrlog_dropped() != 0)
    fprintf(stderr, "bench_corrlog: %llu events dropped\n",
            (unsigned long long)corrlog_dropped());
  corrlog_close();
}

static struct sample run(enum mode m, const char *path) {
  static void *(*const body[])(void *) = {fprintf_thread, corrlog_thread,
                                          record_thread};
  pthread_t th[THREADS];
  struct job jobs[THREADS];
  struct sample s = {0, 0, 0, 0, 0};
  double ev = (double)events * THREADS;
  /* Each repetition writes a file made afresh, the last one deleted
   * untimed: reusing it would charge this repetition with freeing its
   * 400 MB of page cache (the truncation), and ext4 writes out at close a
   * file that was truncated to zero (its auto_da_alloc rule) -- costs of
   * the benchmark's reuse of one path, not of either logger. */
  if (unlink(path) != 0 && errno != ENOENT)
    die(path);
  double p0 = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID), k0 = sys_s();
  open_sink(m, path);
  if (pthread_barrier_init(&start, NULL, THREADS) != 0)
    die("pthread_barrier_init");
  for (int i = 0; i < THREADS; i++) {
    jobs[i].idx = i;
    if (pthread_create(&th[i], NULL, body[m], &jobs[i]) != 0)
      die("pthread_create");
  }
  for (int i = 0; i < THREADS; i++)
    if (pthread_join(th[i], NULL) != 0)
      die("pthread_join");
  pthread_barrier_destroy(&start);
  double t0 = bench_now_s();
  close_sink(m);
  s.tail = (bench_now_s() - t0) * 1e9 / ev;
  s.total = (bench_clock_s(CLOCK_PROCESS_CPUTIME_ID) - p0) * 1e9 / ev;
  s.sys = (sys_s() - k0) * 1e9 / ev;
  if (m != FPRINTF)
    check_trailer(path, (events + 2) * THREADS);
  for (int i = 0; i < THREADS; i++) {
    s.wall += jobs[i].secs * 1e9 / ev;
    s.cpu += jobs[i].cpu * 1e9 / ev;
  }
  return s;
}

/* A figure over the repetitions, printed as its median and min-max. */
static void show(const char *label, double *v, int n) {
  double m = bench_median(v, n);
  printf("  %-34s median %7.1f  min %7.1f  max %7.1f ns/event\n", label, m,
         v[0], v[n - 1]);
}

static void show_ratio(const char *label, double *v, int n) {
  double m = bench_median(v, n);
  printf("%s: median %.1f, min %.1f, max %.1f\n", label, m, v[0], v[n - 1]);
}

/* ns per corrlog_begin+end pair with n raw origin frames (single thread). */
static double begin_cost(const char *path, int frames, long n) {
  corrlog_op op;
  if (corrlog_open(path) < 0)
    die(path);
  corrlog_set_origin_frames(frames);
  double t0 = bench_now_s();
  for (long i = 0; i < n; i++) {
    corrlog_begin(&op, NULL, "bench", "begin %ld", i);
    corrlog_end(&op, 0, "end");
  }
  double ns = (bench_now_s() - t0) * 1e9 / (double)n;
  corrlog_set_origin_frames(0);
  corrlog_close();
  return ns;
}

static void origin_costs(const char *path) {
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
         bench_median(b4, reps) - bench_median(b0, reps));
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: bench_corrlog [--quick] [--events N] [--reps R]\n"
          "  Two threads log N events each (default 1000000), R times\n"
          "  (default 7, at least 5), through corrlog and through fprintf of\n"
          "  the same JSON line into a temporary file; prints medians and\n"
          "  min-max. --quick: 50000 events, 5 repetitions.\n"
          "  Exit: 0 measured; 1 a log's trailer did not count every event;\n"
          "  2 usage; 3 setup failure.\n");
}

/* Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv) {
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
  return -1;
}

/* Every figure, one value per repetition. */
struct figures {
  double cl[MAX_REPS], fp[MAX_REPS], cl_tail[MAX_REPS], fp_tail[MAX_REPS];
  double clc[MAX_REPS], fpc[MAX_REPS], clt[MAX_REPS], fpt[MAX_REPS];
  double cls[MAX_REPS], fps[MAX_REPS];
  double rec[MAX_REPS], recc[MAX_REPS], cl_e2e[MAX_REPS], fp_e2e[MAX_REPS];
  double ratio[MAX_REPS], cratio[MAX_REPS], all_ratio[MAX_REPS];
  double e2e_ratio[MAX_REPS];
};

/* Alternates corrlog and fprintf, so that drifting machine load hits both
 * alike, then measures the record alone. Ratios are taken per repetition,
 * before show() sorts the series. */
static void measure(struct figures *f, const char *path) {
  for (int r = 0; r < reps; r++) {
    struct sample c = run(CORRLOG, path), p = run(FPRINTF, path);
    f->cl[r] = c.wall;
    f->clc[r] = c.cpu;
    f->cl_tail[r] = c.tail;
    f->clt[r] = c.total;
    f->cls[r] = c.sys;
    f->fps[r] = p.sys;
    f->fp[r] = p.wall;
    f->fpc[r] = p.cpu;
    f->fp_tail[r] = p.tail;
    f->fpt[r] = p.total;
    f->all_ratio[r] = p.total / c.total;
    f->cl_e2e[r] = c.wall + c.tail;
    f->fp_e2e[r] = p.wall + p.tail;
    f->ratio[r] = p.wall / c.wall;
    f->cratio[r] = p.cpu / c.cpu;
    f->e2e_ratio[r] = f->fp_e2e[r] / f->cl_e2e[r];
  }
  for (int r = 0; r < reps; r++) {
    struct sample s = run(RECORD, path);
    f->rec[r] = s.wall;
    f->recc[r] = s.cpu;
  }
}

static void report(struct figures *f) {
  printf("per thread, wall time inside the logging loop:\n");
  show("corrlog", f->cl, reps);
  show("fprintf", f->fp, reps);
  printf("per thread, CPU time inside the logging loop:\n");
  show("corrlog", f->clc, reps);
  show("fprintf", f->fpc, reps);
  printf("per thread, the record alone (batches of %d, flushed untimed):\n",
         BATCH);
  show("corrlog record, wall", f->rec, reps);
  show("corrlog record, CPU", f->recc, reps);
  printf("final flush and close, per event:\n");
  show("corrlog_close", f->cl_tail, reps);
  show("fclose", f->fp_tail, reps);
  printf("all threads' CPU (loggers, flusher, close), per event:\n");
  show("corrlog", f->clt, reps);
  show("fprintf", f->fpt, reps);
  printf("  of which in the kernel (write(2), page faults):\n");
  show("corrlog", f->cls, reps);
  show("fprintf", f->fps, reps);
  printf("end to end (loop + close), per event:\n");
  show("corrlog", f->cl_e2e, reps);
  show("fprintf", f->fp_e2e, reps);
  show_ratio("  end-to-end ratio fprintf/corrlog", f->e2e_ratio, reps);
}

int main(int argc, char **argv) {
  int rc = parse_args(argc, argv);
  if (rc >= 0)
    return rc;
  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  char tmpl[sizeof log_path];
  snprintf(tmpl, sizeof tmpl, "%s/bench_corrlog.XXXXXX", tmp);
  int fd = mkstemp(tmpl);
  if (fd < 0)
    die(tmpl);
  close(fd);
  memcpy(log_path, tmpl, sizeof log_path);
  const char *path = log_path;

  static struct figures f;
  /* Each thread's buffer holds the whole burst, so the loop measures the
   * logging call and the background flusher formats in parallel (as it
   * would for any program that logs in bursts); what formatting costs is
   * in the "all threads' CPU" figures. The first repetition also pays the
   * page faults of the fresh buffers; the medians do not. */
  corrlog_set_buffer_kb((size_t)events * 128 / 1024 + 1024);
  printf("corrlog vs fprintf: %d threads x %ld events, %d repetitions, "
         "file %s\n",
         THREADS, events, reps, path);
  measure(&f, path);
  report(&f);
  origin_costs(path);
  unlink(path);

  show_ratio("wall-time ratio per repetition", f.ratio, reps);
  show_ratio("logging threads' CPU ratio per repetition", f.cratio, reps);
  /* The final line: the record's cost to the logging thread (its CPU
   * time, which waiting for a core on a shared machine does not inflate),
   * the whole process's CPU per event for both loggers -- the fair total,
   * since corrlog moves the formatting to other threads -- their ratio
   * per repetition, and the wall time of corrlog_close per event. */
  double rec_m = bench_median(f.recc, reps), clt_m = bench_median(f.clt, reps);
  double fpt_m = bench_median(f.fpt, reps);
  double close_m = bench_median(f.cl_tail, reps);
  show_ratio("all threads' CPU ratio per repetition", f.all_ratio, reps);
  printf("corrlog bench: record %.1f ns/event, all threads %.1f ns/event, "
         "fprintf %.1f ns/event, ratio %.1f (all threads), close %.1f "
         "ns/event\n",
         rec_m, clt_m, fpt_m, bench_median(f.all_ratio, reps), close_m);
  return 0;
}
