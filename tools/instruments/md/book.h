/* book.h -- a chapter rendered as a page of the static book
 * (tools/instruments/book/build.sh): cmark-gfm's HTML of the syntax tree
 * after the book's rules have rewritten it. */
#ifndef MD_BOOK_H
#define MD_BOOK_H

#include <stdio.h>

#include "md.h"

/* The repository paths a page may link to, and the chapters. */
struct md_site;

/* Reads the paths from known (lines "f PATH" for a file, "d PATH" for a
 * directory) and takes the chapters' names (file names without .md,
 * separated by blanks). Every repository path a page links to is written
 * to refs, one a line, so that the book can make a page of it. Returns
 * NULL (reported) when known cannot be read. */
struct md_site *md_site_load(const char *known, const char *chapters,
                             FILE *refs);
void md_site_free(struct md_site *site);

/* What the page is. */
struct md_page {
  const char *name;    /* the Markdown file, as warnings name it */
  const char *here;    /* its directory, relative to the repository root */
  const char *figures; /* HTML placed after the "Look at the timeline"
                          heading, or at the end; NULL for none */
};

/* The page's HTML body with the book's rules applied (book.c says which).
 * Rewrites doc's tree: render a document once. The caller frees it. */
char *md_book_html(struct md_doc *doc, struct md_site *site,
                   const struct md_page *page);

#endif
