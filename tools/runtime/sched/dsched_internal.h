/* dsched_internal.h -- what the scheduler's libuv side and thread side share;
 * not part of the public API. */
#ifndef DSCHED_INTERNAL_H
#define DSCHED_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A mutex that records its holder (dsched_lock.c), so that a lock
 * precondition is checked: assert(dsched__held(&m)) in a function that
 * must be called with m held. Lock, unlock and wait abort with a message
 * when pthread fails. */
struct dsched__mutex {
  pthread_mutex_t mu;
  _Atomic(const char *) owner; /* the holder's tag, or NULL */
};
#define DSCHED__MUTEX_INIT                                                     \
  { PTHREAD_MUTEX_INITIALIZER, NULL }
void dsched__lock(struct dsched__mutex *m);
void dsched__unlock(struct dsched__mutex *m);
/* pthread_cond_wait on m, keeping the record right across the wait. */
void dsched__cond_wait(pthread_cond_t *c, struct dsched__mutex *m);
/* Nonzero when the calling thread holds m. */
int dsched__held(struct dsched__mutex *m);

/* How the thread side picks among runnable threads. FIFO: no preemption
 * (the running thread goes on while it can, else the oldest runnable one). */
enum dsched_tstrategy {
  DSCHED_T_NONE,
  DSCHED_T_FIFO,
  DSCHED_T_RANDOM,
  DSCHED_T_PCT,
  DSCHED_T_SCRIPT,
  DSCHED_T_INTERACTIVE
};

/* interactive (dsched_play.c): asks the player which of the n options
 * (items as an order: list names them, whats: where each stands) to take;
 * infos: what else is pending. Returns the index chosen; never returns
 * without a player's answer. */
/* For the player: one line per live registered thread other than the
 * token holder (where it stands), into buf[0..max); returns the count.
 * Takes S_mu: call without it. */
int dsched__thread_infos(char (*buf)[160], int max);
/* The held requests, one line each, into buf[0..max); returns the count.
 * Loop thread only. */
int dsched__held_infos(char (*buf)[160], int max);

int dsched__ask(const char *kind, int n, const char *const *items,
                const char *const *whats, int ninfo, const char *const *infos);

void dsched__record(const char *step);
/* The thread script's first step not taken yet: its place in the order:
 * list (0: none is left, or a +lenient script stopped fitting), its text
 * in *want. */
unsigned dsched__script_left(const char **want);
/* How many steps of the thread script were taken. */
size_t dsched__script_taken(void);
/* The dsched_on_stop() hook, if any: call just before each exit the
 * scheduler takes on its own. */
void dsched__stopping(void);
void dsched__threads_configure(enum dsched_tstrategy s, uint64_t seed,
                               unsigned depth, unsigned pct_steps, int lenient);
void dsched__threads_reset(void);
/* Appends a "NAME" or "NAME@POINT" step (checked by spec_parse()) to the
 * thread script; step is its place in the whole order: list, counted from
 * 1, for messages. Call before dsched__threads_configure(). */
void dsched__script_add(const char *s, size_t n, unsigned step);
void dsched__script_clear(void);

/* The recorder (dsched_rec.c): with SCHED_LOG=FILE, dsched__rec is nonzero
 * and the wrapped calls and the scheduler's choices are written to FILE in
 * corrlog's schema. Each call is a no-op while dsched__rec is 0. */
void dsched__rec_name(const char *name);
void dsched__rec_thread_named(const char *name);
void dsched__rec_thread(const char *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
unsigned long dsched__rec_begin(const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void dsched__rec_event(unsigned long op, const char *kind, const char *ev,
                       int status, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void dsched__rec_choice(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Keeps taken (a run's dsched_taken()) for the trailer: called when the
 * scheduler is reset, which forgets the schedule taken. */
void dsched__rec_taken(const char *taken);
/* Why a script did not fit the program, for the trailer's "mismatch":
 * dsched__rec_mismatch() sets it, dsched__rec_mismatch_add() appends to it
 * (no-op while it is unset). lenient: the script is a +lenient one, and
 * the run goes on as random:0 (the trailer's "lenient": true) instead of
 * stopping. */
void dsched__rec_mismatch(int lenient, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void dsched__rec_mismatch_add(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Writes the trailer and closes FILE; called at exit and before the
 * scheduler ends a run with _exit(). */
void dsched__rec_close(void);

#endif
