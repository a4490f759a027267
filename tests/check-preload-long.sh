#!/bin/sh
# check-preload-long.sh -- the preload shim's long counts, for make check:
# the correct programs 200 times under each strategy (no failure, no hang)
# and a failing seed replayed 100 times with a busy loop on every core,
# the correct twins 1000 times (tests/preload-correct.sh and
# tests/preload-replay.sh with larger counts; make test runs them short).
set -u
cd "$(dirname "$0")/.." || exit 3
status=0
RUNS=200 tests/preload-correct.sh || status=1
REPLAYS=100 TWIN_RUNS=1000 tests/preload-replay.sh || status=1
exit $status
