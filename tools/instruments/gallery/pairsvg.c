/* pairsvg.c -- `gallery compare --svg`: the bug's and the fix's timelines
 * (two SVGs from build/trace) as one picture, bug above fix, for a
 * slide. */
#include "gallery_ext.h"

#include <jansson.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The size of the picture trace drew, from the report its --json wrote
 * (its "svg": {width, height}). Returns 0, or -1 when there is none. */
static int picture_size(const char *json, int *w, int *h) {
  json_t *j = json_load_file(json, 0, NULL);
  json_t *svg = json_object_get(j, "svg");
  json_t *jw = json_object_get(svg, "width"),
         *jh = json_object_get(svg, "height");
  int rc = -1;

  if (json_is_integer(jw) && json_is_integer(jh) &&
      json_integer_value(jw) > 0 && json_integer_value(jh) > 0 &&
      json_integer_value(jw) < INT_MAX && json_integer_value(jh) < INT_MAX) {
    *w = (int)json_integer_value(jw);
    *h = (int)json_integer_value(jh);
    rc = 0;
  }
  json_decref(j);
  return rc;
}

/* Copies the SVG document at path, as it is, into out, moved down to y: a
 * whole <svg> element may stand inside another. Returns 0, or -1 when it
 * cannot be read. */
static int nest_svg(FILE *out, const char *path, int y) {
  FILE *f = fopen(path, "r");
  char buf[8192];
  size_t n;
  int rc;

  if (f == NULL)
    return -1;
  fprintf(out, "<g transform=\"translate(0 %d)\">\n", y);
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    fwrite(buf, 1, n, out);
  rc = ferror(f) ? -1 : 0;
  fclose(f);
  fputs("</g>\n", out);
  return rc;
}

/* Writes bug above fix as one SVG picture, for a slide: svg[k] is trace's
 * picture of the bug (k 0) and of the fix (1), json[k] the report trace
 * wrote with it (--json). */
int gallery_pair_svg(const char *out_path, const struct scenario *s,
                     const char *const svg[2], const char *const json[2]) {
  char body[PATH_MAX];
  FILE *tmp, *out;
  int width = 600, y = 110, w, h = 0;

  if (gallery_tmp_path(body, sizeof body, "pair-body.svg") != 0 ||
      (tmp = fopen(body, "w+")) == NULL)
    return -1;
  for (int k = 0; k < 2; k++) {
    /* The fix's label sits 70 below the bug's picture. */
    y += k ? h + 70 : 0;
    if (picture_size(json[k], &w, &h) != 0)
      goto fail;
    if (w > width)
      width = w;
    fprintf(tmp,
            "<text x=\"20\" y=\"%d\" font-size=\"28\" "
            "font-family=\"sans-serif\">%s</text>\n",
            y - 20, k ? "fix" : "bug");
    if (nest_svg(tmp, svg[k], y) != 0)
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
