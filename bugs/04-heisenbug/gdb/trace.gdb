# trace.gdb -- Scenario 04 under gdb with a tracing breakpoint: each worker
# that asks for the config stops there, gdb prints a line and lets it go on,
# the way you would watch a race without stopping for good. gdb's exit
# status is the program's, so that build/hunt can count failures:
#   build/hunt --count-all --runs 200 -- gdb -batch -x bugs/04-heisenbug/gdb/trace.gdb --args build/bin/04-heisenbug-bug
# See chapters/04-heisenbug.md, "Under the debugger".

break hb_get_config
commands
  silent
  printf "worker asks for the config: ready=%d loads=%d\n", c->ready, c->loads
  continue
end
run
# As in run.gdb: no exit status means no verdict (exit 3, setup failure).
if $_isvoid($_exitcode)
  quit 3
end
quit $_exitcode
