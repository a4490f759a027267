# step.gdb -- Scenario 06 under gdb: step over uv_queue_work and into it,
# then find where the work really runs.
#   gdb -batch -x bugs/06-lost-update/gdb/step.gdb --args build/bin/06-lost-update-bug --jobs 2
# See chapters/06-lost-update.md, "The debugger's view".

# The workbook's scheduler wraps uv_queue_work (tools/sched/sched_wrap.h),
# and CHECK_UV is a helper; neither is the lesson, so step over them.
skip file tools/sched/sched_uv.c
skip file bugs/gallery.h

break lu_run
run
# While we step, the threads we are not stepping stay stopped; without
# this, a pool thread may run a job during the step, and what we print
# below would depend on the timing.
set scheduler-locking step
next
next
next
next
next
# The first job: over the call. libuv starts its pool threads, queues the
# job and returns.
next
next
next
# The second job: step into the call, the way you would to follow the work.
step
print reqs[1].job.bytes
# The job runs when a pool thread takes it, on that thread's stack.
break lu_work if j->id == 1
continue
bt
