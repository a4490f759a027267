/* opts.c -- the gallery's command lines: getopt_long over a table per
 * command, with one set of conventions for all of them (the scenario
 * first, variant flags, values, usage errors that name the option and
 * exit 2). */
#include "gallery_ext.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "gallery: CMD: MESSAGE" and, when see is set, the help to read. */
static int vsay(const char *cmd, int see, const char *fmt, va_list ap) {
  fputs("gallery: ", stderr);
  if (cmd)
    fprintf(stderr, "%s: ", cmd);
  vfprintf(stderr, fmt, ap);
  if (see)
    fprintf(stderr, " (see build/gallery %s%s--help)", cmd ? cmd : "",
            cmd ? " " : "");
  fputc('\n', stderr);
  return 2;
}

int gallery_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsay(cmd, 1, fmt, ap);
  va_end(ap);
  return 2;
}

/* A bad value whose message says all there is to say. */
static int say(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int say(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsay(cmd, 0, fmt, ap);
  va_end(ap);
  return 2;
}

void gallery_opts_begin(struct gallery_opts *o, const char *cmd,
                        const char *help, const struct option *table, int flags,
                        int argc, char **argv) {
  memset(o, 0, sizeof *o);
  o->cmd = cmd;
  o->help = help;
  o->table = table;
  o->flags = flags;
  o->argc = argc;
  o->argv = argv;
  o->variant = 1;
  o->rest = argc;
  optind = 0; /* a fresh scan: glibc re-reads the "+" and starts at 1 */
  opterr = 0; /* the messages are ours, naming the command */
}

/* getopt_long takes any unambiguous prefix of a name: the gallery wants
 * the name in full, so that scripts and chapters keep working when an
 * option is added. word is "--name" or "--name=value". */
static int typed_in_full(const char *word, const char *name) {
  size_t n = strcspn(word, "=");
  return n == strlen(name) + 2 && strncmp(word + 2, name, n - 2) == 0;
}

/* A variant flag: a second, different one is a usage error (never "the
 * last one wins"). */
static int take_variant(struct gallery_opts *o, int v) {
  if (o->variant_word && strcmp(o->variant_word, o->word) != 0)
    return gallery_usage(o->cmd, "%s and %s: choose one variant",
                         o->variant_word, o->word);
  o->variant_word = o->word;
  o->variant = v;
  return 0;
}

/* A word that is not an option: the scenario, when it is still due;
 * then, if the command takes words, the word. */
static int take_word(struct gallery_opts *o) {
  o->word = o->argv[optind++];
  if ((o->flags & GOPT_SCENARIO) && !o->s) {
    if ((o->s = gallery_find(o->word)) != NULL)
      return GOPT_END; /* read: go on */
    fprintf(stderr,
            "gallery: unknown scenario '%s' (build/gallery list shows "
            "them)\n",
            o->word);
    return GOPT_BAD;
  }
  if (o->flags & GOPT_WORDS)
    return GOPT_WORD;
  gallery_usage(o->cmd, "unknown option '%s'", o->word);
  return GOPT_BAD;
}

/* The end of the options ("--" or the last word). */
static int take_end(struct gallery_opts *o) {
  o->rest = optind;
  if ((o->flags & GOPT_SCENARIO) && !o->s) {
    fprintf(stderr, "gallery: %s needs a scenario (e.g. 01 or log-order)\n",
            o->cmd);
    return GOPT_BAD;
  }
  return GOPT_END;
}

int gallery_opt_next(struct gallery_opts *o) {
  for (;;) {
    int at = optind ? optind : 1, idx = -1, c, rc;

    /* "+": stop at the first word that is not an option, so that the
     * words after "--" stay the program's; ":" reports a missing value
     * apart from an unknown option. */
    c = getopt_long(o->argc, o->argv, "+:", o->table, &idx);
    o->word = at < o->argc ? o->argv[at] : "";
    o->arg = optarg;
    if (c == -1) {
      if (optind > at || optind >= o->argc) /* past "--", or the end */
        return take_end(o);
      if ((rc = take_word(o)) != GOPT_END)
        return rc;
      continue;
    }
    if (c == ':')
      return gallery_usage(o->cmd, "%s needs a value", o->word), GOPT_BAD;
    if (c == '?' && optopt && strchr(o->word, '='))
      return gallery_usage(o->cmd, "%.*s takes no value",
                           (int)strcspn(o->word, "="), o->word),
             GOPT_BAD;
    if (c == '?' || (idx >= 0 && !typed_in_full(o->word, o->table[idx].name)))
      return gallery_usage(o->cmd, "unknown option '%s'", o->word), GOPT_BAD;
    if (c == GOPT_HELP_VAL)
      return fputs(o->help, stdout), GOPT_HELP;
    if (c >= GOPT_VARIANT && c < GOPT_VARIANT + 3) {
      if (take_variant(o, c - GOPT_VARIANT) != 0)
        return GOPT_BAD;
      continue;
    }
    return c;
  }
}

int gallery_count_arg(const char *cmd, const char *opt, const char *v, long lo,
                      long hi, int *out) {
  char *end;
  long n;

  errno = 0;
  n = v ? strtol(v, &end, 10) : 0;
  if (v == NULL || errno || end == v || *end || n < lo || n > hi)
    return gallery_usage(cmd,
                         "%s wants a whole number from %ld to %ld, got "
                         "'%s'",
                         opt, lo, hi, v ? v : "");
  *out = (int)n;
  return 0;
}

const char *gallery_user_path(const char *path, char *buf, size_t len) {
  const char *sd = gallery_start_dir();
  if (path[0] == '/' || !sd[0])
    return path;
  snprintf(buf, len, "%s/%s", sd, path);
  return buf;
}

/* The directory a new file at path would go in. */
static void parent_dir(const char *path, char *dir, size_t len) {
  char *slash;
  snprintf(dir, len, "%s", path);
  slash = strrchr(dir, '/');
  if (slash == dir)
    dir[1] = '\0';
  else if (slash)
    *slash = '\0';
  else
    snprintf(dir, len, ".");
}

int gallery_check_output(const char *cmd, const char *opt, const char *shown,
                         const char *path) {
  char dir[PATH_MAX];
  struct stat st;

  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return say(cmd, "%s %s: is a directory (it wants a file name)", opt,
                 shown);
    if (access(path, W_OK) != 0)
      return say(cmd, "%s %s: cannot write it (%s)", opt, shown,
                 strerror(errno));
    return 0;
  }
  if (errno != ENOENT)
    return say(cmd, "%s %s: %s (cannot write it)", opt, shown, strerror(errno));
  parent_dir(path, dir, sizeof dir);
  if (stat(dir, &st) != 0)
    return say(cmd, "%s %s: no directory %s to write it in (%s)", opt, shown,
               dir, strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return say(cmd, "%s %s: %s is not a directory (cannot write there)", opt,
               shown, dir);
  if (access(dir, W_OK | X_OK) != 0)
    return say(cmd, "%s %s: cannot create files in %s (%s)", opt, shown, dir,
               strerror(errno));
  return 0;
}
