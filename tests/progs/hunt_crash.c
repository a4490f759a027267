/* hunt_crash.c -- a child for tests/hunt.sh that dies by a signal:
 * "segv" dereferences a null pointer, "abort" calls abort(). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: hunt_crash segv|abort [MARKER]\n");
    return 2;
  }
  printf("about to crash: %s\n", argv[1]);
  fflush(stdout);
  if (strcmp(argv[1], "segv") == 0) {
    /* A page mapped with no access faults for certain; address 0 may be
     * mapped in some sandboxes. volatile keeps the store. */
    volatile int *p =
        mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED)
      *p = 1;
    raise(SIGSEGV);
  } else if (strcmp(argv[1], "abort") == 0) {
    abort();
  }
  fprintf(stderr, "hunt_crash: unknown mode '%s'\n", argv[1]);
  return 2;
}
