/* smp-plugin.h: the parts of the GIMP plug-in.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_PLUGIN_H
#define SMP_PLUGIN_H

#include <libgimp/gimp.h>

#include "smp-settings.h"

#define PLUG_IN_BINARY "smp-gimp"
#define PLUG_IN_ROLE   "smp-gimp"

typedef enum
{
  SMP_MASK_SELECTION,   /* the selection; no selection: everywhere */
  SMP_MASK_CHANNEL,     /* a channel or layer mask */
  SMP_MASK_NONE         /* everywhere */
} SmpMaskSource;

typedef enum
{
  SMP_RESULT_LAYER,     /* a new layer with the result */
  SMP_RESULT_PIGMENT,   /* a new layer with the pigment, Multiply mode */
  SMP_RESULT_IN_PLACE   /* the drawable itself */
} SmpResult;

typedef struct
{
  gint   mask;          /* SmpMaskSource */
  gint32 mask_channel;
  gint   result;        /* SmpResult */
} SmpOptions;

/* The error domain of a run that has nothing to do (the selection misses
 * the layer): said to the user, but no failure.  */
#define SMP_NOTHING_TO_DO (g_quark_from_static_string ("smp-nothing-to-do"))

/* Renders the op on the drawable as opt says, in one undo group, with
 * progress when `progress`; FALSE with the reason otherwise.  */
gboolean smp_apply                  (SmpSettings      *settings,
                                     const SmpOptions *opt,
                                     gint32            image,
                                     gint32            drawable,
                                     gboolean          progress,
                                     GError          **error);

/* The mask to use as the op's aux, its offset from the drawable and the
 * drawable's region to render; NULL mask means everywhere.  FALSE with the
 * reason when there is nothing to do or the mask is not usable.  */
gboolean smp_mask_for               (const SmpOptions *opt,
                                     gint32            image,
                                     gint32            drawable,
                                     GeglBuffer      **mask,
                                     gint             *mask_dx,
                                     gint             *mask_dy,
                                     GeglRectangle    *region,
                                     GError          **error);

/* px-per-mm from the image's resolution when one was set (not 72 ppi).  */
void     smp_settings_default_scale (SmpSettings      *settings,
                                     gint32            image);

/* The dialog; FALSE when cancelled.  */
gboolean smp_dialog                 (SmpSettings      *settings,
                                     SmpOptions       *opt,
                                     gint32            image,
                                     gint32            drawable);

#endif
