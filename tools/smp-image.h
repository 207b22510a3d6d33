/* smp-image.h: the photos and masks smp-preview reads, checked and then
 * converted, by the tool's own exact formulas, into one known format.
 *
 * Why its own formulas: babl picks the code of a conversion by timing the
 * candidates the first time a process needs it, and keeps the choice only
 * for the formats in its cache file, so a PNG with gAMA/cHRM chunks (GEGL
 * makes a colour space of them) converts with other rounding from one run,
 * or one worker, to the next.  Here a photo becomes linear sRGB "RGBA
 * float" and a mask sRGB "Y'A float" by plain C of this file, the ops then
 * read and write those formats as they are, and the sheet is encoded back
 * to 8-bit sRGB here too: the same bytes every time.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_IMAGE_H
#define SMP_IMAGE_H

#include <gegl.h>

/* The largest photo or mask read, unless --max-megapixels says otherwise:
 * above the largest camera photos, below what a header alone can claim (a
 * decompression bomb).  */
#define SMP_IMAGE_MAX_MEGAPIXELS 200

typedef enum
{
  SMP_IMAGE_PHOTO,   /* linear sRGB, "RGBA float" */
  SMP_IMAGE_MASK     /* sRGB grey, "Y'A float" */
} SmpImageKind;

/* What is wrong with a file that should be an image, or NULL: missing,
 * not a regular file, empty, not an image format GEGL reads; for PNG and
 * JPEG, more pixels than max_pixels by its header (said before any pixel
 * is decoded) and, with `decode`, what libpng or libjpeg find when
 * decoding all of it (corrupt or truncated data, a header claiming more
 * than the file holds).  Needs no GEGL.  */
gchar      *smp_image_check  (const gchar  *path,
                              guint64       max_pixels,
                              gboolean      decode);

/* Loads an image (any format GEGL reads) and converts it as `kind` says.
 * For a mask, *coloured (when not NULL) is the share of its visible pixels
 * that are clearly coloured rather than grey.  NULL and a message when GEGL
 * cannot read it or it has more than max_pixels.  */
GeglBuffer *smp_image_load   (const gchar  *path,
                              SmpImageKind  kind,
                              guint64       max_pixels,
                              gdouble      *coloured,
                              GError      **error);

/* Linear sRGB "RGBA float" to 8-bit sRGB R'G'B'A, rounded exactly.  */
void        smp_image_encode (const gfloat *rgba,
                              gsize         pixels,
                              guchar       *out);

#endif
