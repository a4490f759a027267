/* registry.h -- the one list of gallery scenarios: everything the gallery
 * CLI knows about a scenario comes from its entry in registry.c. */
#ifndef GALLERY_REGISTRY_H
#define GALLERY_REGISTRY_H

struct scenario {
  int id;
  const char *slug;    /* NN-slug without the number: "log-order" */
  const char *title;   /* one line */
  const char *theme;   /* lost ordering, latent race, ... */
  const char *chapter; /* path of the chapter that teaches it */
  const char *wrong;   /* what goes wrong, one sentence */
  const char *look;    /* what to look at when it fails */
  const char *hunt_timeout; /* hunt's per-run timeout preset, seconds */
  const char *expose_schedule; /* the scripted schedule compare runs under */
  /* The same interleaving as a script the fix's structure fits, where the
   * bug's does not (scripts are strict: tests/variant_schedule.h picks the
   * tests' ones the same way); NULL when expose_schedule fits both. */
  const char *fix_schedule;
  /* What it means when the bug's run makes no progress (a deadlock this
   * scenario teaches), or NULL: its bug is not a hang. */
  const char *hang;
};

extern const struct scenario gallery_scenarios[];
extern const int gallery_nscenarios;

/* Finds a scenario by "5", "05", "05-check-then-act" or "check-then-act".
 * Returns NULL when none matches. */
const struct scenario *gallery_find(const char *arg);

#endif
