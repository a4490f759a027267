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
/* fn (async-signal-safe) runs first on such a signal; NULL: nothing. For
 * a child the gallery runs without gallery_run(), which stops its own. */
void gallery_tmp_hook(void (*fn)(void));

/* ------------------------------------------------------------ child.c */

/* gallery_run()'s results beyond a child's own exit status: */
#define RC_HANG 256  /* stopped by its time limit */
#define RC_NORUN 127 /* could not be started (a message was printed) */

struct child {
  const char *sched;   /* SCHED for the child; NULL: unset */
  const char *verdict; /* GALLERY_VERDICT for the child (bugs/gallery.h:
                          the file its driver writes its verdict to);
                          NULL: unset */
  int keep_env;        /* 1: the caller's environment as it is */
  int quiet;           /* 0: output inherited, 1: discarded, 2: captured */
  int keep_stdin;      /* 1: stdin inherited; 0: /dev/null */
  double timeout_s;    /* 0: no limit */
  double grace_s;      /* between SIGTERM and SIGKILL; 0: proc's default */
  char *out;           /* quiet == 2: the output (malloc'd), or NULL */
  double elapsed_s;
};

/* Runs argv through the one process runner (tools/runtime/proc). Returns
 * the shell-style status, RC_HANG or RC_NORUN. When the gallery is
 * interrupted meanwhile, the child is stopped first and the gallery then
 * dies of the same signal, its files removed. */
int gallery_run(char *const argv[], struct child *c);
/* The caller's environment without the variables whose entries start
 * with one of drop's prefixes ("SCHED=", "SCHED"), plus add's entries;
 * both lists end with NULL, either may be NULL. Returns an array to
 * free() (not its strings), or NULL when out of memory. */
char **gallery_env(const char *const *drop, char *const *add);
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
 * returns an option's val (GOPT_OPTION and up), GOPT_WORD, or an end: */
enum {
  GOPT_BAD = -2,  /* a usage error, already said: exit 2 */
  GOPT_HELP = -1, /* --help: the command's help was printed: exit 0 */
  GOPT_END = 0,   /* no more options; o->rest: the first word after "--" */
  GOPT_WORD = 1,  /* a word that is not an option (only with GOPT_WORDS) */
  GOPT_OPTION = 2 /* the first val a command's own options take */
};
/* gallery_opts_begin()'s flags: */
#define GOPT_SCENARIO 1 /* the first word names the scenario (required) */
#define GOPT_WORDS 2    /* other words are returned, not refused */

/* The table entries every command shares: --help, and the variant flags
 * (taken by the scanner itself; two different ones are a usage error). */
#define GOPT_HELP_VAL 0x200
#define GOPT_VARIANT 0x300 /* + 0, 1, 2: --sync, --bug, --fix */
#define GOPT_HELP_ENTRY                                                        \
  { "help", no_argument, NULL, GOPT_HELP_VAL }
#define GOPT_SYNC_ENTRY                                                        \
  { "sync", no_argument, NULL, GOPT_VARIANT + 0 }
#define GOPT_BUG_ENTRY                                                         \
  { "bug", no_argument, NULL, GOPT_VARIANT + 1 }
#define GOPT_FIX_ENTRY                                                         \
  { "fix", no_argument, NULL, GOPT_VARIANT + 2 }
#define GOPT_END_ENTRY                                                         \
  { NULL, 0, NULL, 0 }

struct gallery_opts {
  const char *cmd;            /* "run": errors name the command */
  const char *help;           /* printed for --help */
  const struct option *table; /* ends with GOPT_END_ENTRY */
  int flags;                  /* GOPT_SCENARIO, GOPT_WORDS */
  int argc;
  char **argv;
  const struct scenario *s; /* the scenario, once read */
  int variant;              /* the variant flag given, default 1 (bug) */
  const char *variant_word; /* NULL until one is given */
  const char *word;         /* the option or word just read */
  const char *arg;          /* the option's value */
  int rest;                 /* after GOPT_END: argv index after "--" */
};

/* Starts a scan of argv[1..] (argv[0] is the command's name). */
void gallery_opts_begin(struct gallery_opts *o, const char *cmd,
                        const char *help, const struct option *table, int flags,
                        int argc, char **argv);
int gallery_opt_next(struct gallery_opts *o);
/* What a command's parser returns for the code that ended its scan: 0
 * (read), -1 (help printed) or 2 (usage error). */
static inline int gallery_opts_result(int c) {
  return c == GOPT_BAD ? 2 : c;
}

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
                     const char *const svg[2], const char *const json[2]);

#endif
