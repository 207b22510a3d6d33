/* smp-common.h: small things every smp: op does the same way.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_COMMON_H
#define SMP_COMMON_H

#include <gegl-plugin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/smp-pattern.h"
#include "core/smp-render.h"
#include "core/smp-scalp.h"
#include "core/smp-stipple.h"

/* GObject refuses an out-of-range value with a warning and keeps the old
 * one, so `gegl ... density=1000` would silently render the default.  With
 * lax validation the value is clamped to the spec's range instead, which is
 * what a user who asked for "a lot" means.  */
static inline void
smp_clamp_out_of_range (GObjectClass *klass)
{
  guint        n, i;
  GParamSpec **specs = g_object_class_list_properties (klass, &n);

  for (i = 0; i < n; i++)
    if (G_IS_PARAM_SPEC_DOUBLE (specs[i]) || G_IS_PARAM_SPEC_INT (specs[i]))
      specs[i]->flags |= G_PARAM_LAX_VALIDATION;
  g_free (specs);
}

/* NaN passes GObject's range check (CLAMP keeps it): read a double
 * property through this to get its default instead.  */
static inline gdouble
smp_finite (GeglOperation *operation,
            const gchar   *name,
            gdouble        value)
{
  GParamSpec *pspec;

  if (isfinite (value))
    return value;
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (operation), name);
  return G_PARAM_SPEC_DOUBLE (pspec)->default_value;
}

/* smp_finite of a double property by its field in GeglProperties (GLib
 * reads "photo_blur" as "photo-blur").  */
#define SMP_FINITE(operation, o, field) \
  smp_finite ((operation), #field, (o)->field)

/* The scale every op reads its lengths with (px-per-mm, NaN as its
 * default).  */
static inline gdouble
smp_px_per_mm (GeglOperation *operation)
{
  gdouble value;

  g_object_get (operation, "px-per-mm", &value, NULL);
  return smp_finite (operation, "px-per-mm", value);
}

/* A mask value from Y'A: premultiplied luminance, NaN and out of range
 * made safe.  */
static inline gfloat
smp_mask_value (const gfloat *ya)
{
  gfloat m = ya[0] * ya[1];

  if (! (m > 0.0f))
    return 0.0f;
  return m < 1.0f ? m : 1.0f;
}

/* The photo's extent: a mask never adds to it.  */
static inline GeglRectangle
smp_input_bounding_box (GeglOperation *operation)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");
  GeglRectangle        none = { 0, 0, 0, 0 };

  return in ? *in : none;
}

/* The input's format, or NULL when it has no pixels: a loader that failed
 * (an empty file, a PNG whose header says width 0) may leave its output
 * format unset, and GEGL hands on what is there, so it is not looked at.  */
static inline const Babl *
smp_source_format (GeglOperation *operation)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");

  if (! in || in->width <= 0 || in->height <= 0)
    return NULL;
  return gegl_operation_get_source_format (operation, "input");
}

/* The input's space (NULL: sRGB), read as smp_source_format says.  */
static inline const Babl *
smp_source_space (GeglOperation *operation)
{
  const Babl *source = smp_source_format (operation);

  return source ? babl_format_get_space (source) : NULL;
}

/* A colour property as linear RGB in `space`.  babl picks the code of a
 * conversion by timing candidates at first use, so the last bits of a
 * colour could change from one process to the next; sRGB colours (all
 * colours of a preset or a GEGL colour string) are decoded here
 * instead.  */
/* Whether `space` has sRGB's white point and primaries: GIMP hands its
 * images' built-in sRGB as a space of its own, made from the profile.  */
static inline gboolean
smp_space_is_srgb (const Babl *space)
{
  const Babl *srgb = babl_space ("sRGB");
  gdouble     a[8], b[8];
  gint        i;

  if (! space || space == srgb)
    return TRUE;
  babl_space_get (space, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6],
                  &a[7], NULL, NULL, NULL);
  babl_space_get (srgb, &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6],
                  &b[7], NULL, NULL, NULL);
  for (i = 0; i < 8; i++)
    if (fabs (a[i] - b[i]) > 1e-4)
      return FALSE;
  return TRUE;
}

static inline void
smp_color_rgb (GeglColor  *color,
               const Babl *space,
               gdouble     rgb[3])
{
  const Babl  *stored = gegl_color_get_format (color);
  const gchar *model  = babl_get_name (babl_format_get_model (stored));
  gdouble      v[4];
  gint         c;

  if (smp_space_is_srgb (space) &&
      smp_space_is_srgb (babl_format_get_space (stored)) &&
      (! strcmp (model, "R'G'B'A") || ! strcmp (model, "RGBA")))
    {
      gboolean curve = model[1] == '\'';

      gegl_color_get_pixel (color, babl_format (curve ? "R'G'B'A double"
                                                      : "RGBA double"), v);
      for (c = 0; c < 3; c++)
        rgb[c] = ! curve ? v[c]
                 : v[c] > 0.04045 ? pow ((v[c] + 0.055) / 1.055, 2.4)
                 : v[c] / 12.92;
      return;
    }
  gegl_color_get_pixel (color, babl_format_with_space ("RGB double", space),
                        rgb);
}

/* The output format of an op that mixes light in linear RGBA float: an 8
 * or 16-bit input keeps its integer type (when keep_type), so that
 * converting back, a costly step, runs in the op's threads and not in the
 * caller's single one; other inputs give RGBA float.  */
static inline const Babl *
smp_output_format (GeglOperation *operation,
                   gboolean       keep_type)
{
  const Babl *space  = smp_source_space (operation);
  const Babl *source = smp_source_format (operation);

  if (source && keep_type)
    {
      const Babl  *type  = babl_format_get_type (source, 0);
      const gchar *model = babl_get_name (babl_format_get_model (source));
      gboolean     gamma = strchr (model, '\'') != NULL;

      if (type == babl_type ("u8"))
        return babl_format_with_space (gamma ? "R'G'B'A u8" : "RGBA u8",
                                       space);
      if (type == babl_type ("u16"))
        return babl_format_with_space (gamma ? "R'G'B'A u16" : "RGBA u16",
                                       space);
    }
  return babl_format_with_space ("RGBA float", space);
}

/* What an op learns from a whole region (not from the part it renders),
 * once per render and shared by its threads: `size` bytes of the op's own
 * struct, kept in the op's user_data.  */
typedef struct
{
  GMutex   lock;
  gboolean valid;
  gpointer data;
  gchar   *key;     /* what it was learnt from (smp_cache_keep), or NULL */
} SmpCache;

typedef void (*SmpLearn) (GeglOperation *operation,
                          GeglBuffer    *input,
                          GeglBuffer    *aux,
                          GeglBuffer    *aux2,
                          gpointer       data);

/* In prepare: a new render, what was learnt may be stale.  */
static inline void
smp_cache_invalidate (gpointer *slot,
                      gsize     size)
{
  SmpCache *cache = *slot;

  if (! cache)
    {
      cache = g_new0 (SmpCache, 1);
      g_mutex_init (&cache->lock);
      cache->data = g_malloc0 (size);
      *slot = cache;
    }
  g_mutex_lock (&cache->lock);
  cache->valid = FALSE;
  g_mutex_unlock (&cache->lock);
}

/* What learning reads but pixels, as text: every property the user sets
 * but those named in `unread` (and the read-only ones learning writes),
 * and each input pad's source node and extent.  */
static inline gchar *
smp_cache_key (GeglOperation      *operation,
               const gchar *const *unread)
{
  static const gchar *pads[] = { "input", "aux", "aux2" };
  GObjectClass       *klass = G_OBJECT_GET_CLASS (operation);
  GString            *key = g_string_new (NULL);
  guint               n, i;
  GParamSpec        **specs = g_object_class_list_properties (klass, &n);

  for (i = 0; i < n; i++)
    {
      const gchar *role = gegl_param_spec_get_property_key (specs[i], "role");
      GValue       v = G_VALUE_INIT;

      if (! (specs[i]->flags & G_PARAM_WRITABLE) ||
          (role && ! strcmp (role, "output-extent")) ||
          (unread && g_strv_contains (unread, specs[i]->name)))
        continue;
      g_value_init (&v, specs[i]->value_type);
      g_object_get_property (G_OBJECT (operation), specs[i]->name, &v);
      if (G_VALUE_HOLDS (&v, GEGL_TYPE_COLOR) && g_value_get_object (&v))
        {
          gdouble rgba[4];

          gegl_color_get_rgba (g_value_get_object (&v), &rgba[0], &rgba[1],
                               &rgba[2], &rgba[3]);
          g_string_append_printf (key, "%s=%a,%a,%a,%a\n", specs[i]->name,
                                  rgba[0], rgba[1], rgba[2], rgba[3]);
        }
      /* Exactly (GLib's text of a double keeps six decimals).  */
      else if (G_VALUE_HOLDS_DOUBLE (&v))
        g_string_append_printf (key, "%s=%a\n", specs[i]->name,
                                g_value_get_double (&v));
      else if (G_VALUE_HOLDS_FLOAT (&v))
        g_string_append_printf (key, "%s=%a\n", specs[i]->name,
                                (gdouble) g_value_get_float (&v));
      else
        {
          gchar *text = g_strdup_value_contents (&v);

          g_string_append_printf (key, "%s=%s\n", specs[i]->name, text);
          g_free (text);
        }
      g_value_unset (&v);
    }
  g_free (specs);
  for (i = 0; i < G_N_ELEMENTS (pads); i++)
    {
      GeglNode            *node = gegl_operation_get_source_node (operation,
                                                                  pads[i]);
      const GeglRectangle *r    = NULL;

      if (node)
        r = gegl_operation_source_get_bounding_box (operation, pads[i]);

      g_string_append_printf (key, "%s=%p", pads[i], (gpointer) node);
      if (r)
        g_string_append_printf (key, " %d,%d %dx%d", r->x, r->y, r->width,
                                r->height);
      g_string_append_c (key, '\n');
    }
  return g_string_free (key, FALSE);
}

/* In prepare, instead of smp_cache_invalidate, for an op whose graph lives
 * on (the plug-in's preview, redrawn at every zoom and pan): what was
 * learnt is kept while what learning reads (smp_cache_key) is unchanged
 * and no input changed since (smp_cache_stale).  */
static inline void
smp_cache_keep (gpointer           *slot,
                gsize               size,
                GeglOperation      *operation,
                const gchar *const *unread)
{
  gchar    *key = smp_cache_key (operation, unread);
  SmpCache *cache;

  if (! *slot)
    smp_cache_invalidate (slot, size);
  cache = *slot;
  g_mutex_lock (&cache->lock);
  if (! cache->key || strcmp (cache->key, key))
    cache->valid = FALSE;
  g_free (cache->key);
  cache->key = key;
  g_mutex_unlock (&cache->lock);
}

/* In get_invalidated_by_change: an input's pixels changed, what was
 * learnt from them is stale.  */
static inline void
smp_cache_stale (gpointer slot)
{
  SmpCache *cache = slot;

  if (! cache)
    return;
  g_mutex_lock (&cache->lock);
  cache->valid = FALSE;
  g_mutex_unlock (&cache->lock);
}

/* In process: a copy of what was learnt, learning it first if need be.  */
static inline void
smp_cache_get (gpointer       slot,
               SmpLearn       learn,
               GeglOperation *operation,
               GeglBuffer    *input,
               GeglBuffer    *aux,
               GeglBuffer    *aux2,
               gpointer       out,
               gsize          size)
{
  SmpCache *cache = slot;

  g_mutex_lock (&cache->lock);
  if (! cache->valid)
    {
      learn (operation, input, aux, aux2, cache->data);
      cache->valid = TRUE;
    }
  memcpy (out, cache->data, size);
  g_mutex_unlock (&cache->lock);
}

/* In finalize.  */
static inline void
smp_cache_free (gpointer *slot)
{
  SmpCache *cache = *slot;

  if (cache)
    {
      g_mutex_clear (&cache->lock);
      g_free (cache->data);
      g_free (cache->key);
      g_free (cache);
      *slot = NULL;
    }
}

/* A rectangle no op should walk pixel by pixel: GEGL's infinite plane, or
 * one of a render op without bounds.  */
static inline gboolean
smp_rect_unbounded (const GeglRectangle *r)
{
  return gegl_rectangle_is_infinite_plane (r) ||
         r->width > (1 << 24) || r->height > (1 << 24);
}

/* What an op learns that is too large to copy to every process () call
 * (a grid, a map): kept in a GLib reference-counted box (g_rc_box) whose
 * pointer is what the SmpCache holds (size sizeof (gpointer)).  The learn
 * function allocates a new box for the slot (smp_cache_box); process
 * takes a reference with smp_cache_ref and drops it with g_rc_box_release
 * (g_atomic_rc_box_release_full with the box's clear function), so that a
 * render that starts learning anew never frees what another still reads.  */
typedef struct
{
  gsize          size;
  GDestroyNotify clear;   /* frees what the box's struct points to */
} SmpBoxInfo;

/* In learn: drops the slot's old box and puts a new zeroed one of
 * info->size bytes there; returns it.  */
static inline gpointer
smp_cache_box (gpointer          data,
               const SmpBoxInfo *info)
{
  gpointer *slot = data;

  if (*slot)
    g_atomic_rc_box_release_full (*slot, info->clear);
  *slot = g_atomic_rc_box_alloc0 (info->size);
  return *slot;
}

/* In process: the box learnt for this render (learning it first if need
 * be), with a reference the caller drops with smp_cache_unref; NULL when
 * learning made none.  */
static inline gpointer
smp_cache_ref (gpointer       slot,
               SmpLearn       learn,
               GeglOperation *operation,
               GeglBuffer    *input,
               GeglBuffer    *aux,
               GeglBuffer    *aux2)
{
  SmpCache *cache = slot;
  gpointer  box;

  g_mutex_lock (&cache->lock);
  if (! cache->valid)
    {
      learn (operation, input, aux, aux2, cache->data);
      cache->valid = TRUE;
    }
  box = *(gpointer *) cache->data;
  if (box)
    g_atomic_rc_box_acquire (box);
  g_mutex_unlock (&cache->lock);
  return box;
}

static inline void
smp_cache_unref (gpointer          box,
                 const SmpBoxInfo *info)
{
  if (box)
    g_atomic_rc_box_release_full (box, info->clear);
}

/* In finalize, for a cache of boxes.  */
static inline void
smp_cache_free_box (gpointer         *slot,
                    const SmpBoxInfo *info)
{
  SmpCache *cache = *slot;

  if (cache)
    smp_cache_unref (*(gpointer *) cache->data, info);
  smp_cache_free (slot);
}

/* Grows a rectangle by m pixels on every side.  */
static inline GeglRectangle
smp_rect_grow (GeglRectangle r,
               gint          m)
{
  r.x -= m;
  r.y -= m;
  r.width  += 2 * m;
  r.height += 2 * m;
  return r;
}

/* Reads rect of the input as linear RGB, 3 floats a pixel (g_free it), in
 * the op's input format (which must be RGBA float); outside the photo,
 * NaN: nobody's neighbour in the statistics an op takes around a pixel.  */
static inline gfloat *
smp_read_rgb (GeglOperation       *operation,
              GeglBuffer          *input,
              const GeglRectangle *rect)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");
  gsize   n    = (gsize) rect->width * rect->height, i;
  gfloat *rgba = g_new (gfloat, n * 4);
  gfloat *rgb  = g_new (gfloat, n * 3);
  gint    x, y, c;

  gegl_buffer_get (input, rect, 1.0,
                   gegl_operation_get_format (operation, "input"), rgba,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (y = 0; y < rect->height; y++)
    for (x = 0; x < rect->width; x++)
      {
        gboolean inside = ! in || smp_rect_unbounded (in) ||
                          (rect->x + x >= in->x &&
                           rect->x + x < in->x + in->width &&
                           rect->y + y >= in->y &&
                           rect->y + y < in->y + in->height);

        i = (gsize) y * rect->width + x;
        for (c = 0; c < 3; c++)
          rgb[3 * i + c] = inside ? rgba[4 * i + c] : NAN;
      }
  g_free (rgba);
  return rgb;
}

/* The bounding box of the pixels of `within` where the mask (aux, read in
 * bands) reaches `threshold`: a mask as large as the photo (a GIMP
 * selection, a mask file) often holds a small area, and what an op learns
 * from it should cost that area, not the photo.  Empty when none does.
 * In *above_zero (when not NULL), the box of those above 0, in the same
 * pass.  */
static inline GeglRectangle
smp_mask_extents (GeglBuffer          *aux,
                  const GeglRectangle *within,
                  gfloat               threshold,
                  GeglRectangle       *above_zero)
{
  GeglRectangle  none = { 0, 0, 0, 0 };
  const gint     rows = 64;
  gfloat        *band;
  gint           x0 = G_MAXINT, y0 = G_MAXINT, x1 = G_MININT, y1 = G_MININT;
  gint           z0 = G_MAXINT, w0 = G_MAXINT, z1 = G_MININT, w1 = G_MININT;
  gint           x, y;

  if (above_zero)
    *above_zero = none;
  if (! aux || within->width <= 0 || within->height <= 0)
    return none;
  band = g_new (gfloat, (gsize) within->width * rows * 2);
  for (y = within->y; y < within->y + within->height; y += rows)
    {
      GeglRectangle r = { within->x, y, within->width,
                          MIN (rows, within->y + within->height - y) };
      gint          j;

      gegl_buffer_get (aux, &r, 1.0, babl_format ("Y'A float"), band,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      for (j = 0; j < r.height; j++)
        for (x = 0; x < r.width; x++)
          {
            gfloat m = smp_mask_value (band + 2 * ((gsize) j * r.width + x));

            if (m >= threshold)
              {
                x0 = MIN (x0, r.x + x);
                x1 = MAX (x1, r.x + x);
                y0 = MIN (y0, y + j);
                y1 = MAX (y1, y + j);
              }
            if (m > 0.0f)
              {
                z0 = MIN (z0, r.x + x);
                z1 = MAX (z1, r.x + x);
                w0 = MIN (w0, y + j);
                w1 = MAX (w1, y + j);
              }
          }
    }
  g_free (band);
  if (above_zero && z1 >= z0)
    *above_zero = (GeglRectangle) { z0, w0, z1 - z0 + 1, w1 - w0 + 1 };
  if (x1 < x0)
    return none;
  return (GeglRectangle) { x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
}

static inline GeglRectangle
smp_mask_extent (GeglBuffer          *aux,
                 const GeglRectangle *within,
                 gfloat               threshold)
{
  return smp_mask_extents (aux, within, threshold, NULL);
}

/* For an op whose every pixel depends on what it learns from the whole
 * photo: a change anywhere invalidates all of it.  */
static inline GeglRectangle
smp_invalidate_all (GeglOperation *operation,
                    GeglRectangle  r)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");

  if (in)
    gegl_rectangle_bounding_box (&r, &r, in);
  return r;
}

/* The mask a stipple over `rect` reads: rect grown by `margin` on every
 * side, 0..1 a pixel (smp_mask_value), into mask; scratch holds two floats
 * a pixel of that window.  */
static inline void
smp_mask_window (GeglBuffer          *aux,
                 const GeglRectangle *rect,
                 gint                 margin,
                 gfloat              *mask,
                 gfloat              *scratch)
{
  GeglRectangle around = smp_rect_grow (*rect, margin);
  gsize         n      = (gsize) around.width * around.height, i;

  gegl_buffer_get (aux, &around, 1.0, babl_format ("Y'A float"), scratch,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (i = 0; i < n; i++)
    mask[i] = smp_mask_value (scratch + 2 * i);
}

/* What an op that stipples does with each strip of a region: `pixels` is
 * room for the strip in RGBA float; `field` the pigment of the dots over
 * it (3 floats a pixel, 1 = none); `mask` the mask window of the strip
 * (smp_mask_window, `margin` wide), NULL without a mask.  */
typedef gboolean (*SmpStripFunc) (const GeglRectangle *strip,
                                  gfloat              *pixels,
                                  const gfloat        *field,
                                  const gfloat        *mask,
                                  gint                 margin,
                                  gpointer             data);

/* What an op that shapes its mask itself puts in a strip's mask window
 * (`window`: the strip grown by the stipple's margin): 0..1 a pixel.  */
typedef void (*SmpMaskFunc) (const GeglRectangle *window,
                             gfloat              *mask,
                             gpointer             data);

/* Whether gegl_buffer_copy from a buffer of `input` format to one of
 * `output` format gives the very bytes that reading it as `work`
 * (gegl_buffer_get) and writing that back (gegl_buffer_set) give: always
 * when output is work (the same conversion either way); for 8 and 16-bit
 * input of a model without premultiplied alpha, when every value of every
 * component survives both ways alike (babl converts them one by one),
 * tried once for each pair of formats.  */
static inline gboolean
smp_copy_exact (const Babl *input,
                const Babl *work,
                const Babl *output)
{
  static const gchar *models[] = { "RGBA", "R'G'B'A", "RGB", "R'G'B'",
                                   "YA", "Y'A", "Y", "Y'" };
  static GMutex       lock;
  static const Babl  *known[16][3];
  static gboolean     exact[16];
  static guint        n_known;
  const Babl         *type;
  const gchar        *model;
  gint                comps, levels, k;
  guint               i;
  gboolean            answer = FALSE, usable = FALSE;

  if (output == work)
    return TRUE;
  g_mutex_lock (&lock);
  for (i = 0; i < n_known; i++)
    if (known[i][0] == input && known[i][1] == work && known[i][2] == output)
      {
        answer = exact[i];
        g_mutex_unlock (&lock);
        return answer;
      }
  type   = babl_format_get_type (input, 0);
  model  = babl_get_name (babl_format_get_model (input));
  comps  = babl_format_get_n_components (input);
  levels = type == babl_type ("u8") ? 256 : type == babl_type ("u16") ? 65536
                                                                      : 0;
  for (i = 0; i < G_N_ELEMENTS (models); i++)
    usable |= ! strcmp (model, models[i]);
  for (k = 1; k < comps; k++)
    usable &= babl_format_get_type (input, k) == type;
  if (usable && levels > 0 && ! babl_format_is_palette (input))
    {
      gint    step = levels / 3 + 1;
      gint    out_bpp = babl_format_get_bytes_per_pixel (output);
      guchar *in  = g_malloc ((gsize) levels *
                              babl_format_get_bytes_per_pixel (input));
      guchar *mid = g_malloc ((gsize) levels *
                              babl_format_get_bytes_per_pixel (work));
      guchar *a   = g_malloc ((gsize) levels * out_bpp);
      guchar *b   = g_malloc ((gsize) levels * out_bpp);
      gint    v;

      /* Every value in every component, the components apart.  */
      for (v = 0; v < levels; v++)
        for (k = 0; k < comps; k++)
          {
            gint value = (v + k * step) % levels;

            if (levels == 256)
              in[(gsize) v * comps + k] = (guchar) value;
            else
              ((guint16 *) in)[(gsize) v * comps + k] = (guint16) value;
          }
      babl_process (babl_fish (input, output), in, a, levels);
      babl_process (babl_fish (input, work), in, mid, levels);
      babl_process (babl_fish (work, output), mid, b, levels);
      answer = ! memcmp (a, b, (gsize) levels * out_bpp);
      g_free (in);
      g_free (mid);
      g_free (a);
      g_free (b);
    }
  if (n_known < G_N_ELEMENTS (exact))
    {
      known[n_known][0] = input;
      known[n_known][1] = work;
      known[n_known][2] = output;
      exact[n_known++]  = answer;
    }
  g_mutex_unlock (&lock);
  return answer;
}

/* An op whose strip function leaves every pixel whose mask is 0 as it is
 * (read as RGBA float, written back) may say so: such pixels are then
 * copied from input to output, and only the rest stippled.  */
typedef struct
{
  GeglBuffer *input, *output;
} SmpPass;

/* In process: the pass of an op that may give one (`may`), NULL when a
 * copy is not bit for bit what the op would write (smp_copy_exact).  */
static inline const SmpPass *
smp_pass_init (SmpPass       *pass,
               GeglOperation *operation,
               GeglBuffer    *input,
               GeglBuffer    *output,
               gboolean       may)
{
  if (! may || ! input ||
      ! smp_copy_exact (gegl_buffer_get_format (input),
                        gegl_operation_get_format (operation, "input"),
                        gegl_buffer_get_format (output)))
    return NULL;
  pass->input  = input;
  pass->output = output;
  return pass;
}

/* The part of `strip` whose mask (its window, `margin` wide) is above 0,
 * as a rectangle; FALSE when there is none.  */
static inline gboolean
smp_mask_bounds (const GeglRectangle *strip,
                 const gfloat        *mask,
                 gint                 margin,
                 GeglRectangle       *bounds)
{
  const gint mw = strip->width + 2 * margin;
  gint       x0 = G_MAXINT, x1 = -1, y0 = G_MAXINT, y1 = -1, x, y;

  for (y = 0; y < strip->height; y++)
    {
      const gfloat *m = mask + (gsize) (y + margin) * mw + margin;
      gint          first = -1, last = -1;

      for (x = 0; x < strip->width; x++)
        if (m[x] > 0.0f)
          {
            first = x;
            break;
          }
      if (first < 0)
        continue;
      for (x = strip->width - 1; x >= first; x--)
        if (m[x] > 0.0f)
          {
            last = x;
            break;
          }
      x0 = MIN (x0, first);
      x1 = MAX (x1, last);
      y0 = MIN (y0, y);
      y1 = y;
    }
  if (x1 < 0)
    return FALSE;
  *bounds = (GeglRectangle) { strip->x + x0, strip->y + y0, x1 - x0 + 1,
                              y1 - y0 + 1 };
  return TRUE;
}

/* Copies what of `strip` lies outside `inner` (within it) from the pass's
 * input to its output.  */
static inline void
smp_pass_around (const SmpPass       *pass,
                 const GeglRectangle *strip,
                 const GeglRectangle *inner)
{
  GeglRectangle part[4] =
  {
    { strip->x, strip->y, strip->width, inner->y - strip->y },
    { strip->x, inner->y + inner->height, strip->width,
      strip->y + strip->height - inner->y - inner->height },
    { strip->x, inner->y, inner->x - strip->x, inner->height },
    { inner->x + inner->width, inner->y,
      strip->x + strip->width - inner->x - inner->width, inner->height }
  };
  gint k;

  for (k = 0; k < 4; k++)
    if (part[k].width > 0 && part[k].height > 0)
      gegl_buffer_copy (pass->input, &part[k], GEGL_ABYSS_NONE, pass->output,
                        &part[k]);
}

/* Rows of the strips a region is rendered in: bounds the float copies.  */
#define SMP_STRIP_ROWS 256

/* Renders `region` in strips of SMP_STRIP_ROWS rows:
 * the region's dots are collected once, each strip stipples those that
 * reach it, thinned and gated by the mask when there is one (mask_func's,
 * or else the aux's), and hands the field to func; with a pass, only the
 * part of a strip whose mask is above 0 (the rest is copied).  */
static inline gboolean
smp_stipple_strips (const GeglRectangle *region,
                    const SmpPattern    *pattern,
                    const SmpRenderer   *renderer,
                    GeglBuffer          *aux,
                    SmpMaskFunc          mask_func,
                    SmpStripFunc         func,
                    const SmpPass       *pass,
                    gpointer             data)
{
  /* A band shorter than a strip (smp-preview renders 128 rows) needs no
   * more.  */
  const gint     rows   = MIN (SMP_STRIP_ROWS, MAX (1, region->height));
  const gint     margin = smp_stipple_margin (renderer);
  const gint     w      = region->width;
  const gsize    window = (gsize) (w + 2 * margin) * (rows + 2 * margin);
  const gdouble  ppm    = renderer->style.px_per_mm;
  const gdouble  reach  = smp_stipple_reach (renderer);
  gfloat        *pixels = g_new (gfloat, (gsize) w * rows * 4);
  gfloat        *field  = g_new (gfloat, (gsize) w * rows * 3);
  gfloat        *mask   = aux || mask_func ? g_new (gfloat, window) : NULL;
  gfloat        *ya     = aux && ! mask_func ? g_new (gfloat, window * 2)
                                             : NULL;
  gfloat        *inner  = mask && pass ? g_new (gfloat, window) : NULL;
  SmpDot        *dots   = NULL;
  size_t         alloc  = 0, n = 0;
  gboolean       ok     = TRUE, oom = FALSE;
  gint           y;

  if (pattern->cell > 0.0)
    n = smp_pattern_collect (pattern, (region->x - reach) / ppm,
                             (region->y - reach) / ppm,
                             (region->x + w + reach) / ppm,
                             (region->y + region->height + reach) / ppm,
                             &dots, &alloc);
  oom = n == (size_t) -1;

  for (y = region->y; ! oom && ok && y < region->y + region->height;
       y += rows)
    {
      GeglRectangle strip = { region->x, y, w,
                              MIN (rows, region->y + region->height - y) };
      const gfloat *m     = mask;
      gsize         i;

      if (mask_func)
        {
          GeglRectangle around = smp_rect_grow (strip, margin);

          mask_func (&around, mask, data);
        }
      else if (aux)
        smp_mask_window (aux, &strip, margin, mask, ya);
      if (inner)
        {
          GeglRectangle part;
          gint          j, mw = strip.width + 2 * margin;

          if (! smp_mask_bounds (&strip, mask, margin, &part))
            {
              gegl_buffer_copy (pass->input, &strip, GEGL_ABYSS_NONE,
                                pass->output, &strip);
              continue;
            }
          smp_pass_around (pass, &strip, &part);
          /* The mask window of that part, on its own.  */
          for (j = 0; j < part.height + 2 * margin; j++)
            memcpy (inner + (gsize) j * (part.width + 2 * margin),
                    mask + (gsize) (j + part.y - strip.y) * mw +
                    part.x - strip.x,
                    sizeof (gfloat) * (part.width + 2 * margin));
          strip = part;
          m     = inner;
        }
      for (i = 0; i < (gsize) strip.width * strip.height * 3; i++)
        field[i] = 1.0f;
      if (n > 0 && ! smp_stipple_dots (renderer, dots, n, strip.x, strip.y,
                                       strip.width, strip.height, m, field))
        oom = TRUE;
      else
        ok = func (&strip, pixels, field, m, margin, data);
    }
  if (oom)
    g_warning ("smp: out of memory for the dot pattern of a %dx%d region",
               region->width, region->height);

  g_free (pixels);
  g_free (field);
  g_free (mask);
  g_free (ya);
  g_free (inner);
  free (dots);
  return ok && ! oom;
}

/* Renders `result` for an op that stipples: in square regions of at most
 * SMP_REGION_CELLS² cells of the pattern (so that extreme settings, tiny
 * cells at a coarse scale, stay within memory), each in strips
 * (smp_stipple_strips).  */
#define SMP_REGION_CELLS 1024

static inline gboolean
smp_stipple_regions (const GeglRectangle *result,
                     const SmpPattern    *pattern,
                     const SmpRenderer   *renderer,
                     GeglBuffer          *aux,
                     SmpMaskFunc          mask_func,
                     SmpStripFunc         func,
                     const SmpPass       *pass,
                     gpointer             data)
{
  gint side = 8192, x, y;

  if (pattern->cell > 0.0)
    side = (gint) MIN (8192.0, MAX (64.0, floor (SMP_REGION_CELLS *
                                                  pattern->cell *
                                                  renderer->style.px_per_mm)));
  for (y = result->y; y < result->y + result->height; y += side)
    for (x = result->x; x < result->x + result->width; x += side)
      {
        GeglRectangle region = { x, y,
                                 MIN (side, result->x + result->width - x),
                                 MIN (side, result->y + result->height - y) };

        if (! smp_stipple_strips (&region, pattern, renderer, aux, mask_func,
                                  func, pass, data))
          return FALSE;
      }
  return TRUE;
}

/* Fills an SmpDotStyle (core/smp-render.h) from the properties of
 * smp-dot-properties.inc and px-per-mm, colours in the input's space.  */
#define SMP_DOT_STYLE(operation, o, style)                                     \
  G_STMT_START {                                                               \
    const Babl *space_ = smp_source_space (operation);                         \
                                                                               \
    memset ((style), 0, sizeof (SmpDotStyle));                                 \
    (style)->px_per_mm       = SMP_FINITE ((operation), (o), px_per_mm);       \
    (style)->dot_diameter    = SMP_FINITE ((operation), (o), dot_diameter);    \
    (style)->size_variation  = SMP_FINITE ((operation), (o), size_variation);  \
    (style)->shade_variation = SMP_FINITE ((operation), (o), shade_variation); \
    (style)->darkness        = SMP_FINITE ((operation), (o), darkness);        \
    (style)->depth           = SMP_FINITE ((operation), (o), depth);           \
    (style)->elongation      = SMP_FINITE ((operation), (o), elongation);      \
    (style)->angle           = SMP_FINITE ((operation), (o), angle);           \
    (style)->clustering      = SMP_FINITE ((operation), (o), clustering);      \
    (style)->halo            = SMP_FINITE ((operation), (o), halo);            \
    (style)->tone            = SMP_FINITE ((operation), (o), tone);            \
    (style)->blur_px         = MAX (0.0, SMP_FINITE ((operation), (o),         \
                                                     photo_blur));             \
    (style)->sessions        = (o)->sessions;                                  \
    (style)->timeline.after_session = (o)->after_session;                      \
    (style)->timeline.stage  = (SmpStage) (o)->stage;                          \
    (style)->timeline.years  = SMP_FINITE ((operation), (o), years);           \
    (style)->timeline.touch_up = (o)->touch_up;                                \
    smp_color_rgb ((o)->pigment, space_, (style)->colour);                     \
    smp_color_rgb ((o)->shade_color, space_, (style)->colour2);                \
  } G_STMT_END

/* The map of where the scalp, the hair and the background are
 * (core/smp-scalp.h) of the whole photo, read in bands; NULL for an
 * unbounded photo or when memory ran out.  Every op that needs it learns
 * it this way, once per render.  */
static inline SmpScalpMap *
smp_scalp_map_learn (GeglOperation *operation,
                     GeglBuffer    *input,
                     gdouble        px_per_mm,
                     gdouble        feather_mm)
{
  const GeglRectangle *in   = gegl_operation_source_get_bounding_box (operation,
                                                                      "input");
  const Babl          *rgba = babl_format_with_space ("RGBA float",
    gegl_operation_get_source_space (operation, "input"));
  SmpScalpBuilder     *builder;
  gfloat              *band;
  gint                 rows, y;

  if (! input || ! in || smp_rect_unbounded (in) || in->width <= 0 ||
      in->height <= 0)
    return NULL;
  builder = smp_scalp_builder_new (in->width, in->height, px_per_mm);
  if (! builder)
    return NULL;
  rows = smp_scalp_builder_band (builder);
  band = g_try_new (gfloat, (gsize) in->width * rows * 4);
  if (! band)
    {
      smp_scalp_map_free (smp_scalp_builder_finish (builder, 0.0));
      return NULL;
    }
  for (y = 0; y < in->height; y += rows)
    {
      GeglRectangle r = { in->x, in->y + y, in->width,
                          MIN (rows, in->height - y) };

      gegl_buffer_get (input, &r, 1.0, rgba, band, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_NONE);
      smp_scalp_builder_add (builder, band, r.height);
    }
  g_free (band);
  return smp_scalp_builder_finish (builder, feather_mm);
}

#endif
