/* hunt_flood.c -- a child for tests/hunt.sh that prints MB megabytes and a
 * needle ("NEEDLE-7f3a") at the start, the middle, the end, inside one long
 * line without newlines, or nowhere, to test that hunt drains big outputs
 * and that --fail-on sees a match anywhere. Exits 0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char needle[] = "NEEDLE-7f3a";

static void put(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0) {
      perror("write");
      exit(3);
    }
    p += w;
    n -= (size_t)w;
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: hunt_flood MB start|mid|end|longline|none\n");
    return 2;
  }
  size_t total = (size_t)atol(argv[1]) * 1024 * 1024;
  const char *where = argv[2];
  int longline = strcmp(where, "longline") == 0;
  static char block[64 * 1024];
  /* Lines of 64 bytes, or no newline at all for "longline". */
  for (size_t i = 0; i < sizeof block; i++)
    block[i] = (!longline && i % 64 == 63) ? '\n' : 'x';
  if (strcmp(where, "start") == 0)
    put("NEEDLE-7f3a\n", sizeof needle);
  for (size_t done = 0; done < total; done += sizeof block) {
    if (done == total / 2 && (strcmp(where, "mid") == 0 || longline)) {
      /* Split the needle across two writes, in the middle of a line. */
      put(block, 1000);
      put(needle, 5);
      put(needle + 5, sizeof needle - 1 - 5);
      put(block, 1000);
    }
    put(block, sizeof block);
  }
  if (strcmp(where, "end") == 0)
    put("tail NEEDLE-7f3a", sizeof needle + 4); /* no final newline */
  return 0;
}
