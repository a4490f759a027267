/* utf8.c -- UTF-8 validation for the JSON encoder: what
 * JSON parsers accept, byte for byte. */
#include "internal.h"

/* Length of a valid UTF-8 sequence starting at s (n bytes available), or 0
 * when it is not one. Rejects what JSON parsers reject: overlong forms,
 * surrogates and code points above U+10FFFF. */
size_t corrlog__utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  unsigned lo = 0x80, hi = 0xbf;
  size_t len;
  if (c >= 0xc2 && c <= 0xdf)
    len = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0)
      lo = 0xa0;
    if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0)
      lo = 0x90;
    if (c == 0xf4)
      hi = 0x8f;
  } else
    return 0;
  if (n < len || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return len;
}
