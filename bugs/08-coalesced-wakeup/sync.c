/* sync.c -- Scenario 08 (SYNC): the producer handles each message itself,
 * calling the handler directly. Correct by construction: a message is
 * handled before the next one exists, so none can be overwritten or
 * reordered. It is also slower: the producer pays for the handling of every
 * message before it can produce the next. Trigger: build/gallery run 08
 * --sync. See also: bugs/08-coalesced-wakeup/async.c,
 * chapters/08-coalesced-wakeup.md. */
#include "coalesced_wakeup.h"

#include <stdlib.h>

struct cw_chan {
  struct cw_sink *sink;
};

struct cw_chan *cw_chan_open(uv_loop_t *loop, struct cw_sink *sink) {
  struct cw_chan *ch = malloc(sizeof *ch);

  (void)loop; /* nothing for the loop to do: no handle, no wakeup */
  if (ch == NULL)
    abort();
  ch->sink = sink;
  return ch;
}

/* @snippet sync_send */
void cw_chan_send(struct cw_chan *ch, int id) {
  cw_handle(ch->sink, id); /* returns when the message has been handled */
}
/* @end */

void cw_chan_free(struct cw_chan *ch) {
  free(ch);
}
