/* sink.c -- the process-wide sink: open, close, the writer,
 * the trailer, set-up (atexit, fork, signals) and the settings. */
#include "internal.h"

struct corrlog__mutex corrlog__sink_lock = CORRLOG__MUTEX_INIT;
/* Serialises writes to the file sink, so that a write cut short by a full
 * disk can cut its partial line off again (see write_lines) without cutting
 * another thread's line. The crash handler does not take it: by the time it
 * writes, no other flusher can (see struct tbuf). */
struct corrlog__mutex corrlog__write_lock = CORRLOG__MUTEX_INIT;
atomic_size_t corrlog__buf_kb;
/* The background flusher: formats and writes buffers so that logging
 * threads rarely have to. Two states of flusher_pid: 0 = none running in
 * this process, else the pid that started it (a forked child has none). */
sem_t corrlog__flusher_sem;
atomic_int corrlog__flusher_pid;
atomic_int corrlog__flusher_stop;
pthread_t corrlog__flusher_thread;
atomic_int corrlog__flusher_off; /* CORRLOG_FLUSHER=0 */
_Atomic uint64_t corrlog__flusher_due = UINT64_MAX;
atomic_int corrlog__sink_fd = -1;
int corrlog__sink_owned;
atomic_int corrlog__enabled; /* a file sink or a writer is set */
atomic_int corrlog__writer_on;
corrlog_writer_fn corrlog__writer;
void *corrlog__writer_arg;
_Atomic uint64_t corrlog__next_id = 1;
_Atomic uint64_t corrlog__dropped;
_Atomic uint64_t corrlog__written;
atomic_int corrlog__origin_frames;
atomic_int corrlog__crashing;
_Thread_local char corrlog__thread_name[16];
_Thread_local uint64_t corrlog__thread_clock;
_Thread_local struct tbuf *corrlog__my_buf;
/* Set in the background flusher, which blocks every signal for its life:
 * it need not block the fatal ones around each chunk (flush_locked). */
_Thread_local int corrlog__signals_blocked;
pthread_key_t corrlog__exit_key;
pthread_once_t corrlog__init_once = PTHREAD_ONCE_INIT;
struct sigaction corrlog__old_act[3];
const int corrlog__fatal_sigs[3] = {SIGSEGV, SIGABRT, SIGBUS};

/* Locks or unlocks m; a failure is a broken program, so it aborts. */
static void lock_check(int rc, const char *what) {
  if (rc != 0) {
    fprintf(stderr, "corrlog: pthread_mutex_%s: %s\n", what, strerror(rc));
    abort();
  }
}

static _Thread_local char self_tag;

const void *corrlog__self(void) {
  return &self_tag;
}

void corrlog__lock(struct corrlog__mutex *m) {
  lock_check(pthread_mutex_lock(&m->mu), "lock");
  atomic_store_explicit(&m->owner, corrlog__self(), memory_order_relaxed);
}

void corrlog__unlock(struct corrlog__mutex *m) {
  assert(corrlog__held(m));
  atomic_store_explicit(&m->owner, NULL, memory_order_relaxed);
  lock_check(pthread_mutex_unlock(&m->mu), "unlock");
}

int corrlog__trylock(struct corrlog__mutex *m) {
  int rc = pthread_mutex_trylock(&m->mu);
  if (rc == EBUSY)
    return rc;
  lock_check(rc, "trylock");
  atomic_store_explicit(&m->owner, corrlog__self(), memory_order_relaxed);
  return 0;
}

void corrlog__mutex_reset(struct corrlog__mutex *m) {
  pthread_mutex_init(&m->mu, NULL);
  atomic_store_explicit(&m->owner, NULL, memory_order_relaxed);
}

/* Relaxed is enough: only the calling thread stores its own identity, so
 * it reads it exactly when its lock is not yet undone by its unlock. */
int corrlog__held(const struct corrlog__mutex *m) {
  return atomic_load_explicit(&m->owner, memory_order_relaxed) ==
         corrlog__self();
}

size_t corrlog__trailer(char *p, int sig) {
  char *s = p;
  p = corrlog__put_lit(p, "{\"ev\":\"trailer\",\"dropped\":");
  p = corrlog__put_u64(p, atomic_load(&corrlog__dropped));
  p = corrlog__put_lit(p, ",\"events\":");
  p = corrlog__put_u64(p, atomic_load(&corrlog__written));
  if (sig) {
    p = corrlog__put_lit(p, ",\"signal\":");
    p = corrlog__put_u64(p, (uint64_t)sig);
  }
  p = corrlog__put_lit(p, "}\n");
  return (size_t)(p - s);
}

static void at_exit(void) {
  if (atomic_load(&corrlog__enabled) && !atomic_load(&corrlog__crashing))
    corrlog_close();
}

/* In the child of fork() only the forking thread is left. The parent's
 * buffered events are the parent's to write, and so is its log's trailer:
 * the child starts with empty buffers and no sink (corrlog.h, "Fork"). Locks
 * that vanished threads held are made anew. */
static void atfork_child(void) {
  int fd = atomic_load(&corrlog__sink_fd);
  corrlog__mutex_reset(&corrlog__sink_lock);
  corrlog__mutex_reset(&corrlog__write_lock);
  atomic_store(&corrlog__flusher_due, UINT64_MAX);
  sem_destroy(&corrlog__flusher_sem);
  if (sem_init(&corrlog__flusher_sem, 0, 0) != 0)
    abort(); /* cannot fail: the semaphore existed a moment ago */
  for (struct tbuf *b = atomic_load(&corrlog__registry); b; b = b->next) {
    corrlog__mutex_reset(&b->flush_lock);
    corrlog__lock(&b->flush_lock); /* discard's precondition */
    corrlog__discard(b);
    corrlog__unlock(&b->flush_lock);
    if (b == corrlog__my_buf) {
      b->room = atomic_load(&b->tail) + b->cap;
    } else {
      b->busy = 0;
      atomic_store(&b->in_use, 0);
    }
  }
  if (fd >= 0 && corrlog__sink_owned)
    close(fd);
  atomic_store(&corrlog__sink_fd, -1);
  atomic_store(&corrlog__enabled, 0);
  atomic_store(&corrlog__writer_on, 0);
  corrlog__writer = NULL;
  corrlog__writer_arg = NULL;
  atomic_store(&corrlog__dropped, 0);
  atomic_store(&corrlog__written, 0);
  atomic_store(&corrlog__flusher_pid, 0);
}

static void init(void) {
  struct sigaction sa;
  if (pthread_key_create(&corrlog__exit_key, corrlog__thread_exit_cb) != 0) {
    fprintf(stderr, "corrlog: pthread_key_create failed\n");
    abort();
  }
  corrlog__clock_choose();
  if (sem_init(&corrlog__flusher_sem, 0, 0) != 0) {
    fprintf(stderr, "corrlog: sem_init failed\n");
    abort();
  }
  const char *e = getenv("CORRLOG_BUFFER_KB");
  if (e && atol(e) > 0 && atomic_load(&corrlog__buf_kb) == 0)
    corrlog_set_buffer_kb((size_t)atol(e));
  e = getenv("CORRLOG_FLUSHER");
  atomic_store(&corrlog__flusher_off, e && strcmp(e, "0") == 0);
  atexit(at_exit);
  if (pthread_atfork(NULL, NULL, atfork_child) != 0) {
    fprintf(stderr, "corrlog: pthread_atfork failed\n");
    abort();
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = corrlog__crash_handler;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; i++)
    sigaction(corrlog__fatal_sigs[i], &sa, &corrlog__old_act[i]);
}

int corrlog_open(const char *path) {
  int fd;

  pthread_once(&corrlog__init_once, init);
  corrlog_close();
  if (strcmp(path, "-") == 0) {
    fd = STDOUT_FILENO;
  } else {
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
      return -errno;
  }
  /* Events left in buffers by threads that raced the last close belong to
   * no log. */
  for (struct tbuf *b = atomic_load(&corrlog__registry); b; b = b->next) {
    corrlog__lock(&b->flush_lock);
    corrlog__discard(b);
    corrlog__unlock(&b->flush_lock);
  }
  /* The buffers are for threads to come; the opening thread, which
   * usually logs too (it names itself, begins the first operations), takes
   * one more of its own. Counted short, the last thread to start would make
   * its buffer -- a 1 MiB mmap and its page faults -- while the others wait
   * for it at their start line. */
  const char *pre = getenv("CORRLOG_PREALLOC");
  corrlog__prealloc((pre ? atoi(pre) : PREALLOC_DEFAULT) + !corrlog__my_buf);
  corrlog__lock(&corrlog__sink_lock);
  corrlog__clock_setup();
  atomic_store(&corrlog__dropped, 0);
  atomic_store(&corrlog__written, 0);
  corrlog__sink_owned = fd != STDOUT_FILENO;
  atomic_store(&corrlog__sink_fd, fd);
  atomic_store(&corrlog__enabled, 1);
  corrlog__unlock(&corrlog__sink_lock);
  /* The flusher thread starts FLUSHER_DELAY_MS after open, at the first
   * event logged then, not now: a program opens its log as it starts its
   * own threads, and one more runnable thread at that moment changes
   * which of them run together -- enough to hide scenario 04's race (see
   * chapters/04-heisenbug.md). Until it runs, buffers fill and close (or
   * a half-full buffer, or exit, or a crash) writes them. */
  if (!atomic_load(&corrlog__flusher_off))
    atomic_store(&corrlog__flusher_due,
                 corrlog__now_raw() + FLUSHER_DELAY_MS * corrlog__raw_per_ms);
  return 0;
}

void corrlog_set_writer(corrlog_writer_fn fn, void *arg) {
  pthread_once(&corrlog__init_once, init);
  /* Events already buffered for the file go to the file first, so the
   * switch does not reorder anything. */
  corrlog_flush();
  corrlog__lock(&corrlog__sink_lock);
  if (fn && atomic_load(&corrlog__sink_fd) < 0 && !corrlog__writer) {
    atomic_store(&corrlog__dropped, 0);
    atomic_store(&corrlog__written, 0);
  }
  corrlog__writer = fn;
  corrlog__writer_arg = arg;
  atomic_store(&corrlog__writer_on, fn != NULL);
  atomic_store(&corrlog__enabled,
               fn != NULL || atomic_load(&corrlog__sink_fd) >= 0);
  corrlog__unlock(&corrlog__sink_lock);
}

void corrlog_close(void) {
  char line[128];
  size_t n;

  /* The background flusher and this thread write the last buffers
   * together (corrlog_flush shares them out); the flusher is stopped
   * before the trailer, which must be the last line. */
  atomic_store(&corrlog__flusher_due, UINT64_MAX);
  if (atomic_load(&corrlog__flusher_pid) == (int)getpid())
    sem_post(&corrlog__flusher_sem);
  corrlog_flush();
  corrlog__flusher_join();
  corrlog_flush();
  corrlog__lock(&corrlog__sink_lock);
  int fd = atomic_load(&corrlog__sink_fd);
  if (corrlog__writer || fd >= 0) {
    n = corrlog__trailer(line, 0);
    if (corrlog__writer)
      corrlog__writer(corrlog__writer_arg, line, n);
    else
      corrlog__write_lines(fd, line, n, 1);
  }
  atomic_store(&corrlog__enabled, 0);
  atomic_store(&corrlog__writer_on, 0);
  corrlog__writer = NULL;
  atomic_store(&corrlog__sink_fd, -1);
  if (fd >= 0 && corrlog__sink_owned)
    close(fd);
  corrlog__unlock(&corrlog__sink_lock);
}

void corrlog_thread_name(const char *name) {
  struct tbuf *b = corrlog__my_buf;
  int fd = atomic_load(&corrlog__sink_fd);
  /* Lines take the thread's name at flush time, so events already buffered
   * under the old name go out first. */
  if (b && fd >= 0 && atomic_load(&corrlog__enabled))
    corrlog__flush_one(b, fd);
  snprintf(corrlog__thread_name, sizeof corrlog__thread_name, "%s", name);
  if (b) {
    corrlog__lock(&b->flush_lock);
    memcpy(b->name, corrlog__thread_name, sizeof b->name);
    corrlog__unlock(&b->flush_lock);
  } else if (atomic_load(&corrlog__enabled)) {
    /* Registers the thread now, so that its first event costs what the
     * others do: naming a thread is its set-up. */
    corrlog__get_buf();
  }
}

void corrlog_set_origin_frames(int n) {
  if (n < 0)
    n = 0;
  if (n > CORRLOG_MAX_FRAMES)
    n = CORRLOG_MAX_FRAMES;
#if defined(__GLIBC__)
  if (n > 0) {
    /* The first backtrace() loads the unwinder; do it here, not in the
     * first corrlog_begin. */
    void *fr[2];
    backtrace(fr, 2);
  }
#endif
  atomic_store(&corrlog__origin_frames, n);
}

uint64_t corrlog_dropped(void) {
  return atomic_load(&corrlog__dropped);
}
