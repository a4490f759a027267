/* corrlog.h -- correlation logging: operations with ids, per-operation
 * sequence numbers, Lamport clocks and async origins, written as JSON Lines.
 *
 * One header, one source file (corrlog.c), no dependencies beyond libc and
 * pthreads. Copy both into your own program to use it outside the workbook.
 *
 * Model. An *operation* is one logical piece of work (a request, a fetch, a
 * write) that may hop across callbacks and threads. Each operation has a
 * 64-bit id printed as 16 lowercase hex digits (an OpenTelemetry span id), an
 * optional parent id, a per-operation sequence number and a Lamport clock.
 * Every event of an operation is one JSON object on one line:
 *
 *   {"ts":123456789,"thread":"loop","op":"00000000000000a1",
 *    "parent":"0000000000000000","seq":2,"lc":7,"ev":"step",
 *    "kind":"req","msg":"cache miss","site":"async.c:42:handle_cb",
 *    "attrs":{"key":"k1"}}
 *
 * ts is CLOCK_MONOTONIC in nanoseconds; ev is begin|step|end|error.
 *
 * Threading. Logging calls may be made from any thread. An operation object
 * is owned by one thread at a time; hand it to another thread (or callback)
 * with corrlog_handoff() before the other side logs, so the Lamport clock
 * carries the happens-before edge submit -> work -> after-work.
 */
#ifndef CORRLOG_H
#define CORRLOG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where an operation was started: captured cheaply at begin, symbolised only
 * when a report needs it. */
typedef struct corrlog_site {
  const char *file;
  int line;
  const char *func;
  void *ret; /* return address of the code that began the operation */
} corrlog_site;

typedef struct corrlog_op {
  uint64_t id;
  uint64_t parent;
  uint32_t seq;       /* sequence number of the next event of this op */
  uint64_t lc;        /* Lamport clock carried by the op */
  const char *kind;   /* e.g. "req"; must outlive the op (a literal) */
  corrlog_site origin;
  int ended;
} corrlog_op;

/* Opens the process-wide sink. path may be "-" for stdout. Returns 0 or a
 * negative errno value. Calling it again closes the previous sink first. */
int corrlog_open(const char *path);

/* Sends every event line to fn instead of a file: each event is delivered as
 * it is logged, on the logging thread, as one complete line with its newline.
 * The writer does its own buffering and ordering. Pass NULL to go back to the
 * file sink. The trailer line of corrlog_close() goes to the writer too. */
typedef void (*corrlog_writer_fn)(void *arg, const char *line, size_t len);
void corrlog_set_writer(corrlog_writer_fn fn, void *arg);

/* Writes everything buffered, then the trailer line with the drop total, and
 * closes the sink. Safe to call when no sink is open. */
void corrlog_close(void);

/* Names the calling thread in every event it logs (copied, up to 15 bytes). */
void corrlog_thread_name(const char *name);

/* Starts an operation. parent may be NULL. kind must be a string that lives
 * as long as the operation (normally a literal). */
#define corrlog_begin(op, parent, kind, ...)                                   \
  corrlog__begin((op), (parent), (kind), __FILE__, __LINE__, __func__,         \
                 __builtin_return_address(0), __VA_ARGS__)

/* Logs a step, ends the op (status 0 = ok, else a negative errno or any
 * nonzero code), or reports an error on it. The message is printf-style. */
#define corrlog_step(op, ...)                                                  \
  corrlog__event((op), "step", 0, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define corrlog_end(op, status, ...)                                           \
  corrlog__event((op), "end", (status), __FILE__, __LINE__, __func__,          \
                 __VA_ARGS__)
#define corrlog_error(op, status, ...)                                         \
  corrlog__event((op), "error", (status), __FILE__, __LINE__, __func__,        \
                 __VA_ARGS__)

/* Records that op crosses to another thread or callback: advances the
 * Lamport clock of the op. Call on the sending side just before the handoff;
 * the receiving side logs with the same op and inherits the clock. */
void corrlog_handoff(corrlog_op *op);

/* Formats one event as a JSON line (with trailing newline) into buf. Returns
 * the length written, or the length it would need when buf is too small. This
 * is what the sink writes; programs with their own writer may call it. */
size_t corrlog_format(char *buf, size_t len, const corrlog_op *op,
                      const char *ev, int status, const char *file, int line,
                      const char *func, const char *msg);

/* Prints to stderr where op was started (file:line:function, and the symbol of
 * the return address when it can be resolved). For error reports from a
 * completion callback, whose own stack shows only the event loop. */
void corrlog_report_origin(const corrlog_op *op, const char *what);

/* Events dropped so far because a buffer was full (never silent: the trailer
 * line of the log carries the same total). */
uint64_t corrlog_dropped(void);

/* Implementation entry points used by the macros. */
void corrlog__begin(corrlog_op *op, const corrlog_op *parent, const char *kind,
                    const char *file, int line, const char *func, void *ret,
                    const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
void corrlog__event(corrlog_op *op, const char *ev, int status,
                    const char *file, int line, const char *func,
                    const char *fmt, ...) __attribute__((format(printf, 7, 8)));

#ifdef __cplusplus
}
#endif
#endif
