/* spec.c -- parses and prints schedule specs (the grammar is in spec.h),
 * and holds what every scheduler that carries one out shares: the seeded
 * generator and the waits-for cycle of a deadlock report. It depends on
 * nothing but the C library, so hunt, the gallery and the preload shim link
 * it without the scheduler. */
#include "spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const spec_item_kinds[4] = {"fs_write", "work", "timer", "close"};

static int fail(char *err, size_t cap, const char *fmt, ...) {
  va_list ap;
  if (cap > 0) {
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* Reads a decimal number of s[0..n) that is at most max. */
static int number(const char *s, size_t n, unsigned long long max,
                  unsigned long long *out) {
  unsigned long long v = 0;
  if (n == 0 || n > 20)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (max - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

static int name_char(char c) {
  return c == '_' || c == '-' || c == '.' || (c >= '0' && c <= '9') ||
         (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int spec_item(const char *s, size_t n, int *kind, unsigned *num) {
  const char *hash = memchr(s, '#', n);
  if (hash) {
    size_t kl = (size_t)(hash - s);
    unsigned long long v;
    for (int k = 0; k < 4; k++)
      if (strlen(spec_item_kinds[k]) == kl &&
          memcmp(s, spec_item_kinds[k], kl) == 0) {
        if (number(hash + 1, n - kl - 1, SPEC_ITEM_MAX, &v) != 0)
          return -1;
        *kind = k;
        *num = (unsigned)v;
        return 1;
      }
    return -1;
  }
  /* THREAD or THREAD@POINT, both non-empty. */
  const char *at = memchr(s, '@', n);
  size_t tl = at ? (size_t)(at - s) : n;
  if (tl == 0 || (at && at + 1 == s + n))
    return -1;
  for (size_t i = 0; i < n; i++)
    if (s + i != at && !name_char(s[i]))
      return -1;
  return 0;
}

const char *spec_next_item(const struct spec *sp, size_t *pos, size_t *n) {
  if (sp->kind != SPEC_ORDER || *pos >= sp->list_len)
    return NULL;
  const char *p = sp->list + *pos;
  const char *comma = memchr(p, ',', sp->list_len - *pos);
  *n = comma ? (size_t)(comma - p) : sp->list_len - *pos;
  *pos += *n + (comma != NULL);
  return p;
}

/* Strips the +FLAGs at the end of text[0..*len). */
static int flags(const char *text, size_t *len, struct spec *sp, char *err,
                 size_t cap) {
  static const char *const names[] = {"+timers", "+close", "+lenient"};
  for (;;) {
    const char *plus = NULL;
    for (size_t i = *len; i > 0; i--)
      if (text[i - 1] == '+') {
        plus = text + i - 1;
        break;
      }
    if (!plus)
      return 0;
    size_t fl = (size_t)(text + *len - plus);
    int which = -1;
    for (int k = 0; k < 3; k++)
      if (strlen(names[k]) == fl && memcmp(plus, names[k], fl) == 0)
        which = k;
    if (which < 0)
      return fail(err, cap,
                  "unknown flag '%.*s' (want +timers, +close or +lenient)",
                  (int)fl, plus);
    if (which == 0)
      sp->timers = 1;
    else if (which == 1)
      sp->closes = 1;
    else
      sp->lenient = 1;
    *len = (size_t)(plus - text);
  }
}

/* Splits s[0..n) at ':' into at most 3 fields; returns the field count, or
 * -1 for more than 3. */
static int fields(const char *s, size_t n, const char *f[3], size_t fl[3]) {
  int k = 0;
  const char *p = s, *end = s + n;
  for (;;) {
    const char *c = memchr(p, ':', (size_t)(end - p));
    if (k == 3)
      return -1;
    f[k] = p;
    fl[k] = c ? (size_t)(c - p) : (size_t)(end - p);
    k++;
    if (!c)
      return k;
    p = c + 1;
  }
}

/* pct:SEED[:DEPTH[:STEPS]], text[0..len) being the whole base. */
static int parse_pct(const char *text, size_t len, struct spec *sp, char *err,
                     size_t cap) {
  const char *f[3];
  size_t fl[3];
  unsigned long long v;
  int k = fields(text + 4, len - 4, f, fl);
  sp->kind = SPEC_PCT;
  if (k < 0 || number(f[0], fl[0], SPEC_SEED_MAX, &sp->seed) != 0)
    return fail(err, cap,
                "bad '%.*s' (want pct:SEED, pct:SEED:DEPTH or "
                "pct:SEED:DEPTH:STEPS)",
                (int)len, text);
  if (k >= 2) {
    if (number(f[1], fl[1], SPEC_DEPTH_MAX, &v) != 0 || v < 1)
      return fail(err, cap, "bad depth '%.*s' in '%.*s' (want 1..%d)",
                  (int)fl[1], f[1], (int)len, text, SPEC_DEPTH_MAX);
    sp->depth = (unsigned)v;
  }
  if (k == 3) {
    if (number(f[2], fl[2], SPEC_STEPS_MAX, &v) != 0 || v < 1)
      return fail(err, cap, "bad steps '%.*s' in '%.*s' (want 1..%u)",
                  (int)fl[2], f[2], (int)len, text, SPEC_STEPS_MAX);
    sp->steps = (unsigned)v;
  }
  return 0;
}

/* order:ITEM,..., text[0..len) being the whole base. */
static int parse_order(const char *text, size_t len, struct spec *sp, char *err,
                       size_t cap) {
  sp->kind = SPEC_ORDER;
  sp->list = text + 6;
  sp->list_len = len - 6;
  if (sp->list_len == 0)
    return fail(err, cap, "empty order: list");
  size_t pos = 0, n;
  const char *it;
  unsigned idx = 0;
  while ((it = spec_next_item(sp, &pos, &n)) != NULL) {
    int kind;
    unsigned num;
    int c = spec_item(it, n, &kind, &num);
    if (c < 0)
      return fail(err, cap,
                  "bad step %u '%.*s' in order: list (want fs_write#N, "
                  "work#N, timer#N, close#N, THREAD or THREAD@POINT)",
                  idx + 1, (int)n, it);
    if (c == 1 && kind == 2)
      sp->timers = 1;
    if (c == 1 && kind == 3)
      sp->closes = 1;
    idx++;
  }
  if (sp->list[sp->list_len - 1] == ',')
    return fail(err, cap, "order: list ends with a comma");
  return 0;
}

int spec_parse(const char *text, struct spec *sp, char *err, size_t cap) {
  memset(sp, 0, sizeof *sp);
  sp->kind = SPEC_NONE;
  sp->depth = 3;
  if (cap > 0)
    err[0] = '\0';
  if (!text)
    text = "";
  size_t len = strlen(text);
  if (flags(text, &len, sp, err, cap) != 0)
    return -1;
#define IS(word) (len == sizeof(word) - 1 && memcmp(text, word, len) == 0)
#define STARTS(word)                                                           \
  (len >= sizeof(word) - 1 && memcmp(text, word, sizeof(word) - 1) == 0)
  if (len == 0 || IS("none")) {
    sp->kind = SPEC_NONE;
  } else if (IS("fifo")) {
    sp->kind = SPEC_FIFO;
  } else if (IS("lifo")) {
    sp->kind = SPEC_LIFO;
  } else if (IS("interactive")) {
    sp->kind = SPEC_INTERACTIVE;
  } else if (STARTS("random:") || STARTS("pos:")) {
    /* KIND:SEED, the seed the only parameter. */
    size_t n = STARTS("pos:") ? 4 : 7;
    sp->kind = n == 4 ? SPEC_POS : SPEC_RANDOM;
    if (number(text + n, len - n, SPEC_SEED_MAX, &sp->seed) != 0)
      return fail(err, cap,
                  "bad seed in '%.*s' (want %.*sSEED, SEED a "
                  "number 0..%llu)",
                  (int)len, text, (int)n, text, SPEC_SEED_MAX);
  } else if (STARTS("pct:")) {
    if (parse_pct(text, len, sp, err, cap) != 0)
      return -1;
  } else if (STARTS("order:")) {
    if (parse_order(text, len, sp, err, cap) != 0)
      return -1;
  } else {
    return fail(err, cap,
                "unknown schedule '%.*s' (want none, fifo, lifo, "
                "random:SEED, pct:SEED[:DEPTH[:STEPS]], pos:SEED, order:LIST "
                "or interactive)",
                (int)len, text);
  }
#undef IS
#undef STARTS
  if (sp->kind == SPEC_NONE && (sp->timers || sp->closes || sp->lenient))
    return fail(err, cap, "+timers, +close and +lenient need a strategy");
  if (sp->lenient && sp->kind != SPEC_ORDER)
    return fail(err, cap, "+lenient applies to order: scripts only");
  return 0;
}

int spec_format(const struct spec *sp, char *buf, size_t cap) {
  int n;
  switch (sp->kind) {
  case SPEC_FIFO:
    n = snprintf(buf, cap, "fifo");
    break;
  case SPEC_LIFO:
    n = snprintf(buf, cap, "lifo");
    break;
  case SPEC_RANDOM:
    n = snprintf(buf, cap, "random:%llu", sp->seed);
    break;
  case SPEC_POS:
    n = snprintf(buf, cap, "pos:%llu", sp->seed);
    break;
  case SPEC_PCT:
    if (sp->steps)
      n = snprintf(buf, cap, "pct:%llu:%u:%u", sp->seed, sp->depth, sp->steps);
    else
      n = snprintf(buf, cap, "pct:%llu:%u", sp->seed, sp->depth);
    break;
  case SPEC_ORDER:
    n = snprintf(buf, cap, "order:%.*s", (int)sp->list_len, sp->list);
    break;
  case SPEC_INTERACTIVE:
    n = snprintf(buf, cap, "interactive");
    break;
  default:
    return snprintf(buf, cap, "none");
  }
  /* Flags that an order: list already implies are not repeated. */
  int items_timers = 0, items_closes = 0;
  size_t pos = 0, len;
  const char *it;
  while ((it = spec_next_item(sp, &pos, &len)) != NULL) {
    int kind;
    unsigned num;
    if (spec_item(it, len, &kind, &num) == 1) {
      items_timers |= kind == 2;
      items_closes |= kind == 3;
    }
  }
  const char *fl[3] = {sp->timers && !items_timers ? "+timers" : "",
                       sp->closes && !items_closes ? "+close" : "",
                       sp->lenient ? "+lenient" : ""};
  for (int i = 0; i < 3; i++) {
    size_t at = (size_t)n < cap ? (size_t)n : cap;
    n += snprintf(buf + at, cap - at, "%s", fl[i]);
  }
  return n;
}

char *spec_format_alloc(const struct spec *sp) {
  int n = spec_format(sp, NULL, 0);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (s != NULL)
    spec_format(sp, s, (size_t)n + 1);
  return s;
}

void spec_handshake(const char *via, const char *replay, const char *spec) {
  const char *e = getenv("SCHED_HANDSHAKE_FD");
  char line[512];
  unsigned long long fd;
  if (!e || number(e, strlen(e), 1u << 20, &fd) != 0)
    return;
  /* One write of less than PIPE_BUF bytes: lines from several processes
   * never interleave. A spec too long for that (an order: script) is
   * announced by its first bytes and "...": the line says which scheduler
   * carries out the run; the spec itself is what the caller passed. */
  int n = snprintf(line, sizeof line,
                   "sched-handshake via=%s replay=%s "
                   "spec=%s\n",
                   via, replay, spec);
  if (n <= 0)
    return;
  if ((size_t)n >= sizeof line) {
    memcpy(line + sizeof line - 5, "...\n", 4);
    n = (int)sizeof line - 1;
  }
  int saved = errno;
  ssize_t w;
  do
    w = write((int)fd, line, (size_t)n);
  while (w < 0 && errno == EINTR);
  errno = saved;
}

void spec_rng_seed(uint64_t *state, unsigned long long seed, unsigned stream) {
  *state = seed * 0x9E3779B97F4A7C15ULL + stream;
  if (*state == 0)
    *state = 1;
}

uint64_t spec_rng_next(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

int spec_step_matches(const char *step, const char *name, const char *point) {
  size_t nl = strlen(name);
  if (strncmp(step, name, nl) != 0)
    return 0;
  if (step[nl] == '\0')
    return 1;
  return step[nl] == '@' && strcmp(step + nl + 1, point) == 0;
}

void spec_pct_change_points(uint64_t *state, unsigned depth, unsigned k,
                            unsigned *change_at) {
  for (unsigned i = 0; i + 1 < depth; i++) {
    unsigned c;
    int dup;
    do {
      c = 1 + (unsigned)(spec_rng_next(state) % k);
      dup = 0;
      for (unsigned j = 0; j < i; j++)
        dup |= change_at[j] == c;
    } while (dup && k >= depth - 1);
    change_at[i] = c;
  }
}

static const void *edge(spec_waits_fn waits, const void *t) {
  const char *via;
  char buf[64];
  return t ? waits(t, &via, buf, sizeof buf) : NULL;
}

int spec_format_cycle(char *buf, size_t cap, const void *const *threads,
                      size_t n, spec_waits_fn waits,
                      const char *(*name)(const void *t)) {
  if (cap > 0)
    buf[0] = '\0';
  for (size_t s = 0; s < n; s++) {
    /* Floyd: the hare meets the tortoise inside a cycle; then a walker
     * from the start and one from the meeting point meet at the first
     * thread the walk from the start meets twice. */
    const void *slow = threads[s], *fast = threads[s];
    do {
      slow = edge(waits, slow);
      fast = edge(waits, edge(waits, fast));
    } while (fast != NULL && slow != fast);
    if (fast == NULL)
      continue;
    for (slow = threads[s]; slow != fast;) {
      slow = edge(waits, slow);
      fast = edge(waits, fast);
    }
    size_t k = (size_t)snprintf(buf, cap, "%s", name(slow));
    const void *u = slow;
    do {
      const char *via = "";
      char vbuf[64];
      const void *next = waits(u, &via, vbuf, sizeof vbuf);
      if (k < cap)
        k +=
            (size_t)snprintf(buf + k, cap - k, " -> %s -> %s", via, name(next));
      u = next;
    } while (u != slow);
    return 1;
  }
  return 0;
}

int spec_print_cycle(FILE *f, const char *prefix, const void *const *threads,
                     size_t n, spec_waits_fn waits,
                     const char *(*name)(const void *t), const char *none) {
  char buf[1024];
  if (spec_format_cycle(buf, sizeof buf, threads, n, waits, name)) {
    fprintf(f, "%s: waits-for cycle: %s\n", prefix, buf);
    return 1;
  }
  fprintf(f, "%s: no waits-for cycle: %s\n", prefix, none);
  return 0;
}
