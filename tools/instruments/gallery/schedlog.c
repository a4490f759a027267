/* schedlog.c -- a log for every run: when a variant writes no correlation
 * log of its own (the bugs: that is their lesson), the timeline comes from
 * the scheduler's recorder (SCHED_LOG, tools/runtime/sched/dsched_rec.c),
 * marked as recorded by the scheduler, not by the program. */
#include "gallery_ext.h"

#include <jansson.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void gallery_schedlog_begin(const char *sched_path) {
  unlink(sched_path); /* the recorder appends: start from nothing */
  setenv("SCHED_LOG", sched_path, 1);
}

/* Counts the lines of path that are events (not the trailer) and whether
 * its last line is a trailer. Returns -1 when it cannot be read. */
static long count_events(const char *path, int *trailer) {
  FILE *f = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  long n = 0;

  *trailer = 0;
  if (f == NULL)
    return -1;
  while (getline(&line, &cap, f) > 0) {
    json_t *j = json_loads(line, 0, NULL);
    const char *ev = json_string_value(json_object_get(j, "ev"));
    *trailer = ev && strcmp(ev, "trailer") == 0;
    if (ev && !*trailer)
      n++;
    json_decref(j);
  }
  free(line);
  fclose(f);
  return n;
}

int gallery_schedlog_end(const char *log_path, const char *sched_path,
                         const char *shown, int quiet) {
  int trailer, t2;
  long own, rec;
  FILE *in, *out;
  char buf[8192];
  size_t k;

  unsetenv("SCHED_LOG");
  own = count_events(log_path, &trailer);
  rec = count_events(sched_path, &t2);
  if (own > 0 || rec <= 0) {
    unlink(sched_path);
    return 0;
  }
  if ((in = fopen(sched_path, "r")) == NULL ||
      (out = fopen(log_path, "w")) == NULL) {
    fprintf(stderr, "gallery: cannot write %s: %s\n", shown, strerror(errno));
    if (in)
      fclose(in);
    unlink(sched_path);
    return -1;
  }
  while ((k = fread(buf, 1, sizeof buf, in)) > 0)
    fwrite(buf, 1, k, out);
  /* A run stopped by a signal (a hang at its time limit) ends before the
   * recorder's trailer: the label is added here, saying so. */
  if (!t2)
    fputs("{\"ev\":\"trailer\",\"dropped\":0,\"recorder\":\"sched\","
          "\"note\":\"the run was stopped before the recorder wrote its "
          "trailer\"}\n",
          out);
  fclose(in);
  if (fclose(out) != 0) {
    fprintf(stderr, "gallery: cannot write %s: %s\n", shown, strerror(errno));
    unlink(sched_path);
    return -1;
  }
  unlink(sched_path);
  if (!quiet)
    fprintf(stderr,
            "gallery: this variant logs nothing itself: %s holds %ld events "
            "recorded by the scheduler, not by the program\n",
            shown, rec);
  return 1;
}
