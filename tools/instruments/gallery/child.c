/* child.c -- the gallery's children: every program it runs goes through
 * the one process runner (tools/runtime/proc), and its status is said in
 * the gallery's words and exit codes. */
#include "gallery_ext.h"
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

void gallery_path_of(char *buf, size_t len, const char *dir,
                     const struct scenario *s, const char *variant) {
  snprintf(buf, len, "build/%s/%02d-%s-%s", dir, s->id, s->slug, variant);
}

int gallery_need_file(const char *path) {
  if (access(path, X_OK) == 0)
    return 0;
  fprintf(stderr, "gallery: %s is missing: run make first\n", path);
  return 3;
}

char **gallery_env(const char *const *drop, char *const *add) {
  size_t n = 0, k = 0;
  char **v;

  for (char **e = environ; *e; e++)
    n++;
  for (char *const *a = add; a && *a; a++)
    n++;
  if ((v = calloc(n + 1, sizeof *v)) == NULL)
    return NULL;
  for (char **e = environ; *e; e++) {
    int keep = 1;
    for (const char *const *d = drop; keep && d && *d; d++)
      keep = strncmp(*e, *d, strlen(*d)) != 0;
    if (keep)
      v[k++] = *e;
  }
  for (char *const *a = add; a && *a; a++)
    v[k++] = *a;
  v[k] = NULL;
  return v;
}

/* The caller's environment with SCHED and GALLERY_VERDICT replaced (or
 * removed). */
static char **env_of(const struct child *c) {
  static const char *const drop[] = {"SCHED=", "GALLERY_VERDICT=", NULL};
  static char sched[512], verdict[4200];
  char *add[3] = {NULL, NULL, NULL};
  int n = 0;

  if (c->sched) {
    snprintf(sched, sizeof sched, "SCHED=%s", c->sched);
    add[n++] = sched;
  }
  if (c->verdict) {
    snprintf(verdict, sizeof verdict, "GALLERY_VERDICT=%s", c->verdict);
    add[n++] = verdict;
  }
  return gallery_env(drop, add);
}

/* The gallery was interrupted while the child ran (proc_run stopped it):
 * die of the same signal, files removed. */
static void die_of(int sig) {
  gallery_remove_tmp();
  fflush(stdout);
  signal(sig, SIG_DFL);
  raise(sig);
  _exit(128 + sig); /* not reached */
}

/* Its own process group, stdin from /dev/null unless kept, stopped with
 * SIGTERM, a grace and SIGKILL at the time limit. */
int gallery_run(char *const argv[], struct child *c) {
  struct proc_opts o;
  struct proc_run r;
  char **envp = NULL;
  int rc;

  /* Our own output first, and while our SIGPIPE handler is in place: a
   * reader that went away ends the gallery here, not in a child. */
  fflush(stdout);
  memset(&o, 0, sizeof o);
  memset(&r, 0, sizeof r);
  if (!c->keep_env && (envp = env_of(c)) == NULL) {
    fprintf(stderr, "gallery: out of memory\n");
    return RC_NORUN;
  }
  o.envp = envp;
  o.in = c->keep_stdin ? PROC_INHERIT : PROC_NULL;
  o.out = o.err = c->quiet == 1 ? PROC_NULL : PROC_INHERIT;
  r.timeout_s = c->timeout_s;
  r.grace_s = c->grace_s;
  r.capture = c->quiet == 2;
  rc = proc_run(argv, &o, &r);
  free(envp);
  c->elapsed_s = r.elapsed_s;
  c->out = r.out;
  if (r.interrupted) {
    free(r.out);
    c->out = NULL;
    die_of(r.interrupted);
  }
  if (rc < 0) {
    fprintf(stderr, "gallery: cannot run %s: %s\n", argv[0],
            strerror(r.spawn_errno ? r.spawn_errno : errno));
    return RC_NORUN;
  }
  if (r.timed_out)
    return RC_HANG;
  return proc_shell_status(r.status);
}

const char *gallery_outcome(int rc) {
  static char buf[64];
  switch (rc) {
  case 0:
    return "ok, invariant held";
  case 1:
    return "BUG OBSERVED";
  case 2:
    return "usage error";
  case 3:
    return "setup failure";
  case RC_NORUN:
    return "could not run";
  case RC_HANG:
    return "HANG (stopped at the time limit)";
  default:
    if (rc > 128) {
      snprintf(buf, sizeof buf, "killed by %s",
               sigabbrev_np(rc - 128) ? sigabbrev_np(rc - 128) : "a signal");
      return buf;
    }
    snprintf(buf, sizeof buf, "exit %d", rc);
    return buf;
  }
}

int gallery_exit(int rc) {
  if (rc == 0 || rc == 1 || rc == 2 || rc == 3)
    return rc;
  return rc == RC_HANG || (rc > 128 && rc < RC_HANG) ? 1 : 3;
}
