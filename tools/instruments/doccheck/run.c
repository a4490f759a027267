/* run.c -- runs one command of a chapter as the workbook's process runner
 * does (tools/runtime/proc): /bin/sh -c in its own process group, with a
 * time limit, whatever it leaves behind stopped and reaped. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doccheck.h"
#include "proc.h"

/* The signals run_command waits for; they stay blocked while commands run so
 * that sigtimedwait can collect them without races. */
static sigset_t waitset, oldmask;

/* An interrupt that came while no command ran (signals are blocked then,
 * and delivered here when the next command starts). */
static volatile sig_atomic_t pending_sig;

static void on_signal(int sig) {
  if (sig != SIGCHLD)
    pending_sig = sig;
}

/* Prints the last n lines of the captured output f, indented. */
static void show_tail(FILE *f, int n) {
  char buf[16384];
  off_t size = lseek(fileno(f), 0, SEEK_END);
  off_t from = size > (off_t)sizeof buf ? size - (off_t)sizeof buf : 0;
  ssize_t len =
      size > 0 ? pread(fileno(f), buf, (size_t)(size - from), from) : 0;
  if (len <= 0) {
    fprintf(stderr, "    (no output)\n");
    return;
  }
  ssize_t start = len - (buf[len - 1] == '\n' ? 1 : 0);
  while (start > 0 && n > 0)
    if (buf[--start] == '\n')
      n--;
  if (n == 0)
    start++;
  for (ssize_t i = start; i < len;) {
    ssize_t j = i;
    while (j < len && buf[j] != '\n')
      j++;
    fprintf(stderr, "    | %.*s\n", (int)(j - i), buf + i);
    i = j + 1;
  }
}

/* Reaps what a command left that has become our child (we are a
 * subreaper): the runner has already stopped the command's group. */
static void reap_orphans(void) {
  while (waitpid(-1, NULL, WNOHANG) > 0 || errno == EINTR) {
  }
}

/* The command as shown in messages: continuation lines joined. */
static void shown_command(const char *cmd, struct str *shown) {
  for (const char *p = cmd; *p; p++) {
    if (p[0] == '\\' && p[1] == '\n') {
      p += 1 + strspn(p + 2, " \t");
      if (shown->len == 0 || shown->s[shown->len - 1] != ' ')
        str_add(shown, " ", 1);
    } else {
      str_add(shown, p, 1);
    }
  }
}

/* Counts and reports how the command ended: r, with its output in out.
 * Returns 1 when it exited as expected. */
static int judge(const char *file, size_t line, const char *shown,
                 const struct proc_run *r, int expect, int timeout, FILE *out) {
  int st = r->status;
  int got = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  if (r->timed_out) {
    tally.nfail++;
    fprintf(stderr, "%s:%zu: timed out after %d s: %s\n", file, line, timeout,
            shown);
    show_tail(out, 20);
  } else if (got != expect) {
    tally.nfail++;
    fprintf(stderr, "%s:%zu: expected exit %d, got %d%s%s: %s\n", file, line,
            expect, got, WIFSIGNALED(st) ? ", killed by " : "",
            WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "", shown);
    show_tail(out, 20);
  } else {
    tally.npass++;
    if (tally.verbose)
      printf("%s:%zu: ok exit %d in %.2f s: %s\n", file, line, got,
             r->elapsed_s, shown);
  }
  return !r->timed_out && got == expect;
}

/* The output goes to an anonymous temporary file, and is copied to
 * capture from there. */
int run_command(const char *file, size_t line, const char *cmd, int expect,
                int timeout, struct str *capture) {
  struct str shown = {0};
  shown_command(cmd, &shown);
  if (tally.verbose || isatty(2))
    fprintf(stderr, "%s:%zu: $ %s\n", file, line, shown.s);
  fflush(NULL);
  FILE *out = tmpfile();
  if (!out) {
    fprintf(stderr, "doccheck: cannot create a temporary file: %s\n",
            strerror(errno));
    exit(3);
  }
  /* The workbook's process runner (tools/runtime/proc): /bin/sh -c in its own
   * process group, stopped with SIGTERM, a grace and SIGKILL at the time
   * limit or when doccheck is interrupted. */
  char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
  struct proc_opts po = {.in = PROC_NULL,
                         .out = PROC_FD,
                         .out_target = fileno(out),
                         .err = PROC_MERGE};
  struct proc_run r = {.timeout_s = timeout};
  sigprocmask(SIG_SETMASK, &oldmask, NULL);
  int sig = pending_sig;
  int rc = sig ? 0 : proc_run(argv, &po, &r);
  sigprocmask(SIG_BLOCK, &waitset, NULL);
  if (!sig)
    sig = r.interrupted ? r.interrupted : pending_sig;
  reap_orphans();
  if (rc < 0) {
    fprintf(stderr, "doccheck: cannot run /bin/sh: %s\n",
            strerror(r.spawn_errno ? r.spawn_errno : errno));
    exit(3);
  }
  if (sig) {
    fprintf(stderr, "%s:%zu: interrupted: %s\n", file, line, shown.s);
    signal(sig, SIG_DFL);
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    raise(sig);
    exit(3);
  }
  int ok = judge(file, line, shown.s, &r, expect, timeout, out);
  if (capture) {
    char chunk[8192];
    size_t n;
    rewind(out);
    while ((n = fread(chunk, 1, sizeof chunk, out)) > 0)
      str_add(capture, chunk, n);
  }
  fclose(out);
  free(shown.s);
  return ok;
}

void run_setup(void) {
  /* As a subreaper we inherit whatever a command leaves behind, so the
   * timeout can wait for the whole group to be gone, not just the shell. */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  /* Criterion reports tests in the order its parallel workers finish
   * them; one worker makes a test program's report comparable. */
  setenv("CRITERION_JOBS", "1", 1);
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigemptyset(&waitset);
  int sigs[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
    sigaction(sigs[i], &sa, NULL);
    sigaddset(&waitset, sigs[i]);
  }
  sigprocmask(SIG_BLOCK, &waitset, &oldmask);
}
