/* json.c -- the JSON Lines encoder: numbers, escaped strings,
 * attributes and one event line from one record. Async-signal-safe: it
 * writes into caller memory only. */
#include "internal.h"

const char corrlog__digits2[201] = "00010203040506070809"
                                   "10111213141516171819"
                                   "20212223242526272829"
                                   "30313233343536373839"
                                   "40414243444546474849"
                                   "50515253545556575859"
                                   "60616263646566676869"
                                   "70717273747576777879"
                                   "80818283848586878889"
                                   "90919293949596979899";

/* Decimal digits of v, without a division: log10 from the bit length
 * (1233 / 4096 ~ log10(2)), corrected by one comparison. */
static unsigned dec_len(uint64_t v) {
  static const uint64_t pow10[20] = {1ull,
                                     10ull,
                                     100ull,
                                     1000ull,
                                     10000ull,
                                     100000ull,
                                     1000000ull,
                                     10000000ull,
                                     100000000ull,
                                     1000000000ull,
                                     10000000000ull,
                                     100000000000ull,
                                     1000000000000ull,
                                     10000000000000ull,
                                     100000000000000ull,
                                     1000000000000000ull,
                                     10000000000000000ull,
                                     100000000000000000ull,
                                     1000000000000000000ull,
                                     10000000000000000000ull};
  uint64_t x = v | 1; /* as many digits as v, and 0 has one */
  unsigned t = ((64 - (unsigned)__builtin_clzll(x)) * 1233) >> 12;
  return t + 1 - (x < pow10[t]); /* t <= 19 */
}

/* Decimal, written in place right to left once its length is known: going
 * through a scratch array made each number's read-back wait on the small
 * stores just made (a failed store-to-load forward), and counting the
 * digits by dividing cost a division per digit. */
char *corrlog__put_u64(char *p, uint64_t v) {
  char *end = p + dec_len(v);
  corrlog__u64_rtl(end, v);
  return end;
}

char *corrlog__put_i64(char *p, int64_t v) {
  if (v < 0) {
    *p++ = '-';
    return corrlog__put_u64(p, (uint64_t)0 - (uint64_t)v);
  }
  return corrlog__put_u64(p, (uint64_t)v);
}

/* Eight bytes' worth of nibbles, most significant first, as lower-case
 * hex digits: each nibble spread to a byte, then '0' or 'a' - 10 added by
 * a mask, eight digits at a time. */
static uint64_t hex8(uint32_t v) {
  uint64_t x = v;
  x = (x | x << 16) & 0x0000ffff0000ffffull;
  x = (x | x << 8) & 0x00ff00ff00ff00ffull;
  x = (x | x << 4) & 0x0f0f0f0f0f0f0f0full;
  /* Now nibble k of v (k = 0 lowest) is byte 7 - k of a big-endian read;
   * little-endian memory wants it the other way round. */
  uint64_t letters = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
  x += 0x3030303030303030ull + letters * ('a' - '0' - 10);
  return __builtin_bswap64(x);
}

/* Ids and parents are counters: their upper half is mostly zero, and a
 * parent often is. */
char *corrlog__put_hex16(char *p, uint64_t v) {
  static const uint64_t zeros = 0x3030303030303030ull; /* "00000000" */
  uint64_t hi = v >> 32 ? hex8((uint32_t)(v >> 32)) : zeros;
  uint64_t lo = (uint32_t)v ? hex8((uint32_t)v) : zeros;
  memcpy(p, &hi, 8);
  memcpy(p + 8, &lo, 8);
  return p + 16;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Nonzero when one of the 8 bytes of x needs escaping or checking: a
 * control byte (below 0x20), a byte of 0x80 or more (UTF-8, checked), a
 * quote or a backslash. Each test is the exact "some byte is below n"
 * form ((x - n * ONES) & ~x & HIGHS), so no plain block is sent the slow
 * way. */
static inline uint64_t block_special(uint64_t x) {
  uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');
  return (((x - ONES * 0x20) & ~x) | ((q - ONES) & ~q) | ((b - ONES) & ~b) |
          x) &
         HIGHS;
}

/* Whether none of the n bytes at s needs escaping. */
int corrlog__all_plain(const char *s, size_t n) {
  size_t i = 0;
  uint64_t x;
  if (n >= 8) {
    /* Whole blocks, the last one overlapping the one before. */
    for (; i + 8 < n; i += 8) {
      memcpy(&x, s + i, 8);
      if (block_special(x))
        return 0;
    }
    memcpy(&x, s + n - 8, 8);
    return !block_special(x);
  }
  for (; i < n; i++) {
    unsigned c = (unsigned char)s[i];
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
      return 0;
  }
  return 1;
}

/* One byte or UTF-8 sequence at s[i] that is not plain, escaped; returns
 * how many input bytes it took. */
static size_t esc_one(char **pp, const unsigned char *s, size_t i, size_t n) {
  static const char hex[] = "0123456789abcdef";
  unsigned c = s[i];
  char *p = *pp;
  size_t k = 1;
  if (c == '"' || c == '\\') {
    *p++ = '\\';
    *p++ = (char)c;
  } else if (c < 0x20) {
    p = corrlog__put_lit(p, "\\u00");
    *p++ = hex[c >> 4];
    *p++ = hex[c & 15];
  } else if (c < 0x80) {
    *p++ = (char)c;
  } else if ((k = corrlog__utf8_len(s + i, n - i)) != 0) {
    for (size_t j = 0; j < k; j++)
      *p++ = (char)s[i + j];
  } else {
    p = corrlog__put_lit(p, "\xef\xbf\xbd");
    k = 1;
  }
  *pp = p;
  return k;
}

/* Appends n bytes of s as JSON string content: quotes, backslashes and
 * control bytes escaped, invalid UTF-8 replaced by U+FFFD. Writes at most
 * 6 bytes per input byte. Plain text goes 8 bytes at a time. */
char *corrlog__put_esc(char *p, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    uint64_t x;
    if (i + 8 <= n) {
      memcpy(&x, s + i, 8);
      if (!block_special(x)) {
        memcpy(p, &x, 8);
        p += 8;
        i += 8;
        continue;
      }
    }
    i += esc_one(&p, s, i, n);
  }
  return p;
}

static size_t cstr_len(const char *s) {
  size_t n = 0;
  while (s && n < STR_MAX && s[n])
    n++;
  return n;
}

static char *put_cstr(char *p, const char *s) {
  return corrlog__put_esc(p, s, cstr_len(s));
}

/* "k=v k2=v2" -> {"k":"v","k2":"v2"}. */
static char *put_attrs(char *p, const char *s, size_t n) {
  size_t i = 0;
  int first = 1;
  *p++ = '{';
  while (i < n) {
    while (i < n && s[i] == ' ')
      i++;
    if (i == n)
      break;
    size_t k0 = i;
    while (i < n && s[i] != ' ' && s[i] != '=')
      i++;
    size_t k1 = i, v0 = i, v1 = i;
    if (i < n && s[i] == '=') {
      v0 = ++i;
      while (i < n && s[i] != ' ')
        i++;
      v1 = i;
    }
    if (!first)
      *p++ = ',';
    first = 0;
    *p++ = '"';
    p = corrlog__put_esc(p, s + k0, k1 - k0);
    p = corrlog__put_lit(p, "\":\"");
    p = corrlog__put_esc(p, s + v0, v1 - v0);
    *p++ = '"';
  }
  *p++ = '}';
  return p;
}

static const char *base_name(const char *f) {
  const char *b = f;
  for (const char *q = f; *q; q++)
    if (*q == '/')
      b = q + 1;
  return b;
}

/* The constant parts of a line -- `,"ev":"step","kind":"req","status":`
 * and `","site":"async.c:42:handle_cb"` -- depend only on pointers to
 * literals and a line number, so each is escaped once and then copied.
 * Per flushing thread, direct-mapped by the pointers; a part too long for
 * an entry is escaped every time. */
#define FRAG_SLOTS 64
#define FRAG_MAX 224 /* a multiple of FRAG_BLOCK */
#define FRAG_BLOCK 32
struct frag {
  const void *a, *b;
  int line;
  uint16_t len;
  char text[FRAG_MAX];
};
static _Thread_local struct frag ev_frags[FRAG_SLOTS], site_frags[FRAG_SLOTS];

static size_t frag_slot(const void *a, const void *b, int line) {
  uint64_t x = (uint64_t)(uintptr_t)a * 0x9e3779b97f4a7c15ull ^
               (uint64_t)(uintptr_t)b * 0xff51afd7ed558ccdull ^
               (uint64_t)(unsigned)line * 0xc4ceb9fe1a85ec53ull;
  return (size_t)(x >> 58) & (FRAG_SLOTS - 1);
}

/* Copies len bytes of kept text to p; returns p + len. Whole blocks, a
 * constant size the compiler copies in a few vector moves; the bytes past
 * len are overwritten by what follows, and a line's room (LINE_MAX_FOR)
 * has far more slack than a block. */
static inline char *frag_copy(char *p, const char *text, size_t len) {
  for (size_t i = 0; i < len; i += FRAG_BLOCK)
    memcpy(p + i, text + i, FRAG_BLOCK);
  return p + len;
}

/* Copies the cached text of f to *p when f is for a, b, line. */
static inline int frag_hit(const struct frag *f, const void *a, const void *b,
                           int line, char **p) {
  if (f->a != a || f->b != b || f->line != line || !f->len)
    return 0;
  *p = frag_copy(*p, f->text, f->len);
  return 1;
}

/* Keeps [from, to) as f's text when it fits. */
static void frag_keep(struct frag *f, const void *a, const void *b, int line,
                      const char *from, const char *to) {
  size_t n = (size_t)(to - from);
  f->len = 0;
  if (n > FRAG_MAX)
    return;
  memcpy(f->text, from, n);
  f->a = a;
  f->b = b;
  f->line = line;
  f->len = (uint16_t)n;
}

static char *put_ev_kind(char *p, const char *ev, const char *kind) {
  struct frag *f = &ev_frags[frag_slot(ev, kind, 0)];
  char *s = p;
  if (frag_hit(f, ev, kind, 0, &p))
    return p;
  p = corrlog__put_lit(p, ",\"ev\":\"");
  p = put_cstr(p, ev);
  p = corrlog__put_lit(p, "\",\"kind\":\"");
  p = put_cstr(p, kind ? kind : "op");
  p = corrlog__put_lit(p, "\",\"status\":");
  frag_keep(f, ev, kind, 0, s, p);
  return p;
}

static char *put_site(char *p, const char *file, int line, const char *func) {
  struct frag *f = &site_frags[frag_slot(file, func, line)];
  char *s = p;
  if (frag_hit(f, file, func, line, &p))
    return p;
  p = corrlog__put_lit(p, "\",\"site\":\"");
  p = put_cstr(p, base_name(file));
  *p++ = ':';
  p = corrlog__put_i64(p, line);
  *p++ = ':';
  p = put_cstr(p, func);
  *p++ = '"';
  frag_keep(f, file, func, line, s, p);
  return p;
}

/* `,"thread":"NAME","op":"` for one 16-byte thread name, kept per
 * flushing thread: a flush formats many lines of one thread in a row. */
static _Thread_local struct {
  char name[16];
  uint16_t len;
  char text[FRAG_MAX];
} thread_frag;

static char *put_thread(char *p, const char name[16]) {
  char *s = p;
  if (thread_frag.len && memcmp(thread_frag.name, name, 16) == 0)
    return frag_copy(p, thread_frag.text, thread_frag.len);
  p = corrlog__put_lit(p, ",\"thread\":\"");
  p = name[0] ? corrlog__put_esc(p, name, strnlen(name, 16))
              : corrlog__put_lit(p, "main");
  p = corrlog__put_lit(p, "\",\"op\":\"");
  thread_frag.len = 0;
  if ((size_t)(p - s) <= FRAG_MAX) {
    memcpy(thread_frag.name, name, 16);
    memcpy(thread_frag.text, s, (size_t)(p - s));
    thread_frag.len = (uint16_t)(p - s);
  }
  return p;
}

/* A timestamp: its digits above the last eight change seldom between the
 * lines of a flush, so they are kept per flushing thread. */
static _Thread_local struct {
  uint64_t hi;
  unsigned len;
  char text[24];
} ts_high = {UINT64_MAX, 0, ""};

static char *put_ts(char *p, uint64_t ns) {
  uint64_t hi = ns / 100000000;
  if (hi == 0)
    return corrlog__put_u64(p, ns);
  if (hi != ts_high.hi) {
    ts_high.len = (unsigned)(corrlog__put_u64(ts_high.text, hi) - ts_high.text);
    ts_high.hi = hi;
  }
  memcpy(p, ts_high.text, 16);
  memcpy(p + 16, ts_high.text + 16, 8);
  p += ts_high.len;
  return corrlog__put8_rtl(p + 8, (uint32_t)(ns % 100000000)) + 8;
}

/* The message of a record whose format is a literal, rendered from the
 * arguments the logging thread copied straight into the line; its text is
 * escaped only when it holds something to escape (LINE_MAX_FOR leaves room
 * for the raw text first). */
static char *put_rendered(char *p, const struct rec *r) {
  int plain;
  size_t n = corrlog__render(p, CORRLOG_MSG_MAX, r->fmt, (const char *)(r + 1),
                             &plain);
  if (plain || corrlog__all_plain(p, n))
    return p + n;
  char text[CORRLOG_MSG_MAX];
  memcpy(text, p, n);
  return corrlog__put_esc(p, text, n);
}

/* Writes the JSON line of r (with ts_ns and its thread's 16-byte name) at
 * p; returns the end. The caller guarantees LINE_MAX_FOR(r) bytes of
 * room. */
/* @snippet format */
char *corrlog__format_rec(char *p, const struct rec *r, uint64_t ts_ns,
                          const char *thread) {
  const char *msg = (const char *)(r + 1);
  p = corrlog__put_lit(p, "{\"ts\":");
  p = put_ts(p, ts_ns);
  p = put_thread(p, thread);
  p = corrlog__put_hex16(p, r->id);
  p = corrlog__put_lit(p, "\",\"parent\":\"");
  p = corrlog__put_hex16(p, r->parent);
  p = corrlog__put_lit(p, "\",\"seq\":");
  p = corrlog__put_u64(p, r->seq);
  p = corrlog__put_lit(p, ",\"lc\":");
  p = corrlog__put_u64(p, r->lc);
  p = put_ev_kind(p, r->ev, r->kind);
  p = corrlog__put_i64(p, r->status);
  p = corrlog__put_lit(p, ",\"msg\":\"");
  if (r->fmt)
    p = put_rendered(p, r);
  else
    p = corrlog__put_esc(p, msg, r->msglen);
  p = put_site(p, r->file, r->line, r->func);
  if (r->attrlen) {
    p = corrlog__put_lit(p, ",\"attrs\":");
    p = put_attrs(p, msg + r->msglen, r->attrlen);
  }
  return corrlog__put_lit(p, "}\n");
}
/* @end */
