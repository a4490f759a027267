/* play.h -- `gallery play`'s parts: one game (play_game.c) asks a chooser
 * at every question the scheduler sends; play.c holds the command, the
 * choosers (terminal, script, depth-first search) and the ending. */
#ifndef GALLERY_PLAY_H
#define GALLERY_PLAY_H

#include "dsched_play.h"
#include "gallery_ext.h"

#include <limits.h>
#include <stddef.h>

/* One question, as dsched_play.h defines it. */
struct question {
  char kind[16];
  int n;
  char items[DSCHED_PLAY_MAX_OPTIONS][DSCHED_PLAY_ITEM_MAX];
  char whats[DSCHED_PLAY_MAX_OPTIONS][DSCHED_PLAY_TEXT_MAX];
  int ninfo;
  char infos[DSCHED_PLAY_MAX_OPTIONS][DSCHED_PLAY_TEXT_MAX];
  char taken[4096];
};

/* How the choices are made: returns the index chosen, -1 to quit (the
 * message printed), -2 for bad input (a script that does not fit). */
typedef int (*chooser_fn)(void *arg, const struct question *q, int number);

struct game {
  const struct scenario *s;
  int variant; /* 1 bug, 2 fix */
  char spec[64];
  char *const *args;
  int nargs;
  int verbose; /* show each question and pick */
  chooser_fn choose;
  void *arg;
  /* results */
  int choices;
  int rc; /* the program's shell-style status; 256: stopped */
  char schedule[4096];
  char lastq[4200]; /* the last question's schedule with its pick */
  char *out;
  size_t out_len;
  char dir[PATH_MAX];
  char log[PATH_MAX + 16];
};

/* Runs one game. Returns 0 when it ran to the end (g->rc is the
 * program's status), -2 bad input (the chooser said so), -1 when the
 * player quit, -3 setup failure. */
int play_once(struct game *g);
/* Removes the game's FIFOs and log (a next game makes them again; the
 * gallery's private directory goes at exit). */
void play_cleanup(void);
void play_show_question(const struct question *q, int number);

#endif
