/* trace_text.c -- the text view: a timeline written as the log is read,
 * one line per event, with a column per operation (or thread) in flight
 * and what the checks said next to the event they are about. */
#include "trace_impl.h"

#include <stdlib.h>
#include <string.h>

#define LANES 10

struct text_state {
  const struct trace_op *lane[LANES]; /* op mode: who holds each column */
  int header_done; /* the header waits for the first good line */
};

static const char *const lane_color[] = {"\033[36m", "\033[33m", "\033[35m",
                                         "\033[32m", "\033[34m", "\033[96m"};

static int text_start(struct trace_ctx *c) {
  return trace__state_new(c, sizeof(struct text_state));
}

static void text_header(struct trace_ctx *c, FILE *f) {
  /* The symbols are explained where they are used, not only in the
   * book (chapter 23). */
  fprintf(f,
          "key: B begin  . step  E end  X error  ! a check failed (<- "
          "why)  | %s\n",
          trace__by_thread(c) ? "a thread" : "op in flight");
  fprintf(f, "%5s %10s  %-*s  %-16s %-5s  %s\n", "line", "ms", LANES, "lanes",
          trace__by_thread(c) ? "thread    op" : "op", "ev",
          "message [thread]");
}

/* The column of the event: its thread's, or its op's (taken on the op's
 * first event: the first free one, else the overflow column LANES). */
static int text_lane(struct trace_ctx *c, struct text_state *st,
                     struct trace_op *op, int th) {
  if (trace__by_thread(c))
    return th < LANES ? th : LANES;
  if (op->lane < 0) {
    op->lane = LANES; /* overflow column when every lane is taken */
    for (int i = 0; i < LANES; i++)
      if (!st->lane[i]) {
        st->lane[i] = op;
        op->lane = i;
        break;
      }
  }
  return op->lane;
}

/* The columns: the event's letter ('!' when a check failed) in its lane,
 * '|' in the others that are in use. */
static void text_lanes(struct trace_ctx *c, const struct text_state *st,
                       FILE *f, int lane, char mark) {
  for (int i = 0; i <= LANES; i++) {
    if (i == lane) {
      if (trace__color(c))
        fprintf(f, "\033[1m%s%c\033[0m", lane_color[lane % 6], mark);
      else
        putc(mark, f);
    } else if (i < LANES) {
      putc(trace__by_thread(c) ? (i < trace__thread_count(c) ? '|' : ' ')
                               : (st->lane[i] ? '|' : ' '),
           f);
    }
  }
  if (lane < LANES)
    putc(' ', f);
  fputs(" ", f);
}

/* Who the event belongs to: its op's label, after its thread's name in
 * thread mode. */
static void text_who(struct trace_ctx *c, FILE *f, const struct trace_op *op,
                     int th, int lane) {
  char label[64], id[96];

  if (trace__color(c))
    fputs(lane_color[lane % 6], f);
  trace__op_label(op, label, sizeof label);
  if (trace__by_thread(c)) {
    snprintf(id, sizeof id, "%-9.9s ", trace__thread_name(c, th));
    trace__sanitize(id);
    fputs(id, f);
  }
  trace__put_padded(f, label, 16);
  if (trace__color(c))
    fputs("\033[0m", f);
}

static int text_event(struct trace_ctx *c, const struct trace_event *e,
                      struct trace_op *op, long line, const char *notes) {
  struct text_state *st = *trace__render_state(c);
  FILE *f = trace__out(c);
  int has, th = trace__event_thread(c, e), lane;
  long long t0 = trace__first_ts(c, &has);

  if (!st->header_done) {
    st->header_done = 1;
    text_header(c, f);
  }
  lane = text_lane(c, st, op, th);
  fprintf(f, "%5ld ", line);
  if (e->has & TRACE_HAS_TS)
    fprintf(f, "%+10.3f  ", (double)(e->ts - t0) / 1e6);
  else
    fprintf(f, "%10s  ", "-");
  text_lanes(c, st, f, lane, *notes ? '!' : trace__ev_letter[e->ev]);
  text_who(c, f, op, th, lane);
  fprintf(f, " %-5s  ", trace__ev_name[e->ev]);
  trace__put_plain(f, e->msg ? e->msg : "", 60);
  if (e->thread && !trace__by_thread(c)) {
    /* A handoff: the op's previous event ran on another thread. */
    fputs(op->nevents > 0 && op->last_thread != th ? " [-> " : " [", f);
    trace__put_plain(f, e->thread, 15);
    putc(']', f);
  }
  if (*notes) {
    fputs(trace__color(c) ? "  \033[1;31m<- " : "  <- ", f);
    trace__put_plain(f, notes, 400);
    if (trace__color(c))
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
    trace__put_plain(f, v[i]->id, 64);
    fprintf(f, " (begun at line %ld)\n", v[i]->begin_line);
  }
  if (trace__recorder(c))
    fprintf(f, "      (%s: %s)\n", TRACE_SCHED_CAPTION,
            strcmp(trace__recorder(c), "sched") == 0 ? "SCHED_LOG"
                                                     : trace__recorder(c));
  free(v);
  trace__state_free(c);
  return v ? 0 : -1;
}

const struct trace_renderer trace__text = {text_start, text_event, text_finish,
                                           trace__state_free};
