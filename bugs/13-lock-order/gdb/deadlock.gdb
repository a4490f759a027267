# deadlock.gdb -- Scenario 13 under gdb: let the two threads deadlock, then
# stop the program and look at every thread's stack.
#   timeout -s INT 5 gdb -batch -x bugs/13-lock-order/gdb/deadlock.gdb --args build/bin/13-lock-order-bug --requests 1 --sweeps 1 --hold-us 300000
# See chapters/13-lock-order.md, "The debugger's view".

# Quiet: no line per thread started or process forked.
set print thread-events off
set print inferior-events off
# The driver runs the threads in a child process; follow it, and let the
# parent go (it waits for the child, and reports how it ended).
set follow-fork-mode child
set detach-on-fork on

# Each thread holds its first lock for --hold-us before it takes its
# second, so both hold one when they ask for the other: a deadlock, for
# good. run returns when the SIGINT that timeout sends gdb stops the
# program where it hangs; waiting longer would show the same stacks.
run
thread apply all bt
