/* trace_fast.c -- a strict hand-written parser for the flat line form that
 * corrlog writes, used before jansson because building a jansson document
 * per line costs most of the tool's time on a large log.
 *
 * The contract is all-or-nothing: for a line it accepts, it produces exactly
 * the event the jansson path (trace_parse_line without this file) would
 * produce; for anything else -- a key it does not know, a nested value, a
 * duplicate key, an escape it does not decode, invalid UTF-8, a number with
 * a fraction or out of range, a missing or invalid field -- it declines and
 * the jansson path parses the line, so error messages stay those of one
 * parser. tests/fuzz/fuzz_trace.c checks the contract by running both.
 */
#include "trace_impl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The keys of the schema (tools/runtime/corrlog/corrlog.h); bits of `seen`. */
enum {
  K_EV,
  K_OP,
  K_PARENT,
  K_THREAD,
  K_KIND,
  K_MSG,
  K_SITE,
  K_TS,
  K_SEQ,
  K_LC,
  K_STATUS,
  K_DROPPED,
  K_ATTRS,
  K_NSTR = K_TS /* keys before this one take string values */
};

/* Attribute objects with more keys than this go to jansson: corrlog writes
 * a handful, and the duplicate check below is quadratic. */
#define ATTRS_MAX 16

static int is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char *skip_ws(char *p, const char *end) {
  while (p < end && is_ws(*p))
    p++;
  return p;
}

/* Which known key the len bytes at k spell, or -1. Each name is compared
 * at a constant length, which the compiler turns into a load and a compare
 * or two: this runs for every key of every line. */
static int key_id(const char *k, size_t len) {
#define IS(name) (len == sizeof name - 1 && memcmp(k, name, len) == 0)
  switch (k[0]) {
  case 'a':
    return IS("attrs") ? K_ATTRS : -1;
  case 'd':
    return IS("dropped") ? K_DROPPED : -1;
  case 'e':
    return IS("ev") ? K_EV : -1;
  case 'k':
    return IS("kind") ? K_KIND : -1;
  case 'l':
    return IS("lc") ? K_LC : -1;
  case 'm':
    return IS("msg") ? K_MSG : -1;
  case 'o':
    return IS("op") ? K_OP : -1;
  case 'p':
    return IS("parent") ? K_PARENT : -1;
  case 's':
    return IS("seq")      ? K_SEQ
           : IS("site")   ? K_SITE
           : IS("status") ? K_STATUS
                          : -1;
  case 't':
    return IS("ts") ? K_TS : IS("thread") ? K_THREAD : -1;
  }
  return -1;
#undef IS
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The four hex digits at p (p + 4 <= end checked by the caller), or -1. */
static long hex4(const char *p) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(p[i]);
    if (h < 0)
      return -1;
    v = v * 16 + h;
  }
  return v;
}

static char *put_utf8(char *w, unsigned long u) {
  if (u < 0x80) {
    *w++ = (char)u;
  } else if (u < 0x800) {
    *w++ = (char)(0xC0 | (u >> 6));
    *w++ = (char)(0x80 | (u & 0x3F));
  } else if (u < 0x10000) {
    *w++ = (char)(0xE0 | (u >> 12));
    *w++ = (char)(0x80 | ((u >> 6) & 0x3F));
    *w++ = (char)(0x80 | (u & 0x3F));
  } else {
    *w++ = (char)(0xF0 | (u >> 18));
    *w++ = (char)(0x80 | ((u >> 12) & 0x3F));
    *w++ = (char)(0x80 | ((u >> 6) & 0x3F));
    *w++ = (char)(0x80 | (u & 0x3F));
  }
  return w;
}

/* Decodes the escape sequence at p (a backslash) into *w, moving *w past
 * what it wrote. Returns the input after the sequence, or NULL to decline
 * (escapes jansson rejects, and \u0000, which would cut the string). */
static char *scan_escape(char *p, const char *end, char **w) {
  static const char plain[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
  const char *k;
  long u, lo;

  if (end - p < 2)
    return NULL;
  if (p[1] != 'u') {
    if (!p[1] || !(k = strchr(plain, p[1])))
      return NULL;
    *(*w)++ = decoded[k - plain];
    return p + 2;
  }
  if (end - p < 6 || (u = hex4(p + 2)) < 0)
    return NULL;
  if (u == 0 || (u >= 0xDC00 && u <= 0xDFFF))
    return NULL;
  if (u >= 0xD800 && u <= 0xDBFF) {
    /* Only a high surrogate followed by an escaped low one. */
    if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
        (lo = hex4(p + 8)) < 0xDC00 || lo > 0xDFFF)
      return NULL;
    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
    p += 6;
  }
  *w = put_utf8(*w, (unsigned long)u);
  return p + 6;
}

/* Decodes the JSON string whose opening quote *pp points at, in place: the
 * decoded text is never longer than the encoded one, so it is written over
 * it and NUL-terminated where the closing quote was at the latest. Returns
 * the decoded string and moves *pp past the closing quote, or NULL to
 * decline. */
static char *scan_str(char **pp, const char *end) {
  char *s = *pp + 1, *p = s, *w;

  /* Plain ASCII needs no copying: the common case in corrlog output. */
  while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20 &&
         (unsigned char)*p < 0x80)
    p++;
  w = p;
  while (p < end) {
    unsigned char c = (unsigned char)*p;

    if (c == '"') {
      *w = '\0';
      *pp = p + 1;
      return s;
    }
    if (c < 0x20)
      return NULL; /* control characters must be escaped */
    if (c >= 0x80) {
      /* What jansson accepts: no overlong forms, no surrogates, nothing
       * above U+10FFFF. */
      size_t n = corrlog__utf8_len((const unsigned char *)p, (size_t)(end - p));
      if (n == 0)
        return NULL;
      memmove(w, p, n);
      w += n;
      p += n;
      continue;
    }
    if (c != '\\') {
      *w++ = (char)c;
      p++;
      continue;
    }
    if (!(p = scan_escape(p, end, &w)))
      return NULL;
  }
  return NULL;
}

/* Parses a JSON integer (no fraction, no exponent, no leading zeros) at *pp
 * into *out. Returns 0, or -1 to decline (including values outside long
 * long, which jansson reports as too big). */
static int scan_int(char **pp, const char *end, long long *out) {
  char *p = *pp;
  unsigned long long v = 0, limit = LLONG_MAX;
  int neg = 0;

  if (p < end && *p == '-') {
    neg = 1;
    limit = (unsigned long long)LLONG_MAX + 1;
    p++;
  }
  if (p >= end || *p < '0' || *p > '9')
    return -1;
  if (*p == '0') {
    p++;
  } else {
    while (p < end && *p >= '0' && *p <= '9') {
      unsigned d = (unsigned)(*p - '0');
      if (v > (limit - d) / 10)
        return -1;
      v = v * 10 + d;
      p++;
    }
  }
  if (p < end &&
      (*p == '.' || *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9')))
    return -1;
  if (neg)
    *out = v == 0 ? 0 : -(long long)(v - 1) - 1;
  else
    *out = (long long)v;
  *pp = p;
  return 0;
}

/* Parses the flat attrs object whose '{' *pp points at: string values only,
 * no duplicate keys. Sets *res and *access (NULL when absent). */
static int scan_attrs(char **pp, const char *end, const char **res,
                      const char **access) {
  const char *keys[ATTRS_MAX];
  char *p = skip_ws(*pp + 1, end);
  int n = 0;

  *res = *access = NULL;
  if (p < end && *p == '}') {
    *pp = p + 1;
    return 0;
  }
  for (;;) {
    char *k, *v;

    if (p >= end || *p != '"' || n == ATTRS_MAX || !(k = scan_str(&p, end)))
      return -1;
    for (int i = 0; i < n; i++)
      if (strcmp(keys[i], k) == 0)
        return -1;
    keys[n++] = k;
    p = skip_ws(p, end);
    if (p >= end || *p != ':')
      return -1;
    p = skip_ws(p + 1, end);
    if (p >= end || *p != '"' || !(v = scan_str(&p, end)))
      return -1;
    if (strcmp(k, "res") == 0)
      *res = v;
    else if (strcmp(k, "access") == 0)
      *access = v;
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
      p = skip_ws(p + 1, end);
      continue;
    }
    if (p < end && *p == '}') {
      *pp = p + 1;
      return 0;
    }
    return -1;
  }
}

/* The fields of one line, as scanned, before any decision about them. */
struct fields {
  const char *str[K_NSTR];
  const char *res, *access;
  long long num[K_ATTRS - K_TS];
  unsigned seen; /* bits by K_ number */
};

/* Scans one "key": value pair at p, the value decoded into fl. Returns
 * the input after it, or NULL to decline: keys with escapes, unknown or
 * repeated keys, values not of the key's type. */
static char *scan_field(char *p, const char *end, struct fields *fl) {
  const char *k;
  int id;

  if (p >= end || *p != '"')
    return NULL;
  k = ++p;
  while (p < end && *p != '"' && *p != '\\')
    p++;
  if (p >= end || *p != '"')
    return NULL;
  id = key_id(k, (size_t)(p - k));
  if (id < 0 || (fl->seen & (1u << id)))
    return NULL;
  fl->seen |= 1u << id;
  p = skip_ws(p + 1, end);
  if (p >= end || *p != ':')
    return NULL;
  p = skip_ws(p + 1, end);
  if (p >= end)
    return NULL;
  if (id < K_NSTR) {
    if (*p != '"' || !(fl->str[id] = scan_str(&p, end)))
      return NULL;
  } else if (id == K_ATTRS) {
    if (*p != '{' || scan_attrs(&p, end, &fl->res, &fl->access) < 0)
      return NULL;
  } else if (scan_int(&p, end, &fl->num[id - K_TS]) < 0) {
    return NULL;
  }
  return p;
}

/* Scans the object in s (len bytes, s[len] == '\0', modified in place)
 * into fl. Returns 0, or -1 to decline. */
static int scan_obj(char *s, size_t len, struct fields *fl) {
  const char *end = s + len;
  char *p = skip_ws(s, end);

  if (p >= end || *p != '{')
    return -1;
  p = skip_ws(p + 1, end);
  for (;;) {
    if (!(p = scan_field(p, end, fl)))
      return -1;
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
      p = skip_ws(p + 1, end);
      continue;
    }
    if (p < end && *p == '}')
      break;
    return -1;
  }
  return skip_ws(p + 1, end) == end ? 0 : -1;
}

/* The value of integer key k. */
#define NUM(fl, k) ((fl)->num[(k)-K_TS])

/* The event the scanned fields make: the same decisions as the jansson
 * path, in terms of what it accepts. Returns 1 with *out filled in (strings
 * point into the scanned line), 0 to decline. */
static int to_event(const struct fields *fl, struct trace_event *out) {
  int ev = fl->str[K_EV]
               ? trace__ev_lookup(fl->str[K_EV], strlen(fl->str[K_EV]))
               : -1;

  if (ev < 0)
    return 0;
  out->ev = (enum trace_ev)ev;
  if (ev == TRACE_EV_TRAILER) {
    out->dropped = NUM(fl, K_DROPPED);
    return NUM(fl, K_DROPPED) >= 0;
  }
  if (!fl->str[K_OP] || !*fl->str[K_OP])
    return 0;
  out->op = fl->str[K_OP];
  out->parent = trace__no_parent(fl->str[K_PARENT]) ? NULL : fl->str[K_PARENT];
  out->thread = fl->str[K_THREAD];
  out->kind = fl->str[K_KIND];
  out->msg = fl->str[K_MSG];
  out->site = fl->str[K_SITE];
  if (NUM(fl, K_TS) < 0 || NUM(fl, K_SEQ) < 0 || NUM(fl, K_LC) < 0 ||
      NUM(fl, K_STATUS) < INT_MIN || NUM(fl, K_STATUS) > INT_MAX)
    return 0;
  out->ts = NUM(fl, K_TS);
  out->seq = NUM(fl, K_SEQ);
  out->lc = NUM(fl, K_LC);
  out->status = NUM(fl, K_STATUS);
  out->has = ((fl->seen >> K_TS) & 1 ? TRACE_HAS_TS : 0) |
             ((fl->seen >> K_SEQ) & 1 ? TRACE_HAS_SEQ : 0) |
             ((fl->seen >> K_LC) & 1 ? TRACE_HAS_LC : 0) |
             ((fl->seen >> K_STATUS) & 1 ? TRACE_HAS_STATUS : 0);
  out->res = fl->res;
  out->access = fl->access;
  return 1;
}

int trace__parse_fast(const char *buf, size_t len, struct trace_event *out) {
  char *s = malloc(len + 1);
  struct fields fl = {0};

  memset(out, 0, sizeof *out);
  if (!s)
    return 0; /* jansson will report the shortage, or manage */
  memcpy(s, buf, len);
  s[len] = '\0';
  if (scan_obj(s, len, &fl) < 0 || !to_event(&fl, out)) {
    free(s);
    memset(out, 0, sizeof *out);
    return 0;
  }
  out->mem = s;
  return 1;
}
