/* book.c -- renders a chapter as a page of the static book. The book's
 * rules are applied to the syntax tree, then cmark-gfm renders it (raw
 * HTML omitted, as its command does by default):
 *   - every heading gets GitHub's anchor as its id;
 *   - links and images to repository paths point at the book's pages (a
 *     chapter's .md becomes its .html, a source file its src/ page);
 *   - inline code that is exactly a repository file (or a directory,
 *     written with its trailing slash) links to its page, unless it is
 *     inside a link already;
 *   - an excerpt that doccheck keeps true (info string snippet=FILE:REGION
 *     or diff=OLD,NEW) says above the code where it comes from;
 *   - the timeline figures go after the "Look at the timeline" heading,
 *     or at the end;
 *   - the answers after an "Answers" heading are folded: each item of the
 *     section's numbered lists in a <details>, or the whole section in
 *     one when it does not open with such a list. */
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "site.h"
#include "tree.h"

#define RENDER_OPTS (CMARK_OPT_DEFAULT | CMARK_OPT_FULL_INFO_STRING)

/* A growable string. */
struct buf {
  char *s;
  size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    char *more = realloc(b->s, b->cap);
    if (!more) {
      fputs("md: out of memory\n", stderr);
      exit(3);
    }
    b->s = more;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s) {
  put(b, s, strlen(s));
}

/* Appends s with HTML's special characters escaped, for text and for
 * attribute values in double quotes. */
static void put_escaped(struct buf *b, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '&':
      puts_(b, "&amp;");
      break;
    case '<':
      puts_(b, "&lt;");
      break;
    case '>':
      puts_(b, "&gt;");
      break;
    case '"':
      puts_(b, "&quot;");
      break;
    default:
      put(b, s, 1);
    }
  }
}

/* A node that writes html where it stands: a block or an inline one. */
static cmark_node *raw(cmark_node_type type, const char *enter,
                       const char *exit_) {
  cmark_node *n = cmark_node_new(type);
  if (!n) {
    fputs("md: out of memory\n", stderr);
    exit(3);
  }
  cmark_node_set_on_enter(n, enter);
  cmark_node_set_on_exit(n, exit_ ? exit_ : "");
  return n;
}

static int inside_link(cmark_node *n) {
  for (n = cmark_node_parent(n); n; n = cmark_node_parent(n))
    if (cmark_node_get_type(n) == CMARK_NODE_LINK)
      return 1;
  return 0;
}

/* Inline code that names a repository path becomes a link to its page. */
static void link_code(struct md_site *site, cmark_node *code) {
  const char *x = cmark_node_get_literal(code);
  if (!*x || *x == '.' || *x == '/' || strpbrk(x, " \t") || inside_link(code))
    return;
  char *p = site_norm(x);
  int kind = p && *p ? site_kind(site, p) : 0;
  if (kind == 'f' || (kind == 'd' && x[strlen(x) - 1] == '/')) {
    char *url = site_target(site, p);
    struct buf a = {0};
    puts_(&a, "<a class=\"src\" href=\"");
    put_escaped(&a, url);
    puts_(&a, "\">");
    cmark_node *wrap = raw(CMARK_NODE_CUSTOM_INLINE, a.s, "</a>");
    /* A table cell holds only Markdown's own inlines: there the code
     * goes into a plain link (without the class that tints its border). */
    if (!cmark_node_insert_before(code, wrap)) {
      cmark_node_free(wrap);
      wrap = cmark_node_new(CMARK_NODE_LINK);
      if (!wrap || !cmark_node_set_url(wrap, url) ||
          !cmark_node_insert_before(code, wrap)) {
        fputs("md: cannot link inline code to its page\n", stderr);
        exit(3);
      }
    }
    cmark_node_append_child(wrap, code); /* moves it inside */
    free(a.s);
    free(url);
  }
  free(p);
}

/* Appends a link to repository path p (from the root) and fragment frag
 * of its page, or p as code when there is no such file. */
static void put_srclink(struct buf *b, struct md_site *site, const char *p,
                        const char *frag, const char *name) {
  char *q = site_norm(p);
  if (q && *q && site_kind(site, q)) {
    char *t = site_target(site, q);
    puts_(b, "<a class=\"src\" href=\"");
    put_escaped(b, t);
    put_escaped(b, frag);
    puts_(b, "\"><code>");
    put_escaped(b, p);
    puts_(b, "</code></a>");
    free(t);
  } else {
    fprintf(stderr,
            "book: %s: excerpt of %s: no such file in the "
            "repository\n",
            name, p);
    puts_(b, "<code>");
    put_escaped(b, p);
    puts_(b, "</code>");
  }
  free(q);
}

/* The value of word KEY=VALUE among the blank-separated words of s, as a
 * new string, or NULL. */
static char *word_value(const char *s, const char *key) {
  size_t k = strlen(key);
  for (const char *p = s; *p;) {
    p += strspn(p, " \t");
    size_t n = strcspn(p, " \t");
    if (n > k && !strncmp(p, key, k) && p[k] == '=') {
      char *v = md_alloc(n - k);
      memcpy(v, p + k + 1, n - k - 1);
      v[n - k - 1] = '\0';
      return v;
    }
    p += n;
  }
  return NULL;
}

/* An excerpt's origin, above its code: snippet=FILE:REGION names a region
 * (anchored on the source page), diff=OLD,NEW two files. The words are
 * read from the info string after the language, as the HTML's data-meta
 * holds them. */
static void label_excerpt(struct md_site *site, cmark_node *block,
                          const char *name) {
  const char *info = cmark_node_get_fence_info(block);
  const char *meta = info + strcspn(info, " \t");
  if (!*info || !*meta)
    return;
  struct buf b = {0};
  char *v;
  if ((v = word_value(meta, "snippet"))) {
    char *colon = strrchr(v, ':');
    const char *region = colon ? colon + 1 : "";
    if (colon)
      *colon = '\0';
    /* The source page anchors a region as #snippet-NAME. */
    char *frag = md_alloc(strlen(region) + 10);
    strcpy(frag, *region ? "#snippet-" : "");
    strcat(frag, region);
    puts_(&b, "<p class=\"excerpt\">");
    put_srclink(&b, site, v, frag, name);
    if (*region) {
      puts_(&b, ", region <code>");
      put_escaped(&b, region);
      puts_(&b, "</code>");
    }
    puts_(&b, "</p>");
    free(frag);
  } else if ((v = word_value(meta, "diff")) && strchr(v, ',') &&
             strchr(v, ',') != v && strchr(v, ',')[1]) {
    char *comma = strchr(v, ',');
    *comma = '\0';
    puts_(&b, "<p class=\"excerpt\">");
    put_srclink(&b, site, v, "", name);
    puts_(&b, " against ");
    put_srclink(&b, site, comma + 1, "", name);
    puts_(&b, "</p>");
  }
  if (b.s)
    cmark_node_insert_before(block, raw(CMARK_NODE_CUSTOM_BLOCK, b.s, ""));
  free(b.s);
  free(v);
}

/* Rewrites links, images, inline code and excerpts anywhere in the tree.
 * The nodes are collected first: rewriting moves them. */
static void rewrite_inlines(cmark_node *root, struct md_site *site,
                            const struct md_page *page) {
  size_t n = 0, cap = 256;
  cmark_node **v = md_alloc(cap * sizeof *v);
  cmark_iter *it = cmark_iter_new(root);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    if (ev != CMARK_EVENT_ENTER)
      continue;
    if (n == cap) {
      cmark_node **more = realloc(v, (cap *= 2) * sizeof *v);
      if (!more) {
        fputs("md: out of memory\n", stderr);
        exit(3);
      }
      v = more;
    }
    v[n++] = cmark_iter_get_node(it);
  }
  cmark_iter_free(it);
  for (size_t i = 0; i < n; i++) {
    cmark_node_type t = cmark_node_get_type(v[i]);
    if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) {
      char *url =
          site_resolve(site, page->here, cmark_node_get_url(v[i]), page->name);
      cmark_node_set_url(v[i], url);
      free(url);
    } else if (t == CMARK_NODE_CODE) {
      link_code(site, v[i]);
    } else if (t == CMARK_NODE_CODE_BLOCK) {
      label_excerpt(site, v[i], page->name);
    }
  }
  free(v);
}

/* GitHub's anchor for a heading whose text is t: lower case, every byte
 * but letters, digits, blanks, '_' and '-' dropped (bytes outside ASCII
 * too), blanks to hyphens. */
static char *slug(const char *t) {
  char *s = md_alloc(strlen(t) + 1), *o = s;
  for (; *t; t++) {
    char c = *t >= 'A' && *t <= 'Z' ? (char)(*t - 'A' + 'a') : *t;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '-')
      *o++ = c;
    else if (c == ' ')
      *o++ = '-';
  }
  *o = '\0';
  return s;
}

/* The ids given so far, to number a repeated one as GitHub does: the
 * second "x" is "x-1", the third "x-2". */
struct ids {
  char **id;
  int *seen;
  size_t n, cap;
};

static char *unique_id(struct ids *ids, char *id) {
  for (size_t i = 0; i < ids->n; i++) {
    if (strcmp(ids->id[i], id))
      continue;
    char *u = md_alloc(strlen(id) + 24);
    sprintf(u, "%s-%d", id, ids->seen[i]++);
    free(id);
    return u;
  }
  if (ids->n == ids->cap) {
    ids->cap = ids->cap ? ids->cap * 2 : 64;
    ids->id = realloc(ids->id, ids->cap * sizeof *ids->id);
    ids->seen = realloc(ids->seen, ids->cap * sizeof *ids->seen);
    if (!ids->id || !ids->seen) {
      fputs("md: out of memory\n", stderr);
      exit(3);
    }
  }
  ids->id[ids->n] = md_strdup(id);
  ids->seen[ids->n++] = 1;
  return id;
}

/* Replaces heading h by the same heading with its id: its content is
 * rendered as cmark-gfm renders it, the tags around it written here. */
static void give_id(cmark_node *h, struct ids *ids, cmark_llist *exts) {
  char *text = md_plain(h);
  char *id = unique_id(ids, slug(text));
  int level = cmark_node_get_heading_level(h);
  struct buf b = {0};
  char tag[8];
  snprintf(tag, sizeof tag, "h%d", level);
  puts_(&b, "<");
  puts_(&b, tag);
  puts_(&b, " id=\"");
  put_escaped(&b, id);
  puts_(&b, "\">");
  for (cmark_node *c = cmark_node_first_child(h); c; c = cmark_node_next(c)) {
    char *html = cmark_render_html(c, RENDER_OPTS, exts);
    puts_(&b, html);
    free(html);
  }
  puts_(&b, "</");
  puts_(&b, tag);
  puts_(&b, ">");
  cmark_node_replace(h, raw(CMARK_NODE_CUSTOM_BLOCK, b.s, ""));
  cmark_node_free(h);
  free(b.s);
  free(text);
  free(id);
}

/* Puts html first (or last) in item: inside its paragraph when the list
 * is tight, where the paragraph is bare text beside the <li> tag, and as a
 * block of its own otherwise (a <details> cannot be inside a <p>). */
static void put_in_item(cmark_node *item, int tight, const char *html,
                        int first) {
  cmark_node *edge =
      first ? cmark_node_first_child(item) : cmark_node_last_child(item);
  if (tight && edge && cmark_node_get_type(edge) == CMARK_NODE_PARAGRAPH) {
    cmark_node *n = raw(CMARK_NODE_CUSTOM_INLINE, html, "");
    if (first)
      cmark_node_prepend_child(edge, n);
    else
      cmark_node_append_child(edge, n);
  } else if (first) {
    cmark_node_prepend_child(item, raw(CMARK_NODE_CUSTOM_BLOCK, html, ""));
  } else {
    cmark_node_append_child(item, raw(CMARK_NODE_CUSTOM_BLOCK, html, ""));
  }
}

/* Folds each item of an answers list: "Answer N" opens it, N counting on
 * from the section's previous list unless this one says where it starts. */
static void fold_items(cmark_node *list, int *n) {
  int tight = cmark_node_get_list_tight(list);
  if (cmark_node_get_list_start(list) != 1)
    *n = cmark_node_get_list_start(list) - 1;
  for (cmark_node *item = cmark_node_first_child(list); item;
       item = cmark_node_next(item)) {
    char open[96];
    snprintf(open, sizeof open,
             "<details class=\"answer\"><summary>Answer %d</summary>", ++*n);
    put_in_item(item, tight, open, 1);
    put_in_item(item, tight, "</details>", 0);
  }
}

enum answers { NONE, START, ITEMS, WHOLE };

static int is_numbered_list(cmark_node *n) {
  return cmark_node_get_type(n) == CMARK_NODE_LIST &&
         cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;
}

/* Places the figures and folds the answers: a walk over the chapter's
 * top-level blocks, whose headings open and close the sections. */
static void sections(cmark_node *root, const char *figures) {
  enum answers ans = NONE;
  int n = 0, placed = figures == NULL;
  for (cmark_node *b = cmark_node_first_child(root); b;
       b = cmark_node_next(b)) {
    if (cmark_node_get_type(b) == CMARK_NODE_HEADING) {
      int level = cmark_node_get_heading_level(b);
      char *text = md_plain(b);
      if (level <= 2 && ans == WHOLE)
        cmark_node_insert_before(
            b, raw(CMARK_NODE_CUSTOM_BLOCK, "</details>", ""));
      if (level <= 2)
        ans = NONE;
      if (!placed && !strncmp(text, "Look at the timeline", 20)) {
        cmark_node_insert_after(b, raw(CMARK_NODE_CUSTOM_BLOCK, figures, ""));
        b = cmark_node_next(b);
        placed = 1;
      }
      if (level <= 2 && !strcmp(text, "Answers"))
        ans = START, n = 0;
      free(text);
      continue;
    }
    if (ans == START) {
      ans = is_numbered_list(b) ? ITEMS : WHOLE;
      if (ans == WHOLE)
        cmark_node_insert_before(
            b, raw(CMARK_NODE_CUSTOM_BLOCK,
                   "<details class=\"answers\"><summary>Show the answers"
                   "</summary>",
                   ""));
    }
    if (ans == ITEMS && is_numbered_list(b))
      fold_items(b, &n);
  }
  if (ans == WHOLE)
    cmark_node_append_child(root,
                            raw(CMARK_NODE_CUSTOM_BLOCK, "</details>", ""));
  if (!placed)
    cmark_node_append_child(root, raw(CMARK_NODE_CUSTOM_BLOCK, figures, ""));
}

/* Gives every heading its id, in document order. */
static void headings(cmark_node *root, cmark_llist *exts) {
  struct ids ids = {0};
  size_t n = 0, cap = 64;
  cmark_node **v = md_alloc(cap * sizeof *v);
  cmark_iter *it = cmark_iter_new(root);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *h = cmark_iter_get_node(it);
    if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(h) != CMARK_NODE_HEADING)
      continue;
    if (n == cap && !(v = realloc(v, (cap *= 2) * sizeof *v))) {
      fputs("md: out of memory\n", stderr);
      exit(3);
    }
    v[n++] = h;
  }
  cmark_iter_free(it);
  for (size_t i = 0; i < n; i++)
    give_id(v[i], &ids, exts);
  for (size_t i = 0; i < ids.n; i++)
    free(ids.id[i]);
  free(ids.id);
  free(ids.seen);
  free(v);
}

char *md_book_html(struct md_doc *doc, struct md_site *site,
                   const struct md_page *page) {
  cmark_node *root = md_root(doc);
  rewrite_inlines(root, site, page);
  sections(root, page->figures);
  headings(root, md_extensions(doc));
  return cmark_render_html(root, RENDER_OPTS, md_extensions(doc));
}
