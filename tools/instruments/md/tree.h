/* tree.h -- inside the Markdown library: the syntax tree behind an md_doc,
 * shared by md.c (reading it) and book.c (rendering it). */
#ifndef MD_TREE_H
#define MD_TREE_H

#include <cmark-gfm.h>

#include "md.h"

/* The syntax tree, owned by doc. */
cmark_node *md_root(struct md_doc *doc);
/* The extensions the document was parsed with, which rendering needs. */
cmark_llist *md_extensions(struct md_doc *doc);

/* The text of node's TEXT and CODE descendants, in order: what a reader
 * sees of a heading with its Markdown marks and raw HTML left out. The
 * caller frees it. */
char *md_plain(cmark_node *node);

/* malloc and strdup that give up (exit 3) when memory runs out. */
void *md_alloc(size_t n);
char *md_strdup(const char *s);

#endif
