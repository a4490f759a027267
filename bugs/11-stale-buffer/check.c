/* check.c -- Scenario 11's record format and invariant: slot i of the file
 * holds record i, so every record submitted is the one written, each exactly
 * once. Shared by the driver and the Criterion test, for all three variants. */
#include "stale_buffer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int sb_format(char *buf, size_t len, int i) {
  char payload[42];
  int n;

  /* The payload depends on i in every byte, so half of one record followed
   * by half of another does not parse as either. */
  for (int k = 0; k < (int)sizeof payload - 1; k++)
    payload[k] = (char)('a' + (i * 7 + k * 3) % 26);
  payload[sizeof payload - 1] = '\0';
  n = snprintf(buf, len, "record %06d: %s %06d\n", i, payload, i);
  if (n != SB_RECORD_LEN || (size_t)n >= len)
    abort(); /* a caller's buffer too small: a programming error */
  return n;
}

/* Which record a slot holds: its id when the slot is exactly a well-formed
 * record, -1 when it is garbled (torn, empty, or not a record at all). */
static int parse_slot(const char *slot) {
  char want[SB_RECORD_LEN + 1];
  int id;

  if (sscanf(slot, "record %6d:", &id) != 1 || id < 0 || id >= SB_MAX_RECORDS)
    return -1;
  sb_format(want, sizeof want, id);
  return memcmp(slot, want, SB_RECORD_LEN) == 0 ? id : -1;
}

int sb_check(const char *out_path, int records, char *msg, size_t msglen) {
  char slot[SB_RECORD_LEN + 1]; /* NUL-terminated for sscanf */
  int *seen, rc = 0, first_bad = -1, first_id = 0, garbled = 0, missing = 0;
  int most = 0, most_id = -1;
  long size;
  struct stat st;
  const char *why = NULL;
  FILE *f = fopen(out_path, "rb");

  /* A file that cannot be read says nothing about what the writes did: that
   * is a setup failure (-1, exit 3), and its message must not name the
   * invariant, or a test runner would count it as the bug observed. */
  if (f == NULL || fstat(fileno(f), &st) != 0)
    why = strerror(errno);
  else if (!S_ISREG(st.st_mode))
    why = "not a regular file";
  if (why != NULL) {
    snprintf(msg, msglen, "stale-buffer check: cannot read %s: %s", out_path,
             why);
    if (f != NULL)
      fclose(f);
    return -1;
  }
  seen = calloc((size_t)records, sizeof *seen);
  if (seen == NULL)
    abort();
  size = (long)st.st_size;
  if (size != (long)records * SB_RECORD_LEN) {
    snprintf(msg, msglen,
             "stale-buffer invariant violated: %s holds %ld "
             "bytes, want %d records of %d bytes",
             out_path, size, records, SB_RECORD_LEN);
    fclose(f);
    free(seen);
    return 1;
  }
  for (int i = 0; i < records; i++) {
    int id = -1;
    if (fread(slot, 1, SB_RECORD_LEN, f) == SB_RECORD_LEN) {
      slot[SB_RECORD_LEN] = '\0';
      id = parse_slot(slot);
    }
    if (id < 0 || id >= records)
      garbled++;
    else if (++seen[id] > most)
      most = seen[id], most_id = id;
    if (id != i && first_bad < 0)
      first_bad = i, first_id = id;
  }
  if (ferror(f)) { /* a read error is not a garbled slot */
    snprintf(msg, msglen, "stale-buffer check: cannot read %s: %s", out_path,
             strerror(errno));
    fclose(f);
    free(seen);
    return -1;
  }
  fclose(f);
  for (int i = 0; i < records; i++)
    missing += seen[i] == 0;
  free(seen);
  if (first_bad >= 0) {
    if (first_id < 0)
      snprintf(msg, msglen,
               "stale-buffer invariant violated: slot %d of %s "
               "is garbled (%d of %d slots garbled, %d records missing): a "
               "write read its buffer while the loop was overwriting it",
               first_bad, out_path, garbled, records, missing);
    else
      snprintf(msg, msglen,
               "stale-buffer invariant violated: slot %d of %s "
               "holds record %d, not record %d (record %d written %d times, "
               "%d of %d records missing, %d garbled): the write read its "
               "buffer after the loop had reused it",
               first_bad, out_path, first_id, first_bad, most_id, most, missing,
               records, garbled);
    rc = 1;
  }
  return rc;
}
