/* trace_cli.c -- the trace tool's command line: its options, the choice of
 * view and of where the output goes, and the summary and exit code at the
 * end of a run (trace_main, see trace.h). */
#include "trace_ctx.h"

#include <jansson.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f, const char *prog) {
  fprintf(
      f,
      "usage: %s [options] FILE      (FILE may be - for stdin)\n"
      "Reads a correlation log (JSON Lines from tools/runtime/corrlog) and "
      "shows its\n"
      "timeline, checks it, or exports it.\n"
      "\n"
      "  -f, --format text|svg|chrome  text timeline (default), SVG "
      "swimlanes,\n"
      "                         or Chrome trace JSON for ui.perfetto.dev\n"
      "  -o, --output FILE      write the rendering to FILE, not stdout;\n"
      "                         FILE is replaced only when the run succeeds\n"
      "                         (exit 0 or 1): on bad input, an error or a\n"
      "                         signal it is left as it was\n"
      "      --json FILE        also write what the run found to FILE, as\n"
      "                         one JSON object (replaced as -o is): log,\n"
      "                         events, operations, skipped, dropped;\n"
      "                         violations (with --check) and races (with\n"
      "                         --races), else null; svg {width, height},\n"
      "                         the picture's size in pixels, with --format\n"
      "                         svg, else null\n"
      "      --by op|thread     one lane per operation (default) or thread\n"
      "      --width PX         SVG: drawn for a page PX pixels wide, to be\n"
      "                         read at 100%%: 12 px text, each op's messages\n"
      "                         on its bar, lanes reused once an op is done\n"
      "                         and at most 20 of them (the rest share one)\n"
      "      --check            check the rules below; exit 1 on a violation\n"
      "      --expect-order A B ops must reach B in the order they reached A;\n"
      "                         A and B are EV[:KIND], e.g. begin:req end:req\n"
      "                         (EV is begin|step|end|error; without KIND, or\n"
      "                         when the log has no kinds, every op counts).\n"
      "                         An op reaches A at its first event matching\n"
      "                         A, and B at its next later event matching B\n"
      "                         (never the same event). Reaching A and never\n"
      "                         B is a violation, unless B is end (--check\n"
      "                         reports that) or the event that reached A\n"
      "                         matches B too: then B is a repeat (A A means\n"
      "                         an op's first and second A); an op that never\n"
      "                         repeats is no error, one that repeats ahead\n"
      "                         of an op that matched A before it still is\n"
      "      --races            report events of different ops that touch the\n"
      "                         same attrs.res with no happens-before between\n"
      "                         them (two attrs.access \"read\" never race);\n"
      "                         exit 1 when there is one\n"
      "      --lenient          skip malformed lines, count and report them\n"
      "                         (a line over 1 MiB is always an error: its\n"
      "                         end may never come, as on /dev/zero)\n"
      "      --color auto|always|never   (auto: only on a terminal, and\n"
      "                         never when NO_COLOR is set)\n"
      "  -h, --help             this text\n"
      "\n"
      "Order: an op's events are read in file order, except that when they\n"
      "carry seq, an event that arrives ahead of its op's next seq waits for\n"
      "the ones before it (per-thread buffers write one thread's batch after\n"
      "another's); within one thread a seq that goes down is a violation.\n"
      "Rules of --check (each names the op and the lines involved):\n"
      "  stage order in that order: begin < step, error < end, so an end\n"
      "  line above its begin line is a violation; begun twice; ended twice;\n"
      "  an event after the end; begun but never ended; events but no begin;\n"
      "  a child begun before its parent; seq must go up by one within an op\n"
      "  (gaps and reversals); lc must grow along an op's seq. A rule that\n"
      "  needs a field the log lacks (seq, lc) is skipped, with a note.\n"
      "Output: violations go to stdout when no --format is given, otherwise\n"
      "to stderr. Happens-before for --races: events of one op are ordered by\n"
      "their position in the op; a child's begin comes after its parent's\n"
      "event just before it in the file.\n"
      "Exit: 0 ok, 1 violation or race found, 2 usage or bad input,\n"
      "3 internal failure.\n"
      "Environment: NO_COLOR; TRACE_PARSER=jansson parses every line with\n"
      "jansson instead of the fast parser for corrlog's flat lines (same\n"
      "results, slower: for comparing the two).\n",
      prog);
}

/* What the command line asks for beyond the context's own fields. */
struct cli {
  const char *format, *output, *color, *json;
  int help;
};

/* The argument an option needs, or NULL after saying it is missing. */
static const char *needs_arg(const char *prog, int argc, char **argv, int *i) {
  if (*i + 1 >= argc) {
    fprintf(stderr, "%s: %s needs an argument (try --help)\n", prog, argv[*i]);
    return NULL;
  }
  return argv[++*i];
}

/* --width PX: 0, or -1 after saying what is wrong. */
static int take_width(struct trace_ctx *c, const char *v) {
  char *end;
  long px = strtol(v, &end, 10);

  if (*end || end == v || px < 320 || px > 4000) {
    fprintf(stderr,
            "%s: --width wants a number of pixels from 320 to "
            "4000, got '%s'\n",
            c->prog, v);
    return -1;
  }
  c->fit_width = (int)px;
  return 0;
}

/* --expect-order A B, at argv[*i]: 0, or -1 after saying what is wrong. */
static int take_expect(struct trace_ctx *c, int argc, char **argv, int *i) {
  if (*i + 2 >= argc) {
    fprintf(stderr,
            "%s: --expect-order needs two specs, e.g. begin:req end:req\n",
            c->prog);
    return -1;
  }
  if (trace__expect_parse(argv[*i + 1], &c->exp[0]) < 0 ||
      trace__expect_parse(argv[*i + 2], &c->exp[1]) < 0) {
    fprintf(stderr,
            "%s: --expect-order: '%s %s': each spec is EV[:KIND] "
            "with EV begin, step, end or error\n",
            c->prog, argv[*i + 1], argv[*i + 2]);
    return -1;
  }
  c->have_expect = 1;
  c->check = 1;
  *i += 2;
  return 0;
}

/* One option with its argument, at argv[*i]. Returns 0, or -1 after
 * saying what is wrong. */
static int take_option(struct trace_ctx *c, struct cli *o, int argc,
                       char **argv, int *i) {
  const char *a = argv[*i], *v;

  if (strcmp(a, "-f") == 0 || strcmp(a, "--format") == 0)
    return (o->format = needs_arg(c->prog, argc, argv, i)) ? 0 : -1;
  if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
    return (o->output = needs_arg(c->prog, argc, argv, i)) ? 0 : -1;
  if (strcmp(a, "--json") == 0)
    return (o->json = needs_arg(c->prog, argc, argv, i)) ? 0 : -1;
  if (strcmp(a, "--color") == 0)
    return (o->color = needs_arg(c->prog, argc, argv, i)) ? 0 : -1;
  if (strcmp(a, "--width") == 0)
    return (v = needs_arg(c->prog, argc, argv, i)) ? take_width(c, v) : -1;
  if (strcmp(a, "--by") == 0) {
    if (!(v = needs_arg(c->prog, argc, argv, i)))
      return -1;
    if (strcmp(v, "thread") == 0)
      c->by_thread = 1;
    else if (strcmp(v, "op") != 0) {
      fprintf(stderr, "%s: --by takes op or thread, not '%s'\n", c->prog, v);
      return -1;
    }
    return 0;
  }
  if (strcmp(a, "--expect-order") == 0)
    return take_expect(c, argc, argv, i);
  fprintf(stderr, "%s: unknown option '%s' (try --help)\n", c->prog, a);
  return -1;
}

/* Reads the command line into c and o. Returns 0, or -1 after saying
 * what is wrong. Stops at --help. */
static int parse_args(struct trace_ctx *c, struct cli *o, int argc,
                      char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];

    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      o->help = 1;
      return 0;
    } else if (strcmp(a, "--check") == 0) {
      c->check = 1;
    } else if (strcmp(a, "--races") == 0) {
      c->races = 1;
    } else if (strcmp(a, "--lenient") == 0) {
      c->lenient = 1;
    } else if (strcmp(a, "-") != 0 && a[0] == '-') {
      if (take_option(c, o, argc, argv, &i) < 0)
        return -1;
    } else if (c->path) {
      fprintf(stderr, "%s: one log at a time ('%s' and '%s')\n", c->prog,
              c->path, a);
      return -1;
    } else {
      c->path = a;
    }
  }
  if (!c->path) {
    fprintf(stderr, "%s: no log file given (try --help)\n", c->prog);
    return -1;
  }
  return 0;
}

static int no_render_event(struct trace_ctx *c, const struct trace_event *e,
                           struct trace_op *op, long line, const char *notes) {
  (void)c, (void)e, (void)op, (void)line, (void)notes;
  return 0;
}
static const struct trace_renderer no_render = {NULL, no_render_event, NULL,
                                                NULL};

/* The view, where violations go, colour and the parser, from the command
 * line and the environment. Returns 0, or -1 after saying what is wrong. */
static int configure(struct trace_ctx *c, const struct cli *o) {
  const char *parser = getenv("TRACE_PARSER"), *nc = getenv("NO_COLOR");

  if (!o->format)
    c->r = (c->check || c->races) ? &no_render : &trace__text;
  else if (strcmp(o->format, "text") == 0)
    c->r = &trace__text;
  else if (strcmp(o->format, "svg") == 0)
    c->r = &trace__svg;
  else if (strcmp(o->format, "chrome") == 0)
    c->r = &trace__chrome;
  else {
    fprintf(stderr, "%s: unknown format '%s' (text, svg or chrome)\n", c->prog,
            o->format);
    return -1;
  }
  c->vout = o->format ? stderr : stdout;
  if (strcmp(o->color, "always") == 0)
    c->color = 1;
  else if (strcmp(o->color, "never") == 0)
    c->color = 0;
  else if (strcmp(o->color, "auto") == 0)
    c->color = !o->output && isatty(STDOUT_FILENO) && !(nc && *nc);
  else {
    fprintf(stderr, "%s: --color takes auto, always or never\n", c->prog);
    return -1;
  }
  c->jansson_only = parser && strcmp(parser, "jansson") == 0;
  return 0;
}

/* What the run found, after the rendering; returns the exit code of a run
 * that went through: 0, or 1 on a violation or race asked about. */
static int summarize(struct trace_ctx *c) {
  if (c->skipped)
    fprintf(stderr, "%s: %s: skipped %ld malformed line%s (--lenient)\n",
            c->prog, c->path, c->skipped, c->skipped == 1 ? "" : "s");
  if (c->dropped)
    fprintf(stderr,
            "%s: %s: the logger dropped %ld events: gaps are expected\n",
            c->prog, c->path, c->dropped);
  if (c->check) {
    if (c->no_seq)
      fprintf(c->vout, "note: %ld events have no seq: seq checks skip them\n",
              c->no_seq);
    if (c->no_lc)
      fprintf(c->vout, "note: %ld events have no lc: clock checks skip them\n",
              c->no_lc);
    fprintf(c->vout, "%s: %ld events, %lu operations: %ld violation%s\n",
            c->path, c->events, (unsigned long)c->ops.n, c->violations,
            c->violations == 1 ? "" : "s");
  }
  if (c->races)
    fprintf(c->vout, "%s: %ld race%s on named resources\n", c->path,
            c->race_count, c->race_count == 1 ? "" : "s");
  return (c->check && c->violations) || (c->races && c->race_count);
}

/* Runs the tool on a configured context, the rendering going to -o FILE
 * when output is set. Returns the exit code. */
static int run_to(struct trace_ctx *c, const char *output) {
  struct trace_output out;
  int rc, k;

  /* Opened before the log is read, so that a log that never ends (a pipe
   * from a live program) is rendered as it comes; nothing reaches the
   * target unless the whole run succeeds (see trace_output.c). */
  c->out = stdout;
  if (output) {
    k = trace__output_open(&out, output);
    if (k < 0) {
      fprintf(stderr, "%s: %s: %s\n", c->prog, output, strerror(-k));
      return 2;
    }
    c->out = out.f;
  }
  rc = trace__run(c);
  if (rc == 0)
    rc = summarize(c);
  if (output && rc >= 2) {
    trace__output_abort(&out);
  } else if (output && (k = trace__output_commit(&out)) < 0) {
    fprintf(stderr, "%s: %s: write error: %s\n", c->prog, output, strerror(-k));
    rc = 3;
  }
  if (fflush(stdout) != 0) {
    fprintf(stderr, "%s: write error: %s\n", c->prog, strerror(errno));
    rc = 3;
  }
  return rc;
}

/* --json FILE: what a run that went through found (see usage), into out,
 * opened (as -o's target is) before the log was read. Commits it when the
 * run went through (rc 0 or 1), else leaves FILE as it was. Returns rc, or
 * 3 after saying why FILE could not be written. */
static int write_json(struct trace_ctx *c, struct trace_output *out,
                      const char *path, int rc) {
  json_t *j;
  int k, bad;

  if (rc >= 2) {
    trace__output_abort(out);
    return rc;
  }
  j = json_pack("{s:s,s:I,s:I,s:I,s:I}", "log", c->path, "events",
                (json_int_t)c->events, "operations", (json_int_t)c->ops.n,
                "skipped", (json_int_t)c->skipped, "dropped",
                (json_int_t)c->dropped);
  if (j == NULL) {
    trace__output_abort(out);
    return fprintf(stderr, "%s: --json: out of memory\n", c->prog), 3;
  }
  json_object_set_new(j, "violations",
                      c->check ? json_integer(c->violations) : json_null());
  json_object_set_new(j, "races",
                      c->races ? json_integer(c->race_count) : json_null());
  json_object_set_new(j, "svg",
                      c->pic_w > 0 ? json_pack("{s:i,s:i}", "width", c->pic_w,
                                               "height", c->pic_h)
                                   : json_null());
  bad =
      json_dumpf(j, out->f, JSON_INDENT(2)) != 0 || fputc('\n', out->f) == EOF;
  json_decref(j);
  if (bad) {
    trace__output_abort(out);
    k = -EIO;
  } else {
    k = trace__output_commit(out);
  }
  if (k < 0) {
    fprintf(stderr, "%s: %s: write error: %s\n", c->prog, path, strerror(-k));
    return 3;
  }
  return rc;
}

/* Opens --json's target before anything is read, as -o's: a path that
 * cannot be written is a usage error (exit 2), found before any work.
 * Returns 0, or 2 after saying why. */
static int open_json(struct trace_ctx *c, struct trace_output *out,
                     const char *path) {
  int k = trace__output_open(out, path);
  if (k < 0) {
    fprintf(stderr, "%s: %s: %s\n", c->prog, path, strerror(-k));
    return 2;
  }
  return 0;
}

int trace_main(int argc, char **argv) {
  struct trace_ctx c;
  struct cli o = {NULL, NULL, "auto", NULL, 0};
  struct trace_output jout;
  int rc;

  trace__ctx_init(&c, argc > 0 && argv[0] ? argv[0] : "trace");
  if (parse_args(&c, &o, argc, argv) < 0)
    rc = 2;
  else if (o.help) {
    usage(stdout, c.prog);
    rc = 0;
  } else if (configure(&c, &o) < 0) {
    rc = 2;
  } else if (o.json && open_json(&c, &jout, o.json) != 0) {
    rc = 2;
  } else {
    rc = run_to(&c, o.output);
    if (o.json)
      rc = write_json(&c, &jout, o.json, rc);
  }
  trace__ctx_free(&c);
  return rc;
}
