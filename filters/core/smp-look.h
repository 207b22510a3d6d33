/* smp-look.h: the look of the client's own short hair, learnt from the
 * photo, and the dots that reproduce it on the bald scalp.
 *
 * DOMAIN.md's yardstick: a preview is right when the treated scalp looks
 * like the client's own hair would if it were shaved, in the same photo,
 * with the photo's own sharpness and light.  So the op learns from that
 * hair, per photo:
 * - how much it darkens the skin, per channel in linear light, as a ratio
 *   of hair over the bald skin beside it (light and shade, which multiply
 *   both, cancel out);
 * - its grain: how much its lightness varies at the scale of a few pixels
 *   (the mean distance of L* from its 7 x 7 mean) and how large the
 *   grains are (the half width of the autocorrelation of that detail);
 * - the photo's blur, from the sharpest edges around;
 * and then chooses the dots (pigment colour, halo, size, density) that,
 * rendered over a patch of the client's own bald skin, give that ratio,
 * that grain and that grain size.
 *
 * Everything here is plain C on float arrays: the same arrays give the
 * same look, whoever asks.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_LOOK_H
#define SMP_LOOK_H

#include "smp-pattern.h"
#include "smp-render.h"

/* The size of the box over which texture is measured (the and
 * DOMAIN's yardstick: mean |L* - its 7 px box mean|).  */
#define SMP_LOOK_TEXTURE_BOX 7

/* The photo's blur: the Gaussian sigma (px) that its sharpest edges show
 * beyond ideal sampling by whole pixels; -1 where there are too few edges
 * to tell (a flat or synthetic area).  L: lightness (L*), w x h; where:
 * a byte a pixel, the pixels to look at (NULL = all).  */
double smp_look_blur    (const float         *L,
                         int                  w,
                         int                  h,
                         const unsigned char *where);

/* Texture: the mean |L - its 7 x 7 box mean| over the pixels of `where`
 * whose whole box is in `where` too (or over all of `where` when fewer
 * than 32 such).  -1 where there are none.  */
double smp_look_texture (const float         *L,
                         int                  w,
                         int                  h,
                         const unsigned char *where);

/* Grain size (px): the lag at which the autocorrelation of the detail of
 * L (L minus its box mean of radius r) falls to one half, along rows and
 * columns, over pairs of pixels both in `where`.  -1 where there is no
 * detail.  */
double smp_look_grain   (const float         *L,
                         int                  w,
                         int                  h,
                         const unsigned char *where,
                         int                  r);

/* What is learnt.  */
typedef struct
{
  int    hair_pixels;   /* hair pixels it came from; 0: no hair found */
  int    skin_pixels;
  double skin[3];       /* the bald skin, linear RGB */
  double ratio[3];      /* hair over skin, linear RGB */
  double texture;       /* of the hair (smp_look_texture) */
  double grain_px;      /* of the hair (smp_look_grain) */
} SmpHairLook;

/* A region of the photo to learn from: linear RGB (3 floats a pixel, NaN
 * allowed), the treatment mask and, for a reference, the mask of the hair
 * to match (both 0..1 a pixel).  Without a reference the hair is sought in
 * a ring of ring_px pixels around the treatment mask, widened up to
 * SMP_LOOK_RING_WIDEST times when it holds little hair (the region must
 * reach that far).  */
#define SMP_LOOK_RING_WIDEST 4
typedef struct
{
  const float *rgb;
  const float *mask;
  const float *reference;
  int          width, height;
  double       px_per_mm;
  int          ring_px;
  int          skin_only;   /* learn the skin, seek no hair */
  const float *head;        /* 0..1 a pixel: how surely it lies on the
                             * head (smp:scalp-map's head), or NULL: hair
                             * is only sought there */
} SmpLookInput;

/* Learns the skin under the mask and the hair look; returns
 * look->hair_pixels (0 when no hair was found: all skin, empty,
 * background, or not darker than the skin, and then the ratio is 1).
 * look->skin_pixels is 0 when the mask holds no skin to learn from.  -1
 * when memory ran out.  */
int    smp_look_learn   (const SmpLookInput *in,
                         SmpHairLook        *look);

/* The radius (px) of the neighbourhood whose mean lightness says whether
 * the client's own hair already covers the scalp: 0.75 mm.  */
int    smp_look_local_px (double px_per_mm);

/* The radius (px) of the neighbourhood whose mean lightness says how much
 * of the treatment a pixel still needs (smp_look_amount): 0.15 mm, about
 * the gap between strands, so that pigment fills the skin showing between
 * the client's hairs and leaves the hairs as they are.  */
int    smp_look_gap_px  (double px_per_mm);

/* How much of the treatment a pixel still needs, 0..1, from the mean
 * luminance (linear) of its neighbourhood: 1 on bald skin, less where the
 * client's hair already darkens it, 0 where it is as dark as the hair.
 * (What the treatment adds is what the hair would add, less what is
 * there: in log transmittance, log (T / (b + (1 - b) T)) / log T for a
 * neighbourhood b of the way from the hair's tone to the skin's.)  */
float  smp_look_need    (const SmpHairLook  *look,
                         float               local_luma);

/* A square of bald skin inside the treatment mask to fit the dots on: the
 * largest of side at most max_side (down to min_side) whose every pixel is
 * masked (>= 0.5), finite and still in need of the whole treatment
 * (smp_look_need >= 0.8), nearest the middle of the masked area.  Shine
 * and all: the texture of the treated area is that of its skin, its
 * highlights too, under the dots.  Returns
 * its side and its top left pixel in *x, *y; 0 when there is none.  */
int    smp_look_patch   (const SmpLookInput *in,
                         const SmpHairLook  *look,
                         int                 max_side,
                         int                 min_side,
                         int                *x,
                         int                *y);

/* How far the treatment spills past the mask's edge, as a coarse grid over
 * the region learnt from: at each node the share (0..1) of the treatment
 * that scalp there takes, 1 in the mask, falling to 0 at `feather` pixels
 * outside it.  A designer's mask is rough: the look carries on past its
 * edge into the bald or thinning scalp around, fading, so that no outline
 * shows (smp_look_amount keeps it off the client's hair; the op keeps it
 * on the head or the skin's colour).  Read between nodes bilinearly
 * (smp_look_share_rect), so that any pixel, wherever it is rendered, reads the
 * same.  */
#define SMP_LOOK_FIELD_MAX 192

typedef struct
{
  int    x0, y0;        /* absolute pixel of node (0, 0) */
  int    cols, rows;    /* 0: no field, no spill */
  double cell;          /* pixels from node to node */
  float  share[SMP_LOOK_FIELD_MAX * SMP_LOOK_FIELD_MAX];
} SmpLookField;

/* Lays out the field over the mask of `in` (whose top left pixel is
 * absolute pixel x0, y0).  Returns 0 when memory ran out.  */
int    smp_look_field   (const SmpLookInput *in,
                         double              feather_px,
                         int                 x0,
                         int                 y0,
                         SmpLookField       *field);

/* The share at each of the width x height pixels from absolute pixel
 * (x, y) (at their centres), into share row by row, smoothed
 * (smoothstep) so that the fade starts and ends without a kink; 0
 * without a field.  */
void   smp_look_share_rect (const SmpLookField *field,
                            int                 x,
                            int                 y,
                            int                 width,
                            int                 height,
                            float              *share);

/* What a pixel gets of the look, 0..1 (of the fitted dots' thinning and
 * shade), where the mask or its spill give it `share`: as much of the
 * hair's darkening as its neighbourhood (of mean luminance local_luma)
 * does not already show (see smp_look_need; all of it when no hair was
 * learnt).  */
float  smp_look_amount  (const SmpHairLook  *look,
                         float               share,
                         float               local_luma);

/* The terms of smp_look_amount that depend on the look alone, for a loop
 * over many pixels: smp_look_prep_amount gives the very same values.
 * smp_look_prep_skin_like: how much a pixel (linear rgb) has the skin's
 * colour, 0..1: its hue and saturation (the ratios of its channels,
 * whatever the light) near those of the skin learnt; the client's hair
 * over it counts partly.  */
typedef struct
{
  int    skin_ok;          /* the skin's three channels are above 0 */
  double log_rg, log_bg;   /* log of the skin's red, blue over green */
  double t, s, log_t;      /* the hair's transmittance, the skin's luma */
} SmpLookPrep;

void   smp_look_prepare        (const SmpHairLook *look,
                                SmpLookPrep       *prep);
float  smp_look_prep_amount    (const SmpLookPrep *prep,
                                float              share,
                                float              local_luma);
float  smp_look_prep_skin_like (const SmpLookPrep *prep,
                                const float       *rgb);

/* The dots that reproduce the look on the client's skin: renders trial
 * stipples over `patch` (linear RGB, w x h, whose top left pixel is
 * absolute pixel x0, y0: a piece of the bald scalp) and sets the pigment
 * colour, halo, dot diameter and density of *style / *density (which come
 * in as the starting point: the op's properties, blur included) so that
 * the patch darkens by the hair's ratio with the hair's texture and grain
 * size, within physical ranges.  `clustering` and `seed` as the op's
 * pattern.  Returns 0 when memory ran out.  */
int    smp_look_fit     (const SmpHairLook  *look,
                         const float        *patch,
                         int                 x0,
                         int                 y0,
                         int                 w,
                         int                 h,
                         double              clustering,
                         uint32_t            seed,
                         SmpDotStyle        *style,
                         double             *density);

#endif
