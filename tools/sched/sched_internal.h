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
  SCHED_T_SCRIPT,
  SCHED_T_INTERACTIVE
};

/* interactive (sched_play.c): asks the player which of the n options
 * (items as an order: list names them, whats: where each stands) to take;
 * infos: what else is pending. Returns the index chosen; never returns
 * without a player's answer. */
/* For the player: one line per live registered thread other than the
 * token holder (where it stands), into buf[0..max); returns the count.
 * Takes S_mu: call without it. */
int sched__thread_infos(char (*buf)[160], int max);
/* The held requests, one line each, into buf[0..max); returns the count.
 * Loop thread only. */
int sched__held_infos(char (*buf)[160], int max);

int sched__ask(const char *kind, int n, const char *const *items,
               const char *const *whats, int ninfo,
               const char *const *infos);

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

/* The recorder (sched_rec.c): with SCHED_LOG=FILE, sched__rec is nonzero
 * and the wrapped calls and the scheduler's choices are written to FILE in
 * corrlog's schema. Each call is a no-op while sched__rec is 0. */
void sched__rec_name(const char *name);
void sched__rec_thread_named(const char *name);
void sched__rec_thread(const char *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
unsigned long sched__rec_begin(const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sched__rec_event(unsigned long op, const char *kind, const char *ev,
                      int status, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void sched__rec_choice(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Writes the trailer and closes FILE; called at exit and before the
 * scheduler ends a run with _exit(). */
void sched__rec_close(void);

#endif
