/* dsched_wrap.h -- compile-time wrapping for gallery code: the libuv calls
 * the scheduler can reorder and the pthread calls that are schedule points
 * go through it. Gallery sources stay plain libuv and pthreads; the build
 * adds -include of this file. */
#ifndef DSCHED_WRAP_H
#define DSCHED_WRAP_H

/* The real declarations come first, so that only uses are renamed. */
#include <pthread.h>
#include <uv.h>

#include "dsched.h"

/* Each wrapped call also records where it was made (dsched__at): `gallery
 * play` shows the player the source line each thread is stopped at. */
#define DSCHED__AT(call) (dsched__at(__FILE__, __LINE__), call)
#define uv_fs_write(...) DSCHED__AT(dsched_uv_fs_write(__VA_ARGS__))
#define uv_queue_work(...) DSCHED__AT(dsched_uv_queue_work(__VA_ARGS__))
#define uv_timer_start(...) DSCHED__AT(dsched_uv_timer_start(__VA_ARGS__))
#define uv_timer_stop dsched_uv_timer_stop
#define uv_close(...) DSCHED__AT(dsched_uv_close(__VA_ARGS__))
#define uv_fs_open dsched_uv_fs_open
#define uv_fs_read dsched_uv_fs_read
#define uv_fs_close dsched_uv_fs_close
#define uv_run dsched_uv_run

#define pthread_create(...) DSCHED__AT(dsched_pthread_create(__VA_ARGS__))
#define pthread_join(...) DSCHED__AT(dsched_pthread_join(__VA_ARGS__))
#define pthread_mutex_lock(...) DSCHED__AT(dsched_mutex_lock(__VA_ARGS__))
#define pthread_mutex_trylock(...) DSCHED__AT(dsched_mutex_trylock(__VA_ARGS__))
#define pthread_mutex_unlock(...) DSCHED__AT(dsched_mutex_unlock(__VA_ARGS__))
#define pthread_cond_wait(...) DSCHED__AT(dsched_cond_wait(__VA_ARGS__))
#define pthread_cond_signal(...) DSCHED__AT(dsched_cond_signal(__VA_ARGS__))
#define pthread_cond_broadcast(...)                                            \
  DSCHED__AT(dsched_cond_broadcast(__VA_ARGS__))

#endif
