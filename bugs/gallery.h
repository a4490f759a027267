/* gallery.h -- small helpers every scenario shares: checked libuv and
 * pthread calls that abort with a message (even in release builds), the
 * drivers' option table and parser, and temporary files.
 *
 * One naming rule for every scenario NN-slug:
 *   bugs/NN-slug/SLUG.h   its interface, SLUG the slug with '_' for '-'
 *                         (log_order.h, check_then_act.h)
 *   bugs/NN-slug/check.c  its invariant: PREFIX_check(), what the driver
 *                         and the test call on what a run left behind
 *   bugs/NN-slug/main.c   the driver; sync.c the synchronous twin, async.c
 *                         the bug, fixes/NN-slug/async.c the fix; any
 *                         other .c file is shared by all three
 *   PREFIX_               the public names' prefix: the initials of the
 *                         slug's words (lo_ log-order, cta_ check-then-act,
 *                         uac_ use-after-close); heisenbug reads as
 *                         heisen-bug (hb_), and lock-order takes lk_, as
 *                         lo_ is log-order's. */
#ifndef GALLERY_H
#define GALLERY_H

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "dsched.h"
#include "proc.h"

/* Aborts with file:line and the call's text when a libuv call (negative
 * error) or a pthread call (positive errno) fails. Never hides a side effect
 * in assert(): the call always runs. */
#define CHECK_UV(call) gallery_check_uv((call), #call, __FILE__, __LINE__)
#define CHECK_PT(call) gallery_check_pt((call), #call, __FILE__, __LINE__)

static inline void gallery_check_uv(int r, const char *what, const char *file,
                                    int line) {
  if (r < 0) {
    fprintf(stderr, "%s:%d: %s: %s\n", file, line, what, uv_strerror(r));
    abort();
  }
}

static inline void gallery_check_pt(int r, const char *what, const char *file,
                                    int line) {
  if (r != 0) {
    fprintf(stderr, "%s:%d: %s: %s\n", file, line, what, strerror(r));
    abort();
  }
}

/* Driver options as data. Each scenario's main.c declares a table of
 * struct gallery_opt, ended by {NULL}, and calls gallery_parse() once:
 * the table is the one description of the driver's command line, from
 * which the parser (getopt_long) accepts options and --help prints them.
 *
 *   GALLERY_INT, GALLERY_UINT  a number in [lo, hi] into int * / unsigned *
 *   GALLERY_STRING  a value into const char **; if choices is set, one of
 *                   those words; lo = 1 refuses an empty value; creates = 1
 *                   makes it a file the run will write, created here so
 *                   that a path that cannot be written is bad input, named
 *                   as such, not a setup failure later
 *   GALLERY_FLAG    no value; sets int * to 1
 *   GALLERY_NOTE    --help only: one more line about the option above it
 *                   (a value with a meaning of its own, "--pool uv")
 *
 * Help texts (the about line, each option's, the epilogue) are written as
 * one flowing string; --help fills them to the terminal's 80 columns.
 * In help, "{default}" stands for the option's value before parsing (its
 * default) and "{range}" for "LO..HI", so each number is written once.
 * An option whose help is NULL shows in the usage line only (its NOTE
 * rows explain it). */
enum gallery_opt_type {
  GALLERY_INT,
  GALLERY_UINT,
  GALLERY_STRING,
  GALLERY_FLAG,
  GALLERY_NOTE
};

struct gallery_opt {
  const char *name; /* without "--"; NULL ends the table */
  enum gallery_opt_type type;
  void *ptr;
  long lo, hi;
  const char *arg;  /* the value's name in usage and help: "N", "FILE" */
  const char *help; /* flowing text, filled to GALLERY_WIDTH */
  const char *const *choices; /* NULL-terminated, or NULL: any value */
  int creates; /* string: a file the run writes, created (emptied) here */
};

/* Table rows. The pointer's type is checked: a conditional expression
 * between two different pointer types does not compile (-Werror). */
#define GALLERY_OPT_INT(n, p, min, max, h)                                     \
  {                                                                            \
    .name = (n), .type = GALLERY_INT, .ptr = (1 ? (p) : (int *)0),             \
    .lo = (min), .hi = (max), .arg = "N", .help = (h)                          \
  }
#define GALLERY_OPT_UINT(n, p, min, max, h)                                    \
  {                                                                            \
    .name = (n), .type = GALLERY_UINT, .ptr = (1 ? (p) : (unsigned *)0),       \
    .lo = (min), .hi = (max), .arg = "N", .help = (h)                          \
  }
#define GALLERY_OPT_STRING(n, p, a, h)                                         \
  {                                                                            \
    .name = (n), .type = GALLERY_STRING, .ptr = (1 ? (p) : (const char **)0),  \
    .arg = (a), .help = (h)                                                    \
  }
#define GALLERY_OPT_NONEMPTY(n, p, a, h)                                       \
  {                                                                            \
    .name = (n), .type = GALLERY_STRING, .ptr = (1 ? (p) : (const char **)0),  \
    .lo = 1, .arg = (a), .help = (h)                                           \
  }
#define GALLERY_OPT_OUTFILE(n, p, a, h)                                        \
  {                                                                            \
    .name = (n), .type = GALLERY_STRING, .ptr = (1 ? (p) : (const char **)0),  \
    .lo = 1, .arg = (a), .help = (h), .creates = 1                             \
  }
#define GALLERY_OPT_CHOICE(n, p, words, a, h)                                  \
  {                                                                            \
    .name = (n), .type = GALLERY_STRING, .ptr = (1 ? (p) : (const char **)0),  \
    .lo = 1, .arg = (a), .help = (h), .choices = (words)                       \
  }
#define GALLERY_OPT_FLAG(n, p, h)                                              \
  {                                                                            \
    .name = (n), .type = GALLERY_FLAG, .ptr = (1 ? (p) : (int *)0),            \
    .help = (h)                                                                \
  }
#define GALLERY_OPT_NOTE(n, a, h)                                              \
  { .name = (n), .type = GALLERY_NOTE, .arg = (a), .help = (h) }
#define GALLERY_OPT_END                                                        \
  { .name = NULL }

/* The rows most drivers share, each worded once; more is what the scenario
 * adds to the sentence ("" for nothing). The log's FILE is a correlation
 * log; GALLERY_FIX_LOGS says that only the fix writes one. A schedule
 * either holds the threadpool's work and releases it in an order, or runs
 * registered threads under the deterministic scheduler. */
#define GALLERY_OPT_LOG(p, more)                                               \
  GALLERY_OPT_STRING("log", p, "FILE",                                         \
                     "write the correlation log (JSON Lines) to FILE" more)
#define GALLERY_FIX_LOGS " (the fix logs; the sync twin and the bug do not)"
#define GALLERY_OPT_HOLD_SCHEDULE(p, more)                                     \
  GALLERY_OPT_STRING("schedule", p, "SPEC",                                    \
                     "hold threadpool work and release it by SPEC (fifo, "     \
                     "lifo, random:SEED, order:...; also env SCHED)" more)
#define GALLERY_OPT_RUN_SCHEDULE(p, more)                                      \
  GALLERY_OPT_STRING(                                                          \
      "schedule", p, "SPEC",                                                   \
      "run under the deterministic scheduler (fifo, lifo, "                    \
      "random:SEED, pct:SEED:D, order:...; also env SCHED)" more)

struct gallery_cli {
  const char *about; /* what one run does, after the usage line */
  const struct gallery_opt *opts;
  const char *epilogue; /* after the options: notes, then exit status;
                           '\n' ends a paragraph */
};

#define GALLERY_EXIT_STATUS                                                    \
  "Exit status: 0 invariant held, 1 violated, 2 usage, 3 setup failure."

enum { GALLERY_MAX_OPTS = 32, GALLERY_HELP_COL = 20, GALLERY_WIDTH = 76 };

/* The value an INT or UINT option holds now, for "{default}". */
static inline long gallery__opt_value(const struct gallery_opt *o) {
  if (o->type == GALLERY_INT)
    return *(int *)o->ptr;
  if (o->type == GALLERY_UINT)
    return (long)*(unsigned *)o->ptr;
  return 0;
}

/* Prints text s from column col on, filling lines up to GALLERY_WIDTH
 * columns: a line breaks at a space, and a continuation starts indent
 * columns in. A '\n' in s ends a line where the text wants it (the end
 * of a paragraph). Ends with a newline. */
static inline void gallery__wrap(const char *s, int col, int indent) {
  while (*s) {
    size_t n = strcspn(s, " \n");
    if (col > indent && col + 1 + (int)n > GALLERY_WIDTH)
      col = printf("\n%*s", indent, "") - 1;
    else if (col > indent)
      col += printf(" ");
    col += printf("%.*s", (int)n, s);
    s += n;
    if (*s == '\n' && s[1] != '\0')
      col = printf("\n%*s", indent, "") - 1;
    if (*s)
      s++;
  }
  putchar('\n');
}

/* Option o's help with "{default}" replaced by def and "{range}" by
 * "LO..HI", into buf. */
static inline void gallery__expand(const struct gallery_opt *o, long def,
                                   char *buf, size_t len) {
  size_t k = 0;
  for (const char *s = o->help; *s && k + 1 < len; s++) {
    int n = 0;
    if (strncmp(s, "{default}", 9) == 0) {
      n = snprintf(buf + k, len - k, "%ld", def);
      s += 8;
    } else if (strncmp(s, "{range}", 7) == 0) {
      n = snprintf(buf + k, len - k, "%ld..%ld", o->lo, o->hi);
      s += 6;
    } else {
      buf[k] = *s, n = 1;
    }
    k = n < 0 || k + (size_t)n >= len ? len - 1 : k + (size_t)n;
  }
  buf[k] = '\0';
}

/* Option o as typed: "--NAME ARG", or "--NAME" when it takes no value.
 * Returns snprintf's count. */
static inline int gallery__opt_words(const struct gallery_opt *o, char *buf,
                                     size_t len) {
  return snprintf(buf, len, o->arg ? "--%s %s" : "--%s", o->name, o->arg);
}

/* The usage line, wrapped at GALLERY_WIDTH columns, then the about text, one
 * row per documented option or note, and the epilogue. defs[i] is opts[i]'s
 * default. */
static inline void gallery__help(const struct gallery_cli *cli,
                                 const char *prog, const long *defs) {
  const struct gallery_opt *o;
  char text[1024];
  int col = printf("usage: %s", prog);
  for (o = cli->opts; o->name; o++) {
    char word[128];
    if (o->type == GALLERY_NOTE)
      continue;
    /* " [WORDS]": three columns more than the words. */
    if (col + 3 + gallery__opt_words(o, word, sizeof word) > GALLERY_WIDTH)
      col = printf("\n%*s", 9, "") - 1;
    col += printf(" [%s]", word);
  }
  putchar('\n');
  gallery__wrap(cli->about, 0, 0);
  for (o = cli->opts; o->name; o++) {
    char word[128];
    if (o->help == NULL)
      continue;
    /* "  WORDS", and at least two spaces before the help column. */
    if (2 + gallery__opt_words(o, word, sizeof word) + 2 > GALLERY_HELP_COL)
      printf("  %s\n%*s", word, GALLERY_HELP_COL, "");
    else
      printf("  %-*s", GALLERY_HELP_COL - 2, word);
    gallery__expand(o, defs[o - cli->opts], text, sizeof text);
    gallery__wrap(text, GALLERY_HELP_COL, GALLERY_HELP_COL);
  }
  gallery__wrap(cli->epilogue, 0, 0);
}

/* Stores option o's value v, or says what is wrong with it ("PROG: --OPT
 * wants ..., got 'V'") and returns -1. */
static inline int gallery__opt_set(const struct gallery_opt *o,
                                   const char *prog, const char *v) {
  const char *const *c;
  char *end;
  long n;

  if (o->type == GALLERY_FLAG) {
    *(int *)o->ptr = 1;
    return 0;
  }
  if (o->type == GALLERY_STRING) {
    if (o->lo > 0 && *v == '\0') {
      fprintf(stderr, "%s: --%s needs a value\n", prog, o->name);
      return -1;
    }
    for (c = o->choices; c && *c && strcmp(*c, v) != 0; c++)
      ;
    if (c && *c == NULL) {
      fprintf(stderr, "%s: --%s wants ", prog, o->name);
      for (c = o->choices; *c; c++)
        fprintf(stderr, "%s%s", *c,
                c[1] == NULL   ? ""
                : c[2] == NULL ? " or "
                               : ", ");
      fprintf(stderr, ", got '%s'\n", v);
      return -1;
    }
    if (o->creates) {
      FILE *f = fopen(v, "w");
      if (f == NULL) {
        fprintf(stderr, "%s: --%s %s: %s\n", prog, o->name, v, strerror(errno));
        return -1;
      }
      fclose(f);
    }
    *(const char **)o->ptr = v;
    return 0;
  }
  errno = 0;
  n = strtol(v, &end, 10);
  if (errno || end == v || *end || n < o->lo || n > o->hi) {
    fprintf(stderr, "%s: --%s wants a number from %ld to %ld, got '%s'\n", prog,
            o->name, o->lo, o->hi, v);
    return -1;
  }
  if (o->type == GALLERY_INT)
    *(int *)o->ptr = (int)n;
  else
    *(unsigned *)o->ptr = (unsigned)n;
  return 0;
}

/* Builds getopt_long's table from opts: option i returns 256 + i, so that
 * every answer, a missing value's included, names its table row. */
static inline void gallery__longopts(const struct gallery_opt *opts,
                                     struct option *lo, long *defs) {
  int n = 0;
  for (const struct gallery_opt *o = opts; o->name; o++, n++) {
    if (n + 2 >= GALLERY_MAX_OPTS) {
      fprintf(stderr, "gallery.h: more than %d options\n",
              GALLERY_MAX_OPTS - 2);
      abort();
    }
    defs[n] = gallery__opt_value(o);
    if (o->type != GALLERY_NOTE)
      *lo++ = (struct option){
          o->name, o->type == GALLERY_FLAG ? no_argument : required_argument,
          NULL, 256 + n};
  }
  *lo++ = (struct option){"help", no_argument, NULL, 'h'};
  *lo = (struct option){NULL, 0, NULL, 0};
}

/* Parses argv by cli's table. Returns -1 when the driver should run; else
 * the status to exit with: 0 after --help (or -h), 2 after a message on
 * stderr naming the option and what is wrong (unknown, no value, a value
 * out of range or not one of the choices, an argument that is no
 * option). */
static inline int gallery_parse(const struct gallery_cli *cli, int argc,
                                char **argv) {
  struct option lo[GALLERY_MAX_OPTS];
  long defs[GALLERY_MAX_OPTS];
  int c;

  gallery__longopts(cli->opts, lo, defs);
  /* "+": options end at the first argument that is none, as they did when
   * each driver walked argv itself; ":" reports a missing value apart. */
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+:h", lo, NULL)) != -1) {
    const struct gallery_opt *o = c >= 256 ? &cli->opts[c - 256] : NULL;
    if (c == 'h') {
      gallery__help(cli, argv[0], defs);
      return 0;
    }
    if (c == ':' || c == '?') {
      o = optopt >= 256 ? &cli->opts[optopt - 256] : NULL;
      if (c == ':')
        fprintf(stderr, "%s: --%s needs a value\n", argv[0], o->name);
      else if (o)
        fprintf(stderr, "%s: --%s takes no value\n", argv[0], o->name);
      else
        fprintf(stderr, "%s: unknown option '%s' (see --help)\n", argv[0],
                argv[optind - 1]);
      return 2;
    }
    if (gallery__opt_set(o, argv[0], optarg) != 0)
      return 2;
  }
  if (optind < argc) {
    fprintf(stderr, "%s: unknown option '%s' (see --help)\n", argv[0],
            argv[optind]);
    return 2;
  }
  return -1;
}

/* The steps every driver takes around its run, each written once. NAME is
 * the scenario's slug, which starts each line the driver prints. */

/* Configures the scheduler by --schedule's value, or by env SCHED when the
 * option was not given. 0, or -1 after a message naming what is wrong with
 * the spec: the driver exits 2. */
static inline int gallery_schedule(const char *schedule) {
  return schedule ? dsched_configure(schedule) : dsched_configure_from_env();
}

/* A driver's start: gallery_parse, then gallery_schedule with the value
 * the table parsed into *schedule. Returns -1 when the driver should run,
 * else the exit status: 0 after --help, 2 after a bad option or spec. */
static inline int gallery_start(const struct gallery_cli *cli, int argc,
                                char **argv, const char *const *schedule) {
  int r = gallery_parse(cli, argc, argv);
  if (r >= 0)
    return r;
  return gallery_schedule(*schedule) != 0 ? 2 : -1;
}

/* A run's verdict, for a program that runs the driver: when env
 * GALLERY_VERDICT names a file, the driver writes there the one message
 * that says how the run ended (its verdict line, or its setup failure),
 * without a newline. build/gallery compare reads it from there, not from
 * the driver's output, which holds the scheduler's lines too. A file that
 * cannot be written is a setup failure: the driver exits 3. */
static inline void gallery__verdict_file(const char *text) {
  const char *path = getenv("GALLERY_VERDICT");
  size_t n = strlen(text);
  int fd;

  if (path == NULL || *path == '\0')
    return;
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, text, n) != (ssize_t)n || close(fd) != 0) {
    fprintf(stderr, "GALLERY_VERDICT=%s: %s\n", path, strerror(errno));
    exit(3);
  }
}

/* Prints the run's verdict line (printf's fmt; a newline is added when
 * fmt has none) and writes it to $GALLERY_VERDICT. */
__attribute__((format(printf, 1, 2))) static inline void
gallery_say(const char *fmt, ...) {
  char line[1024];
  size_t n;
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  n = strlen(line);
  if (n > 0 && line[n - 1] == '\n')
    line[--n] = '\0';
  printf("%s\n", line);
  gallery__verdict_file(line);
}

/* "NAME: schedule taken: ..." when a schedule ran: what replays the run. */
static inline void gallery_schedule_taken(const char *name) {
  if (dsched_active())
    printf("%s: schedule taken: %s\n", name, dsched_taken());
}

/* A run that returned r < 0 could not be set up: says so and returns the
 * exit status, 3. */
static inline int gallery_setup_failed(const char *name, int r) {
  char line[512];
  snprintf(line, sizeof line, "%s: setup failed: %s", name, strerror(-r));
  fprintf(stderr, "%s\n", line);
  gallery__verdict_file(line);
  return 3;
}

/* The verdict of a run: r < 0, the run's error, is a setup failure (see
 * gallery_setup_failed); else r is the check's, 0 printed as held (a printf
 * format for n), 1 as the check's msg. Returns the exit status. */
static inline int gallery_verdict(const char *name, int r, const char *msg,
                                  const char *held, int n) {
  if (r < 0)
    return gallery_setup_failed(name, r);
  if (r == 0)
    gallery_say(held, n);
  else
    gallery_say("%s", msg);
  return r;
}

/* A run's temporary files go under $TMPDIR (default /tmp), and a run
 * stopped by SIGTERM, SIGINT or SIGHUP (hunt's time limit, Ctrl-C in the
 * gallery), or ended by the scheduler (a script that does not fit, a
 * deadlock: dsched_on_stop), removes them before it ends. The handler calls
 * only unlink, rmdir and the scenario's own remove function, which must
 * be async-signal-safe too. State lives in one translation unit: the one
 * that registers is the one whose handler runs. */
struct gallery_tmp {
  char file[4096];      /* a file to unlink, or "" */
  void (*remove)(void); /* the scenario's own cleanup, or NULL */
};

static inline struct gallery_tmp *gallery__tmp(void) {
  static struct gallery_tmp t;
  return &t;
}

static inline void gallery__tmp_remove(void) {
  struct gallery_tmp *t = gallery__tmp();
  if (t->file[0])
    unlink(t->file);
  if (t->remove)
    t->remove();
}

static inline void gallery__tmp_on_signal(int sig) {
  gallery__tmp_remove();
  proc_die_of(sig); /* so that the exit says it */
}

/* Holds those signals (block = 1) while a file is made and recorded, then
 * lets them in (0): one that came meanwhile then finds the name. */
static inline void gallery_tmp_hold(int block) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* A second signal (a SIGTERM after a SIGINT) waits until the files are
 * gone. */
static inline void gallery__tmp_catch(void) {
  static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
  proc_catch(sigs, sizeof sigs / sizeof sigs[0], gallery__tmp_on_signal);
  dsched_on_stop(gallery__tmp_remove);
}

/* Makes an empty file "$TMPDIR/PREFIX-XXXXXX", its name in buf, removed on
 * those signals too. Returns 0 or a negative errno. */
static inline int gallery_tmpfile(char *buf, size_t len, const char *prefix) {
  const char *dir = getenv("TMPDIR");
  int fd;
  snprintf(buf, len, "%s/%s-XXXXXX", dir && *dir ? dir : "/tmp", prefix);
  gallery_tmp_hold(1);
  if ((fd = mkstemp(buf)) < 0) {
    int e = errno;
    gallery_tmp_hold(0);
    return -e;
  }
  close(fd);
  snprintf(gallery__tmp()->file, sizeof gallery__tmp()->file, "%s", buf);
  gallery__tmp_catch();
  gallery_tmp_hold(0);
  return 0;
}

/* Calls remove() on those signals (NULL: no longer). Make what it removes
 * between gallery_tmp_hold(1) and (0). */
static inline void gallery_tmp_on_signal(void (*remove)(void)) {
  gallery__tmp()->remove = remove;
  if (remove)
    gallery__tmp_catch();
}

/* The files are gone (removed by the run itself): nothing to do on a
 * signal any more. */
static inline void gallery_tmp_forget(void) {
  gallery__tmp()->file[0] = '\0';
  gallery__tmp()->remove = NULL;
  dsched_on_stop(NULL);
}

/* A run's output file, opened before the loop runs and closed after it,
 * with synchronous libuv calls. gallery_fs_create opens path for writing
 * (created, truncated; flags adds more, e.g. O_APPEND): the fd, or a
 * negative libuv error. gallery_fs_close returns err, or when err is 0
 * the close's own error: a failed close may have lost bytes, like a
 * failed write. */
static inline int gallery_fs_create(const char *path, int flags) {
  uv_fs_t req;
  int fd = uv_fs_open(NULL, &req, path, O_WRONLY | O_CREAT | O_TRUNC | flags,
                      0644, NULL);
  uv_fs_req_cleanup(&req);
  return fd;
}

static inline int gallery_fs_close(int fd, int err) {
  uv_fs_t req;
  int rc = uv_fs_close(NULL, &req, fd, NULL);
  uv_fs_req_cleanup(&req);
  return err != 0 ? err : rc;
}

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
