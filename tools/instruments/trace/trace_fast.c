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

/* Which known key the len bytes at k spell, or -1. */
static int key_id(const char *k, size_t len) {
  switch (len) {
  case 2:
    if (memcmp(k, "ev", 2) == 0)
      return K_EV;
    if (memcmp(k, "op", 2) == 0)
      return K_OP;
    if (memcmp(k, "ts", 2) == 0)
      return K_TS;
    if (memcmp(k, "lc", 2) == 0)
      return K_LC;
    return -1;
  case 3:
    if (memcmp(k, "msg", 3) == 0)
      return K_MSG;
    if (memcmp(k, "seq", 3) == 0)
      return K_SEQ;
    return -1;
  case 4:
    if (memcmp(k, "kind", 4) == 0)
      return K_KIND;
    if (memcmp(k, "site", 4) == 0)
      return K_SITE;
    return -1;
  case 5:
    return memcmp(k, "attrs", 5) == 0 ? K_ATTRS : -1;
  case 6:
    if (memcmp(k, "parent", 6) == 0)
      return K_PARENT;
    if (memcmp(k, "thread", 6) == 0)
      return K_THREAD;
    if (memcmp(k, "status", 6) == 0)
      return K_STATUS;
    return -1;
  case 7:
    return memcmp(k, "dropped", 7) == 0 ? K_DROPPED : -1;
  }
  return -1;
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

/* Length of the well-formed UTF-8 sequence starting with a byte >= 0x80 at
 * p, or 0: no overlong forms, no surrogates, nothing above U+10FFFF (what
 * jansson accepts). */
static int utf8_len(const unsigned char *p, const unsigned char *end) {
  unsigned long v;
  int n;

  if (*p >= 0xC2 && *p <= 0xDF)
    n = 2, v = *p & 0x1F;
  else if (*p >= 0xE0 && *p <= 0xEF)
    n = 3, v = *p & 0x0F;
  else if (*p >= 0xF0 && *p <= 0xF4)
    n = 4, v = *p & 0x07;
  else
    return 0;
  if (end - p < n)
    return 0;
  for (int i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (p[i] & 0x3F);
  }
  if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (n == 3 && v < 0x800) ||
      (n == 4 && v < 0x10000))
    return 0;
  return n;
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
      int n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
      if (n == 0)
        return NULL;
      memmove(w, p, (size_t)n);
      w += n;
      p += n;
      continue;
    }
    if (c != '\\') {
      *w++ = (char)c;
      p++;
      continue;
    }
    if (end - p < 2)
      return NULL;
    switch (p[1]) {
    case '"':
      *w++ = '"';
      break;
    case '\\':
      *w++ = '\\';
      break;
    case '/':
      *w++ = '/';
      break;
    case 'b':
      *w++ = '\b';
      break;
    case 'f':
      *w++ = '\f';
      break;
    case 'n':
      *w++ = '\n';
      break;
    case 'r':
      *w++ = '\r';
      break;
    case 't':
      *w++ = '\t';
      break;
    case 'u': {
      long u, lo;

      if (end - p < 6 || (u = hex4(p + 2)) < 0)
        return NULL;
      /* \u0000 would cut the string short; jansson rejects it. */
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
      w = put_utf8(w, (unsigned long)u);
      p += 6;
      continue;
    }
    default:
      return NULL;
    }
    p += 2;
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

static int no_parent(const char *p) {
  for (; *p; p++)
    if (*p != '0')
      return 0;
  return 1;
}

/* Parses the object in s (len bytes, s[len] == '\0', modified in place).
 * Returns 1 with *out filled in (strings point into s), 0 to decline. */
static int parse_obj(char *s, size_t len, struct trace_event *out) {
  const char *end = s + len;
  const char *str[K_NSTR] = {0};
  const char *res = NULL, *access = NULL;
  long long num[K_ATTRS - K_TS] = {0};
  unsigned seen = 0;
  char *p = skip_ws(s, end);

  if (p >= end || *p != '{')
    return 0;
  p = skip_ws(p + 1, end);
  for (;;) {
    const char *k;
    int id;

    /* Keys with escapes or unknown names are left to jansson. */
    if (p >= end || *p != '"')
      return 0;
    k = ++p;
    while (p < end && *p != '"' && *p != '\\')
      p++;
    if (p >= end || *p != '"')
      return 0;
    id = key_id(k, (size_t)(p - k));
    if (id < 0 || (seen & (1u << id)))
      return 0;
    seen |= 1u << id;
    p = skip_ws(p + 1, end);
    if (p >= end || *p != ':')
      return 0;
    p = skip_ws(p + 1, end);
    if (p >= end)
      return 0;
    if (id < K_NSTR) {
      if (*p != '"' || !(str[id] = scan_str(&p, end)))
        return 0;
    } else if (id == K_ATTRS) {
      if (*p != '{' || scan_attrs(&p, end, &res, &access) < 0)
        return 0;
    } else if (scan_int(&p, end, &num[id - K_TS]) < 0) {
      return 0;
    }
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
      p = skip_ws(p + 1, end);
      continue;
    }
    if (p < end && *p == '}')
      break;
    return 0;
  }
  if (skip_ws(p + 1, end) != end || !str[K_EV])
    return 0;

  /* The same decisions as the jansson path, in terms of what it accepts. */
  if (strcmp(str[K_EV], "trailer") == 0) {
    out->ev = TRACE_EV_TRAILER;
    if (num[K_DROPPED - K_TS] < 0)
      return 0;
    out->dropped = num[K_DROPPED - K_TS];
    return 1;
  }
  if (strcmp(str[K_EV], "begin") == 0)
    out->ev = TRACE_EV_BEGIN;
  else if (strcmp(str[K_EV], "step") == 0)
    out->ev = TRACE_EV_STEP;
  else if (strcmp(str[K_EV], "end") == 0)
    out->ev = TRACE_EV_END;
  else if (strcmp(str[K_EV], "error") == 0)
    out->ev = TRACE_EV_ERROR;
  else
    return 0;
  if (!str[K_OP] || !*str[K_OP])
    return 0;
  out->op = str[K_OP];
  out->parent =
      str[K_PARENT] && !no_parent(str[K_PARENT]) ? str[K_PARENT] : NULL;
  out->thread = str[K_THREAD];
  out->kind = str[K_KIND];
  out->msg = str[K_MSG];
  out->site = str[K_SITE];
  if (num[K_TS - K_TS] < 0 || num[K_SEQ - K_TS] < 0 || num[K_LC - K_TS] < 0 ||
      num[K_STATUS - K_TS] < INT_MIN || num[K_STATUS - K_TS] > INT_MAX)
    return 0;
  out->ts = num[K_TS - K_TS];
  out->seq = num[K_SEQ - K_TS];
  out->lc = num[K_LC - K_TS];
  out->status = num[K_STATUS - K_TS];
  out->has = ((seen >> K_TS) & 1 ? TRACE_HAS_TS : 0) |
             ((seen >> K_SEQ) & 1 ? TRACE_HAS_SEQ : 0) |
             ((seen >> K_LC) & 1 ? TRACE_HAS_LC : 0) |
             ((seen >> K_STATUS) & 1 ? TRACE_HAS_STATUS : 0);
  out->res = res;
  out->access = access;
  return 1;
}

int trace__parse_fast(const char *buf, size_t len, struct trace_event *out) {
  char *s = malloc(len + 1);

  memset(out, 0, sizeof *out);
  if (!s)
    return 0; /* jansson will report the shortage, or manage */
  memcpy(s, buf, len);
  s[len] = '\0';
  if (!parse_obj(s, len, out)) {
    free(s);
    memset(out, 0, sizeof *out);
    return 0;
  }
  out->mem = s;
  return 1;
}
