/* test_tool_sched.c -- tests of the deterministic scheduler's thread side:
 * a lost update forced by a script and found by random and PCT schedules, a
 * lock-order inversion reported as a deadlock, the watchdog, replay and
 * determinism. */
#include <criterion/criterion.h>

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dsched.h"
#include "dsched_internal.h"

/* ---- the lost update: load, schedule point, store ---- */

static int counter;
static int use_lock;
static pthread_mutex_t counter_mu = PTHREAD_MUTEX_INITIALIZER;

static void increment(void) {
  if (use_lock)
    cr_assert_eq(dsched_mutex_lock(&counter_mu), 0);
  int v = counter;
  DSCHED_POINT("after_load");
  counter = v + 1;
  if (use_lock)
    cr_assert_eq(dsched_mutex_unlock(&counter_mu), 0);
}

static void *increment_thread(void *arg) {
  (void)arg;
  increment();
  return NULL;
}

/* Runs the two-thread program (main and t1 both increment) under spec and
 * returns the final count: 2 when no update was lost. */
static int run_lost_update(const char *spec, int locked) {
  pthread_t t;
  counter = 0;
  use_lock = locked;
  cr_assert_eq(dsched_configure(spec), 0, "bad schedule %s", spec);
  cr_assert_eq(dsched_pthread_create(&t, NULL, increment_thread, NULL), 0);
  increment();
  cr_assert_eq(dsched_pthread_join(t, NULL), 0);
  return counter;
}

/* The interleaving of the lesson: main loads, t1 loads, t1 stores, main
 * stores. */
#define LOST_UPDATE_SCRIPT "order:main@create,t1@start,t1@after_load"

Test(sched, scripted_schedule_exposes_lost_update_every_time) {
  for (int i = 0; i < 100; i++) {
    int c = run_lost_update(LOST_UPDATE_SCRIPT, 0);
    cr_assert_eq(c, 1, "run %d: count %d under %s, want the lost update (1)", i,
                 c, LOST_UPDATE_SCRIPT);
    cr_assert_str_eq(dsched_taken(), LOST_UPDATE_SCRIPT);
  }
  dsched_reset();
}

Test(sched, scripted_schedule_passes_with_the_lock) {
  /* The same first steps with the lock held: t1 cannot get in between. */
  for (int i = 0; i < 100; i++)
    cr_assert_eq(run_lost_update("order:main@create,t1@start", 1), 2);
  dsched_reset();
}

/* Runs seeds 0..runs-1 of prefix (e.g. "random:") and returns how many
 * lost the update. */
static int count_lost(const char *prefix, const char *suffix, int runs,
                      int locked, struct dsched_stats *st) {
  int lost = 0;
  memset(st, 0, sizeof *st);
  for (int s = 0; s < runs; s++) {
    char spec[64];
    struct dsched_stats one;
    snprintf(spec, sizeof spec, "%s%d%s", prefix, s, suffix);
    lost += run_lost_update(spec, locked) != 2;
    dsched_get_stats(&one);
    if (one.threads > st->threads)
      st->threads = one.threads;
    if (one.steps > st->steps)
      st->steps = one.steps;
    st->pct_k = one.pct_k;
    st->depth = one.depth;
  }
  dsched_reset();
  return lost;
}

Test(sched, random_schedules_expose_lost_update) {
  struct dsched_stats st;
  int lost = count_lost("random:", "", 1000, 0, &st);
  printf("sched: random: lost update in %d of 1000 seeded runs (%.1f%%)\n",
         lost, lost / 10.0);
  cr_assert_geq(lost, 250, "random exposed the lost update in only %d/1000",
                lost);
}

Test(sched, pct_depth_2_exposes_lost_update) {
  struct dsched_stats st;
  char suffix[32];
  /* PCT needs k, the number of steps of a run: measure it first. */
  count_lost("pct:", ":2", 50, 0, &st);
  cr_assert_gt(st.steps, 0);
  snprintf(suffix, sizeof suffix, ":2:%u", st.steps);
  int lost = count_lost("pct:", suffix, 1000, 0, &st);
  /* The PCT guarantee for a bug of depth d: probability at least
   * 1/(n * k^(d-1)), n threads, k steps. */
  double bound = 1.0 / (st.threads * (double)st.pct_k);
  printf("sched: pct depth 2: lost update in %d of 1000 seeded runs "
         "(%.1f%%); bound 1/(n*k^(d-1)) with n=%u, k=%u, d=2: %.1f%% "
         "(steps per run: at most %u)\n",
         lost, lost / 10.0, st.threads, st.pct_k, 100 * bound, st.steps);
  cr_assert_geq(lost, 250, "PCT exposed the lost update in only %d/1000", lost);
  cr_assert_geq(lost / 1000.0, bound, "observed rate below the PCT bound");
}

Test(sched, locked_version_never_fails) {
  struct dsched_stats st;
  cr_assert_eq(count_lost("random:", "", 1000, 1, &st), 0);
  cr_assert_eq(count_lost("pct:", ":2", 1000, 1, &st), 0);
  cr_assert_eq(count_lost("pct:", ":3", 1000, 1, &st), 0);
}

/* ---- determinism and replay ---- */

static pthread_mutex_t bank_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bank_cv = PTHREAD_COND_INITIALIZER;
static int bank, ready;
static char trace[4096];

static void note(const char *what) {
  size_t n = strlen(trace);
  snprintf(trace + n, sizeof trace - n, "%s;", what);
}

static void *depositor(void *arg) {
  const char *name = arg;
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(dsched_mutex_lock(&bank_mu), 0);
    bank += 10;
    note(name);
    ready++;
    cr_assert_eq(dsched_cond_signal(&bank_cv), 0);
    cr_assert_eq(dsched_mutex_unlock(&bank_mu), 0);
    DSCHED_POINT("between");
  }
  return NULL;
}

/* Three depositors and main waiting on a condition: returns the order in
 * which things happened, as a string. */
static const char *run_bank(const char *spec, char *taken, size_t n) {
  pthread_t t[3];
  static const char *names[3] = {"a", "b", "c"};
  bank = ready = 0;
  trace[0] = '\0';
  cr_assert_eq(dsched_configure(spec), 0);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(
        dsched_pthread_create(&t[i], NULL, depositor, (void *)names[i]), 0);
  cr_assert_eq(dsched_mutex_lock(&bank_mu), 0);
  while (ready < 9)
    cr_assert_eq(dsched_cond_wait(&bank_cv, &bank_mu), 0);
  note("main");
  cr_assert_eq(dsched_mutex_unlock(&bank_mu), 0);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(dsched_pthread_join(t[i], NULL), 0);
  cr_assert_eq(bank, 90);
  snprintf(taken, n, "%s", dsched_taken());
  return trace;
}

Test(sched, same_schedule_gives_same_steps) {
  static char t1[8192], t2[8192], r1[4096], r2[4096];
  int differ = 0;
  for (int s = 0; s < 50; s++) {
    char spec[32];
    snprintf(spec, sizeof spec, s % 2 ? "random:%d" : "pct:%d:3", s);
    snprintf(r1, sizeof r1, "%s", run_bank(spec, t1, sizeof t1));
    snprintf(r2, sizeof r2, "%s", run_bank(spec, t2, sizeof t2));
    cr_assert_str_eq(t1, t2, "%s took two different schedules", spec);
    cr_assert_str_eq(r1, r2, "%s ran in two different orders", spec);
    /* The printed schedule replays the run exactly. */
    snprintf(r2, sizeof r2, "%s", run_bank(t1, t2, sizeof t2));
    cr_assert_str_eq(t1, t2, "replaying %s took another schedule", spec);
    cr_assert_str_eq(r1, r2, "replaying %s ran in another order", spec);
    if (s > 0 && strcmp(r1, trace) != 0)
      differ = 1;
  }
  /* Not every seed may give the same order, or nothing was tested. */
  snprintf(r1, sizeof r1, "%s", run_bank("random:1", t1, sizeof t1));
  snprintf(r2, sizeof r2, "%s", run_bank("random:2", t2, sizeof t2));
  differ |= strcmp(r1, r2) != 0;
  cr_assert(differ, "every seed ran the same order");
  dsched_reset();
}

Test(sched, spec_parsing) {
  cr_assert_eq(dsched_configure("pct:5"), 0);
  cr_assert_eq(dsched_configure("pct:5:2"), 0);
  cr_assert_eq(dsched_configure("random:17"), 0);
  cr_assert_eq(dsched_configure("order:t1@start,main,work#0"), 0);
  cr_assert_eq(dsched_configure("lifo"), 0);
  cr_assert_eq(dsched_configure("none"), 0);
  cr_assert_eq(dsched__on, 0);
  cr_assert_eq(dsched_configure("pct:x"), -EINVAL);
  cr_assert_eq(dsched_configure("pct:5:0"), -EINVAL);
  cr_assert_eq(dsched_configure("pct:5:2:4"), 0);
  cr_assert_eq(dsched_configure("pct:5:2:0"), -EINVAL);
  cr_assert_eq(dsched_configure("pct:5:2:1:1"), -EINVAL);
  cr_assert_eq(dsched_configure("random:"), -EINVAL);
  cr_assert_eq(dsched_configure("order:t1@start,bad step"), -EINVAL);
  cr_assert_eq(dsched_configure("order:work#x"), -EINVAL);
  dsched_reset();
}

/* ---- children: deadlock, watchdog, mismatch ---- */

struct child {
  int status; /* waitpid status, or -1 when it had to be killed */
  double seconds;
  char err[8192];
};

/* Runs fn in a child process with stderr captured; kills it after
 * timeout_ms. A hang is thus a failed assertion, not a stuck test. */
static void run_child(void (*fn)(void *), void *arg, int timeout_ms,
                      struct child *c) {
  int fd[2];
  size_t len = 0;
  struct timespec t0, t1;
  pid_t pid;

  cr_assert_eq(pipe(fd), 0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid = fork();
  cr_assert_neq(pid, -1);
  if (pid == 0) {
    dup2(fd[1], 2);
    close(fd[0]);
    fn(arg);
    fflush(stdout);
    _exit(0);
  }
  close(fd[1]);
  for (;;) {
    struct pollfd p = {fd[0], POLLIN, 0};
    int left;
    ssize_t n;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    left = timeout_ms - (int)((t1.tv_sec - t0.tv_sec) * 1000 +
                              (t1.tv_nsec - t0.tv_nsec) / 1000000);
    if (left <= 0 || poll(&p, 1, left) <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    n = read(fd[0], c->err + len, sizeof c->err - 1 - len);
    if (n <= 0)
      break;
    len += (size_t)n;
  }
  c->err[len] = '\0';
  close(fd[0]);
  cr_assert_eq(waitpid(pid, &c->status, 0), pid);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  c->seconds =
      (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (WIFSIGNALED(c->status) && WTERMSIG(c->status) == SIGKILL)
    c->status = -1;
}

/* Fails the test unless the child c exited with status code (a child that
 * hung and was killed fails too), showing what it wrote to stderr. A macro,
 * so that the failure names the test's own line. */
#define EXPECT_EXIT(c, code)                                                   \
  do {                                                                         \
    cr_assert_neq((c).status, -1, "hung; stderr:\n%s", (c).err);               \
    cr_assert(WIFEXITED((c).status) && WEXITSTATUS((c).status) == (code),      \
              "want exit %d, status %d; stderr:\n%s", (code), (c).status,      \
              (c).err);                                                        \
  } while (0)

/* Fails unless the child's stderr holds text (showing all of it). */
#define EXPECT_ERR(c, text)                                                    \
  cr_assert_not_null(strstr((c).err, (text)), "%s", (c).err)

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void *b_then_a(void *arg) {
  (void)arg;
  dsched_mutex_lock(&lock_b);
  dsched_mutex_lock(&lock_a);
  dsched_mutex_unlock(&lock_a);
  dsched_mutex_unlock(&lock_b);
  return NULL;
}

/* main takes A then B, t1 takes B then A. */
static void inversion(void *spec) {
  pthread_t t;
  if (dsched_configure(spec) != 0)
    _exit(2);
  dsched_name(&lock_a, "A");
  dsched_name(&lock_b, "B");
  dsched_pthread_create(&t, NULL, b_then_a, NULL);
  dsched_mutex_lock(&lock_a);
  dsched_mutex_lock(&lock_b);
  dsched_mutex_unlock(&lock_b);
  dsched_mutex_unlock(&lock_a);
  dsched_pthread_join(t, NULL);
}

Test(sched, lock_order_inversion_is_reported_as_deadlock) {
  struct child c;
  run_child(inversion, "order:main@create,main@lock,t1@start,t1@lock", 5000,
            &c);
  EXPECT_EXIT(c, 1);
  cr_assert_lt(c.seconds, 1.0, "the report took %.2f s", c.seconds);
  EXPECT_ERR(c, "sched: deadlock");
  EXPECT_ERR(c, "main at lock: waits for mutex B held by t1");
  EXPECT_ERR(c, "t1 at lock: waits for mutex A held by main");
  cr_assert(strstr(c.err, "waits-for cycle: main -> mutex B -> t1 -> mutex A "
                          "-> main") ||
                strstr(c.err, "waits-for cycle: t1 -> mutex A -> main -> "
                              "mutex B -> t1"),
            "no cycle printed:\n%s", c.err);
  printf("%s", c.err);
}

/* What the deadlock report says, handed to the program as data: the child
 * copies it into a page the test shares. */
struct deadlock_seen {
  int calls;
  char cycle[256], taken[512];
};

static void copy_deadlock(const char *cycle, const char *taken, void *arg) {
  struct deadlock_seen *d = arg;
  d->calls++;
  snprintf(d->cycle, sizeof d->cycle, "%s", cycle ? cycle : "(none)");
  snprintf(d->taken, sizeof d->taken, "%s", taken);
}

static struct deadlock_seen *seen_page;

static void inversion_with_hook(void *spec) {
  dsched_on_deadlock(copy_deadlock, seen_page);
  inversion(spec);
}

Test(sched, deadlock_hook_gets_the_cycle_and_the_schedule) {
  struct child c;
  seen_page = mmap(NULL, sizeof *seen_page, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  cr_assert_neq(seen_page, MAP_FAILED);
  memset(seen_page, 0, sizeof *seen_page);
  run_child(inversion_with_hook, "order:main@create,main@lock,t1@start,t1@lock",
            5000, &c);
  EXPECT_EXIT(c, 1);
  cr_assert_eq(seen_page->calls, 1);
  /* The same cycle and schedule the report printed, and a schedule that
   * replays: the one the report ends with. */
  cr_assert_not_null(strstr(c.err, seen_page->cycle), "cycle '%s' not in:\n%s",
                     seen_page->cycle, c.err);
  cr_assert_not_null(strstr(seen_page->cycle, " -> mutex "), "%s",
                     seen_page->cycle);
  cr_assert_eq(strncmp(seen_page->taken, "order:", 6), 0, "%s",
               seen_page->taken);
  cr_assert_not_null(strstr(c.err, seen_page->taken), "%s", c.err);
  munmap(seen_page, sizeof *seen_page);
}

Test(sched, random_schedules_of_the_inversion_never_hang) {
  int deadlocks = 0, clean = 0;
  for (int s = 0; s < 100; s++) {
    struct child c;
    char spec[32];
    snprintf(spec, sizeof spec, "random:%d", s);
    run_child(inversion, spec, 2000, &c);
    cr_assert_neq(c.status, -1, "%s hung; stderr:\n%s", spec, c.err);
    cr_assert(WIFEXITED(c.status), "%s: status %d", spec, c.status);
    if (WEXITSTATUS(c.status) == 1) {
      EXPECT_ERR(c, "waits-for cycle");
      deadlocks++;
    } else {
      cr_assert_eq(WEXITSTATUS(c.status), 0, "%s:\n%s", spec, c.err);
      clean++;
    }
  }
  printf("sched: inversion under random:0..99: %d deadlocks reported, %d "
         "clean runs, no hang\n",
         deadlocks, clean);
  cr_assert_gt(deadlocks, 0);
  cr_assert_gt(clean, 0);
}

static void *blocks_unwrapped(void *arg) {
  char ch;
  /* A read nobody will satisfy: the scheduler cannot see it. */
  if (read(*(int *)arg, &ch, 1) < 0)
    perror("read");
  return NULL;
}

static void stuck(void *arg) {
  pthread_t t;
  int fd[2];
  (void)arg;
  if (pipe(fd) != 0 || dsched_configure("fifo") != 0)
    _exit(3);
  dsched_set_watchdog_ms(300);
  dsched_pthread_create(&t, NULL, blocks_unwrapped, &fd[0]);
  /* fifo: main goes on; it gives the token away only at the join. */
  dsched_pthread_join(t, NULL);
}

Test(sched, watchdog_reports_a_stuck_schedule) {
  struct child c;
  run_child(stuck, NULL, 5000, &c);
  EXPECT_EXIT(c, 1);
  EXPECT_ERR(c, "sched: stuck: t1 has held the token");
  EXPECT_ERR(c, "main at join: waits for t1");
  cr_assert_lt(c.seconds, 2.0);
}

/* ---- strict scripts ---- */

/* t7 does not exist: step 2 of the script cannot be taken. */
#define MISFIT "order:main@create,t7@nowhere"

static void mismatched(void *spec) {
  printf("count %d\n", run_lost_update(spec, 0));
}

Test(sched, mismatched_thread_step_exits_2, .exit_code = 2) {
  run_lost_update(MISFIT, 0);
}

Test(sched, mismatched_thread_step_names_the_step) {
  struct child c;
  run_child(mismatched, MISFIT, 5000, &c);
  EXPECT_EXIT(c, 2);
  EXPECT_ERR(
      c, "sched: schedule does not match the program: step 2 of the script "
         "(t7@nowhere) is not runnable; runnable: main@after_load t1@start\n");
  EXPECT_ERR(c, "sched: schedule taken so far: order:main@create\n");
  cr_assert_null(strstr(c.err, "continuing"), "%s", c.err);
}

Test(sched, mismatched_lenient_script_warns_and_continues) {
  struct child c;
  run_child(mismatched, MISFIT "+lenient", 5000, &c);
  EXPECT_EXIT(c, 0);
  EXPECT_ERR(c, "step 2 of the script (t7@nowhere) is not runnable");
  EXPECT_ERR(c, "; continuing with random:0 (+lenient)");
}

static void noop_work(uv_work_t *req) {
  (void)req;
}

/* Queues two work requests on a fresh loop under spec and runs it. */
static void two_requests(void *spec) {
  uv_loop_t loop;
  uv_work_t w[2];
  cr_assert_eq(uv_loop_init(&loop), 0);
  cr_assert_eq(dsched_configure(spec), 0, "bad schedule %s", (char *)spec);
  for (int i = 0; i < 2; i++)
    cr_assert_eq(dsched_uv_queue_work(&loop, &w[i], noop_work, NULL), 0);
  cr_assert_eq(dsched_uv_run(&loop, UV_RUN_DEFAULT), 0);
  cr_assert_eq(uv_loop_close(&loop), 0);
  printf("taken %s\n", dsched_taken());
  dsched_reset();
}

/* Step 1 fits; step 3 names a request that is never made. */
Test(sched, mismatched_request_exits_2, .exit_code = 2) {
  two_requests("order:work#1,main,work#5");
}

Test(sched, mismatched_request_names_the_step) {
  struct child c;
  run_child(two_requests, "order:work#1,main,work#5", 5000, &c);
  EXPECT_EXIT(c, 2);
  EXPECT_ERR(c, "sched: schedule does not match the program: step 3 of the "
                "script (work#5) is not pending; pending: work#0\n");
  EXPECT_ERR(c, "sched: schedule taken so far: order:work#1\n");
}

Test(sched, mismatched_lenient_request_continues) {
  struct child c;
  run_child(two_requests, "order:work#1,work#5+lenient", 5000, &c);
  EXPECT_EXIT(c, 0);
  EXPECT_ERR(c, "step 2 of the script (work#5) is not pending; pending: "
                "work#0; continuing with random:0 (+lenient)\n");
}

/* A script is a prefix: past its end the run goes on deterministically
 * (requests in submission order), without a word. */
Test(sched, script_prefix_runs_on_in_submission_order) {
  struct child c;
  run_child(two_requests, "order:work#1", 5000, &c);
  EXPECT_EXIT(c, 0);
  cr_assert_str_eq(c.err, "");
}

/* ---- the handshake (spec.h): one line per process that takes one ---- */

/* Runs fn(spec) in a child whose SCHED_HANDSHAKE_FD is a pipe, and returns
 * what came through the pipe. */
static void handshake_of(void (*fn)(void *), void *spec, char *out,
                         size_t cap) {
  int hs[2];
  char fdtext[16];
  struct child c;
  size_t len = 0;
  ssize_t n;

  cr_assert_eq(pipe(hs), 0);
  snprintf(fdtext, sizeof fdtext, "%d", hs[1]);
  cr_assert_eq(setenv("SCHED_HANDSHAKE_FD", fdtext, 1), 0);
  run_child(fn, spec, 5000, &c);
  cr_assert_eq(unsetenv("SCHED_HANDSHAKE_FD"), 0);
  close(hs[1]);
  EXPECT_EXIT(c, 0);
  while (len + 1 < cap && (n = read(hs[0], out + len, cap - 1 - len)) > 0)
    len += (size_t)n;
  out[len] = '\0';
  close(hs[0]);
}

static void configure_only(void *spec) {
  cr_assert_eq(dsched_configure(spec), 0);
  dsched_reset();
}

Test(sched, handshake_names_the_canonical_spec) {
  char got[512];
  handshake_of(configure_only, "pct:5", got, sizeof got);
  cr_assert_str_eq(got, "sched-handshake via=sched replay=exact "
                        "spec=pct:5:3\n");
  handshake_of(configure_only, "order:work#1,t1@start,timer#0", got,
               sizeof got);
  cr_assert_str_eq(got, "sched-handshake via=sched replay=exact "
                        "spec=order:work#1,t1@start,timer#0\n");
}

Test(sched, no_handshake_without_a_schedule) {
  char got[512];
  handshake_of(configure_only, "none", got, sizeof got);
  cr_assert_str_eq(got, "");
  handshake_of(configure_only, "", got, sizeof got);
  cr_assert_str_eq(got, "");
}

/* A program that configures again and again (a test per schedule, a
 * driver that resets) announces once: the first schedule it took. */
static void configure_thrice(void *arg) {
  (void)arg;
  cr_assert_eq(dsched_configure("none"), 0);
  cr_assert_eq(dsched_configure("random:7"), 0);
  cr_assert_eq(dsched_configure("fifo"), 0);
  dsched_reset();
}

Test(sched, handshake_once_per_process) {
  char got[512];
  handshake_of(configure_thrice, NULL, got, sizeof got);
  cr_assert_str_eq(got, "sched-handshake via=sched replay=exact "
                        "spec=random:7\n");
}

/* Scenarios 03 and 13 run the variant in a forked child that configures
 * its own schedule: that child is a process taking a schedule and says so;
 * a child that only inherits its parent's configuration says nothing. */
static void fork_children(void *arg) {
  pid_t a, b;
  int st;
  (void)arg;
  cr_assert_eq(dsched_configure("lifo"), 0);
  if ((a = fork()) == 0)
    _exit(0); /* inherits lifo, configures nothing */
  if ((b = fork()) == 0)
    _exit(dsched_configure("fifo") == 0 ? 0 : 3);
  cr_assert_eq(waitpid(a, &st, 0), a);
  cr_assert_eq(waitpid(b, &st, 0), b);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  dsched_reset();
}

Test(sched, forked_child_announces_only_its_own_schedule) {
  char got[512];
  handshake_of(fork_children, NULL, got, sizeof got);
  cr_assert_str_eq(got, "sched-handshake via=sched replay=exact spec=lifo\n"
                        "sched-handshake via=sched replay=exact spec=fifo\n");
}

Test(sched, points_are_free_without_a_schedule) {
  dsched_reset();
  cr_assert_eq(dsched__on, 0);
  /* Unscheduled, the wrappers are the plain calls: a self-deadlock is
   * not reported, trylock just fails. */
  cr_assert_eq(dsched_mutex_lock(&lock_a), 0);
  cr_assert_eq(dsched_mutex_trylock(&lock_a), EBUSY);
  cr_assert_eq(dsched_mutex_unlock(&lock_a), 0);
  DSCHED_POINT("nothing");
  cr_assert_str_eq(dsched_taken(), "order:");
}

/* ---- libuv events as choices: timer firings and close callbacks ---- */

static char fired[16];
static int nfired;

static void note_timer(uv_timer_t *t) {
  fired[nfired++] = *(const char *)t->data;
}

static void note_close(uv_handle_t *h) {
  fired[nfired++] = (char)(*(const char *)h->data - 'a' + 'A');
}

/* Starts timers a, b, c with the same timeout, runs the loop under spec,
 * closes them, and returns what ran in which order ("abc" then "ABC" for
 * the closes, when those are held too). */
static const char *run_timers(const char *spec) {
  static const char names[] = "abc";
  uv_loop_t loop;
  uv_timer_t t[3];

  memset(fired, 0, sizeof fired);
  nfired = 0;
  cr_assert_eq(dsched_configure(spec), 0, "bad spec %s", spec);
  cr_assert_eq(uv_loop_init(&loop), 0);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(uv_timer_init(&loop, &t[i]), 0);
    t[i].data = (void *)&names[i];
    cr_assert_eq(dsched_uv_timer_start(&t[i], note_timer, 1, 0), 0);
  }
  cr_assert_eq(dsched_uv_run(&loop, UV_RUN_DEFAULT), 0);
  for (int i = 0; i < 3; i++)
    dsched_uv_close((uv_handle_t *)&t[i], note_close);
  cr_assert_eq(dsched_uv_run(&loop, UV_RUN_DEFAULT), 0);
  cr_assert_eq(uv_loop_close(&loop), 0, "the loop did not close");
  return fired;
}

Test(dsched_uv, timers_fire_in_the_scripted_order) {
  /* The closes are not held: plain libuv orders them, so only the timers'
   * part of the story is asserted. */
  cr_assert_eq(strncmp(run_timers("order:timer#2,timer#0,timer#1"), "cab", 3),
               0, "fired %s", fired);
  cr_assert_str_eq(dsched_taken(), "order:timer#2,timer#0,timer#1");
  dsched_reset();
}

Test(dsched_uv, close_callbacks_in_the_scripted_order) {
  cr_assert_str_eq(run_timers("order:close#1,close#2,close#0"), "abcBCA");
  dsched_reset();
}

Test(dsched_uv, scripted_timers_and_closes_together) {
  cr_assert_str_eq(
      run_timers("order:timer#1,timer#0,timer#2,close#2,close#0,close#1"),
      "bacCAB");
  dsched_reset();
}

Test(dsched_uv, timers_are_not_held_unless_asked) {
  /* Plain libuv decides the order here; all the test can say is that
   * nothing was held, so the schedule taken names no timer. */
  run_timers("lifo");
  cr_assert_eq(nfired, 6);
  cr_assert_null(strstr(dsched_taken(), "timer#"));
  dsched_reset();
}

static uv_timer_t stop_target;
static void stop_other(uv_timer_t *t) {
  (void)t;
  fired[nfired++] = 's';
  cr_assert_eq(dsched_uv_timer_stop(&stop_target), 0);
}

Test(dsched_uv, a_stopped_timer_loses_its_held_firing) {
  static const char s = 's';
  uv_loop_t loop;
  uv_timer_t stopper;

  memset(fired, 0, sizeof fired);
  nfired = 0;
  /* Both fire; the stopper's callback is released first and stops the
   * target, whose firing is already held: it must never run. */
  cr_assert_eq(dsched_configure("order:timer#1,timer#0"), 0);
  cr_assert_eq(uv_loop_init(&loop), 0);
  cr_assert_eq(uv_timer_init(&loop, &stop_target), 0);
  cr_assert_eq(uv_timer_init(&loop, &stopper), 0);
  stop_target.data = (void *)"t";
  stopper.data = (void *)&s;
  cr_assert_eq(dsched_uv_timer_start(&stop_target, note_timer, 1, 0), 0);
  cr_assert_eq(dsched_uv_timer_start(&stopper, stop_other, 1, 0), 0);
  cr_assert_eq(dsched_uv_run(&loop, UV_RUN_DEFAULT), 0);
  cr_assert_str_eq(fired, "s", "the stopped timer's callback ran: %s", fired);
  dsched_uv_close((uv_handle_t *)&stop_target, NULL);
  dsched_uv_close((uv_handle_t *)&stopper, NULL);
  cr_assert_eq(dsched_uv_run(&loop, UV_RUN_DEFAULT), 0);
  cr_assert_eq(uv_loop_close(&loop), 0);
  dsched_reset();
}

/* ---- held requests: the scheduler's records, not libuv's fields ---- */

static int reserved_clean = -1;

static void look_at_reserved_cb(uv_work_t *req) {
  reserved_clean = 1;
  for (size_t i = 0; i < sizeof req->reserved / sizeof *req->reserved; i++)
    if (req->reserved[i] != NULL)
      reserved_clean = 0;
}

static void after_look_cb(uv_work_t *req, int status) {
  (void)req;
  cr_assert_eq(status, 0);
}

/* A held and released work request keeps its callbacks in the scheduler's
 * own record: libuv's request, reserved fields included, stays as the user
 * left it, and the user's callbacks still run. */
Test(sched, held_work_leaves_the_request_alone) {
  uv_loop_t loop;
  uv_work_t req;
  memset(&req, 0, sizeof req);
  cr_assert_eq(uv_loop_init(&loop), 0);
  cr_assert_eq(dsched_configure("fifo"), 0);
  cr_assert_eq(
      dsched_uv_queue_work(&loop, &req, look_at_reserved_cb, after_look_cb), 0);
  cr_assert_eq(dsched_uv_run(&loop, UV_RUN_DEFAULT), 0);
  cr_assert_eq(reserved_clean, 1,
               "the work callback ran with libuv's "
               "reserved fields in use");
  dsched_reset();
  cr_assert_eq(uv_loop_close(&loop), 0);
}

/* ---- lock preconditions: dsched__held (dsched_lock.c) ---- */

static struct dsched__mutex pre_mu = DSCHED__MUTEX_INIT;
static pthread_cond_t pre_cv = PTHREAD_COND_INITIALIZER;
static int pre_count, pre_flag;

/* A function with a lock precondition, checked as the scheduler's are. */
static void needs_pre_mu(void) {
  assert(dsched__held(&pre_mu));
  pre_count++;
}

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate;

/* Takes pre_mu, opens the gate, and keeps pre_mu until the process ends. */
static void *hold_pre_mu(void *arg) {
  (void)arg;
  dsched__lock(&pre_mu);
  cr_assert_eq(pthread_mutex_lock(&gate_mu), 0);
  gate = 1;
  cr_assert_eq(pthread_cond_signal(&gate_cv), 0);
  while (gate != 2) /* never: the test aborts first */
    cr_assert_eq(pthread_cond_wait(&gate_cv, &gate_mu), 0);
  cr_assert_eq(pthread_mutex_unlock(&gate_mu), 0);
  dsched__unlock(&pre_mu);
  return NULL;
}

Test(sched, lock_precondition_holds_when_held) {
  dsched__lock(&pre_mu);
  needs_pre_mu();
  dsched__unlock(&pre_mu);
  cr_assert_eq(pre_count, 1);
  cr_assert_eq(dsched__held(&pre_mu), 0);
}

Test(sched, lock_precondition_aborts_without_the_lock, .signal = SIGABRT) {
  needs_pre_mu();
}

/* Another thread holding the lock is not the caller holding it. */
Test(sched, lock_precondition_aborts_when_another_thread_holds_it,
     .signal = SIGABRT) {
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, hold_pre_mu, NULL), 0);
  cr_assert_eq(pthread_mutex_lock(&gate_mu), 0);
  while (gate != 1)
    cr_assert_eq(pthread_cond_wait(&gate_cv, &gate_mu), 0);
  cr_assert_eq(pthread_mutex_unlock(&gate_mu), 0);
  needs_pre_mu(); /* t holds pre_mu now */
}

/* A wait gives the lock up and takes it back: held before and after. */
static void *signal_pre_cv(void *arg) {
  (void)arg;
  dsched__lock(&pre_mu);
  cr_assert_eq(dsched__held(&pre_mu), 1);
  pre_flag = 1;
  cr_assert_eq(pthread_cond_signal(&pre_cv), 0);
  dsched__unlock(&pre_mu);
  return NULL;
}

Test(sched, lock_is_held_again_after_a_wait) {
  pthread_t t;
  dsched__lock(&pre_mu);
  cr_assert_eq(pthread_create(&t, NULL, signal_pre_cv, NULL), 0);
  while (pre_flag != 1)
    dsched__cond_wait(&pre_cv, &pre_mu);
  needs_pre_mu();
  dsched__unlock(&pre_mu);
  cr_assert_eq(pthread_join(t, NULL), 0);
}
