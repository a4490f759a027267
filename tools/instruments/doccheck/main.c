/* main.c -- doccheck keeps the chapters true to the code: code excerpts must
 * equal the labelled source regions they name, and every command in a ```sh
 * block must run and exit as the chapter says. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doccheck.h"

struct tally tally;

/* ---------------------------------------------------------------- main */

static const char usage_main[] =
    "usage: doccheck snippets [--refresh] [--json FILE] [-v] FILE.md...\n"
    "       doccheck commands [--refresh] [--timeout SEC] [--json FILE] [-v]\n"
    "                         FILE.md...\n"
    "\n"
    "Keeps the workbook's chapters true to the code.\n"
    "  snippets  every excerpt ```LANG snippet=PATH:NAME and ```diff diff=A,B\n"
    "            must equal the source region or the diff it names\n"
    "  commands  every command in a ```sh block must exit as the block says,\n"
    "            and every output block must show what its command prints\n"
    "\n"
    "Each run ends with one line 'doccheck: N passed, M failed[, K skipped]'.\n"
    "--json FILE also writes those counts as {\"passed\":N,\"failed\":M,\n"
    "\"skipped\":K} to FILE, for a program to read (run-tests.sh does); a\n"
    "FILE that cannot be written is a usage error.\n"
    "Exit status: 0 every check passed, 1 a check failed, 2 usage error or a\n"
    "chapter that cannot be read or parsed, 3 internal failure.\n"
    "See 'doccheck snippets --help' and 'doccheck commands --help'.\n";

static const char usage_snippets[] =
    "usage: doccheck snippets [--refresh] [--json FILE] [-v] FILE.md...\n"
    "\n"
    "A source file marks a region with a line containing '@snippet NAME' and "
    "a\n"
    "line containing '@end'; the region is the lines in between, without the\n"
    "marker lines of any region nested inside it. In a chapter, a fenced "
    "block\n"
    "whose info string has snippet=PATH:NAME must hold exactly that region, "
    "and\n"
    "one with diff=PATH_A,PATH_B exactly the output of\n"
    "'diff -u --label PATH_A --label PATH_B PATH_A PATH_B'. Paths are "
    "relative\n"
    "to the current directory.\n"
    "\n"
    "  --refresh  rewrite the excerpts from the source instead of checking;\n"
    "             a chapter naming a missing region is left untouched\n"
    "  --json FILE  also write the counts to FILE (see doccheck --help)\n"
    "  -v         also list the excerpts that match\n";

static const char usage_commands[] =
    "usage: doccheck commands [--refresh] [--timeout SEC] [--json FILE] [-v]\n"
    "                         FILE.md...\n"
    "\n"
    "Runs every command of every fenced block whose info string starts with\n"
    "the word 'sh': each non-empty line not starting with '#' is one command\n"
    "(a trailing backslash continues it on the next line). Each runs with\n"
    "/bin/sh -c from the current directory, stdin from /dev/null, stdout and\n"
    "stderr to one file, in its own process group; whatever it leaves running\n"
    "is killed when it ends. It must exit 0, or N when the info string says\n"
    "exit=N. Blocks marked 'norun' are counted as skipped; excerpts\n"
    "(snippet=, diff=) are never run. CRITERION_JOBS=1 is set, so that a\n"
    "Criterion program reports its tests in one order on every run.\n"
    "\n"
    "Output blocks (```text, ```console, ```output, or a fence with no info\n"
    "string) must say what they are:\n"
    "  ```text illustration  not program output (a diagram, a spec, a sample\n"
    "                        the prose explains); counted as skipped\n"
    "  ```text output        what the ```sh block right before it prints, all\n"
    "                        its commands in order; compared line by line\n"
    "A line '<!-- output-of: CMD -->' right above an output block runs CMD\n"
    "instead, for a shown command that cannot run here (norun: slow, natural,\n"
    "another build) checked through one that can; exit=N on the output block\n"
    "is then CMD's expected status. An output block with neither word fails.\n"
    "\n"
    "In an output block, a line '...' stands for any number of lines, and\n"
    "normalize=LIST maps what differs from run to run to placeholders on both\n"
    "sides before comparing:\n"
    "  tmp    /tmp/... and $TMPDIR/... paths       -> <tmp>\n"
    "  addr   hexadecimal 0x... addresses         -> <addr>\n"
    "  pid    ==1234== and pid=1234               -> ==<pid>==, pid=<pid>\n"
    "  time   decimals (12.05, +0.352), \"ts\":N    -> <t>\n"
    "  count  every number, whole or not (with time too) -> <n>\n"
    "  ws     runs of blanks -> one, trailing blanks dropped\n"
    "'shape' is all of them: the same lines in the same order, any numbers.\n"
    "'measured' marks figures recorded from another run (a full benchmark\n"
    "the check runs in its quick form): compared as declared, never\n"
    "rewritten by --refresh.\n"
    "\n"
    "  --refresh      rewrite each output block that differs from what its\n"
    "                 command printed (after a tool's output changed); a\n"
    "                 block with '...' keeps as many leading and trailing\n"
    "                 lines as it had, around one '...'; a command that\n"
    "                 fails leaves its block as it is\n"
    "  --timeout SEC  kill a command (and its children) after SEC seconds\n"
    "                 (default 120)\n"
    "  --json FILE    also write the counts to FILE (see doccheck --help)\n"
    "  -v             show each command as it starts and each check that\n"
    "                 passes (commands are shown anyway when stderr is a\n"
    "                 terminal)\n";

static int usage_error(const char *fmt, const char *arg, const char *sub) {
  fprintf(stderr, "doccheck: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see doccheck %s--help)\n", sub);
  return 2;
}

/* Writes the tally as one JSON object to path: the machine-readable twin
 * of the summary line, so that a runner reads counts, not prose. Returns
 * 0, or -1 (after naming the file and why) when it cannot be written. */
static int write_summary(const char *path) {
  FILE *f = fopen(path, "w");
  if (f)
    fprintf(f, "{\"passed\":%d,\"failed\":%d,\"skipped\":%d}\n", tally.npass,
            tally.nfail, tally.nskip);
  /* | not ||: the file is closed even after a write error. */
  if (!f || ferror(f) | fclose(f)) {
    fprintf(stderr, "doccheck: --json %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_main, stderr);
    return 2;
  }
  const char *sub = argv[1];
  if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
    fputs(usage_main, stdout);
    return 0;
  }
  int snippets = !strcmp(sub, "snippets");
  if (!snippets && strcmp(sub, "commands"))
    return usage_error("unknown command '%s'", sub, "");
  const char *subhelp = snippets ? "snippets " : "commands ";
  int refresh = 0, timeout = 120, nfiles = 0, opts = 1;
  const char *json = NULL;
  char **files = calloc((size_t)argc, sizeof *files);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!opts || a[0] != '-' || !a[1]) {
      files[nfiles++] = argv[i];
    } else if (!strcmp(a, "--")) {
      opts = 0;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(snippets ? usage_snippets : usage_commands, stdout);
      return 0;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      tally.verbose = 1;
    } else if (!strcmp(a, "--refresh")) {
      refresh = 1;
    } else if (!strcmp(a, "--json") || !strncmp(a, "--json=", 7)) {
      json = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
      if (!json || !*json)
        return usage_error("--json wants a file name%s", "", subhelp);
    } else if (!snippets &&
               (!strcmp(a, "--timeout") || !strncmp(a, "--timeout=", 10))) {
      const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
      char *end;
      long t = v ? strtol(v, &end, 10) : 0;
      if (!v || !*v || *end || t < 1 || t > 86400)
        return usage_error("--timeout wants whole seconds from 1 to 86400, "
                           "not '%s'",
                           v ? v : "", subhelp);
      timeout = (int)t;
    } else {
      return usage_error("unknown option '%s'", a, subhelp);
    }
  }
  if (nfiles == 0)
    return usage_error("no chapter given%s", "", subhelp);

  if (snippets) {
    for (int i = 0; i < nfiles; i++)
      snippets_file(files[i], refresh);
  } else {
    run_setup();
    for (int i = 0; i < nfiles; i++)
      commands_file(files[i], timeout, refresh);
  }
  printf("doccheck: %d passed, %d failed", tally.npass, tally.nfail);
  if (tally.nskip)
    printf(", %d skipped", tally.nskip);
  printf("\n");
  free(files);
  if (json && write_summary(json) != 0)
    return 2;
  return tally.bad_input ? 2 : tally.nfail ? 1 : 0;
}
