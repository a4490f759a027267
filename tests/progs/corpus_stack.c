/* corpus_stack.c -- corpus bug (pthread level): a stack whose pop checks
 * for emptiness outside the lock. Two poppers, one item: both see one
 * item, both pop, and the second pops below the bottom. Exit 1 when the
 * stack underflowed. Twin: -DOK (the check is inside the lock). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                               \
  do {                                                                         \
    int e_ = (x);                                                              \
    if (e_ != 0) {                                                             \
      fprintf(stderr, "%s: %s\n", #x, strerror(e_));                           \
      exit(3);                                                                 \
    }                                                                          \
  } while (0)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int items[8];
static volatile int top;
static int underflow;

static void *popper(void *arg) {
  (void)arg;
#ifdef OK
  CHECK(pthread_mutex_lock(&mu));
  if (top > 0) {
#else
  if (top > 0) { /* BUG: checked outside the lock */
    CHECK(pthread_mutex_lock(&mu));
#endif
    top--;
    if (top < 0)
      underflow = 1;
    else
      (void)items[top];
#ifndef OK
    CHECK(pthread_mutex_unlock(&mu));
#endif
  }
#ifdef OK
  CHECK(pthread_mutex_unlock(&mu));
#endif
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  items[top++] = 7;
  CHECK(pthread_create(&t1, NULL, popper, NULL));
  CHECK(pthread_create(&t2, NULL, popper, NULL));
  CHECK(pthread_join(t1, NULL));
  CHECK(pthread_join(t2, NULL));
  if (underflow) {
    fprintf(stderr, "corpus_stack: popped an empty stack\n");
    return 1;
  }
  return 0;
}
