/* md.c -- parses a Markdown document with cmark-gfm and reads from its
 * syntax tree what doccheck and the book need: fenced blocks with their
 * source lines, the title. */
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

struct md_doc {
  cmark_parser *parser; /* kept: it owns the extension list */
  cmark_node *root;
  char *src; /* the source, for the fence lines */
  size_t len;
  struct md_fence *fences;
  size_t nfences;
  int fences_read;
};

void *md_alloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fputs("md: out of memory\n", stderr);
    exit(3);
  }
  return p;
}

char *md_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(md_alloc(n), s, n);
}

/* GitHub's dialect as the book has always rendered it (cmark-gfm -e table
 * -e strikethrough -e autolink). */
static const char *const extension_names[] = {"table", "strikethrough",
                                              "autolink"};

struct md_doc *md_parse(const char *text, size_t len) {
  cmark_gfm_core_extensions_ensure_registered();
  struct md_doc *doc = calloc(1, sizeof *doc);
  if (!doc)
    return NULL;
  doc->parser = cmark_parser_new(CMARK_OPT_DEFAULT);
  doc->src = malloc(len + 1);
  if (!doc->parser || !doc->src) {
    md_free(doc);
    return NULL;
  }
  memcpy(doc->src, text, len);
  doc->src[len] = '\0';
  doc->len = len;
  for (size_t i = 0; i < sizeof extension_names / sizeof *extension_names;
       i++) {
    cmark_syntax_extension *e = cmark_find_syntax_extension(extension_names[i]);
    if (!e || !cmark_parser_attach_syntax_extension(doc->parser, e)) {
      fprintf(stderr, "md: cmark-gfm has no '%s' extension\n",
              extension_names[i]);
      md_free(doc);
      return NULL;
    }
  }
  cmark_parser_feed(doc->parser, doc->src, len);
  doc->root = cmark_parser_finish(doc->parser);
  if (!doc->root) {
    md_free(doc);
    return NULL;
  }
  return doc;
}

int md_read(const char *path, struct md_doc **doc) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return errno;
  size_t len = 0, cap = 8192;
  char *buf = md_alloc(cap);
  size_t n;
  while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      char *more = realloc(buf, cap *= 2);
      if (!more) {
        free(buf);
        fclose(f);
        return ENOMEM;
      }
      buf = more;
    }
  }
  int err = ferror(f) ? EIO : 0;
  fclose(f);
  if (!err && !(*doc = md_parse(buf, len)))
    err = ENOMEM;
  free(buf);
  return err;
}

void md_free(struct md_doc *doc) {
  if (!doc)
    return;
  for (size_t i = 0; i < doc->nfences; i++) {
    free((char *)doc->fences[i].info);
    free((char *)doc->fences[i].text);
  }
  free(doc->fences);
  if (doc->root)
    cmark_node_free(doc->root);
  if (doc->parser)
    cmark_parser_free(doc->parser);
  free(doc->src);
  free(doc);
}

cmark_node *md_root(struct md_doc *doc) {
  return doc->root;
}

cmark_llist *md_extensions(struct md_doc *doc) {
  return cmark_parser_get_syntax_extensions(doc->parser);
}

/* The source line numbered line (1-based) and its length, without the
 * newline; an empty line past the end. */
static const char *source_line(const struct md_doc *doc, size_t line,
                               size_t *n) {
  const char *p = doc->src, *end = doc->src + doc->len;
  for (size_t i = 1; i < line && p < end; i++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    p = nl ? nl + 1 : end;
  }
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  *n = (size_t)((nl ? nl : end) - p);
  return p;
}

/* Does the block's last line close it? The parser also ends a fenced block
 * at the end of the document or of its container (a list item the next
 * line leaves); the chapter then holds a fence left open by mistake. A
 * closing line is the container's marks (blanks, '>'), a run of the
 * opening fence's character at least as long, and blanks. */
static int closed(const struct md_doc *doc, cmark_node *node) {
  int len = 0, offset = 0;
  char c = 0;
  cmark_node_get_fenced(node, &len, &offset, &c);
  size_t start = (size_t)cmark_node_get_start_line(node),
         last = (size_t)cmark_node_get_end_line(node), n;
  if (last <= start || len < 3)
    return 0;
  const char *l = source_line(doc, last, &n), *end = l + n;
  while (l < end && (*l == ' ' || *l == '>' || *l == '\t'))
    l++;
  int run = 0;
  while (l < end && *l == c)
    l++, run++;
  while (l < end && (*l == ' ' || *l == '\t'))
    l++;
  return run >= len && l == end;
}

const struct md_fence *md_fences(struct md_doc *doc, size_t *n) {
  if (!doc->fences_read) {
    doc->fences_read = 1;
    size_t cap = 0;
    cmark_iter *it = cmark_iter_new(doc->root);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
      cmark_node *node = cmark_iter_get_node(it);
      int fenced = 0, len, off;
      char c;
      if (cmark_node_get_type(node) != CMARK_NODE_CODE_BLOCK)
        continue;
      fenced = cmark_node_get_fenced(node, &len, &off, &c);
      if (!fenced)
        continue;
      if (doc->nfences == cap) {
        cap = cap ? cap * 2 : 16;
        struct md_fence *v = realloc(doc->fences, cap * sizeof *v);
        if (!v) {
          fputs("md: out of memory\n", stderr);
          exit(3);
        }
        doc->fences = v;
      }
      int col = cmark_node_get_start_column(node);
      doc->fences[doc->nfences++] = (struct md_fence){
          .open = (size_t)cmark_node_get_start_line(node),
          .close =
              closed(doc, node) ? (size_t)cmark_node_get_end_line(node) : 0,
          .indent = col > 0 ? (size_t)col - 1 : 0,
          .fence = c,
          .fence_len = (size_t)len,
          .info = md_strdup(cmark_node_get_fence_info(node)),
          .text = md_strdup(cmark_node_get_literal(node)),
      };
    }
    cmark_iter_free(it);
  }
  *n = doc->nfences;
  return doc->fences;
}

char *md_plain(cmark_node *node) {
  size_t len = 0, cap = 64;
  char *out = md_alloc(cap);
  out[0] = '\0';
  cmark_iter *it = cmark_iter_new(node);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *c = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(c);
    if (ev != CMARK_EVENT_ENTER ||
        (t != CMARK_NODE_TEXT && t != CMARK_NODE_CODE))
      continue;
    const char *s = cmark_node_get_literal(c);
    size_t n = strlen(s);
    if (len + n + 1 > cap) {
      cap = (len + n + 1) * 2;
      char *more = realloc(out, cap);
      if (!more) {
        fputs("md: out of memory\n", stderr);
        exit(3);
      }
      out = more;
    }
    memcpy(out + len, s, n + 1);
    len += n;
  }
  cmark_iter_free(it);
  return out;
}

char *md_title(struct md_doc *doc) {
  for (cmark_node *n = cmark_node_first_child(doc->root); n;
       n = cmark_node_next(n))
    if (cmark_node_get_type(n) == CMARK_NODE_HEADING &&
        cmark_node_get_heading_level(n) == 1)
      return md_plain(n);
  return NULL;
}
