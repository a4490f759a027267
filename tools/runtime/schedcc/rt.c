/* rt.c -- the runtime of build/schedcc: the hooks an instrumented program
 * calls at each load and store of memory that may be shared, forwarded to
 * the LD_PRELOAD scheduler's schedule point, so that a race whose window
 * holds no pthread call (two plain stores, a read-modify-write) can be
 * opened by the scheduler.
 *
 * Two instrumentations call into it:
 *   clang -fsanitize-coverage=trace-pc-guard,trace-loads,trace-stores
 *     calls __sanitizer_cov_loadN / __sanitizer_cov_storeN (N = 1, 2, 4,
 *     8, 16) before each access; trace-loads and trace-stores need one of
 *     the edge modes, so __sanitizer_cov_trace_pc_guard(_init) are here
 *     too, and do nothing. This is schedcc's default route.
 *   gcc or clang -fsanitize=thread at compile time only (schedcc --tsan)
 *     calls __tsan_readN / __tsan_writeN and the __tsan_atomic* functions;
 *     this file stands in for libtsan, which is not linked: the accesses
 *     become schedule points and the atomics are carried out here.
 *
 * The schedule point is dsched_preload_point(what, addr), exported by
 * build/libsched-preload.so. It is looked up once, at start, with dlsym:
 * without the shim (or with a shim that does not export it) every hook
 * returns after one test and the program runs as if not instrumented.
 *
 * What is skipped, because no other thread can see it: the calling
 * thread's own stack (bounds read once per thread) and its static
 * thread-local storage (a band around the thread pointer as wide as the
 * TLS segments of all loaded objects, measured once at start). Two
 * comparisons per access; heap and global memory are always points. */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef void (*point_fn)(const char *what, const void *addr);

static point_fn point;
static uintptr_t tls_span; /* bytes of static TLS, all objects, rounded */

static __thread uintptr_t stack_lo, stack_hi;
static __thread int stack_known;

static int add_tls(struct dl_phdr_info *info, size_t size, void *data) {
  uintptr_t *sum = data;
  (void)size;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_TLS)
      *sum += info->dlpi_phdr[i].p_memsz + info->dlpi_phdr[i].p_align;
  return 0;
}

__attribute__((constructor)) static void schedcc_rt_init(void) {
  uintptr_t sum = 256; /* the thread control block's own fields */
  dl_iterate_phdr(add_tls, &sum);
  tls_span = sum;
  /* Last: once point is set, the hooks start to call it. */
  point = (point_fn)dlsym(RTLD_DEFAULT, "dsched_preload_point");
}

/* The end of the mapping of /proc/self/maps that holds addr, or 0. */
static uintptr_t mapping_end(uintptr_t addr) {
  FILE *f = fopen("/proc/self/maps", "r");
  unsigned long lo, hi;
  uintptr_t end = 0;
  int c;
  if (f == NULL)
    return 0;
  while (end == 0 && fscanf(f, "%lx-%lx", &lo, &hi) == 2) {
    if (addr >= lo && addr < hi)
      end = (uintptr_t)hi;
    while ((c = getc(f)) != EOF && c != '\n')
      ;
  }
  fclose(f);
  return end;
}

/* Reads the calling thread's stack bounds. A thread whose bounds cannot be
 * read gets an empty range: all its accesses are points (safe, just
 * slower). The main thread's, as glibc reports them, end at the page
 * above __libc_stack_end, which leaves argv and the environment above it
 * now inside and now outside the range, as address-space randomisation
 * moves that page boundary: argv[1] was a point in some runs and not in
 * others, and a run did not replay. So the main thread's range goes on to
 * the end of its stack's mapping, in every run. */
static void learn_stack(void) {
  pthread_attr_t a;
  void *base;
  size_t size;
  /* The program's next instruction may read errno: it sees its own. */
  int saved_errno = errno;
  stack_known = 1;
  if (pthread_getattr_np(pthread_self(), &a) != 0) {
    errno = saved_errno;
    return;
  }
  if (pthread_attr_getstack(&a, &base, &size) == 0) {
    stack_lo = (uintptr_t)base;
    stack_hi = (uintptr_t)base + size;
  }
  pthread_attr_destroy(&a);
  if (stack_hi != 0 && getpid() == (pid_t)syscall(SYS_gettid)) {
    uintptr_t end = mapping_end(stack_hi - 1);
    if (end > stack_hi)
      stack_hi = end;
  }
  errno = saved_errno;
}

static inline int thread_private(const void *addr) {
  uintptr_t a = (uintptr_t)addr, tp = (uintptr_t)__builtin_thread_pointer();
  if (!stack_known)
    learn_stack();
  if (a >= stack_lo && a < stack_hi)
    return 1;
  /* Static TLS lies just below the thread pointer on x86-64 and just
   * above it on aarch64: the band covers both. */
  return a - (tp - tls_span) < 2 * tls_span;
}

static inline void access_point(const char *what, const void *addr) {
  point_fn p = point;
  if (p == NULL || thread_private(addr))
    return;
  p(what, addr);
}

/* ---------------------------------------------------- sanitizer coverage */
void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop) {
  (void)start;
  (void)stop;
}
void __sanitizer_cov_trace_pc_guard(uint32_t *guard) {
  (void)guard;
}

#define SANCOV(n, t)                                                           \
  void __sanitizer_cov_load##n(t *addr) {                                      \
    access_point("load" #n, addr);                                             \
  }                                                                            \
  void __sanitizer_cov_store##n(t *addr) {                                     \
    access_point("store" #n, addr);                                            \
  }
SANCOV(1, uint8_t)
SANCOV(2, uint16_t)
SANCOV(4, uint32_t)
SANCOV(8, uint64_t)
SANCOV(16, __int128)

/* ------------------------------------------------------------ tsan route */
void __tsan_init(void) {
}
void __tsan_func_entry(void *pc) {
  (void)pc;
}
void __tsan_func_exit(void) {
}
void __tsan_vptr_update(void **vptr, void *val) {
  (void)val;
  access_point("vptr", vptr);
}
void __tsan_vptr_read(void **vptr) {
  access_point("vptr", vptr);
}
void __tsan_read_range(void *addr, size_t size) {
  (void)size;
  access_point("load", addr);
}
void __tsan_write_range(void *addr, size_t size) {
  (void)size;
  access_point("store", addr);
}

#define TSAN_ACCESS(n)                                                         \
  void __tsan_read##n(void *a) {                                               \
    access_point("load" #n, a);                                                \
  }                                                                            \
  void __tsan_write##n(void *a) {                                              \
    access_point("store" #n, a);                                               \
  }                                                                            \
  void __tsan_unaligned_read##n(void *a) {                                     \
    access_point("load" #n, a);                                                \
  }                                                                            \
  void __tsan_unaligned_write##n(void *a) {                                    \
    access_point("store" #n, a);                                               \
  }                                                                            \
  void __tsan_volatile_read##n(void *a) {                                      \
    access_point("load" #n, a);                                                \
  }                                                                            \
  void __tsan_volatile_write##n(void *a) {                                     \
    access_point("store" #n, a);                                               \
  }
TSAN_ACCESS(1)
TSAN_ACCESS(2)
TSAN_ACCESS(4)
TSAN_ACCESS(8)
TSAN_ACCESS(16)

/* The atomics are carried out here, sequentially consistent whatever order
 * was asked for (stronger is always allowed), each one a schedule point. */
#define SC __ATOMIC_SEQ_CST
#define TSAN_ATOMIC(n, t)                                                      \
  t __tsan_atomic##n##_load(const volatile t *a, int mo) {                     \
    (void)mo;                                                                  \
    access_point("atomic", (const void *)a);                                   \
    return __atomic_load_n(a, SC);                                             \
  }                                                                            \
  void __tsan_atomic##n##_store(volatile t *a, t v, int mo) {                  \
    (void)mo;                                                                  \
    access_point("atomic", (const void *)a);                                   \
    __atomic_store_n(a, v, SC);                                                \
  }                                                                            \
  TSAN_RMW(n, t, exchange, __atomic_exchange_n)                                \
  TSAN_RMW(n, t, fetch_add, __atomic_fetch_add)                                \
  TSAN_RMW(n, t, fetch_sub, __atomic_fetch_sub)                                \
  TSAN_RMW(n, t, fetch_and, __atomic_fetch_and)                                \
  TSAN_RMW(n, t, fetch_or, __atomic_fetch_or)                                  \
  TSAN_RMW(n, t, fetch_xor, __atomic_fetch_xor)                                \
  TSAN_RMW(n, t, fetch_nand, __atomic_fetch_nand)                              \
  int __tsan_atomic##n##_compare_exchange_strong(volatile t *a, t *c, t v,     \
                                                 int mo, int fmo) {            \
    (void)mo;                                                                  \
    (void)fmo;                                                                 \
    access_point("atomic", (const void *)a);                                   \
    return __atomic_compare_exchange_n(a, c, v, 0, SC, SC);                    \
  }                                                                            \
  int __tsan_atomic##n##_compare_exchange_weak(volatile t *a, t *c, t v,       \
                                               int mo, int fmo) {              \
    return __tsan_atomic##n##_compare_exchange_strong(a, c, v, mo, fmo);       \
  }                                                                            \
  t __tsan_atomic##n##_compare_exchange_val(volatile t *a, t c, t v, int mo,   \
                                            int fmo) {                         \
    __tsan_atomic##n##_compare_exchange_strong(a, &c, v, mo, fmo);             \
    return c;                                                                  \
  }
#define TSAN_RMW(n, t, op, builtin)                                            \
  t __tsan_atomic##n##_##op(volatile t *a, t v, int mo) {                      \
    (void)mo;                                                                  \
    access_point("atomic", (const void *)a);                                   \
    return builtin(a, v, SC);                                                  \
  }
TSAN_ATOMIC(8, uint8_t)
TSAN_ATOMIC(16, uint16_t)
TSAN_ATOMIC(32, uint32_t)
TSAN_ATOMIC(64, uint64_t)

void __tsan_atomic_thread_fence(int mo) {
  (void)mo;
  __atomic_thread_fence(SC);
}
void __tsan_atomic_signal_fence(int mo) {
  (void)mo;
  __atomic_signal_fence(SC);
}
