/* main.c -- Scenario 03 (lost-stack) driver: runs one variant's workload in
 * a child process, shows the crash report it wrote to stderr, and checks
 * that the report names the caller that passed the bad argument. Linked
 * with sync.c, the bug's async.c or the fix's async.c into
 * build/bin/03-lost-stack-{sync,bug,fix}.
 * Exit: 0 invariant held, 1 violated, 2 usage, 3 setup failure. */
#include "gallery.h"
#include "lost_stack.h"
#include "scenario.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int caller_arg(const char *s, enum ls_caller *out) {
  static const struct {
    const char *name;
    enum ls_caller c;
  } names[] = {{"none", LS_NONE},
               {"avatar", LS_AVATAR},
               {"banner", LS_BANNER},
               {"gallery", LS_GALLERY}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(s, names[i].name) == 0) {
      *out = names[i].c;
      return 0;
    }
  return -1;
}

int main(int argc, char **argv) {
  struct ls_config cfg = {NULL, LS_BANNER, 1000, NULL};
  const char *schedule = NULL, *bad = "banner";
  static const char *const callers[] = {"avatar", "banner", "gallery", "none",
                                        NULL};
  static char report[65536];
  char msg[512];
  int st, r;

  const struct gallery_opt opts[] = {
      GALLERY_OPT_CHOICE("bad", &bad, callers, "CALLER",
                         "who passes the bad width: avatar, banner (default), "
                         "gallery, or none (no crash, nothing to report)"),
      GALLERY_OPT_OUTFILE(
          "log", &cfg.log_path, "FILE",
          "write the correlation log (JSON Lines) to FILE; only the fix logs"),
      GALLERY_OPT_INT(
          "work-us", &cfg.work_us, 0, 1000000,
          "simulated resize time in microseconds (default {default})"),
      GALLERY_OPT_HOLD_SCHEDULE(&schedule,
                                "; the outcome does not depend on it"),
      GALLERY_OPT_END};
  const struct gallery_cli cli = {
      "Runs scenario " SCENARIO_NAME " once: three callers submit resizes and "
      "one passes a negative width. The run aborts with a crash report, which "
      "is shown on stderr and must name the caller (function, file:line).",
      opts, GALLERY_EXIT_STATUS};

  if ((r = gallery_parse(&cli, argc, argv)) >= 0)
    return r;
  caller_arg(bad, &cfg.bad); /* one of callers: the parser checked */
  /* The child process configures the schedule (see ls_capture). */
  cfg.schedule = schedule ? schedule : getenv("SCHED");

  if (ls_capture(&cfg, report, sizeof report, &st) != 0) {
    fprintf(stderr, "lost-stack: cannot start the child: %s\n",
            strerror(errno));
    return 3;
  }
  fputs(report, stderr);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 2) {
    r = 2; /* a bad schedule: the child said what is wrong with it */
  } else if (cfg.bad == LS_NONE && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
    gallery_say("lost-stack: the run failed with no bad argument (status %d)",
                st);
    r = 3;
  } else if (cfg.bad != LS_NONE &&
             !(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT)) {
    gallery_say("lost-stack: the bad argument did not abort the run (status "
                "%d)",
                st);
    r = 3;
  } else if ((r = ls_check(report, cfg.bad, msg, sizeof msg)) != 0) {
    gallery_say("%s", msg);
  } else if (cfg.bad == LS_NONE) {
    gallery_say("lost-stack: no bad argument, no crash, nothing to report");
  } else {
    gallery_say("lost-stack: the report names %s, the caller that passed the "
                "bad argument: invariant held",
                ls_caller_name(cfg.bad));
  }
  return r;
}
