/* sync.c -- Scenario 12 (SYNC): the files read one after another with
 * plain open/read/close. Correct by construction: one descriptor is open
 * at a time, whatever the number of files, and every call's result is
 * checked. Slower: every open waits for the previous close.
 * Trigger: build/gallery run 12 --sync. See also:
 * bugs/12-unbounded-fanout/async.c, chapters/12-unbounded-fanout.md. */
#include "unbounded_fanout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* @snippet sync_run */
int uf_run(const struct uf_config *cfg, struct uf_totals *t) {
  char path[4096], buf[128];

  for (int i = 0; i < cfg->files; i++) {
    ssize_t n;
    int fd;
    uf_path(path, sizeof path, cfg->dir, i);
    if ((fd = open(path, O_RDONLY)) < 0) {
      fprintf(stderr, "unbounded-fanout: open %s: %s\n", path, strerror(errno));
      t->errors++;
      continue;
    }
    if ((n = read(fd, buf, sizeof buf)) < 0) {
      fprintf(stderr, "unbounded-fanout: read %s: %s\n", path, strerror(errno));
      t->errors++;
    } else {
      uf_parse(t, buf, (size_t)n);
      t->files_ok++;
    }
    close(fd);
  }
  return 0;
}
/* @end */
