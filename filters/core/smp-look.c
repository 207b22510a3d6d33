/* smp-look.c: the client's hair look and the dots that reproduce it; see
 * smp-look.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smp-box.h"
#include "smp-color.h"
#include "smp-look.h"
#include "smp-stipple.h"

/* Blur estimate (re-blur: the ratio of an edge's gradient to that of the
 * same edge blurred again by a known Gaussian gives the edge's own blur,
 * as in Zhuo & Sim, "Defocus map estimation from a single image", 2011).  */
#define REBLUR_SIGMA    1.0
/* Edges: local maxima of the gradient above this many L* a pixel, the
 * strongest EDGE_SHARE of them.  */
#define EDGE_FLOOR      2.0
#define EDGE_SHARE      0.05
#define EDGE_MIN        20
/* What the estimator reads on an ideal edge sampled by whole pixels (the
 * pixel's own box and the central difference): subtracted in quadrature,
 * measured on anti-aliased discs in tests/test-core.c.  */
#define BLUR_FLOOR      0.55

/* Hair is at least this much darker than the skin around (linear
 * luminance of 0.75 mm neighbourhoods: about 14 L* on light skin; skin
 * in shade is often 20-30 % darker than skin in light).  */
#define HAIR_DARKER     0.65

/* A ring around the mask in which less than this share is hair is widened,
 * up to this many times its width.  */
#define RING_HAIR_SHARE 0.15
#define RING_WIDEST     SMP_LOOK_RING_WIDEST

/* The darkest shaved look a ring's hair may ask, in L* below the skin:
 * the client's 1-3 mm buzz is 12-29 L* darker than the bald skin, SMP
 * imitates shorter stubble, and a ring often holds longer, denser hair
 * (the sides of a front view): darker, the crown becomes a helmet, one
 * solid shade.  What the user marks as the reference is matched as it is.  */
#define HELMET_DROP 29.0

static const double luma_w[3] = { 0.2126, 0.7152, 0.0722 };

static int
compare_float (const void *a,
               const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

/* The k-th smallest of n values (k < n), moving them about: the value
 * sorting them would put at v[k] (Hoare's selection, median of three;
 * sorted when it takes too many rounds).  */
static float
select_float (float  *v,
              size_t  n,
              size_t  k)
{
  ptrdiff_t lo = 0, hi = (ptrdiff_t) n - 1, at = (ptrdiff_t) k;
  int       rounds = 0;

  while (hi > lo)
    {
      ptrdiff_t i = lo, j = hi, mid = lo + (hi - lo) / 2;
      float     a = v[lo], b = v[mid], c = v[hi], pivot;

      if (++rounds > 64)
        {
          qsort (v + lo, (size_t) (hi - lo + 1), sizeof (float),
                 compare_float);
          break;
        }
      pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
      while (i <= j)
        {
          float t;

          while (v[i] < pivot)
            i++;
          while (v[j] > pivot)
            j--;
          if (i > j)
            break;
          t    = v[i];
          v[i] = v[j];
          v[j] = t;
          i++;
          j--;
        }
      /* v[lo..j] <= pivot <= v[i..hi], and pivot between.  */
      if (at <= j)
        hi = j;
      else if (at >= i)
        lo = i;
      else
        break;
    }
  return v[at];
}

/* The q-quantile of n values (moved about).  */
static float
quantile (float  *v,
          size_t  n,
          double  q)
{
  size_t k = (size_t) floor (q * (n - 1) + 0.5);

  return select_float (v, n, k < n ? k : n - 1);
}

/* Otsu's threshold of n values: the split of their histogram (256 bins
 * between their extremes) into two classes of least variance within.  */
static float
otsu (const float *v,
      size_t       n)
{
  double hist[256] = { 0 }, lo = v[0], hi = v[0], w0 = 0, m0 = 0, mt = 0;
  double best = -1.0;
  float  split;
  size_t i;
  int    k;

  for (i = 1; i < n; i++)
    {
      lo = fmin (lo, v[i]);
      hi = fmax (hi, v[i]);
    }
  split = (float) hi;
  if (! (hi > lo))
    return split;
  for (i = 0; i < n; i++)
    {
      int b = (int) ((v[i] - lo) / (hi - lo) * 255.0);

      hist[b < 0 ? 0 : b > 255 ? 255 : b] += 1.0;
    }
  for (k = 0; k < 256; k++)
    mt += hist[k] * k;
  for (k = 0; k < 255; k++)
    {
      double w1, between;

      w0 += hist[k];
      m0 += hist[k] * k;
      w1  = n - w0;
      if (w0 <= 0.0 || w1 <= 0.0)
        continue;
      between = w0 * w1 * pow (m0 / w0 - (mt - m0) / w1, 2.0);
      if (between > best)
        {
          best  = between;
          split = (float) (lo + (k + 1) * (hi - lo) / 256.0);
        }
    }
  return split;
}

/* A separable Gaussian of sigma s over a w x h array, the kernel clipped
 * at the array's edges and renormalized.  */
static int
gaussian (const float *src,
          float       *dst,
          int          w,
          int          h,
          double       s)
{
  int     r   = (int) ceil (4.0 * s), x, y, k;
  double *ker = malloc (sizeof (double) * (2 * r + 1)), whole = 0.0;
  float  *tmp = malloc (sizeof (float) * (size_t) w * h);

  if (! ker || ! tmp)
    {
      free (ker);
      free (tmp);
      return 0;
    }
  for (k = -r; k <= r; k++)
    ker[k + r] = exp (-0.5 * k * k / (s * s));
  /* The whole kernel's weight, summed in the order the pixels away from
   * the edges sum it.  */
  for (k = -r; k <= r; k++)
    whole += ker[k + r];
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        const float *row = src + (size_t) y * w + x;
        double       sum = 0, wsum = 0;

        if (x >= r && x + r < w)
          {
            for (k = -r; k <= r; k++)
              sum += ker[k + r] * row[k];
            wsum = whole;
          }
        else
          for (k = -r; k <= r; k++)
            if (x + k >= 0 && x + k < w)
              {
                sum  += ker[k + r] * row[k];
                wsum += ker[k + r];
              }
        tmp[(size_t) y * w + x] = (float) (sum / wsum);
      }
  for (y = 0; y < h; y++)
    {
      int inside = y >= r && y + r < h;

      for (x = 0; x < w; x++)
        {
          const float *col = tmp + (size_t) y * w + x;
          double       sum = 0, wsum = 0;

          if (inside)
            {
              for (k = -r; k <= r; k++)
                sum += ker[k + r] * col[(ptrdiff_t) k * w];
              wsum = whole;
            }
          else
            for (k = -r; k <= r; k++)
              if (y + k >= 0 && y + k < h)
                {
                  sum  += ker[k + r] * col[(ptrdiff_t) k * w];
                  wsum += ker[k + r];
                }
          dst[(size_t) y * w + x] = (float) (sum / wsum);
        }
    }
  free (ker);
  free (tmp);
  return 1;
}

static inline float
gradient (const float *a,
          int          w,
          int          x,
          int          y)
{
  size_t o  = (size_t) y * w + x;
  float  gx = 0.5f * (a[o + 1] - a[o - 1]);
  float  gy = 0.5f * (a[o + w] - a[o - w]);

  return sqrtf (gx * gx + gy * gy);
}

double
smp_look_blur (const float         *L,
               int                  w,
               int                  h,
               const unsigned char *where)
{
  size_t  n = (size_t) w * h, i, m = 0, e = 0;
  float  *clean, *blurred, *g0, *cand, *est;
  double  result = -1.0;
  int     x, y, dx, dy;

  if (w < 8 || h < 8)
    return -1.0;
  clean   = malloc (sizeof (float) * n);
  blurred = malloc (sizeof (float) * n);
  g0      = calloc (n, sizeof (float));
  cand    = malloc (sizeof (float) * n);
  est     = malloc (sizeof (float) * n);
  if (! clean || ! blurred || ! g0 || ! cand || ! est)
    goto done;

  /* A pixel that is no number is as flat as its neighbours say.  */
  for (i = 0; i < n; i++)
    clean[i] = isfinite (L[i]) ? L[i] : 0.0f;
  if (! gaussian (clean, blurred, w, h, REBLUR_SIGMA))
    goto done;
  for (y = 1; y < h - 1; y++)
    for (x = 1; x < w - 1; x++)
      g0[(size_t) y * w + x] = gradient (clean, w, x, y);

  /* Edges: local maxima of the gradient, well inside, on finite pixels.  */
  for (y = 6; y < h - 6; y++)
    for (x = 6; x < w - 6; x++)
      {
        size_t o   = (size_t) y * w + x;
        float  g   = g0[o];
        int    top = 1, ok = 1;

        if (g < EDGE_FLOOR || (where && ! where[o]))
          continue;
        for (dy = -1; dy <= 1 && top; dy++)
          for (dx = -1; dx <= 1; dx++)
            {
              size_t p = o + (ptrdiff_t) dy * w + dx;

              if (g0[p] > g)
                top = 0;
              if (! isfinite (L[p]))
                ok = 0;
            }
        if (top && ok)
          cand[m++] = g;
      }
  if (m < EDGE_MIN)
    goto done;
  {
    float threshold;

    memcpy (est, cand, sizeof (float) * m);
    threshold = quantile (est, m, 1.0 - EDGE_SHARE);
    for (y = 6; y < h - 6; y++)
      for (x = 6; x < w - 6; x++)
        {
          size_t o = (size_t) y * w + x;
          float  g = g0[o], g1, r;
          int    top = 1;

          if (g < threshold || g < EDGE_FLOOR || (where && ! where[o]))
            continue;
          for (dy = -1; dy <= 1 && top; dy++)
            for (dx = -1; dx <= 1; dx++)
              if (g0[o + (ptrdiff_t) dy * w + dx] > g ||
                  ! isfinite (L[o + (ptrdiff_t) dy * w + dx]))
                top = 0;
          if (! top)
            continue;
          g1 = gradient (blurred, w, x, y);
          if (! (g1 > 0.0f))
            continue;
          r = g / g1;
          if (r > 1.0001f)
            est[e++] = (float) (REBLUR_SIGMA / sqrt ((double) r * r - 1.0));
        }
  }
  if (e < EDGE_MIN / 2)
    goto done;
  {
    double s = quantile (est, e, 0.5);

    result = sqrt (fmax (0.0, s * s - BLUR_FLOOR * BLUR_FLOOR));
  }

done:
  free (clean);
  free (blurred);
  free (g0);
  free (cand);
  free (est);
  return result;
}

double
smp_look_texture (const float         *L,
                  int                  w,
                  int                  h,
                  const unsigned char *where)
{
  const int r = SMP_LOOK_TEXTURE_BOX / 2;
  size_t    n = (size_t) w * h, i, inner = 0, all = 0;
  float    *mean = malloc (sizeof (float) * n);
  float    *in   = malloc (sizeof (float) * n);
  double    s_inner = 0.0, s_all = 0.0, result = -1.0;

  if (! mean || ! in || n == 0)
    goto done;
  for (i = 0; i < n; i++)
    in[i] = (! where || where[i]) && isfinite (L[i]) ? 1.0f : 0.0f;
  if (! smp_box_mean (L, mean, w, h, r) || ! smp_box_mean (in, in, w, h, r))
    goto done;
  for (i = 0; i < n; i++)
    {
      double d;

      if ((where && ! where[i]) || ! isfinite (L[i]))
        continue;
      d = fabs (L[i] - mean[i]);
      s_all += d;
      all++;
      /* The exact box sums give exactly 1 where the whole box is in.  */
      if (in[i] >= 1.0f)
        {
          s_inner += d;
          inner++;
        }
    }
  if (inner >= 32)
    result = s_inner / inner;
  else if (all > 0)
    result = s_all / all;

done:
  free (mean);
  free (in);
  return result;
}

double
smp_look_grain (const float         *L,
                int                  w,
                int                  h,
                const unsigned char *where,
                int                  r)
{
  const int max_lag = 24;
  size_t    n = (size_t) w * h, i;
  float    *d = malloc (sizeof (float) * n);
  double    c0 = 0.0, prev = 1.0, result = -1.0;
  int       k, x, y;

  if (! d || n == 0)
    goto done;
  if (! smp_box_mean (L, d, w, h, r < 1 ? 1 : r))
    goto done;
  for (i = 0; i < n; i++)
    d[i] = (! where || where[i]) && isfinite (L[i]) ? L[i] - d[i] : NAN;
  for (i = 0; i < n; i++)
    if (isfinite (d[i]))
      c0 += (double) d[i] * d[i];
  if (! (c0 > 0.0))
    goto done;
  for (k = 1; k <= max_lag; k++)
    {
      double s = 0.0, q = 0.0, c;

      for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
          {
            float a = d[(size_t) y * w + x];

            if (! isfinite (a))
              continue;
            if (x + k < w && isfinite (d[(size_t) y * w + x + k]))
              {
                s += (double) a * d[(size_t) y * w + x + k];
                q += (double) a * a;
              }
            if (y + k < h && isfinite (d[(size_t) (y + k) * w + x]))
              {
                s += (double) a * d[(size_t) (y + k) * w + x];
                q += (double) a * a;
              }
          }
      c = q > 0.0 ? s / q : 0.0;
      if (c < 0.5)
        {
          result = (k - 1) + (prev - 0.5) / (prev - c);
          goto done;
        }
      prev = c;
    }
  result = max_lag;

done:
  free (d);
  return result;
}

int
smp_look_local_px (double px_per_mm)
{
  int r = (int) lround (0.75 * px_per_mm);

  return r < 1 ? 1 : r;
}

int
smp_look_gap_px (double px_per_mm)
{
  int r = (int) lround (0.15 * px_per_mm);

  return r < 1 ? 1 : r;
}

static double
luma (const double *rgb)
{
  return luma_w[0] * rgb[0] + luma_w[1] * rgb[1] + luma_w[2] * rgb[2];
}

/* The hair's transmittance over the skin, in luminance.  */
static double
look_t (const SmpHairLook *look)
{
  double hair[3];
  int    c;

  for (c = 0; c < 3; c++)
    hair[c] = look->skin[c] * look->ratio[c];
  return luma (hair) / fmax (luma (look->skin), 1e-6);
}

/* Lightens a ring's hair look (the same hue, a smaller power of its
 * ratio) to at most HELMET_DROP L* below the skin.  */
static void
helmet_cap (SmpHairLook *look)
{
  float  rgb[3], lab[3];
  double floor_t, lo = 0.0, hi = 1.0, base[3];
  int    c, it;

  for (c = 0; c < 3; c++)
    rgb[c] = (float) look->skin[c];
  smp_rgb_to_lab (rgb, lab);
  if (lab[0] <= HELMET_DROP)
    return;
  lab[0] -= HELMET_DROP;
  lab[1] = lab[2] = 0.0f;
  smp_lab_to_rgb (lab, rgb);
  /* A neutral grey's luminance is any of its channels.  */
  floor_t = rgb[1] / fmax (luma (look->skin), 1e-6);
  if (look_t (look) >= floor_t)
    return;
  for (c = 0; c < 3; c++)
    base[c] = look->ratio[c];
  for (it = 0; it < 30; it++)
    {
      double k = 0.5 * (lo + hi);

      for (c = 0; c < 3; c++)
        look->ratio[c] = pow (base[c], k);
      if (look_t (look) < floor_t)
        hi = k;
      else
        lo = k;
    }
  for (c = 0; c < 3; c++)
    look->ratio[c] = pow (base[c], lo);
}

float
smp_look_need (const SmpHairLook *look,
               float              local_luma)
{
  double t = look_t (look), b;

  if (! (t < 0.999) || ! (t > 0.0))
    return 1.0f;
  if (! isfinite (local_luma))
    return 0.0f;
  b = (local_luma / fmax (luma (look->skin), 1e-6) - t) / (1.0 - t);
  if (b >= 1.0)
    return 1.0f;
  if (b <= 0.0)
    return 0.0f;
  return (float) (log (t / (b + (1.0 - b) * t)) / log (t));
}

/* Hair, grey or brown: not a blue, green or purple thing (clothes, walls)
 * of the same lightness.  */
static int
hair_hue (const float *rgb)
{
  float  lab[3];
  double chroma, hue;

  smp_rgb_to_lab (rgb, lab);
  chroma = hypot (lab[1], lab[2]);
  if (chroma < 12.0)
    return 1;
  hue = atan2 (lab[2], lab[1]) * 180.0 / M_PI;
  return hue > -25.0 && hue < 105.0;
}

void
smp_look_prepare (const SmpHairLook *look,
                  SmpLookPrep       *prep)
{
  const double *S = look->skin;

  prep->skin_ok = S[0] > 0.0 && S[1] > 0.0 && S[2] > 0.0;
  prep->log_rg  = prep->skin_ok ? log (S[0] / S[1]) : 0.0;
  prep->log_bg  = prep->skin_ok ? log (S[2] / S[1]) : 0.0;
  prep->t       = look_t (look);
  prep->s       = luma (look->skin);
  prep->log_t   = log (prep->t);
}

float
smp_look_prep_skin_like (const SmpLookPrep *prep,
                         const float       *rgb)
{
  double dr, db, d;

  if (! prep->skin_ok ||
      ! (rgb[0] > 0.0f && rgb[1] > 0.0f && rgb[2] > 0.0f))
    return 0.0f;
  /* Log chromaticity: red and blue over green, light cancelled.  */
  dr = log (rgb[0] / rgb[1]) - prep->log_rg;
  db = log (rgb[2] / rgb[1]) - prep->log_bg;
  /* Far off (the distance is at least either) or near (well within 0.4):
   * what the ramp below gives, without the distance.  */
  if (fabs (dr) > 0.7 + 1e-9 || fabs (db) > 0.7 + 1e-9)
    return 0.0f;
  if (dr * dr + db * db < 0.15)
    return 1.0f;
  d = hypot (dr, db);
  return (float) fmin (1.0, fmax (0.0, (0.7 - d) / 0.3));
}

/* Hair is a texture: strands and the skin between them vary the light at
 * the scale of a millimetre, relative to the light, at least as much as
 * bare skin does; shade, which scales the light, does not add to it, and
 * a shaded area of a photo loses detail (photo 16's shaded forehead, as
 * dark and brown as hair, was taken for it).  The hair whose darkening
 * and colour a ring gives varies at least HAIR_GRAIN times as much as the
 * skin learnt (more, and only the grainiest part of a dense buzz counts:
 * in trials at 1.5, darker than photo 01's buzz: 58 % of its gap
 * closed).  A pixel's
 * detail counts at most GRAIN_CLIP times the skin's: an edge (the mask's,
 * the head's outline) is a few pixels of great detail, hair many of
 * some.  */
#define HAIR_GRAIN 1.0
#define GRAIN_CLIP 4.0

/* Each pixel's detail relative to its light: |log Y - its mean over 1 mm
 * around| (the scale smp_look_grain looks at); floor_y keeps a dark
 * background's noise from counting.  tmp: n floats of room.  */
static int
rel_detail (const float *Y,
            const float *ok,
            int          w,
            int          h,
            double       px_per_mm,
            float        floor_y,
            float       *tmp,
            float       *detail)
{
  size_t n = (size_t) w * h, i;

  for (i = 0; i < n; i++)
    tmp[i] = ok[i] > 0.0f ? logf (fmaxf (Y[i], 0.0f) + floor_y) : 0.0f;
  if (! smp_box_mean (tmp, detail, w, h, (int) fmax (2.0, lround (px_per_mm))))
    return 0;
  for (i = 0; i < n; i++)
    detail[i] = ok[i] > 0.0f ? fabsf (tmp[i] - detail[i]) : 0.0f;
  return 1;
}

/* The median of `of` over the skin learnt (masked, its neighbourhood
 * between cut_lo and cut_hi); v: room for the values.  */
static float
skin_median (const SmpLookInput *in,
             const float        *ok,
             const float        *loc,
             float               cut_lo,
             float               cut_hi,
             const float        *of,
             float              *v)
{
  size_t n = (size_t) in->width * in->height, i, ns = 0;

  for (i = 0; i < n; i++)
    if (ok[i] > 0.0f && in->mask[i] >= 0.5f && loc[i] >= cut_lo &&
        loc[i] <= cut_hi)
      v[ns++] = of[i];
  return ns > 0 ? quantile (v, ns, 0.5) : 0.0f;
}

int
smp_look_learn (const SmpLookInput *in,
                SmpHairLook        *look)
{
  const int w = in->width, h = in->height;
  size_t    n = (size_t) w * h, i, ns = 0, nh = 0;
  float    *Y = NULL, *ok = NULL, *loc = NULL, *near = NULL, *v = NULL;
  float    *L = NULL;
  float    *grain = NULL, skin_grain = 0.0f;
  unsigned char *hair = NULL;
  double    skin_sum[3] = { 0, 0, 0 }, hair_sum[3] = { 0, 0, 0 };
  double    s_lum, lo, hi;
  float     cut_lo, cut_hi;
  int       status = -1, c, widen, all_ok = 1;

  memset (look, 0, sizeof (*look));
  look->ratio[0] = look->ratio[1] = look->ratio[2] = 1.0;
  if (n == 0)
    return 0;
  Y    = malloc (sizeof (float) * n);
  ok   = malloc (sizeof (float) * n);
  loc  = malloc (sizeof (float) * n);
  near = malloc (sizeof (float) * n);
  v    = malloc (sizeof (float) * n);
  L    = malloc (sizeof (float) * n);
  hair = calloc (n, 1);
  if (! Y || ! ok || ! loc || ! near || ! v || ! L || ! hair)
    goto done;

  for (i = 0; i < n; i++)
    {
      const float *p = in->rgb + 3 * i;

      ok[i] = isfinite (p[0]) && isfinite (p[1]) && isfinite (p[2]);
      Y[i]  = ok[i] ? (float) (luma_w[0] * p[0] + luma_w[1] * p[1] +
                               luma_w[2] * p[2]) : 0.0f;
      all_ok &= ok[i] > 0.0f;
    }
  /* The mean luminance of each pixel's neighbourhood, finite pixels only
   * (all finite: the mean of ok is 1 everywhere, exactly).  */
  if (! smp_box_mean (Y, loc, w, h, smp_look_local_px (in->px_per_mm)) ||
      (! all_ok &&
       ! smp_box_mean (ok, near, w, h, smp_look_local_px (in->px_per_mm))))
    goto done;
  if (! all_ok)
    for (i = 0; i < n; i++)
      loc[i] = near[i] > 0.0f ? loc[i] / near[i] : 0.0f;

  /* The skin: the treated area's lighter part (a designer's mask is mostly
   * bald), below its brightest few per cent (shine).  */
  for (i = 0; i < n; i++)
    if (ok[i] && in->mask[i] >= 0.5f)
      v[ns++] = loc[i];
  status = 0;
  if (ns < 16)
    goto done;
  cut_lo = quantile (v, ns, 0.4);
  cut_hi = select_float (v, ns, (size_t) floor (0.97 * (ns - 1)));
  ns = 0;
  for (i = 0; i < n; i++)
    if (ok[i] && in->mask[i] >= 0.5f && loc[i] >= cut_lo && loc[i] <= cut_hi)
      {
        for (c = 0; c < 3; c++)
          skin_sum[c] += in->rgb[3 * i + c];
        ns++;
      }
  if (ns == 0)
    goto done;
  for (c = 0; c < 3; c++)
    look->skin[c] = skin_sum[c] / ns;
  look->skin_pixels = (int) ns;
  s_lum = luma (look->skin);
  if (! (s_lum > 1e-5))
    {
      look->skin_pixels = 0;
      goto done;
    }
  if (in->skin_only)
    goto done;

  /* Grain: each pixel's detail, each pixel's at most GRAIN_CLIP times the
   * bare skin's median (an edge, the mask's or the head's outline, is a
   * few pixels of great detail, hair many of some), averaged over 4.5 mm
   * (a patch of hair, not a strand); the skin's, its median.  */
  if (! in->reference)
    {
      float clip;

      grain = malloc (sizeof (float) * n);
      if (! grain ||
          ! rel_detail (Y, ok, w, h, in->px_per_mm, (float) (0.01 * s_lum), L,
                        grain))
        {
          status = -1;
          goto done;
        }
      clip = (float) GRAIN_CLIP * skin_median (in, ok, loc, cut_lo, cut_hi,
                                                grain, v);
      for (i = 0; i < n; i++)
        grain[i] = fminf (grain[i], clip);
      if (! smp_box_mean (grain, grain, w, h,
                          6 * smp_look_local_px (in->px_per_mm)))
        {
          status = -1;
          goto done;
        }
      skin_grain = skin_median (in, ok, loc, cut_lo, cut_hi, grain, v);
    }

  lo = s_lum * 0.005;
  hi = s_lum * HAIR_DARKER;
  /* Where the hair is sought: the reference, or a ring around the mask,
   * widened (up to RING_WIDEST times) while less than RING_HAIR_SHARE of
   * it (on the head) is hair: the client's hair may start farther from a
   * rough mask.  Hair candidates: darker than the skin around, of a
   * hair's hue, no smoother than the skin (HAIR_GRAIN), and on the head
   * when smp:scalp-map says where it is (not a dark wall, a shirt, a
   * shadow beside it).  */
  for (widen = 1; widen <= (in->reference ? 1 : RING_WIDEST); widen++)
    {
      size_t seeking = 0;
      int    on_head;

      if (! in->reference)
        {
          for (i = 0; i < n; i++)
            near[i] = in->mask[i] >= 0.5f ? 1.0f : 0.0f;
          if (! smp_box_mean (near, near, w, h, in->ring_px * widen))
            {
              status = -1;
              goto done;
            }
        }
      nh = 0;
      for (i = 0; i < n; i++)
        {
          int seek = in->reference ? in->reference[i] >= 0.5f
                                   : in->mask[i] < 0.5f && near[i] > 0.0f;

          on_head = ! in->head || in->head[i] >= 0.9f;
          seeking += seek && ok[i] && on_head;
          hair[i] = seek && ok[i] && on_head && loc[i] < hi && loc[i] > lo &&
                    hair_hue (in->rgb + 3 * i);
          /* 2: grainy enough to be hair, not shade (HAIR_GRAIN).  */
          if (hair[i] && (! grain || grain[i] >= HAIR_GRAIN * skin_grain))
            {
              hair[i] = 2;
              v[nh++] = logf (loc[i]);
            }
        }
      if (nh >= RING_HAIR_SHARE * seeking)
        break;
    }
  /* A ring that holds little hair however wide, around a bald head: what
   * it found is shade, blemishes or the head's dark outline.  */
  if (! in->reference && widen > RING_WIDEST)
    goto done;
  /* A ring holds thinning hair too, a mixture of hair and skin: only the
   * darker of the two classes Otsu's threshold splits the grainy
   * candidates into (in log luminance) is the client's hair.  */
  if (nh > 0 && ! in->reference)
    {
      float split = otsu (v, nh);

      /* All candidates (1: smooth, 2: grainy, 3: the darker grainy) keep
       * the hair's texture, thin and dense as the ring has it (measured
       * over the grainy only, a dense buzz's grainiest part stands for
       * it: photo 14's texture 1.7 times the buzz's); its darkening and
       * colour are the dense hair's.  */
      for (i = 0; i < n; i++)
        if (hair[i] == 2 && logf (loc[i]) <= split)
          hair[i] = 3;
    }
  nh = 0;
  for (i = 0; i < n; i++)
    if (hair[i] == (in->reference ? 2 : 3))
      {
        for (c = 0; c < 3; c++)
          hair_sum[c] += in->rgb[3 * i + c];
        nh++;
      }
  /* Too little to learn from: less than 2 mm² (and 30 pixels).  */
  if (nh < 30 || nh < 2.0 * in->px_per_mm * in->px_per_mm)
    goto done;
  for (c = 0; c < 3; c++)
    look->ratio[c] = fmin (1.0, fmax (0.02, hair_sum[c] / nh /
                                             fmax (look->skin[c], 1e-6)));
  if (! in->reference)
    helmet_cap (look);
  if (look_t (look) > 0.95)
    goto done;
  /* Lightness, for the hair's texture and grain only.  */
  for (i = 0; i < n; i++)
    L[i] = ok[i] ? smp_rgb_to_L (in->rgb + 3 * i) : NAN;
  look->texture  = smp_look_texture (L, w, h, hair);
  look->grain_px = smp_look_grain (L, w, h, hair,
                                   (int) fmax (2.0, lround (in->px_per_mm)));
  if (look->texture < 0.0 || look->grain_px < 0.0)
    goto done;
  look->hair_pixels = (int) nh;
  status = (int) nh;

done:
  free (Y);
  free (ok);
  free (loc);
  free (near);
  free (v);
  free (L);
  free (grain);
  free (hair);
  if (status <= 0)
    {
      look->hair_pixels = 0;
      look->ratio[0] = look->ratio[1] = look->ratio[2] = 1.0;
    }
  return status;
}


int
smp_look_patch (const SmpLookInput *in,
                const SmpHairLook  *look,
                int                 max_side,
                int                 min_side,
                int                *px,
                int                *py)
{
  const int w = in->width, h = in->height;
  size_t    n = (size_t) w * h, i;
  float    *Y = malloc (sizeof (float) * n), *ok = malloc (sizeof (float) * n);
  int64_t  *sat = calloc ((size_t) (w + 1) * (h + 1), sizeof (int64_t));
  double    cx = 0.0, cy = 0.0, count = 0.0;
  int       side, x, y, found = 0, r = smp_look_local_px (in->px_per_mm);

  if (! Y || ! ok || ! sat)
    goto done;
  for (i = 0; i < n; i++)
    {
      const float *p = in->rgb + 3 * i;

      ok[i] = isfinite (p[0]) && isfinite (p[1]) && isfinite (p[2]);
      Y[i]  = ok[i] ? (float) (luma_w[0] * p[0] + luma_w[1] * p[1] +
                               luma_w[2] * p[2]) : 0.0f;
    }
  if (! smp_box_mean (Y, Y, w, h, r))
    goto done;
  /* Summed-area table of the pixels a patch may hold.  */
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        size_t o    = (size_t) y * w + x;
        int    good = ok[o] > 0.0f && in->mask[o] >= 0.5f &&
                      smp_look_need (look, Y[o]) >= 0.8f;

        /* Bald skin, shine and all, as the treated area has it; a patch
         * pixel's own must be finite, and its neighbourhood mean counts
         * non-numbers as dark, which only makes it look less bald.  */
        sat[(size_t) (y + 1) * (w + 1) + x + 1] =
          good + sat[(size_t) y * (w + 1) + x + 1] +
          sat[(size_t) (y + 1) * (w + 1) + x] - sat[(size_t) y * (w + 1) + x];
        if (in->mask[o] >= 0.5f)
          {
            cx += x;
            cy += y;
            count++;
          }
      }
  if (count == 0)
    goto done;
  cx /= count;
  cy /= count;
  for (side = max_side; side >= min_side && ! found;
       side = side * 3 / 4 < min_side && side > min_side ? min_side
                                                         : side * 3 / 4)
    {
      int    step = side / 8 > 1 ? side / 8 : 1;
      double best = INFINITY;

      for (y = 0; y + side <= h; y += step)
        for (x = 0; x + side <= w; x += step)
          {
            int64_t inside = sat[(size_t) (y + side) * (w + 1) + x + side] -
                             sat[(size_t) y * (w + 1) + x + side] -
                             sat[(size_t) (y + side) * (w + 1) + x] +
                             sat[(size_t) y * (w + 1) + x];
            double  d      = hypot (x + side / 2.0 - cx, y + side / 2.0 - cy);

            if (inside == (int64_t) side * side && d < best)
              {
                best  = d;
                *px   = x;
                *py   = y;
                found = side;
              }
          }
      if (side == min_side)
        break;
    }

done:
  free (Y);
  free (ok);
  free (sat);
  return found;
}

float
smp_look_prep_amount (const SmpLookPrep *prep,
                      float              share,
                      float              local_luma)
{
  double t = prep->t, s = prep->s, r, b, target, need;

  if (! (share > 0.0f) || ! isfinite (local_luma) || ! (s > 0.0))
    return 0.0f;
  r = local_luma / s;
  if (! (t < 0.999))
    return share;
  /* The target: `share` of the hair's darkening (in log); what is needed
   * is what the neighbourhood, b of the way from the hair to the skin,
   * does not already show.  */
  target = pow (t, fmin (share, 1.0f));
  b      = fmin (1.0, fmax (0.0, (r - t) / (1.0 - t)));
  need   = log (target / (b + (1.0 - b) * target)) / prep->log_t;
  return (float) fmax (0.0, need);
}

float
smp_look_amount (const SmpHairLook *look,
                 float              share,
                 float              local_luma)
{
  SmpLookPrep prep;

  smp_look_prepare (look, &prep);
  return smp_look_prep_amount (&prep, share, local_luma);
}

int
smp_look_field (const SmpLookInput *in,
                double              feather_px,
                int                 x0,
                int                 y0,
                SmpLookField       *field)
{
  const int w = in->width, h = in->height, M = SMP_LOOK_FIELD_MAX;
  float    *inside = NULL, *count = NULL;
  int      *node_x;
  double    cell, reach;
  int       cols, rows, x, y, k, pass;

  memset (field, 0, sizeof (*field));
  if (! (feather_px > 0.0) || w <= 0 || h <= 0)
    return 1;
  cell = fmax (1.0, fmax (feather_px / 4.0,
                          (double) (w > h ? w : h) / (M - 1)));
  cols = (int) ceil ((w - 1) / cell) + 1;
  rows = (int) ceil ((h - 1) / cell) + 1;
  if (cols > M)
    cols = M;
  if (rows > M)
    rows = M;
  inside = calloc ((size_t) cols * rows, sizeof (float));
  count  = calloc ((size_t) cols * rows, sizeof (float));
  if (! inside || ! count)
    {
      free (inside);
      free (count);
      return 0;
    }

  /* Each pixel counts for its nearest node (the columns' found once).  */
  node_x = malloc (sizeof (int) * (size_t) w);
  if (! node_x)
    {
      free (inside);
      free (count);
      return 0;
    }
  for (x = 0; x < w; x++)
    node_x[x] = (int) floor ((x + 0.5) / cell + 0.5);
  for (y = 0; y < h; y++)
    {
      int gy = (int) floor ((y + 0.5) / cell + 0.5);

      if (gy >= rows)
        continue;
      for (x = 0; x < w; x++)
        {
          int gx = node_x[x];

          if (gx >= cols)
            continue;
          inside[gy * cols + gx] += in->mask[(size_t) y * w + x] >= 0.5f;
          count[gy * cols + gx]  += 1.0f;
        }
    }
  free (node_x);

  /* The distance (px) from the nodes that are mostly in the mask, by
   * chamfer passes, then a ramp from 1 there to 0 at the feather's reach
   * (less a cell, so that reading between nodes never reaches beyond).  */
  for (k = 0; k < cols * rows; k++)
    field->share[k] = count[k] > 0.0f && inside[k] >= 0.5f * count[k]
                      ? 0.0f : INFINITY;
  for (pass = 0; pass < 4; pass++)
    {
      int   fwd  = pass % 2 == 0;
      float step = (float) cell, diag = (float) (cell * M_SQRT2);

      for (k = 0; k < cols * rows; k++)
        {
          int   g  = fwd ? k : cols * rows - 1 - k;
          int   gx = g % cols, gy = g / cols, dx, dy;
          float v  = field->share[g];

          for (dy = -1; dy <= 1; dy++)
            for (dx = -1; dx <= 1; dx++)
              {
                int nx = gx + dx, ny = gy + dy;

                if ((dx == 0 && dy == 0) || nx < 0 || ny < 0 ||
                    nx >= cols || ny >= rows)
                  continue;
                v = fminf (v, field->share[ny * cols + nx] +
                              (dx && dy ? diag : step));
              }
          field->share[g] = v;
        }
    }
  reach = fmax (cell, feather_px - cell);
  for (k = 0; k < cols * rows; k++)
    field->share[k] = (float) fmax (0.0, 1.0 - field->share[k] / reach);
  field->x0   = x0;
  field->y0   = y0;
  field->cols = cols;
  field->rows = rows;
  field->cell = cell;
  free (inside);
  free (count);
  return 1;
}

/* Where column x (absolute) falls between the field's nodes: node i, the
 * next one i1, the fraction fu of the way.  */
static void
share_column (const SmpLookField *field,
              int                 x,
              int                *i,
              int                *i1,
              double             *fu)
{
  double u = fmin (field->cols - 1,
                   fmax (0.0, (x + 0.5 - field->x0) / field->cell));

  *i  = (int) floor (u);
  *i1 = *i + 1 < field->cols ? *i + 1 : *i;
  *fu = u - *i;
}

/* Whether a node from a to b (both included) of the two rows has a
 * share.  */
static int
any_share (const float *top,
           const float *bottom,
           int          a,
           int          b)
{
  int i;

  for (i = a; i <= b; i++)
    if (top[i] != 0.0f || bottom[i] != 0.0f)
      return 1;
  return 0;
}

void
smp_look_share_rect (const SmpLookField *field,
                     int                 x,
                     int                 y,
                     int                 width,
                     int                 height,
                     float              *share)
{
  int    *col = NULL;
  double *fus = NULL;
  int     row, k;

  if (width <= 0 || height <= 0)
    return;
  if (field->cols <= 0 || field->rows <= 0)
    {
      memset (share, 0, sizeof (float) * (size_t) width * height);
      return;
    }
  /* The columns' places are the same on every row: found once (a pixel at
   * a time if memory runs out).  */
  col = malloc (sizeof (int) * 2 * (size_t) width);
  fus = malloc (sizeof (double) * (size_t) width);
  if (col && fus)
    for (k = 0; k < width; k++)
      share_column (field, x + k, &col[2 * k], &col[2 * k + 1], &fus[k]);
  for (row = 0; row < height; row++)
    {
      const float *top, *bottom;
      float       *out = share + (size_t) row * width;
      double       v, fv;
      int          j, j1;

      v  = fmin (field->rows - 1,
                 fmax (0.0, (y + row + 0.5 - field->y0) / field->cell));
      j  = (int) floor (v);
      j1 = j + 1 < field->rows ? j + 1 : j;
      fv = v - j;
      top    = field->share + (size_t) j * field->cols;
      bottom = field->share + (size_t) j1 * field->cols;
      /* A row between nodes of no share (most rows of a photo) has none.  */
      if (col && fus && ! any_share (top, bottom, col[0], col[2 * width - 1]))
        {
          memset (out, 0, sizeof (float) * (size_t) width);
          continue;
        }
      for (k = 0; k < width; k++)
        {
          int    i, i1;
          double fu, s;

          if (col && fus)
            {
              i  = col[2 * k];
              i1 = col[2 * k + 1];
              fu = fus[k];
            }
          else
            share_column (field, x + k, &i, &i1, &fu);
          /* Nodes of no share give none (the most of a photo).  */
          if (top[i] == 0.0f && top[i1] == 0.0f && bottom[i] == 0.0f &&
              bottom[i1] == 0.0f)
            {
              out[k] = 0.0f;
              continue;
            }
          s = (1 - fv) * ((1 - fu) * top[i] + fu * top[i1]) +
              fv * ((1 - fu) * bottom[i] + fu * bottom[i1]);
          s = fmin (1.0, fmax (0.0, s));
          out[k] = (float) (s * s * (3.0 - 2.0 * s));
        }
    }
  free (col);
  free (fus);
}

/* Fitting.  */

#define HALO_MAX     8.0
/* At most this share of the darkening in the even layer: more, and the
 * crown is one solid shade with no dot in it (the "helmet"); dense dark
 * sides, smooth at 7 px, asked for 0.98.  */
#define TONE_MAX     0.8
#define DIAMETER_MIN 0.06
#define DIAMETER_MAX 0.25
#define DENSITY_MIN  30.0
#define DENSITY_MAX  250.0
#define LOG_T_MIN    (-9.2)   /* a pigment of transmittance 1e-4 */
/* How much softer than the photo's sharpest edges the hair may be (px).  */
#define BLUR_EXTRA   4.0

typedef struct
{
  const SmpHairLook *look;
  const float       *patch;
  int                x0, y0, w, h;
  double             clustering;
  uint32_t           seed;
  float             *field, *Lp;
  double             target[3];
  int                renders;
} Fit;

typedef struct
{
  double ratio[3], texture, grain;
  int    short_of[3];    /* the darkest pigment is not dark enough */
} Trial;

/* Renders the dots of (style, density) over the patch and measures.  */
static int
trial (Fit               *fit,
       const SmpDotStyle *style,
       double             density,
       int                measure,
       Trial             *out)
{
  SmpPattern  pattern;
  SmpRenderer renderer;
  SmpDotStyle finished = *style;
  size_t      n = (size_t) fit->w * fit->h, i;
  double      before[3] = { 0, 0, 0 }, after[3] = { 0, 0, 0 };
  int         c;

  /* The hair's look is that of the finished, healed treatment; the
   * timeline then acts on the dots fitted to it.  */
  smp_dot_style_finished (&finished);
  smp_pattern_init (&pattern, density, fit->clustering, fit->seed);
  smp_renderer_init (&renderer, &finished);
  for (i = 0; i < n * 3; i++)
    fit->field[i] = 1.0f;
  if (! smp_stipple (&pattern, &renderer, fit->x0, fit->y0, fit->w, fit->h,
                     NULL, fit->field))
    return 0;
  fit->renders++;
  for (i = 0; i < n; i++)
    {
      float rgb[3];

      for (c = 0; c < 3; c++)
        {
          rgb[c]     = fit->patch[3 * i + c] * fit->field[3 * i + c];
          before[c] += fit->patch[3 * i + c];
          after[c]  += rgb[c];
        }
      if (measure)
        fit->Lp[i] = smp_rgb_to_L (rgb);
    }
  for (c = 0; c < 3; c++)
    out->ratio[c] = before[c] > 0.0 ? after[c] / before[c] : 1.0;
  if (measure)
    {
      out->texture = smp_look_texture (fit->Lp, fit->w, fit->h, NULL);
      out->grain   = smp_look_grain (fit->Lp, fit->w, fit->h, NULL,
                                     (int) fmax (2.0,
                                                 lround (style->px_per_mm)));
    }
  return 1;
}

/* No channel of a dot less than this share as opaque as its darkest.  */
#define HUE_KEEP 0.75

/* The luminance of a ratio, weighted by the patch's own colour.  */
static double
ratio_luma (const Fit    *fit,
            const double *ratio)
{
  double num = 0.0, den = 0.0;
  int    c;

  for (c = 0; c < 3; c++)
    {
      num += luma_w[c] * fit->look->skin[c] * ratio[c];
      den += luma_w[c] * fit->look->skin[c];
    }
  return den > 0.0 ? num / den : 1.0;
}

/* The pigment that gives the target ratio with the rest of (style,
 * density).  The dots take the hue of the hair, made darker: a strand over
 * skin hides the skin, it does not filter it, so its core is the hair's
 * own colour; a pigment fitted channel by channel to the mean ratio
 * exaggerates the hue as the dots get sparser (blue dots on pink skin).
 * A bracketed secant in the pigment's log transmittance (one offset for
 * the three channels) on the luminance; the even layer carries the share
 * `tone` of the darkening and then what each channel still lacks.  Then
 * measures texture and grain.  */
static int
solve_colour (Fit         *fit,
              SmpDotStyle *style,
              double       density,
              Trial       *out)
{
  double base[3], lo, hi = 0.0, glo = NAN, ghi, v, vmin, g = 0.0;
  double want;
  int    it, c, shortfall;

  for (c = 0; c < 3; c++)
    {
      style->layer[c] = style->tone > 0.0
                        ? fmax (pow (fit->target[c], style->tone),
                                smp_render_layer_floor (style, c) + 1e-3)
                        : 1.0;
      /* What the dots must give in this channel, in log.  */
      base[c] = log (fit->target[c] / style->layer[c]);
    }
  {
    double r[3];

    for (c = 0; c < 3; c++)
      r[c] = exp (fmin (0.0, base[c]));
    want = ratio_luma (fit, r);
  }
  /* The darkest channel reaches the darkest pigment first: the others
   * keep their distance to it (the hue).  */
  vmin = LOG_T_MIN - fmin (0.0, fmin (base[0], fmin (base[1], base[2])));
  lo   = vmin;
  ghi = -log (want);
  v   = fmax (vmin, fmin (-1e-3, log (fmax (style->colour[1], 1e-4)) -
                                fmin (0.0, base[1])));
  for (it = 0; it < 10; it++)
    {
      for (c = 0; c < 3; c++)
        style->colour[c] = exp (fmin (-1e-3, fmin (0.0, base[c]) + v));
      if (! trial (fit, style, density, 0, out))
        return 0;
      g = log (fmax (ratio_luma (fit, out->ratio), 1e-6)) - log (want);
      if (fabs (g) < 0.01)
        break;
      if (g < 0.0)
        {
          lo  = v;
          glo = g;
        }
      else
        {
          hi  = v;
          ghi = g;
        }
      if (! isfinite (glo))
        {
          /* Never dark enough yet: three times the optical density, down
           * to the darkest pigment there is.  */
          if (v <= vmin)
            break;
          v = fmax (vmin, fmin (v, -0.05) * 3.0);
          continue;
        }
      v = lo + (hi - lo) * (-glo) / (ghi - glo);
      if (! (v > lo && v < hi))
        v = 0.5 * (lo + hi);
    }
  shortfall = ! isfinite (glo) && v <= vmin && g > 0.02;
  /* Then each channel on its own, as far as the hue of a dot may go: the
   * skin scatters the channels differently (red widest, blue veiled), so
   * pigment of the hair's hue does not give the hair's hue on average;
   * but a dot none of whose channels is less than HUE_KEEP as opaque as
   * its darkest stays a dot of the hair's colour (not a navy one).  */
  {
    double a_max = 0.0, u[3], ulo[3], uhi[3], gl[3], gh[3];

    for (c = 0; c < 3; c++)
      a_max = fmax (a_max, 1.0 - style->colour[c]);
    for (c = 0; c < 3; c++)
      {
        u[c]   = log (style->colour[c]);
        ulo[c] = LOG_T_MIN;
        uhi[c] = fmin (-1e-3, log (1.0 - HUE_KEEP * a_max));
        gl[c]  = NAN;
        gh[c]  = NAN;
      }
    for (it = 0; it < 4; it++)
      {
        int moved = 0;

        for (c = 0; c < 3; c++)
          {
            double e = log (fmax (out->ratio[c], 1e-6)) -
                       log (fit->target[c]);

            if (e < 0.0)
              {
                ulo[c] = u[c];
                gl[c]  = e;
              }
            else
              {
                uhi[c] = fmin (uhi[c], u[c]);
                gh[c]  = e;
              }
            if (fabs (e) < 0.01 || uhi[c] <= ulo[c])
              continue;
            if (isfinite (gl[c]) && isfinite (gh[c]))
              u[c] = ulo[c] + (uhi[c] - ulo[c]) * (-gl[c]) / (gh[c] - gl[c]);
            else
              u[c] = 0.5 * (ulo[c] + uhi[c]);
            style->colour[c] = exp (u[c]);
            moved = 1;
          }
        if (! moved)
          break;
        if (! trial (fit, style, density, 0, out))
          return 0;
      }
  }
  /* What the dots cannot give (the skin veils the blue), the even layer
   * gives, whatever the share `tone` of the darkening it carries.  */
  for (c = 0; c < 3; c++)
    style->layer[c] = fmin (1.0, fmax (smp_render_layer_floor (style, c) +
                                         1e-3,
                                         style->layer[c] * fit->target[c] /
                                         fmax (out->ratio[c], 1e-6)));
  if (! trial (fit, style, density, 1, out))
    return 0;
  /* Short: the darkest pigment there is leaves a channel too light.  */
  for (c = 0; c < 3; c++)
    out->short_of[c] = shortfall ||
                       (log (style->colour[c]) <= LOG_T_MIN + 0.1 &&
                        log (fmax (out->ratio[c], 1e-6)) -
                        log (fit->target[c]) > 0.02);
  return 1;
}

static int
short_of (const Trial *t)
{
  return t->short_of[0] || t->short_of[1] || t->short_of[2];
}

/* Bisection of one parameter p of (style, density) in [a, b] so that
 * measure (trial) reaches target: `rising` when the measure grows with p.
 * A trial whose pigment cannot reach the ratio counts as "p too low" when
 * `short_low`.  */
typedef double *(*Param) (SmpDotStyle *style, double *density);

static double *
param_halo (SmpDotStyle *style,
            double      *density)
{
  return &style->halo;
}

static double *
param_diameter (SmpDotStyle *style,
                double      *density)
{
  return &style->dot_diameter;
}

/* In the fit the style's tone is the share of the darkening (in log) that
 * the even layer carries; see solve_colour.  */
static double *
param_tone (SmpDotStyle *style,
            double      *density)
{
  return &style->tone;
}

static double *
param_blur (SmpDotStyle *style,
            double      *density)
{
  return &style->blur_px;
}

static double *
param_density (SmpDotStyle *style,
               double      *density)
{
  return density;
}

static int
bisect (Fit         *fit,
        SmpDotStyle *style,
        double      *density,
        Param        param,
        double       a,
        double       b,
        int          texture,
        int          rising,
        int          steps,
        Trial       *best)
{
  double target = texture ? fit->look->texture : fit->look->grain_px;
  double err_best = INFINITY;
  SmpDotStyle keep = *style;
  double      keep_density = *density;
  int         k;

  for (k = 0; k < steps; k++)
    {
      SmpDotStyle s = *style;
      double      d = *density, value, err;
      Trial       t;

      *param (&s, &d) = 0.5 * (a + b);
      if (! solve_colour (fit, &s, d, &t))
        return 0;
      value = texture ? t.texture : t.grain;
      err   = fabs (log (fmax (value, 1e-6) / target));
      if (short_of (&t))
        {
          /* Not reachable: the shade must come from more halo, more or
           * larger dots.  */
          a = 0.5 * (a + b);
          continue;
        }
      if (err < err_best)
        {
          err_best     = err;
          keep         = s;
          keep_density = d;
          *best        = t;
        }
      if ((value < target) == (rising != 0))
        a = 0.5 * (a + b);
      else
        b = 0.5 * (a + b);
    }
  if (isfinite (err_best))
    {
      *style   = keep;
      *density = keep_density;
    }
  return 1;
}

int
smp_look_fit (const SmpHairLook *look,
              const float       *patch,
              int                x0,
              int                y0,
              int                w,
              int                h,
              double             clustering,
              uint32_t           seed,
              SmpDotStyle       *style,
              double            *density)
{
  Fit    fit = { look, patch, x0, y0, w, h, clustering, seed };
  Trial  t;
  size_t n = (size_t) w * h;
  double blur_min = 0.0;
  int    ok = 0, c, round;

  fit.field = malloc (sizeof (float) * n * 3);
  fit.Lp    = malloc (sizeof (float) * n);
  if (! fit.field || ! fit.Lp)
    goto done;
  for (c = 0; c < 3; c++)
    fit.target[c] = fmin (0.995, fmax (0.02, look->ratio[c]));
  style->shade_variation = 0.0;
  style->tone            = 0.0;

  /* The shade first: enough halo (then dots) to reach the ratio at all.  */
  if (! solve_colour (&fit, style, *density, &t))
    goto done;
  while (short_of (&t) && (style->halo < HALO_MAX || *density < DENSITY_MAX))
    {
      if (style->halo < HALO_MAX)
        style->halo = fmin (HALO_MAX, style->halo * 1.5 + 0.5);
      else
        *density = fmin (DENSITY_MAX, *density * 1.3);
      if (! solve_colour (&fit, style, *density, &t))
        goto done;
    }

  /* Twice: the grain size from the blur the dots are seen through (the
   * hair is often softer than the photo's sharpest edges: a dot is never
   * sharper than it), then from the dot size; the texture from the share
   * of the halo (more halo: a smoother shade), then, when the halo alone
   * cannot make it, from the number of dots (fewer: each darker).  */
  for (round = 0; round < 2; round++)
    {
      double blur0 = round == 0 ? style->blur_px : blur_min;

      if (round == 0)
        blur_min = style->blur_px;
      if (t.grain < look->grain_px)
        {
          if (! bisect (&fit, style, density, param_blur, blur0,
                        blur_min + BLUR_EXTRA, 0, 1, 6, &t))
            goto done;
          if (t.grain < look->grain_px * 0.9 &&
              ! bisect (&fit, style, density, param_diameter,
                        style->dot_diameter, DIAMETER_MAX, 0, 1, 5, &t))
            goto done;
        }
      else if (! bisect (&fit, style, density, param_blur, blur_min,
                         style->blur_px, 0, 1, 6, &t))
        goto done;
      if (t.texture > look->texture)
        {
          if (! bisect (&fit, style, density, param_halo, style->halo,
                        HALO_MAX, 1, 0, 6, &t))
            goto done;
          if (t.texture > look->texture * 1.1 &&
              ! bisect (&fit, style, density, param_tone, style->tone,
                        TONE_MAX, 1, 0, 6, &t))
            goto done;
          if (t.texture > look->texture * 1.1 &&
              ! bisect (&fit, style, density, param_density, *density,
                        DENSITY_MAX, 1, 0, 5, &t))
            goto done;
        }
      else
        {
          if (style->tone > 0.0 &&
              ! bisect (&fit, style, density, param_tone, 0.0, style->tone,
                        1, 0, 6, &t))
            goto done;
          if (t.texture < look->texture * 0.9 &&
              ! bisect (&fit, style, density, param_halo, 0.0, style->halo,
                        1, 0, 6, &t))
            goto done;
          if (t.texture < look->texture * 0.9 &&
              ! bisect (&fit, style, density, param_density, DENSITY_MIN,
                        *density, 1, 0, 5, &t))
            goto done;
        }
    }
  if (! solve_colour (&fit, style, *density, &t))
    goto done;
  ok = 1;

done:
  free (fit.field);
  free (fit.Lp);
  return ok;
}
