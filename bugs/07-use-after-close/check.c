/* check.c -- Scenario 07 (use-after-close): the invariant, checked on what
 * a run of any variant leaves behind (see use_after_close.h for what it
 * promises). */
#include "use_after_close.h"

#include <stdio.h>

int uac_check(int clients, char *msg, size_t msglen) {
  struct uac_tally t;

  uac_tally(&t);
  if (t.violations > 0) {
    snprintf(msg, msglen,
             "use-after-close invariant violated: %d callback(s) ran on freed "
             "connection memory (first: %s found the poison pattern)",
             t.violations, t.first_where);
    return 1;
  }
  if (t.good_replies != clients) {
    snprintf(msg, msglen,
             "use-after-close invariant violated: %d of %d clients got their "
             "reply (%d wrong)",
             t.good_replies, clients, t.bad_replies);
    return 1;
  }
  return 0;
}
