/* smp-mask.c: where the op's mask comes from: the table of mask sources
 * the dialog's Mask frame and the PDB's "mask" argument are made of, and
 * the masks themselves.  A new source (a scalp map, a hairline from a
 * path) is one more row and its two functions.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <string.h>

#include <libgimp/gimp.h>

#include "smp-plugin.h"

#define ERR(error, ...) \
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, __VA_ARGS__)

/* A copy of the part `area` (channel coordinates) of a channel whose
 * values, as GIMP shows them (0-100 %), are read by the op as its mask:
 * the op takes Y', a channel may store linear Y, and a 50 % feather must
 * mean half the density either way.  */
static GeglBuffer *
mask_copy (gint32               channel,
           const GeglRectangle *area)
{
  GeglBuffer  *src    = gimp_drawable_get_buffer (channel);
  const Babl  *native = gimp_drawable_get_format (channel);
  const gchar *model  = babl_get_name (babl_format_get_model (native));
  const Babl  *as     = babl_format (strchr (model, '\'') ? "Y' float"
                                                         : "Y float");
  GeglBuffer  *dst    = gegl_buffer_new (area, babl_format ("Y' float"));
  gfloat      *band   = g_new (gfloat, (gsize) area->width * 128);
  gint         y;

  for (y = 0; y < area->height; y += 128)
    {
      GeglRectangle r = { area->x, area->y + y, area->width,
                          MIN (128, area->height - y) };

      gegl_buffer_get (src, &r, 1.0, as, band, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_NONE);
      gegl_buffer_set (dst, &r, 0, babl_format ("Y' float"), band,
                       GEGL_AUTO_ROWSTRIDE);
    }
  g_free (band);
  g_object_unref (src);
  return dst;
}

/* The bounds of what a mask buffer holds above black (empty: none).  */
static GeglRectangle
mask_bounds (GeglBuffer *mask)
{
  GeglBufferIterator *it = gegl_buffer_iterator_new (mask, NULL, 0,
                                                     babl_format ("Y' float"),
                                                     GEGL_ACCESS_READ,
                                                     GEGL_ABYSS_NONE, 1);
  GeglRectangle       b  = { 0, 0, 0, 0 };

  while (gegl_buffer_iterator_next (it))
    {
      const gfloat        *m   = it->items[0].data;
      const GeglRectangle *roi = &it->items[0].roi;
      gint                 i;

      for (i = 0; i < it->length; i++)
        if (m[i] > 0.0f)
          {
            GeglRectangle p = { roi->x + i % roi->width,
                                roi->y + i / roi->width, 1, 1 };

            gegl_rectangle_bounding_box (&b, &b, &p);
          }
    }
  return b;
}

static void
whole_layer (gint32   drawable,
             SmpMask *mask)
{
  memset (mask, 0, sizeof *mask);
  mask->region.width  = gimp_drawable_width (drawable);
  mask->region.height = gimp_drawable_height (drawable);
}

static gboolean
selection_make (const SmpOptions *opt,
                gint32            image,
                gint32            drawable,
                SmpMask          *mask,
                GError          **error)
{
  GeglRectangle *r = &mask->region, area;
  gint           ox, oy;

  whole_layer (drawable, mask);
  if (gimp_selection_is_empty (image))
    return TRUE;
  if (! gimp_drawable_mask_intersect (drawable, &r->x, &r->y, &r->width,
                                      &r->height) ||
      r->width <= 0 || r->height <= 0)
    {
      g_set_error (error, SMP_NOTHING_TO_DO, 0,
                   "The selection does not touch the layer \"%s\": nothing "
                   "to do. Select part of the layer, or select none to "
                   "treat all of it.", gimp_item_get_name (drawable));
      return FALSE;
    }
  /* The selection within its bounds on the layer: beyond them it is
   * black, and an op learns from its mask's extent, not the photo's.  */
  gimp_drawable_offsets (drawable, &ox, &oy);
  area = (GeglRectangle) { ox + r->x, oy + r->y, r->width, r->height };
  mask->buffer = mask_copy (gimp_image_get_selection (image), &area);
  mask->dx     = -ox;
  mask->dy     = -oy;
  return TRUE;
}

static gchar *
channel_unavailable (gint32 image,
                     gint32 drawable)
{
  GArray  *channels = smp_mask_channels (image);
  gboolean none     = channels->len == 0;

  g_array_unref (channels);
  return none ? g_strdup ("this image has no channel or layer mask") : NULL;
}

static gboolean
channel_make (const SmpOptions *opt,
              gint32            image,
              gint32            drawable,
              SmpMask          *mask,
              GError          **error)
{
  GeglRectangle area, bounds;
  gint          ox, oy, cx = 0, cy = 0;

  whole_layer (drawable, mask);
  if (! gimp_item_is_valid (opt->mask_channel) ||
      ! gimp_item_is_channel (opt->mask_channel))
    {
      ERR (error, "mask = 1 needs a channel or layer mask in mask-channel; "
           "%d is none", opt->mask_channel);
      return FALSE;
    }
  if (gimp_item_get_image (opt->mask_channel) != image)
    {
      ERR (error, "The mask channel \"%s\" belongs to another image.",
           gimp_item_get_name (opt->mask_channel));
      return FALSE;
    }
  gimp_drawable_offsets (drawable, &ox, &oy);
  gimp_drawable_offsets (opt->mask_channel, &cx, &cy);
  /* The channel where the layer is, in the channel's coordinates.  */
  area = (GeglRectangle) { ox - cx, oy - cy, gimp_drawable_width (drawable),
                           gimp_drawable_height (drawable) };
  if (! gegl_rectangle_intersect (&area, &area,
                                  GEGL_RECTANGLE (0, 0,
                                    gimp_drawable_width (opt->mask_channel),
                                    gimp_drawable_height (opt->mask_channel))))
    area.width = area.height = 0;
  mask->buffer = area.width > 0 ? mask_copy (opt->mask_channel, &area) : NULL;
  bounds = mask->buffer ? mask_bounds (mask->buffer)
                        : (GeglRectangle) { 0, 0, 0, 0 };
  if (bounds.width == 0)
    {
      g_clear_object (&mask->buffer);
      g_set_error (error, SMP_NOTHING_TO_DO, 0,
                   "The mask \"%s\" is black where the layer \"%s\" is: "
                   "nothing to do. Paint white where the treatment goes.",
                   gimp_item_get_name (opt->mask_channel),
                   gimp_item_get_name (drawable));
      return FALSE;
    }
  /* Cut to what is not black, as the selection is (see above).  */
  if (! gegl_rectangle_equal (&bounds, &area))
    {
      GeglBuffer *cut = gegl_buffer_create_sub_buffer (mask->buffer, &bounds);

      g_object_unref (mask->buffer);
      mask->buffer = cut;
    }
  mask->dx = cx - ox;
  mask->dy = cy - oy;
  mask->region = (GeglRectangle) { bounds.x + mask->dx, bounds.y + mask->dy,
                                   bounds.width, bounds.height };
  return TRUE;
}

static gboolean
everywhere_make (const SmpOptions *opt,
                 gint32            image,
                 gint32            drawable,
                 SmpMask          *mask,
                 GError          **error)
{
  whole_layer (drawable, mask);
  return TRUE;
}

const SmpMaskSourceInfo smp_mask_sources[] =
{
  { SMP_MASK_SELECTION, "The _selection (none: everywhere)",
    "the selection (none: everywhere)",
    "The selection as the mask: its feather is partial density (a soft "
    "hairline), partial strength (a region) or the scar's edge",
    FALSE, NULL, selection_make },
  { SMP_MASK_CHANNEL, "A _channel or layer mask",
    "the channel or layer mask in mask-channel",
    "A saved selection or a layer mask as the mask (white = full)",
    TRUE, channel_unavailable, channel_make },
  { SMP_MASK_NONE, "_Everywhere",
    "none (everywhere)",
    "The whole layer, whatever is selected",
    FALSE, NULL, everywhere_make },
};

const guint smp_n_mask_sources = G_N_ELEMENTS (smp_mask_sources);

gboolean
smp_mask_make (const SmpOptions *opt,
               gint32            image,
               gint32            drawable,
               SmpMask          *mask,
               GError          **error)
{
  guint i;

  memset (mask, 0, sizeof *mask);
  for (i = 0; i < smp_n_mask_sources; i++)
    if (smp_mask_sources[i].id == opt->mask)
      return smp_mask_sources[i].make (opt, image, drawable, mask, error);
  ERR (error, "mask = %d is no mask source", opt->mask);
  return FALSE;
}

void
smp_mask_clear (SmpMask *mask)
{
  g_clear_object (&mask->buffer);
}

static void
add_layer_masks (GArray *out,
                 gint32 *layers,
                 gint    n)
{
  gint i;

  for (i = 0; i < n; i++)
    {
      gint32 mask = gimp_layer_get_mask (layers[i]);

      if (mask > 0)
        {
          SmpMaskChannel c = { mask, g_strdup_printf ("Layer mask of \"%s\"",
                                                      gimp_item_get_name (layers[i])) };

          g_array_append_val (out, c);
        }
      if (gimp_item_is_group (layers[i]))
        {
          gint    k;
          gint32 *children = gimp_item_get_children (layers[i], &k);

          add_layer_masks (out, children, k);
          g_free (children);
        }
    }
}

static void
channel_clear (SmpMaskChannel *c)
{
  g_free (c->label);
}

GArray *
smp_mask_channels (gint32 image)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (SmpMaskChannel));
  gint32 *items;
  gint    n, i;

  g_array_set_clear_func (out, (GDestroyNotify) channel_clear);
  items = gimp_image_get_channels (image, &n);
  for (i = 0; i < n; i++)
    {
      SmpMaskChannel c = { items[i], g_strdup_printf ("Channel \"%s\"",
                                                      gimp_item_get_name (items[i])) };

      g_array_append_val (out, c);
    }
  g_free (items);
  items = gimp_image_get_layers (image, &n);
  add_layer_masks (out, items, n);
  g_free (items);
  return out;
}
