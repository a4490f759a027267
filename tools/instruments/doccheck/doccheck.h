/* doccheck.h -- the parts of doccheck, which keeps the chapters true to the
 * code: text.c (strings and lines), chapter.c (a chapter's fenced blocks
 * and its rewriting), snippets.c (excerpts), outputs.c (output blocks),
 * run.c (running one command), commands.c (command blocks), main.c. */
#ifndef DOCCHECK_H
#define DOCCHECK_H

#include <stddef.h>

#include "md.h"

/* ---------------------------------------------------------------- tally */

/* Check counters for the summary line; bad_input turns the exit status into
 * 2 because a chapter could not be read or parsed at all. */
struct tally {
  int verbose, npass, nfail, nskip, bad_input;
};
extern struct tally tally;

/* ---------------------------------------------------------------- text.c */

/* A growable NUL-terminated string. */
struct str {
  char *s;
  size_t len, cap;
};

void str_add(struct str *b, const char *p, size_t n);
void str_addz(struct str *b, const char *p);
const char *str_get(const struct str *b);
/* Empties b, keeping its memory. */
void str_clear(struct str *b);

/* Gives up (exit 3) when memory runs out. */
void *xrealloc(void *p, size_t n);

/* A file split into lines: v[i] points into buf, without its newline. */
struct lines {
  char *buf;
  char **v;
  size_t n;
};

/* Reads PATH into *L; returns 0 or an errno value. */
int read_lines(const char *path, struct lines *L);
void lines_free(struct lines *L);

/* ------------------------------------------------------------- chapter.c */

/* One fenced block of a chapter, as the Markdown reader (md.h) found it:
 * the 0-based indexes of its opening and closing fence lines, and what
 * md_fence says of it (info string, content, indentation). */
struct block {
  size_t open, close;
  const struct md_fence *f;
};

/* A chapter: its lines, for rewriting, and its fenced blocks. */
struct chapter {
  const char *file;
  struct lines L;
  struct md_doc *doc;
  struct block *blocks;
  size_t nb;
};

/* Reads FILE; returns -1 (reported, bad input counted) when it cannot be
 * read or a block is left open. */
int chapter_read(struct chapter *ch, const char *file);
void chapter_free(struct chapter *ch);

/* Copies the value of the info-string word KEY=VALUE into val; returns 1
 * when the word is present. */
int info_value(const char *info, const char *key, char *val, size_t cap);
/* Is WORD one of the info string's words? */
int info_word(const char *info, const char *word);

/* Where a chapter's refreshed blocks are collected: the chapter up to
 * line copied, with new contents in place of the blocks refreshed. */
struct rewrite {
  struct str out;
  size_t copied;
  int refreshed;
};

/* Puts text in place of block b's content, indented like its fence so a
 * block inside a list item stays there. Returns -1 (reported) when a line
 * of text would close the block early. */
int replace_block(const struct chapter *ch, struct rewrite *rw,
                  const struct block *b, const char *text);
/* Writes the refreshed chapter, unless errors were found in it; counts the
 * refreshed blocks as passed or, when not written, failed. */
void finish_rewrite(const struct chapter *ch, struct rewrite *rw, int errors);

/* ------------------------------------------------------------ snippets.c */

/* Checks (or, with refresh, rewrites) every snippet= and diff= excerpt of
 * one chapter. */
void snippets_file(const char *file, int refresh);

/* ------------------------------------------------------------- outputs.c */

/* Normalisations an output block may declare (outputs.c). */
enum {
  N_TMP = 1,    /* /tmp/x.AbC12 or $TMPDIR/...    -> <tmp> */
  N_ADDR = 2,   /* 0x55f8cfb20d11                  -> <addr> */
  N_PID = 4,    /* ==17153==, pid=15205            -> ==<pid>==, pid=<pid> */
  N_TIME = 8,   /* 12.05, +0.352, "ts":615912316181 -> <t>, "ts":<t> */
  N_COUNT = 16, /* any other number, 7 or 28.7  -> <n> */
  N_WS = 32,    /* runs of blanks -> one; trailing blanks dropped */
};

/* Parses normalize=LIST and shape from an output block's info string into
 * *flags; returns -1 (reported) on an unknown name. */
int parse_norms(const char *file, size_t line, const char *info, int *flags);

/* Checks output block b against got, the output of the command at
 * FILE:CMDLINE (or, with refresh, rewrites the block when it differs). */
void compare_output(const struct chapter *ch, const struct block *b, int flags,
                    size_t cmdline, const char *got, int refresh,
                    struct rewrite *rw);

/* ----------------------------------------------------------------- run.c */

/* Sets doccheck up to run commands: a subreaper, signals collected. */
void run_setup(void);

/* Runs one command with /bin/sh -c in its own process group and checks its
 * exit status against expect. Appends what it printed (stdout and stderr,
 * as they interleaved) to capture when given. Returns 1 when it exited as
 * expected. */
int run_command(const char *file, size_t line, const char *cmd, int expect,
                int timeout, struct str *capture);

/* ------------------------------------------------------------ commands.c */

/* Runs the commands of every ```sh block of one chapter and checks every
 * output block against the output of the command it is tied to. */
void commands_file(const char *file, int timeout, int refresh);

#endif
