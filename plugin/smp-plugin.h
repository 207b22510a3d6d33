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

/* The PDB's "mask" argument: where the op's mask (aux) comes from.  New
 * sources take the next numbers and a row of smp_mask_sources.  */
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

/* The op's mask for a drawable, as a mask source makes it: buffer (NULL:
 * everywhere) moved by dx, dy onto the drawable, and its bounds there
 * (the whole drawable when there is no mask); the buffer holds no more
 * than those bounds.  */
typedef struct
{
  GeglBuffer   *buffer;
  gint          dx, dy;
  GeglRectangle region;
} SmpMask;

/* One source of the mask: a row of the dialog's Mask frame and a value of
 * the PDB's "mask" argument.  */
typedef struct
{
  gint          id;             /* an SmpMaskSource */
  const gchar  *label;          /* the dialog's, with a mnemonic */
  const gchar  *pdb;            /* the PDB description's */
  const gchar  *tooltip;
  gboolean      needs_channel;  /* the dialog offers the channels */
  /* NULL when the source can be used on this image, else why not (the
   * dialog greys it out and says so; g_free).  */
  gchar      *(*unavailable)    (gint32            image,
                                 gint32            drawable);
  /* FALSE with the reason when there is nothing to do or the source is
   * not usable.  */
  gboolean    (*make)           (const SmpOptions *opt,
                                 gint32            image,
                                 gint32            drawable,
                                 SmpMask          *mask,
                                 GError          **error);
} SmpMaskSourceInfo;

extern const SmpMaskSourceInfo smp_mask_sources[];
extern const guint             smp_n_mask_sources;

/* The mask opt asks for; smp_mask_clear frees what it holds.  */
gboolean smp_mask_make              (const SmpOptions *opt,
                                     gint32            image,
                                     gint32            drawable,
                                     SmpMask          *mask,
                                     GError          **error);
void     smp_mask_clear             (SmpMask          *mask);

/* A channel or layer mask the mask can come from.  */
typedef struct
{
  gint32  id;
  gchar  *label;        /* Channel "name", Layer mask of "name" */
} SmpMaskChannel;

/* The channels and layer masks of the image, SmpMaskChannel each;
 * g_array_unref.  */
GArray  *smp_mask_channels          (gint32            image);

/* The error domain of a run that has nothing to do (the selection misses
 * the layer, nothing changed): said to the user, but no failure.  */
#define SMP_NOTHING_TO_DO (g_quark_from_static_string ("smp-nothing-to-do"))

/* Where a photo's scale comes from.  */
typedef enum
{
  SMP_SCALE_UNKNOWN,      /* nothing known: a guess (the last one used) */
  SMP_SCALE_RESOLUTION,   /* the resolution the file stated */
  SMP_SCALE_REMEMBERED,   /* measured or typed earlier, kept with the image */
  SMP_SCALE_MEASURED,     /* measured along a path, now */
  SMP_SCALE_TYPED         /* typed, now */
} SmpScaleSource;

typedef struct
{
  gdouble        px_per_mm;
  SmpScaleSource source;
  gchar         *how;     /* in words: "measured along the path ..." */
} SmpScale;

/* The image's own scale: the one remembered with it (a parasite), else
 * the resolution its file stated when that is no default (72 and 300 ppi
 * and GIMP's default for new images are not measurements).  Otherwise
 * SMP_SCALE_UNKNOWN with the last scale used (or `fallback`) and why it
 * is not known.  Free with smp_scale_clear.  */
void     smp_scale_of_image         (gint32            image,
                                     gdouble           fallback,
                                     SmpScale         *scale);
void     smp_scale_clear            (SmpScale         *scale);

/* Keeps a measured or typed scale with the image (a persistent parasite,
 * saved in XCF files) and, whatever its source, as the last scale used.  */
void     smp_scale_remember         (gint32            image,
                                     const SmpScale   *scale);

/* The name of the image parasite that holds a photo's scale: text, the
 * px/mm as a C-locale number, a space, then how it was found.  */
#define SMP_SCALE_PARASITE "smp-px-per-mm"

/* The name of the parasite that marks a layer as a result: the op, the
 * source layer's tattoo and the settings, as text.  */
#define SMP_RESULT_PARASITE "smp-result"

/* NULL when the plug-in may run on drawable, else why not (an indexed
 * image, a layer group, a channel, a result of an earlier run); g_free.  */
gchar   *smp_refusal                (gint32            image,
                                     gint32            drawable);

/* Renders the op on the drawable as opt says, in one undo group, with
 * progress when `progress`; FALSE with the reason otherwise.  */
gboolean smp_apply                  (SmpSettings      *settings,
                                     const SmpOptions *opt,
                                     gint32            image,
                                     gint32            drawable,
                                     gboolean          progress,
                                     GError          **error);

/* Why an op changed nothing, as a hint after "changed nothing" (the
 * automatic colours need hair and scalp in the region, ...).  */
const gchar *smp_nothing_hint       (const SmpSettings *settings);

/* The dialog; FALSE when cancelled.  scale is the photo's, as found;
 * on OK it holds the one chosen.  */
gboolean smp_dialog                 (SmpSettings      *settings,
                                     SmpOptions       *opt,
                                     SmpScale         *scale,
                                     gint32            image,
                                     gint32            drawable);

#endif
