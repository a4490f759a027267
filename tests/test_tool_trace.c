/* test_tool_trace.c -- unit tests of the trace tool: the line parser's
 * contract, the fast parser's all-or-nothing rule, and the structure of the
 * Chrome trace export (parsed back with jansson). Run from the repository
 * root (reads tests/trace/). */
#include "trace.h"
#include "trace_impl.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
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

  cr_assert_eq(
      parse("{\"op\":\"req-3\",\"ev\":\"begin\",\"msg\":\"GET\"}", &e, err), 0,
      "%s", err);
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

static int same_str(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Both events say the same thing, field by field. */
static void assert_same_event(const struct trace_event *f,
                              const struct trace_event *j, const char *line) {
  cr_assert_eq(f->ev, j->ev, "ev of %s", line);
  cr_assert_eq(f->has, j->has, "has of %s", line);
  cr_assert(same_str(f->op, j->op), "op of %s", line);
  cr_assert(same_str(f->parent, j->parent), "parent of %s", line);
  cr_assert(same_str(f->thread, j->thread), "thread of %s", line);
  cr_assert(same_str(f->kind, j->kind), "kind of %s", line);
  cr_assert(same_str(f->msg, j->msg), "msg of %s", line);
  cr_assert(same_str(f->site, j->site), "site of %s", line);
  cr_assert(same_str(f->res, j->res), "attrs.res of %s", line);
  cr_assert(same_str(f->access, j->access), "attrs.access of %s", line);
  cr_assert_eq(f->ts, j->ts, "ts of %s", line);
  cr_assert_eq(f->seq, j->seq, "seq of %s", line);
  cr_assert_eq(f->lc, j->lc, "lc of %s", line);
  cr_assert_eq(f->status, j->status, "status of %s", line);
  cr_assert_eq(f->dropped, j->dropped, "dropped of %s", line);
}

/* Lines in the flat form the fast parser takes, including every escape it
 * decodes: it must take each one and agree with jansson on every field. */
Test(trace_fast, takes_flat_lines_and_agrees_with_jansson) {
  static const char *const lines[] = {
      "{\"ts\":1000137,\"thread\":\"loop\",\"op\":\"0000000000000001\","
      "\"seq\":0,\"lc\":1,\"ev\":\"begin\",\"msg\":\"request 0\"}",
      "{\"ts\":5,\"thread\":\"loop\",\"op\":\"00000000000000a1\","
      "\"parent\":\"0000000000000000\",\"seq\":2,\"lc\":7,\"ev\":\"step\","
      "\"kind\":\"req\",\"status\":-5,\"msg\":\"m\",\"site\":\"a.c:1:f\","
      "\"attrs\":{\"res\":\"cache:k1\",\"access\":\"read\"}}",
      "{\"op\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\",\"ev\":\"end\","
      "\"parent\":\"00b\",\"msg\":\"\\u00e9\\u20AC\\ud83d\\ude00\"}",
      "{\"op\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",\"ev\":\"error\","
      "\"status\":-2147483648,\"ts\":9223372036854775807,\"seq\":-0}",
      " { \"ev\" : \"begin\" , \"op\" : \"x\" , \"attrs\" : { } } ",
      "{\"ev\":\"trailer\",\"dropped\":7,\"op\":\"not read\",\"ts\":1}",
      "{\"ev\":\"trailer\"}",
      "{\"op\":\"a\",\"ev\":\"step\",\"parent\":\"\",\"attrs\":"
      "{\"x\\u0041\":\"1\",\"res\":\"r\\n\"}}",
  };
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    struct trace_event f, j;
    char err[256];

    cr_assert_eq(trace__parse_fast(lines[i], strlen(lines[i]), &f), 1,
                 "declined: %s", lines[i]);
    cr_assert_not_null(f.mem);
    cr_assert_eq(
        trace__parse_slow(lines[i], strlen(lines[i]), &j, err, sizeof err), 0,
        "%s: %s", lines[i], err);
    assert_same_event(&f, &j, lines[i]);
    trace_event_free(&f);
    trace_event_free(&j);
  }
}

/* Everything else is declined -- nothing to free -- and trace_parse_line
 * then answers exactly as jansson does: the same event, or the same error.
 * Some of these lines are valid (an unknown key, an escaped key, many
 * attributes): declining them costs speed, never meaning. */
static const char *const declined_lines[] = {
    /* valid for jansson, outside the fast form */
    "{\"ev\":\"trailer\",\"dropped\":3,\"events\":10}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"extra\":\"x\"}",
    "{\"\\u0065v\":\"begin\",\"op\":\"a\"}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"attrs\":{\"a\":\"1\",\"b\":\"1\","
    "\"c\":\"1\",\"d\":\"1\",\"e\":\"1\",\"f\":\"1\",\"g\":\"1\",\"h\":\"1\","
    "\"i\":\"1\",\"j\":\"1\",\"k\":\"1\",\"l\":\"1\",\"m\":\"1\",\"n\":\"1\","
    "\"o\":\"1\",\"p\":\"1\",\"q\":\"1\"}}",
    "{\"ev\":\"trailer\",\"ts\":1.5}",
    /* duplicates, at the top and inside attrs */
    "{\"op\":\"a\",\"ev\":\"begin\",\"op\":\"b\"}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"attrs\":{\"res\":\"r\",\"res\":\"s\"}}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"attrs\":{\"r\\u0065s\":\"r\","
    "\"res\":\"s\"}}",
    /* nesting and wrong types */
    "{\"op\":\"a\",\"ev\":\"begin\",\"attrs\":{\"res\":{\"x\":\"y\"}}}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"attrs\":{\"n\":1}}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"attrs\":[]}",
    "{\"op\":1,\"ev\":\"begin\"}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"seq\":\"1\"}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"msg\":null}",
    "[1,2]",
    "\"just a string\"",
    /* numbers */
    "{\"op\":\"a\",\"ev\":\"begin\",\"seq\":1.0}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"seq\":1e3}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"seq\":01}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"seq\":-1}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"ts\":9223372036854775808}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"ts\":-9223372036854775809}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"status\":2147483648}",
    "{\"op\":\"a\",\"ev\":\"begin\",\"seq\":-}",
    "{\"ev\":\"trailer\",\"dropped\":-1}",
    /* strings */
    "{\"op\":\"a\\u0000b\",\"ev\":\"begin\"}",
    "{\"op\":\"a\\ud800\",\"ev\":\"begin\"}",
    "{\"op\":\"a\\udc00\",\"ev\":\"begin\"}",
    "{\"op\":\"a\\ud800\\u0041\",\"ev\":\"begin\"}",
    "{\"op\":\"a\\u12g4\",\"ev\":\"begin\"}",
    "{\"op\":\"a\\x41\",\"ev\":\"begin\"}",
    "{\"op\":\"a\tb\",\"ev\":\"begin\"}",
    "{\"op\":\"\xc0\xaf\",\"ev\":\"begin\"}",
    "{\"op\":\"\xed\xa0\x80\",\"ev\":\"begin\"}",
    "{\"op\":\"\xf4\x90\x80\x80\",\"ev\":\"begin\"}",
    "{\"op\":\"\xe2\x82\",\"ev\":\"begin\"}",
    "{\"op\":\"\xe0\x9f\xbf\",\"ev\":\"begin\"}",     /* overlong */
    "{\"op\":\"\xf0\x8f\xbf\xbf\",\"ev\":\"begin\"}", /* overlong */
    "{\"op\":\"\xc1\xbf\",\"ev\":\"begin\"}",         /* overlong */
    "{\"op\":\"\xf5\x80\x80\x80\",\"ev\":\"begin\"}",
    "{\"op\":\"\x80\",\"ev\":\"begin\"}",
    /* structure and schema */
    "{\"op\":\"a\",\"ev\":\"begin\"} x",
    "{\"op\":\"a\",\"ev\":\"begin\",}",
    "{\"op\":\"a\",\"ev\":\"begin\"",
    "{\"op\":\"a\" \"ev\":\"begin\"}",
    "{}",
    "{\"op\":\"a\"}",
    "{\"ev\":\"begin\"}",
    "{\"op\":\"\",\"ev\":\"end\"}",
    "{\"op\":\"a\",\"ev\":\"halt\"}",
};

Test(trace_fast, declines_everything_else) {
  const char *const *lines = declined_lines;

  for (size_t i = 0; i < sizeof declined_lines / sizeof *lines; i++) {
    struct trace_event f, e, j;
    char err[256] = "", referr[256] = "";
    size_t len = strlen(lines[i]);
    int rc, refrc;

    cr_assert_eq(trace__parse_fast(lines[i], len, &f), 0, "took: %s", lines[i]);
    cr_assert_null(f.mem, "a declined line leaves nothing to free");
    rc = trace_parse_line(lines[i], len, &e, err, sizeof err);
    refrc = trace__parse_slow(lines[i], len, &j, referr, sizeof referr);
    cr_assert_eq(rc, refrc, "%s", lines[i]);
    cr_assert_null(e.mem, "jansson parsed %s", lines[i]);
    if (rc == 0) {
      assert_same_event(&e, &j, lines[i]);
      trace_event_free(&e);
      trace_event_free(&j);
    } else {
      cr_assert_str_eq(err, referr, "%s", lines[i]);
    }
  }
}

/* The lines corrlog writes go through the fast parser: the speed of the
 * tool on a large log depends on it. */
Test(trace_fast, corrlog_lines_take_the_fast_path) {
  FILE *f = fopen("tests/trace/ok.jsonl", "r");
  char line[4096];
  int n = 0;

  cr_assert_not_null(f);
  while (fgets(line, sizeof line, f)) {
    struct trace_event e;
    char err[256];

    line[strcspn(line, "\n")] = '\0';
    cr_assert_eq(parse(line, &e, err), 0, "%s", err);
    cr_assert_not_null(e.mem, "left to jansson: %s", line);
    trace_event_free(&e);
    n++;
  }
  fclose(f);
  cr_assert_gt(n, 0);
}

/* A scratch file under $TMPDIR (default /tmp), made empty. */
static int scratch(char *path, size_t size, const char *name) {
  const char *dir = getenv("TMPDIR");

  snprintf(path, size, "%s/%s-XXXXXX", dir && *dir ? dir : "/tmp", name);
  return mkstemp(path);
}

static json_t *chrome_of(const char *log) {
  char path[PATH_MAX];
  int fd = scratch(path, sizeof path, "trace-chrome");
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

/* trace__json_str as the Chrome view writes it, into a string to free. */
static char *json_str(const char *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);

  cr_assert_not_null(f);
  trace__json_str(f, s);
  cr_assert_eq(fclose(f), 0);
  return buf;
}

/* The escaper works through a string a few hundred bytes at a time: a
 * character that spans the end of one step stays whole at every offset,
 * and a byte that is not UTF-8 becomes U+FFFD, as corrlog writes it. */
Test(trace_json, characters_across_steps) {
  static const char *const chars[] = {"\xc3\xa9", "\xe2\x82\xac",
                                      "\xf0\x9f\x98\x80"};
  char in[1200], want[1300], *got;

  for (size_t c = 0; c < 3; c++)
    for (size_t at = 0; at < 1100; at++) {
      memset(in, 'x', at);
      snprintf(in + at, sizeof in - at, "%sy", chars[c]);
      snprintf(want, sizeof want, "\"%s\"", in);
      got = json_str(in);
      cr_assert_str_eq(got, want, "a %zu-byte character at %zu", c + 2, at);
      free(got);
    }
  got = json_str("a\xc3\"\x80\n");
  cr_assert_str_eq(got, "\"a\xef\xbf\xbd\\\"\xef\xbf\xbd\\u000a\"");
  free(got);
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
      handoff +=
          strcmp(json_string_value(json_object_get(e, "name")), "handoff") == 0;
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

static void mark_cb(int sig) {
  (void)sig;
}

static char out_path[PATH_MAX];

static void out_fini(void) {
  if (out_path[0])
    unlink(out_path);
  signal(SIGTERM, SIG_DFL);
}

/* trace_main is a library call too (the tool's test, and any program that
 * links it): the handlers that remove -o's temporary file on a signal are
 * there only while it writes, and what the caller had is back afterwards,
 * after a success and after bad input alike. The bad log leaves the
 * target as it was. */
Test(trace_output, signal_handlers_restored, .fini = out_fini) {
  char buf[16] = "";
  int fd = scratch(out_path, sizeof out_path, "trace-out");
  char *good[] = {
      "trace", "-f", "chrome", "-o", out_path, "tests/trace/ok.jsonl", NULL};
  char *bad[] = {"trace", "-f",     "chrome",
                 "-o",    out_path, "tests/trace/bad/truncated.jsonl",
                 NULL};
  struct sigaction sa, now;
  FILE *f;

  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, "precious", 8), 8);
  close(fd);
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = mark_cb;
  sigemptyset(&sa.sa_mask);
  cr_assert_eq(sigaction(SIGTERM, &sa, NULL), 0);
  cr_assert_eq(trace_main(6, bad), 2);
  f = fopen(out_path, "r");
  cr_assert_not_null(f);
  cr_assert_not_null(fgets(buf, sizeof buf, f), "bad input emptied the target");
  fclose(f);
  cr_assert_str_eq(buf, "precious", "bad input changed the target");
  cr_assert_eq(sigaction(SIGTERM, NULL, &now), 0);
  cr_assert_eq(now.sa_handler, mark_cb, "after bad input");
  cr_assert_eq(trace_main(6, good), 0);
  cr_assert_eq(sigaction(SIGTERM, NULL, &now), 0);
  cr_assert_eq(now.sa_handler, mark_cb, "after a good run");
}
