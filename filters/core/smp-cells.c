/* smp-cells.c: see smp-cells.h.
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

#include "smp-cells.h"

/* Fixed point of the cells' sums: 1/2^20.  */
#define CELL_ONE 1048576.0

struct _SmpCells
{
  int      k;          /* cell side (px) */
  int      cx0, cy0;   /* the first cell's index (absolute) */
  int      cw, ch;     /* cells across, down */
  int      x0, y0;     /* the array's first pixel (absolute) */
  int      w, h;
  float   *count;      /* pixels of the array in each cell */
  int64_t *sum;        /* each cell's sums of w, w r, w g, w b */
};

static int
floor_div (int a,
           int k)
{
  return a >= 0 ? a / k : -((-a + k - 1) / k);
}

SmpCells *
smp_cells_new (int k,
               int x0,
               int y0,
               int w,
               int h)
{
  SmpCells *g = calloc (1, sizeof (SmpCells));
  int       x, y;

  if (! g)
    return NULL;
  if (k < 1)
    k = 1;
  g->k   = k;
  g->x0  = x0;
  g->y0  = y0;
  g->w   = w;
  g->h   = h;
  g->cx0 = floor_div (x0, k);
  g->cy0 = floor_div (y0, k);
  g->cw  = floor_div (x0 + w - 1, k) - g->cx0 + 1;
  g->ch  = floor_div (y0 + h - 1, k) - g->cy0 + 1;
  g->count = calloc ((size_t) g->cw * g->ch, sizeof (float));
  g->sum   = calloc ((size_t) g->cw * g->ch * 4, sizeof (int64_t));
  if (! g->count || ! g->sum)
    {
      smp_cells_free (g);
      return NULL;
    }
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      g->count[(size_t) (floor_div (y0 + y, k) - g->cy0) * g->cw +
               floor_div (x0 + x, k) - g->cx0] += 1.0f;
  return g;
}

void
smp_cells_free (SmpCells *cells)
{
  if (cells)
    {
      free (cells->count);
      free (cells->sum);
    }
  free (cells);
}

size_t
smp_cells_size (const SmpCells *cells)
{
  return (size_t) cells->cw * cells->ch;
}

void
smp_cells_clear (SmpCells *cells)
{
  memset (cells->sum, 0, sizeof (int64_t) * 4 * smp_cells_size (cells));
}

void
smp_cells_add (SmpCells    *g,
               const float *rgb,
               const float *wt,
               int          x,
               int          y,
               int          w,
               int          h)
{
  int i, j, c;

  for (j = 0; j < h; j++)
    {
      int64_t *srow = g->sum + 4 * (size_t) (floor_div (g->y0 + y + j, g->k) -
                                            g->cy0) * g->cw;

      for (i = 0; i < w; i++)
        {
          size_t   o  = (size_t) j * w + i;
          float    wv = wt[o];
          int64_t *s;

          if (! (wv > 0.0f))
            continue;
          s = srow + 4 * (floor_div (g->x0 + x + i, g->k) - g->cx0);
          s[0] += (int64_t) llrint (wv * CELL_ONE);
          for (c = 0; c < 3; c++)
            s[1 + c] += (int64_t) llrint (wv * rgb[3 * o + c] * CELL_ONE);
        }
    }
}

int
smp_cells_box (const SmpCells *g,
               int             r,
               float          *out,
               float          *share)
{
  size_t   nc  = smp_cells_size (g), i;
  int64_t *row = malloc (sizeof (int64_t) * 4 * (nc ? nc : 1));
  int64_t *col = calloc ((size_t) g->cw * 4, sizeof (int64_t));
  double  *pix = calloc ((size_t) g->cw, sizeof (double));
  int      x, y, c, j, top = 0, bottom = -1;

  if (! row || ! col || ! pix)
    {
      free (row);
      free (col);
      free (pix);
      return 0;
    }
  /* Rows of cells, then the rows of each window as it moves down.  */
  for (y = 0; y < g->ch; y++)
    for (x = 0; x < g->cw; x++)
      for (c = 0; c < 4; c++)
        {
          int64_t v = 0;

          for (j = x - r < 0 ? 0 : x - r; j <= x + r && j < g->cw; j++)
            v += g->sum[4 * ((size_t) y * g->cw + j) + c];
          row[4 * ((size_t) y * g->cw + x) + c] = v;
        }
  for (y = 0; y < g->ch; y++)
    {
      int a = y - r < 0 ? 0 : y - r;
      int b = y + r > g->ch - 1 ? g->ch - 1 : y + r;

      while (bottom < b)
        {
          const int64_t *rs = row + 4 * (size_t) ++bottom * g->cw;
          const float   *cn = g->count + (size_t) bottom * g->cw;

          for (x = 0; x < 4 * g->cw; x++)
            col[x] += rs[x];
          for (x = 0; x < g->cw; x++)
            for (j = x - r < 0 ? 0 : x - r; j <= x + r && j < g->cw; j++)
              pix[x] += cn[j];
        }
      while (top < a)
        {
          const int64_t *rs = row + 4 * (size_t) top * g->cw;
          const float   *cn = g->count + (size_t) top++ * g->cw;

          for (x = 0; x < 4 * g->cw; x++)
            col[x] -= rs[x];
          for (x = 0; x < g->cw; x++)
            for (j = x - r < 0 ? 0 : x - r; j <= x + r && j < g->cw; j++)
              pix[x] -= cn[j];
        }
      for (x = 0; x < g->cw; x++)
        {
          int64_t sw = col[4 * x];

          i = (size_t) y * g->cw + x;
          share[i] = pix[x] > 0.0 ? (float) (sw / pix[x] / CELL_ONE) : 0.0f;
          for (c = 0; c < 3; c++)
            out[3 * i + c] = sw > 0 ? (float) ((double) col[4 * x + 1 + c] / sw)
                                    : 0.0f;
        }
    }
  free (row);
  free (col);
  free (pix);
  return 1;
}

int
smp_cells_mean (SmpCells    *cells,
                const float *rgb,
                const float *wt,
                int          r,
                float       *out,
                float       *share)
{
  smp_cells_clear (cells);
  smp_cells_add (cells, rgb, wt, 0, 0, cells->w, cells->h);
  return smp_cells_box (cells, r, out, share);
}

void
smp_cells_read (const SmpCells *g,
                const float    *field,
                int             x,
                int             y,
                float          *out)
{
  double u  = (g->x0 + x + 0.5) / g->k - 0.5 - g->cx0;
  double v  = (g->y0 + y + 0.5) / g->k - 0.5 - g->cy0;
  int    i  = (int) floor (u), j = (int) floor (v), c;
  double fu = u - i, fv = v - j;
  int    i0 = i < 0 ? 0 : i >= g->cw ? g->cw - 1 : i;
  int    i1 = i + 1 < 0 ? 0 : i + 1 >= g->cw ? g->cw - 1 : i + 1;
  int    j0 = j < 0 ? 0 : j >= g->ch ? g->ch - 1 : j;
  int    j1 = j + 1 < 0 ? 0 : j + 1 >= g->ch ? g->ch - 1 : j + 1;

  for (c = 0; c < 3; c++)
    out[c] = (float) ((1 - fv) * ((1 - fu) * field[3 * ((size_t) j0 * g->cw + i0) + c] +
                                  fu * field[3 * ((size_t) j0 * g->cw + i1) + c]) +
                      fv * ((1 - fu) * field[3 * ((size_t) j1 * g->cw + i0) + c] +
                            fu * field[3 * ((size_t) j1 * g->cw + i1) + c]));
}
