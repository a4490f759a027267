/* check.c -- Scenario 08 (coalesced-wakeup): the invariant, checked on what
 * a run of any variant leaves behind (see coalesced_wakeup.h for what it
 * promises). */
#include "coalesced_wakeup.h"

#include <stdio.h>

int cw_check(const struct cw_sink *sink, char *msg, size_t msglen) {
  int next = 0; /* the id that should be handled next */

  for (int i = 0; i < sink->nids; i++, next++) {
    int id = sink->ids[i];
    if (id == next)
      continue;
    if (id > next && id < sink->messages)
      snprintf(msg, msglen,
               "coalesced-wakeup invariant violated: message %d was never "
               "handled (the next message handled was %d; %d sent, %d "
               "handled)",
               next, id, sink->messages, sink->nids);
    else
      snprintf(msg, msglen,
               "coalesced-wakeup invariant violated: handled message %d "
               "where message %d was due (%d sent, %d handled)",
               id, next, sink->messages, sink->nids);
    return 1;
  }
  if (next != sink->messages) {
    snprintf(msg, msglen,
             "coalesced-wakeup invariant violated: message %d was never "
             "handled (%d sent, %d handled)",
             next, sink->messages, sink->nids);
    return 1;
  }
  snprintf(msg, msglen,
           "coalesced-wakeup: %d messages sent, each handled once, in "
           "order: invariant held",
           sink->messages);
  return 0;
}
