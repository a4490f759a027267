# bt.gdb -- Scenario 03 under gdb: stop where the failed resize is reported,
# in the after-work callback, and ask the debugger how we got there.
#   gdb -batch -x bugs/03-lost-stack/gdb/bt.gdb --args build/bin/03-lost-stack-bug
# See chapters/03-lost-stack.md, "In the debugger".

# Quiet: no line per thread started or process forked.
set print thread-events off
set print inferior-events off
# The driver runs the workload in a child process and checks its crash
# report; the callback runs in that child. Follow it, and hold the parent
# (it would only report the child's death).
set follow-fork-mode child
set detach-on-fork off

# ls_fatal prints the report and aborts; it is called from the callback
# that found the bad size.
break ls_fatal
run
bt
# The callback's own frame: what does the job know?
frame 1
print *j
