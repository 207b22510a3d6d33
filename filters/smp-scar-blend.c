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
#include "core/smp-hash.h"
#include "core/smp-pattern.h"
#include "core/smp-render.h"
#include "core/smp-stipple.h"

/* Density used by "match" when the ring shows no stubble at all.  */
#define FALLBACK_DENSITY 0.0

/* What the op learns from the whole scar and its ring, once per render.  */
typedef struct
{
  gboolean valid;
  gboolean empty;            /* no scar at all */
  gdouble  scar_mean[3], scar_sd[3];   /* Lab, stubble left out */
  gdouble  ring_mean[3], ring_sd[3];
  gdouble  highlight;                  /* L above which the scar shines */
  gdouble  density;                    /* impressions/cm² used */
  gdouble  ring_density;               /* found in the ring */
} Stats;

typedef struct
{
  GMutex lock;
  Stats  stats;
} Cache;

/* Lengths in pixels.  */
static gint
feather_px (GeglProperties *o)
{
  return (gint) ceil (o->feather * o->px_per_mm);
}

static gint
ring_px (GeglProperties *o)
{
  return MAX (1, (gint) ceil (o->ring_width * o->px_per_mm));
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
  GeglProperties *o = GEGL_PROPERTIES (operation);
  SmpPattern      pattern;
  SmpRenderer     renderer;

  dot_setup (operation, 100.0, &pattern, &renderer);
  return MAX (feather_px (o) + 1, smp_stipple_margin (&renderer));
}

/* The scar, its ring and the feather around it: all the op reads for its
 * statistics.  */
static GeglRectangle
stats_region (GeglOperation *operation)
{
  GeglProperties      *o   = GEGL_PROPERTIES (operation);
  const GeglRectangle *aux = gegl_operation_source_get_bounding_box (operation,
                                                                     "aux");
  const GeglRectangle *in  = gegl_operation_source_get_bounding_box (operation,
                                                                     "input");
  GeglRectangle        r   = { 0, 0, 0, 0 };
  gint                 g   = ring_px (o) + feather_px (o) +
                             (gint) ceil (o->px_per_mm) + 3;

  if (! aux || ! in || gegl_rectangle_is_infinite_plane (aux))
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
  GeglProperties *o     = GEGL_PROPERTIES (operation);
  const Babl     *space = gegl_operation_get_source_space (operation, "input");
  Cache          *cache = o->user_data;

  gegl_operation_set_format (operation, "input",
                             babl_format_with_space ("RGBA float", space));
  gegl_operation_set_format (operation, "aux", babl_format ("Y'A float"));
  gegl_operation_set_format (operation, "output",
                             babl_format_with_space ("RGBA float", space));

  /* A new render: what was learnt from the last one may be stale.  */
  if (! cache)
    {
      cache = g_new0 (Cache, 1);
      g_mutex_init (&cache->lock);
      o->user_data = cache;
    }
  g_mutex_lock (&cache->lock);
  cache->stats.valid = FALSE;
  g_mutex_unlock (&cache->lock);
}

static void
finalize (GObject *object)
{
  GeglProperties *o     = GEGL_PROPERTIES (object);
  Cache          *cache = o->user_data;

  if (cache)
    {
      g_mutex_clear (&cache->lock);
      g_free (cache);
      o->user_data = NULL;
    }
  G_OBJECT_CLASS (gegl_op_parent_class)->finalize (object);
}

static GeglRectangle
get_bounding_box (GeglOperation *operation)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");
  GeglRectangle        none = { 0, 0, 0, 0 };

  return in ? *in : none;
}

static GeglRectangle
get_required_for_output (GeglOperation       *operation,
                         const gchar         *input_pad,
                         const GeglRectangle *roi)
{
  GeglRectangle r = *roi, s;
  gint          m;

  if (gegl_rectangle_is_infinite_plane (&r))
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
  GeglRectangle        r  = get_required_for_output (operation, input_pad, roi);
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");

  if (in)
    gegl_rectangle_bounding_box (&r, &r, in);
  return r;
}

static inline gfloat
mask_value (const gfloat *ya)
{
  gfloat m = ya[0] * ya[1];

  if (! (m > 0.0f))
    return 0.0f;
  return m < 1.0f ? m : 1.0f;
}

/* Box mean of radius r (a (2r+1)² box), separable, running sums in
 * double: the same numbers whatever region holds the pixels, as long as
 * the box is inside it.  Values outside the array count as `edge`.  */
static void
box_mean (const gfloat *src,
          gfloat       *dst,
          gint          w,
          gint          h,
          gint          r,
          gfloat        edge)
{
  gfloat *tmp = g_new (gfloat, (gsize) w * h);
  gint    x, y, k;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        gdouble sum = 0.0;

        for (k = -r; k <= r; k++)
          sum += (x + k >= 0 && x + k < w) ? src[(gsize) y * w + x + k] : edge;
        tmp[(gsize) y * w + x] = (gfloat) (sum / (2 * r + 1));
      }
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        gdouble sum = 0.0;

        for (k = -r; k <= r; k++)
          sum += (y + k >= 0 && y + k < h) ? tmp[(gsize) (y + k) * w + x] : edge;
        dst[(gsize) y * w + x] = (gfloat) (sum / (2 * r + 1));
      }
  g_free (tmp);
}

/* The 8-connected blobs of `on`, counted where their centroid is in
 * `where`.  */
static gsize
count_blobs (const guchar *on,
             const guchar *where,
             gint          w,
             gint          h)
{
  guchar *seen  = g_new0 (guchar, (gsize) w * h);
  gint   *stack = g_new (gint, (gsize) w * h);
  gsize   count = 0;
  gint    i;

  for (i = 0; i < w * h; i++)
    {
      gint    top = 0;
      gdouble sx = 0, sy = 0, sn = 0;
      gint    cx, cy;

      if (seen[i] || ! on[i])
        continue;
      seen[i] = 1;
      stack[top++] = i;
      while (top)
        {
          gint p = stack[--top], px = p % w, py = p / w, dx, dy;

          sx += px;
          sy += py;
          sn += 1;
          for (dy = -1; dy <= 1; dy++)
            for (dx = -1; dx <= 1; dx++)
              {
                gint qx = px + dx, qy = py + dy, q = qy * w + qx;

                if (qx >= 0 && qy >= 0 && qx < w && qy < h && ! seen[q] && on[q])
                  {
                    seen[q] = 1;
                    stack[top++] = q;
                  }
              }
        }
      cx = (gint) lround (sx / sn);
      cy = (gint) lround (sy / sn);
      count += where[cy * w + cx] != 0;
    }
  g_free (seen);
  g_free (stack);
  return count;
}

/* Learns the scar and its ring from the whole stats region.  */
static void
learn (GeglOperation *operation,
       GeglBuffer    *input,
       GeglBuffer    *aux,
       Stats         *st)
{
  GeglProperties *o    = GEGL_PROPERTIES (operation);
  GeglRectangle   r    = stats_region (operation);
  const Babl     *lab  = babl_format ("CIE Lab float");
  gint            w    = r.width, h = r.height, i;
  gsize           n    = (gsize) w * h;
  gfloat         *px   = g_new (gfloat, n * 3);
  gfloat         *ya   = g_new (gfloat, n * 2);
  gfloat         *m    = g_new (gfloat, n);
  gfloat         *near = g_new (gfloat, n);
  gfloat         *L    = g_new (gfloat, n);
  gfloat         *wide = g_new (gfloat, n);
  guchar         *dot  = g_new0 (guchar, n);
  guchar         *ring = g_new0 (guchar, n);
  gdouble         s[2][3] = { { 0 } }, q[2][3] = { { 0 } }, c[2] = { 0 };
  gdouble         hl = 0;
  gint            k;

  memset (st, 0, sizeof (*st));
  st->valid = TRUE;
  st->empty = TRUE;
  if (w <= 0 || h <= 0)
    goto done;

  gegl_buffer_get (input, &r, 1.0, lab, px, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_CLAMP);
  gegl_buffer_get (aux, &r, 1.0, babl_format ("Y'A float"), ya,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (i = 0; i < (gint) n; i++)
    {
      m[i] = mask_value (ya + 2 * i) >= 0.5f ? 1.0f : 0.0f;
      L[i] = isfinite (px[3 * i]) ? px[3 * i] : 0.0f;
    }
  /* The ring: within ring-width of the scar, outside it.  */
  box_mean (m, near, w, h, ring_px (o), 0.0f);
  /* The local background for finding stubble: about 1 mm.  */
  box_mean (L, wide, w, h, MAX (2, (gint) lround (o->px_per_mm)), 0.0f);

  for (i = 0; i < (gint) n; i++)
    {
      gint set = m[i] > 0.5f ? 0 : near[i] > 0.0f ? 1 : -1;

      if (set < 0 || ! isfinite (px[3 * i + 1]) || ! isfinite (px[3 * i + 2]))
        continue;
      /* Stubble: clearly darker than the skin a millimetre around.  */
      dot[i] = L[i] < wide[i] - 6.0f;
      if (set == 1)
        ring[i] = 1;
      /* The skin's tone and texture are those between the stubble: the
       * scar gets its own dots afterwards.  */
      if (dot[i])
        continue;
      c[set] += 1;
      for (k = 0; k < 3; k++)
        {
          gdouble v = k ? px[3 * i + k] : L[i];

          s[set][k] += v;
          q[set][k] += v * v;
        }
    }
  if (c[0] < 1 || c[1] < 1)
    goto done;
  st->empty = FALSE;
  for (k = 0; k < 3; k++)
    {
      st->scar_mean[k] = s[0][k] / c[0];
      st->ring_mean[k] = s[1][k] / c[1];
      st->scar_sd[k]   = sqrt (MAX (0.0, q[0][k] / c[0] - st->scar_mean[k] *
                                                           st->scar_mean[k]));
      st->ring_sd[k]   = sqrt (MAX (0.0, q[1][k] / c[1] - st->ring_mean[k] *
                                                           st->ring_mean[k]));
    }
  hl = st->scar_mean[0] + 1.0 * st->scar_sd[0];
  st->highlight = hl;
  st->ring_density = count_blobs (dot, ring, w, h) /
                     (c[1] / (o->px_per_mm * o->px_per_mm) / 100.0);
  st->density = o->density > 0.0 ? o->density
                                  : (st->ring_density > 0 ? st->ring_density
                                                          : FALLBACK_DENSITY);

done:
  g_free (px);
  g_free (ya);
  g_free (m);
  g_free (near);
  g_free (L);
  g_free (wide);
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
  Cache          *cache  = o->user_data;
  const Babl     *rgba   = gegl_operation_get_format (operation, "output");
  const Babl     *lab    = babl_format ("CIE Lab alpha float");
  const Babl     *to_rgb;
  Stats           st;
  SmpPattern      pattern;
  SmpRenderer     renderer;
  GeglRectangle   big;
  gint            m, w, h, bw, bh, x, y, fp, i;
  gfloat         *in, *ya, *mask, *weight, *field, *lab_px;
  gdouble         gain[3], residual, strength, sheen, texture;

  if (! input)
    return TRUE;
  if (! aux)
    {
      /* No scar mask: the photo as it is (and said in the description).  */
      gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);
      return TRUE;
    }

  g_mutex_lock (&cache->lock);
  if (! cache->stats.valid)
    learn (operation, input, aux, &cache->stats);
  st = cache->stats;
  g_mutex_unlock (&cache->lock);
  if (st.empty)
    {
      gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);
      return TRUE;
    }

  m  = margin_px (operation);
  fp = feather_px (o);
  w  = result->width;
  h  = result->height;
  big = (GeglRectangle) { result->x - m, result->y - m, w + 2 * m, h + 2 * m };
  bw = big.width;
  bh = big.height;

  in     = g_new (gfloat, (gsize) w * h * 4);
  ya     = g_new (gfloat, (gsize) bw * bh * 2);
  mask   = g_new (gfloat, (gsize) bw * bh);
  weight = g_new (gfloat, (gsize) bw * bh);
  lab_px = g_new (gfloat, (gsize) bw * bh * 4);
  field  = g_new (gfloat, (gsize) w * h * 3);

  gegl_buffer_get (input, result, 1.0, rgba, in, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  gegl_buffer_get (input, &big, 1.0, lab, lab_px, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_CLAMP);
  gegl_buffer_get (aux, &big, 1.0, babl_format ("Y'A float"), ya,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (i = 0; i < bw * bh; i++)
    mask[i] = mask_value (ya + 2 * i);

  /* The feathered weight: 1 on the scar, down to 0 at feather mm from
   * it, and exactly 0 beyond.  */
  if (fp > 0)
    {
      box_mean (mask, weight, bw, bh, fp, 0.0f);
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
  /* What the scar's own variation, raised, cannot give back of the ring's
   * texture comes as noise.  */
  residual = sqrt (MAX (0.0, st.ring_sd[0] * st.ring_sd[0] -
                             pow (gain[0] * st.scar_sd[0], 2)));

  to_rgb = babl_fish (lab, rgba);
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        gint    b   = (y + m) * bw + x + m;
        gfloat *out = in + ((gsize) y * w + x) * 4;
        gdouble wt  = weight[b] * strength, l, a, bb, like;
        gfloat  labp[4], rgbp[4];

        if (! (wt > 0.0) || ! isfinite (lab_px[4 * b]))
          continue;
        /* How scar-like the pixel's tone is, 0 (the ring's) to 1 (the
         * scar's): skin inside a generous mask or in the feather, and
         * stubble, are left nearly as they are instead of being pushed
         * past the ring's tone.  */
        l    = lab_px[4 * b];
        like = fabs (st.scar_mean[0] - st.ring_mean[0]) > 1.0
               ? CLAMP ((l - st.ring_mean[0]) /
                        (st.scar_mean[0] - st.ring_mean[0]), 0.0, 1.0)
               : 1.0;
        wt *= like;
        if (! (wt > 0.0))
          continue;
        /* The highlights damped ...  */
        if (l > st.highlight)
          l -= sheen * 0.9 * (l - st.highlight);
        /* ... the tone moved to the ring's mean and spread (Reinhard's
         * transfer), which raises the scar's own fine variation ...  */
        l  = st.ring_mean[0] + (l - st.scar_mean[0]) * gain[0];
        a  = st.ring_mean[1] + (lab_px[4 * b + 1] - st.scar_mean[1]) * gain[1];
        bb = st.ring_mean[2] + (lab_px[4 * b + 2] - st.scar_mean[2]) * gain[2];
        /* ... and what it lacks of the ring's texture added as noise.  */
        l += texture * residual *
             texture_noise (result->x + x, result->y + y,
                            MAX (1, (gint) lround (0.1 * o->px_per_mm)),
                            (uint32_t) o->seed);
        labp[0] = (gfloat) (lab_px[4 * b] + wt * (l - lab_px[4 * b]));
        labp[1] = (gfloat) (lab_px[4 * b + 1] + wt * (a - lab_px[4 * b + 1]));
        labp[2] = (gfloat) (lab_px[4 * b + 2] + wt * (bb - lab_px[4 * b + 2]));
        labp[3] = out[3];
        babl_process (to_rgb, labp, rgbp, 1);
        out[0] = rgbp[0];
        out[1] = rgbp[1];
        out[2] = rgbp[2];
      }

  /* Then the dots, on the scar only, at the density found around it.  */
  for (i = 0; i < w * h * 3; i++)
    field[i] = 1.0f;
  dot_setup (operation, st.density, &pattern, &renderer);
  {
    gint    sm   = smp_stipple_margin (&renderer);
    gint    sw   = w + 2 * sm;
    gfloat *dm   = g_new (gfloat, (gsize) sw * (h + 2 * sm));
    gint    j;

    /* The stipple's mask window, inside ours (m >= sm).  */
    for (j = 0; j < h + 2 * sm; j++)
      memcpy (dm + (gsize) j * sw, mask + (gsize) (j + m - sm) * bw + (m - sm),
              sizeof (gfloat) * sw);
    smp_stipple (&pattern, &renderer, result->x, result->y, w, h, dm, field);
    g_free (dm);
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
  g_free (field);
  return TRUE;
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
  "  <node operation='smp:follicles' px-per-mm='12' seed='9'/>"
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
  operation_class->get_bounding_box          = get_bounding_box;
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
    "reference-hash",        "unset",
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
