/* sync.c -- Scenario 07 (SYNC): the echo server and its clients with
 * blocking sockets, one connection after another on one thread. Correct by
 * construction: the reply is computed and written before the connection is
 * closed and its memory freed, because nothing else can run in between.
 * Slow: every reply's computation is paid in sequence.
 * Trigger: build/gallery run 07 --sync. See also:
 * bugs/07-use-after-close/async.c, chapters/07-use-after-close.md. */
#include "use_after_close.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_MAX 64

struct conn {
  uint32_t magic; /* UAC_LIVE while live */
  int fd;
  size_t len;
  char buf[MSG_MAX];
};

/* Reads until EOF or the buffer is full; returns the length or -errno. */
static ssize_t read_all(int fd, char *buf, size_t cap) {
  size_t len = 0;
  ssize_t n;

  while (len < cap && (n = read(fd, buf + len, cap - len)) != 0) {
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    len += (size_t)n;
  }
  return (ssize_t)len;
}

/* @snippet sync_serve */
static int serve(int sfd, int work_us) {
  struct conn *c = uac_alloc(sizeof *c);
  struct timespec ts = {work_us / 1000000, (work_us % 1000000) * 1000L};
  ssize_t n;
  int r = 0;

  c->fd = sfd;
  n = read_all(c->fd, c->buf, sizeof c->buf);
  if (n < 0) {
    r = (int)n;
  } else if (uac_live(c, "serve")) {
    c->len = (size_t)n;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
      ;
    for (size_t i = 0; i < c->len; i++)
      c->buf[i] = (char)toupper((unsigned char)c->buf[i]);
    if (write(c->fd, c->buf, c->len) != (ssize_t)c->len)
      r = -errno;
  }
  close(c->fd); /* the reply is written: only now close and free */
  uac_free(c);
  return r;
}
/* @end */

int uac_run(const struct uac_config *cfg) {
  struct sockaddr_in addr = {.sin_family = AF_INET};
  socklen_t alen = sizeof addr;
  int lfd, r = 0;

  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0)
    return -errno;
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
      listen(lfd, 128) < 0 ||
      getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) {
    r = -errno;
    close(lfd);
    return r;
  }
  for (int i = 0; i < cfg->clients && r == 0; i++) {
    char msg[MSG_MAX], want[MSG_MAX], got[2 * MSG_MAX];
    int cfd = socket(AF_INET, SOCK_STREAM, 0), sfd;
    ssize_t n;
    size_t k;

    snprintf(msg, sizeof msg, "hello from client %d", i);
    if (cfd < 0 || connect(cfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
        write(cfd, msg, strlen(msg)) != (ssize_t)strlen(msg) ||
        shutdown(cfd, SHUT_WR) < 0 || (sfd = accept(lfd, NULL, NULL)) < 0) {
      r = -errno;
      if (cfd >= 0)
        close(cfd);
      break;
    }
    r = serve(sfd, cfg->work_us);
    n = read_all(cfd, got, sizeof got - 1);
    got[n > 0 ? n : 0] = '\0';
    for (k = 0; msg[k]; k++)
      want[k] = (char)toupper((unsigned char)msg[k]);
    want[k] = '\0';
    uac_reply(n >= 0 && strcmp(got, want) == 0);
    close(cfd);
  }
  close(lfd);
  return r;
}
