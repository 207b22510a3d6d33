/* smp-blobs.h: the 8-connected blobs of a binary image: how ops count the
 * stubble in a photo and how the tests count dots.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_BLOBS_H
#define SMP_BLOBS_H

#include <stddef.h>

/* The number of 8-connected blobs of the pixels where on is not 0, and
 * their centroids (x, y pairs in pixel units, a pixel's centre at +0.5;
 * free() them) in *centroids when it is not NULL.  Returns (size_t) -1
 * when memory ran out.  */
size_t smp_blobs (const unsigned char *on,
                  int                  width,
                  int                  height,
                  double             **centroids);

#endif
