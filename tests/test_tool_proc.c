/* test_tool_proc.c -- the process runner: exec errors are reported, not
 * run; a time limit stops the whole group with SIGTERM first, so a child
 * can clean up; grandchildren do not outlive the run; output is captured;
 * the handshake descriptor reaches the child. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

static char *sh(const char *script) {
  static char *argv[4];
  argv[0] = "bash";
  argv[1] = "-c";
  argv[2] = (char *)script;
  argv[3] = NULL;
  return (char *)argv;
}

Test(proc, exec_failure_is_an_error_not_a_run) {
  char *argv[] = {"/nonexistent/program", NULL};
  struct proc_run r = {0};
  cr_assert_eq(proc_run(argv, NULL, &r), -1);
  cr_assert_eq(r.spawn_errno, ENOENT);
}

Test(proc, captures_output_and_status) {
  struct proc_run r = {.capture = 1};
  cr_assert_eq(
      proc_run((char **)sh("echo out; echo err >&2; exit 7"), NULL, &r), 0);
  cr_assert_eq(proc_shell_status(r.status), 7);
  cr_assert_not_null(r.out);
  cr_assert(strstr(r.out, "out\n") && strstr(r.out, "err\n"), "got '%s'",
            r.out);
  free(r.out);
}

/* The child traps SIGTERM and removes its file: the runner's SIGTERM and
 * grace give it the chance that a bare SIGKILL would not. */
Test(proc, timeout_sends_sigterm_first) {
  char path[512], script[1024];
  const char *tmp = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/proc-test-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  close(fd);
  snprintf(script, sizeof script,
           "trap 'rm -f %s; exit 143' TERM; while :; do sleep 0.05; done",
           path);
  struct proc_run r = {.timeout_s = 0.3, .grace_s = 5};
  cr_assert_eq(proc_run((char **)sh(script), NULL, &r), 0);
  cr_assert(r.timed_out);
  cr_assert_eq(access(path, F_OK), -1, "the child had no chance to clean up");
  cr_assert_lt(r.elapsed_s, 5.0, "it waited for the whole grace");
}

/* A grandchild that ignores SIGTERM still goes, with SIGKILL after the
 * grace, and does not keep the runner waiting on its pipe. */
Test(proc, grandchildren_do_not_outlive_the_run) {
  int pfd[2];
  cr_assert_eq(pipe(pfd), 0);
  char script[256];
  snprintf(script, sizeof script,
           "bash -c 'trap \"\" TERM; echo $$ >&%d; exec sleep 1000' & "
           "sleep 0.2; exit 0",
           pfd[1]);
  struct proc_run r = {.capture = 1, .grace_s = 0.3};
  cr_assert_eq(proc_run((char **)sh(script), NULL, &r), 0);
  close(pfd[1]);
  char buf[32] = "";
  cr_assert_gt(read(pfd[0], buf, sizeof buf - 1), 0);
  close(pfd[0]);
  pid_t gc = (pid_t)atol(buf);
  cr_assert_gt(gc, 0);
  /* Reaped by init once killed; give the kernel a moment to deliver. */
  int alive = 1;
  for (int i = 0; i < 200 && alive; i++) {
    alive = kill(gc, 0) == 0;
    char st[64], line[256];
    snprintf(st, sizeof st, "/proc/%d/stat", (int)gc);
    FILE *f = fopen(st, "r");
    if (f) {
      if (fgets(line, sizeof line, f) && strstr(line, ") Z "))
        alive = 0; /* a zombie waiting for init is dead */
      fclose(f);
    }
    if (alive)
      usleep(10000);
  }
  cr_assert_not(alive, "grandchild %d outlived the run", (int)gc);
  free(r.out);
}

Test(proc, handshake_descriptor_reaches_the_child) {
  struct proc p;
  struct proc_opts o = {.handshake = 1, .out = PROC_NULL};
  char *argv[] = {"bash", "-c", "echo hello >&$SCHED_HANDSHAKE_FD", NULL};
  cr_assert_eq(proc_spawn(&p, argv, &o), 0);
  int st = proc_reap(&p);
  cr_assert_eq(proc_shell_status(st), 0);
  char buf[64] = "";
  ssize_t n = read(p.hs_fd, buf, sizeof buf - 1);
  cr_assert_eq(n, 6, "read %zd: '%s'", n, buf);
  cr_assert_str_eq(buf, "hello\n");
  proc_close(&p);
}
