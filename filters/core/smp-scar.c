/* smp-scar.c: see smp-scar.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smp-box.h"
#include "smp-cells.h"
#include "smp-color.h"
#include "smp-scar.h"

/* Rounds of local statistics: the first surroundings are "not the scar as
 * the whole mask's tones say", the second "not the scar as the first round
 * says", which takes bald skin in a mask drawn too wide out of the scar.  */
#define ROUNDS 2

/* Colour noise of the surroundings (JPEG, grain) moves a pixel's place on
 * the way to the scar's colour a little: away from the scar a pixel is
 * scar from this much of the way on (beside it, where the photo's blur
 * spreads the scar's light, from none).  */
#define NOISE      0.1f

/* A pixel this much scar or more has the scar's light in it.  */
#define TRACE      0.02f

/* A box in which at least this share is surroundings speaks for them; a
 * wider one, or the whole mask's tones, where fewer.  */
#define NEAR_SHARE 0.2
#define FAR_SHARE  0.03

static int
finite3 (const float *p)
{
  return isfinite (p[0]) && isfinite (p[1]) && isfinite (p[2]);
}

static double
lab_d2 (const float  *a,
        const double *b)
{
  return (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
         (a[2] - b[2]) * (a[2] - b[2]);
}

int
smp_scar_tones (const float  *rgb,
                const float  *mask,
                int           w,
                int           h,
                int           ring_px,
                SmpScarTones *tones)
{
  size_t  n = (size_t) w * h, i, nm = 0, nr = 0;
  float  *near = calloc (n ? n : 1, sizeof (float));
  float  *lab  = malloc (sizeof (float) * 3 * (n ? n : 1));
  double  ring[3] = { 0, 0, 0 }, ring_lab[3], mean[2][3], far = 0.0;
  double  sum[2][3], cnt[2], dmin = INFINITY, dmax = 0.0;
  float   rl[3], rr[3];
  int     c, k, it, status = -1, scar_k;

  memset (tones, 0, sizeof (*tones));
  if (! near || ! lab)
    goto done;
  for (i = 0; i < n; i++)
    near[i] = mask[i] >= 0.5f ? 1.0f : 0.0f;
  if (! smp_box_mean (near, near, w, h, ring_px))
    goto done;
  for (i = 0; i < n; i++)
    {
      const float *p = rgb + 3 * i;

      if (! finite3 (p))
        continue;
      smp_rgb_to_lab (p, lab + 3 * i);
      if (mask[i] >= 0.5f)
        nm++;
      else if (near[i] > 0.0f)
        {
          for (c = 0; c < 3; c++)
            ring[c] += p[c];
          nr++;
        }
    }
  status = 0;
  if (nm < 4 || nr < 4)
    goto done;
  for (c = 0; c < 3; c++)
    {
      ring[c] /= nr;
      rr[c] = (float) ring[c];
    }
  smp_rgb_to_lab (rr, rl);
  for (c = 0; c < 3; c++)
    ring_lab[c] = rl[c];

  /* Two clusters of the masked colours, from the nearest and the farthest
   * from the ring.  */
  for (i = 0; i < n; i++)
    if (mask[i] >= 0.5f && finite3 (rgb + 3 * i))
      {
        double d = lab_d2 (lab + 3 * i, ring_lab);

        if (d < dmin)
          {
            dmin = d;
            for (c = 0; c < 3; c++)
              mean[0][c] = lab[3 * i + c];
          }
        if (d > dmax)
          {
            dmax = d;
            for (c = 0; c < 3; c++)
              mean[1][c] = lab[3 * i + c];
          }
      }
  for (it = 0; it < 20; it++)
    {
      memset (sum, 0, sizeof (sum));
      cnt[0] = cnt[1] = 0.0;
      for (i = 0; i < n; i++)
        if (mask[i] >= 0.5f && finite3 (rgb + 3 * i))
          {
            k = lab_d2 (lab + 3 * i, mean[1]) < lab_d2 (lab + 3 * i, mean[0]);
            cnt[k] += 1.0;
            for (c = 0; c < 3; c++)
              sum[k][c] += lab[3 * i + c];
          }
      for (k = 0; k < 2; k++)
        if (cnt[k] > 0.0)
          for (c = 0; c < 3; c++)
            mean[k][c] = sum[k][c] / cnt[k];
    }
  /* The scar: the cluster farther from the ring, in linear light.  */
  {
    float m0[3] = { mean[0][0], mean[0][1], mean[0][2] };
    float m1[3] = { mean[1][0], mean[1][1], mean[1][2] };

    scar_k = lab_d2 (m1, ring_lab) >= lab_d2 (m0, ring_lab) ? 1 : 0;
    far    = sqrt (lab_d2 (scar_k ? m1 : m0, ring_lab));
  }
  if (! (far >= 3.0))
    goto done;
  {
    float ml[3] = { mean[scar_k][0], mean[scar_k][1], mean[scar_k][2] };
    float mr[3];

    smp_lab_to_rgb (ml, mr);
    for (c = 0; c < 3; c++)
      {
        tones->scar[c]   = mr[c];
        tones->around[c] = ring[c];
      }
  }
  status = 1;

done:
  free (near);
  free (lab);
  return status;
}


/* How much of colour p is scar, on the way from the surroundings a to the
 * scar s: its place t along a -> s, less where it lies off that way (a
 * colour neither the scar nor its surroundings have).  */
static float
scar_share (const float *p,
            const float *a,
            const float *s,
            float        from)
{
  double d[3], e2 = 0.0, dd = 0.0, dp = 0.0, t, off;
  int    c;

  for (c = 0; c < 3; c++)
    {
      d[c] = s[c] - a[c];
      dd  += d[c] * d[c];
      dp  += d[c] * (p[c] - a[c]);
    }
  if (! (dd > 1e-8))
    return 0.0f;
  t = dp / dd;
  for (c = 0; c < 3; c++)
    {
      double e = p[c] - a[c] - t * d[c];

      e2 += e * e;
    }
  /* Off the way, relative to its length (beyond the scar's colour, to
   * how far beyond: a shine on the scar is still scar).  */
  off = sqrt (e2 / dd) / fmax (1.0, t);
  /* Colour noise of the surroundings (JPEG, grain) moves t a little: away
   * from the scar a pixel becomes scar from `from` of the way on.  */
  t = (t - from) / (1.0 - 2.0 * from);
  t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
  off = (0.7 - off) / 0.35;
  off = off < 0.0 ? 0.0 : off > 1.0 ? 1.0 : off;
  return (float) (t * off);
}

/* The cell side for the radii: a third of the near radius.  */
static int
cell_px (const SmpScarRadii *radii)
{
  int k = radii->near_px / 3;

  return k < 1 ? 1 : k;
}

int
smp_scar_margin (const SmpScarRadii *radii)
{
  int r = radii->far_px > radii->near_px ? radii->far_px : radii->near_px;
  int k = cell_px (radii);

  /* Each round reads the edge band and boxes of whole cells (a cell and
   * the next one's centre more than the radius), and the last round's
   * cells at its centres.  */
  return ROUNDS * (r + radii->edge_px + 3 * k) + 1;
}

int
smp_scar_local (const float        *rgb,
                const float        *region,
                int                 x0,
                int                 y0,
                int                 w,
                int                 h,
                const SmpScarTones *tones,
                const SmpScarRadii *radii,
                float              *like,
                float              *around,
                float              *scar)
{
  size_t    n    = (size_t) w * h, i, nc;
  SmpCells *g    = NULL;
  int       k    = cell_px (radii);
  int       rn   = (radii->near_px + k / 2) / k;
  int       rf   = (radii->far_px + k / 2) / k;
  float    *l    = malloc (sizeof (float) * (n ? n : 1));
  float    *ws   = malloc (sizeof (float) * (n ? n : 1));
  float    *band = malloc (sizeof (float) * (n ? n : 1));
  float    *an   = NULL, *af = NULL, *cs = NULL;
  float    *sn   = NULL, *sf = NULL, *sc = NULL;
  float     ga[3], gs[3];
  int       ok   = 0, round, c, x, y;

  if (! l || ! ws || ! band ||
      ! (g = smp_cells_new (k, x0, y0, w, h)))
    goto done;
  nc = smp_cells_size (g);
  an = malloc (sizeof (float) * 3 * nc);
  af = malloc (sizeof (float) * 3 * nc);
  cs = malloc (sizeof (float) * 3 * nc);
  sn = malloc (sizeof (float) * nc);
  sf = malloc (sizeof (float) * nc);
  sc = malloc (sizeof (float) * nc);
  if (! an || ! af || ! cs || ! sn || ! sf || ! sc)
    goto done;
  for (c = 0; c < 3; c++)
    {
      ga[c] = (float) tones->around[c];
      gs[c] = (float) tones->scar[c];
    }
  /* The first guess: the whole mask's tones.  */
  for (i = 0; i < n; i++)
    l[i] = region[i] > 0.0f && finite3 (rgb + 3 * i) &&
           scar_share (rgb + 3 * i, ga, gs, NOISE) >= 0.5f ? 1.0f : 0.0f;

  for (round = 0; round < ROUNDS; round++)
    {
      /* The edge: within edge_px of any pixel with a trace of scar (the
       * photo's blur spreads its light well beyond its outline).  */
      for (i = 0; i < n; i++)
        band[i] = l[i] > TRACE ? 1.0f : 0.0f;
      if (! smp_box_mean (band, band, w, h, radii->edge_px))
        goto done;
      /* The surroundings: what is no scar and not at its edge, near (or
       * else farther); the scar near, its pixels partly scar weighing
       * less (their colour is partly the surroundings').  */
      for (i = 0; i < n; i++)
        {
          band[i] = fminf (1.0f, 4.0f * band[i]);
          ws[i]   = finite3 (rgb + 3 * i) ? (1.0f - l[i]) * (1.0f - band[i])
                                          : 0.0f;
        }
      smp_cells_clear (g);
      smp_cells_add (g, rgb, ws, 0, 0, w, h);
      if (! smp_cells_box (g, rn, an, sn) || ! smp_cells_box (g, rf, af, sf))
        goto done;
      for (i = 0; i < n; i++)
        ws[i] = finite3 (rgb + 3 * i) ? l[i] * l[i] : 0.0f;
      if (! smp_cells_mean (g, rgb, ws, rf, cs, sc))
        goto done;
      for (i = 0; i < nc; i++)
        {
          float kn = (float) fmin (1.0, sn[i] / NEAR_SHARE);
          float kf = (float) fmin (1.0, sf[i] / FAR_SHARE);
          float ks = (float) fmin (1.0, sc[i] / FAR_SHARE);

          for (c = 0; c < 3; c++)
            {
              float far = kf * af[3 * i + c] + (1.0f - kf) * ga[c];

              an[3 * i + c] = kn * an[3 * i + c] + (1.0f - kn) * far;
              cs[3 * i + c] = ks * cs[3 * i + c] + (1.0f - ks) * gs[c];
            }
        }
      for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
          {
            float a[3], sc3[3];

            i = (size_t) y * w + x;
            l[i] = 0.0f;
            if (! (region[i] > 0.0f) || ! finite3 (rgb + 3 * i))
              continue;
            smp_cells_read (g, an, x, y, a);
            smp_cells_read (g, cs, x, y, sc3);
            l[i] = scar_share (rgb + 3 * i, a, sc3, NOISE * (1.0f - band[i]));
          }
    }
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        i = (size_t) y * w + x;
        if (like)
          like[i] = l[i];
        if (around)
          smp_cells_read (g, an, x, y, around + 3 * i);
        if (scar)
          smp_cells_read (g, cs, x, y, scar + 3 * i);
      }
  ok = 1;

done:
  free (l);
  free (ws);
  free (band);
  free (an);
  free (af);
  free (cs);
  free (sn);
  free (sf);
  free (sc);
  smp_cells_free (g);
  return ok;
}
