/* trace_svg.h -- what the two SVG layouts share (trace_svg.c: the rows
 * collected while the log is read and the wide picture; trace_svg_fit.c:
 * the picture laid out for a page of --width pixels). */
#ifndef TRACE_SVG_H
#define TRACE_SVG_H

#include "trace_impl.h"

/* One event, kept until the log has been read. */
struct svg_row {
  struct trace_op *op;
  int lane, thread, ev;
  long line, prev, parent_prev; /* rows of the op's / parent's last event */
  char *msg, *note;
};

struct svg_state {
  struct svg_row *rows;
  size_t n, cap;
  int nlanes;
};

/* Each op's bar colour, by lane (or row) modulo 6. */
extern const char *const trace__svg_fill[];

/* The row of the last event of the op whose first event is row i, and in
 * *ended whether the op has an end. */
size_t trace__svg_op_last(const struct svg_state *st, size_t i, int *ended);
/* Opens the picture: the <svg> element with attrs added to it, defs, and
 * the white background; the size is kept for --json. */
void trace__svg_open(struct trace_ctx *c, FILE *f, int w, int h,
                     const char *attrs, const char *defs);
/* The heading: the log's path as the title (cut at title_max bytes), the
 * description desc, and for a log the scheduler recorded the caption that
 * says so; each a <text> element with its attrs. */
struct svg_heading {
  const char *title_attrs, *desc_attrs, *caption_attrs;
  size_t title_max;
};
void trace__svg_heading(struct trace_ctx *c, FILE *f,
                        const struct svg_heading *h, const char *desc);
/* Writes a row's tooltip: <g><title>line N: EV OP: MSG</title>; the caller
 * closes the <g>. */
void trace__svg_title(FILE *f, const struct svg_row *r);
/* Frees the rows and the state. */
void trace__svg_discard(struct trace_ctx *c);

/* trace_svg_fit.c: the whole --width picture, from the collected rows. */
int trace__svg_finish_fit(struct trace_ctx *c, int w);

#endif
