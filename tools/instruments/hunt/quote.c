/* quote.c -- words quoted for a POSIX shell, for hunt's replay lines. */
#include "hunt.h"

#include <string.h>

size_t hunt_shell_quote(char *buf, size_t cap, const char *word) {
  static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                             "WXYZ0123456789_-+./:=,@%";
  size_t need = 0;
  int bare = word[0] != '\0' && strspn(word, safe) == strlen(word);
#define PUT(c)                                                                 \
  do {                                                                         \
    if (need + 1 < cap)                                                        \
      buf[need] = (c);                                                         \
    need++;                                                                    \
  } while (0)
  if (bare) {
    for (const char *s = word; *s; s++)
      PUT(*s);
  } else {
    /* Single quotes keep everything literal; a quote inside becomes '\''. */
    PUT('\'');
    for (const char *s = word; *s; s++) {
      if (*s == '\'') {
        PUT('\'');
        PUT('\\');
        PUT('\'');
        PUT('\'');
      } else {
        PUT(*s);
      }
    }
    PUT('\'');
  }
#undef PUT
  if (cap > 0)
    buf[need < cap ? need : cap - 1] = '\0';
  return need;
}
