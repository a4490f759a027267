/* output.c -- a run's output as it arrives: the bounded tail for --keep,
 * the first stderr line, --fail-on matched line by line, and the
 * handshake pipe. */
#include "hunt_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static void match_window(struct hunt *h, struct slot *s, struct stream *st,
                         const char *p, size_t n) {
  regmatch_t m[1] = {{0, (regoff_t)n}};
  if (regexec(&h->re, p, 1, m,
              REG_STARTEND | (st->line_split ? REG_NOTBOL : 0)) == 0)
    s->matched = 1;
}

/* Feeds a chunk of one stream's output to --fail-on, a line at a time. */
static void scan_output(struct hunt *h, struct slot *s, struct stream *st,
                        const char *p, size_t n) {
  while (n > 0 && !s->matched) {
    const char *nl = memchr(p, '\n', n);
    size_t seg = nl ? (size_t)(nl - p) : n;
    while (seg > 0 && !s->matched) {
      size_t room = HUNT_LINE_MAX - st->line_len;
      size_t take = seg < room ? seg : room;
      memcpy(st->line + st->line_len, p, take);
      st->line_len += take;
      p += take;
      n -= take;
      seg -= take;
      if (st->line_len == HUNT_LINE_MAX) {
        /* A long line: match this window, keep its second half so a match
         * straddling the cut is seen again in the next window. */
        match_window(h, s, st, st->line, st->line_len);
        memmove(st->line, st->line + HUNT_LINE_MAX / 2, HUNT_LINE_MAX / 2);
        st->line_len = HUNT_LINE_MAX / 2;
        st->line_split = 1;
      }
    }
    if (nl && !s->matched) {
      match_window(h, s, st, st->line, st->line_len);
      st->line_len = 0;
      st->line_split = 0;
      p++;
      n--;
    }
  }
}

static void keep_tail(struct slot *s, const char *p, size_t n) {
  s->total += n;
  if (n >= HUNT_TAIL_BYTES) {
    memcpy(s->tail, p + n - HUNT_TAIL_BYTES, HUNT_TAIL_BYTES);
    s->tail_pos = 0;
    return;
  }
  size_t first = HUNT_TAIL_BYTES - s->tail_pos;
  if (first > n)
    first = n;
  memcpy(s->tail + s->tail_pos, p, first);
  memcpy(s->tail, p + first, n - first);
  s->tail_pos = (s->tail_pos + n) % HUNT_TAIL_BYTES;
}

/* Keeps the first line of stderr, for setup failures and the summary. */
static void keep_err1(struct slot *s, const char *p, size_t n) {
  for (size_t i = 0; i < n && !s->err1_done; i++) {
    if (p[i] == '\n') {
      s->err1_done = 1;
    } else if (s->err1_len + 1 < sizeof s->err1) {
      s->err1[s->err1_len++] = p[i] == '\t' ? ' ' : p[i];
    }
  }
  s->err1[s->err1_len] = '\0';
}

int hunt__pipes_open(const struct slot *s) {
  return s->st[0].fd >= 0 || s->st[1].fd >= 0;
}

/* Reads what is ready on one of a slot's descriptors. */
void hunt__drain(struct hunt *h, struct slot *s, int which, char *buf) {
  if (which == 2) {
    char *dst = s->hs + s->hs_len;
    size_t room = sizeof s->hs - 1 - s->hs_len;
    ssize_t got = read(s->hs_fd, room ? dst : buf, room ? room : READ_CHUNK);
    if (got > 0 && room)
      s->hs_len += (size_t)got;
    else if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
      close(s->hs_fd);
      s->hs_fd = -1;
    }
    return;
  }
  struct stream *st = &s->st[which];
  ssize_t got = read(st->fd, buf, READ_CHUNK);
  if (got > 0) {
    keep_tail(s, buf, (size_t)got);
    if (which == 1)
      keep_err1(s, buf, (size_t)got);
    if (h->have_re)
      scan_output(h, s, st, buf, (size_t)got);
  } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
    close(st->fd);
    st->fd = -1;
    if (h->have_re && !s->matched && st->line_len > 0)
      match_window(h, s, st, st->line, st->line_len);
  }
}
