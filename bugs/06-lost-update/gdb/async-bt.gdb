# async-bt.gdb -- Scenario 06's fix under gdb: stop in a job's work on a
# pool thread, and compare the machine's stack (bt) with the job's
# (async-bt).
#   gdb -batch -x bugs/06-lost-update/gdb/async-bt.gdb --args build/bin/06-lost-update-fix --jobs 2
# See chapters/06-lost-update.md, "The debugger's view".

source tools/instruments/gdb/async_bt.py
set print thread-events off

# lu_scan is the work itself, called by lu_work once it has entered the
# job's operation (corrlog_enter). Stop in the second job's.
break lu_scan if j->id == 1
run
echo == bt\n
bt
echo == async-bt\n
async-bt
