/* corrlog.h -- correlation logging: operations with ids, per-operation
 * sequence numbers, Lamport clocks and async origins, written as JSON Lines.
 *
 * No dependencies beyond libc and pthreads. The source is split by concern
 * (clock.c, json.c, utf8.c, printf.c, buffer.c, flush.c, crash.c, log.c,
 * current.c, report.c, sink.c, sharing internal.h); `make
 * corrlog-amalgamation` writes it as two files, build/corrlog.c and
 * build/corrlog.h: copy those into your own program to use it outside the
 * workbook.
 *
 * Model. An *operation* is one logical piece of work (a request, a fetch, a
 * write) that may hop across callbacks and threads. Each operation has a
 * 64-bit id printed as 16 lowercase hex digits (an OpenTelemetry span id), an
 * optional parent id, a per-operation sequence number and a Lamport clock.
 * Every event of an operation is one JSON object on one line:
 *
 *   {"ts":123456789,"thread":"loop","op":"00000000000000a1",
 *    "parent":"0000000000000000","seq":2,"lc":7,"ev":"step",
 *    "kind":"req","status":0,"msg":"cache miss","site":"async.c:42:handle_cb",
 *    "attrs":{"key":"k1"}}
 *
 * ts is CLOCK_MONOTONIC in nanoseconds; ev is begin|step|end|error; attrs is
 * present only for the *_kv variants. The last line of a log is the trailer
 * {"ev":"trailer","dropped":N,"events":M} (plus "signal":S when a fatal
 * signal wrote it): M events were written, N were lost and counted.
 *
 * The rule. Every event logged while a sink is open is in the file exactly
 * once, as a whole line, or counted in `dropped` -- never both, never
 * neither: on the normal path, in the crash flush, after fork() and when
 * the disk fills. A flusher claims a range of a buffer before it writes it,
 * and the crash handler takes only what nobody claimed (then waits for the
 * claimed ranges), so no range is written twice. A write cut short (a full
 * disk) has its partial line cut off the file again and counts only the
 * lines that reached the file. When even the trailer does not fit,
 * corrlog_dropped() still has the count. tests/test_tool_corrlog.c checks
 * the rule on each of these paths.
 *
 * Sinks. With a file sink (corrlog_open) each thread appends compact binary
 * records to its own buffer without taking a lock; the JSON is produced when
 * a buffer fills, at corrlog_flush()/corrlog_close(), at thread exit, at
 * normal exit (atexit) and on SIGSEGV, SIGABRT and SIGBUS. Lines of different
 * threads therefore arrive in per-thread batches: order the file by ts or lc,
 * not by line number. With a writer (corrlog_set_writer) every event is
 * formatted and delivered at once, on the logging thread, in order.
 *
 * Crashes. After the crash flush, the fatal-signal handler prints to stderr
 * the chain of the operation the crashing thread was working on
 * (corrlog__current, below): the op, where it was handed off, its parents
 * up to the root. corrlog_report prints the same chain on request.
 *
 * Fork. The child of fork() starts with empty buffers and no sink: the
 * parent's buffered events and its log's trailer stay the parent's to write.
 * Events the child logs are neither written nor counted until it calls
 * corrlog_open() (its own file) or corrlog_set_writer().
 *
 * Threading. Logging calls may be made from any thread. An operation object
 * is owned by one thread at a time; hand it to another thread (or callback)
 * with corrlog_handoff() before the other side logs, so the Lamport clock
 * carries the happens-before edge submit -> work -> after-work.
 *
 * Lifetimes. kind, and the file and function names the macros pass, are kept
 * as pointers until the buffer is flushed: use string literals. A message
 * whose format is a string literal is kept as the format's pointer and a
 * copy of its arguments (%s strings copied, up to CORRLOG_MSG_MAX bytes in
 * all) and formatted at flush time; any other format is formatted at once.
 * Attributes are copied (up to CORRLOG_ATTR_MAX). Messages longer than
 * CORRLOG_MSG_MAX bytes and longer attributes are cut, not dropped.
 */
#ifndef CORRLOG_H
#define CORRLOG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CORRLOG_MSG_MAX 512
#define CORRLOG_ATTR_MAX 256
#define CORRLOG_MAX_FRAMES 4

/* @snippet site */
/* Where an operation was started: captured cheaply at begin (pointers and
 * raw return addresses only), symbolised only when a report needs it. */
typedef struct corrlog_site {
  const char *file;
  int line;
  const char *func;
  void *ret;                        /* return address of the beginner */
  void *frames[CORRLOG_MAX_FRAMES]; /* raw frames, see set_origin_frames */
  int nframes;
} corrlog_site;
/* @end */

/* Where an operation was last handed off (corrlog_handoff): file NULL
 * when it never was. */
typedef struct corrlog_where {
  const char *file;
  int line;
  const char *func;
} corrlog_where;

/* @snippet live_ops */
/* The live-operation registry, read by debuggers (the gdb commands
 * async-bt and async-ops). These names are a stable interface: a debugger
 * extension reads them by name, so rename nothing here without changing it.
 *
 *   corrlog__live_ops            the root (struct corrlog_live), a global.
 *   corrlog__live_ops.slot[i]    for i in 0..CORRLOG_LIVE_SLOTS-1: a live op
 *                                (corrlog_op *) or NULL. Unordered (a hash
 *                                set keyed by the op's address); sort by
 *                                begin_ns for age order.
 *   corrlog__live_ops.count      how many slots are non-NULL.
 *   corrlog__live_ops.missed     ops begun while the set was full (three
 *                                quarters of the slots, which keeps lookups
 *                                short): live but not listed, counted.
 *   corrlog__live_ops.lock       0 = free, 1 = a thread is changing the
 *                                slots (a debugger that stopped every thread
 *                                reads a consistent set when it is 0).
 *   corrlog__current             thread-local (corrlog_op *): the operation
 *                                the thread is working on now, or NULL.
 *
 * A live op is one begun (corrlog_begin) and not yet ended (corrlog_end);
 * an op that is never ended stays listed until another op is begun at the
 * same address, so end every op before its memory goes. Fields of each
 * corrlog_op a debugger may read:
 *   id, parent        ids (parent 0 = a root); printed as 16 hex digits
 *   kind              const char *, e.g. "resize"
 *   origin.file, origin.line, origin.func, origin.ret
 *                     where it was begun, and the beginner's return address
 *   handoff.file, handoff.line, handoff.func
 *                     where it was last handed off (file NULL: never)
 *   parent_op         the parent's object, NULL for a root. Follow it only
 *                     while it is itself in a slot and its id is `parent`:
 *                     an ended parent's memory may be gone.
 *   begin_ns          CLOCK_MONOTONIC nanoseconds at begin
 *   last_ev           const char *: the last event logged ("begin", "step",
 *                     "error"; after "end" the op leaves the set)
 *   seq               number of events logged so far
 *
 * The current op is set by corrlog_begin (until the op ends or the thread
 * enters another one) and by corrlog_enter at the other side of a handoff
 * (until the enclosing block returns). */
#define CORRLOG_LIVE_SLOTS 4096
typedef struct corrlog_op {
  uint64_t id;
  uint64_t parent;
  uint32_t seq;     /* sequence number of the next event of this op */
  uint64_t lc;      /* Lamport clock carried by the op */
  const char *kind; /* e.g. "req"; must outlive the op (a literal) */
  corrlog_site origin;
  int ended;
  const struct corrlog_op *parent_op; /* see above: check before following */
  corrlog_where handoff;
  uint64_t begin_ns;
  const char *last_ev;
} corrlog_op;

struct corrlog_live {
  corrlog_op *slot[CORRLOG_LIVE_SLOTS];
  unsigned long count;
  unsigned long missed;
  int lock;
};
extern struct corrlog_live corrlog__live_ops;
#ifdef __cplusplus
extern thread_local corrlog_op *corrlog__current;
#else
extern _Thread_local corrlog_op *corrlog__current;
#endif
/* @end */

/* Opens the process-wide sink. path may be "-" for stdout. Returns 0 or a
 * negative errno value. Calling it again closes the previous sink first.
 * The first call installs the atexit flush and the fatal-signal handlers
 * (SIGSEGV, SIGABRT, SIGBUS; the previous handler runs afterwards). */
int corrlog_open(const char *path);

/* Sends every event line to fn instead of a file: each event is delivered as
 * it is logged, on the logging thread, as one complete line with its newline.
 * Calls to fn are serialised. Pass NULL to go back to the file sink. The
 * trailer line of corrlog_close() goes to the writer too. */
typedef void (*corrlog_writer_fn)(void *arg, const char *line, size_t len);
void corrlog_set_writer(corrlog_writer_fn fn, void *arg);

/* Writes every thread's buffered events to the file sink now. A background
 * thread does this every 20 ms and whenever a buffer passes half full, so
 * logging threads seldom format anything themselves (CORRLOG_FLUSHER=0 in
 * the environment turns it off). It starts at the first event logged 20 ms
 * after corrlog_open() (or at the first half-full buffer), not at open:
 * one more thread starting while the program starts its own would change
 * the schedule the log is meant to show. */
void corrlog_flush(void);

/* Size in KiB (at least 16, rounded up to a power of two) of the per-thread
 * buffers created from now on; the default is 1024, or CORRLOG_BUFFER_KB
 * from the environment. A thread whose buffer fills before the flusher
 * empties it writes it out itself. */
void corrlog_set_buffer_kb(size_t kb);

/* Writes everything buffered, then the trailer line with the drop total, and
 * closes the sink. Safe to call when no sink is open. Call it after the
 * logging threads are done: events logged concurrently with it may miss the
 * file (they are not written to the next one either). */
void corrlog_close(void);

/* Names the calling thread in every event it logs (copied, up to 15 bytes).
 * With a sink open, it also sets up the thread's buffer (allocated and
 * touched), so that the thread's first event costs no more than the
 * others: call it when a thread starts. */
void corrlog_thread_name(const char *name);

/* How many raw frames (0..CORRLOG_MAX_FRAMES, default 0) corrlog_begin records
 * besides the return address. Frames cost an unwind per begin (see the
 * benchmark); 0 keeps begin as cheap as a step. */
void corrlog_set_origin_frames(int n);

/* @snippet macros */
/* Starts an operation. parent may be NULL. kind must be a string that lives
 * as long as the operation (normally a literal). */
#define corrlog_begin(op, parent, kind, ...)                                   \
  corrlog__begin_lit((op), (parent), (kind), NULL, __FILE__, __LINE__,         \
                     __func__, __builtin_return_address(0),                    \
                     CORRLOG__LIT(__VA_ARGS__), __VA_ARGS__)

/* Logs a step, ends the op (status 0 = ok, else a negative errno or any
 * nonzero code), or reports an error on it. The message is printf-style. */
#define corrlog_step(op, ...)                                                  \
  corrlog__event((op), "step", 0, NULL, __FILE__, __LINE__, __func__,          \
                 CORRLOG__LIT(__VA_ARGS__), __VA_ARGS__)
#define corrlog_end(op, status, ...)                                           \
  corrlog__event((op), "end", (status), NULL, __FILE__, __LINE__, __func__,    \
                 CORRLOG__LIT(__VA_ARGS__), __VA_ARGS__)
#define corrlog_error(op, status, ...)                                         \
  corrlog__event((op), "error", (status), NULL, __FILE__, __LINE__, __func__,  \
                 CORRLOG__LIT(__VA_ARGS__), __VA_ARGS__)
/* @end */

/* The same four with attributes: kv is "key=value key2=value2" (values
 * without spaces), printed as "attrs":{"key":"value","key2":"value2"}. */
#define corrlog_begin_kv(op, parent, kind, kv, ...)                            \
  corrlog__begin_lit((op), (parent), (kind), (kv), __FILE__, __LINE__,         \
                     __func__, __builtin_return_address(0),                    \
                     CORRLOG__LIT(__VA_ARGS__), __VA_ARGS__)
#define corrlog_step_kv(op, kv, ...)                                           \
  corrlog__event((op), "step", 0, (kv), __FILE__, __LINE__, __func__,          \
                 CORRLOG__LIT(__VA_ARGS__), __VA_ARGS__)
#define corrlog_end_kv(op, status, kv, ...)                                    \
  corrlog__event((op), "end", (status), (kv), __FILE__, __LINE__, __func__,    \
                 CORRLOG__LIT(__VA_ARGS__), __VA_ARGS__)
#define corrlog_error_kv(op, status, kv, ...)                                  \
  corrlog__event((op), "error", (status), (kv), __FILE__, __LINE__, __func__,  \
                 CORRLOG__LIT(__VA_ARGS__), __VA_ARGS__)

/* Records that op crosses to another thread or callback: advances the
 * Lamport clock of the op and remembers where (op->handoff). Call on the
 * sending side just before the handoff; the receiving side logs with the
 * same op (after corrlog_enter) and inherits the clock. */
#define corrlog_handoff(op) corrlog__handoff((op), __FILE__, __LINE__, __func__)
void corrlog__handoff(corrlog_op *op, const char *file, int line,
                      const char *func);

/* The operation the calling thread is working on (corrlog__current), or
 * NULL. */
corrlog_op *corrlog_current(void);

/* Makes op the calling thread's current operation and returns the previous
 * one; pass that back to restore it. corrlog_enter does both for a block. */
corrlog_op *corrlog_set_current(corrlog_op *op);
void corrlog__restore_current(corrlog_op **prev);

/* At the other side of a handoff -- the first line of a pool callback, an
 * after-work callback, a timer callback -- marks op as the operation this
 * thread works on until the enclosing block ends (the callback returns).
 * One per block. */
#define corrlog_enter(op)                                                      \
  corrlog_op *corrlog__entered                                                 \
      __attribute__((cleanup(corrlog__restore_current), unused)) =             \
          corrlog_set_current(op)

/* Formats one event as a JSON line (with trailing newline) into buf, stamped
 * with the current time. Returns the length written, or the length it would
 * need when buf is too small. Programs with their own writer may call it. */
size_t corrlog_format(char *buf, size_t len, const corrlog_op *op,
                      const char *ev, int status, const char *file, int line,
                      const char *func, const char *msg);

/* Prints to stderr where op was started (file:line:function, the symbol of
 * the return address and of any raw frames when dladdr can resolve them, else
 * the object file and offset for addr2line). For error reports from a
 * completion callback, whose own stack shows only the event loop. */
void corrlog_report_origin(const corrlog_op *op, const char *what);

/* Prints both places: where the problem was detected (the caller of this
 * macro) and where op was started. */
#define corrlog_report(op, what)                                               \
  corrlog__report((op), (what), __FILE__, __LINE__, __func__)

/* Events dropped since corrlog_open because they could not be written (a
 * failed or short write, a logging call re-entered from a signal handler on
 * the same thread, a call made while a crash is being flushed). Never
 * silent: the trailer line carries the same total. */
uint64_t corrlog_dropped(void);

/* Implementation entry points used by the macros. */
void corrlog__begin_lit(corrlog_op *op, const corrlog_op *parent,
                        const char *kind, const char *kv, const char *file,
                        int line, const char *func, void *ret, int lit,
                        const char *fmt, ...)
    __attribute__((format(printf, 10, 11)));
/* corrlog_begin with the site given: for a function that records its own
 * caller's site (file, line, func, ret), as scenario 03's fix does. */
void corrlog__begin(corrlog_op *op, const corrlog_op *parent, const char *kind,
                    const char *kv, const char *file, int line,
                    const char *func, void *ret, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));
void corrlog__event(corrlog_op *op, const char *ev, int status, const char *kv,
                    const char *file, int line, const char *func, int lit,
                    const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));
/* 1 when the format (the first of the arguments) is a string literal: its
 * text outlives the event, so only the arguments need copying. */
#define CORRLOG__LIT(...) CORRLOG__LIT_(__VA_ARGS__, 0)
#define CORRLOG__LIT_(fmt, ...) __builtin_constant_p(fmt)
void corrlog__report(const corrlog_op *op, const char *what, const char *file,
                     int line, const char *func);

#ifdef __cplusplus
}
#endif
#endif
