/* registry.h -- the gallery's scenarios, read from their folders: each
 * bugs/NN-slug/scenario.conf holds every fact the tools know about scenario
 * NN (its id and slug are the folder's name). The keys, their types and
 * what they mean are the table in registry.c, printed by
 * `build/gallery info --keys`; every tool and script reads the files
 * through the gallery (`build/gallery info --json`). */
#ifndef GALLERY_REGISTRY_H
#define GALLERY_REGISTRY_H

#include <stddef.h>
#include <stdio.h>

/* A list value: the words of its line, split on blanks. */
struct scenario_list {
  int n;
  char **word;
};

struct scenario {
  int id;
  char *slug;       /* NN-slug without the number: "log-order" */
  char *file;       /* the file it was read from: bugs/NN-slug/scenario.conf */
  char *title;      /* one line; its chapter's H1 is "NN title" */
  char *theme;      /* lost ordering, latent race, ... */
  char *chapter;    /* path of the chapter that teaches it */
  char *wrong;      /* what goes wrong, one sentence */
  char *look;       /* what to look at when it fails */
  int hunt_timeout; /* hunt's per-run timeout preset, seconds */
  /* The scripted schedule under which one natural-size run of the bug
   * breaks its invariant: compare, try, run's hang hint and the book's
   * figures run under it (gallery expose runs the Criterion test, whose
   * scripts fit the test's own workloads). */
  char *compare_schedule;
  /* The same interleaving as a script the fix's structure fits, where the
   * bug's does not (scripts are strict: tests/variant_schedule.h picks the
   * tests' ones the same way); NULL when compare_schedule fits both. */
  char *compare_fix_schedule;
  /* What it means when the bug's run makes no progress (a deadlock this
   * scenario teaches), or NULL: its bug is not a hang. */
  char *hang;
  /* The sanitizer whose report is the bug's lesson ("address", "thread"),
   * or NULL, and the bug's arguments under which the report is certain. */
  char *sanitizer_lesson;
  struct scenario_list sanitizer_lesson_args;
  struct scenario_list tsan_sync_options; /* TSAN_OPTIONS, sync twin */
  struct scenario_list stress_args;       /* the fix's workload in make check */
  /* The book's figures: the programs' arguments, and a schedule that
   * replaces compare_schedule for them (NULL: none). */
  struct scenario_list figure_args;
  char *figure_schedule;
};

extern const struct scenario *gallery_scenarios;
extern int gallery_nscenarios;

/* Reads every bugs/NN-slug/scenario.conf under dir (a folder NN-slug
 * without one is an error), in id order, into gallery_scenarios. Returns
 * 0, or 2 with "FILE:LINE: what" in err (3 when dir cannot be read). */
int gallery_load(const char *dir, char *err, size_t errlen);

/* Reads one scenario file at path into *s, for the scenario whose folder
 * is named dirname ("05-check-then-act"). Returns 0, or 2 with
 * "FILE:LINE: what" in err; *s is then left empty. */
int scenario_read(const char *path, const char *dirname, struct scenario *s,
                  char *err, size_t errlen);
void scenario_free(struct scenario *s);

/* The typed table of keys, for `gallery info`: name, type ("string",
 * "int", "schedule", "list"), required or not, and what it means. */
struct scenario_key {
  const char *name;
  const char *type;
  int required;
  const char *doc;
};
const struct scenario_key *scenario_keys(int *n);

/* Writes s as one JSON object (every key; a missing optional one as null
 * or []) to f, or the keys as the file format when json is 0. */
void scenario_print(const struct scenario *s, int json, FILE *f);

/* Finds a scenario by "5", "05", "05-check-then-act" or "check-then-act".
 * Returns NULL when none matches. */
const struct scenario *gallery_find(const char *arg);

/* gallery info [NN] [--json] [--keys]: the scenario files, read. */
int gallery_cmd_info(int argc, char **argv);

#endif
