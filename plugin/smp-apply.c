/* smp-apply.c: renders an smp: op onto a GIMP drawable: the result on a new
 * layer directly above the drawable (its earlier results between them),
 * holding only what changed; or into the drawable itself through its
 * shadow buffer, as GIMP's own filters do, which keeps the layer, its
 * mask, opacity and mode.  One undo group, with progress.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libgimp/gimp.h>

#include "smp-plugin.h"

#define ERR(error, ...) \
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, __VA_ARGS__)

/* Rows rendered at a time: memory stays small on a 50 MP photo.  */
#define BAND 128

/* What a result layer's parasite says: the op, the layer it was made from
 * (its tattoo, which survives saving as XCF), and whether it is the
 * pigment layer.  FALSE when the layer is no result.  */
static gboolean
result_of (gint32   layer,
           gchar  **op,
           guint   *source,
           gboolean *pigment)
{
  GimpParasite *parasite = gimp_item_get_parasite (layer, SMP_RESULT_PARASITE);
  gchar        *text, **words;
  gint          i;

  if (! parasite)
    return FALSE;
  text  = g_strndup (gimp_parasite_data (parasite),
                     gimp_parasite_data_size (parasite));
  words = g_strsplit (text, " ", 4);
  *op = NULL;
  *source = 0;
  *pigment = FALSE;
  for (i = 0; words[i] && i < 3; i++)
    if (g_str_has_prefix (words[i], "op="))
      *op = g_strdup (words[i] + 3);
    else if (g_str_has_prefix (words[i], "source="))
      *source = (guint) g_ascii_strtoull (words[i] + 7, NULL, 10);
    else if (g_str_has_prefix (words[i], "result="))
      *pigment = atoi (words[i] + 7) == SMP_RESULT_PIGMENT;
  if (! *op)
    *op = g_strdup ("smp");
  g_strfreev (words);
  g_free (text);
  gimp_parasite_free (parasite);
  return TRUE;
}

gchar *
smp_refusal (gint32 image,
             gint32 drawable)
{
  gchar   *op;
  guint    source;
  gboolean pigment;

  if (! gimp_item_is_valid (drawable) || ! gimp_item_is_drawable (drawable))
    return g_strdup_printf ("%d is no layer of an image.", drawable);
  if (gimp_drawable_is_indexed (drawable))
    return g_strdup ("SMP filters work on RGB and grayscale images, not "
                     "indexed ones: convert with Image > Mode > RGB first.");
  if (gimp_item_is_group (drawable))
    return g_strdup_printf ("\"%s\" is a layer group: choose one of its "
                            "layers.", gimp_item_get_name (drawable));
  if (! gimp_item_is_layer (drawable))
    return g_strdup_printf ("\"%s\" is a channel or layer mask: choose a "
                            "layer (the photo); a channel can be the mask "
                            "instead.", gimp_item_get_name (drawable));
  if (result_of (drawable, &op, &source, &pigment))
    {
      gint32       from  = source ? gimp_image_get_layer_by_tattoo (image,
                                                                    source)
                                  : -1;
      const gchar *title = gegl_operation_get_key (op, "title");
      gchar       *whose = from > 0
                           ? g_strdup_printf (" \"%s\"",
                                              gimp_item_get_name (from))
                           : g_strdup ("");
      gchar       *why;

      why = g_strdup_printf ("\"%s\" is %s of %s, not a photo: select the "
                             "photo%s and run the filter there.%s",
                             gimp_item_get_name (drawable),
                             pigment ? "the pigment layer (white, in Multiply "
                                       "mode)"
                                     : "a result",
                             title ? title : op, whose,
                             pigment ? ""
                                     : " To build on this result, merge it "
                                       "down into the photo first (Layer > "
                                       "Merge Down).");
      g_free (whose);
      g_free (op);
      return why;
    }
  return NULL;
}

const gchar *
smp_nothing_hint (const SmpSettings *s)
{
  guint i;

  for (i = 0; i < s->n_specs; i++)
    if (smp_settings_color_is_auto (s->specs[i]))
      {
        gdouble rgba[4];

        gegl_color_get_pixel (g_value_get_object (&s->values[i]),
                              babl_format ("R'G'B'A double"), rgba);
        if (rgba[3] == 0.0)
          return "its automatic colours need a region with both hair and "
                 "scalp in it: select a larger area, or untick Automatic "
                 "and give the colours";
      }
  return "the mask is black there, or the density or darkness is 0";
}

/* The top of the drawable's results: where a new one goes, so that the
 * newest is seen first and nothing unrelated comes between.  */
static gint
result_position (gint32 image,
                 gint32 drawable)
{
  gint32  parent   = gimp_item_get_parent (drawable);
  gint    position = gimp_image_get_item_position (image, drawable), n;
  gint32 *siblings = parent > 0 ? gimp_item_get_children (parent, &n)
                                : gimp_image_get_layers (image, &n);
  guint   tattoo   = gimp_item_get_tattoo (drawable);

  while (position > 0 && position <= n)
    {
      gchar   *op;
      guint    source;
      gboolean pigment;

      if (! result_of (siblings[position - 1], &op, &source, &pigment))
        break;
      g_free (op);
      if (source != tattoo)
        break;
      position--;
    }
  g_free (siblings);
  return position;
}

/* GIMP merges a shadow buffer through the selection, as an opacity; the
 * op has used the selection as its mask already, so the merge happens
 * through a plain rectangle over the region and the selection is put
 * back after (all in the caller's undo group).  */
static void
merge_shadow (gint32               image,
              gint32               drawable,
              const GeglRectangle *region)
{
  gint32 saved = -1;
  gint   ox, oy;

  gimp_drawable_offsets (drawable, &ox, &oy);
  if (! gimp_selection_is_empty (image))
    {
      gimp_context_push ();
      gimp_context_set_feather (FALSE);
      gimp_context_set_antialias (FALSE);
      saved = gimp_selection_save (image);
      gimp_image_select_rectangle (image, GIMP_CHANNEL_OP_REPLACE,
                                   ox + region->x, oy + region->y,
                                   region->width, region->height);
    }
  gimp_drawable_merge_shadow (drawable, TRUE);
  if (saved > 0)
    {
      gimp_image_select_item (image, GIMP_CHANNEL_OP_REPLACE, saved);
      gimp_image_remove_channel (image, saved);
      gimp_context_pop ();
    }
  gimp_drawable_update (drawable, region->x, region->y, region->width,
                        region->height);
}

/* Renders node over region into target (at region moved by tx, ty),
 * band by band, in format; where a pixel is as `same_as` (the input, or
 * white for a pigment), its alpha is made 0 when clear_same.  Returns the
 * number of pixels changed.  */
static gint64
render_bands (GeglNode            *node,
              GeglBuffer          *input,
              const guchar        *white,
              const GeglRectangle *region,
              GeglBuffer          *target,
              gint                 tx,
              gint                 ty,
              const Babl          *format,
              gboolean             clear_same,
              gboolean             progress)
{
  gint    bpp = babl_format_get_bytes_per_pixel (format);
  gint    bpc = bpp / babl_format_get_n_components (format);
  guchar *out = g_malloc ((gsize) region->width * BAND * bpp);
  guchar *in  = white ? NULL : g_malloc ((gsize) region->width * BAND * bpp);
  gint64  changed = 0;
  gint    y;

  for (y = 0; y < region->height; y += BAND)
    {
      GeglRectangle band = { region->x, region->y + y, region->width,
                             MIN (BAND, region->height - y) };
      GeglRectangle to   = { band.x + tx, band.y + ty, band.width,
                             band.height };
      gint          n    = band.width * band.height, i;

      gegl_node_blit (node, 1.0, &band, format, out, GEGL_AUTO_ROWSTRIDE,
                      GEGL_BLIT_DEFAULT);
      if (in)
        gegl_buffer_get (input, &band, 1.0, format, in, GEGL_AUTO_ROWSTRIDE,
                         GEGL_ABYSS_NONE);
      for (i = 0; i < n; i++)
        {
          guchar *p = out + (gsize) i * bpp;

          if (memcmp (p, in ? in + (gsize) i * bpp : white, bpp))
            changed++;
          else if (clear_same)
            memset (p + bpp - bpc, 0, bpc);
        }
      gegl_buffer_set (target, &to, 0, format, out, GEGL_AUTO_ROWSTRIDE);
      if (progress)
        gimp_progress_update ((gdouble) (y + band.height) / region->height);
    }
  g_free (out);
  g_free (in);
  return changed;
}

/* The result layer, not yet in the image: over the region only, named
 * with the op, the preset its settings are and the scale.  */
static gint32
result_layer (const SmpSettings   *s,
              gboolean             pigment,
              gint32               image,
              gint32               drawable,
              const GeglRectangle *region)
{
  const gchar *title   = gegl_operation_get_key (s->op, "title");
  GPtrArray   *presets = smp_settings_presets (s);
  gchar       *what    = smp_settings_describe (s, presets);
  gchar       *name    = g_strdup_printf ("%s%s: %s", title ? title : s->op,
                                          pigment ? " pigment" : "", what);
  gint32       layer   = gimp_layer_new (image, name, region->width,
                                         region->height,
                                         gimp_drawable_type_with_alpha (drawable),
                                         100,
                                         pigment ? GIMP_LAYER_MODE_MULTIPLY
                                                 : GIMP_LAYER_MODE_NORMAL);

  g_free (name);
  g_free (what);
  g_ptr_array_unref (presets);
  return layer;
}

/* The result layer into the image, at the top of the drawable's results,
 * marked as a result (a parasite), the drawable still the active layer.  */
static void
insert_result (const SmpSettings   *s,
               const SmpOptions    *opt,
               gint32               image,
               gint32               drawable,
               gint32               layer,
               const GeglRectangle *region)
{
  gint32        parent = gimp_item_get_parent (drawable);
  gchar        *text   = smp_settings_to_string (s);
  gchar        *mark   = g_strdup_printf ("op=%s source=%u result=%d %s",
                                          s->op, gimp_item_get_tattoo (drawable),
                                          opt->result, text);
  GimpParasite *parasite = gimp_parasite_new (SMP_RESULT_PARASITE,
                                              GIMP_PARASITE_PERSISTENT |
                                              GIMP_PARASITE_UNDOABLE,
                                              strlen (mark) + 1, mark);
  gint          ox, oy;

  gimp_drawable_offsets (drawable, &ox, &oy);
  gimp_image_insert_layer (image, layer, parent > 0 ? parent : 0,
                           result_position (image, drawable));
  gimp_layer_set_offsets (layer, ox + region->x, oy + region->y);
  if (opt->result == SMP_RESULT_PIGMENT)
    /* The op's pigment is a linear transmittance: multiply in linear
     * light, as the op does.  */
    gimp_layer_set_blend_space (layer, GIMP_LAYER_COLOR_SPACE_RGB_LINEAR);
  gimp_item_attach_parasite (layer, parasite);
  gimp_parasite_free (parasite);
  g_free (mark);
  g_free (text);
  /* Filters > Repeat, or the next filter, works on the photo again rather
   * than on this result.  */
  gimp_image_set_active_layer (image, drawable);
}

gboolean
smp_apply (SmpSettings      *s,
           const SmpOptions *opt,
           gint32            image,
           gint32            drawable,
           gboolean          progress,
           GError          **error)
{
  const gboolean  pigment  = opt->result == SMP_RESULT_PIGMENT;
  const gboolean  in_place = opt->result == SMP_RESULT_IN_PLACE;
  const gchar    *title    = gegl_operation_get_key (s->op, "title");
  gchar          *refusal  = smp_refusal (image, drawable);
  SmpMask         mask;
  GeglBuffer     *input, *target;
  GeglNode       *graph, *op;
  const Babl     *format;
  guchar          white[64];
  gint32          layer = -1;
  gint64          changed;

  if (refusal)
    {
      ERR (error, "%s", refusal);
      g_free (refusal);
      return FALSE;
    }
  if (pigment && ! smp_settings_has_pigment (s))
    {
      ERR (error, "%s has no pigment-only output: choose another result.",
           title ? title : s->op);
      return FALSE;
    }
  if (! smp_mask_make (opt, image, drawable, &mask, error))
    return FALSE;

  input = gimp_drawable_get_buffer (drawable);
  op = smp_settings_graph (s, input, mask.buffer, mask.dx, mask.dy, pigment,
                           &graph);
  /* What the op may change reaches past its mask (a scar's feather).  */
  if (mask.buffer)
    mask.region = smp_settings_reach (op, &mask.region);
  if (progress)
    gimp_progress_init_printf ("%s", title ? title : s->op);

  if (in_place)
    {
      /* Nothing reaches the drawable before the merge: a cancelled run
       * leaves it as it was.  */
      format  = gimp_drawable_get_format (drawable);
      target  = gimp_drawable_get_shadow_buffer (drawable);
      changed = render_bands (op, input, NULL, &mask.region, target, 0, 0,
                              format, FALSE, progress);
    }
  else
    {
      /* Clear where nothing changes, so that results of other areas
       * stacked above the photo all show; the layer enters the image only
       * once complete.  */
      layer  = result_layer (s, pigment, image, drawable, &mask.region);
      format = gimp_drawable_get_format (layer);
      target = gimp_drawable_get_buffer (layer);
      if (pigment)
        {
          /* The pigment changes nothing where it is white.  */
          gfloat one[4] = { 1.0f, 1.0f, 1.0f, 1.0f };

          g_assert (babl_format_get_bytes_per_pixel (format) <= (gint) sizeof white);
          babl_process (babl_fish (babl_format ("RGBA float"), format), one,
                        white, 1);
        }
      changed = render_bands (op, input, pigment ? white : NULL, &mask.region,
                              target, -mask.region.x, -mask.region.y, format,
                              TRUE, progress);
    }
  if (progress)
    gimp_progress_update (1.0);
  g_object_unref (target);   /* flushes it to GIMP */
  g_object_unref (graph);
  g_object_unref (input);

  if (changed == 0)
    {
      if (layer > 0)
        gimp_item_delete (layer);
      else
        gimp_drawable_free_shadow (drawable);
      g_set_error (error, SMP_NOTHING_TO_DO, 0,
                   "%s changed no pixel of \"%s\": %s.",
                   title ? title : s->op, gimp_item_get_name (drawable),
                   smp_nothing_hint (s));
    }
  else
    {
      gimp_image_undo_group_start (image);
      if (in_place)
        merge_shadow (image, drawable, &mask.region);
      else
        insert_result (s, opt, image, drawable, layer, &mask.region);
      gimp_image_undo_group_end (image);
    }
  smp_mask_clear (&mask);
  return changed > 0;
}
