/* options.c -- hunt's command line: one typed option table read with
 * getopt_long ("+": options end at "--", so the command keeps its own),
 * the defaults, and the usage text. */
#include "hunt.h"
#include "spec.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void hunt_opts_default(struct hunt_opts *o) {
  memset(o, 0, sizeof *o);
  o->until_fail = 1;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  o->jobs = n > 0 ? (int)n : 1;
  o->pct_depth = 3;
  o->progname = "hunt";
}

void hunt_usage(FILE *f) {
  fputs(
      "usage: hunt [options] -- CMD [ARGS...]\n"
      "Runs CMD again and again until it fails, and reports how often it "
      "fails.\n"
      "\n"
      "A run fails when it exits non-zero, dies by a signal, hangs past\n"
      "--timeout, or prints a line matching --fail-on.\n"
      "\n"
      "options:\n"
      "  --runs N         stop after N runs (default: no limit)\n"
      "  --until-fail     stop at the first failure (the default)\n"
      "  --count-all      keep going after failures, to measure the rate\n"
      "  --jobs J         runs in parallel (default: the number of cores)\n"
      "  --timeout SEC    per run; a run still going is killed with its\n"
      "                   process group and counted as a hang\n"
      "  --fail-on REGEX  a line of output matching this POSIX extended\n"
      "                   regex is a failure (the whole output is scanned)\n"
      "  --perturb MODE   none | random | pct[:DEPTH] | pos (default none;\n"
      "                   DEPTH 1..16): sets SCHED for the run, e.g.\n"
      "                   SCHED=pct:S:3; pos (partial-order sampling) is\n"
      "                   the preload shim's (--preload)\n"
      "  --schedule SPEC  the same schedule every run (grammar: see\n"
      "                   tools/runtime/sched/spec.h, e.g. order:t1,t2 or "
      "fifo)\n"
      "  --seed S         base seed, 0..2^63-1; run i gets seed S+i (default:\n"
      "                   from the time and pid, printed in the summary)\n"
      "  --preload        run under libsched-preload.so (LD_PRELOAD), found\n"
      "                   next to the hunt program, for unmodified pthread\n"
      "                   programs; needs --perturb or --schedule\n"
      "  --setup-codes L  exit codes (comma-separated, 1..255) that mean the\n"
      "                   command could not run as asked, not that the bug\n"
      "                   showed: such a run stops the hunt with exit 3 and\n"
      "                   its first stderr line. The workbook's programs use\n"
      "                   2 (usage) and 3 (setup); gallery passes 2,3. "
      "Default:\n"
      "                   none, since for a foreign command any non-zero exit\n"
      "                   may be the bug\n"
      "  --max-time SEC   stop after SEC seconds: runs in flight are stopped\n"
      "                   and not counted; the summary covers the rest\n"
      "  --grace SEC      a stopped run gets SIGTERM, then SIGKILL after SEC\n"
      "                   seconds (default 1), so it can remove its files\n"
      "  --keep DIR       save each failing run's output (last 64 KiB) to\n"
      "                   DIR/run-N.log, headed by its seed and a replay\n"
      "                   command\n"
      "  --json FILE      also write the summary as JSON to FILE\n"
      "  --bug-rate P     the bug's known failure rate (0<P<1), for the\n"
      "                   \"clean runs needed to claim a fix\" advice\n"
      "  --quiet          no progress line\n"
      "  --help           this text\n"
      "or: hunt --merge [--force] [--json OUT] A.json B.json ...: one rate\n"
      "and interval from many hunts' --json summaries (hunt --merge --help)\n"
      "\n"
      "Each run sees HUNT_RUN (its index), HUNT_SEED (its seed), SCHED and\n"
      "SCHED_HANDSHAKE_FD. A scheduler that takes SCHED announces itself\n"
      "there; with --perturb or --schedule, a command in which none does is\n"
      "refused (exit 2) rather than reported as unperturbed runs. The\n"
      "replay line says whether it is exact (the workbook's scheduler\n"
      "decides every choice) or reproduces the failure only sometimes.\n"
      "exit status: 0 runs completed and no failure seen, 1 a failure was\n"
      "seen, 2 usage error, 3 setup failure (--setup-codes), no completed\n"
      "run, or internal failure\n",
      f);
}

__attribute__((format(printf, 2, 3))) static int
opt_error(const struct hunt_opts *o, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", o->progname ? o->progname : "hunt");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return -1;
}

static int parse_long(const char *s, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

static int parse_double(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end != '\0' || !isfinite(v))
    return -1;
  *out = v;
  return 0;
}

static int parse_perturb(const char *s, struct hunt_opts *o) {
  if (strcmp(s, "none") == 0) {
    o->perturb = HUNT_PERTURB_NONE;
  } else if (strcmp(s, "random") == 0) {
    o->perturb = HUNT_PERTURB_RANDOM;
  } else if (strcmp(s, "pct") == 0) {
    o->perturb = HUNT_PERTURB_PCT;
  } else if (strcmp(s, "pos") == 0) {
    o->perturb = HUNT_PERTURB_POS;
  } else if (strncmp(s, "pct:", 4) == 0) {
    /* The depth's limits are the spec grammar's: pct:0:DEPTH must parse. */
    char text[64], err[160];
    struct spec sp;
    long d;
    if (parse_long(s + 4, &d) < 0 || d < 1 || d > SPEC_DEPTH_MAX)
      return -1;
    snprintf(text, sizeof text, "pct:0:%ld", d);
    if (spec_parse(text, &sp, err, sizeof err) != 0)
      return -1;
    o->perturb = HUNT_PERTURB_PCT;
    o->pct_depth = (int)sp.depth;
  } else {
    return -1;
  }
  return 0;
}

/* The options, one row each; codes above 255 are long-only. */
enum {
  O_RUNS = 256,
  O_JOBS,
  O_TIMEOUT,
  O_FAIL_ON,
  O_PERTURB,
  O_SEED,
  O_KEEP,
  O_JSON,
  O_BUG_RATE,
  O_SCHEDULE,
  O_MAX_TIME,
  O_GRACE,
  O_SETUP_CODES,
  O_UNTIL_FAIL,
  O_COUNT_ALL,
  O_PRELOAD,
  O_QUIET
};
static const struct option long_opts[] = {
    {"runs", required_argument, NULL, O_RUNS},
    {"jobs", required_argument, NULL, O_JOBS},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"fail-on", required_argument, NULL, O_FAIL_ON},
    {"perturb", required_argument, NULL, O_PERTURB},
    {"seed", required_argument, NULL, O_SEED},
    {"keep", required_argument, NULL, O_KEEP},
    {"json", required_argument, NULL, O_JSON},
    {"bug-rate", required_argument, NULL, O_BUG_RATE},
    {"schedule", required_argument, NULL, O_SCHEDULE},
    {"max-time", required_argument, NULL, O_MAX_TIME},
    {"grace", required_argument, NULL, O_GRACE},
    {"setup-codes", required_argument, NULL, O_SETUP_CODES},
    {"until-fail", no_argument, NULL, O_UNTIL_FAIL},
    {"count-all", no_argument, NULL, O_COUNT_ALL},
    {"preload", no_argument, NULL, O_PRELOAD},
    {"quiet", no_argument, NULL, O_QUIET},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* A positive number of seconds no larger than max, into *out. */
static int seconds(const char *val, double max, double *out) {
  return parse_double(val, out) < 0 || *out <= 0 || *out > max ? -1 : 0;
}

/* The options whose value is a number. */
static int set_number(struct hunt_opts *o, int code, const char *val) {
  long l;
  double d;
  char *end;
  switch (code) {
  case O_RUNS:
    if (parse_long(val, &l) < 0 || l < 1)
      return opt_error(o, "--runs: '%s' is not a positive integer", val);
    o->runs = l;
    return 0;
  case O_JOBS:
    if (parse_long(val, &l) < 0 || l < 1 || l > 1024)
      return opt_error(o, "--jobs: '%s' is not an integer from 1 to 1024", val);
    o->jobs = (int)l;
    return 0;
  case O_TIMEOUT:
    if (seconds(val, 1e6, &o->timeout_s) < 0)
      return opt_error(o,
                       "--timeout: '%s' is not a positive number of "
                       "seconds",
                       val);
    return 0;
  case O_MAX_TIME:
    if (seconds(val, 1e7, &o->max_time_s) < 0)
      return opt_error(o,
                       "--max-time: '%s' is not a positive number of "
                       "seconds",
                       val);
    return 0;
  case O_GRACE:
    if (seconds(val, 600, &o->grace_s) < 0)
      return opt_error(o,
                       "--grace: '%s' is not a number of seconds in "
                       "(0, 600]",
                       val);
    return 0;
  case O_BUG_RATE:
    if (parse_double(val, &d) < 0 || !(d > 0 && d < 1))
      return opt_error(o,
                       "--bug-rate: '%s' is not a rate between 0 and 1 "
                       "(exclusive)",
                       val);
    o->bug_rate = d;
    return 0;
  }
  /* O_SEED */
  errno = 0;
  unsigned long long s = strtoull(val, &end, 10);
  if (errno || end == val || *end != '\0' || val[0] == '-' || s > SPEC_SEED_MAX)
    return opt_error(o, "--seed: '%s' is not an integer 0..%llu", val,
                     SPEC_SEED_MAX);
  o->seed = s;
  o->seed_set = 1;
  return 0;
}

/* --setup-codes L: a comma-separated list of exit codes 1..255. */
static int set_setup_codes(struct hunt_opts *o, const char *val) {
  const char *p = val;
  memset(o->setup_code, 0, sizeof o->setup_code);
  for (;;) {
    char *end;
    errno = 0;
    long c = strtol(p, &end, 10);
    if (errno || end == p || c < 1 || c > 255 || (*end != ',' && *end != '\0'))
      return opt_error(o,
                       "--setup-codes: '%s' is not a list of exit "
                       "codes 1..255, e.g. 2,3",
                       val);
    o->setup_code[c] = 1;
    if (*end == '\0')
      return 0;
    p = end + 1;
  }
}

/* The options whose value is text: a regex, a schedule, a list, a path. */
static int set_text(struct hunt_opts *o, int code, const char *val) {
  struct spec sp;
  char err[256];
  regex_t re;
  int rc;
  switch (code) {
  case O_FAIL_ON:
    rc = regcomp(&re, val, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
    if (rc != 0) {
      regerror(rc, &re, err, sizeof err);
      return opt_error(o, "--fail-on: bad regex '%s': %s", val, err);
    }
    regfree(&re);
    o->fail_on = val;
    return 0;
  case O_PERTURB:
    if (parse_perturb(val, o) < 0)
      return opt_error(o,
                       "--perturb: '%s' is not none, random, pct, "
                       "pct:DEPTH (DEPTH 1..%d) or pos",
                       val, SPEC_DEPTH_MAX);
    return 0;
  case O_SCHEDULE:
    if (spec_parse(val, &sp, err, sizeof err) != 0)
      return opt_error(o, "--schedule: %s", err);
    if (sp.kind == SPEC_NONE)
      return opt_error(o,
                       "--schedule: '%s' schedules nothing (leave "
                       "--schedule out for natural runs)",
                       val);
    o->schedule = val;
    return 0;
  case O_SETUP_CODES:
    return set_setup_codes(o, val);
  case O_KEEP:
    if (val[0] == '\0')
      return opt_error(o, "--keep: empty directory name");
    o->keep_dir = val;
    return 0;
  }
  /* O_JSON */
  if (val[0] == '\0')
    return opt_error(o, "--json: empty file name");
  o->json_path = val;
  return 0;
}

/* Sets the option getopt_long returned as code with value val. */
static int set_option(struct hunt_opts *o, int code, const char *val) {
  switch (code) {
  case O_UNTIL_FAIL:
    o->until_fail = 1;
    return 0;
  case O_COUNT_ALL:
    o->until_fail = 0;
    return 0;
  case O_PRELOAD:
    o->preload = 1;
    return 0;
  case O_QUIET:
    o->quiet = 1;
    return 0;
  case O_FAIL_ON:
  case O_PERTURB:
  case O_SCHEDULE:
  case O_SETUP_CODES:
  case O_KEEP:
  case O_JSON:
    return set_text(o, code, val);
  }
  return set_number(o, code, val);
}

/* The row whose name is exactly word's (--NAME or --NAME=VALUE), or NULL:
 * getopt_long also takes unambiguous prefixes, which hunt does not. */
static const struct option *exact_row(const char *word) {
  size_t n = strcspn(word, "=");
  if (strncmp(word, "--", 2) != 0)
    return NULL;
  for (const struct option *r = long_opts; r->name; r++)
    if (strlen(r->name) == n - 2 && strncmp(word + 2, r->name, n - 2) == 0)
      return r;
  return NULL;
}

/* Why the option word was refused (getopt_long said '?' or ':'). */
static int refuse(const struct hunt_opts *o, const char *word, int missing) {
  const struct option *r = exact_row(word);
  size_t n = strcspn(word, "=");
  if (r && missing)
    return opt_error(o, "%.*s needs a value", (int)n, word);
  if (r && r->has_arg == no_argument && word[n] == '=')
    return opt_error(o, "%.*s takes no value (got '%s')", (int)n, word,
                     word + n + 1);
  return opt_error(o, "unknown option '%s' (see --help)", word);
}

/* After the options: the command, and the checks that need all of them. */
static int command_at(int argc, char **argv, struct hunt_opts *o) {
  int sep = optind > 1 && strcmp(argv[optind - 1], "--") == 0;
  if (!sep && optind < argc)
    return opt_error(o,
                     "'%s': missing '--' before the command (usage: hunt "
                     "[options] -- CMD [ARGS...])",
                     argv[optind]);
  if (!sep)
    return opt_error(o, "missing '--' and a command (usage: hunt [options] "
                        "-- CMD [ARGS...])");
  if (optind >= argc || argv[optind][0] == '\0')
    return opt_error(o, "no command after '--'");
  if (o->preload && o->perturb == HUNT_PERTURB_NONE && !o->schedule)
    return opt_error(o, "--preload perturbs nothing without --perturb "
                        "random|pct|pos or --schedule SPEC");
  if (o->schedule && o->perturb != HUNT_PERTURB_NONE)
    return opt_error(o, "--schedule and --perturb exclude each other "
                        "(one schedule per run)");
  return optind;
}

int hunt_parse_args(int argc, char **argv, struct hunt_opts *o) {
  int c;
  opterr = 0; /* hunt's own messages, one line each */
  optind = 0; /* glibc: start afresh, also on a second call */
  for (;;) {
    int at = optind > 0 ? optind : 1;
    const char *word = at < argc ? argv[at] : "";
    /* Single-dash words other than -h are not hunt's: most likely the
     * command's options with the '--' forgotten. */
    if (word[0] == '-' && word[1] != '-' && word[1] != '\0' &&
        strcmp(word, "-h") != 0)
      return opt_error(o,
                       "'%s': missing '--' before the command (usage: "
                       "hunt [options] -- CMD [ARGS...])",
                       word);
    c = getopt_long(argc, argv, "+:h", long_opts, NULL);
    if (c == -1)
      return command_at(argc, argv, o);
    if (c == '?' || c == ':')
      return refuse(o, word, c == ':');
    if (word[1] == '-' && exact_row(word) == NULL)
      return refuse(o, word, 0);
    if (c == 'h') {
      hunt_usage(stdout);
      return 0;
    }
    if (optarg && optarg == argv[at + 1] && strcmp(optarg, "--") == 0)
      return opt_error(o, "%s needs a value", word);
    if (set_option(o, c, optarg) < 0)
      return -1;
  }
}
