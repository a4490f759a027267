/* pool.c -- the event-loop primer's second program (chapters/00b-event-
 * loop.md): who runs where. One uv_queue_work request: its work_cb runs on
 * a threadpool thread, its after_work_cb on the loop thread, and while the
 * work runs the loop thread is free to run other callbacks (here an async
 * handle's). Each line names its thread by comparing uv_thread_self() with
 * the loop thread's id, taken in main. The work waits for the loop's
 * callback through a semaphore, never a sleep, so the output is the same
 * on every run. Plain libuv, no workbook headers. */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#define CHECK(call)                                                            \
  do {                                                                         \
    int rc_ = (call);                                                          \
    if (rc_ < 0) {                                                             \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,            \
              uv_strerror(rc_));                                               \
      exit(3);                                                                 \
    }                                                                          \
  } while (0)

static uv_thread_t loop_thread;
static uv_async_t wake;   /* the pool thread's way to wake the loop */
static uv_sem_t loop_ran; /* posted by the loop's async_cb */

/* "loop thread" or "pool thread": which thread is running this line. */
static const char *who(void) {
  uv_thread_t self = uv_thread_self();
  return uv_thread_equal(&self, &loop_thread) ? "loop thread" : "pool thread";
}

/* @snippet primer_pool */
static void work_cb(uv_work_t *req) {
  int *n = req->data;
  printf("  work_cb        on the %s: working on %d\n", who(), *n);
  CHECK(uv_async_send(&wake)); /* the one libuv call safe off the loop */
  uv_sem_wait(&loop_ran);      /* wait until the loop has shown it is free */
  *n *= 2;
  printf("  work_cb        on the %s: done\n", who());
}

static void async_cb(uv_async_t *a) {
  printf("  async_cb       on the %s: free while the work runs\n", who());
  uv_close((uv_handle_t *)a, NULL);
  uv_sem_post(&loop_ran);
}

static void after_work_cb(uv_work_t *req, int status) {
  CHECK(status);
  printf("  after_work_cb  on the %s: the result is %d\n", who(),
         *(int *)req->data);
}
/* @end */

int main(void) {
  uv_loop_t loop;
  uv_work_t req;
  int n = 21;

  /* One line at a time, as it is printed, whichever thread prints it. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  loop_thread = uv_thread_self();
  CHECK(uv_loop_init(&loop));
  CHECK(uv_sem_init(&loop_ran, 0));
  CHECK(uv_async_init(&loop, &wake, async_cb));
  /* @snippet primer_queue */
  req.data = &n;
  printf("main           on the %s: queue the work, then uv_run\n", who());
  CHECK(uv_queue_work(&loop, &req, work_cb, after_work_cb));
  CHECK(uv_run(&loop, UV_RUN_DEFAULT));
  printf("main           on the %s: uv_run returned\n", who());
  /* @end */
  uv_sem_destroy(&loop_ran);
  CHECK(uv_loop_close(&loop));
  return 0;
}
