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

char *corrlog__put_hex16(char *p, uint64_t v) {
  static const char hex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; i -= 2) {
    unsigned b = (unsigned)(v & 0xff);
    p[i] = hex[b & 15];
    p[i - 1] = hex[b >> 4];
    v >>= 8;
  }
  return p + 16;
}

/* Appends n bytes of s as JSON string content: quotes, backslashes and
 * control bytes escaped, invalid UTF-8 replaced by U+FFFD. Writes at most
 * 6 bytes per input byte. */
char *corrlog__put_esc(char *p, const char *str, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      size_t j = i + 1;
      while (j < n && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' &&
             s[j] != '\\')
        j++;
      memcpy(p, s + i, j - i);
      p += j - i;
      i = j;
    } else if (c == '"' || c == '\\') {
      *p++ = '\\';
      *p++ = (char)c;
      i++;
    } else if (c < 0x20) {
      p = corrlog__put_lit(p, "\\u00");
      *p++ = hex[c >> 4];
      *p++ = hex[c & 15];
      i++;
    } else {
      size_t k = corrlog__utf8_len(s + i, n - i);
      if (k) {
        for (size_t j = 0; j < k; j++)
          *p++ = (char)s[i + j];
        i += k;
      } else {
        p = corrlog__put_lit(p, "\xef\xbf\xbd");
        i++;
      }
    }
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

/* Copies the cached text of f to *p when f is for a, b, line. */
static inline int frag_hit(const struct frag *f, const void *a, const void *b,
                           int line, char **p) {
  if (f->a != a || f->b != b || f->line != line || !f->len)
    return 0;
  /* Whole blocks, a constant size the compiler copies in a few vector
   * moves; the bytes past len are overwritten by what follows, and a
   * line's room (LINE_MAX_FOR) has far more slack than a block. */
  for (size_t i = 0; i < f->len; i += FRAG_BLOCK)
    memcpy(*p + i, f->text + i, FRAG_BLOCK);
  *p += f->len;
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

/* Writes the JSON line of r (with ts_ns and thread name) at p; returns the
 * end. The caller guarantees LINE_MAX_FOR(r) bytes of room. */
/* @snippet format */
char *corrlog__format_rec(char *p, const struct rec *r, uint64_t ts_ns,
                          const char *thread) {
  const char *msg = (const char *)(r + 1);
  p = corrlog__put_lit(p, "{\"ts\":");
  p = corrlog__put_u64(p, ts_ns);
  p = corrlog__put_lit(p, ",\"thread\":\"");
  p = put_cstr(p, thread[0] ? thread : "main");
  p = corrlog__put_lit(p, "\",\"op\":\"");
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
  if (r->fmt) {
    /* Rendered now, from the arguments the logging thread copied. */
    char text[CORRLOG_MSG_MAX];
    size_t n = corrlog__render(text, sizeof text, r->fmt, msg);
    p = corrlog__put_esc(p, text, n);
  } else {
    p = corrlog__put_esc(p, msg, r->msglen);
  }
  p = put_site(p, r->file, r->line, r->func);
  if (r->attrlen) {
    p = corrlog__put_lit(p, ",\"attrs\":");
    p = put_attrs(p, msg + r->msglen, r->attrlen);
  }
  return corrlog__put_lit(p, "}\n");
}
/* @end */
