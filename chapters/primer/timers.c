/* timers.c -- the event-loop primer's first program (chapters/00b-event-
 * loop.md): one loop, two timers. Nothing runs until uv_run; the timers'
 * callbacks then run inside uv_run, on this thread, in the order their
 * deadlines come due -- not the order the code started them -- and uv_run
 * returns once nothing is left to wait for. Plain libuv, no workbook
 * headers. */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

/* Every libuv call is checked: a negative result is an error code. */
#define CHECK(call)                                                            \
  do {                                                                         \
    int rc_ = (call);                                                          \
    if (rc_ < 0) {                                                             \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,            \
              uv_strerror(rc_));                                               \
      exit(3);                                                                 \
    }                                                                          \
  } while (0)

/* @snippet primer_timer_cb */
static void timer_cb(uv_timer_t *t) {
  printf("  timer_cb: the %s timer fired\n", (const char *)t->data);
}
/* @end */

int main(void) {
  uv_loop_t loop;
  uv_timer_t slow, fast;

  /* @snippet primer_timers */
  CHECK(uv_loop_init(&loop));
  CHECK(uv_timer_init(&loop, &slow));
  CHECK(uv_timer_init(&loop, &fast));
  slow.data = "20 ms";
  fast.data = "10 ms";
  CHECK(uv_timer_start(&slow, timer_cb, 20, 0)); /* started first */
  CHECK(uv_timer_start(&fast, timer_cb, 10, 0)); /* due first */
  printf("main: two timers started; nothing has run yet\n");
  CHECK(uv_run(&loop, UV_RUN_DEFAULT));
  printf("main: uv_run returned: no timer is active any more\n");
  /* @end */

  /* A closed loop needs its handles closed, and their close callbacks run
   * by one more turn of the loop. */
  uv_close((uv_handle_t *)&slow, NULL);
  uv_close((uv_handle_t *)&fast, NULL);
  CHECK(uv_run(&loop, UV_RUN_DEFAULT));
  CHECK(uv_loop_close(&loop));
  return 0;
}
