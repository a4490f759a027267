#!/bin/sh
# check-hunt-memory.sh -- the long memory test of build/hunt, not run by `make test`:
# hunt's peak RSS after 1,000 and after RUNS (default 100,000) runs of
# `true`, from its --json summary (max_rss_kib = getrusage ru_maxrss).
# Usage: tests/check-hunt-memory.sh [RUNS]   (from the repository root)
set -u
RUNS=${1:-100000}
HUNT=${HUNT:-build/hunt}
. "$(dirname "$0")/lib.sh"
"$HUNT" --quiet --runs 1000 --json "$T/a.json" -- true >/dev/null || exit 3
"$HUNT" --quiet --runs "$RUNS" --json "$T/b.json" -- true >/dev/null ||
  exit 3
a=$(jv .max_rss_kib "$T/a.json")
b=$(jv .max_rss_kib "$T/b.json")
echo "$(jv .runs "$T/b.json") runs at $(jv '.runs_per_s | floor' "$T/b.json") runs/s"
# Bounded means flat: allow 1 MiB for allocator noise, not per-run growth.
check "peak RSS: $a KiB after 1000 runs, $b KiB after $RUNS runs" \
  [ $((b - a)) -lt 1024 ]
finish
