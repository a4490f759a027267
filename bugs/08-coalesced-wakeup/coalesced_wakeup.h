/* coalesced_wakeup.h -- Scenario 08 (coalesced-wakeup): the interface every
 * variant implements and the invariant the driver and the test check.
 *
 * The workload: a producer thread hands `messages` numbered messages (ids
 * 0, 1, 2, ...) to the event loop thread through a channel; the loop thread
 * handles each one. The invariant: every id the producer sent is handled
 * exactly once, in the order it was sent. */
#ifndef COALESCED_WAKEUP_H
#define COALESCED_WAKEUP_H

#include <stddef.h>
#include <uv.h>

struct cw_config {
  const char *log_path; /* correlation log to write, or NULL */
  int messages;         /* how many messages the producer sends (1..100000) */
  int interval_us;      /* producer's pause between two sends */
  int work_us;          /* simulated cost of handling one message */
};

/* What the loop thread handled, in handling order. */
struct cw_sink {
  int messages; /* how many were sent (the last id is messages - 1) */
  int work_us;
  int *ids;
  int nids;
  int cap;
};

/* ---- shared by all variants (harness.c) ---- */

/* Runs the workload once: opens the variant's channel on a new loop, starts
 * the producer thread, runs the loop until the channel closes, joins the
 * producer. Fills sink (sink->ids is malloc'ed: free it, whatever the
 * result). Returns 0, or a
 * negative errno for a setup failure (the log could not be opened). */
int cw_run(const struct cw_config *cfg, struct cw_sink *sink);

/* Handles message id: records it and spends work_us on it. Returns 1 when
 * id is the producer's last message, after which the variant closes its
 * channel; 0 otherwise. */
int cw_handle(struct cw_sink *sink, int id);

/* ---- the invariant (check.c) ---- */

/* Checks the invariant. Returns 0 when it holds, 1 when it is violated
 * (msg then starts with "coalesced-wakeup invariant violated:"). */
int cw_check(const struct cw_sink *sink, char *msg, size_t msglen);

/* ---- per variant (sync.c, async.c) ---- */

struct cw_chan;

/* On the loop thread, before the producer starts: a channel whose messages
 * are handled on loop's thread with cw_handle(sink, id). */
struct cw_chan *cw_chan_open(uv_loop_t *loop, struct cw_sink *sink);
/* On the producer thread: hands message id to the loop thread. */
void cw_chan_send(struct cw_chan *ch, int id);
/* After the loop has returned and the producer has been joined. */
void cw_chan_free(struct cw_chan *ch);

#endif
