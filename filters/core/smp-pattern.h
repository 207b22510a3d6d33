/* smp-pattern.h: the tile-independent point process of the impressions.
 *
 * Sites sit one per square cell of side `cell` mm, jittered, then relaxed
 * by a few steps of short-range repulsion: a blue-noise-like pattern with a
 * soft minimum spacing and no lattice.  A fraction `clustering` of sites
 * carries a second dot close by (a follicular-unit pair).  Each dot carries
 * a rank in [0, 1), stratified over blocks of 4 x 4 cells, so that keeping
 * the dots whose rank is below a local mask value thins the pattern to that
 * fraction of the density with little count noise.
 *
 * Everything is a pure function of (seed, cell index): any region can be
 * asked for, in any order, and gives the same dots.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_PATTERN_H
#define SMP_PATTERN_H

#include <stddef.h>
#include <stdint.h>

typedef struct
{
  double   x, y;   /* centre, mm, absolute */
  float    rank;   /* the dot is kept where rank < mask */
  uint32_t key;    /* the dot's own random stream (size, shade, ...) */
} SmpDot;

typedef struct
{
  double   cell;        /* site spacing, mm; 0 means no dots at all */
  double   clustering;  /* fraction of sites with a second dot, 0..1 */
  uint32_t seed;
} SmpPattern;

/* Relaxation steps and how far one step may move a site (cell units).  */
#define SMP_PATTERN_STEPS     4
#define SMP_PATTERN_MAX_STEP  0.25

void   smp_pattern_init    (SmpPattern       *pattern,
                            double            impressions_per_cm2,
                            double            clustering,
                            uint32_t          seed);

/* How far (mm) a dot can lie outside the square of its site's cell.  */
double smp_pattern_reach   (const SmpPattern *pattern);

/* Stores in *dots (grown with realloc, *alloc its capacity) every dot whose
 * centre lies in [x0, x1) x [y0, y1) mm, in a canonical order (cells in
 * raster order, a site's main dot before its pair) that does not depend on
 * the rectangle.  Returns the number of dots, or (size_t) -1 when memory
 * ran out.  */
size_t smp_pattern_collect (const SmpPattern *pattern,
                            double            x0,
                            double            y0,
                            double            x1,
                            double            y1,
                            SmpDot          **dots,
                            size_t           *alloc);

#endif
