/* smp-render.c: pigment optics and dot rasterizer; see smp-render.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

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

/* Streams of a dot's own random numbers.  */
enum
{
  DOT_SIZE = 1,
  DOT_SHADE,
  DOT_ANGLE,
  DOT_DEPTH,
  DOT_DARKNESS
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

/* The halo's sigma in pixels for channel c of a dot at depth * factor.  */
static double
halo_sigma (const SmpDotStyle *s,
            int                c,
            double             factor)
{
  double spread = halo_scatter[c] * s->depth * factor * s->px_per_mm;

  return sqrt (spread * spread + PIXEL_SOFTNESS * PIXEL_SOFTNESS);
}

void
smp_renderer_init (SmpRenderer       *renderer,
                   const SmpDotStyle *style)
{
  SmpDotStyle *s = &renderer->style;
  double       sigma, major;
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

  for (i = 0; i < s->sessions; i++)
    {
      renderer->fraction[i] = plan_fraction[s->sessions - 1][i];
      renderer->strength[i] = s->sessions == 1 ?
                              1.0 : 1.0 - 0.25 * i / (s->sessions - 1);
      renderer->size[i]     = plan_size[i];
    }

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
      renderer->tone_od[c]   = -log (fmin (1.0, fmax (layer, 1e-4)));
      renderer->tone_full[c] = (float) exp (-renderer->tone_od[c]);
    }
  sigma = sqrt (pow (scatter[0] * s->depth * 1.15 * s->px_per_mm, 2.0) +
                PIXEL_SOFTNESS * PIXEL_SOFTNESS);
  major = s->dot_diameter / 2.0 * 1.05 * (1.0 + 0.5 * s->size_variation) *
          sqrt (s->elongation) * s->px_per_mm;
  /* A dense dot's shadow grows by up to 1.5 spreads (edge_inverse of
   * ln 2 over the densest pigment).  */
  renderer->reach_px = major + 1.5 * scatter[0] * s->depth * 1.15 *
                       s->px_per_mm * sqrt (s->elongation) +
                       CUT_SIGMAS * sigma + 1.0;
  if (s->halo > 0.0)
    renderer->reach_px = fmax (renderer->reach_px,
                               HALO_SIGMAS * halo_sigma (s, 0, 1.15) + 1.0);
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

  /* The core's profile, then the halo's rows and columns.  */
  return side * side * 3 + 2 * side * 3;
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
  double hsig[3] = { 0.0, 0.0, 0.0 };
  double cx, cy;
  float  slope[3], offset[3], ua, ub, va, vb, r_cut2;
  float *hx = NULL, *hy = NULL;
  const double *log_t;
  int    session, c, i, j, fx0, fy0, fx1, fy1, fw, fh;
  int    hx0, hy0, hx1, hy1, hw, hh, ux0, uy0, ux1, uy1;
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

  /* Which session placed the dot: its rank among the dots kept here.  */
  q = dot->rank / threshold;
  for (session = 0; session < s->sessions - 1; session++)
    if (q < renderer->fraction[session])
      break;

  radius = s->dot_diameter / 2.0 * renderer->size[session] *
           (1.0 + s->size_variation * (dot_uniform (dot->key, DOT_SIZE) - 0.5));
  radius = fmax (radius, 0.002) * ppm;
  major  = radius * sqrt (s->elongation);
  minor  = radius / sqrt (s->elongation);
  depth  = s->depth * (0.85 + 0.3 * dot_uniform (dot->key, DOT_DEPTH));
  conc   = s->darkness * renderer->strength[session] *
           (1.0 + 0.3 * s->size_variation *
            (dot_uniform (dot->key, DOT_DARKNESS) - 0.5));
  log_t  = renderer->log_t[dot_uniform (dot->key, DOT_SHADE) <
                           0.5 * s->shade_variation];
  theta  = (s->angle + 40.0 * (dot_uniform (dot->key, DOT_ANGLE) - 0.5)) *
           (M_PI / 180.0);
  ca = cos (theta);
  sa = sin (theta);

  grow = 1.0;
  for (c = 0; c < 3; c++)
    {
      double spread = scatter[c] * depth * ppm;
      double veil   = 1.0 - exp (-depth / veil_depth[c]);
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
      sigma[c]     = sqrt (spread * spread + PIXEL_SOFTNESS * PIXEL_SOFTNESS);
      inv_sigma[c] = 1.0 / sigma[c];
      /* Absorption of the light that reaches the pigment: the skin above
       * returns a veil of it first.  */
      amp[c]       = (1.0 - veil) * dark;
      if (s->halo > 0.0)
        hsig[c] = halo_sigma (s, c, depth / s->depth);
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
  fx0 = (int) floor (cx - rad);
  fy0 = (int) floor (cy - rad);
  fx1 = (int) ceil (cx + rad);
  fy1 = (int) ceil (cy + rad);
  hx0 = (int) floor (cx - hrad);
  hy0 = (int) floor (cy - hrad);
  hx1 = (int) ceil (cx + hrad);
  hy1 = (int) ceil (cy + hrad);
  ux0 = fx0 < hx0 ? fx0 : hx0;
  uy0 = fy0 < hy0 ? fy0 : hy0;
  ux1 = fx1 > hx1 ? fx1 : hx1;
  uy1 = fy1 > hy1 ? fy1 : hy1;
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
   * a separable Gaussian: rows and columns, each summing to one.  */
  if (hrad > 0.0)
    {
      hx = scratch + (size_t) fw * fh * 3;
      hy = hx + (size_t) hw * 3;
    }
  for (c = 0; c < 3; c++)
    {
      double mass = amp[c] * M_PI * major * minor * edge_at[c] * edge_at[c];

      amp[c] = sum[c] > 0.0 ? mass / sum[c] : 0.0;
      if (hx)
        {
          double k = -0.5 / (hsig[c] * hsig[c]), sx = 0.0, sy = 0.0;

          for (i = 0; i < hw; i++)
            {
              double d = hx0 + i + 0.5 - cx;

              hx[i * 3 + c] = (float) exp (k * d * d);
              sx += hx[i * 3 + c];
            }
          for (j = 0; j < hh; j++)
            {
              double d = hy0 + j + 0.5 - cy;

              hy[j * 3 + c] = (float) exp (k * d * d);
              sy += hy[j * 3 + c];
            }
          halo_amp[c] = s->halo * mass / (sx * sy);
        }
    }

  /* What a pixel loses: the core's share of the dot (amp times its
   * profile) and the halo's column factor times its row factor, as the
   * products would be formed pixel by pixel.  */
  for (i = 0; i < fw * fh; i++)
    for (c = 0; c < 3; c++)
      scratch[i * 3 + c] = (float) (amp[c] * scratch[i * 3 + c]);
  if (hx)
    for (i = 0; i < hw; i++)
      for (c = 0; c < 3; c++)
        hx[i * 3 + c] = (float) halo_amp[c] * hx[i * 3 + c];

  for (j = uy0 > y0 ? uy0 : y0; j < uy1 && j < y0 + height; j++)
    {
      /* NULL where the row misses them.  */
      const float *core = j >= fy0 && j < fy1
                          ? scratch + (size_t) (j - fy0) * fw * 3 : NULL;
      const float *hrow = hx && j >= hy0 && j < hy1 ? hy + (j - hy0) * 3
                                                    : NULL;
      int          a = ux0 > x0 ? ux0 : x0;
      int          b = ux1 < x0 + width ? ux1 : x0 + width;
      float       *row = pigment + (size_t) (j - y0) * width * 3;
      const float *g   = gate ? gate + (size_t) (j - y0) * width : NULL;

      /* Only the columns of the core or of the halo change.  */
      if (! core && ! hrow)
        continue;
      if (! hrow)
        {
          a = a > fx0 ? a : fx0;
          b = b < fx1 ? b : fx1;
        }
      else if (! core)
        {
          a = a > hx0 ? a : hx0;
          b = b < hx1 ? b : hx1;
        }
      for (i = a; i < b; i++)
        {
          float f0 = 1.0f, f1 = 1.0f, f2 = 1.0f, *px = row + (i - x0) * 3;
          int   in_core = core && i >= fx0 && i < fx1;
          int   in_halo = hrow && i >= hx0 && i < hx1;

          if (! (in_core || in_halo) || (g && ! (g[i - x0] > 0.0f)))
            continue;
          if (in_core)
            {
              const float *k = core + (i - fx0) * 3;

              f0 -= k[0];
              f1 -= k[1];
              f2 -= k[2];
            }
          if (in_halo)
            {
              const float *k = hx + (i - hx0) * 3;

              f0 -= k[0] * hrow[0];
              f1 -= k[1] * hrow[1];
              f2 -= k[2] * hrow[2];
            }
          px[0] *= f0 > 0.0f ? f0 : 0.0f;
          px[1] *= f1 > 0.0f ? f1 : 0.0f;
          px[2] *= f2 > 0.0f ? f2 : 0.0f;
        }
    }
}
