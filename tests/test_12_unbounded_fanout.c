/* test_12_unbounded_fanout.c -- Scenario 12's deterministic test, built
 * three times: against the sync twin, the buggy async version and the fix.
 * The load is made to exceed the fd limit on purpose, not by luck: the
 * test lowers RLIMIT_NOFILE to 64 and reads 200 files. All 200 opens are
 * queued before any read or close (libuv's pool takes work in submission
 * order), so an unbounded reader needs far more descriptors than it may
 * have, on every run. */
#include <sys/resource.h>

#include "scenario_test.h"
#include "unbounded_fanout.h"

static char dir[4096];
static int nfiles;
static struct rlimit saved;

static void teardown(void) {
  setrlimit(RLIMIT_NOFILE, &saved);
  if (nfiles > 0)
    uf_remove_files(dir, nfiles);
}

/* Writes n files, lowers the fd limit to nofile (0: leaves it), reads them
 * with the variant and asserts that every record was read. */
static void read_files(int n, int nofile) {
  struct uf_config cfg = {NULL, dir, n, 32};
  struct uf_totals t = {0, 0, 0, 0};
  char msg[512], args[64];
  int r;

  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &saved), 0, "getrlimit failed");
  cr_assert_eq(uf_make_files(dir, sizeof dir, n), 0, "cannot create files");
  nfiles = n;
  cr_assert_eq(uf_set_nofile(nofile), 0, "setrlimit(%d) failed", nofile);
  cr_assert_eq(uf_run(&cfg, &t), 0, "unbounded-fanout setup failed");
  r = uf_check(&cfg, &t, msg, sizeof msg);
  snprintf(args, sizeof args, "--files %d --nofile %d", n, nofile);
  scenario_report(r, msg, NULL, NULL, NULL, args);
  cr_assert_eq(
      r, 0,
      "%s\n  load: %d files, RLIMIT_NOFILE %d\n  replay: " SCENARIO_REPLAY
      " -- %s",
      msg, n, nofile, SCENARIO_ID, args);
}

/* @snippet test_load */
/* More files than descriptors: 200 files, at most 64 descriptors. */
Test(unbounded_fanout, more_files_than_descriptors, .fini = teardown,
     .timeout = 30) {
  read_files(200, 64);
}
/* @end */

/* Control: a light load under the same limit. Every variant must read
 * every record here; a variant that loses or double-counts records fails. */
Test(unbounded_fanout, fewer_files_than_descriptors, .fini = teardown,
     .timeout = 30) {
  read_files(20, 64);
}
