/* main.c -- Scenario 12 (unbounded-fanout) driver: writes N small files
 * into a temporary directory, optionally lowers the fd limit, runs one
 * variant's reader over them, checks that every record was read, and
 * removes the files. Linked with sync.c, the bug's async.c or the fix's
 * async.c into build/bin/12-unbounded-fanout-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "unbounded_fanout.h"
#include "dsched.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  struct uf_config cfg = {NULL, NULL, 1000, 32};
  struct uf_totals t = {0, 0, 0, 0};
  char dir[4096], msg[512];
  int nofile = 0, r;

  const struct gallery_opt opts[] = {
      GALLERY_OPT_LOG(&cfg.log_path, GALLERY_FIX_LOGS),
      GALLERY_OPT_INT("files", &cfg.files, 1, 100000,
                      "how many files (default {default}, {range})"),
      GALLERY_OPT_INT("nofile", &nofile, 16, 1048576,
                      "lower the soft RLIMIT_NOFILE to N first (default: the "
                      "limit the shell gave, see `ulimit -n`; {range})"),
      GALLERY_OPT_INT(
          "limit", &cfg.limit, 1, 4096,
          "the fix's bound on files open at once (default {default}, {range}; "
          "the sync twin and the bug ignore it)"),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME " once: N small files, each with 4 "
      "records, are read concurrently; checks that every record was read.",
      opts,
      "The files go in a fresh directory under $TMPDIR (default /tmp) and are "
      "removed afterwards.\n" GALLERY_EXIT_STATUS};

  if ((r = gallery_parse(&cli, argc, argv)) >= 0)
    return r;
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
  if (r < 0)
    return gallery_setup_failed("unbounded-fanout", r);
  r = uf_check(&cfg, &t, msg, sizeof msg);
  gallery_say("%s", msg);
  dsched_reset();
  return r;
}
