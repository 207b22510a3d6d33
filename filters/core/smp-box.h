/* smp-box.h: box means that are the same wherever the box is computed.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_BOX_H
#define SMP_BOX_H

/* The mean of src over the (2r+1)² box around each pixel, clipped to the
 * array, into dst (which may be src).  Running sums in fixed point are
 * exact, so a pixel's mean depends only on the values in its box, not on
 * where in the array the box lies or how large the array is: a region
 * rendered in tiles gets the same means as the whole.  Values of Lab or
 * 0..1 magnitude; a value that is no number counts as 0.  Returns 0 when
 * memory ran out.  */
int smp_box_mean (const float *src,
                  float       *dst,
                  int          width,
                  int          height,
                  int          r);

#endif
