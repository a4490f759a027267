/* fuzz_trace.c -- libFuzzer target for the trace tool's line parser: any
 * bytes must give either an event or an error message, never a crash, a
 * leak or an out-of-bounds read. Build and run (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Itools/trace \
 *     tests/fuzz/fuzz_trace.c tools/trace/trace.c tools/trace/trace_parse.c \
 *     tools/trace/trace_render.c -ljansson -o build/fuzz_trace
 *   build/fuzz_trace -max_total_time=60 tests/fuzz/corpus
 */
#include "trace.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct trace_event e;
  char err[256];

  if (trace_parse_line((const char *)data, size, &e, err, sizeof err) == 0) {
    /* Touch every string the parser promised to be valid. */
    size_t n = strlen(e.op ? e.op : "") + strlen(e.msg ? e.msg : "") +
               strlen(e.res ? e.res : "") + strlen(e.thread ? e.thread : "");
    if (e.ev != TRACE_EV_TRAILER && (!e.op || !*e.op))
      __builtin_trap(); /* every event has a non-empty op */
    (void)n;
    trace_event_free(&e);
  } else if (strlen(err) == 0 || memchr(err, '\n', strlen(err))) {
    __builtin_trap(); /* errors are one non-empty line */
  }
  return 0;
}
