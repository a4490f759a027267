/* unbounded_fanout.h -- Scenario 12 (unbounded-fanout): the interface
 * every variant implements, the files they share and the invariant the
 * driver and the test check.
 *
 * The workload: `files` small files in a fresh temporary directory, file i
 * holding UF_RECORDS records ("<i> <value>" lines). Every variant opens,
 * reads and closes every file and adds up the records it read. The
 * invariant: every record written is read (count and sum), or else its
 * loss is reported -- an error nobody reported is a silent loss. */
#ifndef UNBOUNDED_FANOUT_H
#define UNBOUNDED_FANOUT_H

#include <stddef.h>

#define UF_RECORDS 4 /* records per file */

struct uf_config {
  const char *log_path; /* correlation log to write, or NULL */
  const char *dir;      /* the directory holding the files */
  int files;            /* how many files (1..100000) */
  int limit;            /* the fix's bound on files open at once */
};

struct uf_totals {
  long records;  /* records read */
  long sum;      /* sum of their values */
  long files_ok; /* files read completely */
  long errors;   /* failed operations the variant reported */
};

/* ---- shared by all variants (files.c) ---- */

/* Creates a temporary directory with n files; writes its path into dir.
 * Returns 0 or a negative errno value. */
int uf_make_files(char *dir, size_t dirlen, int n);
/* Removes the n files and the directory. */
void uf_remove_files(const char *dir, int n);
/* The path of file i. */
void uf_path(char *buf, size_t len, const char *dir, int i);
/* The value of record r of file i, as written (the check sums them). */
long uf_value(int i, int r);
/* Adds the records in buf[0..len) to t (one file's whole content). */
void uf_parse(struct uf_totals *t, const char *buf, size_t len);
/* Sets the soft RLIMIT_NOFILE to n (0: leave it). Returns 0 or -errno. */
int uf_set_nofile(int n);

/* ---- the invariant (check.c) ---- */

/* Checks the invariant. Returns 0 when every record was read, 1 otherwise
 * (msg then starts with "unbounded-fanout invariant violated:" and says
 * how many records were lost and how many errors were reported). */
int uf_check(const struct uf_config *cfg, const struct uf_totals *t, char *msg,
             size_t msglen);

/* ---- per variant (sync.c, async.c) ---- */

/* Reads every file once. Returns 0, or a negative errno / libuv error for
 * a setup failure. */
int uf_run(const struct uf_config *cfg, struct uf_totals *t);

#endif
