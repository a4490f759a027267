/* main.c -- doccheck keeps the chapters true to the code: code excerpts must
 * equal the labelled source regions they name, and every command in a ```sh
 * block must run and exit as the chapter says. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

/* Check counters for the summary line; bad_input turns the exit status into
 * 2 because a chapter could not be read or parsed at all. */
static int verbose, npass, nfail, nskip, bad_input;

/* A growable NUL-terminated string. */
struct str {
  char *s;
  size_t len, cap;
};

static void str_add(struct str *b, const char *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->s = realloc(b->s, b->cap);
    if (!b->s) {
      fprintf(stderr, "doccheck: out of memory\n");
      exit(3);
    }
  }
  memcpy(b->s + b->len, p, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void str_addz(struct str *b, const char *p) {
  str_add(b, p, strlen(p));
}

static const char *str_get(const struct str *b) {
  return b->s ? b->s : "";
}

/* A file split into lines: v[i] points into buf, without its newline. */
struct lines {
  char *buf;
  char **v;
  size_t n;
};

static void lines_free(struct lines *L) {
  free(L->buf);
  free(L->v);
}

/* Reads PATH into *L; returns 0 or an errno value. */
static int read_lines(const char *path, struct lines *L) {
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
  L->v = malloc(cap * sizeof *L->v);
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

/* ---------------------------------------------------------------- fences */

/* One fenced block: the opening and closing fence line indexes, its info
 * string and the indentation of its opening fence (stripped from content). */
struct block {
  size_t open, close, indent;
  const char *info;
};

/* Returns the length of the fence run (``` or ~~~, at least 3) starting
 * line after its indentation, or 0 when the line is no fence. */
static size_t fence_len(const char *line, size_t *indent) {
  size_t i = strspn(line, " ");
  char c = line[i];
  size_t n = 0;
  if (c != '`' && c != '~')
    return 0;
  while (line[i + n] == c)
    n++;
  *indent = i;
  return n >= 3 ? n : 0;
}

/* Finds every fenced block of FILE. A closing fence uses the opening fence's
 * character at least as many times and nothing else, as in CommonMark, so a
 * ```` block can show ``` lines. Returns -1 (reported) on an unterminated
 * block. */
static int parse_blocks(const char *file, struct lines *L, struct block **out,
                        size_t *nout) {
  *out = NULL;
  *nout = 0;
  for (size_t i = 0; i < L->n; i++) {
    size_t indent, len = fence_len(L->v[i], &indent);
    if (!len)
      continue;
    char c = L->v[i][indent];
    char *info = L->v[i] + indent + len;
    info += strspn(info, " \t");
    if (c == '`' && strchr(info, '`'))
      continue; /* inline code, not a fence */
    size_t j;
    for (j = i + 1; j < L->n; j++) {
      size_t ind2, len2 = fence_len(L->v[j], &ind2);
      const char *rest = L->v[j] + ind2 + len2;
      if (len2 >= len && L->v[j][ind2] == c && !rest[strspn(rest, " \t")])
        break;
    }
    if (j == L->n) {
      fprintf(stderr, "%s:%zu: unterminated code block\n", file, i + 1);
      free(*out);
      return -1;
    }
    *out = realloc(*out, (*nout + 1) * sizeof **out);
    (*out)[(*nout)++] = (struct block){i, j, indent, info};
    i = j;
  }
  return 0;
}

/* Copies the value of the info-string word KEY=VALUE into val; returns 1 when
 * the word is present. */
static int info_value(const char *info, const char *key, char *val,
                      size_t cap) {
  size_t klen = strlen(key);
  for (const char *p = info; *p;) {
    p += strspn(p, " \t");
    size_t n = strcspn(p, " \t");
    if (n > klen && !strncmp(p, key, klen) && p[klen] == '=') {
      snprintf(val, cap, "%.*s", (int)(n - klen - 1), p + klen + 1);
      return 1;
    }
    p += n;
  }
  return 0;
}

static int info_word(const char *info, const char *word) {
  size_t wlen = strlen(word);
  for (const char *p = info; *p;) {
    p += strspn(p, " \t");
    size_t n = strcspn(p, " \t");
    if (n == wlen && !strncmp(p, word, n))
      return 1;
    p += n;
  }
  return 0;
}

/* The content of block b, with the fence's indentation removed. */
static void block_text(const struct lines *L, const struct block *b,
                       struct str *out) {
  for (size_t i = b->open + 1; i < b->close; i++) {
    const char *l = L->v[i];
    for (size_t k = 0; k < b->indent && *l == ' '; k++)
      l++;
    str_addz(out, l);
    str_add(out, "\n", 1);
  }
}

/* ---------------------------------------------------------------- snippets */

/* Does LINE open the region called NAME (`@snippet NAME`)? */
static int opens_region(const char *line, const char *name) {
  const char *p = strstr(line, "@snippet ");
  if (!p)
    return 0;
  p += strlen("@snippet ");
  p += strspn(p, " ");
  size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789_.-");
  return n == strlen(name) && !strncmp(p, name, n);
}

/* Does LINE close a region? `@end` must not be the start of a longer word. */
static int closes_region(const char *line) {
  for (const char *p = line; (p = strstr(p, "@end")); p += 4)
    if (!isalnum((unsigned char)p[4]) && p[4] != '_')
      return 1;
  return 0;
}

/* Puts region NAME of source PATH into *want. Marker lines of nested regions
 * are left out, so an outer excerpt reads as plain code. Returns 0 on
 * success, -1 after reporting why the region cannot be had (FILE:LINE is the
 * excerpt that asked for it). */
static int load_region(const char *file, size_t line, const char *path,
                       const char *name, struct str *want) {
  struct lines S;
  int err = read_lines(path, &S);
  if (err) {
    fprintf(stderr, "%s:%zu: cannot read %s: %s\n", file, line, path,
            strerror(err));
    return -1;
  }
  size_t start = 0;
  int rc = -1;
  for (size_t i = 0; i < S.n; i++) {
    if (!opens_region(S.v[i], name))
      continue;
    if (start) {
      fprintf(stderr,
              "%s:%zu: region '%s' is defined twice in %s (lines %zu "
              "and %zu)\n",
              file, line, name, path, start, i + 1);
      goto out;
    }
    start = i + 1;
  }
  if (!start) {
    fprintf(stderr, "%s:%zu: no region '%s' in %s\n", file, line, name, path);
    goto out;
  }
  int depth = 1;
  for (size_t i = start; i < S.n; i++) {
    if (strstr(S.v[i], "@snippet ")) {
      depth++;
    } else if (closes_region(S.v[i])) {
      if (--depth == 0) {
        rc = 0;
        goto out;
      }
    } else {
      str_addz(want, S.v[i]);
      str_add(want, "\n", 1);
    }
  }
  fprintf(stderr, "%s:%zu: region '%s' in %s has no @end (%s:%zu)\n", file,
          line, name, path, path, start);
out:
  lines_free(&S);
  return rc;
}

/* Puts the output of `diff -u --label A --label B A B` into *want. diff exits
 * 1 when the files differ, which is the normal case for a lesson diff. */
static int load_diff(const char *file, size_t line, const char *a,
                     const char *b, struct str *want) {
  const char *paths[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    if (access(paths[i], R_OK) != 0) {
      fprintf(stderr, "%s:%zu: cannot read %s: %s\n", file, line, paths[i],
              strerror(errno));
      return -1;
    }
  }
  char *argv[] = {"diff", "-u", "--label", (char *)a, "--label", (char *)b,
                  (char *)a, (char *)b, NULL};
  /* diff's stdout is the text; its complaints go to our stderr. */
  struct proc_opts po = {.in = PROC_NULL, .err = PROC_INHERIT};
  struct proc_run r = {.capture = 1, .capture_max = (size_t)1 << 30};
  if (proc_run(argv, &po, &r) < 0) {
    fprintf(stderr, "doccheck: cannot run diff: %s\n",
            strerror(r.spawn_errno ? r.spawn_errno : errno));
    exit(3);
  }
  if (r.out)
    str_add(want, r.out, r.out_len);
  free(r.out);
  int st = r.status;
  if (!WIFEXITED(st) || WEXITSTATUS(st) > 1) {
    fprintf(stderr, "%s:%zu: diff %s %s failed (status %d)\n", file, line, a, b,
            WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    return -1;
  }
  return 0;
}

/* Shows the first line where the excerpt (have) and the source (want)
 * part ways: enough to see what changed, short enough to read in a log. */
static void show_difference(const char *have, const char *want) {
  size_t lineno = 1;
  while (*have && *want) {
    size_t hn = strcspn(have, "\n"), wn = strcspn(want, "\n");
    if (hn != wn || strncmp(have, want, hn))
      break;
    have += hn + (have[hn] != 0);
    want += wn + (want[wn] != 0);
    lineno++;
  }
  fprintf(stderr,
          "  --- excerpt in the chapter\n  +++ source\n"
          "  @@ excerpt line %zu @@\n",
          lineno);
  if (*have)
    fprintf(stderr, "  -%.*s\n", (int)strcspn(have, "\n"), have);
  else
    fprintf(stderr, "  (the excerpt ends here)\n");
  if (*want)
    fprintf(stderr, "  +%.*s\n", (int)strcspn(want, "\n"), want);
  else
    fprintf(stderr, "  (the source ends here)\n");
}

/* Replaces PATH by the contents s through a temporary file in the same
 * directory, so an error never leaves a half-written chapter behind. */
static int write_atomic(const char *path, const struct str *s) {
  char tmp[PATH_MAX];
  struct stat st;
  if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp ||
      stat(path, &st) != 0)
    goto fail;
  int fd = mkstemp(tmp);
  if (fd < 0)
    goto fail;
  const char *p = str_get(s);
  size_t left = s->len;
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      goto fail_tmp;
    p += n;
    left -= (size_t)n;
  }
  if (fchmod(fd, st.st_mode & 07777) != 0 || fsync(fd) != 0 || close(fd) != 0) {
    fd = -1;
    goto fail_tmp;
  }
  if (rename(tmp, path) != 0) {
    fd = -1;
    goto fail_tmp;
  }
  return 0;
fail_tmp:
  fprintf(stderr, "%s: cannot rewrite: %s\n", path, strerror(errno));
  if (fd >= 0)
    close(fd);
  unlink(tmp);
  return -1;
fail:
  fprintf(stderr, "%s: cannot rewrite: %s\n", path, strerror(errno));
  return -1;
}

/* Appends the lines of L from *copied up to (not including) upto to out,
 * each with its newline; *copied becomes upto. */
static void copy_lines(struct str *out, const struct lines *L, size_t *copied,
                       size_t upto) {
  for (; *copied < upto; (*copied)++) {
    str_addz(out, L->v[*copied]);
    str_add(out, "\n", 1);
  }
}

/* Appends to out the chapter up to and including block b's opening fence,
 * then text in place of the block's content, indented like the fence so a
 * block inside a list item stays there. The closing fence is copied later,
 * with the rest of the chapter. */
static void replace_block(struct str *out, const struct lines *L,
                          size_t *copied, const struct block *b,
                          const char *text) {
  copy_lines(out, L, copied, b->open + 1);
  for (const char *p = text; *p;) {
    size_t n = strcspn(p, "\n");
    for (size_t i = 0; n > 0 && i < b->indent; i++)
      str_add(out, " ", 1);
    str_add(out, p, n);
    str_add(out, "\n", 1);
    p += n + (p[n] != 0);
  }
  *copied = b->close;
}

/* Checks (or, with refresh, rewrites) every snippet= and diff= excerpt of
 * one chapter. A chapter with an excerpt that cannot be produced is never
 * rewritten. */
static void snippets_file(const char *file, int refresh) {
  struct lines L;
  struct block *blocks;
  size_t nb;
  int err = read_lines(file, &L);
  if (err) {
    fprintf(stderr, "doccheck: cannot read %s: %s\n", file, strerror(err));
    bad_input = 1;
    return;
  }
  if (parse_blocks(file, &L, &blocks, &nb) != 0) {
    bad_input = 1;
    lines_free(&L);
    return;
  }
  struct str out = {0};
  size_t copied = 0; /* lines of L already in out */
  int refreshed = 0, errors = 0;
  for (size_t k = 0; k < nb; k++) {
    const struct block *b = &blocks[k];
    size_t line = b->open + 1;
    char spec[PATH_MAX + 256], what[PATH_MAX + 300];
    struct str want = {0}, have = {0};
    int rc;
    if (info_value(b->info, "snippet", spec, sizeof spec)) {
      char *colon = strrchr(spec, ':');
      snprintf(what, sizeof what, "snippet %s", spec);
      if (!colon || colon == spec || !colon[1]) {
        fprintf(stderr, "%s:%zu: bad snippet=%s (want snippet=PATH:NAME)\n",
                file, line, spec);
        bad_input = 1;
        rc = -1;
      } else {
        *colon = '\0';
        rc = load_region(file, line, spec, colon + 1, &want);
      }
    } else if (info_value(b->info, "diff", spec, sizeof spec)) {
      char *comma = strchr(spec, ',');
      snprintf(what, sizeof what, "diff %s", spec);
      if (!comma || comma == spec || !comma[1]) {
        fprintf(stderr, "%s:%zu: bad diff=%s (want diff=PATH_A,PATH_B)\n", file,
                line, spec);
        bad_input = 1;
        rc = -1;
      } else {
        *comma = '\0';
        rc = load_diff(file, line, spec, comma + 1, &want);
      }
    } else {
      continue;
    }
    if (rc != 0) {
      nfail++;
      errors++;
    } else {
      block_text(&L, b, &have);
      if (!strcmp(str_get(&have), str_get(&want))) {
        npass++;
        if (verbose)
          printf("%s:%zu: ok %s\n", file, line, what);
      } else if (refresh) {
        replace_block(&out, &L, &copied, b, str_get(&want));
        refreshed++;
        printf("%s:%zu: refreshed %s\n", file, line, what);
      } else {
        nfail++;
        fprintf(stderr,
                "%s:%zu: %s differs from the source (run make snippets)\n",
                file, line, what);
        show_difference(str_get(&have), str_get(&want));
      }
    }
    free(want.s);
    free(have.s);
  }
  if (refreshed) {
    copy_lines(&out, &L, &copied, L.n);
    if (errors) {
      fprintf(stderr, "%s: not rewritten because of the errors above\n", file);
      nfail += refreshed;
    } else if (write_atomic(file, &out) != 0) {
      nfail += refreshed;
    } else {
      npass += refreshed;
    }
  }
  free(out.s);
  free(blocks);
  lines_free(&L);
}

/* ---------------------------------------------------------------- outputs */

/* Normalisations an output block may declare (normalize=NAME,... or shape,
 * which is all of them): each maps what legitimately differs from run to
 * run, or from build to build, to a placeholder in both the chapter's text
 * and the command's output before they are compared. */
enum {
  N_TMP = 1,    /* /tmp/x.AbC12 or $TMPDIR/...    -> <tmp> */
  N_ADDR = 2,   /* 0x55f8cfb20d11                  -> <addr> */
  N_PID = 4,    /* ==17153==, pid=15205            -> ==<pid>==, pid=<pid> */
  N_TIME = 8,   /* 12.05, +0.352, "ts":615912316181 -> <t>, "ts":<t> */
  N_COUNT = 16, /* any other number, 7 or 28.7  -> <n> */
  N_WS = 32,    /* runs of blanks -> one; trailing blanks dropped */
};

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

/* Is this fenced block one that shows what a program printed? ```text,
 * ```console, ```output and a fence with no info string are; they must
 * declare whether they are program output ('output') or not
 * ('illustration'). */
static int is_output_block(const char *info) {
  size_t n = strcspn(info, " \t");
  return n == 0 || (n == 4 && !strncmp(info, "text", 4)) ||
         (n == 7 && !strncmp(info, "console", 7)) ||
         (n == 6 && !strncmp(info, "output", 6));
}

/* Parses normalize=LIST and shape from an output block's info string into
 * *flags; returns -1 (reported) on an unknown name. */
static int parse_norms(const char *file, size_t line, const char *info,
                       int *flags) {
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

/* The command of a "<!-- output-of: CMD -->" line right above an output
 * block, which checks the block in place of the ```sh block before it (for
 * a shown command that cannot run here, or a natural run made
 * deterministic); copied into cmd, or 0 when there is no such line. */
static int output_of(const struct lines *L, const struct block *b,
                     struct str *cmd) {
  static const char tag[] = "<!-- output-of:";
  if (b->open == 0)
    return 0;
  const char *l = L->v[b->open - 1];
  l += strspn(l, " ");
  if (strncmp(l, tag, sizeof tag - 1))
    return 0;
  l += sizeof tag - 1;
  l += strspn(l, " ");
  const char *end = strstr(l, "-->");
  if (!end || end[3 + strspn(end + 3, " \t")])
    return -1;
  while (end > l && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if (end == l)
    return -1;
  str_add(cmd, l, (size_t)(end - l));
  return 1;
}

/* Shows where an output block and the command's output part ways: the
 * chapter's line (FILE:LINE, already printed by the caller) and the
 * output's, as printed. */
static void show_output_difference(const struct lines *L, const struct block *b,
                                   size_t bad_e, const char *got,
                                   size_t bad_a) {
  fprintf(stderr, "  --- chapter\n  +++ output\n");
  if (bad_e < b->close - b->open - 1)
    fprintf(stderr, "  -%s\n", L->v[b->open + 1 + bad_e] + b->indent);
  else
    fprintf(stderr, "  (the block ends here)\n");
  size_t i = 0;
  const char *p = got;
  for (; *p && i < bad_a; i++)
    p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0);
  if (*p)
    fprintf(stderr, "  +%.*s\n", (int)strcspn(p, "\n"), p);
  else
    fprintf(stderr, "  (the output ends here)\n");
}

/* ---------------------------------------------------------------- commands */

/* The signals run_command waits for; they stay blocked while commands run so
 * that sigtimedwait can collect them without races. */
static sigset_t waitset, oldmask;

/* An interrupt that came while no command ran (signals are blocked then,
 * and delivered here when the next command starts). */
static volatile sig_atomic_t pending_sig;

static void on_signal(int sig) {
  if (sig != SIGCHLD)
    pending_sig = sig;
}

/* Prints the last n lines of the captured output f, indented. */
static void show_tail(FILE *f, int n) {
  char buf[16384];
  off_t size = lseek(fileno(f), 0, SEEK_END);
  off_t from = size > (off_t)sizeof buf ? size - (off_t)sizeof buf : 0;
  ssize_t len =
      size > 0 ? pread(fileno(f), buf, (size_t)(size - from), from) : 0;
  if (len <= 0) {
    fprintf(stderr, "    (no output)\n");
    return;
  }
  ssize_t start = len - (buf[len - 1] == '\n' ? 1 : 0);
  while (start > 0 && n > 0)
    if (buf[--start] == '\n')
      n--;
  if (n == 0)
    start++;
  for (ssize_t i = start; i < len;) {
    ssize_t j = i;
    while (j < len && buf[j] != '\n')
      j++;
    fprintf(stderr, "    | %.*s\n", (int)(j - i), buf + i);
    i = j + 1;
  }
}

/* Reaps what a command left that has become our child (we are a
 * subreaper): the runner has already stopped the command's group. */
static void reap_orphans(void) {
  while (waitpid(-1, NULL, WNOHANG) > 0 || errno == EINTR) {
  }
}

/* Runs one command with /bin/sh -c in its own process group, output to an
 * anonymous temporary file, and checks its exit status against expect.
 * Appends what it printed (stdout and stderr, as they interleaved) to
 * capture when given. Returns 1 when it exited as expected. */
static int run_command(const char *file, size_t line, const char *cmd,
                       int expect, int timeout, struct str *capture) {
  /* The command as shown in messages: continuation lines joined. */
  struct str shown = {0};
  for (const char *p = cmd; *p; p++) {
    if (p[0] == '\\' && p[1] == '\n') {
      p += 1 + strspn(p + 2, " \t");
      if (shown.len == 0 || shown.s[shown.len - 1] != ' ')
        str_add(&shown, " ", 1);
    } else {
      str_add(&shown, p, 1);
    }
  }
  if (verbose || isatty(2))
    fprintf(stderr, "%s:%zu: $ %s\n", file, line, shown.s);
  fflush(NULL);
  FILE *out = tmpfile();
  if (!out) {
    fprintf(stderr, "doccheck: cannot create a temporary file: %s\n",
            strerror(errno));
    exit(3);
  }
  /* The workbook's process runner (tools/runtime/proc): /bin/sh -c in its own
   * process group, stopped with SIGTERM, a grace and SIGKILL at the time
   * limit or when doccheck is interrupted. */
  char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
  struct proc_opts po = {.in = PROC_NULL,
                         .out = PROC_FD,
                         .out_target = fileno(out),
                         .err = PROC_MERGE};
  struct proc_run r = {.timeout_s = timeout};
  int st = 0, timed_out = 0;
  sigprocmask(SIG_SETMASK, &oldmask, NULL);
  int sig = pending_sig;
  int rc = sig ? 0 : proc_run(argv, &po, &r);
  sigprocmask(SIG_BLOCK, &waitset, NULL);
  if (!sig)
    sig = r.interrupted ? r.interrupted : pending_sig;
  reap_orphans();
  if (rc < 0) {
    fprintf(stderr, "doccheck: cannot run /bin/sh: %s\n",
            strerror(r.spawn_errno ? r.spawn_errno : errno));
    exit(3);
  }
  if (sig) {
    fprintf(stderr, "%s:%zu: interrupted: %s\n", file, line, shown.s);
    signal(sig, SIG_DFL);
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    raise(sig);
    exit(3);
  }
  st = r.status;
  timed_out = r.timed_out;
  double secs = r.elapsed_s;
  int got = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  if (timed_out) {
    nfail++;
    fprintf(stderr, "%s:%zu: timed out after %d s: %s\n", file, line, timeout,
            shown.s);
    show_tail(out, 20);
  } else if (got != expect) {
    nfail++;
    fprintf(stderr, "%s:%zu: expected exit %d, got %d%s%s: %s\n", file, line,
            expect, got, WIFSIGNALED(st) ? ", killed by " : "",
            WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "", shown.s);
    show_tail(out, 20);
  } else {
    npass++;
    if (verbose)
      printf("%s:%zu: ok exit %d in %.2f s: %s\n", file, line, got, secs,
             shown.s);
  }
  if (capture) {
    char chunk[8192];
    size_t n;
    rewind(out);
    while ((n = fread(chunk, 1, sizeof chunk, out)) > 0)
      str_add(capture, chunk, n);
  }
  fclose(out);
  free(shown.s);
  return !timed_out && got == expect;
}

/* Is this block a ```sh block whose commands are run? An excerpt of a shell
 * script (snippet=, diff=) is there to be read, not run. */
static int is_command_block(const char *info) {
  return !strncmp(info, "sh", 2) &&
         (!info[2] || isspace((unsigned char)info[2])) &&
         !strstr(info, "snippet=") && !strstr(info, "diff=");
}

/* Reads exit=N from an info string into *expect (0 when absent); returns
 * -1 (reported) when N is not 0..255. */
static int parse_exit(const char *file, size_t line, const char *info,
                      int *expect) {
  char val[32];
  *expect = 0;
  if (!info_value(info, "exit", val, sizeof val))
    return 0;
  char *end;
  long v = strtol(val, &end, 10);
  if (!*val || *end || v < 0 || v > 255) {
    fprintf(stderr, "%s:%zu: bad exit=%s (want 0..255)\n", file, line, val);
    return -1;
  }
  *expect = (int)v;
  return 0;
}

/* Runs every command of one ```sh block in order; their output, joined,
 * goes to capture. Returns 1 when every command exited as the block says,
 * 0 when one did not, and -1 when the block is norun (nothing ran). */
static int run_block(const char *file, const struct lines *L,
                     const struct block *b, int timeout, struct str *capture) {
  int expect, norun = info_word(b->info, "norun"), ok = 1;
  if (parse_exit(file, b->open + 1, b->info, &expect) != 0) {
    bad_input = 1;
    nfail++;
    return 0;
  }
  struct str text = {0};
  block_text(L, b, &text);
  size_t line = b->open + 1;
  for (char *p = text.s; p && *p;) {
    /* One command: a line, plus the lines a trailing backslash joins. */
    size_t first = ++line, n;
    struct str cmd = {0};
    for (;;) {
      n = strcspn(p, "\n");
      str_add(&cmd, p, n);
      int more = n > 0 && p[n - 1] == '\\' && p[n];
      p += n + (p[n] != 0);
      if (!more)
        break;
      str_add(&cmd, "\n", 1);
      line++;
    }
    const char *c = str_get(&cmd) + strspn(str_get(&cmd), " \t");
    if (*c && *c != '#') {
      if (norun) {
        nskip++;
        if (verbose)
          printf("%s:%zu: skipped (norun): %s\n", file, first, c);
      } else if (!run_command(file, first, c, expect, timeout, capture)) {
        ok = 0;
      }
    }
    free(cmd.s);
  }
  free(text.s);
  return norun ? -1 : ok;
}

/* Where refreshed output blocks of one chapter are collected. A block
 * whose command failed is left as it is, and the failure reported. */
struct rewrite {
  struct str out;
  size_t copied;
  int refreshed;
};

/* Checks output block b against got, the output of the command at
 * FILE:CMDLINE (or, with refresh, rewrites the block when it differs). */
static void compare_output(const char *file, const struct lines *L,
                           const struct block *b, int flags, size_t cmdline,
                           const char *got, int refresh, struct rewrite *rw) {
  size_t line = b->open + 1;
  struct str have = {0}, ebuf = {0}, abuf = {0};
  block_text(L, b, &have);
  size_t ne, na, bad_e = 0, bad_a = 0;
  char **E = split_norm(str_get(&have), flags, &ebuf, &ne);
  char **A = split_norm(got, flags, &abuf, &na);
  if (match_lines(E, ne, A, na, &bad_e, &bad_a)) {
    npass++;
    if (verbose)
      printf("%s:%zu: ok output of %s:%zu\n", file, line, file, cmdline);
  } else if (refresh && info_word(b->info, "measured")) {
    /* The figures come from another, longer run; a quick run's would
     * silently replace them. */
    nfail++;
    fprintf(stderr,
            "%s:%zu: not refreshed: the block holds measured figures and "
            "no longer has the shape of what %s:%zu prints; measure again "
            "and edit it by hand\n",
            file, line + 1 + bad_e, file, cmdline);
    show_output_difference(L, b, bad_e, got, bad_a);
  } else if (refresh) {
    struct str text = {0};
    /* The whole block from this one run: lines kept from an older run
     * would make a timeline no run ever printed. */
    refreshed_text(str_get(&have), got, &text);
    /* Output that holds a fence line would end the block early. */
    int fenced = 0;
    for (const char *p = str_get(&text); *p && !fenced;) {
      size_t ind;
      fenced = fence_len(p, &ind) > 0;
      p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0);
    }
    if (fenced) {
      fprintf(stderr,
              "%s:%zu: cannot refresh: the output of %s:%zu has a fence "
              "line (``` or ~~~)\n",
              file, line, file, cmdline);
      nfail++;
    } else {
      replace_block(&rw->out, L, &rw->copied, b, str_get(&text));
      rw->refreshed++;
      printf("%s:%zu: refreshed output of %s:%zu\n", file, line, file, cmdline);
    }
    free(text.s);
  } else {
    nfail++;
    fprintf(stderr,
            "%s:%zu: output differs from what %s:%zu prints (run "
            "doccheck commands --refresh)\n",
            file, line + 1 + bad_e, file, cmdline);
    show_output_difference(L, b, bad_e, got, bad_a);
  }
  free(E);
  free(A);
  free(ebuf.s);
  free(abuf.s);
  free(have.s);
}

/* Runs the commands of every ```sh block of one chapter and checks every
 * output block against the output of the command it is tied to. */
static void commands_file(const char *file, int timeout, int refresh) {
  struct lines L;
  struct block *blocks;
  size_t nb;
  int err = read_lines(file, &L);
  if (err) {
    fprintf(stderr, "doccheck: cannot read %s: %s\n", file, strerror(err));
    bad_input = 1;
    return;
  }
  if (parse_blocks(file, &L, &blocks, &nb) != 0) {
    bad_input = 1;
    lines_free(&L);
    return;
  }
  struct rewrite rw = {{0}, 0, 0};
  /* The output of the last ```sh block and what became of it: 1 every
   * command exited as expected, 0 one did not, -1 norun. */
  struct str shout = {0};
  int shstate = 0;
  for (size_t k = 0; k < nb; k++) {
    const struct block *b = &blocks[k];
    size_t line = b->open + 1;
    if (is_command_block(b->info)) {
      shout.len = 0;
      if (shout.s)
        shout.s[0] = '\0';
      shstate = run_block(file, &L, b, timeout, &shout);
      continue;
    }
    int prev_sh = k > 0 && is_command_block(blocks[k - 1].info);
    if (!is_output_block(b->info))
      continue;
    int tied = info_word(b->info, "output"),
        illus = info_word(b->info, "illustration"), flags, expect;
    if (tied == illus) {
      fprintf(stderr,
              tied ? "%s:%zu: an output block is either 'output' or "
                     "'illustration', not both\n"
                   : "%s:%zu: output block tied to no command: mark it "
                     "'output' (the output of the ```sh block before it) or "
                     "'illustration' (not program output)\n",
              file, line);
      nfail++;
      continue;
    }
    if (illus) {
      nskip++;
      if (verbose)
        printf("%s:%zu: skipped (illustration)\n", file, line);
      continue;
    }
    if (parse_norms(file, line, b->info, &flags) != 0 ||
        parse_exit(file, line, b->info, &expect) != 0) {
      bad_input = 1;
      nfail++;
      continue;
    }
    struct str cmd = {0};
    int sub = output_of(&L, b, &cmd);
    if (sub < 0) {
      fprintf(stderr,
              "%s:%zu: bad output-of line (want <!-- output-of: CMD --> on "
              "one line)\n",
              file, line - 1);
      bad_input = 1;
      nfail++;
    } else if (sub) {
      /* The block stands for a command not run as shown; this one, which
       * can run here, is checked against it instead. */
      struct str got = {0};
      /* A failed run is reported; its output proves nothing. */
      if (run_command(file, line - 1, str_get(&cmd), expect, timeout, &got))
        compare_output(file, &L, b, flags, line - 1, str_get(&got), refresh,
                       &rw);
      free(got.s);
    } else if (!prev_sh) {
      fprintf(stderr,
              "%s:%zu: an 'output' block must come right after the ```sh "
              "block it shows (or have <!-- output-of: CMD --> above it)\n",
              file, line);
      nfail++;
    } else if (shstate < 0) {
      fprintf(stderr,
              "%s:%zu: the output of a norun block cannot be checked: put "
              "<!-- output-of: CMD --> above it, with a command that can run "
              "here, or mark it 'illustration' and say why\n",
              file, line);
      nfail++;
    } else if (shstate > 0) {
      compare_output(file, &L, b, flags, blocks[k - 1].open + 1,
                     str_get(&shout), refresh, &rw);
    }
    free(cmd.s);
  }
  if (rw.refreshed) {
    copy_lines(&rw.out, &L, &rw.copied, L.n);
    if (write_atomic(file, &rw.out) != 0) {
      nfail += rw.refreshed;
    } else {
      npass += rw.refreshed;
    }
  }
  free(rw.out.s);
  free(shout.s);
  free(blocks);
  lines_free(&L);
}

/* ---------------------------------------------------------------- main */

static const char usage_main[] =
    "usage: doccheck snippets [--refresh] [-v] FILE.md...\n"
    "       doccheck commands [--refresh] [--timeout SEC] [-v] FILE.md...\n"
    "\n"
    "Keeps the workbook's chapters true to the code.\n"
    "  snippets  every excerpt ```LANG snippet=PATH:NAME and ```diff diff=A,B\n"
    "            must equal the source region or the diff it names\n"
    "  commands  every command in a ```sh block must exit as the block says,\n"
    "            and every output block must show what its command prints\n"
    "\n"
    "Each run ends with one line 'doccheck: N passed, M failed[, K skipped]'.\n"
    "Exit status: 0 every check passed, 1 a check failed, 2 usage error or a\n"
    "chapter that cannot be read or parsed, 3 internal failure.\n"
    "See 'doccheck snippets --help' and 'doccheck commands --help'.\n";

static const char usage_snippets[] =
    "usage: doccheck snippets [--refresh] [-v] FILE.md...\n"
    "\n"
    "A source file marks a region with a line containing '@snippet NAME' and "
    "a\n"
    "line containing '@end'; the region is the lines in between, without the\n"
    "marker lines of any region nested inside it. In a chapter, a fenced "
    "block\n"
    "whose info string has snippet=PATH:NAME must hold exactly that region, "
    "and\n"
    "one with diff=PATH_A,PATH_B exactly the output of\n"
    "'diff -u --label PATH_A --label PATH_B PATH_A PATH_B'. Paths are "
    "relative\n"
    "to the current directory.\n"
    "\n"
    "  --refresh  rewrite the excerpts from the source instead of checking;\n"
    "             a chapter naming a missing region is left untouched\n"
    "  -v         also list the excerpts that match\n";

static const char usage_commands[] =
    "usage: doccheck commands [--refresh] [--timeout SEC] [-v] FILE.md...\n"
    "\n"
    "Runs every command of every fenced block whose info string starts with\n"
    "the word 'sh': each non-empty line not starting with '#' is one command\n"
    "(a trailing backslash continues it on the next line). Each runs with\n"
    "/bin/sh -c from the current directory, stdin from /dev/null, stdout and\n"
    "stderr to one file, in its own process group; whatever it leaves running\n"
    "is killed when it ends. It must exit 0, or N when the info string says\n"
    "exit=N. Blocks marked 'norun' are counted as skipped; excerpts\n"
    "(snippet=, diff=) are never run. CRITERION_JOBS=1 is set, so that a\n"
    "Criterion program reports its tests in one order on every run.\n"
    "\n"
    "Output blocks (```text, ```console, ```output, or a fence with no info\n"
    "string) must say what they are:\n"
    "  ```text illustration  not program output (a diagram, a spec, a sample\n"
    "                        the prose explains); counted as skipped\n"
    "  ```text output        what the ```sh block right before it prints, all\n"
    "                        its commands in order; compared line by line\n"
    "A line '<!-- output-of: CMD -->' right above an output block runs CMD\n"
    "instead, for a shown command that cannot run here (norun: slow, natural,\n"
    "another build) checked through one that can; exit=N on the output block\n"
    "is then CMD's expected status. An output block with neither word fails.\n"
    "\n"
    "In an output block, a line '...' stands for any number of lines, and\n"
    "normalize=LIST maps what differs from run to run to placeholders on both\n"
    "sides before comparing:\n"
    "  tmp    /tmp/... and $TMPDIR/... paths       -> <tmp>\n"
    "  addr   hexadecimal 0x... addresses         -> <addr>\n"
    "  pid    ==1234== and pid=1234               -> ==<pid>==, pid=<pid>\n"
    "  time   decimals (12.05, +0.352), \"ts\":N    -> <t>\n"
    "  count  every number, whole or not (with time too) -> <n>\n"
    "  ws     runs of blanks -> one, trailing blanks dropped\n"
    "'shape' is all of them: the same lines in the same order, any numbers.\n"
    "'measured' marks figures recorded from another run (a full benchmark\n"
    "the check runs in its quick form): compared as declared, never\n"
    "rewritten by --refresh.\n"
    "\n"
    "  --refresh      rewrite each output block that differs from what its\n"
    "                 command printed (after a tool's output changed); a\n"
    "                 block with '...' keeps as many leading and trailing\n"
    "                 lines as it had, around one '...'; a command that\n"
    "                 fails leaves its block as it is\n"
    "  --timeout SEC  kill a command (and its children) after SEC seconds\n"
    "                 (default 120)\n"
    "  -v             show each command as it starts and each check that\n"
    "                 passes (commands are shown anyway when stderr is a\n"
    "                 terminal)\n";

static int usage_error(const char *fmt, const char *arg, const char *sub) {
  fprintf(stderr, "doccheck: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see doccheck %s--help)\n", sub);
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_main, stderr);
    return 2;
  }
  const char *sub = argv[1];
  if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
    fputs(usage_main, stdout);
    return 0;
  }
  int snippets = !strcmp(sub, "snippets");
  if (!snippets && strcmp(sub, "commands"))
    return usage_error("unknown command '%s'", sub, "");
  const char *subhelp = snippets ? "snippets " : "commands ";
  int refresh = 0, timeout = 120, nfiles = 0, opts = 1;
  char **files = calloc((size_t)argc, sizeof *files);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!opts || a[0] != '-' || !a[1]) {
      files[nfiles++] = argv[i];
    } else if (!strcmp(a, "--")) {
      opts = 0;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(snippets ? usage_snippets : usage_commands, stdout);
      return 0;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      verbose = 1;
    } else if (!strcmp(a, "--refresh")) {
      refresh = 1;
    } else if (!snippets &&
               (!strcmp(a, "--timeout") || !strncmp(a, "--timeout=", 10))) {
      const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
      char *end;
      long t = v ? strtol(v, &end, 10) : 0;
      if (!v || !*v || *end || t < 1 || t > 86400)
        return usage_error("--timeout wants whole seconds from 1 to 86400, "
                           "not '%s'",
                           v ? v : "", subhelp);
      timeout = (int)t;
    } else {
      return usage_error("unknown option '%s'", a, subhelp);
    }
  }
  if (nfiles == 0)
    return usage_error("no chapter given%s", "", subhelp);

  if (snippets) {
    for (int i = 0; i < nfiles; i++)
      snippets_file(files[i], refresh);
  } else {
    /* As a subreaper we inherit whatever a command leaves behind, so the
     * timeout can wait for the whole group to be gone, not just the shell. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* Criterion reports tests in the order its parallel workers finish
     * them; one worker makes a test program's report comparable. */
    setenv("CRITERION_JOBS", "1", 1);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&waitset);
    int sigs[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
      sigaction(sigs[i], &sa, NULL);
      sigaddset(&waitset, sigs[i]);
    }
    sigprocmask(SIG_BLOCK, &waitset, &oldmask);
    for (int i = 0; i < nfiles; i++)
      commands_file(files[i], timeout, refresh);
  }
  printf("doccheck: %d passed, %d failed", npass, nfail);
  if (nskip)
    printf(", %d skipped", nskip);
  printf("\n");
  free(files);
  return bad_input ? 2 : nfail ? 1 : 0;
}
