/* stats.c -- the statistics behind hunt's verdicts: the Wilson interval
 * of a measured rate, the bound after clean runs, and how many clean runs
 * claim a fix. */
#include "hunt.h"

#include <math.h>

void hunt_wilson(long k, long n, double z, double *lo, double *hi) {
  if (n <= 0) {
    *lo = 0.0;
    *hi = 1.0;
    return;
  }
  double p = (double)k / (double)n, z2 = z * z, nn = (double)n;
  double denom = 1.0 + z2 / nn;
  double center = (p + z2 / (2.0 * nn)) / denom;
  double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  *lo = k == 0 ? 0.0 : fmax(0.0, center - half);
  *hi = k == n ? 1.0 : fmin(1.0, center + half);
}

double hunt_zero_fail_bound(long n, double c) {
  if (n <= 0)
    return 1.0;
  /* @snippet zero_fail_bound */
  /* n clean runs happen with probability (1-u)^n; the largest rate u that
   * still makes them at least 1-c likely is the bound. */
  return 1.0 - pow(1.0 - c, 1.0 / (double)n);
  /* @end */
}

long hunt_runs_to_claim_fix(double p, double c) {
  if (!(p > 0.0))
    return -1;
  if (p >= 1.0)
    return 1;
  /* @snippet runs_to_claim_fix */
  /* A bug that fails with probability p survives n runs unseen with
   * probability (1-p)^n; we need that to be at most 1-c. log1p keeps small
   * p accurate, and the 1e-9 keeps an exact integer from rounding up. */
  return (long)ceil(log(1.0 - c) / log1p(-p) - 1e-9);
  /* @end */
}
