/* trace_chrome.c -- the Chrome trace view: the log as Trace Event JSON for
 * ui.perfetto.dev, each op an async track, each event a slice on its
 * thread, handoffs and parent -> child edges as flows. */
#include "trace_impl.h"

#include <stdlib.h>
#include <string.h>

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
  if (trace__state_new(c, sizeof(struct chrome_state)) < 0)
    return -1;
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
          op->num, th, us, trace__ev_name[e->ev], line);
  trace__json_str(f, e->msg ? e->msg : "");
  fputs("}}", f);
  /* ...and as a zero-length slice on its thread, which flows attach to. */
  chrome_sep(f, st);
  {
    char name[160];
    snprintf(name, sizeof name, "%s %.128s", trace__ev_name[e->ev], op->id);
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
  trace__state_free(c);
  return 0;
}

const struct trace_renderer trace__chrome = {chrome_start, chrome_event,
                                             chrome_finish, trace__state_free};
