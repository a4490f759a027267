/* use_after_close.h -- Scenario 07 (use-after-close): the interface
 * every variant implements, the quarantine allocator for per-connection
 * memory, and the invariant the driver and the test check.
 *
 * The workload: `clients` clients connect to an echo server on 127.0.0.1
 * (port chosen by the OS), each sends one message, thinks for `think_us`
 * microseconds on the threadpool (it has no second message), shuts down
 * its sending side, and reads the reply until EOF. The server computes each
 * reply (the message in upper case) on the threadpool, taking `work_us`
 * microseconds, and writes it back. So each client's EOF races its reply:
 * both wait on the pool, for think_us and work_us.
 *
 * The invariant: no callback runs on freed connection memory, and every
 * client receives its reply. */
#ifndef USE_AFTER_CLOSE_H
#define USE_AFTER_CLOSE_H

#include <stddef.h>

struct uac_config {
  int clients;  /* concurrent clients, 1..64 */
  int work_us;  /* simulated time to compute a reply */
  int think_us; /* simulated client think time after sending; 0: shut down
                   at once (the sync twin ignores it) */
};

/* Runs the workload once (implemented by sync.c and each async.c). Returns
 * 0, or a negative errno/libuv error for a setup failure. */
int uac_run(const struct uac_config *cfg);

/* ---- shared: quarantine.c ----
 * A tiny allocator that does what AddressSanitizer does, in miniature: a
 * freed block is filled with a poison pattern and kept in quarantine (never
 * handed out again) until uac_reset(), so a later access through a stale
 * pointer finds the poison instead of a new owner's data. */

#define UAC_LIVE 0x4c495645u /* "LIVE": the first field of a live block */

/* Returns zeroed memory whose first 4 bytes hold UAC_LIVE. Aborts on OOM. */
void *uac_alloc(size_t size);
/* Poisons the block and quarantines it. */
void uac_free(void *p);
/* Called first thing by every callback that reaches connection memory:
 * returns 1 when p is live; else records a violation naming `where` and
 * returns 0 (the caller must not touch p further). */
int uac_live(const void *p, const char *where);

/* Records a client's reply: 1 when it was the expected one. */
void uac_reply(int ok);

/* Frees the quarantine and forgets every record; call before uac_run. */
void uac_reset(void);

/* The deterministic test's gate: when on, the threadpool's reply work
 * waits until the server has seen EOF from `clients` clients. */
void uac_gate(int on, int clients);
void uac_gate_wait(void); /* pool thread, before computing a reply */
void uac_saw_eof(void);   /* loop thread, when a connection reads EOF */

/* What the records hold after a run, read-only (for the check). */
struct uac_tally {
  int violations;          /* callbacks that found freed memory */
  int good_replies;        /* clients that got their own reply */
  int bad_replies;         /* ... and that got a wrong one */
  const char *first_where; /* the first callback that found freed memory */
};
void uac_tally(struct uac_tally *t);

/* ---- the invariant (check.c) ---- */

/* Checks the invariant. Returns 0 when it holds, 1 when it is violated;
 * then msg says how, starting with "use-after-close invariant violated:". */
int uac_check(int clients, char *msg, size_t msglen);

#endif
