/* trace_ctx.h -- the state of one run of the trace tool, shared by the
 * files that drive it (trace_ctx.c keeps the tables, trace_check.c the
 * checks, trace_run.c the reading loop, trace_cli.c the command line).
 * The renderers do not see it: they use the accessors of trace_impl.h. */
#ifndef TRACE_CTX_H
#define TRACE_CTX_H

#include "trace_impl.h"

/* Open-addressing string-keyed hash table; values carry their own key. */
struct table {
  void **slot;
  size_t cap, n;
  const char *(*key)(const void *);
};

/* Every access to one named resource (attrs.res), for --races. */
struct resource {
  char *name; /* first: the key of the resources table (trace_ctx.c) */
  struct access {
    struct trace_op *op;
    long idx, line;
    int read;
  } * acc;
  size_t n, cap;
};

/* One side of --expect-order A B. */
struct expect {
  int ev;     /* enum trace_ev */
  char *kind; /* NULL: any kind */
  const char *text;
};

struct trace_ctx {
  const char *prog, *path;
  FILE *out;  /* the rendering */
  FILE *vout; /* violations and summary */
  const struct trace_renderer *r;
  void *render_state;
  int check, races, lenient, color, by_thread;
  int fit_width;    /* --width: the SVG drawn to fit this many pixels, or 0 */
  int pic_w, pic_h; /* the SVG picture's size once it is drawn, else 0 */
  int jansson_only; /* TRACE_PARSER=jansson: no fast parser */
  int have_expect;
  struct expect exp[2];
  struct trace_op *q_head, *q_tail;

  struct table ops, res;
  unsigned long nops;
  char **threads;
  int nthreads, threads_cap;
  long long first_ts;
  int has_first_ts;

  long events, violations, race_count, skipped, dropped;
  long no_seq, no_lc, no_ts, no_thread;
  int had_trailer;
  char *recorder; /* the trailer's "recorder", or NULL: the program's log */
  /* Set by arrive() for the next processed event: its seq went down
   * against the op's previous event on the same thread (at rev_line). */
  long long rev_seq;
  long rev_line;

  char notes[1024];
  size_t notes_len;
};

/* trace_ctx.c: sets up the tables of an all-zero context. */
void trace__ctx_init(struct trace_ctx *c, const char *prog);
void trace__ctx_free(struct trace_ctx *c);
/* The op with this id, created on first use; NULL when out of memory. */
struct trace_op *trace__op_get(struct trace_ctx *c, const char *id);
/* The resource of this name, created on first use; NULL when out of
 * memory. */
struct resource *trace__res_get(struct trace_ctx *c, const char *name);
/* The ops for which keep(op) holds, in *n, sorted by line(op), a line
 * number no two ops share; NULL when out of memory. */
struct trace_op **trace__ops_where(struct trace_ctx *c, size_t *n,
                                   int (*keep)(const struct trace_op *),
                                   long (*line)(const struct trace_op *));

/* trace_check.c: the per-event checks, run before the renderer sees the
 * event; they leave what they found in c->notes. */
void trace__check_event(struct trace_ctx *c, const struct trace_event *e,
                        struct trace_op *op, long line);
/* The checks that can only be decided at the end of the log. */
void trace__check_finish(struct trace_ctx *c);
/* Parses an --expect-order spec EV[:KIND]; -1 when it is not one. */
int trace__expect_parse(const char *s, struct expect *x);

/* trace_run.c: processes the whole log. Returns 0, 2 (bad input) or 3
 * (internal). */
int trace__run(struct trace_ctx *c);

#endif
