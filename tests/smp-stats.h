/* smp-stats.h: measures of point patterns and images used by the tests.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_STATS_H
#define SMP_STATS_H

#include <stddef.h>

typedef struct
{
  double mean_rho;      /* mean nearest-neighbour distance / d_max */
  double min_rho;       /* smallest nearest-neighbour distance / d_max */
  double psi4, psi6;    /* global bond-orientational order, 0 = none */
  double local_psi6;    /* mean local hexatic order |psi6| per point */
  size_t n_measured;    /* interior points the figures come from */
} SmpPointStats;

/* Points as x, y pairs inside the box [0, w) x [0, h); points closer than
 * `margin` to the border are neighbours but not measured.  d_max uses the
 * density of all points.  */
void   smp_stats_points   (const double  *xy,
                           size_t         n,
                           double         w,
                           double         h,
                           double         margin,
                           SmpPointStats *stats);

/* The 8-connected components of pixels where value > threshold: their
 * count, and their centroids (x, y pairs, pixel units, free() them) in
 * *centroids when it is not NULL.  */
size_t smp_stats_blobs    (const float   *values,
                           int            width,
                           int            height,
                           float          threshold,
                           double       **centroids);

#endif
