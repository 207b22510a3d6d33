/* smp-box.c: see smp-box.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smp-box.h"

/* Fixed point: 1/2^20.  */
#define BOX_ONE 1048576.0

/* Window sums below this magnitude divide exactly in double: the quotient
 * of two integers below 2^52 rounds to a double that truncates to the
 * integer quotient.  */
#define EXACT_SUM 4503599627370496.0   /* 2^52 */

/* llround (v) (half away from zero) without the library call: v - trunc
 * (v) is exact, and has v's sign; without a branch, which the pixels'
 * fractions would take at random.  |v| < 2^62.  */
static inline int64_t
fixed (float value)
{
  double  v = value * BOX_ONE;
  int64_t t = (int64_t) v;
  double  d = v - (double) t;

  return t + (d >= 0.5) - (d <= -0.5);
}

/* The sum over a window, divided by its count as C's integer division
 * does (toward zero); in double when that is exact.  */
static inline int64_t
divide (int64_t sum,
        int     count,
        int     exact)
{
  return exact ? (int64_t) ((double) sum / count) : sum / count;
}

int
smp_box_mean (const float *src,
              float       *dst,
              int          w,
              int          h,
              int          r)
{
  size_t   n    = (size_t) w * h;
  int64_t *tmp  = malloc (sizeof (int64_t) * (n ? n : 1));
  int64_t *row  = malloc (sizeof (int64_t) * (size_t) (w > 0 ? w : 1));
  int64_t *cols = malloc (sizeof (int64_t) * (size_t) (w > 0 ? w : 1));
  double   vmax = 0.0;
  int      exact, x, y;
  size_t   i;

  if (! tmp || ! row || ! cols)
    {
      free (tmp);
      free (row);
      free (cols);
      return 0;
    }
  if (r < 0)
    r = 0;
  for (i = 0; i < n; i++)
    if (isfinite (src[i]) && fabs (src[i]) > vmax)
      vmax = fabs (src[i]);
  /* No window sum can reach 2^52 (nor a fixed-point value overflow).  */
  exact = (2.0 * r + 1.0) * (vmax * BOX_ONE + 1.0) < EXACT_SUM;
  if (! exact && ! (vmax * BOX_ONE < 4611686018427387904.0))   /* 2^62 */
    exact = -1;

  /* Rows: windows kept as running sums of exact fixed-point values, each
   * the sum over the window clipped to the row, then the integer mean:
   * what prefix sums give, without their overflow.  */
  for (y = 0; y < h; y++)
    {
      const float *s = src + (size_t) y * w;
      int64_t     *t = tmp + (size_t) y * w;
      int64_t      sum = 0;

      for (x = 0; x < w; x++)
        row[x] = exact < 0 ? (isfinite (s[x]) ? llround (s[x] * BOX_ONE) : 0)
                           : (isfinite (s[x]) ? fixed (s[x]) : 0);
      for (x = 0; x < r && x < w; x++)
        sum += row[x];
      for (x = 0; x < w; x++)
        {
          int a = x - r < 0 ? 0 : x - r;
          int b = x + r > w - 1 ? w - 1 : x + r;

          if (x + r < w)
            sum += row[x + r];
          if (x - r - 1 >= 0)
            sum -= row[x - r - 1];
          t[x] = divide (sum, b - a + 1, exact > 0);
        }
    }

  /* Columns, a row at a time: each column's running sum over the rows of
   * the window.  */
  memset (cols, 0, sizeof (int64_t) * (size_t) w);
  for (y = 0; y < r && y < h; y++)
    for (x = 0; x < w; x++)
      cols[x] += tmp[(size_t) y * w + x];
  for (y = 0; y < h; y++)
    {
      int    a = y - r < 0 ? 0 : y - r;
      int    b = y + r > h - 1 ? h - 1 : y + r;
      double count = b - a + 1;
      float *d = dst + (size_t) y * w;

      if (y + r < h)
        {
          const int64_t *add = tmp + (size_t) (y + r) * w;

          for (x = 0; x < w; x++)
            cols[x] += add[x];
        }
      if (y - r - 1 >= 0)
        {
          const int64_t *sub = tmp + (size_t) (y - r - 1) * w;

          for (x = 0; x < w; x++)
            cols[x] -= sub[x];
        }
      for (x = 0; x < w; x++)
        d[x] = (float) ((double) cols[x] / count / BOX_ONE);
    }
  free (tmp);
  free (row);
  free (cols);
  return 1;
}
