/* smp:density-soften: the appearance of density under longer thinning hair.
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
 * Where hair is kept long, SMP goes only into the scalp that shows between
 * the hairs: it does not imitate stubble, it takes away the pale gaps.  The
 * op learns the colours of hair and skin once from the whole region
 * (k-means in CIE L*a*b*), or takes those the user gives; each pixel is
 * then read as a mixture of the two in linear light, plus the white of a
 * highlight, and only its skin part takes the pigment: fine dense dots
 * (filters/core, as smp:follicles) and the even shade that layered sessions
 * leave, in a pigment matched to the hair.  Hair covers what lies under
 * it, so the hair is left as it is.
 */

#include "config.h"
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

enum_start (smp_density_soften_output)
  enum_value (SMP_DENSITY_SOFTEN_OUTPUT_COMPOSITE, "composite",
              N_("Composite"))
  enum_value (SMP_DENSITY_SOFTEN_OUTPUT_PIGMENT,   "pigment",
              N_("Pigment only"))
  enum_value (SMP_DENSITY_SOFTEN_OUTPUT_SKIN,      "skin",
              N_("Skin likelihood"))
enum_end (SmpDensitySoftenOutput)

property_double (px_per_mm, _("Scale (px/mm)"), 10.0)
    description (_("Pixels per millimetre of scalp in the photo: about 3-4 "
                   "for a whole head 640 px wide, 15-30 for a close "
                   "consultation photo"))
    value_range (0.5, 200.0)
    ui_range    (1.0, 60.0)

property_double (strength, _("Strength"), 1.0)
    description (_("How far the treatment is built up: 0 leaves the photo, "
                   "1 is a finished density treatment"))
    value_range (0.0, 1.0)

property_color  (hair_color, _("Hair colour"), "transparent")
    description (_("Colour of the client's hair; transparent (the default) = "
                   "estimated from the region"))

property_color  (skin_color, _("Skin colour"), "transparent")
    description (_("Colour of the scalp skin; transparent (the default) = "
                   "estimated from the region"))

property_double (density, _("Density (impressions/cm²)"), 200.0)
    description (_("Pigment impressions per square centimetre where skin "
                   "shows and the mask is white; density work goes denser "
                   "and finer than the shaved look"))
    value_range (0.0, 400.0)
    ui_range    (20.0, 300.0)

/* Finer dots, round (no stubble to imitate), all in the hair's colour.  */
#define SMP_DEFAULT_DOT_DIAMETER    0.10
#define SMP_DEFAULT_ELONGATION      1.0
#define SMP_DEFAULT_SHADE_VARIATION 0.0
/* Here the shade is the op's own: 1 = skin as dark as the hair.  */
#define SMP_DEFAULT_TONE            0.35
#define SMP_DEFAULT_PIGMENT      "transparent"
#define SMP_PIGMENT_NOTE         "; transparent (the default) = matched to " \
                                 "the hair on this skin"
#include "smp-dot-properties.inc"

property_enum   (output, _("Output"),
                 SmpDensitySoftenOutput, smp_density_soften_output,
                 SMP_DENSITY_SOFTEN_OUTPUT_COMPOSITE)
    description (_("The softened photo; the pigment alone as per-channel "
                   "transmittance (photo x pigment = composite: use it as a "
                   "Multiply layer); or the skin likelihood the op found "
                   "(white = skin), to check it"))

#else

#define GEGL_OP_COMPOSER
#define GEGL_OP_NAME     smp_density_soften
#define GEGL_OP_C_SOURCE smp-density-soften.c

#include "gegl-op.h"
#include <math.h>

#include "smp-common.h"
#include "core/smp-color.h"
#include "core/smp-pattern.h"
#include "core/smp-render.h"
#include "core/smp-stipple.h"


/* Pixels of the region the colours are learnt from, at most.  */
#define MAX_SAMPLES  65536


enum { HAIR, SKIN };

/* What the op learns from the whole region, once per render.  */
typedef struct
{
  gboolean none;              /* nothing to learn from and nothing given */
  gdouble  hair_lab[3], skin_lab[3];
  gdouble  hair[3], skin[3];  /* the cluster means, linear RGB */
  gdouble  axis[3];           /* skin - hair */
  gdouble  axis2;             /* its squared length */
  gboolean white;             /* highlights can be told from skin */
  gdouble  log_t[3];          /* pigment transmittance, linear RGB, log */
  gboolean matched;           /* the pigment is the one matched to hair */
} Stats;

static gboolean
color_given (GeglColor *color)
{
  gdouble rgba[4];

  gegl_color_get_pixel (color, babl_format ("RGBA double"), rgba);
  return rgba[3] > 0.0;
}

static void
color_lab (GeglOperation *operation,
           GeglColor     *color,
           gdouble       *lab)
{
  gdouble rgb[3];
  gfloat  c[3], l[3];

  smp_color_rgb (color, smp_source_space (operation), rgb);
  c[0] = rgb[0];
  c[1] = rgb[1];
  c[2] = rgb[2];
  smp_rgb_to_lab (c, l);
  lab[0] = l[0];
  lab[1] = l[1];
  lab[2] = l[2];
}

static void
dot_setup (GeglOperation *operation,
           const Stats   *st,
           SmpPattern    *pattern,
           SmpRenderer   *renderer)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  SmpDotStyle     style;
  gint            c;

  SMP_DOT_STYLE (operation, o, &style);
  if (st && st->matched)
    for (c = 0; c < 3; c++)
      style.colour[c] = exp (st->log_t[c]);
  /* A treatment built up less far: lighter dots, as after fewer passes.  */
  style.darkness *= smp_finite (operation, "strength", o->strength);
  /* The layered shade is laid by the op itself, on the skin part of each
   * pixel only (soften_strip).  */
  style.tone = 0.0;
  smp_pattern_init (pattern, smp_finite (operation, "density", o->density),
                    style.clustering, (uint32_t) o->seed);
  smp_renderer_init (renderer, &style);
}

static gint
margin_px (GeglOperation *operation)
{
  SmpPattern  pattern;
  SmpRenderer renderer;

  dot_setup (operation, NULL, &pattern, &renderer);
  return smp_stipple_margin (&renderer);
}

/* The pixels the colours are learnt from: the mask's extent on the photo,
 * or the whole photo without a mask; none for an unbounded photo.  */
static GeglRectangle
stats_region (GeglOperation *operation)
{
  const GeglRectangle *aux = gegl_operation_source_get_bounding_box (operation,
                                                                     "aux");
  const GeglRectangle *in  = gegl_operation_source_get_bounding_box (operation,
                                                                     "input");
  GeglRectangle        r   = { 0, 0, 0, 0 };

  if (! in || gegl_rectangle_is_infinite_plane (in) ||
      in->width > (1 << 24) || in->height > (1 << 24))
    return r;
  r = *in;
  if (aux && gegl_operation_get_source_node (operation, "aux") &&
      aux->width <= (1 << 24) && aux->height <= (1 << 24))
    gegl_rectangle_intersect (&r, &r, aux);
  return r;
}

static void
prepare (GeglOperation *operation)
{
  GeglProperties *o     = GEGL_PROPERTIES (operation);
  const Babl     *space = smp_source_space (operation);

  /* As smp:follicles: an 8 or 16-bit photo stays so.  */
  gegl_operation_set_format (operation, "input",
                             babl_format_with_space ("RGBA float", space));
  gegl_operation_set_format (operation, "aux", babl_format ("Y'A float"));
  gegl_operation_set_format (operation, "output",
    smp_output_format (operation,
                       o->output == SMP_DENSITY_SOFTEN_OUTPUT_COMPOSITE));
  smp_cache_invalidate (&o->user_data, sizeof (Stats));
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

  if (gegl_rectangle_is_infinite_plane (&r) ||
      r.width > (1 << 28) || r.height > (1 << 28))
    return r;
  if (! strcmp (input_pad, "aux"))
    r = smp_rect_grow (r, margin_px (operation));
  /* The colours are learnt from the whole region.  */
  s = stats_region (operation);
  gegl_rectangle_bounding_box (&r, &r, &s);
  return r;
}

static GeglRectangle
get_invalidated_by_change (GeglOperation       *operation,
                           const gchar         *input_pad,
                           const GeglRectangle *roi)
{
  /* Every pixel depends on the colours learnt from all of the region.  */
  return smp_invalidate_all (operation,
                             get_required_for_output (operation, input_pad,
                                                      roi));
}


/* How much of a pixel is skin showing, 0..1.  A pixel is a mixture of
 * hair and skin in linear light (strands are often thinner than a pixel),
 * plus the white of a highlight (light the surface reflects before any
 * pigment can take it): x = hair + a (skin - hair) + w (1, 1, 1), fitted by
 * least squares, w >= 0.  The share of skin is a, 0..1; a colour that such
 * a mixture does not explain (clothes, a tinted background) is left alone.
 * *alpha is the share of hair, *white the highlight.  */
static inline gfloat
skin_share (const Stats  *st,
            const gfloat *rgb,
            gfloat       *alpha,
            gfloat       *white)
{
  const gdouble *d  = st->axis;
  gdouble        y[3], dy = 0.0, uy = 0.0, du = 0.0, det, a, w = 0.0;
  gdouble        r = 0.0, conf;
  gint           c;

  for (c = 0; c < 3; c++)
    {
      y[c] = rgb[c] - st->hair[c];
      dy  += d[c] * y[c];
      uy  += y[c];
      du  += d[c];
    }
  det = 3.0 * st->axis2 - du * du;
  a   = dy / st->axis2;
  if (st->white)
    {
      w = (st->axis2 * uy - du * dy) / det;
      if (w > 0.0)
        a = (3.0 * dy - du * uy) / det;
      else
        w = 0.0;
    }
  for (c = 0; c < 3; c++)
    {
      gdouble e = y[c] - a * d[c] - w;

      r += e * e;
    }
  /* Lighter than the skin: skin in more light (a highlight, the crown
   * facing the lamp), which keeps the skin's hue rather than going on
   * along the hair-skin line.  */
  if (a > 1.0)
    {
      gdouble xs = 0.0, ss = 0.0, rs = 0.0;

      for (c = 0; c < 3; c++)
        {
          xs += (rgb[c] - w) * st->skin[c];
          ss += st->skin[c] * st->skin[c];
        }
      for (c = 0; c < 3; c++)
        {
          gdouble e = rgb[c] - w - xs / ss * st->skin[c];

          rs += e * e;
        }
      r = MIN (r, rs);
    }
  /* Unexplained by more than a tenth of the hair-skin distance: less sure,
   * by 0.35 not at all.  */
  conf   = CLAMP ((0.35 - sqrt (r / st->axis2)) / 0.25, 0.0, 1.0);
  /* A pixel at the camera's white is the surface's shine, which no
   * pigment under it dims: fade out over the last 10 % of linear light,
   * so a clipped highlight keeps its white, with a soft edge.  */
  {
    gfloat top = MAX (rgb[0], MAX (rgb[1], rgb[2]));

    if (top > 0.9f)
      conf *= CLAMP ((1.0f - top) / 0.1f, 0.0f, 1.0f);
  }
  a      = CLAMP (a, 0.0, 1.0);
  *alpha = (gfloat) (1.0 - a);
  *white = (gfloat) w;
  if (! isfinite (conf) || ! isfinite (a) || ! isfinite (w))
    {
      *alpha = 1.0f;
      *white = 0.0f;
      return 0.0f;
    }
  return (gfloat) (conf * a);
}

/* Sample indices by lightness, then by index (a total order).  */
static gint
compare_lightness (gconstpointer a,
                   gconstpointer b,
                   gpointer      data)
{
  const gfloat *lab = data;
  gint          i = *(const gint *) a, j = *(const gint *) b;
  gfloat        x = lab[3 * i], y = lab[3 * j];

  if (x != y)
    return (x > y) - (x < y);
  return (i > j) - (i < j);
}

/* Samples of the region on a fixed grid (so the same whatever is
 * rendered), masked and finite, as L*a*b*.  */
static gfloat *
sample_region (GeglOperation *operation,
               GeglBuffer    *input,
               GeglBuffer    *aux,
               gint          *count)
{
  GeglRectangle r      = stats_region (operation);
  const Babl   *rgba   = gegl_operation_get_format (operation, "input");
  gdouble       area   = (gdouble) r.width * r.height;
  gint          stride = MAX (1, (gint) ceil (sqrt (area / MAX_SAMPLES)));
  gint          nx     = (r.width + stride - 1) / stride;
  gint          ny     = (r.height + stride - 1) / stride;
  gfloat       *lab, *row, *ya;
  gint          n = 0, i, j;

  *count = 0;
  if (r.width <= 0 || r.height <= 0)
    return NULL;
  lab = g_new (gfloat, (gsize) nx * ny * 3);
  row = g_new (gfloat, (gsize) r.width * 4);
  ya  = g_new (gfloat, (gsize) r.width * 2);
  for (j = 0; j < ny; j++)
    {
      GeglRectangle line = { r.x, r.y + j * stride, r.width, 1 };

      gegl_buffer_get (input, &line, 1.0, rgba, row, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_NONE);
      if (aux)
        gegl_buffer_get (aux, &line, 1.0, babl_format ("Y'A float"), ya,
                         GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      for (i = 0; i < nx; i++)
        {
          const gfloat *p = row + 4 * (i * stride);

          if (aux && smp_mask_value (ya + 2 * (i * stride)) < 0.5f)
            continue;
          if (! (p[3] > 0.0f) || ! isfinite (p[0]) || ! isfinite (p[1]) ||
              ! isfinite (p[2]))
            continue;
          smp_rgb_to_lab (p, lab + 3 * n);
          if (isfinite (lab[3 * n]) && isfinite (lab[3 * n + 1]) &&
              isfinite (lab[3 * n + 2]))
            n++;
        }
    }
  g_free (row);
  g_free (ya);
  *count = n;
  return lab;
}

/* Clusters of the region's colours: skin, hair, and a third for what is
 * neither, for the second colour of salt-and-pepper hair, or for skin in
 * shade.  */
#define K 3

static gdouble
lab_distance2 (const gfloat  *lab,
               const gdouble *mean)
{
  gdouble d = 0.0;
  gint    c;

  for (c = 0; c < 3; c++)
    d += (lab[c] - mean[c]) * (lab[c] - mean[c]);
  return d;
}

/* Learns hair and skin from the region: K-means in L*a*b*, from a split
 * into thirds of lightness; a colour the user gave holds a cluster's mean
 * (hair the darkest third, skin the lightest).  Which cluster is skin: the
 * redder (blood under the skin) and lighter, a* + L* / 4, which holds for
 * dark, grey, blond and black hair on every skin tone (red hair needs its
 * colour given); hair is the cluster farthest from it.  */
static void
learn (GeglOperation *operation,
       GeglBuffer    *input,
       GeglBuffer    *aux,
       GeglBuffer    *aux2,
       gpointer       data)
{
  Stats          *st      = data;
  GeglProperties *o       = GEGL_PROPERTIES (operation);
  gboolean        give[2] = { color_given (o->hair_color),
                              color_given (o->skin_color) };
  gboolean        fixed[K] = { give[HAIR], FALSE, give[SKIN] };
  gdouble         given[2][3], mean[K][3], weight[K];
  gfloat         *lab;
  gint            n, i, k, c, it, hair_k = 0, skin_k = K - 1;

  memset (st, 0, sizeof *st);
  if (give[HAIR])
    color_lab (operation, o->hair_color, given[HAIR]);
  if (give[SKIN])
    color_lab (operation, o->skin_color, given[SKIN]);

  lab = input ? sample_region (operation, input, aux, &n) : NULL;
  if (! lab)
    n = 0;

  if (n < 16 * K)
    {
      /* Nothing to learn from: only colours given work.  The photo is
       * left as it is, silently: the plug-in and smp-preview see that
       * nothing changed and say why.  */
      g_free (lab);
      if (! give[HAIR] || ! give[SKIN])
        {
          st->none = TRUE;
          return;
        }
      for (c = 0; c < 3; c++)
        {
          st->hair_lab[c] = given[HAIR][c];
          st->skin_lab[c] = given[SKIN][c];
        }
    }
  else
    {
      gint    *order = g_new (gint, n);
      guint8  *label = g_new (guint8, n);

      /* Start from the colours at 1/6, 1/2 and 5/6 of the way up in
       * lightness (distinct or not: a cluster left empty keeps its
       * start and holds no pixels).  */
      for (i = 0; i < n; i++)
        order[i] = i;
      g_qsort_with_data (order, n, sizeof (gint), compare_lightness, lab);
      for (k = 0; k < K; k++)
        for (c = 0; c < 3; c++)
          mean[k][c] = fixed[k] ? given[k == 0 ? HAIR : SKIN][c]
                     : lab[3 * order[(2 * k + 1) * n / (2 * K)] + c];
      g_free (order);
      for (i = 0; i < n; i++)
        label[i] = K;

      for (it = 0; it < 50; it++)
        {
          gdouble sum[K][3] = { { 0 } };
          gint    moved = 0;

          /* Each colour to its nearest mean (the first of equals).  */
          for (i = 0; i < n; i++)
            {
              gdouble best = G_MAXDOUBLE;
              gint    bk   = 0;

              for (k = 0; k < K; k++)
                if (lab_distance2 (lab + 3 * i, mean[k]) < best)
                  {
                    best = lab_distance2 (lab + 3 * i, mean[k]);
                    bk   = k;
                  }
              moved += bk != label[i];
              label[i] = bk;
            }
          if (! moved)
            break;
          for (k = 0; k < K; k++)
            weight[k] = 0.0;
          for (i = 0; i < n; i++)
            {
              weight[label[i]] += 1.0;
              for (c = 0; c < 3; c++)
                sum[label[i]][c] += lab[3 * i + c];
            }
          for (k = 0; k < K; k++)
            for (c = 0; c < 3; c++)
              if (! fixed[k] && weight[k] > 0.0)
                mean[k][c] = sum[k][c] / weight[k];
        }
      for (k = 0; k < K; k++)
        weight[k] = 0.0;
      for (i = 0; i < n; i++)
        weight[label[i]] += 1.0 / n;
      g_free (label);
      g_free (lab);

      /* Name the clusters, among those that hold a few pixels and are of
       * a colour skin or hair can have: nothing blue or green (clothes,
       * backgrounds in a region drawn wide).  */
      for (k = 0; k < K; k++)
        if (mean[k][1] < -8.0 || mean[k][2] < -8.0)
          weight[k] = 0.0;
      if (! give[SKIN])
        {
          gdouble best = -G_MAXDOUBLE;

          skin_k = -1;
          for (k = 0; k < K; k++)
            if (! (give[HAIR] && k == 0) && weight[k] > 0.02 &&
                mean[k][1] + mean[k][0] / 4.0 > best)
              {
                best   = mean[k][1] + mean[k][0] / 4.0;
                skin_k = k;
              }
        }
      if (! give[HAIR] && skin_k >= 0)
        {
          gdouble far = -1.0;

          hair_k = -1;
          for (k = 0; k < K; k++)
            {
              gfloat m[3] = { mean[k][0], mean[k][1], mean[k][2] };

              if (k != skin_k && weight[k] > 0.02 &&
                  lab_distance2 (m, mean[skin_k]) > far)
                {
                  far    = lab_distance2 (m, mean[skin_k]);
                  hair_k = k;
                }
            }
        }
      if (skin_k < 0 || hair_k < 0)
        {
          /* No two colours that could be hair and skin: left as it is,
           * silently, as above.  */
          st->none = TRUE;
          return;
        }
      for (c = 0; c < 3; c++)
        {
          st->hair_lab[c] = mean[hair_k][c];
          st->skin_lab[c] = mean[skin_k][c];
        }
    }

  /* The pigment matched to the hair: what turns this skin into this hair
   * (Beer-Lambert, so a ratio of linear colours), never lightening.  */
  st->matched = ! color_given (o->pigment);
  {
    gfloat  h[3] = { st->hair_lab[0], st->hair_lab[1], st->hair_lab[2] };
    gfloat  s[3] = { st->skin_lab[0], st->skin_lab[1], st->skin_lab[2] };
    gfloat  hr[3], sr[3];
    gdouble rgb[3];

    smp_lab_to_rgb (h, hr);
    smp_lab_to_rgb (s, sr);
    st->axis2 = 0.0;
    for (c = 0; c < 3; c++)
      {
        st->hair[c]  = hr[c];
        st->skin[c]  = sr[c];
        st->axis[c]  = sr[c] - hr[c];
        st->axis2   += st->axis[c] * st->axis[c];
      }
    /* Hair and skin of one colour: nothing tells them apart.  */
    if (! (st->axis2 > 1e-6))
      st->none = TRUE;
    /* Where hair and skin differ mostly in lightness, not in hue (grey
     * hair on pale skin), a highlight looks like more skin: the white term
     * is only fitted when the hair-skin line is 18 degrees or more off
     * grey.  */
    {
      gdouble du = st->axis[0] + st->axis[1] + st->axis[2];

      st->white = ! st->none &&
                  1.0 - du * du / (3.0 * st->axis2) >= 0.1;
    }
    if (! st->matched)
      smp_color_rgb (o->pigment, smp_source_space (operation), rgb);
    for (c = 0; c < 3; c++)
      {
        gdouble t = st->matched ? MAX (hr[c], 1e-4) / MAX (sr[c], 1e-4)
                                : rgb[c];

        st->log_t[c] = log (CLAMP (t, 1e-4, 1.0));
      }
  }
}

typedef struct
{
  GeglOperation *operation;
  GeglBuffer    *input, *output;
  Stats          st;
  SmpPattern     pattern;
  SmpRenderer    renderer;
} Job;

/* One strip: the skin share of every pixel, and the dots times the
 * layered shade over it.  */
static gboolean
soften_strip (const GeglRectangle *strip,
              gfloat              *pix,
              const gfloat        *field,
              const gfloat        *mask,
              gint                 margin,
              gpointer             data)
{
  Job            *job       = data;
  GeglOperation  *operation = job->operation;
  const Stats    *st        = &job->st;
  GeglProperties *o         = GEGL_PROPERTIES (operation);
  const Babl     *rgba      = gegl_operation_get_format (operation, "input");
  const gdouble   shade     = smp_finite (operation, "tone", o->tone) *
                              smp_finite (operation, "strength", o->strength);
  const gint      mw        = strip->width + 2 * margin;
  gsize           np        = (gsize) strip->width * strip->height, i;
  gfloat          full[3];
  gint            c;

  /* The shade where the mask is white (or absent), once.  */
  for (c = 0; c < 3; c++)
    full[c] = (gfloat) exp (shade * st->log_t[c]);

  gegl_buffer_get (job->input, strip, 1.0, rgba, pix, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (i = 0; i < np; i++)
    {
      gfloat *p = pix + 4 * i;
      gfloat  skin, hair = 0.0f, white = 0.0f, m, t[3];

      m = mask ? mask[(i / strip->width + margin) * mw + i % strip->width +
                      margin] : 1.0f;
      skin = m > 0.0f && ! st->none ? skin_share (st, p, &hair, &white)
                                     : 0.0f;

      /* The pigment: dots times the layered shade (by the mask).  */
      for (c = 0; c < 3; c++)
        {
          t[c] = field[i * 3 + c];
          if (m > 0.0f && shade > 0.0)
            t[c] *= m == 1.0f ? full[c]
                              : (gfloat) exp (m * shade * st->log_t[c]);
        }

      switch (o->output)
        {
        case SMP_DENSITY_SOFTEN_OUTPUT_PIGMENT:
          /* What a Multiply layer needs to give the composite.  */
          for (c = 0; c < 3; c++)
            {
              gfloat part = MAX (0.0f, p[c] - white - hair * st->hair[c]);

              p[c] = p[c] > 0.0f ? 1.0f - skin * part * (1.0f - t[c]) / p[c]
                                 : 1.0f;
            }
          p[3] = 1.0f;
          break;
        case SMP_DENSITY_SOFTEN_OUTPUT_SKIN:
          p[0] = p[1] = p[2] = skin;
          p[3] = 1.0f;
          break;
        default:
          /* Hair covers what lies under it, and a highlight is above it:
           * only the skin part of the pixel takes the pigment, and that
           * part again weighted by the skin share, so that a pixel mostly
           * of hair stays mostly as it was: the preview must never seem to
           * dye the hair.  */
          for (c = 0; skin > 0.0f && c < 3; c++)
            {
              gfloat part = MAX (0.0f, p[c] - white - hair * st->hair[c]);

              p[c] -= skin * part * (1.0f - t[c]);
            }
          break;
        }
    }
  gegl_buffer_set (job->output, strip, 0, rgba, pix, GEGL_AUTO_ROWSTRIDE);
  return TRUE;
}

static gboolean
process (GeglOperation       *operation,
         GeglBuffer          *input,
         GeglBuffer          *aux,
         GeglBuffer          *output,
         const GeglRectangle *result,
         gint                 level)
{
  GeglProperties *o   = GEGL_PROPERTIES (operation);
  Job             job = { operation, input, output };
  SmpPass         pass;

  if (! input)
    return TRUE;

  smp_cache_get (o->user_data, learn, operation, input, aux, NULL, &job.st,
                 sizeof job.st);

  /* Nothing to do: the photo as it is, bit for bit.  A mask connected but
   * without pixels here is an empty mask.  */
  if (o->output == SMP_DENSITY_SOFTEN_OUTPUT_COMPOSITE &&
      (job.st.none ||
       ! (smp_finite (operation, "strength", o->strength) > 0.0) ||
       (! aux && gegl_operation_get_source_node (operation, "aux"))))
    {
      gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);
      return TRUE;
    }
  if (job.st.none)
    {
      /* Pigment or likelihood of nothing: none, and no skin.  */
      memset (&job.st, 0, sizeof job.st);
      job.st.none  = TRUE;
      job.st.axis2 = 1.0;
    }

  dot_setup (operation, &job.st, &job.pattern, &job.renderer);
  if (! aux && gegl_operation_get_source_node (operation, "aux"))
    job.pattern.cell = 0.0;
  /* Where the region is 0 the pixel is left as it is.  */
  return smp_stipple_regions (result, &job.pattern, &job.renderer, aux, NULL,
                              soften_strip,
                              smp_pass_init (&pass, operation, input, output,
                                             o->output ==
                                             SMP_DENSITY_SOFTEN_OUTPUT_COMPOSITE),
                              &job);
}

/* Run and hashed by GEGL's gegl-tester and by the tests: dark stripes of
 * hair over a skin tone.  */
static const gchar *reference_composition =
  "<?xml version='1.0' encoding='UTF-8'?>"
  "<gegl>"
  "  <node operation='smp:density-soften' px-per-mm='12' seed='3'/>"
  "  <node operation='gegl:crop' width='200' height='200'/>"
  "  <node operation='gegl:checkerboard' x='7' y='200'"
  "        color1='rgb(0.03,0.02,0.015)' color2='rgb(0.6,0.42,0.33)'/>"
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
    "name",               "smp:density-soften",
    "title",              _("SMP Density Soften"),
    "categories",         "render:smp",
    "position-dependent", "true",
    "gimp:menu-path",     "<Image>/Filters/SMP",
    "gimp:menu-label",    _("Density Soften..."),
    "reference-composition", reference_composition,
    "reference-hash",     "0f1fa6decdd89c9964adeef9ee316f22",
    "description",
      _("Scalp micropigmentation preview for thinning hair kept long: fine, "
        "dense pigment where scalp shows between the hairs, in a pigment "
        "matched to the hair, so that the pale gaps close and the hair "
        "looks denser; the hair itself is left untouched. Skin and hair are "
        "told apart by colour, learnt from the region (or given). The "
        "optional aux input is the region (white = treat, black = "
        "untouched)."),
    NULL);
}

#endif
