/* smp-render.c: pigment optics and dot rasterizer; see smp-render.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <limits.h>
#include <math.h>
#include <string.h>

#include "smp-hash.h"
#include "smp-render.h"

/* Sideways spread (Gaussian sigma) per mm of depth, mm, for R, G, B: red
 * travels farthest in skin (d'Eon & Luebke's profiles).  */
static const double scatter[3] = { 0.30, 0.22, 0.16 };

/* Depth (mm) in which the skin above the pigment returns 1 - 1/e of the
 * light of each channel before it reaches the pigment: blue soonest, which
 * gives SMP its cool cast and makes deep dots lighter.  */
static const double veil_depth[3] = { 2.2, 1.6, 1.1 };

/* The box filter of a pixel, as a Gaussian sigma (px): the least edge
 * softness, so that a dot is sampled by area and not by point.  */
#define PIXEL_SOFTNESS 0.35

/* The profile is cut at this many sigmas past the dot's edge.  */
#define CUT_SIGMAS 3.0

/* Width (Gaussian sigma) of the halo per mm of depth, mm, for R, G, B: the
 * light that reaches the pigment from beside the dot has diffused in the
 * dermis, over the widths of the middle terms of d'Eon & Luebke's skin
 * profiles (variances about 0.06-0.5 mm²), red widest.  An estimate.  */
static const double halo_scatter[3] = { 1.3, 1.0, 0.8 };

/* The halo is cut at this many sigmas; its mass is normalized over what is
 * kept, so the cut changes its shape, never its tone.  */
#define HALO_SIGMAS 2.5

/* Per session plan: the cumulative share of the dots placed in sessions
 * 1..s, the concentration of a dot first placed in session s (the earliest
 * dots were worked over again in every later session, the last ones had one
 * pass) and a size factor (needles and hands differ from one session to
 * the next).  */
static const double plan_fraction[SMP_MAX_SESSIONS][SMP_MAX_SESSIONS] =
{
  { 1.0 },
  { 0.6, 1.0 },
  { 0.5, 0.8, 1.0 },
  { 0.4, 0.7, 0.9, 1.0 }
};
static const double plan_size[SMP_MAX_SESSIONS] = { 1.0, 0.93, 1.05, 0.97 };

/* The timeline.  DOMAIN.md: 2-4 sessions 10 days to a few weeks apart,
 * session 1 light and sparse, session 2 filling the gaps and darker; a
 * healed dot 0.10-0.15 mm, up to 0.25 mm fresh; it fades over 2-6 years
 * (touch-ups), sun lightens it, deep or repeated pigment blurs, and a
 * slight blue-grey cast appears within weeks.  Clinics' pages add the
 * rest, cited where used; E marks an estimate no source gives as a
 * number.
 *
 * After session k of a plan of S: the dots placed by sessions 1..k
 * (plan_fraction), each with the passes it had by then: a dot first placed
 * in session i had k - i of them, and the plan's strengths above (1 - 0.25
 * i / (S - 1) after all S) are those of S - i passes, so after k it has
 * 1 - 0.25 (i + S - k) / (S - 1).  The even layer between the dots grows
 * with the pigment laid so far.  */

/* Fresh, the first days after a session:
 * - larger: up to 0.25 mm against 0.10-0.15 mm healed (DOMAIN): the wound's
 *   margin adds 0.10 mm to the diameter, 0.15 -> 0.25 mm (an addition, not
 *   a factor: a dot fitted larger to a client's hair grows by as much).
 * - darker: the scabs and the epidermis still hold pigment that healing
 *   takes away (scabs "significantly darker", skalptec.com/news/fading;
 *   they "take a significant amount of pigment with them, leaving behind a
 *   smaller and lighter dot", teammicro.com/smp/fading): 30 % of it.  E.
 * - not yet cool: the skin above has not re-formed over the pigment, whose
 *   blue-grey cast appears within weeks (DOMAIN): no veil.
 * - red around each impression: "mild redness and swelling for about 1 to
 *   3 days" (newmansmp.com), the wounds' inflammation (blood: haemoglobin
 *   absorbs green and blue two orders of magnitude more than red, Prahl's
 *   tables).  A Gaussian flush of 0.5 mm sigma around each impression, so
 *   that the redness fills the 1 mm between them (E), absorbing green,
 *   blue and red as 1 : 0.8 : 0.15 (E: blue reaches the vessels less than
 *   green), of a mass that raises a* by about 5 in the ring 0.3-1 mm
 *   around the dots on light skin at 100 /cm² (E: chroma-meter studies put
 *   a visible erythema at a* +2 to +5, e.g. J. Soc. Cosmet. Chem. 37:475,
 *   1986; measured in tests/test-timeline.c).
 * - a few scabs: they form on days 2-4 and fall off by days 5-7
 *   (smpofaustin.com, scalpclinic.com), "much larger than the eventual dot"
 *   (teammicro.com): one dot in eight (E, the first days, before most
 *   have formed) 0.10 mm larger again (E), a red-brown crust (#6b4a40 as
 *   the pigment's own colour, E) on the surface.  */
#define FRESH_GROWTH_MM  0.10
#define HEALING_LOSS     0.30
#define FLUSH_SIGMA_MM   0.5
#define FLUSH_SIGMAS     2.5
#define FLUSH_MASS_MM2   0.3
static const double flush_spectrum[3] = { 0.15, 1.0, 0.8 };
#define SCAB_SHARE       0.125
#define SCAB_GROWTH_MM   0.10
static const double scab_colour[3] = { 0.1470, 0.0685, 0.0513 };  /* #6b4a40 */

/* Aged: the pigment fades and migrates.
 * - fading: DOMAIN, 2-6 years to a touch-up; clinics: touch-ups every 3-5
 *   (coastsmp.com, fullscalp.com: once it "has lightened up
 *   considerably"), 3-6 (radiancecosmedic.org), 4-6 years (hairdot.ink);
 *   results last up to about 10 years (issue 16, from clinics' pages).
 *   The concentration halves every 4 years (E): a touch-up at 2-6 years
 *   finds 71-35 % of the pigment, 18 % is left at 10.  Sun shortens it
 *   (DOMAIN): not modelled; the half-life is for an average scalp.
 * - migration: particles spread as by diffusion, slowly (Eames, Mathematics
 *   Today 2011: a tattoo's fine detail goes first, "many years to spread a
 *   few millimetres"): sigma^2 = 2 D t with D = 0.0012 mm²/year for
 *   pigment at 0.35 mm, in proportion to depth (deep pigment blurs,
 *   DOMAIN): 0.11 mm after 5 years, 0.19 mm after 15.  E: SMP's shallow
 *   dots age into softer dots, not the solid patch of deep or repeated
 *   work (DOMAIN, fullscalp.com).
 * - cooler: what spreads downward sits deeper, and deeper pigment is
 *   cooler and softer (DOMAIN); the epidermis above sheds what reaches it,
 *   so the spread is one-sided: the mean depth grows by the mean of a
 *   half-Gaussian, 0.8 sigma.  E.
 * Touched up: one session into the same impressions (fullscalp.com:
 * usually 1 session; toplinesmp.com: "back to what it was like after your
 * initial treatment", and more dots with every touch-up is how the helmet
 * look comes): the pigment and the layer as healed, at the planned depth,
 * the old pigment's migration kept.  */
#define FADE_HALF_LIFE   4.0
#define MIGRATE_D        0.0012
#define MIGRATE_DEPTH    0.35
#define MIGRATE_SINK     0.8

/* Streams of a dot's own random numbers.  */
enum
{
  DOT_SIZE = 1,
  DOT_SHADE,
  DOT_ANGLE,
  DOT_DEPTH,
  DOT_DARKNESS,
  DOT_SCAB
};

static inline double
dot_uniform (uint32_t key,
             uint32_t stream)
{
  return smp_hash_unit (smp_hash_mix (key ^ (stream * 0x9e3779b1U)));
}

/* The edge profile 0.5 erfc (t / sqrt 2), the fraction of a blurred
 * half-plane at t sigmas past the edge, from a table with linear
 * interpolation (erfc itself would cost more than all the rest), given the
 * table index (t + SMP_EDGE_RANGE) * SMP_EDGE_STEPS.  */
static inline float
edge_index (const float *lut,
            float        f)
{
  int k;

  if (f <= 0.0f)
    return 1.0f;
  if (f >= 2 * SMP_EDGE_RANGE * SMP_EDGE_STEPS)
    return 0.0f;
  k = (int) f;
  return lut[k] + (f - (float) k) * (lut[k + 1] - lut[k]);
}

/* The t at which edge (t) == y, 0 < y < 1, from the same table.  */
static double
edge_inverse (const float *lut,
              double       y)
{
  int lo = 0, hi = 2 * SMP_EDGE_RANGE * SMP_EDGE_STEPS;

  if (y >= lut[lo])
    return -SMP_EDGE_RANGE;
  if (y <= lut[hi])
    return SMP_EDGE_RANGE;
  /* The table falls from 1 to 0.  */
  while (hi - lo > 1)
    {
      int mid = (lo + hi) / 2;

      if (lut[mid] > y)
        lo = mid;
      else
        hi = mid;
    }
  return (lo + (lut[lo] - y) / (lut[lo] - lut[hi])) / SMP_EDGE_STEPS -
         SMP_EDGE_RANGE;
}

/* The halo's sigma in pixels for channel c of a dot at the mean depth
 * times factor, with the pigment's migration.  */
static double
halo_sigma (const SmpRenderer *renderer,
            int                c,
            double             factor)
{
  double spread = halo_scatter[c] * renderer->depth * factor *
                  renderer->style.px_per_mm;
  double m      = renderer->migrate_px;

  return sqrt (spread * spread + m * m + PIXEL_SOFTNESS * PIXEL_SOFTNESS);
}

/* The softness (Gaussian sigma, px) of a dot's shadow: the light's spread
 * in the skin, the pigment's migration (a blur of the shadow, which keeps
 * its mass) and the pixel's own.  */
static inline double
softness (double spread,
          double migrate)
{
  return migrate > 0.0
         ? sqrt (spread * spread + migrate * migrate +
                 PIXEL_SOFTNESS * PIXEL_SOFTNESS)
         : sqrt (spread * spread + PIXEL_SOFTNESS * PIXEL_SOFTNESS);
}

double
smp_session_fraction (int sessions,
                      int k)
{
  if (sessions < 1)
    sessions = 1;
  if (sessions > SMP_MAX_SESSIONS)
    sessions = SMP_MAX_SESSIONS;
  if (k <= 0)
    return 0.0;
  if (k >= sessions)
    return 1.0;
  return plan_fraction[sessions - 1][k - 1];
}

void
smp_dot_style_finished (SmpDotStyle *style)
{
  memset (&style->timeline, 0, sizeof style->timeline);
}

/* The concentration of a dot first placed in session i (0-based) of a plan
 * of `sessions`, after session k (1-based, > i) of it.  */
static double
session_strength (int sessions,
                  int i,
                  int k)
{
  return sessions == 1 ? 1.0 : 1.0 - 0.25 * (i + sessions - k) /
                                     (sessions - 1);
}

/* The timeline's factors (see the top of this file).  */
static void
timeline_init (SmpRenderer *renderer)
{
  const SmpDotStyle *s  = &renderer->style;
  const SmpTimeline *tl = &s->timeline;
  int                shown = tl->after_session, i, c;

  if (shown <= 0 || shown > s->sessions)
    shown = s->sessions;
  renderer->keep = smp_session_fraction (s->sessions, shown);
  for (i = 0; i < s->sessions; i++)
    {
      renderer->fraction[i] = plan_fraction[s->sessions - 1][i];
      renderer->strength[i] = i < shown
                              ? session_strength (s->sessions, i, shown)
                              : 0.0;
      renderer->size[i]     = plan_size[i];
    }

  renderer->depth      = s->depth;
  renderer->migrate_px = 0.0;
  renderer->conc_scale = 1.0;
  renderer->grow_mm    = 0.0;
  renderer->veil_scale = 1.0;
  renderer->flush_px   = 0.0;
  renderer->scab_share = 0.0;
  for (c = 0; c < 3; c++)
    {
      renderer->flush_mass[c] = 0.0;
      renderer->log_scab[c]   = log (scab_colour[c]);
    }

  if (tl->stage == SMP_STAGE_FRESH)
    {
      double ppm = s->px_per_mm;

      renderer->conc_scale = 1.0 / (1.0 - HEALING_LOSS);
      renderer->grow_mm    = FRESH_GROWTH_MM;
      renderer->veil_scale = 0.0;
      renderer->flush_px   = FLUSH_SIGMA_MM * ppm;
      renderer->scab_share = SCAB_SHARE;
      for (c = 0; c < 3; c++)
        renderer->flush_mass[c] = FLUSH_MASS_MM2 * flush_spectrum[c] *
                                  ppm * ppm;
    }
  else if (tl->stage == SMP_STAGE_AGED)
    {
      double years   = fmin (fmax (tl->years, 0.0), 15.0);
      double d       = MIGRATE_D * s->depth / MIGRATE_DEPTH;
      double migrate = sqrt (2.0 * d * years);

      renderer->migrate_px = migrate * s->px_per_mm;
      if (! tl->touch_up)
        {
          renderer->conc_scale = pow (0.5, years / FADE_HALF_LIFE);
          renderer->depth      = s->depth + MIGRATE_SINK * migrate;
        }
    }
}

/* The even layer's transmittance (healed, finished: `layer`) of channel c
 * as the timeline shows it: the pigment's own optical density behind the
 * veil, scaled by what was laid so far and what is left of it (`scale`),
 * behind the veil of the depth it has sunk to.  Fresh, the layer is as
 * healed: what healing takes away lies at the wounds, over the dots.  */
static double
timeline_layer (const SmpRenderer *renderer,
                int                c,
                double             layer,
                double             scale)
{
  const SmpDotStyle *s    = &renderer->style;
  double             pass = exp (-s->depth / veil_depth[c]);
  double             now  = exp (-renderer->depth / veil_depth[c]);
  double             x;

  x = -log (fmax (1.0 - (1.0 - layer) / pass, 1e-9));
  return 1.0 - now * (1.0 - exp (-x * scale));
}

/* The pigment laid so far over that of the finished plan: what the even
 * layer between the dots has of its finished thickness.  */
static double
laid_share (const SmpRenderer *renderer)
{
  const SmpDotStyle *s = &renderer->style;
  double             now = 0.0, all = 0.0, prev = 0.0;
  int                i;

  if (renderer->keep >= 1.0)
    return 1.0;
  for (i = 0; i < s->sessions; i++)
    {
      double placed = plan_fraction[s->sessions - 1][i] - prev;

      prev = plan_fraction[s->sessions - 1][i];
      now += placed * renderer->strength[i];
      all += placed * session_strength (s->sessions, i, s->sessions);
    }
  return now / all;
}

void
smp_renderer_init (SmpRenderer       *renderer,
                   const SmpDotStyle *style)
{
  SmpDotStyle *s = &renderer->style;
  double       sigma, major, spread, layer_scale;
  int          c, i;

  *s = *style;
  for (i = 0; i <= 2 * SMP_EDGE_RANGE * SMP_EDGE_STEPS; i++)
    renderer->edge_lut[i] =
      (float) (0.5 * erfc (((double) i / SMP_EDGE_STEPS - SMP_EDGE_RANGE) *
                           M_SQRT1_2));
  if (s->sessions < 1)
    s->sessions = 1;
  if (s->sessions > SMP_MAX_SESSIONS)
    s->sessions = SMP_MAX_SESSIONS;
  if (! (s->elongation >= 1.0))
    s->elongation = 1.0;

  for (c = 0; c < 3; c++)
    {
      /* A colour of 0 would absorb everything: keep a trace of light.  */
      renderer->log_t[0][c] = log (fmax (fmin (s->colour[c], 1.0), 1e-4));
      renderer->log_t[1][c] = log (fmax (fmin (s->colour2[c], 1.0), 1e-4));
    }

  /* Light diffusing in the dermis passes the pigment from around it too:
   * a dense dot shadows more than its own area.  The shadow's edge is
   * where 1 - exp (-od * edge) falls to half its peak 1 - exp (-od): at the
   * dot's own edge for a faint pigment, farther out for a dense one, t_half
   * spreads (sigmas) past it.  Tabulated over the optical density od.  */
  for (i = 0; i <= SMP_OD_STEPS; i++)
    {
      double od = (double) i * SMP_OD_MAX / SMP_OD_STEPS;

      renderer->od_dark[i] = 1.0 - exp (-od);
      renderer->od_half[i] = i == 0 ? 0.0 :
        edge_inverse (renderer->edge_lut, -log ((1.0 + exp (-od)) / 2.0) / od);
    }

  timeline_init (renderer);
  layer_scale = laid_share (renderer);
  if (s->timeline.stage == SMP_STAGE_AGED)
    layer_scale *= renderer->conc_scale;
  renderer->layer_scale = layer_scale;

  if (! (s->halo > 0.0))
    s->halo = 0.0;
  if (! (s->tone > 0.0))
    s->tone = 0.0;
  for (c = 0; c < 3; c++)
    {
      double layer = s->layer[c];

      /* Beer-Lambert in the layer, behind the veil that the skin above
       * returns before any light reaches it.  */
      if (! (layer > 0.0))
        layer = 1.0 - exp (-s->depth / veil_depth[c]) *
                      (1.0 - exp (renderer->log_t[0][c] * s->darkness *
                                  s->tone));
      if (layer_scale != 1.0 || renderer->depth != s->depth)
        layer = timeline_layer (renderer, c, fmin (1.0, layer), layer_scale);
      renderer->tone_od[c]   = -log (fmin (1.0, fmax (layer, 1e-4)));
      renderer->tone_full[c] = (float) exp (-renderer->tone_od[c]);
    }
  spread = scatter[0] * renderer->depth * 1.15 * s->px_per_mm;
  sigma  = renderer->migrate_px > 0.0
           ? softness (spread, renderer->migrate_px)
           : sqrt (pow (spread, 2.0) + PIXEL_SOFTNESS * PIXEL_SOFTNESS);
  major = s->dot_diameter / 2.0 * 1.05 * (1.0 + 0.5 * s->size_variation) *
          sqrt (s->elongation) * s->px_per_mm;
  if (renderer->grow_mm > 0.0)
    major += (renderer->grow_mm + SCAB_GROWTH_MM) / 2.0 *
             sqrt (s->elongation) * s->px_per_mm;
  /* A dense dot's shadow grows by up to 1.5 spreads (edge_inverse of
   * ln 2 over the densest pigment).  */
  renderer->reach_px = major + 1.5 * scatter[0] * renderer->depth * 1.15 *
                       s->px_per_mm * sqrt (s->elongation) +
                       CUT_SIGMAS * sigma + 1.0;
  if (s->halo > 0.0)
    renderer->reach_px = fmax (renderer->reach_px,
                               HALO_SIGMAS * halo_sigma (renderer, 0, 1.15) +
                               1.0);
  if (renderer->flush_px > 0.0)
    renderer->reach_px = fmax (renderer->reach_px, FLUSH_SIGMAS *
                               sqrt (renderer->flush_px * renderer->flush_px +
                                     PIXEL_SOFTNESS * PIXEL_SOFTNESS) + 1.0);
}

void
smp_render_tone (const SmpRenderer *renderer,
                 float              amount,
                 float             *pixel)
{
  int c;

  if (! (amount > 0.0f))
    return;
  if (amount >= 1.0f)
    for (c = 0; c < 3; c++)
      pixel[c] *= renderer->tone_full[c];
  else
    for (c = 0; c < 3; c++)
      if (renderer->tone_od[c] > 0.0)
        pixel[c] *= expf ((float) -renderer->tone_od[c] * amount);
}

double
smp_render_layer_floor (const SmpDotStyle *style,
                        int                c)
{
  return 1.0 - exp (-style->depth / veil_depth[c]);
}

size_t
smp_renderer_scratch_size (const SmpRenderer *renderer)
{
  size_t side = (size_t) ceil (2.0 * renderer->reach_px) + 3;

  /* The core's profile, then the halo's rows and columns, then the
   * redness's.  */
  return side * side * 3 + 2 * side * 3 +
         (renderer->flush_px > 0.0 ? 2 * side * 3 : 0);
}

/* The pixels [x0, x1) x [y0, y1) within r of (cx, cy), and the union
 * [ux0, ux1) x [uy0, uy1) grown to hold them.  */
static inline void
box_around (double  cx,
            double  cy,
            double  r,
            int    *x0,
            int    *y0,
            int    *x1,
            int    *y1,
            int    *ux0,
            int    *uy0,
            int    *ux1,
            int    *uy1)
{
  *x0  = (int) floor (cx - r);
  *y0  = (int) floor (cy - r);
  *x1  = (int) ceil (cx + r);
  *y1  = (int) ceil (cy + r);
  *ux0 = *x0 < *ux0 ? *x0 : *ux0;
  *uy0 = *y0 < *uy0 ? *y0 : *uy0;
  *ux1 = *x1 > *ux1 ? *x1 : *ux1;
  *uy1 = *y1 > *uy1 ? *y1 : *uy1;
}

/* A separable Gaussian of sigma sig (px) around (cx, cy) over the box
 * [bx0, bx0 + bw) x [by0, by0 + bh): rows into gx, columns into gy (3
 * floats an entry, channel c); returns the product of their sums, the
 * Gaussian's mass over the box.  */
static double
gaussian_box (double  sig,
              double  cx,
              double  cy,
              int     bx0,
              int     by0,
              int     bw,
              int     bh,
              int     c,
              float  *gx,
              float  *gy)
{
  double k = -0.5 / (sig * sig), sx = 0.0, sy = 0.0;
  int    i;

  for (i = 0; i < bw; i++)
    {
      double d = bx0 + i + 0.5 - cx;

      gx[i * 3 + c] = (float) exp (k * d * d);
      sx += gx[i * 3 + c];
    }
  for (i = 0; i < bh; i++)
    {
      double d = by0 + i + 0.5 - cy;

      gy[i * 3 + c] = (float) exp (k * d * d);
      sy += gy[i * 3 + c];
    }
  return sx * sy;
}

void
smp_render_dot (const SmpRenderer *renderer,
                const SmpDot      *dot,
                float              threshold,
                float             *pigment,
                const float       *gate,
                int                x0,
                int                y0,
                int                width,
                int                height,
                float             *scratch)
{
  const SmpDotStyle *s    = &renderer->style;
  const double       ppm  = s->px_per_mm;
  double q, radius, major, minor, depth, conc, theta, ca, sa, rad, grow;
  double sigma[3], inv_sigma[3], amp[3], sum[3] = { 0.0, 0.0, 0.0 };
  double edge_at[3], r_cut = 0.0, halo_amp[3] = { 0.0, 0.0, 0.0 };
  double hsig[3] = { 0.0, 0.0, 0.0 }, flush_amp[3] = { 0.0, 0.0, 0.0 };
  double halo_of[3] = { 1.0, 1.0, 1.0 }, grown = 1.0;
  double cx, cy, veil_scale = renderer->veil_scale;
  float  slope[3], offset[3], ua, ub, va, vb, r_cut2;
  float *hx = NULL, *hy = NULL, *gx = NULL, *gy = NULL;
  const double *log_t, *pigment_t;
  int    session, c, i, j, fx0, fy0, fx1, fy1, fw, fh;
  int    hx0, hy0, hx1, hy1, hw, hh, ux0, uy0, ux1, uy1;
  int    gx0 = 0, gy0 = 0, gx1 = 0, gy1 = 0, gw = 0, gh = 0;
  double hrad;
  float *p;

  if (! (dot->rank < threshold))
    return;

  cx = dot->x * ppm;
  cy = dot->y * ppm;
  if (cx + renderer->reach_px < x0 || cy + renderer->reach_px < y0 ||
      cx - renderer->reach_px > x0 + width ||
      cy - renderer->reach_px > y0 + height)
    return;

  /* Which session placed the dot: its rank among the dots kept here; the
   * timeline shows those placed by the session it is after.  */
  q = dot->rank / threshold;
  if (renderer->keep < 1.0 && ! (q < renderer->keep))
    return;
  for (session = 0; session < s->sessions - 1; session++)
    if (q < renderer->fraction[session])
      break;

  radius = s->dot_diameter / 2.0 * renderer->size[session] *
           (1.0 + s->size_variation * (dot_uniform (dot->key, DOT_SIZE) - 0.5));
  log_t  = renderer->log_t[dot_uniform (dot->key, DOT_SHADE) <
                           0.5 * s->shade_variation];
  pigment_t = log_t;
  radius = fmax (radius, 0.002);
  /* Fresh: the wound's margin around the dot, and on some a scab, a crust
   * on the surface, larger still.  */
  if (renderer->grow_mm > 0.0)
    {
      double healed = radius;

      radius += renderer->grow_mm / 2.0;
      if (renderer->scab_share > 0.0 &&
          dot_uniform (dot->key, DOT_SCAB) < renderer->scab_share)
        {
          radius    += SCAB_GROWTH_MM / 2.0;
          log_t      = renderer->log_scab;
          veil_scale = 0.0;
        }
      grown = radius / healed;
    }
  radius *= ppm;
  major  = radius * sqrt (s->elongation);
  minor  = radius / sqrt (s->elongation);
  depth  = renderer->depth * (0.85 + 0.3 * dot_uniform (dot->key, DOT_DEPTH));
  conc   = s->darkness * renderer->strength[session] *
           (1.0 + 0.3 * s->size_variation *
            (dot_uniform (dot->key, DOT_DARKNESS) - 0.5));
  if (renderer->conc_scale != 1.0)
    conc *= renderer->conc_scale;
  theta  = (s->angle + 40.0 * (dot_uniform (dot->key, DOT_ANGLE) - 0.5)) *
           (M_PI / 180.0);
  ca = cos (theta);
  sa = sin (theta);

  grow = 1.0;
  for (c = 0; c < 3; c++)
    {
      double spread = scatter[c] * depth * ppm;
      double veil   = veil_scale * (1.0 - exp (-depth / veil_depth[c]));
      double od     = -log_t[c] * conc;
      double f      = fmin (od, SMP_OD_MAX) * (SMP_OD_STEPS / SMP_OD_MAX);
      int    k      = (int) f;
      double t_half, dark;

      /* The tables are linear in od (see smp_renderer_init).  */
      if (k >= SMP_OD_STEPS)
        k = SMP_OD_STEPS - 1;
      f     -= k;
      t_half = renderer->od_half[k] + f * (renderer->od_half[k + 1] -
                                           renderer->od_half[k]);
      dark   = renderer->od_dark[k] + f * (renderer->od_dark[k + 1] -
                                           renderer->od_dark[k]);

      edge_at[c]   = fmax (0.25, 1.0 + t_half * spread / radius);
      grow         = fmax (grow, edge_at[c]);
      sigma[c]     = softness (spread, renderer->migrate_px);
      inv_sigma[c] = 1.0 / sigma[c];
      /* Absorption of the light that reaches the pigment: the skin above
       * returns a veil of it first.  */
      amp[c]       = (1.0 - veil) * dark;
      if (s->halo > 0.0)
        hsig[c] = halo_sigma (renderer, c, depth / renderer->depth);
      /* A fresh dot is larger and darker by what lies above the dermis
       * (the wound's channel, the epidermis, a scab), which healing takes
       * away: no light diffuses around it in the dermis, so the halo is
       * that of the healed dot under it.  */
      if (grown != 1.0 && amp[c] > 0.0)
        halo_of[c] = exp (-depth / veil_depth[c]) *
                     (1.0 - exp (pigment_t[c] * conc /
                                 renderer->conc_scale)) /
                     (amp[c] * grown * grown);
    }

  /* The dot's own shadow and its halo have boxes of their own: the halo's
   * is much the larger, but costs a product a pixel, not a profile.  */
  rad = fmin (renderer->reach_px,
              major * grow + CUT_SIGMAS * fmax (sigma[0],
                                                fmax (sigma[1], sigma[2])));
  hrad = s->halo > 0.0
         ? fmin (renderer->reach_px,
                 HALO_SIGMAS * fmax (hsig[0], fmax (hsig[1], hsig[2])))
         : 0.0;
  ux0 = uy0 = INT_MAX;
  ux1 = uy1 = INT_MIN;
  box_around (cx, cy, rad, &fx0, &fy0, &fx1, &fy1, &ux0, &uy0, &ux1, &uy1);
  box_around (cx, cy, hrad, &hx0, &hy0, &hx1, &hy1, &ux0, &uy0, &ux1, &uy1);
  /* The redness around a fresh dot, a box of its own too.  */
  if (renderer->flush_px > 0.0)
    {
      box_around (cx, cy, fmin (renderer->reach_px, FLUSH_SIGMAS *
                                sqrt (renderer->flush_px * renderer->flush_px +
                                      PIXEL_SOFTNESS * PIXEL_SOFTNESS)),
                  &gx0, &gy0, &gx1, &gy1, &ux0, &uy0, &ux1, &uy1);
      gw = gx1 - gx0;
      gh = gy1 - gy0;
    }
  if (ux1 <= x0 || uy1 <= y0 || ux0 >= x0 + width || uy0 >= y0 + height)
    return;
  fw = fx1 - fx0;
  fh = fy1 - fy0;
  hw = hx1 - hx0;
  hh = hy1 - hy0;

  /* The profile of channel c at normalized elliptical radius r is
   * edge ((r - edge_at) * radius / sigma): an affine function of r indexes
   * the table, so a pixel costs one square root and three lookups.  */
  for (c = 0; c < 3; c++)
    {
      slope[c]  = (float) (radius * inv_sigma[c] * SMP_EDGE_STEPS);
      offset[c] = (float) ((SMP_EDGE_RANGE - edge_at[c] * radius *
                            inv_sigma[c]) * SMP_EDGE_STEPS);
      r_cut     = fmax (r_cut, edge_at[c] + CUT_SIGMAS * sigma[c] / radius);
    }
  ua = (float) (ca / major);
  ub = (float) (sa / major);
  va = (float) (-sa / minor);
  vb = (float) (ca / minor);
  r_cut2 = (float) (r_cut * r_cut);

  /* First the whole footprint, wherever the block is, so the normalization,
   * and so every pixel, is the same in every block.  */
  p = scratch;
  for (j = fy0; j < fy1; j++)
    {
      float dy = (float) (j + 0.5 - cy);
      float u0 = (float) (fx0 + 0.5 - cx) * ua + dy * ub;
      float v0 = (float) (fx0 + 0.5 - cx) * va + dy * vb;
      float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f;

      for (i = 0; i < fw; i++, p += 3)
        {
          float u  = u0 + i * ua;
          float v  = v0 + i * va;
          float r2 = u * u + v * v;
          float r;

          if (r2 >= r_cut2)
            {
              p[0] = p[1] = p[2] = 0.0f;
              continue;
            }
          r    = sqrtf (r2);
          p[0] = edge_index (renderer->edge_lut, r * slope[0] + offset[0]);
          p[1] = edge_index (renderer->edge_lut, r * slope[1] + offset[1]);
          p[2] = edge_index (renderer->edge_lut, r * slope[2] + offset[2]);
          s0  += p[0];
          s1  += p[1];
          s2  += p[2];
        }
      sum[0] += s0;
      sum[1] += s1;
      sum[2] += s2;
    }

  /* Normalized to the shadow's physical mass: its area times its
   * absorption, in pixels.  The halo carries `halo` times that mass again,
   * a separable Gaussian: rows and columns, each summing to one.  The
   * redness has a mass of its own, the same for every impression.  */
  if (hrad > 0.0)
    {
      hx = scratch + (size_t) fw * fh * 3;
      hy = hx + (size_t) hw * 3;
    }
  if (gw > 0)
    {
      gx = scratch + (size_t) fw * fh * 3 + (size_t) (hw + hh) * 3;
      gy = gx + (size_t) gw * 3;
    }
  for (c = 0; c < 3; c++)
    {
      double mass = amp[c] * M_PI * major * minor * edge_at[c] * edge_at[c];

      amp[c] = sum[c] > 0.0 ? mass / sum[c] : 0.0;
      if (hx)
        halo_amp[c] = s->halo * mass * halo_of[c] /
                      gaussian_box (hsig[c], cx, cy, hx0, hy0, hw, hh, c,
                                    hx, hy);
      if (gx)
        flush_amp[c] = renderer->flush_mass[c] /
                       gaussian_box (sqrt (renderer->flush_px *
                                           renderer->flush_px +
                                           PIXEL_SOFTNESS * PIXEL_SOFTNESS),
                                     cx, cy, gx0, gy0, gw, gh, c, gx, gy);
    }

  for (j = uy0 > y0 ? uy0 : y0; j < uy1 && j < y0 + height; j++)
    {
      int in_core_row  = j >= fy0 && j < fy1;
      int in_halo_row  = hx && j >= hy0 && j < hy1;
      int in_flush_row = gx && j >= gy0 && j < gy1;

      for (i = ux0 > x0 ? ux0 : x0; i < ux1 && i < x0 + width; i++)
        {
          size_t o = (size_t) (j - y0) * width + (i - x0);
          float  f[3] = { 1.0f, 1.0f, 1.0f };

          if (gate && ! (gate[o] > 0.0f))
            continue;
          if (in_core_row && i >= fx0 && i < fx1)
            {
              p = scratch + ((size_t) (j - fy0) * fw + (i - fx0)) * 3;
              for (c = 0; c < 3; c++)
                f[c] -= (float) (amp[c] * p[c]);
            }
          if (in_halo_row && i >= hx0 && i < hx1)
            for (c = 0; c < 3; c++)
              f[c] -= (float) halo_amp[c] * hx[(i - hx0) * 3 + c] *
                      hy[(j - hy0) * 3 + c];
          if (in_flush_row && i >= gx0 && i < gx1)
            for (c = 0; c < 3; c++)
              f[c] -= (float) flush_amp[c] * gx[(i - gx0) * 3 + c] *
                      gy[(j - gy0) * 3 + c];
          for (c = 0; c < 3; c++)
            pigment[o * 3 + c] *= f[c] > 0.0f ? f[c] : 0.0f;
        }
    }
}
