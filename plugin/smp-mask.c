/* smp-mask.c: where the op's masks come from: the table of mask sources
 * the dialog's Mask frame and the PDB's "mask" argument are made of, and
 * the masks themselves (the selection, a channel, the scalp map, a
 * hairline along a path); the reference of the client's own hair (aux2)
 * and what the op learnt from it; Select > SMP Scalp.  A new source is one
 * more row and its two functions.
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

#include "smp-hairline.h"
#include "smp-plugin.h"

#define ERR(error, ...) \
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, __VA_ARGS__)

/* Rows handled at a time.  */
#define BAND 128

/* The format that reads and writes a channel's values as GIMP shows them
 * (0-100 %), whether it stores them perceptual or linear: the op takes
 * Y', and a 50 % feather must mean half the density either way.  */
static const Babl *
channel_format (gint32 channel)
{
  const Babl  *native = gimp_drawable_get_format (channel);
  const gchar *model  = babl_get_name (babl_format_get_model (native));

  return babl_format (strchr (model, '\'') ? "Y' float" : "Y float");
}

/* A copy of the part `area` (channel coordinates) of a channel, as the
 * op reads it (see above).  */
static GeglBuffer *
mask_copy (gint32               channel,
           const GeglRectangle *area)
{
  GeglBuffer  *src    = gimp_drawable_get_buffer (channel);
  const Babl  *as     = channel_format (channel);
  GeglBuffer  *dst    = gegl_buffer_new (area, babl_format ("Y' float"));
  gfloat      *band   = g_new (gfloat, (gsize) area->width * BAND);
  gint         y;

  for (y = 0; y < area->height; y += BAND)
    {
      GeglRectangle r = { area->x, area->y + y, area->width,
                          MIN (BAND, area->height - y) };

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

/* buffer (on the layer) as the layer's mask, cut to what is not black: an
 * op learns from its mask's extent, not the photo's.  FALSE (the buffer
 * freed) when all of it is black.  */
static gboolean
mask_take (GeglBuffer *buffer,
           SmpMask    *mask)
{
  GeglRectangle bounds = mask_bounds (buffer);

  if (bounds.width == 0)
    {
      g_object_unref (buffer);
      return FALSE;
    }
  if (! gegl_rectangle_equal (&bounds, gegl_buffer_get_extent (buffer)))
    {
      mask->buffer = gegl_buffer_create_sub_buffer (buffer, &bounds);
      g_object_unref (buffer);
    }
  else
    mask->buffer = buffer;
  mask->dx = mask->dy = 0;
  mask->region = bounds;
  return TRUE;
}

static gboolean
selection_make (const SmpSettings *s,
                const SmpOptions  *opt,
                gint32             image,
                gint32             drawable,
                SmpMask           *mask,
                GError           **error)
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

/* A channel argument: a channel (or layer mask) of this image.  */
static gboolean
check_channel (gint32        channel,
               gint32        image,
               const gchar  *what,
               GError      **error)
{
  if (! gimp_item_is_valid (channel) || ! gimp_item_is_channel (channel))
    {
      ERR (error, "%s; %d is none.", what, channel);
      return FALSE;
    }
  if (gimp_item_get_image (channel) != image)
    {
      ERR (error, "The channel \"%s\" belongs to another image.",
           gimp_item_get_name (channel));
      return FALSE;
    }
  return TRUE;
}

/* The channel where the layer is, as the layer's mask cut to what is not
 * black; FALSE when all of it is black there.  */
static gboolean
channel_over_layer (gint32   channel,
                    gint32   drawable,
                    SmpMask *mask)
{
  GeglRectangle area;
  gint          ox, oy, cx = 0, cy = 0;

  whole_layer (drawable, mask);
  gimp_drawable_offsets (drawable, &ox, &oy);
  gimp_drawable_offsets (channel, &cx, &cy);
  /* The channel where the layer is, in the channel's coordinates.  */
  area = (GeglRectangle) { ox - cx, oy - cy, gimp_drawable_width (drawable),
                           gimp_drawable_height (drawable) };
  if (! gegl_rectangle_intersect (&area, &area,
                                  GEGL_RECTANGLE (0, 0,
                                    gimp_drawable_width (channel),
                                    gimp_drawable_height (channel))) ||
      ! mask_take (mask_copy (channel, &area), mask))
    return FALSE;
  mask->dx = cx - ox;
  mask->dy = cy - oy;
  mask->region.x += mask->dx;
  mask->region.y += mask->dy;
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
channel_make (const SmpSettings *s,
              const SmpOptions  *opt,
              gint32             image,
              gint32             drawable,
              SmpMask           *mask,
              GError           **error)
{
  if (! check_channel (opt->mask_channel, image,
                       "mask = 1 needs a channel or layer mask in "
                       "mask-channel", error))
    return FALSE;
  if (! channel_over_layer (opt->mask_channel, drawable, mask))
    {
      g_set_error (error, SMP_NOTHING_TO_DO, 0,
                   "The mask \"%s\" is black where the layer \"%s\" is: "
                   "nothing to do. Paint white where the treatment goes.",
                   gimp_item_get_name (opt->mask_channel),
                   gimp_item_get_name (drawable));
      return FALSE;
    }
  return TRUE;
}

static gboolean
everywhere_make (const SmpSettings *s,
                 const SmpOptions  *opt,
                 gint32             image,
                 gint32             drawable,
                 SmpMask           *mask,
                 GError           **error)
{
  whole_layer (drawable, mask);
  return TRUE;
}

/* Sets an enum property of a node by its value's nick.  */
static void
node_set_nick (GeglNode    *node,
               const gchar *name,
               const gchar *nick)
{
  GParamSpec *pspec = gegl_operation_find_property (gegl_node_get_operation (node),
                                                    name);

  gegl_node_set (node, name,
                 g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class,
                                           nick)->value, NULL);
}

/* The drawable's scalp map (output `output`) over the layer, rendered by
 * smp:scalp-map with the map's settings.  */
static GeglBuffer *
scalp_render (const SmpSettings *map,
              gint32             drawable,
              const gchar       *output)
{
  GeglRectangle area  = { 0, 0, gimp_drawable_width (drawable),
                          gimp_drawable_height (drawable) };
  GeglBuffer   *input = gimp_drawable_get_buffer (drawable);
  GeglBuffer   *out   = gegl_buffer_new (&area, babl_format ("Y' float"));
  GeglNode     *graph, *node;

  node = smp_settings_graph (map, input, NULL, 0, 0, FALSE, &graph);
  node_set_nick (node, "output", output);
  gegl_node_blit_buffer (node, out, &area, 0, GEGL_ABYSS_NONE);
  g_object_unref (graph);
  g_object_unref (input);
  return out;
}

/* The scalp map's treatment mask as the layer's mask; FALSE and why when
 * it is empty: no head found, or no bald or thinning scalp on it.  */
static gboolean
scalp_mask (const SmpSettings *map,
            gint32             drawable,
            SmpMask           *mask,
            GError           **error)
{
  gdouble  ppm = smp_settings_get_double (map, "px-per-mm");
  SmpMask  head;

  whole_layer (drawable, mask);
  if (mask_take (scalp_render (map, drawable, "treat"), mask))
    return TRUE;
  whole_layer (drawable, &head);
  if (! mask_take (scalp_render (map, drawable, "head"), &head))
    g_set_error (error, SMP_NOTHING_TO_DO, 0,
                 "The scalp map found no head in \"%s\" at %.2f px/mm: "
                 "nothing to do. Check the scale, or select the scalp by "
                 "hand.", gimp_item_get_name (drawable), ppm);
  else
    g_set_error (error, SMP_NOTHING_TO_DO, 0,
                 "The scalp map found a head in \"%s\" but no bald or "
                 "thinning scalp on it (at %.2f px/mm): nothing to do. "
                 "Select the area by hand.", gimp_item_get_name (drawable),
                 ppm);
  smp_mask_clear (&head);
  return FALSE;
}

static gchar *
scalp_unavailable (gint32 image,
                   gint32 drawable)
{
  return gegl_has_operation ("smp:scalp-map")
         ? NULL
         : g_strdup ("GEGL has no smp:scalp-map: the project's GEGL module "
                     "is older than the plug-in");
}

static gboolean
scalp_make (const SmpSettings *s,
            const SmpOptions  *opt,
            gint32             image,
            gint32             drawable,
            SmpMask           *mask,
            GError           **error)
{
  SmpSettings *map = smp_settings_new ("smp:scalp-map");
  gboolean     ok;

  if (! map)
    {
      ERR (error, "GEGL has no smp:scalp-map: install the project's GEGL "
           "module (./run install).");
      return FALSE;
    }
  /* The photo's scale; the map's own feather.  */
  smp_settings_set_double (map, "px-per-mm",
                           smp_settings_get_double (s, "px-per-mm"));
  ok = scalp_mask (map, drawable, mask, error);
  if (ok)
    mask->about = g_strdup ("The scalp map's treatment area");
  smp_settings_free (map);
  return ok;
}

gint32
smp_active_path (gint32 image)
{
  gint32  vectors = gimp_image_get_active_vectors (image);
  gint32 *all;
  gint    n;

  if (vectors > 0)
    return vectors;
  all = gimp_image_get_vectors (image, &n);
  vectors = n == 1 ? all[0] : -1;
  g_free (all);
  return vectors;
}

static gchar *
hairline_unavailable (gint32 image,
                      gint32 drawable)
{
  gint32 *all;
  gint    n;

  if (! gegl_has_operation ("smp:hairline"))
    return g_strdup ("GEGL has no smp:hairline: the project's GEGL module is "
                     "older than the plug-in");
  all = gimp_image_get_vectors (image, &n);
  g_free (all);
  if (n == 0)
    return g_strdup ("this image has no path: draw the hairline with the "
                     "Paths tool (B)");
  if (smp_active_path (image) < 0)
    return g_strdup ("this image has several paths and none is active: "
                     "click the hairline in the Paths dialog");
  return NULL;
}

/* A GIMP stroke's anchors (control-in, anchor, control-out each) in the
 * other order: smp:hairline treats the left of an open line as walked.  */
static void
reverse_stroke (gdouble *p,
                gint     n)
{
  gint     anchors = n / 6, j;
  gdouble *copy    = g_memdup2 (p, sizeof (gdouble) * n);

  for (j = 0; j < anchors; j++)
    {
      const gdouble *a = copy + 6 * (anchors - 1 - j);

      p[6 * j + 0] = a[4];
      p[6 * j + 1] = a[5];
      p[6 * j + 2] = a[2];
      p[6 * j + 3] = a[3];
      p[6 * j + 4] = a[0];
      p[6 * j + 5] = a[1];
    }
  g_free (copy);
}

/* The Bezier strokes of a path as smp:hairline's path data in the pixels
 * of a layer at (ox, oy), open ones reversed when `reverse`; *open tells
 * whether there are open ones.  */
static gchar *
path_data (gint32    vectors,
           gint      ox,
           gint      oy,
           gboolean  reverse,
           gboolean *open)
{
  GString *d = g_string_new (NULL);
  gint     n_strokes, i, k;
  gint    *strokes = gimp_vectors_get_strokes (vectors, &n_strokes);

  *open = FALSE;
  for (i = 0; i < n_strokes; i++)
    {
      gint      n = 0;
      gdouble  *p = NULL;
      gboolean  closed = FALSE;
      gchar    *text;

      if (gimp_vectors_stroke_get_points (vectors, strokes[i], &n, &p,
                                          &closed) !=
          GIMP_VECTORS_STROKE_TYPE_BEZIER)
        {
          g_free (p);
          continue;
        }
      for (k = 0; k + 1 < n; k += 2)
        {
          p[k]     -= ox;
          p[k + 1] -= oy;
        }
      if (! closed)
        {
          *open = TRUE;
          if (reverse)
            reverse_stroke (p, n);
        }
      text = smp_hairline_d_from_stroke (p, n, closed);
      if (text)
        g_string_append_printf (d, "%s%s", d->len ? " " : "", text);
      free (text);
      g_free (p);
    }
  g_free (strokes);
  return g_string_free (d, FALSE);
}

/* smp:hairline along path data d, with the op's scale and seed and the
 * hairline settings, over the layer.  */
static GeglBuffer *
hairline_render (const SmpSettings *s,
                 const SmpOptions  *opt,
                 const gchar       *d,
                 gint32             drawable)
{
  GeglRectangle area  = { 0, 0, gimp_drawable_width (drawable),
                          gimp_drawable_height (drawable) };
  GeglBuffer   *out   = gegl_buffer_new (&area, babl_format ("Y' float"));
  GeglNode     *graph = gegl_node_new ();
  GeglNode     *node  = gegl_node_new_child (graph, "operation",
                                             "smp:hairline", NULL);
  GeglPath     *path  = gegl_path_new_from_string (d);
  gint          seed  = smp_settings_find (s, "seed");
  guint         i;

  for (i = 0; i < opt->hairline->n_specs; i++)
    if (smp_settings_hairline_offered (opt->hairline->specs[i]))
      gegl_node_set_property (node, opt->hairline->specs[i]->name,
                              &opt->hairline->values[i]);
  gegl_node_set (node, "d", path,
                 "px-per-mm", smp_settings_get_double (s, "px-per-mm"), NULL);
  if (seed >= 0)
    gegl_node_set_property (node, "seed", &s->values[seed]);
  gegl_node_blit_buffer (node, out, &area, 0, GEGL_ABYSS_NONE);
  g_object_unref (path);
  g_object_unref (graph);
  return out;
}

/* The area's weight at each pixel of a band of the layer: the selection's
 * value, or 1 without one.  */
static void
area_band (gint32               image,
           GeglBuffer          *selection,
           const Babl          *format,
           gint                 ox,
           gint                 oy,
           const GeglRectangle *band,
           gfloat              *w)
{
  gsize         n = (gsize) band->width * band->height, i;
  GeglRectangle r = { band->x + ox, band->y + oy, band->width, band->height };

  if (! selection)
    {
      for (i = 0; i < n; i++)
        w[i] = 1.0f;
      return;
    }
  gegl_buffer_get (selection, &r, 1.0, format, w, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
}

/* Goes over the hairline mask band by band with the area's weight:
 * multiplies it in when `apply`; returns the weight ahead of the line
 * less the weight behind it (> 0: the area lies mostly ahead).  */
static gdouble
hairline_area (GeglBuffer *m,
               gint32      image,
               gint32      drawable,
               gboolean    apply)
{
  const GeglRectangle *e = gegl_buffer_get_extent (m);
  GeglBuffer *selection = gimp_selection_is_empty (image)
                          ? NULL
                          : gimp_drawable_get_buffer (gimp_image_get_selection (image));
  const Babl *format = channel_format (gimp_image_get_selection (image));
  gfloat     *mv = g_new (gfloat, (gsize) e->width * BAND);
  gfloat     *wv = g_new (gfloat, (gsize) e->width * BAND);
  gdouble     ahead = 0.0;
  gint        ox, oy, y;
  gsize       i;

  gimp_drawable_offsets (drawable, &ox, &oy);
  for (y = 0; y < e->height; y += BAND)
    {
      GeglRectangle band = { 0, y, e->width, MIN (BAND, e->height - y) };
      gsize         n    = (gsize) band.width * band.height;

      gegl_buffer_get (m, &band, 1.0, babl_format ("Y' float"), mv,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      area_band (image, selection, format, ox, oy, &band, wv);
      for (i = 0; i < n; i++)
        {
          ahead += wv[i] * (1.0 - 2.0 * mv[i]);
          mv[i] *= wv[i];
        }
      if (apply)
        gegl_buffer_set (m, &band, 0, babl_format ("Y' float"), mv,
                         GEGL_AUTO_ROWSTRIDE);
    }
  g_free (mv);
  g_free (wv);
  if (selection)
    g_object_unref (selection);
  return ahead;
}

/* The hairline along a path: its scalp is the side the area (the
 * selection, or the layer) mostly lies on, or the other side when asked;
 * the area limits it.  */
static gboolean
hairline_make (const SmpSettings *s,
               const SmpOptions  *opt,
               gint32             image,
               gint32             drawable,
               SmpMask           *mask,
               GError           **error)
{
  gint32      vectors = opt->hairline_path > 0 ? opt->hairline_path
                                               : smp_active_path (image);
  gint        ox, oy;
  gboolean    open, reverse;
  gchar      *d, why[256];
  GeglBuffer *m;

  whole_layer (drawable, mask);
  if (! opt->hairline)
    {
      ERR (error, "GEGL has no smp:hairline: install the project's GEGL "
           "module (./run install).");
      return FALSE;
    }
  if (! gimp_item_is_valid (vectors) || ! gimp_item_is_vectors (vectors) ||
      gimp_item_get_image (vectors) != image)
    {
      ERR (error, "mask = %d needs a path of this image (hairline-path, or "
           "the active path); %d is none. Draw the hairline with the Paths "
           "tool (B).", SMP_MASK_HAIRLINE, vectors);
      return FALSE;
    }
  gimp_drawable_offsets (drawable, &ox, &oy);
  d = path_data (vectors, ox, oy, FALSE, &open);
  if (! *d)
    {
      ERR (error, "The path \"%s\" has no stroke of two points or more: draw "
           "the hairline with the Paths tool (B), a click at each point of "
           "it.", gimp_item_get_name (vectors));
      g_free (d);
      return FALSE;
    }
  if (smp_hairline_check (d, gimp_drawable_width (drawable),
                          gimp_drawable_height (drawable), why, sizeof why))
    {
      ERR (error, "The path \"%s\" cannot be the hairline of \"%s\": %s",
           gimp_item_get_name (vectors), gimp_item_get_name (drawable), why);
      g_free (d);
      return FALSE;
    }
  m = hairline_render (s, opt, d, drawable);
  /* Which side is the scalp: where the area is (a closed outline has its
   * inside).  */
  reverse = open && (hairline_area (m, image, drawable, FALSE) > 0.0) !=
                    (opt->hairline_flip != FALSE);
  if (reverse)
    {
      g_free (d);
      g_object_unref (m);
      d = path_data (vectors, ox, oy, TRUE, &open);
      m = hairline_render (s, opt, d, drawable);
    }
  hairline_area (m, image, drawable, TRUE);
  g_free (d);
  if (! mask_take (m, mask))
    {
      g_set_error (error, SMP_NOTHING_TO_DO, 0,
                   "The hairline along \"%s\" treats nothing of \"%s\"%s: "
                   "nothing to do. Draw it across the scalp%s.",
                   gimp_item_get_name (vectors), gimp_item_get_name (drawable),
                   gimp_selection_is_empty (image) ? "" : " in the selection",
                   gimp_selection_is_empty (image) ? "" : ", or select the "
                   "scalp behind it");
      return FALSE;
    }
  {
    gboolean     sel  = ! gimp_selection_is_empty (image);
    const gchar *side = opt->hairline_flip
                        ? (sel ? "away from the selection (flipped)"
                               : "with less of the layer (flipped)")
                        : (sel ? "of the selection" : "with most of the layer");

    /* With no selection the whole layer behind the line is treated, a
     * wall or a shirt there too: the designer is told how to limit it.  */
    mask->about = g_strdup_printf ("The hairline along the path \"%s\": the "
                                   "scalp behind it on the side %s%s",
                                   gimp_item_get_name (vectors), side,
                                   sel ? ""
                                   : ", to the layer's edges. Select the "
                                     "scalp (Select > SMP Scalp) to keep the "
                                     "dots off the background");
  }
  return TRUE;
}

const SmpMaskSourceInfo smp_mask_sources[] =
{
  { SMP_MASK_SELECTION, "The _selection (none: everywhere)",
    "the selection (none: everywhere)",
    "The selection as the mask: its feather is partial density (a soft "
    "hairline), partial strength (a region) or the scar's edge",
    FALSE, FALSE, NULL, selection_make },
  { SMP_MASK_CHANNEL, "A _channel or layer mask",
    "the channel or layer mask in mask-channel",
    "A saved selection or a layer mask as the mask (white = full)",
    TRUE, FALSE, channel_unavailable, channel_make },
  { SMP_MASK_NONE, "_Everywhere",
    "none (everywhere)",
    "The whole layer, whatever is selected",
    FALSE, FALSE, NULL, everywhere_make },
  { SMP_MASK_SCALP, "A_utomatic (scalp map)",
    "automatic: the bald or thinning scalp the scalp map finds "
    "(smp:scalp-map at the op's scale)",
    "The bald or thinning scalp found in the photo (smp:scalp-map at the "
    "photo's scale); Select > SMP Scalp makes it a selection to refine",
    FALSE, TRUE, scalp_unavailable, scalp_make },
  { SMP_MASK_HAIRLINE, "_Hairline from the active path",
    "a hairline along hairline-path (or the active path), the selection "
    "its area (smp:hairline at the op's scale and seed)",
    "A designed front edge: the active path is the line, the selection "
    "(if any) the scalp behind it; the density rises over the transition "
    "behind the line (the Hairline page)",
    FALSE, TRUE, hairline_unavailable, hairline_make },
};

const guint smp_n_mask_sources = G_N_ELEMENTS (smp_mask_sources);

const SmpMaskSourceInfo *
smp_mask_source (gint id)
{
  guint i;

  for (i = 0; i < smp_n_mask_sources; i++)
    if (smp_mask_sources[i].id == id)
      return &smp_mask_sources[i];
  return NULL;
}

gboolean
smp_mask_make (const SmpSettings *s,
               const SmpOptions  *opt,
               gint32             image,
               gint32             drawable,
               SmpMask           *mask,
               GError           **error)
{
  const SmpMaskSourceInfo *src = smp_mask_source (opt->mask);

  memset (mask, 0, sizeof *mask);
  if (src)
    return src->make (s, opt, image, drawable, mask, error);
  ERR (error, "mask = %d is no mask source", opt->mask);
  return FALSE;
}

void
smp_mask_clear (SmpMask *mask)
{
  g_clear_object (&mask->buffer);
  g_clear_pointer (&mask->about, g_free);
}

void
smp_options_init (SmpOptions *opt)
{
  memset (opt, 0, sizeof *opt);
  opt->mask          = SMP_MASK_SELECTION;
  opt->mask_channel  = -1;
  opt->result        = SMP_RESULT_LAYER;
  opt->reference     = -1;
  opt->hairline_path = -1;
  opt->hairline      = smp_settings_new ("smp:hairline");
}

void
smp_options_clear (SmpOptions *opt)
{
  g_clear_pointer (&opt->hairline, smp_settings_free);
}

/* Whether the op's match asks for the reference (aux2).  */
static gboolean
wants_reference (const SmpSettings *s)
{
  return smp_settings_has_reference (s) &&
         ! g_strcmp0 (smp_settings_get_nick (s, SMP_MATCH_PROPERTY),
                      "reference");
}

gboolean
smp_mask_reference (SmpSettings      *s,
                    const SmpOptions *opt,
                    gint32            image,
                    gint32            drawable,
                    GError          **error)
{
  SmpMask ref;

  smp_settings_set_reference (s, NULL, 0, 0);
  if (! wants_reference (s))
    return TRUE;
  if (! check_channel (opt->reference, image,
                       "match = reference needs the client's own hair "
                       "marked in a channel or layer mask (reference)",
                       error))
    return FALSE;
  if (! channel_over_layer (opt->reference, drawable, &ref))
    {
      ERR (error, "The reference \"%s\" is black where the layer \"%s\" is: "
           "paint white over the client's own short hair, whose look the "
           "dots are matched to.", gimp_item_get_name (opt->reference),
           gimp_item_get_name (drawable));
      return FALSE;
    }
  smp_settings_set_reference (s, ref.buffer, ref.dx, ref.dy);
  smp_mask_clear (&ref);
  return TRUE;
}

gchar *
smp_learnt_text (const SmpSettings *s,
                 const SmpOptions  *opt,
                 gint32             image,
                 gboolean           brief)
{
  const gchar *match = smp_settings_get_nick (s, SMP_MATCH_PROPERTY);
  gdouble      hair  = smp_settings_learnt (s, "learnt-hair");
  gchar       *where, *text, *n;

  if (! match || ! strcmp (match, "none") || isnan (hair))
    return NULL;
  if (! strcmp (match, "reference"))
    where = gimp_item_is_valid (opt->reference)
            ? g_strdup_printf ("in \"%s\"", gimp_item_get_name (opt->reference))
            : g_strdup ("marked (none given)");
  else if (opt->mask == SMP_MASK_NONE ||
           (opt->mask == SMP_MASK_SELECTION && gimp_selection_is_empty (image)))
    return g_strdup (brief ? "No hair sought (no mask, no ring around it): "
                             "the look as set"
                           : "No hair sought: with no mask there is no ring "
                             "around it to look in. The look as set");
  else if (opt->mask == SMP_MASK_CHANNEL && gimp_item_is_valid (opt->mask_channel))
    where = g_strdup_printf ("around \"%s\"",
                             gimp_item_get_name (opt->mask_channel));
  else
    where = g_strdup_printf ("around %s",
                             opt->mask == SMP_MASK_SCALP ? "the scalp map's area"
                             : opt->mask == SMP_MASK_HAIRLINE ? "the hairline's area"
                             : "the selection");
  /* Brief, the where is left out when hair was found: the dialog shows
   * the mask and the reference chosen beside the line.  */
  if (hair > 0)
    {
      /* (Brief, a number keeps its unit on its line: no-break spaces.)  */
      const gchar *sp = brief ? "\302\240" : " ";

      n    = smp_thousands ((gint) hair);
      text = g_strdup_printf ("Learnt from %s hair pixels%s%s: darkening "
                              "%.0f%s%%, grain %.2f%smm", n, brief ? "" : " ",
                              brief ? "" : where,
                              100.0 * smp_settings_learnt (s, "learnt-darkening"),
                              sp, smp_settings_learnt (s, "learnt-grain"), sp);
      g_free (n);
    }
  else
    text = g_strdup_printf (brief ? "No hair found %s: the look as set"
                                  : "No hair found %s: the explicit look (the "
                                    "settings as set)", where);
  g_free (where);
  return text;
}

/* Writes a mask (on the layer at ox, oy) into a channel of the image,
 * black elsewhere.  */
static void
mask_to_channel (const SmpMask *mask,
                 gint           ox,
                 gint           oy,
                 gint32         channel)
{
  GeglBuffer   *dst    = gimp_drawable_get_buffer (channel);
  const Babl   *format = channel_format (channel);
  GeglRectangle r      = { mask->region.x + ox, mask->region.y + oy,
                           mask->region.width, mask->region.height };
  gfloat       *band;
  gint          y;

  gegl_rectangle_intersect (&r, &r, gegl_buffer_get_extent (dst));
  band = g_new (gfloat, (gsize) MAX (r.width, 1) * BAND);
  for (y = 0; y < r.height; y += BAND)
    {
      GeglRectangle to   = { r.x, r.y + y, r.width, MIN (BAND, r.height - y) };
      GeglRectangle from = { to.x - ox - mask->dx, to.y - oy - mask->dy,
                             to.width, to.height };

      gegl_buffer_get (mask->buffer, &from, 1.0, babl_format ("Y' float"),
                       band, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      gegl_buffer_set (dst, &to, 0, format, band, GEGL_AUTO_ROWSTRIDE);
    }
  g_free (band);
  g_object_unref (dst);   /* flushes it to GIMP */
}

gboolean
smp_select_scalp (const SmpSettings *map,
                  gint32             image,
                  gint32             drawable,
                  GError           **error)
{
  SmpMask mask;
  GimpRGB black = { 0.0, 0.0, 0.0, 1.0 };
  gint32  channel;
  gint    ox, oy;

  if (! scalp_mask (map, drawable, &mask, error))
    return FALSE;
  gimp_drawable_offsets (drawable, &ox, &oy);
  gimp_image_undo_group_start (image);
  /* The map's values as they are: no feather or antialias of the
   * selection tools on top.  */
  gimp_context_push ();
  gimp_context_set_feather (FALSE);
  gimp_context_set_antialias (FALSE);
  channel = gimp_channel_new (image, "SMP scalp map",
                              gimp_image_width (image),
                              gimp_image_height (image), 0.0, &black);
  gimp_image_insert_channel (image, channel, 0, 0);
  mask_to_channel (&mask, ox, oy, channel);
  gimp_drawable_update (channel, 0, 0, gimp_image_width (image),
                        gimp_image_height (image));
  gimp_image_select_item (image, GIMP_CHANNEL_OP_REPLACE, channel);
  gimp_image_remove_channel (image, channel);
  gimp_context_pop ();
  gimp_image_undo_group_end (image);
  smp_mask_clear (&mask);
  return TRUE;
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
