/* sched_uv.c -- holds libuv threadpool submissions and releases them one at
 * a time in a scripted, seeded or replayed order. See sched.h. */
#include "sched.h"
#include "sched_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum strategy { S_NONE, S_FIFO, S_LIFO, S_RANDOM, S_ORDER };
enum kind { K_FS_WRITE, K_WORK, K_NKINDS };
static const char *const kind_names[K_NKINDS] = {"fs_write", "work"};

/* One held or in-flight request. The user's callback is kept here because
 * req->data belongs to the user. */
struct item {
  enum kind kind;
  unsigned num; /* submission number within its kind */
  uv_loop_t *loop;
  void *req;
  union {
    struct {
      uv_file file;
      uv_buf_t *bufs;
      unsigned nbufs;
      int64_t offset;
      uv_fs_cb cb;
    } fs;
    struct {
      uv_work_cb work;
      uv_after_work_cb after;
    } work;
  } u;
  struct item *next;
};

static enum strategy strategy = S_NONE;
static uint64_t rng_state;
static unsigned *script;  /* S_ORDER: encoded (kind << 24 | num) */
static size_t script_len, script_pos;
static struct item *held; /* singly linked, in submission order */
static struct item *inflight;
static unsigned submitted[K_NKINDS];

static void fatal(const char *what, int err) {
  fprintf(stderr, "sched: %s: %s\n", what, uv_strerror(err));
  abort();
}

/* xorshift64*: small, seedable, identical on every machine. */
static uint64_t rng_next(void) {
  uint64_t x = rng_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng_state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

static void rng_seed(uint64_t seed) {
  rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
  if (rng_state == 0)
    rng_state = 1;
}

static int parse_name(const char *s, size_t n, unsigned *out) {
  for (int k = 0; k < K_NKINDS; k++) {
    size_t kl = strlen(kind_names[k]);
    char *end;
    unsigned long num;
    if (n <= kl + 1 || strncmp(s, kind_names[k], kl) != 0 || s[kl] != '#')
      continue;
    errno = 0;
    num = strtoul(s + kl + 1, &end, 10);
    if (errno || end != s + n || num >= (1u << 24))
      return -1;
    *out = (unsigned)k << 24 | (unsigned)num;
    return 0;
  }
  return -1;
}

/* Reads an unsigned decimal number that ends at stop (a ':' or the end). */
static int parse_num(const char *s, const char **rest, unsigned long long *out) {
  char *end;
  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  *out = strtoull(s, &end, 10);
  if (errno || (*end != '\0' && *end != ':'))
    return -1;
  *rest = end;
  return 0;
}

int sched_configure(const char *spec) {
  enum sched_tstrategy ts = SCHED_T_NONE;
  unsigned long long seed = 0, d = 3, k = 0;

  sched_reset();
  if (spec == NULL || strcmp(spec, "none") == 0 || *spec == '\0') {
    strategy = S_NONE;
  } else if (strcmp(spec, "fifo") == 0) {
    strategy = S_FIFO;
    ts = SCHED_T_FIFO;
  } else if (strcmp(spec, "lifo") == 0) {
    strategy = S_LIFO;
    ts = SCHED_T_FIFO;
  } else if (strncmp(spec, "random:", 7) == 0) {
    const char *rest;
    if (parse_num(spec + 7, &rest, &seed) != 0 || *rest) {
      fprintf(stderr, "sched: bad seed in schedule '%s' (want random:N)\n",
              spec);
      return -EINVAL;
    }
    strategy = S_RANDOM;
    ts = SCHED_T_RANDOM;
    rng_seed(seed);
  } else if (strncmp(spec, "pct:", 4) == 0) {
    const char *rest;
    if (parse_num(spec + 4, &rest, &seed) != 0 ||
        (*rest && (parse_num(rest + 1, &rest, &d) != 0 || d < 1 || d > 16)) ||
        (*rest && (parse_num(rest + 1, &rest, &k) != 0 || *rest || k < 1 ||
                   k > 1000000))) {
      fprintf(stderr,
              "sched: bad schedule '%s' (want pct:SEED, pct:SEED:DEPTH or "
              "pct:SEED:DEPTH:STEPS, DEPTH 1..16)\n",
              spec);
      return -EINVAL;
    }
    /* Held libuv requests have no priorities: they are released at
     * random, from the same seed. */
    strategy = S_RANDOM;
    ts = SCHED_T_PCT;
    rng_seed(seed);
  } else if (strncmp(spec, "order:", 6) == 0) {
    const char *p = spec + 6;
    while (*p) {
      size_t n = strcspn(p, ",");
      unsigned code;
      if (parse_name(p, n, &code) == 0) {
        script = realloc(script, (script_len + 1) * sizeof *script);
        if (script == NULL)
          fatal("realloc", UV_ENOMEM);
        script[script_len++] = code;
      } else if (memchr(p, '#', n) != NULL || sched__script_add(p, n) != 0) {
        fprintf(stderr,
                "sched: bad step '%.*s' in schedule (want fs_write#N, "
                "work#N, THREAD or THREAD@POINT)\n",
                (int)n, p);
        sched_reset();
        return -EINVAL;
      }
      p += n + (p[n] == ',');
    }
    /* A script of thread steps only leaves libuv requests in FIFO order. */
    strategy = script_len > 0 ? S_ORDER : S_FIFO;
    ts = SCHED_T_SCRIPT;
  } else {
    fprintf(stderr,
            "sched: unknown schedule '%s' (want none, fifo, lifo, "
            "random:SEED, pct:SEED[:DEPTH] or order:LIST)\n",
            spec);
    return -EINVAL;
  }
  sched__threads_configure(ts, seed, (unsigned)d, (unsigned)k);
  return 0;
}

int sched_configure_from_env(void) {
  const char *s = getenv("SCHED");
  return s ? sched_configure(s) : 0;
}

int sched_active(void) {
  return strategy != S_NONE;
}

void sched_reset(void) {
  free(script);
  script = NULL;
  script_len = script_pos = 0;
  memset(submitted, 0, sizeof submitted);
  strategy = S_NONE;
  sched__threads_reset();
}

static void record(const struct item *it) {
  char step[40];
  snprintf(step, sizeof step, "%s#%u", kind_names[it->kind], it->num);
  sched__record(step);
}

static struct item *new_item(enum kind kind, uv_loop_t *loop, void *req) {
  struct item *it = calloc(1, sizeof *it), **tail;
  if (it == NULL)
    fatal("calloc", UV_ENOMEM);
  it->kind = kind;
  it->num = submitted[kind]++;
  it->loop = loop;
  it->req = req;
  for (tail = &held; *tail; tail = &(*tail)->next)
    ;
  *tail = it;
  return it;
}

static struct item *unlink_req(struct item **list, void *req) {
  for (struct item **pp = list; *pp; pp = &(*pp)->next) {
    if ((*pp)->req == req) {
      struct item *it = *pp;
      *pp = it->next;
      it->next = NULL;
      return it;
    }
  }
  return NULL;
}

static void fs_done_cb(uv_fs_t *req) {
  struct item *it = unlink_req(&inflight, req);
  uv_fs_cb cb = it->u.fs.cb;
  free(it->u.fs.bufs);
  free(it);
  if (cb)
    cb(req);
}

static void work_cb(uv_work_t *req) {
  ((uv_work_cb)req->reserved[0])(req);
}

static void after_work_cb(uv_work_t *req, int status) {
  struct item *it = unlink_req(&inflight, req);
  uv_after_work_cb after = it->u.work.after;
  free(it);
  if (after)
    after(req, status);
}

int sched_uv_fs_write(uv_loop_t *loop, uv_fs_t *req, uv_file file,
                      const uv_buf_t bufs[], unsigned int nbufs,
                      int64_t offset, uv_fs_cb cb) {
  struct item *it;

  if (strategy == S_NONE || cb == NULL)
    return uv_fs_write(loop, req, file, bufs, nbufs, offset, cb);
  if (nbufs == 0 || bufs == NULL)
    return UV_EINVAL;
  it = new_item(K_FS_WRITE, loop, req);
  it->u.fs.file = file;
  it->u.fs.nbufs = nbufs;
  it->u.fs.offset = offset;
  it->u.fs.cb = cb;
  it->u.fs.bufs = malloc(nbufs * sizeof *bufs);
  if (it->u.fs.bufs == NULL)
    fatal("malloc", UV_ENOMEM);
  memcpy(it->u.fs.bufs, bufs, nbufs * sizeof *bufs);
  return 0;
}

int sched_uv_queue_work(uv_loop_t *loop, uv_work_t *req, uv_work_cb work,
                        uv_after_work_cb after) {
  struct item *it;

  if (strategy == S_NONE)
    return uv_queue_work(loop, req, work, after);
  if (work == NULL)
    return UV_EINVAL;
  it = new_item(K_WORK, loop, req);
  it->u.work.work = work;
  it->u.work.after = after;
  return 0;
}

/* Chooses the next held request to release, or NULL when none is held. */
static struct item *pick(void) {
  struct item *it, *last = NULL;
  size_t n = 0, k;

  if (held == NULL)
    return NULL;
  for (it = held; it; it = it->next, n++)
    last = it;
  switch (strategy) {
  case S_FIFO:
    return held;
  case S_LIFO:
    return last;
  case S_ORDER:
    if (script_pos < script_len) {
      unsigned code = script[script_pos];
      for (it = held; it; it = it->next)
        if (((unsigned)it->kind << 24 | it->num) == code) {
          script_pos++;
          return it;
        }
      fprintf(stderr,
              "sched: schedule no longer matches the program: step %zu "
              "(%s#%u) is not pending; continuing with random:0\n",
              script_pos + 1, kind_names[code >> 24], code & 0xffffff);
    } else {
      fprintf(stderr, "sched: schedule ran out after %zu steps; continuing "
                      "with random:0\n",
              script_len);
    }
    strategy = S_RANDOM;
    rng_seed(0);
    /* fall through */
  case S_RANDOM:
    k = (size_t)(rng_next() % n);
    for (it = held; k > 0; it = it->next, k--)
      ;
    return it;
  case S_NONE:
    break;
  }
  return held;
}

static void release(struct item *it) {
  int r;

  unlink_req(&held, it->req);
  it->next = inflight;
  inflight = it;
  record(it);
  if (it->kind == K_FS_WRITE) {
    r = uv_fs_write(it->loop, it->req, it->u.fs.file, it->u.fs.bufs,
                    it->u.fs.nbufs, it->u.fs.offset, fs_done_cb);
  } else {
    /* The work callback is passed through reserved[0]: libuv does not use
     * the reserved fields of a uv_work_t. */
    ((uv_work_t *)it->req)->reserved[0] = (void *)it->u.work.work;
    r = uv_queue_work(it->loop, it->req, work_cb, after_work_cb);
  }
  if (r != 0)
    fatal("releasing a held request", r);
}

int sched_uv_run(uv_loop_t *loop, uv_run_mode mode) {
  int alive;

  if (strategy == S_NONE && held == NULL)
    return uv_run(loop, mode);
  for (;;) {
    if (inflight == NULL) {
      struct item *it = pick();
      if (it)
        release(it);
    }
    /* NOWAIT stays non-blocking; DEFAULT and ONCE take one iteration at a
     * time so that the next held request is released between them. */
    alive = uv_run(loop, mode == UV_RUN_NOWAIT ? UV_RUN_NOWAIT : UV_RUN_ONCE);
    if (mode != UV_RUN_DEFAULT)
      return alive || held || inflight;
    if (!alive && held == NULL && inflight == NULL)
      return 0;
  }
}
