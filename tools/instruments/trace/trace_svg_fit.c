/* trace_svg_fit.c -- the SVG view laid out for a page (--width): lanes
 * reused once their operation is done, each bar carrying its operation's
 * messages, everything at the size it is read at. */
#include "trace_svg.h"

#include <stdlib.h>
#include <string.h>

/* --width W: the picture a page can show at 100%. Everything is drawn at
 * its final size -- 12 px text, 30 px lanes -- and the events share the
 * width left of the labels, so the figure is never scaled down to fit.
 * An operation's lane is free again after its last event, so the lanes
 * are the most operations in flight at once, at most FIT_LANES; beyond
 * that the rest share the last lane ("N more"). Each bar carries its
 * operation's label and messages in the room up to the next bar of its
 * lane; the dots keep every message as a tooltip too. The classes (label,
 * msg, lane) and data-lanes are what tests/check-book.sh measures. */
#define FIT_LANES 20
#define FIT_LEFT 150
#define FIT_TOP 66
#define FIT_LANE 34
#define FIT_FONT 12
#define FIT_CHAR 7.0 /* a 12 px sans-serif character, a little generous */

static void fit_text(FILE *f, const char *s, double px) {
  size_t max = px > 0 ? (size_t)(px / FIT_CHAR) : 0;
  size_t n = strlen(s);
  if (max < 4)
    return;
  if (n <= max) {
    trace__xml_str(f, s, n);
    return;
  }
  /* Cut on a character boundary, with an ellipsis in the last place. */
  trace__xml_str(f, s, max - 1);
}

/* Where everything goes, decided before anything is drawn. */
struct fit {
  size_t n;                /* rows */
  int *lane;               /* by row */
  long *last;              /* by an op's first row: the row of its last event */
  long *until;             /* ...and how long it keeps its lane (n: for good) */
  int lane_ops[FIT_LANES]; /* ops drawn in each lane */
  int nl, overflow;        /* lanes used; the last one is shared */
  size_t nnotes;           /* rows with a violation */
  double colw;             /* width of one event's column */
};

static void fit_free(struct fit *L) {
  free(L->lane);
  free(L->last);
  free(L->until);
}

/* Each op's last row, found from its first; until[] is how long it keeps
 * its lane: to its end, or for good when it never ends (a thread stuck in
 * a deadlock still holds its place). */
static void fit_spans(const struct svg_state *st, struct fit *L) {
  for (size_t i = 0; i < L->n; i++) {
    int ended;
    L->last[i] = -1;
    if (st->rows[i].prev >= 0)
      continue;
    L->last[i] = (long)trace__svg_op_last(st, i, &ended);
    L->until[i] = ended ? L->last[i] : (long)L->n;
  }
}

/* The lane of row i in op mode: its op's, or for an op's first row the
 * first lane whose op is done, a new one, or the shared last lane once
 * FIT_LANES are in use. */
static int fit_op_lane(const struct svg_state *st, struct fit *L,
                       long *lane_busy, size_t i) {
  int l;

  if (st->rows[i].prev >= 0)
    return L->lane[st->rows[i].prev];
  for (l = 0; l < L->nl; l++)
    if (lane_busy[l] < (long)i && !(L->overflow && l == FIT_LANES - 1))
      break;
  if (l == L->nl) {
    if (L->nl < FIT_LANES) {
      lane_busy[L->nl++] = -1;
    } else {
      l = FIT_LANES - 1;
      L->overflow = 1;
    }
  }
  if (lane_busy[l] < L->until[i])
    lane_busy[l] = L->until[i];
  L->lane_ops[l]++;
  return l;
}

/* Decides every row's lane. Returns 0, or -1 when out of memory. */
static int fit_layout(struct trace_ctx *c, const struct svg_state *st,
                      struct fit *L, int w) {
  size_t n = st->n;
  long lane_busy[FIT_LANES];

  memset(L, 0, sizeof *L);
  L->n = n;
  L->colw = n ? (double)(w - FIT_LEFT - 12) / (double)n : 1;
  L->lane = calloc(n ? n : 1, sizeof *L->lane);
  L->last = calloc(n ? n : 1, sizeof *L->last);
  L->until = calloc(n ? n : 1, sizeof *L->until);
  if (!L->lane || !L->last || !L->until) {
    fit_free(L);
    return -1;
  }
  fit_spans(st, L);
  for (size_t i = 0; i < n; i++) {
    const struct svg_row *r = &st->rows[i];
    L->nnotes += r->note != NULL;
    if (!trace__by_thread(c)) {
      L->lane[i] = fit_op_lane(st, L, lane_busy, i);
      continue;
    }
    L->lane[i] = r->thread < FIT_LANES - 1 ? r->thread : FIT_LANES - 1;
    L->overflow |=
        r->thread >= FIT_LANES - 1 && trace__thread_count(c) > FIT_LANES;
    if (L->lane[i] + 1 > L->nl)
      L->nl = L->lane[i] + 1;
    L->lane_ops[L->lane[i]]++;
  }
  return 0;
}

static void fit_head(struct trace_ctx *c, FILE *f, const struct fit *L, int w,
                     int h) {
  static const struct svg_heading heading = {
      "class=\"title\" x=\"8\" y=\"18\" font-size=\"14\"",
      "class=\"label\" x=\"8\" y=\"36\"",
      "class=\"label caption\" x=\"8\" y=\"53\"", 90};
  char attrs[128], desc[160];

  snprintf(attrs, sizeof attrs,
           " font-size=\"%d\" data-lanes=\"%d\" data-events=\"%zu\"", FIT_FONT,
           L->nl, L->n);
  trace__svg_open(c, f, w, h, attrs, "");
  snprintf(desc, sizeof desc,
           "file order left to right; a lane per %s in flight (reused once "
           "it is done); dots: begin, step, end%s",
           trace__by_thread(c) ? "thread" : "operation",
           L->nnotes ? "; red: a check failed" : "");
  trace__svg_heading(c, f, &heading, desc);
}

/* Lanes and their labels: the thread, "N more" for the shared lane, "N ops
 * in turn", or the label of the lane's one op. */
static void fit_lanes(struct trace_ctx *c, FILE *f, const struct svg_state *st,
                      const struct fit *L, int w) {
  for (int l = 0; l < L->nl; l++) {
    char lab[64] = "";
    int y = FIT_TOP + l * FIT_LANE;
    fprintf(f,
            "<rect class=\"lane\" x=\"0\" y=\"%d\" width=\"%d\" "
            "height=\"%d\" fill=\"%s\"/>\n",
            y, w, FIT_LANE, l % 2 ? "#ffffff" : "#f2f2f2");
    if (L->overflow && l == FIT_LANES - 1)
      snprintf(lab, sizeof lab, "%d more", L->lane_ops[l]);
    else if (trace__by_thread(c))
      snprintf(lab, sizeof lab, "%s", trace__thread_name(c, l));
    else if (L->lane_ops[l] > 1)
      snprintf(lab, sizeof lab, "%d ops in turn", L->lane_ops[l]);
    else
      for (size_t i = 0; i < L->n; i++)
        if (L->lane[i] == l) {
          trace__op_label(st->rows[i].op, lab, sizeof lab);
          break;
        }
    fprintf(f, "<text class=\"label\" x=\"8\" y=\"%d\">", y + 21);
    fit_text(f, lab, FIT_LEFT - 12);
    fputs("</text>\n", f);
  }
}

/* Each event's message of the op whose first row is i, where it happened,
 * up to the op's next event; the op's label first when its lane's label
 * does not give it. The bar starts at x0 with room px up to the next bar
 * of its lane. */
static void fit_bar_msgs(FILE *f, const struct svg_state *st,
                         const struct fit *L, size_t i, double x0,
                         double room) {
  const struct svg_row *r = &st->rows[i];
  size_t last = (size_t)L->last[i];
  int y = FIT_TOP + L->lane[i] * FIT_LANE;
  char text[512], opl[64];

  trace__op_label(r->op, opl, sizeof opl);
  for (size_t j = i; j <= last; j++) {
    size_t k;
    double xs, xe;
    const char *msg = st->rows[j].msg ? st->rows[j].msg : "";
    if (st->rows[j].op != r->op)
      continue;
    for (k = j + 1; k <= last; k++)
      if (st->rows[k].op == r->op)
        break;
    xs = j == i ? x0 + 3 : FIT_LEFT + L->colw * (double)j + 2;
    xe = k <= last ? FIT_LEFT + L->colw * (double)k : x0 + room;
    if (j == i && L->lane_ops[L->lane[i]] > 1)
      snprintf(text, sizeof text, "%s: %s", opl, msg);
    else
      snprintf(text, sizeof text, "%s", msg);
    if (!*text || (xe - xs - 4) / FIT_CHAR < 4)
      continue;
    fprintf(f, "<text class=\"msg\" x=\"%.1f\" y=\"%d\">", xs, y + 16);
    fit_text(f, text, xe - xs - 4);
    fputs("</text>\n", f);
  }
}

/* Op mode: a bar per op, from its first event to its last (dashed when it
 * never ends), with its messages on it. */
static void fit_bars(FILE *f, const struct svg_state *st, const struct fit *L,
                     int w) {
  for (size_t i = 0; i < L->n; i++) {
    double x0 = FIT_LEFT + L->colw * (double)i + 1;
    double x1 = FIT_LEFT + L->colw * ((double)L->last[i] + 1) - 1, room;
    int ended, y = FIT_TOP + L->lane[i] * FIT_LANE;
    if (st->rows[i].prev >= 0)
      continue;
    trace__svg_op_last(st, i, &ended);
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"28\" "
            "rx=\"4\" fill=\"%s\" fill-opacity=\"0.22\" stroke=\"%s\"%s/>"
            "\n",
            x0, y + 3, x1 - x0 > 3 ? x1 - x0 : 3, trace__svg_fill[(int)i % 6],
            trace__svg_fill[(int)i % 6],
            ended ? "" : " stroke-dasharray=\"5 3\"");
    /* The room on the bar and after it, up to the next bar of the lane. */
    room = (double)(w - 6) - x0;
    for (size_t j = (size_t)L->last[i] + 1; j < L->n; j++)
      if (L->lane[j] == L->lane[i] && st->rows[j].prev < 0) {
        room = FIT_LEFT + L->colw * (double)j - x0 - 4;
        break;
      }
    /* The shared lane has no room for words: its dots keep them. */
    if (!(L->overflow && L->lane[i] == FIT_LANES - 1))
      fit_bar_msgs(f, st, L, i, x0, room);
  }
}

/* Events: a dot each, the message as its tooltip; then the violations
 * under the lanes. */
static void fit_dots(struct trace_ctx *c, FILE *f, const struct svg_state *st,
                     const struct fit *L, int w) {
  int nnotes = 0;

  for (size_t i = 0; i < L->n; i++) {
    const struct svg_row *r = &st->rows[i];
    double x = FIT_LEFT + L->colw * ((double)i + 0.5);
    int y = FIT_TOP + L->lane[i] * FIT_LANE + 17;
    const char *fill = r->note                   ? "#d62728"
                       : r->ev == TRACE_EV_END   ? "#222"
                       : r->ev == TRACE_EV_ERROR ? "#d62728"
                       : r->ev == TRACE_EV_BEGIN ? "#fff"
                                                 : "#777";
    trace__svg_title(f, r);
    fprintf(f,
            "</title><circle cx=\"%.1f\" cy=\"%d\" r=\"%.1f\" fill=\"%s\" "
            "stroke=\"#222\" stroke-width=\"1\"/></g>\n",
            x, y + (trace__by_thread(c) ? 0 : 8),
            L->colw > 10 ? 3.5 : L->colw / 2.5 + 0.5, fill);
  }
  for (size_t i = 0; i < L->n; i++) {
    const struct svg_row *r = &st->rows[i];
    char opl[64], text[600];
    if (!r->note)
      continue;
    trace__op_label(r->op, opl, sizeof opl);
    snprintf(text, sizeof text, "line %ld, %s: %s", r->line, opl, r->note);
    fprintf(f, "<text class=\"msg\" x=\"8\" y=\"%d\" fill=\"#d62728\">",
            FIT_TOP + L->nl * FIT_LANE + 24 + nnotes++ * 18);
    fit_text(f, text, w - 16);
    fputs("</text>\n", f);
  }
}

int trace__svg_finish_fit(struct trace_ctx *c, int w) {
  struct svg_state *st = *trace__render_state(c);
  FILE *f = trace__out(c);
  struct fit L;

  if (fit_layout(c, st, &L, w) < 0)
    return -1;
  fit_head(c, f, &L, w,
           FIT_TOP + L.nl * FIT_LANE + 12 + (int)L.nnotes * 18 + 8);
  fit_lanes(c, f, st, &L, w);
  if (!trace__by_thread(c))
    fit_bars(f, st, &L, w);
  fit_dots(c, f, st, &L, w);
  fputs("</svg>\n", f);
  fit_free(&L);
  trace__svg_discard(c);
  return 0;
}
