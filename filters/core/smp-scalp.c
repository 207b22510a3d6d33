/* smp-scalp.c: see smp-scalp.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 *
 * How the classes are told apart, all on the working grid, all sizes in
 * millimetres, everything learnt from this photo alone:
 * 1. features: colour (L*a*b*, colour compared over 1.5 mm) and fine
 *    texture (the gradient of L* at about 0.3 mm, over 1 mm);
 * 2. background: k-means of the frame's edge; a cluster that the middle of
 *    the frame does not have is background;
 * 3. skin: the densest skin-like hue and chroma, weighted to the middle,
 *    to smooth cells and to some chroma; the light on it, a smooth surface
 *    then the skin's own lightness within 15 mm; hair: darker than that
 *    light, or coarse and a little darker or grey;
 * 4. the head: the part of skin and hair, not background, that weighs most
 *    near the middle, gaps closed and holes filled; no head when its
 *    outline is mostly the frame's edge (a photo of one surface);
 * 5. scalp and body: skin inside the convex hull of the hair, or beyond a
 *    stretch of the hull that is not hair (a bald crown over a fringe), is
 *    scalp; skin beside the hair (ears, a neck) or near where skin leaves
 *    the frame (a face, a neck, shoulders) is body; with too little hair
 *    for a hull (a bald head) only the second rule applies;
 * 6. thinning: inside the hull, where skin shows through the hair, or
 *    deep in it, scalp seen through hair lighter than the photo's own
 *    dense hair; a thinning zone's fading rim (less scalp showing, over
 *    10 mm) as a band along what is treated;
 * 7. the treated area: scalp, residual hairs closed, crumbs and holes
 *    gone, each part kept only when it is a zone (500 mm2 or more) that
 *    hair or background borders with a visible edge (not a patch of a
 *    skin-coloured surface); then the soft edge, inward.
 */

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smp-color.h"
#include "smp-scalp.h"

/* The fine grid is where texture is measured: about 3.5 px/mm or the
 * photo's own scale if coarser, at most FINE_MAX on a side.  */
#define FINE_PPM    3.5
#define FINE_MAX    1536
/* The working grid, where classes are decided.  */
#define WORK_PPM    1.75
#define WORK_MAX    400
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

struct SmpScalpBuilder
{
  int     width, height;      /* photo */
  double  ppm;
  int     fine;               /* photo pixels a fine pixel side */
  int     fw, fh;
  int     k;                  /* fine pixels a cell side */
  int     y;                  /* next photo row */
  double *sum;                /* fine grid: linear R, G, B, weight */
};


SmpScalpBuilder *
smp_scalp_builder_new (int    width,
                       int    height,
                       double px_per_mm)
{
  SmpScalpBuilder *b;
  int              side = width > height ? width : height;

  if (width <= 0 || height <= 0 || ! (px_per_mm > 0.0) ||
      ! isfinite (px_per_mm) || width > (1 << 24) || height > (1 << 24))
    return NULL;
  b = calloc (1, sizeof *b);
  if (! b)
    return NULL;
  b->width  = width;
  b->height = height;
  b->ppm    = px_per_mm;
  b->fine   = (int) floor (px_per_mm / FINE_PPM);
  if (b->fine < 1)
    b->fine = 1;
  if ((side + b->fine - 1) / b->fine > FINE_MAX)
    b->fine = (side + FINE_MAX - 1) / FINE_MAX;
  b->fw = (width + b->fine - 1) / b->fine;
  b->fh = (height + b->fine - 1) / b->fine;
  b->k  = (int) floor (px_per_mm / b->fine / WORK_PPM + 0.5);
  if (b->k < 1)
    b->k = 1;
  side = b->fw > b->fh ? b->fw : b->fh;
  if ((side + b->k - 1) / b->k > WORK_MAX)
    b->k = (side + WORK_MAX - 1) / WORK_MAX;
  b->sum = calloc ((size_t) b->fw * b->fh * 4, sizeof (double));
  if (! b->sum)
    {
      free (b);
      return NULL;
    }
  return b;
}

int
smp_scalp_builder_band (const SmpScalpBuilder *builder)
{
  return builder->fine;
}

void
smp_scalp_builder_add (SmpScalpBuilder *b,
                       const float     *rgba,
                       int              rows)
{
  int r, x;

  for (r = 0; r < rows && b->y < b->height; r++, b->y++)
    {
      double      *out = b->sum + (size_t) (b->y / b->fine) * b->fw * 4;
      const float *p   = rgba + (size_t) r * b->width * 4;

      for (x = 0; x < b->width; x++, p += 4)
        {
          double *s = out + (size_t) (x / b->fine) * 4;

          if (! (p[3] > 0.0f) || ! isfinite (p[0]) || ! isfinite (p[1]) ||
              ! isfinite (p[2]) || ! isfinite (p[3]))
            continue;
          /* Light as it is, clipped to what a camera records.  */
          s[0] += fmin (fmax (p[0], 0.0), 1.0);
          s[1] += fmin (fmax (p[1], 0.0), 1.0);
          s[2] += fmin (fmax (p[2], 0.0), 1.0);
          s[3] += 1.0;
        }
    }
}

void
smp_scalp_map_free (SmpScalpMap *map)
{
  int i;

  if (! map)
    return;
  for (i = 0; i < SMP_SCALP_PLANES; i++)
    free (map->plane[i]);
  free (map);
}

float
smp_scalp_sample (const SmpScalpMap *map,
                  SmpScalpPlane      plane,
                  double             x,
                  double             y)
{
  const float *p = map->plane[plane];
  double       u = x / map->cell - 0.5, v = y / map->cell - 0.5, fu, fv;
  int          i, j, i1, j1;

  if (! map->found || ! isfinite (u) || ! isfinite (v))
    return 0.0f;
  u  = fmin (fmax (u, 0.0), map->width - 1.0);
  v  = fmin (fmax (v, 0.0), map->height - 1.0);
  i  = (int) floor (u);
  j  = (int) floor (v);
  fu = u - i;
  fv = v - j;
  i1 = i + 1 < map->width ? i + 1 : i;
  j1 = j + 1 < map->height ? j + 1 : j;
  return (float) ((1.0 - fv) * ((1.0 - fu) * p[j * map->width + i] +
                                fu * p[j * map->width + i1]) +
                  fv * ((1.0 - fu) * p[j1 * map->width + i] +
                        fu * p[j1 * map->width + i1]));
}

/* ---- features ------------------------------------------------------ */

typedef struct
{
  int    W, H;
  float *lab;       /* 3 a cell */
  float *tex;       /* mean gradient of L* on the fine grid, a cell */
  float *valid;     /* share of the cell with photo pixels */
} Features;

static float
lightness (const double *s)
{
  double y = (0.2126729 * s[0] + 0.7151522 * s[1] + 0.0721750 * s[2]) / s[3];

  return (float) (y > 0.008856 ? 116.0 * cbrt (y) - 16.0 : 903.3 * y);
}

/* The photo's colours and fine texture, cell by cell.  */
static int
features (const SmpScalpBuilder *b,
          Features              *f)
{
  const int fw = b->fw, fh = b->fh, k = b->k;
  const int W = (fw + k - 1) / k, H = (fh + k - 1) / k;
  float    *L   = malloc ((size_t) fw * fh * sizeof (float));
  double   *acc = calloc ((size_t) W * H * 6, sizeof (double));
  int       x, y, c;

  f->W = W;
  f->H = H;
  f->lab   = malloc ((size_t) W * H * 3 * sizeof (float));
  f->tex   = malloc ((size_t) W * H * sizeof (float));
  f->valid = malloc ((size_t) W * H * sizeof (float));
  if (! L || ! acc || ! f->lab || ! f->tex || ! f->valid)
    {
      free (L);
      free (acc);
      return 0;
    }
  for (y = 0; y < fh; y++)
    for (x = 0; x < fw; x++)
      {
        const double *s = b->sum + ((size_t) y * fw + x) * 4;

        L[y * fw + x] = s[3] > 0.0 ? lightness (s) : NAN;
      }

  /* acc: R, G, B, weight, |g|, gradient weight.  */
  for (y = 0; y < fh; y++)
    for (x = 0; x < fw; x++)
      {
        const double *s = b->sum + ((size_t) y * fw + x) * 4;
        double       *a = acc + ((size_t) (y / k) * W + x / k) * 6;
        float         l = L[y * fw + x], xl, xr, yu, yd;
        double        gx, gy;

        if (! (s[3] > 0.0))
          continue;
        for (c = 0; c < 3; c++)
          a[c] += s[c] / s[3];
        a[3] += 1.0;
        xl = x > 0 ? L[y * fw + x - 1] : NAN;
        xr = x + 1 < fw ? L[y * fw + x + 1] : NAN;
        yu = y > 0 ? L[(y - 1) * fw + x] : NAN;
        yd = y + 1 < fh ? L[(y + 1) * fw + x] : NAN;
        gx = isfinite (xl) && isfinite (xr) ? 0.5 * (xr - xl)
           : isfinite (xr) ? xr - l : isfinite (xl) ? l - xl : NAN;
        gy = isfinite (yu) && isfinite (yd) ? 0.5 * (yd - yu)
           : isfinite (yd) ? yd - l : isfinite (yu) ? l - yu : NAN;
        if (! isfinite (gx) || ! isfinite (gy))
          continue;
        a[4] += sqrt (gx * gx + gy * gy);
        a[5] += 1.0;
      }
  free (L);

  for (y = 0; y < H; y++)
    for (x = 0; x < W; x++)
      {
        const double *a = acc + ((size_t) y * W + x) * 6;
        size_t        i = (size_t) y * W + x;
        int           kw = (x + 1) * k <= fw ? k : fw - x * k;
        int           kh = (y + 1) * k <= fh ? k : fh - y * k;
        float         rgb[3] = { 0.0f, 0.0f, 0.0f };

        if (a[3] > 0.0)
          for (c = 0; c < 3; c++)
            rgb[c] = (float) (a[c] / a[3]);
        smp_rgb_to_lab (rgb, f->lab + 3 * i);
        f->valid[i] = (float) (a[3] / (kw * kh));
        f->tex[i]   = a[5] > 0.0 ? (float) (a[4] / a[5]) : 0.0f;
      }
  free (acc);
  return 1;
}

static void
features_free (Features *f)
{
  free (f->lab);
  free (f->tex);
  free (f->valid);
}

/* ---- helpers on planes --------------------------------------------- */

/* 0 below x0, 1 above x1, linear between.  */
static double
ramp (double x,
      double x0,
      double x1)
{
  double t = (x - x0) / (x1 - x0);

  return t <= 0.0 ? 0.0 : t >= 1.0 ? 1.0 : t;
}


/* Box mean of radius r cells, edge cells averaged over what is inside:
 * separable, in place; tmp holds W x H floats.  */
static void
box_blur (float *p,
          float *tmp,
          int    W,
          int    H,
          int    r)
{
  int x, y;

  if (r <= 0)
    return;
  for (y = 0; y < H; y++)
    {
      const float *row = p + (size_t) y * W;
      double       s = 0.0;
      int          n = 0, x0, x1;

      for (x = 0; x <= r && x < W; x++, n++)
        s += row[x];
      for (x = 0; x < W; x++)
        {
          tmp[(size_t) y * W + x] = (float) (s / n);
          x1 = x + r + 1;
          x0 = x - r;
          if (x1 < W)
            {
              s += row[x1];
              n++;
            }
          if (x0 >= 0)
            {
              s -= row[x0];
              n--;
            }
        }
    }
  for (x = 0; x < W; x++)
    {
      double s = 0.0;
      int    n = 0, y0, y1;

      for (y = 0; y <= r && y < H; y++, n++)
        s += tmp[(size_t) y * W + x];
      for (y = 0; y < H; y++)
        {
          p[(size_t) y * W + x] = (float) (s / n);
          y1 = y + r + 1;
          y0 = y - r;
          if (y1 < H)
            {
              s += tmp[(size_t) y1 * W + x];
              n++;
            }
          if (y0 >= 0)
            {
              s -= tmp[(size_t) y0 * W + x];
              n--;
            }
        }
    }
}

/* Near-Gaussian blur of standard deviation sigma cells: three boxes.  */
static void
blur (float  *p,
      float  *tmp,
      int     W,
      int     H,
      double  sigma)
{
  int r = (int) floor (sqrt (4.0 * sigma * sigma + 1.0) / 2.0 + 0.5) - 1;
  int i;

  if (! (sigma > 0.3))
    return;
  if (r < 1)
    r = 1;
  for (i = 0; i < 3; i++)
    box_blur (p, tmp, W, H, r);
}

/* ---- colour models -------------------------------------------------- */

/* What this photo's skin and hair look like.  */
typedef struct
{
  double L, a, b;       /* skin: the mode of skin-coloured smooth cells */
  double sd_ab;         /* its spread in a*, b* */
  double tex;           /* its fine texture */
} Model;

static double
hue_deg (const float *lab)
{
  return atan2 (lab[2], lab[1]) * 180.0 / M_PI;
}

/* Weighted median of v by w over n (w >= 0): sorts a copy.  */
typedef struct
{
  float v, w;
} Pair;

static int
compare_pairs (const void *a,
               const void *b)
{
  const Pair *p = a, *q = b;

  return (p->v > q->v) - (p->v < q->v);
}

static double
weighted_quantile (Pair   *pairs,
                   int     n,
                   double  q)
{
  double total = 0.0, run = 0.0;
  int    i;

  if (n <= 0)
    return NAN;
  qsort (pairs, n, sizeof (Pair), compare_pairs);
  for (i = 0; i < n; i++)
    total += pairs[i].w;
  if (! (total > 0.0))
    return NAN;
  for (i = 0; i < n; i++)
    {
      run += pairs[i].w;
      if (run >= q * total)
        return pairs[i].v;
    }
  return pairs[n - 1].v;
}

/* A weight for where a subject usually is: the middle of the frame.  */
static double
centre_weight (int x,
               int y,
               int W,
               int H)
{
  double dx = (x + 0.5) / W - 0.5, dy = (y + 0.5) / H - 0.5;

  return exp (-(dx * dx + dy * dy) / (2.0 * 0.25 * 0.25));
}

/* The skin's colour: the densest a*, b* among cells of a colour skin can
 * have (hue 15-85 degrees, not dark), weighted towards the middle of the
 * frame, the smoother cells and some chroma, so that one dominant skin is
 * found, not the mean of a skin and a floor, nor a beige wall.  */
#define BINS 50
#define BIN  1.5
#define BIN0 -15.0

static int
learn_skin (const Features *f,
            Model          *m)
{
  const int n = f->W * f->H;
  Pair     *pl = malloc ((size_t) n * sizeof (Pair));
  double   *w  = malloc ((size_t) n * sizeof (double));
  float    *hist = calloc (BINS * BINS, sizeof (float));
  float    *tmp  = malloc (BINS * BINS * sizeof (float));
  double    texq;
  int       i, k, best = -1;

  if (! pl || ! w || ! hist || ! tmp)
    {
      free (pl); free (w); free (hist); free (tmp);
      return 0;
    }
  for (i = k = 0; i < n; i++)
    {
      const float *lab = f->lab + 3 * i;
      double       C   = hypot (lab[1], lab[2]), h = hue_deg (lab);

      w[i] = 0.0;
      if (f->valid[i] < 0.5f || h < 15.0 || h > 85.0 || C < 3.0 ||
          C > 50.0 || lab[0] < 20.0 || lab[0] > 97.0)
        continue;
      w[i] = centre_weight (i % f->W, i / f->W, f->W, f->H) *
             ramp (C, 4.0, 16.0) * exp (-f->tex[i] * f->tex[i] / 1.5);
      pl[k].v = f->tex[i];
      pl[k++].w = (float) w[i];
    }
  texq = weighted_quantile (pl, k, 0.3);
  m->L = m->a = m->b = NAN;
  m->sd_ab = 3.0;
  m->tex = texq;
  if (! isfinite (texq))
    goto done;
  for (i = 0; i < n; i++)
    {
      const float *lab = f->lab + 3 * i;
      int          u   = (int) floor ((lab[1] - BIN0) / BIN);
      int          v   = (int) floor ((lab[2] - BIN0) / BIN);

      if (! (w[i] > 0.0))
        continue;
      if (u >= 0 && u < BINS && v >= 0 && v < BINS)
        hist[v * BINS + u] += (float) w[i];
    }
  box_blur (hist, tmp, BINS, BINS, 1);
  box_blur (hist, tmp, BINS, BINS, 1);
  for (i = 0; i < BINS * BINS; i++)
    if (hist[i] > 0.0f && (best < 0 || hist[i] > hist[best]))
      best = i;
  if (best < 0)
    goto done;
  m->a = BIN0 + (best % BINS + 0.5) * BIN;
  m->b = BIN0 + (best / BINS + 0.5) * BIN;

  /* Its spread, lightness and texture, from the cells near it.  */
  for (i = k = 0; i < n; i++)
    {
      const float *lab = f->lab + 3 * i;
      double       d   = hypot (lab[1] - m->a, lab[2] - m->b);

      if (w[i] > 0.0 && d < 12.0)
        {
          pl[k].v = (float) d;
          pl[k++].w = (float) w[i];
        }
    }
  m->sd_ab = fmax (3.0, 1.25 * weighted_quantile (pl, k, 0.5));
  for (i = k = 0; i < n; i++)
    {
      const float *lab = f->lab + 3 * i;

      if (w[i] > 0.0 && hypot (lab[1] - m->a, lab[2] - m->b) < m->sd_ab)
        {
          pl[k].v = lab[0];
          pl[k++].w = (float) w[i];
        }
    }
  m->L = weighted_quantile (pl, k, 0.5);
  for (i = k = 0; i < n; i++)
    {
      const float *lab = f->lab + 3 * i;

      if (w[i] > 0.0 && hypot (lab[1] - m->a, lab[2] - m->b) < m->sd_ab &&
          fabs (lab[0] - m->L) < 10.0)
        {
          pl[k].v = f->tex[i];
          pl[k++].w = 1.0f;
        }
    }
  /* The smoother part: cells of skin's colour include hair of a skin-like
   * colour (a grey-brown buzz), which is coarser.  */
  if (k > 0)
    m->tex = weighted_quantile (pl, k, 0.35);
done:
  free (pl); free (w); free (hist); free (tmp);
  return isfinite (m->a) && isfinite (m->L);
}

/* ---- the background, learnt from the frame's edge -------------------- */

#define BG_K 6

/* Feature vector of a cell for clustering: L*, a*, b*, texture, scaled so
 * that one unit is about a just-different amount.  */
static void
feature_vector (const Features *f,
                int             i,
                double         *v)
{
  v[0] = f->lab[3 * i] / 6.0;
  v[1] = f->lab[3 * i + 1] / 4.0;
  v[2] = f->lab[3 * i + 2] / 4.0;
  v[3] = log1p (f->tex[i]) / 0.35;
}

static double
dist2 (const double *a,
       const double *b)
{
  double d = 0.0;
  int    c;

  for (c = 0; c < 4; c++)
    d += (a[c] - b[c]) * (a[c] - b[c]);
  return d;
}

/* The cluster nearest to v, its squared distance in *d2.  */
static int
nearest (const double  *v,
         double       (*mean)[4],
         double        *d2)
{
  int k, bk = 0;

  *d2 = INFINITY;
  for (k = 0; k < BG_K; k++)
    if (dist2 (v, mean[k]) < *d2)
      {
        *d2 = dist2 (v, mean[k]);
        bk  = k;
      }
  return bk;
}

/* bg[i]: how much cell i looks like what fills the frame's edge but not
 * its middle.  K-means of the edge cells (a ring 4 % of the frame wide),
 * started from evenly spaced edge cells; a cluster that also covers 4 % of
 * the middle (a disc of 22 % of the frame) is the subject reaching the
 * edge (hair filling the frame, a forehead), not background.  */
static int
learn_background (const Features *f,
                  float          *bg)
{
  const int W = f->W, H = f->H, n = W * H;
  const int ring = (int) fmax (2.0, 0.04 * fmin (W, H));
  int      *idx = malloc ((size_t) n * sizeof (int));
  double    mean[BG_K][4], sum[BG_K][5];
  int       m = 0, i, k, c, it, mid[BG_K] = { 0 }, nmid = 0;
  double    v[4];

  if (! idx)
    return 0;
  for (i = 0; i < n; i++)
    {
      int x = i % W, y = i / W;

      if ((x < ring || y < ring || x >= W - ring || y >= H - ring) &&
          f->valid[i] >= 0.5f)
        idx[m++] = i;
    }
  if (m < BG_K)
    {
      free (idx);
      memset (bg, 0, (size_t) n * sizeof (float));
      return 1;
    }
  for (k = 0; k < BG_K; k++)
    feature_vector (f, idx[(size_t) m * k / BG_K + m / (2 * BG_K)], mean[k]);
  for (it = 0; it < 20; it++)
    {
      memset (sum, 0, sizeof sum);
      for (i = 0; i < m; i++)
        {
          double best;
          int    bk;

          feature_vector (f, idx[i], v);
          bk = nearest (v, mean, &best);
          for (c = 0; c < 4; c++)
            sum[bk][c] += v[c];
          sum[bk][4] += 1.0;
        }
      for (k = 0; k < BG_K; k++)
        if (sum[k][4] > 0.0)
          for (c = 0; c < 4; c++)
            mean[k][c] = sum[k][c] / sum[k][4];
    }
  free (idx);

  /* Which clusters the middle has too.  */
  for (i = 0; i < n; i++)
    {
      double dx = (i % W + 0.5) / W - 0.5, dy = (i / W + 0.5) / H - 0.5;
      double best;
      int    bk;

      if (dx * dx + dy * dy > 0.22 * 0.22 || f->valid[i] < 0.5f)
        continue;
      feature_vector (f, i, v);
      bk = nearest (v, mean, &best);
      nmid++;
      if (best < 2.0 * 2.0)
        mid[bk]++;
    }
  for (i = 0; i < n; i++)
    {
      double best = INFINITY;

      feature_vector (f, i, v);
      for (k = 0; k < BG_K; k++)
        if (sum[k][4] > 0.0 && mid[k] < 0.04 * nmid)
          best = fmin (best, dist2 (v, mean[k]));
      bg[i] = (float) exp (-0.5 * best / (1.5 * 1.5));
      if (f->valid[i] < 0.5f)
        bg[i] = 1.0f;
    }
  return 1;
}

/* ---- shapes on the grid ---------------------------------------------- */

/* Squared Euclidean distance transform, one dimension (Felzenszwalb and
 * Huttenlocher): f sampled at n points, result in d; v, z scratch.  */
static void
edt_1d (const float *f,
        int          n,
        float       *d,
        int         *v,
        float       *z)
{
  int k = 0, q;

  v[0] = 0;
  z[0] = -INFINITY;
  z[1] = INFINITY;
  for (q = 1; q < n; q++)
    {
      float s;

      if (! isfinite (f[q]))
        continue;
      if (! isfinite (f[v[0]]))
        {
          v[0] = q;
          continue;
        }
      for (;;)
        {
          s = ((f[q] + (float) q * q) - (f[v[k]] + (float) v[k] * v[k])) /
              (2.0f * q - 2.0f * v[k]);
          if (s <= z[k] && k > 0)
            k--;
          else
            break;
        }
      if (s <= z[k])
        {
          v[k] = q;
          continue;
        }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = INFINITY;
    }
  for (k = 0, q = 0; q < n; q++)
    {
      while (z[k + 1] < q)
        k++;
      d[q] = isfinite (f[v[k]]) ? (q - v[k]) * (float) (q - v[k]) + f[v[k]]
                                : INFINITY;
    }
}

/* d[i]: the distance in cells from cell i to the nearest cell where on[i]
 * is set (0 there; infinite when none is).  */
static int
distance (const unsigned char *on,
          int                  W,
          int                  H,
          float               *d)
{
  int    side = W > H ? W : H, x, y;
  float *f = calloc ((size_t) side, sizeof (float));
  float *g = malloc ((size_t) side * sizeof (float));
  float *z = malloc ((size_t) (side + 1) * sizeof (float));
  int   *v = malloc ((size_t) side * sizeof (int));

  if (! f || ! g || ! z || ! v)
    {
      free (f); free (g); free (z); free (v);
      return 0;
    }
  for (x = 0; x < W; x++)
    {
      for (y = 0; y < H; y++)
        f[y] = on[(size_t) y * W + x] ? 0.0f : INFINITY;
      edt_1d (f, H, g, v, z);
      for (y = 0; y < H; y++)
        d[(size_t) y * W + x] = g[y];
    }
  for (y = 0; y < H; y++)
    {
      edt_1d (d + (size_t) y * W, W, g, v, z);
      for (x = 0; x < W; x++)
        d[(size_t) y * W + x] = sqrtf (g[x]);
    }
  free (f); free (g); free (z); free (v);
  return 1;
}

/* Morphology with a disc of radius r cells, in place: grow (r > 0) or
 * shrink (r < 0) the set.  d is scratch.  */
static int
morph (unsigned char *on,
       int            W,
       int            H,
       double         r,
       float         *d)
{
  int i, n = W * H;

  if (r > 0.0)
    {
      if (! distance (on, W, H, d))
        return 0;
      for (i = 0; i < n; i++)
        on[i] = d[i] <= r;
    }
  else if (r < 0.0)
    {
      for (i = 0; i < n; i++)
        on[i] = ! on[i];
      if (! distance (on, W, H, d))
        return 0;
      for (i = 0; i < n; i++)
        on[i] = d[i] > -r;
    }
  return 1;
}

/* 8-connected components of the set: label[i] = 1.. or 0; returns how
 * many (or -1 when memory ran out).  */
static int
components (const unsigned char *on,
            int                  W,
            int                  H,
            int                 *label)
{
  int  n = W * H, i, count = 0;
  int *stack = malloc ((size_t) n * sizeof (int));

  if (! stack)
    return -1;
  memset (label, 0, (size_t) n * sizeof (int));
  for (i = 0; i < n; i++)
    {
      int top = 0;

      if (! on[i] || label[i])
        continue;
      label[i] = ++count;
      stack[top++] = i;
      while (top > 0)
        {
          int p = stack[--top], x = p % W, y = p / W, dx, dy;

          for (dy = -1; dy <= 1; dy++)
            for (dx = -1; dx <= 1; dx++)
              {
                int q;

                if (x + dx < 0 || x + dx >= W || y + dy < 0 || y + dy >= H)
                  continue;
                q = p + dy * W + dx;
                if (on[q] && ! label[q])
                  {
                    label[q] = count;
                    stack[top++] = q;
                  }
              }
        }
    }
  free (stack);
  return count;
}

/* Sets the holes of the set: what is not in it and not connected to the
 * frame's edge through cells not in it.  */
static int
fill_holes (unsigned char *on,
            int            W,
            int            H)
{
  int            n = W * H, i, k;
  int           *label = malloc ((size_t) n * sizeof (int));
  unsigned char *off = malloc ((size_t) n);
  unsigned char *edge;

  if (! label || ! off)
    {
      free (label); free (off);
      return 0;
    }
  for (i = 0; i < n; i++)
    off[i] = ! on[i];
  k = components (off, W, H, label);
  edge = k >= 0 ? calloc ((size_t) k + 1, 1) : NULL;
  if (! edge)
    {
      free (label); free (off);
      return 0;
    }
  for (i = 0; i < n; i++)
    if (i % W == 0 || i % W == W - 1 || i / W == 0 || i / W == H - 1)
      edge[label[i]] = 1;
  for (i = 0; i < n; i++)
    if (off[i] && ! edge[label[i]])
      on[i] = 1;
  free (label); free (off); free (edge);
  return 1;
}

/* Geodesic distance (cells, 8 neighbours) from the seeds through the
 * cells where pass is set: Dijkstra on a binary heap.  */
typedef struct
{
  float d;
  int   i;
} Node;

static void
heap_push (Node  *heap,
           int   *size,
           Node   node)
{
  int k = (*size)++;

  while (k > 0)
    {
      int parent = (k - 1) / 2;

      if (heap[parent].d < node.d ||
          (heap[parent].d == node.d && heap[parent].i <= node.i))
        break;
      heap[k] = heap[parent];
      k = parent;
    }
  heap[k] = node;
}

static Node
heap_pop (Node *heap,
          int  *size)
{
  Node top = heap[0], last = heap[--(*size)];
  int  k = 0;

  for (;;)
    {
      int c = 2 * k + 1;

      if (c >= *size)
        break;
      if (c + 1 < *size && (heap[c + 1].d < heap[c].d ||
                            (heap[c + 1].d == heap[c].d &&
                             heap[c + 1].i < heap[c].i)))
        c++;
      if (last.d < heap[c].d || (last.d == heap[c].d && last.i <= heap[c].i))
        break;
      heap[k] = heap[c];
      k = c;
    }
  heap[k] = last;
  return top;
}

static int
geodesic (const unsigned char *seed,
          const unsigned char *pass,
          int                  W,
          int                  H,
          float               *d)
{
  int   n = W * H, size = 0, i;
  Node *heap = malloc ((size_t) (8 * n + 1) * sizeof (Node));

  if (! heap)
    return 0;
  for (i = 0; i < n; i++)
    {
      d[i] = INFINITY;
      if (seed[i] && pass[i])
        {
          d[i] = 0.0f;
          heap_push (heap, &size, (Node) { 0.0f, i });
        }
    }
  while (size > 0)
    {
      Node nd = heap_pop (heap, &size);
      int  x = nd.i % W, y = nd.i / W, dx, dy;

      if (nd.d > d[nd.i])
        continue;
      for (dy = -1; dy <= 1; dy++)
        for (dx = -1; dx <= 1; dx++)
          {
            int   q;
            float nd2;

            if ((! dx && ! dy) || x + dx < 0 || x + dx >= W || y + dy < 0 ||
                y + dy >= H)
              continue;
            q = nd.i + dy * W + dx;
            nd2 = nd.d + (dx && dy ? (float) M_SQRT2 : 1.0f);
            if (pass[q] && nd2 < d[q] && size < 8 * n)
              {
                d[q] = nd2;
                heap_push (heap, &size, (Node) { nd2, q });
              }
          }
    }
  free (heap);
  return 1;
}

/* Sets the cells inside the convex hull of the set (cell centres).  */
static int
hull_cmp (const void *a,
          const void *b)
{
  const int *p = a, *q = b;

  return p[0] != q[0] ? (p[0] > q[0]) - (p[0] < q[0])
                      : (p[1] > q[1]) - (p[1] < q[1]);
}

static long
cross (const int *o,
       const int *a,
       const int *b)
{
  return (long) (a[0] - o[0]) * (b[1] - o[1]) -
         (long) (a[1] - o[1]) * (b[0] - o[0]);
}

static int
convex_hull (const unsigned char *on,
             int                  W,
             int                  H,
             unsigned char       *out)
{
  int  n = W * H, m = 0, i, k = 0, y;
  int *pt, *hull;

  memset (out, 0, (size_t) n);
  /* The leftmost and rightmost cell of each row are enough.  */
  pt = malloc ((size_t) 4 * H * sizeof (int));
  hull = malloc ((size_t) 4 * (2 * H + 1) * sizeof (int));
  if (! pt || ! hull)
    {
      free (pt); free (hull);
      return 0;
    }
  for (y = 0; y < H; y++)
    {
      int x0 = -1, x1 = -1, x;

      for (x = 0; x < W; x++)
        if (on[(size_t) y * W + x])
          {
            if (x0 < 0)
              x0 = x;
            x1 = x;
          }
      if (x0 < 0)
        continue;
      pt[2 * m] = x0;
      pt[2 * m++ + 1] = y;
      if (x1 != x0)
        {
          pt[2 * m] = x1;
          pt[2 * m++ + 1] = y;
        }
    }
  if (m < 3)
    {
      for (i = 0; i < m; i++)
        out[(size_t) pt[2 * i + 1] * W + pt[2 * i]] = 1;
      free (pt); free (hull);
      return 1;
    }
  qsort (pt, m, 2 * sizeof (int), hull_cmp);
  /* Andrew's monotone chain.  */
  for (i = 0; i < m; i++)
    {
      while (k >= 2 && cross (hull + 2 * (k - 2), hull + 2 * (k - 1),
                              pt + 2 * i) <= 0)
        k--;
      hull[2 * k] = pt[2 * i];
      hull[2 * k++ + 1] = pt[2 * i + 1];
    }
  {
    int t = k + 1;

    for (i = m - 2; i >= 0; i--)
      {
        while (k >= t && cross (hull + 2 * (k - 2), hull + 2 * (k - 1),
                                pt + 2 * i) <= 0)
          k--;
        hull[2 * k] = pt[2 * i];
        hull[2 * k++ + 1] = pt[2 * i + 1];
      }
  }
  k--;
  /* Each row: between the edges it crosses.  */
  for (y = 0; y < H; y++)
    {
      double lo = INFINITY, hi = -INFINITY;
      int    x;

      for (i = 0; i < k; i++)
        {
          const int *a = hull + 2 * i, *b = hull + 2 * ((i + 1) % k);

          if ((a[1] <= y && b[1] >= y) || (b[1] <= y && a[1] >= y))
            {
              double xs = a[1] == b[1] ? fmin (a[0], b[0])
                        : a[0] + (double) (y - a[1]) * (b[0] - a[0]) /
                                 (b[1] - a[1]);
              double xe = a[1] == b[1] ? fmax (a[0], b[0]) : xs;

              lo = fmin (lo, xs);
              hi = fmax (hi, xe);
            }
        }
      for (x = (int) ceil (lo - 1e-9); x <= hi + 1e-9 && x < W; x++)
        if (x >= 0)
          out[(size_t) y * W + x] = 1;
    }
  free (pt); free (hull);
  return 1;
}

/* ---- the map -------------------------------------------------------- */

/* Scratch planes of the decision.  */
typedef struct
{
  int            W, H, n;
  double         mm;          /* cells a millimetre */
  float         *skin, *hair, *bg, *tmp, *d, *env, *num, *col, *sure, *lit;
  float         *rim;         /* scalp through hair, over a thinning's rim */
  unsigned char *head, *sk, *hr, *hull, *tr, *body, *seed, *on;
  int           *label;
  int            bald;        /* too little hair for a hull */
} Work;

static void
work_free (Work *w)
{
  free (w->skin); free (w->hair); free (w->bg); free (w->tmp); free (w->d);
  free (w->env);
  free (w->num);
  free (w->col);
  free (w->sure);
  free (w->lit);
  free (w->rim);
  free (w->head); free (w->sk); free (w->hr); free (w->hull); free (w->tr);
  free (w->body); free (w->seed); free (w->on);
  free (w->label);
}

static int
work_init (Work *w,
           int   W,
           int   H,
           double mm)
{
  size_t n = (size_t) W * H;

  memset (w, 0, sizeof *w);
  w->W = W;
  w->H = H;
  w->n = W * H;
  w->mm = mm;
  w->skin = malloc (n * sizeof (float));
  w->hair = malloc (n * sizeof (float));
  w->bg   = malloc (n * sizeof (float));
  w->tmp  = malloc (n * sizeof (float));
  w->d    = malloc (n * sizeof (float));
  w->env  = malloc (n * sizeof (float));
  w->num  = malloc (n * sizeof (float));
  w->col  = malloc (n * sizeof (float));
  w->sure = malloc (n * sizeof (float));
  w->lit  = malloc (n * sizeof (float));
  w->rim = malloc (n * sizeof (float));
  w->head = malloc (n);
  w->sk   = malloc (n);
  w->hr   = malloc (n);
  w->hull = malloc (n);
  w->tr   = malloc (n);
  w->body = malloc (n);
  w->seed = malloc (n);
  w->on   = malloc (n);
  w->label = malloc (n * sizeof (int));
  return w->skin && w->hair && w->bg && w->tmp && w->d && w->env && w->num &&
         w->col && w->sure && w->lit && w->rim &&
         w->head && w->sk && w->hr && w->hull && w->tr && w->body &&
         w->seed && w->on && w->label;
}

/* Solves the n x n system a x = b (Gauss-Jordan, partial pivoting) into
 * b; 0 when singular.  */
static int
solve (double *a,
       double *b,
       int     n)
{
  int i, j, k;

  for (i = 0; i < n; i++)
    {
      int p = i;

      for (k = i + 1; k < n; k++)
        if (fabs (a[k * n + i]) > fabs (a[p * n + i]))
          p = k;
      if (! (fabs (a[p * n + i]) > 1e-12))
        return 0;
      for (k = 0; k < n; k++)
        {
          double t = a[i * n + k];

          a[i * n + k] = a[p * n + k];
          a[p * n + k] = t;
        }
      {
        double t = b[i];

        b[i] = b[p];
        b[p] = t;
      }
      for (j = 0; j < n; j++)
        if (j != i)
          {
            double r = a[j * n + i] / a[i * n + i];

            for (k = i; k < n; k++)
              a[j * n + k] -= r * a[i * n + k];
            b[j] -= r * b[i];
          }
    }
  for (i = 0; i < n; i++)
    b[i] /= a[i * n + i];
  return 1;
}

/* The light on the skin: a smooth surface (quadratic in x, y) fitted to
 * the lightness of skin-coloured cells, reweighted so that what is darker
 * than it (hair of a skin-like colour) counts little; hair is then what
 * is darker than the light there, whatever the shading of the head.  */
static void
fit_light (const Features *f,
           const float    *col,
           const Model    *m,
           float          *out)
{
  const int W = f->W, H = f->H;
  double    c[6] = { m->L, 0, 0, 0, 0, 0 };
  int       it, i, j, k;

  for (it = 0; it < 6; it++)
    {
      double a[36] = { 0 }, b[6] = { 0 }, sw = 0.0;

      for (i = 0; i < W * H; i++)
        {
          double x = (i % W + 0.5) / W - 0.5, y = (i / W + 0.5) / H - 0.5;
          double t[6] = { 1.0, x, y, x * x, x * y, y * y };
          double fit = 0.0, r, wt = col[i];

          if (! (wt > 0.05))
            continue;
          for (k = 0; k < 6; k++)
            fit += c[k] * t[k];
          r = f->lab[3 * i] - fit;
          if (it > 0)
            wt *= r < -6.0 ? exp (-(r + 6.0) * (r + 6.0) / 32.0)
                : r > 10.0 ? exp (-(r - 10.0) * (r - 10.0) / 50.0) : 1.0;
          sw += wt;
          for (k = 0; k < 6; k++)
            {
              b[k] += wt * t[k] * f->lab[3 * i];
              for (j = 0; j < 6; j++)
                a[k * 6 + j] += wt * t[k] * t[j];
            }
        }
      /* A little of the flat light, so that a few cells cannot tilt it.  */
      for (k = 0; k < 6; k++)
        a[k * 6 + k] += 1e-3 * sw;
      b[0] += 1e-3 * sw * m->L;
      if (! (sw > 0.0) || ! solve (a, b, 6))
        break;
      memcpy (c, b, sizeof c);
    }
  for (i = 0; i < W * H; i++)
    {
      double x = (i % W + 0.5) / W - 0.5, y = (i / W + 0.5) / H - 0.5;

      out[i] = (float) (c[0] + c[1] * x + c[2] * y + c[3] * x * x +
                        c[4] * x * y + c[5] * y * y);
    }
}

/* How much each cell has the learnt skin's colour (w->col), whatever its
 * light: its hue, and a chroma that a highlight (skin plus white, less
 * chroma) or shade (maybe more) can give it.  */
static void
skin_colour (const Features *f,
             const Model    *m,
             Work           *w)
{
  const double Cs = hypot (m->a, m->b), hs = atan2 (m->b, m->a) * 180.0 / M_PI;
  int          i;

  for (i = 0; i < w->n; i++)
    {
      const float *lab = f->lab + 3 * i;
      double       C   = hypot (lab[1], lab[2]);
      double       dh  = fabs (remainder (hue_deg (lab) - hs, 360.0));
      double       Clo = Cs * fmin (0.55, 0.55 * (100.0 - lab[0]) /
                                          fmax (1.0, 100.0 - m->L));

      w->col[i] = (float) ((1.0 - ramp (dh, 12.0 + 2.0 * m->sd_ab,
                                        24.0 + 3.0 * m->sd_ab)) *
                           ramp (C, Clo - 0.5 * m->sd_ab,
                                 Clo + 0.5 * m->sd_ab) *
                           (1.0 - ramp (C, 1.6 * Cs + m->sd_ab,
                                        1.9 * Cs + 2.0 * m->sd_ab)) *
                           ramp (lab[0], 12.0, 20.0) * f->valid[i]);
      w->lit[i] = lab[0];
    }
}

/* The skin's own lightness around each cell (w->env), over about 15 mm,
 * from the skin that is not hair; where there is none near, blended back
 * to what w->env held.  */
static void
local_light (Work *w)
{
  int i;

  for (i = 0; i < w->n; i++)
    {
      w->tmp[i] = w->col[i] * (1.0f - w->hair[i]);
      w->num[i] = w->tmp[i] * w->lit[i];
    }
  blur (w->num, w->d, w->W, w->H, 15.0 * w->mm);
  blur (w->tmp, w->d, w->W, w->H, 15.0 * w->mm);
  for (i = 0; i < w->n; i++)
    if (w->tmp[i] > 0.05f)
      w->env[i] = w->num[i] / w->tmp[i];
    else if (w->tmp[i] > 0.0f)
      w->env[i] += (w->num[i] / w->tmp[i] - w->env[i]) * w->tmp[i] / 0.05f;
}

/* Skin and hair likelihoods, 0..1 a cell (w->skin, w->hair).  Hair is
 * darker than the light on the skin there (w->env), or finely textured
 * and a little darker or grey (greying hair in good light), and never
 * much more colourful than skin.  The light is first a smooth surface
 * fitted to the whole head, then, with the hair that shows taken out, the
 * skin's own lightness nearby, so that a lit crown and a neck in shade
 * are each compared with the skin around them.  w->sure: hair that cannot
 * be skin in shade (not of the skin's hue, or coarse).  */
static void
likelihoods (const Features *f,
             const Model    *m,
             Work           *w)
{
  const double Cs = hypot (m->a, m->b);
  int          i, pass;

  skin_colour (f, m, w);
  fit_light (f, w->col, m, w->env);
  for (pass = 0; pass < 2; pass++)
    {
      if (pass == 1)
        local_light (w);
      for (i = 0; i < w->n; i++)
        {
          const float *lab  = f->lab + 3 * i;
          double       dark = w->env[i] - lab[0], C = hypot (lab[1], lab[2]);
          double       rt   = f->tex[i] / fmax (0.2, m->tex);
          double       grey = ramp (0.6 * Cs - C, 0.0, 4.0);
          double       h    = fmax (ramp (dark, 6.0, 14.0),
                                    ramp (rt, 1.25, 2.0) *
                                    fmax (ramp (dark, -2.0, 4.0), grey));

          h *= 1.0 - ramp (C, Cs + 6.0, Cs + 14.0);
          w->hair[i] = (float) (h * f->valid[i]);
          w->sure[i] = w->col[i] < 0.5f || rt >= 1.5;
          w->skin[i] = (float) (w->col[i] * (1.0 - h) *
                                (1.0 - ramp (rt, 2.5, 4.0)));
        }
    }
}

/* Physical sizes of the decision, millimetres.  */
#define OPEN_MM        6.0    /* links thinner than twice this are cut */
#define CLOSE_MM      12.0    /* gaps in the head narrower than twice this */
#define HAIR_MIN_MM2 1500.0   /* less hair than this: a bald head */
#define BODY_MM       50.0    /* skin this near where it leaves the frame */
#define TORSO_MM      90.0    /* skin leaving the frame this wide: a torso */
#define DEEP_MM       20.0    /* unless this deep in the hair's hull */
#define SHOULDERS_MM 150.0    /* or leaving this wide: shoulders, and the
                                 neck above them however deep */
#define THIN_DEEP_MM  30.0    /* scalp through hair is looked for this deep */
#define RIM_MM        10.0    /* a thinning's rim is seen over this */
#define THIN_LOW      0.12    /* share of scalp showing at a zone's rim */
#define RIM_ZONE_MM2 1000.0   /* a thinning zone with a rim, at least */
#define ZONE_MM2      500.0   /* a treated zone, at least */
/* Shares of an outline.  */
#define HEAD_ON_FRAME  0.75   /* a head is not the frame's edge all round */
#define BODY_SIDE      0.6    /* a scalp is not surrounded by face or body */
#define EDGE_CONTRAST  0.8    /* L* a millimetre: a scalp's edge is seen */
#define EDGE_MM        8.0    /* what is not background this near the frame's
                                 edge joins skin to it */

/* The head: the connected part of hair and skin, not background, that
 * weighs most near the middle of the frame; gaps closed, holes filled.  */
static int
find_head (Work *w)
{
  const int W = w->W, H = w->H, n = w->n;
  double   *score;
  int       i, k, best = 0;

  for (i = 0; i < n; i++)
    w->head[i] = fmin (1.0, w->skin[i] + w->hair[i]) * (1.0 - w->bg[i]) >= 0.5;
  if (! morph (w->head, W, H, -OPEN_MM * w->mm, w->d) ||
      ! morph (w->head, W, H, OPEN_MM * w->mm, w->d))
    return 0;
  k = components (w->head, W, H, w->label);
  if (k < 0 || ! (score = calloc ((size_t) k + 1, sizeof (double))))
    return 0;
  for (i = 0; i < n; i++)
    score[w->label[i]] += centre_weight (i % W, i / W, W, H);
  for (i = 1; i <= k; i++)
    if (best == 0 || score[i] > score[best])
      best = i;
  free (score);
  for (i = 0; i < n; i++)
    w->head[i] = best > 0 && w->label[i] == best;
  return morph (w->head, W, H, CLOSE_MM * w->mm, w->d) &&
         morph (w->head, W, H, -CLOSE_MM * w->mm, w->d) &&
         fill_holes (w->head, W, H);
}

/* The convex hull of the head's hair that cannot be skin in shade (in
 * w->hull; none for a bald head, with less hair than HAIR_MIN_MM2), and
 * how deep each cell lies in it (in w->num; the frame's edge is no border
 * of it).  w->hr: the head's hair, specks gone.  */
static int
hair_hull (Work *w)
{
  const int W = w->W, H = w->H, n = w->n;
  double    area = 0.0;
  int       i;

  for (i = 0; i < n; i++)
    w->hr[i] = w->hair[i] >= 0.5f && w->head[i];
  if (! morph (w->hr, W, H, -2.0 * w->mm, w->d) ||
      ! morph (w->hr, W, H, 2.0 * w->mm, w->d))
    return 0;
  for (i = 0; i < n; i++)
    {
      w->on[i] = w->hr[i] && w->sure[i] > 0.5f;
      area += w->on[i];
    }
  memset (w->hull, 0, (size_t) n);
  w->bald = area / (w->mm * w->mm) < HAIR_MIN_MM2;
  if (! w->bald && ! convex_hull (w->on, W, H, w->hull))
    return 0;
  for (i = 0; i < n; i++)
    w->on[i] = ! w->hull[i];
  return distance (w->on, W, H, w->num);
}

/* Skin that leaves the frame is face, neck or body (w->body), as far as
 * BODY_MM in from where it leaves, TORSO_MM where it leaves over a torso's
 * width (but not deep in the hair's hull: there it is a bald top, unless
 * it leaves over shoulders' width: a neck, which the hull of the hair
 * around a nape spans in a photo from behind).  Skin
 * of any light counts, and near the frame's edge so does what lies
 * between a face and the edge (a collar, a shadow), but not background
 * (the wall above a crown that the photo cuts close).  */
static int
leaving_skin (Work *w)
{
  const int W = w->W, H = w->H, n = w->n;
  const int e = (int) ceil (EDGE_MM * w->mm), t = (int) ceil (1.5 * w->mm);
  int       i, k, c;
  int      *lo, *hi;

  for (i = 0; i < n; i++)
    {
      int x = i % W, y = i / W;

      w->on[i] = w->col[i] >= 0.5f && ! (w->hair[i] >= 0.5f && w->sure[i]);
      if (x < e || y < e || x >= W - e || y >= H - e)
        w->on[i] = w->on[i] || w->bg[i] < 0.5f;
      w->seed[i] = w->on[i] && (x < t || y < t || x >= W - t || y >= H - t);
    }
  k = components (w->on, W, H, w->label);
  if (k < 0 || ! geodesic (w->seed, w->on, W, H, w->d))
    return 0;
  /* Along each of the four edges, from where to where a part leaves.  */
  lo = malloc ((size_t) (k + 1) * 4 * sizeof (int));
  hi = malloc ((size_t) (k + 1) * 4 * sizeof (int));
  if (! lo || ! hi)
    {
      free (lo); free (hi);
      return 0;
    }
  for (c = 0; c < 4 * (k + 1); c++)
    {
      lo[c] = INT_MAX;
      hi[c] = -1;
    }
  for (i = 0; i < n; i++)
    {
      int x = i % W, y = i / W, l = w->label[i];
      int where[4] = { y < e ? x : -1, y >= H - e ? x : -1,
                       x < e ? y : -1, x >= W - e ? y : -1 };

      for (c = 0; l && c < 4; c++)
        if (where[c] >= 0)
          {
            lo[4 * l + c] = MIN (lo[4 * l + c], where[c]);
            hi[4 * l + c] = MAX (hi[4 * l + c], where[c]);
          }
    }
  for (i = 0; i < n; i++)
    {
      int    l = w->label[i];
      double leaves = 0.0;

      for (c = 0; l && c < 4; c++)
        leaves = fmax (leaves, hi[4 * l + c] - lo[4 * l + c] + 1);
      w->body[i] = w->sk[i] &&
                   w->d[i] <= (leaves / w->mm >= SHOULDERS_MM ||
                               (leaves / w->mm >= TORSO_MM &&
                                w->num[i] < DEEP_MM * w->mm)
                               ? TORSO_MM : BODY_MM) * w->mm;
    }
  free (lo); free (hi);
  return 1;
}

/* Skin outside the hair's hull, part by part: a part that continues the
 * head across a stretch of the hull that is not hair (a lid: a bald crown
 * above a fringe) is scalp; a part that the hull meets along hair (an
 * ear, a neck seen beside the hair) is body.  */
static int
beside_hair (Work *w)
{
  const int W = w->W, H = w->H, n = w->n;
  const int r = (int) ceil (3.0 * w->mm);
  int       i, k;
  int      *lid, *side;

  for (i = 0; i < n; i++)
    w->on[i] = w->sk[i] && ! w->hull[i];
  k = components (w->on, W, H, w->label);
  if (k < 0)
    return 0;
  lid  = calloc ((size_t) k + 1, sizeof (int));
  side = calloc ((size_t) k + 1, sizeof (int));
  if (! lid || ! side)
    {
      free (lid); free (side);
      return 0;
    }
  for (i = 0; i < n; i++)
    {
      int x = i % W, y = i / W, l = w->label[i], dx, dy, touch = 0;
      int hx, hy, hairs = 0, cells = 0;

      for (dy = -1; l && dy <= 1; dy++)
        for (dx = -1; dx <= 1; dx++)
          touch |= x + dx >= 0 && x + dx < W && y + dy >= 0 && y + dy < H &&
                   w->hull[i + dy * W + dx];
      if (! touch)
        continue;
      /* Hair within 3 mm on the hull's side.  */
      for (hy = MAX (0, y - r); hy <= MIN (H - 1, y + r); hy++)
        for (hx = MAX (0, x - r); hx <= MIN (W - 1, x + r); hx++)
          if (w->hull[(size_t) hy * W + hx])
            {
              cells++;
              hairs += w->hr[(size_t) hy * W + hx];
            }
      if (hairs > 0.3 * cells)
        side[l]++;
      else
        lid[l]++;
    }
  for (i = 0; i < n; i++)
    {
      int l = w->label[i];

      w->tr[i] = w->sk[i] && ! w->body[i];
      if (l && ! w->bald && lid[l] <= side[l])
        {
          w->body[i] = 1;
          w->tr[i] = 0;
        }
    }
  free (lid); free (side);
  return 1;
}

/* Which skin is scalp (in w->tr) and which is body: face, ears, neck,
 * shoulders (in w->body).  */
static int
split_skin (Work *w)
{
  int i;

  for (i = 0; i < w->n; i++)
    w->sk[i] = w->skin[i] >= 0.5f;
  return hair_hull (w) && leaving_skin (w) && beside_hair (w);
}

/* The lightness of the photo's own dense hair: the median of the hair
 * that cannot be skin in shade; NAN without any.  */
static double
hair_lightness (const Work *w)
{
  Pair  *p = malloc ((size_t) w->n * sizeof (Pair));
  int    i, k = 0;
  double q;

  if (! p)
    return NAN;
  for (i = 0; i < w->n; i++)
    if (w->hr[i] && w->sure[i] > 0.5f)
      {
        p[k].v = w->lit[i];
        p[k++].w = 1.0f;
      }
  q = k > 0 ? weighted_quantile (p, k, 0.5) : NAN;
  free (p);
  return q;
}

/* The share of the head's outline that is the frame's edge: a head is
 * seen against something; a photo that is all one surface is not.  */
static double
head_on_frame (const Work *w)
{
  const int W = w->W, H = w->H;
  int       x, y, edge = 0, framed = 0;

  for (y = 0; y < H; y++)
    for (x = 0; x < W; x++)
      {
        int q = y * W + x;

        if (! w->head[q])
          continue;
        if (x == 0 || y == 0 || x == W - 1 || y == H - 1)
          {
            edge++;
            framed++;
          }
        else if (! w->head[q - 1] || ! w->head[q + 1] || ! w->head[q - W] ||
                 ! w->head[q + W])
          edge++;
      }
  return edge > 0 ? (double) framed / edge : 1.0;
}

/* Drops the parts of the treated area that are mostly bordered by face or
 * body skin: a scalp is bordered by hair or by what is behind the head,
 * a patch in the middle of a skin-coloured surface is not one; and the
 * parts smaller than a zone (ZONE_MM2): an island of a few millimetres
 * is a shadow or a parting more often than a bald patch, and a mask drawn
 * by hand is the way to treat one.  */
static int
keep_bordered (Work *w)
{
  const int W = w->W, H = w->H, n = w->n;
  int       k = components (w->tr, W, H, w->label), i;
  int      *edge, *bodyside, *seen, *size;
  double   *contrast;

  if (k < 0)
    return 0;
  size     = calloc ((size_t) k + 1, sizeof (int));
  edge     = calloc ((size_t) k + 1, sizeof (int));
  bodyside = calloc ((size_t) k + 1, sizeof (int));
  seen     = calloc ((size_t) k + 1, sizeof (int));
  contrast = calloc ((size_t) k + 1, sizeof (double));
  if (! size || ! edge || ! bodyside || ! seen || ! contrast)
    {
      free (size); free (edge); free (bodyside); free (seen); free (contrast);
      return 0;
    }
  /* The lightness's slope, L* a millimetre, over 1 mm.  */
  memcpy (w->num, w->lit, (size_t) n * sizeof (float));
  blur (w->num, w->d, W, H, 1.0 * w->mm);
  for (i = 0; i < n; i++)
    {
      int x = i % W, y = i / W;
      double gx = (w->num[y * W + MIN (x + 1, W - 1)] -
                   w->num[y * W + MAX (x - 1, 0)]) / 2.0;
      double gy = (w->num[MIN (y + 1, H - 1) * W + x] -
                   w->num[MAX (y - 1, 0) * W + x]) / 2.0;

      w->d[i] = (float) (hypot (gx, gy) * w->mm);
    }
  for (i = 0; i < n; i++)
    {
      int x = i % W, y = i / W, l = w->label[i], dx, dy, out = 0, b = 0;

      if (! l)
        continue;
      size[l]++;
      for (dy = -1; dy <= 1; dy++)
        for (dx = -1; dx <= 1; dx++)
          {
            int q = i + dy * W + dx;

            if ((! dx && ! dy) || x + dx < 0 || x + dx >= W || y + dy < 0 ||
                y + dy >= H || w->tr[q])
              continue;
            out = 1;
            b |= w->body[q];
          }
      edge[l] += out;
      bodyside[l] += b;
      /* Where it meets hair or background, the edge is seen: the most
       * contrast within 2 mm.  */
      if (out && ! b)
        {
          int   r = (int) ceil (2.0 * w->mm), hx, hy;
          float most = 0.0f;

          for (hy = MAX (0, y - r); hy <= MIN (H - 1, y + r); hy++)
            for (hx = MAX (0, x - r); hx <= MIN (W - 1, x + r); hx++)
              most = fmaxf (most, w->d[hy * W + hx]);
          contrast[l] += most;
          seen[l]++;
        }
    }
  for (i = 1; i <= k; i++)
    {
      if (seen[i])
        contrast[i] /= seen[i];
    }
  for (i = 0; i < n; i++)
    {
      int l = w->label[i];

      if (l && (bodyside[l] > BODY_SIDE * edge[l] ||
                contrast[l] < EDGE_CONTRAST ||
                size[l] < ZONE_MM2 * w->mm * w->mm))
        w->tr[i] = 0;
    }
  free (size); free (edge); free (bodyside); free (seen); free (contrast);
  return 1;
}

/* The rim of a thinning zone: deep in the hair, where less scalp shows
 * over RIM_MM (w->seed), the treated area goes on for RIM_MM along it;
 * the zone is one patch whose edge fades, not only its clearest middle,
 * and a rim is a band, not a path across the head.  Only a zone has a
 * rim (a crown, a vertex: RIM_ZONE_MM2 or more); a small patch is kept
 * as it is.  */
static int
grow_thinning (Work *w)
{
  int     k = components (w->tr, w->W, w->H, w->label), i;
  double *area;

  if (k < 0 || ! (area = calloc ((size_t) k + 1, sizeof (double))))
    return 0;
  for (i = 0; i < w->n; i++)
    area[w->label[i]] += 1.0 / (w->mm * w->mm);
  for (i = 0; i < w->n; i++)
    {
      w->on[i] = w->tr[i] && area[w->label[i]] >= RIM_ZONE_MM2;
      w->sk[i] = w->tr[i] || w->seed[i];
    }
  free (area);
  if (! geodesic (w->on, w->sk, w->W, w->H, w->d))
    return 0;
  for (i = 0; i < w->n; i++)
    w->tr[i] = w->tr[i] || w->d[i] <= RIM_MM * w->mm;
  return 1;
}

static int
decide (Work        *w,
        double       feather_mm,
        SmpScalpMap *map)
{
  const int W = w->W, H = w->H, n = w->n;
  int       i;

  if (! find_head (w))
    return 0;
  if (head_on_frame (w) > HEAD_ON_FRAME)
    return 1;                                 /* no head: all planes 0 */
  if (! split_skin (w))
    return 0;
  for (i = 0; i < n; i++)
    w->tmp[i] = w->head[i] + 0.5f * w->hull[i];

  /* Thinning hair: inside the hair's hull, where skin shows through a
   * third of what is there over 4 mm around, the scalp is treated too (not
   * next to a face or neck).  Deep inside the hull, scalp seen through
   * hair counts as well: of the skin's hue (or shine, neither skin nor
   * hair) and lighter than the photo's own dense hair, half way or more
   * to the skin around.  */
  {
    double hl = hair_lightness (w);

    for (i = 0; i < n; i++)
      w->on[i] = ! w->hull[i];
    if (! distance (w->on, W, H, w->num))
      return 0;
    for (i = 0; i < n; i++)
      {
        double through = 0.0;

        if (w->num[i] >= THIN_DEEP_MM * w->mm && isfinite (hl) &&
            w->env[i] > hl)
          through = fmax (w->col[i], 1.0 - w->hair[i]) *
                    ramp ((w->lit[i] - hl) / (w->env[i] - hl), 0.25, 0.5);
        w->tmp[i] = fmaxf (w->skin[i], (float) through);
      }
  }
  for (i = 0; i < n; i++)
    {
      w->seed[i] = w->num[i] >= THIN_DEEP_MM * w->mm;
      w->rim[i]  = w->tmp[i];
    }
  blur (w->rim, w->num, W, H, RIM_MM * w->mm);
  blur (w->tmp, w->num, W, H, 4.0 * w->mm);
  memcpy (w->on, w->body, (size_t) n);
  if (! morph (w->on, W, H, 5.0 * w->mm, w->d))
    return 0;
  for (i = 0; i < n; i++)
    {
      w->tr[i] = (w->tr[i] || (w->tmp[i] >= 0.3f && w->hull[i] &&
                               ! w->on[i])) && w->head[i];
      w->seed[i] = w->seed[i] && w->rim[i] >= THIN_LOW && w->hull[i] &&
                   ! w->on[i] && w->head[i];
    }

  /* The treated area: residual hairs and specks closed, crumbs gone, the
   * rim of what is left grown, holes (a highlight) filled, and only what
   * a head borders.  */
  if (! morph (w->tr, W, H, 3.0 * w->mm, w->d) ||
      ! morph (w->tr, W, H, -3.0 * w->mm, w->d) ||
      ! morph (w->tr, W, H, -4.0 * w->mm, w->d) ||
      ! morph (w->tr, W, H, 4.0 * w->mm, w->d) ||
      ! grow_thinning (w) ||
      ! morph (w->tr, W, H, 3.0 * w->mm, w->d) ||
      ! morph (w->tr, W, H, -3.0 * w->mm, w->d) ||
      ! fill_holes (w->tr, W, H))
    return 0;
  for (i = 0; i < n; i++)
    w->tr[i] = w->tr[i] && w->head[i];
  if (! keep_bordered (w))
    return 0;

  /* The soft edge, inward.  */
  for (i = 0; i < n; i++)
    w->seed[i] = ! w->tr[i];
  if (! distance (w->seed, W, H, w->d))
    return 0;
  for (i = 0; i < n; i++)
    {
      map->plane[SMP_SCALP_TREAT][i] = feather_mm > 0.0
        ? (float) ramp (w->d[i], 0.0, feather_mm * w->mm) : w->tr[i];
      map->plane[SMP_SCALP_SKIN][i] = w->tr[i];
      map->plane[SMP_SCALP_HAIR][i] = w->hr[i];
      map->plane[SMP_SCALP_BODY][i] = w->body[i] && ! w->tr[i];
      map->plane[SMP_SCALP_HEAD][i] = w->tr[i] || w->hr[i];
    }
  map->found = 1;
  return 1;
}

SmpScalpMap *
smp_scalp_builder_finish (SmpScalpBuilder *b,
                          double           feather_mm)
{
  SmpScalpMap *map = calloc (1, sizeof *map);
  Features     f;
  Model        m;
  Work         w;
  int          W, H, n, i, c;

  memset (&f, 0, sizeof f);
  memset (&w, 0, sizeof w);
  if (! map || ! features (b, &f))
    goto fail;
  W = f.W;
  H = f.H;
  n = W * H;
  map->width     = W;
  map->height    = H;
  map->cell      = (double) b->fine * b->k;
  map->px_per_mm = b->ppm / map->cell;
  for (i = 0; i < SMP_SCALP_PLANES; i++)
    if (! (map->plane[i] = calloc ((size_t) n, sizeof (float))))
      goto fail;
  if (! work_init (&w, W, H, map->px_per_mm))
    goto fail;

  /* Texture is a property of a patch, not of a cell: over 1 mm.  */
  blur (f.tex, w.tmp, W, H, 1.0 * w.mm);
  /* A camera records colour coarser than light (JPEG keeps a quarter of
   * it): colour is compared over 1.5 mm.  */
  for (c = 1; c < 3; c++)
    {
      for (i = 0; i < n; i++)
        w.d[i] = f.lab[3 * i + c];
      blur (w.d, w.tmp, W, H, 1.5 * w.mm);
      for (i = 0; i < n; i++)
        f.lab[3 * i + c] = w.d[i];
    }

  /* Nothing of a skin's colour (or no memory for it): no head.  */
  if (! learn_background (&f, w.bg) || ! learn_skin (&f, &m))
    goto none;
  likelihoods (&f, &m, &w);
  if (! decide (&w, feather_mm, map))
    goto fail;

none:
  work_free (&w);
  features_free (&f);
  free (b->sum);
  free (b);
  return map;

fail:
  work_free (&w);
  features_free (&f);
  smp_scalp_map_free (map);
  free (b->sum);
  free (b);
  return NULL;
}
