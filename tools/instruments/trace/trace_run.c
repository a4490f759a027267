/* trace_run.c -- the streaming loop of the trace tool: reads the log line
 * by line, puts each op's events back in their seq order, and hands each
 * event to the checks and then to the renderer. */
#include "trace_ctx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Runs the checks and the renderer on one event, in its op's order. Takes
 * ownership of e. Returns 0, 2 or 3. */
static int process(struct trace_ctx *c, struct trace_event *e,
                   struct trace_op *op, int th, long line) {
  int rc = 0, rr;

  if ((e->has & TRACE_HAS_TS) && !c->has_first_ts) {
    c->has_first_ts = 1;
    c->first_ts = e->ts;
  }
  c->notes_len = 0;
  c->notes[0] = '\0';
  trace__check_event(c, e, op, line);
  c->rev_line = 0;
  c->events++;
  rr = c->r->event(c, e, op, line, c->notes);
  if (rr < 0)
    rc = rr == -2 ? 2 : 3;
  op->nevents++;
  op->last_line = line;
  op->last_thread = th;
  if (e->has & TRACE_HAS_TS) {
    op->has_ts = 1;
    op->last_ts = e->ts;
  }
  trace_event_free(e);
  return rc;
}

/* Processes the op's waiting events whose turn has come: all of them when
 * all is set (the end of the log), else only the next seq in line. */
static int drain(struct trace_ctx *c, struct trace_op *op, int all) {
  char err[256];
  int rc = 0;

  while (rc == 0 && op->pend &&
         (all || op->pend->seq == (op->has_seq ? op->last_seq + 1 : 0))) {
    struct trace_pend *p = op->pend;
    struct trace_event e;
    int th;
    op->pend = p->next;
    if (trace_parse_line(p->text, p->len, &e, err, sizeof err) < 0 ||
        (th = trace__event_thread(c, &e)) < 0) {
      free(p);
      return 3; /* it parsed when it arrived */
    }
    rc = process(c, &e, op, th, p->line);
    free(p);
  }
  return rc;
}

/* Keeps the event's line, to be processed once its turn comes; frees e.
 * Returns 0 or 3. */
static int defer(struct trace_op *op, struct trace_event *e, long line,
                 const char *text, size_t len) {
  struct trace_pend *p = malloc(sizeof *p + len), **pp;

  if (p) {
    p->seq = e->seq;
    p->line = line;
    p->len = len;
    memcpy(p->text, text, len);
    for (pp = &op->pend; *pp && (*pp)->seq <= p->seq; pp = &(*pp)->next)
      ;
    p->next = *pp;
    *pp = p;
  }
  trace_event_free(e);
  return p ? 0 : 3;
}

/* One parsed event in file order. An event whose seq is ahead of its op's
 * next one waits, so that the checks and the timeline see each op in its
 * own order: a log written from per-thread buffers holds each thread's
 * events in order, but not one thread's batch against another's. Within
 * one thread, file order is the logging order, so a seq that goes down
 * there is reported. */
static int arrive(struct trace_ctx *c, struct trace_event *e,
                  struct trace_op *op, int th, long line, const char *text,
                  size_t len) {
  int rc;

  if (e->has & TRACE_HAS_SEQ) {
    long long next = op->has_seq ? op->last_seq + 1 : 0;
    int rev = op->file_thread == th && e->seq < op->file_seq;
    if (rev) {
      c->rev_seq = op->file_seq;
      c->rev_line = op->file_line;
    }
    op->file_thread = th;
    op->file_seq = e->seq;
    op->file_line = line;
    if (!rev && e->seq > next)
      return defer(op, e, line, text, len);
  }
  rc = process(c, e, op, th, line);
  return rc ? rc : drain(c, op, 0);
}

/* At the end of the log: what still waits has a gap before it. */
static int drain_all(struct trace_ctx *c) {
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < c->ops.cap; i++) {
    struct trace_op *op = c->ops.slot[i];
    if (op && op->pend)
      rc = drain(c, op, 1);
  }
  return rc;
}

/* One line of the log, line number n. Returns 0 to read on, 2 (bad input)
 * or 3 (internal) to stop. */
static int take_line(struct trace_ctx *c, const char *line, size_t len,
                     long n) {
  struct trace_event e;
  struct trace_op *op;
  char err[256];
  int th;

  if ((c->jansson_only
           ? trace__parse_slow(line, len, &e, err, sizeof err)
           : trace_parse_line(line, len, &e, err, sizeof err)) < 0) {
    if (!c->lenient) {
      fprintf(stderr, "%s: %s:%ld: %s\n", c->prog, c->path, n, err);
      return 2;
    }
    c->skipped++;
    return 0;
  }
  if (e.ev == TRACE_EV_TRAILER) {
    c->had_trailer = 1;
    if (e.recorder && !c->recorder)
      c->recorder = strdup(e.recorder);
    c->dropped += e.dropped;
    trace_event_free(&e);
    return 0;
  }
  op = trace__op_get(c, e.op);
  th = trace__event_thread(c, &e);
  if (!op || th < 0) {
    trace_event_free(&e);
    fprintf(stderr, "%s: out of memory\n", c->prog);
    return 3;
  }
  return arrive(c, &e, op, th, n, line, len);
}

/* Reads and processes every line. Returns 0, 2 or 3. */
static int read_all(struct trace_ctx *c, struct trace_reader *rd) {
  const char *line;
  size_t len;
  int k, rc = 0;

  while (rc == 0 && (k = trace__reader_next(rd, &line, &len)) > 0) {
    if (k == 2) {
      /* Fatal even with --lenient: the reader cannot find where the line
       * ends without reading on without bound (see trace__reader_next). */
      fprintf(stderr, "%s: %s:%ld: line is longer than %d bytes\n", c->prog,
              c->path, rd->line, TRACE_MAX_LINE);
      return 2;
    }
    rc = take_line(c, line, len, rd->line);
  }
  if (rc == 0 && rd->error) {
    fprintf(stderr, "%s: %s: read error: %s\n", c->prog, c->path,
            strerror(rd->error));
    rc = 2;
  }
  return rc;
}

int trace__run(struct trace_ctx *c) {
  struct trace_reader rd;
  int rc, k;

  k = trace__reader_open(&rd, c->path);
  if (k < 0) {
    fprintf(stderr, "%s: %s: %s\n", c->prog, c->path, strerror(-k));
    return k == -ENOMEM ? 3 : 2;
  }
  if (c->r->start && c->r->start(c) < 0) {
    trace__reader_close(&rd);
    return 3;
  }
  rc = read_all(c, &rd);
  if (rc == 0)
    rc = drain_all(c);
  if (rc == 0 && c->events == 0) {
    fprintf(stderr, "%s: %s: no events in the log%s\n", c->prog, c->path,
            c->skipped ? " (every line was malformed)" : "");
    rc = 2;
  }
  trace__reader_close(&rd);
  if (rc) {
    if (c->r->discard)
      c->r->discard(c);
    return rc;
  }
  trace__check_finish(c);
  if (c->r->finish && c->r->finish(c) < 0)
    return 3;
  return 0;
}
