/* printf.c -- log messages, recorded raw and formatted later: the logging
 * thread copies the format pointer and the arguments (strings by value);
 * the flusher turns them into text, for the printf conversions log
 * messages use, without locale or stdio. */
#include "internal.h"

#define MAX_ARGS 15

/* Length modifiers: each is read as the type it names. */
enum { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE, L_MAX, L_PTRDIFF };

/* Parses the length modifier at *f (advancing it). */
static int length_mod(const char **f) {
  const char *p = *f;
  int len = L_INT;
  if (*p == 'h')
    len = *++p == 'h' ? (p++, L_CHAR) : L_SHORT;
  else if (*p == 'l')
    len = *++p == 'l' ? (p++, L_LLONG) : L_LONG;
  else if (*p == 'z' || *p == 'j' || *p == 't')
    len = *p++ == 'z' ? L_SIZE : p[-1] == 'j' ? L_MAX : L_PTRDIFF;
  *f = p;
  return len;
}

/* The argument list of fmt, or DESC_LIBC: the conversions handled are
 * %d %i %u %x %X with hh, h, l, ll, z, j, t; %c %s %p %% without. Anything
 * else (flags, width, precision, floating point, wide characters, more
 * than MAX_ARGS arguments) is left to vsnprintf, on the logging thread. */
uint64_t corrlog__compile(const char *fmt) {
  static const unsigned char cls[] = {A_INT,   A_INT,  A_INT, A_LONG,
                                      A_LLONG, A_SIZE, A_MAX, A_PTRD};
  uint64_t desc = 0;
  int n = 0;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%')
      continue;
    if (*++f == '%')
      continue;
    int len = length_mod(&f);
    unsigned c;
    if (len == L_MAX && sizeof(intmax_t) > sizeof(long long))
      return DESC_LIBC; /* wider than any type read here */
    switch (*f) {
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
      c = cls[len];
      break;
    case 'c':
      c = A_INT;
      break;
    case 's':
      c = A_STR;
      break;
    case 'p':
      c = A_PTR;
      break;
    default:
      return DESC_LIBC;
    }
    if ((len != L_INT && (*f == 'c' || *f == 's' || *f == 'p')) ||
        n == MAX_ARGS)
      return DESC_LIBC;
    desc |= (uint64_t)c << (4 * n++);
  }
  return desc;
}

/* Copies the arguments that desc describes into dst: 8 bytes per number or
 * pointer, a 2-byte length and the bytes of each string. Strings together
 * are cut at CORRLOG_MSG_MAX bytes: the message is, so no byte the line
 * shows is lost. dst has room for CAPTURE_MAX bytes. Returns the bytes
 * used. */
size_t corrlog__capture(char *dst, uint64_t desc, va_list ap) {
  char *p = dst;
  size_t budget = CORRLOG_MSG_MAX;
  for (; desc; desc >>= 4) {
    uint64_t v;
    switch (desc & 15) {
    case A_INT:
      v = (unsigned)va_arg(ap, int);
      break;
    case A_LONG:
      v = (unsigned long)va_arg(ap, long);
      break;
    case A_LLONG:
      v = (unsigned long long)va_arg(ap, long long);
      break;
    case A_SIZE:
      v = va_arg(ap, size_t);
      break;
    case A_MAX:
      v = (uintmax_t)va_arg(ap, intmax_t);
      break;
    case A_PTRD:
      v = (uint64_t)va_arg(ap, ptrdiff_t);
      break;
    case A_PTR:
      v = (uint64_t)(uintptr_t)va_arg(ap, void *);
      break;
    default: { /* A_STR */
      uint16_t n = corrlog__capture_str(p, va_arg(ap, const char *), budget);
      budget -= n;
      p += 2 + n;
      continue;
    }
    }
    memcpy(p, &v, 8);
    p += 8;
  }
  return (size_t)(p - dst);
}

/* Reads the next number captured from args. */
static uint64_t next_num(const char **args) {
  uint64_t v;
  memcpy(&v, *args, 8);
  *args += 8;
  return v;
}

/* One conversion (f at its letter, len its length modifier) of the next
 * captured argument, at p (at most end - p bytes); returns the new end. */
static char *convert(char *p, char *end, char f, int len, const char **args) {
  char num[24], *q = num + sizeof num;
  const char *s = NULL;
  size_t sn = 0;
  if ((f == 'd' || f == 'i') && end - p > 20) {
    /* Room for any decimal: written in place. */
    uint64_t raw = next_num(args);
    long long v = len == L_CHAR    ? (signed char)raw
                  : len == L_SHORT ? (short)raw
                  : len == L_INT   ? (int)(unsigned)raw
                                   : (long long)raw;
    return corrlog__put_i64(p, v);
  }
  if (f == 's') {
    uint16_t n;
    memcpy(&n, *args, 2);
    s = *args + 2;
    sn = n;
    *args += 2 + n;
  } else if (f == 'c') {
    *--q = (char)next_num(args);
  } else if (f == 'd' || f == 'i') {
    uint64_t raw = next_num(args);
    long long v = len == L_CHAR    ? (signed char)raw
                  : len == L_SHORT ? (short)raw
                  : len == L_INT   ? (int)(unsigned)raw
                                   : (long long)raw;
    unsigned long long u =
        v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    q = corrlog__u64_rtl(q, u);
    if (v < 0)
      *--q = '-';
  } else { /* u x X p */
    const char *dig = f == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    unsigned base = f == 'u' ? 10 : 16;
    unsigned long long u = next_num(args);
    if (f != 'p')
      u = len == L_CHAR    ? (unsigned char)u
          : len == L_SHORT ? (unsigned short)u
          : len == L_INT   ? (unsigned)u
          : len == L_LONG  ? (unsigned long)u
                           : u;
    if (f == 'p' && !u) {
      s = "(nil)";
      sn = 5;
    } else if (base == 10) {
      q = corrlog__u64_rtl(q, u);
    } else {
      do {
        *--q = dig[u % base];
        u /= base;
      } while (u);
      if (f == 'p') {
        *--q = 'x';
        *--q = '0';
      }
    }
  }
  if (!s) {
    s = q;
    sn = (size_t)(num + sizeof num - q);
  }
  if (sn > (size_t)(end - p))
    sn = (size_t)(end - p);
  memcpy(p, s, sn);
  return p + sn;
}

/* Copies n bytes of literal text from s to p, cut at end. Runs between
 * conversions are short: a loop costs less than a call to memcpy. */
static char *put_text(char *p, char *end, const char *s, size_t n) {
  if (n > (size_t)(end - p))
    n = (size_t)(end - p);
  if (n > 16) {
    memcpy(p, s, n);
    return p + n;
  }
  for (size_t i = 0; i < n; i++)
    p[i] = s[i];
  return p + n;
}

/* A format as its flusher renders it: literal runs, each followed by a
 * conversion, then a last run. Parsed once per flushing thread and format
 * (formats are literals, so the pointer is the key); a format with "%%"
 * or more than PLAN_CONVS conversions is rendered by the general loop. */
#define PLAN_SLOTS 64
#define PLAN_CONVS 6
struct plan {
  const char *fmt;
  uint8_t n;     /* conversions */
  uint8_t plain; /* no literal byte and no conversion needs escaping */
  uint16_t tail_off, tail_len;
  struct {
    uint16_t off, len; /* the literal run before it */
    char f;
    uint8_t mod;
  } c[PLAN_CONVS];
};
static _Thread_local struct plan plans[PLAN_SLOTS];

#define PLAN_GENERAL UINT8_MAX /* n of a format the general loop renders */

/* Parses fmt into pl; returns 0 when the general loop must render it. */
static int plan_parse(struct plan *pl, const char *fmt) {
  const char *run = fmt;
  pl->n = 0;
  pl->plain = 1;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%')
      continue;
    if (f[1] == '%' || pl->n == PLAN_CONVS || f - fmt > UINT16_MAX)
      return 0;
    pl->c[pl->n].off = (uint16_t)(run - fmt);
    pl->c[pl->n].len = (uint16_t)(f - run);
    pl->plain &= (uint8_t)corrlog__all_plain(run, (size_t)(f - run));
    f++;
    pl->c[pl->n].mod = (uint8_t)length_mod(&f);
    pl->c[pl->n].f = *f;
    pl->plain &= (uint8_t)(*f != 's' && *f != 'c');
    pl->n++;
    run = f + 1;
  }
  size_t tail = strlen(run);
  if (run - fmt > UINT16_MAX || tail > UINT16_MAX)
    return 0;
  pl->tail_off = (uint16_t)(run - fmt);
  pl->tail_len = (uint16_t)tail;
  pl->plain &= (uint8_t)corrlog__all_plain(run, tail);
  return 1;
}

static void plan_make(struct plan *pl, const char *fmt) {
  if (!plan_parse(pl, fmt))
    pl->n = PLAN_GENERAL;
  pl->fmt = fmt;
}

/* The general loop: any format corrlog__compile accepted. */
static size_t render_loop(char *dst, size_t cap, const char *fmt,
                          const char *args) {
  char *p = dst, *end = dst + cap;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%' || f[1] == '%') {
      /* A run of literal text up to the next conversion, at once. */
      const char *q = f + (*f == '%'), *e = q + 1;
      while (*e && *e != '%')
        e++;
      p = put_text(p, end, q, (size_t)(e - q));
      f = e - 1;
      continue;
    }
    f++;
    int len = length_mod(&f);
    p = convert(p, end, *f, len, &args);
  }
  return (size_t)(p - dst);
}

/* The text of fmt with the captured args, as printf would write it. Writes
 * at most cap bytes (no terminator); returns the length. *plain is set
 * when the text cannot hold a byte JSON escapes. Only for formats
 * corrlog__compile accepted. */
size_t corrlog__render(char *dst, size_t cap, const char *fmt, const char *args,
                       int *plain) {
  struct plan *pl = &plans[((uintptr_t)fmt >> 3) & (PLAN_SLOTS - 1)];
  char *p = dst, *end = dst + cap;
  if (pl->fmt != fmt)
    plan_make(pl, fmt);
  if (pl->n == PLAN_GENERAL) {
    *plain = 0;
    return render_loop(dst, cap, fmt, args);
  }
  for (unsigned i = 0; i < pl->n; i++) {
    p = put_text(p, end, fmt + pl->c[i].off, pl->c[i].len);
    p = convert(p, end, pl->c[i].f, pl->c[i].mod, &args);
  }
  p = put_text(p, end, fmt + pl->tail_off, pl->tail_len);
  *plain = pl->plain;
  return (size_t)(p - dst);
}

/* printf into dst, at most cap bytes, no terminator: captured and rendered
 * as a logged message is, or by vsnprintf for what corrlog__compile leaves
 * to libc. Returns the length. tests/test_tool_corrlog.c compares it with
 * snprintf for every conversion it accepts. */
size_t corrlog__fmt_msg(char *dst, size_t cap, const char *fmt, va_list in) {
  va_list ap;
  uint64_t desc = corrlog__compile(fmt);
  size_t n;
  va_copy(ap, in);
  if (desc == DESC_LIBC) {
    char tmp[CORRLOG_MSG_MAX + 1];
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    n = k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap;
    n = n < CORRLOG_MSG_MAX ? n : CORRLOG_MSG_MAX;
    memcpy(dst, tmp, n);
  } else {
    char args[CAPTURE_MAX];
    corrlog__capture(args, desc, ap);
    int plain;
    n = corrlog__render(dst, cap, fmt, args, &plain);
  }
  va_end(ap);
  return n;
}
