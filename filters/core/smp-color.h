/* smp-color.h: colour math of the ops, in plain C so that every pixel is
 * converted the same way wherever it lies (library conversions may take
 * other code paths for other run lengths and differ in the last bit).
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_COLOR_H
#define SMP_COLOR_H

#include <stddef.h>

/* Linear RGB with sRGB primaries <-> CIE L*a*b* (D65 white).  */
void smp_rgb_to_lab (const float *rgb,
                     float       *lab);
void smp_lab_to_rgb (const float *lab,
                     float       *rgb);

/* The L* of smp_rgb_to_lab alone (the same value).  */
float smp_rgb_to_L  (const float *rgb);

/* L* of n pixels of linear RGB, `stride` floats apart, into L; NaN where
 * a pixel is no number.  */
void smp_lightness  (const float *rgb,
                     int          stride,
                     size_t       n,
                     float       *L);

#endif
