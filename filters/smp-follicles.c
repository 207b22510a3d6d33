/* smp:follicles: scalp micropigmentation stippling.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 *
 * This program is distributed in the hope that it will be useful, but
 * WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU Lesser
 * General Public License for more details.
 *
 * Paints thousands of tiny pigment dots onto a photo of a scalp, the way an
 * SMP treatment deposits them: a blue-noise pattern with small clusters,
 * sub-pixel dots rendered by area, pigment seen through skin.  The pattern
 * and the dots are pure functions of absolute position, properties and
 * seed; the pixels come from filters/core, which knows nothing of GEGL.
 */

#include "config.h"
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

enum_start (smp_follicles_output)
  enum_value (SMP_FOLLICLES_OUTPUT_COMPOSITE, "composite", N_("Composite"))
  enum_value (SMP_FOLLICLES_OUTPUT_PIGMENT,   "pigment",   N_("Pigment only"))
enum_end (SmpFolliclesOutput)

enum_start (smp_follicles_match)
  enum_value (SMP_FOLLICLES_MATCH_NONE,      "none",
              N_("None: the properties as set"))
  enum_value (SMP_FOLLICLES_MATCH_RING,      "ring",
              N_("The hair around the mask"))
  enum_value (SMP_FOLLICLES_MATCH_REFERENCE, "reference",
              N_("The hair marked in aux2"))
enum_end (SmpFolliclesMatch)

property_double (px_per_mm, _("Scale (px/mm)"), 10.0)
    description (_("Pixels per millimetre of scalp in the photo: about 3-4 "
                   "for a whole head 640 px wide, 15-30 for a close "
                   "consultation photo"))
    value_range (0.5, 200.0)
    ui_range    (1.0, 60.0)

property_double (density, _("Density (impressions/cm²)"), 100.0)
    description (_("Pigment impressions per square centimetre in the finished "
                   "result where the mask is white; 0.8-1 mm apart at 100"))
    value_range (0.0, 250.0)
    ui_range    (10.0, 150.0)

property_enum   (match, _("Match"),
                 SmpFolliclesMatch, smp_follicles_match,
                 SMP_FOLLICLES_MATCH_RING)
    description (_("Learn the look from the client's own short hair in the "
                   "photo: how much it darkens the skin, its colour, grain "
                   "and grain size, then choose the pigment, halo, dot size "
                   "and density that give it; found in a ring around the "
                   "mask, or marked by a second mask (aux2). Where no hair "
                   "is found, the properties as set are used"))

property_double (ring_width, _("Ring width (mm)"), 10.0)
    description (_("With match = ring: the width of the ring around the mask "
                   "in which the client's hair is sought (only hair counts, "
                   "not skin, ears or background)"))
    value_range (0.5, 30.0)
    ui_range    (1.0, 15.0)

property_double (feather, _("Feather (mm)"), 20.0)
    description (_("The treatment carries on past the mask's edge into the "
                   "scalp around it, fading out over this distance, so that "
                   "a rough mask leaves no outline (it stays off the "
                   "client's hair, walls and shine); nothing farther from the "
                   "mask changes. 0 = the mask as it is (a hairline mask "
                   "that carries its own transition)"))
    value_range (0.0, 40.0)
    ui_range    (0.0, 20.0)

/* The dot's look, shared by every op that stipples (same names, same
 * meanings).  The shaved look's defaults darken light skin by about 10 L*
 * at every scale (DOMAIN.md: the client's buzzed hair is 12-29 L* darker
 * than the bald crown, and SMP imitates shorter stubble, so somewhat
 * lighter): 0.15 mm dots 1 mm apart cast a halo twice their own shadow
 * (light diffusing in the dermis passes the pigment beside them) over an
 * even layer of 8 % of a dot's pigment (what sessions laid one over
 * another leave between impressions), seen through the photo's blur.  */
#define SMP_DEFAULT_HALO       2.0
#define SMP_DEFAULT_TONE       0.08
#define SMP_DEFAULT_PHOTO_BLUR (-1.0)
#include "smp-dot-properties.inc"

property_enum   (output, _("Output"),
                 SmpFolliclesOutput, smp_follicles_output,
                 SMP_FOLLICLES_OUTPUT_COMPOSITE)
    description (_("The stippled photo, or the pigment alone as per-channel "
                   "transmittance (photo x pigment = composite: use it as a "
                   "Multiply layer)"))

/* What was learnt, for the plug-in and tools to show (read only).  */
property_int    (learnt_hair, _("Hair pixels learnt from"), 0)
    description (_("Read only: the pixels of the client's hair the look was "
                   "learnt from; 0 = none found, the properties as set were "
                   "used"))
    value_range (0, G_MAXINT)
    ui_meta     ("role", "output-extent")

property_double (learnt_darkening, _("Learnt darkening"), 0.0)
    description (_("Read only: how much the client's hair darkens the skin "
                   "(1 - hair over skin, luminance)"))
    value_range (0.0, 1.0)
    ui_meta     ("role", "output-extent")

property_double (learnt_grain, _("Learnt grain (mm)"), 0.0)
    description (_("Read only: the size of the hair's grain"))
    value_range (0.0, 1000.0)
    ui_meta     ("role", "output-extent")

property_double (learnt_density, _("Learnt density (impressions/cm²)"), 0.0)
    description (_("Read only: the density the dots were given to match the "
                   "client's hair (a treatment plan counts these); 0 = none "
                   "learnt, the density as set"))
    value_range (0.0, 1000.0)
    ui_meta     ("role", "output-extent")

property_double (learnt_blur, _("Learnt photo blur (px)"), -1.0)
    description (_("Read only: the photo's blur as estimated; -1 = none "
                   "could be (too few edges)"))
    value_range (-1.0, 1000.0)
    ui_meta     ("role", "output-extent")

#else

#define GEGL_OP_COMPOSER3
#define GEGL_OP_NAME     smp_follicles
#define GEGL_OP_C_SOURCE smp-follicles.c

#include "gegl-op.h"
#include <math.h>

#include "smp-common.h"
#include "core/smp-box.h"
#include "core/smp-color.h"
#include "core/smp-look.h"
#include "core/smp-pattern.h"
#include "core/smp-render.h"
#include "core/smp-stipple.h"

/* The most a look is learnt from: a square of this side (px) around the
 * mask; a larger area is learnt from its middle.  */
#define LEARN_MAX_SIDE 2048

/* The side (mm, then px) of the patch of bald skin that trial stipples are
 * rendered over when the dots are fitted to the look.  */
#define PATCH_MM     25.0
#define PATCH_MIN_PX 24
#define PATCH_MAX_PX 256

/* The scalp map's own feather (mm): its head plane is read softly.  */
#define MAP_FEATHER 5.0

/* Below this share of the head outside the mask, there is no hair around
 * it to learn from.  */
#define BALD_HEAD_SHARE 0.15

/* What is learnt from the whole photo, once per render.  */
typedef struct
{
  gboolean    learnt;     /* a hair look was found and the dots fitted */
  gdouble     blur;       /* the photo's blur (px); -1: none could be told */
  SmpHairLook look;
  SmpDotStyle style;      /* the fitted colour, halo and dot size */
  gdouble     density;
  SmpLookField field;     /* how far the treatment spills past the mask */
  SmpScalpMap *map;       /* where the head and its hair are, or NULL */
  GeglRectangle photo;    /* the photo's extent, which the map covers */
  gboolean    bounded;    /* no pixel outside `support` is treated */
  GeglRectangle support;
} Stats;

static void
stats_clear (gpointer data)
{
  smp_scalp_map_free (((Stats *) data)->map);
}

static const SmpBoxInfo stats_box = { sizeof (Stats), stats_clear };

/* The width (px) over which the look blends in inside the mask's edge.  */
static gdouble
feather_px (GeglOperation *operation)
{
  return smp_finite (operation, "feather",
                     GEGL_PROPERTIES (operation)->feather) *
         smp_px_per_mm (operation);
}

static gint
ring_px (GeglOperation *operation)
{
  return MAX (1, (gint) ceil (smp_finite (operation, "ring-width",
                                          GEGL_PROPERTIES (operation)->ring_width) *
                              smp_px_per_mm (operation)));
}

/* Whether the op learns anything from the photo: the look, or only the
 * blur.  */
static gboolean
learns (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);

  return o->match != SMP_FOLLICLES_MATCH_NONE ||
         smp_finite (operation, "photo-blur", o->photo_blur) < 0.0 ||
         gegl_operation_get_source_node (operation, "aux");
}

static void
setup (GeglOperation *operation,
       const Stats   *st,
       SmpPattern    *pattern,
       SmpRenderer   *renderer)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  SmpDotStyle     style;
  gdouble         density = smp_finite (operation, "density", o->density);

  SMP_DOT_STYLE (operation, o, &style);
  if (st && smp_finite (operation, "photo-blur", o->photo_blur) < 0.0)
    style.blur_px = MAX (0.0, st->blur);
  if (st && st->learnt)
    {
      style   = st->style;
      density = st->density;
    }
  smp_pattern_init (pattern, density, style.clustering, (uint32_t) o->seed);
  smp_renderer_init (renderer, &style);
}

/* Pixels around an output pixel whose aux values matter: the stipple's
 * reach.  */
static gint
aux_margin (GeglOperation *operation)
{
  SmpPattern  pattern;
  SmpRenderer renderer;
  Stats       widest = { 0 };

  /* The widest dots the fit may choose are within the stipple margin of
   * the properties' dots with the largest halo and blur: bound it by
   * rendering such a style.  */
  setup (operation, NULL, &pattern, &renderer);
  widest.style   = renderer.style;
  widest.style.halo         = MAX (widest.style.halo, 8.0);
  widest.style.dot_diameter = MAX (widest.style.dot_diameter, 0.5);
  widest.style.blur_px      = MAX (widest.style.blur_px, 4.0);
  widest.learnt  = TRUE;
  widest.density = 100.0;
  widest.blur    = widest.style.blur_px;
  setup (operation, &widest, &pattern, &renderer);
  return smp_stipple_margin (&renderer) + 1;
}

static gint
input_margin (GeglOperation *operation)
{
  return aux_margin (operation) +
         smp_look_gap_px (smp_px_per_mm (operation)) + 1;
}

/* The region the look and the blur are learnt from: the mask's extent (and
 * the reference's) grown by the ring, or the whole photo without a mask,
 * on the photo, at most LEARN_MAX_SIDE square.  Empty for an unbounded
 * photo or an empty mask.  The extent of the mask's pixels >= 0.5 on the
 * photo in *mask_extent, and of those above 0 in *above_zero, when they
 * were sought (else left as they are).  */
static GeglRectangle
learn_region (GeglOperation *operation,
              GeglBuffer    *aux,
              GeglBuffer    *aux2,
              GeglRectangle *mask_extent,
              GeglRectangle *above_zero)
{
  const GeglRectangle *in   = gegl_operation_source_get_bounding_box (operation,
                                                                      "input");
  GeglRectangle        none = { 0, 0, 0, 0 }, r, photo;
  gint                 grow = SMP_LOOK_RING_WIDEST * ring_px (operation) +
                              2 * smp_look_local_px (smp_px_per_mm (operation)) + 2 +
                              (gint) ceil (feather_px (operation));

  if (! in || smp_rect_unbounded (in))
    return none;
  photo = *in;
  if (gegl_operation_get_source_node (operation, "aux"))
    {
      const GeglRectangle *a = gegl_operation_source_get_bounding_box (operation,
                                                                       "aux");
      GeglRectangle        within;

      if (! aux || ! a || smp_rect_unbounded (a))
        return none;
      gegl_rectangle_intersect (&within, a, &photo);
      r = *mask_extent = smp_mask_extents (aux, &within, 0.5f, above_zero);
      if (r.width <= 0)
        r = smp_mask_extent (aux, &within, 1e-3f);
      if (r.width <= 0)
        return none;
      r = smp_rect_grow (r, grow);
    }
  else
    r = photo;
  if (aux2 && GEGL_PROPERTIES (operation)->match ==
              SMP_FOLLICLES_MATCH_REFERENCE)
    {
      const GeglRectangle *b = gegl_operation_source_get_bounding_box (operation,
                                                                       "aux2");
      GeglRectangle        within, ref;

      if (b && ! smp_rect_unbounded (b))
        {
          gegl_rectangle_intersect (&within, b, &photo);
          ref = smp_mask_extent (aux2, &within, 0.5f);
          if (ref.width > 0)
            gegl_rectangle_bounding_box (&r, &r, &ref);
        }
    }
  gegl_rectangle_intersect (&r, &r, &photo);
  if (r.width > LEARN_MAX_SIDE)
    {
      r.x    += (r.width - LEARN_MAX_SIDE) / 2;
      r.width = LEARN_MAX_SIDE;
    }
  if (r.height > LEARN_MAX_SIDE)
    {
      r.y     += (r.height - LEARN_MAX_SIDE) / 2;
      r.height = LEARN_MAX_SIDE;
    }
  return r;
}

/* The region as the graph knows it before processing (the mask's whole
 * extent): what learning may read.  */
static GeglRectangle
learn_bounds (GeglOperation *operation)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");
  GeglRectangle        none = { 0, 0, 0, 0 };

  if (! learns (operation) || ! in || smp_rect_unbounded (in))
    return none;
  return *in;
}

/* The properties learning does not read: composite or pigment is made of
 * the same dots.  */
static const gchar *const unread[] = { "output", NULL };

/* Light is mixed in linear RGBA float; see smp_output_format.  */
static void
prepare (GeglOperation *operation)
{
  GeglProperties *o     = GEGL_PROPERTIES (operation);
  const Babl     *space = smp_source_space (operation);

  gegl_operation_set_format (operation, "input",
                             babl_format_with_space ("RGBA float", space));
  gegl_operation_set_format (operation, "aux", babl_format ("Y'A float"));
  gegl_operation_set_format (operation, "aux2", babl_format ("Y'A float"));
  gegl_operation_set_format (operation, "output",
    smp_output_format (operation, o->output == SMP_FOLLICLES_OUTPUT_COMPOSITE));
  smp_cache_keep (&o->user_data, sizeof (gpointer), operation, unread);
}

static void
finalize (GObject *object)
{
  smp_cache_free_box (&GEGL_PROPERTIES (object)->user_data, &stats_box);
  G_OBJECT_CLASS (gegl_op_parent_class)->finalize (object);
}

/* The mask and the photo are read around the output: a dot near the edge
 * of a region has its centre, and so its mask value, outside it, and the
 * feather and the hair already there are read around that; what is learnt
 * is learnt from the whole photo.  */
static GeglRectangle
get_required_for_output (GeglOperation       *operation,
                         const gchar         *input_pad,
                         const GeglRectangle *roi)
{
  GeglRectangle r = *roi, s;

  if (smp_rect_unbounded (roi))
    return r;
  if (! strcmp (input_pad, "aux"))
    r = smp_rect_grow (r, aux_margin (operation));
  else if (! strcmp (input_pad, "input"))
    r = smp_rect_grow (r, input_margin (operation));
  else
    r = (GeglRectangle) { 0, 0, 0, 0 };
  s = learn_bounds (operation);
  gegl_rectangle_bounding_box (&r, &r, &s);
  return r;
}

static GeglRectangle
get_invalidated_by_change (GeglOperation       *operation,
                           const gchar         *input_pad,
                           const GeglRectangle *roi)
{
  GeglRectangle r = *roi;

  smp_cache_stale (GEGL_PROPERTIES (operation)->user_data);
  if (smp_rect_unbounded (roi))
    return r;
  r = smp_rect_grow (r, input_margin (operation));
  return learns (operation) ? smp_invalidate_all (operation, r) : r;
}


/* Reads rect of a mask buffer as 0..1 a pixel into m; `fill` where there is
 * no buffer.  */
static void
read_mask (GeglBuffer          *buffer,
           const GeglRectangle *rect,
           gfloat              *m,
           gfloat               fill)
{
  gsize   n = (gsize) rect->width * rect->height, i;
  gfloat *ya;

  if (! buffer)
    {
      for (i = 0; i < n; i++)
        m[i] = fill;
      return;
    }
  ya = g_new (gfloat, n * 2);
  gegl_buffer_get (buffer, rect, 1.0, babl_format ("Y'A float"), ya,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (i = 0; i < n; i++)
    m[i] = smp_mask_value (ya + 2 * i);
  g_free (ya);
}

/* Reads rect of the photo as linear RGB (3 floats a pixel); outside the
 * photo, NaN.  */
static gfloat *
read_rgb (GeglOperation       *operation,
          GeglBuffer          *input,
          const GeglRectangle *rect)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");
  gsize   n    = (gsize) rect->width * rect->height, i;
  gfloat *rgba = g_new (gfloat, n * 4);
  gfloat *rgb  = g_new (gfloat, n * 3);
  gint    x, y;

  gegl_buffer_get (input, rect, 1.0,
                   gegl_operation_get_format (operation, "input"), rgba,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (y = 0; y < rect->height; y++)
    for (x = 0; x < rect->width; x++)
      {
        gboolean inside = ! in ||
                          (rect->x + x >= in->x &&
                           rect->x + x < in->x + in->width &&
                           rect->y + y >= in->y &&
                           rect->y + y < in->y + in->height);

        i = (gsize) y * rect->width + x;
        rgb[3 * i + 0] = inside ? rgba[4 * i + 0] : NAN;
        rgb[3 * i + 1] = inside ? rgba[4 * i + 1] : NAN;
        rgb[3 * i + 2] = inside ? rgba[4 * i + 2] : NAN;
      }
  g_free (rgba);
  return rgb;
}

/* The photo's blur, from its sharpest edges: the treated area itself is
 * often smooth skin, so the edges are sought in a square of the photo
 * around it, at most BLUR_SIDE pixels wide.  */
#define BLUR_SIDE 1024

static gdouble
photo_blur (GeglOperation       *operation,
            GeglBuffer          *input,
            const GeglRectangle *around)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");
  GeglRectangle        r;
  gfloat              *rgb, *L;
  gsize                n, i;
  gdouble              blur;

  if (! in || smp_rect_unbounded (in))
    return -1.0;
  r.width  = MIN (in->width, BLUR_SIDE);
  r.height = MIN (in->height, BLUR_SIDE);
  r.x = CLAMP (around->x + around->width / 2 - r.width / 2, in->x,
               in->x + in->width - r.width);
  r.y = CLAMP (around->y + around->height / 2 - r.height / 2, in->y,
               in->y + in->height - r.height);
  n   = (gsize) r.width * r.height;
  rgb = read_rgb (operation, input, &r);
  L   = g_new (gfloat, n);
  for (i = 0; i < n; i++)
    L[i] = smp_rgb_to_L (rgb + 3 * i);
  blur = smp_look_blur (L, r.width, r.height, NULL);
  g_free (rgb);
  g_free (L);
  return blur;
}

/* How far the treatment spills past the mask: laid out over the mask's
 * own extent (learn_region's mask_extent), grown by the feather, so that
 * it depends on the mask alone (not on where a reference lies).  */
static void
spill_field (GeglOperation       *operation,
             GeglBuffer          *aux,
             const GeglRectangle *mask_extent,
             SmpLookField        *field)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");
  GeglRectangle        r = *mask_extent;
  SmpLookInput         look_in = { 0 };
  gfloat              *mask;

  memset (field, 0, sizeof (*field));
  if (r.width <= 0)
    return;
  r = smp_rect_grow (r, (gint) ceil (feather_px (operation)) + 2);
  gegl_rectangle_intersect (&r, &r, in);
  mask = g_new (gfloat, (gsize) r.width * r.height);
  read_mask (aux, &r, mask, 0.0f);
  look_in.mask      = mask;
  look_in.width     = r.width;
  look_in.height    = r.height;
  look_in.px_per_mm = smp_px_per_mm (operation);
  smp_look_field (&look_in, feather_px (operation), r.x, r.y, field);
  g_free (mask);
}

/* The box of the pixels that the mask (above 0 in `any`) or the field
 * gives a share: FALSE when it is not bounded (a field whose edge has a
 * share: clamped, it reaches on).  */
static gboolean
spill_box (const SmpLookField  *field,
           const GeglRectangle *any,
           GeglRectangle       *box)
{
  gint i0 = G_MAXINT, i1 = -1, j0 = G_MAXINT, j1 = -1, i, j;

  *box = *any;
  for (j = 0; j < field->rows; j++)
    for (i = 0; i < field->cols; i++)
      if (field->share[j * field->cols + i] != 0.0f)
        {
          if (i == 0 || j == 0 || i == field->cols - 1 ||
              j == field->rows - 1)
            return FALSE;
          i0 = MIN (i0, i);
          i1 = MAX (i1, i);
          j0 = MIN (j0, j);
          j1 = MAX (j1, j);
        }
  if (i1 >= 0)
    {
      /* A pixel reads the nodes around it: those beside a node of some
       * share, a pixel's slack either side.  */
      gint x0 = (gint) floor (field->x0 + (i0 - 1) * field->cell) - 2;
      gint x1 = (gint) ceil (field->x0 + (i1 + 1) * field->cell) + 2;
      gint y0 = (gint) floor (field->y0 + (j0 - 1) * field->cell) - 2;
      gint y1 = (gint) ceil (field->y0 + (j1 + 1) * field->cell) + 2;
      GeglRectangle spill = { x0, y0, x1 - x0, y1 - y0 };

      if (box->width > 0)
        gegl_rectangle_bounding_box (box, box, &spill);
      else
        *box = spill;
    }
  return TRUE;
}

/* Narrows *r (and its mask, *mask) to the pixels the skin is learnt from:
 * those under the mask (>= 0.5) and the neighbourhoods of `local` px
 * around them, within *r.  smp_look_learn learns the same skin from it:
 * a box mean whose window the narrowed region holds whole (cut where *r
 * cuts it) is the same exact integer mean, and the pixels under the mask
 * come in the same order.  */
static void
skin_region (GeglRectangle *r,
             gfloat       **mask,
             gint           local)
{
  GeglRectangle sub;
  gfloat       *m = *mask, *part;
  gint          x, y, x0 = G_MAXINT, x1 = -1, y0 = G_MAXINT, y1 = -1;

  for (y = 0; y < r->height; y++)
    for (x = 0; x < r->width; x++)
      if (m[(gsize) y * r->width + x] >= 0.5f)
        {
          x0 = MIN (x0, x);
          x1 = MAX (x1, x);
          y0 = MIN (y0, y);
          y1 = y;
        }
  if (x1 < 0)
    {
      /* Nothing under the mask: no skin, whatever else is read.  */
      r->width = r->height = 0;
      return;
    }
  sub = smp_rect_grow ((GeglRectangle) { r->x + x0, r->y + y0, x1 - x0 + 1,
                                         y1 - y0 + 1 }, local);
  gegl_rectangle_intersect (&sub, &sub, r);
  part = g_new (gfloat, (gsize) sub.width * sub.height);
  for (y = 0; y < sub.height; y++)
    memcpy (part + (gsize) y * sub.width,
            m + (gsize) (sub.y - r->y + y) * r->width + sub.x - r->x,
            sizeof (gfloat) * sub.width);
  g_free (m);
  *mask = part;
  *r    = sub;
}

/* Learns the photo's blur and, when asked, the client's hair look, and
 * fits the dots to it.  */
static void
learn (GeglOperation *operation,
       GeglBuffer    *input,
       GeglBuffer    *aux,
       GeglBuffer    *aux2,
       gpointer       data)
{
  Stats          *st  = smp_cache_box (data, &stats_box);
  GeglProperties *o   = GEGL_PROPERTIES (operation);
  GeglRectangle   extent = { 0, 0, 0, 0 }, any = { 0, 0, 0, 0 };
  GeglRectangle   r   = learn_region (operation, aux, aux2, &extent, &any);
  gsize           n   = (gsize) r.width * r.height, i;
  gfloat         *rgb, *mask, *ref = NULL, *hair = NULL;
  SmpLookInput    in;
  SmpPattern      pattern;
  SmpRenderer     renderer;
  gboolean        seek;

  st->blur = -1.0;
  o->learnt_hair      = 0;
  o->learnt_darkening = 0.0;
  o->learnt_grain     = 0.0;
  o->learnt_density   = 0.0;
  o->learnt_blur      = -1.0;
  if (n == 0)
    return;
  if (smp_finite (operation, "photo-blur", o->photo_blur) < 0.0)
    st->blur = photo_blur (operation, input, &r);
  o->learnt_blur = st->blur;
  /* The skin and the hair are learnt where there is a mask (or a
   * reference): without, the photo is treated whole, as it is.  */
  if (! gegl_operation_get_source_node (operation, "aux") &&
      ! (o->match == SMP_FOLLICLES_MATCH_REFERENCE && aux2))
    return;

  mask = g_new (gfloat, n);
  /* No mask at all treats everywhere.  */
  read_mask (aux, &r, mask,
             gegl_operation_get_source_node (operation, "aux") ? 0.0f : 1.0f);

  seek = o->match == SMP_FOLLICLES_MATCH_RING
         ? gegl_operation_get_source_node (operation, "aux") != NULL
         : o->match == SMP_FOLLICLES_MATCH_REFERENCE && aux2;
  if (o->match == SMP_FOLLICLES_MATCH_REFERENCE && aux2)
    {
      ref = g_new (gfloat, n);
      read_mask (aux2, &r, ref, 0.0f);
    }
  /* Where the head is: the ring's hair is hair on the head (not a dark
   * background, a shirt, a shadow), and the treatment stays on it.  */
  if (seek)
    st->map = smp_scalp_map_learn (operation, input,
                                   smp_px_per_mm (operation), MAP_FEATHER);
  if (st->map && st->map->found)
    st->photo = *gegl_operation_source_get_bounding_box (operation, "input");
  /* A reference is hair the user marked; a ring's, hair on the head or
   * that the map sees as hair (the head's outline may pass inside a dense
   * dark fringe).  */
  if (st->map && st->map->found && o->match == SMP_FOLLICLES_MATCH_RING)
    {
      gsize on_head = 0, off_mask = 0;
      gint  x, y;

      hair = g_new (gfloat, n);
      for (y = 0; y < r.height; y++)
        for (x = 0; x < r.width; x++)
          {
            gdouble px = r.x + x - st->photo.x + 0.5;
            gdouble py = r.y + y - st->photo.y + 0.5;
            gfloat  head = smp_scalp_sample (st->map, SMP_SCALP_HEAD, px, py);

            hair[(gsize) y * r.width + x] =
              MAX (head, smp_scalp_sample (st->map, SMP_SCALP_HAIR, px, py));
            if (head >= 0.5f)
              {
                on_head++;
                off_mask += mask[(gsize) y * r.width + x] < 0.5f;
              }
          }
      /* A mask over nearly all the head leaves no hair around it to
       * match: a fully bald head (whose shaded rim, brows and background
       * would be taken for hair).  */
      if (off_mask < BALD_HEAD_SHARE * on_head)
        seek = FALSE;
    }
  /* The skin alone is learnt from the pixels under the mask and their
   * neighbourhoods: only those are read (the same look, see skin_region).  */
  if (! seek)
    skin_region (&r, &mask, smp_look_local_px (smp_px_per_mm (operation)));
  rgb = r.width > 0 ? read_rgb (operation, input, &r) : NULL;
  /* No head plane for the skin alone: hair was laid out over r before
   * skin_region narrowed it.  */
  in = (SmpLookInput) { rgb, mask, ref, r.width, r.height,
                        smp_px_per_mm (operation), ring_px (operation), ! seek,
                        seek ? hair : NULL };
  /* The skin under the mask, always (the spill past its edge keeps off
   * what is no skin); the hair, when asked.  */
  if (smp_look_learn (&in, &st->look) > 0)
    {
      gint    side = (gint) CLAMP (lround (PATCH_MM * smp_px_per_mm (operation)),
                                   PATCH_MIN_PX, PATCH_MAX_PX);
      gint    px, py;
      gfloat *patch;

      side  = smp_look_patch (&in, &st->look, side, PATCH_MIN_PX, &px, &py);
      patch = side > 0 ? g_new (gfloat, (gsize) side * side * 3) : NULL;
      if (patch)
        {
          gint y;

          for (y = 0; y < side; y++)
            memcpy (patch + (gsize) y * side * 3,
                    rgb + ((gsize) (py + y) * r.width + px) * 3,
                    sizeof (gfloat) * side * 3);
        }
      else
        {
          /* No room for a patch (a thin mask): the skin's colour.  */
          side  = PATCH_MIN_PX * 2;
          px    = py = 0;
          patch = g_new (gfloat, (gsize) side * side * 3);
          for (i = 0; i < (gsize) side * side; i++)
            {
              patch[3 * i + 0] = st->look.skin[0];
              patch[3 * i + 1] = st->look.skin[1];
              patch[3 * i + 2] = st->look.skin[2];
            }
        }
      setup (operation, st, &pattern, &renderer);
      st->style   = renderer.style;
      st->density = smp_finite (operation, "density", o->density);
      st->learnt  = smp_look_fit (&st->look, patch, r.x + px, r.y + py,
                                  side, side, st->style.clustering,
                                  (uint32_t) o->seed, &st->style,
                                  &st->density);
      g_free (patch);
    }
  if (! st->learnt)
    {
      /* No hair learnt: the properties as set, exactly as match=none
       * (which builds no map).  */
      st->look.hair_pixels = 0;
      st->look.ratio[0] = st->look.ratio[1] = st->look.ratio[2] = 1.0;
      smp_scalp_map_free (st->map);
      st->map = NULL;
    }
  else
    {
      gdouble skin = 0.2126 * st->look.skin[0] +
                     0.7152 * st->look.skin[1] +
                     0.0722 * st->look.skin[2];
      gdouble hair = 0.2126 * st->look.skin[0] * st->look.ratio[0] +
                     0.7152 * st->look.skin[1] * st->look.ratio[1] +
                     0.0722 * st->look.skin[2] * st->look.ratio[2];

      o->learnt_hair      = st->look.hair_pixels;
      o->learnt_darkening = CLAMP (1.0 - hair / skin, 0.0, 1.0);
      o->learnt_grain     = st->look.grain_px / smp_px_per_mm (operation);
      o->learnt_density   = st->density;
    }
  if (aux && st->look.skin_pixels > 0)
    spill_field (operation, aux, &extent, &st->field);
  /* Where a mask was sought, nothing past the pixels it or the spill
   * reaches is treated.  */
  if (aux && gegl_operation_get_source_node (operation, "aux"))
    st->bounded = spill_box (&st->field, &any, &st->support);
  g_free (rgb);
  g_free (mask);
  g_free (ref);
  g_free (hair);
}


typedef struct
{
  GeglOperation *operation;
  GeglBuffer    *input, *aux, *output;
  const Stats   *st;
  gboolean       masked;   /* an aux is connected */
  SmpPattern     pattern;
  SmpRenderer    renderer;
  /* shape_mask's arrays, kept from strip to strip (fresh memory costs a
   * page fault a page); the photo it read, RGBA as the op reads it, over
   * `read`, is what composite_strip multiplies.  */
  gfloat        *spill, *rgba, *Y;
  gsize          n_spill, n_read, n_Y;
  GeglRectangle  read;
} Job;

/* *buf with room for n floats (what it held is lost).  */
static gfloat *
job_floats (gfloat **buf,
            gsize   *size,
            gsize    n)
{
  if (n > *size)
    {
      g_free (*buf);
      *buf  = g_new (gfloat, n);
      *size = n;
    }
  return *buf;
}

/* The mask a strip is stippled with: the aux times the share of the look
 * the blend at the mask's edge gives each pixel, less what the client's
 * own hair already covers there.  */
static void
shape_mask (const GeglRectangle *window,
            gfloat              *mask,
            gpointer             data)
{
  Job                 *job   = data;
  const Stats         *st    = job->st;
  const GeglRectangle *in    =
    gegl_operation_source_get_bounding_box (job->operation, "input");
  gint                 lr    = smp_look_gap_px (job->renderer.style.px_per_mm);
  gsize                nw    = (gsize) window->width * window->height, i;
  gfloat              *spill = job_floats (&job->spill, &job->n_spill, nw);
  GeglRectangle        some, big, grown;
  SmpLookPrep          prep;
  gfloat              *rgba, *Y, *ok;
  gsize                nb;
  gint                 x, y, x0 = G_MAXINT, x1 = -1, y0 = G_MAXINT, y1 = -1;
  gboolean             all_ok = TRUE;

  job->read = (GeglRectangle) { 0, 0, 0, 0 };
  read_mask (job->masked ? job->aux : NULL, window, mask,
             job->masked ? 0.0f : 1.0f);
  /* A pixel that neither the mask nor its spill reaches gets nothing,
   * whatever lies there: the photo is read only around the others.  */
  smp_look_share_rect (&st->field, window->x, window->y, window->width,
                       window->height, spill);
  for (y = 0; y < window->height; y++)
    {
      gfloat *sp = spill + (gsize) y * window->width;
      gfloat *m  = mask + (gsize) y * window->width;

      for (x = 0; x < window->width; x++)
        if (m[x] > 0.0f || sp[x] > 0.0f)
          {
            x0 = MIN (x0, x);
            x1 = MAX (x1, x);
            y0 = MIN (y0, y);
            y1 = y;
          }
    }
  if (x1 < 0)
    {
      memset (mask, 0, sizeof (gfloat) * nw);
      return;
    }
  /* The neighbourhood means of those pixels read no farther than lr
   * around them (and a mean over a box cut by the window's edge is the
   * same whatever else is read).  */
  some = (GeglRectangle) { window->x + x0, window->y + y0, x1 - x0 + 1,
                           y1 - y0 + 1 };
  big   = smp_rect_grow (*window, lr);
  grown = smp_rect_grow (some, lr);
  gegl_rectangle_intersect (&some, &grown, &big);
  nb   = (gsize) some.width * some.height;
  rgba = job_floats (&job->rgba, &job->n_read, nb * 4);
  Y    = job_floats (&job->Y, &job->n_Y, nb * 2);
  gegl_buffer_get (job->input, &some, 1.0,
                   gegl_operation_get_format (job->operation, "input"), rgba,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  job->read = some;
  ok = Y + nb;
  for (y = 0; y < some.height; y++)
    for (x = 0; x < some.width; x++)
      {
        gfloat  *p      = rgba + 4 * ((gsize) y * some.width + x);
        gboolean inside = ! in ||
                          (some.x + x >= in->x &&
                           some.x + x < in->x + in->width &&
                           some.y + y >= in->y &&
                           some.y + y < in->y + in->height);

        /* Outside the photo, no pixel (as read_rgb reads it).  */
        if (! inside)
          p[0] = p[1] = p[2] = NAN;
        i = (gsize) y * some.width + x;
        ok[i] = isfinite (p[0]) && isfinite (p[1]) && isfinite (p[2]);
        Y[i]  = ok[i] ? 0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]
                      : 0.0f;
        all_ok &= ok[i] > 0.0f;
      }
  smp_look_prepare (&st->look, &prep);
  smp_box_mean (Y, Y, some.width, some.height, lr);
  /* All finite: the mean of ok is 1 everywhere, exactly.  */
  if (! all_ok)
    smp_box_mean (ok, ok, some.width, some.height, lr);
  for (y = 0; y < window->height; y++)
    for (x = 0; x < window->width; x++)
      {
        gint   ax    = window->x + x, ay = window->y + y;
        gsize  b     = (gsize) (ay - some.y) * some.width + ax - some.x;
        gfloat own   = mask[(gsize) y * window->width + x];
        gfloat share = spill[(gsize) y * window->width + x];

        i = (gsize) y * window->width + x;
        if (! (own > 0.0f || share > 0.0f))
          {
            mask[i] = 0.0f;
            continue;
          }
        /* Past the mask's edge only onto the scalp: onto the head where
         * the scalp map found one (not a wall, a shirt, a face or a
         * neck), else onto what has the skin's colour.  */
        if (share > own)
          share = own + (share - own) *
                        (st->map && st->map->found
                         ? smp_scalp_sample (st->map, SMP_SCALP_HEAD,
                                             ax - st->photo.x + 0.5,
                                             ay - st->photo.y + 0.5)
                         : smp_look_prep_skin_like (&prep, rgba + 4 * b));
        share = MAX (own, share);

        /* Past the photo's edge (where only the centres of dots that
         * reach into it lie) the share as it is.  */
        mask[i] = ok[b] > 0.0f
                  ? smp_look_prep_amount (&prep, share, Y[b] / ok[b])
                  : share;
      }
}

/* One strip: the photo (or nothing) times the pigment field.  */
static gboolean
composite_strip (const GeglRectangle *strip,
                 gfloat              *pix,
                 const gfloat        *field,
                 const gfloat        *mask,
                 gint                 margin,
                 gpointer             data)
{
  Job        *job  = data;
  const Babl *rgba = gegl_operation_get_format (job->operation, "input");
  gsize       np   = (gsize) strip->width * strip->height, i;

  if (GEGL_PROPERTIES (job->operation)->output == SMP_FOLLICLES_OUTPUT_PIGMENT)
    for (i = 0; i < np; i++)
      {
        pix[i * 4 + 0] = field[i * 3 + 0];
        pix[i * 4 + 1] = field[i * 3 + 1];
        pix[i * 4 + 2] = field[i * 3 + 2];
        pix[i * 4 + 3] = 1.0f;
      }
  else
    {
      const GeglRectangle *in =
        gegl_operation_source_get_bounding_box (job->operation, "input");
      GeglRectangle        both;

      /* What shape_mask read of the photo holds the strip (a strip of the
       * photo): no second conversion of the same pixels.  */
      gegl_rectangle_intersect (&both, &job->read, strip);
      if (gegl_rectangle_equal (&both, strip) && in &&
          gegl_rectangle_contains (in, strip))
        {
          gint y;

          for (y = 0; y < strip->height; y++)
            memcpy (pix + (gsize) y * strip->width * 4,
                    job->rgba + ((gsize) (strip->y - job->read.y + y) *
                                 job->read.width + strip->x - job->read.x) * 4,
                    sizeof (gfloat) * 4 * strip->width);
        }
      else
        gegl_buffer_get (job->input, strip, 1.0, rgba, pix,
                         GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      for (i = 0; i < np; i++)
        {
          pix[i * 4 + 0] *= field[i * 3 + 0];
          pix[i * 4 + 1] *= field[i * 3 + 1];
          pix[i * 4 + 2] *= field[i * 3 + 2];
        }
    }
  gegl_buffer_set (job->output, strip, 0, rgba, pix, GEGL_AUTO_ROWSTRIDE);
  return TRUE;
}

static gboolean
process (GeglOperation       *operation,
         GeglBuffer          *input,
         GeglBuffer          *aux,
         GeglBuffer          *aux2,
         GeglBuffer          *output,
         const GeglRectangle *result,
         gint                 level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  Stats          *st = NULL;
  Job             job = { operation, input, aux, output, NULL };
  SmpPass         pass;
  const SmpPass  *passes;
  GeglRectangle   todo;
  gboolean        shaped, ok;

  if (! input && o->output == SMP_FOLLICLES_OUTPUT_COMPOSITE)
    return TRUE;

  job.masked = gegl_operation_get_source_node (operation, "aux") != NULL;
  if (input && learns (operation))
    job.st = st = smp_cache_ref (o->user_data, learn, operation, input, aux,
                                 aux2);
  setup (operation, job.st, &job.pattern, &job.renderer);

  /* A mask that is connected but has no pixels here (an empty one) is a
   * black mask, not a missing one.  */
  if (! aux && job.masked)
    job.pattern.cell = 0.0;

  /* Nothing to draw: the photo as it is, bit for bit.  */
  if (job.pattern.cell <= 0.0 && o->output == SMP_FOLLICLES_OUTPUT_COMPOSITE)
    {
      gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);
      smp_cache_unref (st, &stats_box);
      return TRUE;
    }
  /* With the skin under the mask known, the mask is shaped by what is
   * there: spilled past its edge, kept off hair already there, walls and
   * shine.  */
  shaped = job.st && job.st->look.skin_pixels > 0;
  passes = smp_pass_init (&pass, operation, input, output,
                          o->output == SMP_FOLLICLES_OUTPUT_COMPOSITE);
  /* What the mask and its spill reach not: the photo as it is (a pixel
   * whose mask is 0 no dot changes), and no dot sought there.  */
  todo = *result;
  if (passes && st && st->bounded)
    {
      if (! gegl_rectangle_intersect (&todo, result, &st->support))
        todo = (GeglRectangle) { result->x, result->y, 0, 0 };
      smp_pass_around (passes, result, &todo);
    }
  ok = todo.width <= 0 || todo.height <= 0 ||
       smp_stipple_regions (&todo, &job.pattern, &job.renderer, aux,
                            shaped ? shape_mask : NULL, composite_strip,
                            passes, &job);
  g_free (job.spill);
  g_free (job.rgba);
  g_free (job.Y);
  smp_cache_unref (st, &stats_box);
  return ok;
}

/* Run and hashed by GEGL's gegl-tester and by tests/test-follicles.c: a
 * skin tone under a left-to-right density ramp, elongated dots.  */
static const gchar *reference_composition =
  "<?xml version='1.0' encoding='UTF-8'?>"
  "<gegl>"
  "  <node operation='gegl:crop' width='200' height='200'/>"
  "  <node operation='smp:follicles' px-per-mm='12' seed='3'"
  "        elongation='1.6'>"
  "    <node operation='gegl:linear-gradient' start-x='0' start-y='0'"
  "          end-x='200' end-y='0' start-color='black' end-color='white'/>"
  "  </node>"
  "  <node operation='gegl:color' value='rgb(0.78,0.58,0.48)'/>"
  "</gegl>";

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass          *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationComposer3Class *composer_class  =
    GEGL_OPERATION_COMPOSER3_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize           = finalize;
  operation_class->prepare                   = prepare;
  operation_class->get_bounding_box          = smp_input_bounding_box;
  operation_class->get_required_for_output   = get_required_for_output;
  operation_class->get_invalidated_by_change = get_invalidated_by_change;
  composer_class->process                    = process;
  smp_clamp_out_of_range (G_OBJECT_CLASS (klass));

  gegl_operation_class_set_keys (operation_class,
    "name",               "smp:follicles",
    "title",              _("SMP Follicles"),
    "categories",         "render:smp",
    "position-dependent", "true",
    "gimp:menu-path",     "<Image>/Filters/SMP",
    "gimp:menu-label",    _("Follicles..."),
    "reference-composition", reference_composition,
    "reference-hash",     "ff54ee57e190b52ea9f3ae0fd5fd5582",
    "description",
      _("Scalp micropigmentation preview: paints pigment impressions, "
        "thousands of tiny dots that read as the stubble of a closely shaved "
        "head, onto a photo of a scalp. Physical units throughout; the "
        "optional aux input is a density mask (white = full density, black = "
        "untouched)."),
    NULL);
}

#endif
