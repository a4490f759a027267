/* main.c -- build/md: the workbook's Markdown reader on the command line,
 * for the book (tools/instruments/book/build.sh) and for looking at what
 * doccheck sees. One parse per file with cmark-gfm (md.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "md.h"

static const char usage[] =
    "usage: md title FILE.md\n"
    "       md fences FILE.md\n"
    "       md html [--known FILE] [--chapters NAMES] [--refs FILE]\n"
    "               [--figures FILE] [--here DIR] FILE.md\n"
    "\n"
    "Reads a Markdown file as GitHub does (cmark-gfm with tables,\n"
    "strikethrough and autolinks).\n"
    "  title   prints the text of its first level-1 heading\n"
    "  fences  prints one line per fenced block: the opening fence's line,\n"
    "          the closing one's (0: none), the columns before the fence and\n"
    "          the info string, separated by tabs\n"
    "  html    prints the HTML of a page of the book: headings with ids,\n"
    "          links to repository paths made links to the book's pages\n"
    "    --known FILE      the repository's paths, 'f PATH' or 'd PATH' a "
    "line\n"
    "    --chapters NAMES  the chapters (file names without .md), blank-\n"
    "                      separated: links to them go to NAME.html\n"
    "    --refs FILE       append each repository path linked to, one a "
    "line\n"
    "    --figures FILE    HTML for after the 'Look at the timeline' heading\n"
    "    --here DIR        FILE's directory from the root (default: FILE's)\n"
    "Exit: 0 done, 1 no title (title), 2 usage or unreadable file, 3 out of\n"
    "memory.\n";

static int bad_usage(const char *what) {
  fprintf(stderr, "md: %s (see md --help)\n", what);
  return 2;
}

static struct md_doc *load(const char *path) {
  struct md_doc *doc = NULL;
  int err = md_read(path, &doc);
  if (err)
    fprintf(stderr, "md: cannot read %s: %s\n", path, strerror(err));
  return doc;
}

/* Reads all of path into a string; NULL (reported) when it cannot. */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "md: cannot read %s: %s\n", path, strerror(errno));
    return NULL;
  }
  size_t len = 0, cap = 8192, n;
  char *s = malloc(cap);
  while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
    len += n;
    if (len + 1 == cap) {
      char *more = realloc(s, cap *= 2);
      if (!more)
        free(s);
      s = more;
    }
  }
  int err = ferror(f);
  fclose(f);
  if (!s || err) {
    fprintf(stderr, "md: cannot read %s: %s\n", path,
            s ? "read error" : strerror(ENOMEM));
    free(s);
    return NULL;
  }
  s[len] = '\0';
  return s;
}

static int cmd_html(int argc, char **argv) {
  static const struct option opts[] = {
      {"known", required_argument, NULL, 'k'},
      {"chapters", required_argument, NULL, 'c'},
      {"refs", required_argument, NULL, 'r'},
      {"figures", required_argument, NULL, 'f'},
      {"here", required_argument, NULL, 'H'},
      {NULL, 0, NULL, 0}};
  const char *known = "/dev/null", *chapters = "", *refs = NULL,
             *figfile = NULL, *here = NULL;
  int o;
  while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (o) {
    case 'k':
      known = optarg;
      break;
    case 'c':
      chapters = optarg;
      break;
    case 'r':
      refs = optarg;
      break;
    case 'f':
      figfile = optarg;
      break;
    case 'H':
      here = optarg;
      break;
    default:
      return bad_usage("unknown option to html");
    }
  }
  if (optind + 1 != argc)
    return bad_usage("html wants one FILE.md");
  const char *path = argv[optind];
  char dir[4096];
  if (!here) {
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1,
             slash ? path : ".");
    here = dir;
  }
  FILE *rf = refs ? fopen(refs, "a") : NULL;
  if (refs && !rf) {
    fprintf(stderr, "md: cannot write %s: %s\n", refs, strerror(errno));
    return 2;
  }
  char *figures = NULL;
  struct md_site *site = md_site_load(known, chapters, rf);
  struct md_doc *doc = site ? load(path) : NULL;
  int rc = 2;
  if (doc && (!figfile || *figfile == '\0' || (figures = slurp(figfile)))) {
    struct md_page page = {.name = path, .here = here, .figures = figures};
    char *html = md_book_html(doc, site, &page);
    fputs(html, stdout);
    free(html);
    rc = 0;
  }
  free(figures);
  md_free(doc);
  md_site_free(site);
  if (rf && fclose(rf) != 0) {
    fprintf(stderr, "md: cannot write %s: %s\n", refs, strerror(errno));
    rc = 2;
  }
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return bad_usage("no command");
  const char *cmd = argv[1];
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
    fputs(usage, stdout);
    return 0;
  }
  if (!strcmp(cmd, "html"))
    return cmd_html(argc - 1, argv + 1);
  if (strcmp(cmd, "title") && strcmp(cmd, "fences"))
    return bad_usage("unknown command");
  if (argc != 3)
    return bad_usage("want one FILE.md");
  struct md_doc *doc = load(argv[2]);
  if (!doc)
    return 2;
  int rc = 0;
  if (!strcmp(cmd, "title")) {
    char *t = md_title(doc);
    if (t)
      printf("%s\n", t);
    rc = t ? 0 : 1;
    free(t);
  } else {
    size_t n;
    const struct md_fence *f = md_fences(doc, &n);
    for (size_t i = 0; i < n; i++)
      printf("%zu\t%zu\t%zu\t%s\n", f[i].open, f[i].close, f[i].indent,
             f[i].info);
  }
  md_free(doc);
  return rc;
}
