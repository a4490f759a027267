/* bench_faster.c -- "why it feels faster": one I/O-bound workload (clients
 * making a few round trips each to a loopback server that answers after a
 * fixed delay) done sequentially, with a thread per client, and on one
 * libuv loop; throughput, round-trip latency percentiles, peak memory and
 * thread count, all measured in the same run. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

static int clients = 1000, trips = 2, delay_ms = 5;
static int port;
static double *lat; /* clients * trips round-trip latencies, seconds */

static void die(const char *what, int err) {
  fprintf(stderr, "bench_faster: %s: %s\n", what, strerror(err));
  exit(3);
}

/* fork(2) with a pipe from the child to the parent in fds (both ends
 * open in both). */
static pid_t fork_piped(int fds[2]) {
  pid_t pid;
  if (pipe(fds) != 0)
    die("pipe", errno);
  if ((pid = fork()) < 0)
    die("fork", errno);
  return pid;
}

static void check_uv(int r, const char *what) {
  if (r < 0) {
    fprintf(stderr, "bench_faster: %s: %s\n", what, uv_strerror(r));
    exit(3);
  }
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------ server */

/* The server answers every "ping\n" with "pong\n" after delay_ms, the
 * latency of a real backend. It runs in its own process, on libuv, so it
 * never is the bottleneck of the client being measured. */
struct sconn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_write_t wr;
  int pending; /* pings received and not yet answered */
  int closing;
};

static void sconn_closed_cb(uv_handle_t *h) {
  struct sconn *c = h->data;
  if (--c->closing == 0)
    free(c);
}

static void reply_cb(uv_timer_t *t);

static void wrote_cb(uv_write_t *wr, int status) {
  struct sconn *c = wr->data;
  (void)status;
  if (c->pending > 0 && !c->closing)
    check_uv(uv_timer_start(&c->timer, reply_cb, (uint64_t)delay_ms, 0),
             "uv_timer_start");
}

static void reply_cb(uv_timer_t *t) {
  static char pong[] = "pong\n";
  struct sconn *c = t->data;
  uv_buf_t b = uv_buf_init(pong, 5);
  c->pending--;
  c->wr.data = c;
  if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, wrote_cb) < 0)
    c->pending = 0;
}

static void alloc_cb(uv_handle_t *h, size_t size, uv_buf_t *buf) {
  static char slab[65536];
  (void)h;
  (void)size;
  *buf = uv_buf_init(slab, sizeof slab);
}

static void sread_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  struct sconn *c = s->data;
  if (n < 0) {
    c->closing = 2;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, sconn_closed_cb);
    uv_close((uv_handle_t *)&c->tcp, sconn_closed_cb);
    return;
  }
  for (ssize_t i = 0; i < n; i++)
    if (buf->base[i] == '\n' && c->pending++ == 0)
      check_uv(uv_timer_start(&c->timer, reply_cb, (uint64_t)delay_ms, 0),
               "uv_timer_start");
}

static void accept_cb(uv_stream_t *server, int status) {
  struct sconn *c;
  check_uv(status, "listen");
  if ((c = calloc(1, sizeof *c)) == NULL)
    die("calloc", ENOMEM);
  check_uv(uv_tcp_init(server->loop, &c->tcp), "uv_tcp_init");
  check_uv(uv_timer_init(server->loop, &c->timer), "uv_timer_init");
  c->tcp.data = c->timer.data = c;
  check_uv(uv_accept(server, (uv_stream_t *)&c->tcp), "uv_accept");
  uv_tcp_nodelay(&c->tcp, 1);
  check_uv(uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, sread_cb),
           "uv_read_start");
}

/* Forks the server; returns its pid and sets port. */
static pid_t start_server(void) {
  int fds[2];
  pid_t pid;
  pid = fork_piped(fds);
  if (pid == 0) {
    uv_loop_t *loop = uv_default_loop();
    uv_tcp_t server;
    struct sockaddr_in addr;
    int len = sizeof addr;
    close(fds[0]);
    check_uv(uv_tcp_init(loop, &server), "uv_tcp_init");
    check_uv(uv_ip4_addr("127.0.0.1", 0, &addr), "uv_ip4_addr");
    check_uv(uv_tcp_bind(&server, (struct sockaddr *)&addr, 0), "bind");
    check_uv(uv_listen((uv_stream_t *)&server, 4096, accept_cb), "listen");
    check_uv(uv_tcp_getsockname(&server, (struct sockaddr *)&addr, &len),
             "getsockname");
    int p = ntohs(addr.sin_port);
    if (write(fds[1], &p, sizeof p) != sizeof p)
      _exit(3);
    close(fds[1]);
    uv_run(loop, UV_RUN_DEFAULT);
    _exit(0);
  }
  close(fds[1]);
  if (read(fds[0], &port, sizeof port) != sizeof port)
    die("server start", EIO);
  close(fds[0]);
  return pid;
}

/* ------------------------------------------------------------ clients */

/* One client with blocking sockets: connect, `trips` round trips, close. */
static void blocking_client(int id) {
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
  char c;
  if (fd < 0)
    die("socket", errno);
  while (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
    if (errno != EINTR)
      die("connect", errno);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  for (int t = 0; t < trips; t++) {
    double t0 = now_s();
    if (write(fd, "ping\n", 5) != 5)
      die("write", errno);
    do {
      ssize_t n = read(fd, &c, 1);
      if (n <= 0)
        die("read", n < 0 ? errno : EPIPE);
    } while (c != '\n');
    lat[id * trips + t] = now_s() - t0;
  }
  close(fd);
}

static void run_sequential(void) {
  for (int i = 0; i < clients; i++)
    blocking_client(i);
}

static void *client_thread(void *arg) {
  blocking_client((int)(intptr_t)arg);
  return NULL;
}

/* A thread per client with default attributes, as a thread-per-request
 * server or client would have them. */
static void run_threads(void) {
  pthread_t *th = malloc((size_t)clients * sizeof *th);
  if (th == NULL)
    die("malloc", ENOMEM);
  for (int i = 0; i < clients; i++) {
    int r = pthread_create(&th[i], NULL, client_thread, (void *)(intptr_t)i);
    if (r != 0)
      die("pthread_create", r);
  }
  for (int i = 0; i < clients; i++)
    pthread_join(th[i], NULL);
  free(th);
}

struct uclient {
  uv_tcp_t tcp;
  uv_connect_t conn;
  uv_write_t wr;
  int id, trip;
  double t0;
};

static void uc_send(struct uclient *c);

static void uc_closed_cb(uv_handle_t *h) {
  (void)h;
}

static void uc_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  struct uclient *c = s->data;
  if (n < 0)
    die("client read", EPIPE);
  for (ssize_t i = 0; i < n; i++) {
    if (buf->base[i] != '\n')
      continue;
    lat[c->id * trips + c->trip] = now_s() - c->t0;
    if (++c->trip == trips) {
      uv_close((uv_handle_t *)&c->tcp, uc_closed_cb);
      return;
    }
    uc_send(c);
  }
}

static void uc_wrote_cb(uv_write_t *wr, int status) {
  (void)wr;
  check_uv(status, "client write");
}

static void uc_send(struct uclient *c) {
  static char ping[] = "ping\n";
  uv_buf_t b = uv_buf_init(ping, 5);
  c->t0 = now_s();
  check_uv(uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, uc_wrote_cb),
           "uv_write");
}

static void uc_connect_cb(uv_connect_t *req, int status) {
  struct uclient *c = req->data;
  check_uv(status, "connect");
  uv_tcp_nodelay(&c->tcp, 1);
  check_uv(uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, uc_read_cb),
           "uv_read_start");
  uc_send(c);
}

static void run_libuv(void) {
  uv_loop_t loop;
  struct sockaddr_in a;
  struct uclient *cs = calloc((size_t)clients, sizeof *cs);
  if (cs == NULL)
    die("calloc", ENOMEM);
  check_uv(uv_loop_init(&loop), "uv_loop_init");
  check_uv(uv_ip4_addr("127.0.0.1", port, &a), "uv_ip4_addr");
  for (int i = 0; i < clients; i++) {
    struct uclient *c = &cs[i];
    c->id = i;
    check_uv(uv_tcp_init(&loop, &c->tcp), "uv_tcp_init");
    c->tcp.data = c->conn.data = c;
    check_uv(
        uv_tcp_connect(&c->conn, &c->tcp, (struct sockaddr *)&a, uc_connect_cb),
        "uv_tcp_connect");
  }
  check_uv(uv_run(&loop, UV_RUN_DEFAULT), "uv_run");
  check_uv(uv_loop_close(&loop), "uv_loop_close");
  free(cs);
}

/* ------------------------------------------------------------ driver */

struct result {
  double wall, p50, p90, p99;
  int threads;  /* peak threads of the measured process */
  long vm_peak; /* peak virtual memory, KiB (thread stacks are reserved
                   here long before they are touched) */
};

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One "Key: N" figure from /proc/self/status, 0 when absent. */
static long status_field(const char *fmt) {
  char line[256];
  long n = 0;
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL)
    return 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, fmt, &n) == 1)
      break;
  fclose(f);
  return n;
}

static int threads_now(void) {
  return (int)status_field("Threads: %ld");
}

/* Samples the thread count while the threads mode runs. */
static int peak_threads = 1;
static volatile int sampling = 1;
static void *sampler(void *arg) {
  (void)arg;
  while (sampling) {
    int n = threads_now() - 1; /* not counting the sampler itself */
    if (n > peak_threads)
      peak_threads = n;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

/* Runs one mode in a fresh child process, so that its peak RSS is its own;
 * returns the result and the child's peak RSS in KiB. */
static struct result measure(void (*mode)(void), long *rss_kib) {
  int fds[2];
  struct result r = {0};
  struct rusage ru;
  int st;
  pid_t pid;
  pid = fork_piped(fds);
  if (pid == 0) {
    pthread_t s;
    int n = clients * trips;
    close(fds[0]);
    if ((lat = calloc((size_t)n, sizeof *lat)) == NULL)
      _exit(3);
    if (pthread_create(&s, NULL, sampler, NULL) != 0)
      _exit(3);
    double t0 = now_s();
    mode();
    r.wall = now_s() - t0;
    sampling = 0;
    pthread_join(s, NULL);
    r.threads = peak_threads;
    r.vm_peak = status_field("VmPeak: %ld");
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    r.p50 = lat[n / 2];
    r.p90 = lat[n * 9 / 10];
    r.p99 = lat[n * 99 / 100];
    if (write(fds[1], &r, sizeof r) != sizeof r)
      _exit(3);
    _exit(0);
  }
  close(fds[1]);
  if (read(fds[0], &r, sizeof r) != sizeof r)
    die("a measured mode failed", EIO);
  close(fds[0]);
  if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
    die("a measured mode failed", EIO);
  *rss_kib = ru.ru_maxrss;
  return r;
}

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    void (*fn)(void);
  } modes[] = {{"sequential", run_sequential},
               {"thread per client", run_threads},
               {"one libuv loop", run_libuv}};
  struct result res[3];
  long rss[3];
  struct rlimit rl;
  pid_t server;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0) {
      printf("usage: bench_faster [--clients N] [--trips R] [--delay-ms D] "
             "[--quick]\n"
             "N clients (default 1000) each make R round trips (default 2) "
             "to a\nloopback server that answers after D ms (default 5): "
             "sequentially, with a\nthread per client, and on one libuv "
             "loop. --quick: 200 clients.\n");
      return 0;
    } else if (strcmp(argv[i], "--quick") == 0) {
      clients = 200;
    } else if (i + 1 < argc && (strcmp(argv[i], "--clients") == 0 ||
                                strcmp(argv[i], "--trips") == 0 ||
                                strcmp(argv[i], "--delay-ms") == 0)) {
      int v = atoi(argv[i + 1]);
      if (v < 1 || v > 100000) {
        fprintf(stderr, "bench_faster: %s wants 1..100000, got '%s'\n", argv[i],
                argv[i + 1]);
        return 2;
      }
      *(argv[i][2] == 'c'   ? &clients
        : argv[i][2] == 't' ? &trips
                            : &delay_ms) = v;
      i++;
    } else {
      fprintf(stderr, "bench_faster: unknown argument '%s' (try --help)\n",
              argv[i]);
      return 2;
    }
  }
  /* Each process needs a descriptor per client. */
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  signal(SIGPIPE, SIG_IGN);
  server = start_server();
  printf("why it feels faster: %d clients x %d round trips, server delay %d "
         "ms, %ld cores\n",
         clients, trips, delay_ms, sysconf(_SC_NPROCESSORS_ONLN));
  printf("%-18s %8s %8s %7s %7s %7s %9s %10s %7s\n", "mode", "wall s", "req/s",
         "p50 ms", "p90 ms", "p99 ms", "peak RSS", "peak virt", "threads");
  for (int m = 0; m < 3; m++) {
    res[m] = measure(modes[m].fn, &rss[m]);
    printf("%-18s %8.3f %8.0f %7.2f %7.2f %7.2f %6.1f MB %7.0f MB %7d\n",
           modes[m].name, res[m].wall, clients * trips / res[m].wall,
           res[m].p50 * 1e3, res[m].p90 * 1e3, res[m].p99 * 1e3,
           rss[m] / 1024.0, res[m].vm_peak / 1024.0, res[m].threads);
  }
  kill(server, SIGTERM);
  waitpid(server, NULL, 0);
  printf("faster bench: libuv %.1fx sequential throughput, threads %.1fx "
         "sequential; thread-per-client peak RSS %.1fx libuv's\n",
         res[0].wall / res[2].wall, res[0].wall / res[1].wall,
         (double)rss[1] / (double)rss[2]);
  return 0;
}
