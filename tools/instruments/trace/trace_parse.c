/* trace_parse.c -- parsing and validating one correlation-log line, and
 * reading a log line by line with a hard cap on line length. */
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

/* Replaces bytes that could move the cursor or colour a terminal (jansson
 * quotes the offending input in its messages) with '?'. */
void trace__sanitize(char *s) {
  for (unsigned char *u = (unsigned char *)s; *u; u++)
    if (*u < 0x20 || *u >= 0x7f)
      *u = '?';
}

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

/* Optional string field: 0 if absent or a string, -1 (err set) otherwise. */
static int get_str(json_t *root, const char *key, const char **out, char *err,
                   size_t errlen) {
  json_t *v = json_object_get(root, key);

  *out = NULL;
  if (!v)
    return 0;
  if (!json_is_string(v))
    return fail(err, errlen, "field \"%s\": expected a string, got %s", key,
                type_name(v));
  *out = json_string_value(v);
  return 0;
}

/* Optional integer field that must lie in [min, max]: sets the has bit. */
static int get_int(json_t *root, const char *key, long long min, long long max,
                   long long *out, unsigned *has, unsigned bit, char *err,
                   size_t errlen) {
  json_t *v = json_object_get(root, key);

  *out = 0;
  if (!v)
    return 0;
  if (!json_is_integer(v))
    return fail(err, errlen, "field \"%s\": expected an integer, got %s", key,
                type_name(v));
  *out = json_integer_value(v);
  if (*out < min || *out > max)
    return fail(err, errlen, "field \"%s\": %lld is out of range [%lld, %lld]",
                key, *out, min, max);
  *has |= bit;
  return 0;
}

static int is_no_parent(const char *p) {
  if (!p || !*p)
    return 1;
  for (; *p; p++)
    if (*p != '0')
      return 0;
  return 1;
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

/* The reference parser: jansson builds the document, the checks below give
 * every error its message. Lines it accepts, and only those, may be taken by
 * the fast parser instead. */
static int parse_json(const char *buf, size_t len, struct trace_event *out,
                      char *err, size_t errlen) {
  json_error_t jerr;
  json_t *root, *attrs;
  const char *ev;

  root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return fail(err, errlen, "bad JSON at column %d: %s", jerr.column,
                jerr.text);
  if (!json_is_object(root)) {
    fail(err, errlen, "expected a JSON object, got %s", type_name(root));
    goto bad;
  }
  out->doc = root;
  if (get_str(root, "ev", &ev, err, errlen) < 0)
    goto bad;
  if (!ev) {
    fail(err, errlen, "missing field \"ev\"");
    goto bad;
  }
  if (strcmp(ev, "trailer") == 0) {
    out->ev = TRACE_EV_TRAILER;
    if (get_int(root, "dropped", 0, LLONG_MAX, &out->dropped, &out->has, 0, err,
                errlen) < 0 ||
        get_str(root, "recorder", &out->recorder, err, errlen) < 0)
      goto bad;
    return 0;
  } else if (strcmp(ev, "begin") == 0) {
    out->ev = TRACE_EV_BEGIN;
  } else if (strcmp(ev, "step") == 0) {
    out->ev = TRACE_EV_STEP;
  } else if (strcmp(ev, "end") == 0) {
    out->ev = TRACE_EV_END;
  } else if (strcmp(ev, "error") == 0) {
    out->ev = TRACE_EV_ERROR;
  } else {
    fail(err, errlen,
         "field \"ev\": \"%.40s\" is not begin, step, end, error or trailer",
         ev);
    goto bad;
  }
  if (get_str(root, "op", &out->op, err, errlen) < 0)
    goto bad;
  if (!out->op) {
    fail(err, errlen, "missing field \"op\"");
    goto bad;
  }
  if (!*out->op) {
    fail(err, errlen, "field \"op\" is empty");
    goto bad;
  }
  if (get_str(root, "parent", &out->parent, err, errlen) < 0 ||
      get_str(root, "thread", &out->thread, err, errlen) < 0 ||
      get_str(root, "kind", &out->kind, err, errlen) < 0 ||
      get_str(root, "msg", &out->msg, err, errlen) < 0 ||
      get_str(root, "site", &out->site, err, errlen) < 0)
    goto bad;
  if (is_no_parent(out->parent))
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
    goto bad;
  attrs = json_object_get(root, "attrs");
  if (attrs) {
    const char *key;
    json_t *v;

    if (!json_is_object(attrs)) {
      fail(err, errlen, "field \"attrs\": expected an object, got %s",
           type_name(attrs));
      goto bad;
    }
    json_object_foreach(attrs, key, v) {
      if (!json_is_string(v)) {
        fail(err, errlen, "attrs.%.40s: expected a string, got %s", key,
             type_name(v));
        goto bad;
      }
    }
    out->res = json_string_value(json_object_get(attrs, "res"));
    out->access = json_string_value(json_object_get(attrs, "access"));
  }
  return 0;
bad:
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

/* ------------------------------------------------------------ reader */

int trace__reader_open(struct trace_reader *r, const char *path) {
  memset(r, 0, sizeof *r);
  if (strcmp(path, "-") == 0) {
    r->f = stdin;
  } else {
    r->f = fopen(path, "rb");
    if (!r->f)
      return -errno;
    r->own = 1;
  }
  /* Room for one maximal line plus one read chunk. */
  r->cap = TRACE_MAX_LINE + TRACE__CHUNK + 2;
  r->buf = malloc(r->cap);
  if (!r->buf) {
    if (r->own)
      fclose(r->f);
    return -ENOMEM;
  }
  return 0;
}

void trace__reader_close(struct trace_reader *r) {
  if (r->own && r->f)
    fclose(r->f);
  free(r->buf);
  r->buf = NULL;
  r->f = NULL;
}

/* Reads more input after the pending bytes. Returns bytes read, 0 at end. */
static size_t fill(struct trace_reader *r) {
  size_t n;

  if (r->eof)
    return 0;
  if (r->start > 0) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
  }
  n = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
  if (n == 0) {
    r->eof = 1;
    if (ferror(r->f))
      r->error = errno ? errno : EIO;
  }
  r->end += n;
  return n;
}

int trace__reader_next(struct trace_reader *r, const char **line, size_t *len) {
  size_t scanned = 0;

  if (r->too_long)
    return 0;
  for (;;) {
    char *nl =
        memchr(r->buf + r->start + scanned, '\n', r->end - r->start - scanned);
    if (nl) {
      *line = r->buf + r->start;
      *len = (size_t)(nl - *line);
      r->start += *len + 1;
      r->line++;
      return 1;
    }
    scanned = r->end - r->start;
    if (scanned > TRACE_MAX_LINE) {
      /* Too long: stop here. Skipping to the next newline would mean
       * reading without bound, and a stream such as /dev/zero or a pipe
       * from a runaway writer has none: the limit must end the read
       * whatever the input is, so the reader is finished after this. */
      r->line++;
      r->too_long = 1;
      r->start = r->end = 0;
      *line = NULL;
      *len = 0;
      return 2;
    }
    if (fill(r) == 0) {
      if (r->end == r->start)
        return 0;
      /* Last line without a newline (a log cut short, or hand-written). */
      *line = r->buf + r->start;
      *len = r->end - r->start;
      r->start = r->end;
      r->line++;
      return 1;
    }
  }
}
