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

/* Each wrapped call also records where it was made (sched__at): `gallery
 * play` shows the player the source line each thread is stopped at. */
#define SCHED__AT(call) (sched__at(__FILE__, __LINE__), call)
#define uv_fs_write(...) SCHED__AT(sched_uv_fs_write(__VA_ARGS__))
#define uv_queue_work(...) SCHED__AT(sched_uv_queue_work(__VA_ARGS__))
#define uv_timer_start(...) SCHED__AT(sched_uv_timer_start(__VA_ARGS__))
#define uv_timer_stop sched_uv_timer_stop
#define uv_close(...) SCHED__AT(sched_uv_close(__VA_ARGS__))
#define uv_fs_open sched_uv_fs_open
#define uv_fs_read sched_uv_fs_read
#define uv_fs_close sched_uv_fs_close
#define uv_run sched_uv_run

#define pthread_create(...) SCHED__AT(sched_pthread_create(__VA_ARGS__))
#define pthread_join(...) SCHED__AT(sched_pthread_join(__VA_ARGS__))
#define pthread_mutex_lock(...) SCHED__AT(sched_mutex_lock(__VA_ARGS__))
#define pthread_mutex_trylock(...) SCHED__AT(sched_mutex_trylock(__VA_ARGS__))
#define pthread_mutex_unlock(...) SCHED__AT(sched_mutex_unlock(__VA_ARGS__))
#define pthread_cond_wait(...) SCHED__AT(sched_cond_wait(__VA_ARGS__))
#define pthread_cond_signal(...) SCHED__AT(sched_cond_signal(__VA_ARGS__))
#define pthread_cond_broadcast(...) SCHED__AT(sched_cond_broadcast(__VA_ARGS__))

#endif
