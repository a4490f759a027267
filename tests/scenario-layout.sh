#!/bin/sh
# scenario-layout.sh -- every scenario follows the naming rule stated in
# bugs/gallery.h: bugs/NN-slug/ holds SLUG.h (the slug with '_' for '-'),
# check.c defining the invariant's PREFIX_check() that SLUG.h declares,
# main.c, sync.c and async.c, and fixes/NN-slug/async.c is the fix. Run
# from the repository root.
set -u
N=0
FAILS=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
no() { N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $1"; }
found=0
for d in bugs/[0-9][0-9]-*/; do
  d=${d%/}
  n=$(basename "$d")
  found=1
  h=$(echo "${n#??-}" | tr - _).h
  if [ -f "$d/$h" ]; then ok "$n: interface $h"; else no "$n: interface $h"; fi
  for f in main.c sync.c async.c check.c; do
    if [ -f "$d/$f" ]; then ok "$n: $f"; else no "$n: $f"; fi
  done
  if [ -f "fixes/$n/async.c" ]; then ok "$n: the fix"; else
    no "$n: the fix (fixes/$n/async.c)"; fi
  # The invariant: a function *_check defined in check.c and declared in
  # the interface.
  fn=$(sed -n 's/^int \([a-z]*_check\)(.*/\1/p' "$d/check.c" 2>/dev/null |
    head -n 1)
  if [ -n "$fn" ] && grep -q "^int $fn(" "$d/$h" 2>/dev/null; then
    ok "$n: check.c defines $fn, $h declares it"
  else
    no "$n: check.c defines the invariant's *_check() that $h declares"
  fi
done
[ "$found" -eq 1 ] || { echo "scenario-layout.sh: no scenarios" >&2; exit 3; }
echo "$N checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
