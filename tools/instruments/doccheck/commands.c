/* commands.c -- command blocks: every command of a ```sh block must exit as
 * the block says, and every output block must show what the command it is
 * tied to prints. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doccheck.h"

/* Is this fenced block one that shows what a program printed? ```text,
 * ```console, ```output and a fence with no info string are; they must
 * declare whether they are program output ('output') or not
 * ('illustration'). */
static int is_output_block(const char *info) {
  size_t n = strcspn(info, " \t");
  return n == 0 || (n == 4 && !strncmp(info, "text", 4)) ||
         (n == 7 && !strncmp(info, "console", 7)) ||
         (n == 6 && !strncmp(info, "output", 6));
}

/* The command of a "<!-- output-of: CMD -->" line right above an output
 * block, which checks the block in place of the ```sh block before it (for
 * a shown command that cannot run here, or a natural run made
 * deterministic); copied into cmd, or 0 when there is no such line. */
static int output_of(const struct lines *L, const struct block *b,
                     struct str *cmd) {
  static const char tag[] = "<!-- output-of:";
  if (b->open == 0)
    return 0;
  const char *l = L->v[b->open - 1];
  l += strspn(l, " ");
  if (strncmp(l, tag, sizeof tag - 1))
    return 0;
  l += sizeof tag - 1;
  l += strspn(l, " ");
  const char *end = strstr(l, "-->");
  if (!end || end[3 + strspn(end + 3, " \t")])
    return -1;
  while (end > l && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if (end == l)
    return -1;
  str_add(cmd, l, (size_t)(end - l));
  return 1;
}

/* Is this block a ```sh block whose commands are run? An excerpt of a shell
 * script (snippet=, diff=) is there to be read, not run. */
static int is_command_block(const char *info) {
  return !strncmp(info, "sh", 2) &&
         (!info[2] || isspace((unsigned char)info[2])) &&
         !strstr(info, "snippet=") && !strstr(info, "diff=");
}

/* Reads exit=N from an info string into *expect (0 when absent); returns
 * -1 (reported) when N is not 0..255. */
static int parse_exit(const char *file, size_t line, const char *info,
                      int *expect) {
  char val[32];
  *expect = 0;
  if (!info_value(info, "exit", val, sizeof val))
    return 0;
  char *end;
  long v = strtol(val, &end, 10);
  if (!*val || *end || v < 0 || v > 255) {
    fprintf(stderr, "%s:%zu: bad exit=%s (want 0..255)\n", file, line, val);
    return -1;
  }
  *expect = (int)v;
  return 0;
}

/* Runs every command of one ```sh block in order; their output, joined,
 * goes to capture. Returns 1 when every command exited as the block says,
 * 0 when one did not, and -1 when the block is norun (nothing ran). */
static int run_block(const char *file, const struct block *b, int timeout,
                     struct str *capture) {
  int expect, norun = info_word(b->f->info, "norun"), ok = 1;
  if (parse_exit(file, b->open + 1, b->f->info, &expect) != 0) {
    tally.bad_input = 1;
    tally.nfail++;
    return 0;
  }
  size_t line = b->open + 1;
  for (const char *p = b->f->text; *p;) {
    /* One command: a line, plus the lines a trailing backslash joins. */
    size_t first = ++line, n;
    struct str cmd = {0};
    for (;;) {
      n = strcspn(p, "\n");
      str_add(&cmd, p, n);
      int more = n > 0 && p[n - 1] == '\\' && p[n];
      p += n + (p[n] != 0);
      if (!more)
        break;
      str_add(&cmd, "\n", 1);
      line++;
    }
    const char *c = str_get(&cmd) + strspn(str_get(&cmd), " \t");
    if (*c && *c != '#') {
      if (norun) {
        tally.nskip++;
        if (tally.verbose)
          printf("%s:%zu: skipped (norun): %s\n", file, first, c);
      } else if (!run_command(file, first, c, expect, timeout, capture)) {
        ok = 0;
      }
    }
    free(cmd.s);
  }
  return norun ? -1 : ok;
}

/* One chapter's command check: the output of the last ```sh block and
 * what became of it (1 every command exited as expected, 0 one did not,
 * -1 norun), and the refreshed blocks. */
struct run_state {
  const struct chapter *ch;
  int timeout, refresh;
  struct rewrite rw;
  struct str shout;
  int shstate;
};

/* Is output block b to be checked? An illustration is not (counted as
 * skipped), nor a block that says neither or both (reported). */
static int is_checked(const char *file, const struct block *b) {
  size_t line = b->open + 1;
  int tied = info_word(b->f->info, "output"),
      illus = info_word(b->f->info, "illustration");
  if (tied == illus) {
    fprintf(stderr,
            tied ? "%s:%zu: an output block is either 'output' or "
                   "'illustration', not both\n"
                 : "%s:%zu: output block tied to no command: mark it "
                   "'output' (the output of the ```sh block before it) or "
                   "'illustration' (not program output)\n",
            file, line);
    tally.nfail++;
    return 0;
  }
  if (illus) {
    tally.nskip++;
    if (tally.verbose)
      printf("%s:%zu: skipped (illustration)\n", file, line);
    return 0;
  }
  return 1;
}

/* Checks output block k against the command it is tied to: the one of an
 * output-of line above it, or the ```sh block right before it. */
static void output_block(struct run_state *st, size_t k) {
  const struct chapter *ch = st->ch;
  const struct block *b = &ch->blocks[k];
  const char *file = ch->file;
  size_t line = b->open + 1;
  int flags, expect;
  if (!is_checked(file, b))
    return;
  if (parse_norms(file, line, b->f->info, &flags) != 0 ||
      parse_exit(file, line, b->f->info, &expect) != 0) {
    tally.bad_input = 1;
    tally.nfail++;
    return;
  }
  struct str cmd = {0};
  int sub = output_of(&ch->L, b, &cmd);
  if (sub < 0) {
    fprintf(stderr,
            "%s:%zu: bad output-of line (want <!-- output-of: CMD --> on "
            "one line)\n",
            file, line - 1);
    tally.bad_input = 1;
    tally.nfail++;
  } else if (sub) {
    /* The block stands for a command not run as shown; this one, which
     * can run here, is checked against it instead. */
    struct str got = {0};
    /* A failed run is reported; its output proves nothing. */
    if (run_command(file, line - 1, str_get(&cmd), expect, st->timeout, &got))
      compare_output(ch, b, flags, line - 1, str_get(&got), st->refresh,
                     &st->rw);
    free(got.s);
  } else if (k == 0 || !is_command_block(ch->blocks[k - 1].f->info)) {
    fprintf(stderr,
            "%s:%zu: an 'output' block must come right after the ```sh "
            "block it shows (or have <!-- output-of: CMD --> above it)\n",
            file, line);
    tally.nfail++;
  } else if (st->shstate < 0) {
    fprintf(stderr,
            "%s:%zu: the output of a norun block cannot be checked: put "
            "<!-- output-of: CMD --> above it, with a command that can run "
            "here, or mark it 'illustration' and say why\n",
            file, line);
    tally.nfail++;
  } else if (st->shstate > 0) {
    compare_output(ch, b, flags, ch->blocks[k - 1].open + 1,
                   str_get(&st->shout), st->refresh, &st->rw);
  }
  free(cmd.s);
}

void commands_file(const char *file, int timeout, int refresh) {
  struct chapter ch;
  if (chapter_read(&ch, file) != 0)
    return;
  struct run_state st = {.ch = &ch, .timeout = timeout, .refresh = refresh};
  for (size_t k = 0; k < ch.nb; k++) {
    const struct block *b = &ch.blocks[k];
    if (is_command_block(b->f->info)) {
      str_clear(&st.shout);
      st.shstate = run_block(file, b, timeout, &st.shout);
    } else if (is_output_block(b->f->info)) {
      output_block(&st, k);
    }
  }
  finish_rewrite(&ch, &st.rw, 0);
  free(st.rw.out.s);
  free(st.shout.s);
  chapter_free(&ch);
}
