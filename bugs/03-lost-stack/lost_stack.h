/* lost_stack.h -- Scenario 03 (lost-stack): the resize API every variant
 * implements, the three callers that use it, and the invariant.
 *
 * The workload: three callers (avatar_thumbnail, banner_thumbnail,
 * gallery_thumbnail in app.c) each submit a resize of an image. One of
 * them -- chosen with --bad -- passes a negative width. The resizer
 * rejects it and the program aborts with a report on stderr. The invariant
 * is about that report, not about the program's output: it must name the
 * caller that passed the bad argument (function, file and line), so that
 * whoever reads the crash knows where to look. */
#ifndef LOST_STACK_H
#define LOST_STACK_H

#include <stddef.h>

enum ls_caller { LS_NONE, LS_AVATAR, LS_BANNER, LS_GALLERY };

struct ls_config {
  const char *log_path; /* correlation log (the fix writes one), or NULL */
  enum ls_caller bad;   /* which caller passes the negative width */
  int work_us;          /* simulated resize time, microseconds */
  const char *schedule; /* scheduler spec the child runs under, or NULL */
};

/* ---- the invariant (check.c) ---- */

/* Checks the invariant on a captured report: some line names the culprit
 * function together with a FILE.c:LINE location. Returns 0 when it holds,
 * 1 when violated; on 1, msg starts with "lost-stack invariant violated:". */
int ls_check(const char *report, enum ls_caller culprit, char *msg,
             size_t msglen);

/* ---- implemented by each variant (sync.c, async.c) ---- */

struct ls_resizer;

/* Creates a resizer. Returns NULL after printing why, on setup failure. */
struct ls_resizer *ls_open(const struct ls_config *cfg);

/* Resizes image to width x height; a non-positive size is a caller's bug
 * and aborts the program with a report. The macro passes the call site,
 * the way assert() does, so an implementation can say who called. */
void ls_resize_at(struct ls_resizer *r, const char *image, int width,
                  int height, const char *file, int line, const char *func);
#define ls_resize(r, image, width, height)                                     \
  ls_resize_at((r), (image), (width), (height), __FILE__, __LINE__, __func__)

/* Waits until every submitted resize is done, frees the resizer and
 * returns how many resizes completed. */
int ls_finish(struct ls_resizer *r);

/* ---- shared (app.c, report.c) ---- */

/* The callers. Global and never inlined, so that a backtrace of a
 * synchronous call can name them (the gallery links with -rdynamic). */
void avatar_thumbnail(struct ls_resizer *r, const struct ls_config *cfg);
void banner_thumbnail(struct ls_resizer *r, const struct ls_config *cfg);
void gallery_thumbnail(struct ls_resizer *r, const struct ls_config *cfg);

/* The resizing itself, a stand-in for an image library: -EINVAL for a
 * non-positive size, else 0 after work_us microseconds of simulated work.
 * Safe to call from any thread. */
int ls_resize_pixels(int width, int height, int work_us);

/* The function name of a caller, e.g. "banner_thumbnail"; NULL for none. */
const char *ls_caller_name(enum ls_caller c);

/* Runs the workload: the three callers, then ls_finish. Returns the number
 * of resizes completed, or -1 on setup failure. */
int ls_run(const struct ls_config *cfg);

/* Prints "lost-stack: FATAL: what" and the current backtrace to stderr,
 * then aborts. What a careful program does when a callback meets an error
 * it cannot hand back to anyone. */
void ls_fatal(const char *what) __attribute__((noreturn));

/* Runs ls_run in a child process whose stderr is captured into report
 * (NUL-terminated, cut at len-1). *wstatus gets the child's wait status.
 * Returns 0, or -1 when the child could not be started. */
int ls_capture(const struct ls_config *cfg, char *report, size_t len,
               int *wstatus);

#endif
