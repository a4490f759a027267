/* sched_wrap.h -- compile-time wrapping for gallery code: the libuv calls
 * the scheduler can reorder and the pthread calls that are schedule points
 * go through it. Gallery sources stay plain libuv and pthreads; the build
 * adds -include of this file. */
#ifndef SCHED_WRAP_H
#define SCHED_WRAP_H

/* The real declarations come first, so that only uses are renamed. */
#include <pthread.h>
#include <uv.h>

#include "sched.h"

#define uv_fs_write sched_uv_fs_write
#define uv_queue_work sched_uv_queue_work
#define uv_timer_start sched_uv_timer_start
#define uv_timer_stop sched_uv_timer_stop
#define uv_close sched_uv_close
#define uv_fs_open sched_uv_fs_open
#define uv_fs_read sched_uv_fs_read
#define uv_fs_close sched_uv_fs_close
#define uv_run sched_uv_run

#define pthread_create sched_pthread_create
#define pthread_join sched_pthread_join
#define pthread_mutex_lock sched_mutex_lock
#define pthread_mutex_trylock sched_mutex_trylock
#define pthread_mutex_unlock sched_mutex_unlock
#define pthread_cond_wait sched_cond_wait
#define pthread_cond_signal sched_cond_signal
#define pthread_cond_broadcast sched_cond_broadcast

#endif
