# trace.gdb -- Scenario 04 under gdb with a tracing breakpoint: each worker
# that asks for the config stops there, gdb prints a line and lets it go on,
# the way you would watch a race without stopping for good. gdb's exit
# status is the program's, so that build/hunt can count failures:
#   build/hunt --count-all --runs 50 --jobs 1 --setup-codes 2,3 --
#     gdb -batch -x bugs/04-heisenbug/gdb/trace.gdb --args build/bin/04-heisenbug-bug
# See chapters/04-heisenbug.md, "Under the debugger".

# No line per thread started and ended: only the breakpoint's.
set print thread-events off
break hb_get_config
commands
  silent
  printf "a worker asks for the config\n"
  continue
end
run
# As in run.gdb: no exit status means no verdict (exit 3, setup failure).
if $_isvoid($_exitcode)
  quit 3
end
quit $_exitcode
