/* check.c -- Scenario 01's invariant: every request's log lines appear in
 * program order (begin < step < end), and none is missing. Shared by the
 * driver and the Criterion test, for all three variants. */
#include "log_order.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPS 4096
static const char *const stages[] = {"begin", "step", "end"};

/* Copies the string value of "key":"..." from a JSON line into out. The
 * log's own lines never contain escaped quotes in these fields. */
static int field(const char *line, const char *key, char *out, size_t len) {
  char pat[32];
  const char *p, *q;

  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  p = strstr(line, pat);
  if (p == NULL)
    return -1;
  p += strlen(pat);
  q = strchr(p, '"');
  if (q == NULL || (size_t)(q - p) >= len)
    return -1;
  memcpy(out, p, (size_t)(q - p));
  out[q - p] = '\0';
  return 0;
}

int lo_check(const char *log_path, int requests, char *msg, size_t msglen) {
  struct op {
    char name[32];
    int stage; /* last stage seen: -1 none, 0 begin, 1 step, 2 end */
    int line;  /* line of that stage */
  } * ops;
  char line[4096], op[32], ev[16];
  int nops = 0, lineno = 0, rc = 0;
  FILE *f = fopen(log_path, "r");

  /* A log that cannot be read says nothing about the order of its lines:
   * that is a setup failure (-1, exit 3), and its message must not name the
   * invariant, or a test runner would count it as the bug observed. */
  if (f == NULL) {
    snprintf(msg, msglen, "log-order check: cannot read %s: %s", log_path,
             strerror(errno));
    return -1;
  }
  ops = calloc(MAX_OPS, sizeof *ops);
  if (ops == NULL) {
    fclose(f);
    snprintf(msg, msglen, "log-order check: out of memory");
    return -1;
  }
  while (rc == 0 && fgets(line, sizeof line, f)) {
    int i, s;
    lineno++;
    if (field(line, "ev", ev, sizeof ev) != 0 || strcmp(ev, "trailer") == 0)
      continue;
    if (field(line, "op", op, sizeof op) != 0)
      continue;
    for (s = 0; s < 3 && strcmp(ev, stages[s]) != 0; s++)
      ;
    if (s == 3)
      continue;
    for (i = 0; i < nops && strcmp(ops[i].name, op) != 0; i++)
      ;
    if (i == nops) {
      if (nops == MAX_OPS)
        break;
      snprintf(ops[nops].name, sizeof ops[nops].name, "%s", op);
      ops[nops].stage = -1;
      nops++;
    }
    if (s != ops[i].stage + 1) {
      if (ops[i].stage < 0)
        snprintf(msg, msglen,
                 "log-order invariant violated: line %d of %s shows '%s' "
                 "of %s before its 'begin'; the file does not tell the "
                 "order things happened in",
                 lineno, log_path, ev, op);
      else if (s > ops[i].stage + 1)
        /* A stage skipped: name the one that is missing here. */
        snprintf(msg, msglen,
                 "log-order invariant violated: line %d of %s shows '%s' "
                 "of %s before its '%s' (its '%s' is line %d); the file "
                 "does not tell the order things happened in",
                 lineno, log_path, ev, op, stages[ops[i].stage + 1],
                 stages[ops[i].stage], ops[i].line);
      else
        snprintf(msg, msglen,
                 "log-order invariant violated: line %d of %s shows '%s' "
                 "of %s after its '%s' (line %d); the file does not tell "
                 "the order things happened in",
                 lineno, log_path, ev, op, stages[ops[i].stage], ops[i].line);
      rc = 1;
    }
    ops[i].stage = s;
    ops[i].line = lineno;
  }
  if (ferror(f)) { /* a read error is not the end of the log */
    snprintf(msg, msglen, "log-order check: cannot read %s: %s", log_path,
             strerror(errno));
    rc = -1;
  }
  fclose(f);
  for (int i = 0; rc == 0 && i < nops; i++) {
    if (ops[i].stage != 2) {
      snprintf(msg, msglen,
               "log-order invariant violated: op %s never logged 'end'",
               ops[i].name);
      rc = 1;
    }
  }
  if (rc == 0 && nops != requests) {
    snprintf(msg, msglen,
             "log-order invariant violated: %d requests logged, want %d", nops,
             requests);
    rc = 1;
  }
  free(ops);
  return rc;
}
