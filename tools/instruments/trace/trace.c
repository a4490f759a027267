/* trace.c -- the trace tool's driver: command line, the streaming loop over
 * the log, per-operation state, the ordering checks and the race report. */
#include "trace_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const ev_names[] = {"begin", "step", "end", "error",
                                       "trailer"};
static const int ev_stage[] = {0, 1, 2, 1, 0};

/* ------------------------------------------------------------ tables */

/* Open-addressing string-keyed hash table; values carry their own key. */
struct table {
  void **slot;
  size_t cap, n;
  const char *(*key)(const void *);
};

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static void **table_find(struct table *t, const char *k) {
  size_t i;

  if (t->cap == 0)
    return NULL;
  for (i = hash_str(k) & (t->cap - 1);; i = (i + 1) & (t->cap - 1))
    if (!t->slot[i] || strcmp(t->key(t->slot[i]), k) == 0)
      return &t->slot[i];
}

static int table_grow(struct table *t) {
  size_t old = t->cap, i;
  void **os = t->slot;

  t->cap = old ? old * 2 : 256;
  t->slot = calloc(t->cap, sizeof *t->slot);
  if (!t->slot)
    return -1;
  for (i = 0; i < old; i++)
    if (os[i])
      *table_find(t, t->key(os[i])) = os[i];
  free(os);
  return 0;
}

static const char *op_key(const void *v) {
  return ((const struct trace_op *)v)->id;
}

struct resource {
  char *name;
  struct access {
    struct trace_op *op;
    long idx, line;
    int read;
  } * acc;
  size_t n, cap;
};

static const char *res_key(const void *v) {
  return ((const struct resource *)v)->name;
}

/* ------------------------------------------------------------ context */

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
  int fit_width; /* --width: the SVG drawn to fit this many pixels, or 0 */
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

FILE *trace__out(struct trace_ctx *c) {
  return c->out;
}
int trace__color(struct trace_ctx *c) {
  return c->color;
}
int trace__by_thread(struct trace_ctx *c) {
  return c->by_thread;
}
int trace__fit_width(struct trace_ctx *c) {
  return c->fit_width;
}
const char *trace__recorder(struct trace_ctx *c) {
  return c->recorder;
}
const char *trace__path(struct trace_ctx *c) {
  return c->path;
}
int trace__thread_count(struct trace_ctx *c) {
  return c->nthreads;
}
void **trace__render_state(struct trace_ctx *c) {
  return &c->render_state;
}

const char *trace__thread_name(struct trace_ctx *c, int idx) {
  return idx >= 0 && idx < c->nthreads ? c->threads[idx] : "?";
}

long long trace__first_ts(struct trace_ctx *c, int *has) {
  *has = c->has_first_ts;
  return c->first_ts;
}

int trace__event_thread(struct trace_ctx *c, const struct trace_event *e) {
  const char *name = e->thread ? e->thread : "?";
  int i;

  /* Logs name a handful of threads: a linear scan is the fast path. */
  for (i = c->nthreads - 1; i >= 0; i--)
    if (strcmp(c->threads[i], name) == 0)
      return i;
  if (c->nthreads == c->threads_cap) {
    int cap = c->threads_cap ? c->threads_cap * 2 : 8;
    char **t = realloc(c->threads, (size_t)cap * sizeof *t);
    if (!t)
      return -1;
    c->threads = t;
    c->threads_cap = cap;
  }
  c->threads[c->nthreads] = strdup(name);
  if (!c->threads[c->nthreads])
    return -1;
  return c->nthreads++;
}

static struct trace_op *op_get(struct trace_ctx *c, const char *id) {
  void **s;
  struct trace_op *op;

  if (c->ops.n * 2 >= c->ops.cap && table_grow(&c->ops) < 0)
    return NULL;
  s = table_find(&c->ops, id);
  if (*s)
    return *s;
  op = calloc(1, sizeof *op);
  if (!op || !(op->id = strdup(id))) {
    free(op);
    return NULL;
  }
  op->max_stage = -1;
  op->last_thread = -1;
  op->lane = -1;
  op->fork_idx = -1;
  op->aux = -1;
  op->file_thread = -2;
  op->num = ++c->nops;
  *s = op;
  c->ops.n++;
  return op;
}

static int cmp_begin_line(const void *a, const void *b) {
  const struct trace_op *x = *(struct trace_op *const *)a;
  const struct trace_op *y = *(struct trace_op *const *)b;
  return (x->begin_line > y->begin_line) - (x->begin_line < y->begin_line);
}

static int cmp_first_line(const void *a, const void *b) {
  const struct trace_op *x = *(struct trace_op *const *)a;
  const struct trace_op *y = *(struct trace_op *const *)b;
  return (x->first_line > y->first_line) - (x->first_line < y->first_line);
}

struct trace_op **trace__unended(struct trace_ctx *c, size_t *n) {
  struct trace_op **v = malloc((c->ops.n + 1) * sizeof *v);
  size_t i;

  *n = 0;
  if (!v)
    return NULL;
  for (i = 0; i < c->ops.cap; i++) {
    struct trace_op *op = c->ops.slot[i];
    if (op && op->begin_line && !op->end_line)
      v[(*n)++] = op;
  }
  qsort(v, *n, sizeof *v, cmp_begin_line);
  return v;
}

/* ------------------------------------------------------------ checks */

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

static void check_race(struct trace_ctx *c, const struct trace_event *e,
                       struct trace_op *op, long idx, long line) {
  void **s;
  struct resource *r;
  size_t k;
  int read = e->access && strcmp(e->access, "read") == 0;

  if (c->res.n * 2 >= c->res.cap && table_grow(&c->res) < 0)
    return;
  s = table_find(&c->res, e->res);
  if (!*s) {
    r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(e->res))) {
      free(r);
      return;
    }
    *s = r;
    c->res.n++;
  }
  r = *s;
  /* One report per event: the earliest unordered access in file order. */
  for (k = 0; k < r->n; k++) {
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
    break;
  }
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

/* Runs every per-event check and updates the op's state. */
static void check_event(struct trace_ctx *c, const struct trace_event *e,
                        struct trace_op *op, long line, int thread) {
  int stage = ev_stage[e->ev];
  const char *name = ev_names[e->ev];

  if (!op->first_line)
    op->first_line = line;
  if (e->kind && !op->kind)
    op->kind = strdup(e->kind);

  /* Stages within one op, in the op's order (see arrive()): begin <
   * step/error < end. */
  if (e->ev == TRACE_EV_BEGIN) {
    if (op->begin_line)
      violation(c, line, op, "begun twice (first begin at line %ld)",
                op->begin_line);
    else if (op->max_stage > 0) {
      size_t keep = c->notes_len;
      violation(c, op->max_stage_line, op, "%s appears before begin (line %ld)",
                ev_names[op->max_stage_ev], line);
      /* Next to this line, say it the other way round. */
      c->notes_len = keep;
      c->notes[keep] = '\0';
      note(c, "begin after its %s (line %ld)", ev_names[op->max_stage_ev],
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
  if (stage > op->max_stage) {
    op->max_stage = stage;
    op->max_stage_line = line;
    op->max_stage_ev = e->ev;
  }

  /* Parent edge: recorded once, at the op's first event naming a parent. */
  if (e->parent && !op->parent) {
    struct trace_op *p = op_get(c, e->parent);
    if (p && p != op) {
      op->parent = p;
      op->fork_idx = p->nevents - 1;
      if (e->ev == TRACE_EV_BEGIN && !p->begin_line)
        violation(c, line, op, "begins before its parent %.64s has begun",
                  p->id);
    }
  }

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
  /* Lamport clocks must grow along the op's sequence; compare only with the
   * event that precedes this one in that sequence. */
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
  (void)thread;
}

/* Checks that can only be decided at the end of the log. */
static void check_finish(struct trace_ctx *c) {
  size_t n, i;
  struct trace_op **v = trace__unended(c, &n);

  for (i = 0; v && i < n; i++)
    violation(c, v[i]->begin_line, v[i], "begun but never ended");
  free(v);
  v = malloc((c->ops.n + 1) * sizeof *v);
  for (i = 0, n = 0; v && i < c->ops.cap; i++) {
    struct trace_op *op = c->ops.slot[i];
    if (op && op->nevents && !op->begin_line)
      v[n++] = op;
  }
  if (v)
    qsort(v, n, sizeof *v, cmp_first_line);
  for (i = 0; v && i < n; i++)
    violation(c, v[i]->first_line, v[i], "%s but the op never begins",
              v[i]->first_line == v[i]->end_line ? "ends" : "has events");
  free(v);
  if (c->have_expect && strcmp(ev_names[c->exp[1].ev], "end") != 0)
    for (struct trace_op *op = c->q_head; op; op = op->q_next)
      if (!op->exp_repeat)
        violation(c, op->exp_line, op, "reaches %s but never %s",
                  c->exp[0].text, c->exp[1].text);
  c->notes_len = 0;
  c->notes[0] = '\0';
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f, const char *prog) {
  fprintf(
      f,
      "usage: %s [options] FILE      (FILE may be - for stdin)\n"
      "Reads a correlation log (JSON Lines from tools/runtime/corrlog) and shows its\n"
      "timeline, checks it, or exports it.\n"
      "\n"
      "  -f, --format text|svg|chrome  text timeline (default), SVG "
      "swimlanes,\n"
      "                         or Chrome trace JSON for ui.perfetto.dev\n"
      "  -o, --output FILE      write the rendering to FILE, not stdout;\n"
      "                         FILE is replaced only when the run succeeds\n"
      "                         (exit 0 or 1): on bad input, an error or a\n"
      "                         signal it is left as it was\n"
      "      --by op|thread     one lane per operation (default) or thread\n"
      "      --width PX         SVG: drawn for a page PX pixels wide, to be\n"
      "                         read at 100%%: 12 px text, each op's messages\n"
      "                         on its bar, lanes reused once an op is done\n"
      "                         and at most 20 of them (the rest share one)\n"
      "      --check            check the rules below; exit 1 on a violation\n"
      "      --expect-order A B ops must reach B in the order they reached A;\n"
      "                         A and B are EV[:KIND], e.g. begin:req end:req\n"
      "                         (EV is begin|step|end|error; without KIND, or\n"
      "                         when the log has no kinds, every op counts).\n"
      "                         An op reaches A at its first event matching\n"
      "                         A, and B at its next later event matching B\n"
      "                         (never the same event). Reaching A and never\n"
      "                         B is a violation, unless B is end (--check\n"
      "                         reports that) or the event that reached A\n"
      "                         matches B too: then B is a repeat (A A means\n"
      "                         an op's first and second A); an op that never\n"
      "                         repeats is no error, one that repeats ahead\n"
      "                         of an op that matched A before it still is\n"
      "      --races            report events of different ops that touch the\n"
      "                         same attrs.res with no happens-before between\n"
      "                         them (two attrs.access \"read\" never race);\n"
      "                         exit 1 when there is one\n"
      "      --lenient          skip malformed lines, count and report them\n"
      "                         (a line over 1 MiB is always an error: its\n"
      "                         end may never come, as on /dev/zero)\n"
      "      --color auto|always|never   (auto: only on a terminal, and\n"
      "                         never when NO_COLOR is set)\n"
      "  -h, --help             this text\n"
      "\n"
      "Order: an op's events are read in file order, except that when they\n"
      "carry seq, an event that arrives ahead of its op's next seq waits for\n"
      "the ones before it (per-thread buffers write one thread's batch after\n"
      "another's); within one thread a seq that goes down is a violation.\n"
      "Rules of --check (each names the op and the lines involved):\n"
      "  stage order in that order: begin < step, error < end, so an end\n"
      "  line above its begin line is a violation; begun twice; ended twice;\n"
      "  an event after the end; begun but never ended; events but no begin;\n"
      "  a child begun before its parent; seq must go up by one within an op\n"
      "  (gaps and reversals); lc must grow along an op's seq. A rule that\n"
      "  needs a field the log lacks (seq, lc) is skipped, with a note.\n"
      "Output: violations go to stdout when no --format is given, otherwise\n"
      "to stderr. Happens-before for --races: events of one op are ordered by\n"
      "their position in the op; a child's begin comes after its parent's\n"
      "event just before it in the file.\n"
      "Exit: 0 ok, 1 violation or race found, 2 usage or bad input,\n"
      "3 internal failure.\n"
      "Environment: NO_COLOR; TRACE_PARSER=jansson parses every line with\n"
      "jansson instead of the fast parser for corrlog's flat lines (same\n"
      "results, slower: for comparing the two).\n",
      prog);
}

static int parse_spec(const char *s, struct expect *x) {
  const char *colon = strchr(s, ':');
  size_t n = colon ? (size_t)(colon - s) : strlen(s);
  int i;

  x->text = s;
  x->kind = NULL;
  for (i = 0; i < 4; i++)
    if (strlen(ev_names[i]) == n && strncmp(s, ev_names[i], n) == 0)
      break;
  if (i == 4)
    return -1;
  x->ev = i;
  if (colon && colon[1]) {
    x->kind = strdup(colon + 1);
    if (!x->kind)
      return -1;
  }
  return 0;
}

static void ctx_free(struct trace_ctx *c) {
  size_t i;

  for (i = 0; i < c->ops.cap; i++) {
    struct trace_op *op = c->ops.slot[i];
    if (op) {
      free(op->id);
      free(op->kind);
      free(op);
    }
  }
  free(c->ops.slot);
  for (i = 0; i < c->res.cap; i++) {
    struct resource *r = c->res.slot[i];
    if (r) {
      free(r->name);
      free(r->acc);
      free(r);
    }
  }
  free(c->res.slot);
  for (int t = 0; t < c->nthreads; t++)
    free(c->threads[t]);
  free(c->threads);
  free(c->exp[0].kind);
  free(c->exp[1].kind);
  free(c->recorder);
}

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
  check_event(c, e, op, line, th);
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
    if (!rev && e->seq > next) {
      struct trace_pend *p = malloc(sizeof *p + len), **pp;
      if (!p) {
        trace_event_free(e);
        return 3;
      }
      p->seq = e->seq;
      p->line = line;
      p->len = len;
      memcpy(p->text, text, len);
      for (pp = &op->pend; *pp && (*pp)->seq <= p->seq; pp = &(*pp)->next)
        ;
      p->next = *pp;
      *pp = p;
      trace_event_free(e);
      return 0;
    }
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

/* Processes the whole log. Returns 0, 2 (bad input) or 3 (internal). */
static int run(struct trace_ctx *c) {
  struct trace_reader rd;
  const char *line;
  size_t len;
  int rc = 0, k;
  char err[256];

  k = trace__reader_open(&rd, c->path);
  if (k < 0) {
    fprintf(stderr, "%s: %s: %s\n", c->prog, c->path, strerror(-k));
    return k == -ENOMEM ? 3 : 2;
  }
  if (c->r->start && c->r->start(c) < 0) {
    trace__reader_close(&rd);
    return 3;
  }
  while ((k = trace__reader_next(&rd, &line, &len)) > 0) {
    struct trace_event e;
    struct trace_op *op;
    int th, rr;

    if (k == 2) {
      /* Fatal even with --lenient: the reader cannot find where the line
       * ends without reading on without bound (see trace__reader_next). */
      fprintf(stderr, "%s: %s:%ld: line is longer than %d bytes\n", c->prog,
              c->path, rd.line, TRACE_MAX_LINE);
      rc = 2;
      break;
    }
    if ((c->jansson_only
             ? trace__parse_slow(line, len, &e, err, sizeof err)
             : trace_parse_line(line, len, &e, err, sizeof err)) < 0) {
      if (!c->lenient) {
        fprintf(stderr, "%s: %s:%ld: %s\n", c->prog, c->path, rd.line, err);
        rc = 2;
        break;
      }
      c->skipped++;
      continue;
    }
    if (e.ev == TRACE_EV_TRAILER) {
      c->had_trailer = 1;
      if (e.recorder && !c->recorder)
        c->recorder = strdup(e.recorder);
      c->dropped += e.dropped;
      trace_event_free(&e);
      continue;
    }
    op = op_get(c, e.op);
    th = trace__event_thread(c, &e);
    if (!op || th < 0) {
      trace_event_free(&e);
      fprintf(stderr, "%s: out of memory\n", c->prog);
      rc = 3;
      break;
    }
    rr = arrive(c, &e, op, th, rd.line, line, len);
    if (rr) {
      rc = rr;
      break;
    }
  }
  if (k == 0 && rd.error) {
    fprintf(stderr, "%s: %s: read error: %s\n", c->prog, c->path,
            strerror(rd.error));
    rc = 2;
  }
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
  check_finish(c);
  if (c->r->finish && c->r->finish(c) < 0)
    return 3;
  return 0;
}

static int no_render_event(struct trace_ctx *c, const struct trace_event *e,
                           struct trace_op *op, long line, const char *notes) {
  (void)c, (void)e, (void)op, (void)line, (void)notes;
  return 0;
}
static const struct trace_renderer no_render = {NULL, no_render_event, NULL,
                                                NULL};

int trace_main(int argc, char **argv) {
  struct trace_ctx c;
  const char *prog = argc > 0 && argv[0] ? argv[0] : "trace";
  const char *format = NULL, *output = NULL, *color = "auto";
  struct trace_output out;
  int i, rc;

  memset(&c, 0, sizeof c);
  c.prog = prog;
  c.ops.key = op_key;
  c.res.key = res_key;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;

#define NEEDS_ARG                                                              \
  if (!next) {                                                                 \
    fprintf(stderr, "%s: %s needs an argument (try --help)\n", prog, a);       \
    goto usage_error;                                                          \
  }                                                                            \
  i++
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout, prog);
      ctx_free(&c);
      return 0;
    } else if (strcmp(a, "-f") == 0 || strcmp(a, "--format") == 0) {
      NEEDS_ARG;
      format = next;
    } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      NEEDS_ARG;
      output = next;
    } else if (strcmp(a, "--by") == 0) {
      NEEDS_ARG;
      if (strcmp(next, "thread") == 0)
        c.by_thread = 1;
      else if (strcmp(next, "op") != 0) {
        fprintf(stderr, "%s: --by takes op or thread, not '%s'\n", prog, next);
        goto usage_error;
      }
    } else if (strcmp(a, "--width") == 0) {
      char *end;
      long v;
      NEEDS_ARG;
      v = strtol(next, &end, 10);
      if (*end || end == next || v < 320 || v > 4000) {
        fprintf(stderr, "%s: --width wants a number of pixels from 320 to "
                        "4000, got '%s'\n", prog, next);
        goto usage_error;
      }
      c.fit_width = (int)v;
    } else if (strcmp(a, "--color") == 0) {
      NEEDS_ARG;
      color = next;
    } else if (strcmp(a, "--check") == 0) {
      c.check = 1;
    } else if (strcmp(a, "--races") == 0) {
      c.races = 1;
    } else if (strcmp(a, "--lenient") == 0) {
      c.lenient = 1;
    } else if (strcmp(a, "--expect-order") == 0) {
      if (i + 2 >= argc) {
        fprintf(stderr,
                "%s: --expect-order needs two specs, e.g. "
                "begin:req end:req\n",
                prog);
        goto usage_error;
      }
      if (parse_spec(argv[i + 1], &c.exp[0]) < 0 ||
          parse_spec(argv[i + 2], &c.exp[1]) < 0) {
        fprintf(stderr,
                "%s: --expect-order: '%s %s': each spec is EV[:KIND] "
                "with EV begin, step, end or error\n",
                prog, argv[i + 1], argv[i + 2]);
        goto usage_error;
      }
      c.have_expect = 1;
      c.check = 1;
      i += 2;
    } else if (strcmp(a, "-") != 0 && a[0] == '-') {
      fprintf(stderr, "%s: unknown option '%s' (try --help)\n", prog, a);
      goto usage_error;
    } else if (c.path) {
      fprintf(stderr, "%s: one log at a time ('%s' and '%s')\n", prog, c.path,
              a);
      goto usage_error;
    } else {
      c.path = a;
    }
#undef NEEDS_ARG
  }
  if (!c.path) {
    fprintf(stderr, "%s: no log file given (try --help)\n", prog);
    goto usage_error;
  }
  if (!format)
    c.r = (c.check || c.races) ? &no_render : &trace__text;
  else if (strcmp(format, "text") == 0)
    c.r = &trace__text;
  else if (strcmp(format, "svg") == 0)
    c.r = &trace__svg;
  else if (strcmp(format, "chrome") == 0)
    c.r = &trace__chrome;
  else {
    fprintf(stderr, "%s: unknown format '%s' (text, svg or chrome)\n", prog,
            format);
    goto usage_error;
  }
  c.vout = format ? stderr : stdout;
  if (strcmp(color, "always") == 0)
    c.color = 1;
  else if (strcmp(color, "never") == 0)
    c.color = 0;
  else if (strcmp(color, "auto") == 0) {
    const char *nc = getenv("NO_COLOR");
    c.color = !output && isatty(STDOUT_FILENO) && !(nc && *nc);
  } else {
    fprintf(stderr, "%s: --color takes auto, always or never\n", prog);
    goto usage_error;
  }

  {
    const char *parser = getenv("TRACE_PARSER");
    c.jansson_only = parser && strcmp(parser, "jansson") == 0;
  }
  /* Opened before the log is read, so that a log that never ends (a pipe
   * from a live program) is rendered as it comes; nothing reaches the
   * target unless the whole run succeeds (see trace_output.c). */
  c.out = stdout;
  if (output) {
    int k = trace__output_open(&out, output);
    if (k < 0) {
      fprintf(stderr, "%s: %s: %s\n", prog, output, strerror(-k));
      ctx_free(&c);
      return 2;
    }
    c.out = out.f;
  }
  rc = run(&c);
  if (rc == 0) {
    if (c.skipped)
      fprintf(stderr, "%s: %s: skipped %ld malformed line%s (--lenient)\n",
              prog, c.path, c.skipped, c.skipped == 1 ? "" : "s");
    if (c.dropped)
      fprintf(stderr,
              "%s: %s: the logger dropped %ld events: gaps are expected\n",
              prog, c.path, c.dropped);
    if (c.check) {
      if (c.no_seq)
        fprintf(c.vout, "note: %ld events have no seq: seq checks skip them\n",
                c.no_seq);
      if (c.no_lc)
        fprintf(c.vout, "note: %ld events have no lc: clock checks skip them\n",
                c.no_lc);
      fprintf(c.vout, "%s: %ld events, %lu operations: %ld violation%s\n",
              c.path, c.events, (unsigned long)c.ops.n, c.violations,
              c.violations == 1 ? "" : "s");
    }
    if (c.races)
      fprintf(c.vout, "%s: %ld race%s on named resources\n", c.path,
              c.race_count, c.race_count == 1 ? "" : "s");
    if ((c.check && c.violations) || (c.races && c.race_count))
      rc = 1;
  }
  if (output && rc >= 2) {
    trace__output_abort(&out);
  } else if (output) {
    int k = trace__output_commit(&out);
    if (k < 0) {
      fprintf(stderr, "%s: %s: write error: %s\n", prog, output, strerror(-k));
      rc = 3;
    }
  }
  if (fflush(stdout) != 0) {
    fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
    rc = 3;
  }
  ctx_free(&c);
  return rc;

usage_error:
  ctx_free(&c);
  return 2;
}
