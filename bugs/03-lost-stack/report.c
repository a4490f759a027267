/* report.c -- Scenario 03's crash report, the child process that captures
 * it, and the invariant check on it. Shared by the driver and the test for
 * all three variants. */
#include "lost_stack.h"
#include "dsched.h"

#include <errno.h>
#include <execinfo.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void ls_fatal(const char *what) {
  void *frames[64];
  int n;

  fprintf(stderr, "lost-stack: FATAL: %s\n", what);
  /* backtrace_symbols_fd writes straight to the descriptor and does not
   * allocate, so it works from a program that is already in trouble. It
   * names only exported symbols: global functions of a program linked with
   * -rdynamic, and the public functions of shared libraries. */
  n = backtrace(frames, (int)(sizeof frames / sizeof frames[0]));
  fprintf(stderr, "backtrace (innermost call first):\n");
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  abort();
}

int ls_capture(const struct ls_config *cfg, char *report, size_t len,
               int *wstatus) {
  int fd[2];
  size_t used = 0;
  pid_t pid;

  if (pipe(fd) != 0)
    return -1;
  fflush(NULL); /* nothing buffered may be written twice */
  pid = fork();
  if (pid < 0) {
    close(fd[0]);
    close(fd[1]);
    return -1;
  }
  if (pid == 0) {
    close(fd[0]);
    if (dup2(fd[1], STDERR_FILENO) < 0)
      _exit(3);
    close(fd[1]);
    /* The schedule is set up here, in the child: the scheduler may start
     * a watchdog thread, and threads do not survive fork. */
    if (cfg->schedule && dsched_configure(cfg->schedule) != 0)
      _exit(2);
    _exit(ls_run(cfg) < 0 ? 3 : 0);
  }
  close(fd[1]);
  for (;;) {
    char buf[4096];
    ssize_t n = read(fd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    /* Keep what fits, but drain the pipe so the child never blocks. */
    if (len > 0 && used < len - 1) {
      size_t k = (size_t)n < len - 1 - used ? (size_t)n : len - 1 - used;
      memcpy(report + used, buf, k);
      used += k;
    }
  }
  close(fd[0]);
  if (len > 0)
    report[used] = '\0';
  while (waitpid(pid, wstatus, 0) < 0)
    if (errno != EINTR)
      return -1;
  return 0;
}
