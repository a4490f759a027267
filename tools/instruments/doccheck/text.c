/* text.c -- growable strings and a file read as lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doccheck.h"

void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) {
    fprintf(stderr, "doccheck: out of memory\n");
    exit(3);
  }
  return p;
}

void str_add(struct str *b, const char *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->s = xrealloc(b->s, b->cap);
  }
  memcpy(b->s + b->len, p, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void str_addz(struct str *b, const char *p) {
  str_add(b, p, strlen(p));
}

const char *str_get(const struct str *b) {
  return b->s ? b->s : "";
}

void str_clear(struct str *b) {
  b->len = 0;
  if (b->s)
    b->s[0] = '\0';
}

void lines_free(struct lines *L) {
  free(L->buf);
  free(L->v);
}

int read_lines(const char *path, struct lines *L) {
  FILE *f = fopen(path, "r");
  if (!f)
    return errno;
  struct str b = {0};
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    str_add(&b, chunk, n);
  int err = ferror(f) ? EIO : 0;
  fclose(f);
  if (err) {
    free(b.s);
    return err;
  }
  str_add(&b, "", 0);
  size_t cap = 1;
  for (size_t i = 0; i < b.len; i++)
    cap += b.s[i] == '\n';
  L->buf = b.s;
  L->v = xrealloc(NULL, cap * sizeof *L->v);
  L->n = 0;
  for (char *p = b.s; *p;) {
    char *nl = strchr(p, '\n');
    L->v[L->n++] = p;
    if (!nl)
      break;
    *nl = '\0';
    p = nl + 1;
  }
  return 0;
}
