/* smp-cells.h: local weighted means that are the same wherever they are
 * computed, at the cost of cells rather than pixels.
 *
 * An op that needs, at every pixel, the mean colour of some of the pixels
 * a few millimetres around (the hair near a scar, the scalp near a strand)
 * sums them over cells of k x k pixels aligned to absolute pixel positions
 * (multiples of k), takes box means over the cells and reads them back at
 * each pixel between the four nearest cells' centres.  The sums are of
 * integers (fixed point), so exact: a cell's sum depends only on its own
 * pixels, and a pixel's mean only on the cells around it and its absolute
 * position, whatever array (tile, region) it is computed in, provided the
 * array holds those cells whole (or up to the photo's edge).
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_CELLS_H
#define SMP_CELLS_H

#include <stddef.h>

typedef struct _SmpCells SmpCells;

/* The cells of side k over a width x height array whose first pixel is
 * absolute pixel (x0, y0); NULL when memory ran out.  */
SmpCells *smp_cells_new  (int             k,
                          int             x0,
                          int             y0,
                          int             width,
                          int             height);
void      smp_cells_free (SmpCells       *cells);

/* The number of cells (the length of a cell field, in cells).  */
size_t    smp_cells_size (const SmpCells *cells);

/* Each cell's sums of w and w rgb: emptied, then added to from a block of
 * w x h pixels whose first pixel is (x, y) of the array (rgb: 3 floats a
 * pixel, wt: 1; a weight that is not above 0 leaves its pixel out), block
 * by block (a region read in bands).  */
void      smp_cells_clear (SmpCells      *cells);
void      smp_cells_add  (SmpCells       *cells,
                          const float    *rgb,
                          const float    *wt,
                          int             x,
                          int             y,
                          int             width,
                          int             height);

/* Weighted means over the box of (2r+1)² cells around each cell: out =
 * sum (w rgb) / sum (w), 3 floats a cell, and in share the box's mean
 * weight a pixel (1 float a cell).  Returns 0 when memory ran out.  */
int       smp_cells_box  (const SmpCells *cells,
                          int             r,
                          float          *out,
                          float          *share);

/* The same from the whole array at once (cleared first).  */
int       smp_cells_mean (SmpCells       *cells,
                          const float    *rgb,
                          const float    *wt,
                          int             r,
                          float          *out,
                          float          *share);

/* A cell field (3 floats a cell) at pixel (x, y) of the array: bilinear
 * between the centres of the four nearest cells.  */
void      smp_cells_read (const SmpCells *cells,
                          const float    *field,
                          int             x,
                          int             y,
                          float          *out);

#endif
