/* test_tool_corrlog.c -- the correlation logger's contract: every line
 * parses and follows the schema, sequence numbers and Lamport clocks order
 * events across threads, every event is in the file once or counted as
 * dropped (normal path, crash, fork, full disk), crashes and exits leave the
 * events on disk, hostile strings still make valid JSON, and the message
 * formatter agrees with snprintf. */

/* The test links libcorrlog.a like any program and includes corrlog's
 * internal header, for the message formatter (corrlog__fmt_msg), which is
 * internal: no test-only symbol in the public API. */
#include "corrlog.h"
#include "internal.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <jansson.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

static char path[64];
static char own[64]; /* a second log, for the fork test's child */

static void setup(void) {
  snprintf(path, sizeof path, "/tmp/corrlog-test.XXXXXX");
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0, "mkstemp failed");
  close(fd);
}

static void teardown(void) {
  unlink(path);
  if (own[0])
    unlink(own);
}

TestSuite(corrlog, .init = setup, .fini = teardown, .timeout = 120);

/* Every line of the log, parsed; fails the test on a line that is not JSON. */
struct lines {
  json_t **v;
  size_t n;
};

static struct lines read_log_file(const char *file) {
  struct lines l = {NULL, 0};
  size_t cap = 0;
  FILE *f = fopen(file, "r");
  cr_assert_not_null(f, "cannot open %s", file);
  char *buf = NULL;
  size_t bcap = 0;
  ssize_t len;
  while ((len = getline(&buf, &bcap, f)) > 0) {
    json_error_t err;
    json_t *j = json_loadb(buf, (size_t)len, 0, &err);
    cr_assert_not_null(j, "%s:%zu: not JSON (%s): %.200s", file, l.n + 1,
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

static struct lines read_log(void) {
  return read_log_file(path);
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
    cr_assert(!json_is_string(json_object_get(o, "ev")) ||
                  strcmp(str(o, "ev"), "trailer") != 0,
              "line %zu of %zu: a trailer before the end of the log", i + 1,
              l->n);
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

/* The logging thread copies one int or long argument inline, and any
 * other list through the general capture: each must log what printf
 * prints, extremes included. */
Test(corrlog, logged_numbers_print_as_printf_does) {
  corrlog_op op;
  char want[12][64];
  int k = 0;
  cr_assert_eq(corrlog_open(path), 0);
  corrlog_begin(&op, NULL, "nums", "no arguments");
#define NUM_STEP(...)                                                          \
  do {                                                                         \
    corrlog_step(&op, __VA_ARGS__);                                            \
    snprintf(want[k++], sizeof want[0], __VA_ARGS__);                          \
  } while (0)
  NUM_STEP("int %d", INT_MIN);
  NUM_STEP("uint %u", UINT_MAX);
  NUM_STEP("hex %x", 0xdeadbeefu);
  NUM_STEP("long %ld", LONG_MIN);
  NUM_STEP("ulong %lu", ULONG_MAX);
  NUM_STEP("char %c", 'q');
  NUM_STEP("short %hd", (short)-3);
  NUM_STEP("size %zu", (size_t)42);
  NUM_STEP("two %d %ld", -1, 2L);
  NUM_STEP("plain");
#undef NUM_STEP
  corrlog_end(&op, 0, "done");
  corrlog_close();

  struct lines l = read_log();
  cr_assert_eq(l.n, (size_t)k + 3);
  cr_assert_str_eq(str(l.v[0], "msg"), "no arguments");
  for (int i = 0; i < k; i++)
    cr_assert_str_eq(str(l.v[i + 1], "msg"), want[i]);
  free_log(&l);
}

/* A lone %s is copied inline on the logging thread too (internal.h,
 * corrlog__capture_fast); beside another argument it goes through the
 * general capture. Both must log what printf prints, a null pointer as
 * glibc prints it, and a string longer than a message cut where the
 * message is. */
Test(corrlog, logged_strings_print_as_printf_does) {
  corrlog_op op;
  char longs[CORRLOG_MSG_MAX + 100];
  const char *volatile null_str = NULL;
  char want[8][sizeof longs];
  int k = 0;
  memset(longs, 'L', sizeof longs - 1);
  longs[sizeof longs - 1] = '\0';
  cr_assert_eq(corrlog_open(path), 0);
  corrlog_begin(&op, NULL, "strs", "begin");
#define STR_STEP(...)                                                          \
  do {                                                                         \
    corrlog_step(&op, __VA_ARGS__);                                            \
    snprintf(want[k], sizeof want[0], __VA_ARGS__);                            \
    want[k++][CORRLOG_MSG_MAX] = '\0'; /* where a message is cut */            \
  } while (0)
  STR_STEP("%s", "");
  STR_STEP("%s", "need the config");
  STR_STEP("%s", "caf\xc3\xa9 \"quoted\"");
  STR_STEP("%s", null_str);
  STR_STEP("%s", longs);
  STR_STEP("%s %d", "and a number", 7);
#undef STR_STEP
  corrlog_end(&op, 0, "done");
  corrlog_close();

  struct lines l = read_log();
  cr_assert_eq(l.n, (size_t)k + 3);
  for (int i = 0; i < k; i++)
    cr_assert_str_eq(str(l.v[i + 1], "msg"), want[i], "step %d", i + 1);
  free_log(&l);
}

/* The thread that opens the log keeps its core: opening learns the clock's
 * rate without sleeping, since a sleep there, just before a program starts
 * its threads, changes how they are scheduled (chapter 04 measures it). A
 * voluntary context switch is what any sleep or blocking wait costs. Twice:
 * the first open in a process measures the clock's rate, every open takes
 * a calibration pair. */
Test(corrlog, open_does_not_give_up_the_core) {
  for (int round = 0; round < 2; round++) {
    struct rusage r0, r1;
    /* A file made afresh: truncating the last round's file would wait for
     * the writeback that ext4 starts when a file truncated to zero and
     * written again is closed (its auto_da_alloc rule). */
    unlink(path);
    cr_assert_eq(getrusage(RUSAGE_THREAD, &r0), 0);
    cr_assert_eq(corrlog_open(path), 0);
    cr_assert_eq(getrusage(RUSAGE_THREAD, &r1), 0);
    corrlog_close();
    cr_assert_eq(r1.ru_nvcsw - r0.ru_nvcsw, 0,
                 "open %d: %ld voluntary context switches", round + 1,
                 r1.ru_nvcsw - r0.ru_nvcsw);
  }
}

static long long mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* An event's ts is CLOCK_MONOTONIC when it was logged, also in a log closed
 * well within the millisecond after open, whose flush converts ticks with
 * the rate measured at open rather than over its own span. Within 20 us:
 * the rate is good to about 1e-3 over at most a millisecond here. */
Test(corrlog, timestamps_are_the_monotonic_clock) {
  long long before[3], after[3];
  corrlog_op op;
  cr_assert_eq(corrlog_open(path), 0);
  corrlog_begin(&op, NULL, "clock", "start");
  for (int i = 0; i < 3; i++) {
    before[i] = mono_ns();
    corrlog_step(&op, "step %d", i);
    after[i] = mono_ns();
  }
  corrlog_end(&op, 0, "done");
  corrlog_close();
  struct lines l = read_log();
  cr_assert_eq(l.n, 6, "want 5 events + trailer, got %zu lines", l.n);
  for (int i = 0; i < 3; i++) {
    long long ts = num(l.v[i + 1], "ts");
    cr_assert(ts >= before[i] - 20000 && ts <= after[i] + 20000,
              "step %d: ts %lld, logged between %lld and %lld", i, ts,
              before[i], after[i]);
  }
  free_log(&l);
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
  cr_assert_gt(after, work, "after-work lc %lld <= work lc %lld", after, work);
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
               "%zu events in the file + %lld dropped != %lld logged", l.n - 1,
               dropped, expect);
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

/* "Caller holds the lock" is checked, not only written: discarding a
 * buffer without its flush lock aborts. In a child, so that the log file
 * is removed by this process's teardown. */
static void unlocked_discard_body(void) {
  corrlog__lock(&corrlog__my_buf->flush_lock);
  corrlog__discard(corrlog__my_buf); /* held: fine */
  corrlog__unlock(&corrlog__my_buf->flush_lock);
  corrlog__discard(corrlog__my_buf); /* not held */
}

Test(corrlog, lock_preconditions_are_asserted) {
  corrlog_op op;
  cr_assert_eq(corrlog_open(path), 0);
  /* One event, so that this thread, and the forked child, has a buffer. */
  corrlog_begin(&op, NULL, "k", "before the fork");
  int st = run_child(unlocked_discard_body);
  cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
            "an unlocked discard did not abort (status %#x)", st);
  corrlog_end(&op, 0, "done");
  corrlog_close();
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

/* Runs body in a child that must die of SIGSEGV, and returns the log it
 * left, every line of which must follow the schema. */
static struct lines crashed_log(void (*body)(void)) {
  int st = run_child(body);
  cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
            "child did not die of SIGSEGV (status %#x)", st);
  struct lines l = read_log();
  cr_assert_eq(check_schema(&l), 0);
  return l;
}

Test(corrlog, crash_leaves_events_on_disk) {
  struct lines l = crashed_log(crash_body);
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

/* The escaper, the hex and the timestamp digits against plain references,
 * on random input: the encoder works 8 bytes and several digits at a time,
 * and every block boundary must give what one byte at a time gives. */
static size_t ref_esc(char *p, const unsigned char *s, size_t n) {
  char *o = p;
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    size_t k;
    if (c == '"' || c == '\\') {
      *p++ = '\\';
      *p++ = (char)c;
      i++;
    } else if (c < 0x20) {
      p += sprintf(p, "\\u%04x", c);
      i++;
    } else if (c < 0x80) {
      *p++ = (char)c;
      i++;
    } else if ((k = corrlog__utf8_len(s + i, n - i)) != 0) {
      memcpy(p, s + i, k);
      p += k;
      i += k;
    } else {
      memcpy(p, "\xef\xbf\xbd", 3);
      p += 3;
      i++;
    }
  }
  return (size_t)(p - o);
}

static uint64_t xs_state = 0x9e3779b97f4a7c15ull;
static uint64_t xs(void) {
  xs_state ^= xs_state << 13;
  xs_state ^= xs_state >> 7;
  xs_state ^= xs_state << 17;
  return xs_state;
}

Test(corrlog, encoder_matches_a_byte_at_a_time_reference) {
  static const unsigned char pool[] = {'a',  'Z',  ' ',  '~',  0x7f, '"',  '\\',
                                       0,    1,    0x1f, 0x80, 0xc3, 0xa9, 0xe2,
                                       0x82, 0xac, 0xed, 0xf0, 0xff};
  unsigned char in[48];
  char got[6 * sizeof in + 64], want[6 * sizeof in + 64];
  for (int t = 0; t < 200000; t++) {
    size_t n = xs() % sizeof in;
    int plain = t & 1; /* half of the cases mostly plain text */
    for (size_t i = 0; i < n; i++)
      in[i] = plain && xs() % 16 ? (unsigned char)('a' + xs() % 26)
                                 : pool[xs() % sizeof pool];
    size_t g = (size_t)(corrlog__put_esc(got, (const char *)in, n) - got);
    size_t w = ref_esc(want, in, n);
    cr_assert(g == w && memcmp(got, want, w) == 0,
              "escape of %zu bytes (case %d): got %.*s want %.*s", n, t, (int)g,
              got, (int)w, want);
    /* The same text as a %s argument, rendered into a line. */
    uint64_t rbuf[REC_MAX / 8 + 1] = {0};
    struct rec *rec = (struct rec *)rbuf;
    char line[LINE_MAX_ALL], th[16] = "t";
    uint16_t n16 = (uint16_t)n;
    rec->ev = "step";
    rec->file = "f.c";
    rec->func = "fn";
    rec->fmt = "%s";
    memcpy(rec + 1, &n16, 2);
    memcpy((char *)(rec + 1) + 2, in, n);
    rec->msglen = (uint16_t)(n + 2);
    *corrlog__format_rec(line, rec, 1, th) = '\0';
    const char *m = strstr(line, ",\"msg\":\"");
    cr_assert(m && memcmp(m + 8, want, w) == 0 &&
                  strncmp(m + 8 + w, "\",\"site\"", 8) == 0,
              "rendered %zu bytes (case %d): %s", n, t, line);
    uint64_t v = xs() >> (xs() % 64);
    char h[17], r[17];
    corrlog__put_hex16(h, v);
    snprintf(r, sizeof r, "%016llx", (unsigned long long)v);
    cr_assert(memcmp(h, r, 16) == 0, "hex of %llx: %.16s",
              (unsigned long long)v, h);
  }
}

Test(corrlog, timestamps_print_whole) {
  static const uint64_t ts[] = {0,
                                7,
                                99999999,
                                100000000,
                                100000001,
                                123456789012345ull,
                                199999999,
                                200000000,
                                UINT64_MAX,
                                1000000000000000000ull,
                                100000000ull * 99999};
  uint64_t rbuf[REC_MAX / 8 + 1] = {0};
  struct rec *r = (struct rec *)rbuf;
  char line[LINE_MAX_ALL], want[32], th[16] = "t";
  r->ev = "step";
  r->file = "f.c";
  r->func = "fn";
  for (size_t k = 0; k < 2 * sizeof ts / sizeof ts[0]; k++) {
    /* Each twice in a row, and each after a different one. */
    uint64_t v = ts[k % (sizeof ts / sizeof ts[0])];
    char *end = corrlog__format_rec(line, r, v, th);
    *end = '\0';
    snprintf(want, sizeof want, "{\"ts\":%llu,", (unsigned long long)v);
    cr_assert(strncmp(line, want, strlen(want)) == 0, "ts %llu: %s",
              (unsigned long long)v, line);
    end = corrlog__format_rec(line, r, v, th);
    *end = '\0';
    cr_assert(strncmp(line, want, strlen(want)) == 0, "ts %llu again: %s",
              (unsigned long long)v, line);
  }
}

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

/* ------------------------------------------------ each event exactly once */

/* Runs build/trace --check on log (trace is found beside this program,
 * build/tests/tool-corrlog) and returns its exit code; its verdict goes to
 * stderr with the rest of the test's diagnostics. */
static int trace_check(const char *log) {
  char exe[PATH_MAX], trace[PATH_MAX + 16];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  cr_assert_gt(n, 0, "readlink /proc/self/exe failed");
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  cr_assert_not_null(slash);
  *slash = '\0';
  snprintf(trace, sizeof trace, "%s/../trace", exe);
  cr_assert_eq(access(trace, X_OK), 0, "%s is not built (make build/trace)",
               trace);
  fflush(NULL);
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork failed");
  if (pid == 0) {
    if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
      _exit(3);
    execl(trace, trace, "--check", log, (char *)NULL);
    _exit(3);
  }
  int st;
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  cr_assert(WIFEXITED(st), "%s --check %s died (status %#x)", trace, log, st);
  return WEXITSTATUS(st);
}

struct opseq {
  unsigned long long op;
  long long seq;
  size_t line;
};

static int cmp_opseq(const void *a, const void *b) {
  const struct opseq *x = a, *y = b;
  if (x->op != y->op)
    return x->op < y->op ? -1 : 1;
  if (x->seq != y->seq)
    return x->seq < y->seq ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line;
}

/* Asserts that no event (op, seq) is in the log twice and, when complete is
 * set, that every op's events are all there: seq 0, 1, 2, ... with no gap.
 * Returns the number of event lines (the trailer is not one). */
static size_t check_once(struct lines *l, int complete) {
  struct opseq *v = malloc((l->n + 1) * sizeof *v);
  size_t n = 0;
  cr_assert_not_null(v);
  for (size_t i = 0; i < l->n; i++) {
    if (strcmp(str(l->v[i], "ev"), "trailer") == 0)
      continue;
    v[n].op = strtoull(str(l->v[i], "op"), NULL, 16);
    v[n].seq = num(l->v[i], "seq");
    v[n].line = i + 1;
    n++;
  }
  qsort(v, n, sizeof *v, cmp_opseq);
  for (size_t i = 0; i < n; i++) {
    int same_op = i > 0 && v[i - 1].op == v[i].op;
    if (same_op)
      cr_assert_neq(v[i].seq, v[i - 1].seq,
                    "op %016llx seq %lld is in the file twice: lines %zu "
                    "and %zu",
                    v[i].op, v[i].seq, v[i - 1].line, v[i].line);
    if (complete)
      cr_assert_eq(v[i].seq, same_op ? v[i - 1].seq + 1 : 0,
                   "op %016llx: seq %lld at line %zu follows seq %lld: "
                   "events are missing",
                   v[i].op, v[i].seq, v[i].line, same_op ? v[i - 1].seq : -1);
  }
  free(v);
  return n;
}

/* One complete operation of four events. */
static void log_op(const char *kind, int i) {
  corrlog_op op;
  corrlog_begin(&op, NULL, kind, "op %d", i);
  corrlog_step(&op, "first step of %d", i);
  corrlog_step_kv(&op, "i=x", "second step");
  corrlog_end(&op, 0, "done");
}

/* Normal path: small buffers that wrap hundreds of times, the background
 * flusher, a thread that calls corrlog_flush() without pause, renames
 * (which flush the renamed thread's buffer) and the flush at thread exit,
 * all on the same buffers at once. */
#define NP_THREADS 4
#define NP_OPS 5000

static atomic_int np_done;

static void *np_logger(void *arg) {
  char name[16];
  snprintf(name, sizeof name, "np%d", (int)(intptr_t)arg);
  corrlog_thread_name(name);
  for (int i = 0; i < NP_OPS; i++) {
    log_op("np", i);
    if (i % 1000 == 999)
      corrlog_thread_name(name);
  }
  return NULL;
}

static void *np_flusher(void *arg) {
  (void)arg;
  while (!atomic_load(&np_done))
    corrlog_flush();
  return NULL;
}

Test(corrlog, normal_path_writes_each_event_once) {
  pthread_t th[NP_THREADS], fl;
  corrlog_set_buffer_kb(16);
  cr_assert_eq(corrlog_open(path), 0);
  cr_assert_eq(pthread_create(&fl, NULL, np_flusher, NULL), 0);
  for (int i = 0; i < NP_THREADS; i++)
    cr_assert_eq(pthread_create(&th[i], NULL, np_logger, (void *)(intptr_t)i),
                 0);
  for (int i = 0; i < NP_THREADS; i++)
    cr_assert_eq(pthread_join(th[i], NULL), 0);
  atomic_store(&np_done, 1);
  cr_assert_eq(pthread_join(fl, NULL), 0);
  corrlog_close();

  struct lines l = read_log();
  cr_assert_eq(check_schema(&l), 0, "events dropped on a healthy disk");
  cr_assert_eq(check_once(&l, 1), (size_t)NP_THREADS * NP_OPS * 4);
  cr_assert_eq(trace_check(path), 0, "build/trace --check %s failed", path);
  free_log(&l);
}

/* Crash flush: eight threads fill 1 MiB buffers, so the background flusher
 * is busy writing them when one of the threads faults; the crash handler
 * must write what the flusher has not, and nothing it has. Every op is
 * complete before the fault (the threads meet at a barrier first), so the
 * file must hold every event exactly once. */
#define CR_THREADS 8
#define CR_OPS 3000
#define CR_BURST 1000

static pthread_barrier_t cr_barrier;

__attribute__((no_sanitize_undefined)) static void *cr_logger(void *arg) {
  int idx = (int)(intptr_t)arg;
  char name[16];
  snprintf(name, sizeof name, "cr%d", idx);
  corrlog_thread_name(name);
  for (int i = 0; i < CR_OPS; i++)
    log_op("cr", i);
  /* A fresh burst from all the threads at once, so that the fault finds
   * the buffers full of events the flusher has only started on. */
  pthread_barrier_wait(&cr_barrier);
  for (int i = 0; i < CR_BURST; i++)
    log_op("cr", CR_OPS + i);
  pthread_barrier_wait(&cr_barrier);
  if (idx == 0) {
    volatile int *nowhere = NULL;
    __asm__ volatile("" : "+r"(nowhere));
    *nowhere = 1;
  }
  for (;;)
    pause();
  return NULL;
}

static void crash_flush_body(void) {
  pthread_t th;
  signal(SIGSEGV, SIG_DFL);
  corrlog_set_buffer_kb(1024);
  if (corrlog_open(path) != 0 ||
      pthread_barrier_init(&cr_barrier, NULL, CR_THREADS) != 0)
    _exit(3);
  for (int i = 0; i < CR_THREADS; i++)
    if (pthread_create(&th, NULL, cr_logger, (void *)(intptr_t)i) != 0)
      _exit(3);
  for (;;)
    pause();
}

Test(corrlog, crash_flush_writes_each_event_once) {
  struct lines l = crashed_log(crash_flush_body);
  cr_assert_eq(num(l.v[l.n - 1], "signal"), SIGSEGV);
  cr_assert_eq(check_once(&l, 1), (size_t)CR_THREADS * (CR_OPS + CR_BURST) * 4);
  cr_assert_eq(trace_check(path), 0, "build/trace --check %s failed", path);
  free_log(&l);
}

/* fork(): the child must not write the parent's buffered events again, nor
 * a trailer into the parent's file. It has no sink until it opens its own:
 * what it logs before that is neither written nor counted. */
#define FK_ROUNDS 3
#define FK_OPS 100

static void fork_child(int round, const char *file) {
  corrlog_op op;
  corrlog_begin(&op, NULL, "orphan", "no sink in a forked child");
  corrlog_end(&op, 0, "not logged");
  if (corrlog_dropped() != 0)
    _exit(4);
  if (round == 0) {
    if (corrlog_open(file) != 0)
      _exit(3);
    for (int i = 0; i < 5; i++)
      log_op("child", i);
  }
  exit(0); /* atexit closes the child's own log, and touches no other */
}

Test(corrlog, fork_child_starts_with_empty_buffers) {
  snprintf(own, sizeof own, "/tmp/corrlog-test.XXXXXX");
  int fd = mkstemp(own);
  cr_assert_geq(fd, 0, "mkstemp failed");
  close(fd);
  cr_assert_eq(corrlog_open(path), 0);
  for (int round = 0; round < FK_ROUNDS; round++) {
    for (int i = 0; i < FK_OPS; i++)
      log_op("parent", i);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork failed");
    if (pid == 0)
      fork_child(round, own);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "round %d: child status %#x", round, st);
  }
  for (int i = 0; i < FK_OPS; i++)
    log_op("parent", i);
  corrlog_close();

  struct lines l = read_log();
  cr_assert_eq(check_schema(&l), 0);
  cr_assert_eq(check_once(&l, 1), (size_t)(FK_ROUNDS + 1) * FK_OPS * 4);
  for (size_t i = 0; i + 1 < l.n; i++)
    cr_assert_str_eq(str(l.v[i], "kind"), "parent", "line %zu", i + 1);
  cr_assert_eq(trace_check(path), 0, "build/trace --check %s failed", path);
  free_log(&l);

  struct lines c = read_log_file(own);
  cr_assert_eq(check_schema(&c), 0);
  cr_assert_eq(check_once(&c, 1), 5 * 4);
  for (size_t i = 0; i + 1 < c.n; i++)
    cr_assert_str_eq(str(c.v[i], "kind"), "child", "line %zu", i + 1);
  cr_assert_eq(trace_check(own), 0, "build/trace --check %s failed", own);
  free_log(&c);
}

/* A full disk, made hermetic with RLIMIT_FSIZE: the file may grow to
 * FULL_LIMIT bytes, then write(2) stops short and fails (EFBIG, as ENOSPC
 * would), usually in the middle of a line. Every event must be in the file
 * as a whole line or counted as dropped, never both; the count travels back
 * through a pipe because the trailer itself may not fit. */
#define FULL_LIMIT 40000
#define FULL_OPS 1000

static int full_pipe[2];

static void full_disk_body(void) {
  struct rlimit rl = {FULL_LIMIT, FULL_LIMIT};
  signal(SIGXFSZ, SIG_IGN);
  if (setrlimit(RLIMIT_FSIZE, &rl) != 0 || corrlog_open(path) != 0)
    _exit(3);
  for (int i = 0; i < FULL_OPS; i++)
    log_op("full", i);
  corrlog_close();
  uint64_t d = corrlog_dropped();
  _exit(write(full_pipe[1], &d, sizeof d) == sizeof d ? 0 : 3);
}

Test(corrlog, full_disk_counts_only_what_missed_the_file) {
  uint64_t dropped_n = 0;
  cr_assert_eq(pipe(full_pipe), 0);
  int st = run_child(full_disk_body);
  close(full_pipe[1]);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
  cr_assert_eq(read(full_pipe[0], &dropped_n, sizeof dropped_n),
               sizeof dropped_n);
  close(full_pipe[0]);

  struct lines l = read_log(); /* fails on a half-written line */
  size_t n = check_once(&l, 0);
  cr_assert_gt(n, 0, "nothing reached the file");
  cr_assert_gt(dropped_n, 0, "the size limit did not bite");
  cr_assert_eq(n + dropped_n, (uint64_t)FULL_OPS * 4,
               "%zu events in the file + %llu counted dropped != %d logged", n,
               (unsigned long long)dropped_n, FULL_OPS * 4);
  /* The trailer, when it fitted, is the last line and agrees. */
  for (size_t i = 0; i < l.n; i++)
    if (strcmp(str(l.v[i], "ev"), "trailer") == 0) {
      cr_assert_eq(i, l.n - 1, "trailer at line %zu of %zu", i + 1, l.n);
      cr_assert_eq(num(l.v[i], "events"), (long long)n);
      cr_assert_eq(num(l.v[i], "dropped"), (long long)dropped_n);
    }
  free_log(&l);
}

/* ------------------------------------------------ message formatting */

/* fmt_msg must produce what vsnprintf produces, byte for byte, and cut it
 * at cap the same way. */
static void fmt_same(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static void fmt_same(const char *fmt, ...) {
  static const size_t caps[] = {CORRLOG_MSG_MAX, 7, 1, 0};
  char want[4 * CORRLOG_MSG_MAX], got[CORRLOG_MSG_MAX + 1];
  va_list ap, cp;
  va_start(ap, fmt);
  va_copy(cp, ap);
  int n = vsnprintf(want, sizeof want, fmt, cp);
  va_end(cp);
  cr_assert_geq(n, 0, "vsnprintf failed on \"%s\"", fmt);
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
    size_t cap = caps[i], expect = (size_t)n < cap ? (size_t)n : cap;
    memset(got, '#', sizeof got);
    va_copy(cp, ap);
    size_t k = corrlog__fmt_msg(got, cap, fmt, cp);
    va_end(cp);
    cr_assert_eq(k, expect, "\"%s\", cap %zu: %zu bytes, snprintf gives %zu",
                 fmt, cap, k, expect);
    cr_assert(memcmp(got, want, k) == 0,
              "\"%s\", cap %zu: got \"%.*s\", snprintf gives \"%.*s\"", fmt,
              cap, (int)k, got, (int)k, want);
    cr_assert_eq(got[k], '#', "\"%s\": wrote past its length", fmt);
  }
  va_end(ap);
}

Test(corrlog, fmt_msg_matches_snprintf) {
  char longs[CORRLOG_MSG_MAX + 100];
  const char *volatile null_str = NULL;
  int x;
  memset(longs, 'L', sizeof longs - 1);
  longs[sizeof longs - 1] = '\0';

  fmt_same("plain text, no conversion");
  fmt_same("100%% sure, %%d is not a conversion here");
  fmt_same("%d %d %d %d %d", 0, 7, -1, INT_MAX, INT_MIN);
  fmt_same("%i %i", 42, -42);
  fmt_same("%u %u %u", 0u, 1u, UINT_MAX);
  fmt_same("%x %X %x %X", 0u, 0xabcdefu, UINT_MAX, 0xABCDEFu);
  fmt_same("%hhd %hhd %hhi %hhu %hhx %hhX", (signed char)SCHAR_MIN,
           (signed char)SCHAR_MAX, (signed char)-1, (unsigned char)UCHAR_MAX,
           (unsigned char)0xab, (unsigned char)0xcd);
  fmt_same("%hd %hd %hi %hu %hx %hX", (short)SHRT_MIN, (short)SHRT_MAX,
           (short)-1, (unsigned short)USHRT_MAX, (unsigned short)0xbeef,
           (unsigned short)0xBEEF);
  fmt_same("%ld %ld %li %lu %lx %lX", LONG_MIN, LONG_MAX, -1L, ULONG_MAX,
           0xfeedfaceUL, 0xFEEDFACEUL);
  fmt_same("%lld %lld %lli %llu %llx %llX", LLONG_MIN, LLONG_MAX, -1LL,
           ULLONG_MAX, 0x123456789abcULL, 0x123456789ABCULL);
  fmt_same("%zd %zd %zi %zu %zx %zX", (ssize_t)-5, (ssize_t)SSIZE_MAX,
           (ssize_t)0, SIZE_MAX, (size_t)0x1234, (size_t)0xABC);
  fmt_same("%jd %jd %ji %ju %jx %jX", INTMAX_MIN, INTMAX_MAX, (intmax_t)-3,
           UINTMAX_MAX, (uintmax_t)0xff, (uintmax_t)0xFF);
  fmt_same("%td %td %ti %tu %tx %tX", PTRDIFF_MIN, PTRDIFF_MAX, (ptrdiff_t)-9,
           (size_t)PTRDIFF_MAX, (size_t)0x77, (size_t)0x77);
  fmt_same("%c%c%c|%c", 'a', '"', '\n', 0);
  fmt_same("%s|%s|%s|%s", "", "hello", "\xc3\xa9", null_str);
  fmt_same("%p %p", (void *)&x, (void *)NULL);
  fmt_same("cut: %s", longs);
  fmt_same("%lc %ls", (wint_t)L'A', L"wide");
  /* Conversions it leaves to libc, after ones it has consumed itself: the
   * fallback must start again from the first argument. */
  fmt_same("%d %s then %5.2f and %-4d|%05x|%.3s|%+d|% d|%#x|%e", 7, "x", 1.5, 3,
           0x2a, "abcdef", 5, 6, 255, 1e-3);
  fmt_same("%s %d %lld %hhd %Lf", "mixed", -1, -2LL, (signed char)-3, 1.25L);
}

/* ------------------------------------------------ messages formatted late */

/* A %s argument is copied when the event is logged: the flusher, which
 * formats the line later, must not read the caller's memory, gone by
 * then. A format that is not a literal is copied too. */
Test(corrlog, late_formatting_copies_what_may_be_gone) {
  corrlog_op op;
  char *name = strdup("first-name");
  char fmt[32];
  cr_assert_eq(corrlog_open(path), 0);
  corrlog_begin(&op, NULL, "late", "start");
  corrlog_step(&op, "hello %s, %d", name, 7);
  strcpy(name, "XXXXXXXXXX"); /* before any flush */
  free(name);
  snprintf(fmt, sizeof fmt, "from a buffer %%d");
  corrlog_step(&op, fmt, 1);
  snprintf(fmt, sizeof fmt, "overwritten %%s");
  corrlog_end(&op, 0, "done");
  corrlog_close();
  struct lines l = read_log();
  cr_assert_eq(l.n, 5, "%zu lines", l.n);
  cr_assert_str_eq(str(l.v[1], "msg"), "hello first-name, 7");
  cr_assert_str_eq(str(l.v[2], "msg"), "from a buffer 1");
  free_log(&l);
}

/* ------------------------------------------------ current op and chain */

static corrlog_op cur_a, cur_b;

/* A callback at the other side of a handoff. */
static void callback_for_b(corrlog_op **seen) {
  corrlog_enter(&cur_b);
  *seen = corrlog_current();
}

static void *thread_enters_a(void *arg) {
  corrlog_op **seen = arg;
  seen[0] = corrlog_current(); /* a new thread works on nothing */
  {
    corrlog_enter(&cur_a);
    seen[1] = corrlog_current();
  }
  seen[2] = corrlog_current();
  return NULL;
}

Test(corrlog, current_op_set_at_begin_and_enter_cleared_on_return) {
  corrlog_op *seen[3] = {&cur_b, &cur_b, &cur_b}, *in_cb = NULL;
  pthread_t t;
  cr_assert_eq(corrlog_open(path), 0);
  corrlog_begin(&cur_a, NULL, "a", "a");
  cr_assert_eq(corrlog_current(), &cur_a, "begin makes the op current");
  corrlog_begin(&cur_b, &cur_a, "b", "b");
  corrlog_set_current(&cur_a);
  callback_for_b(&in_cb);
  cr_assert_eq(in_cb, &cur_b, "corrlog_enter makes the op current");
  cr_assert_eq(corrlog_current(), &cur_a, "returning restores the caller's");
  cr_assert_eq(pthread_create(&t, NULL, thread_enters_a, seen), 0);
  cr_assert_eq(pthread_join(t, NULL), 0);
  cr_assert_null(seen[0]);
  cr_assert_eq(seen[1], &cur_a);
  cr_assert_null(seen[2], "the block's end clears it");
  corrlog_end(&cur_b, 0, "b done");
  corrlog_end(&cur_a, 0, "a done");
  cr_assert_null(corrlog_current(), "ending the current op clears it");
  corrlog_close();
}

/* Where corrlog__live_ops lists op, or -1: what a debugger does. */
static long live_slot_of(const corrlog_op *op) {
  for (long i = 0; i < CORRLOG_LIVE_SLOTS; i++)
    if (corrlog__live_ops.slot[i] == op)
      return i;
  return -1;
}

static unsigned long live_listed(void) {
  unsigned long n = 0;
  for (long i = 0; i < CORRLOG_LIVE_SLOTS; i++)
    n += corrlog__live_ops.slot[i] != NULL;
  return n;
}

Test(corrlog, live_ops_lists_exactly_the_ops_begun_and_not_ended) {
  enum { N = 3000 };
  static corrlog_op ops[N];
  unsigned long base = corrlog__live_ops.count;
  cr_assert_eq(live_listed(), base);
  for (int i = 0; i < N; i++)
    corrlog_begin(&ops[i], i ? &ops[i / 2] : NULL, "live", "op %d", i);
  cr_assert_eq(corrlog__live_ops.count, base + N);
  cr_assert_eq(live_listed(), base + N);
  /* End every other op, in an order unlike the beginning, so that the
   * set's deletions shift entries around. */
  for (int i = N - 1; i >= 0; i -= 2)
    corrlog_end(&ops[i], 0, "end");
  for (int i = 0; i < N; i++)
    cr_assert_eq(live_slot_of(&ops[i]) >= 0, i % 2 == 0, "op %d", i);
  cr_assert_eq(corrlog__live_ops.count, base + N / 2);
  cr_assert_eq(live_listed(), base + N / 2);
  corrlog_begin(&ops[0], NULL, "live", "begun again, never ended");
  cr_assert_eq(corrlog__live_ops.count, base + N / 2, "listed once");
  for (int i = 0; i < N; i += 2)
    corrlog_end(&ops[i], 0, "end");
  cr_assert_eq(live_listed(), base);
  cr_assert_eq(corrlog__live_ops.lock, 0);
}

static corrlog_op ch_root, ch_mid, ch_leaf;
static int handoff_line;

static void root_here(void) {
  corrlog_begin(&ch_root, NULL, "request", "root");
}

static void mid_here(void) {
  corrlog_begin(&ch_mid, &ch_root, "fetch", "mid");
  handoff_line = __LINE__ + 1;
  corrlog_handoff(&ch_mid);
}

static void leaf_here(void) {
  corrlog_begin(&ch_leaf, &ch_mid, "resize", "leaf");
}

/* The report read back from stderr. */
static void report_to(char *buf, size_t cap, const corrlog_op *op) {
  FILE *f = cr_get_redirected_stderr();
  corrlog_report(op, "bad size");
  fflush(stderr);
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
}

Test(corrlog, report_prints_the_chain_up_to_the_root) {
  char buf[8192], want[128];
  cr_redirect_stderr();
  root_here();
  mid_here();
  leaf_here();
  cr_assert_str_eq(ch_mid.handoff.func, "mid_here");
  cr_assert_eq(ch_mid.handoff.line, handoff_line);
  report_to(buf, sizeof buf, &ch_leaf);
  const char *leaf = strstr(buf, "in leaf_here()");
  const char *mid = strstr(buf, "in mid_here()");
  snprintf(want, sizeof want, ":%d in mid_here()", handoff_line);
  const char *hand = strstr(buf, want);
  const char *root = strstr(buf, "in root_here()");
  cr_assert(leaf && mid && hand && root, "chain incomplete:\n%s", buf);
  cr_assert(leaf < mid && mid < hand && hand < root, "chain out of order:\n%s",
            buf);
  cr_assert_neq(strstr(buf, "handed off at"), NULL, "%s", buf);
  /* An ended parent's memory may be gone: its id only, not its origin. */
  corrlog_end(&ch_mid, 0, "mid done");
  report_to(buf, sizeof buf, &ch_leaf);
  snprintf(want, sizeof want, "parent %016llx has ended",
           (unsigned long long)ch_mid.id);
  cr_assert_neq(strstr(buf, want), NULL, "%s", buf);
  cr_assert_null(strstr(buf, "in root_here()"), "%s", buf);
  corrlog_end(&ch_leaf, 0, "done");
  corrlog_end(&ch_root, 0, "done");
}

static char crash_err[64];

__attribute__((no_sanitize_undefined)) static void
crash_in_callback(corrlog_op *op) {
  corrlog_enter(op);
  volatile int *nowhere = NULL;
  __asm__ volatile("" : "+r"(nowhere));
  *nowhere = 1;
}

static void chain_crash_body(void) {
  corrlog_op root, job;
  signal(SIGSEGV, SIG_DFL);
  int fd = open(crash_err, O_WRONLY | O_TRUNC);
  if (fd < 0 || dup2(fd, STDERR_FILENO) < 0 || corrlog_open(path) != 0)
    _exit(3);
  corrlog_begin(&root, NULL, "request", "root");
  corrlog_begin(&job, &root, "resize", "job");
  corrlog_handoff(&job);
  corrlog_set_current(NULL);
  crash_in_callback(&job);
}

/* The fatal-signal report names the operation the thread was in, where it
 * was handed off, and its parent: the whole chain, not one origin. */
Test(corrlog, crash_report_prints_the_current_chain) {
  char buf[4096];
  snprintf(crash_err, sizeof crash_err, "/tmp/corrlog-err.XXXXXX");
  int fd = mkstemp(crash_err);
  cr_assert_geq(fd, 0);
  int st = run_child(chain_crash_body);
  cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "status %#x", st);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  unlink(crash_err);
  cr_assert_gt(n, 0, "nothing on stderr");
  buf[n] = '\0';
  const char *job = strstr(buf, "in operation 0000000000000002 (resize)");
  const char *hand = strstr(buf, "handed off at");
  const char *root = strstr(buf, "parent 0000000000000001 (request)");
  cr_assert(job && hand && root && job < hand && hand < root, "%s", buf);
  cr_assert_neq(strstr(buf, "in chain_crash_body()"), NULL, "%s", buf);
}

/* corrlog_open keeps PREALLOC_DEFAULT buffers free for threads to come
 * after the opening thread has taken its own (naming itself registers it):
 * otherwise the last thread to start makes its buffer -- an mmap and a page
 * fault per 4 KiB -- while those already running wait for it. */
Test(corrlog, open_leaves_buffers_for_the_threads_to_come) {
  int free_bufs = 0;
  unsetenv("CORRLOG_PREALLOC");
  cr_assert_eq(corrlog_open(path), 0);
  corrlog_thread_name("main");
  cr_assert_not_null(corrlog__my_buf, "naming the thread registers it");
  for (struct tbuf *b = atomic_load(&corrlog__registry); b; b = b->next)
    free_bufs += atomic_load(&b->in_use) == 0;
  cr_assert_geq(free_bufs, PREALLOC_DEFAULT,
                "%d buffers free after the opener took one, want %d", free_bufs,
                PREALLOC_DEFAULT);
  corrlog_close();
}

/* corrlog_open maps the pages of only the first TOUCH_FIRST bytes of the
 * buffers it makes (the opening thread's cost, just before it starts its
 * threads); the background flusher maps the rest. */
Test(corrlog, open_touches_only_the_start_of_new_buffers) {
  int made = 0;
  unsetenv("CORRLOG_PREALLOC");
  corrlog_set_buffer_kb(1024);
  cr_assert_eq(corrlog_open(path), 0);
  for (struct tbuf *b = atomic_load(&corrlog__registry); b; b = b->next) {
    cr_assert_gt(b->cap, TOUCH_FIRST);
    cr_assert_eq(atomic_load(&b->touched), TOUCH_FIRST,
                 "a new buffer of %zu bytes has %zu touched, want %d", b->cap,
                 atomic_load(&b->touched), TOUCH_FIRST);
    made++;
  }
  cr_assert_geq(made, PREALLOC_DEFAULT);
  corrlog__touch_rest();
  for (struct tbuf *b = atomic_load(&corrlog__registry); b; b = b->next)
    cr_assert_eq(atomic_load(&b->touched), b->cap);
  corrlog_close();
}

/* The line's numbers agree with printf's %llu / %lld at every length,
 * 1 to 20 digits, and at the edges of their types. */
Test(corrlog, numbers_match_snprintf) {
  uint64_t u = 1;
  for (int digits = 1; digits <= 20; digits++, u *= 10) {
    uint64_t vals[] = {u, u - 1, u + 7, u * 9 + (u - 1)};
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
      char want[32], got[32] = {0};
      if (digits == 20 && k == 3)
        vals[k] = UINT64_MAX;
      snprintf(want, sizeof want, "%llu", (unsigned long long)vals[k]);
      *corrlog__put_u64(got, vals[k]) = '\0';
      cr_assert_str_eq(got, want);
      snprintf(want, sizeof want, "%lld", -(long long)(vals[k] >> 1));
      *corrlog__put_i64(got, -(int64_t)(vals[k] >> 1)) = '\0';
      cr_assert_str_eq(got, want);
    }
  }
  char want[32], got[32] = {0};
  snprintf(want, sizeof want, "%lld", (long long)INT64_MIN);
  *corrlog__put_i64(got, INT64_MIN) = '\0';
  cr_assert_str_eq(got, want);
}
