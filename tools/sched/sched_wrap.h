/* sched_wrap.h -- compile-time wrapping for gallery code: include after
 * <uv.h> and the libuv calls the scheduler can reorder go through it.
 * Gallery sources stay plain libuv; the build adds -include of this file. */
#ifndef SCHED_WRAP_H
#define SCHED_WRAP_H

#include "sched.h"

#define uv_fs_write sched_uv_fs_write
#define uv_queue_work sched_uv_queue_work
#define uv_run sched_uv_run

#endif
