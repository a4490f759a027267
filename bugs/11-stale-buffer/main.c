/* main.c -- Scenario 11 (stale-buffer) driver: runs one variant's workload,
 * then checks the record file it wrote. Linked with sync.c, the bug's
 * async.c or the fix's async.c into build/bin/11-stale-buffer-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "dsched.h"
#include "stale_buffer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: %s [--records N] [--out FILE] [--log FILE] [--schedule SPEC]\n"
    "          [--check-only]\n"
    "Runs scenario 11 (stale-buffer) once and checks that slot i of the\n"
    "record file holds record i: every record submitted is the one written.\n"
    "  --records N       records to write (default 8, 1..100000)\n"
    "  --out FILE        keep the record file in FILE (default: a temporary\n"
    "                    file, removed afterwards)\n"
    "  --log FILE        write the correlation log (JSON Lines) to FILE\n"
    "                    (the fix logs; the sync twin and the bug do not)\n"
    "  --schedule SPEC   hold threadpool requests and release them by SPEC\n"
    "                    (fifo, lifo, random:SEED, order:...; also env SCHED)\n"
    "  --check-only      run nothing: check the record file --out FILE names\n"
    "                    (kept from an earlier run) for --records N\n"
    "Exit status: 0 invariant held, 1 violated, 2 usage, 3 setup failure.\n";

int main(int argc, char **argv) {
  struct sb_config cfg = {NULL, NULL, 8};
  const char *schedule = NULL;
  int check_only = 0;
  char tmp[4096];
  char msg[512];
  int r, i;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      printf(usage, argv[0]);
      return 0;
    }
    if (strcmp(a, "--check-only") == 0) {
      check_only = 1;
      continue;
    }
    if (strcmp(a, "--records") != 0 && strcmp(a, "--out") != 0 &&
        strcmp(a, "--log") != 0 && strcmp(a, "--schedule") != 0) {
      fprintf(stderr, "%s: unknown option '%s' (see --help)\n", argv[0], a);
      return 2;
    }
    if (v == NULL) {
      fprintf(stderr, "%s: %s needs a value\n", argv[0], a);
      return 2;
    }
    i++;
    if (strcmp(a, "--records") == 0) {
      char *end;
      long n;
      errno = 0;
      n = strtol(v, &end, 10);
      if (errno || end == v || *end || n < 1 || n > SB_MAX_RECORDS) {
        fprintf(stderr, "%s: --records wants a number from 1 to %d, got "
                "'%s'\n", argv[0], SB_MAX_RECORDS, v);
        return 2;
      }
      cfg.records = (int)n;
    } else if (strcmp(a, "--out") == 0) {
      cfg.out_path = v;
    } else if (strcmp(a, "--log") == 0) {
      cfg.log_path = v;
    } else {
      schedule = v;
    }
  }
  if ((schedule ? dsched_configure(schedule) : dsched_configure_from_env()) != 0)
    return 2;
  if (check_only && cfg.out_path == NULL) {
    fprintf(stderr, "%s: --check-only needs --out FILE\n", argv[0]);
    return 2;
  }
  if (cfg.out_path == NULL) {
    int e = gallery_tmpfile(tmp, sizeof tmp, "stale-buffer");
    if (e < 0) {
      fprintf(stderr, "stale-buffer: %s: %s\n", tmp, strerror(-e));
      return 3;
    }
    cfg.out_path = tmp;
  }

  r = check_only ? 0 : sb_run(&cfg);
  if (r < 0) {
    fprintf(stderr, "stale-buffer: setup failed: %s\n", strerror(-r));
    r = 3;
  } else {
    r = sb_check(cfg.out_path, cfg.records, msg, sizeof msg);
    if (r == 0)
      printf("stale-buffer: %d records, slot i holds record i: invariant "
             "held\n", cfg.records);
    else if (r == 1)
      printf("%s\n", msg);
    else
      fprintf(stderr, "%s\n", msg); /* a setup failure: exit 3 */
    r = r == 0 ? 0 : r == 1 ? 1 : 3;
  }
  if (dsched_active())
    printf("stale-buffer: schedule taken: %s\n", dsched_taken());
  dsched_reset();
  if (cfg.out_path == tmp)
    unlink(tmp);
  return r;
}
