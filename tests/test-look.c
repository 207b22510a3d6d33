/* test-look.c: smp:follicles matched to the client's own hair (match=ring,
 * match=reference), rendered like the photo (its blur), and its defaults,
 * through GEGL; the real photos through the real `gegl` binary.
 *
 * The measures here are written out plainly (naive box means and
 * autocorrelations), not borrowed from filters/core, so that the op is not
 * judged by its own rulers.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <gegl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smp-look.h"
#include "smp-test-util.h"

#define RGBA_FLOAT babl_format ("RGBA float")
#define RGBA_U8    babl_format ("R'G'B'A u8")
#define Y_FLOAT    babl_format ("Y float")

/* A graph: photo -> smp:follicles with aux and aux2 from buffers (either
 * may be NULL); the op node is returned, the graph in *graph.  */
static GeglNode *
look_graph (GeglNode   **graph,
            GeglBuffer  *photo,
            GeglBuffer  *aux,
            GeglBuffer  *aux2)
{
  GeglNode *op = smp_test_graph (graph, "smp:follicles", photo, aux);

  if (aux2)
    {
      GeglNode *src = gegl_node_new_child (*graph, "operation",
                                           "gegl:buffer-source", "buffer",
                                           aux2, NULL);

      gegl_node_connect_to (src, "output", op, "aux2");
    }
  return op;
}

/* CIE L* of linear RGB, plainly.  */
static gdouble
lstar (const gfloat *rgb)
{
  gdouble y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];

  return y > 0.008856 ? 116.0 * cbrt (y) - 16.0 : 903.3 * y;
}

static void
lab (const gfloat *rgb,
     gdouble      *out)
{
  gdouble x = (0.4124564 * rgb[0] + 0.3575761 * rgb[1] + 0.1804375 * rgb[2]) /
              0.95047;
  gdouble y = 0.2126729 * rgb[0] + 0.7151522 * rgb[1] + 0.0721750 * rgb[2];
  gdouble z = (0.0193339 * rgb[0] + 0.1191920 * rgb[1] + 0.9503041 * rgb[2]) /
              1.08883;
  gdouble fx = x > 0.008856 ? cbrt (x) : 7.787 * x + 16.0 / 116.0;
  gdouble fy = y > 0.008856 ? cbrt (y) : 7.787 * y + 16.0 / 116.0;
  gdouble fz = z > 0.008856 ? cbrt (z) : 7.787 * z + 16.0 / 116.0;

  out[0] = 116.0 * fy - 16.0;
  out[1] = 500.0 * (fx - fy);
  out[2] = 200.0 * (fy - fz);
}

static gdouble *
lstar_image (const gfloat *rgba,
             gint          n)
{
  gdouble *L = g_new (gdouble, n);
  gint     i;

  for (i = 0; i < n; i++)
    L[i] = lstar (rgba + 4 * i);
  return L;
}

/* The texture: mean |L* - its 7 x 7 box mean| over the pixels of
 * `in` (a byte a pixel) whose box lies in the image.  */
static gdouble
texture (const gdouble *L,
         const guchar  *in,
         gint           w,
         gint           h)
{
  gdouble sum = 0.0;
  gint    x, y, i, j, n = 0;

  for (y = 3; y < h - 3; y++)
    for (x = 3; x < w - 3; x++)
      {
        gdouble m = 0.0;

        if (! in[y * w + x])
          continue;
        for (j = -3; j <= 3; j++)
          for (i = -3; i <= 3; i++)
            m += L[(y + j) * w + x + i];
        sum += fabs (L[y * w + x] - m / 49.0);
        n++;
      }
  return n ? sum / n : -1.0;
}

/* Grain size (px): where the autocorrelation of L* less its (2r+1)² box
 * mean, along rows and columns over `in`, falls to one half.  */
static gdouble
grain (const gdouble *L,
       const guchar  *in,
       gint           w,
       gint           h,
       gint           r)
{
  gdouble *d = g_new0 (gdouble, (gsize) w * h), prev = 1.0, result = 30.0;
  gint     x, y, i, j, k;

  for (y = r; y < h - r; y++)
    for (x = r; x < w - r; x++)
      {
        gdouble m = 0.0;

        for (j = -r; j <= r; j++)
          for (i = -r; i <= r; i++)
            m += L[(y + j) * w + x + i];
        d[y * w + x] = L[y * w + x] - m / ((2 * r + 1) * (2 * r + 1));
      }
  for (k = 1; k < 30; k++)
    {
      gdouble s = 0.0, q = 0.0, c;

      for (y = r; y < h - r - k; y++)
        for (x = r; x < w - r - k; x++)
          {
            gint o = y * w + x;

            if (! in[o] || ! in[o + k] || ! in[o + k * w])
              continue;
            s += d[o] * (d[o + k] + d[o + k * w]);
            q += 2.0 * d[o] * d[o];
          }
      c = q > 0.0 ? s / q : 0.0;
      if (c < 0.5)
        {
          result = (k - 1) + (prev - 0.5) / (prev - c);
          break;
        }
      prev = c;
    }
  g_free (d);
  return result;
}

/* The mean of each channel over `in`.  */
static void
mean_rgb (const gfloat *rgba,
          const guchar *in,
          gint          n,
          gdouble      *out)
{
  gdouble s[3] = { 0, 0, 0 };
  gint    i, c, k = 0;

  for (i = 0; i < n; i++)
    if (in[i])
      {
        for (c = 0; c < 3; c++)
          s[c] += rgba[4 * i + c];
        k++;
      }
  for (c = 0; c < 3; c++)
    out[c] = k ? s[c] / k : 0.0;
}

static gdouble
luma (const gdouble *rgb)
{
  return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
}


/* 1. The photo's blur: sharp anti-aliased discs blurred by a known Gaussian
 * are estimated within 25 %; the dots' spread follows the estimate.  */

static GeglBuffer *
discs (const GeglRectangle *rect)
{
  const gint  ss  = 4;
  GeglBuffer *buf = gegl_buffer_new (rect, RGBA_FLOAT);
  gfloat     *px  = g_new (gfloat, (gsize) rect->width * rect->height * 4);
  gdouble     cx[60], cy[60], rad[60], val[60];
  GRand      *rand = g_rand_new_with_seed (11);
  gint        x, y, i, j, k;

  for (k = 0; k < 60; k++)
    {
      cx[k]  = g_rand_double_range (rand, 0, rect->width);
      cy[k]  = g_rand_double_range (rand, 0, rect->height);
      rad[k] = g_rand_double_range (rand, 8, 40);
      val[k] = g_rand_double_range (rand, 0.05, 0.9);
    }
  for (y = 0; y < rect->height; y++)
    for (x = 0; x < rect->width; x++)
      {
        gdouble sum = 0.0;

        /* Each pixel the mean of 4 x 4 point samples: exact area
         * sampling, no blur of its own.  */
        for (j = 0; j < ss; j++)
          for (i = 0; i < ss; i++)
            {
              gdouble px_ = x + (i + 0.5) / ss, py_ = y + (j + 0.5) / ss;
              gdouble v   = 0.4;

              for (k = 0; k < 60; k++)
                if (hypot (px_ - cx[k], py_ - cy[k]) < rad[k])
                  v = val[k];
              sum += v;
            }
        for (k = 0; k < 3; k++)
          px[((gsize) y * rect->width + x) * 4 + k] = (gfloat) (sum / (ss * ss));
        px[((gsize) y * rect->width + x) * 4 + 3] = 1.0f;
      }
  gegl_buffer_set (buf, rect, 0, RGBA_FLOAT, px, GEGL_AUTO_ROWSTRIDE);
  g_free (px);
  g_rand_free (rand);
  return buf;
}

static GeglBuffer *
blurred (GeglBuffer *src,
         gdouble     sigma)
{
  const GeglRectangle *rect = gegl_buffer_get_extent (src);
  GeglBuffer          *out  = gegl_buffer_new (rect, RGBA_FLOAT);
  GeglNode            *graph = gegl_node_new ();
  GeglNode            *in, *blur, *sink;

  in   = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                              "buffer", src, NULL);
  blur = gegl_node_new_child (graph, "operation", "gegl:gaussian-blur",
                              "std-dev-x", sigma, "std-dev-y", sigma,
                              "abyss-policy", 1 /* clamp */, NULL);
  sink = gegl_node_new_child (graph, "operation", "gegl:write-buffer",
                              "buffer", out, NULL);
  if (sigma > 0.0)
    gegl_node_link_many (in, blur, sink, NULL);
  else
    gegl_node_link_many (in, sink, NULL);
  gegl_node_process (sink);
  g_object_unref (graph);
  return out;
}

static gdouble
estimate (GeglBuffer *photo)
{
  const GeglRectangle *rect = gegl_buffer_get_extent (photo);
  gint                 n    = rect->width * rect->height, i;
  gfloat              *px   = g_new (gfloat, (gsize) n * 4);
  gfloat              *L    = g_new (gfloat, n);
  gdouble              s;

  gegl_buffer_get (photo, rect, 1.0, RGBA_FLOAT, px, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (i = 0; i < n; i++)
    L[i] = (gfloat) lstar (px + 4 * i);
  s = smp_look_blur (L, rect->width, rect->height, NULL);
  g_free (px);
  g_free (L);
  return s;
}

/* The grain size of the pigment field smp:follicles lays on photo.  */
static gdouble
field_grain (GeglBuffer *photo,
             gdouble     photo_blur,
             gdouble    *learnt)
{
  const GeglRectangle *rect = gegl_buffer_get_extent (photo);
  GeglNode            *graph, *op = look_graph (&graph, photo, NULL, NULL);
  gint                 n = rect->width * rect->height;
  gfloat              *px;
  gdouble             *L, g;
  guchar              *all = g_malloc (n);

  memset (all, 1, n);
  gegl_node_set (op, "px-per-mm", 6.0, "match", 0, "photo-blur", photo_blur,
                 "output", 1, "seed", 4, NULL);
  px = smp_test_blit (op, rect, RGBA_FLOAT);
  if (learnt)
    gegl_node_get (op, "learnt-blur", learnt, NULL);
  L = lstar_image (px, n);
  g = grain (L, all, rect->width, rect->height, 6);
  g_free (px);
  g_free (L);
  g_free (all);
  g_object_unref (graph);
  return g;
}

static void
test_blur (void)
{
  const gdouble sigmas[] = { 0.5, 1.0, 2.0 };
  GeglRectangle rect = { 0, 0, 320, 320 };
  GeglBuffer   *sharp = discs (&rect);
  gdouble       s0 = estimate (sharp), last = 0.0;
  guint         k;

  g_test_message ("sharp anti-aliased discs: blur estimated %.2f px", s0);
  g_assert_cmpfloat (s0, <, 0.35);
  for (k = 0; k < G_N_ELEMENTS (sigmas); k++)
    {
      GeglBuffer *b = blurred (sharp, sigmas[k]);
      gdouble     s = estimate (b), learnt, spread, told;

      spread = field_grain (b, -1.0, &learnt);
      told   = field_grain (b, sigmas[k], NULL);
      g_test_message ("blurred by %.1f px: estimated %.2f (%+.0f %%); the op "
                      "learnt %.2f; the dots' grain %.2f px, %.2f with the "
                      "true blur given", sigmas[k], s,
                      100 * (s / sigmas[k] - 1), learnt, spread, told);
      g_assert_cmpfloat (fabs (s / sigmas[k] - 1.0), <, 0.25);
      g_assert_cmpfloat (fabs (learnt - s), <, 1e-3);
      /* The dots' spread follows the estimate: wider with the blur, and
       * as wide as with the true blur.  */
      g_assert_cmpfloat (spread, >, last);
      g_assert_cmpfloat (fabs (spread / told - 1.0), <, 0.15);
      last = spread;
      g_object_unref (b);
    }

  /* A flat image shows no edge: no estimate, the dots as crisp as ever.  */
  {
    const gfloat skin[4] = { 0.55f, 0.33f, 0.24f, 1.0f };
    GeglBuffer  *flat = smp_test_uniform (&rect, RGBA_FLOAT, skin);
    gdouble      learnt, crisp = field_grain (flat, -1.0, &learnt);

    g_test_message ("flat: blur %.2f, dots' grain %.2f px (%.2f without "
                    "blur)", learnt, crisp, field_grain (flat, 0.0, NULL));
    g_assert_cmpfloat (learnt, ==, -1.0);
    g_assert_cmpfloat (crisp, ==, field_grain (flat, 0.0, NULL));
    g_object_unref (flat);
  }
  g_object_unref (sharp);
}

/* 2. Synthetic ground truth: stubble of known darkening and grain laid on
 * one half of a skin patch (smp:follicles itself, match=none, another
 * dot size, halo, shade and blur than the defaults); matched in the other
 * half (match=reference, the stubble as aux2), the darkening comes back
 * within 10 % and the grain size within 20 %.  */

/* Skin of one tone with pore-scale grain: the two halves alike.  */
static GeglBuffer *
skin_patch (const GeglRectangle *rect,
            guint32              seed)
{
  GeglBuffer *buf  = gegl_buffer_new (rect, RGBA_FLOAT);
  gfloat     *px   = g_new (gfloat, (gsize) rect->width * rect->height * 4);
  GRand      *rand = g_rand_new_with_seed (seed);
  gsize       i;

  for (i = 0; i < (gsize) rect->width * rect->height; i++)
    {
      gfloat g = 1.0f + 0.03f * (gfloat) g_rand_double_range (rand, -1, 1);

      px[4 * i + 0] = 0.62f * g;
      px[4 * i + 1] = 0.40f * g;
      px[4 * i + 2] = 0.31f * g;
      px[4 * i + 3] = 1.0f;
    }
  gegl_buffer_set (buf, rect, 0, RGBA_FLOAT, px, GEGL_AUTO_ROWSTRIDE);
  g_free (px);
  g_rand_free (rand);
  return buf;
}

/* A mask, white over `white`, black elsewhere in rect.  */
static GeglBuffer *
box_mask (const GeglRectangle *rect,
          const GeglRectangle *white)
{
  GeglBuffer *m = smp_test_uniform (rect, Y_FLOAT,
                                    (const gfloat[4]) { 0, 0, 0, 1 });
  GeglColor  *c = gegl_color_new ("white");

  gegl_buffer_set_color (m, white, c);
  g_object_unref (c);
  return m;
}

static void
test_ground_truth (void)
{
  const gdouble ppm  = 10.0;
  GeglRectangle rect = { 0, 0, 600, 300 };
  GeglRectangle left = { 0, 0, 300, 300 }, right = { 300, 0, 300, 300 };
  GeglBuffer   *skin = skin_patch (&rect, 5);
  GeglBuffer   *lm   = box_mask (&rect, &left), *rm = box_mask (&rect, &right);
  GeglBuffer   *stubbled;
  GeglNode     *graph, *op;
  gfloat       *before, *truth, *after;
  gint          n = rect.width * rect.height, x, y;
  guchar       *tl = g_malloc0 (n), *tr = g_malloc0 (n);
  gdouble       sb[3], st[3], rb[3], ra[3], dt, dg, gt, gg, ta, tt, *L;
  gint          hair;

  /* Where it is measured: away from the halves' edges.  */
  for (y = 20; y < rect.height - 20; y++)
    for (x = 20; x < 280; x++)
      {
        tl[y * rect.width + x]       = 1;
        tr[y * rect.width + x + 300] = 1;
      }

  op = look_graph (&graph, skin, lm, NULL);
  gegl_node_set (op, "px-per-mm", ppm, "match", 0, "feather", 0.0,
                 "density", 160.0, "dot-diameter", 0.28, "halo", 1.0,
                 "tone", 0.1, "photo-blur", 1.5, "seed", 7, NULL);
  truth    = smp_test_blit (op, &rect, RGBA_FLOAT);
  stubbled = gegl_buffer_new (&rect, RGBA_FLOAT);
  gegl_buffer_set (stubbled, &rect, 0, RGBA_FLOAT, truth,
                   GEGL_AUTO_ROWSTRIDE);
  g_object_unref (graph);

  op = look_graph (&graph, stubbled, rm, lm);
  gegl_node_set (op, "px-per-mm", ppm, "match", 2, "feather", 0.0,
                 "seed", 3, NULL);
  after = smp_test_blit (op, &rect, RGBA_FLOAT);
  gegl_node_get (op, "learnt-hair", &hair, NULL);
  g_object_unref (graph);

  before = g_new (gfloat, (gsize) n * 4);
  gegl_buffer_get (skin, &rect, 1.0, RGBA_FLOAT, before, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  mean_rgb (before, tl, n, sb);
  mean_rgb (truth, tl, n, st);
  mean_rgb (before, tr, n, rb);
  mean_rgb (after, tr, n, ra);
  dt = 1.0 - luma (st) / luma (sb);
  dg = 1.0 - luma (ra) / luma (rb);
  L  = lstar_image (truth, n);
  gt = grain (L, tl, rect.width, rect.height, (gint) ppm);
  g_free (L);
  L  = lstar_image (after, n);
  gg = grain (L, tr, rect.width, rect.height, (gint) ppm);
  g_free (L);
  L  = lstar_image (after, n);
  ta = texture (L, tr, rect.width, rect.height);
  g_free (L);
  L  = lstar_image (truth, n);
  tt = texture (L, tl, rect.width, rect.height);
  g_free (L);
  g_test_message ("learnt from %d hair pixels: darkening %.3f (truth %.3f, "
                  "%+.1f %%), grain %.2f px (truth %.2f, %+.1f %%); texture "
                  "%.2f (truth %.2f)", hair, dg, dt, 100 * (dg / dt - 1), gg,
                  gt, 100 * (gg / gt - 1), ta, tt);
  g_assert_cmpint (hair, >, 50000);
  g_assert_cmpfloat (fabs (dg / dt - 1.0), <, 0.10);
  g_assert_cmpfloat (fabs (gg / gt - 1.0), <, 0.20);

  g_free (before);
  g_free (truth);
  g_free (after);
  g_free (tl);
  g_free (tr);
  g_object_unref (stubbled);
  g_object_unref (skin);
  g_object_unref (lm);
  g_object_unref (rm);
}

/* 3. The real photos: the five regions of regions.tsv (an ellipse over the
 * bald area, a rectangle of the client's own buzzed hair) at 3.5 px/mm,
 * mask = the ellipse blurred by 4 px.  */

typedef struct
{
  gchar  *file;
  gdouble cx, cy, rx, ry;
  gint    x0, x1, y0, y1;
} Region;

static void
region_free (gpointer data)
{
  Region *r = data;

  g_free (r->file);
  g_free (r);
}

static GPtrArray *
regions (void)
{
  const gchar *root = g_getenv ("SMP_SHARED_DATA");
  gchar       *path = root ? g_build_filename (root, "scalp-photos",
                                               "regions.tsv", NULL) : NULL;
  gchar       *text = NULL, **lines;
  GPtrArray   *all  = g_ptr_array_new_with_free_func (region_free);
  gint         i;

  if (! path || ! g_file_get_contents (path, &text, NULL, NULL))
    {
      g_free (path);
      return all;
    }
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i]; i++)
    {
      gchar **f = g_strsplit (lines[i], "\t", -1);

      if (g_strv_length (f) == 9 && g_str_has_suffix (f[0], ".jpg"))
        {
          Region *r = g_new0 (Region, 1);

          r->file = g_strdup (f[0]);
          r->cx = g_ascii_strtod (f[1], NULL);
          r->cy = g_ascii_strtod (f[2], NULL);
          r->rx = g_ascii_strtod (f[3], NULL);
          r->ry = g_ascii_strtod (f[4], NULL);
          r->x0 = atoi (f[5]);
          r->x1 = atoi (f[6]);
          r->y0 = atoi (f[7]);
          r->y1 = atoi (f[8]);
          g_ptr_array_add (all, r);
        }
      g_strfreev (f);
    }
  g_strfreev (lines);
  g_free (text);
  g_free (path);
  return all;
}

/* The ellipse's normalized radius at a pixel's centre.  */
static gdouble
rho (const Region *r,
     gint          x,
     gint          y)
{
  return hypot ((x + 0.5 - r->cx) / r->rx, (y + 0.5 - r->cy) / r->ry);
}

/* Signed distance (px) from a pixel's centre to the ellipse's outline,
 * positive inside, from 1440 points along it; only near it (|d| < 40),
 * elsewhere +-40.  */
static gdouble *
outline_distance (const Region *r,
                  gint          w,
                  gint          h)
{
  gdouble *d = g_new (gdouble, (gsize) w * h);
  gdouble  px[1440], py[1440];
  gint     x, y, k;

  for (k = 0; k < 1440; k++)
    {
      px[k] = r->cx + r->rx * cos (k * G_PI / 720);
      py[k] = r->cy + r->ry * sin (k * G_PI / 720);
    }
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        gdouble q = rho (r, x, y), best = 40.0;

        if (fabs (q - 1.0) * MIN (r->rx, r->ry) < 45.0)
          for (k = 0; k < 1440; k++)
            best = MIN (best, hypot (x + 0.5 - px[k], y + 0.5 - py[k]));
        d[y * w + x] = q <= 1.0 ? best : -best;
      }
  return d;
}

static GeglBuffer *
ellipse_mask (const Region        *r,
              const GeglRectangle *rect,
              gdouble              blur)
{
  GeglBuffer *m  = gegl_buffer_new (rect, RGBA_FLOAT);
  gfloat     *px = g_new (gfloat, (gsize) rect->width * rect->height * 4);
  GeglBuffer *b;
  gint        x, y;

  for (y = 0; y < rect->height; y++)
    for (x = 0; x < rect->width; x++)
      {
        gfloat v = rho (r, x, y) <= 1.0 ? 1.0f : 0.0f;
        gfloat *p = px + ((gsize) y * rect->width + x) * 4;

        p[0] = p[1] = p[2] = v;
        p[3] = 1.0f;
      }
  gegl_buffer_set (m, rect, 0, RGBA_FLOAT, px, GEGL_AUTO_ROWSTRIDE);
  g_free (px);
  b = blurred (m, blur);
  g_object_unref (m);
  return b;
}

typedef struct
{
  gdouble closure, tex_ratio, step_before, step_after;
  /* The same step over the outline's upper and lower halves (0, 1): on
   * photo 13 the upper arc runs along the head's outline against the
   * wall, the lower one across scalp.  */
  gdouble half_before[2], half_after[2];
  gint    changed_far;
} Measures;

static Measures
measure (const Region *r,
         const gfloat *before,
         const gfloat *after,
         const gfloat *mask,
         gint          w,
         gint          h,
         gdouble       reach)
{
  gint     n = w * h, i, x, y, c;
  guchar  *inner = g_malloc0 (n), *ref = g_malloc0 (n);
  gdouble  lb[3] = { 0 }, la[3] = { 0 }, lr[3] = { 0 }, v[3];
  gdouble  sbi = 0, sbo = 0, sai = 0, sao = 0, gap0, gap1;
  gdouble *Lb = lstar_image (before, n), *La = lstar_image (after, n);
  gdouble *d = outline_distance (r, w, h);
  gint     ni = 0, nr = 0, nbi = 0, nbo = 0;
  gdouble  hs[2][4] = { { 0 } }, hn[2][2] = { { 0 } };
  gfloat  *grow = g_new0 (gfloat, n);
  Measures m = { 0 };

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        i = y * w + x;
        inner[i] = rho (r, x, y) <= 0.8;
        ref[i]   = x >= r->x0 && x < r->x1 && y >= r->y0 && y < r->y1;
        if (inner[i])
          {
            lab (before + 4 * i, v);
            for (c = 0; c < 3; c++)
              lb[c] += v[c];
            lab (after + 4 * i, v);
            for (c = 0; c < 3; c++)
              la[c] += v[c];
            ni++;
          }
        if (ref[i])
          {
            lab (before + 4 * i, v);
            for (c = 0; c < 3; c++)
              lr[c] += v[c];
            nr++;
          }
        {
          gint half = y + 0.5 >= r->cy;

          if (d[i] >= 3 && d[i] <= 10)
            {
              hs[half][0] += Lb[i];
              hs[half][1] += La[i];
              hn[half][0]++;
            }
          else if (-d[i] >= 3 && -d[i] <= 10)
            {
              hs[half][2] += Lb[i];
              hs[half][3] += La[i];
              hn[half][1]++;
            }
        }
        if (d[i] >= 3 && d[i] <= 10)
          {
            sbi += Lb[i];
            sai += La[i];
            nbi++;
          }
        else if (-d[i] >= 3 && -d[i] <= 10)
          {
            sbo += Lb[i];
            sao += La[i];
            nbo++;
          }
      }
  gap0 = gap1 = 0.0;
  for (c = 0; c < 3; c++)
    {
      gap0 += pow (lb[c] / ni - lr[c] / nr, 2);
      gap1 += pow (la[c] / ni - lr[c] / nr, 2);
    }
  m.closure     = 1.0 - sqrt (gap1) / sqrt (gap0);
  m.tex_ratio   = texture (La, inner, w, h) / texture (Lb, ref, w, h);
  m.step_before = sbi / nbi - sbo / nbo;
  m.step_after  = sai / nbi - sao / nbo;
  for (c = 0; c < 2; c++)
    {
      m.half_before[c] = hs[c][0] / hn[c][0] - hs[c][2] / hn[c][1];
      m.half_after[c]  = hs[c][1] / hn[c][0] - hs[c][3] / hn[c][1];
    }

  /* Pixels farther than `reach` from any masked pixel change not a bit:
   * the distance, coarsely, by growing the mask's support.  */
  for (i = 0; i < n; i++)
    grow[i] = mask[i] > 0.0f;
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        gboolean near = FALSE;
        gint     j, k, R = (gint) ceil (reach);

        if (memcmp (before + 4 * (y * w + x), after + 4 * (y * w + x), 12) == 0)
          continue;
        for (j = MAX (0, y - R); j <= MIN (h - 1, y + R) && ! near; j += 2)
          for (k = MAX (0, x - R); k <= MIN (w - 1, x + R); k += 2)
            if (grow[j * w + k] > 0.0f && hypot (j - y, k - x) <= reach)
              {
                near = TRUE;
                break;
              }
        m.changed_far += ! near;
      }
  g_free (inner);
  g_free (ref);
  g_free (Lb);
  g_free (La);
  g_free (d);
  g_free (grow);
  return m;
}

/* A review sheet: before | after at fit size, then both 2x around the
 * mask, written to build/review/.  */
static void
review (const gchar         *name,
        const gfloat        *before,
        const gfloat        *after,
        const GeglRectangle *rect,
        const GeglRectangle *zoom)
{
  gchar        *dir  = g_build_filename (g_getenv ("SMP_BUILD_DIR"), "review",
                                         NULL);
  gchar        *path = g_build_filename (dir, name, NULL);
  gint          zw   = zoom->width * 2, zh = zoom->height * 2;
  GeglRectangle all  = { 0, 0, MAX (rect->width * 2, zw * 2),
                         rect->height + zh };
  GeglBuffer   *sheet = gegl_buffer_new (&all, RGBA_FLOAT);
  gfloat       *z = g_new (gfloat, (gsize) zw * zh * 4);
  gint          side, x, y;
  GeglColor    *white = gegl_color_new ("white");

  g_mkdir_with_parents (dir, 0755);
  gegl_buffer_set_color (sheet, &all, white);
  for (side = 0; side < 2; side++)
    {
      const gfloat *src = side ? after : before;
      GeglRectangle at  = { side * rect->width, 0, rect->width, rect->height };

      gegl_buffer_set (sheet, &at, 0, RGBA_FLOAT, src, GEGL_AUTO_ROWSTRIDE);
      for (y = 0; y < zh; y++)
        for (x = 0; x < zw; x++)
          memcpy (z + ((gsize) y * zw + x) * 4,
                  src + ((gsize) (zoom->y + y / 2) * rect->width +
                         zoom->x + x / 2) * 4, 16);
      at = (GeglRectangle) { side * zw, rect->height, zw, zh };
      gegl_buffer_set (sheet, &at, 0, RGBA_FLOAT, z, GEGL_AUTO_ROWSTRIDE);
    }
  smp_test_save_png (sheet, path);
  g_message ("review: %s", path);
  g_object_unref (white);
  g_object_unref (sheet);
  g_free (z);
  g_free (path);
  g_free (dir);
}

/* Where a criterion is not met, and why (issue 11's closing note shows the
 * pictures): reported, and the test marked incomplete (TAP's TODO); any
 * other miss fails, and a known one that starts to pass is said.  */
typedef struct
{
  const gchar *photo;      /* the file's first two characters */
  gint         match;      /* 1 ring, 2 reference */
  const gchar *criterion;  /* "closure", "texture", "step" */
  const gchar *why;
} Known;

static const Known known[] =
{
  { "13", 1, "closure", "the ring around this crown is thin greying hair "
    "over pink skin: its darker part (L* 45, a* 20, b* 12) is as dark as "
    "the buzz the rectangle marks 25 mm lower (48, 13, 5) but redder; the "
    "lightness is matched, the hue is not" },
  { "13", 1, "texture", "the same thin hair, smoother at 7 px than the "
    "buzz" },
  { "13", 1, "step", "the ellipse's top arc runs along the head's outline "
    "against a white wall: the darker crown is a darker silhouette (upper "
    "half -10.6 -> -20.3, at most 8.3; the lower half, across scalp, "
    "holds: +1.8 -> -2.8, at most 3.9, and is asserted)" },
  { "13", 2, "step", "as with the ring: the head's outline against the "
    "wall, not the mask's" },
  { "16", 1, "closure", "the ring's grainy hair is the thin hair beside "
    "the crown and the edge of the forehead's shade, redder than the hair "
    "the rectangle marks; the dense dark sides lie outside smp:scalp-map's "
    "head plane, and a ring that reaches them learns hair darker than the "
    "rectangle's (L* 20 against 30)" },
};

static gboolean
is_known (const gchar *file,
          gint         match,
          const gchar *criterion)
{
  guint k;

  for (k = 0; k < G_N_ELEMENTS (known); k++)
    if (g_str_has_prefix (file, known[k].photo) && known[k].match == match &&
        ! strcmp (known[k].criterion, criterion))
      return TRUE;
  return FALSE;
}

static void
test_regions (void)
{
  GPtrArray *all = regions ();
  GString   *todo = g_string_new (NULL);
  guint      k;
  gint       mode;

  if (all->len == 0)
    {
      g_test_skip ("../shared/data/scalp-photos is absent (a fresh clone): "
                   "the five regions are not tested");
      g_ptr_array_free (all, TRUE);
      g_string_free (todo, TRUE);
      return;
    }
  for (k = 0; k < all->len; k++)
    {
      Region       *r = g_ptr_array_index (all, k);
      GeglBuffer   *photo = smp_test_shared_photo (r->file);
      GeglRectangle rect, refr;
      GeglBuffer   *mask, *refm;
      gfloat       *before, *mk;
      gint          n;

      if (! photo)
        break;
      rect = *gegl_buffer_get_extent (photo);
      n    = rect.width * rect.height;
      refr = (GeglRectangle) { r->x0, r->y0, r->x1 - r->x0, r->y1 - r->y0 };
      mask = ellipse_mask (r, &rect, 4.0);
      refm = box_mask (&rect, &refr);
      before = g_new (gfloat, (gsize) n * 4);
      mk     = g_new (gfloat, n);
      gegl_buffer_get (photo, &rect, 1.0, RGBA_FLOAT, before,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      gegl_buffer_get (mask, &rect, 1.0, Y_FLOAT, mk, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_NONE);
      for (mode = 1; mode <= 2; mode++)
        {
          GeglNode   *graph, *op = look_graph (&graph, photo, mask,
                                               mode == 2 ? refm : NULL);
          const gchar *name = mode == 1 ? "ring" : "reference";
          const gchar *criteria[] = { "closure", "texture", "step" };
          gboolean     met[3];
          gfloat      *after;
          gdouble      dark, grain_mm, feather;
          gint         hair, c;
          Measures     m;

          gegl_node_set (op, "px-per-mm", 3.5, "match", mode, "seed", 1,
                         NULL);
          after = smp_test_blit (op, &rect, RGBA_FLOAT);
          gegl_node_get (op, "learnt-hair", &hair, "learnt-darkening", &dark,
                         "learnt-grain", &grain_mm, "feather", &feather,
                         NULL);
          m = measure (r, before, after, mk, rect.width, rect.height,
                       feather * 3.5 + 8.0);
          met[0] = m.closure >= 0.6;
          met[1] = m.tex_ratio >= 0.7 && m.tex_ratio <= 1.4;
          met[2] = fabs (m.step_after) <= 3.0 + fabs (m.step_before) / 2;
          g_test_message ("%s match=%s: from %d hair pixels, darkening %.0f "
                          "%%, grain %.2f mm; gap closed %.0f %%, texture "
                          "ratio %.2f, step %+.1f -> %+.1f (at most %.1f), "
                          "%d pixels changed beyond mask + feather", r->file,
                          name, hair, 100 * dark, grain_mm, 100 * m.closure,
                          m.tex_ratio, m.step_before, m.step_after,
                          3.0 + fabs (m.step_before) / 2, m.changed_far);
          g_test_message ("%s match=%s: the step over the outline's upper "
                          "half %+.1f -> %+.1f (at most %.1f), lower half "
                          "%+.1f -> %+.1f (at most %.1f)", r->file, name,
                          m.half_before[0], m.half_after[0],
                          3.0 + fabs (m.half_before[0]) / 2,
                          m.half_before[1], m.half_after[1],
                          3.0 + fabs (m.half_before[1]) / 2);
          g_assert_cmpint (hair, >, 0);
          g_assert_cmpint (m.changed_far, ==, 0);
          /* Where the step is known not to hold (the head's outline
           * against a wall on the upper arc), the lower arc, across
           * scalp, must hold it.  */
          if (is_known (r->file, mode, "step") &&
              ! (fabs (m.half_after[1]) <= 3.0 + fabs (m.half_before[1]) / 2))
            g_error ("%s match=%s: the step across the scalp (the outline's "
                     "lower half) is not met either", r->file, name);
          for (c = 0; c < 3; c++)
            {
              gboolean expected = is_known (r->file, mode, criteria[c]);

              if (! met[c] && ! expected)
                g_error ("%s match=%s: the %s criterion is not met", r->file,
                         name, criteria[c]);
              if (! met[c])
                g_string_append_printf (todo, " %.2s %s %s;", r->file, name,
                                        criteria[c]);
              else if (expected)
                g_test_message ("%s match=%s now meets the %s criterion "
                                "(listed as known not to)", r->file, name,
                                criteria[c]);
            }
          if (mode == 1)
            {
              gchar        *png  = g_strdup_printf ("look-%.2s-ring.png",
                                                    r->file);
              GeglRectangle zoom = { (gint) MAX (0, r->cx - 160),
                                     (gint) MAX (0, r->cy - 120), 320, 240 };

              zoom.x = MIN (zoom.x, rect.width - zoom.width);
              zoom.y = MIN (zoom.y, rect.height - zoom.height);
              review (png, before, after, &rect, &zoom);
              g_free (png);
            }
          g_free (after);
          g_object_unref (graph);
        }
      g_free (before);
      g_free (mk);
      g_object_unref (mask);
      g_object_unref (refm);
      g_object_unref (photo);
    }
  if (todo->len)
    {
      for (k = 0; k < G_N_ELEMENTS (known); k++)
        g_test_message ("known: %s match=%s, %s: %s", known[k].photo,
                        known[k].match == 1 ? "ring" : "reference",
                        known[k].criterion, known[k].why);
      g_test_incomplete (todo->str);
    }
  g_string_free (todo, TRUE);
  g_ptr_array_free (all, TRUE);
}

/* 7. Look at it: the twelve shared photos, the shaved look matched to the
 * client's hair (match=ring) over the automatic treatment mask
 * (smp:scalp-map output=treat), before | after at fit size and 2x around
 * the treated area, in build/review/look-all-NN.png.  Checked: the
 * treated area darkens, and nothing far outside it changes.  */
static void
test_review_all (void)
{
  const gchar *root = g_getenv ("SMP_SHARED_DATA");
  gchar       *dir  = root ? g_build_filename (root, "scalp-photos", NULL)
                           : NULL;
  GDir        *d;
  const gchar *name;
  gint         seen = 0;

  if (! dir || ! g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("../shared/data/scalp-photos is absent (a fresh clone): "
                   "the review sheets are not made");
      g_free (dir);
      return;
    }
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)))
    {
      GeglBuffer   *photo;
      GeglNode     *graph, *src, *map, *op;
      GeglRectangle rect, zoom;
      gfloat       *before, *after, *mask;
      gdouble       sx = 0, sy = 0, sw = 0, lb = 0, la = 0;
      gint          n, i, hair;
      gchar        *png;

      if (! g_str_has_suffix (name, ".jpg"))
        continue;
      photo = smp_test_shared_photo (name);
      rect  = *gegl_buffer_get_extent (photo);
      n     = rect.width * rect.height;
      graph = gegl_node_new ();
      src   = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                   "buffer", photo, NULL);
      map   = gegl_node_new_child (graph, "operation", "smp:scalp-map",
                                   "px-per-mm", 3.5, NULL);
      op    = gegl_node_new_child (graph, "operation", "smp:follicles",
                                   "px-per-mm", 3.5, "seed", 1, NULL);
      gegl_node_link (src, map);
      gegl_node_link (src, op);
      gegl_node_connect_to (map, "output", op, "aux");
      before = g_new (gfloat, (gsize) n * 4);
      gegl_buffer_get (photo, &rect, 1.0, RGBA_FLOAT, before,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      mask  = smp_test_blit (map, &rect, babl_format ("Y' float"));
      after = smp_test_blit (op, &rect, RGBA_FLOAT);
      gegl_node_get (op, "learnt-hair", &hair, NULL);
      for (i = 0; i < n; i++)
        {
          sx += mask[i] * (i % rect.width);
          sy += mask[i] * (i / rect.width);
          sw += mask[i];
          if (mask[i] >= 0.9f)
            {
              lb += lstar (before + 4 * i);
              la += lstar (after + 4 * i);
            }
        }
      zoom = (GeglRectangle) { 0, 0, 240, 180 };
      if (sw > 0)
        {
          zoom.x = (gint) CLAMP (sx / sw - 120, 0, rect.width - 240);
          zoom.y = (gint) CLAMP (sy / sw - 90, 0, rect.height - 180);
        }
      png = g_strdup_printf ("look-all-%.2s.png", name);
      review (png, before, after, &rect, &zoom);
      g_test_message ("%s: automatic mask over %.1f sq cm, %d hair pixels "
                      "learnt, L* of the treated area down by %.1f", name,
                      sw / 3.5 / 3.5 / 100, hair,
                      sw > 0 ? (lb - la) / MAX (1.0, sw) : 0.0);
      g_free (png);
      g_free (before);
      g_free (after);
      g_free (mask);
      g_object_unref (graph);
      g_object_unref (photo);
      seen++;
    }
  g_dir_close (d);
  g_free (dir);
  g_assert_cmpint (seen, ==, 12);
}

/* 4. The defaults, without a reference (match=none): a closely shaved
 * head at whole-head scale, not untouched skin: on flat light skin the
 * L* drop is 6-14 at 3.5 and at 20 px/mm, within 25 % of each other; on
 * photo 12's bald area at 3.5 px/mm too.  (That the impressions stay
 * distinct at 20 px/mm, counted within 8 % of the density, is
 * tests/test-follicles.c's /follicles/density.)  */

static gdouble
mean_lstar (const gfloat  *rgba,
            const guchar  *in,
            gint           n)
{
  gdouble s = 0.0;
  gint    i, k = 0;

  for (i = 0; i < n; i++)
    if (! in || in[i])
      {
        s += lstar (rgba + 4 * i);
        k++;
      }
  return k ? s / k : 0.0;
}

static void
test_defaults (void)
{
  const gdouble scales[] = { 3.5, 20.0 };
  /* Light skin, sRGB #e0b8a5.  */
  const gfloat  light[4] = { 0.7454f, 0.4793f, 0.3763f, 1.0f };
  gdouble       drop[2];
  guint         k;

  for (k = 0; k < G_N_ELEMENTS (scales); k++)
    {
      GeglRectangle rect = { 0, 0, (gint) (40 * scales[k]),
                             (gint) (40 * scales[k]) };
      GeglBuffer   *in   = smp_test_uniform (&rect, RGBA_FLOAT, light);
      gfloat       *out  = smp_test_render ("smp:follicles", in, NULL, &rect,
                                            RGBA_FLOAT, "px-per-mm",
                                            scales[k], "match", 0, "seed", 1,
                                            NULL);

      drop[k] = lstar (light) - mean_lstar (out, NULL,
                                            rect.width * rect.height);
      g_test_message ("flat light skin at %.1f px/mm: L* %.1f, down by %.2f",
                      scales[k], lstar (light), drop[k]);
      g_assert_cmpfloat (drop[k], >=, 6.0);
      g_assert_cmpfloat (drop[k], <=, 14.0);
      g_free (out);
      g_object_unref (in);
    }
  g_assert_cmpfloat (fabs (drop[0] / drop[1] - 1.0), <, 0.25);

  {
    GeglBuffer   *photo = smp_test_shared_photo ("12_front_fully_bald_light_skin.jpg");
    GeglRectangle rect, bald = { 250, 80, 200, 170 };
    GeglBuffer   *mask;
    gfloat       *before, *after;
    guchar       *box;
    gint          n, x, y;
    gdouble       d;

    if (! photo)
      return;
    rect   = *gegl_buffer_get_extent (photo);
    n      = rect.width * rect.height;
    /* The bald area of boxes.tsv, masked as a designer would, a little
     * larger and soft.  */
    {
      GeglRectangle wide = { 230, 60, 240, 210 };
      GeglBuffer   *hard = gegl_buffer_new (&rect, RGBA_FLOAT);
      GeglColor    *c = gegl_color_new ("white"), *b = gegl_color_new ("black");

      gegl_buffer_set_color (hard, &rect, b);
      gegl_buffer_set_color (hard, &wide, c);
      mask = blurred (hard, 4.0);
      g_object_unref (hard);
      g_object_unref (c);
      g_object_unref (b);
    }
    box = g_malloc0 (n);
    for (y = bald.y; y < bald.y + bald.height; y++)
      for (x = bald.x; x < bald.x + bald.width; x++)
        box[y * rect.width + x] = 1;
    before = g_new (gfloat, (gsize) n * 4);
    gegl_buffer_get (photo, &rect, 1.0, RGBA_FLOAT, before,
                     GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    after = smp_test_render ("smp:follicles", photo, mask, &rect, RGBA_FLOAT,
                             "px-per-mm", 3.5, "match", 0, "seed", 1, NULL);
    d = mean_lstar (before, box, n) - mean_lstar (after, box, n);
    g_test_message ("photo 12, bald area at 3.5 px/mm: L* %.1f, down by "
                    "%.2f", mean_lstar (before, box, n), d);
    g_assert_cmpfloat (d, >=, 6.0);
    g_assert_cmpfloat (d, <=, 14.0);
    {
      GeglRectangle zoom = { 200, 40, 320, 240 };

      review ("look-12-defaults.png", before, after, &rect, &zoom);
    }
    g_free (box);
    g_free (before);
    g_free (after);
    g_object_unref (mask);
    g_object_unref (photo);
  }
}

/* 5. Bad input: a reference that holds no hair (all skin, empty, all
 * background) is reported (learnt-hair 0, for the plug-in and the tool to
 * say so) and the properties as set are used, exactly as match=none; NaN
 * pixels in the reference do not spread.  */

/* A scene: a head seen from above on a light wall, 4 px/mm: a bald
 * ellipse in the middle of buzzed hair (stubble from smp:follicles itself,
 * dense and dark), the wall around.  */
static const GeglRectangle scene_rect = { 0, 0, 480, 360 };

static gboolean
in_bald (gint x,
         gint y)
{
  return hypot ((x + 0.5 - 260) / 130.0, (y + 0.5 - 180) / 110.0) <= 1.0;
}

static gboolean
in_head (gint x,
         gint y)
{
  return hypot ((x + 0.5 - 255) / 205.0, (y + 0.5 - 180) / 170.0) <= 1.0;
}

static GeglBuffer *
scene (void)
{
  GeglRectangle rect = scene_rect;
  GeglBuffer   *skin = skin_patch (&rect, 9);
  GeglBuffer   *hair = smp_test_uniform (&rect, Y_FLOAT,
                                         (const gfloat[4]) { 1, 1, 1, 1 });
  gfloat       *m    = g_new (gfloat, (gsize) rect.width * rect.height);
  GeglNode     *graph, *op;
  gfloat       *px;
  GeglBuffer   *out;
  gint          x, y;

  for (y = 0; y < rect.height; y++)
    for (x = 0; x < rect.width; x++)
      m[y * rect.width + x] = in_bald (x, y) ? 0.0f : 1.0f;
  gegl_buffer_set (hair, &rect, 0, Y_FLOAT, m, GEGL_AUTO_ROWSTRIDE);
  op = look_graph (&graph, skin, hair, NULL);
  {
    /* Dark brown, as hair is.  */
    GeglColor *brown = gegl_color_new ("#2a1d14");

    gegl_node_set (op, "px-per-mm", 4.0, "match", 0, "feather", 0.0,
                   "density", 240.0, "dot-diameter", 0.35, "halo", 2.0,
                   "tone", 0.4, "photo-blur", 0.8, "seed", 17,
                   "pigment", brown, "shade-variation", 0.0, NULL);
    g_object_unref (brown);
  }
  px = smp_test_blit (op, &rect, RGBA_FLOAT);
  /* The wall, light and grey, around the head.  */
  for (y = 0; y < rect.height; y++)
    for (x = 0; x < rect.width; x++)
      if (! in_head (x, y))
        {
          gfloat *p = px + ((gsize) y * rect.width + x) * 4;

          p[0] = 0.80f;
          p[1] = 0.79f;
          p[2] = 0.76f;
        }
  out = gegl_buffer_new (&rect, RGBA_FLOAT);
  gegl_buffer_set (out, &rect, 0, RGBA_FLOAT, px, GEGL_AUTO_ROWSTRIDE);
  g_object_unref (graph);
  g_object_unref (skin);
  g_object_unref (hair);
  g_free (px);
  g_free (m);
  return out;
}

/* The treatment mask: the bald ellipse, drawn a little small and rough.  */
static GeglBuffer *
scene_mask (void)
{
  GeglRectangle rect = scene_rect;
  GeglBuffer   *mask = gegl_buffer_new (&rect, Y_FLOAT);
  gfloat       *m    = g_new (gfloat, (gsize) rect.width * rect.height);
  gint          x, y;

  for (y = 0; y < rect.height; y++)
    for (x = 0; x < rect.width; x++)
      {
        gdouble wob = 1.0 + 0.06 * sin (atan2 (y - 180.0, x - 260.0) * 5);

        m[y * rect.width + x] =
          hypot ((x + 0.5 - 262) / (112.0 * wob), (y + 0.5 - 178) / 95.0) <= 1.0;
      }
  gegl_buffer_set (mask, &rect, 0, Y_FLOAT, m, GEGL_AUTO_ROWSTRIDE);
  g_free (m);
  return mask;
}

static gpointer
scene_render (GeglBuffer *photo,
              GeglBuffer *mask,
              GeglBuffer *ref,
              gint        match,
              gint       *hair,
              gdouble    *darkening)
{
  GeglNode *graph, *op = look_graph (&graph, photo, mask, ref);
  gpointer  px;
  GeglRectangle rect = scene_rect;

  gegl_node_set (op, "px-per-mm", 4.0, "match", match, "seed", 2, NULL);
  px = smp_test_blit (op, &rect, RGBA_FLOAT);
  gegl_node_get (op, "learnt-hair", hair, "learnt-darkening", darkening,
                 NULL);
  g_object_unref (graph);
  return px;
}

static void
test_bad_reference (void)
{
  GeglRectangle rect  = scene_rect, empty = { 0, 0, 0, 0 };
  GeglRectangle skin  = { 220, 150, 80, 60 }, wall = { 5, 20, 40, 300 };
  GeglRectangle hairy = { 75, 150, 40, 60 };
  GeglBuffer   *photo = scene (), *mask = scene_mask ();
  GeglBuffer   *refs[4], *clean, *poisoned;
  const gchar  *what[] = { "all skin", "empty", "all background",
                           "nothing (a black mask)" };
  gsize         size  = (gsize) rect.width * rect.height * 16;
  gfloat       *none, *out, *a, *b;
  guchar       *nan_at;
  gint          hair, k, i;
  gdouble       dark, dark_clean, dark_nan;

  none = scene_render (photo, mask, NULL, 0, &hair, &dark);
  refs[0] = box_mask (&rect, &skin);
  refs[1] = gegl_buffer_new (&empty, Y_FLOAT);
  refs[2] = box_mask (&rect, &wall);
  refs[3] = smp_test_uniform (&rect, Y_FLOAT, (const gfloat[4]) { 0, 0, 0, 1 });
  for (k = 0; k < 4; k++)
    {
      out = scene_render (photo, mask, refs[k], 2, &hair, &dark);
      g_test_message ("a reference of %s: %d hair pixels learnt", what[k],
                      hair);
      g_assert_cmpint (hair, ==, 0);
      g_assert_cmpmem (out, size, none, size);
      g_free (out);
      g_object_unref (refs[k]);
    }

  /* A good reference finds the hair (the ring's hair on real photos is
   * /look/regions').  */
  clean = box_mask (&rect, &hairy);
  a = scene_render (photo, mask, clean, 2, &hair, &dark_clean);
  g_test_message ("reference: %d hair pixels, darkening %.2f", hair,
                  dark_clean);
  g_assert_cmpint (hair, >, 1000);

  /* NaN pixels in the reference region: learnt the same within 2 %, and
   * nothing but the poisoned pixels themselves fails to be a number.  */
  poisoned = smp_test_poison (photo, &hairy, 40, &nan_at);
  b = scene_render (poisoned, mask, clean, 2, &hair, &dark_nan);
  g_test_message ("reference with 40 NaN pixels: darkening %.3f (clean "
                  "%.3f)", dark_nan, dark_clean);
  g_assert_cmpfloat (fabs (dark_nan / dark_clean - 1.0), <, 0.02);
  for (i = 0; i < rect.width * rect.height; i++)
    if (! nan_at[i])
      g_assert_true (isfinite (b[4 * i]) && isfinite (b[4 * i + 1]) &&
                     isfinite (b[4 * i + 2]));
  g_free (a);
  g_free (b);
  g_free (nan_at);
  g_free (none);
  g_object_unref (poisoned);
  g_object_unref (clean);
  g_object_unref (photo);
  g_object_unref (mask);
}

/* 6. Tiles, threads and region order change no byte, in every match mode
 * (the mode of a run, for the child process too, in SMP_TEST_MATCH).  */
static gpointer
tile_render (const GeglRectangle *rect,
             gint                 seed)
{
  const gchar *mode  = g_getenv ("SMP_TEST_MATCH");
  gint         match = mode ? atoi (mode) : 1;
  GeglRectangle hairy = { 75, 150, 40, 60 }, all = scene_rect;
  GeglBuffer  *photo = scene (), *mask = scene_mask ();
  GeglBuffer  *ref   = match == 2 ? box_mask (&all, &hairy) : NULL;
  GeglNode    *graph, *op = look_graph (&graph, photo, mask, ref);
  gpointer     px;

  gegl_node_set (op, "px-per-mm", 4.0, "match", match, "seed", seed, NULL);
  px = smp_test_blit (op, rect, RGBA_U8);
  g_object_unref (graph);
  g_object_unref (photo);
  g_object_unref (mask);
  if (ref)
    g_object_unref (ref);
  return px;
}

static const GeglRectangle tile_rect = { -20, -10, 500, 380 };

static void
test_tiles (void)
{
  gint match;

  for (match = 0; match <= 2; match++)
    {
      gchar *m = g_strdup_printf ("%d", match);

      g_test_message ("match=%s", match == 0 ? "none"
                                  : match == 1 ? "ring" : "reference");
      g_setenv ("SMP_TEST_MATCH", m, TRUE);
      smp_test_tile_independence (&tile_rect, tile_render);
      g_free (m);
    }
  g_unsetenv ("SMP_TEST_MATCH");
}

int
main (int    argc,
      char **argv)
{
  if (smp_test_tile_child (&argc, &argv, &tile_rect, tile_render))
    return 0;
  smp_test_init (&argc, &argv);
  g_test_add_func ("/look/blur", test_blur);
  g_test_add_func ("/look/ground-truth", test_ground_truth);
  g_test_add_func ("/look/regions", test_regions);
  g_test_add_func ("/look/defaults", test_defaults);
  g_test_add_func ("/look/bad-reference", test_bad_reference);
  g_test_add_func ("/look/tiles", test_tiles);
  g_test_add_func ("/look/review-all", test_review_all);
  return g_test_run ();
}
