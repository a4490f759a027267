/* hunt_internal.h -- what hunt's files share: the state of a hunt and of
 * each run in flight, and the functions one file offers the others
 * (prefix hunt__). Not part of hunt's interface (hunt.h). */
#ifndef HUNT_INTERNAL_H
#define HUNT_INTERNAL_H

#include "hunt.h"
#include "proc.h"
#include "spec.h"

#include <regex.h>
#include <stddef.h>
#include <stdio.h>

#define Z95 1.959963984540054
/* --fail-on sees output one line at a time. A line longer than this is
 * matched in windows of this size that overlap by half, so any match up to
 * HUNT_LINE_MAX / 2 bytes long is still found wherever it sits. */
#define HUNT_LINE_MAX (64 * 1024)
#define READ_CHUNK (64 * 1024)
/* After a run's leader has exited and its group was killed, the pipe should
 * reach EOF at once. If it does not, a process outside the group (one that
 * called setsid) holds it; hunt stops waiting after this long. */
#define EOF_GRACE_S 2.0

/* One output stream of a run (0: stdout, 1: stderr), with the current,
 * incomplete line for --fail-on. */
struct stream {
  int fd;
  char *line;
  size_t line_len;
  int line_split; /* line holds the rest of a longer line */
};

/* One run in flight. Lifecycle: launched (proc running, pipes open) -> the
 * leader has exited (a zombie: its group is sent SIGTERM, and SIGKILL at
 * kill_at) -> reaped, and every pipe has reached EOF -> finished and
 * counted, and the slot is free again. Buffers are allocated once per slot
 * and reused, so memory does not grow with runs. */
struct slot {
  int active;
  int abandoned; /* stopped because hunt is stopping: not counted */
  struct proc p;
  struct stream st[2];
  int hs_fd;    /* the handshake pipe's read end, or -1 */
  char hs[512]; /* what schedulers announced (the first bytes) */
  size_t hs_len;
  char err1[200]; /* the first line the run wrote to stderr */
  size_t err1_len;
  int err1_done;
  int timed_out;
  long run;
  unsigned long long seed;
  double deadline; /* --timeout */
  double kill_at;  /* SIGTERM was sent; SIGKILL then (0: not yet) */
  char *tail;      /* ring of the last HUNT_TAIL_BYTES of output */
  size_t tail_pos;
  unsigned long long total;
  int matched;
};

struct hunt {
  const struct hunt_opts *o;
  char *const *argv;
  struct hunt_result r;
  struct slot *slots;
  regex_t re;
  int have_re;
  char **envp; /* the inherited environment plus the slots below */
  char env_run[40], env_seed[48];
  char *env_sched; /* SCHED=...: a spec has no length limit */
  size_t env_sched_cap;
  char *env_preload;
  char *preload_path;
  long launched;
  int stopping;
  const char *stop_reason;
  int fatal; /* exit code to return instead (2 or 3), 0 if none */
  char first_kind[48];
  char *first_replay;
  char *first_sched;    /* the first failure's SCHED, or NULL: not perturbed */
  char first_err1[200]; /* the first failure's first stderr line */
  char same_kind[48];   /* the failure every run so far had ... */
  char same_err1[200];  /* ... with this first stderr line */
  int differ;           /* a completed run differed from those */
  char setup_line[200]; /* the setup failure's first stderr line */
  long finished;        /* completed runs, counted or not */
  double grace;
  double deadline; /* --max-time, absolute; 0: none */
  double t0;
  int tty;
  double next_progress;
  int progress_len;
  int stray_warned;
  int wake_fd; /* proc_wake_open()'s pipe: signals and exits */
};

/* runner (hunt.c) */
void hunt__stop_all(struct hunt *h, const char *reason);

/* the run's environment and replay (env.c) */
int hunt__perturbed(const struct hunt_opts *o);
int hunt__build_env(struct hunt *h);
unsigned long long hunt__run_seed(const struct hunt *h, long run);
void hunt__set_run_env(struct hunt *h, long run, unsigned long long seed);
char *hunt__replay_command(struct hunt *h, long run, unsigned long long seed);
const char *hunt__replay_kind(const struct hunt *h, int exact, int via);
unsigned long long hunt__default_seed(void);
int hunt__find_preload(struct hunt *h);

/* a run's output (output.c) */
int hunt__pipes_open(const struct slot *s);
void hunt__drain(struct hunt *h, struct slot *s, int which, char *buf);

/* a completed run's verdict (outcome.c) */
const char *hunt__signame(int sig, char *buf, size_t cap);
void hunt__finish(struct hunt *h, struct slot *s);

/* what hunt prints (summary.c) and writes (json.c) */
void hunt__progress(struct hunt *h, double now, int final);
const char *hunt__schedule_text(const struct hunt *h, char *buf, size_t cap);
const char *hunt__via_text(const struct hunt *h);
void hunt__print_summary(struct hunt *h, FILE *f);
void hunt__dir_of(const char *path, char *buf, size_t cap);
int hunt__write_json(struct hunt *h);

#endif /* HUNT_INTERNAL_H */
