/* site.c -- the repository paths a page of the book may link to, and the
 * URLs links to them become. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"
#include "tree.h"

struct md_site {
  char **paths; /* sorted; each is the kind ('f' or 'd') then the path */
  size_t n;
  char **chapters;
  size_t nchapters;
  FILE *refs;
};

static int by_path(const void *a, const void *b) {
  return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

static void add(char ***v, size_t *n, size_t *cap, char *s) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 256;
    char **more = realloc(*v, *cap * sizeof *more);
    if (!more) {
      fputs("md: out of memory\n", stderr);
      exit(3);
    }
    *v = more;
  }
  (*v)[(*n)++] = s;
}

struct md_site *md_site_load(const char *known, const char *chapters,
                             FILE *refs) {
  FILE *f = fopen(known, "r");
  if (!f) {
    fprintf(stderr, "md: cannot read %s: %s\n", known, strerror(errno));
    return NULL;
  }
  struct md_site *site = md_alloc(sizeof *site);
  *site = (struct md_site){.refs = refs};
  size_t cap = 0, lineno = 0;
  char line[8192];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    lineno++;
    if ((line[0] != 'f' && line[0] != 'd') || line[1] != ' ' || !line[2]) {
      fprintf(stderr, "md: %s:%zu: want 'f PATH' or 'd PATH'\n", known, lineno);
      continue;
    }
    memmove(line + 1, line + 2, strlen(line + 2) + 1);
    add(&site->paths, &site->n, &cap, md_strdup(line));
  }
  fclose(f);
  qsort(site->paths, site->n, sizeof *site->paths, by_path);
  cap = 0;
  for (const char *p = chapters ? chapters : ""; *p;) {
    p += strspn(p, " \t\n");
    size_t len = strcspn(p, " \t\n");
    if (len) {
      char *c = md_alloc(len + 1);
      memcpy(c, p, len);
      c[len] = '\0';
      add(&site->chapters, &site->nchapters, &cap, c);
    }
    p += len;
  }
  return site;
}

void md_site_free(struct md_site *site) {
  if (!site)
    return;
  for (size_t i = 0; i < site->n; i++)
    free(site->paths[i]);
  for (size_t i = 0; i < site->nchapters; i++)
    free(site->chapters[i]);
  free(site->paths);
  free(site->chapters);
  free(site);
}

char *site_norm(const char *p) {
  size_t n = strlen(p);
  char *out = md_alloc(n + 1);
  size_t len = 0;
  while (*p) {
    size_t c = strcspn(p, "/");
    if (c == 2 && !strncmp(p, "..", 2)) {
      if (len == 0) {
        free(out);
        return NULL;
      }
      while (len > 0 && out[len - 1] != '/')
        len--;
      len -= len > 0; /* the slash before the dropped component */
    } else if (c > 0 && !(c == 1 && *p == '.')) {
      if (len > 0)
        out[len++] = '/';
      memcpy(out + len, p, c);
      len += c;
    }
    p += c + (p[c] == '/');
  }
  out[len] = '\0';
  return out;
}

int site_kind(const struct md_site *site, const char *p) {
  size_t lo = 0, hi = site->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(p, site->paths[mid] + 1);
    if (c == 0)
      return site->paths[mid][0];
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return 0;
}

static char *join(const char *a, const char *b, const char *c) {
  size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
  char *s = md_alloc(na + nb + nc + 1);
  memcpy(s, a, na);
  memcpy(s + na, b, nb);
  memcpy(s + na + nb, c, nc + 1);
  return s;
}

char *site_target(struct md_site *site, const char *p) {
  size_t n = strlen(p);
  if (!strncmp(p, "chapters/", 9) && n > 12 && !strcmp(p + n - 3, ".md") &&
      !strchr(p + 9, '/')) {
    for (size_t i = 0; i < site->nchapters; i++)
      if (strlen(site->chapters[i]) == n - 12 &&
          !strncmp(site->chapters[i], p + 9, n - 12))
        return join(site->chapters[i], ".html", "");
  }
  if (site->refs)
    fprintf(site->refs, "%s\n", p);
  return join("src/", p, site_kind(site, p) == 'd' ? "/index.html" : ".html");
}

/* Is v an absolute URL (a scheme, then ':') or empty or a fragment? */
static int external(const char *v) {
  if (!*v || *v == '#')
    return 1;
  size_t n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789+.-");
  return n > 0 && v[n] == ':' &&
         strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", v[0]);
}

char *site_resolve(struct md_site *site, const char *here, const char *v,
                   const char *name) {
  if (external(v))
    return md_strdup(v);
  const char *hash = strchr(v, '#');
  const char *frag = hash ? hash : "";
  char *path = md_strdup(v);
  path[hash ? (size_t)(hash - v) : strlen(v)] = '\0';
  char *rel = join(here, "/", path);
  char *p = site_norm(rel);
  if (!p || !site_kind(site, p)) {
    free(p);
    p = site_norm(path);
  }
  free(rel);
  char *url;
  if (!p || !*p || !site_kind(site, p)) {
    fprintf(stderr, "book: %s: link to %s: no such file in the repository\n",
            name, path);
    url = md_strdup(v);
  } else {
    char *t = site_target(site, p);
    url = join(t, frag, "");
    free(t);
  }
  free(p);
  free(path);
  return url;
}
