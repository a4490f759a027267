/* clock.c -- the event clock: the TSC where it is invariant,
 * else CLOCK_MONOTONIC, and the conversion of raw ticks to nanoseconds at
 * flush time. */
#include "internal.h"

/* The hot path reads the TSC where it is invariant (11 ns here against
 * 30 ns for clock_gettime); flushes convert ticks to CLOCK_MONOTONIC
 * nanoseconds by interpolating between the pair taken at open and a pair
 * taken at flush time, so every converted event lies inside the calibration
 * span. CORRLOG_CLOCK=mono in the environment forces clock_gettime. */
int corrlog__use_tsc;
/* Raw clock units per millisecond, measured once (clock_choose). */
uint64_t corrlog__raw_per_ms = 1000000;
uint64_t corrlog__cal_tsc0, corrlog__cal_ns0;

uint64_t corrlog__mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void corrlog__clockconv_init(struct corrlog__clockconv *cc) {
  cc->tsc0 = corrlog__cal_tsc0;
  cc->ns0 = corrlog__cal_ns0;
  cc->ns_per_tick = 1.0;
#ifdef CORRLOG__HAVE_TSC
  if (corrlog__use_tsc) {
    uint64_t n1 = corrlog__mono_ns(), t1 = __rdtsc();
    /* A span under a millisecond would make the rate noisy: a flush that
     * soon after open (a short program's close) takes the rate measured
     * once at start-up instead of spinning out the millisecond. */
    if (n1 - corrlog__cal_ns0 < 1000000u || t1 <= corrlog__cal_tsc0)
      cc->ns_per_tick = 1e6 / (double)corrlog__raw_per_ms;
    else
      cc->ns_per_tick =
          (double)(n1 - corrlog__cal_ns0) / (double)(t1 - corrlog__cal_tsc0);
  }
#endif
}

uint64_t corrlog__clockconv_ns(const struct corrlog__clockconv *cc,
                               uint64_t raw) {
  if (!corrlog__use_tsc)
    return raw;
  if (raw < cc->tsc0)
    return cc->ns0;
  return cc->ns0 + (uint64_t)((double)(raw - cc->tsc0) * cc->ns_per_tick);
}

/* How long the opening thread watches both clocks to learn the tick rate:
 * the two readings at each end are some 30 ns apart, so the rate is good to
 * about 1e-3 (a microsecond over the millisecond it is used for). */
#define CAL_SPAN_NS 100000u
static int rate_measured;

/* Decides, at each open and before any event, which clock the hot path
 * reads. */
void corrlog__clock_choose(void) {
  const char *e = getenv("CORRLOG_CLOCK");
  corrlog__use_tsc = 0;
#ifdef CORRLOG__HAVE_TSC
  unsigned a, b, c, d;
  /* CPUID 0x80000007 EDX bit 8: the TSC runs at a constant rate in all
   * power states, so ticks measure time on every core. */
  if (__get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8)) &&
      !(e && strcmp(e, "mono") == 0))
    corrlog__use_tsc = 1;
  if (corrlog__use_tsc && !rate_measured) {
    /* The tick rate, roughly, for deadlines on the hot path (see
     * flusher_due) and for flushes soon after open; exact conversions
     * interpolate at flush time. Measured once per process, by watching
     * both clocks for CAL_SPAN_NS on the opening thread without letting go
     * of its core. A sleep here would deschedule the opening thread and
     * wake it again just as a program starts its threads, which is enough
     * to change how often scenario 04's race shows (chapters/04-heisenbug.md
     * measures it). */
    uint64_t n0 = corrlog__mono_ns(), t0 = __rdtsc(), n1, t1;
    do
      n1 = corrlog__mono_ns();
    while (n1 - n0 < CAL_SPAN_NS);
    t1 = __rdtsc();
    if (t1 > t0)
      corrlog__raw_per_ms = (t1 - t0) * 1000000 / (n1 - n0);
    rate_measured = 1;
  }
#endif
  (void)e;
}

void corrlog__clock_setup(void) {
  corrlog__cal_ns0 = corrlog__mono_ns();
#ifdef CORRLOG__HAVE_TSC
  corrlog__cal_tsc0 = corrlog__use_tsc ? __rdtsc() : 0;
#endif
}
