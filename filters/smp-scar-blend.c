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
 * Scar tissue is paler, smoother and shinier than the skin around it and
 * holds pigment less well.  Where the aux mask is white, this op pulls the
 * scar's colour statistics (CIE Lab mean and spread) to those of a ring of
 * skin around it, damps its highlights, gives it back the ring's fine
 * texture, then stipples it with the same dot engine as smp:follicles at
 * the density of the ring (or a given one), darkened less for the weaker
 * uptake.  The edge is feathered; nothing farther than the feather from
 * the mask changes, bit for bit.
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
    description (_("How far the scar's tone and texture are pulled to the "
                   "skin around it"))
    value_range (0.0, 1.0)

property_double (ring_width, _("Ring width (mm)"), 4.0)
    description (_("Width of the ring of skin around the scar whose tone, "
                   "texture and stubble density the scar takes"))
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
    description (_("How much of the surrounding skin's fine texture the "
                   "smooth scar gets back"))
    value_range (0.0, 1.0)

property_double (density, _("Density (impressions/cm²)"), 0.0)
    description (_("Impressions per square centimetre on the scar; 0 matches "
                   "the stubble found in the ring around it"))
    value_range (0.0, 250.0)
    ui_range    (0.0, 150.0)

property_double (uptake, _("Pigment uptake"), 0.7)
    description (_("How well the scar tissue holds pigment, relative to "
                   "healthy skin: its dots are this much as dark"))
    value_range (0.0, 1.0)

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
#include "core/smp-pattern.h"
#include "core/smp-render.h"
#include "core/smp-stipple.h"

/* What the op learns from the whole scar and its ring, once per render.  */
typedef struct
{
  gboolean empty;            /* no scar at all */
  gdouble  scar_mean[3], scar_sd[3];   /* Lab (L: the 1 mm base), stubble
                                        * left out */
  gdouble  ring_mean[3], ring_sd[3];
  gdouble  scar_detail, ring_detail;   /* sd of L - base: fine texture */
  gdouble  highlight;                  /* base L above which it shines */
  gdouble  mid_L, sign;                /* scar pixels: (L - mid_L) * sign > 0 */
  gdouble  density;                    /* impressions/cm² used */
  gdouble  ring_density;               /* found in the ring */
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

/* Tone and texture part at about 1 mm: the base is the local mean over
 * this radius, the texture what is left.  */
static gint
base_px (GeglOperation *operation)
{
  return MAX (1, (gint) lround (smp_px_per_mm (operation)));
}

static void
dot_setup (GeglOperation *operation,
           gdouble        density,
           SmpPattern    *pattern,
           SmpRenderer   *renderer)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  SmpDotStyle     style;

  SMP_DOT_STYLE (operation, o, &style);
  /* Scar tissue holds pigment less well: its dots are lighter.  */
  style.darkness *= smp_finite (operation, "uptake", o->uptake);
  smp_pattern_init (pattern, density, style.clustering, (uint32_t) o->seed);
  smp_renderer_init (renderer, &style);
}

static gint
margin_px (GeglOperation *operation)
{
  SmpPattern      pattern;
  SmpRenderer     renderer;

  dot_setup (operation, 100.0, &pattern, &renderer);
  return MAX (MAX (feather_px (operation), base_px (operation)) + 1,
              smp_stipple_margin (&renderer));
}

/* The scar, its ring and the feather around it: all the op reads for its
 * statistics.  */
static GeglRectangle
stats_region (GeglOperation *operation)
{
  const GeglRectangle *aux = gegl_operation_source_get_bounding_box (operation,
                                                                     "aux");
  const GeglRectangle *in  = gegl_operation_source_get_bounding_box (operation,
                                                                     "input");
  GeglRectangle        r   = { 0, 0, 0, 0 };
  gint                 g   = ring_px (operation) + feather_px (operation) +
                             base_px (operation) + 3;

  /* No mask, or one without bounds (a render op): nothing to learn.  */
  if (! aux || ! in || aux->width > (1 << 24) || aux->height > (1 << 24))
    return r;
  r = *aux;
  r.x -= g;
  r.y -= g;
  r.width  += 2 * g;
  r.height += 2 * g;
  if (! gegl_rectangle_is_infinite_plane (in))
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
  gint          m;

  /* An unbounded request stays as it is (growing it would overflow).  */
  if (r.width > (1 << 28) || r.height > (1 << 28))
    return r;
  m = margin_px (operation);
  r.x -= m;
  r.y -= m;
  r.width  += 2 * m;
  r.height += 2 * m;
  s = stats_region (operation);
  gegl_rectangle_bounding_box (&r, &r, &s);
  return r;
}

static GeglRectangle
get_invalidated_by_change (GeglOperation       *operation,
                           const gchar         *input_pad,
                           const GeglRectangle *roi)
{
  /* The statistics make every pixel of the scar depend on all of it.  */
  return smp_invalidate_all (operation,
                             get_required_for_output (operation, input_pad,
                                                      roi));
}


/* The local mean of L over a box of radius r, taken over the pixels of the
 * same side of the mask only (scar with scar, skin with skin), so that
 * the scar's edge does not mix the two.  */
static void
split_base (const gfloat *L,
            const gfloat *m,
            gfloat       *base,
            gint          w,
            gint          h,
            gint          r)
{
  gsize   n = (gsize) w * h, i;
  gfloat *a = g_new (gfloat, n), *b = g_new (gfloat, n);
  gfloat *ca = g_new (gfloat, n), *cb = g_new (gfloat, n);

  for (i = 0; i < n; i++)
    {
      gfloat in = m[i] >= 0.5f ? 1.0f : 0.0f;
      /* A pixel that is no number is no one's neighbour.  */
      gfloat ok = isfinite (L[i]) ? 1.0f : 0.0f;

      a[i]  = ok ? L[i] * in : 0.0f;
      b[i]  = ok ? L[i] * (1.0f - in) : 0.0f;
      ca[i] = ok * in;
      cb[i] = ok * (1.0f - in);
    }
  smp_box_mean (a, a, w, h, r);
  smp_box_mean (b, b, w, h, r);
  smp_box_mean (ca, ca, w, h, r);
  smp_box_mean (cb, cb, w, h, r);
  for (i = 0; i < n; i++)
    base[i] = m[i] >= 0.5f ? (ca[i] > 0 ? a[i] / ca[i] : 0.0f)
                           : (cb[i] > 0 ? b[i] / cb[i] : 0.0f);
  g_free (a);
  g_free (b);
  g_free (ca);
  g_free (cb);
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

/* The part of the stats region that matters: the scar (mask >= 0.5) as
 * found in the mask, grown as stats_region grows the mask's extent.  A
 * mask as large as the photo (a GIMP selection, a mask file) holds a small
 * scar: the statistics then cost the scar's size, not the photo's.  */
static GeglRectangle
scar_region (GeglOperation *operation,
             GeglBuffer    *aux)
{
  GeglRectangle all   = stats_region (operation);
  GeglRectangle found = smp_mask_extent (aux, &all, 0.5f);
  gint          g;

  if (found.width <= 0)
    return found;
  g = ring_px (operation) + feather_px (operation) + base_px (operation) + 3;
  found = smp_rect_grow (found, g);
  gegl_rectangle_intersect (&found, &found, &all);
  return found;
}

/* Learns the scar and its ring from the whole stats region.  */
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
  const Babl     *rgba = gegl_operation_get_format (operation, "input");
  gint            w    = r.width, h = r.height, i;
  gsize           n    = (gsize) w * h;
  gfloat         *px   = g_new (gfloat, n * 4);
  gfloat         *ya   = g_new (gfloat, n * 2);
  gfloat         *m    = g_new (gfloat, n);
  gfloat         *near = g_new (gfloat, n);
  gfloat         *L    = g_new (gfloat, n);
  gfloat         *halo = g_new (gfloat, n);
  gfloat         *base = g_new (gfloat, n);
  gdouble         ring_area = 0;
  gfloat         *cls  = g_new (gfloat, n);
  gint            pass;
  guchar         *dot  = g_new0 (guchar, n);
  guchar         *ring = g_new0 (guchar, n);
  gdouble         hl = 0;
  gint            k;

  memset (st, 0, sizeof (*st));
  st->empty = TRUE;
  if (w <= 0 || h <= 0)
    goto done;

  gegl_buffer_get (input, &r, 1.0, rgba, px, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  /* In place, RGBA to Lab (the fourth float left over).  */
  for (i = 0; i < (gint) n; i++)
    {
      gfloat rgb[3] = { px[4 * i], px[4 * i + 1], px[4 * i + 2] };

      smp_rgb_to_lab (rgb, px + 3 * i);
    }
  gegl_buffer_get (aux, &r, 1.0, babl_format ("Y'A float"), ya,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (i = 0; i < (gint) n; i++)
    {
      m[i] = smp_mask_value (ya + 2 * i) >= 0.5f ? 1.0f : 0.0f;
      L[i] = px[3 * i];
    }
  /* The ring: within ring-width of the scar, outside it.  */
  smp_box_mean (m, near, w, h, ring_px (operation));

  /* Two passes: the mask says where the scar is, but a mask drawn a little
   * wide holds skin too; the first pass learns the two tones, the second
   * keeps as scar only the masked pixels nearer the scar's tone.  */
  memcpy (cls, m, sizeof (gfloat) * n);
  for (pass = 0; pass < 2; pass++)
    {
      gdouble s[2][3] = { { 0 } }, q[2][3] = { { 0 } }, c[2] = { 0 };
      gdouble dsum[2] = { 0 }, dsq[2] = { 0 };

      if (pass == 1)
        {
          st->mid_L = (st->scar_mean[0] + st->ring_mean[0]) / 2.0;
          st->sign  = st->scar_mean[0] >= st->ring_mean[0] ? 1.0 : -1.0;
          for (i = 0; i < (gint) n; i++)
            cls[i] = m[i] > 0.5f && (L[i] - st->mid_L) * st->sign > 0.0
                     ? 1.0f : 0.0f;
        }

      /* Stubble: clearly darker than the skin a millimetre around (skin
       * only: the pale scar next to it would make all skin look dark);
       * its soft halo, about 0.15 mm, is no skin texture either.  */
      split_base (L, cls, base, w, h, base_px (operation));
      for (i = 0; i < (gint) n; i++)
        {
          dot[i]  = L[i] < base[i] - 6.0f;
          halo[i] = dot[i];
        }
      smp_box_mean (halo, halo, w, h,
                MAX (1, (gint) lround (0.15 * smp_px_per_mm (operation))));

      ring_area = 0;
      for (i = 0; i < (gint) n; i++)
        {
          gint set = cls[i] > 0.5f ? 0
                   : m[i] <= 0.5f && near[i] > 0.0f ? 1 : -1;

          ring[i] = set == 1;
          if (set < 0 || ! isfinite (px[3 * i + 1]) ||
              ! isfinite (px[3 * i + 2]))
            continue;
          ring_area += set == 1;
          /* The skin's tone and texture are those between the stubble:
           * the scar gets its own dots afterwards.  */
          if (halo[i] > 0.0f)
            continue;
          c[set] += 1;
          for (k = 0; k < 3; k++)
            {
              gdouble v = k ? px[3 * i + k] : base[i];

              s[set][k] += v;
              q[set][k] += v * v;
            }
          dsum[set] += L[i] - base[i];
          dsq[set]  += (L[i] - base[i]) * (L[i] - base[i]);
        }
      if (c[0] < 1 || c[1] < 1)
        goto done;
      for (k = 0; k < 3; k++)
        {
          st->scar_mean[k] = s[0][k] / c[0];
          st->ring_mean[k] = s[1][k] / c[1];
          st->scar_sd[k]   = sqrt (MAX (0.0, q[0][k] / c[0] -
                                             st->scar_mean[k] * st->scar_mean[k]));
          st->ring_sd[k]   = sqrt (MAX (0.0, q[1][k] / c[1] -
                                             st->ring_mean[k] * st->ring_mean[k]));
        }
      st->scar_detail = sqrt (MAX (0.0, dsq[0] / c[0] - pow (dsum[0] / c[0], 2)));
      st->ring_detail = sqrt (MAX (0.0, dsq[1] / c[1] - pow (dsum[1] / c[1], 2)));
    }
  st->empty = FALSE;
  hl = st->scar_mean[0] + 1.0 * st->scar_sd[0];
  st->highlight = hl;
  st->ring_density = count_blobs (dot, ring, w, h) /
                     (ring_area / (smp_px_per_mm (operation) * smp_px_per_mm (operation)) / 100.0);
  /* The matched density in steps of 5 /cm² (the count is good to a few
   * per cent anyway): a pixel more or less in the ring must not move every
   * dot of the scar.  */
  st->density = o->density > 0.0 ? o->density
                                  : MAX (5.0, 5.0 * round (st->ring_density / 5.0));

done:
  g_free (px);
  g_free (ya);
  g_free (m);
  g_free (near);
  g_free (L);
  g_free (halo);
  g_free (base);
  g_free (cls);
  g_free (dot);
  g_free (ring);
}

/* Noise of unit variance and about 0.1 mm grain, a pure function of
 * position: the texture a smooth scar gets back.  Value noise: hashed
 * lattice values, bilinear between them (which divides the variance by
 * 9/4, hence the 1.5).  */
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

static gboolean
process (GeglOperation       *operation,
         GeglBuffer          *input,
         GeglBuffer          *aux,
         GeglBuffer          *output,
         const GeglRectangle *result,
         gint                 level)
{
  GeglProperties *o      = GEGL_PROPERTIES (operation);
  const Babl     *rgba   = gegl_operation_get_format (operation, "output");

  Stats           st;
  SmpPattern      pattern;
  SmpRenderer     renderer;
  GeglRectangle   big;
  gint            m, w, h, bw, bh, ox, oy, x, y, fp, i, grain;
  gfloat         *in, *ya, *mask, *weight, *field, *lab_px, *L, *base;
  gfloat         *proper;
  gboolean        ok = TRUE;
  gdouble         gain[3], detail_gain, residual, strength, sheen, texture;

  if (! input)
    return TRUE;
  if (! aux)
    {
      /* No scar mask: the photo as it is (and said in the description).  */
      gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);
      return TRUE;
    }

  smp_cache_get (o->user_data, learn, operation, input, aux, NULL, &st,
                 sizeof st);
  if (st.empty)
    {
      gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);
      return TRUE;
    }

  m  = margin_px (operation);
  fp = feather_px (operation);
  w  = result->width;
  h  = result->height;
  /* The pixels around, but only the photo's own: the means at its edge
   * are then those of its edge, whatever region is asked for.  */
  big = (GeglRectangle) { result->x - m, result->y - m, w + 2 * m, h + 2 * m };
  {
    const GeglRectangle *bbox = gegl_operation_source_get_bounding_box (operation,
                                                                        "input");

    if (bbox && ! gegl_rectangle_is_infinite_plane (bbox))
      gegl_rectangle_intersect (&big, &big, bbox);
  }
  bw = big.width;
  bh = big.height;
  ox = result->x - big.x;
  oy = result->y - big.y;

  in     = g_new (gfloat, (gsize) w * h * 4);
  ya     = g_new (gfloat, (gsize) bw * bh * 2);
  mask   = g_new (gfloat, (gsize) bw * bh);
  weight = g_new (gfloat, (gsize) bw * bh);
  lab_px = g_new (gfloat, (gsize) bw * bh * 4);
  field  = g_new (gfloat, (gsize) w * h * 3);
  L      = g_new (gfloat, (gsize) bw * bh);
  base   = g_new (gfloat, (gsize) bw * bh);
  proper = g_new (gfloat, (gsize) bw * bh);

  gegl_buffer_get (input, result, 1.0, rgba, in, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  gegl_buffer_get (input, &big, 1.0, rgba, lab_px, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (i = 0; i < bw * bh; i++)
    {
      gfloat rgb[3] = { lab_px[4 * i], lab_px[4 * i + 1], lab_px[4 * i + 2] };

      smp_rgb_to_lab (rgb, lab_px + 4 * i);
    }
  gegl_buffer_get (aux, &big, 1.0, babl_format ("Y'A float"), ya,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (i = 0; i < bw * bh; i++)
    {
      mask[i] = smp_mask_value (ya + 2 * i);
      L[i]    = lab_px[4 * i];
      /* The scar proper: masked and of the scar's tone (see learn).  */
      proper[i] = mask[i] >= 0.5f && (L[i] - st.mid_L) * st.sign > 0.0
                  ? 1.0f : 0.0f;
    }
  split_base (L, proper, base, bw, bh, base_px (operation));

  /* The feathered weight: 1 on the scar, down to 0 at feather mm from
   * it, and exactly 0 beyond.  */
  if (fp > 0)
    {
      smp_box_mean (mask, weight, bw, bh, fp);
      for (i = 0; i < bw * bh; i++)
        weight[i] = MIN (1.0f, MAX (mask[i], 2.0f * weight[i]));
    }
  else
    memcpy (weight, mask, sizeof (gfloat) * bw * bh);

  strength = smp_finite (operation, "strength", o->strength);
  sheen    = smp_finite (operation, "sheen", o->sheen);
  texture  = smp_finite (operation, "texture", o->texture);
  for (i = 0; i < 3; i++)
    gain[i] = st.scar_sd[i] > 1e-3 ? CLAMP (st.ring_sd[i] / st.scar_sd[i],
                                            0.25, 4.0) : 1.0;
  /* The scar's own fine variation raised to the ring's, and what it
   * cannot give back of it as noise.  */
  detail_gain = st.scar_detail > 1e-3 ? MIN (4.0, st.ring_detail /
                                                  st.scar_detail) : 0.0;
  residual    = sqrt (MAX (0.0, st.ring_detail * st.ring_detail -
                                pow (detail_gain * st.scar_detail, 2)));
  /* The noise's grain, 0.1 mm (read once: a property read is costly).  */
  grain = MAX (1, (gint) lround (0.1 * smp_px_per_mm (operation)));

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        gint    b   = (y + oy) * bw + x + ox;
        gfloat *out = in + ((gsize) y * w + x) * 4;
        gdouble wt  = weight[b] * strength, l, a, bb, like, detail, lp;
        gfloat  labp[4], rgbp[4];

        if (! (wt > 0.0) || ! isfinite (lab_px[4 * b]))
          continue;
        /* How scar-like the pixel's tone is, 0 (the ring's) to 1 (the
         * scar's): skin inside a generous mask or in the feather, and
         * stubble, are left nearly as they are instead of being pushed
         * past the ring's tone.  */
        l    = base[b];
        like = 1.0;
        if (fabs (st.scar_mean[0] - st.ring_mean[0]) > 1.0)
          {
            /* Scar-like around and in itself: skin in the mask's rim and
             * stubble keep their tone.  */
            gdouble around = (l - st.ring_mean[0]) /
                             (st.scar_mean[0] - st.ring_mean[0]);
            gdouble own    = (L[b] - st.ring_mean[0]) /
                             (st.scar_mean[0] - st.ring_mean[0]);

            like = CLAMP (MIN (around, own), 0.0, 1.0);
          }
        wt *= like;
        if (! (wt > 0.0))
          continue;
        if (proper[b] > 0.5f)
          {
            /* The scar proper.  Its highlights damped (in the base and in
             * the fine detail, where a small shiny spot lies) ...  */
            lp = L[b];
            if (lp > st.highlight)
              lp -= sheen * 0.9 * (lp - st.highlight);
            if (l > st.highlight)
              l -= sheen * 0.9 * (l - st.highlight);
            /* ... the tone moved to the ring's mean and spread (Reinhard's
             * transfer) ...  */
            l  = st.ring_mean[0] + (l - st.scar_mean[0]) * gain[0];
            a  = st.ring_mean[1] + (lab_px[4 * b + 1] - st.scar_mean[1]) *
                                   gain[1];
            bb = st.ring_mean[2] + (lab_px[4 * b + 2] - st.scar_mean[2]) *
                                   gain[2];
            /* ... and the ring's fine texture.  */
            detail = lp - base[b];
            l += (1.0 - texture) * detail +
                 texture * (detail * detail_gain +
                            residual *
                            texture_noise (result->x + x, result->y + y,
                                           grain, (uint32_t) o->seed));
          }
        else
          {
            /* Partly scar-like pixels around it (its edge, the feather):
             * only the mean shift, as far as they are scar-like; the
             * transfer is made for scar colours and would throw other
             * colours far off (reddish rims round small scars).  */
            l  = L[b] + st.ring_mean[0] - st.scar_mean[0];
            a  = lab_px[4 * b + 1] + st.ring_mean[1] - st.scar_mean[1];
            bb = lab_px[4 * b + 2] + st.ring_mean[2] - st.scar_mean[2];
          }
        labp[0] = (gfloat) (lab_px[4 * b] + wt * (l - lab_px[4 * b]));
        labp[1] = (gfloat) (lab_px[4 * b + 1] + wt * (a - lab_px[4 * b + 1]));
        labp[2] = (gfloat) (lab_px[4 * b + 2] + wt * (bb - lab_px[4 * b + 2]));
        labp[3] = out[3];
        smp_lab_to_rgb (labp, rgbp);
        out[0] = rgbp[0];
        out[1] = rgbp[1];
        out[2] = rgbp[2];
      }

  /* Then the dots, on the scar only, at the density found around it.  */
  for (i = 0; i < w * h * 3; i++)
    field[i] = 1.0f;
  dot_setup (operation, st.density, &pattern, &renderer);
  {
    /* The stipple's own window of the mask, which may reach past the
     * photo's edge.  */
    gint    sm   = smp_stipple_margin (&renderer);
    gsize   area = (gsize) (w + 2 * sm) * (h + 2 * sm);
    gfloat *dm   = g_new (gfloat, area);
    gfloat *da   = g_new (gfloat, area * 2);
    gint    done;

    smp_mask_window (aux, result, sm, dm, da);
    g_free (da);
    done = smp_stipple (&pattern, &renderer, result->x, result->y, w, h, dm,
                        field);
    g_free (dm);
    if (! done)
      {
        g_warning ("smp:scar-blend: out of memory for the dot pattern");
        ok = FALSE;
      }
  }
  for (i = 0; i < w * h; i++)
    {
      in[i * 4 + 0] *= field[i * 3 + 0];
      in[i * 4 + 1] *= field[i * 3 + 1];
      in[i * 4 + 2] *= field[i * 3 + 2];
    }
  gegl_buffer_set (output, result, 0, rgba, in, GEGL_AUTO_ROWSTRIDE);

  g_free (in);
  g_free (ya);
  g_free (mask);
  g_free (weight);
  g_free (lab_px);
  g_free (L);
  g_free (base);
  g_free (proper);
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
    "reference-hash",        "6524baf582750b1ab3a6600402e259a0",
    "description",
      _("Scalp micropigmentation over a scar: the aux input is the scar mask "
        "(white = scar). The scar's tone and spread are pulled to those of a "
        "ring of skin around it, its sheen damped, its texture restored, then "
        "it is stippled at the density of the stubble around it, lighter for "
        "the weaker pigment uptake of scar tissue. Nothing farther than the "
        "feather from the mask changes. With no aux input the photo passes "
        "through unchanged."),
    NULL);
}

#endif
