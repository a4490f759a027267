/* corpus_split.c -- corpus bug (pthread level): an atomicity violation
 * split over two critical sections. Two clients withdraw 60 from a balance
 * of 100: each checks the balance in one critical section and debits it in
 * another, so both can pass the check. Exit 1 when the balance went
 * negative. Twin: -DOK (check and debit in one critical section). */
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
static int balance = 100;

static void *withdraw(void *arg) {
  int amount = (int)(long)arg, ok;
  CHECK(pthread_mutex_lock(&mu));
  ok = balance >= amount;
#ifndef OK
  CHECK(pthread_mutex_unlock(&mu)); /* BUG: the check no longer holds ... */
  CHECK(pthread_mutex_lock(&mu));   /* ... when the debit runs */
#endif
  if (ok)
    balance -= amount;
  CHECK(pthread_mutex_unlock(&mu));
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  CHECK(pthread_create(&t1, NULL, withdraw, (void *)60L));
  CHECK(pthread_create(&t2, NULL, withdraw, (void *)60L));
  CHECK(pthread_join(t1, NULL));
  CHECK(pthread_join(t2, NULL));
  if (balance < 0) {
    fprintf(stderr, "corpus_split: balance %d\n", balance);
    return 1;
  }
  return 0;
}
