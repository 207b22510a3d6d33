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
  guint64      max_pixels;  /* larger photos and masks are refused */
  gint         run;         /* the parent's PID: names the run's temporaries */
} SmpSheetJob;

/* Every file a run writes is first a temporary in OUTDIR named
 * .smp-preview.RUN.SUFFIX (RUN the parent's PID), then renamed: short
 * whatever the photo's name, and recognisable by a later run when RUN is
 * no longer alive.  */
#define SMP_TEMP_PREFIX ".smp-preview."

/* Removes from dir the temporaries of runs whose process is gone (and those
 * of the older NAME.PID.tmp naming); returns how many.  With run > 0, those
 * of that run only, alive or not.  */
gint      smp_sheet_clean     (const gchar       *dir,
                               gint               run);

/* Reports how far a photo is, 0..1.  */
typedef void (*SmpSheetProgress) (gdouble  fraction,
                                  gpointer data);

/* Where the sheet of `photo` goes, and the small copy of photo number
 * `index` (a temporary of the run, for the contact sheet).  */
gchar    *smp_sheet_path      (const SmpSheetJob *job,
                               const gchar       *photo);
gchar    *smp_sheet_thumb     (const SmpSheetJob *job,
                               gint               index);

/* The files the sheet of `photo` reads besides the photo: its mask and its
 * scale file, those that exist (g_strfreev it).  */
gchar   **smp_sheet_inputs    (const SmpSheetJob *job,
                               const gchar       *photo);

/* Writes the sheet of one photo (number `index` of the run); *masked says
 * whether it had a mask.  FALSE and a message naming what went wrong (one
 * line) when it could not.  TRUE with *warning set when the sheet is
 * written but its small copy for the contact sheet is not.  */
gboolean  smp_sheet_render    (const SmpSheetJob *job,
                               const gchar       *photo,
                               gint               index,
                               SmpSheetProgress   progress,
                               gpointer           data,
                               gboolean          *masked,
                               gchar            **warning,
                               GError           **error);

/* From a signal handler: removes the file being written.  */
void      smp_sheet_interrupted (void);

/* Stacks the small copies of sheets, each under its photo's name and the
 * titles of its columns, into one PNG at path.  */
gboolean  smp_sheet_contact   (const SmpSheetJob   *job,
                               const gchar * const *thumbs,
                               const gchar * const *names,
                               const gchar * const *columns,
                               const gchar         *path,
                               GError             **error);

/* The tool's one PNG writer, band by band (libpng, no time stamp, so the
 * same pixels give the same bytes): 8-bit sRGB RGB rows into a temporary
 * of the run beside path.  */
typedef struct SmpPng SmpPng;

SmpPng   *smp_png_open        (const gchar       *path,
                               gint               run,
                               gint               width,
                               gint               height,
                               GError           **error);
gboolean  smp_png_rows        (SmpPng            *png,
                               const guchar      *rgb,
                               gint               rows,
                               GError           **error);
/* Ends the PNG and renames it to its path, with keep; without (or on any
 * failure) removes it.  Frees png.  */
gboolean  smp_png_finish      (SmpPng            *png,
                               gboolean           keep,
                               GError           **error);

#endif
