/* test_tool_spec.c -- the schedule-spec grammar
 * (tools/runtime/sched/spec.h): every spec of tests/spec-table.txt is
 * accepted or rejected as the table says, a rejection says why, and the
 * canonical text of an accepted spec parses back to the same spec.
 * tests/spec-grammar.sh runs the same table through a scenario program and
 * the preload shim. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

/* The table, found next to this source file. */
static FILE *open_table(void) {
  char path[512];
  const char *slash = strrchr(__FILE__, '/');
  snprintf(path, sizeof path, "%.*sspec-table.txt",
           slash ? (int)(slash - __FILE__ + 1) : 0, __FILE__);
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "cannot open %s (run from the repository root)", path);
  return f;
}

/* Reads the next "accept|reject [SPEC]" line; 0 at the end. */
static int next_row(FILE *f, int *accept, char *spec, size_t cap, int *lineno) {
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    size_t n = strlen(line);
    ++*lineno;
    if (n > 0 && line[n - 1] == '\n')
      line[--n] = '\0';
    if (n == 0 || line[0] == '#')
      continue;
    if (strncmp(line, "accept", 6) == 0)
      *accept = 1;
    else if (strncmp(line, "reject", 6) == 0)
      *accept = 0;
    else
      cr_assert_fail("spec-table.txt:%d: want accept or reject: %s", *lineno,
                     line);
    cr_assert(line[6] == '\0' || line[6] == ' ',
              "spec-table.txt:%d: bad row %s", *lineno, line);
    snprintf(spec, cap, "%s", line[6] ? line + 7 : "");
    return 1;
  }
  return 0;
}

static void assert_same(const struct spec *a, const struct spec *b,
                        const char *what) {
  cr_assert_eq(a->kind, b->kind, "%s: kind", what);
  cr_assert_eq(a->seed, b->seed, "%s: seed", what);
  cr_assert_eq(a->depth, b->depth, "%s: depth", what);
  cr_assert_eq(a->steps, b->steps, "%s: steps", what);
  cr_assert_eq(a->timers, b->timers, "%s: timers", what);
  cr_assert_eq(a->closes, b->closes, "%s: closes", what);
  cr_assert_eq(a->lenient, b->lenient, "%s: lenient", what);
  cr_assert_eq(a->list_len, b->list_len, "%s: list", what);
  cr_assert(a->list_len == 0 || memcmp(a->list, b->list, a->list_len) == 0,
            "%s: list", what);
}

Test(spec, the_table_accepts_and_rejects) {
  FILE *f = open_table();
  char spec[4096], err[256];
  int accept, lineno = 0, rows = 0, rejects = 0;
  struct spec sp;

  while (next_row(f, &accept, spec, sizeof spec, &lineno)) {
    int r = spec_parse(spec, &sp, err, sizeof err);
    rows++;
    if (accept) {
      cr_assert_eq(r, 0, "spec-table.txt:%d: '%s' rejected: %s", lineno, spec,
                   err);
    } else {
      rejects++;
      cr_assert_eq(r, -1, "spec-table.txt:%d: '%s' accepted", lineno, spec);
      cr_assert_neq(err[0], '\0', "spec-table.txt:%d: '%s': no reason", lineno,
                    spec);
      cr_assert_null(strchr(err, '\n'), "'%s': %s", spec, err);
    }
  }
  fclose(f);
  cr_assert_gt(rows, 0);
  cr_assert_gt(rejects, 0);
  cr_assert_gt(rows - rejects, 0);
}

Test(spec, canonical_text_parses_to_the_same_spec) {
  FILE *f = open_table();
  char spec[4096], text[4096 + 64], text2[sizeof text];
  char err[256];
  int accept, lineno = 0;
  struct spec a, b;

  while (next_row(f, &accept, spec, sizeof spec, &lineno)) {
    if (!accept)
      continue;
    cr_assert_eq(spec_parse(spec, &a, err, sizeof err), 0, "%s", err);
    int n = spec_format(&a, text, sizeof text);
    cr_assert(n > 0 && (size_t)n < sizeof text, "'%s'", spec);
    cr_assert_eq(spec_parse(text, &b, err, sizeof err), 0,
                 "'%s' printed as '%s', which is rejected: %s", spec, text,
                 err);
    assert_same(&a, &b, text);
    spec_format(&b, text2, sizeof text2);
    cr_assert_str_eq(text, text2, "'%s': canonical text is not stable", spec);
  }
  fclose(f);
}

/* The canonical form: pct always with its depth, flags an order: list
 * implies not repeated, "" as none. */
Test(spec, canonical_forms) {
  static const char *const pairs[][2] = {
      {"", "none"},
      {"pct:7", "pct:7:3"},
      {"pct:7:3:1000", "pct:7:3:1000"},
      {"random:7+close+timers", "random:7+timers+close"},
      {"order:timer#0,close#1", "order:timer#0,close#1"},
      {"order:timer#0+timers", "order:timer#0"},
      {"order:t1+lenient", "order:t1+lenient"},
      {"interactive", "interactive"},
      {"pos:7", "pos:7"},
      {"pos:7+timers", "pos:7+timers"},
      {"interactive+close+timers", "interactive+timers+close"},
  };
  char text[128], err[256];
  struct spec sp;
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    cr_assert_eq(spec_parse(pairs[i][0], &sp, err, sizeof err), 0, "%s", err);
    spec_format(&sp, text, sizeof text);
    cr_assert_str_eq(text, pairs[i][1], "'%s'", pairs[i][0]);
  }
}

/* A rejection names the part that is wrong. */
Test(spec, reasons_name_the_part) {
  static const char *const cases[][2] = {
      {"pct:7:17", "bad depth '17'"},
      {"pct:7:0", "bad depth '0'"},
      {"pct:7:3:0", "bad steps '0'"},
      {"random:18446744073709551616", "bad seed"},
      {"random:9223372036854775808", "SEED a number 0..9223372036854775807"},
      {"order:a,,b", "bad step 2 ''"},
      {"order:work#x", "bad step 1 'work#x'"},
      {"order:", "empty order: list"},
      {"fifo+bogus", "unknown flag '+bogus'"},
      {"none+timers", "need a strategy"},
      {"random:7+lenient", "order: scripts only"},
      {"FIFO", "unknown schedule 'FIFO'"},
      {"interactive:3", "unknown schedule 'interactive:3'"},
      {"interactive+lenient", "order: scripts only"},
      {"pos:7:3", "bad seed in 'pos:7:3' (want pos:SEED"},
      {"pos:", "bad seed in 'pos:'"},
      {"pos", "unknown schedule 'pos'"},
  };
  char err[256];
  struct spec sp;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cr_assert_eq(spec_parse(cases[i][0], &sp, err, sizeof err), -1, "%s",
                 cases[i][0]);
    cr_assert_not_null(strstr(err, cases[i][1]), "'%s': %s", cases[i][0], err);
  }
}

Test(spec, items_walk_in_order) {
  struct spec sp;
  char err[256];
  size_t pos = 0, n;
  const char *it, *want[] = {"work#1", "t1@start", "close#0"};
  int kind, k = 0;
  unsigned num;
  cr_assert_eq(
      spec_parse("order:work#1,t1@start,close#0", &sp, err, sizeof err), 0);
  while ((it = spec_next_item(&sp, &pos, &n)) != NULL) {
    cr_assert_lt(k, 3);
    cr_assert_eq(n, strlen(want[k]));
    cr_assert_eq(memcmp(it, want[k], n), 0);
    k++;
  }
  cr_assert_eq(k, 3);
  cr_assert_eq(spec_item("work#1", 6, &kind, &num), 1);
  cr_assert_eq(kind, 1);
  cr_assert_eq(num, 1);
  cr_assert_eq(spec_item("t1@start", 8, &kind, &num), 0);
  cr_assert_eq(spec_item("t1@", 3, &kind, &num), -1);
  cr_assert(sp.closes && !sp.timers);
}

/* A spec has no length limit: an order: script of 100,000 steps (over
 * 1 MB) parses, walks to its last item and prints back whole. */
Test(spec, long_order_scripts_have_no_limit) {
  enum { STEPS = 100000 };
  size_t cap = 16 + (size_t)STEPS * 16;
  char *text = malloc(cap), err[256];
  size_t len = (size_t)snprintf(text, cap, "order:");
  for (unsigned i = 0; i < STEPS; i++)
    len += (size_t)snprintf(text + len, cap - len, "%st%u@lock", i ? "," : "",
                            i % 7);
  struct spec sp;
  cr_assert_eq(spec_parse(text, &sp, err, sizeof err), 0, "%s", err);
  size_t pos = 0, n, items = 0;
  const char *it, *last = NULL;
  while ((it = spec_next_item(&sp, &pos, &n)) != NULL) {
    items++;
    last = it;
  }
  cr_assert_eq(items, STEPS);
  char want[32];
  snprintf(want, sizeof want, "t%u@lock", (STEPS - 1) % 7);
  cr_assert_eq(n, strlen(want));
  cr_assert_eq(memcmp(last, want, n), 0);
  char *back = spec_format_alloc(&sp);
  cr_assert_not_null(back);
  cr_assert_str_eq(back, text);
  free(back);
  free(text);
}
