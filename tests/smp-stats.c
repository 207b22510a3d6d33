/* smp-stats.c: see smp-stats.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smp-blobs.h"
#include "smp-stats.h"

typedef struct
{
  double d2;
  double angle;
} Neighbour;

static int
cmp_neighbour (const void *a,
               const void *b)
{
  double da = ((const Neighbour *) a)->d2;
  double db = ((const Neighbour *) b)->d2;

  return (da > db) - (da < db);
}

void
smp_stats_points (const double  *xy,
                  size_t         n,
                  double         w,
                  double         h,
                  double         margin,
                  SmpPointStats *stats)
{
  double     d_max, cell;
  int        gw, gh, i;
  size_t    *head, *next, k;
  double     sum = 0.0, min = INFINITY;
  double     p4r = 0, p4i = 0, p6r = 0, p6i = 0, local6 = 0;
  size_t     bonds4 = 0, bonds6 = 0, measured = 0;
  Neighbour  near[64];

  memset (stats, 0, sizeof (*stats));
  if (n < 8)
    return;

  d_max = sqrt (2.0 / (sqrt (3.0) * (n / (w * h))));
  cell  = d_max;
  gw    = (int) ceil (w / cell) + 1;
  gh    = (int) ceil (h / cell) + 1;
  head  = malloc (sizeof (size_t) * gw * gh);
  next  = malloc (sizeof (size_t) * n);
  for (i = 0; i < gw * gh; i++)
    head[i] = (size_t) -1;
  for (k = 0; k < n; k++)
    {
      int cx = (int) (xy[2 * k] / cell), cy = (int) (xy[2 * k + 1] / cell);

      cx = cx < 0 ? 0 : cx >= gw ? gw - 1 : cx;
      cy = cy < 0 ? 0 : cy >= gh ? gh - 1 : cy;
      next[k] = head[cy * gw + cx];
      head[cy * gw + cx] = k;
    }

  for (k = 0; k < n; k++)
    {
      double x = xy[2 * k], y = xy[2 * k + 1];
      int    cx = (int) (x / cell), cy = (int) (y / cell), dx, dy, m = 0, q;
      double lr = 0, li = 0;

      if (x < margin || y < margin || x >= w - margin || y >= h - margin)
        continue;
      /* Three cells of d_max hold the six nearest neighbours of any
       * pattern but a badly clustered one, which fails anyway.  */
      for (dy = -3; dy <= 3; dy++)
        for (dx = -3; dx <= 3; dx++)
          {
            int    gx = cx + dx, gy = cy + dy;
            size_t o;

            if (gx < 0 || gy < 0 || gx >= gw || gy >= gh)
              continue;
            for (o = head[gy * gw + gx]; o != (size_t) -1; o = next[o])
              {
                double vx = xy[2 * o] - x, vy = xy[2 * o + 1] - y;

                if (o == k || m >= 64)
                  continue;
                near[m].d2    = vx * vx + vy * vy;
                near[m].angle = atan2 (vy, vx);
                m++;
              }
          }
      if (m < 6)
        continue;
      qsort (near, m, sizeof (Neighbour), cmp_neighbour);
      sum += sqrt (near[0].d2);
      if (sqrt (near[0].d2) < min)
        min = sqrt (near[0].d2);
      for (q = 0; q < 4; q++)
        {
          p4r += cos (4 * near[q].angle);
          p4i += sin (4 * near[q].angle);
          bonds4++;
        }
      for (q = 0; q < 6; q++)
        {
          p6r += cos (6 * near[q].angle);
          p6i += sin (6 * near[q].angle);
          lr  += cos (6 * near[q].angle);
          li  += sin (6 * near[q].angle);
          bonds6++;
        }
      local6 += sqrt (lr * lr + li * li) / 6.0;
      measured++;
    }

  free (head);
  free (next);
  if (! measured)
    return;
  stats->n_measured = measured;
  stats->mean_rho   = sum / measured / d_max;
  stats->min_rho    = min / d_max;
  stats->psi4       = sqrt (p4r * p4r + p4i * p4i) / bonds4;
  stats->psi6       = sqrt (p6r * p6r + p6i * p6i) / bonds6;
  stats->local_psi6 = local6 / measured;
}

size_t
smp_stats_blobs (const float *values,
                 int          width,
                 int          height,
                 float        threshold,
                 double     **centroids)
{
  unsigned char *on = malloc ((size_t) width * height);
  size_t         n, i;

  for (i = 0; i < (size_t) width * height; i++)
    on[i] = values[i] > threshold;
  n = smp_blobs (on, width, height, centroids);
  free (on);
  return n;
}
