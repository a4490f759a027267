/* trace_render.c -- the three views of a correlation log: a streaming text
 * timeline, an SVG swimlane picture and Chrome trace JSON for Perfetto. */
#include "trace_impl.h"

#include <stdlib.h>
#include <string.h>

static const char ev_letter[] = {'B', '.', 'E', 'X', '?'};
static const char *const ev_word[] = {"begin", "step", "end", "error", "?"};

void trace__json_str(FILE *f, const char *s) {
  putc('"', f);
  for (const unsigned char *u = (const unsigned char *)s; u && *u; u++) {
    if (*u == '"' || *u == '\\')
      fprintf(f, "\\%c", *u);
    else if (*u < 0x20)
      fprintf(f, "\\u%04x", *u);
    else
      putc(*u, f);
  }
  putc('"', f);
}

/* XML text, cut at max bytes (never inside a UTF-8 sequence). */
void trace__xml_str(FILE *f, const char *s, size_t max) {
  size_t n = 0;

  for (const unsigned char *u = (const unsigned char *)s; u && *u; u++, n++) {
    if (n >= max && (*u & 0xc0) != 0x80) {
      fputs("...", f);
      return;
    }
    if (*u == '<')
      fputs("&lt;", f);
    else if (*u == '>')
      fputs("&gt;", f);
    else if (*u == '&')
      fputs("&amp;", f);
    else if (*u == '"')
      fputs("&quot;", f);
    else if (*u < 0x20)
      putc(' ', f);
    else
      putc(*u, f);
  }
}

/* Text without control bytes, cut to max bytes: keeps escape sequences in a
 * log from reaching the terminal. */
static void put_plain(FILE *f, const char *s, size_t max) {
  size_t n = 0;

  for (const unsigned char *u = (const unsigned char *)s; u && *u; u++) {
    if (n++ >= max) {
      fputs("...", f);
      return;
    }
    putc(*u < 0x20 || *u == 0x7f ? '?' : *u, f);
  }
}

/* A lane's label: the operation's kind and its number in the log (the
 * order ops first appear, as in the Chrome view), then the end of its id,
 * e.g. "req 3 \u00b7 \u202601" for op 0000000000000001, the third op seen.
 * Sixteen hex digits say nothing a reader can hold in mind, and differ
 * only at the end; an id that is not such a number (a hand-written log's
 * "req-7") is its own label. */
static void op_label(const struct trace_op *op, char *buf, size_t len) {
  const char *id = op->id;
  size_t n = strlen(id), lead = 0;
  char kind[8];

  if (n < 12 || strspn(id, "0123456789abcdefABCDEF") != n) {
    snprintf(buf, len, "%.16s%s", id, n > 16 ? "..." : "");
    trace__sanitize(buf);
    return;
  }
  /* Leading zeros dropped, at least two digits kept, at most four. */
  while (lead + 2 < n && id[lead] == '0')
    lead++;
  if (n - lead > 4)
    lead = n - 4;
  /* The kind comes from the log: no byte of it reaches a terminal raw. */
  snprintf(kind, sizeof kind, "%.6s", op->kind ? op->kind : "op");
  trace__sanitize(kind);
  snprintf(buf, len, "%s %lu \u00b7 \u2026%s", kind, op->num, id + lead);
}

/* Writes s padded with blanks to width columns (UTF-8: one column per
 * character, not per byte). */
static void put_padded(FILE *f, const char *s, int width) {
  int cols = 0;

  for (const unsigned char *u = (const unsigned char *)s; *u; u++)
    cols += (*u & 0xc0) != 0x80;
  fputs(s, f);
  for (; cols < width; cols++)
    putc(' ', f);
}

/* ------------------------------------------------------------ text */

#define LANES 10

struct text_state {
  const struct trace_op *lane[LANES]; /* op mode: who holds each column */
  int header_done; /* the header waits for the first good line */
};

static const char *const lane_color[] = {"\033[36m", "\033[33m", "\033[35m",
                                         "\033[32m", "\033[34m", "\033[96m"};

static int text_start(struct trace_ctx *c) {
  struct text_state *st = calloc(1, sizeof *st);

  if (!st)
    return -1;
  *trace__render_state(c) = st;
  return 0;
}

static int text_event(struct trace_ctx *c, const struct trace_event *e,
                      struct trace_op *op, long line, const char *notes) {
  struct text_state *st = *trace__render_state(c);
  FILE *f = trace__out(c);
  int color = trace__color(c), lane, i, has;
  long long t0 = trace__first_ts(c, &has);
  int th = trace__event_thread(c, e);

  if (!st->header_done) {
    st->header_done = 1;
    /* The symbols are explained where they are used, not only in the
     * book (chapter 23). */
    fprintf(f, "key: B begin  . step  E end  X error  ! a check failed (<- "
               "why)  | %s\n",
            trace__by_thread(c) ? "a thread" : "op in flight");
    fprintf(f, "%5s %10s  %-*s  %-16s %-5s  %s\n", "line", "ms", LANES, "lanes",
            trace__by_thread(c) ? "thread    op" : "op", "ev",
            "message [thread]");
  }
  if (trace__by_thread(c)) {
    lane = th < LANES ? th : LANES;
  } else {
    if (op->lane < 0) {
      op->lane = LANES; /* overflow column when every lane is taken */
      for (i = 0; i < LANES; i++)
        if (!st->lane[i]) {
          st->lane[i] = op;
          op->lane = i;
          break;
        }
    }
    lane = op->lane;
  }

  fprintf(f, "%5ld ", line);
  if (e->has & TRACE_HAS_TS)
    fprintf(f, "%+10.3f  ", (double)(e->ts - t0) / 1e6);
  else
    fprintf(f, "%10s  ", "-");
  for (i = 0; i <= LANES; i++) {
    if (i == lane) {
      if (color)
        fprintf(f, "\033[1m%s%c\033[0m", lane_color[lane % 6],
                *notes ? '!' : ev_letter[e->ev]);
      else
        putc(*notes ? '!' : ev_letter[e->ev], f);
    } else if (i < LANES) {
      putc(trace__by_thread(c) ? (i < trace__thread_count(c) ? '|' : ' ')
                               : (st->lane[i] ? '|' : ' '),
           f);
    }
  }
  if (lane < LANES)
    putc(' ', f);
  fputs(" ", f);
  if (color)
    fputs(lane_color[lane % 6], f);
  {
    char label[64], id[96];
    op_label(op, label, sizeof label);
    if (trace__by_thread(c)) {
      snprintf(id, sizeof id, "%-9.9s ", trace__thread_name(c, th));
      trace__sanitize(id);
      fputs(id, f);
      put_padded(f, label, 16);
    } else {
      put_padded(f, label, 16);
    }
  }
  if (color)
    fputs("\033[0m", f);
  fprintf(f, " %-5s  ", ev_word[e->ev]);
  put_plain(f, e->msg ? e->msg : "", 60);
  if (e->thread && !trace__by_thread(c)) {
    /* A handoff: the op's previous event ran on another thread. */
    fputs(op->nevents > 0 && op->last_thread != th ? " [-> " : " [", f);
    put_plain(f, e->thread, 15);
    putc(']', f);
  }
  if (*notes) {
    fputs(color ? "  \033[1;31m<- " : "  <- ", f);
    put_plain(f, notes, 400);
    if (color)
      fputs("\033[0m", f);
  }
  putc('\n', f);
  /* A lane is free again once its op has both begun and ended (in either
   * order: an end logged above its begin keeps the lane until the begin). */
  if (!trace__by_thread(c) && op->begin_line && op->end_line &&
      op->lane < LANES && op->lane >= 0 && st->lane[op->lane] == op)
    st->lane[op->lane] = NULL;
  return 0;
}

static int text_finish(struct trace_ctx *c) {
  size_t n, i;
  struct trace_op **v = trace__unended(c, &n);
  FILE *f = trace__out(c);

  for (i = 0; v && i < n; i++) {
    fputs("      never ended: op ", f);
    put_plain(f, v[i]->id, 64);
    fprintf(f, " (begun at line %ld)\n", v[i]->begin_line);
  }
  if (trace__recorder(c))
    fprintf(f, "      (%s: %s)\n", TRACE_SCHED_CAPTION,
            strcmp(trace__recorder(c), "sched") == 0 ? "SCHED_LOG"
                                                     : trace__recorder(c));
  free(v);
  free(*trace__render_state(c));
  *trace__render_state(c) = NULL;
  return v ? 0 : -1;
}

static void text_discard(struct trace_ctx *c) {
  free(*trace__render_state(c));
  *trace__render_state(c) = NULL;
}

const struct trace_renderer trace__text = {text_start, text_event, text_finish,
                                           text_discard};

/* ------------------------------------------------------------ chrome */

struct chrome_state {
  int nthreads_named;
  unsigned long flows;
  int any;
};

static double chrome_us(struct trace_ctx *c, int has_ts, long long ts,
                        long line) {
  int has;
  long long t0 = trace__first_ts(c, &has);

  /* Without timestamps, one line of the file stands for one microsecond:
   * the picture keeps the file order. */
  return has_ts ? (double)(ts - t0) / 1e3 : (double)line;
}

static void chrome_sep(FILE *f, struct chrome_state *st) {
  fputs(st->any ? ",\n" : "\n", f);
  st->any = 1;
}

static int chrome_start(struct trace_ctx *c) {
  struct chrome_state *st = calloc(1, sizeof *st);

  if (!st)
    return -1;
  *trace__render_state(c) = st;
  fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", trace__out(c));
  return 0;
}

static void chrome_flow(FILE *f, struct chrome_state *st, const char *name,
                        int tid0, double ts0, int tid1, double ts1) {
  st->flows++;
  chrome_sep(f, st);
  fprintf(f,
          "{\"ph\":\"s\",\"cat\":\"flow\",\"name\":\"%s\",\"id\":\"0x%lx\","
          "\"pid\":1,\"tid\":%d,\"ts\":%.3f}",
          name, st->flows, tid0, ts0);
  chrome_sep(f, st);
  fprintf(f,
          "{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"flow\",\"name\":\"%s\","
          "\"id\":\"0x%lx\",\"pid\":1,\"tid\":%d,\"ts\":%.3f}",
          name, st->flows, tid1, ts1);
}

static int chrome_event(struct trace_ctx *c, const struct trace_event *e,
                        struct trace_op *op, long line, const char *notes) {
  struct chrome_state *st = *trace__render_state(c);
  FILE *f = trace__out(c);
  int th = trace__event_thread(c, e);
  double us = chrome_us(c, e->has & TRACE_HAS_TS, e->ts, line);
  const char *cat = op->kind ? op->kind : "op";

  while (st->nthreads_named < trace__thread_count(c)) {
    chrome_sep(f, st);
    fprintf(f,
            "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":%d,"
            "\"args\":{\"name\":",
            st->nthreads_named);
    trace__json_str(f, trace__thread_name(c, st->nthreads_named));
    fputs("}}", f);
    st->nthreads_named++;
  }
  /* The op as an async track (b/n/e share cat, name and id)... */
  chrome_sep(f, st);
  fprintf(f, "{\"ph\":\"%s\",\"cat\":",
          e->ev == TRACE_EV_BEGIN ? "b"
          : e->ev == TRACE_EV_END ? "e"
                                  : "n");
  trace__json_str(f, cat);
  fputs(",\"name\":", f);
  trace__json_str(f, op->id);
  fprintf(f,
          ",\"id\":\"0x%lx\",\"pid\":1,\"tid\":%d,\"ts\":%.3f,"
          "\"args\":{\"ev\":\"%s\",\"line\":%ld,\"msg\":",
          op->num, th, us, ev_word[e->ev], line);
  trace__json_str(f, e->msg ? e->msg : "");
  fputs("}}", f);
  /* ...and as a zero-length slice on its thread, which flows attach to. */
  chrome_sep(f, st);
  {
    char name[160];
    snprintf(name, sizeof name, "%s %.128s", ev_word[e->ev], op->id);
    fputs("{\"ph\":\"X\",\"cat\":\"event\",\"name\":", f);
    trace__json_str(f, name);
  }
  fprintf(f,
          ",\"pid\":1,\"tid\":%d,\"ts\":%.3f,\"dur\":0,\"args\":{\"op\":", th,
          us);
  trace__json_str(f, op->id);
  fprintf(f, ",\"line\":%ld}}", line);
  if (*notes) {
    chrome_sep(f, st);
    fputs("{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"violation\",\"name\":", f);
    trace__json_str(f, notes);
    fprintf(f, ",\"pid\":1,\"tid\":%d,\"ts\":%.3f}", th, us);
  }
  /* Handoff: the op's previous event ran on another thread. */
  if (op->nevents > 0 && op->last_thread >= 0 && op->last_thread != th)
    chrome_flow(f, st, "handoff", op->last_thread,
                chrome_us(c, op->has_ts, op->last_ts, op->last_line), th, us);
  if (e->ev == TRACE_EV_BEGIN && op->parent && op->parent->nevents > 0)
    chrome_flow(f, st, "child", op->parent->last_thread,
                chrome_us(c, op->parent->has_ts, op->parent->last_ts,
                          op->parent->last_line),
                th, us);
  return 0;
}

static int chrome_finish(struct trace_ctx *c) {
  fputs("\n]}\n", trace__out(c));
  free(*trace__render_state(c));
  *trace__render_state(c) = NULL;
  return 0;
}

static void free_state(struct trace_ctx *c) {
  free(*trace__render_state(c));
  *trace__render_state(c) = NULL;
}

const struct trace_renderer trace__chrome = {chrome_start, chrome_event,
                                             chrome_finish, free_state};

/* ------------------------------------------------------------ svg */

/* The SVG is drawn after the whole log is read, so it keeps every event:
 * it is meant for the small logs a projector can show. */
#define SVG_MAX_EVENTS 2000

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

static char *dup_cut(const char *s, size_t max) {
  return s ? strndup(s, max) : NULL;
}

static int svg_start(struct trace_ctx *c) {
  struct svg_state *st = calloc(1, sizeof *st);

  if (!st)
    return -1;
  *trace__render_state(c) = st;
  return 0;
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
  r->msg = dup_cut(e->msg, 200);
  r->note = *notes ? strdup(notes) : NULL;
  op->aux = (long)st->n++;
  return 0;
}

#define SVG_LEFT 300
#define SVG_TOP 120
#define SVG_COL 110
#define SVG_LANE 90

static int svg_x(size_t i) {
  return SVG_LEFT + 60 + (int)i * SVG_COL;
}
static int svg_y(int lane) {
  return SVG_TOP + lane * SVG_LANE + SVG_LANE / 2;
}

static const char *const svg_fill[] = {"#1f77b4", "#2ca02c", "#9467bd",
                                       "#8c564b", "#17becf", "#bcbd22"};

static void svg_discard(struct trace_ctx *c) {
  struct svg_state *st = *trace__render_state(c);
  size_t i;

  for (i = 0; st && i < st->n; i++) {
    free(st->rows[i].msg);
    free(st->rows[i].note);
  }
  if (st)
    free(st->rows);
  free(st);
  *trace__render_state(c) = NULL;
}

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

static int svg_finish_fit(struct trace_ctx *c, int w) {
  struct svg_state *st = *trace__render_state(c);
  FILE *f = trace__out(c);
  size_t n = st->n, i, j, nnotes = 0;
  int *lane = calloc(n ? n : 1, sizeof *lane);
  long *last = calloc(n ? n : 1, sizeof *last);
  long lane_busy[FIT_LANES];
  int lane_ops[FIT_LANES] = {0}, nl = 0, overflow = 0, h;
  double colw = n ? (double)(w - FIT_LEFT - 12) / (double)n : 1;

  if (!lane || !last) {
    free(lane);
    free(last);
    return -1;
  }
  /* Each op's last row, found from its first; until[] is how long it
   * keeps its lane: to its end, or for good when it never ends (a thread
   * stuck in a deadlock still holds its place). */
  long *until = calloc(n ? n : 1, sizeof *until);
  if (!until) {
    free(lane);
    free(last);
    return -1;
  }
  for (i = 0; i < n; i++) {
    int ended = 0;
    last[i] = -1;
    if (st->rows[i].prev >= 0)
      continue;
    for (j = i; j < n; j++)
      if (st->rows[j].op == st->rows[i].op) {
        last[i] = (long)j;
        ended |= st->rows[j].ev == TRACE_EV_END;
      }
    until[i] = ended ? last[i] : (long)n;
  }
  for (i = 0; i < n; i++) {
    struct svg_row *r = &st->rows[i];
    int l;
    nnotes += r->note != NULL;
    if (trace__by_thread(c)) {
      l = r->thread < FIT_LANES - 1 ? r->thread : FIT_LANES - 1;
      overflow |= r->thread >= FIT_LANES - 1 &&
                  trace__thread_count(c) > FIT_LANES;
      if (l + 1 > nl)
        nl = l + 1;
      lane[i] = l;
      lane_ops[l]++;
      continue;
    }
    if (r->prev >= 0) {
      lane[i] = lane[r->prev];
      continue;
    }
    /* The first lane whose op is done; the shared last lane once full. */
    for (l = 0; l < nl; l++)
      if (lane_busy[l] < (long)i && !(overflow && l == FIT_LANES - 1))
        break;
    if (l == nl) {
      if (nl < FIT_LANES) {
        lane_busy[nl++] = -1;
      } else {
        l = FIT_LANES - 1;
        overflow = 1;
      }
    }
    if (lane_busy[l] < until[i])
      lane_busy[l] = until[i];
    lane[i] = l;
    lane_ops[l]++;
  }
  h = FIT_TOP + nl * FIT_LANE + 12 + (int)nnotes * 18 + 8;
  fprintf(f,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
          "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
          "font-size=\"%d\" data-lanes=\"%d\" data-events=\"%zu\">\n",
          w, h, w, h, FIT_FONT, nl, n);
  fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", w, h);
  fputs("<text class=\"title\" x=\"8\" y=\"18\" font-size=\"14\" "
        "font-weight=\"bold\">", f);
  trace__xml_str(f, trace__path(c), 90);
  fprintf(f,
          "</text>\n<text class=\"label\" x=\"8\" y=\"36\" "
          "fill=\"#555\">file order left to right; a lane per %s in flight "
          "(reused once it is done); dots: begin, step, end%s</text>\n",
          trace__by_thread(c) ? "thread" : "operation",
          nnotes ? "; red: a check failed" : "");
  if (trace__recorder(c))
    fprintf(f, "<text class=\"label caption\" x=\"8\" y=\"53\" "
               "font-style=\"italic\" fill=\"#a00\">%s</text>\n",
            TRACE_SCHED_CAPTION);
  for (int l = 0; l < nl; l++) {
    char lab[64] = "";
    int y = FIT_TOP + l * FIT_LANE;
    fprintf(f,
            "<rect class=\"lane\" x=\"0\" y=\"%d\" width=\"%d\" "
            "height=\"%d\" fill=\"%s\"/>\n",
            y, w, FIT_LANE, l % 2 ? "#ffffff" : "#f2f2f2");
    if (overflow && l == FIT_LANES - 1)
      snprintf(lab, sizeof lab, "%d more", lane_ops[l]);
    else if (trace__by_thread(c))
      snprintf(lab, sizeof lab, "%s", trace__thread_name(c, l));
    else if (lane_ops[l] > 1)
      snprintf(lab, sizeof lab, "%d ops in turn", lane_ops[l]);
    else
      for (i = 0; i < n; i++)
        if (lane[i] == l) {
          op_label(st->rows[i].op, lab, sizeof lab);
          break;
        }
    fprintf(f, "<text class=\"label\" x=\"8\" y=\"%d\">", y + 21);
    fit_text(f, lab, FIT_LEFT - 12);
    fputs("</text>\n", f);
  }
  /* Bars, each with its op's label and messages on it. */
  for (i = 0; i < n && !trace__by_thread(c); i++) {
    struct svg_row *r = &st->rows[i];
    char text[512], opl[64];
    const char *first = NULL, *endm = NULL;
    double x0 = FIT_LEFT + colw * (double)i + 1;
    double x1 = FIT_LEFT + colw * ((double)last[i] + 1) - 1, room;
    int ended = 0, y = FIT_TOP + lane[i] * FIT_LANE;
    if (r->prev >= 0)
      continue;
    for (j = i; j <= (size_t)last[i]; j++)
      if (st->rows[j].op == r->op) {
        if (!first && st->rows[j].msg && *st->rows[j].msg)
          first = st->rows[j].msg;
        if (st->rows[j].ev == TRACE_EV_END) {
          ended = 1;
          endm = st->rows[j].msg;
        }
      }
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"28\" "
            "rx=\"4\" fill=\"%s\" fill-opacity=\"0.22\" stroke=\"%s\"%s/>"
            "\n",
            x0, y + 3, x1 - x0 > 3 ? x1 - x0 : 3, svg_fill[(int)i % 6],
            svg_fill[(int)i % 6], ended ? "" : " stroke-dasharray=\"5 3\"");
    /* The room on the bar and after it, up to the next bar of the lane. */
    room = (double)(w - 6) - x0;
    for (j = (size_t)last[i] + 1; j < n; j++)
      if (lane[j] == lane[i] && st->rows[j].prev < 0) {
        room = FIT_LEFT + colw * (double)j - x0 - 4;
        break;
      }
    /* The shared lane has no room for words: its dots keep them. */
    if (overflow && lane[i] == FIT_LANES - 1)
      continue;
    /* Each event's message where it happened, up to the op's next
     * event (the first one after the op's label). */
    op_label(r->op, opl, sizeof opl);
    (void)endm;
    for (j = i; j <= (size_t)last[i]; j++) {
      size_t k;
      double xs, xe;
      if (st->rows[j].op != r->op)
        continue;
      for (k = j + 1; k <= (size_t)last[i]; k++)
        if (st->rows[k].op == r->op)
          break;
      xs = j == i ? x0 + 3 : FIT_LEFT + colw * (double)j + 2;
      xe = k <= (size_t)last[i] ? FIT_LEFT + colw * (double)k : x0 + room;
      /* The op's name goes first on its bar, unless its lane's label
       * already gives it (the lane holds this op alone). */
      if (j == i && lane_ops[lane[i]] > 1)
        snprintf(text, sizeof text, "%s: %s", opl,
                 st->rows[j].msg ? st->rows[j].msg : "");
      else
        snprintf(text, sizeof text, "%s",
                 st->rows[j].msg ? st->rows[j].msg : "");
      if (!*text || (xe - xs - 4) / FIT_CHAR < 4)
        continue;
      fprintf(f, "<text class=\"msg\" x=\"%.1f\" y=\"%d\">", xs, y + 16);
      fit_text(f, text, xe - xs - 4);
      fputs("</text>\n", f);
    }
  }
  /* Events: a dot each, the message as its tooltip. */
  for (i = 0; i < n; i++) {
    struct svg_row *r = &st->rows[i];
    double x = FIT_LEFT + colw * ((double)i + 0.5);
    int y = FIT_TOP + lane[i] * FIT_LANE + 17;
    const char *fill = r->note ? "#d62728"
                       : r->ev == TRACE_EV_END ? "#222"
                       : r->ev == TRACE_EV_ERROR ? "#d62728"
                       : r->ev == TRACE_EV_BEGIN ? "#fff"
                                                 : "#777";
    fprintf(f, "<g><title>line %ld: %s ", r->line, ev_word[r->ev]);
    trace__xml_str(f, r->op->id, 64);
    fputs(": ", f);
    trace__xml_str(f, r->msg ? r->msg : "", 200);
    fprintf(f,
            "</title><circle cx=\"%.1f\" cy=\"%d\" r=\"%.1f\" fill=\"%s\" "
            "stroke=\"#222\" stroke-width=\"1\"/></g>\n",
            x, y + (trace__by_thread(c) ? 0 : 8),
            colw > 10 ? 3.5 : colw / 2.5 + 0.5, fill);
  }
  nnotes = 0;
  for (i = 0; i < n; i++) {
    struct svg_row *r = &st->rows[i];
    char opl[64], text[600];
    if (!r->note)
      continue;
    op_label(r->op, opl, sizeof opl);
    snprintf(text, sizeof text, "line %ld, %s: %s", r->line, opl, r->note);
    fprintf(f, "<text class=\"msg\" x=\"8\" y=\"%d\" fill=\"#d62728\">",
            FIT_TOP + nl * FIT_LANE + 24 + (int)nnotes++ * 18);
    fit_text(f, text, w - 16);
    fputs("</text>\n", f);
  }
  fputs("</svg>\n", f);
  free(lane);
  free(last);
  free(until);
  svg_discard(c);
  return 0;
}

static int svg_finish(struct trace_ctx *c) {
  struct svg_state *st = *trace__render_state(c);
  FILE *f = trace__out(c);
  size_t i, nnotes = 0;
  int w, h, lane;

  if (trace__fit_width(c))
    return svg_finish_fit(c, trace__fit_width(c));

  for (i = 0; i < st->n; i++)
    nnotes += st->rows[i].note != NULL;
  w = svg_x(st->n) + 40;
  if (w < 900)
    w = 900;
  h = SVG_TOP + st->nlanes * SVG_LANE + 40 + (int)nnotes * 34 + 20;
  fprintf(f,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
          "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
          w, h, w, h);
  fputs("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" "
        "refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">"
        "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker></defs>\n",
        f);
  fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", w, h);
  fputs("<text x=\"20\" y=\"44\" font-size=\"30\" font-weight=\"bold\">", f);
  trace__xml_str(f, trace__path(c), 80);
  fprintf(f,
          "</text>\n<text x=\"20\" y=\"84\" font-size=\"20\" "
          "fill=\"#555\">file order left to right; one lane per %s; "
          "arrows: handoffs%s</text>\n",
          trace__by_thread(c) ? "thread" : "operation",
          nnotes ? "; red: violations" : "");
  if (trace__recorder(c))
    fprintf(f, "<text class=\"caption\" x=\"20\" y=\"110\" font-size=\"20\" "
               "font-style=\"italic\" fill=\"#a00\">%s</text>\n",
            TRACE_SCHED_CAPTION);

  /* Lanes and their labels. */
  for (lane = 0; lane < st->nlanes; lane++) {
    const char *label = NULL;
    char opl[64];
    for (i = 0; i < st->n && !label; i++)
      if (st->rows[i].lane == lane)
        label = trace__by_thread(c) ? trace__thread_name(c, lane)
                                    : (op_label(st->rows[i].op, opl,
                                                sizeof opl),
                                       opl);
    fprintf(f,
            "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" "
            "fill=\"%s\"/>\n",
            SVG_TOP + lane * SVG_LANE, w, SVG_LANE,
            lane % 2 ? "#ffffff" : "#f2f2f2");
    fprintf(f, "<text x=\"20\" y=\"%d\" font-size=\"24\">", svg_y(lane) + 8);
    trace__xml_str(f, label ? label : "", 24);
    fputs("</text>\n", f);
  }
  /* Op mode: a bar from begin to end (to the last event when it never
   * ends, dashed). */
  if (!trace__by_thread(c))
    for (i = 0; i < st->n; i++) {
      struct svg_row *r = &st->rows[i];
      size_t j, first = i, last = i;
      int ended = 0;
      if (r->prev >= 0)
        continue; /* not the op's first event */
      for (j = i; j < st->n; j++)
        if (st->rows[j].op == r->op) {
          last = j;
          ended |= st->rows[j].ev == TRACE_EV_END;
        }
      fprintf(f,
              "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"28\" rx=\"14\" "
              "fill=\"%s\" fill-opacity=\"0.25\" stroke=\"%s\"%s/>\n",
              svg_x(first) - 20, svg_y(r->lane) - 14,
              svg_x(last) - svg_x(first) + 40, svg_fill[r->lane % 6],
              svg_fill[r->lane % 6], ended ? "" : " stroke-dasharray=\"8 6\"");
    }
  /* Handoffs (same op, another thread) and parent -> child edges. */
  for (i = 0; i < st->n; i++) {
    struct svg_row *r = &st->rows[i];
    if (r->prev >= 0 && st->rows[r->prev].thread != r->thread) {
      struct svg_row *p = &st->rows[r->prev];
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
    if (r->parent_prev >= 0) {
      struct svg_row *p = &st->rows[r->parent_prev];
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
  /* Events: a dot with the stage letter, the line number above. */
  nnotes = 0;
  for (i = 0; i < st->n; i++) {
    struct svg_row *r = &st->rows[i];
    int x = svg_x(i), y = svg_y(r->lane);
    fprintf(f, "<g><title>line %ld: %s ", r->line, ev_word[r->ev]);
    trace__xml_str(f, r->op->id, 64);
    fputs(": ", f);
    trace__xml_str(f, r->msg ? r->msg : "", 200);
    fputs("</title>", f);
    fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"16\" fill=\"%s\"%s/>", x, y,
            r->note ? "#d62728" : svg_fill[r->lane % 6],
            r->note ? " stroke=\"#7f0000\" stroke-width=\"4\"" : "");
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" font-size=\"18\" fill=\"white\" "
            "text-anchor=\"middle\" font-weight=\"bold\">%c</text>",
            x, y + 6, r->ev == TRACE_EV_STEP ? 'S' : ev_letter[r->ev]);
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" font-size=\"16\" fill=\"#555\" "
            "text-anchor=\"middle\">L%ld%s</text></g>\n",
            x, y + 38, r->line, r->note ? " !" : "");
  }
  /* Violations spelled out under the lanes. */
  for (i = 0; i < st->n; i++) {
    struct svg_row *r = &st->rows[i];
    if (!r->note)
      continue;
    fprintf(f,
            "<text x=\"20\" y=\"%d\" font-size=\"22\" fill=\"#d62728\">"
            "line %ld, op ",
            SVG_TOP + st->nlanes * SVG_LANE + 40 + (int)nnotes++ * 34, r->line);
    trace__xml_str(f, r->op->id, 40);
    fputs(": ", f);
    trace__xml_str(f, r->note, 160);
    fputs("</text>\n", f);
  }
  fputs("</svg>\n", f);
  svg_discard(c);
  return 0;
}

const struct trace_renderer trace__svg = {svg_start, svg_event, svg_finish,
                                          svg_discard};
