/* sync.c -- Scenario 11 (SYNC): the records written synchronously from one
 * reused buffer. Correct by construction: pwrite(2) has copied the bytes
 * into the kernel before it returns, so the next record may overwrite the
 * buffer at once. Trigger: build/gallery run 11 --sync. See also:
 * bugs/11-stale-buffer/async.c, chapters/11-stale-buffer.md. */
#include "stale_buffer.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int sb_run(const struct sb_config *cfg) {
  static char record[SB_RECORD_LEN + 1];
  int fd, r = 0;

  fd = open(cfg->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    return -errno;
  /* @snippet sync_write */
  for (int i = 0; i < cfg->records && r == 0; i++) {
    int len = sb_format(record, sizeof record, i);
    if (pwrite(fd, record, (size_t)len, (off_t)i * SB_RECORD_LEN) != len)
      r = errno ? -errno : -EIO;
  }
  /* @end */
  if (close(fd) != 0 && r == 0)
    r = -errno; /* a failed close may have lost records, like a failed write */
  return r;
}
