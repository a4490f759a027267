/* 21-lost-update.c -- chapter 21's exercise 1: the textbook lost update,
 * built against the workbook's scheduler so that a schedule you type
 * decides the interleaving. main and t1 each load the counter, stop at the
 * schedule point "after_load", then store what they loaded plus one.
 * Run: SCHED='order:main@create,t1@start,t1@after_load'
 *      build/exercises/21-lost-update
 * It prints the order of the loads and stores, the count, whose increment
 * was overwritten, and the schedule taken (replayable with SCHED=).
 * Exit: 0 count 2, 1 an update was lost, 2 a bad or mismatched schedule
 * (the scheduler names the step), 3 setup failure. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "dsched.h"

static int counter;
/* Who stored last, and what each one loaded: enough to say whose
 * increment the last store overwrote. Only the token holder runs under a
 * schedule, so these need no lock there; without one the program is the
 * race it demonstrates. */
static const char *last_store;
static int loaded[2];

static void increment(int who) {
  const char *name = who ? "t1" : "main";
  int v = counter;
  loaded[who] = v;
  printf("  %-4s loads  %d\n", name, v);
  DSCHED_POINT("after_load");
  counter = v + 1;
  printf("  %-4s stores %d\n", name, v + 1);
  last_store = name;
}

static void *t1_main(void *arg) {
  (void)arg;
  increment(1);
  return NULL;
}

int main(void) {
  pthread_t t;
  int rc;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if (dsched_configure_from_env() != 0)
    return 2; /* the scheduler said what is wrong with SCHED */
  if (!dsched_active())
    printf("(no SCHED set: the threads run freely; set SCHED=order:... to "
           "choose)\n");
  if ((rc = pthread_create(&t, NULL, t1_main, NULL)) != 0) {
    fprintf(stderr, "21-lost-update: pthread_create: error %d\n", rc);
    return 3;
  }
  increment(0);
  if ((rc = pthread_join(t, NULL)) != 0) {
    fprintf(stderr, "21-lost-update: pthread_join: error %d\n", rc);
    return 3;
  }
  if (counter == 2) {
    printf("count 2: both increments are there\n");
  } else {
    const char *other = last_store[0] == 'm' ? "t1" : "main";
    printf("count %d: %s stored last, from a stale load of %d: %s's "
           "increment is lost\n",
           counter, last_store, loaded[last_store[0] == 'm' ? 0 : 1], other);
  }
  if (dsched_active())
    printf("schedule taken: %s\n", dsched_taken());
  return counter == 2 ? 0 : 1;
}
