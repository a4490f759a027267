#!/bin/sh
# gdb-sessions.sh -- the gdb extension (tools/instruments/gdb/async_bt.py) and the
# workbook's gdb scripts, checked in real gdb sessions:
# - at the breakpoint in scenario 03's failing callback, `bt` never names
#   the caller that passed the bad width and `async-bt` always does, for
#   each of the three callers (so the answer follows the culprit);
# - `async-ops` lists exactly the operations in flight at two points where
#   the set is known: scenario 03's fix after its three resizes were
#   submitted, and scenario 05's fix as its first fetch is queued (a fetch
#   whose parent is a page, so `async-bt` walks a chain to its root);
# - a program without corrlog's registry gets a clear error, not a guess;
# - scenario 04's run.gdb hands the program's exit status on (what lets
#   build/hunt count failures over gdb runs), and 3 when it has none.
# The chapters' recorded sessions (chapters 03, 04, 06, 13) are compared
# by the doc check. Without gdb this test says so and passes: nothing to
# run.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
if ! command -v gdb >/dev/null 2>&1; then
  echo "SKIP gdb-sessions.sh: gdb is not installed (make deps installs it)"
  exit 0
fi
if ! gdb -nx -batch -ex 'python import gdb' >/dev/null 2>&1; then
  echo "SKIP gdb-sessions.sh: this gdb has no Python (Debian's gdb has it)"
  exit 0
fi
. tests/lib.sh
need "$B/bin/03-lost-stack-bug" "$B/bin/03-lost-stack-fix" \
  "$B/bin/05-check-then-act-fix" "$B/bin/04-heisenbug-fix" \
  "$B/bin/06-lost-update-bug"
out=$T/out

fail() {
  notok "$1"
  sed 's/^/  | /' "$out" | tail -n 30
}
# section NAME: the lines of $out after the line '== NAME' up to the next
# '== ' line (the scripts mark what each command printed that way).
section() {
  awk -v want="== $1" '/^== / { on = ($0 == want); next } on' "$out"
}
# gdb_run ARGS...: gdb in batch mode, no ~/.gdbinit, a time limit.
gdb_run() {
  timeout -k 5 60 gdb -nx -batch "$@" >"$out" 2>&1
}

# 1. bt against async-bt, at the same breakpoint, for each culprit.
for who in avatar banner gallery; do
  gdb_run -x bugs/03-lost-stack/gdb/async-bt.gdb \
    --args "$B/bin/03-lost-stack-fix" --bad "$who"
  bt=$(section bt)
  abt=$(section async-bt)
  named=$(printf '%s\n' "$abt" | grep -o 'in [a-z]*_thumbnail()' | sort -u)
  if [ -z "$bt" ] || ! printf '%s\n' "$bt" | grep -q 'resize_done'; then
    fail "03 --bad $who: no bt at the breakpoint in resize_done"
  elif printf '%s\n' "$bt" | grep -q '_thumbnail'; then
    fail "03 --bad $who: bt names a caller; the lesson says it cannot"
  elif [ "$named" != "in ${who}_thumbnail()" ]; then
    fail "03 --bad $who: async-bt names '${named:-nothing}', want ${who}_thumbnail"
  else
    ok "03 --bad $who: bt shows the loop, async-bt names ${who}_thumbnail"
  fi
done

# async-bt OP: from an operation named by an expression, here the job's.
gdb_run -ex 'source tools/instruments/gdb/async_bt.py' -ex 'set follow-fork-mode child' \
  -ex 'set detach-on-fork off' -ex 'break ls_fatal' -ex run -ex 'frame 1' \
  -ex 'echo == op\n' -ex 'async-bt j->op' \
  --args "$B/bin/03-lost-stack-fix" --bad avatar
if section op | grep -q '^async-bt: from j->op, operation resize ' &&
  section op | grep -q 'begun at .* in avatar_thumbnail()$'; then
  ok "03 async-bt j->op: the job's operation, begun in avatar_thumbnail"
else
  fail "03 async-bt j->op"
fi

# The bug's own session (bt.gdb, the chapter's first one): the loop's
# stack, the culprit nowhere.
gdb_run -x bugs/03-lost-stack/gdb/bt.gdb --args "$B/bin/03-lost-stack-bug"
if ! grep -q 'in uv_run ()' "$out" || ! grep -q '^#1 .* in resize_done' "$out"; then
  fail "03 bug, bt.gdb: no uv_run under resize_done"
elif grep -q 'banner_thumbnail' "$out"; then
  fail "03 bug, bt.gdb: the stack names banner_thumbnail"
else
  ok "03 bug, bt.gdb: resize_done under uv_run, no banner_thumbnail"
fi

# Scenario 06's step.gdb (chapter 06): stepping into uv_queue_work comes
# back to lu_run with the job not run ($1 = 0), and only then does a pool
# thread run it, on a stack without lu_run.
gdb_run -x bugs/06-lost-update/gdb/step.gdb \
  --args "$B/bin/06-lost-update-bug" --jobs 2
back=$(grep -n '^lu_run (.*) at bugs/06-lost-update/async.c' "$out" | head -n 1)
zero=$(grep -n '^\$1 = 0$' "$out" | head -n 1)
hit=$(grep -n 'hit Breakpoint 2.*lu_work' "$out" | head -n 1)
if [ -z "$back" ] || [ -z "$zero" ] || [ -z "$hit" ] ||
  [ "${back%%:*}" -gt "${zero%%:*}" ] || [ "${zero%%:*}" -gt "${hit%%:*}" ]; then
  fail "06 step.gdb: want the return to lu_run, then \$1 = 0, then lu_work"
elif sed -n "${hit%%:*},\$p" "$out" | grep -q '^#.* lu_run '; then
  fail "06 step.gdb: lu_run is on the pool thread's stack"
else
  ok "06 step.gdb: uv_queue_work returns with the job not run; it runs later on a pool thread"
fi

# 2. async-ops, exactly the live set. After the three submissions, before
# the loop runs (the pool may have started on them, but only the loop ends
# them), the three resizes are live, oldest first.
gdb_run -ex 'source tools/instruments/gdb/async_bt.py' -ex 'set follow-fork-mode child' \
  -ex 'set detach-on-fork off' -ex 'break ls_finish' -ex run \
  -ex 'echo == ops\n' -ex async-ops --args "$B/bin/03-lost-stack-fix"
ops=$(section ops)
got=$(printf '%s\n' "$ops" | grep -o 'in [a-z]*_thumbnail()' | tr '\n' ' ')
heads=$(printf '%s\n' "$ops" | grep -c '^resize [0-9a-f]\{16\}, age ')
# Pool threads may already be working on resizes (current there), but the
# loop thread (2.1) works on the last one it began.
cur=$(printf '%s\n' "$ops" | grep -E 'current in thread (.*, )?2\.1(,|$)' |
  grep -o '^resize [0-9a-f]*')
want="in avatar_thumbnail() in banner_thumbnail() in gallery_thumbnail() "
if ! printf '%s\n' "$ops" | grep -q '^async-ops: 3 operations begun and not ended'; then
  fail "03 async-ops at ls_finish: not 3 operations"
elif [ "$heads" -ne 3 ] || [ "$got" != "$want" ]; then
  fail "03 async-ops at ls_finish: got '$got' ($heads entries), want '$want'"
elif [ "$cur" != "resize 0000000000000003" ]; then
  fail "03 async-ops at ls_finish: current op '$cur', want the third resize"
else
  ok "03 async-ops at ls_finish: the three resizes, oldest first"
fi

# Scenario 05's fix as its first fetch is queued: the page and its fetch,
# nothing else; async-bt goes fetch -> page -> root.
gdb_run -ex 'source tools/instruments/gdb/async_bt.py' \
  -ex 'break dsched_uv_queue_work if work == fetch_work' -ex run \
  -ex 'echo == ops\n' -ex async-ops -ex 'echo == async-bt\n' -ex async-bt \
  --args "$B/bin/05-check-then-act-fix" --pages 4
ops=$(section ops)
abt=$(section async-bt)
if ! printf '%s\n' "$ops" | grep -q '^async-ops: 2 operations begun and not ended' ||
  [ "$(printf '%s\n' "$ops" | grep -c '^[a-z]* [0-9a-f]\{16\}, age ')" -ne 2 ] ||
  ! printf '%s\n' "$ops" | grep -q '^page 0000000000000001, ' ||
  ! printf '%s\n' "$ops" | grep -q '^fetch 0000000000000002, .*current in thread' ||
  ! printf '%s\n' "$ops" | grep -q '^    parent page 0000000000000001$'; then
  fail "05 async-ops at the first fetch: want the page and its fetch only"
elif ! printf '%s\n' "$abt" | grep -q '^#0  fetch 0000000000000002,' ||
  ! printf '%s\n' "$abt" | grep -q 'begun at .* in start_fetch()' ||
  ! printf '%s\n' "$abt" | grep -q '^#1  page 0000000000000001,' ||
  [ "$(printf '%s\n' "$abt" | tail -n 1)" != "    (root)" ]; then
  fail "05 async-bt at the first fetch: want fetch, then page, then (root)"
else
  ok "05 at the first fetch: async-ops lists the page and its fetch, async-bt walks to the root"
fi

# 3. No registry: the bug build of 03 does not log. The commands say so.
gdb_run -ex 'source tools/instruments/gdb/async_bt.py' -ex 'set follow-fork-mode child' \
  -ex 'break ls_finish' -ex run -ex async-bt --args "$B/bin/03-lost-stack-bug"
if grep -q '^async-bt: the program has no corrlog__live_ops: it does not log with corrlog' "$out"; then
  ok "03 bug: async-bt says the program keeps no registry"
else
  fail "03 bug: async-bt without a registry"
fi
gdb_run -ex 'source tools/instruments/gdb/async_bt.py' -ex async-ops \
  --args "$B/bin/03-lost-stack-fix"
if grep -q '^async-ops: the program is not running' "$out"; then
  ok "async-ops before run: says the program is not running"
else
  fail "async-ops before run"
fi

# 4. run.gdb passes the exit status on: 0, the usage error's 2, and 3 for a
# program that never exited (gdb stopped it on a signal).
# run_gdb_status WANT CMD...: runs CMD under run.gdb, checks gdb's status.
run_gdb_status() {
  want=$1
  shift
  timeout -k 5 60 gdb -nx -batch -x bugs/04-heisenbug/gdb/run.gdb --args "$@" \
    >"$out" 2>&1
  rc=$?
  if [ "$rc" -eq "$want" ]; then
    ok "04 run.gdb: exit $rc for $*"
  else
    fail "04 run.gdb: exit $rc for $*, want $want"
  fi
}
run_gdb_status 0 "$B/bin/04-heisenbug-fix"
run_gdb_status 2 "$B/bin/04-heisenbug-fix" --work -1
# shellcheck disable=SC2016 # $$ is the inner shell's
run_gdb_status 3 /bin/sh -c 'kill -SEGV $$'
finish
