/* tmp.c -- the gallery's temporary files. Everything the gallery writes
 * for itself goes into one private directory under $TMPDIR (default
 * /tmp), made on first use. Its files are listed here so that a signal
 * handler can remove them: unlink and rmdir are async-signal-safe,
 * walking a directory is not. */
#include "gallery_ext.h"
#include "proc.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp_dir[PATH_MAX];
static char tmp_files[16][PATH_MAX];
static volatile sig_atomic_t tmp_nfiles;

void gallery_remove_tmp(void) {
  for (int i = 0; i < tmp_nfiles; i++)
    unlink(tmp_files[i]);
  if (tmp_dir[0])
    rmdir(tmp_dir);
}

/* The private directory, made on first use. Returns 0, or 3. */
static int make_dir(void) {
  const char *t = getenv("TMPDIR");
  char dir[PATH_MAX];

  if (tmp_dir[0])
    return 0;
  snprintf(dir, sizeof dir, "%s/gallery-XXXXXX", t && *t ? t : "/tmp");
  if (mkdtemp(dir) == NULL) {
    fprintf(stderr, "gallery: cannot make a directory in %s: %s\n",
            t && *t ? t : "/tmp", strerror(errno));
    return 3;
  }
  memcpy(tmp_dir, dir, sizeof dir);
  return 0;
}

int gallery_tmp_path(char *buf, size_t len, const char *name) {
  if (make_dir() != 0)
    return 3;
  snprintf(buf, len, "%s/%s", tmp_dir, name);
  for (int i = 0; i < tmp_nfiles; i++)
    if (strcmp(tmp_files[i], buf) == 0)
      return 0;
  if (tmp_nfiles >= (int)(sizeof tmp_files / sizeof tmp_files[0])) {
    fprintf(stderr, "gallery: too many temporary files\n");
    return 3;
  }
  snprintf(tmp_files[tmp_nfiles], sizeof tmp_files[0], "%s", buf);
  tmp_nfiles++; /* after the name is complete: the handler may read it */
  return 0;
}

/* SIGINT, SIGTERM, SIGHUP and SIGPIPE (a reader that went away, as in
 * `gallery tour | head -1`) while no child runs: remove the temporary
 * files and die of the signal, so the caller sees what happened. While a
 * child runs, proc_run() has the signals: it stops the child, returns, and
 * gallery_run() re-raises the signal here. */
static void (*volatile on_signal_first)(void);

void gallery_tmp_hook(void (*fn)(void)) {
  on_signal_first = fn;
}

static void on_signal(int sig) {
  if (on_signal_first)
    on_signal_first();
  gallery_remove_tmp();
  proc_die_of(sig);
}

void gallery_catch_signals(void) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

  /* A second signal waits until the files are gone. */
  proc_catch(sigs, sizeof sigs / sizeof sigs[0], on_signal);
  atexit(gallery_remove_tmp);
}
