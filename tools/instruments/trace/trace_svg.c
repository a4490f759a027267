/* trace_svg.c -- the SVG view: collects every event while the log is read,
 * then draws swimlanes, one lane per operation (or thread), with bars,
 * handoff arrows, parent -> child edges and the violations spelled out.
 * With --width the layout is trace_svg_fit.c's instead. */
#include "trace_svg.h"

#include <stdlib.h>
#include <string.h>

/* The SVG is drawn after the whole log is read, so it keeps every event:
 * it is meant for the small logs a projector can show. */
#define SVG_MAX_EVENTS 2000

#define SVG_LEFT 300
#define SVG_TOP 120
#define SVG_COL 110
#define SVG_LANE 90

const char *const trace__svg_fill[] = {"#1f77b4", "#2ca02c", "#9467bd",
                                       "#8c564b", "#17becf", "#bcbd22"};

/* ------------------------------------------------------------ shared */

size_t trace__svg_op_last(const struct svg_state *st, size_t i, int *ended) {
  size_t last = i;

  *ended = 0;
  for (size_t j = i; j < st->n; j++)
    if (st->rows[j].op == st->rows[i].op) {
      last = j;
      *ended |= st->rows[j].ev == TRACE_EV_END;
    }
  return last;
}

void trace__svg_open(struct trace_ctx *c, FILE *f, int w, int h,
                     const char *attrs, const char *defs) {
  trace__picture_size(c, w, h);
  fprintf(f,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
          "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\"%s>"
          "\n%s",
          w, h, w, h, attrs, defs);
  fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", w, h);
}

void trace__svg_heading(struct trace_ctx *c, FILE *f,
                        const struct svg_heading *h, const char *desc) {
  fprintf(f, "<text %s font-weight=\"bold\">", h->title_attrs);
  trace__xml_str(f, trace__path(c), h->title_max);
  fprintf(f, "</text>\n<text %s fill=\"#555\">%s</text>\n", h->desc_attrs,
          desc);
  if (trace__recorder(c))
    fprintf(f, "<text %s font-style=\"italic\" fill=\"#a00\">%s</text>\n",
            h->caption_attrs, TRACE_SCHED_CAPTION);
}

void trace__svg_title(FILE *f, const struct svg_row *r) {
  fprintf(f, "<g><title>line %ld: %s ", r->line, trace__ev_name[r->ev]);
  trace__xml_str(f, r->op->id, 64);
  fputs(": ", f);
  trace__xml_str(f, r->msg ? r->msg : "", 200);
}

void trace__svg_discard(struct trace_ctx *c) {
  struct svg_state *st = *trace__render_state(c);

  for (size_t i = 0; st && i < st->n; i++) {
    free(st->rows[i].msg);
    free(st->rows[i].note);
  }
  if (st)
    free(st->rows);
  trace__state_free(c);
}

/* ------------------------------------------------------------ collect */

static int svg_start(struct trace_ctx *c) {
  return trace__state_new(c, sizeof(struct svg_state));
}

static int svg_event(struct trace_ctx *c, const struct trace_event *e,
                     struct trace_op *op, long line, const char *notes) {
  struct svg_state *st = *trace__render_state(c);
  struct svg_row *r;

  if (st->n == SVG_MAX_EVENTS) {
    fprintf(stderr,
            "trace: %s:%ld: more than %d events: too many for an SVG "
            "picture (use --format chrome)\n",
            trace__path(c), line, SVG_MAX_EVENTS);
    return -2;
  }
  if (st->n == st->cap) {
    size_t cap = st->cap ? st->cap * 2 : 64;
    struct svg_row *nr = realloc(st->rows, cap * sizeof *nr);
    if (!nr)
      return -1;
    st->rows = nr;
    st->cap = cap;
  }
  r = &st->rows[st->n];
  memset(r, 0, sizeof *r);
  r->op = op;
  r->thread = trace__event_thread(c, e);
  if (trace__by_thread(c)) {
    r->lane = r->thread;
  } else {
    if (op->lane < 0)
      op->lane = st->nlanes++;
    r->lane = op->lane;
  }
  if (r->lane + 1 > st->nlanes)
    st->nlanes = r->lane + 1;
  r->ev = e->ev;
  r->line = line;
  r->prev = op->aux;
  r->parent_prev = e->ev == TRACE_EV_BEGIN && op->parent ? op->parent->aux : -1;
  r->msg = e->msg ? strndup(e->msg, 200) : NULL;
  r->note = *notes ? strdup(notes) : NULL;
  op->aux = (long)st->n++;
  return 0;
}

/* ------------------------------------------------------------ wide */

static int svg_x(size_t i) {
  return SVG_LEFT + 60 + (int)i * SVG_COL;
}
static int svg_y(int lane) {
  return SVG_TOP + lane * SVG_LANE + SVG_LANE / 2;
}

static void svg_head(struct trace_ctx *c, FILE *f, int w, int h,
                     size_t nnotes) {
  static const struct svg_heading heading = {
      "x=\"20\" y=\"44\" font-size=\"30\"",
      "x=\"20\" y=\"84\" font-size=\"20\"",
      "class=\"caption\" x=\"20\" y=\"110\" font-size=\"20\"", 80};
  char desc[128];

  trace__svg_open(c, f, w, h, "",
                  "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" "
                  "refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" "
                  "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" "
                  "fill=\"#444\"/></marker></defs>\n");
  snprintf(desc, sizeof desc,
           "file order left to right; one lane per %s; arrows: handoffs%s",
           trace__by_thread(c) ? "thread" : "operation",
           nnotes ? "; red: violations" : "");
  trace__svg_heading(c, f, &heading, desc);
}

/* Lanes and their labels: the thread's name, or the label of the op. */
static void svg_lanes(struct trace_ctx *c, FILE *f, const struct svg_state *st,
                      int w) {
  for (int lane = 0; lane < st->nlanes; lane++) {
    const char *label = NULL;
    char opl[64];
    for (size_t i = 0; i < st->n && !label; i++)
      if (st->rows[i].lane == lane)
        label = trace__by_thread(c)
                    ? trace__thread_name(c, lane)
                    : (trace__op_label(st->rows[i].op, opl, sizeof opl), opl);
    fprintf(f,
            "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" "
            "fill=\"%s\"/>\n",
            SVG_TOP + lane * SVG_LANE, w, SVG_LANE,
            lane % 2 ? "#ffffff" : "#f2f2f2");
    fprintf(f, "<text x=\"20\" y=\"%d\" font-size=\"24\">", svg_y(lane) + 8);
    trace__xml_str(f, label ? label : "", 24);
    fputs("</text>\n", f);
  }
}

/* Op mode: a bar from begin to end (to the last event when it never ends,
 * dashed). */
static void svg_bars(FILE *f, const struct svg_state *st) {
  for (size_t i = 0; i < st->n; i++) {
    const struct svg_row *r = &st->rows[i];
    size_t last;
    int ended;
    if (r->prev >= 0)
      continue; /* not the op's first event */
    last = trace__svg_op_last(st, i, &ended);
    fprintf(f,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"28\" rx=\"14\" "
            "fill=\"%s\" fill-opacity=\"0.25\" stroke=\"%s\"%s/>\n",
            svg_x(i) - 20, svg_y(r->lane) - 14, svg_x(last) - svg_x(i) + 40,
            trace__svg_fill[r->lane % 6], trace__svg_fill[r->lane % 6],
            ended ? "" : " stroke-dasharray=\"8 6\"");
  }
}

/* A handoff: the op's previous event (row p) ran on another thread. */
static void svg_handoff(struct trace_ctx *c, FILE *f,
                        const struct svg_state *st, size_t i) {
  const struct svg_row *r = &st->rows[i], *p = &st->rows[r->prev];
  int x0 = svg_x((size_t)r->prev), x1 = svg_x(i);
  int y0 = svg_y(p->lane), y1 = svg_y(r->lane);

  if (y0 == y1)
    fprintf(f,
            "<path d=\"M%d,%d C%d,%d %d,%d %d,%d\" fill=\"none\" "
            "stroke=\"#444\" stroke-width=\"3\" "
            "marker-end=\"url(#arrow)\"/>\n",
            x0, y0 - 16, x0, y0 - 50, x1, y1 - 50, x1, y1 - 16);
  else
    fprintf(f,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
            "stroke=\"#444\" stroke-width=\"3\" "
            "marker-end=\"url(#arrow)\"/>\n",
            x0, y0, x1, y1 + (y1 > y0 ? -16 : 16));
  fprintf(f,
          "<text x=\"%d\" y=\"%d\" font-size=\"16\" fill=\"#444\" "
          "text-anchor=\"middle\">&#8594; ",
          (x0 + x1) / 2, (y0 < y1 ? y0 : y1) - 40);
  trace__xml_str(f, trace__thread_name(c, r->thread), 15);
  fputs("</text>\n", f);
}

/* Handoffs (same op, another thread) and parent -> child edges. */
static void svg_edges(struct trace_ctx *c, FILE *f,
                      const struct svg_state *st) {
  for (size_t i = 0; i < st->n; i++) {
    const struct svg_row *r = &st->rows[i];
    if (r->prev >= 0 && st->rows[r->prev].thread != r->thread)
      svg_handoff(c, f, st, i);
    if (r->parent_prev >= 0) {
      const struct svg_row *p = &st->rows[r->parent_prev];
      int y0 = svg_y(p->lane), y1 = svg_y(r->lane);
      fprintf(f,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
              "stroke=\"#888\" stroke-width=\"2\" stroke-dasharray=\"6 4\" "
              "marker-end=\"url(#arrow)\"/>\n",
              svg_x((size_t)r->parent_prev), y0, svg_x(i),
              y1 + (y1 > y0   ? -16
                    : y1 < y0 ? 16
                              : 0));
    }
  }
}

/* Events: a dot with the stage letter, the line number below; then the
 * violations spelled out under the lanes. */
static void svg_dots(FILE *f, const struct svg_state *st) {
  int nnotes = 0;

  for (size_t i = 0; i < st->n; i++) {
    const struct svg_row *r = &st->rows[i];
    int x = svg_x(i), y = svg_y(r->lane);
    trace__svg_title(f, r);
    fputs("</title>", f);
    fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"16\" fill=\"%s\"%s/>", x, y,
            r->note ? "#d62728" : trace__svg_fill[r->lane % 6],
            r->note ? " stroke=\"#7f0000\" stroke-width=\"4\"" : "");
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" font-size=\"18\" fill=\"white\" "
            "text-anchor=\"middle\" font-weight=\"bold\">%c</text>",
            x, y + 6, r->ev == TRACE_EV_STEP ? 'S' : trace__ev_letter[r->ev]);
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" font-size=\"16\" fill=\"#555\" "
            "text-anchor=\"middle\">L%ld%s</text></g>\n",
            x, y + 38, r->line, r->note ? " !" : "");
  }
  for (size_t i = 0; i < st->n; i++) {
    const struct svg_row *r = &st->rows[i];
    if (!r->note)
      continue;
    fprintf(f,
            "<text x=\"20\" y=\"%d\" font-size=\"22\" fill=\"#d62728\">"
            "line %ld, op ",
            SVG_TOP + st->nlanes * SVG_LANE + 40 + nnotes++ * 34, r->line);
    trace__xml_str(f, r->op->id, 40);
    fputs(": ", f);
    trace__xml_str(f, r->note, 160);
    fputs("</text>\n", f);
  }
}

static int svg_finish(struct trace_ctx *c) {
  struct svg_state *st = *trace__render_state(c);
  FILE *f = trace__out(c);
  size_t i, nnotes = 0;
  int w, h;

  if (trace__fit_width(c))
    return trace__svg_finish_fit(c, trace__fit_width(c));
  for (i = 0; i < st->n; i++)
    nnotes += st->rows[i].note != NULL;
  w = svg_x(st->n) + 40;
  if (w < 900)
    w = 900;
  h = SVG_TOP + st->nlanes * SVG_LANE + 40 + (int)nnotes * 34 + 20;
  svg_head(c, f, w, h, nnotes);
  svg_lanes(c, f, st, w);
  if (!trace__by_thread(c))
    svg_bars(f, st);
  svg_edges(c, f, st);
  svg_dots(f, st);
  fputs("</svg>\n", f);
  trace__svg_discard(c);
  return 0;
}

const struct trace_renderer trace__svg = {svg_start, svg_event, svg_finish,
                                          trace__svg_discard};
