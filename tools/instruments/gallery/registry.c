/* registry.c -- the gallery's scenarios. Adding a scenario is adding one
 * entry here (ids are permanent: append, never renumber); the Makefile finds
 * its sources by the NN-slug directory name. */
#include "registry.h"

#include <stdlib.h>
#include <string.h>

const struct scenario gallery_scenarios[] = {
    {
        .id = 1,
        .slug = "log-order",
        .title = "Lost ordering in an async request log",
        .theme = "lost ordering",
        .chapter = "chapters/01-log-order.md",
        .wrong = "concurrent async appends to a log land out of order; the "
                 "log tells a false story",
        .look = "the first line of a request that appears before its "
                "'begin': the pool finished a later write first",
        .hunt_timeout = "10",
        .expose_schedule = "lifo",
    },
    {
        .id = 2,
        .slug = "reply-mixup",
        .title = "Pipelined replies paired with the wrong requests",
        .theme = "lost ordering",
        .chapter = "chapters/02-reply-mixup.md",
        .wrong = "pipelined requests on one TCP connection; replies written "
                 "in completion order; the client pairs them FIFO",
        .look = "the first request paired with a reply that answers a later "
                "one: the pool finished the later request's work first",
        .hunt_timeout = "10",
        .expose_schedule = "lifo",
    },
    {
        .id = 3,
        .slug = "lost-stack",
        .title = "A crash whose stack shows the event loop, not the caller",
        .theme = "misleading stack traces",
        .chapter = "chapters/03-lost-stack.md",
        .wrong = "an error detected in a completion callback; the crash "
                 "stack shows uv_run, not the caller who caused it",
        .look = "the backtrace under 'FATAL': uv_run and libuv frames, and "
                "no caller; the fix's report adds where the op was started",
        .hunt_timeout = "10",
        .expose_schedule = "lifo",
    },
    {
        .id = 4,
        .slug = "heisenbug",
        .title = "A race that hides when you log it",
        .theme = "the debugger lies",
        .chapter = "chapters/04-heisenbug.md",
        .wrong = "a race whose window closes when you add printf; failure "
                 "rate measured with and without logging",
        .look = "the config loaded twice: both workers checked the flag "
                "before either set it; compare the rate with --log none, "
                "printf and corrlog",
        .hunt_timeout = "10",
        .expose_schedule = "order:main@create,main@create,t1@start,t2@start,"
                           "t1@checked,t2@checked",
        /* The fix's workers stop at the mutex, not at "checked": both
         * started before either finishes, as in the bug. */
        .fix_schedule = "order:main@create,main@create,t1@start,t2@start,"
                        "t1@lock,t2@lock",
    },
    {
        .id = 5,
        .slug = "check-then-act",
        .title = "Check-then-act: a cache miss checked before an async fetch",
        .theme = "latent race",
        .chapter = "chapters/05-check-then-act.md",
        .wrong = "two lookups both miss while a fetch is in flight: the item "
                 "is fetched twice and the older reply overwrites the newer",
        .look = "an item fetched twice, or whose cached version went down: "
                "a lookup missed while the same item's fetch was in flight",
        .hunt_timeout = "10",
        .expose_schedule = "lifo",
    },
    {
        .id = 6,
        .slug = "lost-update",
        .title = "Lost updates from threadpool work",
        .theme = "latent race",
        .chapter = "chapters/06-lost-update.md",
        .wrong = "threadpool work mutates shared counters off the loop "
                 "thread; updates vanish; TSan sees it",
        .look = "the totals fall short: two pool threads read the same "
                "totals and each wrote back its own sum",
        .hunt_timeout = "10",
        .expose_schedule = "order:main@create,main@create,main@create,"
                           "main@create,t1@start,t1@lock,t1@unlock,t2@start,"
                           "t2@lock,t2@unlock,t1@account,t2@account",
        /* The fix's threads touch no totals (no "account" point): both
         * jobs taken and scanned, then each thread asks for the next. */
        .fix_schedule = "order:main@create,main@create,main@create,"
                        "main@create,t1@start,t1@lock,t1@unlock,t2@start,"
                        "t2@lock,t2@unlock,t1@lock,t2@lock",
    },
    {
        .id = 7,
        .slug = "use-after-close",
        .title = "Use after close: connection memory freed too early",
        .theme = "latent race",
        .chapter = "chapters/07-use-after-close.md",
        .wrong = "memory freed at uv_close while a reply is still in flight; "
                 "its callback runs on freed memory; ASan sees it",
        .look = "the callback that found the poison pattern: it was still in "
                "flight when the connection's memory was freed",
        .hunt_timeout = "10",
        .expose_schedule = "fifo",
    },
    {
        .id = 8,
        .slug = "coalesced-wakeup",
        .title = "Coalesced wakeups: messages lost in a one-slot handoff",
        .theme = "lost events",
        .chapter = "chapters/08-coalesced-wakeup.md",
        .wrong = "uv_async_send coalesces; one-slot messages are "
                 "overwritten and lost",
        .look = "a message id that was sent and never handled: the "
                "producer sent twice before the loop's async callback ran",
        .hunt_timeout = "10",
        .expose_schedule = "fifo",
    },
    {
        .id = 9,
        .slug = "double-callback",
        .title = "Double callback: a deadline and a reply both complete a call",
        .theme = "broken contract",
        .chapter = "chapters/09-double-callback.md",
        .wrong = "timeout and reply race; the user callback runs twice (or "
                 "never)",
        .look = "a call whose callback ran twice, 'timed out' then 'reply': "
                "the timer completed it and nothing stopped the reply",
        .hunt_timeout = "10",
        .expose_schedule = "fifo",
    },
    {
        .id = 10,
        .slug = "pool-deadlock",
        .title = "Pool deadlock: pool work waiting for work queued behind it",
        .theme = "deadlock under load",
        .chapter = "chapters/10-pool-deadlock.md",
        .wrong = "threadpool work blocks on a lookup queued to the same "
                 "pool; hangs once load reaches the pool size",
        .look = "the watchdog's table: every pool thread holds a page "
                "waiting for a lookup that is queued behind it",
        .hunt_timeout = "10",
        .expose_schedule = "fifo",
        .hang = "this is the pool deadlock chapter 10 is about: every pool "
                "thread waits for work queued behind it",
    },
    {
        .id = 11,
        .slug = "stale-buffer",
        .title = "Stale buffer: one buffer reused before the write reads it",
        .theme = "lifetime",
        .chapter = "chapters/11-stale-buffer.md",
        .wrong = "a shared buffer is reformatted before the queued write "
                 "reads it; the file holds the last record again and again",
        .look = "a slot holding a later record than the one submitted for "
                "it: the pool read the buffer after the loop reused it",
        .hunt_timeout = "10",
        .expose_schedule = "fifo",
    },
    {
        .id = 12,
        .slug = "unbounded-fanout",
        .title = "Unbounded fan-out: every file opened at once",
        .theme = "under load",
        .chapter = "chapters/12-unbounded-fanout.md",
        .wrong = "unlimited concurrent opens hit EMFILE under load; "
                 "callbacks that ignore their status lose data silently",
        .look = "records missing with 0 errors reported: opens failed "
                "with EMFILE and nobody looked at the status",
        .hunt_timeout = "30",
        .expose_schedule = "fifo",
    },
    {
        .id = 13,
        .slug = "lock-order",
        .title = "Lock-order inversion between the loop thread and a worker",
        .theme = "deadlock",
        .chapter = "chapters/13-lock-order.md",
        .wrong = "the loop thread takes stats then cache, a sweeper thread "
                 "cache then stats; each ends up holding what the other "
                 "waits for",
        .look = "the waits-for cycle in the scheduler's report (loop -> "
                "mutex cache -> sweeper -> mutex stats -> loop), or a run "
                "that hangs until hunt's timeout",
        .hunt_timeout = "5",
        .expose_schedule = "order:loop@create,loop@lock,t1@start,"
                           "sweeper@lock",
        .hang = "this is the deadlock chapter 13 is about: each thread "
                "holds the lock the other waits for",
    },
};

const int gallery_nscenarios =
    (int)(sizeof gallery_scenarios / sizeof gallery_scenarios[0]);

const struct scenario *gallery_find(const char *arg) {
  char *end;
  long n;

  if (arg == NULL || *arg == '\0')
    return NULL;
  n = strtol(arg, &end, 10);
  for (int i = 0; i < gallery_nscenarios; i++) {
    const struct scenario *s = &gallery_scenarios[i];
    if (end != arg && n == s->id &&
        (*end == '\0' || (*end == '-' && strcmp(end + 1, s->slug) == 0)))
      return s;
    if (end == arg && strcmp(arg, s->slug) == 0)
      return s;
  }
  return NULL;
}
