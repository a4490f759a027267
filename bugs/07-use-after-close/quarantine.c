/* quarantine.c -- Scenario 07's shared parts: the poisoning, quarantining
 * allocator for connection memory, the records of callbacks that met
 * freed memory and of replies received (check.c reads them), and the test's
 * gate. Shared by the driver, the test and all variants. */
#include "use_after_close.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define POISON 0xdd /* what a freed block is filled with */

struct block {
  struct block *next; /* the quarantine list */
  size_t size;
  /* the user's bytes follow, aligned like max_align_t */
  _Alignas(max_align_t) unsigned char data[];
};

static struct block *quarantine;
static int violations, good_replies, bad_replies;
static char first_where[64];

static int gate_on, gate_target, gate_eofs;
static uv_mutex_t gate_mu;
static uv_cond_t gate_cv;
static uv_once_t gate_once = UV_ONCE_INIT;

void *uac_alloc(size_t size) {
  struct block *b = calloc(1, sizeof *b + size);
  uint32_t live = UAC_LIVE;

  if (b == NULL || size < sizeof live)
    abort();
  b->size = size;
  memcpy(b->data, &live, sizeof live);
  return b->data;
}

void uac_free(void *p) {
  struct block *b;

  if (p == NULL)
    return;
  b = (struct block *)((unsigned char *)p - offsetof(struct block, data));
#if defined(__SANITIZE_ADDRESS__)
  /* Under AddressSanitizer, free for real: ASan's own quarantine and shadow
   * memory do this file's job, and report the first stale access. */
  free(b);
  return;
#endif
  /* Poison, then keep: the block is never reused during the run, so a
   * stale pointer reads the poison, not somebody else's connection. */
  memset(b->data, POISON, b->size);
  b->next = quarantine;
  quarantine = b;
}

int uac_live(const void *p, const char *where) {
  uint32_t magic;

  memcpy(&magic, p, sizeof magic);
  if (magic == UAC_LIVE)
    return 1;
  if (violations++ == 0)
    snprintf(first_where, sizeof first_where, "%s", where);
  return 0;
}

void uac_reply(int ok) {
  ok ? good_replies++ : bad_replies++;
}

void uac_reset(void) {
  while (quarantine) {
    struct block *b = quarantine;
    quarantine = b->next;
    free(b);
  }
  violations = good_replies = bad_replies = 0;
  first_where[0] = '\0';
}

static void gate_init(void) {
  if (uv_mutex_init(&gate_mu) != 0 || uv_cond_init(&gate_cv) != 0)
    abort();
}

void uac_gate(int on, int clients) {
  uv_once(&gate_once, gate_init);
  gate_on = on;
  gate_target = clients;
  gate_eofs = 0;
}

void uac_gate_wait(void) {
  if (!gate_on)
    return;
  uv_mutex_lock(&gate_mu);
  while (gate_eofs < gate_target)
    uv_cond_wait(&gate_cv, &gate_mu);
  uv_mutex_unlock(&gate_mu);
}

void uac_saw_eof(void) {
  if (!gate_on)
    return;
  uv_mutex_lock(&gate_mu);
  gate_eofs++;
  uv_cond_broadcast(&gate_cv);
  uv_mutex_unlock(&gate_mu);
}

void uac_tally(struct uac_tally *t) {
  t->violations = violations;
  t->good_replies = good_replies;
  t->bad_replies = bad_replies;
  t->first_where = first_where;
}
