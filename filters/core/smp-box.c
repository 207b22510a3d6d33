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

#include "smp-box.h"

/* Fixed point: 1/2^20.  */
#define BOX_ONE 1048576.0

int
smp_box_mean (const float *src,
              float       *dst,
              int          w,
              int          h,
              int          r)
{
  size_t   n   = (size_t) w * h;
  int64_t *q   = malloc (sizeof (int64_t) * ((size_t) (w > h ? w : h) + 1));
  int64_t *tmp = malloc (sizeof (int64_t) * (n ? n : 1));
  int64_t *col;
  int      x, y, top = 0, bottom = -1;

  if (! q || ! tmp)
    {
      free (q);
      free (tmp);
      return 0;
    }
  if (r < 0)
    r = 0;
  /* Rows: prefix sums, then windows, each kept as a sum with its count
   * folded in: exact.  */
  for (y = 0; y < h; y++)
    {
      const float *row = src + (size_t) y * w;

      q[0] = 0;
      for (x = 0; x < w; x++)
        q[x + 1] = q[x] + (isfinite (row[x]) ?
                           (int64_t) llround (row[x] * BOX_ONE) : 0);
      for (x = 0; x < w; x++)
        {
          int a = x - r < 0 ? 0 : x - r;
          int b = x + r > w - 1 ? w - 1 : x + r;

          tmp[(size_t) y * w + x] = (q[b + 1] - q[a]) / (b - a + 1);
        }
    }
  /* Columns: the rows of each window, added as the window moves down (the
   * same integer sums as a column's prefix sums give, read row by row).  */
  col = calloc ((size_t) (w ? w : 1), sizeof (int64_t));
  if (! col)
    {
      free (q);
      free (tmp);
      return 0;
    }
  for (y = 0; y < h; y++)
    {
      int a = y - r < 0 ? 0 : y - r;
      int b = y + r > h - 1 ? h - 1 : y + r;

      while (bottom < b)
        {
          const int64_t *row = tmp + (size_t) ++bottom * w;

          for (x = 0; x < w; x++)
            col[x] += row[x];
        }
      while (top < a)
        {
          const int64_t *row = tmp + (size_t) top++ * w;

          for (x = 0; x < w; x++)
            col[x] -= row[x];
        }
      for (x = 0; x < w; x++)
        dst[(size_t) y * w + x] = (float) ((double) col[x] / (b - a + 1) /
                                           BOX_ONE);
    }
  free (col);
  free (q);
  free (tmp);
  return 1;
}
