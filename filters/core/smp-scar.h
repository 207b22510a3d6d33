/* smp-scar.h: where a scar is, and what surrounds it, pixel by pixel.
 *
 * A designer's scar mask is rough: it holds the scar, some of the hair or
 * skin beside it, and where it strays, bald skin or background.  A long
 * FUT scar also crosses hair of different tone and light.  So the scar is
 * not "the mask", and its surroundings are not one colour: for every pixel
 * the surroundings are what lies near it and is not scar (exact box means,
 * so the same wherever the pixel is rendered), and a pixel is scar as far
 * as its colour lies on the way from those surroundings to the scar's own
 * colour near it (a pixel half scar, half hair, lies half way; linear
 * light mixes so).  Bald skin inside a mask drawn too wide is surrounded by
 * more of itself and so is no scar; neither is a wall.
 *
 * Everything here is plain C on float arrays (linear RGB, 3 floats a
 * pixel; NaN allowed: such a pixel is nobody's neighbour and no scar).
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_SCAR_H
#define SMP_SCAR_H

/* The scar's colour and that of its surroundings over the whole mask,
 * linear RGB: where the local statistics begin, and what they fall back on
 * far from any surroundings (the middle of a wide scar).  */
typedef struct
{
  double around[3];
  double scar[3];
} SmpScarTones;

/* Learns the tones from the pixels under the mask (>= 0.5) and a ring of
 * ring_px around it: the scar is the one of the two colour clusters of the
 * masked pixels (k-means in CIE L*a*b*) that is farther from the ring.
 * Returns 0 when there is no scar to tell (no mask, no ring, or a scar of
 * the ring's colour: under 3 dE76 apart), -1 when memory ran out.  */
int    smp_scar_tones  (const float  *rgb,
                        const float  *mask,
                        int           width,
                        int           height,
                        int           ring_px,
                        SmpScarTones *tones);

/* The radii of the local statistics, in pixels: the near surroundings
 * (about 1 mm) and the far ones (the ring); and the band along the scar's
 * edge that is neither (partly scar, and lightened by the photo's blur and
 * its compression).  */
typedef struct
{
  int near_px;
  int far_px;
  int edge_px;
} SmpScarRadii;

/* Pixels a pixel's result depends on, on every side: two rounds of box
 * statistics.  */
int    smp_scar_margin (const SmpScarRadii *radii);

/* For every pixel of a width x height array whose first pixel is
 * absolute pixel (x0, y0): like, how much of it is scar (0..1); around,
 * the colour of its surroundings; scar, the scar's colour near it (3 floats
 * a pixel each; any of the three may be NULL).  Only pixels where `region`
 * is above 0 can be scar (the mask and its feather).  A pixel's values
 * depend only on the pixels within smp_scar_margin of it (or the array's
 * edge) and on its absolute position: the statistics are taken over cells
 * aligned to it.  Returns 0 when memory ran out.  */
int    smp_scar_local  (const float        *rgb,
                        const float        *region,
                        int                 x0,
                        int                 y0,
                        int                 width,
                        int                 height,
                        const SmpScarTones *tones,
                        const SmpScarRadii *radii,
                        float              *like,
                        float              *around,
                        float              *scar);

#endif
