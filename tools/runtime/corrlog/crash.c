/* crash.c -- the fatal-signal flush: what no flusher has
 * claimed goes to the file with write(2) only, then the trailer. */
#include "internal.h"

/* How long the crash handler waits for a chunk another thread is writing. */
#define CRASH_WAIT_NS 1000000000u

/* Fatal signal: write what no flusher has claimed, with write(2) only, then
 * the trailer, then let the previous disposition (normally the default: die
 * with a core) handle the signal. The signal is blocked while this runs, so
 * the re-raised one is delivered when the handler returns.
 *
 * First every buffer's unclaimed range is taken: claim becomes head with the
 * low bit set (positions are multiples of 8), so that every later claim
 * fails. Then the handler waits for the chunks other threads had claimed
 * before: they write them and advance tail (and count them) on their own,
 * with the fatal signals blocked, so none of them is this thread. Only then
 * is the file written, so the trailer is the last line and counts them.
 * Last, the chain of the operation the thread was working on goes to
 * stderr (current.c). */
void corrlog__crash_handler(int sig) {
  int i, saved = errno;
  for (i = 0; i < 3 && corrlog__fatal_sigs[i] != sig; i++)
    ;
  if (i < 3)
    sigaction(sig, &corrlog__old_act[i], NULL);
  int fd = atomic_load(&corrlog__sink_fd);
  if (fd >= 0 && !atomic_exchange(&corrlog__crashing, 1)) {
    struct corrlog__clockconv cc;
    char line[128], out[CHUNK];
    struct tbuf *b;
    uint64_t deadline = corrlog__mono_ns() + CRASH_WAIT_NS;
    for (b = atomic_load(&corrlog__registry); b; b = b->next) {
      size_t c = atomic_load(&b->claim), h;
      do
        h = atomic_load_explicit(&b->head, memory_order_acquire);
      while (!atomic_compare_exchange_weak(&b->claim, &c, h | 1));
      b->crash_from = c;
      b->crash_to = h;
    }
    for (b = atomic_load(&corrlog__registry); b; b = b->next) {
      size_t t;
      while ((t = atomic_load_explicit(&b->tail, memory_order_acquire)) !=
             b->crash_from) {
        struct timespec pause = {0, 100000};
        if (corrlog__mono_ns() > deadline) {
          /* That write is stuck; the process dies before it completes. */
          uint64_t n = 0;
          for (size_t next; t != b->crash_from; t = next)
            n += corrlog__rec_at(b, t, &next) != NULL;
          atomic_fetch_add(&corrlog__dropped, n);
          break;
        }
        nanosleep(&pause, NULL);
      }
    }
    corrlog__clockconv_init(&cc);
    for (b = atomic_load(&corrlog__registry); b; b = b->next) {
      size_t from = b->crash_from, e;
      while (from != b->crash_to) {
        uint64_t nrec, k;
        char *p = corrlog__format_chunk(b, from, b->crash_to, out, sizeof out,
                                        &e, &nrec, &cc);
        k = corrlog__write_lines(fd, out, (size_t)(p - out), nrec);
        atomic_fetch_add(&corrlog__written, k);
        atomic_fetch_add(&corrlog__dropped, nrec - k);
        from = e;
      }
    }
    corrlog__write_lines(fd, line, corrlog__trailer(line, sig), 1);
  }
  /* Then what the thread was doing: once, after the log is safe. */
  static atomic_int chain_printed;
  if (!atomic_exchange(&chain_printed, 1))
    corrlog__crash_chain(sig);
  errno = saved;
  raise(sig);
}
