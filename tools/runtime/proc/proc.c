/* proc.c -- runs child processes in their own process groups and stops
 * them with SIGTERM, a grace, then SIGKILL (see proc.h). */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void close_pair(int fd[2]) {
  for (int i = 0; i < 2; i++)
    if (fd[i] >= 0)
      close(fd[i]);
}

/* In the child: dup2 that survives src == dst (clears close-on-exec). */
static void move_fd(int src, int dst) {
  if (src == dst)
    fcntl(dst, F_SETFD, 0);
  else
    dup2(src, dst);
}

/* The child's environment with SCHED_HANDSHAKE_FD added (replacing any
 * inherited one): built before fork, since the child may only make
 * async-signal-safe calls. */
static char **with_handshake(char *const *envp, char *entry) {
  size_t n = 0;
  for (char *const *e = envp; *e; e++)
    n++;
  char **v = calloc(n + 2, sizeof *v);
  if (!v)
    return NULL;
  size_t k = 0;
  for (char *const *e = envp; *e; e++)
    if (strncmp(*e, "SCHED_HANDSHAKE_FD=", 19) != 0)
      v[k++] = *e;
  v[k++] = entry;
  v[k] = NULL;
  return v;
}

/* The pipes proc_spawn opens before fork: [0] is the parent's read end,
 * [1] the child's write end; -1 where o asks for none. */
struct spawn_fds {
  int out[2], err[2], hs[2], ex[2];
};

static char *const *base_env(const struct proc_opts *o) {
  return o->envp ? o->envp : environ;
}

static void free_env(const struct proc_opts *o, char **envp) {
  if (envp && envp != (char **)base_env(o))
    free(envp);
}

/* Before fork: the pipes o asks for, and the child's environment in *envp
 * (the caller's own, or a malloc'd copy with the handshake entry; free_env
 * frees only the copy). */
static int spawn_prepare(const struct proc_opts *o, struct spawn_fds *x,
                         char ***envp, char *hs_entry, size_t hs_len) {
  *envp = NULL;
  if ((o->out == PROC_PIPE && pipe2(x->out, O_CLOEXEC) < 0) ||
      (o->err == PROC_PIPE && pipe2(x->err, O_CLOEXEC) < 0) ||
      (o->handshake && pipe2(x->hs, O_CLOEXEC) < 0) ||
      (!o->fn && pipe2(x->ex, O_CLOEXEC) < 0))
    return -1;
  if (o->fn)
    return 0;
  if (!o->handshake) {
    *envp = (char **)base_env(o);
    return 0;
  }
  snprintf(hs_entry, hs_len, "SCHED_HANDSHAKE_FD=%d", PROC_HANDSHAKE_FD);
  *envp = with_handshake(base_env(o), hs_entry);
  return *envp ? 0 : -1;
}

/* In the child: stdin, stdout, stderr and the handshake descriptor as o
 * asks. Only async-signal-safe calls. */
static void child_fds(const struct proc_opts *o, const struct spawn_fds *x) {
  /* Lift every source above the targets first, so that no dup2 below
   * overwrites a descriptor still to be moved. */
  int src_out = o->out == PROC_PIPE ? x->out[1]
                : o->out == PROC_FD ? o->out_target
                                    : -1;
  int src_err = o->err == PROC_PIPE ? x->err[1]
                : o->err == PROC_FD ? o->err_target
                                    : -1;
  if (src_out >= 0)
    src_out = fcntl(src_out, F_DUPFD_CLOEXEC, 10);
  if (src_err >= 0)
    src_err = fcntl(src_err, F_DUPFD_CLOEXEC, 10);
  int src_hs = x->hs[1] >= 0 ? fcntl(x->hs[1], F_DUPFD_CLOEXEC, 10) : -1;
  if (o->in == PROC_NULL || o->out == PROC_NULL || o->err == PROC_NULL) {
    int dn = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (dn >= 0) {
      if (o->in == PROC_NULL)
        move_fd(dn, 0);
      if (o->out == PROC_NULL)
        move_fd(dn, 1);
      if (o->err == PROC_NULL)
        move_fd(dn, 2);
    }
  }
  if (src_out >= 0)
    move_fd(src_out, 1);
  if (src_err >= 0)
    move_fd(src_err, 2);
  else if (o->err == PROC_MERGE)
    move_fd(1, 2);
  if (src_hs >= 0)
    move_fd(src_hs, PROC_HANDSHAKE_FD);
}

/* In the child, after fork: never returns. Only async-signal-safe calls
 * from here to exec. */
static _Noreturn void child_run(char *const argv[], const struct proc_opts *o,
                                const struct spawn_fds *x, char **envp) {
  /* Its own group, so that a stop reaches everything it starts. */
  if (!o->keep_group)
    setpgid(0, 0);
  child_fds(o, x);
  /* Ignored signals and the mask survive exec: give the child defaults. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGQUIT};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
    sigaction(sigs[i], &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (o->fn)
    _exit(o->fn(o->arg));
  execvpe(argv[0], argv, envp);
  int e = errno;
  ssize_t w = write(x->ex[1], &e, sizeof e);
  (void)w;
  _exit(127);
}

/* In the parent: 0 when the child's exec succeeded (or there was none to
 * wait for), else the exec's errno. The exec pipe closes on a successful
 * exec and carries errno if the exec failed. */
static int exec_errno(struct spawn_fds *x) {
  int e = 0;
  ssize_t n;
  if (x->ex[1] < 0)
    return 0;
  close(x->ex[1]);
  do
    n = read(x->ex[0], &e, sizeof e);
  while (n < 0 && errno == EINTR);
  close(x->ex[0]);
  return n == (ssize_t)sizeof e ? e : 0;
}

int proc_spawn(struct proc *p, char *const argv[], const struct proc_opts *o) {
  static const struct proc_opts dflt;
  struct spawn_fds x = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}};
  char hs_entry[40];
  char **envp = NULL;
  int saved, e;

  if (!o)
    o = &dflt;
  memset(p, 0, sizeof *p);
  p->out_fd = p->err_fd = p->hs_fd = -1;
  if (spawn_prepare(o, &x, &envp, hs_entry, sizeof hs_entry) < 0)
    goto fail;
  fflush(NULL); /* the child's output must come after ours */
  pid_t pid = fork();
  if (pid < 0)
    goto fail;
  if (pid == 0)
    child_run(argv, o, &x, envp);
  if (!o->keep_group)
    setpgid(pid, pid); /* also here: no window where the group is absent */
  p->own_group = !o->keep_group;
  free_env(o, envp);
  p->pid = pid;
  int ends[3] = {x.out[1], x.err[1], x.hs[1]};
  for (int i = 0; i < 3; i++)
    if (ends[i] >= 0)
      close(ends[i]);
  if ((e = exec_errno(&x)) != 0) {
    proc_reap(p);
    close_pair((int[2]){x.out[0], x.err[0]});
    if (x.hs[0] >= 0)
      close(x.hs[0]);
    errno = e;
    return -1;
  }
  p->out_fd = x.out[0];
  p->err_fd = x.err[0];
  p->hs_fd = x.hs[0];
  int fds[3] = {x.out[0], x.err[0], x.hs[0]};
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0)
      fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
  return 0;

fail:
  saved = errno;
  close_pair(x.out);
  close_pair(x.err);
  close_pair(x.hs);
  close_pair(x.ex);
  free_env(o, envp);
  errno = saved;
  return -1;
}

int proc_exited(struct proc *p) {
  if (p->reaped)
    return 1;
  siginfo_t si;
  si.si_pid = 0;
  return waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         si.si_pid == p->pid;
}

void proc_kill(struct proc *p, int sig) {
  if (p->pid > 0 && !p->reaped)
    kill(p->own_group ? -p->pid : p->pid, sig);
}

int proc_reap(struct proc *p) {
  if (p->reaped)
    return p->status;
  while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
    ;
  p->reaped = 1;
  return p->status;
}

int proc_stop(struct proc *p, double grace_s) {
  if (p->reaped)
    return p->status;
  if (!(grace_s > 0))
    grace_s = PROC_GRACE_S;
  proc_kill(p, SIGTERM);
  double end = now_s() + grace_s;
  while (!proc_exited(p) && now_s() < end) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL); /* polling a zombie: no event to wait on */
  }
  /* The leader is a zombie or still running: either way its group id is
   * still ours, and whatever is left in the group goes now. */
  proc_kill(p, SIGKILL);
  return proc_reap(p);
}

void proc_close(struct proc *p) {
  int *fds[3] = {&p->out_fd, &p->err_fd, &p->hs_fd};
  for (int i = 0; i < 3; i++)
    if (*fds[i] >= 0) {
      close(*fds[i]);
      *fds[i] = -1;
    }
}

int proc_shell_status(int status) {
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

/* ------------------------------------------------------------ wake-ups */

static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t wake_sig;
static const int wake_sigs[5] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE};
static struct sigaction wake_old[5];

static void on_wake_signal(int sig) {
  int saved = errno;
  if (sig != SIGCHLD)
    wake_sig = sig;
  if (wake_pipe[1] >= 0) {
    char c = 0;
    ssize_t n = write(wake_pipe[1], &c, 1);
    (void)n; /* a full pipe already holds a wake-up */
  }
  errno = saved;
}

int proc_wake_open(void) {
  struct sigaction sa;
  if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
    return -1;
  wake_sig = 0;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 5; i++) {
    /* A closed stdout (... | head) must not kill the runner before it has
     * stopped its children; writes then fail with EPIPE instead. */
    sa.sa_handler = wake_sigs[i] == SIGPIPE ? SIG_IGN : on_wake_signal;
    sa.sa_flags = SA_RESTART | (wake_sigs[i] == SIGCHLD ? SA_NOCLDSTOP : 0);
    sigaction(wake_sigs[i], &sa, &wake_old[i]);
  }
  return wake_pipe[0];
}

int proc_wake_signal(void) {
  return wake_sig;
}

void proc_wake_drain(void) {
  char drain[64];
  while (read(wake_pipe[0], drain, sizeof drain) > 0)
    ;
}

void proc_wake_close(void) {
  for (int i = 0; i < 5; i++)
    sigaction(wake_sigs[i], &wake_old[i], NULL);
  close(wake_pipe[0]);
  close(wake_pipe[1]);
  wake_pipe[0] = wake_pipe[1] = -1;
}

/* ------------------------------------------------------------ cleanup */

void proc_catch(const int *sigs, size_t n, void (*handler)(int)) {
  struct sigaction sa;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < n; i++)
    sigaddset(&sa.sa_mask, sigs[i]);
  for (size_t i = 0; i < n; i++)
    sigaction(sigs[i], &sa, NULL);
}

void proc_die_of(int sig) {
  signal(sig, SIG_DFL);
  raise(sig);
}

double proc_now_s(void) {
  return now_s();
}

/* ------------------------------------------------------------ proc_run */

static void keep(struct proc_run *r, const char *buf, size_t n) {
  size_t max = r->capture_max ? r->capture_max : 1024 * 1024;
  r->out_total += n;
  if (r->capture == 2) {
    size_t off = 0;
    while (off < n) {
      ssize_t w = write(1, buf + off, n - off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        break; /* our stdout is gone; the output is still kept */
      off += (size_t)w;
    }
  }
  if (r->out_len >= max)
    return;
  size_t take = n < max - r->out_len ? n : max - r->out_len;
  char *b = realloc(r->out, r->out_len + take + 1);
  if (!b)
    return;
  r->out = b;
  memcpy(r->out + r->out_len, buf, take);
  r->out_len += take;
  r->out[r->out_len] = '\0';
}

/* One run's state between proc_run's steps. */
struct run_state {
  struct proc p;
  struct proc_run *r;
  double grace;
  double deadline; /* absolute; 0: none */
  double kill_at;  /* the leader exited or was stopped: the rest of its
                      group gets until then to go after SIGTERM */
};

/* Acts on a signal, the timeout and the leader's exit; returns 1 when the
 * run is over. */
static int run_decide(struct run_state *s) {
  struct proc *p = &s->p;
  if (proc_wake_signal() && !s->r->interrupted && !p->reaped) {
    s->r->interrupted = proc_wake_signal();
    /* The same signal first, as at a terminal; then the usual grace and
     * SIGKILL. */
    proc_kill(p, s->r->interrupted);
    proc_stop(p, s->grace);
    s->kill_at = now_s() + s->grace;
  }
  if (s->deadline > 0 && !p->reaped && !s->kill_at && now_s() >= s->deadline) {
    s->r->timed_out = 1;
    proc_stop(p, s->grace);
    s->kill_at = now_s() + s->grace;
  }
  if (!p->reaped && !s->kill_at && proc_exited(p)) {
    proc_kill(p, SIGTERM);
    s->kill_at = now_s() + s->grace;
  }
  if (s->kill_at && !p->reaped && (p->out_fd < 0 || now_s() >= s->kill_at)) {
    proc_kill(p, SIGKILL);
    proc_reap(p);
  }
  /* A process that left the group may hold the pipe: stop then too. */
  return p->reaped && (p->out_fd < 0 || (s->kill_at && now_s() >= s->kill_at));
}

/* Waits for output, a signal or the next deadline, and keeps the output;
 * -1 when poll fails. */
static int run_wait(struct run_state *s, int wake_fd) {
  char buf[16384];
  struct proc *p = &s->p;
  struct pollfd pfd[2] = {{wake_fd, POLLIN, 0}, {p->out_fd, POLLIN, 0}};
  double wake = now_s() + 0.2;
  if (s->deadline > 0 && s->deadline < wake)
    wake = s->deadline;
  if (s->kill_at && s->kill_at < wake)
    wake = s->kill_at;
  double left = wake - now_s();
  int ms = left > 0 ? (int)(left * 1000) + 1 : 0;
  int n = poll(pfd, p->out_fd >= 0 ? 2 : 1, ms);
  if (n < 0 && errno != EINTR)
    return -1;
  if (n > 0 && (pfd[0].revents & POLLIN))
    proc_wake_drain();
  if (p->out_fd >= 0 && n > 0 && pfd[1].revents) {
    ssize_t got = read(p->out_fd, buf, sizeof buf);
    if (got > 0)
      keep(s->r, buf, (size_t)got);
    else if (got == 0 || (errno != EAGAIN && errno != EINTR))
      proc_close(p);
  }
  return 0;
}

int proc_run(char *const argv[], const struct proc_opts *o_in,
             struct proc_run *r) {
  struct proc_opts o = o_in ? *o_in : (struct proc_opts){0};
  struct run_state s = {.r = r};
  int rc = 0, wake_fd;

  s.grace = r->grace_s > 0 ? r->grace_s : PROC_GRACE_S;
  r->out = NULL;
  r->out_len = r->out_total = 0;
  r->status = 0;
  r->timed_out = r->interrupted = r->spawn_errno = 0;
  if (r->capture) {
    o.out = PROC_PIPE;
    if (o.err == PROC_INHERIT)
      o.err = PROC_MERGE;
  }
  if ((wake_fd = proc_wake_open()) < 0) {
    r->spawn_errno = errno;
    return -1;
  }
  double t0 = now_s();
  if (proc_spawn(&s.p, argv, &o) < 0) {
    r->spawn_errno = errno;
    rc = -1;
    goto out;
  }
  s.deadline = r->timeout_s > 0 ? t0 + r->timeout_s : 0;
  while (!run_decide(&s))
    if (run_wait(&s, wake_fd) < 0) {
      rc = -1;
      proc_stop(&s.p, s.grace);
      break;
    }
  proc_close(&s.p);
  r->status = s.p.status;
out:
  r->elapsed_s = now_s() - t0;
  proc_wake_close();
  return rc;
}
