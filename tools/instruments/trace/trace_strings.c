/* trace_strings.c -- how text from a log reaches an output: escaped for
 * JSON (with corrlog's own escaper) and XML, cleaned of control bytes for a
 * terminal, padded to columns, and an operation's short label. */
#include "trace_impl.h"

/* Only to hold trace_impl.h's declarations of the corrlog functions trace
 * calls to corrlog's own (a conflicting change stops the build here). */
#include "../../runtime/corrlog/internal.h"

#include <string.h>

const char trace__ev_letter[] = {'B', '.', 'E', 'X', '?'};

/* Input bytes escaped per step: corrlog__put_esc writes at most 6 bytes
 * for each. */
#define JSON_STEP 512

void trace__json_str(FILE *f, const char *s) {
  char buf[6 * JSON_STEP];
  size_t n = s ? strlen(s) : 0;

  putc('"', f);
  while (n > 0) {
    size_t k = n < JSON_STEP ? n : JSON_STEP;
    /* Never split a UTF-8 sequence across two steps: back up to the byte
     * that starts one (a run of stray continuation bytes is invalid
     * wherever it is cut, and each becomes U+FFFD either way). */
    for (size_t b = 0; k < n && b < 3 && (s[k] & 0xc0) == 0x80; b++)
      k--;
    fwrite(buf, 1, (size_t)(corrlog__put_esc(buf, s, k) - buf), f);
    s += k;
    n -= k;
  }
  putc('"', f);
}

/* XML text, cut at max bytes (never inside a UTF-8 sequence). */
void trace__xml_str(FILE *f, const char *s, size_t max) {
  size_t n = 0;

  for (const unsigned char *u = (const unsigned char *)s; u && *u; u++, n++) {
    if (n >= max && (*u & 0xc0) != 0x80) {
      fputs("...", f);
      return;
    }
    if (*u == '<')
      fputs("&lt;", f);
    else if (*u == '>')
      fputs("&gt;", f);
    else if (*u == '&')
      fputs("&amp;", f);
    else if (*u == '"')
      fputs("&quot;", f);
    else if (*u < 0x20)
      putc(' ', f);
    else
      putc(*u, f);
  }
}

/* jansson quotes the offending input in its messages, and checks quote ids
 * and names from the log. */
void trace__sanitize(char *s) {
  for (unsigned char *u = (unsigned char *)s; *u; u++)
    if (*u < 0x20 || *u >= 0x7f)
      *u = '?';
}

/* Keeps escape sequences in a log from reaching the terminal. */
void trace__put_plain(FILE *f, const char *s, size_t max) {
  size_t n = 0;

  for (const unsigned char *u = (const unsigned char *)s; u && *u; u++) {
    if (n++ >= max) {
      fputs("...", f);
      return;
    }
    putc(*u < 0x20 || *u == 0x7f ? '?' : *u, f);
  }
}

/* UTF-8: one column per character, not per byte. */
void trace__put_padded(FILE *f, const char *s, int width) {
  int cols = 0;

  for (const unsigned char *u = (const unsigned char *)s; *u; u++)
    cols += (*u & 0xc0) != 0x80;
  fputs(s, f);
  for (; cols < width; cols++)
    putc(' ', f);
}

/* A lane's label: the operation's kind and its number in the log (the
 * order ops first appear, as in the Chrome view), then the end of its id,
 * e.g. "req 3 \u00b7 \u202601" for op 0000000000000001, the third op seen.
 * Sixteen hex digits say nothing a reader can hold in mind, and differ
 * only at the end; an id that is not such a number (a hand-written log's
 * "req-7") is its own label. */
void trace__op_label(const struct trace_op *op, char *buf, size_t len) {
  const char *id = op->id;
  size_t n = strlen(id), lead = 0;
  char kind[8];

  if (n < 12 || strspn(id, "0123456789abcdefABCDEF") != n) {
    snprintf(buf, len, "%.16s%s", id, n > 16 ? "..." : "");
    trace__sanitize(buf);
    return;
  }
  /* Leading zeros dropped, at least two digits kept, at most four. */
  while (lead + 2 < n && id[lead] == '0')
    lead++;
  if (n - lead > 4)
    lead = n - 4;
  /* The kind comes from the log: no byte of it reaches a terminal raw. */
  snprintf(kind, sizeof kind, "%.6s", op->kind ? op->kind : "op");
  trace__sanitize(kind);
  snprintf(buf, len, "%s %lu \u00b7 \u2026%s", kind, op->num, id + lead);
}
