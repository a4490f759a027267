/* outputs.c -- output blocks: what a chapter shows a command printing,
 * compared line by line with what it prints, after the normalisations the
 * block declares; and the block refreshed from a new run. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doccheck.h"

static const struct {
  const char *name;
  int flag;
} norms[] = {{"tmp", N_TMP},   {"addr", N_ADDR},   {"pid", N_PID},
             {"time", N_TIME}, {"count", N_COUNT}, {"ws", N_WS}};

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* May a token start right after the character before it (c, or 0 at the
 * start of the line)? Not inside a word or a number. */
static int token_start(const char *line, const char *p) {
  if (p == line)
    return 1;
  char c = p[-1];
  return !isalnum((unsigned char)c) && c != '_' && c != '.';
}

/* Appends LINE to out with the normalisations in flags applied, in the
 * order of the enum: paths and addresses before the numbers inside them. */
static void normalize_line(const char *line, int flags, struct str *out) {
  static const char pathchars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                                  "qrstuvwxyz0123456789._/+-";
  const char *tmpdir = getenv("TMPDIR");
  size_t tlen = tmpdir && *tmpdir == '/' ? strlen(tmpdir) : 0;
  while (tlen > 1 && tmpdir[tlen - 1] == '/')
    tlen--;
  for (const char *p = line; *p;) {
    size_t n;
    if ((flags & N_TMP) && (p == line || !strchr(pathchars, p[-1])) &&
        ((!strncmp(p, "/tmp/", 5) && (n = 5)) ||
         (tlen > 1 && !strncmp(p, tmpdir, tlen) && p[tlen] == '/' &&
          (n = tlen + 1)))) {
      p += n + strspn(p + n, pathchars);
      str_addz(out, "<tmp>");
    } else if ((flags & N_ADDR) && token_start(line, p) && p[0] == '0' &&
               (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
      p += 2 + strspn(p + 2, "0123456789abcdefABCDEF");
      str_addz(out, "<addr>");
    } else if ((flags & N_PID) && !strncmp(p, "==", 2) && is_digit(p[2]) &&
               !strncmp(p + 2 + strspn(p + 2, "0123456789"), "==", 2)) {
      p += 2 + strspn(p + 2, "0123456789") + 2;
      str_addz(out, "==<pid>==");
    } else if ((flags & N_PID) && !strncmp(p, "pid=", 4) && is_digit(p[4])) {
      p += 4 + strspn(p + 4, "0123456789");
      str_addz(out, "pid=<pid>");
    } else if ((flags & N_TIME) && !strncmp(p, "\"ts\":", 5) &&
               is_digit(p[5])) {
      p += 5 + strspn(p + 5, "0123456789");
      str_addz(out, "\"ts\":<t>");
    } else if ((flags & N_TIME) &&
               ((is_digit(*p) && token_start(line, p)) ||
                ((*p == '+' || *p == '-') && is_digit(p[1]) &&
                 (p == line || p[-1] == ' ' || p[-1] == '('))) &&
               (n = (*p == '+' || *p == '-') +
                    strspn(p + (*p == '+' || *p == '-'), "0123456789"),
                p[n] == '.' && is_digit(p[n + 1]))) {
      p += n + 1 + strspn(p + n + 1, "0123456789");
      /* With count on, a rate that happens to be whole ("24%") must
       * still match one that is not ("28.7%"). */
      str_addz(out, flags & N_COUNT ? "<n>" : "<t>");
    } else if ((flags & N_COUNT) && is_digit(*p)) {
      p += strspn(p, "0123456789");
      if (p[0] == '.' && is_digit(p[1]))
        p += 1 + strspn(p + 1, "0123456789");
      str_addz(out, "<n>");
    } else if ((flags & N_WS) && (*p == ' ' || *p == '\t')) {
      p += strspn(p, " \t");
      if (*p)
        str_add(out, " ", 1);
    } else {
      str_add(out, p++, 1);
    }
  }
}

/* A line of exactly "..." (blanks around it allowed) in an output block
 * stands for any number of output lines, none included. */
static int is_elision(const char *line) {
  line += strspn(line, " \t");
  return !strncmp(line, "...", 3) && !line[3 + strspn(line + 3, " \t")];
}

/* Splits text into its lines (without newlines, trailing empty lines
 * dropped), each normalised by flags; *buf owns the strings. */
static char **split_norm(const char *text, int flags, struct str *buf,
                         size_t *n) {
  size_t cap = 1, *off = NULL;
  *n = 0;
  for (const char *p = text; *p;) {
    size_t len = strcspn(p, "\n");
    struct str line = {0};
    str_add(&line, p, len);
    if (*n == cap - 1 || !off)
      off = realloc(off, (cap *= 2) * sizeof *off);
    if (!off) {
      fprintf(stderr, "doccheck: out of memory\n");
      exit(3);
    }
    off[(*n)++] = buf->len;
    if (is_elision(str_get(&line)))
      str_addz(buf, "...");
    else
      normalize_line(str_get(&line), flags, buf);
    str_add(buf, "", 1); /* the NUL ends this line inside buf */
    free(line.s);
    p += len + (p[len] != 0);
  }
  while (*n > 0 && !buf->s[off[*n - 1]])
    (*n)--;
  char **v = malloc((*n + 1) * sizeof *v);
  if (!v) {
    fprintf(stderr, "doccheck: out of memory\n");
    exit(3);
  }
  for (size_t i = 0; i < *n; i++)
    v[i] = buf->s + off[i];
  free(off);
  return v;
}

/* Matches the expected lines E (an elision line "..." matching any run of
 * lines) against the output lines A. On a mismatch, *bad_e is the first
 * expected line that no way of matching reaches past (ne: the block ended
 * but the output goes on) and *bad_a the output line it was held against
 * (na: the output ended). */
static int match_lines(char **E, size_t ne, char **A, size_t na, size_t *bad_e,
                       size_t *bad_a) {
  /* pre[i][j]: E[0..i) matches A[0..j). */
  size_t w = na + 1;
  unsigned char *pre = calloc((ne + 1) * w, 1);
  if (!pre) {
    fprintf(stderr, "doccheck: out of memory\n");
    exit(3);
  }
  pre[0] = 1;
  for (size_t i = 1; i <= ne; i++) {
    int any = 0;
    for (size_t j = 0; j <= na; j++) {
      if (!strcmp(E[i - 1], "..."))
        any |= pre[(i - 1) * w + j];
      else
        any = j > 0 && pre[(i - 1) * w + j - 1] && !strcmp(E[i - 1], A[j - 1]);
      pre[i * w + j] = (unsigned char)any;
    }
  }
  int ok = pre[ne * w + na];
  if (!ok) {
    size_t i = ne, j = 0;
    while (i > 0) {
      for (j = 0; j <= na && !pre[i * w + j]; j++) {
      }
      if (j <= na)
        break;
      i--;
    }
    if (i == ne) { /* all of E matched, but output remains: the last row */
      for (j = na; j > 0 && !pre[i * w + j]; j--) {
      }
    } else {
      for (j = 0; !pre[i * w + j]; j++) {
      }
    }
    *bad_e = i;
    *bad_a = j;
  }
  free(pre);
  return ok;
}

/* The output lines to write on --refresh: the command's output, except
 * that a block with elisions keeps its shape: as many leading lines as the
 * block shows before its first "...", then "...", then as many trailing
 * lines as it shows after its last one. */
static void refreshed_text(const char *old, const char *got, struct str *out) {
  size_t head = 0, tail = 0, nold = 0;
  int seen = 0;
  for (const char *p = old; *p; nold++) {
    size_t n = strcspn(p, "\n");
    struct str line = {0};
    str_add(&line, p, n);
    if (is_elision(str_get(&line)))
      seen = 1, tail = 0;
    else if (seen)
      tail++;
    else
      head++;
    free(line.s);
    p += n + (p[n] != 0);
  }
  size_t ngot = 0;
  for (const char *p = got; *p; ngot++)
    p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0);
  if (!seen || head + tail >= ngot) {
    str_addz(out, got);
    return;
  }
  size_t i = 0;
  for (const char *p = got; *p; i++) {
    size_t n = strcspn(p, "\n");
    if (i < head || i >= ngot - tail) {
      str_add(out, p, n);
      str_add(out, "\n", 1);
    } else if (i == head) {
      str_addz(out, "...\n");
    }
    p += n + (p[n] != 0);
  }
}

/* Parses normalize=LIST and shape from an output block's info string into
 * *flags; returns -1 (reported) on an unknown name. */
int parse_norms(const char *file, size_t line, const char *info, int *flags) {
  char val[256];
  *flags = info_word(info, "shape")
               ? N_TMP | N_ADDR | N_PID | N_TIME | N_COUNT | N_WS
               : 0;
  if (!info_value(info, "normalize", val, sizeof val))
    return 0;
  for (char *p = val; *p;) {
    size_t n = strcspn(p, ",");
    size_t k;
    for (k = 0; k < sizeof norms / sizeof *norms; k++)
      if (strlen(norms[k].name) == n && !strncmp(p, norms[k].name, n))
        break;
    if (n == 0 || k == sizeof norms / sizeof *norms) {
      fprintf(stderr,
              "%s:%zu: unknown normalisation '%.*s' (want tmp, addr, pid, "
              "time, count or ws)\n",
              file, line, (int)n, p);
      return -1;
    }
    *flags |= norms[k].flag;
    p += n + (p[n] == ',');
  }
  return 0;
}

/* Prints line n (from 0) of text after sign, or that the WHAT ends there. */
static void show_line(const char *text, size_t n, char sign, const char *what) {
  const char *p = text;
  for (size_t i = 0; *p && i < n; i++)
    p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0);
  if (*p)
    fprintf(stderr, "  %c%.*s\n", sign, (int)strcspn(p, "\n"), p);
  else
    fprintf(stderr, "  (the %s ends here)\n", what);
}

/* Shows where an output block and the command's output part ways: the
 * chapter's line (FILE:LINE, already printed by the caller) and the
 * output's, as printed. */
static void show_output_difference(const struct block *b, size_t bad_e,
                                   const char *got, size_t bad_a) {
  fprintf(stderr, "  --- chapter\n  +++ output\n");
  show_line(b->f->text, bad_e, '-', "block");
  show_line(got, bad_a, '+', "output");
}

/* Rewrites output block b from got, the output of FILE:CMDLINE. */
static void refresh_output(const struct chapter *ch, const struct block *b,
                           size_t cmdline, const char *got,
                           struct rewrite *rw) {
  const char *file = ch->file;
  size_t line = b->open + 1;
  struct str text = {0};
  /* The whole block from this one run: lines kept from an older run
   * would make a timeline no run ever printed. */
  refreshed_text(b->f->text, got, &text);
  if (replace_block(ch, rw, b, str_get(&text)) != 0) {
    /* Output that holds a fence line would end the block early. */
    fprintf(stderr,
            "%s:%zu: cannot refresh: the output of %s:%zu has a fence "
            "line (``` or ~~~)\n",
            file, line, file, cmdline);
    tally.nfail++;
  } else {
    printf("%s:%zu: refreshed output of %s:%zu\n", file, line, file, cmdline);
  }
  free(text.s);
}

void compare_output(const struct chapter *ch, const struct block *b, int flags,
                    size_t cmdline, const char *got, int refresh,
                    struct rewrite *rw) {
  const char *file = ch->file;
  size_t line = b->open + 1;
  struct str ebuf = {0}, abuf = {0};
  size_t ne, na, bad_e = 0, bad_a = 0;
  char **E = split_norm(b->f->text, flags, &ebuf, &ne);
  char **A = split_norm(got, flags, &abuf, &na);
  if (match_lines(E, ne, A, na, &bad_e, &bad_a)) {
    tally.npass++;
    if (tally.verbose)
      printf("%s:%zu: ok output of %s:%zu\n", file, line, file, cmdline);
  } else if (refresh && info_word(b->f->info, "measured")) {
    /* The figures come from another, longer run; a quick run's would
     * silently replace them. */
    tally.nfail++;
    fprintf(stderr,
            "%s:%zu: not refreshed: the block holds measured figures and "
            "no longer has the shape of what %s:%zu prints; measure again "
            "and edit it by hand\n",
            file, line + 1 + bad_e, file, cmdline);
    show_output_difference(b, bad_e, got, bad_a);
  } else if (refresh) {
    refresh_output(ch, b, cmdline, got, rw);
  } else {
    tally.nfail++;
    fprintf(stderr,
            "%s:%zu: output differs from what %s:%zu prints (run "
            "doccheck commands --refresh)\n",
            file, line + 1 + bad_e, file, cmdline);
    show_output_difference(b, bad_e, got, bad_a);
  }
  free(E);
  free(A);
  free(ebuf.s);
  free(abuf.s);
}
