/* dsched_play.c -- the interactive strategy's channel to its player
 * (`gallery play`): every choice the scheduler would make is asked
 * instead, in the protocol dsched_play.h defines. Both FIFOs are opened
 * at the first question. See dsched.h. */
#include "dsched.h"
#include "dsched_internal.h"
#include "dsched_play.h"

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
  dsched__stopping();
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
  snprintf(path, sizeof path, "%s/" DSCHED_PLAY_ASK, dir);
  if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 ||
      (ask_f = fdopen(fd, "w")) == NULL)
    no_player("cannot open SCHED_PLAY/ask");
  snprintf(path, sizeof path, "%s/" DSCHED_PLAY_ANSWER, dir);
  /* A fork child (scenarios 03, 13) asks through the same FIFOs: the
   * parent waits for it meanwhile. */
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
      (answer_f = fdopen(fd, "r")) == NULL)
    no_player("cannot open SCHED_PLAY/answer");
}

int dsched__ask(const char *kind, int n, const char *const *items,
                const char *const *whats, int ninfo, const char *const *infos) {
  char line[256];
  int pick = -1;

  pthread_mutex_lock(&play_mu);
  if (ask_f == NULL)
    open_channel();
  fprintf(ask_f, DSCHED_PLAY_CHOOSE "%s %d\n", kind, n);
  for (int i = 0; i < n; i++)
    fprintf(ask_f, DSCHED_PLAY_OPT "%s\t%s\n", items[i], whats[i]);
  for (int i = 0; i < ninfo; i++)
    fprintf(ask_f, DSCHED_PLAY_INFO "%s\n", infos[i]);
  /* With the pick appended, an exact replay of the run up to here; past
   * the last choice every decision had one option, as a script's end. */
  fprintf(ask_f, DSCHED_PLAY_TAKEN "%s\n", dsched_taken());
  fputs(DSCHED_PLAY_END, ask_f);
  if (fflush(ask_f) != 0)
    no_player("the player has gone (writing a question)");
  if (fgets(line, sizeof line, answer_f) == NULL)
    no_player("the player has gone (no answer)");
  line[strcspn(line, "\r\n")] = '\0';
  for (int i = 0; i < n && pick < 0; i++)
    if (strcmp(line, items[i]) == 0)
      pick = i;
  if (pick < 0) {
    fprintf(stderr,
            "sched: interactive: the answer '%s' is not one of the "
            "%d options\n",
            line, n);
    no_player("a choice nobody made is no verdict");
  }
  pthread_mutex_unlock(&play_mu);
  return pick;
}
