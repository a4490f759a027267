/* test_07_use_after_close.c -- Scenario 07's deterministic test, built three
 * times: against the sync twin, the buggy async version and the fix. The
 * clients shut down as soon as they have sent (no think time), and a gate
 * holds every reply's computation on the threadpool until the server has
 * read EOF from every client, so each connection ends while its reply is
 * still in flight, on every run; no sleeps. (The EOFs need no pool thread,
 * so gated replies holding all the pool's threads cannot deadlock.)
 * Connection memory comes from the scenario's quarantine allocator, which
 * poisons freed blocks and never reuses them, so a callback that reaches
 * freed memory is seen without AddressSanitizer. */
#include <criterion/criterion.h>

#include "dsched.h"
#include "scenario_test.h"
#include "use_after_close.h"

static void teardown(void) {
  uac_gate(0, 0);
  uac_reset();
  dsched_reset();
}

static void run(int gated, int clients) {
  struct uac_config cfg = {clients, 0, 0}; /* no computing, no think time */
  char msg[512];
  int r;

  uac_reset();
  uac_gate(gated, clients);
  cr_assert_eq(uac_run(&cfg), 0, "use-after-close setup failed");
  r = uac_check(clients, msg, sizeof msg);
  scenario_report(r, msg, NULL, NULL, NULL, NULL);
  cr_assert_eq(r, 0, "%s", msg);
}

/* @snippet test_gated */
/* The client's EOF reaches the server before the reply is computed: the
 * connection ends with a reply in flight. */
Test(use_after_close, eof_before_reply_is_computed, .fini = teardown,
     .timeout = 10) {
  run(1, 1);
}
/* @end */

Test(use_after_close, four_clients_eof_before_replies, .fini = teardown,
     .timeout = 10) {
  run(1, 4);
}

/* More clients than the pool has threads (4 by default): the first gated
 * replies hold every pool thread until the last EOF, which needs none. */
Test(use_after_close, more_clients_than_pool_threads, .fini = teardown,
     .timeout = 10) {
  run(1, 8);
}
