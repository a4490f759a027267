/* trace_impl.h -- internals shared by the trace tool's source files: the
 * line reader, the -o output, the two parsers, the per-operation state the
 * checks keep, the renderers' interface and the helpers the renderers
 * share. The state of a whole run is in trace_ctx.h. */
#ifndef TRACE_IMPL_H
#define TRACE_IMPL_H

#include "trace.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define TRACE__CHUNK (256 * 1024)

struct trace_reader {
  FILE *f;
  int own, eof, error;
  int too_long; /* a line went past TRACE_MAX_LINE: nothing more is read */
  char *buf;
  size_t cap, start, end;
  long line; /* number of the line last returned */
};

int trace__reader_open(struct trace_reader *r, const char *path);
/* Returns 1 with the next line (without '\n') in *line and *len, 0 at end of
 * input (check r->error), 2 when the next line is longer than TRACE_MAX_LINE:
 * r->line is its number, and the reader stops there (later calls return 0),
 * the same for files, pipes and character devices, so that no input, not
 * even an endless line, is read past TRACE_MAX_LINE + TRACE__CHUNK bytes of
 * one line. */
int trace__reader_next(struct trace_reader *r, const char **line, size_t *len);
void trace__reader_close(struct trace_reader *r);

/* An -o output (trace_output.c). Every rendering to a file goes through
 * it: the bytes go to TARGET.tmp-XXXXXX in the target's directory, which
 * commit renames over the target once everything is written; abort, a
 * failed commit, or a terminating signal meanwhile (SIGHUP, SIGINT,
 * SIGQUIT, SIGPIPE, SIGTERM, SIGXFSZ) removes it, so the target is either
 * the complete new output or untouched. A target that exists and is not a
 * regular file (/dev/null, a terminal, a FIFO) is written in place. A
 * symbolic link is followed: the file it names is replaced, not the link.
 * One output open at a time per process. */
struct trace_output {
  FILE *f; /* write the rendering here */
  const char *path;
  int temp; /* f is the temporary file tmp, to be renamed to target */
  char tmp[PATH_MAX + 16], target[PATH_MAX];
};

/* Each returns 0 or -errno. After a failed open there is nothing to undo;
 * after open, exactly one of commit and abort must be called. */
int trace__output_open(struct trace_output *o, const char *path);
int trace__output_commit(struct trace_output *o);
void trace__output_abort(struct trace_output *o);

/* The fast parser for the flat form corrlog writes (trace_fast.c): returns 1
 * with *out filled in exactly as the jansson path would fill it (out->mem
 * set), or 0 -- nothing to free -- when the line is not in that form or is
 * not valid, and the jansson path must decide. */
int trace__parse_fast(const char *buf, size_t len, struct trace_event *out);
/* trace_parse_line() without the fast parser: the reference it must match. */
int trace__parse_slow(const char *buf, size_t len, struct trace_event *out,
                      char *err, size_t errlen);

/* What the tool remembers about one operation. Operations are kept until
 * the end of the run (about 100 bytes each plus the id), events are not. */
/* An event that arrived ahead of its op's sequence: kept as its line and
 * processed when the events before it have been (see arrive() in
 * trace_run.c). */
struct trace_pend {
  long long seq;
  long line;
  size_t len;
  struct trace_pend *next; /* by seq */
  char text[];
};

struct trace_op {
  char *id; /* first: the key of the ops table (trace_ctx.c) */
  char *kind;
  struct trace_op *parent;
  struct trace_op *q_prev, *q_next; /* --expect-order queue */
  long fork_idx; /* index of the parent's event just before our begin */
  long nevents;  /* events seen so far; an event's index in its op */
  long first_line, begin_line, end_line, last_line;
  long max_stage_line; /* line of the latest-stage event seen so far */
  long long last_seq, max_seq, last_lc, last_ts;
  long exp_line; /* line where the op reached the first expect spec */
  int max_stage; /* 0 begin, 1 step/error, 2 end; -1 none yet */
  int max_stage_ev;
  int has_seq, has_lc, has_ts;
  int last_thread;   /* index into the thread table, -1 none */
  int lane;          /* text view lane, -1 none */
  int exp_state;     /* 0 not reached, 1 reached first spec, 2 reached second,
                        3 reached the second spec before the first */
  int exp_repeat;    /* the event that reached the first spec matched both */
  unsigned long num; /* creation order: a compact id for chrome */
  struct trace_pend *pend; /* events waiting for earlier seqs */
  long long file_seq;      /* seq of the op's last event in file order */
  long file_line;
  int file_thread; /* its thread; -2 none yet */
  long aux;        /* for the renderer: SVG row of the op's last event */
};

struct trace_ctx; /* defined in trace_ctx.h */

/* Renderers: called once per event after the checks have run on it (notes
 * holds what the checks said about this event, "" when nothing), then once
 * at the end. */
struct trace_renderer {
  int (*start)(struct trace_ctx *c);
  int (*event)(struct trace_ctx *c, const struct trace_event *e,
               struct trace_op *op, long line, const char *notes);
  int (*finish)(struct trace_ctx *c);
  void (*discard)(struct trace_ctx *c); /* frees the state after an error */
};

extern const struct trace_renderer trace__text, trace__svg, trace__chrome;

/* Accessors the renderers use. */
FILE *trace__out(struct trace_ctx *c);
int trace__color(struct trace_ctx *c);
int trace__by_thread(struct trace_ctx *c);
const char *trace__path(struct trace_ctx *c);
/* The trailer's "recorder" ("sched": the scheduler recorded the log, not
 * the program), or NULL. */
const char *trace__recorder(struct trace_ctx *c);
/* --width: the SVG is laid out to fit this width at 100%, or 0. */
int trace__fit_width(struct trace_ctx *c);
/* The size of the picture drawn, in pixels, for --json's "svg". */
void trace__picture_size(struct trace_ctx *c, int w, int h);
/* The caption a timeline of such a log carries. */
#define TRACE_SCHED_CAPTION "recorded by the scheduler, not by the program"

const char *trace__thread_name(struct trace_ctx *c, int idx);
int trace__thread_count(struct trace_ctx *c);
long long trace__first_ts(struct trace_ctx *c, int *has);
void **trace__render_state(struct trace_ctx *c);
/* Operations that began and never ended, sorted by begin line. */
struct trace_op **trace__unended(struct trace_ctx *c, size_t *n);
/* Index in the thread table of the event's thread ("?" when absent). */
int trace__event_thread(struct trace_ctx *c, const struct trace_event *e);

/* trace_strings.c: how log text reaches an output. Each writes s (NULL:
 * nothing) -- as a JSON string with its quotes (invalid UTF-8 replaced by
 * U+FFFD, as corrlog writes it) / as XML text cut at max bytes / without
 * control bytes, cut at max bytes, for a terminal / padded with blanks to
 * width columns. */
void trace__json_str(FILE *f, const char *s);
void trace__xml_str(FILE *f, const char *s, size_t max);
void trace__put_plain(FILE *f, const char *s, size_t max);
void trace__put_padded(FILE *f, const char *s, int width);
/* Replaces, in place, bytes that could move the cursor or colour a
 * terminal (control bytes, DEL and every byte of a non-ASCII character)
 * with '?'. */
void trace__sanitize(char *s);
/* A lane's label for op, e.g. "req 3 \u00b7 \u202601" (see the file). */
void trace__op_label(const struct trace_op *op, char *buf, size_t len);
/* The letter an event shows as in a timeline, by enum trace_ev. */
extern const char trace__ev_letter[];

/* trace_parse.c: the event names of the schema (corrlog.h), by enum
 * trace_ev, "trailer" included; and the event the n bytes at s name, or
 * -1. */
extern const char *const trace__ev_name[];
/* Inline, as is trace__no_parent: both parsers run them on every line. */
static inline int trace__ev_lookup(const char *s, size_t n) {
  for (int i = 0; n > 0 && i <= TRACE_EV_TRAILER; i++)
    if (trace__ev_name[i][0] == s[0] && strlen(trace__ev_name[i]) == n &&
        memcmp(s, trace__ev_name[i], n) == 0)
      return i;
  return -1;
}
/* Whether a parent field means "no parent": absent (NULL), "" or all
 * zeros. */
static inline int trace__no_parent(const char *p) {
  if (!p)
    return 1;
  for (; *p; p++)
    if (*p != '0')
      return 0;
  return 1;
}

/* trace_ctx.c: a renderer's state: allocated zeroed (-1 when out of
 * memory), and freed. */
int trace__state_new(struct trace_ctx *c, size_t size);
void trace__state_free(struct trace_ctx *c);

/* Borrowed from corrlog, which writes the logs trace reads and which trace
 * links: one UTF-8 validator (what JSON parsers accept) and one JSON
 * string escaper for both. Declared here because corrlog keeps them in its
 * internal.h; trace_strings.c includes that header too, so that the
 * compiler holds these declarations to corrlog's. */
size_t corrlog__utf8_len(const unsigned char *s, size_t n);
char *corrlog__put_esc(char *p, const char *str, size_t n);

#endif
