/* gallery_ext.h -- what the gallery's files share: main.c dispatches to
 * one file per command (run.c, hunt.c, expose.c, compare.c, tour.c,
 * play.c, try.c), which run children through child.c, keep their files
 * in tmp.c's private directory and read their options with opts.c. */
#ifndef GALLERY_EXT_H
#define GALLERY_EXT_H

#include "registry.h"

#include <getopt.h>
#include <stddef.h>

/* ------------------------------------------------------------- main.c */

/* "sync", "bug", "fix": a variant's index is its place here. */
extern const char *const gallery_variants[3];

/* code (an ANSI colour) when stdout is a terminal and NO_COLOR unset,
 * else "". */
const char *gallery_paint(const char *code);

/* The directory the gallery was started in (it works from the repository
 * root): user paths are relative to it. "" when unknown. */
const char *gallery_start_dir(void);

/* Where the gallery's program lives (build/), as an absolute path. */
const char *gallery_build_dir(void);

double gallery_now_s(void);

/* -------------------------------------------------------------- tmp.c */

/* Sets buf to the path of NAME in the gallery's private directory under
 * $TMPDIR and registers it for removal at exit and on a signal. Returns
 * 0, or 3 with a message. */
int gallery_tmp_path(char *buf, size_t len, const char *name);
void gallery_remove_tmp(void);
/* SIGINT, SIGTERM, SIGHUP, SIGPIPE and exit remove the files. */
void gallery_catch_signals(void);

/* ------------------------------------------------------------ child.c */

/* gallery_run()'s results beyond a child's own exit status: */
#define RC_HANG 256  /* stopped by its time limit */
#define RC_NORUN 127 /* could not be started (a message was printed) */

struct child {
  const char *sched; /* SCHED for the child; NULL: unset */
  int keep_env;      /* 1: the caller's environment as it is */
  int quiet;         /* 0: output inherited, 1: discarded, 2: captured */
  int keep_stdin;    /* 1: stdin inherited; 0: /dev/null */
  double timeout_s;  /* 0: no limit */
  double grace_s;    /* between SIGTERM and SIGKILL; 0: proc's default */
  char *out;         /* quiet == 2: the output (malloc'd), or NULL */
  double elapsed_s;
};

/* Runs argv through the one process runner (tools/runtime/proc). Returns
 * the shell-style status, RC_HANG or RC_NORUN. When the gallery is
 * interrupted meanwhile, the child is stopped first and the gallery then
 * dies of the same signal, its files removed. */
int gallery_run(char *const argv[], struct child *c);
/* A status in words: "ok, invariant held", "BUG OBSERVED", ... */
const char *gallery_outcome(int rc);
/* A child's status as the gallery's exit code: a hang or a death by a
 * signal is the bug observed; a program that could not run is setup. */
int gallery_exit(int rc);
/* build/DIR/NN-slug-VARIANT, relative to the repository root. */
void gallery_path_of(char *buf, size_t len, const char *dir,
                     const struct scenario *s, const char *variant);
/* 0 when path is an executable, else 3 with "run make first". */
int gallery_need_file(const char *path);

/* ------------------------------------------------------------- opts.c */

/* A usage error: "gallery: CMD: MESSAGE (see build/gallery CMD --help)"
 * on stderr (no CMD: the gallery's own help). Returns 2. */
int gallery_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Every command reads its options with getopt_long from a table of its
 * own (long names only, each typed in full: a prefix accepted today
 * would turn ambiguous when an option is added). gallery_opt_next()
 * returns an option's val, or one of these: */
enum {
  GOPT_END = -1,  /* no more options; o->rest: the first word after "--" */
  GOPT_BAD = -2,  /* a usage error, already said: exit 2 */
  GOPT_WORD = -3, /* a word that is not an option: o->word */
  GOPT_HELP = 0x200,
  GOPT_VARIANT = 0x300 /* + 0, 1, 2: --sync, --bug, --fix */
};

#define GOPT_HELP_ENTRY                                                        \
  { "help", no_argument, NULL, GOPT_HELP }
#define GOPT_VARIANT_ENTRIES                                                   \
  {"sync", no_argument, NULL, GOPT_VARIANT + 0},                               \
      {"bug", no_argument, NULL, GOPT_VARIANT + 1}, {                          \
    "fix", no_argument, NULL, GOPT_VARIANT + 2                                 \
  }

struct gallery_opts {
  const char *cmd;            /* "run": errors name the command */
  const struct option *table; /* ends with a zero entry */
  int argc;
  char **argv;
  int scenario;             /* 1: the first word names the scenario */
  const struct scenario *s; /* it, once read */
  int variant;              /* the variant flag given, default 1 */
  const char *variant_word; /* NULL until one is given */
  const char *word;         /* the option or word just read */
  const char *arg;          /* the option's value */
  int rest;                 /* after GOPT_END: argv index after "--" */
  int next;                 /* where the scan goes on */
};

/* Starts a scan of argv[1..] (argv[0] is the command's name). */
void gallery_opts_begin(struct gallery_opts *o, const char *cmd,
                        const struct option *table, int scenario, int argc,
                        char **argv);
/* The next option. Variant flags are taken here (two different ones are
 * a usage error); when o->scenario is set, the first word is the scenario
 * (an unknown one, or none by the end, is a usage error). */
int gallery_opt_next(struct gallery_opts *o);

/* A whole-number option value in [lo, hi]; "5x" or "" is an error naming
 * the option. Returns 0, or 2 after the message. */
int gallery_count_arg(const char *cmd, const char *opt, const char *v, long lo,
                      long hi, int *out);
/* A path the user typed, relative to where the gallery was started. */
const char *gallery_user_path(const char *path, char *buf, size_t len);
/* Checks that a file can be written at path before a program runs for
 * nothing: names the path and what is wrong. Returns 0, or 2. */
int gallery_check_output(const char *cmd, const char *opt, const char *shown,
                         const char *path);

/* ---------------------------------------------------------- schedlog.c */

/* Before a run whose log goes to a file: the scheduler's recorder writes
 * sched_path (a file of the gallery's private directory) too. */
void gallery_schedlog_begin(const char *sched_path);
/* After it: when log_path holds no event of the program's own and the
 * recorder's file does, log_path becomes the recorder's log (labelled
 * "recorder":"sched"), with a note on stderr naming it as shown unless
 * quiet. Returns 1 when replaced, 0 when the program's own log stays, -1
 * when log_path could not be written (with a message). Removes
 * sched_path either way. */
int gallery_schedlog_end(const char *log_path, const char *sched_path,
                         const char *shown, int quiet);

/* -------------------------------------------------------- the commands */

/* hunt supervises its own runs: it gets longer than they do to stop them
 * before the SIGKILL reaches it. */
#define HUNT_GRACE_S 5.0
/* A Criterion test's own per-test timeouts turn a hang into a failure;
 * this is the limit for the whole program, should that fail too. */
#define EXPOSE_LIMIT_S 120.0

/* argc/argv start at the command's name. */
int gallery_cmd_run(int argc, char **argv);
int gallery_cmd_hunt(int argc, char **argv);
int gallery_cmd_expose(int argc, char **argv);
int gallery_cmd_compare(int argc, char **argv);
int gallery_cmd_tour(int argc, char **argv);
int gallery_cmd_play(int argc, char **argv);
int gallery_cmd_try(int argc, char **argv);

/* compare.c's parts: the fix as a diff, lesson first (fixdiff.c), and
 * both timelines as one picture (pairsvg.c). Return 0, or nonzero when
 * they could not be made. */
int gallery_fix_diff(const struct scenario *s, const char *a, const char *b);
int gallery_pair_svg(const char *out_path, const struct scenario *s,
                     const char *bug_svg, const char *fix_svg);

#endif
