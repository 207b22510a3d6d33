/* smp-settings.h: what the GIMP plug-in knows of the smp: ops, from GEGL
 * alone: which ops the module has, their properties in declaration order,
 * settings as text, and the graph that renders them.  No GIMP here, so the
 * preview benchmark and the tests use the very same code.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_SETTINGS_H
#define SMP_SETTINGS_H

#include <gegl.h>
#include <gegl-plugin.h>

#include "smp-presets.h"

/* The ops' property that chooses composite or pigment: the plug-in sets it
 * from its own "result" choice instead of offering it.  */
#define SMP_OUTPUT_PROPERTY "output"

typedef struct
{
  gchar       *op;         /* "smp:follicles" */
  GParamSpec **specs;      /* the op's properties but "output", in order */
  guint        n_specs;
  GValue      *values;     /* one a spec */
} SmpSettings;

/* Every operation of the project's module that changes a photo ("smp:" ops
 * that take one, but those whose "smp:role" key is "mask"), sorted;
 * g_strfreev.  */
gchar      **smp_settings_list_ops     (void);

/* "smp:follicles" -> "follicles".  */
const gchar *smp_settings_short_name   (const gchar       *op);

/* Settings of op at its defaults; NULL when GEGL has no such op.  */
SmpSettings *smp_settings_new          (const gchar       *op);
void         smp_settings_free         (SmpSettings       *settings);
void         smp_settings_reset        (SmpSettings       *settings);
gint         smp_settings_find         (const SmpSettings *settings,
                                        const gchar       *name);

/* Whether the op can output its pigment alone (output=pigment).  */
gboolean     smp_settings_has_pigment  (const SmpSettings *settings);

/* Whether spec k is one of the dot properties every stippling op shares
 * (filters/smp-dot-properties.inc: from "dot-diameter" to "seed"), which
 * the dialog puts on a page of their own.  */
gboolean     smp_settings_is_dot       (const SmpSettings *settings,
                                        guint              k);

/* A number property by name (px-per-mm above all); 0 when there is none.
 * Setting clamps to the spec.  */
gdouble      smp_settings_get_double   (const SmpSettings *settings,
                                        const gchar       *name);
void         smp_settings_set_double   (SmpSettings       *settings,
                                        const gchar       *name,
                                        gdouble            value);

/* The presets (data/presets, see smp-presets.h) whose last op is this
 * settings' op, sorted by name; g_ptr_array_unref.  */
GPtrArray   *smp_settings_presets      (const SmpSettings *settings);

/* Takes a preset's values, as GEGL makes them of its text, for every
 * property but the scale and the seed (they belong to the photo and the
 * run, not to the look).  FALSE and a message when the preset does not
 * parse or is for another op.  */
gboolean     smp_settings_apply_preset (SmpSettings       *settings,
                                        const SmpPreset   *preset,
                                        GError           **error);

/* The preset of presets (smp_settings_presets) whose look these settings
 * are, every property but the scale and the seed alike; NULL if none.  */
const SmpPreset *smp_settings_matching_preset (const SmpSettings *settings,
                                               GPtrArray         *presets);

/* "shaved-dark-hair, 3.30 px/mm" (or "own settings, ..."): what a result
 * layer's name says of the run.  */
gchar       *smp_settings_describe     (const SmpSettings *settings,
                                        GPtrArray         *presets);

/* Whether a colour property is "automatic" by default (transparent: the op
 * estimates it), so that the user may hand it back to the op.  */
gboolean     smp_settings_color_is_auto (GParamSpec       *pspec);

/* As text "op name=value name=value ..." (colours as rgba(...) in linear
 * light, numbers in C locale, all read back to the same values), the form
 * of a GEGL chain.  */
gchar       *smp_settings_to_string    (const SmpSettings *settings);

/* Reads such text (a leading op name is skipped; unknown names and bad
 * values are reported in error and leave the rest as it was).  */
gboolean     smp_settings_from_string  (SmpSettings       *settings,
                                        const gchar       *text,
                                        GError           **error);

/* A graph: input buffer -> op (aux: mask buffer moved by mask_dx, mask_dy,
 * when mask is not NULL) with these settings; returns the op node, owned by
 * *graph.  pigment asks for the pigment alone.  */
GeglNode    *smp_settings_graph        (const SmpSettings *settings,
                                        GeglBuffer        *input,
                                        GeglBuffer        *mask,
                                        gint               mask_dx,
                                        gint               mask_dy,
                                        gboolean           pigment,
                                        GeglNode         **graph);

/* What the op node (made by smp_settings_graph, with a mask) can change
 * when its mask is zero outside mask_bounds: the output its mask there is
 * read for, as the op's own get_required_for_output says (a dot's reach, a
 * feather, the ring it learns from), within its input.  Beyond it the op
 * leaves the input as it is.  */
GeglRectangle smp_settings_reach       (GeglNode            *op,
                                        const GeglRectangle *mask_bounds);

/* Renders area of the graph above into pixels of format: what the dialog's
 * live preview shows (and the preview benchmark times).  */
void         smp_settings_render       (const SmpSettings   *settings,
                                        GeglBuffer          *input,
                                        GeglBuffer          *mask,
                                        gint                 mask_dx,
                                        gint                 mask_dy,
                                        gboolean             pigment,
                                        const GeglRectangle *area,
                                        const Babl          *format,
                                        gpointer             pixels);

#endif
