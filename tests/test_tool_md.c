/* test_tool_md.c -- the Markdown reader (tools/instruments/md): fenced
 * blocks with the source lines of their fences, as CommonMark reads them
 * (in list items and block quotes, not in HTML blocks or indented code);
 * the title; and the book's rules on a page: heading ids as GitHub makes
 * them, links to chapters and source pages, inline code that names a file,
 * the origin of an excerpt, the figures and the folded answers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "book.h"
#include "md.h"

static struct md_doc *parse(const char *text) {
  struct md_doc *doc = md_parse(text, strlen(text));
  cr_assert_not_null(doc);
  return doc;
}

/* Asserts where fence f stands (the lines of its opening and closing fence
 * lines, its indent) and what it holds. */
static void expect_fence(const struct md_fence *f, int open, int close,
                         int indent, const char *text) {
  cr_assert_eq(f->open, open);
  cr_assert_eq(f->close, close);
  cr_assert_eq(f->indent, indent);
  cr_assert_str_eq(f->text, text);
}

Test(md, fences_have_their_fence_lines_and_content) {
  struct md_doc *doc = parse("# t\n"
                             "\n"
                             "```c snippet=a.c:x\n"
                             "int x;\n"
                             "```\n"
                             "\n"
                             "1. item\n"
                             "\n"
                             "   ~~~~sh exit=1\n"
                             "   false\n"
                             "   ~~~~\n");
  size_t n;
  const struct md_fence *f = md_fences(doc, &n);
  cr_assert_eq(n, 2);
  expect_fence(&f[0], 3, 5, 0, "int x;\n");
  cr_assert_str_eq(f[0].info, "c snippet=a.c:x");
  expect_fence(&f[1], 9, 11, 3, "false\n");
  cr_assert_eq(f[1].fence, '~');
  cr_assert_eq(f[1].fence_len, 4);
  md_free(doc);
}

Test(md, fences_are_what_commonmark_reads) {
  /* In a block quote: a block. In an HTML comment, in indented code, or a
   * ``` line with a backtick in its info string: none. */
  struct md_doc *doc = parse("> ```sh\n"
                             "> true\n"
                             "> ```\n"
                             "\n"
                             "<!--\n"
                             "```sh\n"
                             "false\n"
                             "```\n"
                             "-->\n"
                             "\n"
                             "    ```sh\n"
                             "    false\n"
                             "    ```\n"
                             "\n"
                             "``` `inline` ```\n");
  size_t n;
  const struct md_fence *f = md_fences(doc, &n);
  cr_assert_eq(n, 1);
  expect_fence(&f[0], 1, 3, 2, "true\n");
  md_free(doc);
}

Test(md, a_fence_left_open_has_no_closing_line) {
  struct md_doc *doc = parse("# t\n\n```c\nint x;\n");
  size_t n;
  const struct md_fence *f = md_fences(doc, &n);
  cr_assert_eq(n, 1);
  cr_assert_eq(f[0].open, 3);
  cr_assert_eq(f[0].close, 0);
  md_free(doc);
}

Test(md, the_title_is_the_first_level_one_heading_as_read) {
  struct md_doc *doc = parse("<!--\n# not this\n-->\n\n"
                             "## nor this\n\n"
                             "# The _real_ `cost` of **it**\n\n# later\n");
  char *t = md_title(doc);
  cr_assert_str_eq(t, "The real cost of it");
  free(t);
  md_free(doc);
  doc = parse("no heading\n");
  cr_assert_null(md_title(doc));
  md_free(doc);
}

/* The page of chapter TEXT in a repository holding chapters/a.md,
 * chapters/b.md, src/x.c and src/ (a directory), with figures FIG; the
 * repository paths linked to are left in *refs. */
static char *page(const char *text, const char *fig, char **refs) {
  char known[] = "/tmp/test-md-known.XXXXXX";
  int fd = mkstemp(known);
  cr_assert_geq(fd, 0);
  FILE *k = fdopen(fd, "w");
  fputs("f chapters/a.md\nf chapters/b.md\nd src\nf src/x.c\n", k);
  fclose(k);
  size_t len = 0;
  FILE *r = open_memstream(refs, &len);
  struct md_site *site = md_site_load(known, "a b", r);
  cr_assert_not_null(site);
  unlink(known);
  struct md_doc *doc = parse(text);
  struct md_page p = {
      .name = "chapters/a.md", .here = "chapters", .figures = fig};
  char *html = md_book_html(doc, site, &p);
  md_free(doc);
  md_site_free(site);
  fclose(r);
  return html;
}

Test(md, headings_get_githubs_anchors) {
  char *refs,
      *html = page("# It's `x` & y\n\n## Again\n\n## Again\n", NULL, &refs);
  cr_assert_not_null(strstr(html, "<h1 id=\"its-x--y\">It's <code>x</code> "
                                  "&amp; y</h1>"),
                     "%s", html);
  cr_assert_not_null(strstr(html, "<h2 id=\"again\">Again</h2>"));
  cr_assert_not_null(strstr(html, "<h2 id=\"again-1\">Again</h2>"));
  free(html);
  free(refs);
}

Test(md, links_point_at_the_books_pages) {
  char *refs,
      *html = page(
          "[b](b.md#x), [src](../src/x.c), [dir](src/), [w](https://e.org), "
          "[no](nothere.c), `src/x.c`, `src`, [`src/x.c`](b.md)\n",
          NULL, &refs);
  cr_assert_not_null(strstr(html, "<a href=\"b.html#x\">b</a>"), "%s", html);
  cr_assert_not_null(strstr(html, "<a href=\"src/src/x.c.html\">src</a>"));
  cr_assert_not_null(strstr(html, "<a href=\"src/src/index.html\">dir</a>"));
  cr_assert_not_null(strstr(html, "<a href=\"https://e.org\">w</a>"));
  cr_assert_not_null(strstr(html, "<a href=\"nothere.c\">no</a>"));
  /* Inline code naming a file links to it; a directory needs its slash;
   * code inside a link stays as it is. */
  cr_assert_not_null(strstr(html, "<a class=\"src\" href=\"src/src/x.c.html\">"
                                  "<code>src/x.c</code></a>"));
  cr_assert_not_null(strstr(html, ", <code>src</code>,"));
  cr_assert_not_null(
      strstr(html, "<a href=\"b.html\"><code>src/x.c</code></a>"));
  cr_assert_str_eq(refs, "src/x.c\nsrc\nsrc/x.c\n");
  free(html);
  free(refs);
}

Test(md, excerpts_say_where_they_come_from) {
  char *refs,
      *html = page("```c snippet=src/x.c:main\nint x;\n```\n", NULL, &refs);
  cr_assert_not_null(
      strstr(html, "<p class=\"excerpt\"><a class=\"src\" "
                   "href=\"src/src/x.c.html#snippet-main\"><code>src/x.c"
                   "</code></a>, region <code>main</code></p>\n<pre><code "
                   "class=\"language-c\" data-meta=\"snippet=src/x.c:main\">"),
      "%s", html);
  free(html);
  free(refs);
}

Test(md, figures_follow_their_heading_or_end_the_page) {
  char *refs, *html = page("## Look at the timeline\n\ntext\n\n## End\n",
                           "<figure>F</figure>\n", &refs);
  cr_assert_not_null(strstr(html, "Look at the timeline</h2>\n"
                                  "<figure>F</figure>\n<p>text</p>"),
                     "%s", html);
  free(html);
  free(refs);
  html = page("## Other\n\ntext\n", "<figure>F</figure>\n", &refs);
  cr_assert_not_null(strstr(html, "<p>text</p>\n<figure>F</figure>\n"), "%s",
                     html);
  free(html);
  free(refs);
}

Test(md, answers_are_folded) {
  char *refs, *html = page("## Answers\n\n1. one\n2. two\n\n## Next\n\n"
                           "1. not an answer\n",
                           NULL, &refs);
  cr_assert_not_null(
      strstr(html, "<li><details class=\"answer\"><summary>Answer 1</summary>"
                   "one</details></li>\n<li><details class=\"answer\">"
                   "<summary>Answer 2</summary>two</details></li>"),
      "%s", html);
  cr_assert_not_null(strstr(html, "<li>not an answer</li>"));
  free(html);
  free(refs);
  html = page("## Answers\n\nProse.\n\n## Next\n", NULL, &refs);
  cr_assert_not_null(strstr(html, "<details class=\"answers\"><summary>Show "
                                  "the answers</summary>\n<p>Prose.</p>\n"
                                  "</details>\n<h2"),
                     "%s", html);
  free(html);
  free(refs);
}
