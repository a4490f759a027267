/* check.c -- Scenario 04 (heisenbug): the invariant, checked on what a run
 * of any variant leaves behind (see heisenbug.h for what it promises). */
#include "heisenbug.h"

#include <stdio.h>

int hb_check(const struct hb_cache *c, const struct hb_worker w[2], char *msg,
             size_t msglen) {
  if (c->loads == 1 && w[0].seen == c->value && w[1].seen == c->value) {
    snprintf(msg, msglen,
             "heisenbug: config loaded once, both workers saw "
             "%ld: invariant held",
             c->value);
    return 0;
  }
  snprintf(msg, msglen,
           "heisenbug invariant violated: the config was loaded %d times "
           "(worker 1 saw %ld, worker 2 saw %ld); both workers found it "
           "missing before either had loaded it",
           c->loads, w[0].seen, w[1].seen);
  return 1;
}
