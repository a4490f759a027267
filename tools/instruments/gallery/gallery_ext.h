/* gallery_ext.h -- the gallery commands and helpers that live outside
 * main.c: the scheduler's log for variants that write none (schedlog.c),
 * `gallery play` (play.c) and `gallery try` (try.c). */
#ifndef GALLERY_EXT_H
#define GALLERY_EXT_H

/* Before a run whose log goes to a file: the scheduler's recorder writes
 * sched_path (a file of the gallery's private directory) too. */
void gallery_schedlog_begin(const char *sched_path);
/* After it: when log_path holds no event of the program's own and the
 * recorder's file does, log_path becomes the recorder's log (labelled
 * "recorder":"sched"), with a note on stderr naming it as shown unless
 * quiet. Returns 1 when replaced, 0 when the program's own log stays, -1
 * when log_path could not be written (with a message). Removes
 * sched_path either way. */
int gallery_schedlog_end(const char *log_path, const char *sched_path,
                         const char *shown, int quiet);

/* The directory the gallery was started in (it works from the repository
 * root): user paths are relative to it. "" when unknown. */
const char *gallery_start_dir(void);

/* The commands: argc/argv start at the command's name. */
int gallery_cmd_play(int argc, char **argv);
int gallery_cmd_try(int argc, char **argv);

#endif
