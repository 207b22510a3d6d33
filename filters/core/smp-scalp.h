/* smp-scalp.h: where the scalp, the hair and the background are in a photo
 * of a head: the pixel logic of smp:scalp-map, in plain C.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 *
 * The photo is read once, in bands of rows, into a working grid of about
 * 1.75 cells a millimetre (smp_scalp_builder_*); everything is decided on
 * that grid, from statistics of this photo alone; the caller samples the
 * result back at any pixel (smp_scalp_sample), so that what a pixel gets
 * depends on the photo and the settings, never on which part is asked for.
 */

#ifndef SMP_SCALP_H
#define SMP_SCALP_H

/* The planes of a map: each holds width x height floats 0..1.  */
typedef enum
{
  SMP_SCALP_HAIR,      /* the client's hair, short or long */
  SMP_SCALP_SKIN,      /* skin that belongs to the scalp */
  SMP_SCALP_BODY,      /* other skin: face, ears, neck, shoulders */
  SMP_SCALP_HEAD,      /* hair plus scalp */
  SMP_SCALP_TREAT,     /* bald or thinning scalp, feathered */
  SMP_SCALP_PLANES
} SmpScalpPlane;

typedef struct
{
  int    width, height;   /* cells */
  double cell;            /* photo pixels a cell side */
  double px_per_mm;       /* cells a millimetre */
  int    found;           /* a head was found; else every plane is 0 */
  float *plane[SMP_SCALP_PLANES];
} SmpScalpMap;

typedef struct SmpScalpBuilder SmpScalpBuilder;

/* A builder for a photo of width x height pixels at px_per_mm; NULL when
 * memory runs out or the size makes no sense.  */
SmpScalpBuilder *smp_scalp_builder_new   (int              width,
                                          int              height,
                                          double           px_per_mm);

/* Photo rows the builder wants at a time (the last band may be shorter):
 * feed the photo top to bottom in bands of this many rows.  */
int              smp_scalp_builder_band  (const SmpScalpBuilder *builder);

/* One band of `rows` rows of linear RGBA float, `width` pixels each, the
 * next ones down.  Pixels that are not finite or are transparent are left
 * out.  */
void             smp_scalp_builder_add   (SmpScalpBuilder *builder,
                                          const float     *rgba,
                                          int              rows);

/* Decides the classes; feather_mm softens the treat plane's edge inward.
 * Frees the builder.  NULL when memory ran out.  */
SmpScalpMap     *smp_scalp_builder_finish (SmpScalpBuilder *builder,
                                           double           feather_mm);

void             smp_scalp_map_free      (SmpScalpMap     *map);

/* A plane at photo pixel (x, y) (relative to the photo's origin, the
 * pixel's centre at +0.5): bilinear between cell centres.  */
float            smp_scalp_sample        (const SmpScalpMap *map,
                                          SmpScalpPlane      plane,
                                          double             x,
                                          double             y);

#endif
