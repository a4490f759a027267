/* stale_buffer.h -- Scenario 11 (stale-buffer): the interface every variant
 * implements, the record format they share and the invariant the driver and
 * the test check.
 *
 * The workload: `records` fixed-width records, record i formatted into a
 * buffer and written at offset i * SB_RECORD_LEN of the output file. The
 * invariant: slot i of the file holds record i, so the file holds records
 * 0..N-1, each exactly once, none garbled. */
#ifndef STALE_BUFFER_H
#define STALE_BUFFER_H

#include <stddef.h>

/* Every record is exactly this many bytes, newline included. */
#define SB_RECORD_LEN 64
#define SB_MAX_RECORDS 100000

struct sb_config {
  const char *out_path; /* the record file to write (created, truncated) */
  const char *log_path; /* correlation log (the fix writes one), or NULL */
  int records;          /* how many records to write */
};

/* Formats record i into buf (at least SB_RECORD_LEN + 1 bytes, for the
 * terminating NUL snprintf writes) and returns SB_RECORD_LEN. The payload
 * is derived from i, so a record torn between two writes is detectable. */
int sb_format(char *buf, size_t len, int i);

/* Runs the workload once, writing the record file. Returns 0, or a negative
 * errno/libuv error for a setup failure (the file could not be opened...). */
int sb_run(const struct sb_config *cfg);

/* Reads the record file back and checks the invariant. Returns 0 when it
 * holds, 1 when it is violated (msg starts with "stale-buffer invariant
 * violated:"), -1 when the file cannot be read (msg starts with
 * "stale-buffer check:" and names the file: a setup failure, not the
 * bug). */
int sb_check(const char *out_path, int records, char *msg, size_t msglen);

#endif
