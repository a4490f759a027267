/* test_tool_corrlog.c -- the correlation logger's contract: every line
 * parses and follows the schema, sequence numbers and Lamport clocks order
 * events across threads, nothing is lost silently, crashes and exits leave
 * the events on disk, and hostile strings still make valid JSON. */
#include "corrlog.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[64];

static void setup(void) {
  snprintf(path, sizeof path, "/tmp/corrlog-test.XXXXXX");
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0, "mkstemp failed");
  close(fd);
}

static void teardown(void) {
  unlink(path);
}

TestSuite(corrlog, .init = setup, .fini = teardown, .timeout = 120);

/* Every line of the log, parsed; fails the test on a line that is not JSON. */
struct lines {
  json_t **v;
  size_t n;
};

static struct lines read_log(void) {
  struct lines l = {NULL, 0};
  size_t cap = 0;
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "cannot open %s", path);
  char *buf = NULL;
  size_t bcap = 0;
  ssize_t len;
  while ((len = getline(&buf, &bcap, f)) > 0) {
    json_error_t err;
    json_t *j = json_loadb(buf, (size_t)len, 0, &err);
    cr_assert_not_null(j, "%s:%zu: not JSON (%s): %.200s", path, l.n + 1,
                       err.text, buf);
    if (l.n == cap) {
      cap = cap ? cap * 2 : 1024;
      l.v = realloc(l.v, cap * sizeof *l.v);
      cr_assert_not_null(l.v);
    }
    l.v[l.n++] = j;
  }
  free(buf);
  fclose(f);
  return l;
}

static void free_log(struct lines *l) {
  for (size_t i = 0; i < l->n; i++)
    json_decref(l->v[i]);
  free(l->v);
}

static const char *str(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  cr_assert(json_is_string(v), "field %s is not a string", k);
  return json_string_value(v);
}

static long long num(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  cr_assert(json_is_integer(v), "field %s is not an integer", k);
  return json_integer_value(v);
}

static int is_hex16(const char *s) {
  if (strlen(s) != 16)
    return 0;
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
      return 0;
  return 1;
}

/* Checks the schema of every event line and the trailer; returns the
 * trailer's dropped count. */
static long long check_schema(struct lines *l) {
  static const char *evs[] = {"begin", "step", "end", "error"};
  cr_assert_gt(l->n, 0, "empty log");
  for (size_t i = 0; i + 1 < l->n; i++) {
    json_t *o = l->v[i];
    cr_assert(json_is_object(o), "line %zu is not an object", i + 1);
    cr_assert_geq(num(o, "ts"), 0);
    str(o, "thread");
    cr_assert(is_hex16(str(o, "op")), "line %zu: op is not 16 hex", i + 1);
    cr_assert(is_hex16(str(o, "parent")), "line %zu: bad parent", i + 1);
    cr_assert_geq(num(o, "seq"), 0);
    cr_assert_gt(num(o, "lc"), 0);
    const char *ev = str(o, "ev");
    int known = 0;
    for (size_t k = 0; k < 4; k++)
      known |= strcmp(ev, evs[k]) == 0;
    cr_assert(known, "line %zu: unknown ev '%s'", i + 1, ev);
    str(o, "kind");
    num(o, "status");
    str(o, "msg");
    cr_assert_neq(strchr(str(o, "site"), ':'), NULL);
    json_t *a = json_object_get(o, "attrs");
    cr_assert(a == NULL || json_is_object(a), "line %zu: attrs", i + 1);
    size_t nkeys = 11 + (a != NULL);
    cr_assert_eq(json_object_size(o), nkeys, "line %zu: %zu fields", i + 1,
                 json_object_size(o));
  }
  json_t *t = l->v[l->n - 1];
  cr_assert_str_eq(str(t, "ev"), "trailer", "last line is not the trailer");
  cr_assert_eq(num(t, "events"), (long long)l->n - 1,
               "trailer counts %lld events, log has %zu", num(t, "events"),
               l->n - 1);
  return num(t, "dropped");
}

Test(corrlog, schema_of_every_line) {
  corrlog_op req, sub;
  cr_assert_eq(corrlog_open(path), 0);
  corrlog_thread_name("loop");
  corrlog_begin(&req, NULL, "req", "GET %s", "/index");
  corrlog_begin_kv(&sub, &req, "fetch", "key=k1 n=3", "child");
  corrlog_step(&sub, "cache miss after %d tries", 3);
  corrlog_error(&sub, -5, "read failed: %s", "EIO");
  corrlog_end(&sub, -5, "gave up");
  corrlog_end_kv(&req, 0, "bytes=0", "done %5.2f", 1.5);
  corrlog_close();

  struct lines l = read_log();
  cr_assert_eq(check_schema(&l), 0);
  cr_assert_eq(l.n, 7);
  cr_assert_str_eq(str(l.v[1], "parent"), str(l.v[0], "op"));
  cr_assert_str_eq(str(l.v[2], "msg"), "cache miss after 3 tries");
  cr_assert_str_eq(str(l.v[5], "msg"), "done  1.50"); /* vsnprintf path */
  cr_assert_eq(num(l.v[3], "status"), -5);
  json_t *a = json_object_get(l.v[1], "attrs");
  cr_assert_str_eq(str(a, "key"), "k1");
  cr_assert_str_eq(str(a, "n"), "3");
  cr_assert_str_eq(str(l.v[0], "thread"), "loop");
  free_log(&l);
}

/* ------------------------------------------------ seq and lc ordering */

struct handoff {
  corrlog_op *op;
  int noise; /* events the worker logs on its own op first */
};

static void *worker(void *arg) {
  struct handoff *h = arg;
  corrlog_op own;
  corrlog_thread_name("worker");
  /* Push this thread's own clock far ahead, so that a clock that did not
   * travel with the op would show up as after-work <= work. */
  corrlog_begin(&own, NULL, "noise", "noise");
  for (int i = 0; i < h->noise; i++)
    corrlog_step(&own, "noise %d", i);
  corrlog_end(&own, 0, "noise done");
  corrlog_step(h->op, "work");
  corrlog_handoff(h->op);
  return NULL;
}

Test(corrlog, lamport_clock_follows_handoffs) {
  corrlog_op op;
  pthread_t th;
  struct handoff h = {&op, 500};
  cr_assert_eq(corrlog_open(path), 0);
  corrlog_thread_name("loop");
  corrlog_begin(&op, NULL, "job", "submit");
  corrlog_handoff(&op);
  cr_assert_eq(pthread_create(&th, NULL, worker, &h), 0);
  cr_assert_eq(pthread_join(th, NULL), 0);
  corrlog_end(&op, 0, "after-work");
  corrlog_close();

  struct lines l = read_log();
  check_schema(&l);
  long long submit = -1, work = -1, after = -1;
  for (size_t i = 0; i + 1 < l.n; i++) {
    const char *m = str(l.v[i], "msg");
    if (!strcmp(m, "submit"))
      submit = num(l.v[i], "lc");
    else if (!strcmp(m, "work"))
      work = num(l.v[i], "lc");
    else if (!strcmp(m, "after-work"))
      after = num(l.v[i], "lc");
  }
  cr_assert_gt(submit, 0, "submit event missing");
  cr_assert_gt(work, submit, "work lc %lld <= submit lc %lld", work, submit);
  cr_assert_gt(after, work, "after-work lc %lld <= work lc %lld", after,
               work);
  free_log(&l);
}

#define WRITERS 2

struct writer_job {
  long n;
  int idx;
};

static void *writer_thread(void *arg) {
  struct writer_job *j = arg;
  corrlog_op op[3];
  char name[16];
  snprintf(name, sizeof name, "w%d", j->idx);
  corrlog_thread_name(name);
  for (int k = 0; k < 3; k++)
    corrlog_begin(&op[k], NULL, "w", "begin %d", k);
  for (long i = 0; i < j->n; i++)
    corrlog_step(&op[i % 3], "%ld", i);
  for (int k = 0; k < 3; k++)
    corrlog_end(&op[k], 0, "end");
  return NULL;
}

/* Runs WRITERS threads logging n steps each; checks per-op seq order and
 * that every event is in the file or counted as dropped. */
static void run_writers(long n) {
  pthread_t th[WRITERS];
  struct writer_job jobs[WRITERS];
  cr_assert_eq(corrlog_open(path), 0);
  for (int i = 0; i < WRITERS; i++) {
    jobs[i] = (struct writer_job){n, i};
    cr_assert_eq(pthread_create(&th[i], NULL, writer_thread, &jobs[i]), 0);
  }
  for (int i = 0; i < WRITERS; i++)
    cr_assert_eq(pthread_join(th[i], NULL), 0);
  corrlog_close();

  struct lines l = read_log();
  long long dropped = check_schema(&l);
  long long per_thread[WRITERS] = {0};
  /* Last seq and lc seen per op id (ids are small: a counter). */
  enum { MAXOPS = 64 };
  long long last_seq[MAXOPS], last_lc[MAXOPS];
  for (int i = 0; i < MAXOPS; i++)
    last_seq[i] = last_lc[i] = -1;
  for (size_t i = 0; i + 1 < l.n; i++) {
    const char *t = str(l.v[i], "thread");
    cr_assert(t[0] == 'w' && t[1] >= '0' && t[1] < '0' + WRITERS,
              "unexpected thread %s", t);
    per_thread[t[1] - '0']++;
    unsigned long long id = strtoull(str(l.v[i], "op"), NULL, 16);
    cr_assert_lt(id, (unsigned long long)MAXOPS);
    long long seq = num(l.v[i], "seq"), lc = num(l.v[i], "lc");
    /* Lines of one op come from one thread, in logging order. */
    cr_assert_gt(seq, last_seq[id], "op %llx: seq %lld after %lld", id, seq,
                 last_seq[id]);
    cr_assert_gt(lc, last_lc[id], "op %llx: lc %lld after %lld", id, lc,
                 last_lc[id]);
    last_seq[id] = seq;
    last_lc[id] = lc;
  }
  long long expect = WRITERS * (n + 6);
  cr_assert_eq((long long)l.n - 1 + dropped, expect,
               "%zu events in the file + %lld dropped != %lld logged",
               l.n - 1, dropped, expect);
  if (dropped == 0)
    for (int i = 0; i < WRITERS; i++)
      cr_assert_eq(per_thread[i], n + 6, "thread w%d: %lld events", i,
                   per_thread[i]);
  free_log(&l);
}

Test(corrlog, seq_strictly_increasing_per_op) {
  run_writers(20000);
}

Test(corrlog, two_writers_lose_nothing, .timeout = 600) {
  run_writers(1000000);
}

/* ------------------------------------------------ crash and exit */

static int run_child(void (*body)(void)) {
  fflush(NULL);
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork failed");
  if (pid == 0) {
    body();
    _exit(0);
  }
  int st;
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  return st;
}

/* A real fault, on purpose: UBSan (in the sanitizer build of make check)
 * must not report the null store as a bug of its own. */
__attribute__((no_sanitize_undefined)) static void crash_body(void) {
  corrlog_op op;
  /* The child must die of the signal, not run the test runner's handler. */
  signal(SIGSEGV, SIG_DFL);
  if (corrlog_open(path) != 0)
    _exit(3);
  corrlog_begin(&op, NULL, "doomed", "before the crash");
  for (int i = 0; i < 10; i++)
    corrlog_step(&op, "last words %d", i);
  /* A real fault. The empty asm hides the null from the optimiser, which
   * would otherwise delete the store as undefined behaviour. */
  volatile int *nowhere = NULL;
  __asm__ volatile("" : "+r"(nowhere));
  *nowhere = 1;
}

Test(corrlog, crash_leaves_events_on_disk) {
  int st = run_child(crash_body);
  cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
            "child did not die of SIGSEGV (status %#x)", st);
  struct lines l = read_log();
  cr_assert_eq(check_schema(&l), 0);
  cr_assert_eq(l.n, 12, "want 11 events + trailer, got %zu lines", l.n);
  cr_assert_str_eq(str(l.v[10], "msg"), "last words 9");
  cr_assert_eq(num(l.v[11], "signal"), SIGSEGV);
  free_log(&l);
}

static void exit_body(void) {
  corrlog_op op;
  if (corrlog_open(path) != 0)
    _exit(3);
  corrlog_begin(&op, NULL, "short", "only event");
  exit(0); /* no corrlog_close: atexit must flush */
}

Test(corrlog, normal_exit_flushes) {
  int st = run_child(exit_body);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  struct lines l = read_log();
  cr_assert_eq(check_schema(&l), 0);
  cr_assert_eq(l.n, 2);
  free_log(&l);
}

/* ------------------------------------------------ hostile strings */

Test(corrlog, hostile_strings_make_valid_json) {
  corrlog_op op;
  const char *msg = "q\"b\\s\n\t\x01\x1f end \xc3\xa9";
  cr_assert_eq(corrlog_open(path), 0);
  corrlog_thread_name("th\"r\\\n\xff");
  corrlog_begin(&op, NULL, "k\"ind", "%s", msg);
  corrlog_step(&op, "bad utf8: \xff \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 "
                    "\xe2\x82 cut");
  corrlog_step_kv(&op, "k\"=v\\ x=\x01", "attrs");
  corrlog_close();

  struct lines l = read_log();
  cr_assert_eq(check_schema(&l), 0);
  cr_assert_str_eq(str(l.v[0], "msg"), msg);
  cr_assert_str_eq(str(l.v[0], "kind"), "k\"ind");
  cr_assert_str_eq(str(l.v[0], "thread"), "th\"r\\\n\xef\xbf\xbd");
  const char *bad = str(l.v[1], "msg");
  cr_assert_eq(strstr(bad, "\xff"), NULL);
  cr_assert_neq(strstr(bad, "\xef\xbf\xbd"), NULL);
  json_t *a = json_object_get(l.v[2], "attrs");
  cr_assert_str_eq(str(a, "k\""), "v\\");
  cr_assert_str_eq(str(a, "x"), "\x01");
  free_log(&l);
}

/* ------------------------------------------------ writer sink */

static struct {
  int lines;
  pthread_t thread;
  char last[1024];
} seen;

static void capture(void *arg, const char *line, size_t len) {
  (void)arg;
  seen.lines++;
  seen.thread = pthread_self();
  snprintf(seen.last, sizeof seen.last, "%.*s", (int)len, line);
}

Test(corrlog, writer_gets_each_event_at_once) {
  corrlog_op op;
  corrlog_set_writer(capture, NULL);
  corrlog_begin(&op, NULL, "w", "one");
  cr_assert_eq(seen.lines, 1, "begin not delivered immediately");
  cr_assert(pthread_equal(seen.thread, pthread_self()));
  corrlog_step(&op, "two %d", 2);
  cr_assert_eq(seen.lines, 2);
  json_t *j = json_loads(seen.last, 0, NULL);
  cr_assert_not_null(j);
  cr_assert_str_eq(str(j, "msg"), "two 2");
  cr_assert_eq(num(j, "seq"), 1);
  json_decref(j);
  corrlog_close();
  cr_assert_eq(seen.lines, 3);
  cr_assert_neq(strstr(seen.last, "\"trailer\""), NULL);
}

/* ------------------------------------------------ origin report */

static corrlog_op started;

static void start_here(void) {
  corrlog_begin(&started, NULL, "req", "start");
}

Test(corrlog, report_names_detection_and_origin) {
  char buf[4096];
  cr_redirect_stderr();
  corrlog_set_origin_frames(2);
  start_here();
  corrlog_report(&started, "read failed");
  fflush(stderr);
  FILE *f = cr_get_redirected_stderr();
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  cr_assert_neq(strstr(buf, "read failed"), NULL, "%s", buf);
  cr_assert_neq(strstr(buf, "detected at"), NULL, "%s", buf);
  cr_assert_neq(strstr(buf, "in start_here()"), NULL, "%s", buf);
  cr_assert_neq(strstr(buf, "#0"), NULL, "raw frames missing: %s", buf);
}
