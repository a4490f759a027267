#!/bin/sh
# schedcc -- compile and link a C program so that its loads and stores of
# shared memory are schedule points for build/libsched-preload.so, which
# can then open races whose window holds no pthread call. Installed as
# build/schedcc; used like a compiler:
#
#   build/schedcc prog.c -o prog            compile and link, instrumented
#   build/schedcc -c a.c -o a.o             compile only; link with schedcc
#   build/schedcc --tsan prog.c -o prog     the other route (see below)
#   build/hunt --preload --perturb random -- ./prog
#
# Default route: clang with -fsanitize-coverage=trace-pc-guard,trace-loads,
# trace-stores, which calls a hook before every load and store; the hooks
# (tools/runtime/schedcc/rt.c, build/lib/libschedcc.a) call dsched_preload_point()
# in the shim, skipping the thread's own stack and thread-local storage.
# --tsan: -fsanitize=thread instrumentation (gcc by default; SCHEDCC_CC to
# change) with the same runtime standing in for libtsan, which is not
# linked. Without the shim an instrumented program runs unscheduled.
#
# Environment: SCHEDCC_CC, the compiler (default clang-14 or clang; gcc for
# --tsan). Exit status: the compiler's; 2 for a usage error, 3 when the
# compiler or the runtime is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
rt=$here/lib/libschedcc.a
route=sancov
case ${1:-} in
--help | -h)
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
  exit 0 ;;
--tsan) route=tsan; shift ;;
"") echo "schedcc: no input (try --help)" >&2; exit 2 ;;
esac
[ -f "$rt" ] || { echo "schedcc: $rt is missing (run make)" >&2; exit 3; }

if [ "$route" = sancov ]; then
  cc=${SCHEDCC_CC:-$(command -v clang-14 || command -v clang || echo clang)}
  inst="-fsanitize-coverage=trace-pc-guard,trace-loads,trace-stores"
else
  cc=${SCHEDCC_CC:-gcc}
  inst="-fsanitize=thread"
fi
command -v "$cc" >/dev/null 2>&1 || {
  echo "schedcc: compiler '$cc' not found (set SCHEDCC_CC)" >&2; exit 3; }

# Compiling only (-c, -S, -E): instrument, link nothing.
for a in "$@"; do
  case $a in -c | -S | -E) exec "$cc" $inst -pthread "$@" ;; esac
done

if [ "$route" = sancov ]; then
  # The instrumentation flag names no runtime, so one command compiles
  # and links; the runtime goes after the program's objects.
  exec "$cc" $inst -pthread "$@" "$rt" -ldl
fi

# --tsan: -fsanitize=thread on a linking command would link libtsan, so
# each C source is compiled on its own first, then everything is linked
# without it.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/schedcc.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
n=0 cflags="" out_next=0
for a in "$@"; do
  case $a in -[DIUfgOWs]* | -std=* | -m*) cflags="$cflags $a" ;; esac
done
for a in "$@"; do
  shift
  case $a in
  *.c)
    n=$((n + 1))
    # $cflags is a word list on purpose: flags without blanks.
    "$cc" $inst -pthread $cflags -c "$a" -o "$tmp/$n.o" || exit $?
    set -- "$@" "$tmp/$n.o" ;;
  *) set -- "$@" "$a" ;;
  esac
done
"$cc" -pthread "$@" "$rt" -ldl
