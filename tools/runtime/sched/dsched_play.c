/* dsched_play.c -- the interactive strategy's channel to its player
 * (`gallery play`): every choice the scheduler would make is asked
 * instead. The player's directory, named by SCHED_PLAY, holds two FIFOs:
 * the program writes questions to DIR/ask and reads answers from
 * DIR/answer, both opened at the first question. A question is
 *
 *   choose KIND N          KIND: threads or requests; N options follow
 *   opt ITEM<TAB>WHAT      one per option, ITEM as an order: item names it
 *   info TEXT              what else is pending (not a choice now)
 *   taken SPEC             the schedule taken so far, as order:...
 *   end
 *
 * and the answer is one line: the ITEM chosen. An answer that is not an
 * option, or no player (SCHED_PLAY unset, the player gone), ends the run
 * with exit 2 -- a choice nobody made is no verdict. See dsched.h. */
#include "dsched.h"
#include "dsched_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__thread const char *dsched__file;
__thread int dsched__line;

static FILE *ask_f, *answer_f;
static pthread_mutex_t play_mu = PTHREAD_MUTEX_INITIALIZER;

static void no_player(const char *why) {
  fprintf(stderr, "sched: interactive: %s\n", why);
  dsched__rec_close();
  fflush(NULL);
  /* _exit: the other registered threads are parked for good. */
  _exit(2);
}

static void open_channel(void) {
  const char *dir = getenv("SCHED_PLAY");
  char path[4096];
  int fd;

  if (dir == NULL || *dir == '\0')
    no_player("no player: SCHED_PLAY is not set (build/gallery play sets "
              "it)");
  snprintf(path, sizeof path, "%s/ask", dir);
  if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 ||
      (ask_f = fdopen(fd, "w")) == NULL)
    no_player("cannot open SCHED_PLAY/ask");
  snprintf(path, sizeof path, "%s/answer", dir);
  /* A fork child (scenarios 03, 13) asks through the same FIFOs: the
   * parent waits for it meanwhile. */
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
      (answer_f = fdopen(fd, "r")) == NULL)
    no_player("cannot open SCHED_PLAY/answer");
}

int dsched__ask(const char *kind, int n, const char *const *items,
               const char *const *whats, int ninfo,
               const char *const *infos) {
  char line[256];
  int pick = -1;

  pthread_mutex_lock(&play_mu);
  if (ask_f == NULL)
    open_channel();
  fprintf(ask_f, "choose %s %d\n", kind, n);
  for (int i = 0; i < n; i++)
    fprintf(ask_f, "opt %s\t%s\n", items[i], whats[i]);
  for (int i = 0; i < ninfo; i++)
    fprintf(ask_f, "info %s\n", infos[i]);
  /* With the pick appended, an exact replay of the run up to here; past
   * the last choice every decision had one option, as a script's end. */
  fprintf(ask_f, "taken %s\n", dsched_taken());
  fputs("end\n", ask_f);
  if (fflush(ask_f) != 0)
    no_player("the player has gone (writing a question)");
  if (fgets(line, sizeof line, answer_f) == NULL)
    no_player("the player has gone (no answer)");
  line[strcspn(line, "\r\n")] = '\0';
  for (int i = 0; i < n && pick < 0; i++)
    if (strcmp(line, items[i]) == 0)
      pick = i;
  if (pick < 0) {
    fprintf(stderr, "sched: interactive: the answer '%s' is not one of the "
                    "%d options\n", line, n);
    no_player("a choice nobody made is no verdict");
  }
  pthread_mutex_unlock(&play_mu);
  return pick;
}
