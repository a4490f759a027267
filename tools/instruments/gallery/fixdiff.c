/* fixdiff.c -- the fix as a diff, lesson first: the hunks of
 * `diff -u bug fix` that hold a FIX(NN) or BUG(NN) line, in file order,
 * then the others (the header comment, the correlation logging)
 * summarised one line each, with the command that prints them all. */
#include "gallery_ext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HUNKS 256

struct hunks {
  const char *at[MAX_HUNKS + 1]; /* each starts at "@@"; at[n]: the end */
  int n;
  int tagged[MAX_HUNKS], plus[MAX_HUNKS], minus[MAX_HUNKS];
  int lesson; /* how many are tagged */
  char fixtag[16], bugtag[16];
};

/* Prints one line of a diff, coloured on a terminal. */
static void diff_line(const char *p, size_t n) {
  const char *c = *p == '+'   ? "\033[32m"
                  : *p == '-' ? "\033[31m"
                  : *p == '@' ? "\033[36m"
                              : NULL;
  printf("%s%.*s%s\n", c ? gallery_paint(c) : "", (int)n, p,
         c ? gallery_paint("\033[0m") : "");
}

/* Splits diff's output into hunks and counts, for each, its added and
 * removed lines and whether one of them carries the lesson's tag. */
static void split_hunks(const char *diff, struct hunks *h) {
  for (const char *p = diff; *p && h->n < MAX_HUNKS - 1;) {
    if (strncmp(p, "@@", 2) == 0)
      h->at[h->n++] = p;
    p = strchr(p, '\n');
    p = p ? p + 1 : "";
  }
  h->at[h->n] = diff + strlen(diff);
  for (int k = 0; k < h->n; k++) {
    for (const char *p = h->at[k]; p < h->at[k + 1];) {
      const char *nl = memchr(p, '\n', (size_t)(h->at[k + 1] - p));
      size_t n = nl ? (size_t)(nl - p) : (size_t)(h->at[k + 1] - p);
      if ((*p == '+' || *p == '-') &&
          (memmem(p, n, h->fixtag, strlen(h->fixtag)) ||
           memmem(p, n, h->bugtag, strlen(h->bugtag))))
        h->tagged[k] = 1;
      h->plus[k] += *p == '+';
      h->minus[k] += *p == '-';
      p = nl ? nl + 1 : h->at[k + 1];
    }
    h->lesson += h->tagged[k];
  }
}

static void print_lesson(const struct hunks *h, const char *a, const char *b) {
  printf("\n%s== the lesson: the %d of %d hunks of the fix with a %s or %s "
         "line%s\n",
         gallery_paint("\033[1m"), h->lesson, h->n, h->fixtag, h->bugtag,
         gallery_paint("\033[0m"));
  printf("--- %s\n+++ %s\n", a, b);
  for (int k = 0; k < h->n; k++) {
    if (!h->tagged[k])
      continue;
    for (const char *p = h->at[k]; p < h->at[k + 1];) {
      const char *nl = memchr(p, '\n', (size_t)(h->at[k + 1] - p));
      size_t n = nl ? (size_t)(nl - p) : (size_t)(h->at[k + 1] - p);
      diff_line(p, n);
      p = nl ? nl + 1 : h->at[k + 1];
    }
  }
}

static void print_rest(const struct hunks *h, const char *a, const char *b) {
  int np = 0, nm = 0, rest = h->n - h->lesson;

  if (rest == 0)
    return;
  for (int k = 0; k < h->n; k++)
    if (!h->tagged[k])
      np += h->plus[k], nm += h->minus[k];
  printf("\n%s== the rest: %d untagged hunk%s, +%d -%d lines (header "
         "comment, logging)%s\n",
         gallery_paint("\033[1m"), rest, rest == 1 ? "" : "s", np, nm,
         gallery_paint("\033[0m"));
  for (int k = 0; k < h->n; k++) {
    const char *nl = strchr(h->at[k], '\n');
    int n = nl ? (int)(nl - h->at[k]) : (int)strlen(h->at[k]);
    char where[64];
    if (h->tagged[k])
      continue;
    snprintf(where, sizeof where, "+%d -%d", h->plus[k], h->minus[k]);
    /* 80 columns: the hunk's header (with its function) is cut. */
    printf("  %-9s %.*s%s\n", where, n > 66 ? 63 : n, h->at[k],
           n > 66 ? "..." : "");
  }
  printf("  the whole diff: diff -u %s %s\n", a, b);
}

/* The diff is captured and printed here, so that a reader that goes away
 * ends the gallery, not a child it would have to explain. */
int gallery_fix_diff(const struct scenario *s, const char *a, const char *b) {
  char *dargv[] = {"diff",    "-u",      "-p",      "--label", (char *)a,
                   "--label", (char *)b, (char *)a, (char *)b, NULL};
  struct child c = {0};
  static struct hunks h;
  int rc;

  c.keep_env = 1;
  c.quiet = 2;
  rc = gallery_run(dargv, &c);
  if ((rc != 0 && rc != 1) || c.out == NULL) {
    fprintf(stderr, "gallery: diff -u %s %s failed: %s\n", a, b,
            gallery_outcome(rc));
    free(c.out);
    return 1;
  }
  memset(&h, 0, sizeof h);
  snprintf(h.fixtag, sizeof h.fixtag, "FIX(%02d)", s->id);
  snprintf(h.bugtag, sizeof h.bugtag, "BUG(%02d)", s->id);
  split_hunks(c.out, &h);
  print_lesson(&h, a, b);
  print_rest(&h, a, b);
  free(c.out);
  return 0;
}
