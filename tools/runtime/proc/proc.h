/* proc.h -- the one way the workbook runs a child process: hunt, the
 * gallery, doccheck and scenario 13's isolated runs all use it.
 *
 * Every child runs in its own process group, so that stopping it stops
 * everything it started. A child is stopped with SIGTERM to its group, a
 * short grace for it to clean up (remove its temporary files), then
 * SIGKILL. The leader is never reaped before its group has been signalled:
 * while it is a zombie its pid, and so the group id, cannot be reused, so
 * a signal never reaches a stranger (waitid(WNOWAIT) looks without
 * reaping).
 *
 * Exec failures are reported, not run: a close-on-exec pipe carries the
 * child's errno back, so "cannot execute" is an error of the caller's
 * (exit 2), never a run that failed.
 *
 * proc_run() is the one-shot form: it waits for the child with a time
 * limit, optionally captures its output, and forwards SIGINT, SIGTERM and
 * SIGHUP to the child's group (then the grace, then SIGKILL) and reports
 * that it was interrupted, so the caller can clean up and exit.
 */
#ifndef PROC_H
#define PROC_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where a child's standard stream goes. */
enum proc_io {
  PROC_INHERIT, /* the caller's own */
  PROC_NULL,    /* /dev/null */
  PROC_PIPE,    /* a pipe whose read end is proc.out_fd / proc.err_fd */
  PROC_FD       /* the descriptor in proc_opts.out_target / err_target */
};

/* The descriptor number a handshake pipe gets in the child (see
 * tools/runtime/sched/spec.h); SCHED_HANDSHAKE_FD names it. */
#define PROC_HANDSHAKE_FD 63

/* The grace between SIGTERM and SIGKILL, in seconds, when none is given. */
#define PROC_GRACE_S 1.0

struct proc_opts {
  char *const *envp;          /* the child's environment; NULL: the caller's */
  int in;                     /* PROC_INHERIT or PROC_NULL */
  int out, err;               /* enum proc_io; err may also be PROC_MERGE */
  int out_target, err_target; /* for PROC_FD */
  int handshake;              /* 1: a handshake pipe, read end in proc.hs_fd */
  /* 1: stay in the caller's process group, for a helper process that must
   * go with its parent when a terminal's Ctrl-C reaches the group;
   * proc_kill then signals the leader alone. */
  int keep_group;
  /* Instead of exec'ing argv, run fn(arg) in the forked child and _exit
   * with its result (argv may then be NULL). */
  int (*fn)(void *arg);
  void *arg;
};
/* err == PROC_MERGE: stderr goes where stdout goes (one pipe for both). */
#define PROC_MERGE 4

struct proc {
  pid_t pid;  /* the leader, and the process group id */
  int out_fd; /* read ends (non-blocking, close-on-exec), or -1 */
  int err_fd;
  int hs_fd;
  int reaped;    /* the leader has been waited for; status is valid */
  int own_group; /* pid is also a process group id */
  int status;    /* its wait status */
};

/* Starts argv[0] (looked up in PATH) in a new process group. Returns 0, or
 * -1 with errno set: fork or pipe failed, or the exec failed (then nothing
 * runs and errno is the exec's). */
int proc_spawn(struct proc *p, char *const argv[], const struct proc_opts *o);

/* 1 when the leader has exited (and is a zombie, not yet reaped), 0 when
 * it is still running. Does not reap. */
int proc_exited(struct proc *p);

/* Sends sig to the child's process group while the leader is unreaped
 * (after that the group id may belong to someone else). */
void proc_kill(struct proc *p, int sig);

/* Waits for the leader (blocking) and records its status; closes nothing.
 * Returns the wait status. */
int proc_reap(struct proc *p);

/* Stops the child: SIGTERM to its group, up to grace_s seconds for the
 * leader to exit, then SIGKILL to the group; reaps the leader. Returns the
 * wait status. */
int proc_stop(struct proc *p, double grace_s);

/* Closes the read ends that are still open. */
void proc_close(struct proc *p);

/* The one-shot runner. */
struct proc_run {
  double timeout_s;   /* 0: no limit. Then SIGTERM, the grace, SIGKILL */
  double grace_s;     /* 0: PROC_GRACE_S */
  int capture;        /* 1: keep the child's stdout (and its stderr, unless
                         o->err says otherwise) in out/out_len; 2: keep it and
                         also write it through to the caller's stdout */
  size_t capture_max; /* bytes kept (the first ones); 0: 1 MiB */
  /* Results. */
  char *out; /* malloc'd, NUL-terminated, or NULL; caller frees */
  size_t out_len;
  size_t out_total; /* bytes the child wrote, kept or not */
  int status;       /* the wait status */
  int timed_out;    /* stopped by timeout_s */
  int interrupted;  /* the signal (SIGINT, SIGTERM, SIGHUP) that made the
                       caller stop the child, or 0 */
  int spawn_errno;  /* nonzero: the child never ran (exec or fork) */
  double elapsed_s;
};

/* Runs argv to completion per r's settings; o may be NULL (inherit
 * everything). Returns 0 when the child ran (whatever its status), -1 when
 * it could not be started (r->spawn_errno) or the wait failed. While it
 * runs, SIGINT, SIGTERM and SIGHUP are caught and forwarded to the child
 * (the caller's dispositions are restored before it returns) and SIGPIPE
 * is ignored. */
int proc_run(char *const argv[], const struct proc_opts *o, struct proc_run *r);

/* The wait status as a shell would show it: the exit code, or 128 plus
 * the signal number. */
int proc_shell_status(int status);

/* Wake-ups for a runner's poll loop (proc_run's own, and hunt's):
 * proc_wake_open() catches SIGINT, SIGTERM and SIGHUP (the latest one is
 * proc_wake_signal()'s answer) and SIGCHLD, each of which writes a byte to
 * a self-pipe, ignores SIGPIPE (a closed stdout must not kill the runner
 * before it has stopped its children), and returns the pipe's read end
 * (non-blocking) to poll, or -1 with errno set. proc_wake_drain() empties
 * it after poll said it is readable; proc_wake_close() restores the
 * previous dispositions and closes the pipe. One at a time per process. */
int proc_wake_open(void);
int proc_wake_signal(void);
void proc_wake_drain(void);
void proc_wake_close(void);

/* Cleanup on a signal, for a program that removes what it made before it
 * dies of one (its temporary files). proc_catch() installs handler for
 * each of the n signals in sigs, with all n blocked while it runs, so that
 * a second signal waits until the first one's cleanup is done. The
 * handler ends with proc_die_of(sig): the signal's default action comes
 * back and the signal is raised again, delivered when the handler
 * returns, so that the process dies of it and its parent sees which. */
void proc_catch(const int *sigs, size_t n, void (*handler)(int));
void proc_die_of(int sig);

/* CLOCK_MONOTONIC in seconds, the clock of every deadline here. */
double proc_now_s(void);

#ifdef __cplusplus
}
#endif
#endif
