/* smp:scar-blend: scar concealment.
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
 * Scar tissue is paler, smoother and shinier than the skin around it,
 * grows no hair and holds pigment less well.  A designer's mask is rough
 * and a long scar crosses hair of different tone and light, so the op
 * finds, for every pixel, how much of it is scar and what surrounds it
 * (filters/core/smp-scar.h: box statistics over cells aligned to absolute
 * pixels, exact, so the same in every tile); it learns the look of the
 * hair in a ring around the scar (how much it darkens the skin between it,
 * its texture and grain size, the photo's blur) and fits stubble dots to
 * it with smp:follicles' machinery (smp_look_fit).  The scar's part of each
 * pixel then becomes the skin under its own surroundings' hair with those
 * dots, as scar tissue takes them (uptake), and the grain the dots cannot
 * make; its own detail (a fold; a shine, damped) stays, relative to the new
 * tone; the rest of the pixel (hair over the scar's edge) stays as it is.
 * Bald skin or a wall inside a mask drawn too wide is surrounded by more of
 * itself and is no scar.  Nothing farther than the feather from the mask
 * changes, bit for bit.
 */

#include "config.h"
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_double (px_per_mm, _("Scale (px/mm)"), 10.0)
    description (_("Pixels per millimetre of scalp in the photo: about 3-4 "
                   "for a whole head 640 px wide, 15-30 for a close "
                   "consultation photo"))
    value_range (0.5, 200.0)
    ui_range    (1.0, 60.0)

property_double (strength, _("Strength"), 1.0)
    description (_("How far the scar is taken to the look of the hair and "
                   "skin around it"))
    value_range (0.0, 1.0)

property_double (ring_width, _("Ring width (mm)"), 4.0)
    description (_("Width of the ring around the scar whose hair the scar "
                   "takes the look of (tone, grain, stubble), and how far "
                   "around each pixel of it its surroundings are sought"))
    value_range (0.5, 30.0)
    ui_range    (1.0, 15.0)

property_double (feather, _("Feather (mm)"), 1.5)
    description (_("The change fades out over this distance outside the "
                   "scar mask; nothing farther changes"))
    value_range (0.0, 20.0)
    ui_range    (0.0, 8.0)

property_double (sheen, _("Sheen reduction"), 0.8)
    description (_("How much the scar's shiny highlights are damped"))
    value_range (0.0, 1.0)

property_double (texture, _("Texture"), 1.0)
    description (_("How much of the ring's grain (its stubble and the "
                   "skin's own grain) the smooth scar gets"))
    value_range (0.0, 1.0)

property_double (density, _("Density (impressions/cm²)"), 0.0)
    description (_("Impressions per square centimetre the stubble dots on "
                   "the scar start from; 0 = those counted in the ring. "
                   "The dots are fitted to the ring's look, and are fewer "
                   "or more only where its texture asks for it"))
    value_range (0.0, 250.0)
    ui_range    (0.0, 150.0)

property_double (uptake, _("Pigment uptake"), 0.7)
    description (_("How well the scar tissue holds pigment, relative to "
                   "healthy skin: its dots are this much as dark"))
    value_range (0.0, 1.0)

/* The dots' look is fitted to the ring's hair; they are seen through the
 * photo's own blur, estimated.  */
#define SMP_DEFAULT_PHOTO_BLUR (-1.0)
#include "smp-dot-properties.inc"

#else

#define GEGL_OP_COMPOSER
#define GEGL_OP_NAME     smp_scar_blend
#define GEGL_OP_C_SOURCE smp-scar-blend.c

#include "gegl-op.h"
#include <math.h>

#include "smp-common.h"
#include "core/smp-blobs.h"
#include "core/smp-box.h"
#include "core/smp-color.h"
#include "core/smp-hash.h"
#include "core/smp-look.h"
#include "core/smp-pattern.h"
#include "core/smp-render.h"
#include "core/smp-scar.h"
#include "core/smp-stipple.h"

/* The side (mm, then px) of the flat patch of the ring's skin that the
 * dots are fitted over (smp_look_fit), as smp:follicles does.  */
#define PATCH_MM     25.0
#define PATCH_MIN_PX 32
#define PATCH_MAX_PX 128

/* A ring whose hair darkens its skin by less than this (luminance) holds
 * no stubble to imitate: the scar takes the ring's tone and grain alone.  */
#define HAIRLESS     0.985

/* What the op learns from the whole scar and its ring, once per render.  */
typedef struct
{
  gboolean      empty;         /* no scar to treat */
  SmpScarTones  tones;         /* the whole mask's scar and surroundings */
  GeglRectangle extent;        /* where anything may change: the mask and
                                * its feather */
  gboolean      dots;          /* the ring's hair is imitated by dots */
  SmpDotStyle   style;         /* fitted to the ring's hair, uptake in */
  gdouble       density;
  gdouble       ratio[3];      /* the ring's hair over its skin (linear) */
  gdouble       mean[3];       /* the dots' mean field over flat skin,
                                * uptake in */
  gdouble       noise;         /* log amplitude of the grain the dots
                                * cannot make */
  gint          noise_cell;    /* its lattice (px) */
  gdouble       blotch;        /* log amplitude of the ring's variation
                                * between a third of a millimetre and the
                                * near surroundings' scale */
  gint          blotch_cell;
  gdouble       grain_l;       /* the L* the grain's amplitudes were fitted
                                * at: the ring's texture is about the same
                                * in L* on lighter and darker hair */
} Stats;


static gint
feather_px (GeglOperation *operation)
{
  return (gint) ceil (smp_finite (operation, "feather",
                                  GEGL_PROPERTIES (operation)->feather) *
                      smp_px_per_mm (operation));
}

static gint
ring_px (GeglOperation *operation)
{
  return MAX (1, (gint) ceil (smp_finite (operation, "ring-width",
                                          GEGL_PROPERTIES (operation)->ring_width) *
                              smp_px_per_mm (operation)));
}

/* The local statistics: the surroundings within about a millimetre, or
 * else within the ring, beyond 0.3 mm (2 px) of the scar.  */
static SmpScarRadii
radii (GeglOperation *operation)
{
  SmpScarRadii r;

  r.far_px  = ring_px (operation);
  r.near_px = MIN (r.far_px, MAX (2, (gint) lround (smp_px_per_mm (operation))));
  r.edge_px = MAX (2, (gint) lround (0.3 * smp_px_per_mm (operation)));
  return r;
}

/* The most the learnt blur may be (px): a photo blurred further shows no
 * stubble to imitate, and the dots' reach stays bounded.  */
#define BLUR_MAX 6.0

/* Pixels of the scar's likeness a stipple needs around the pixels it
 * renders: bounded by that of the widest dots the fit may choose (the
 * largest halo, dot and blur).  */
static gint
dots_margin (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  SmpDotStyle     style;
  SmpRenderer     renderer;

  SMP_DOT_STYLE (operation, o, &style);
  style.halo         = MAX (style.halo, 8.0);
  style.dot_diameter = MAX (style.dot_diameter, 0.5);
  /* The fit adds up to 4 px to the blur it starts from.  */
  style.blur_px      = MAX (style.blur_px, BLUR_MAX) + 4.0;
  smp_renderer_init (&renderer, &style);
  return smp_stipple_margin (&renderer) + 1;
}

/* Pixels around an output pixel whose scar likeness it depends on.  */
static gint
margin_px (GeglOperation *operation)
{
  SmpScarRadii r = radii (operation);

  return smp_scar_margin (&r) + dots_margin (operation) + 1;
}

/* And the pixels of the mask: its feather too.  */
static gint
aux_margin_px (GeglOperation *operation)
{
  return margin_px (operation) + feather_px (operation) + 1;
}

/* How far around the scar's extent the op learns.  */
static gint
learn_grow (GeglOperation *operation)
{
  return ring_px (operation) + aux_margin_px (operation) + 2;
}

/* The mask's extent, grown as learning needs, on the photo.  */
static GeglRectangle
stats_region (GeglOperation *operation)
{
  const GeglRectangle *aux = gegl_operation_source_get_bounding_box (operation,
                                                                     "aux");
  const GeglRectangle *in  = gegl_operation_source_get_bounding_box (operation,
                                                                     "input");
  GeglRectangle        r   = { 0, 0, 0, 0 };

  /* No mask, or one without bounds (a render op): nothing to learn.  */
  if (! aux || ! in || smp_rect_unbounded (aux))
    return r;
  r = smp_rect_grow (*aux, learn_grow (operation));
  if (! smp_rect_unbounded (in))
    gegl_rectangle_intersect (&r, &r, in);
  return r;
}

static void
prepare (GeglOperation *operation)
{
  const Babl *space = smp_source_space (operation);

  gegl_operation_set_format (operation, "input",
                             babl_format_with_space ("RGBA float", space));
  gegl_operation_set_format (operation, "aux", babl_format ("Y'A float"));
  gegl_operation_set_format (operation, "output",
                             babl_format_with_space ("RGBA float", space));
  smp_cache_invalidate (&GEGL_PROPERTIES (operation)->user_data,
                        sizeof (Stats));
}

static void
finalize (GObject *object)
{
  smp_cache_free (&GEGL_PROPERTIES (object)->user_data);
  G_OBJECT_CLASS (gegl_op_parent_class)->finalize (object);
}

static GeglRectangle
get_required_for_output (GeglOperation       *operation,
                         const gchar         *input_pad,
                         const GeglRectangle *roi)
{
  GeglRectangle r = *roi, s;

  /* An unbounded request stays as it is (growing it would overflow).  */
  if (smp_rect_unbounded (roi))
    return r;
  r = smp_rect_grow (r, aux_margin_px (operation));
  s = stats_region (operation);
  gegl_rectangle_bounding_box (&r, &r, &s);
  return r;
}

static GeglRectangle
get_invalidated_by_change (GeglOperation       *operation,
                           const gchar         *input_pad,
                           const GeglRectangle *roi)
{
  /* What is learnt makes every pixel of the scar depend on all of it.  */
  return smp_invalidate_all (operation,
                             get_required_for_output (operation, input_pad,
                                                      roi));
}


/* The mask over rect (0..1 a pixel) and, in region, where the op may
 * treat: 1 in the mask, falling to 0 at `feather` pixels outside it, and
 * exactly 0 beyond.  rect is grown by the feather to read the mask, so
 * that region is the same whatever rect is.  */
static void
read_region (GeglOperation       *operation,
             GeglBuffer          *aux,
             const GeglRectangle *rect,
             gfloat              *mask,
             gfloat              *region)
{
  gint          fp  = feather_px (operation);
  GeglRectangle big = smp_rect_grow (*rect, fp);
  gsize         nb  = (gsize) big.width * big.height, i;
  gfloat       *ya  = g_new (gfloat, nb * 2);
  gfloat       *m   = g_new (gfloat, nb);
  gfloat       *box = g_new (gfloat, nb);
  gint          x, y;

  gegl_buffer_get (aux, &big, 1.0, babl_format ("Y'A float"), ya,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (i = 0; i < nb; i++)
    m[i] = smp_mask_value (ya + 2 * i);
  if (fp > 0)
    smp_box_mean (m, box, big.width, big.height, fp);
  for (y = 0; y < rect->height; y++)
    for (x = 0; x < rect->width; x++)
      {
        gsize  b = (gsize) (y + fp) * big.width + x + fp;
        gsize  o = (gsize) y * rect->width + x;
        gfloat v = m[b];

        if (mask)
          mask[o] = v;
        region[o] = fp > 0 ? MIN (1.0f, MAX (v, 2.0f * box[b])) : v;
      }
  g_free (ya);
  g_free (m);
  g_free (box);
}

/* The blobs of `on` whose centroid is in `where`.  */
static gsize
count_blobs (const guchar *on,
             const guchar *where,
             gint          w,
             gint          h)
{
  gdouble *c;
  gsize    n = smp_blobs (on, w, h, &c), k, count = 0;

  if (n == (gsize) -1)
    return 0;
  for (k = 0; k < n; k++)
    count += where[(gint) c[2 * k + 1] * w + (gint) c[2 * k]] != 0;
  free (c);
  return count;
}

/* The scar (mask >= 0.5) as found in the mask, grown as learning needs:
 * a mask as large as the photo (a GIMP selection, a mask file) holds a
 * small scar, and learning then costs the scar's size, not the photo's.  */
static GeglRectangle
scar_region (GeglOperation *operation,
             GeglBuffer    *aux)
{
  GeglRectangle all   = stats_region (operation);
  GeglRectangle found = smp_mask_extent (aux, &all, 0.5f);

  if (found.width <= 0)
    return found;
  found = smp_rect_grow (found, learn_grow (operation));
  gegl_rectangle_intersect (&found, &found, &all);
  return found;
}

/* The blotches of a lightness: the spread (sd) of the log of its mean over
 * a box of radius r1 against that over r2, over the pixels where `wt`
 * (or all, NULL) fills both boxes (the means taken over `wt` only).  */
static gdouble
blotches (const gfloat *Y,
          const gfloat *wt,
          gint          w,
          gint          h,
          gint          r1,
          gint          r2)
{
  gsize   n  = (gsize) w * h, i;
  gfloat *a  = g_new (gfloat, n), *b = g_new (gfloat, n);
  gfloat *ca = g_new (gfloat, n), *cb = g_new (gfloat, n);
  gdouble s = 0.0, q = 0.0, k = 0.0;

  for (i = 0; i < n; i++)
    {
      ca[i] = wt ? wt[i] : 1.0f;
      a[i]  = ca[i] > 0.0f ? ca[i] * Y[i] : 0.0f;
    }
  memcpy (b, a, sizeof (gfloat) * n);
  memcpy (cb, ca, sizeof (gfloat) * n);
  smp_box_mean (a, a, w, h, r1);
  smp_box_mean (ca, ca, w, h, r1);
  smp_box_mean (b, b, w, h, r2);
  smp_box_mean (cb, cb, w, h, r2);
  for (i = 0; i < n; i++)
    if (ca[i] >= 0.9f && cb[i] >= 0.9f && a[i] > 0.0f && b[i] > 0.0f)
      {
        gdouble d = log ((a[i] / ca[i]) / (b[i] / cb[i]));

        s += d;
        q += d * d;
        k += 1.0;
      }
  g_free (a);
  g_free (b);
  g_free (ca);
  g_free (cb);
  return k > 16.0 ? sqrt (MAX (0.0, q / k - (s / k) * (s / k))) : 0.0;
}

/* The ring's look: the surroundings within ring-width of the scar, their
 * skin (between the stubble: away from the dots clearly darker than the
 * ring a millimetre around; or, where the hair leaves no such skin, the
 * lighter half), how much the hair darkens it, the texture and grain size;
 * how many stubble dots there are a cm² (the fit's first guess), the
 * texture and grain size of the skin between them, and the ring's
 * blotches (see blotches).  Returns the ring's pixels.  */
static gint
ring_look (GeglOperation *operation,
           const gfloat  *rgb,
           const gfloat  *like,
           gint           w,
           gint           h,
           const gfloat  *L,
           SmpHairLook   *look,
           gdouble       *stubble,
           gdouble       *skin_texture,
           gdouble       *skin_grain,
           gdouble       *blotch)
{
  gdouble  ppm  = smp_px_per_mm (operation);
  gsize    n    = (gsize) w * h, i;
  gfloat  *near = g_new (gfloat, n);
  gfloat  *base = g_new (gfloat, n);
  gfloat  *cnt  = g_new (gfloat, n);
  guchar  *ring = g_new0 (guchar, n);
  guchar  *dot  = g_new0 (guchar, n);
  guchar  *skin = g_new0 (guchar, n);
  gdouble  all[3] = { 0, 0, 0 }, sum[3] = { 0, 0, 0 }, mean_l = 0;
  gsize    nr = 0, ns = 0;
  gint     c, pass;

  memset (look, 0, sizeof (*look));
  for (i = 0; i < n; i++)
    near[i] = like[i] >= 0.5f ? 1.0f : 0.0f;
  smp_box_mean (near, near, w, h, ring_px (operation));
  for (i = 0; i < n; i++)
    {
      ring[i] = near[i] > 0.0f && like[i] < 0.1f && isfinite (L[i]);
      cnt[i]  = ring[i];
      base[i] = ring[i] ? L[i] : 0.0f;
      if (ring[i])
        {
          nr++;
          mean_l += L[i];
          for (c = 0; c < 3; c++)
            all[c] += rgb[3 * i + c];
        }
    }
  if (nr < 16)
    goto done;
  mean_l /= nr;
  /* The ring's own lightness a millimetre around, the scar left out (and
   * its mean where there is no ring: the grain's detail is taken against
   * it, and the pale scar beside the ring is no grain).  */
  smp_box_mean (base, base, w, h, MAX (1, (gint) lround (ppm)));
  smp_box_mean (cnt, cnt, w, h, MAX (1, (gint) lround (ppm)));
  for (i = 0; i < n; i++)
    {
      base[i] = cnt[i] > 0.0f ? base[i] / cnt[i] : (gfloat) mean_l;
      dot[i]  = ring[i] && L[i] < base[i] - 6.0f;
      near[i] = dot[i];
    }
  *stubble = count_blobs (dot, ring, w, h) / (nr / (ppm * ppm) / 100.0);
  smp_box_mean (near, near, w, h, MAX (1, (gint) lround (0.15 * ppm)));
  for (pass = 0; pass < 2 && ns < nr / 10; pass++)
    for (i = 0, ns = 0; i < n; i++)
      {
        skin[i] = ring[i] && (pass ? L[i] >= base[i] : ! (near[i] > 0.0f));
        ns += skin[i];
      }
  for (i = 0; i < n; i++)
    if (skin[i])
      for (c = 0; c < 3; c++)
        sum[c] += rgb[3 * i + c];
  for (c = 0; c < 3; c++)
    {
      look->skin[c]  = sum[c] / ns;
      look->ratio[c] = CLAMP (all[c] / nr / MAX (look->skin[c], 1e-6),
                              0.02, 1.0);
    }
  look->skin_pixels = (gint) ns;
  look->hair_pixels = (gint) nr;
  look->texture     = smp_look_texture (L, w, h, ring);
  for (i = 0; i < n; i++)
    if (ring[i])
      base[i] = L[i];
  look->grain_px = smp_look_grain (base, w, h, ring,
                                   MAX (2, (gint) lround (ppm)));
  /* The ring's blotches, between a third of a millimetre and the near
   * surroundings' scale: the mean over those smooths them away.  */
  {
    SmpScarRadii rad = radii (operation);

    for (i = 0; i < n; i++)
      {
        cnt[i]  = ring[i];
        near[i] = ring[i] ? 0.2126f * rgb[3 * i] + 0.7152f * rgb[3 * i + 1] +
                            0.0722f * rgb[3 * i + 2] : 0.0f;
      }
    *blotch = blotches (near, cnt, w, h, rad.edge_px / 2, rad.near_px);
  }
  /* The skin's own grain, between the stubble: noise gives it, the dots
   * the rest.  */
  *skin_texture = MAX (0.0, smp_look_texture (L, w, h, skin));
  /* Its grain against the skin's own lightness around: the dots and the
   * scar beside it are no grain of the skin's.  */
  for (i = 0; i < n; i++)
    {
      cnt[i]  = skin[i];
      near[i] = skin[i] ? L[i] : 0.0f;
    }
  smp_box_mean (near, near, w, h, MAX (1, (gint) lround (ppm)));
  smp_box_mean (cnt, cnt, w, h, MAX (1, (gint) lround (ppm)));
  for (i = 0; i < n; i++)
    base[i] = skin[i] ? L[i] : cnt[i] > 0.0f ? near[i] / cnt[i]
                                             : (gfloat) mean_l;
  *skin_grain = MAX (0.5, smp_look_grain (base, w, h, skin,
                                          MAX (2, (gint) lround (0.25 * ppm))));

done:
  g_free (near);
  g_free (base);
  g_free (cnt);
  g_free (ring);
  g_free (dot);
  g_free (skin);
  return look->hair_pixels;
}

/* Noise of unit variance, a pure function of position: the grain the
 * dots cannot give the smooth scar.  Value noise: hashed lattice values,
 * bilinear between them (which divides the variance by 9/4, hence the
 * 1.5).  */
static inline gdouble
lattice (uint32_t seed,
         gint     x,
         gint     y)
{
  /* Three uniforms: nearly normal, variance 3/12 before the 2.  */
  return (smp_hash_uniform (seed, x, y, 71) + smp_hash_uniform (seed, x, y, 72) +
          smp_hash_uniform (seed, x, y, 73) - 1.5) * 2.0;
}

static gdouble
texture_noise (gint     x,
               gint     y,
               gint     cell,
               uint32_t seed)
{
  gint    cx = (gint) floor ((gdouble) x / cell);
  gint    cy = (gint) floor ((gdouble) y / cell);
  gdouble fx = ((gdouble) x - cx * cell + 0.5) / cell;
  gdouble fy = ((gdouble) y - cy * cell + 0.5) / cell;
  gdouble top, bottom;

  if (cell <= 1)
    return lattice (seed, x, y);
  top    = lattice (seed, cx, cy) * (1 - fx) + lattice (seed, cx + 1, cy) * fx;
  bottom = lattice (seed, cx, cy + 1) * (1 - fx) +
           lattice (seed, cx + 1, cy + 1) * fx;
  return 1.5 * (top * (1 - fy) + bottom * fy);
}

/* L* of a linear RGB colour.  */
static gdouble
l_star (const gdouble *rgb)
{
  gdouble y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];

  return y > 216.0 / 24389.0 ? 116.0 * cbrt (y) - 16.0 : y * 24389.0 / 27.0;
}

/* The grain the scar is given at (x, y), in log light: fine noise for
 * what the dots cannot make, coarser noise for the blotches of the hair
 * that the near surroundings' mean smooths away.  */
static gdouble
grain_log (const Stats *st,
           gint         x,
           gint         y,
           uint32_t     seed)
{
  gdouble g = 0.0;

  if (st->noise > 0.0)
    g += st->noise * texture_noise (x, y, st->noise_cell, seed);
  if (st->blotch > 0.0)
    g += st->blotch * texture_noise (x, y, st->blotch_cell, seed ^ 0x5bd1e995u);
  return g;
}

/* The field of the style's dots over a flat patch, side x side.  */
static gfloat *
patch_field (const SmpDotStyle *style,
             gdouble            density,
             uint32_t           seed,
             gint               side,
             gdouble           *mean)
{
  SmpPattern  pattern;
  SmpRenderer renderer;
  gsize       n     = (gsize) side * side, i;
  gfloat     *field = g_new (gfloat, n * 3);
  gdouble     sum[3] = { 0, 0, 0 };
  gint        c;

  for (i = 0; i < n * 3; i++)
    field[i] = 1.0f;
  smp_pattern_init (&pattern, density, style->clustering, seed);
  smp_renderer_init (&renderer, style);
  smp_stipple (&pattern, &renderer, 0, 0, side, side, NULL, field);
  for (i = 0; i < n; i++)
    for (c = 0; c < 3; c++)
      sum[c] += field[3 * i + c];
  for (c = 0; c < 3; c++)
    mean[c] = sum[c] / n;
  return field;
}

/* The texture (smp_look_texture) of the flat skin under the field (or
 * none) and the grain of st.  */
static gdouble
patch_texture (const SmpHairLook *look,
               const gfloat      *field,
               gint               side,
               const Stats       *st,
               uint32_t           seed)
{
  gsize   n = (gsize) side * side, i;
  gfloat *L = g_new (gfloat, n);
  gdouble t;
  gint    c;

  for (i = 0; i < n; i++)
    {
      gdouble g = exp (grain_log (st, i % side, i / side, seed));
      gfloat  rgb[3], lab[3];

      for (c = 0; c < 3; c++)
        rgb[c] = (gfloat) (look->skin[c] * g * (field ? field[3 * i + c] : 1.0f));
      smp_rgb_to_lab (rgb, lab);
      L[i] = lab[0];
    }
  t = smp_look_texture (L, side, side, NULL);
  g_free (L);
  return t;
}

/* The log amplitude of the fine noise that, with the field and the
 * blotches, gives the patch the texture tau.  */
static void
fit_noise (Stats             *st,
           const SmpHairLook *look,
           const gfloat      *field,
           gint               side,
           gdouble            tau,
           uint32_t           seed)
{
  gdouble lo = 0.0, hi = 0.4;
  gint    k;

  st->noise = 0.0;
  if (patch_texture (look, field, side, st, seed) >= tau)
    return;
  for (k = 0; k < 10; k++)
    {
      st->noise = 0.5 * (lo + hi);
      if (patch_texture (look, field, side, st, seed) < tau)
        lo = st->noise;
      else
        hi = st->noise;
    }
  st->noise = 0.5 * (lo + hi);
}

/* The side (px) of the square the ring's look is learnt in, at most.  */
#define LEARN_SIDE 768

/* That square: around the scar pixel (mask >= 0.5) nearest the scar's
 * centroid, within r.  */
static GeglRectangle
learn_window (const gfloat        *mask,
              const GeglRectangle *r)
{
  gdouble       cx = 0.0, cy = 0.0, k = 0.0, best = G_MAXDOUBLE;
  gint          x, y, px = r->width / 2, py = r->height / 2;
  GeglRectangle w;

  for (y = 0; y < r->height; y++)
    for (x = 0; x < r->width; x++)
      if (mask[(gsize) y * r->width + x] >= 0.5f)
        {
          cx += x;
          cy += y;
          k  += 1.0;
        }
  if (k > 0.0)
    {
      cx /= k;
      cy /= k;
      for (y = 0; y < r->height; y++)
        for (x = 0; x < r->width; x++)
          if (mask[(gsize) y * r->width + x] >= 0.5f &&
              hypot (x - cx, y - cy) < best)
            {
              best = hypot (x - cx, y - cy);
              px   = x;
              py   = y;
            }
    }
  w = (GeglRectangle) { r->x + px - LEARN_SIDE / 2, r->y + py - LEARN_SIDE / 2,
                        LEARN_SIDE, LEARN_SIDE };
  gegl_rectangle_intersect (&w, &w, r);
  return w;
}

/* Keeps the part `to` of an array of `from` (comps floats a pixel), in
 * place.  */
static void
crop (gfloat              *a,
      gint                 comps,
      const GeglRectangle *from,
      const GeglRectangle *to)
{
  gint y;

  for (y = 0; y < to->height; y++)
    memmove (a + (gsize) y * to->width * comps,
             a + ((gsize) (to->y - from->y + y) * from->width +
                  (to->x - from->x)) * comps,
             sizeof (gfloat) * to->width * comps);
}

/* What the ring learnt (ring_look) asks of the treatment.  */
typedef struct
{
  SmpHairLook look;          /* the ring's hair on its skin */
  gdouble     texture;       /* the ring's whole texture */
  gdouble     skin_texture;  /* that of its skin between the stubble */
  gdouble     skin_grain;    /* and its grain size (px) */
  gdouble     blotch;        /* the ring's blotches (blotches ()) */
  gdouble     stubble;       /* its stubble a cm² */
  gdouble     blur;          /* the photo's blur around the scar (px) */
} Ring;

/* The spread of the blotches of noise of unit amplitude and lattice
 * `cell` (blotches ()): what the ring's are scaled by.  */
static gdouble
unit_blotches (const SmpScarRadii *rad,
               gint                cell,
               uint32_t            seed)
{
  gint    side = 8 * rad->near_px + 16, x, y;
  gfloat *Y    = g_new (gfloat, (gsize) side * side);
  gdouble unit;

  for (y = 0; y < side; y++)
    for (x = 0; x < side; x++)
      Y[(gsize) y * side + x] = exp (texture_noise (x, y, cell, seed));
  unit = blotches (Y, NULL, side, side, rad->edge_px / 2, rad->near_px);
  g_free (Y);
  return unit;
}

/* The dots and the grain that give the ring's look on a flat patch of its
 * skin: the dots (smp_look_fit) make the stubble's darkening and its share
 * of the texture (mean distances of sparse dots and of a dense grain add
 * about as an L1.5 norm, measured on the synthetic scars of the tests),
 * noise the rest: blotches scaled to the ring's less the dots' own, then
 * fine grain fitted to the whole.  Then the uptake: scar tissue holds
 * pigment less well, the dots and the layer between them take that share
 * of it.  */
static void
fit_look (GeglOperation *operation,
          Ring          *ring,
          Stats         *st)
{
  GeglProperties *o     = GEGL_PROPERTIES (operation);
  SmpScarRadii    rad   = radii (operation);
  SmpHairLook    *look  = &ring->look;
  uint32_t        seed  = (uint32_t) o->seed;
  gint            side  = (gint) CLAMP (lround (PATCH_MM *
                                                smp_px_per_mm (operation)),
                                        PATCH_MIN_PX, PATCH_MAX_PX);
  gsize           n     = (gsize) side * side, i;
  gfloat         *patch = g_new (gfloat, n * 3);
  gfloat         *field = NULL, *Y = g_new (gfloat, n);
  gdouble         u     = smp_finite (operation, "uptake", o->uptake);
  gdouble         full[3] = { 1.0, 1.0, 1.0 }, lum_ratio, unit, dots;
  gint            c;

  look->texture = pow (MAX (0.0, pow (ring->texture, 1.5) -
                                 pow (ring->skin_texture, 1.5)), 1.0 / 1.5);
  lum_ratio = (0.2126 * look->skin[0] * look->ratio[0] +
               0.7152 * look->skin[1] * look->ratio[1] +
               0.0722 * look->skin[2] * look->ratio[2]) /
              MAX (1e-6, 0.2126 * look->skin[0] + 0.7152 * look->skin[1] +
                         0.0722 * look->skin[2]);
  for (i = 0; i < n; i++)
    for (c = 0; c < 3; c++)
      patch[3 * i + c] = (gfloat) look->skin[c];
  SMP_DOT_STYLE (operation, o, &st->style);
  st->style.blur_px = ring->blur;
  st->density = o->density > 0.0
                ? o->density
                : CLAMP (5.0 * round (ring->stubble / 5.0), 30.0, 250.0);
  st->dots = lum_ratio < HAIRLESS && look->texture > 0.0 &&
             look->grain_px > 0.0 &&
             smp_look_fit (look, patch, 0, 0, side, side,
                           st->style.clustering, seed, &st->style,
                           &st->density);
  if (st->dots)
    {
      for (c = 0; c < 3; c++)
        st->ratio[c] = look->ratio[c];
      field = patch_field (&st->style, st->density, seed, side, full);
    }

  st->noise_cell  = MAX (1, (gint) lround (2.0 * ring->skin_grain));
  st->blotch_cell = rad.near_px;
  unit = unit_blotches (&rad, st->blotch_cell, seed);
  for (i = 0; i < n; i++)
    Y[i] = field ? 0.2126f * field[3 * i] + 0.7152f * field[3 * i + 1] +
                   0.0722f * field[3 * i + 2] : 1.0f;
  dots = blotches (Y, NULL, side, side, rad.edge_px / 2, rad.near_px);
  st->blotch = unit > 0.0 ? sqrt (MAX (0.0, ring->blotch * ring->blotch -
                                          dots * dots)) / unit
                          : 0.0;
  {
    gdouble mean[3];

    for (c = 0; c < 3; c++)
      mean[c] = look->skin[c] * full[c];
    st->grain_l = l_star (mean);
  }
  fit_noise (st, look, field, side, ring->texture, seed);

  if (st->dots)
    {
      st->style.darkness *= u;
      for (c = 0; c < 3; c++)
        if (st->style.layer[c] > 0.0)
          st->style.layer[c] = pow (st->style.layer[c], u);
      g_free (patch_field (&st->style, st->density, seed, side, st->mean));
    }
  g_free (field);
  g_free (patch);
  g_free (Y);
}

/* Learns the scar (its tones, where it may change the photo), then, around
 * its middle, where it is pixel by pixel and the look of the ring's hair,
 * and fits the dots and the grain to it.  */
static void
learn (GeglOperation *operation,
       GeglBuffer    *input,
       GeglBuffer    *aux,
       GeglBuffer    *aux2,
       gpointer       data)
{
  Stats          *st   = data;
  GeglProperties *o    = GEGL_PROPERTIES (operation);
  GeglRectangle   r    = scar_region (operation, aux);
  gsize           n    = (gsize) r.width * r.height;
  SmpScarRadii    rad  = radii (operation);
  gfloat         *rgb, *mask, *region, *like, *L;
  Ring            ring = { { 0 } };
  gint            c;

  memset (st, 0, sizeof (*st));
  st->empty = TRUE;
  if (n == 0)
    return;
  rgb    = smp_read_rgb (operation, input, &r);
  mask   = g_new (gfloat, n);
  region = g_new (gfloat, n);
  like   = g_new (gfloat, n);
  L      = g_new (gfloat, n);
  read_region (operation, aux, &r, mask, region);
  if (smp_scar_tones (rgb, mask, r.width, r.height, ring_px (operation),
                      &st->tones) <= 0)
    goto done;
  st->empty = FALSE;
  {
    const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                      "input");
    GeglRectangle        within;

    gegl_rectangle_intersect (&within, &r, in);
    st->extent = smp_rect_grow (smp_mask_extent (aux, &within, 1e-6f),
                                feather_px (operation) + 1);
  }
  for (c = 0; c < 3; c++)
    st->ratio[c] = st->mean[c] = 1.0;

  /* The ring's look is the same all along the scar: it is learnt around
   * the scar's middle, in a square of at most LEARN_SIDE pixels.  */
  {
    GeglRectangle w = learn_window (mask, &r);

    crop (rgb, 3, &r, &w);
    crop (mask, 1, &r, &w);
    crop (region, 1, &r, &w);
    r = w;
    n = (gsize) r.width * r.height;
  }
  if (! smp_scar_local (rgb, region, r.x, r.y, r.width, r.height,
                        &st->tones, &rad, like, NULL, NULL))
    goto done;
  smp_lightness (rgb, 3, n, L);
  if (ring_look (operation, rgb, like, r.width, r.height, L, &ring.look,
                 &ring.stubble, &ring.skin_texture, &ring.skin_grain,
                 &ring.blotch) <= 0)
    goto done;
  ring.texture = ring.look.texture;
  ring.blur    = smp_finite (operation, "photo-blur", o->photo_blur);
  if (ring.blur < 0.0)
    ring.blur = CLAMP (smp_look_blur (L, r.width, r.height, NULL), 0.0,
                       BLUR_MAX);
  fit_look (operation, &ring, st);

done:
  g_free (rgb);
  g_free (mask);
  g_free (region);
  g_free (like);
  g_free (L);
}

/* A pixel p (linear RGB) treated as far as a: p is read as (1 - a) of
 * its surroundings' colour and a of the scar's, and what differs from
 * that (d) as detail of both in the same shares.  The scar part becomes
 * the ring's hair as the scar's tissue takes it (tone, and grain about
 * it), its detail (a fold, a shine, damped by sheen) seen on the new tone
 * as it was on the scar; the rest of the pixel, hair lying over or beside
 * the scar's edge with its own detail, stays as it is.  The photo's blur
 * spreads the scar's smooth light over the hair beside it and washes out
 * the hair's detail there more than its share says: the grain is given
 * back as the square root of the share (it has no mean: the tone is
 * unchanged by it).  */
static inline void
blend_pixel (gfloat        *p,
             gdouble        a,
             const gdouble *tone,
             const gdouble *grain,
             const gfloat  *around,
             const gfloat  *scar,
             gdouble        sheen)
{
  static const gdouble w[3] = { 0.2126, 0.7152, 0.0722 };
  gdouble d[3], dy = 0.0, ty = 0.0, sy = 0.0, gain;
  gint    c;

  for (c = 0; c < 3; c++)
    {
      d[c] = p[c] - (1.0 - a) * around[c] - a * scar[c];
      dy  += w[c] * d[c];
      ty  += w[c] * tone[c];
      sy  += w[c] * scar[c];
    }
  /* One gain for the three channels (in luminance): the detail keeps its
   * own hue.  */
  gain = MIN (1.0, ty / MAX (sy, 1e-4)) * (dy > 0.0 ? 1.0 - sheen : 1.0);
  for (c = 0; c < 3; c++)
    p[c] = (gfloat) ((1.0 - a) * around[c] + a * tone[c] +
                     sqrt (a) * grain[c] + d[c] * ((1.0 - a) + a * gain));
}

static gboolean
process (GeglOperation       *operation,
         GeglBuffer          *input,
         GeglBuffer          *aux,
         GeglBuffer          *output,
         const GeglRectangle *result,
         gint                 level)
{
  GeglProperties *o    = GEGL_PROPERTIES (operation);
  const Babl     *rgba = gegl_operation_get_format (operation, "output");
  const GeglRectangle *bbox = gegl_operation_source_get_bounding_box (operation,
                                                                      "input");
  Stats           st;
  SmpScarRadii    rad = radii (operation);
  GeglRectangle   big, touched;
  gint            m, w, h, bw, bh, ox, oy, x, y, c;
  gsize           nb, i;
  gfloat         *in, *rgb, *region, *like, *around, *scar, *field = NULL;
  gboolean        ok = TRUE;
  gdouble         strength, sheen, texture;

  if (! input)
    return TRUE;
  if (aux)
    smp_cache_get (o->user_data, learn, operation, input, aux, NULL, &st,
                   sizeof st);
  /* No scar mask, no scar, or none near: the photo as it is.  */
  if (! aux || st.empty ||
      ! gegl_rectangle_intersect (&touched, result, &st.extent))
    {
      gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);
      return TRUE;
    }

  m   = margin_px (operation);
  w   = result->width;
  h   = result->height;
  /* The pixels around, but only the photo's own: the statistics at its
   * edge are then those of its edge, whatever region is asked for.  */
  big = smp_rect_grow (*result, m);
  if (bbox && ! smp_rect_unbounded (bbox))
    gegl_rectangle_intersect (&big, &big, bbox);
  bw  = big.width;
  bh  = big.height;
  nb  = (gsize) bw * bh;
  ox  = result->x - big.x;
  oy  = result->y - big.y;

  in     = g_new (gfloat, (gsize) w * h * 4);
  region = g_new (gfloat, nb);
  like   = g_new (gfloat, nb);
  around = g_new (gfloat, nb * 3);
  scar   = g_new (gfloat, nb * 3);
  gegl_buffer_get (input, result, 1.0, rgba, in, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  rgb = smp_read_rgb (operation, input, &big);
  read_region (operation, aux, &big, NULL, region);
  if (! smp_scar_local (rgb, region, big.x, big.y, bw, bh, &st.tones, &rad,
                        like, around, scar))
    ok = FALSE;

  strength = smp_finite (operation, "strength", o->strength);
  /* How far each pixel is treated: as far as it is scar, in the mask or
   * its feather.  */
  for (i = 0; i < nb; i++)
    like[i] *= region[i] * strength;

  /* The ring's stubble where the scar is: the dots whose centre lies on
   * it, as the treatment there is thick.  */
  if (ok && st.dots)
    {
      SmpPattern  pattern;
      SmpRenderer renderer;
      gint        sm, mw;
      gfloat     *mask;

      smp_pattern_init (&pattern, st.density, st.style.clustering,
                        (uint32_t) o->seed);
      smp_renderer_init (&renderer, &st.style);
      sm    = smp_stipple_margin (&renderer);
      mw    = w + 2 * sm;
      mask  = g_new0 (gfloat, (gsize) mw * (h + 2 * sm));
      field = g_new (gfloat, (gsize) w * h * 3);
      for (i = 0; i < (gsize) w * h * 3; i++)
        field[i] = 1.0f;
      for (y = 0; y < h + 2 * sm; y++)
        for (x = 0; x < mw; x++)
          {
            gint bx = x - sm + ox, by = y - sm + oy;

            if (bx >= 0 && by >= 0 && bx < bw && by < bh)
              mask[(gsize) y * mw + x] = like[(gsize) by * bw + bx];
          }
      ok = smp_stipple (&pattern, &renderer, result->x, result->y, w, h,
                        mask, field);
      g_free (mask);
    }

  sheen    = smp_finite (operation, "sheen", o->sheen);
  texture  = smp_finite (operation, "texture", o->texture);
  for (y = 0; ok && y < h; y++)
    for (x = 0; x < w; x++)
      {
        gsize   b  = (gsize) (y + oy) * bw + x + ox;
        gsize   o4 = ((gsize) y * w + x) * 4;
        gdouble a  = like[b], tone[3], grain[3], noise;

        if (! (a > 0.0) || ! isfinite (in[o4]) || ! isfinite (in[o4 + 1]) ||
            ! isfinite (in[o4 + 2]))
          continue;
        for (c = 0; c < 3; c++)
          tone[c] = around[3 * b + c] / st.ratio[c] * st.mean[c];
        noise = exp (texture * grain_log (&st, result->x + x, result->y + y,
                                          (uint32_t) o->seed) *
                     (st.grain_l + 16.0) / (l_star (tone) + 16.0));
        /* The scar's part: the skin under the surroundings' hair, then the
         * dots of that hair as scar tissue takes them (their mean in the
         * tone, the rest as grain, as far as `texture` asks) and the grain
         * they cannot make.  */
        for (c = 0; c < 3; c++)
          {
            gdouble f = field ? pow (field[((gsize) y * w + x) * 3 + c] /
                                     st.mean[c], texture) : 1.0;

            grain[c] = tone[c] * (f * noise - 1.0);
          }
        blend_pixel (in + o4, MIN (a, 1.0), tone, grain, around + 3 * b,
                     scar + 3 * b, sheen);
      }
  if (ok)
    gegl_buffer_set (output, result, 0, rgba, in, GEGL_AUTO_ROWSTRIDE);
  else
    gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);

  g_free (in);
  g_free (rgb);
  g_free (region);
  g_free (like);
  g_free (around);
  g_free (scar);
  g_free (field);
  return ok;
}

/* Run and hashed by tests/test-scar-blend.c as gegl-tester would: a pale
 * stripe on a stubbled skin tone.  */
static const gchar *reference_composition =
  "<?xml version='1.0' encoding='UTF-8'?>"
  "<gegl>"
  "  <node operation='gegl:crop' width='200' height='200'/>"
  "  <node operation='smp:scar-blend' px-per-mm='12' seed='3'>"
  "    <node operation='gegl:crop' x='0' y='80' width='200' height='40'/>"
  "    <node operation='gegl:color' value='white'/>"
  "  </node>"
  "  <node operation='gegl:over'>"
  "    <node operation='gegl:crop' x='0' y='80' width='200' height='40'/>"
  "    <node operation='gegl:color' value='rgb(0.85,0.70,0.62)'/>"
  "  </node>"
  "  <node operation='smp:follicles' px-per-mm='12' seed='9' match='none'"
  "        halo='0' tone='0' photo-blur='0'/>"
  "  <node operation='gegl:color' value='rgb(0.62,0.45,0.37)'/>"
  "</gegl>";

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass         *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationComposerClass *composer_class  =
    GEGL_OPERATION_COMPOSER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize           = finalize;
  operation_class->prepare                   = prepare;
  operation_class->get_bounding_box          = smp_input_bounding_box;
  operation_class->get_required_for_output   = get_required_for_output;
  operation_class->get_invalidated_by_change = get_invalidated_by_change;
  composer_class->process                    = process;
  smp_clamp_out_of_range (G_OBJECT_CLASS (klass));

  gegl_operation_class_set_keys (operation_class,
    "name",                  "smp:scar-blend",
    "title",                 _("SMP Scar Blend"),
    "categories",            "render:smp",
    "position-dependent",    "true",
    "gimp:menu-path",        "<Image>/Filters/SMP",
    "gimp:menu-label",       _("Scar Blend..."),
    "reference-composition", reference_composition,
    "reference-hash",        "f5e554ccb3cf3bb5c276c572218677f9",
    "description",
      _("Scalp micropigmentation over a scar: the aux input is the scar mask "
        "(white = scar; a rough one is fine). Every part of the scar takes "
        "the look of the hair around it: its tone, its grain and stubble "
        "dots fitted to it, lighter for the weaker pigment uptake of scar "
        "tissue, its sheen damped. What the mask holds that is not scar "
        "(hair, bald skin, a wall) stays as it is. Nothing farther than the "
        "feather from the mask changes. With no aux input the photo passes "
        "through unchanged."),
    NULL);
}

#endif
