/* test_tool_trace.c -- unit tests of the trace tool: the line parser's
 * contract, and the structure of the Chrome trace export (parsed back with
 * jansson). Run from the repository root (reads tests/trace/). */
#include "trace.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse(const char *s, struct trace_event *e, char *err) {
  return trace_parse_line(s, strlen(s), e, err, 256);
}

Test(trace_parse, corrlog_line) {
  struct trace_event e;
  char err[256];
  const char *line =
      "{\"ts\":5,\"thread\":\"loop\",\"op\":\"00000000000000a1\","
      "\"parent\":\"0000000000000000\",\"seq\":2,\"lc\":7,\"ev\":\"step\","
      "\"kind\":\"req\",\"status\":-5,\"msg\":\"m\",\"site\":\"a.c:1:f\","
      "\"attrs\":{\"res\":\"cache:k1\",\"access\":\"read\"}}\r";

  cr_assert_eq(parse(line, &e, err), 0, "%s", err);
  cr_assert_eq(e.ev, TRACE_EV_STEP);
  cr_assert_str_eq(e.op, "00000000000000a1");
  cr_assert_null(e.parent, "an all-zero parent means none");
  cr_assert_eq(e.seq, 2);
  cr_assert_eq(e.lc, 7);
  cr_assert_eq(e.status, -5);
  cr_assert_str_eq(e.res, "cache:k1");
  cr_assert_str_eq(e.access, "read");
  cr_assert_eq(e.has & (TRACE_HAS_TS | TRACE_HAS_SEQ | TRACE_HAS_LC),
               TRACE_HAS_TS | TRACE_HAS_SEQ | TRACE_HAS_LC);
  trace_event_free(&e);
}

Test(trace_parse, minimal_line_from_scenario_01) {
  struct trace_event e;
  char err[256];

  cr_assert_eq(parse("{\"op\":\"req-3\",\"ev\":\"begin\",\"msg\":\"GET\"}", &e,
                     err),
               0, "%s", err);
  cr_assert_str_eq(e.op, "req-3");
  cr_assert_eq(e.has, 0u, "no optional numbers were given");
  trace_event_free(&e);
}

Test(trace_parse, trailer) {
  struct trace_event e;
  char err[256];

  cr_assert_eq(parse("{\"ev\":\"trailer\",\"dropped\":3}", &e, err), 0);
  cr_assert_eq(e.ev, TRACE_EV_TRAILER);
  cr_assert_eq(e.dropped, 3);
  trace_event_free(&e);
}

/* Each bad line must fail with a message that names what is wrong. */
Test(trace_parse, rejects_with_reason) {
  static const struct {
    const char *line, *reason;
  } bad[] = {
      {"{\"op\":\"a\",\"ev\":\"begin\",\"op\":\"b\"}", "duplicate"},
      {"{\"ev\":\"begin\"}", "missing field \"op\""},
      {"{\"op\":\"a\"}", "missing field \"ev\""},
      {"{\"op\":\"\",\"ev\":\"end\"}", "empty"},
      {"{\"op\":\"a\",\"ev\":\"begin\",\"seq\":-1}", "\"seq\""},
      {"{\"op\":\"a\",\"ev\":\"begin\",\"ts\":-1}", "\"ts\""},
      {"{\"op\":\"a\",\"ev\":\"begin\",\"lc\":\"1\"}", "expected an integer"},
      {"{\"op\":\"a\",\"ev\":\"begin\",\"seq\":99999999999999999999}", "big"},
      {"{\"op\":\"a\",\"ev\":\"halt\"}", "is not begin"},
      {"{\"op\":\"a\",\"ev\":\"end\",\"attrs\":[]}", "attrs"},
      {"[1,2]", "object"},
      {"{\"op\":\"a\",\"ev\":\"end\"", "bad JSON"},
      {"", "empty line"},
  };
  struct trace_event e;
  char err[256];

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cr_assert_eq(parse(bad[i].line, &e, err), -1, "accepted: %s", bad[i].line);
    cr_assert_not_null(strstr(err, bad[i].reason), "'%s' gave '%s'",
                       bad[i].line, err);
    cr_assert_null(e.doc, "a failed parse leaves nothing to free");
  }
}

Test(trace_parse, nul_byte_is_an_error) {
  static const char line[] = "{\"op\":\"a\",\"ev\":\"begin\"}\0garbage";
  struct trace_event e;
  char err[256];

  cr_assert_eq(trace_parse_line(line, sizeof line - 1, &e, err, sizeof err),
               -1);
  cr_assert_not_null(strstr(err, "NUL"));
}

static json_t *chrome_of(const char *log) {
  char path[] = "/tmp/trace-chrome-XXXXXX";
  int fd = mkstemp(path);
  char *argv[] = {"trace", "--format", "chrome", "-o", path, (char *)log, NULL};
  json_error_t jerr;
  json_t *root;

  cr_assert_geq(fd, 0);
  close(fd);
  cr_assert_eq(trace_main(6, argv), 0);
  root = json_load_file(path, 0, &jerr);
  unlink(path);
  cr_assert_not_null(root, "not valid JSON: %s (line %d)", jerr.text,
                     jerr.line);
  return root;
}

/* Async b/e pairs share cat, name and id; every flow start has its finish;
 * every thread has a thread_name record; timestamps are numbers. */
Test(trace_chrome, structure) {
  json_t *root = chrome_of("tests/trace/ok.jsonl");
  json_t *evs = json_object_get(root, "traceEvents"), *e;
  size_t i;
  int begins = 0, ends = 0, flow_s = 0, flow_f = 0, names = 0, handoff = 0;

  cr_assert(json_is_array(evs));
  json_array_foreach(evs, i, e) {
    const char *ph = json_string_value(json_object_get(e, "ph"));
    cr_assert_not_null(ph);
    if (strcmp(ph, "M") == 0) {
      cr_assert_str_eq(json_string_value(json_object_get(e, "name")),
                       "thread_name");
      names++;
      continue;
    }
    cr_assert(json_is_number(json_object_get(e, "ts")), "event %zu", i);
    if (strcmp(ph, "b") == 0 || strcmp(ph, "e") == 0) {
      const char *id = json_string_value(json_object_get(e, "id"));
      cr_assert_not_null(id);
      cr_assert_not_null(json_string_value(json_object_get(e, "cat")));
      if (*ph == 'b')
        begins++;
      else
        ends++;
      /* The matching other half exists. */
      int found = 0;
      json_t *o;
      size_t j;
      json_array_foreach(evs, j, o) {
        const char *oph = json_string_value(json_object_get(o, "ph"));
        const char *oid = json_string_value(json_object_get(o, "id"));
        if (oph && oid && strcmp(oph, *ph == 'b' ? "e" : "b") == 0 &&
            strcmp(oid, id) == 0 &&
            json_equal(json_object_get(o, "cat"), json_object_get(e, "cat")))
          found = 1;
      }
      cr_assert(found, "no partner for %s %s", ph, id);
    } else if (strcmp(ph, "s") == 0) {
      flow_s++;
      handoff += strcmp(json_string_value(json_object_get(e, "name")),
                        "handoff") == 0;
    } else if (strcmp(ph, "f") == 0) {
      flow_f++;
    }
  }
  /* ok.jsonl: three ops, all ended; two threads; the fetch hops loop ->
   * worker -> loop (two handoffs) and is a child of a request. */
  cr_assert_eq(begins, 3);
  cr_assert_eq(ends, 3);
  cr_assert_eq(names, 2);
  cr_assert_eq(handoff, 2);
  cr_assert_eq(flow_s, flow_f);
  cr_assert_gt(flow_s, handoff, "the parent -> child edge is a flow too");
  json_decref(root);
}

Test(trace_main, exit_codes) {
  char *ok[] = {"trace", "--check", "tests/trace/ok.jsonl", NULL};
  char *bad[] = {"trace", "--check", "tests/trace/log-order-bug.jsonl", NULL};
  char *input[] = {"trace", "tests/trace/bad/garbage.jsonl", NULL};
  char *usage[] = {"trace", "--format", "png", "tests/trace/ok.jsonl", NULL};

  cr_assert_eq(trace_main(3, ok), 0);
  cr_assert_eq(trace_main(3, bad), 1);
  cr_assert_eq(trace_main(2, input), 2);
  cr_assert_eq(trace_main(4, usage), 2);
}
