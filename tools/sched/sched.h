/* sched.h -- the deterministic scheduler's libuv side: threadpool
 * submissions that can be held and released in a chosen order.
 *
 * Without a schedule every sched_uv_* call is the plain libuv call. Under a
 * schedule, uv_fs_write() and uv_queue_work() requests are *held* instead of
 * submitted. sched_uv_run() then drives the loop: whenever no released
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
 * Schedule specs (sched_configure, or the SCHED environment variable):
 *   none            no holding: plain libuv (the default)
 *   fifo            release in submission order
 *   lifo            release the most recently held request first
 *   random:SEED     release a uniformly chosen held request (seeded)
 *   order:N1,N2,... release the named requests in this order whenever they
 *                   are held; when the next named request is not held, the
 *                   schedule no longer matches the program: a warning is
 *                   printed and the run continues as random:0.
 * After a run, sched_taken() returns the order actually taken as an
 * "order:..." spec that replays it.
 */
#ifndef SCHED_H
#define SCHED_H

#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the strategy. Returns 0, or -EINVAL after printing to stderr what in
 * spec is wrong. Must be called before the loop runs. */
int sched_configure(const char *spec);

/* sched_configure(getenv("SCHED")) when it is set; 0 when it is not. */
int sched_configure_from_env(void);

/* Nonzero when a schedule other than "none" is active. */
int sched_active(void);

/* The release order taken so far, as a replayable "order:..." spec. The
 * string is owned by the scheduler and valid until the next call. */
const char *sched_taken(void);

/* Frees what the scheduler allocated; call after the loop is done. */
void sched_reset(void);

int sched_uv_fs_write(uv_loop_t *loop, uv_fs_t *req, uv_file file,
                      const uv_buf_t bufs[], unsigned int nbufs,
                      int64_t offset, uv_fs_cb cb);
int sched_uv_queue_work(uv_loop_t *loop, uv_work_t *req, uv_work_cb work_cb,
                        uv_after_work_cb after_work_cb);

/* uv_run() that also releases held requests; with UV_RUN_DEFAULT it returns
 * only when nothing is held, in flight or active. */
int sched_uv_run(uv_loop_t *loop, uv_run_mode mode);

#ifdef __cplusplus
}
#endif
#endif
