/* trace_output.c -- the one way the trace tool writes an -o file: into a
 * temporary file beside the target, renamed over it only once complete, so
 * a failure or a signal leaves the target as it was and no temporary file
 * behind. */
#include "trace_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The signals that end the process while it writes and after which the
 * temporary file must not remain. */
static const int cleanup_signals[] = {SIGHUP,  SIGINT,  SIGQUIT,
                                      SIGPIPE, SIGTERM, SIGXFSZ};
#define NSIG_CLEANUP (sizeof cleanup_signals / sizeof cleanup_signals[0])

/* Shared with the signal handler. Protocol: armed is 1 exactly while
 * armed_path names a temporary file this process created and has neither
 * renamed nor removed; it changes only with cleanup_signals blocked, so the
 * handler never sees a name that is half written or already renamed. One
 * output at a time: the tool writes one file per run. */
static volatile sig_atomic_t armed;
static char armed_path[PATH_MAX];
static struct sigaction saved[NSIG_CLEANUP];
static int installed[NSIG_CLEANUP];

static void cleanup_cb(int sig) {
  int saved_errno = errno;

  if (armed) {
    unlink(armed_path);
    armed = 0;
  }
  /* Let the signal do what it would have done without us: put back the
   * previous disposition and raise it again; it is delivered when this
   * handler returns (the signal is blocked while it runs). */
  for (size_t i = 0; i < NSIG_CLEANUP; i++)
    if (cleanup_signals[i] == sig && installed[i])
      sigaction(sig, &saved[i], NULL);
  raise(sig);
  errno = saved_errno;
}

static int block_signals(sigset_t *old) {
  sigset_t set;

  sigemptyset(&set);
  for (size_t i = 0; i < NSIG_CLEANUP; i++)
    sigaddset(&set, cleanup_signals[i]);
  return sigprocmask(SIG_BLOCK, &set, old) < 0 ? -errno : 0;
}

static void restore_mask(const sigset_t *old) {
  /* Cannot fail with a valid how and set. */
  (void)sigprocmask(SIG_SETMASK, old, NULL);
}

/* Handlers go in for the duration of the write only, and a signal the
 * caller ignores (a background job's SIGINT) stays ignored. */
static int install_handlers(void) {
  struct sigaction sa;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = cleanup_cb;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < NSIG_CLEANUP; i++) {
    installed[i] = 0;
    if (sigaction(cleanup_signals[i], NULL, &saved[i]) < 0)
      return -errno;
    if (saved[i].sa_handler == SIG_IGN)
      continue;
    if (sigaction(cleanup_signals[i], &sa, NULL) < 0)
      return -errno;
    installed[i] = 1;
  }
  return 0;
}

static void remove_handlers(void) {
  for (size_t i = 0; i < NSIG_CLEANUP; i++)
    if (installed[i]) {
      sigaction(cleanup_signals[i], &saved[i], NULL);
      installed[i] = 0;
    }
}

/* Where the bytes must finally go: the path itself, or, when it is a
 * symbolic link to a regular file, that file (renaming over the link would
 * replace the link). Returns 1 when the target exists and is not a regular
 * file (a terminal, /dev/null, a FIFO): such a target is written in place,
 * since there is nothing there to destroy and it cannot be renamed over.
 * Returns 0 otherwise, -errno on failure. *mode is the mode the file
 * should end up with: the target's, or what creating it would give. */
static int resolve_target(const char *path, char *real, size_t realsz,
                          mode_t *mode) {
  struct stat st, lst;
  mode_t mask;

  if (stat(path, &st) == 0) {
    if (!S_ISREG(st.st_mode))
      return 1;
    /* rename() would replace a file we may not write, which a plain
     * fopen(path, "w") refuses: refuse it too. */
    if (access(path, W_OK) < 0)
      return -errno;
    *mode = st.st_mode & 07777;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
      char *r = realpath(path, NULL);
      if (!r)
        return -errno;
      if (strlen(r) >= realsz) {
        free(r);
        return -ENAMETOOLONG;
      }
      strcpy(real, r);
      free(r);
      return 0;
    }
  } else if (errno != ENOENT) {
    return -errno;
  } else {
    /* There is no call that reads the umask without setting it. */
    mask = umask(0);
    umask(mask);
    *mode = 0666 & ~mask;
  }
  if (strlen(path) >= realsz)
    return -ENAMETOOLONG;
  strcpy(real, path);
  return 0;
}

int trace__output_open(struct trace_output *o, const char *path) {
  char real[PATH_MAX];
  mode_t mode = 0;
  sigset_t old;
  int fd, k, e;

  memset(o, 0, sizeof *o);
  o->path = path;
  k = resolve_target(path, real, sizeof real, &mode);
  if (k < 0)
    return k;
  if (k == 1) {
    o->f = fopen(path, "w");
    return o->f ? 0 : -errno;
  }
  if (snprintf(o->tmp, sizeof o->tmp, "%s.tmp-XXXXXX", real) >=
      (int)sizeof o->tmp)
    return -ENAMETOOLONG;
  strcpy(o->target, real);
  if ((k = install_handlers()) < 0) {
    remove_handlers();
    return k;
  }
  if ((k = block_signals(&old)) < 0) {
    remove_handlers();
    return k;
  }
  fd = mkstemp(o->tmp);
  e = errno;
  if (fd >= 0) {
    strcpy(armed_path, o->tmp);
    armed = 1;
    o->temp = 1;
  }
  restore_mask(&old);
  if (fd < 0) {
    remove_handlers();
    return -e;
  }
  o->f = fdopen(fd, "w");
  /* mkstemp makes the file 0600; give it the mode the target has or a
   * plain fopen() would have given it. */
  if (!o->f || fchmod(fd, mode) < 0) {
    e = errno;
    if (!o->f)
      close(fd);
    trace__output_abort(o);
    return -e;
  }
  return 0;
}

int trace__output_commit(struct trace_output *o) {
  sigset_t old;
  int e = 0, k;

  if (fflush(o->f) != 0 || ferror(o->f))
    e = errno ? errno : EIO;
  if (fclose(o->f) != 0 && !e)
    e = errno;
  o->f = NULL;
  if (!o->temp)
    return -e;
  if (e) {
    trace__output_abort(o);
    return -e;
  }
  /* Blocked, so that the handler cannot remove a name that rename() has
   * just given to the finished file. */
  if ((k = block_signals(&old)) < 0) {
    trace__output_abort(o);
    return k;
  }
  if (rename(o->tmp, o->target) < 0) {
    e = errno;
    unlink(o->tmp);
  }
  armed = 0;
  restore_mask(&old);
  remove_handlers();
  o->temp = 0;
  return -e;
}

void trace__output_abort(struct trace_output *o) {
  sigset_t old;
  int k;

  if (o->f)
    fclose(o->f);
  o->f = NULL;
  if (!o->temp)
    return;
  /* Blocked, so that the handler does not unlink the name a second time,
   * by which time another process may have reused it. */
  k = block_signals(&old);
  unlink(o->tmp);
  armed = 0;
  if (k == 0)
    restore_mask(&old);
  remove_handlers();
  o->temp = 0;
}
