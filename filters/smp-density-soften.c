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
 * op learns the region's hair and skin (k-means in CIE L*a*b*, or the
 * colours the user gives), then, over cells of the region (filters/core/
 * smp-cells.h), the colour of the hair at its roots and of the scalp beside
 * it around every pixel: a long crown has lighter and darker hair, light
 * and shade.  Each pixel is read as a mixture of that hair and that scalp in
 * linear light (strands are thinner than a pixel), plus the white of a
 * highlight; its scalp part takes fine dense dots (filters/core, as
 * smp:follicles) and the shade that layered sessions leave, toward the
 * colour of the hair at its roots, as far as the scalp around still shows
 * (smp_look_amount: bare scalp all of it, scalp already covered by strands
 * little).  Hair covers what lies under it and a shine lies on the surface:
 * both stay as they are; the skin's own colour in more light (a flash's
 * glow) is dimmed with the skin, so it keeps its shape; the result rises
 * with the photo's lightness, so no edge appears where there was none.
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
              N_("Scalp share"))
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
/* Here the shade is the op's own: the share of the way from the scalp's
 * colour to that of the hair at its roots where the scalp is bare (1 =
 * as dark as the hair).  */
#define SMP_DEFAULT_TONE            0.5
/* The dots are seen through the photo's own blur, estimated.  */
#define SMP_DEFAULT_PHOTO_BLUR      (-1.0)
#define SMP_DEFAULT_PIGMENT      "transparent"
#define SMP_PIGMENT_NOTE         "; transparent (the default) = matched to " \
                                 "the hair on this skin"
#include "smp-dot-properties.inc"

property_enum   (output, _("Output"),
                 SmpDensitySoftenOutput, smp_density_soften_output,
                 SMP_DENSITY_SOFTEN_OUTPUT_COMPOSITE)
    description (_("The softened photo; the pigment alone as per-channel "
                   "transmittance (photo x pigment = composite: use it as a "
                   "Multiply layer); or the share of each pixel the op took "
                   "for scalp showing (white = scalp), to check it"))

#else

#define GEGL_OP_COMPOSER
#define GEGL_OP_NAME     smp_density_soften
#define GEGL_OP_C_SOURCE smp-density-soften.c

#include "gegl-op.h"
#include <math.h>

#include "smp-common.h"
#include "core/smp-box.h"
#include "core/smp-cells.h"
#include "core/smp-color.h"
#include "core/smp-look.h"
#include "core/smp-pattern.h"
#include "core/smp-render.h"
#include "core/smp-stipple.h"


/* Pixels of the region the colours are learnt from, at most.  */
#define MAX_SAMPLES  65536

/* The photo's blur is estimated in a square of at most this side (px) in
 * the middle of the region, and taken as at most BLUR_MAX (px).  */
#define BLUR_SIDE    512
#define BLUR_MAX     6.0

/* The hair at the roots and the scalp beside it are sought within this
 * many mm of a pixel, or else within three times as far; then the
 * region's.  */
#define ROOTS_MM     2.5
/* A box in which at least this share of the pixels is hair (or scalp)
 * speaks for it.  */
#define ROOTS_SHARE  0.08
/* The cells the local colours are learnt over: at most this many a side
 * (larger cells on a large photo).  */
#define CELLS_MAX    512

enum { HAIR, SKIN, AROUND };

/* A line in linear RGB from hair to skin: every pixel is read as a
 * mixture of the two, plus the white of a highlight.  */
typedef struct
{
  gdouble  hair[3], skin[3];
  gdouble  axis[3];           /* skin - hair */
  gdouble  axis2;             /* its squared length */
  gdouble  white;             /* how far highlights can be told from
                               * skin, 0..1 */
} Line;

/* What the op learns from the whole region, once per render, in a
 * reference-counted box (smp_cache_box).  */
typedef struct
{
  gboolean      none;         /* nothing to learn from and nothing given */
  gboolean      given[2];     /* the hair's and the skin's colour given */
  gdouble       hair_lab[3], skin_lab[3];
  Line          line;         /* the region's hair and skin */
  gdouble       log_t[3];     /* the dots' pigment, linear RGB, log */
  gdouble       blur;         /* the photo's (px), 0 where none could be
                               * told */
  GeglRectangle region;       /* what the cells cover */
  SmpCells     *cells;
  gfloat       *hair;         /* the hair at the roots, 3 floats a cell */
  gfloat       *skin;         /* the scalp beside it */
} Stats;

static void
stats_clear (gpointer data)
{
  Stats *st = data;

  smp_cells_free (st->cells);
  g_free (st->hair);
  g_free (st->skin);
}

static const SmpBoxInfo stats_box = { sizeof (Stats), stats_clear };

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
  if (st && ! color_given (o->pigment))
    for (c = 0; c < 3; c++)
      style.colour[c] = exp (st->log_t[c]);
  /* The photo's blur as learnt, or (before learning, for the margins) the
   * most it can be.  */
  if (smp_finite (operation, "photo-blur", o->photo_blur) < 0.0)
    style.blur_px = st ? st->blur : BLUR_MAX;
  /* A treatment built up less far: lighter dots, as after fewer passes.  */
  style.darkness *= smp_finite (operation, "strength", o->strength);
  /* The layered shade is laid by the op itself, on the scalp part of each
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

/* The neighbourhood whose mean lightness says how much the scalp around a
 * pixel still needs (twice smp_look_local_px: whether the client's own
 * hair already covers it).  */
static gint
gap_px (GeglOperation *operation)
{
  return 2 * smp_look_local_px (smp_px_per_mm (operation));
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

  if (! in || smp_rect_unbounded (in))
    return r;
  r = *in;
  if (aux && gegl_operation_get_source_node (operation, "aux") &&
      ! smp_rect_unbounded (aux))
    gegl_rectangle_intersect (&r, &r, aux);
  return r;
}

/* Where the local colours are learnt: where the region's mask is above 0
 * (a GIMP selection or a mask file as large as the photo often holds a
 * small area), grown by the farthest the colours are sought, on the
 * photo; the photo without a mask.  */
static GeglRectangle
treated_region (GeglOperation *operation,
                GeglBuffer    *aux)
{
  GeglRectangle r = stats_region (operation), found;
  gint          far = 3 * MAX (1, (gint) lround (ROOTS_MM *
                                                 smp_px_per_mm (operation)));

  if (! aux || ! gegl_operation_get_source_node (operation, "aux") ||
      r.width <= 0)
    return r;
  found = smp_mask_extent (aux, &r, 1e-6f);
  if (found.width <= 0)
    return found;
  found = smp_rect_grow (found, far + 1);
  gegl_rectangle_intersect (&found, &found, &r);
  return found;
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
  smp_cache_invalidate (&o->user_data, sizeof (gpointer));
}

static void
finalize (GObject *object)
{
  smp_cache_free_box (&GEGL_PROPERTIES (object)->user_data, &stats_box);
  G_OBJECT_CLASS (gegl_op_parent_class)->finalize (object);
}

static GeglRectangle
get_required_for_output (GeglOperation       *operation,
                         const gchar         *input_pad,
                         const GeglRectangle *roi)
{
  GeglRectangle r = *roi, s;

  if (smp_rect_unbounded (roi))
    return r;
  r = smp_rect_grow (r, ! strcmp (input_pad, "aux") ? margin_px (operation)
                                                    : gap_px (operation));
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


static inline gfloat
luma (const gfloat *rgb)
{
  return 0.2126f * rgb[0] + 0.7152f * rgb[1] + 0.0722f * rgb[2];
}

static inline gfloat
luma_d (const gdouble *rgb)
{
  return (gfloat) (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]);
}

/* The line from hair to skin (linear RGB).  */
static void
line_init (Line          *line,
           const gdouble *hair,
           const gdouble *skin)
{
  gdouble du = 0.0;
  gint    c;

  line->axis2 = 0.0;
  for (c = 0; c < 3; c++)
    {
      line->hair[c] = hair[c];
      line->skin[c] = skin[c];
      line->axis[c] = skin[c] - hair[c];
      line->axis2  += line->axis[c] * line->axis[c];
      du           += line->axis[c];
    }
  /* Where hair and skin differ mostly in lightness, not in hue (grey hair
   * on pale skin), a highlight looks like more skin: the white term is
   * fitted as far as the hair-skin line is off grey (from 8 degrees, all
   * from 16: sin² 0.02 to 0.08), so that a small change of the colours
   * never switches it at once.  Dark brown hair on fair skin lies 18
   * degrees off: fitted only half way (from 13 degrees, all from 23, as
   * before), a strand's highlight there was read half as scalp showing
   * and darkened by up to 5-7 L*.  */
  line->white = line->axis2 > 1e-6
                ? CLAMP ((1.0 - du * du / (3.0 * line->axis2) - 0.02) / 0.06,
                         0.0, 1.0)
                : 0.0;
}

/* How far a pixel is at the camera's white (clipped: a shine the photo
 * could not hold, so that what lies under it is unknown), 0..1: over the
 * last 5 % of linear light in its lightest channel.  */
static inline gfloat
clipped (const gfloat *p)
{
  gfloat top = MAX (p[0], MAX (p[1], p[2]));

  return CLAMP ((top - 0.95f) / 0.05f, 0.0f, 1.0f);
}

/* How much more light than `skin` a colour holds in its diffuse part (the
 * skin's own colour, which pigment under it dims), >= 1: the least of its
 * channels' ratios to the skin's (a shine's white adds to every channel
 * alike, so the least ratio is the least raised by it); a channel near the
 * camera's white (from `lo`, over `span`) lost what it held, so its ratio
 * counts up to twice (enough for the other channels to tell a clipped
 * glow; bounded, where every channel is near white).  */
static gdouble
exposure (const gdouble *skin,
          const gfloat  *rgb,
          gfloat         lo,
          gfloat         span)
{
  gdouble e = G_MAXDOUBLE;
  gint    c;

  for (c = 0; c < 3; c++)
    e = MIN (e, rgb[c] / MAX (skin[c], 1e-5) *
                (1.0 + CLAMP ((rgb[c] - lo) / span, 0.0, 1.0)));
  return isfinite (e) ? MAX (e, 1.0) : 1.0;
}

/* How much of a pixel is skin showing, 0..1.  A pixel is a mixture of
 * hair and skin in linear light (strands are often thinner than a pixel),
 * plus the white of a highlight (light the surface reflects before any
 * pigment can take it): x = hair + a (skin - hair) + w (1, 1, 1), fitted by
 * least squares, w >= 0.  The share of skin is a, 0..1; a colour that such
 * a mixture does not explain (clothes, a tinted background) is left alone.
 * *alpha is the share of hair, *white the highlight, *sure how well the
 * mixture explains the colour (0..1).  */
static inline gfloat
skin_share (const Line   *line,
            const gfloat *rgb,
            gfloat       *alpha,
            gfloat       *white,
            gfloat       *sure)
{
  const gdouble *d  = line->axis;
  gdouble        y[3], dy = 0.0, uy = 0.0, du = 0.0, det, a, w = 0.0;
  gdouble        r = 0.0, conf;
  gint           c;

  *alpha = 1.0f;
  *white = 0.0f;
  *sure  = 0.0f;
  if (! (line->axis2 > 1e-8))
    return 0.0f;
  for (c = 0; c < 3; c++)
    {
      y[c] = rgb[c] - line->hair[c];
      dy  += d[c] * y[c];
      uy  += y[c];
      du  += d[c];
    }
  det = 3.0 * line->axis2 - du * du;
  a   = dy / line->axis2;
  if (line->white > 0.0)
    {
      /* The fit with white (w >= 0), as far as the line allows it.  */
      w = (line->axis2 * uy - du * dy) / det;
      if (w > 0.0)
        {
          a = (1.0 - line->white) * a +
              line->white * (3.0 * dy - du * uy) / det;
          w *= line->white;
        }
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
          xs += (rgb[c] - w) * line->skin[c];
          ss += line->skin[c] * line->skin[c];
        }
      for (c = 0; c < 3; c++)
        {
          gdouble e = rgb[c] - w - xs / ss * line->skin[c];

          rs += e * e;
        }
      /* (taken over a tenth of the way beyond the skin: no jump)  */
      if (rs < r)
        r -= MIN (1.0, (a - 1.0) / 0.1) * (r - rs);
    }
  /* Unexplained by more than a tenth of the hair-skin distance: less sure,
   * by 0.35 not at all.  */
  conf = CLAMP ((0.35 - sqrt (r / line->axis2)) / 0.25, 0.0, 1.0);
  a    = CLAMP (a, 0.0, 1.0);
  /* At the camera's white in some channel and, in the others, at least as
   * light as the scalp: the scalp in more light, its hue flattened by the
   * clipping; scalp as far as it is clipped, so a glow's clipped middle is
   * no less scalp than its rim.  */
  {
    gdouble k = G_MAXDOUBLE, f = clipped (rgb);

    for (c = 0; c < 3; c++)
      if (rgb[c] < 0.95f)
        k = MIN (k, rgb[c] / line->skin[c]);
    f *= CLAMP ((k - 0.9) / 0.1, 0.0, 1.0);
    a    += f * (1.0 - a);
    conf += f * (1.0 - conf);
    w    *= 1.0 - f;
  }
  if (! isfinite (conf) || ! isfinite (a) || ! isfinite (w))
    return 0.0f;
  *alpha = (gfloat) (1.0 - a);
  *white = (gfloat) w;
  *sure  = (gfloat) conf;
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

/* K-means of n colours (lab) into K clusters, from the colours at 1/6,
 * 1/2 and 5/6 of the way up in lightness (distinct or not: a cluster left
 * empty keeps its start and holds no pixels); a `fixed` cluster keeps the
 * mean it comes in with.  weight: each cluster's share of the colours.  */
static void
kmeans (const gfloat   *lab,
        gint            n,
        const gboolean *fixed,
        gdouble         mean[K][3],
        gdouble        *weight)
{
  gint   *order = g_new (gint, n);
  guint8 *label = g_new (guint8, n);
  gint    i, k, c, it;

  for (i = 0; i < n; i++)
    order[i] = i;
  g_qsort_with_data (order, n, sizeof (gint), compare_lightness,
                     (gpointer) lab);
  for (k = 0; k < K; k++)
    if (! fixed[k])
      for (c = 0; c < 3; c++)
        mean[k][c] = lab[3 * order[(2 * k + 1) * n / (2 * K)] + c];
  g_free (order);
  for (i = 0; i < n; i++)
    label[i] = K;

  for (it = 0; it < 50; it++)
    {
      gdouble sum[K][3] = { { 0 } }, count[K] = { 0 };
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
      for (i = 0; i < n; i++)
        {
          count[label[i]] += 1.0;
          for (c = 0; c < 3; c++)
            sum[label[i]][c] += lab[3 * i + c];
        }
      for (k = 0; k < K; k++)
        for (c = 0; c < 3; c++)
          if (! fixed[k] && count[k] > 0.0)
            mean[k][c] = sum[k][c] / count[k];
    }
  for (k = 0; k < K; k++)
    weight[k] = 0.0;
  for (i = 0; i < n; i++)
    weight[label[i]] += 1.0 / n;
  g_free (label);
}

/* The region's hair and skin: the K-means clusters of its n samples (lab);
 * a colour the user gave holds a cluster's mean (hair the darkest third,
 * skin the lightest).  Which cluster is skin: among those that hold a few
 * pixels and are of a colour skin or hair can have (nothing blue or green:
 * clothes, backgrounds in a region drawn wide), the redder (blood under
 * the skin) and lighter, a* + L* / 4, which holds for dark, grey, blond
 * and black hair on every skin tone (red hair needs its colour given);
 * hair is the cluster farthest from it.  FALSE when no two clusters could
 * be hair and skin.  */
static gboolean
cluster (const gfloat   *lab,
         gint            n,
         const gboolean *give,
         gdouble         given[2][3],
         Stats          *st)
{
  gboolean fixed[K] = { give[HAIR], FALSE, give[SKIN] };
  gdouble  mean[K][3], weight[K];
  gint     k, c, hair_k = 0, skin_k = K - 1;

  for (c = 0; c < 3; c++)
    {
      mean[0][c]     = given[HAIR][c];
      mean[K - 1][c] = given[SKIN][c];
    }
  kmeans (lab, n, fixed, mean, weight);
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
    return FALSE;
  for (c = 0; c < 3; c++)
    {
      st->hair_lab[c] = mean[hair_k][c];
      st->skin_lab[c] = mean[skin_k][c];
    }
  return TRUE;
}

/* How much a pixel that is a share `a` of something tells of its colour:
 * nothing below half, all from nine tenths (a mixture's colour is mostly
 * the other's).  */
static inline gfloat
pure (gfloat a)
{
  gfloat f = CLAMP ((a - 0.5f) / 0.4f, 0.0f, 1.0f);

  return f * f;
}

/* Reads the region in bands and adds, for each kind of cell sums (NULL:
 * none), each pixel's colour less its highlight, weighted: the light around
 * (every pixel), the hair (as far as it is hair) and the scalp (as far as
 * it is scalp and no shine: not much lighter than the light around, read
 * from the field `around` of the cells `grid`), both only where the
 * pixel is mostly one (pure).  */
static void
add_region (GeglOperation  *operation,
            GeglBuffer     *input,
            const Stats    *st,
            const SmpCells *grid,
            const gfloat   *around,
            SmpCells      **cells)
{
  const Babl   *rgba = gegl_operation_get_format (operation, "input");
  GeglRectangle r    = st->region;
  const gint    rows = 64;
  gfloat       *band = g_new (gfloat, (gsize) r.width * rows * 4);
  gfloat       *rgb  = g_new (gfloat, (gsize) r.width * rows * 3);
  gfloat       *wt[3];
  gint          y, c, kind;
  gsize         i;

  for (kind = 0; kind < 3; kind++)
    wt[kind] = g_new (gfloat, (gsize) r.width * rows);
  for (y = 0; y < r.height; y += rows)
    {
      GeglRectangle b = { r.x, r.y + y, r.width, MIN (rows, r.height - y) };

      gegl_buffer_get (input, &b, 1.0, rgba, band, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_NONE);
      for (i = 0; i < (gsize) b.width * b.height; i++)
        {
          const gfloat *p     = band + 4 * i;
          gfloat        alpha = 1.0f, white = 0.0f, sure = 0.0f, bright = 0.0f;
          gboolean      ok    = isfinite (p[0]) && isfinite (p[1]) &&
                                isfinite (p[2]);

          if (ok)
            skin_share (&st->line, p, &alpha, &white, &sure);
          if (ok && around)
            {
              gfloat a[3];

              smp_cells_read (grid, around, i % b.width, y + i / b.width, a);
              /* Lighter than 1.5 times the light around: shine, all of it
               * at 2 times.  */
              bright = CLAMP ((luma (p) / MAX (luma (a), 1e-4f) - 1.5f) / 0.5f,
                              0.0f, 1.0f);
            }
          wt[AROUND][i] = ok ? 1.0f : 0.0f;
          wt[HAIR][i]   = sure * pure (alpha);
          wt[SKIN][i]   = sure * pure (1.0f - alpha) *
                          (1.0f - MAX (bright, clipped (p)));
          for (c = 0; c < 3; c++)
            rgb[3 * i + c] = ok ? p[c] - white : 0.0f;
        }
      for (kind = 0; kind < 3; kind++)
        if (cells[kind])
          smp_cells_add (cells[kind], rgb, wt[kind], 0, y, b.width, b.height);
    }
  for (kind = 0; kind < 3; kind++)
    g_free (wt[kind]);
  g_free (band);
  g_free (rgb);
}

/* The hair at the roots and the scalp beside it, around every pixel of
 * the region: the region's pixels, read as mixtures of its hair and skin,
 * summed over cells (add_region); each cell then takes the mean over
 * ROOTS_MM around it, or three times as far where that holds little of
 * the one, or the region's; a scalp no lighter than the scalp farther
 * around.  First the light around (three times as far): a pixel much
 * lighter than it is shine, no colour of the scalp's.  Read at each pixel
 * between the cells' centres (smp_cells_read).  */
static void
local_colours (GeglOperation *operation,
               GeglBuffer    *input,
               Stats         *st)
{
  GeglRectangle r    = st->region;
  gint          near = MAX (1, (gint) lround (ROOTS_MM *
                                              smp_px_per_mm (operation)));
  gint          k    = MAX (1, near / 3), c, kind, radius[2];
  gsize         nc, i;
  SmpCells     *cells[3] = { NULL, NULL, NULL };
  gfloat       *field[3][2], *share[2];

  while ((r.width + k - 1) / k > CELLS_MAX ||
         (r.height + k - 1) / k > CELLS_MAX)
    k *= 2;
  radius[0] = (near + k / 2) / k;
  radius[1] = 3 * radius[0];
  for (kind = 0; kind < 3; kind++)
    cells[kind] = smp_cells_new (k, r.x, r.y, r.width, r.height);
  nc = smp_cells_size (cells[HAIR]);
  for (c = 0; c < 2; c++)
    share[c] = g_new (gfloat, nc);
  for (kind = 0; kind < 3; kind++)
    for (c = 0; c < 2; c++)
      field[kind][c] = g_new (gfloat, nc * 3);

  /* The light around, then hair and scalp.  */
  {
    SmpCells *light[3] = { NULL, NULL, cells[AROUND] };
    SmpCells *parts[3] = { cells[HAIR], cells[SKIN], NULL };

    add_region (operation, input, st, NULL, NULL, light);
    smp_cells_box (cells[AROUND], radius[1], field[AROUND][1], share[0]);
    add_region (operation, input, st, cells[AROUND], field[AROUND][1], parts);
  }
  for (kind = 0; kind < 2; kind++)
    {
      const gdouble *all = kind == HAIR ? st->line.hair : st->line.skin;

      /* The scalp's own light near, over half as far: it follows a glow
       * (whose rim, darker than a scalp's colour taken over 2.5 mm, read
       * as half hair, came out as a ring lighter than the shaded scalp
       * within it).  */
      for (c = 0; c < 2; c++)
        smp_cells_box (cells[kind],
                       kind == SKIN && c == 0 ? MAX (1, radius[0] / 2)
                                              : radius[c],
                       field[kind][c], share[c]);
      for (i = 0; i < nc; i++)
        {
          gfloat kn = MIN (1.0f, share[0][i] / ROOTS_SHARE);
          gfloat kf = MIN (1.0f, share[1][i] / ROOTS_SHARE);
          gfloat far[3], lo = 1.0f;

          for (c = 0; c < 3; c++)
            {
              far[c] = kf * field[kind][1][3 * i + c] +
                       (1.0f - kf) * (gfloat) all[c];
              field[kind][0][3 * i + c] = kn * field[kind][0][3 * i + c] +
                                          (1.0f - kn) * far[c];
            }
          /* The scalp's own light is no lighter than that of the scalp
           * farther around: a bare spot lit by a shine is not lighter
           * skin (what it has beyond is the shine).  */
          if (kind == SKIN && luma (field[kind][0] + 3 * i) > luma (far))
            lo = luma (far) / luma (field[kind][0] + 3 * i);
          for (c = 0; c < 3; c++)
            field[kind][0][3 * i + c] *= lo;
        }
    }
  st->cells = cells[HAIR];
  st->hair  = field[HAIR][0];
  st->skin  = field[SKIN][0];
  smp_cells_free (cells[SKIN]);
  smp_cells_free (cells[AROUND]);
  g_free (field[HAIR][1]);
  g_free (field[SKIN][1]);
  g_free (field[AROUND][0]);
  g_free (field[AROUND][1]);
  for (c = 0; c < 2; c++)
    g_free (share[c]);
}

/* The photo's blur (smp_look_blur) in a square in the middle of the
 * region; 0 where none could be told.  */
static gdouble
photo_blur (GeglOperation       *operation,
            GeglBuffer          *input,
            const GeglRectangle *region)
{
  GeglRectangle r = { region->x + MAX (0, region->width - BLUR_SIDE) / 2,
                      region->y + MAX (0, region->height - BLUR_SIDE) / 2,
                      MIN (region->width, BLUR_SIDE),
                      MIN (region->height, BLUR_SIDE) };
  gsize         n = (gsize) r.width * r.height, i;
  gfloat       *px, *L, *bad;
  guchar       *where;
  gdouble       blur;

  if (n == 0)
    return 0.0;
  px = g_new (gfloat, n * 4);
  L  = g_new (gfloat, n);
  gegl_buffer_get (input, &r, 1.0, gegl_operation_get_format (operation,
                                                              "input"),
                   px, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  smp_lightness (px, 4, n, L);
  /* Edges are read away from pixels that are no number (which the
   * estimate's own blur would spread).  */
  where = g_new (guchar, n);
  bad   = g_new (gfloat, n);
  for (i = 0; i < n; i++)
    bad[i] = isfinite (L[i]) ? 0.0f : 1.0f;
  smp_box_mean (bad, bad, r.width, r.height, 6);
  for (i = 0; i < n; i++)
    where[i] = ! (bad[i] > 0.0f);
  blur = CLAMP (smp_look_blur (L, r.width, r.height, where), 0.0, BLUR_MAX);
  g_free (px);
  g_free (L);
  g_free (bad);
  g_free (where);
  return blur;
}

/* Learns hair and skin from the region (or takes those given), the dots'
 * pigment, and the local colours.  */
static void
learn (GeglOperation *operation,
       GeglBuffer    *input,
       GeglBuffer    *aux,
       GeglBuffer    *aux2,
       gpointer       data)
{
  Stats          *st  = smp_cache_box (data, &stats_box);
  GeglProperties *o   = GEGL_PROPERTIES (operation);
  gdouble         given[2][3] = { { 0 } }, hair[3], skin[3];
  gfloat         *lab;
  gint            n, c;

  st->given[HAIR] = color_given (o->hair_color);
  st->given[SKIN] = color_given (o->skin_color);
  if (st->given[HAIR])
    color_lab (operation, o->hair_color, given[HAIR]);
  if (st->given[SKIN])
    color_lab (operation, o->skin_color, given[SKIN]);

  lab = input ? sample_region (operation, input, aux, &n) : NULL;
  if (! lab)
    n = 0;
  if (n >= 16 * K)
    st->none = ! cluster (lab, n, st->given, given, st);
  else if (st->given[HAIR] && st->given[SKIN])
    for (c = 0; c < 3; c++)
      {
        st->hair_lab[c] = given[HAIR][c];
        st->skin_lab[c] = given[SKIN][c];
      }
  else
    /* Nothing to learn from (an empty region, a photo without bounds) and
     * not both colours given: hair and skin cannot be told apart.  */
    st->none = TRUE;
  g_free (lab);
  if (st->none)
    return;

  {
    gfloat h[3] = { st->hair_lab[0], st->hair_lab[1], st->hair_lab[2] };
    gfloat s[3] = { st->skin_lab[0], st->skin_lab[1], st->skin_lab[2] };
    gfloat hr[3], sr[3];

    smp_lab_to_rgb (h, hr);
    smp_lab_to_rgb (s, sr);
    for (c = 0; c < 3; c++)
      {
        hair[c] = hr[c];
        skin[c] = sr[c];
      }
  }
  line_init (&st->line, hair, skin);
  /* Hair and skin of one colour: nothing tells them apart.  */
  if (! (st->line.axis2 > 1e-6))
    {
      st->none = TRUE;
      return;
    }
  /* The dots' pigment matched to the hair: what turns this skin into this
   * hair (Beer-Lambert, so a ratio of linear colours), never lightening.  */
  {
    gdouble rgb[3];

    if (color_given (o->pigment))
      smp_color_rgb (o->pigment, smp_source_space (operation), rgb);
    for (c = 0; c < 3; c++)
      {
        gdouble t = color_given (o->pigment)
                    ? rgb[c] : MAX (hair[c], 1e-4) / MAX (skin[c], 1e-4);

        st->log_t[c] = log (CLAMP (t, 1e-4, 1.0));
      }
  }
  st->region = treated_region (operation, aux);
  if (st->region.width > 0 && st->region.height > 0 && input)
    {
      local_colours (operation, input, st);
      st->blur = photo_blur (operation, input, &st->region);
    }
}

typedef struct
{
  GeglOperation *operation;
  GeglBuffer    *input, *output;
  const Stats   *st;
  SmpPattern     pattern;
  SmpRenderer    renderer;
} Job;

/* The local line from hair to skin at absolute pixel (x, y): the hair at
 * the roots and the scalp beside it.  */
static void
local_line (const Stats *st,
            gint         x,
            gint         y,
            Line        *line)
{
  gfloat  h[3], s[3];
  gdouble hair[3], skin[3];
  gint    c;

  smp_cells_read (st->cells, st->hair, x - st->region.x, y - st->region.y, h);
  smp_cells_read (st->cells, st->skin, x - st->region.x, y - st->region.y, s);
  for (c = 0; c < 3; c++)
    {
      hair[c] = MAX (h[c], 1e-5f);
      skin[c] = MAX (s[c], 1e-5f);
    }
  line_init (line, hair, skin);
}

/* What the scalp part of a colour rgb (linear RGB) gives up to a shade t
 * (per channel) on the local line: its skin share (returned), read as the
 * skin in `light` times the line's light (its diffuse part, which the
 * pigment dims) and, beyond that, a shine, which stays; `weight`, how far
 * the channel is taken as scalp; `dimmed`, the diffuse light dimmed.  */
static gfloat
treat (const Line   *line,
       const gfloat *rgb,
       gfloat        light,
       const gfloat *t,
       gfloat       *take,
       gfloat       *weight,
       gfloat       *dimmed)
{
  gfloat alpha, white, sure, scalp;
  gint   c;

  scalp = skin_share (line, rgb, &alpha, &white, &sure);
  for (c = 0; c < 3; c++)
    {
      /* The skin in as much light as the pixel's (a glow dims with it,
       * so it keeps its shape), of which the pixel holds no more than it
       * has beyond the skin.  */
      gfloat d    = (gfloat) line->skin[c] * light;
      gfloat held = MIN (d, MAX (rgb[c], (gfloat) line->skin[c]));

      /* Never more than the pixel has; weighted once more, by the share
       * to a power up to 1.5: a pixel mostly of hair stays mostly as it
       * was (the preview must never seem to dye the hair), yet not so
       * much that a glow's rim turns into a dark ring (at 1.5 a deep
       * shade, t < 1/3, did).  Known defect: the result rises with the
       * share only while k <= (1 - hair / skin) / (1 - t), lower than this
       * bound when the hair is not black.  */
      weight[c] = powf (scalp, MIN (1.5f, 1.0f / MAX (1e-3f, 1.0f - t[c])));
      take[c]   = MIN (rgb[c], weight[c] * MAX (0.0f, held - d * t[c]));
      dimmed[c] = MIN (rgb[c], d * t[c]);
    }
  return scalp;
}

/* A channel at the camera's white lost what it held: neither how much of
 * it was the skin's light nor how much a shine is known, and read as
 * either it turns the pixel's hue beside channels that tell (a white core
 * came out blue, its red dimmed as light, its blue kept as shine).  So a
 * clipped channel (from 95 % of white) is dimmed in the ratio of those
 * that are not; where none is, every channel to its diffuse light dimmed
 * (`dimmed`, as far as `weight` is scalp).  `take` is replaced.  */
static void
clip_kept (const gfloat *p,
           const gfloat *weight,
           const gfloat *dimmed,
           gfloat       *take)
{
  gfloat q[3], ratio = 0.0f, told = 0.0f, k;
  gint   c;

  for (c = 0; c < 3; c++)
    {
      q[c] = CLAMP ((p[c] - 0.95f) / 0.05f, 0.0f, 1.0f);
      if (q[c] < 1.0f && p[c] > 0.0f)
        {
          ratio += (1.0f - q[c]) * (1.0f - take[c] / p[c]);
          told  += 1.0f - q[c];
        }
    }
  if (told > 0.0f)
    ratio /= told;
  k = MIN (1.0f, told);
  for (c = 0; c < 3; c++)
    if (q[c] > 0.0f)
      take[c] += q[c] * (k * p[c] * (1.0f - ratio) +
                         (1.0f - k) * weight[c] * (p[c] - dimmed[c]) -
                         take[c]);
}

/* One strip.  Each pixel is read, in luminance, on the way from the hair
 * at its roots (H) to the scalp beside it (S): a of the way is a share a
 * of scalp (strands are thinner than a pixel and the photo blurs them),
 * and what it has beyond the scalp is the light the scalp's surface
 * reflects (a shine, which no pigment under it dims).  The scalp part, a S,
 * takes the dots and the layered shade (t, per channel), toward the colour
 * of that hair, as far as the scalp around still shows (smp_look_amount:
 * where strands already cover it, a little, where it is bare, all).  So a
 * pixel of hair stays, a pixel of bare scalp becomes S t, a mixture mixes
 * the two, and a highlight keeps its shine over the shaded scalp; where
 * the light around nears the camera's white, the skin's own colour in more
 * light (a glow) is shaded with it, as S e t: the result rises with the
 * photo's lightness everywhere, and no edge appears where there was
 * none.  */
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
  const Stats    *st        = job->st;
  GeglProperties *o         = GEGL_PROPERTIES (operation);
  const Babl     *rgba      = gegl_operation_get_format (operation, "input");
  const gdouble   shade     = smp_finite (operation, "tone", o->tone) *
                              smp_finite (operation, "strength", o->strength);
  const gint      mw        = strip->width + 2 * margin;
  const gint      g         = gap_px (operation);
  const GeglRectangle *bbox = gegl_operation_source_get_bounding_box (operation,
                                                                      "input");
  GeglRectangle   around    = smp_rect_grow (*strip, g);
  gsize           na        = (gsize) around.width * around.height;
  gfloat         *big       = g_new (gfloat, na * 4);
  gfloat         *Y         = g_new (gfloat, na);
  gfloat         *ok        = g_new (gfloat, na);
  gfloat         *lit       = g_new (gfloat, na * 4);
  gint            x, y, c;
  gsize           i;

  /* The light around each pixel: how much the scalp there still needs,
   * and (per channel) how much light the scalp there gets.  */
  gegl_buffer_get (job->input, &around, 1.0, rgba, big, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (y = 0; y < around.height; y++)
    for (x = 0; x < around.width; x++)
      {
        const gfloat *p = big + 4 * ((gsize) y * around.width + x);

        /* Past the photo's edge there is nothing, not black.  */
        i     = (gsize) y * around.width + x;
        ok[i] = isfinite (p[0]) && isfinite (p[1]) && isfinite (p[2]) &&
                (! bbox || smp_rect_unbounded (bbox) ||
                 (around.x + x >= bbox->x && around.y + y >= bbox->y &&
                  around.x + x < bbox->x + bbox->width &&
                  around.y + y < bbox->y + bbox->height));
        Y[i]  = ok[i] ? luma (p) : 0.0f;
        /* The light around is read from the pixels that tell it: a
         * pixel at the camera's white in every channel tells none.  */
        lit[3 * na + i] = ok[i] ? 1.0f - CLAMP ((MIN (MIN (p[0], p[1]), p[2]) -
                                                0.95f) / 0.05f, 0.0f, 1.0f)
                                : 0.0f;
        for (c = 0; c < 3; c++)
          lit[c * na + i] = ok[i] ? p[c] * lit[3 * na + i] : 0.0f;
      }
  smp_box_mean (Y, Y, around.width, around.height, g);
  for (c = 0; c < 4; c++)
    smp_box_mean (lit + c * na, lit + c * na, around.width, around.height, g);
  smp_box_mean (ok, ok, around.width, around.height, g);

  for (y = 0; y < strip->height; y++)
    for (x = 0; x < strip->width; x++)
      {
        gsize   b       = (gsize) (y + g) * around.width + x + g;
        gfloat *p       = pix + 4 * ((gsize) y * strip->width + x);
        gfloat  m       = mask ? mask[(gsize) (y + margin) * mw + x + margin]
                               : 1.0f;
        gfloat  scalp   = 0.0f;
        gfloat  take[3] = { 0.0f, 0.0f, 0.0f };

        memcpy (p, big + 4 * b, sizeof (gfloat) * 4);
        if (m > 0.0f && ! st->none && ok[b] > 0.0f &&
            isfinite (p[0]) && isfinite (p[1]) && isfinite (p[2]))
          {
            SmpHairLook look = { 0 };
            Line        line;
            gfloat      amount, light, glare, t[3], plane[3];
            gfloat      weight[3], dimmed[3];

            local_line (st, strip->x + x, strip->y + y, &line);
            for (c = 0; c < 3; c++)
              {
                look.skin[c]  = line.skin[c];
                look.ratio[c] = CLAMP (line.hair[c] / line.skin[c], 0.02, 1.0);
              }
            amount = smp_look_amount (&look, (gfloat) shade * m,
                                      Y[b] / ok[b]);
            for (c = 0; c < 3; c++)
              {
                t[c] = field[3 * ((gsize) y * strip->width + x) + c] *
                       (gfloat) pow (look.ratio[c], amount);
                plane[c] = lit[3 * na + b] > 0.0f
                           ? lit[c * na + b] / lit[3 * na + b] : 1.0f;
              }
            /* The skin's diffuse light (skin lighter than the scalp
             * around in its own hue, as far as its channels tell) is
             * dimmed by the pigment under it like the rest of the skin
             * where the light around nears the camera's white (from 60
             * %, all from 85 %): a glow, which so keeps its shape (kept
             * whole over a shaded scalp, a flash's glow became a pale
             * blotch with an edge, photo 05).  No more than the light
             * around has (a smooth plane: no edge), so a finer light, the
             * grain of the skin or a strand's sheen, stays whole, as
             * everywhere less lit (dimming that flattened the strands'
             * edges on photos 06 and 07: detail slope 0.77-0.79).  */
            glare = CLAMP ((MAX (plane[0], MAX (plane[1], plane[2])) - 0.6f) /
                           0.25f, 0.0f, 1.0f);
            light  = (gfloat) MIN (exposure (line.skin, p, 0.95f, 0.05f),
                                   exposure (line.skin, plane, 0.8f, 0.15f));
            scalp  = treat (&line, p, 1.0f + glare * (light - 1.0f), t, take,
                            weight, dimmed);
            clip_kept (p, weight, dimmed, take);
          }

        switch (o->output)
          {
          case SMP_DENSITY_SOFTEN_OUTPUT_PIGMENT:
            /* What a Multiply layer needs to give the composite.  */
            for (c = 0; c < 3; c++)
              p[c] = p[c] > 0.0f ? 1.0f - take[c] / p[c] : 1.0f;
            p[3] = 1.0f;
            break;
          case SMP_DENSITY_SOFTEN_OUTPUT_SKIN:
            p[0] = p[1] = p[2] = scalp;
            p[3] = 1.0f;
            break;
          default:
            for (c = 0; c < 3; c++)
              p[c] -= take[c];
            break;
          }
      }
  gegl_buffer_set (job->output, strip, 0, rgba, pix, GEGL_AUTO_ROWSTRIDE);
  g_free (big);
  g_free (Y);
  g_free (ok);
  g_free (lit);
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
  Job             job = { operation, input, output, NULL };
  Stats          *st;
  Stats           nothing = { 0 };
  SmpPass         pass;
  gboolean        ok;

  if (! input)
    return TRUE;

  st = smp_cache_ref (o->user_data, learn, operation, input, aux, NULL);
  job.st = st;

  /* Nothing to do: the photo as it is, bit for bit.  A mask connected but
   * without pixels here is an empty mask.  */
  if (o->output == SMP_DENSITY_SOFTEN_OUTPUT_COMPOSITE &&
      (! st || st->none || ! st->cells ||
       ! (smp_finite (operation, "strength", o->strength) > 0.0) ||
       (! aux && gegl_operation_get_source_node (operation, "aux"))))
    {
      gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);
      smp_cache_unref (st, &stats_box);
      return TRUE;
    }
  if (! st || st->none || ! st->cells)
    {
      /* Pigment or likelihood of nothing: none, and no skin.  */
      nothing.none = TRUE;
      job.st = &nothing;
    }

  dot_setup (operation, job.st, &job.pattern, &job.renderer);
  if (! aux && gegl_operation_get_source_node (operation, "aux"))
    job.pattern.cell = 0.0;
  /* Where the region is 0 the pixel is left as it is.  */
  ok = smp_stipple_regions (result, &job.pattern, &job.renderer, aux, NULL,
                            soften_strip,
                            smp_pass_init (&pass, operation, input, output,
                                           o->output ==
                                           SMP_DENSITY_SOFTEN_OUTPUT_COMPOSITE),
                            &job);
  smp_cache_unref (st, &stats_box);
  return ok;
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
    "reference-hash",     "533cd0ffb3a26ddd01f388979f82dec7",
    "description",
      _("Scalp micropigmentation preview for thinning hair kept long: fine, "
        "dense pigment where scalp shows between the hairs, shading it "
        "toward the colour of the hair at its roots as far as the scalp "
        "around shows, so that the pale gaps close and the hair looks "
        "denser; the strands and their highlights, and a shine on the "
        "scalp, are left as they are. Hair and scalp are told apart by "
        "colour, learnt from the region (or given) and around every "
        "pixel. The optional aux input is the region (white = treat, "
        "black = untouched)."),
    NULL);
}

#endif
