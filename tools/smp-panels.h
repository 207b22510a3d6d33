/* smp-panels.h: the panels of one photo's sheet as smp-preview builds
 * them: the photo as the ops read it, and for each preset its graph with
 * what the preset's op is given besides the photo (the mask file, the
 * automatic mask, a designed hairline, the reference of the client's own
 * hair), what the op learnt, and the captions that say all of it.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_PANELS_H
#define SMP_PANELS_H

#include <gegl.h>

#include "smp-sheet.h"
#include "smp-sources.h"

/* Where a panel's op took its mask (aux) from.  */
typedef enum
{
  SMP_FROM_NOTHING,    /* no mask: the op's own meaning of none */
  SMP_FROM_FILE,       /* PHOTO.mask.png or --mask */
  SMP_FROM_AUTO,       /* smp:scalp-map's treatment mask */
  SMP_FROM_UNTREATED,  /* the automatic mask found nothing: the photo */
  SMP_FROM_OWN,        /* the preset's own (its aux=[ ... ]) */
  SMP_FROM_HAIRLINE    /* smp:hairline from PHOTO.hairline.svg */
} SmpMaskFrom;

typedef struct
{
  const SmpPreset *preset;   /* NULL for the photo before */
  GeglNode        *end;      /* what the panel shows */
  GeglNode        *op;       /* the preset's last op */
  SmpMaskFrom      from;
  gchar           *caption;  /* all but what only its pixels tell */
  gchar           *nothing;  /* why it would change nothing, or NULL when
                              * that is said already */
} SmpPanel;

typedef struct
{
  GeglBuffer   *image;       /* the photo, linear "RGBA float" */
  GeglBuffer   *mask_buffer, *reference_buffer, *auto_buffer;
  gchar        *name;        /* the photo's file name, no folder */
  gchar        *mask, *reference, *hairline;   /* files read, or NULL */
  gchar        *hairline_d;  /* its path, checked */
  gdouble       ppm;
  GeglRectangle box;
  SmpAutoFound  found;       /* when auto_buffer is made */
  GeglNode     *graph;
  SmpPanel     *panels;      /* 0: the photo; then one per preset */
  gint          n;
  GPtrArray    *notes;       /* one line each, for stderr */
  gchar        *plan_json;   /* the treatment plan (--plan), or NULL */
} SmpPanels;

/* Reads the photo and what goes with it, builds every panel's graph and
 * lets the ops that learn from the photo learn (what they learnt is in
 * the captions).  FALSE and one line saying why when the photo cannot be
 * done; clear p with smp_panels_clear either way.  */
gboolean  smp_panels_open      (const SmpSheetJob *job,
                                const gchar       *photo,
                                SmpPanels         *p,
                                GError           **error);

/* Panel i's caption: `unchanged` when its pixels are the photo's.  */
gchar    *smp_panels_caption   (const SmpPanels   *p,
                                gint               i,
                                gboolean           unchanged);

/* Once the panels are rendered: a note for each one that changed nothing
 * (unchanged[i]) when nothing else has said why.  */
void      smp_panels_unchanged (SmpPanels         *p,
                                const gboolean    *unchanged);

/* Whether a panel treated the whole photo for want of a mask.  */
gboolean  smp_panels_whole_photo (const SmpPanels *p);

void      smp_panels_clear     (SmpPanels         *p);

#endif
