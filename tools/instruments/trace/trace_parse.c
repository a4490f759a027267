/* trace_parse.c -- parsing and validating one correlation-log line: the
 * schema's event names, the checks made before any parser sees the line,
 * and the reference parser (jansson), which gives every error its message.
 * trace_fast.c takes the lines corrlog writes before it. */
#include "trace_impl.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;

  if (errlen > 0) {
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    trace__sanitize(err);
  }
  return -1;
}

const char *const trace__ev_name[] = {"begin", "step", "end", "error",
                                      "trailer"};

static const char *type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "object";
  case JSON_ARRAY:
    return "array";
  case JSON_STRING:
    return "string";
  case JSON_INTEGER:
    return "integer";
  case JSON_REAL:
    return "number with a fraction";
  case JSON_TRUE:
  case JSON_FALSE:
    return "boolean";
  case JSON_NULL:
    return "null";
  }
  return "value";
}

/* Optional field of type want (what names it in messages): 0 with *out
 * NULL if absent or the value, -1 (err set) when of another type. */
static int get_typed(json_t *root, const char *key, json_type want,
                     const char *what, json_t **out, char *err, size_t errlen) {
  *out = json_object_get(root, key);
  if (*out && json_typeof(*out) != want)
    return fail(err, errlen, "field \"%s\": expected %s, got %s", key, what,
                type_name(*out));
  return 0;
}

/* Optional string field: 0 if absent or a string, -1 (err set) otherwise. */
static int get_str(json_t *root, const char *key, const char **out, char *err,
                   size_t errlen) {
  json_t *v;

  *out = NULL;
  if (get_typed(root, key, JSON_STRING, "a string", &v, err, errlen) < 0)
    return -1;
  if (v)
    *out = json_string_value(v);
  return 0;
}

/* Optional integer field that must lie in [min, max]: sets the has bit. */
static int get_int(json_t *root, const char *key, long long min, long long max,
                   long long *out, unsigned *has, unsigned bit, char *err,
                   size_t errlen) {
  json_t *v;

  *out = 0;
  if (get_typed(root, key, JSON_INTEGER, "an integer", &v, err, errlen) < 0)
    return -1;
  if (!v)
    return 0;
  *out = json_integer_value(v);
  if (*out < min || *out > max)
    return fail(err, errlen, "field \"%s\": %lld is out of range [%lld, %lld]",
                key, *out, min, max);
  *has |= bit;
  return 0;
}

/* The checks made before either parser sees the line; may shorten *len. */
static int precheck(const char *buf, size_t *len, char *err, size_t errlen) {
  if (*len > 0 && buf[*len - 1] == '\r')
    (*len)--;
  if (*len > TRACE_MAX_LINE)
    return fail(err, errlen, "line is longer than %d bytes", TRACE_MAX_LINE);
  if (*len == 0)
    return fail(err, errlen, "empty line");
  if (memchr(buf, '\0', *len))
    return fail(err, errlen, "NUL byte in line (binary data?)");
  return 0;
}

/* The fields of an event line (not the trailer) after "ev". Returns 0, or
 * -1 with err set. */
static int get_event_fields(json_t *root, struct trace_event *out, char *err,
                            size_t errlen) {
  if (get_str(root, "op", &out->op, err, errlen) < 0)
    return -1;
  if (!out->op)
    return fail(err, errlen, "missing field \"op\"");
  if (!*out->op)
    return fail(err, errlen, "field \"op\" is empty");
  if (get_str(root, "parent", &out->parent, err, errlen) < 0 ||
      get_str(root, "thread", &out->thread, err, errlen) < 0 ||
      get_str(root, "kind", &out->kind, err, errlen) < 0 ||
      get_str(root, "msg", &out->msg, err, errlen) < 0 ||
      get_str(root, "site", &out->site, err, errlen) < 0)
    return -1;
  if (trace__no_parent(out->parent))
    out->parent = NULL;
  /* Negative times, sequence numbers or clocks cannot come from corrlog: they
   * mean a corrupted or hand-edited line, and would poison every check. */
  if (get_int(root, "ts", 0, LLONG_MAX, &out->ts, &out->has, TRACE_HAS_TS, err,
              errlen) < 0 ||
      get_int(root, "seq", 0, LLONG_MAX, &out->seq, &out->has, TRACE_HAS_SEQ,
              err, errlen) < 0 ||
      get_int(root, "lc", 0, LLONG_MAX, &out->lc, &out->has, TRACE_HAS_LC, err,
              errlen) < 0 ||
      get_int(root, "status", INT_MIN, INT_MAX, &out->status, &out->has,
              TRACE_HAS_STATUS, err, errlen) < 0)
    return -1;
  return 0;
}

/* attrs: an object of strings; res and access are the ones trace reads. */
static int get_attrs(json_t *root, struct trace_event *out, char *err,
                     size_t errlen) {
  json_t *attrs, *v;
  const char *key;

  if (get_typed(root, "attrs", JSON_OBJECT, "an object", &attrs, err, errlen) <
      0)
    return -1;
  if (!attrs)
    return 0;
  json_object_foreach(attrs, key, v) {
    if (!json_is_string(v))
      return fail(err, errlen, "attrs.%.40s: expected a string, got %s", key,
                  type_name(v));
  }
  out->res = json_string_value(json_object_get(attrs, "res"));
  out->access = json_string_value(json_object_get(attrs, "access"));
  return 0;
}

/* The fields of the object root, by its "ev". Returns 0, or -1 with err
 * set. */
static int get_fields(json_t *root, struct trace_event *out, char *err,
                      size_t errlen) {
  const char *ev;
  int id;

  if (get_str(root, "ev", &ev, err, errlen) < 0)
    return -1;
  if (!ev)
    return fail(err, errlen, "missing field \"ev\"");
  if ((id = trace__ev_lookup(ev, strlen(ev))) < 0)
    return fail(err, errlen,
                "field \"ev\": \"%.40s\" is not begin, step, end, error or "
                "trailer",
                ev);
  out->ev = (enum trace_ev)id;
  if (out->ev == TRACE_EV_TRAILER)
    return get_int(root, "dropped", 0, LLONG_MAX, &out->dropped, &out->has, 0,
                   err, errlen) < 0 ||
                   get_str(root, "recorder", &out->recorder, err, errlen) < 0
               ? -1
               : 0;
  if (get_event_fields(root, out, err, errlen) < 0)
    return -1;
  return get_attrs(root, out, err, errlen);
}

/* The reference parser: jansson builds the document, the checks above give
 * every error its message. Lines it accepts, and only those, may be taken by
 * the fast parser instead. */
static int parse_json(const char *buf, size_t len, struct trace_event *out,
                      char *err, size_t errlen) {
  json_error_t jerr;
  json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

  if (!root)
    return fail(err, errlen, "bad JSON at column %d: %s", jerr.column,
                jerr.text);
  if (!json_is_object(root))
    fail(err, errlen, "expected a JSON object, got %s", type_name(root));
  else if (get_fields(root, out, err, errlen) == 0) {
    out->doc = root;
    return 0;
  }
  json_decref(root);
  memset(out, 0, sizeof *out);
  return -1;
}

int trace__parse_slow(const char *buf, size_t len, struct trace_event *out,
                      char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (precheck(buf, &len, err, errlen) < 0)
    return -1;
  return parse_json(buf, len, out, err, errlen);
}

int trace_parse_line(const char *buf, size_t len, struct trace_event *out,
                     char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (precheck(buf, &len, err, errlen) < 0)
    return -1;
  if (trace__parse_fast(buf, len, out))
    return 0;
  return parse_json(buf, len, out, err, errlen);
}

void trace_event_free(struct trace_event *ev) {
  if (ev->doc)
    json_decref((json_t *)ev->doc);
  free(ev->mem);
  ev->doc = NULL;
  ev->mem = NULL;
}
