/* smp-sheet.h: one photo's before/after sheet for smp-preview, rendered in
 * bands of rows and written as it goes, so that memory does not grow with
 * the photo: before, then one panel per preset, captions under each, and a
 * small copy of the whole for the contact sheet.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_SHEET_H
#define SMP_SHEET_H

#include <gegl.h>

#include "smp-presets.h"

typedef struct
{
  SmpPreset  **presets;
  gint         n_presets;
  gdouble      px_per_mm;
  gboolean     seed_given;
  guint        seed;
  const gchar *mask;        /* for every photo, or NULL: PHOTO.mask.png */
  const gchar *outdir;
  gboolean     force;
  gboolean     thumbnail;   /* also write the contact sheet's small copy */
} SmpSheetJob;

/* Reports how far a photo is, 0..1.  */
typedef void (*SmpSheetProgress) (gdouble  fraction,
                                  gpointer data);

/* Where the sheet of `photo` goes, and its small copy.  */
gchar    *smp_sheet_path      (const SmpSheetJob *job,
                               const gchar       *photo);
gchar    *smp_sheet_thumb     (const SmpSheetJob *job,
                               const gchar       *photo);

/* What is wrong with a file that should be an image, or NULL: missing,
 * not a regular file, unreadable, empty, not an image format GEGL reads,
 * or truncated (a PNG without its end, a JPEG without its end marker).  */
gchar    *smp_sheet_check_file (const gchar      *path);

/* Writes the sheet of one photo; *masked says whether it had a mask.
 * FALSE and a message naming what went wrong (one line) when it could
 * not.  */
gboolean  smp_sheet_render    (const SmpSheetJob *job,
                               const gchar       *photo,
                               SmpSheetProgress   progress,
                               gpointer           data,
                               gboolean          *masked,
                               GError           **error);

/* From a signal handler: removes the half-written sheet of the photo
 * being rendered (sheets are written under a temporary name, then
 * renamed).  */
void      smp_sheet_interrupted (void);

/* Stacks the small copies of sheets, each under its photo's name and the
 * titles of its columns, into one PNG.  */
gboolean  smp_sheet_contact   (const gchar * const *thumbs,
                               const gchar * const *names,
                               const gchar * const *columns,
                               const gchar         *path,
                               GError             **error);

/* Writes `rows` rows of 8-bit RGB to a PNG being written (the tool's one
 * PNG writer, band by band: libpng, no time stamp, so the same pixels give
 * the same bytes).  */
typedef struct SmpPng SmpPng;

SmpPng   *smp_png_open        (const gchar       *path,
                               gint               width,
                               gint               height,
                               GError           **error);
gboolean  smp_png_rows        (SmpPng            *png,
                               const guchar      *rgb,
                               gint               rows,
                               GError           **error);
gboolean  smp_png_close       (SmpPng            *png,
                               GError           **error);

#endif
