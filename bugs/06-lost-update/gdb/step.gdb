# step.gdb -- Scenario 06 under gdb: step into uv_queue_work, the way you
# would follow a synchronous call, then find where the work really runs.
#   gdb -batch -x bugs/06-lost-update/gdb/step.gdb --args build/bin/06-lost-update-bug --jobs 2
# See chapters/06-lost-update.md, "The debugger's view".

# The workbook's scheduler wraps uv_queue_work in dsched_uv_queue_work
# (tools/runtime/sched/dsched_wrap.h), which calls libuv's; stop in the wrapper.
break dsched_uv_queue_work
run
# The first job's call starts libuv's pool threads. Go on to the second.
continue
delete
# req is the second job's request (a struct request starts with it).
set $req = (struct request *) req
# Catch the second job's work wherever it runs.
break lu_work if j->id == 1
# Only this thread runs until we say otherwise: whatever happens before
# the call returns, happens inside it.
set scheduler-locking on
# Step through the wrapper into libuv's uv_queue_work.
step
while $_caller_is("dsched_uv_queue_work", 0)
  step
end
# In libuv's uv_queue_work, which has no line information, step can go
# no deeper: finish runs it to its return, back in lu_run.
if !$_caller_is("lu_run", 0)
  finish
end
print $req->job.bytes
set scheduler-locking off
continue
bt
