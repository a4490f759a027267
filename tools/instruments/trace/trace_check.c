/* trace_check.c -- the rules --check, --races and --expect-order hold a
 * log to: stage order within an op, parent before child, seq and Lamport
 * clocks, happens-before between accesses to a named resource, and the
 * order in which ops reach two expected events. */
#include "trace_ctx.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Each event's stage: begin < step, error < end. */
static const int ev_stage[] = {0, 1, 2, 1, 0};

/* ------------------------------------------------------------ reports */

static void note(struct trace_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(struct trace_ctx *c, const char *fmt, ...) {
  va_list ap;
  size_t room = sizeof c->notes - c->notes_len;
  int n;

  if (room < 8)
    return;
  if (c->notes_len) {
    memcpy(c->notes + c->notes_len, "; ", 3);
    c->notes_len += 2;
    room -= 2;
  }
  va_start(ap, fmt);
  n = vsnprintf(c->notes + c->notes_len, room, fmt, ap);
  va_end(ap);
  c->notes_len += n < 0 ? 0 : (size_t)n < room ? (size_t)n : room - 1;
}

/* Reports one violation: "FILE:LINE: op X: what". The same text, shorter,
 * goes into the notes the renderers show next to the current event. */
static void violation(struct trace_ctx *c, long line, const struct trace_op *op,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void violation(struct trace_ctx *c, long line, const struct trace_op *op,
                      const char *fmt, ...) {
  char msg[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  trace__sanitize(msg);
  c->violations++;
  if (c->check)
    fprintf(c->vout, "%s:%ld: op %.64s: %s\n", c->path, line, op->id, msg);
  note(c, "%s", msg);
}

/* ------------------------------------------------------------ races */

/* Does the event whose index is i in op a happen before the event whose
 * index is j in op b? Within an op, events are ordered by their index; the
 * only edge between ops is parent -> child: the child's begin comes after the
 * parent's event just before it (fork_idx). Ops form a tree, so walking up
 * from b is the same as comparing vector clocks, without storing them. */
static int happens_before(const struct trace_op *a, long i,
                          const struct trace_op *b, long j) {
  int depth = 0;

  while (b && depth++ < 100000) {
    if (b == a)
      return i <= j;
    j = b->fork_idx;
    if (j < 0)
      return 0;
    b = b->parent;
  }
  return 0;
}

/* Reports the earliest access to r, in file order, that this one (op's
 * event number idx, a read or not) races with: one report per event. */
static void report_race(struct trace_ctx *c, struct resource *r,
                        struct trace_op *op, long idx, long line, int read) {
  for (size_t k = 0; k < r->n; k++) {
    struct access *a = &r->acc[k];
    if (a->op == op || (a->read && read))
      continue;
    if (happens_before(a->op, a->idx, op, idx) ||
        happens_before(op, idx, a->op, a->idx))
      continue;
    c->race_count++;
    if (c->races) {
      char rn[128];
      snprintf(rn, sizeof rn, "%s", r->name);
      trace__sanitize(rn);
      fprintf(c->vout,
              "%s:%ld: race on %s: op %.64s (line %ld) and op %.64s (line "
              "%ld) are not ordered by happens-before\n",
              c->path, line, rn, a->op->id, a->line, op->id, line);
    }
    note(c, "race on %.60s with op %.40s (line %ld)", r->name, a->op->id,
         a->line);
    return;
  }
}

static void check_race(struct trace_ctx *c, const struct trace_event *e,
                       struct trace_op *op, long idx, long line) {
  struct resource *r = trace__res_get(c, e->res);
  int read = e->access && strcmp(e->access, "read") == 0;

  if (!r)
    return;
  report_race(c, r, op, idx, line, read);
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 8;
    struct access *na = realloc(r->acc, cap * sizeof *na);
    if (!na)
      return;
    r->acc = na;
    r->cap = cap;
  }
  r->acc[r->n++] = (struct access){op, idx, line, read};
}

/* ------------------------------------------------------------ expect */

int trace__expect_parse(const char *s, struct expect *x) {
  const char *colon = strchr(s, ':');
  size_t n = colon ? (size_t)(colon - s) : strlen(s);
  int ev = trace__ev_lookup(s, n);

  x->text = s;
  x->kind = NULL;
  if (ev < 0 || ev == TRACE_EV_TRAILER)
    return -1;
  x->ev = ev;
  if (colon && colon[1]) {
    x->kind = strdup(colon + 1);
    if (!x->kind)
      return -1;
  }
  return 0;
}

static int expect_match(const struct expect *x, const struct trace_event *e,
                        const struct trace_op *op) {
  if ((int)e->ev != x->ev)
    return 0;
  /* A log without kinds has one kind: every op takes part. */
  return !x->kind || !op->kind || strcmp(op->kind, x->kind) == 0;
}

static void queue_remove(struct trace_ctx *c, struct trace_op *op) {
  if (op->q_prev)
    op->q_prev->q_next = op->q_next;
  else
    c->q_head = op->q_next;
  if (op->q_next)
    op->q_next->q_prev = op->q_prev;
  else
    c->q_tail = op->q_prev;
  op->q_prev = op->q_next = NULL;
}

static void check_expect(struct trace_ctx *c, const struct trace_event *e,
                         struct trace_op *op, long line) {
  if (op->exp_state == 0 && expect_match(&c->exp[0], e, op)) {
    op->exp_state = 1;
    op->exp_line = line;
    /* One event reaches A and never also B: when it matches both (A A,
     * begin begin:req), B is the op's next event that matches, and an op
     * with no such event has not broken the order (see the --help). */
    op->exp_repeat = expect_match(&c->exp[1], e, op);
    op->q_prev = c->q_tail;
    if (c->q_tail)
      c->q_tail->q_next = op;
    else
      c->q_head = op;
    c->q_tail = op;
  } else if (op->exp_state == 1 && expect_match(&c->exp[1], e, op)) {
    if (c->q_head != op)
      violation(c, line, op,
                "reaches %s before op %.64s does, though that op reached %s "
                "first (line %ld, this op at line %ld)",
                c->exp[1].text, c->q_head->id, c->exp[0].text,
                c->q_head->exp_line, op->exp_line);
    op->exp_state = 2;
    queue_remove(c, op);
  } else if (op->exp_state == 0 && expect_match(&c->exp[1], e, op)) {
    /* Reached the second spec first: the stage-order check reports that;
     * keep the op out of the queue so it does not blame every later op. */
    op->exp_state = 3;
  }
}

/* ------------------------------------------------------------ per event */

/* Stages within one op, in the op's order (see arrive() in trace_run.c):
 * begin < step/error < end. */
static void check_stage(struct trace_ctx *c, const struct trace_event *e,
                        struct trace_op *op, long line) {
  const char *name = trace__ev_name[e->ev];

  if (e->ev == TRACE_EV_BEGIN) {
    if (op->begin_line)
      violation(c, line, op, "begun twice (first begin at line %ld)",
                op->begin_line);
    else if (op->max_stage > 0) {
      size_t keep = c->notes_len;
      violation(c, op->max_stage_line, op, "%s appears before begin (line %ld)",
                trace__ev_name[op->max_stage_ev], line);
      /* Next to this line, say it the other way round. */
      c->notes_len = keep;
      c->notes[keep] = '\0';
      note(c, "begin after its %s (line %ld)", trace__ev_name[op->max_stage_ev],
           op->max_stage_line);
    }
    if (!op->begin_line)
      op->begin_line = line;
  } else if (e->ev == TRACE_EV_END && op->end_line) {
    violation(c, line, op, "ended twice (first end at line %ld)", op->end_line);
  } else if (op->end_line) {
    violation(c, line, op, "%s after the op ended (end at line %ld)", name,
              op->end_line);
  } else if (!op->begin_line) {
    note(c, "%s before begin", name);
  }
  if (e->ev == TRACE_EV_END && !op->end_line)
    op->end_line = line;
  if (ev_stage[e->ev] > op->max_stage) {
    op->max_stage = ev_stage[e->ev];
    op->max_stage_line = line;
    op->max_stage_ev = e->ev;
  }
}

/* Parent edge: recorded once, at the op's first event naming a parent. */
static void check_parent(struct trace_ctx *c, const struct trace_event *e,
                         struct trace_op *op, long line) {
  struct trace_op *p;

  if (!e->parent || op->parent)
    return;
  p = trace__op_get(c, e->parent);
  if (p && p != op) {
    op->parent = p;
    op->fork_idx = p->nevents - 1;
    if (e->ev == TRACE_EV_BEGIN && !p->begin_line)
      violation(c, line, op, "begins before its parent %.64s has begun", p->id);
  }
}

/* seq goes up by one within an op; Lamport clocks grow along that order. */
static void check_clocks(struct trace_ctx *c, const struct trace_event *e,
                         const struct trace_op *op, long line) {
  if (e->has & TRACE_HAS_SEQ) {
    if (c->rev_line)
      violation(c, line, op, "seq %lld comes after seq %lld (line %ld)", e->seq,
                c->rev_seq, c->rev_line);
    else if (op->has_seq && e->seq <= op->last_seq)
      violation(c, line, op, "seq %lld comes after seq %lld (line %ld)", e->seq,
                op->last_seq, op->last_line);
    else if (op->has_seq && e->seq > op->max_seq + 1)
      violation(c, line, op, "seq gap: %lld follows %lld (line %ld)", e->seq,
                op->last_seq, op->last_line);
  } else {
    c->no_seq++;
  }
  /* Compare only with the event that precedes this one in the op's
   * sequence. */
  if (e->has & TRACE_HAS_LC) {
    int next_in_seq =
        !(e->has & TRACE_HAS_SEQ) || !op->has_seq || e->seq == op->last_seq + 1;
    if (op->has_lc && next_in_seq && e->lc <= op->last_lc)
      violation(c, line, op,
                "Lamport clock %lld does not exceed %lld of the previous event "
                "(line %ld)",
                e->lc, op->last_lc, op->last_line);
  } else {
    c->no_lc++;
  }
}

void trace__check_event(struct trace_ctx *c, const struct trace_event *e,
                        struct trace_op *op, long line) {
  if (!op->first_line)
    op->first_line = line;
  if (e->kind && !op->kind)
    op->kind = strdup(e->kind);
  check_stage(c, e, op, line);
  check_parent(c, e, op, line);
  check_clocks(c, e, op, line);
  if (!(e->has & TRACE_HAS_TS))
    c->no_ts++;
  if (!e->thread)
    c->no_thread++;
  if (c->have_expect)
    check_expect(c, e, op, line);
  if (e->res)
    check_race(c, e, op, op->nevents, line);

  if (e->has & TRACE_HAS_SEQ) {
    op->has_seq = 1;
    op->last_seq = e->seq;
    if (e->seq > op->max_seq)
      op->max_seq = e->seq;
  }
  if (e->has & TRACE_HAS_LC) {
    op->has_lc = 1;
    op->last_lc = e->lc;
  }
}

/* ------------------------------------------------------------ at the end */

static int has_events_no_begin(const struct trace_op *op) {
  return op->nevents && !op->begin_line;
}

static long first_line(const struct trace_op *op) {
  return op->first_line;
}

void trace__check_finish(struct trace_ctx *c) {
  size_t n, i;
  struct trace_op **v = trace__unended(c, &n);

  for (i = 0; v && i < n; i++)
    violation(c, v[i]->begin_line, v[i], "begun but never ended");
  free(v);
  v = trace__ops_where(c, &n, has_events_no_begin, first_line);
  for (i = 0; v && i < n; i++)
    violation(c, v[i]->first_line, v[i], "%s but the op never begins",
              v[i]->first_line == v[i]->end_line ? "ends" : "has events");
  free(v);
  if (c->have_expect && c->exp[1].ev != TRACE_EV_END)
    for (struct trace_op *op = c->q_head; op; op = op->q_next)
      if (!op->exp_repeat)
        violation(c, op->exp_line, op, "reaches %s but never %s",
                  c->exp[0].text, c->exp[1].text);
  c->notes_len = 0;
  c->notes[0] = '\0';
}
