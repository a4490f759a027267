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

int proc_spawn(struct proc *p, char *const argv[], const struct proc_opts *o) {
  static const struct proc_opts dflt;
  int out[2] = {-1, -1}, err[2] = {-1, -1}, hs[2] = {-1, -1};
  int ex[2] = {-1, -1}, saved;
  char hs_entry[40];
  char **envp = NULL;

  if (!o)
    o = &dflt;
  memset(p, 0, sizeof *p);
  p->out_fd = p->err_fd = p->hs_fd = -1;
  if ((o->out == PROC_PIPE && pipe2(out, O_CLOEXEC) < 0) ||
      (o->err == PROC_PIPE && pipe2(err, O_CLOEXEC) < 0) ||
      (o->handshake && pipe2(hs, O_CLOEXEC) < 0) ||
      (!o->fn && pipe2(ex, O_CLOEXEC) < 0))
    goto fail;
  if (!o->fn) {
    char *const *base = o->envp ? o->envp : environ;
    if (o->handshake) {
      snprintf(hs_entry, sizeof hs_entry, "SCHED_HANDSHAKE_FD=%d",
               PROC_HANDSHAKE_FD);
      if (!(envp = with_handshake(base, hs_entry)))
        goto fail;
    } else {
      envp = (char **)base;
    }
  }
  fflush(NULL); /* the child's output must come after ours */
  pid_t pid = fork();
  if (pid < 0)
    goto fail;
  if (pid == 0) {
    /* Only async-signal-safe calls from here to exec. Its own group, so
     * that a stop reaches everything it starts. */
    if (!o->keep_group)
      setpgid(0, 0);
    /* Lift every source above the targets first, so that no dup2 below
     * overwrites a descriptor still to be moved. */
    int src_out = o->out == PROC_PIPE ? out[1]
                  : o->out == PROC_FD ? o->out_target
                                      : -1;
    int src_err = o->err == PROC_PIPE ? err[1]
                  : o->err == PROC_FD ? o->err_target
                                      : -1;
    if (src_out >= 0)
      src_out = fcntl(src_out, F_DUPFD_CLOEXEC, 10);
    if (src_err >= 0)
      src_err = fcntl(src_err, F_DUPFD_CLOEXEC, 10);
    int src_hs = hs[1] >= 0 ? fcntl(hs[1], F_DUPFD_CLOEXEC, 10) : -1;
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
    ssize_t w = write(ex[1], &e, sizeof e);
    (void)w;
    _exit(127);
  }
  if (!o->keep_group)
    setpgid(pid, pid); /* also here: no window where the group is absent */
  p->own_group = !o->keep_group;
  if (envp && envp != (char **)(o->envp ? o->envp : environ))
    free(envp);
  p->pid = pid;
  if (out[1] >= 0)
    close(out[1]);
  if (err[1] >= 0)
    close(err[1]);
  if (hs[1] >= 0)
    close(hs[1]);
  if (ex[1] >= 0) {
    close(ex[1]);
    /* The exec pipe closes on a successful exec and carries errno if the
     * exec failed. */
    int e = 0;
    ssize_t n;
    do
      n = read(ex[0], &e, sizeof e);
    while (n < 0 && errno == EINTR);
    close(ex[0]);
    if (n == (ssize_t)sizeof e) {
      proc_reap(p);
      close_pair((int[2]){out[0], err[0]});
      if (hs[0] >= 0)
        close(hs[0]);
      errno = e;
      return -1;
    }
  }
  p->out_fd = out[0];
  p->err_fd = err[0];
  p->hs_fd = hs[0];
  int fds[3] = {out[0], err[0], hs[0]};
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0)
      fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
  return 0;

fail:
  saved = errno;
  close_pair(out);
  close_pair(err);
  close_pair(hs);
  close_pair(ex);
  if (envp && envp != (char **)(o->envp ? o->envp : environ))
    free(envp);
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

/* ------------------------------------------------------------ proc_run */

static int run_pipe[2] = {-1, -1};
static volatile sig_atomic_t run_signal;

static void on_run_signal(int sig) {
  int saved = errno;
  if (sig != SIGCHLD)
    run_signal = sig;
  if (run_pipe[1] >= 0) {
    char c = 0;
    ssize_t n = write(run_pipe[1], &c, 1);
    (void)n; /* a full pipe already holds a wake-up */
  }
  errno = saved;
}

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

int proc_run(char *const argv[], const struct proc_opts *o_in,
             struct proc_run *r) {
  struct proc_opts o = o_in ? *o_in : (struct proc_opts){0};
  struct proc p;
  double grace = r->grace_s > 0 ? r->grace_s : PROC_GRACE_S;
  int rc = 0;

  r->out = NULL;
  r->out_len = r->out_total = 0;
  r->status = 0;
  r->timed_out = r->interrupted = r->spawn_errno = 0;
  if (r->capture) {
    o.out = PROC_PIPE;
    if (o.err == PROC_INHERIT)
      o.err = PROC_MERGE;
  }
  if (pipe2(run_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
    r->spawn_errno = errno;
    return -1;
  }
  run_signal = 0;
  struct sigaction sa, old[5];
  int sigs[5] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE};
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 5; i++) {
    sa.sa_handler = sigs[i] == SIGPIPE ? SIG_IGN : on_run_signal;
    sa.sa_flags = SA_RESTART | (sigs[i] == SIGCHLD ? SA_NOCLDSTOP : 0);
    sigaction(sigs[i], &sa, &old[i]);
  }
  double t0 = now_s();
  if (proc_spawn(&p, argv, &o) < 0) {
    r->spawn_errno = errno;
    rc = -1;
    goto out;
  }
  double deadline = r->timeout_s > 0 ? t0 + r->timeout_s : 0;
  double kill_at = 0; /* the leader exited: the rest of its group gets
                         until then to go after SIGTERM */
  char buf[16384];
  for (;;) {
    if (run_signal && !r->interrupted && !p.reaped) {
      r->interrupted = run_signal;
      /* The same signal first, as at a terminal; then the usual grace
       * and SIGKILL. */
      proc_kill(&p, r->interrupted);
      proc_stop(&p, grace);
      kill_at = now_s() + grace;
    }
    if (deadline > 0 && !p.reaped && !kill_at && now_s() >= deadline) {
      r->timed_out = 1;
      proc_stop(&p, grace);
      kill_at = now_s() + grace;
    }
    if (!p.reaped && !kill_at && proc_exited(&p)) {
      proc_kill(&p, SIGTERM);
      kill_at = now_s() + grace;
    }
    if (kill_at && !p.reaped && (p.out_fd < 0 || now_s() >= kill_at)) {
      proc_kill(&p, SIGKILL);
      proc_reap(&p);
    }
    if (p.reaped && (p.out_fd < 0 || (kill_at && now_s() >= kill_at)))
      break; /* a process that left the group may hold the pipe: stop */
    struct pollfd pfd[2] = {{run_pipe[0], POLLIN, 0}, {p.out_fd, POLLIN, 0}};
    double wake = now_s() + 0.2;
    if (deadline > 0 && deadline < wake)
      wake = deadline;
    if (kill_at && kill_at < wake)
      wake = kill_at;
    double left = wake - now_s();
    int ms = left > 0 ? (int)(left * 1000) + 1 : 0;
    int n = poll(pfd, p.out_fd >= 0 ? 2 : 1, ms);
    if (n < 0 && errno != EINTR) {
      rc = -1;
      proc_stop(&p, grace);
      break;
    }
    if (n > 0 && (pfd[0].revents & POLLIN)) {
      char drain[64];
      while (read(run_pipe[0], drain, sizeof drain) > 0)
        ;
    }
    if (p.out_fd >= 0 && n > 0 && pfd[1].revents) {
      ssize_t got = read(p.out_fd, buf, sizeof buf);
      if (got > 0)
        keep(r, buf, (size_t)got);
      else if (got == 0 || (errno != EAGAIN && errno != EINTR))
        proc_close(&p);
    }
  }
  proc_close(&p);
  r->status = p.status;
out:
  r->elapsed_s = now_s() - t0;
  for (int i = 0; i < 5; i++)
    sigaction(sigs[i], &old[i], NULL);
  close(run_pipe[0]);
  close(run_pipe[1]);
  run_pipe[0] = run_pipe[1] = -1;
  return rc;
}
