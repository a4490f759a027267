/* check.c -- Scenario 03 (lost-stack): the invariant, checked on what a run
 * of any variant leaves behind (see lost_stack.h for what it promises). */
#include "lost_stack.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* @snippet check */
int ls_check(const char *report, enum ls_caller culprit, char *msg,
             size_t msglen) {
  const char *name = ls_caller_name(culprit);
  const char *p = report;
  regex_t site;
  int found = 0;

  if (name == NULL) {
    if (strstr(report, "FATAL") == NULL)
      return 0;
    snprintf(msg, msglen,
             "lost-stack invariant violated: a fatal report, but no caller "
             "passed a bad argument");
    return 1;
  }
  /* A location is FILE.c:LINE; it must be on the same line as the name. */
  if (regcomp(&site, "\\.c:[0-9]+", REG_EXTENDED | REG_NOSUB) != 0)
    abort();
  while (*p && !found) {
    size_t n = strcspn(p, "\n");
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)(n < 1023 ? n : 1023), p);
    found = strstr(line, name) != NULL && regexec(&site, line, 0, NULL, 0) == 0;
    p += n + (p[n] == '\n');
  }
  regfree(&site);
  if (found)
    return 0;
  snprintf(msg, msglen,
           "lost-stack invariant violated: the report does not name the "
           "caller that passed the bad argument (culprit: %s)",
           name);
  return 1;
}
/* @end */
