/* main.c -- build/hunt: run any command until it fails and report how often
 * it fails (see hunt.h for the engine and hunt --help for the options). */
#include "hunt.h"

#include <string.h>

int main(int argc, char **argv) {
  struct hunt_opts o;
  if (argc > 1 && strcmp(argv[1], "--merge") == 0)
    return hunt_merge_main(argc - 1, argv + 1);
  hunt_opts_default(&o);
  int cmd = hunt_parse_args(argc, argv, &o);
  if (cmd < 0)
    return 2;
  if (cmd == 0)
    return 0;
  return hunt_run(&o, argv + cmd, NULL);
}
