/* json.c -- the JSON Lines encoder: numbers, escaped strings,
 * attributes and one event line from one record. Async-signal-safe: it
 * writes into caller memory only. */
#include "internal.h"

static const char digits2[201] = "00010203040506070809"
                                 "10111213141516171819"
                                 "20212223242526272829"
                                 "30313233343536373839"
                                 "40414243444546474849"
                                 "50515253545556575859"
                                 "60616263646566676869"
                                 "70717273747576777879"
                                 "80818283848586878889"
                                 "90919293949596979899";

/* Decimal, two digits per division. */
char *corrlog__put_u64(char *p, uint64_t v) {
  char tmp[20];
  char *q = tmp + sizeof tmp;
  while (v >= 100) {
    unsigned d = (unsigned)(v % 100) * 2;
    v /= 100;
    *--q = digits2[d + 1];
    *--q = digits2[d];
  }
  if (v >= 10) {
    *--q = digits2[v * 2 + 1];
    *--q = digits2[v * 2];
  } else {
    *--q = (char)('0' + v);
  }
  size_t n = (size_t)(tmp + sizeof tmp - q);
  memcpy(p, q, n);
  return p + n;
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
  p = corrlog__put_lit(p, ",\"ev\":\"");
  p = put_cstr(p, r->ev);
  p = corrlog__put_lit(p, "\",\"kind\":\"");
  p = put_cstr(p, r->kind ? r->kind : "op");
  p = corrlog__put_lit(p, "\",\"status\":");
  p = corrlog__put_i64(p, r->status);
  p = corrlog__put_lit(p, ",\"msg\":\"");
  p = corrlog__put_esc(p, msg, r->msglen);
  p = corrlog__put_lit(p, "\",\"site\":\"");
  p = put_cstr(p, base_name(r->file));
  *p++ = ':';
  p = corrlog__put_i64(p, r->line);
  *p++ = ':';
  p = put_cstr(p, r->func);
  *p++ = '"';
  if (r->attrlen) {
    p = corrlog__put_lit(p, ",\"attrs\":");
    p = put_attrs(p, msg + r->msglen, r->attrlen);
  }
  return corrlog__put_lit(p, "}\n");
}
/* @end */
