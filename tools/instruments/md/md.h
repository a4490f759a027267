/* md.h -- the workbook's Markdown, read once: a chapter parsed by cmark-gfm
 * (GitHub's dialect, with the table, strikethrough and autolink extensions
 * the book renders with), and what the instruments need from its syntax
 * tree: doccheck the fenced blocks with their source lines, the book the
 * title and the rendered page (book.h). */
#ifndef MD_H
#define MD_H

#include <stddef.h>

/* A parsed document and the source it came from. */
struct md_doc;

/* One fenced code block. Lines are 1-based lines of the source. */
struct md_fence {
  size_t open;      /* the opening fence's line */
  size_t close;     /* the closing fence's line; 0 when the block has none */
  size_t indent;    /* columns before the opening fence (a list item's too) */
  char fence;       /* the fence's character: '`' or '~' */
  size_t fence_len; /* and how many of them open (and close) it */
  const char *info; /* the info string, without the fence's blanks */
  const char *text; /* the content, each line ending in a newline, with the
                       indentation of its container and fence removed */
};

/* Parses the len bytes at text; NULL when out of memory. */
struct md_doc *md_parse(const char *text, size_t len);
/* Reads and parses the file at path into *doc; 0, or an errno value. */
int md_read(const char *path, struct md_doc **doc);
void md_free(struct md_doc *doc);

/* The document's fenced blocks in source order (not indented code blocks,
 * not fences inside HTML blocks); *n is their number. */
const struct md_fence *md_fences(struct md_doc *doc, size_t *n);

/* The plain text of the document's first level-1 heading (Markdown marks
 * and HTML left out), or NULL when there is none. The caller frees it. */
char *md_title(struct md_doc *doc);

#endif
