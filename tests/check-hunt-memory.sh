#!/bin/sh
# check-hunt-memory.sh -- the long memory test of build/hunt, not run by `make test`:
# hunt's peak RSS after 1,000 and after RUNS (default 100,000) runs of
# `true`, from its --json summary (max_rss_kib = getrusage ru_maxrss).
# Usage: tests/check-hunt-memory.sh [RUNS]   (from the repository root)
set -u
RUNS=${1:-100000}
HUNT=${HUNT:-build/hunt}
TMP=$(mktemp -d) || exit 3
trap 'rm -rf "$TMP"' EXIT
# rss FILE: max_rss_kib from hunt's summary FILE; fails when it holds none.
rss() { jq -e '.max_rss_kib | numbers' "$1" 2>/dev/null; }
"$HUNT" --quiet --runs 1000 --json "$TMP/a.json" -- true >/dev/null || exit 3
"$HUNT" --quiet --runs "$RUNS" --json "$TMP/b.json" -- true >"$TMP/b.out" ||
  exit 3
a=$(rss "$TMP/a.json") && b=$(rss "$TMP/b.json") ||
  { echo "check-hunt-memory.sh: hunt's --json has no max_rss_kib" >&2; exit 3; }
grep -E '^(runs|speed):' "$TMP/b.out"
echo "peak RSS: $a KiB after 1000 runs, $b KiB after $RUNS runs"
# Bounded means flat: allow 1 MiB for allocator noise, not per-run growth.
[ $((b - a)) -lt 1024 ]
