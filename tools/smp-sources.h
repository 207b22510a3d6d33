/* smp-sources.h: what smp-preview reads for a photo besides the photo
 * itself: the files beside it (PHOTO.mask.png, PHOTO.reference.png,
 * PHOTO.hairline.svg, PHOTO.px-per-mm), the automatic treatment mask that
 * smp:scalp-map makes when there is no mask file, and a mask written back
 * as an 8-bit grey PNG (--save-masks) that reads back as the same mask.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_SOURCES_H
#define SMP_SOURCES_H

#include <gegl.h>

/* The files beside PHOTO.EXT that go with it.  */
#define SMP_SUFFIX_MASK      ".mask.png"       /* the treatment mask */
#define SMP_SUFFIX_REFERENCE ".reference.png"  /* the client's own hair */
#define SMP_SUFFIX_HAIRLINE  ".hairline.svg"   /* a designed front edge */
#define SMP_SUFFIX_SCALE     ".px-per-mm"      /* the photo's scale */
/* What --save-masks writes into the output folder: a name no file that
 * smp-preview reads beside a photo can have (those have a '.' where this
 * has a '-'), nor a sheet (-preview.png) or the contact sheet.  */
#define SMP_SUFFIX_SAVED     "-auto-mask.png"
#define SMP_SUFFIX_PLAN      "-plan.json"

/* Where each photo's mask comes from (--mask-mode).  */
typedef enum
{
  SMP_MASK_AUTO,   /* the mask file if there is one, else smp:scalp-map */
  SMP_MASK_FILE,   /* only mask files; without one, the whole photo */
  SMP_MASK_NONE    /* no mask: the whole photo */
} SmpMaskMode;

/* PHOTO's name without its folder and its last extension.  */
gchar      *smp_stem              (const gchar  *photo);

/* The file beside photo named STEM + suffix, when it exists; else NULL.  */
gchar      *smp_sibling           (const gchar  *photo,
                                   const gchar  *suffix);

/* A designed hairline: the one <path> of an SVG file (GIMP's Export Path
 * writes one, its coordinates the image's pixels), written as path data
 * that GEGL reads right (smp_hairline_normalize) and checked against an
 * image of width x height (smp_hairline_check), so that no text GEGL's
 * own parser would hang or crash on ever reaches it.  NULL and a sentence
 * naming the problem otherwise.  */
gchar      *smp_hairline_read     (const gchar  *path,
                                   gint          width,
                                   gint          height,
                                   GError      **error);

/* What smp:scalp-map found in a photo.  */
typedef enum
{
  SMP_AUTO_TREAT,     /* bald or thinning scalp to treat */
  SMP_AUTO_NOTHING,   /* a head, and nothing on it to treat */
  SMP_AUTO_NO_HEAD    /* no head at all */
} SmpAutoFound;

/* The automatic treatment mask of a photo (as smp_image_load gives it,
 * linear "RGBA float"): smp:scalp-map output=treat at px_per_mm, rounded
 * to 8 bits so that the mask --save-masks writes is exactly the mask used,
 * as a "Y'A float" buffer (the format a mask file is read into); *found
 * says what was found.  */
GeglBuffer *smp_auto_mask         (GeglBuffer   *photo,
                                   gdouble       px_per_mm,
                                   SmpAutoFound *found);

/* Writes a mask buffer ("Y'A float", values on the 8-bit grid) as an 8-bit
 * grey PNG at path (a temporary of the run, renamed when whole): read back
 * as PHOTO.mask.png, it is the same mask.  */
gboolean    smp_mask_write        (GeglBuffer   *mask,
                                   const gchar  *path,
                                   gint          run,
                                   GError      **error);

/* An enum property of a node by its nick, and the nick it holds.  */
void        smp_node_set_enum     (GeglNode     *node,
                                   const gchar  *property,
                                   const gchar  *nick);
const gchar *smp_node_get_enum    (GeglNode     *node,
                                   const gchar  *property);

#endif
