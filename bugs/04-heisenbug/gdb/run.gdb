# run.gdb -- Scenario 04 under gdb with no breakpoint: the program runs as
# it would alone, only watched. gdb's own exit status is the program's, so
# that build/hunt can count failures over gdb runs:
#   build/hunt --count-all --runs 50 --jobs 1 --setup-codes 2,3 --
#     gdb -batch -x bugs/04-heisenbug/gdb/run.gdb --args build/bin/04-heisenbug-bug
# See chapters/04-heisenbug.md, "Under the debugger".

run
# $_exitcode is void when the program did not exit (it was killed by a
# signal, or gdb stopped it): that is no verdict on the bug, so exit 3,
# the workbook's setup failure, rather than a status hunt would count.
if $_isvoid($_exitcode)
  quit 3
end
quit $_exitcode
