/* spec.h -- the one grammar of schedule specs: parsed and printed here for
 * the scheduler (tools/runtime/sched), the preload shim
 * (tools/runtime/preload), hunt and the gallery, with one set of limits,
 * so that a spec one of them accepts is a spec all of them accept.
 *
 *   SPEC  := BASE FLAG*
 *   BASE  := none | fifo | lifo | random:SEED | pct:SEED[:DEPTH[:STEPS]]
 *          | pos:SEED | order:ITEM(,ITEM)* | interactive
 *   FLAG  := +timers | +close | +lenient
 *   ITEM  := fs_write#N | work#N | timer#N | close#N | THREAD[@POINT]
 *
 * A spec has no length limit: an order: script as long as the run it
 * replays is a spec (the environment limits one variable to 128 KiB).
 *
 * SEED is a decimal 0..SPEC_SEED_MAX (2^63 - 1: every tool that prints
 * a seed, JSON included, prints it as a non-negative integer); DEPTH is
 * 1..SPEC_DEPTH_MAX; STEPS is 1..SPEC_STEPS_MAX; N is 0..SPEC_ITEM_MAX;
 * THREAD and POINT are made of letters, digits, '_', '-' and '.'. What each
 * strategy does is described in dsched.h; pos:SEED (partial-order
 * sampling) is carried out by the preload shim only (sched_preload.c): the
 * linked scheduler refuses it with exit status 2.
 *
 * interactive asks a player for every choice (gallery play): through the
 * FIFOs in the directory named by SCHED_PLAY, the program writes each
 * choice and its options, and reads the one picked (dsched.h).
 *
 * An order: script is strict: when its next item does not fit the program,
 * the run stops with exit status 2 and names the step (a schedule that does
 * not fit is bad input, never a verdict). "+lenient" keeps the run going
 * instead, as random:0, with a warning: for exploring, never for tests.
 *
 * The handshake: a program that carries out a schedule tells the process
 * that launched it (hunt) so, through the file descriptor named by the
 * environment variable SCHED_HANDSHAKE_FD, with one line per process:
 *
 *   sched-handshake via=VIA replay=exact|perturb spec=SPEC
 *
 * A line is one write of less than PIPE_BUF bytes, so lines from several
 * processes never interleave; a SPEC too long for that (a long order:
 * script) is cut and ends in "...".
 *
 * VIA is "sched" (the deterministic scheduler linked into the program: it
 * decides every choice, so the same spec replays the run) or "preload"
 * (the LD_PRELOAD shim: it perturbs timing, the kernel still decides, so a
 * spec reproduces a failure only sometimes). A program that reads SCHED but
 * cannot carry it out says replay=none. hunt reads these lines to know
 * whether a perturbation was in effect in each run.
 *
 * Each way of taking a schedule writes at most one line per process: the
 * scheduler at its first dsched_configure() with a schedule other than none,
 * the shim in its constructor. One run may still give several lines -- a
 * program linked with the scheduler and run under the shim gives one of
 * each, a forked child that configures its own schedule gives its own -- so
 * a reader counts runs with at least one line that is not replay=none, never
 * lines. SCHED unset or none: no line.
 */
#ifndef DSCHED_SPEC_H
#define DSCHED_SPEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPEC_SEED_MAX 9223372036854775807ULL
#define SPEC_DEPTH_MAX 16
#define SPEC_STEPS_MAX 1000000u
#define SPEC_ITEM_MAX ((1u << 24) - 1)

enum spec_kind {
  SPEC_NONE,
  SPEC_FIFO,
  SPEC_LIFO,
  SPEC_RANDOM,
  SPEC_PCT,
  SPEC_POS,
  SPEC_ORDER,
  SPEC_INTERACTIVE
};

struct spec {
  enum spec_kind kind;
  unsigned long long seed; /* random, pct, pos */
  unsigned depth;          /* pct: 1..SPEC_DEPTH_MAX (default 3) */
  unsigned steps;          /* pct: 0 = not given, else 1..SPEC_STEPS_MAX */
  int timers, closes;      /* +timers, +close (or timer#/close# items) */
  int lenient;             /* +lenient */
  const char *list;        /* order: the items, pointing into the text */
  size_t list_len;
};

/* Parses text into *sp (sp->list points into text, which must outlive
 * sp). Returns 0, or -1 after writing a one-line reason, without a
 * trailing newline, into err (of size cap) naming the part that is wrong. A
 * NULL or empty text is "none". */
int spec_parse(const char *text, struct spec *sp, char *err, size_t cap);

/* Writes sp back as text (the canonical form: pct always with its depth).
 * Returns the length, like snprintf. */
int spec_format(const struct spec *sp, char *buf, size_t cap);

/* spec_format into a malloc'd string of the right size; NULL when out of
 * memory. */
char *spec_format_alloc(const struct spec *sp);

/* Walks the items of an order: list: returns the next item and its length
 * in *n, advancing *pos, or NULL at the end. */
const char *spec_next_item(const struct spec *sp, size_t *pos, size_t *n);

/* Classifies one order: item: returns 0 for a thread step (THREAD or
 * THREAD@POINT), 1 with *kind (an index into spec_item_kinds) and *num for a
 * held request, or -1 when the item is malformed. */
int spec_item(const char *item, size_t n, int *kind, unsigned *num);

/* The held-request kinds an order: item may name, in code order. */
extern const char *const spec_item_kinds[4];

/* Writes the handshake line for spec (the text to print) to the fd in
 * SCHED_HANDSHAKE_FD, if set; via and replay as above. Async-signal-safe
 * apart from getenv; never fails the caller. */
void spec_handshake(const char *via, const char *replay, const char *spec);

/* The parts every scheduler that carries out a spec shares (the linked
 * one, tools/runtime/sched, and the shim, tools/runtime/preload). */

/* xorshift64*, the one generator: the same sequence on every machine.
 * spec_rng_seed starts *state from a spec's seed; stream keeps two
 * sequences of one seed apart (the linked scheduler's libuv side uses 1,
 * its threads and the shim 7). */
void spec_rng_seed(uint64_t *state, unsigned long long seed, unsigned stream);
uint64_t spec_rng_next(uint64_t *state);

/* Whether an order: step "NAME" or "NAME@POINT" names a parked thread
 * called name, parked at point: the one reading in both schedulers. */
int spec_step_matches(const char *step, const char *name, const char *point);

/* PCT's priority change points: change_at[0..depth-2] drawn from *state,
 * each uniform in 1..k and distinct while k leaves room for depth-1
 * distinct values. Both schedulers draw them the same way, so that one
 * pct spec names one schedule in either. */
void spec_pct_change_points(uint64_t *state, unsigned depth, unsigned k,
                            unsigned *change_at);

/* The edge of a waits-for graph: the thread t waits for, or NULL, with
 * *via set to the object in between as text (written into buf when it
 * needs room). */
typedef const void *(*spec_waits_fn)(const void *t, const char **via, char *buf,
                                     size_t cap);

/* Writes into buf the first waits-for cycle reached from threads[0..n) in
 * order, starting at the first thread met twice: "A -> VIA -> B -> VIA ->
 * A" (cut to cap). Returns 1, or 0 with buf empty when there is none. */
int spec_format_cycle(char *buf, size_t cap, const void *const *threads,
                      size_t n, spec_waits_fn waits,
                      const char *(*name)(const void *t));

/* Prints, for a deadlock report, that cycle as "PREFIX: waits-for cycle:
 * A -> VIA -> B -> VIA -> A". Returns 1, or 0 after printing "PREFIX: no
 * waits-for cycle: NONE" when there is none. */
int spec_print_cycle(FILE *f, const char *prefix, const void *const *threads,
                     size_t n, spec_waits_fn waits,
                     const char *(*name)(const void *t), const char *none);

#ifdef __cplusplus
}
#endif
#endif
