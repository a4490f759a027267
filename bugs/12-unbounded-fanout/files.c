/* files.c -- Scenario 12 (unbounded-fanout): what the sync twin, the bug
 * and the fix share: the files, their records, the fd limit and the
 * invariant check. */
#include "gallery.h"
#include "unbounded_fanout.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

/* The value of record r of file i; the check recomputes the total. */
long uf_value(int i, int r) {
  return (long)i * 10 + r + 1;
}

void uf_path(char *buf, size_t len, const char *dir, int i) {
  snprintf(buf, len, "%s/f%06d", dir, i);
}

/* The files a signal must remove: the directory and how many exist. */
static char made_dir[4096];
static volatile sig_atomic_t made_n;

/* uf_path's names built by hand: a signal handler may not call snprintf. */
static void remove_on_signal(void) {
  char path[sizeof made_dir + 16];
  size_t d = strlen(made_dir);

  memcpy(path, made_dir, d);
  memcpy(path + d, "/f", 2);
  for (int i = 0; i < made_n; i++) {
    int digits = 6;
    for (int v = i / 1000000; v > 0; v /= 10)
      digits++;
    for (int k = digits - 1, v = i; k >= 0; k--, v /= 10)
      path[d + 2 + k] = (char)('0' + v % 10);
    path[d + 2 + digits] = '\0';
    unlink(path);
  }
  rmdir(made_dir);
}

int uf_make_files(char *dir, size_t dirlen, int n) {
  char path[4096], line[64];
  const char *tmp = getenv("TMPDIR");

  snprintf(dir, dirlen, "%s/fanout-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  gallery_tmp_hold(1);
  if (mkdtemp(dir) == NULL) {
    int e = errno;
    gallery_tmp_hold(0);
    return -e;
  }
  snprintf(made_dir, sizeof made_dir, "%s", dir);
  made_n = 0;
  gallery_tmp_on_signal(remove_on_signal);
  gallery_tmp_hold(0);
  for (int i = 0; i < n; i++) {
    int fd, len = 0;
    uf_path(path, sizeof path, dir, i);
    made_n = i + 1; /* before it exists: a signal may come in between */
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
      int e = errno;
      uf_remove_files(dir, i);
      return -e;
    }
    for (int r = 0; r < UF_RECORDS; r++)
      len += snprintf(line + len, sizeof line - (size_t)len, "%d %ld\n", i,
                      uf_value(i, r));
    if (write(fd, line, (size_t)len) != len) {
      int e = errno ? errno : EIO;
      close(fd);
      uf_remove_files(dir, i + 1);
      return -e;
    }
    close(fd);
  }
  return 0;
}

void uf_remove_files(const char *dir, int n) {
  char path[4096];

  for (int i = 0; i < n; i++) {
    uf_path(path, sizeof path, dir, i);
    unlink(path);
  }
  rmdir(dir);
  gallery_tmp_on_signal(NULL);
}

void uf_parse(struct uf_totals *t, const char *buf, size_t len) {
  size_t i = 0;

  while (i < len) {
    long id = 0, v = 0;
    while (i < len && buf[i] != ' ')
      id = id * 10 + (buf[i++] - '0');
    i++;
    while (i < len && buf[i] != '\n')
      v = v * 10 + (buf[i++] - '0');
    i++;
    (void)id;
    t->records++;
    t->sum += v;
  }
}

int uf_set_nofile(int n) {
  struct rlimit rl;

  if (n <= 0)
    return 0;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return -errno;
  rl.rlim_cur = (rlim_t)n;
  return setrlimit(RLIMIT_NOFILE, &rl) == 0 ? 0 : -errno;
}
