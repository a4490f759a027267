/* snippets.c -- code excerpts: a fenced block whose info string says
 * snippet=PATH:NAME must hold that labelled region of the source, and one
 * that says diff=A,B the unified diff of the two files. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doccheck.h"
#include "proc.h"

/* Does LINE open the region called NAME (`@snippet NAME`)? */
static int opens_region(const char *line, const char *name) {
  const char *p = strstr(line, "@snippet ");
  if (!p)
    return 0;
  p += strlen("@snippet ");
  p += strspn(p, " ");
  size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789_.-");
  return n == strlen(name) && !strncmp(p, name, n);
}

/* Does LINE close a region? `@end` must not be the start of a longer word. */
static int closes_region(const char *line) {
  for (const char *p = line; (p = strstr(p, "@end")); p += 4)
    if (!isalnum((unsigned char)p[4]) && p[4] != '_')
      return 1;
  return 0;
}

/* Puts region NAME of source PATH into *want. Marker lines of nested regions
 * are left out, so an outer excerpt reads as plain code. Returns 0 on
 * success, -1 after reporting why the region cannot be had (FILE:LINE is the
 * excerpt that asked for it). */
static int load_region(const char *file, size_t line, const char *path,
                       const char *name, struct str *want) {
  struct lines S;
  int err = read_lines(path, &S);
  if (err) {
    fprintf(stderr, "%s:%zu: cannot read %s: %s\n", file, line, path,
            strerror(err));
    return -1;
  }
  size_t start = 0;
  int rc = -1;
  for (size_t i = 0; i < S.n; i++) {
    if (!opens_region(S.v[i], name))
      continue;
    if (start) {
      fprintf(stderr,
              "%s:%zu: region '%s' is defined twice in %s (lines %zu "
              "and %zu)\n",
              file, line, name, path, start, i + 1);
      goto out;
    }
    start = i + 1;
  }
  if (!start) {
    fprintf(stderr, "%s:%zu: no region '%s' in %s\n", file, line, name, path);
    goto out;
  }
  int depth = 1;
  for (size_t i = start; i < S.n; i++) {
    if (strstr(S.v[i], "@snippet ")) {
      depth++;
    } else if (closes_region(S.v[i])) {
      if (--depth == 0) {
        rc = 0;
        goto out;
      }
    } else {
      str_addz(want, S.v[i]);
      str_add(want, "\n", 1);
    }
  }
  fprintf(stderr, "%s:%zu: region '%s' in %s has no @end (%s:%zu)\n", file,
          line, name, path, path, start);
out:
  lines_free(&S);
  return rc;
}

/* Puts the output of `diff -u --label A --label B A B` into *want. diff exits
 * 1 when the files differ, which is the normal case for a lesson diff. */
static int load_diff(const char *file, size_t line, const char *a,
                     const char *b, struct str *want) {
  const char *paths[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    if (access(paths[i], R_OK) != 0) {
      fprintf(stderr, "%s:%zu: cannot read %s: %s\n", file, line, paths[i],
              strerror(errno));
      return -1;
    }
  }
  char *argv[] = {"diff",    "-u",      "--label", (char *)a, "--label",
                  (char *)b, (char *)a, (char *)b, NULL};
  /* diff's stdout is the text; its complaints go to our stderr. */
  struct proc_opts po = {.in = PROC_NULL, .err = PROC_INHERIT};
  struct proc_run r = {.capture = 1, .capture_max = (size_t)1 << 30};
  if (proc_run(argv, &po, &r) < 0) {
    fprintf(stderr, "doccheck: cannot run diff: %s\n",
            strerror(r.spawn_errno ? r.spawn_errno : errno));
    exit(3);
  }
  if (r.out)
    str_add(want, r.out, r.out_len);
  free(r.out);
  int st = r.status;
  if (!WIFEXITED(st) || WEXITSTATUS(st) > 1) {
    fprintf(stderr, "%s:%zu: diff %s %s failed (status %d)\n", file, line, a, b,
            WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    return -1;
  }
  return 0;
}

/* Shows the first line where the excerpt (have) and the source (want)
 * part ways: enough to see what changed, short enough to read in a log. */
static void show_difference(const char *have, const char *want) {
  size_t lineno = 1;
  while (*have && *want) {
    size_t hn = strcspn(have, "\n"), wn = strcspn(want, "\n");
    if (hn != wn || strncmp(have, want, hn))
      break;
    have += hn + (have[hn] != 0);
    want += wn + (want[wn] != 0);
    lineno++;
  }
  fprintf(stderr,
          "  --- excerpt in the chapter\n  +++ source\n"
          "  @@ excerpt line %zu @@\n",
          lineno);
  if (*have)
    fprintf(stderr, "  -%.*s\n", (int)strcspn(have, "\n"), have);
  else
    fprintf(stderr, "  (the excerpt ends here)\n");
  if (*want)
    fprintf(stderr, "  +%.*s\n", (int)strcspn(want, "\n"), want);
  else
    fprintf(stderr, "  (the source ends here)\n");
}

/* Names in *what the excerpt KEY=SPEC, and splits SPEC at sep (within it)
 * into two non-empty parts: the second, or NULL when there are not two
 * (reported at FILE:LINE, with FORM the shape wanted). */
static char *split_info(const char *file, size_t line, const char *key,
                        char *spec, char *sep, const char *form, char *what,
                        size_t cap) {
  snprintf(what, cap, "%s %s", key, spec);
  if (!sep || sep == spec || !sep[1]) {
    fprintf(stderr, "%s:%zu: bad %s=%s (want %s=%s)\n", file, line, key, spec,
            key, form);
    tally.bad_input = 1;
    return NULL;
  }
  *sep = '\0';
  return sep + 1;
}

/* The text excerpt b of FILE must equal, into *want, with what it is
 * in *what; 1 when b is no excerpt, -1 (reported) when it cannot be had. */
static int excerpt_source(const char *file, const struct block *b,
                          struct str *want, char *what, size_t cap) {
  size_t line = b->open + 1;
  char spec[PATH_MAX + 256];
  if (info_value(b->f->info, "snippet", spec, sizeof spec)) {
    char *name = split_info(file, line, "snippet", spec, strrchr(spec, ':'),
                            "PATH:NAME", what, cap);
    return name ? load_region(file, line, spec, name, want) : -1;
  }
  if (info_value(b->f->info, "diff", spec, sizeof spec)) {
    char *b_path = split_info(file, line, "diff", spec, strchr(spec, ','),
                              "PATH_A,PATH_B", what, cap);
    return b_path ? load_diff(file, line, spec, b_path, want) : -1;
  }
  return 1;
}

/* Checks (or, with refresh, rewrites into rw) excerpt b; returns 0, or -1
 * when the excerpt cannot be produced, which keeps the chapter as it is. */
static int check_excerpt(const struct chapter *ch, const struct block *b,
                         int refresh, struct rewrite *rw) {
  const char *file = ch->file;
  size_t line = b->open + 1;
  char what[PATH_MAX + 300];
  struct str want = {0};
  int rc = excerpt_source(file, b, &want, what, sizeof what);
  const char *have = b->f->text;
  if (rc < 0) {
    tally.nfail++;
  } else if (rc > 0) {
    rc = 0;
  } else if (!strcmp(have, str_get(&want))) {
    tally.npass++;
    if (tally.verbose)
      printf("%s:%zu: ok %s\n", file, line, what);
  } else if (refresh && replace_block(ch, rw, b, str_get(&want)) == 0) {
    printf("%s:%zu: refreshed %s\n", file, line, what);
  } else if (refresh) {
    fprintf(stderr,
            "%s:%zu: cannot refresh %s: a line of the source would close "
            "the block\n",
            file, line, what);
    tally.nfail++;
  } else {
    tally.nfail++;
    fprintf(stderr, "%s:%zu: %s differs from the source (run make snippets)\n",
            file, line, what);
    show_difference(have, str_get(&want));
  }
  free(want.s);
  return rc;
}

void snippets_file(const char *file, int refresh) {
  struct chapter ch;
  if (chapter_read(&ch, file) != 0)
    return;
  struct rewrite rw = {{0}, 0, 0};
  int errors = 0;
  for (size_t k = 0; k < ch.nb; k++)
    errors += check_excerpt(&ch, &ch.blocks[k], refresh, &rw) != 0;
  finish_rewrite(&ch, &rw, errors);
  free(rw.out.s);
  chapter_free(&ch);
}
