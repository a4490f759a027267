/* hunt_hang.c -- a child for tests/hunt.sh that hangs: "self" blocks
 * forever; "grandchild" forks a child that blocks forever (holding stdout)
 * and exits 0 at once; "both" forks such a child and blocks too. The
 * processes keep the caller's argv, so a marker argument finds them. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void block_forever(void) {
  for (;;)
    pause();
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: hunt_hang self|grandchild|both [MARKER]\n");
    return 2;
  }
  const char *mode = argv[1];
  if (strcmp(mode, "self") == 0) {
    printf("hanging\n");
    fflush(stdout);
    block_forever();
  }
  if (strcmp(mode, "grandchild") == 0 || strcmp(mode, "both") == 0) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 3;
    }
    if (pid == 0) {
      printf("grandchild %d hanging\n", (int)getpid());
      fflush(stdout);
      block_forever();
    }
    if (strcmp(mode, "both") == 0)
      block_forever();
    return 0;
  }
  fprintf(stderr, "hunt_hang: unknown mode '%s'\n", mode);
  return 2;
}
