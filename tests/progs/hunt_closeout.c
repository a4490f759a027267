/* hunt_closeout.c -- a child for tests/hunt.sh that closes stdout and
 * stderr early, goes on working, then exits with the status given. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int code = argc > 1 ? atoi(argv[1]) : 0;
  printf("closing my output\n");
  fflush(stdout);
  close(1);
  close(2);
  /* Work after the close: hunt has seen EOF but must still wait for the
   * exit status. */
  volatile unsigned long x = 0;
  for (unsigned long i = 0; i < 20000000UL; i++)
    x += i;
  return code;
}
