/* dsched.h -- the deterministic scheduler: libuv threadpool submissions
 * held and released in a chosen order, and registered threads that run one
 * at a time, passing a token at named schedule points.
 *
 * libuv side
 * ----------
 * Without a schedule every dsched_uv_* call is the plain libuv call. Under a
 * schedule, uv_fs_write() and uv_queue_work() requests are *held* instead of
 * submitted. dsched_uv_run() then drives the loop: whenever no released
 * request is still in flight, it picks one held request (by the strategy),
 * submits it for real, and runs the loop until that request's callback has
 * run. The order in which the threadpool finishes concurrent requests thus
 * becomes something a test can type, replay and print. No sleeps: the loop
 * itself is the gate.
 *
 * Why holding at submission is faithful: requests that are outstanding at
 * the same time may be executed by the pool in any order (a pool thread can
 * take a request and be preempted before it runs it), so every release order
 * of held requests is one the real program can meet.
 *
 * Held requests are named by kind and submission number, e.g. "fs_write#3"
 * or "work#0" (numbers count from 0 per kind, in submission order).
 *
 * Thread side
 * -----------
 * Under a schedule, dsched_configure() registers the calling thread as
 * "main"; threads it (or they) create through dsched_pthread_create() are
 * registered too, named t1, t2, ... in creation order (dsched_thread_name()
 * renames the caller). Exactly one registered thread holds the token and
 * runs; the others are parked at a schedule point. At every point
 * (DSCHED_POINT(name), and the wrapped pthread calls: "create" after a thread
 * was created, "start" before a new thread's first instruction, "lock",
 * "trylock", "unlock", "wait", "signal", "broadcast", "join" when the
 * target is still running) the holder parks and the scheduler gives the
 * token to one runnable thread. A thread waiting for a mutex another
 * registered thread holds, for a condition nobody has signalled, or for a
 * thread to finish, is not runnable. Unregistered threads (libuv's pool)
 * run freely; their pthread calls are the plain ones.
 *
 * A *step* is a decision with at least two runnable threads; it is written
 * THREAD@POINT (the thread that was given the token and the point it was
 * parked at). Decisions with one runnable thread are no choice and are not
 * written down.
 *
 * When no registered thread can run, the scheduler prints who waits for
 * what and who holds it, the waits-for cycle and the schedule taken, and
 * exits with status 1. A watchdog does the same when the token holder does
 * not reach a schedule point within SCHED_WATCHDOG_MS milliseconds (default
 * 2000; 0 turns it off) while other registered threads wait for it.
 * Limits: normal (non-recursive) mutexes; a condition variable a registered
 * thread waits on must be signalled by registered threads; at most 64
 * threads and 256 mutexes per run.
 *
 * Schedule specs (dsched_configure, or the SCHED environment variable) are
 * parsed by spec.h, the one grammar the scheduler, the preload shim, hunt
 * and the gallery share (same syntax, same limits). What each does here:
 *   none            no holding, no token: plain libuv and pthreads (default)
 *   fifo            release requests in submission order; threads run
 *                   without preemption (the running thread goes on while
 *                   it can, else the oldest runnable thread)
 *   lifo            release the most recently held request first; threads
 *                   as in fifo
 *   random:SEED     release a uniformly chosen held request, and give the
 *                   token to a uniformly chosen runnable thread (seeded)
 *   pct:SEED[:D[:K]]
 *                   PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, "A
 *                   Randomized Scheduler with Probabilistic Guarantees of
 *                   Finding Bugs", ASPLOS 2010), depth D (default 3): each
 *                   thread gets a random priority, the highest runnable one
 *                   runs, and at D-1 steps drawn from 1..K (default 8) its
 *                   priority drops below all others. K should be about the
 *                   number of steps a run takes (dsched_get_stats() counts
 *                   them). Held requests are released as by random:SEED.
 *   pos:SEED        partial-order sampling: not here (dsched_configure
 *                   returns -EINVAL and says so): it needs points on
 *                   objects, which the preload shim's are
 *   order:LIST      a script: comma-separated items, each a held request
 *                   (fs_write#N, work#N, timer#N, close#N) or a thread step
 *                   (THREAD or THREAD@POINT). Requests are released in the
 *                   listed order; thread steps are taken in the listed
 *                   order, one per step.
 *   interactive     every choice (held requests to release, runnable
 *                   threads to run) is asked of a player, `gallery play`,
 *                   through the FIFOs in SCHED_PLAY (dsched_play.c), with
 *                   where each thread stands (file:line); a lone option
 *                   is no choice and is not asked
 *   +timers, +close hold timer firings and close callbacks too (below).
 *
 * Scripts are strict. When the next item does not fit the program (the
 * request is not held, the thread is not runnable at that step), the run
 * stops: "sched: schedule does not match the program: step K of the script
 * (ITEM) is not pending|runnable; ..." with what was pending or runnable and
 * the schedule taken so far, and exit status 2 -- a schedule that does not
 * fit is bad input, never a verdict about the program. K counts the items
 * of the whole list from 1. A script ending in "+lenient" warns instead
 * and goes on as random:0 (for exploring, never for tests). Past the end of
 * a script, requests are released in submission order and threads run
 * without preemption: a script may be a prefix, and the rest of the run is
 * still deterministic. The other way round, a run that ends before its
 * script does (a fix that makes fewer requests than the bug whose script
 * it runs) keeps its status; dsched_reset() says on stderr where the run
 * ended. But when the run was scheduled and took no step of the script at
 * all (thread steps for a program of requests, requests for a program of
 * threads), the script named nothing the program does: dsched_reset()
 * says so, as a mismatch, and ends the process with status 2 (+lenient:
 * recorded, the status stands).
 *
 * The handshake (spec.h): when SCHED_HANDSHAKE_FD is set, the first
 * dsched_configure() with a schedule other than none in a process writes
 * "sched-handshake via=sched replay=exact spec=CANONICAL-SPEC" to that fd;
 * later calls in the same process write nothing. A forked child that
 * configures its own schedule is a process of its own and writes its own
 * line, so a reader counts runs with at least one line, not lines.
 *
 * The recorder: with SCHED_LOG=FILE in the environment (read before
 * main()), every wrapped call -- threadpool requests submitted, released,
 * run and completed; timer firings; closes; thread starts, exits, locks,
 * waits and schedule points -- and every choice the scheduler makes is
 * appended to FILE as JSON Lines in corrlog's schema, with or without a
 * schedule, so that build/trace draws a timeline of a program that logs
 * nothing itself. Its trailer carries "recorder":"sched": the timeline
 * was recorded by the scheduler, not by the program (dsched_rec.c);
 * "taken": the schedule taken, the string dsched_taken() returns (also
 * after a deadlock, and when a driver resets the scheduler before it
 * exits: the last run's); and, only when a script did not fit the
 * program, "mismatch": "step K of the script (ITEM) is not
 * pending|runnable; pending|runnable: ..." or "the run ended and no step
 * of the script was taken; ..." (the scheduler's message, without its
 * prefix): a strict script stopped the run there; a +lenient
 * one went on as random:0, and the trailer has "lenient": true too.
 *
 * After a run, dsched_taken() returns the requests released and the steps
 * taken, in order, as an "order:..." spec that replays the run; with the
 * environment variable SCHED_PRINT=1 it is printed to stderr at exit as
 * "sched: schedule: order:...".
 */
#ifndef DSCHED_H
#define DSCHED_H

#include <pthread.h>
#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the strategy. Returns 0, or -EINVAL after printing to stderr what in
 * spec is wrong. Must be called before the loop runs. */
int dsched_configure(const char *spec);

/* dsched_configure(getenv("SCHED")) when it is set; 0 when it is not. */
int dsched_configure_from_env(void);

/* Nonzero when a schedule other than "none" is active. */
int dsched_active(void);

/* The release order taken so far, as a replayable "order:..." spec. The
 * string is owned by the scheduler and valid until the next call. */
const char *dsched_taken(void);

/* Frees what the scheduler allocated; call after the loop is done. */
void dsched_reset(void);

/* What a deadlock report says, for a program that turns it into an
 * outcome of its own: cycle is the waits-for cycle as the report prints it
 * ("main -> mutex B -> t1 -> mutex A -> main"), or NULL when a thread
 * waits for a condition nobody can signal; taken is the schedule that led
 * there (as dsched_taken()). */
typedef void dsched_deadlock_fn(const char *cycle, const char *taken,
                                void *arg);

/* Calls fn(cycle, taken, arg) when no registered thread can run, after the
 * report and before the process ends with status 1. fn runs with the
 * scheduler's lock held: it may only copy the strings out (into memory a
 * parent process shares, say). NULL: no call. Set before the run. */
void dsched_on_deadlock(dsched_deadlock_fn *fn, void *arg);

/* Calls fn() when the scheduler ends the process itself -- a deadlock, a
 * token held too long, a script that does not fit, an interactive run
 * with no player, more threads or objects than it can track -- after its
 * report and just before the exit: what the program made for the run
 * (a scratch file) goes with it. fn may run with the scheduler's lock
 * held and other threads parked: async-signal-safe calls only (unlink).
 * NULL: no call. */
void dsched_on_stop(void (*fn)(void));

int dsched_uv_fs_write(uv_loop_t *loop, uv_fs_t *req, uv_file file,
                       const uv_buf_t bufs[], unsigned int nbufs,
                       int64_t offset, uv_fs_cb cb);
int dsched_uv_queue_work(uv_loop_t *loop, uv_work_t *req, uv_work_cb work_cb,
                         uv_after_work_cb after_work_cb);

/* Timer firings and close callbacks as choices. Only when the schedule asks
 * for them -- a spec ending in "+timers" and/or "+close" (e.g.
 * "random:7+timers+close"), or an order: list naming timer#N or close#N --
 * are they held: when a timer fires, or libuv finishes closing a handle,
 * the user's callback is held as "timer#N" (the Nth firing) or "close#N"
 * (the Nth uv_close() call) and runs when the strategy releases it, on
 * the loop thread. A timer stopped or closed while a firing is held loses
 * that firing, as it would with plain libuv. Otherwise these are the plain
 * calls. */
int dsched_uv_timer_start(uv_timer_t *t, uv_timer_cb cb, uint64_t timeout,
                          uint64_t repeat);
int dsched_uv_timer_stop(uv_timer_t *t);
void dsched_uv_close(uv_handle_t *h, uv_close_cb cb);

/* Recorded, never held: the plain calls, whose begin and completion (with
 * its result) the recorder writes when SCHED_LOG is set. */
int dsched_uv_fs_open(uv_loop_t *loop, uv_fs_t *req, const char *path,
                      int flags, int mode, uv_fs_cb cb);
int dsched_uv_fs_read(uv_loop_t *loop, uv_fs_t *req, uv_file file,
                      const uv_buf_t bufs[], unsigned int nbufs, int64_t offset,
                      uv_fs_cb cb);
int dsched_uv_fs_close(uv_loop_t *loop, uv_fs_t *req, uv_file file,
                       uv_fs_cb cb);

/* ---- threads ---- */

/* Nonzero while a thread schedule is active; read by DSCHED_POINT. */
extern int dsched__on;
/* Nonzero while the recorder writes SCHED_LOG (see below). */
extern int dsched__rec;

/* A named schedule point. Without a schedule or a recorder it costs one
 * well-predicted branch. */
#define DSCHED_POINT(name)                                                     \
  do {                                                                         \
    if (__builtin_expect(dsched__on | dsched__rec, 0)) {                       \
      dsched__at(__FILE__, __LINE__);                                          \
      dsched_point(name);                                                      \
    }                                                                          \
  } while (0)

/* Where the calling thread last entered the scheduler (a wrapped call or
 * a schedule point, as dsched_wrap.h and DSCHED_POINT record it): shown to
 * the player of `gallery play` next to each choice. */
extern __thread const char *dsched__file;
extern __thread int dsched__line;
static inline void dsched__at(const char *file, int line) {
  dsched__file = file;
  dsched__line = line;
}
void dsched_point(const char *name);

/* Renames the calling registered thread (used in steps and reports). */
void dsched_thread_name(const char *name);
/* Names a mutex or condition variable for reports; call after
 * dsched_configure(). */
void dsched_name(const void *obj, const char *name);
/* The watchdog's limit in milliseconds; 0 turns it off. */
void dsched_set_watchdog_ms(unsigned ms);

struct dsched_stats {
  unsigned threads;   /* registered threads in this run, main included */
  unsigned steps;     /* decisions with at least two runnable threads */
  unsigned decisions; /* all decisions */
  unsigned pct_k;     /* the k PCT drew its change points from */
  unsigned depth;     /* PCT depth d */
};
void dsched_get_stats(struct dsched_stats *st);

/* The pthread calls as schedule points; the plain calls when no schedule
 * is active or the caller is not registered. Same contracts as pthreads. */
int dsched_pthread_create(pthread_t *t, const pthread_attr_t *attr,
                          void *(*fn)(void *), void *arg);
int dsched_pthread_join(pthread_t t, void **ret);
int dsched_mutex_lock(pthread_mutex_t *m);
int dsched_mutex_trylock(pthread_mutex_t *m);
int dsched_mutex_unlock(pthread_mutex_t *m);
int dsched_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int dsched_cond_signal(pthread_cond_t *c);
int dsched_cond_broadcast(pthread_cond_t *c);

/* uv_run() that also releases held requests; with UV_RUN_DEFAULT it returns
 * only when nothing is held, in flight or active. */
int dsched_uv_run(uv_loop_t *loop, uv_run_mode mode);

#ifdef __cplusplus
}
#endif
#endif
