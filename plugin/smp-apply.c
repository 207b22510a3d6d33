/* smp-apply.c: renders an smp: op onto a GIMP drawable: the mask from the
 * selection or a channel, the result on a new layer (or merged down into
 * the drawable when asked), in one undo group, with progress.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <libgimp/gimp.h>

#include "smp-plugin.h"

#define ERR(error, ...) \
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, __VA_ARGS__)

void
smp_settings_default_scale (SmpSettings *settings,
                            gint32       image)
{
  gdouble xres = 0, yres = 0;
  gint    k    = smp_settings_find (settings, "px-per-mm");

  if (k < 0 || ! gimp_image_get_resolution (image, &xres, &yres))
    return;
  /* 72 ppi is GIMP's "not set"; a photo's real scale is rarely in its
   * metadata, but when a user has set it, it is the best guess.  */
  if (xres > 0.0 && fabs (xres - 72.0) > 0.01)
    {
      GValue *v = &settings->values[k];

      g_value_set_double (v, xres / 25.4);
      g_param_value_validate (settings->specs[k], v);
    }
}

/* A copy of a channel whose values, as GIMP shows them (0-100 %), are read
 * by the op as its mask: the op takes Y', a channel may store linear Y,
 * and a 50 % feather must mean half the density either way.  */
static GeglBuffer *
mask_copy (gint32 channel)
{
  GeglBuffer   *src    = gimp_drawable_get_buffer (channel);
  const Babl   *native = gimp_drawable_get_format (channel);
  const gchar  *model  = babl_get_name (babl_format_get_model (native));
  const Babl   *as     = babl_format (strchr (model, '\'') ? "Y' float"
                                                          : "Y float");
  GeglRectangle extent = *gegl_buffer_get_extent (src);
  GeglBuffer   *dst    = gegl_buffer_new (&extent, babl_format ("Y' float"));
  gfloat       *band   = g_new (gfloat, (gsize) extent.width * 128);
  gint          y;

  for (y = 0; y < extent.height; y += 128)
    {
      GeglRectangle r = { extent.x, extent.y + y, extent.width,
                          MIN (128, extent.height - y) };

      gegl_buffer_get (src, &r, 1.0, as, band, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_NONE);
      gegl_buffer_set (dst, &r, 0, babl_format ("Y' float"), band,
                       GEGL_AUTO_ROWSTRIDE);
    }
  g_free (band);
  g_object_unref (src);
  return dst;
}

gboolean
smp_mask_for (const SmpOptions *opt,
              gint32            image,
              gint32            drawable,
              GeglBuffer      **mask,
              gint             *mask_dx,
              gint             *mask_dy,
              GeglRectangle    *region,
              GError          **error)
{
  gint ox = 0, oy = 0, cx = 0, cy = 0;

  *mask    = NULL;
  *mask_dx = *mask_dy = 0;
  region->x = region->y = 0;
  region->width  = gimp_drawable_width (drawable);
  region->height = gimp_drawable_height (drawable);
  gimp_drawable_offsets (drawable, &ox, &oy);

  switch (opt->mask)
    {
    case SMP_MASK_SELECTION:
      if (gimp_selection_is_empty (image))
        return TRUE;
      if (! gimp_drawable_mask_intersect (drawable, &region->x, &region->y,
                                          &region->width, &region->height) ||
          region->width <= 0 || region->height <= 0)
        {
          g_set_error (error, SMP_NOTHING_TO_DO, 0,
                       "The selection does not touch the layer: nothing "
                       "to do. Select part of the layer, or select none "
                       "to treat all of it.");
          return FALSE;
        }
      *mask    = mask_copy (gimp_image_get_selection (image));
      *mask_dx = -ox;
      *mask_dy = -oy;
      return TRUE;

    case SMP_MASK_CHANNEL:
      if (! gimp_item_is_valid (opt->mask_channel) ||
          ! gimp_item_is_channel (opt->mask_channel))
        {
          ERR (error, "mask = 1 needs a channel or layer mask in "
               "mask-channel; %d is none", opt->mask_channel);
          return FALSE;
        }
      if (gimp_item_get_image (opt->mask_channel) != image)
        {
          ERR (error, "The mask channel belongs to another image.");
          return FALSE;
        }
      *mask = mask_copy (opt->mask_channel);
      gimp_drawable_offsets (opt->mask_channel, &cx, &cy);
      *mask_dx = cx - ox;
      *mask_dy = cy - oy;
      return TRUE;

    default:
      return TRUE;
    }
}

gboolean
smp_apply (SmpSettings      *s,
           const SmpOptions *opt,
           gint32            image,
           gint32            drawable,
           gboolean          progress,
           GError          **error)
{
  const gboolean  pigment = opt->result == SMP_RESULT_PIGMENT;
  const gchar    *title   = gegl_operation_get_key (s->op, "title");
  GeglBuffer     *mask = NULL, *input, *target;
  GeglNode       *graph, *op, *sink;
  GeglProcessor  *processor;
  GeglRectangle   region, extent;
  gint            dx, dy, ox, oy, position;
  gint32          layer, parent;
  gchar          *name;
  gdouble         done;

  if (! gimp_item_is_valid (drawable) || ! gimp_item_is_drawable (drawable))
    {
      ERR (error, "%d is no layer of an image.", drawable);
      return FALSE;
    }
  if (gimp_drawable_is_indexed (drawable))
    {
      ERR (error, "SMP filters work on RGB and grayscale images, not indexed "
           "ones: convert with Image > Mode > RGB first.");
      return FALSE;
    }
  if (gimp_item_is_group (drawable))
    {
      ERR (error, "\"%s\" is a layer group: choose one of its layers.",
           gimp_item_get_name (drawable));
      return FALSE;
    }
  if (! gimp_item_is_layer (drawable))
    {
      ERR (error, "\"%s\" is a channel or layer mask: choose a layer (the "
           "photo); a channel can be the density mask instead.",
           gimp_item_get_name (drawable));
      return FALSE;
    }
  if (pigment && ! smp_settings_has_pigment (s))
    {
      ERR (error, "%s has no pigment-only output: choose another result.",
           s->op);
      return FALSE;
    }
  if (! smp_mask_for (opt, image, drawable, &mask, &dx, &dy, &region, error))
    return FALSE;

  input  = gimp_drawable_get_buffer (drawable);
  extent = *gegl_buffer_get_extent (input);
  gimp_drawable_offsets (drawable, &ox, &oy);

  /* The new layer is made first but enters the image only when it is
   * complete: a cancelled or failed run leaves the image as it was.  */
  name  = g_strdup_printf (pigment ? "SMP %s (pigment)" : "SMP %s",
                           title ? title + (g_str_has_prefix (title, "SMP ")
                                            ? 4 : 0)
                                 : smp_settings_short_name (s->op));
  layer = gimp_layer_new (image, name, extent.width, extent.height,
                          gimp_drawable_type_with_alpha (drawable), 100,
                          pigment ? GIMP_LAYER_MODE_MULTIPLY
                                  : GIMP_LAYER_MODE_NORMAL);
  g_free (name);
  target = gimp_drawable_get_buffer (layer);
  if (pigment)
    {
      GeglColor *white = gegl_color_new ("white");

      gegl_buffer_set_color (target, &extent, white);
      g_object_unref (white);
    }
  else
    gegl_buffer_copy (input, &extent, GEGL_ABYSS_NONE, target, &extent);

  op   = smp_settings_graph (s, input, mask, dx, dy, pigment, &graph);
  sink = gegl_node_new_child (graph, "operation", "gegl:write-buffer",
                              "buffer", target, NULL);
  gegl_node_link (op, sink);
  if (progress)
    gimp_progress_init_printf ("%s", title ? title : s->op);
  processor = gegl_node_new_processor (sink, &region);
  while (gegl_processor_work (processor, &done))
    if (progress)
      gimp_progress_update (done);
  if (progress)
    gimp_progress_update (1.0);
  g_object_unref (processor);
  g_object_unref (graph);
  g_object_unref (target);   /* flushes it to GIMP */
  g_object_unref (input);
  g_clear_object (&mask);

  gimp_image_undo_group_start (image);
  parent   = gimp_item_get_parent (drawable);
  position = gimp_image_get_item_position (image, drawable);
  gimp_image_insert_layer (image, layer, parent > 0 ? parent : 0, position);
  gimp_layer_set_offsets (layer, ox, oy);
  if (pigment)
    /* The op's pigment is a linear transmittance: multiply in linear light,
     * as the op does.  */
    gimp_layer_set_blend_space (layer, GIMP_LAYER_COLOR_SPACE_RGB_LINEAR);
  if (opt->result == SMP_RESULT_IN_PLACE)
    gimp_image_merge_down (image, layer, GIMP_EXPAND_AS_NECESSARY);
  gimp_image_undo_group_end (image);
  return TRUE;
}
