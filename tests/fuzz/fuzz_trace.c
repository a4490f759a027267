/* fuzz_trace.c -- libFuzzer target for the trace tool's line parser: any
 * bytes must give either an event or an error message, never a crash, a
 * leak or an out-of-bounds read; and whenever the fast parser accepts a line
 * (trace_fast.c), its event must equal the one the jansson path makes of it.
 * Each input is tried as a whole line and inside a few lines in the fast
 * form, so mutations reach the string decoder and the number parser.
 * Build and run (from the repository root; tools/check.sh does the same):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -iquote tools/instruments/trace -iquote tools/runtime/corrlog \
 *     tests/fuzz/fuzz_trace.c TRACE_SOURCES CORRLOG_SOURCES \
 *     -ljansson -lm -pthread -ldl -o build/fuzz/fuzz_trace
 *   build/fuzz/fuzz_trace -max_total_time=60 tests/fuzz/corpus/trace
 * with the .c files of tools/instruments/trace but main.c as TRACE_SOURCES
 * and those of tools/runtime/corrlog (trace calls its UTF-8 check and JSON
 * escaper) as CORRLOG_SOURCES.
 */
#include "trace_impl.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(name, field)                                                     \
  { name, offsetof(struct trace_event, field) }
/* The string fields and the integer fields of an event, by the names the
 * messages give them. */
static const struct field {
  const char *name;
  size_t off;
} str_fields[] = {FIELD("op", op),
                  FIELD("parent", parent),
                  FIELD("thread", thread),
                  FIELD("kind", kind),
                  FIELD("msg", msg),
                  FIELD("site", site),
                  FIELD("attrs.res", res),
                  FIELD("attrs.access", access),
                  FIELD("recorder", recorder)},
  int_fields[] = {FIELD("ts", ts), FIELD("seq", seq), FIELD("lc", lc),
                  FIELD("status", status), FIELD("dropped", dropped)};
#undef FIELD
#define NFIELDS(a) (sizeof a / sizeof a[0])

static const void *at(const struct trace_event *e, const struct field *x) {
  return (const char *)e + x->off;
}

/* Names the first field where the two events differ, or NULL. */
static const char *first_difference(const struct trace_event *f,
                                    const struct trace_event *j) {
  if (f->ev != j->ev)
    return "ev";
  if (f->has != j->has)
    return "has";
  for (size_t i = 0; i < NFIELDS(str_fields); i++) {
    const char *a = *(const char *const *)at(f, &str_fields[i]);
    const char *b = *(const char *const *)at(j, &str_fields[i]);
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
      return str_fields[i].name;
  }
  for (size_t i = 0; i < NFIELDS(int_fields); i++)
    if (*(const long long *)at(f, &int_fields[i]) !=
        *(const long long *)at(j, &int_fields[i]))
      return int_fields[i].name;
  return NULL;
}

/* Parses one line both ways and aborts on any disagreement. */
static void check_line(const uint8_t *data, size_t size) {
  struct trace_event e, ref;
  char err[256], referr[256];
  int rc = trace_parse_line((const char *)data, size, &e, err, sizeof err);
  int refrc =
      trace__parse_slow((const char *)data, size, &ref, referr, sizeof referr);

  if (rc == 0) {
    /* Touch every string the parser promised to be valid. */
    size_t n = strlen(e.op ? e.op : "") + strlen(e.msg ? e.msg : "") +
               strlen(e.res ? e.res : "") + strlen(e.thread ? e.thread : "");
    if (e.ev != TRACE_EV_TRAILER && (!e.op || !*e.op))
      __builtin_trap(); /* every event has a non-empty op */
    (void)n;
  } else if (strlen(err) == 0 || memchr(err, '\n', strlen(err))) {
    __builtin_trap(); /* errors are one non-empty line */
  }

  /* The differential check. e.mem is set only when the fast parser took the
   * line; otherwise both calls ran the same jansson code and must agree. */
  if (e.mem) {
    const char *what;

    if (refrc != 0) {
      fprintf(stderr, "fast parser accepted a line jansson rejects: %s\n",
              referr);
      abort();
    }
    what = first_difference(&e, &ref);
    if (what) {
      fprintf(stderr, "fast parser and jansson differ in %s\n", what);
      abort();
    }
  } else if (rc != refrc || (rc != 0 && strcmp(err, referr) != 0) ||
             (rc == 0 && first_difference(&e, &ref))) {
    fprintf(stderr, "the jansson path is not deterministic\n");
    abort();
  }
  if (rc == 0)
    trace_event_free(&e);
  if (refrc == 0)
    trace_event_free(&ref);
}

/* Puts the input inside a line in the fast form, where most mutations would
 * otherwise never reach: as a string's contents (the decoder: escapes,
 * UTF-8), as a number, and as an attribute key (the duplicate check). */
static const char *const templates[][2] = {
    {"{\"op\":\"a\",\"ev\":\"step\",\"msg\":\"", "\"}"},
    {"{\"op\":\"a\",\"ev\":\"step\",\"seq\":", "}"},
    {"{\"op\":\"a\",\"ev\":\"step\",\"attrs\":{\"res\":\"r\",\"", "\":\"v\"}}"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_line(data, size);
  for (size_t t = 0; t < sizeof templates / sizeof templates[0]; t++) {
    size_t a = strlen(templates[t][0]), b = strlen(templates[t][1]);
    /* Exactly as long as the line, so ASan sees any read past its end. */
    uint8_t *line = malloc(a + size + b);

    if (!line)
      abort();
    memcpy(line, templates[t][0], a);
    memcpy(line + a, data, size);
    memcpy(line + a + size, templates[t][1], b);
    check_line(line, a + size + b);
    free(line);
  }
  return 0;
}
