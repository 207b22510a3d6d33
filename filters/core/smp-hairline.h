/* smp-hairline.h: the density mask of a designed hairline.
 *
 * A hairline is SVG path data in image pixels.  Its open subpaths are the
 * front edge: walking along one from its first point, the side on the left
 * (as the image is seen, y pointing down) is "behind", the scalp that is
 * treated; a line drawn left to right across a forehead at the bottom of
 * the photo treats what lies above it.  Its closed subpaths (ending in z)
 * are the area treated: with an open line as well, the mask is limited to
 * them; alone, their whole outline is the front edge and the inside is
 * behind.
 *
 * The mask's value at a pixel is the fraction of the full density of
 * impressions there.  It rises across the transition zone from a faint
 * value at the line to 1 behind it, with a narrow band of isolated single
 * impressions in front; the edge is broken up by smooth noise along the
 * line's arc length plus finer clustered peaks, and the zone by patches.
 * Beyond the ends of an open line the area fades out over `blend` mm, where
 * it meets the client's own hair at the sides.  Every value is a pure
 * function of the geometry, the parameters, the seed and the absolute pixel
 * position: any tile gives the same bytes.
 *
 * Plain C, no GEGL: the op (filters/smp-hairline.c) hands over GeglPath's
 * items; the plug-in and the tool check a path string with
 * smp_hairline_check before GEGL ever parses it.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_HAIRLINE_H
#define SMP_HAIRLINE_H

#include <stddef.h>
#include <stdint.h>

/* One command of path data as GeglPath holds it: 'M', 'L', 'C' absolute,
 * 'm', 'l', 'c' relative to the current point (SVG's meaning), 'z' closes
 * the subpath; p holds 2 numbers (M, L, m, l), 6 (C, c) or none (z).  */
typedef struct
{
  char   type;
  double p[6];
} SmpPathItem;

typedef struct
{
  double   px_per_mm;
  double   transition;     /* mm, the zone from the line to full density */
  double   irregularity;   /* 0..1 */
  double   scale;          /* mm, size of the edge's peaks and gaps */
  double   blend;          /* mm, the fade beyond an open line's ends */
  uint32_t seed;
} SmpHairlineParams;

/* The shape of the profile.  Across the zone, at x = distance behind the
 * line / transition: the isolated impressions' band ahead of the line
 * (x from -SMP_HAIRLINE_FRONT_BAND to 0) rises to SMP_HAIRLINE_FRONT_DENSITY
 * at the line, then a smoothstep to 1 at x = 1.  The irregularity moves the
 * edge forward by up to (BROAD + PEAKS) * scale * irregularity and back by
 * up to BROAD * scale * irregularity, and scales the density of the front
 * of the zone by a factor between 1 - PATCHES * irregularity and
 * 1 + PATCHES * irregularity.  */
#define SMP_HAIRLINE_FRONT_BAND    0.3
#define SMP_HAIRLINE_FRONT_DENSITY 0.06
#define SMP_HAIRLINE_BROAD         0.7
#define SMP_HAIRLINE_PEAKS         1.2
#define SMP_HAIRLINE_PATCHES       0.8

/* The templates a designer starts from: a handful of points in mm, x to
 * the right, y down, the front-most point of the line's centre at 0, 0,
 * joined by a smooth curve drawn left to right (so that behind is up).  */
typedef enum
{
  SMP_TEMPLATE_NONE,
  SMP_TEMPLATE_ADULT,      /* straight, soft adult line */
  SMP_TEMPLATE_MATURE,     /* slightly receded mature line */
  SMP_TEMPLATE_ROUNDED,    /* rounded temples */
  SMP_N_TEMPLATES
} SmpTemplate;

typedef struct SmpHairline SmpHairline;

/* Parses path data strictly, as GeglPath (GEGL 0.4.42) reads it right:
 * commands M L C m l c z, each followed by exactly its numbers (no implicit
 * repeats, no H V S Q T A, no upper-case Z), numbers that start with a
 * digit or '-'.  GeglPath itself is lenient where it reads such text wrong
 * ("M .5 1" becomes 5, 1) and loops forever on a command short of numbers
 * ("M 10").  Returns 0 and *items (free() it) and *n, or -1 and a sentence
 * naming the problem and its place in why.  */
int          smp_hairline_parse        (const char         *d,
                                        SmpPathItem       **items,
                                        size_t             *n,
                                        char               *why,
                                        size_t              why_size);

/* Any SVG path data (an SVG file's d, GIMP's or Inkscape's: implicit
 * repeats, H V S Q T, upper-case Z, relative commands, "-.5") written as
 * path data GEGL reads right (M L C z, absolute); malloc()ed, or NULL and
 * the reason (arcs, A, are refused: a hairline is drawn with lines and
 * curves).  */
char        *smp_hairline_normalize    (const char         *svg,
                                        char               *why,
                                        size_t              why_size);

/* What a plug-in or tool asks before it hands a path string to GEGL: it
 * parses (smp_hairline_parse), it draws something (two distinct points at
 * least), and, for an image of width x height pixels (both > 0), some of
 * the line lies inside it.  0 when it is fine, else -1 and the reason.  */
int          smp_hairline_check        (const char         *d,
                                        int                 width,
                                        int                 height,
                                        char               *why,
                                        size_t              why_size);

/* The geometry of a path, prepared for rendering; NULL when out of
 * memory.  A path without any segment gives an empty hairline.  */
SmpHairline *smp_hairline_new          (const SmpPathItem  *items,
                                        size_t              n,
                                        const SmpHairlineParams *params);

void         smp_hairline_free         (SmpHairline        *hairline);

/* Where the mask can be non-zero: 0 nowhere (an empty path), 1 inside
 * box (x0, y0, x1, y1 in pixels), 2 on an unbounded area (an open line:
 * the whole canvas behind it).  */
int          smp_hairline_extent       (const SmpHairline  *hairline,
                                        double              box[4]);

/* The mask over the pixels x .. x + width - 1, y .. y + height - 1 of an
 * image `factor` times smaller than the path's (1, or 2^level for a
 * mipmap level), row after row into out; a pixel's value is the mask at
 * its centre.  Returns 0, or -1 when out of memory.  */
int          smp_hairline_render       (const SmpHairline  *hairline,
                                        int                 x,
                                        int                 y,
                                        int                 width,
                                        int                 height,
                                        int                 factor,
                                        float              *out);

/* The profile without irregularity at x = distance behind / transition.  */
double       smp_hairline_profile      (double              x);

/* How far ahead of the line (mm) the mask can be above 0, and how far
 * behind it (mm) it can be below 1 (ahead of the ends' fade).  */
void         smp_hairline_reach        (const SmpHairlineParams *params,
                                        double             *ahead,
                                        double             *behind);

/* A template as path items scaled by px_per_mm with its centre at x, y
 * (pixels); returns the number of items written into items (at most
 * max), 0 for SMP_TEMPLATE_NONE or an unknown one.  */
size_t       smp_hairline_template     (int                 template_id,
                                        double              px_per_mm,
                                        double              x,
                                        double              y,
                                        SmpPathItem        *items,
                                        size_t              max);

/* Items written back as path data that smp_hairline_parse and GeglPath
 * read the same way (absolute coordinates, lower-case z).  malloc()ed;
 * NULL when out of memory.  */
char        *smp_hairline_to_d         (const SmpPathItem  *items,
                                        size_t              n);

/* Path data from a Bezier stroke as GIMP 2.10 stores one
 * (gimp_vectors_stroke_get_points: control-in, anchor, control-out for
 * each anchor, x, y pairs), closed or not; n_coords is the number of
 * doubles.  NULL for fewer than two anchors or when out of memory.  */
char        *smp_hairline_d_from_stroke (const double      *coords,
                                         size_t             n_coords,
                                         int                closed);

#endif
