/* chapter.c -- a chapter as doccheck reads it: its lines, and its fenced
 * blocks as the workbook's Markdown reader (tools/instruments/md) finds
 * them, with their info strings; and a chapter rewritten with new block
 * contents, atomically. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doccheck.h"

int chapter_read(struct chapter *ch, const char *file) {
  *ch = (struct chapter){.file = file};
  int err = read_lines(file, &ch->L);
  if (!err)
    err = md_read(file, &ch->doc);
  if (err) {
    fprintf(stderr, "doccheck: cannot read %s: %s\n", file, strerror(err));
    if (ch->L.buf)
      lines_free(&ch->L);
    *ch = (struct chapter){.file = file};
    tally.bad_input = 1;
    return -1;
  }
  size_t n;
  const struct md_fence *f = md_fences(ch->doc, &n);
  ch->blocks = xrealloc(NULL, n * sizeof *ch->blocks);
  for (size_t i = 0; i < n; i++) {
    /* A fence left open swallows the rest of its container, which is
     * never what the chapter means. */
    if (!f[i].close) {
      fprintf(stderr, "%s:%zu: unterminated code block\n", file, f[i].open);
      tally.bad_input = 1;
      chapter_free(ch);
      return -1;
    }
    ch->blocks[i] = (struct block){f[i].open - 1, f[i].close - 1, &f[i]};
  }
  ch->nb = n;
  return 0;
}

void chapter_free(struct chapter *ch) {
  free(ch->blocks);
  md_free(ch->doc);
  if (ch->L.buf)
    lines_free(&ch->L);
  *ch = (struct chapter){.file = ch->file};
}

int info_value(const char *info, const char *key, char *val, size_t cap) {
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

int info_word(const char *info, const char *word) {
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

/* Appends the chapter's lines from rw->copied up to (not including) upto,
 * each with its newline. */
static void copy_lines(const struct chapter *ch, struct rewrite *rw,
                       size_t upto) {
  for (; rw->copied < upto; rw->copied++) {
    str_addz(&rw->out, ch->L.v[rw->copied]);
    str_add(&rw->out, "\n", 1);
  }
}

/* Would the line of n bytes at p close block b? CommonMark's closing fence:
 * up to three blanks, the opening fence's character at least as many
 * times, then blanks only. */
static int closes(const struct block *b, const char *p, size_t n) {
  size_t i = 0, run = 0;
  while (i < n && i < 3 && p[i] == ' ')
    i++;
  while (i < n && p[i] == b->f->fence)
    i++, run++;
  while (i < n && (p[i] == ' ' || p[i] == '\t'))
    i++;
  return run >= b->f->fence_len && i == n;
}

int replace_block(const struct chapter *ch, struct rewrite *rw,
                  const struct block *b, const char *text) {
  for (const char *p = text; *p;) {
    size_t n = strcspn(p, "\n");
    if (closes(b, p, n))
      return -1;
    p += n + (p[n] != 0);
  }
  copy_lines(ch, rw, b->open + 1);
  /* Each line is prefixed as the fence is: blanks, and the '>' of a block
   * quote around it. */
  const char *fence = ch->L.v[b->open];
  for (const char *p = text; *p;) {
    size_t n = strcspn(p, "\n");
    for (size_t i = 0; n > 0 && i < b->f->indent; i++)
      str_add(&rw->out, fence[i] == '>' ? ">" : " ", 1);
    str_add(&rw->out, p, n);
    str_add(&rw->out, "\n", 1);
    p += n + (p[n] != 0);
  }
  /* The closing fence is copied later, with the rest of the chapter. */
  rw->copied = b->close;
  rw->refreshed++;
  return 0;
}

void finish_rewrite(const struct chapter *ch, struct rewrite *rw, int errors) {
  if (!rw->refreshed)
    return;
  copy_lines(ch, rw, ch->L.n);
  if (errors) {
    fprintf(stderr, "%s: not rewritten because of the errors above\n",
            ch->file);
    tally.nfail += rw->refreshed;
  } else if (write_atomic(ch->file, &rw->out) != 0) {
    tally.nfail += rw->refreshed;
  } else {
    tally.npass += rw->refreshed;
  }
}
