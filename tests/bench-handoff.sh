#!/bin/sh
# bench-handoff.sh -- build/bench/bench_handoff, the floor that
# check-preload-cost.sh sets beside the shim's cost per hand-off: bad
# arguments are refused with exit 2, and what it measures pinned is a
# thread switch per hand-over (the claim that makes it a floor), counted
# by the kernel, not assumed.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
BENCH=$B/bench/bench_handoff
need "$BENCH"

refused 'reps wants a number from 1 to 51' "--reps 0 is refused" -- "$BENCH" --reps 0
refused 'rounds wants a number' "--rounds x is refused" -- "$BENCH" --rounds x
refused "unexpected argument 'extra'" "a stray argument is refused" -- "$BENCH" extra
refused 'no/such/dir' "a --json path that cannot be written is named" -- \
  "$BENCH" --rounds 10 --reps 1 --json "$T/no/such/dir/x.json"

"$BENCH" --rounds 5000 --reps 1 --json "$T/h.json" >"$T/out" 2>&1
check "a short run measures (exit 0)" test $? -eq 0
# holds FILTER MSG: ok MSG when FILTER is true of the run's JSON.
holds() {
  if jq -e "$1" "$T/h.json" >/dev/null 2>&1; then ok "$2"; else
    notok "$2"
    quote "$T/h.json"
  fi
}
holds '.rounds == 5000 and .reps == 1 and .free_us.median > 0 and
  .pinned_us.median > 0 and .pinned_us.min <= .pinned_us.median' \
  "its JSON names the rounds, and positive medians free and pinned"
holds '.pinned_switches >= 0.9' \
  "pinned, every hand-over is a thread switch (the kernel's count)"
finish
