/* printf.c -- log messages, recorded raw and formatted later: the logging
 * thread copies the format pointer and the arguments (strings by value);
 * the flusher turns them into text, for the printf conversions log
 * messages use, without locale or stdio. */
#include "internal.h"

/* How a format's arguments are read, one nibble per argument, lowest
 * first; 0 ends the list. A format is "compiled" once per thread and call
 * site (see the cache in corrlog__capture). */
enum {
  A_END,
  A_INT,   /* int, unsigned, char, short (promoted) */
  A_LONG,  /* long, unsigned long */
  A_LLONG, /* long long */
  A_SIZE,  /* size_t, ssize_t */
  A_MAX,   /* intmax_t, uintmax_t */
  A_PTRD,  /* ptrdiff_t */
  A_PTR,   /* void * */
  A_STR    /* const char *: copied */
};
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
      const char *s = va_arg(ap, const char *);
      uint16_t n = 0;
      if (!s)
        s = "(null)";
      while (n < budget && s[n])
        n++;
      budget -= n;
      memcpy(p, &n, 2);
      memcpy(p + 2, s, n);
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

/* The text of fmt with the captured args, as printf would write it. Writes
 * at most cap bytes (no terminator); returns the length. Only for formats
 * corrlog__compile accepted. */
size_t corrlog__render(char *dst, size_t cap, const char *fmt,
                       const char *args) {
  char *p = dst, *end = dst + cap;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%' || f[1] == '%') {
      /* A run of literal text up to the next conversion, at once. */
      const char *q = f + (*f == '%'), *e = q + 1;
      while (*e && *e != '%')
        e++;
      size_t k = (size_t)(e - q) < (size_t)(end - p) ? (size_t)(e - q)
                                                     : (size_t)(end - p);
      memcpy(p, q, k);
      p += k;
      f = e - 1;
      continue;
    }
    f++;
    int len = length_mod(&f);
    char num[24], *q = num + sizeof num;
    const char *s = NULL;
    size_t sn = 0;
    if (*f == 's') {
      uint16_t n;
      memcpy(&n, args, 2);
      s = args + 2;
      sn = n;
      args += 2 + n;
    } else if (*f == 'c') {
      *--q = (char)next_num(&args);
    } else if (*f == 'd' || *f == 'i') {
      uint64_t raw = next_num(&args);
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
      const char *dig = *f == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
      unsigned base = *f == 'u' ? 10 : 16;
      unsigned long long u = next_num(&args);
      if (*f != 'p')
        u = len == L_CHAR    ? (unsigned char)u
            : len == L_SHORT ? (unsigned short)u
            : len == L_INT   ? (unsigned)u
            : len == L_LONG  ? (unsigned long)u
                             : u;
      if (*f == 'p' && !u) {
        s = "(nil)";
        sn = 5;
      } else if (base == 10) {
        q = corrlog__u64_rtl(q, u);
      } else {
        do {
          *--q = dig[u % base];
          u /= base;
        } while (u);
        if (*f == 'p') {
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
    p += sn;
  }
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
    n = corrlog__render(dst, cap, fmt, args);
  }
  va_end(ap);
  return n;
}
