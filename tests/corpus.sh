#!/bin/sh
# corpus.sh -- the acceptance corpus (tests/progs/corpus.list) in make test:
# every program and twin is built; each bug fails under its forcing (hunt
# --preload, strategy random then pct:3, base seed 1, at most $BUDGET runs
# each; memory rows rebuilt with build/schedcc); each twin and correct
# program passes a short hunt under random, pct:3 and pos; build/schedcc builds
# by both routes, without libtsan, the result runs natively without the
# shim, and its hooks reach the schedule point for shared accesses only.
set -u
cd "$(dirname "$0")/.." || exit 3
P=build/tests/progs
BUDGET=${BUDGET:-60}
TWIN_RUNS=${TWIN_RUNS:-20}
for f in build/hunt build/libsched-preload.so build/schedcc; do
  [ -e "$f" ] || { echo "corpus.sh: $f is missing (make it first)" >&2; exit 3; }
done
. tests/lib.sh
echo 0 >"$T/status"
bad() {
  echo "corpus.sh: FAIL: $*"
  echo 1 >"$T/status"
}

# Whether the shim exports the schedule point memory rows need.
has_point=0
if nm -D --defined-only build/libsched-preload.so |
  grep -q ' dsched_preload_point$'; then
  has_point=1
fi

# hunt_rc STRATEGY RUNS CMD...: hunt's exit status (0 clean, 1 failed);
# its output is left in $T/out, its summary in $T/out.json.
hunt_rc() {
  s=$1 n=$2
  shift 2
  rm -f "$T/out.json"
  build/hunt --quiet --preload --perturb "$s" --seed 1 --runs "$n" \
    --timeout 5 --json "$T/out.json" -- "$@" >"$T/out" 2>&1
}
# first_failure: hunt's first failure, from its summary.
first_failure() {
  jv '.first_failure // {} |
    "\(.kind) at run \(.run): \(.stderr_first_line); replay: \(.replay)"' \
    "$T/out.json"
}

# schedcc PROG [-DOK]: the instrumented build, into $T.
schedcc() {
  build/schedcc -std=c11 -D_GNU_SOURCE -O2 ${2:-} "tests/progs/$1.c" \
    -o "$T/$1${2:+_ok}" 2>"$T/cc" ||
    { bad "schedcc $1 ${2:-}: $(head -1 "$T/cc")"; return 1; }
}

# Every corpus source has a row; there are at least 20 rows.
for f in tests/progs/corpus_*.c; do
  b=$(basename "$f" .c)
  grep -q "^[^#].* $b\( \|$\)" tests/progs/corpus.list ||
    bad "$f has no row in tests/progs/corpus.list"
done
rows=$(grep -v '^#' tests/progs/corpus.list | grep -c .)
[ "$rows" -ge 20 ] || bad "only $rows rows in tests/progs/corpus.list"

grep -v '^#' tests/progs/corpus.list >"$T/rows"
while read -r name level prog args; do
  [ -n "$name" ] || continue
  if [ ! -x "$P/$prog" ] || [ ! -x "$P/${prog}_ok" ]; then
    bad "$P/$prog or its twin ${prog}_ok is not built"
    continue
  fi
  bug=$P/$prog twin=$P/${prog}_ok
  if [ "$level" = memory ]; then
    if [ $has_point = 0 ]; then
      echo "$name: SKIPPED, not passed: the shim exports no" \
        "dsched_preload_point, so no memory-level window can be opened"
      continue
    fi
    schedcc "$prog" && schedcc "$prog" -DOK || continue
    bug=$T/$prog twin=$T/${prog}_ok
  fi
  found=
  for s in random pct:3; do
    # shellcheck disable=SC2086 # $args: the row's words
    hunt_rc "$s" "$BUDGET" "$bug" $args
    rc=$?
    if [ $rc = 1 ]; then found=$s; break; fi
    [ $rc = 0 ] || bad "$name: hunt exit $rc: $(head -1 "$T/out")"
  done
  [ -n "$found" ] ||
    bad "$name: no failure in $BUDGET runs of random, nor of pct:3"
  for s in random pct:3 pos; do
    # shellcheck disable=SC2086
    hunt_rc "$s" "$TWIN_RUNS" "$twin" $args ||
      bad "$name: the twin failed under $s: $(first_failure)"
  done
  echo "$name ($level): fails under ${found:-nothing};" \
    "twin clean in $TWIN_RUNS runs of random, of pct:3 and of pos"
done <"$T/rows"

for c in correct_cancel correct_exit correct_many correct_primitives \
  correct_thread_exit; do
  [ -x "$P/$c" ] || { bad "$P/$c is not built"; continue; }
  "$P/$c" || bad "$c failed natively"
  for s in random pct:3 pos; do
    hunt_rc "$s" "$TWIN_RUNS" "$P/$c" ||
      bad "$c failed under $s: $(first_failure)"
  done
  echo "$c: run natively and $TWIN_RUNS runs of random, of pct:3 and of pos"
done

# A stand-in for the shim that counts schedule points.
cat >"$T/point.c" <<'EOC'
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
static atomic_int n;
void dsched_preload_point(const char *what, const void *addr) {
  (void)what;
  (void)addr;
  atomic_fetch_add(&n, 1);
}
__attribute__((destructor)) static void fin(void) {
  FILE *f = fopen(getenv("POINTS_FILE"), "w");
  if (f) {
    fprintf(f, "%d\n", atomic_load(&n));
    fclose(f);
  }
}
EOC
cc -shared -fPIC -o "$T/point.so" "$T/point.c" ||
  bad "cannot build the stand-in point"
# build/schedcc, both routes: no libtsan, runs natively without the shim,
# and one point per thread's shared store, none for its 600 stack and TLS
# accesses (schedcc_local.c).
for route in "" --tsan; do
  rm -f "$T/points"
  build/schedcc $route -O2 tests/progs/schedcc_local.c -o "$T/local" \
    2>"$T/cc" || { bad "schedcc $route: $(head -1 "$T/cc")"; continue; }
  if ldd "$T/local" | grep -q tsan; then bad "schedcc $route linked libtsan"; fi
  "$T/local" || bad "schedcc $route: the instrumented program failed natively"
  POINTS_FILE=$T/points LD_PRELOAD=$T/point.so "$T/local" ||
    bad "schedcc $route: the program failed under the stand-in"
  n=$(cat "$T/points" 2>/dev/null)
  [ "${n:-0}" = 4 ] ||
    bad "schedcc $route: ${n:-no} schedule points, want 4 (one per shared store)"
  echo "schedcc ${route:-(coverage route)}: no libtsan, runs natively," \
    "${n:-no} points for 4 shared stores, none for 2,400 private accesses"
done
# Without the flag, nothing changes: the plain build has no hook.
if nm "$P/schedcc_local" | grep -q __sanitizer_cov; then
  bad "the plain build of schedcc_local has hooks"
fi
exit "$(cat "$T/status")"
