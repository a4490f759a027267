/* main.c -- build/trace: the trace viewer and checker (see trace.h). */
#include "trace.h"

int main(int argc, char **argv) {
  return trace_main(argc, argv);
}
