/* sched_internal.h -- what the scheduler's libuv side and thread side share;
 * not part of the public API. */
#ifndef SCHED_INTERNAL_H
#define SCHED_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* How the thread side picks among runnable threads. FIFO: no preemption
 * (the running thread goes on while it can, else the oldest runnable one). */
enum sched_tstrategy {
  SCHED_T_NONE,
  SCHED_T_FIFO,
  SCHED_T_RANDOM,
  SCHED_T_PCT,
  SCHED_T_SCRIPT
};

void sched__record(const char *step);
void sched__threads_configure(enum sched_tstrategy s, uint64_t seed,
                              unsigned depth, unsigned pct_steps,
                              int lenient);
void sched__threads_reset(void);
/* Appends a "NAME" or "NAME@POINT" step (checked by spec_parse()) to the
 * thread script; step is its place in the whole order: list, counted from
 * 1, for messages. Call before sched__threads_configure(). */
void sched__script_add(const char *s, size_t n, unsigned step);
void sched__script_clear(void);

#endif
