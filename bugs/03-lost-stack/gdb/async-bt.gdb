# async-bt.gdb -- Scenario 03's fix under gdb: at the same breakpoint as
# bt.gdb, the machine's stack (bt), the failed resize's (async-bt) and the
# operations in flight (async-ops); tests/gdb-sessions.sh reads the first
# two.
#   gdb -batch -x bugs/03-lost-stack/gdb/async-bt.gdb --args build/bin/03-lost-stack-fix
# See chapters/03-lost-stack.md, "The same breakpoint, with async-bt".

source tools/instruments/gdb/async_bt.py
set print thread-events off
set print inferior-events off
set follow-fork-mode child
set detach-on-fork off

break ls_fatal
run
echo == bt\n
bt
echo == async-bt\n
async-bt
echo == async-ops\n
async-ops
