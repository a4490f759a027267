/* printf.c -- the message formatter: the printf
 * conversions log messages use, without locale or stdio. */
#include "internal.h"


/* Length modifiers: each is read as the type it names. */
enum { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE, L_MAX, L_PTRDIFF };

static long long arg_signed(va_list *ap, int len) {
  switch (len) {
  case L_CHAR:
    return (signed char)va_arg(*ap, int);
  case L_SHORT:
    return (short)va_arg(*ap, int);
  case L_LONG:
    return va_arg(*ap, long);
  case L_LLONG:
    return va_arg(*ap, long long);
  case L_SIZE:
    return va_arg(*ap, ssize_t);
  case L_MAX:
    return va_arg(*ap, intmax_t);
  case L_PTRDIFF:
    return va_arg(*ap, ptrdiff_t);
  default:
    return va_arg(*ap, int);
  }
}

static unsigned long long arg_unsigned(va_list *ap, int len) {
  switch (len) {
  case L_CHAR:
    return (unsigned char)va_arg(*ap, unsigned);
  case L_SHORT:
    return (unsigned short)va_arg(*ap, unsigned);
  case L_LONG:
    return va_arg(*ap, unsigned long);
  case L_LLONG:
    return va_arg(*ap, unsigned long long);
  case L_SIZE:
    return va_arg(*ap, size_t);
  case L_MAX:
    return va_arg(*ap, uintmax_t);
  case L_PTRDIFF:
    return (size_t)va_arg(*ap, ptrdiff_t);
  default:
    return va_arg(*ap, unsigned);
  }
}

/* printf for the conversions log messages use (%d %i %u %x %X with hh, h,
 * l, ll, z, j, t; %c %s %p %% without), without locale or stdio. Anything
 * else (flags, width, precision, floating point, wide characters) falls
 * back to vsnprintf for the whole message. Writes at most cap bytes (no
 * terminator); returns the length. tests/test_tool_corrlog.c compares it
 * with snprintf for every conversion it accepts. */
size_t corrlog__fmt_msg(char *dst, size_t cap, const char *fmt, va_list in) {
  va_list ap, ap2; /* a local ap, whose address is a va_list pointer */
  char *p = dst, *end = dst + cap;
  const char *f = fmt;
  va_copy(ap, in);
  va_copy(ap2, in); /* for the fallback, which starts again from the top */
  while (*f) {
    if (*f != '%') {
      if (p < end)
        *p++ = *f;
      f++;
      continue;
    }
    f++;
    if (*f == '%') {
      if (p < end)
        *p++ = '%';
      f++;
      continue;
    }
    int len = L_INT;
    if (*f == 'h')
      len = *++f == 'h' ? (f++, L_CHAR) : L_SHORT;
    else if (*f == 'l')
      len = *++f == 'l' ? (f++, L_LLONG) : L_LONG;
    else if (*f == 'z' || *f == 'j' || *f == 't')
      len = *f++ == 'z' ? L_SIZE : f[-1] == 'j' ? L_MAX : L_PTRDIFF;
    char num[24], *q = num + sizeof num;
    const char *s = NULL;
    size_t sn = 0;
    /* Wider than long long (no LP64 or ILP32 system): libc's job. */
    int conv = len == L_MAX && sizeof(intmax_t) > sizeof(long long)    ? '?'
               : len != L_INT && (*f == 'c' || *f == 's' || *f == 'p') ? '?'
                                                                       : *f;
    switch (conv) {
    case 'd':
    case 'i': {
      long long v = arg_signed(&ap, len);
      unsigned long long u =
          v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
      do {
        *--q = (char)('0' + u % 10);
        u /= 10;
      } while (u);
      if (v < 0)
        *--q = '-';
      break;
    }
    case 'u':
    case 'x':
    case 'X':
    case 'p': {
      unsigned long long u;
      const char *dig = *f == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
      unsigned base = *f == 'u' ? 10 : 16;
      if (*f == 'p') {
        void *ptr = va_arg(ap, void *);
        if (!ptr) {
          s = "(nil)";
          sn = 5;
          break;
        }
        u = (unsigned long long)(uintptr_t)ptr;
      } else
        u = arg_unsigned(&ap, len);
      do {
        *--q = dig[u % base];
        u /= base;
      } while (u);
      if (*f == 'p') {
        *--q = 'x';
        *--q = '0';
      }
      break;
    }
    case 'c':
      *--q = (char)va_arg(ap, int);
      break;
    case 's':
      s = va_arg(ap, const char *);
      if (!s)
        s = "(null)";
      sn = strlen(s);
      break;
    default: {
      /* Not handled here: let libc format the whole message. */
      char tmp[CORRLOG_MSG_MAX + 1];
      int n = vsnprintf(tmp, sizeof tmp, fmt, ap2);
      size_t k = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap;
      va_end(ap);
      va_end(ap2);
      memcpy(dst, tmp, k);
      return k;
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
    f++;
  }
  va_end(ap);
  va_end(ap2);
  return (size_t)(p - dst);
}

