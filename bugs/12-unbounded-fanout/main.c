/* main.c -- Scenario 12 (unbounded-fanout) driver: writes N small files
 * into a temporary directory, optionally lowers the fd limit, runs one
 * variant's reader over them, checks that every record was read, and
 * removes the files. Linked with sync.c, the bug's async.c or the fix's
 * async.c into build/bin/12-unbounded-fanout-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "fanout.h"
#include "dsched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: %s [--log FILE] [--files N] [--nofile N] [--limit N]\n"
    "Runs scenario 12 (unbounded-fanout) once: N small files, each with 4\n"
    "records, are read concurrently; checks that every record was read.\n"
    "  --log FILE     write the correlation log (JSON Lines) to FILE\n"
    "                 (the fix logs; the sync twin and the bug do not)\n"
    "  --files N      how many files (default 1000, 1..100000)\n"
    "  --nofile N     lower the soft RLIMIT_NOFILE to N first (default: the\n"
    "                 limit the shell gave, see `ulimit -n`; 16..1048576)\n"
    "  --limit N      the fix's bound on files open at once (default 32,\n"
    "                 1..4096; the sync twin and the bug ignore it)\n"
    "The files go in a fresh directory under $TMPDIR (default /tmp) and are\n"
    "removed afterwards.\n"
    "Exit status: 0 invariant held, 1 violated, 2 usage, 3 setup failure.\n";

int main(int argc, char **argv) {
  struct uf_config cfg = {NULL, NULL, 1000, 32};
  struct uf_totals t = {0, 0, 0, 0};
  char dir[4096], msg[512];
  int nofile = 0, r, i;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int bad = 0;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      printf(usage, argv[0]);
      return 0;
    }
    if (strcmp(a, "--log") != 0 && strcmp(a, "--files") != 0 &&
        strcmp(a, "--nofile") != 0 && strcmp(a, "--limit") != 0) {
      fprintf(stderr, "%s: unknown option '%s' (see --help)\n", argv[0], a);
      return 2;
    }
    if (v == NULL) {
      fprintf(stderr, "%s: %s needs a value\n", argv[0], a);
      return 2;
    }
    i++;
    if (strcmp(a, "--log") == 0)
      cfg.log_path = v;
    else if (strcmp(a, "--files") == 0)
      bad = gallery_int_arg(argv[0], a, v, 1, 100000, &cfg.files);
    else if (strcmp(a, "--nofile") == 0)
      bad = gallery_int_arg(argv[0], a, v, 16, 1048576, &nofile);
    else
      bad = gallery_int_arg(argv[0], a, v, 1, 4096, &cfg.limit);
    if (bad)
      return 2;
  }
  if (dsched_configure_from_env() != 0)
    return 2;
  if ((r = uf_make_files(dir, sizeof dir, cfg.files)) < 0) {
    fprintf(stderr, "unbounded-fanout: cannot create the files: %s\n",
            strerror(-r));
    return 3;
  }
  cfg.dir = dir;
  /* The limit is lowered after the files exist: writing them needs one
   * descriptor at a time, reading them is what the scenario is about. */
  if ((r = uf_set_nofile(nofile)) < 0) {
    fprintf(stderr, "unbounded-fanout: setrlimit(RLIMIT_NOFILE, %d): %s\n",
            nofile, strerror(-r));
    uf_remove_files(dir, cfg.files);
    return 3;
  }
  r = uf_run(&cfg, &t);
  uf_remove_files(dir, cfg.files);
  if (r < 0) {
    fprintf(stderr, "unbounded-fanout: setup failed: %s\n", strerror(-r));
    return 3;
  }
  r = uf_check(&cfg, &t, msg, sizeof msg);
  printf("%s\n", msg);
  dsched_reset();
  return r;
}
