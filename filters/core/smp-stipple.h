/* smp-stipple.h: the dots of a pattern over one rectangle of pixels, as a
 * pigment field, thinned and gated by a mask, seen through the photo's
 * blur: what every op that stipples does, whatever it does besides.
 *
 * The photo's blur (the style's blur_px) is a blur of the camera: it acts
 * on the field as a whole, after the dots are laid, so it keeps the mean
 * tone exactly however the dots overlap.  The field is rendered over the
 * rectangle grown by the blur's reach, blurred, and cut back.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_STIPPLE_H
#define SMP_STIPPLE_H

#include "smp-pattern.h"
#include "smp-render.h"

/* Pixels of mask needed around the rectangle: a dot centred that far out
 * still reaches in, through the blur.  */
int    smp_stipple_margin (const SmpRenderer *renderer);

/* How far (px) from the rectangle the dots that reach it may lie: the
 * dots to collect around it.  */
double smp_stipple_reach  (const SmpRenderer *renderer);

/* Multiplies field (3 floats a pixel, width x height pixels from absolute
 * pixel x0, y0) by the dots of pattern.  mask, when not NULL, holds
 * (width + 2 margin) x (height + 2 margin) values 0..1 from x0 - margin,
 * y0 - margin, margin = smp_stipple_margin: a dot is kept where its rank is
 * below the mask at its centre, and the field changes only where the mask
 * is above 0.  Returns 0 when memory ran out.  */
int    smp_stipple        (const SmpPattern  *pattern,
                           const SmpRenderer *renderer,
                           int                x0,
                           int                y0,
                           int                width,
                           int                height,
                           const float       *mask,
                           float             *field);

/* The same with the dots already collected (smp_pattern_collect, in its
 * order, over at least the rectangle grown by smp_stipple_reach): for a
 * caller that renders a large region in pieces.  */
int    smp_stipple_dots   (const SmpRenderer *renderer,
                           const SmpDot      *dots,
                           size_t             n,
                           int                x0,
                           int                y0,
                           int                width,
                           int                height,
                           const float       *mask,
                           float             *field);

#endif
