/* pairsvg.c -- `gallery compare --svg`: the bug's and the fix's timelines
 * (two SVGs from build/trace) as one picture, bug above fix, for a
 * slide. */
#include "gallery_ext.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Copies the SVG in path into out as a nested <svg> placed at y; returns
 * its height, or -1 when it cannot be read. */
static int nest_svg(FILE *out, const char *path, int y, int *width) {
  FILE *f = fopen(path, "r");
  char *buf, *root, *end, *w, *h;
  long n;
  int height = -1;

  if (f == NULL)
    return -1;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  rewind(f);
  buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
    buf[n] = '\0';
    root = strstr(buf, "<svg");
    end = root ? strchr(root, '>') : NULL;
    w = root ? strstr(root, "width=\"") : NULL;
    h = root ? strstr(root, "height=\"") : NULL;
    if (end && w && h && w < end && h < end) {
      int wi = atoi(w + 7);
      height = atoi(h + 8);
      if (wi > *width)
        *width = wi;
      fprintf(out, "<svg x=\"0\" y=\"%d\"%.*s", y, (int)(end - root - 4),
              root + 4);
      fputs(end, out);
      fputc('\n', out);
    }
  }
  free(buf);
  fclose(f);
  return height;
}

/* Writes bug above fix as one SVG picture, for a slide. */
int gallery_pair_svg(const char *out_path, const struct scenario *s,
                     const char *bug_svg, const char *fix_svg) {
  char body[PATH_MAX];
  FILE *tmp, *out;
  int width = 600, y = 110, h = 0;

  if (gallery_tmp_path(body, sizeof body, "pair-body.svg") != 0 ||
      (tmp = fopen(body, "w+")) == NULL)
    return -1;
  for (int k = 0; k < 2; k++) {
    /* The fix's label sits 70 below the bug's picture. */
    y += k ? h + 70 : 0;
    fprintf(tmp,
            "<text x=\"20\" y=\"%d\" font-size=\"28\" "
            "font-family=\"sans-serif\">%s</text>\n",
            y - 20, k ? "fix" : "bug");
    if ((h = nest_svg(tmp, k ? fix_svg : bug_svg, y, &width)) < 0)
      goto fail;
  }
  y += h + 10;
  if ((out = fopen(out_path, "w")) == NULL)
    goto fail;
  fprintf(out,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
          "height=\"%d\" viewBox=\"0 0 %d %d\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
          "<text x=\"20\" y=\"30\" font-size=\"22\" "
          "font-family=\"sans-serif\">%02d-%s under schedule %s</text>\n",
          width, y, width, y, s->id, s->slug, s->compare_schedule);
  rewind(tmp);
  for (int c; (c = fgetc(tmp)) != EOF;)
    fputc(c, out);
  fputs("</svg>\n", out);
  fclose(out);
  fclose(tmp);
  unlink(body);
  return 0;
fail:
  fclose(tmp);
  unlink(body);
  return -1;
}
