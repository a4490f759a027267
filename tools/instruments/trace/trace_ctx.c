/* trace_ctx.c -- what one run of the trace tool remembers: the operations,
 * threads and named resources seen so far, in hash tables that live until
 * the end of the run, and the accessors the renderers read them through. */
#include "trace_ctx.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ tables */

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

/* The slot for key k, with room made for one more entry; NULL when out of
 * memory. */
static void **table_slot(struct table *t, const char *k) {
  if (t->n * 2 >= t->cap && table_grow(t) < 0)
    return NULL;
  return table_find(t, k);
}

static void table_free(struct table *t, void (*free_value)(void *)) {
  for (size_t i = 0; i < t->cap; i++)
    if (t->slot[i])
      free_value(t->slot[i]);
  free(t->slot);
}

static const char *op_key(const void *v) {
  return ((const struct trace_op *)v)->id;
}

static const char *res_key(const void *v) {
  return ((const struct resource *)v)->name;
}

static void op_free(void *v) {
  struct trace_op *op = v;
  free(op->id);
  free(op->kind);
  free(op);
}

static void res_free(void *v) {
  struct resource *r = v;
  free(r->name);
  free(r->acc);
  free(r);
}

/* ------------------------------------------------------------ context */

void trace__ctx_init(struct trace_ctx *c, const char *prog) {
  memset(c, 0, sizeof *c);
  c->prog = prog;
  c->ops.key = op_key;
  c->res.key = res_key;
}

void trace__ctx_free(struct trace_ctx *c) {
  table_free(&c->ops, op_free);
  table_free(&c->res, res_free);
  for (int t = 0; t < c->nthreads; t++)
    free(c->threads[t]);
  free(c->threads);
  free(c->exp[0].kind);
  free(c->exp[1].kind);
  free(c->recorder);
}

/* The value with key k, created zeroed (size bytes) on first use, with
 * *created set; NULL when out of memory. A value's first member is its key,
 * a copy of k it owns (struct trace_op's id, struct resource's name).
 * Inline: every line of a log looks up its op. */
static inline void *table_get(struct table *t, const char *k, size_t size,
                              int *created) {
  void **s = table_slot(t, k);
  char **v;

  *created = 0;
  if (!s)
    return NULL;
  if (*s)
    return *s;
  v = calloc(1, size);
  if (!v || !(*v = strdup(k))) {
    free(v);
    return NULL;
  }
  *created = 1;
  *s = v;
  t->n++;
  return v;
}

struct trace_op *trace__op_get(struct trace_ctx *c, const char *id) {
  int created;
  struct trace_op *op = table_get(&c->ops, id, sizeof *op, &created);

  if (created) {
    op->max_stage = -1;
    op->last_thread = -1;
    op->lane = -1;
    op->fork_idx = -1;
    op->aux = -1;
    op->file_thread = -2;
    op->num = ++c->nops;
  }
  return op;
}

struct resource *trace__res_get(struct trace_ctx *c, const char *name) {
  int created;
  return table_get(&c->res, name, sizeof(struct resource), &created);
}

/* An op and the line it is sorted by. */
struct op_at {
  long line;
  struct trace_op *op;
};

static int cmp_line(const void *a, const void *b) {
  const struct op_at *x = a, *y = b;
  return (x->line > y->line) - (x->line < y->line);
}

struct trace_op **trace__ops_where(struct trace_ctx *c, size_t *n,
                                   int (*keep)(const struct trace_op *),
                                   long (*line)(const struct trace_op *)) {
  struct trace_op **v = malloc((c->ops.n + 1) * sizeof *v);
  struct op_at *at = malloc((c->ops.n + 1) * sizeof *at);

  *n = 0;
  if (!v || !at) {
    free(v);
    free(at);
    return NULL;
  }
  for (size_t i = 0; i < c->ops.cap; i++) {
    struct trace_op *op = c->ops.slot[i];
    if (op && keep(op))
      at[(*n)++] = (struct op_at){line(op), op};
  }
  qsort(at, *n, sizeof *at, cmp_line);
  for (size_t i = 0; i < *n; i++)
    v[i] = at[i].op;
  free(at);
  return v;
}

static int is_unended(const struct trace_op *op) {
  return op->begin_line && !op->end_line;
}

static long begin_line(const struct trace_op *op) {
  return op->begin_line;
}

struct trace_op **trace__unended(struct trace_ctx *c, size_t *n) {
  return trace__ops_where(c, n, is_unended, begin_line);
}

/* ------------------------------------------------------------ accessors */

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
void trace__picture_size(struct trace_ctx *c, int w, int h) {
  c->pic_w = w;
  c->pic_h = h;
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

int trace__state_new(struct trace_ctx *c, size_t size) {
  c->render_state = calloc(1, size);
  return c->render_state ? 0 : -1;
}

void trace__state_free(struct trace_ctx *c) {
  free(c->render_state);
  c->render_state = NULL;
}
