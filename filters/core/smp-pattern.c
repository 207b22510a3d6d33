/* smp-pattern.c: the tile-independent point process; see smp-pattern.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <math.h>
#include <stdlib.h>

#include "smp-hash.h"
#include "smp-pattern.h"

/* Hash streams, one per independent choice.  */
enum
{
  STREAM_JITTER_X = 1,
  STREAM_JITTER_Y,
  STREAM_PERM_SITE,
  STREAM_PERM_PAIR,
  STREAM_PERM_PAIR_RANK,
  STREAM_RANK_SITE,
  STREAM_RANK_PAIR_ON,
  STREAM_RANK_PAIR,
  STREAM_PAIR_ANGLE,
  STREAM_PAIR_DIST,
  STREAM_KEY
};

/* Repulsion range and strength, in cell units.  */
#define REPEL_RADIUS  1.25
#define REPEL_GAIN    0.5

/* Initial jitter spans JITTER cells around each cell, more than the cell
 * itself, so that relaxation does not drift back towards a square lattice
 * (with JITTER 1 the global 4-fold bond order is about 0.1, with 1.5 it is
 * at the level of noise).  */
#define JITTER        1.5

/* Rank strata: blocks of STRATA x STRATA cells.  */
#define STRATA        4

/* Distance of a pair's second dot from the first, in cells.  */
#define PAIR_DIST_MIN 0.42
#define PAIR_DIST_VAR 0.16

static inline int64_t
floor_div (int64_t a,
           int64_t b)
{
  int64_t q = a / b;

  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

void
smp_pattern_init (SmpPattern *pattern,
                  double      impressions_per_cm2,
                  double      clustering,
                  uint32_t    seed)
{
  double per_mm2;

  if (! (clustering >= 0.0))
    clustering = 0.0;
  if (clustering > 1.0)
    clustering = 1.0;

  pattern->clustering = clustering;
  pattern->seed       = seed;
  pattern->cell       = 0.0;

  per_mm2 = impressions_per_cm2 / 100.0;
  /* Below one dot per 10 m² there is nothing to draw; also catches NaN.  */
  if (per_mm2 > 1e-7 && isfinite (per_mm2))
    pattern->cell = sqrt ((1.0 + clustering) / per_mm2);
}

double
smp_pattern_reach (const SmpPattern *pattern)
{
  /* Relaxation drift plus the pair offset.  */
  return pattern->cell * ((JITTER - 1.0) / 2.0 +
                          SMP_PATTERN_STEPS * SMP_PATTERN_MAX_STEP +
                          PAIR_DIST_MIN + PAIR_DIST_VAR);
}

/* The strata of a block of STRATA² cells: a Fisher-Yates shuffle keyed by
 * the block, perm[cell index in the block] = its stratum.  */
static void
strata (uint32_t seed,
        int64_t  bx,
        int64_t  by,
        uint32_t stream,
        int     *perm)
{
  int i;

  for (i = 0; i < STRATA * STRATA; i++)
    perm[i] = i;
  for (i = STRATA * STRATA - 1; i > 0; i--)
    {
      uint32_t h = smp_hash4 (seed, (int32_t) bx, (int32_t) by,
                              stream * 64 + (uint32_t) i);
      int      j = (int) (h % (uint32_t) (i + 1));
      int      t = perm[i];

      perm[i] = perm[j];
      perm[j] = t;
    }
}

/* One Jacobi step of repulsion for the cells inside [m, w-m) x [m, h-m).  */
static void
relax_step (const double *ox,
            const double *oy,
            double       *nx,
            double       *ny,
            int64_t       w,
            int64_t       h,
            int64_t       m)
{
  int64_t i, j;

  for (j = m; j < h - m; j++)
    for (i = m; i < w - m; i++)
      {
        int64_t c  = j * w + i;
        double  px = ox[c];
        double  py = oy[c];
        double  fx = 0.0, fy = 0.0, f2;
        int     di, dj;

        for (dj = -2; dj <= 2; dj++)
          for (di = -2; di <= 2; di++)
            {
              int64_t n = c + dj * w + di;
              double  vx, vy, d2, d, k;

              if (di == 0 && dj == 0)
                continue;
              vx = px - (di + ox[n]);
              vy = py - (dj + oy[n]);
              d2 = vx * vx + vy * vy;
              if (d2 >= REPEL_RADIUS * REPEL_RADIUS || d2 <= 1e-12)
                continue;
              d = sqrt (d2);
              k = 1.0 - d / REPEL_RADIUS;
              k = k * k / d;
              fx += vx * k;
              fy += vy * k;
            }

        fx *= REPEL_GAIN;
        fy *= REPEL_GAIN;
        f2  = fx * fx + fy * fy;
        if (f2 > SMP_PATTERN_MAX_STEP * SMP_PATTERN_MAX_STEP)
          {
            double s = SMP_PATTERN_MAX_STEP / sqrt (f2);

            fx *= s;
            fy *= s;
          }
        nx[c] = px + fx;
        ny[c] = py + fy;
      }
}

/* Of four directions around a random one, the one that leads farthest from
 * the neighbouring sites, so that a pair does not land on a neighbour.  */
static double
pair_angle (const double *ox,
            const double *oy,
            int64_t       w,
            int64_t       c,
            double        a0)
{
  double best = a0, best_d2 = -1.0;
  int    k;

  for (k = 0; k < 4; k++)
    {
      double a  = a0 + k * (M_PI / 2.0);
      double px = ox[c] + PAIR_DIST_MIN * cos (a);
      double py = oy[c] + PAIR_DIST_MIN * sin (a);
      double nearest = INFINITY;
      int    di, dj;

      for (dj = -2; dj <= 2; dj++)
        for (di = -2; di <= 2; di++)
          {
            int64_t n  = c + dj * w + di;
            double  vx = px - (di + ox[n]);
            double  vy = py - (dj + oy[n]);
            double  d2 = vx * vx + vy * vy;

            if ((di || dj) && d2 < nearest)
              nearest = d2;
          }
      if (nearest > best_d2)
        {
          best_d2 = nearest;
          best    = a;
        }
    }
  return best;
}

static int
push_dot (SmpDot  **dots,
          size_t   *alloc,
          size_t    n,
          double    x,
          double    y,
          double    rank,
          uint32_t  key)
{
  if (n >= *alloc)
    {
      size_t  grown = *alloc ? *alloc * 2 : 256;
      SmpDot *d     = realloc (*dots, grown * sizeof (SmpDot));

      if (! d)
        return 0;
      *dots  = d;
      *alloc = grown;
    }
  (*dots)[n].x    = x;
  (*dots)[n].y    = y;
  (*dots)[n].rank = (float) rank;
  (*dots)[n].key  = key;
  return 1;
}

size_t
smp_pattern_collect (const SmpPattern *pattern,
                     double            x0,
                     double            y0,
                     double            x1,
                     double            y1,
                     SmpDot          **dots,
                     size_t           *alloc)
{
  const double  h    = pattern->cell;
  /* Relaxation reads 2 cells around, and a pair looks 2 cells around.  */
  const int64_t pad  = 2 * SMP_PATTERN_STEPS + 2;
  int64_t       cx0, cy0, cx1, cy1, w, hgt, i, j, reach;
  double       *buf, *ox, *oy, *nx, *ny;
  size_t        n = 0;
  int           step;
  int64_t       last_bx = INT64_MIN, last_by = INT64_MIN;
  int           perm_site[STRATA * STRATA], perm_pair[STRATA * STRATA];
  int           perm_pair_rank[STRATA * STRATA];

  if (! (h > 0.0) || ! (x1 > x0) || ! (y1 > y0))
    return 0;

  reach = (int64_t) ceil (smp_pattern_reach (pattern) / h) + 1;
  cx0 = (int64_t) floor (x0 / h) - reach;
  cy0 = (int64_t) floor (y0 / h) - reach;
  cx1 = (int64_t) floor (x1 / h) + reach;
  cy1 = (int64_t) floor (y1 / h) + reach;
  w   = cx1 - cx0 + 1 + 2 * pad;
  hgt = cy1 - cy0 + 1 + 2 * pad;
  if (w <= 0 || hgt <= 0 || w > (1 << 14) || hgt > (1 << 14) ||
      w * hgt > (1 << 24))
    return (size_t) -1;

  buf = malloc ((size_t) (w * hgt) * 4 * sizeof (double));
  if (! buf)
    return (size_t) -1;
  ox = buf;
  oy = ox + w * hgt;
  nx = oy + w * hgt;
  ny = nx + w * hgt;

  /* Offsets are kept relative to each site's own cell so that the
   * arithmetic, and so every bit of the result, is the same wherever the
   * cell lies.  */
  for (j = 0; j < hgt; j++)
    for (i = 0; i < w; i++)
      {
        int32_t gx = (int32_t) (cx0 - pad + i);
        int32_t gy = (int32_t) (cy0 - pad + j);

        ox[j * w + i] = 0.5 + JITTER * (smp_hash_uniform (pattern->seed,
                                                          gx, gy,
                                                          STREAM_JITTER_X) -
                                        0.5);
        oy[j * w + i] = 0.5 + JITTER * (smp_hash_uniform (pattern->seed,
                                                          gx, gy,
                                                          STREAM_JITTER_Y) -
                                        0.5);
      }

  for (step = 1; step <= SMP_PATTERN_STEPS; step++)
    {
      double *t;

      relax_step (ox, oy, nx, ny, w, hgt, 2 * step);
      t = ox; ox = nx; nx = t;
      t = oy; oy = ny; ny = t;
    }

  for (j = pad; j < hgt - pad; j++)
    for (i = pad; i < w - pad; i++)
      {
        int64_t  gx = cx0 - pad + i;
        int64_t  gy = cy0 - pad + j;
        int64_t  bx = floor_div (gx, STRATA);
        int64_t  by = floor_div (gy, STRATA);
        int      index = (int) ((gy - by * STRATA) * STRATA + (gx - bx * STRATA));
        uint32_t s  = pattern->seed;
        double   x  = (gx + ox[j * w + i]) * h;
        double   y  = (gy + oy[j * w + i]) * h;
        double   rank, pair_on;

        /* Cells come in raster order: a block's strata serve 4 cells in a
         * row before the next block's are needed.  */
        if (bx != last_bx || by != last_by)
          {
            strata (s, bx, by, STREAM_PERM_SITE, perm_site);
            strata (s, bx, by, STREAM_PERM_PAIR, perm_pair);
            strata (s, bx, by, STREAM_PERM_PAIR_RANK, perm_pair_rank);
            last_bx = bx;
            last_by = by;
          }

        rank = (perm_site[index] +
                smp_hash_uniform (s, (int32_t) gx, (int32_t) gy,
                                  STREAM_RANK_SITE)) / (STRATA * STRATA);
        if (x >= x0 && x < x1 && y >= y0 && y < y1)
          {
            if (! push_dot (dots, alloc, n, x, y, rank,
                            smp_hash4 (s, (int32_t) gx, (int32_t) gy,
                                       STREAM_KEY)))
              goto oom;
            n++;
          }

        pair_on = (perm_pair[index] +
                   smp_hash_uniform (s, (int32_t) gx, (int32_t) gy,
                                     STREAM_RANK_PAIR_ON)) /
                  (STRATA * STRATA);
        if (pair_on < pattern->clustering)
          {
            double a = pair_angle (ox, oy, w, j * w + i,
                                   2.0 * M_PI *
                                   smp_hash_uniform (s, (int32_t) gx,
                                                     (int32_t) gy,
                                                     STREAM_PAIR_ANGLE));
            double d = h * (PAIR_DIST_MIN + PAIR_DIST_VAR *
                            smp_hash_uniform (s, (int32_t) gx, (int32_t) gy,
                                              STREAM_PAIR_DIST));

            x += d * cos (a);
            y += d * sin (a);
            if (x >= x0 && x < x1 && y >= y0 && y < y1)
              {
                rank = (perm_pair_rank[index] +
                        smp_hash_uniform (s, (int32_t) gx, (int32_t) gy,
                                          STREAM_RANK_PAIR)) /
                       (STRATA * STRATA);
                if (! push_dot (dots, alloc, n, x, y, rank,
                                smp_hash4 (s, (int32_t) gx, (int32_t) gy,
                                           STREAM_KEY + 1)))
                  goto oom;
                n++;
              }
          }
      }

  free (buf);
  return n;

oom:
  free (buf);
  return (size_t) -1;
}
