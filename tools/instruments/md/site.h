/* site.h -- inside the Markdown library: where a link of the book points.
 * The repository's paths, read once, and the rules that turn a path as a
 * chapter writes it into the book's URL for it. */
#ifndef MD_SITE_H
#define MD_SITE_H

#include "book.h"

/* p with "." and ".." folded and empty components dropped; NULL when ".."
 * would climb above the repository root. The caller frees it. */
char *site_norm(const char *p);

/* 'f' when p (normalised) is a repository file, 'd' a directory, else 0. */
int site_kind(const struct md_site *site, const char *p);

/* The book's URL for known repository path p: a chapter's page, or the
 * source page of a file or directory (which is then written to refs).
 * The caller frees it. */
char *site_target(struct md_site *site, const char *p);

/* The URL a link to v in a Markdown file of directory here becomes. A
 * relative link is read relative to here first (as GitHub does) and then
 * relative to the root (as the README spells them); one that names no
 * repository path is kept as it is, with a warning naming the file. The
 * caller frees it. */
char *site_resolve(struct md_site *site, const char *here, const char *v,
                   const char *name);

#endif
