/* trace.h -- the trace viewer and checker: reads correlation logs (JSON
 * Lines, see tools/runtime/corrlog/corrlog.h) and draws timelines (text,
 * SVG, Chrome trace JSON), checks per-operation ordering rules and reports
 * unordered accesses to named resources.
 *
 * Two entry points: trace_main() is the whole command line tool (used by
 * build/trace and by `build/gallery trace`); trace_parse_line() parses and
 * validates one log line (used by the tool and by the fuzz target).
 */
#ifndef TRACE_H
#define TRACE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Lines longer than this are reported as bad input instead of being read. */
#define TRACE_MAX_LINE (1024 * 1024)

enum trace_ev {
  TRACE_EV_BEGIN,
  TRACE_EV_STEP,
  TRACE_EV_END,
  TRACE_EV_ERROR,
  TRACE_EV_TRAILER /* {"ev":"trailer","dropped":N}: no op, only dropped */
};

/* Which optional fields were present (bits of trace_event.has). */
enum {
  TRACE_HAS_TS = 1,
  TRACE_HAS_SEQ = 2,
  TRACE_HAS_LC = 4,
  TRACE_HAS_STATUS = 8
};

/* One parsed line. The strings point into memory owned by the event (a
 * decoded copy of the line, or the jansson document of a line the fast
 * parser left to jansson): they stay valid until trace_event_free(). Absent
 * optional strings are NULL; a parent of all zeros ("0000000000000000") or ""
 * is reported as NULL, meaning "no parent". */
struct trace_event {
  enum trace_ev ev;
  unsigned has;
  const char *op, *parent, *thread, *kind, *msg, *site;
  const char *res;      /* attrs.res: the named resource the event touches */
  const char *access;   /* attrs.access: "read" or anything else (a write) */
  const char *recorder; /* trailer: who recorded the log ("sched": the
                           scheduler, not the program), or NULL */
  long long ts, seq, lc, status, dropped;
  void *doc; /* the jansson document that owns the strings, or NULL */
  void *mem; /* the decoded copy of the line that owns them, or NULL */
};

/* Parses one line (without its newline; a trailing '\r' is ignored) into
 * *out. Returns 0 on success; on failure returns -1, writes a one-line
 * description of what is wrong into err (no file or line prefix) and leaves
 * nothing to free. On success the caller must call trace_event_free(). */
int trace_parse_line(const char *buf, size_t len, struct trace_event *out,
                     char *err, size_t errlen);

void trace_event_free(struct trace_event *ev);

/* The command line tool. argv[0] is the command name used in messages.
 * Returns the exit code: 0 ok, 1 a check or race was violated, 2 usage
 * error or bad input, 3 internal failure (out of memory, write error). */
int trace_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
