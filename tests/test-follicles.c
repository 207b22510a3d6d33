/* test-follicles.c: smp:follicles through GEGL, in-process and through the
 * real `gegl` binary.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <gegl.h>
#include <gegl-plugin.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smp-pattern.h"
#include "smp-stats.h"
#include "smp-test-util.h"

static const gfloat skin[4] = { 0.55f, 0.33f, 0.24f, 1.0f };

#define RGBA_FLOAT babl_format ("RGBA float")
#define RGBA_U8    babl_format ("R'G'B'A u8")

/* Renders smp:follicles over rect with the given properties.  */
#define render(input, aux, rect, format, ...) \
  smp_test_render ("smp:follicles", input, aux, rect, format, __VA_ARGS__)

/* 1 - out / in of the blue channel (the crispest), per pixel.  */
static gfloat *
darkening (const gfloat *out,
           gint          n,
           const gfloat  in[4])
{
  gfloat *d = g_new (gfloat, n);
  gint    i;

  for (i = 0; i < n; i++)
    d[i] = 1.0f - out[i * 4 + 2] / in[2];
  return d;
}

/* The dots' blobs whose centroid lies in [x0, x1) x [y0, y1): where the
 * darkening stands out by 0.08 above its mean over 0.4 mm around (the
 * halo and the even shade between the dots are no dots).  */
static gsize
blobs_inside (const gfloat *dark,
              gint          w,
              gint          h,
              gdouble       ppm,
              gdouble       x0,
              gdouble       y0,
              gdouble       x1,
              gdouble       y1)
{
  gint     r     = MAX (1, (gint) lround (0.4 * ppm));
  gfloat  *above = g_new (gfloat, (gsize) w * h);
  gdouble *c, *row = g_new0 (gdouble, (gsize) w + 1);
  gdouble *col = g_new0 (gdouble, (gsize) w * h);
  gsize    n, k, inside = 0;
  gint     x, y;

  /* Box means by prefix sums: rows, then columns.  */
  for (y = 0; y < h; y++)
    {
      for (x = 0; x < w; x++)
        row[x + 1] = row[x] + dark[y * w + x];
      for (x = 0; x < w; x++)
        {
          gint a = MAX (0, x - r), b = MIN (w - 1, x + r);

          col[y * w + x] = (row[b + 1] - row[a]) / (b - a + 1);
        }
    }
  for (x = 0; x < w; x++)
    for (y = 0; y < h; y++)
      {
        gint    a = MAX (0, y - r), b = MIN (h - 1, y + r), j;
        gdouble m = 0.0;

        for (j = a; j <= b; j++)
          m += col[j * w + x];
        above[y * w + x] = dark[y * w + x] - (gfloat) (m / (b - a + 1));
      }
  n = smp_stats_blobs (above, w, h, 0.08f, &c);
  for (k = 0; k < n; k++)
    inside += c[2 * k] >= x0 && c[2 * k] < x1 &&
              c[2 * k + 1] >= y0 && c[2 * k + 1] < y1;
  free (c);
  g_free (above);
  g_free (row);
  g_free (col);
  return inside;
}

/* 1. Dots over 20 cm², counted from the rendered pixels at 25 px/mm (75
 * /cm²) and 20 px/mm (the defaults: 100 /cm²), and from the point
 * process, against the requested density: the impressions stay distinct
 * under their halo and shade (no "helmet").  */
static void
test_density (void)
{
  const gdouble scales[] = { 25.0, 20.0 }, densities[] = { 75.0, 100.0 };
  guint         k;

  for (k = 0; k < G_N_ELEMENTS (scales); k++)
    {
      const gdouble ppm = scales[k], density = densities[k];
      GeglRectangle rect = { 0, 0, (gint) (60 * ppm), (gint) (50 * ppm) };
      GeglBuffer   *in = smp_test_uniform (&rect, RGBA_FLOAT, skin);
      gfloat       *out, *dark;
      gsize         pixels, process;
      SmpPattern    pattern;
      SmpDot       *dots = NULL;
      size_t        alloc = 0;
      gint          seed;

      for (seed = 5; seed <= 6; seed++)
        {
          out  = render (in, NULL, &rect, RGBA_FLOAT, "px-per-mm", ppm,
                         "density", density, "seed", seed, NULL);
          dark = darkening (out, rect.width * rect.height, skin);
          /* The inner 50 x 40 mm: blobs cut by the border do not count.  */
          pixels = blobs_inside (dark, rect.width, rect.height, ppm,
                                 5 * ppm, 5 * ppm, 55 * ppm, 45 * ppm);
          smp_pattern_init (&pattern, density, 0.2, seed);
          process = smp_pattern_collect (&pattern, 5, 5, 55, 45, &dots,
                                         &alloc);
          g_test_message ("%.0f px/mm, seed %d: %zu dots in the pixels, %zu "
                          "in the point process over 20 cm²: %.2f and %.2f "
                          "/cm² for %.0f", ppm, seed, pixels, process,
                          pixels / 20.0, process / 20.0, density);
          g_assert_cmpfloat (fabs (pixels / 20.0 / density - 1.0), <, 0.05);
          g_assert_cmpfloat (fabs (process / 20.0 / density - 1.0), <, 0.03);
          g_free (out);
          g_free (dark);
        }
      free (dots);
      g_object_unref (in);
    }
}

/* 3. A linear ramp mask: the density of 10 bands follows it, and where the
 * mask is 0 the photo is untouched.  */
static void
test_mask (void)
{
  const gdouble ppm = 16.0, density = 75.0, band_mm = 20.0, height_mm = 50.0;
  GeglRectangle rect = { 0, 0, (gint) (10 * band_mm * ppm),
                         (gint) (height_mm * ppm) };
  GeglBuffer   *in   = smp_test_uniform (&rect, RGBA_FLOAT, skin);
  GeglBuffer   *ramp = smp_test_ramp (&rect);
  GeglBuffer   *half;
  gfloat       *out, *dark, *src;
  gint          band, counts[10] = { 0 }, i;

  /* The mask as it is (a hairline's transition): feather 0.  */
  out  = render (in, ramp, &rect, RGBA_FLOAT, "px-per-mm", ppm,
                 "density", density, "seed", 21, "feather", 0.0, NULL);
  dark = darkening (out, rect.width * rect.height, skin);
  for (band = 0; band < 10; band++)
    counts[band] = (gint) blobs_inside (dark, rect.width, rect.height, ppm,
                                        band * band_mm * ppm,
                                        2 * ppm,
                                        (band + 1) * band_mm * ppm,
                                        (height_mm - 2) * ppm);
  for (band = 0; band < 10; band++)
    {
      gdouble mask   = (band + 0.5) / 10.0;
      gdouble expect = density * mask * band_mm * (height_mm - 4) / 100.0;

      g_test_message ("band %d, mask %.2f: %d dots, %.1f expected (%+.1f %%)",
                      band, mask, counts[band], expect,
                      100.0 * (counts[band] / expect - 1.0));
      if (mask >= 0.2)
        g_assert_cmpfloat (fabs (counts[band] / expect - 1.0), <, 0.10);
    }
  g_free (out);
  g_free (dark);

  /* Black on the left half, white on the right: the left half of the
   * output is the input, bit for bit, even next to the dots.  */
  half = smp_test_uniform (&rect, babl_format ("Y' float"),
                           (const gfloat[4]) { 1, 1, 1, 1 });
  {
    GeglRectangle left = { 0, 0, rect.width / 2, rect.height };
    GeglColor    *black = gegl_color_new ("black");

    gegl_buffer_set_color (half, &left, black);
    g_object_unref (black);
  }
  out = render (in, half, &rect, RGBA_FLOAT, "px-per-mm", ppm,
                "feather", 0.0, NULL);
  src = g_new (gfloat, (gsize) rect.width * rect.height * 4);
  gegl_buffer_get (in, &rect, 1.0, RGBA_FLOAT, src, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (i = 0; i < rect.height; i++)
    g_assert_cmpmem (out + (gsize) i * rect.width * 4, rect.width / 2 * 16,
                     src + (gsize) i * rect.width * 4, rect.width / 2 * 16);
  /* ... and the right half does have dots.  */
  g_assert_cmpint (memcmp (out + rect.width * 2, src + rect.width * 2,
                           (gsize) rect.width * 8 * rect.height - 64), !=, 0);
  g_free (out);
  g_free (src);
  g_object_unref (half);
  g_object_unref (ramp);
  g_object_unref (in);
}

/* Where the mask is 0 an 8-bit photo comes out bit for bit too (the op
 * outputs 8-bit for 8-bit input).  */
static void
test_mask_u8 (void)
{
  GeglRectangle rect = { 0, 0, 320, 200 };
  GeglRectangle left = { 0, 0, 160, 200 };
  GeglBuffer   *photo = smp_test_photo (&rect, RGBA_U8);
  GeglBuffer   *mask  = smp_test_uniform (&rect, babl_format ("Y' u8"),
                                          (const gfloat[4]) { 1, 1, 1, 1 });
  GeglColor    *black = gegl_color_new ("black");
  guchar       *src   = g_new (guchar, rect.width * rect.height * 4);
  guchar       *out;
  gint          y;

  gegl_buffer_set_color (mask, &left, black);
  gegl_buffer_get (photo, &rect, 1.0, RGBA_U8, src, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  out = render (photo, mask, &rect, RGBA_U8, "px-per-mm", 15.0,
                "feather", 0.0, NULL);
  for (y = 0; y < rect.height; y++)
    g_assert_cmpmem (out + y * rect.width * 4, 160 * 4,
                     src + y * rect.width * 4, 160 * 4);
  g_assert_cmpint (memcmp (out, src, rect.width * rect.height * 4), !=, 0);
  g_free (out);
  g_free (src);
  g_object_unref (black);
  g_object_unref (mask);
  g_object_unref (photo);
}

/* 4. The mean darkening of a uniform area is the same at every scale.  */
static void
test_tone (void)
{
  const gdouble scales[] = { 2.0, 4.0, 10.0, 40.0 };
  gdouble       tone[G_N_ELEMENTS (scales)], lo = 1, hi = 0;
  guint         s;

  for (s = 0; s < G_N_ELEMENTS (scales); s++)
    {
      GeglRectangle rect = { 0, 0, (gint) (40 * scales[s]),
                             (gint) (40 * scales[s]) };
      GeglBuffer   *in   = smp_test_uniform (&rect, RGBA_FLOAT, skin);
      gfloat       *out  = render (in, NULL, &rect, RGBA_FLOAT,
                                   "px-per-mm", scales[s], "seed", 3, NULL);
      gdouble       sum  = 0.0;
      gint          i, n = rect.width * rect.height;

      for (i = 0; i < n; i++)
        sum += 0.2126 * out[i * 4] + 0.7152 * out[i * 4 + 1] +
               0.0722 * out[i * 4 + 2];
      tone[s] = 1.0 - sum / n / (0.2126 * skin[0] + 0.7152 * skin[1] +
                                 0.0722 * skin[2]);
      lo = MIN (lo, tone[s]);
      hi = MAX (hi, tone[s]);
      g_test_message ("%5.1f px/mm: mean darkening of luminance %.4f",
                      scales[s], tone[s]);
      g_free (out);
      g_object_unref (in);
    }
  g_assert_cmpfloat (lo, >, 0.005);
  g_assert_cmpfloat (hi / lo - 1.0, <, 0.10);
}

/* The render for tile independence, also run in a child process with
 * another tile size and thread count: a photo under a ramp mask.  */
static gpointer
tile_render (const GeglRectangle *rect,
             gint                 seed)
{
  GeglRectangle all  = { -200, -200, 1100, 900 };
  GeglBuffer   *in   = smp_test_photo (&all, RGBA_FLOAT);
  GeglBuffer   *ramp = smp_test_ramp (&all);
  gpointer      out  = render (in, ramp, rect, RGBA_U8, "px-per-mm", 8.0,
                               "seed", seed, "elongation", 1.6, NULL);

  g_object_unref (in);
  g_object_unref (ramp);
  return out;
}

static const GeglRectangle tile_rect = { -37, 11, 640, 480 };

/* 5. Tiles, threads and region order change no byte.  */
static void
test_tiles (void)
{
  smp_test_tile_independence (&tile_rect, tile_render);
}

static gboolean
u8_close (const guchar *a,
          const guchar *b,
          gsize         n,
          gint          tolerance,
          gint         *worst)
{
  gsize i;

  *worst = 0;
  for (i = 0; i < n; i++)
    *worst = MAX (*worst, abs ((gint) a[i] - (gint) b[i]));
  return *worst <= tolerance;
}

/* 6. input x pigment == composite within 1/255.  */
static void
test_pigment (void)
{
  GeglRectangle rect = { 0, 0, 400, 300 };
  GeglBuffer   *in   = smp_test_photo (&rect, RGBA_FLOAT);
  gfloat       *comp = render (in, NULL, &rect, RGBA_FLOAT, "px-per-mm", 20.0,
                               "shade-variation", 0.6, NULL);
  gfloat       *pigm = render (in, NULL, &rect, RGBA_FLOAT, "px-per-mm", 20.0,
                               "shade-variation", 0.6, "output", 1, NULL);
  gfloat       *src  = g_new (gfloat, rect.width * rect.height * 4);
  guchar       *a    = g_new (guchar, rect.width * rect.height * 4);
  guchar       *b    = g_new (guchar, rect.width * rect.height * 4);
  gint          i, n = rect.width * rect.height, worst, touched = 0;

  gegl_buffer_get (in, &rect, 1.0, RGBA_FLOAT, src, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (i = 0; i < n; i++)
    {
      g_assert_cmpfloat (pigm[i * 4 + 3], ==, 1.0f);
      touched += pigm[i * 4] < 0.99f;
      src[i * 4 + 0] *= pigm[i * 4 + 0];
      src[i * 4 + 1] *= pigm[i * 4 + 1];
      src[i * 4 + 2] *= pigm[i * 4 + 2];
    }
  babl_process (babl_fish (RGBA_FLOAT, RGBA_U8), src, a, n);
  babl_process (babl_fish (RGBA_FLOAT, RGBA_U8), comp, b, n);
  g_assert_true (u8_close (a, b, (gsize) n * 4, 1, &worst));
  g_test_message ("%d pixels carry pigment; worst difference %d/255",
                  touched, worst);
  g_assert_cmpint (touched, >, n / 50);
  g_free (comp);
  g_free (pigm);
  g_free (src);
  g_free (a);
  g_free (b);
  g_object_unref (in);
}

/* 7. u8, u16, half and float input: the same result after conversion to u8,
 * within 1/255.  */
static void
test_formats (void)
{
  const gchar  *formats[] = { "R'G'B'A u16", "R'G'B'A half", "R'G'B'A float",
                              "RGBA float", "RGBA u16", "R'G'B' u8" };
  GeglRectangle rect = { 0, 0, 300, 200 };
  GeglBuffer   *photo = smp_test_photo (&rect, RGBA_FLOAT);
  GeglBuffer   *u8 = gegl_buffer_new (&rect, RGBA_U8);
  guchar       *want, *got;
  guint         f;
  gint          worst;

  /* All inputs hold the same 8-bit values.  */
  gegl_buffer_copy (photo, &rect, GEGL_ABYSS_NONE, u8, &rect);
  want = render (u8, NULL, &rect, RGBA_U8, "px-per-mm", 15.0, NULL);
  for (f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      GeglBuffer *in = gegl_buffer_new (&rect, babl_format (formats[f]));

      gegl_buffer_copy (u8, &rect, GEGL_ABYSS_NONE, in, &rect);
      got = render (in, NULL, &rect, RGBA_U8, "px-per-mm", 15.0, NULL);
      g_assert_true (u8_close (want, got, rect.width * rect.height * 4, 1,
                               &worst));
      g_test_message ("%s input: worst difference %d/255 from R'G'B'A u8",
                      formats[f], worst);
      g_free (got);
      g_object_unref (in);
    }
  g_free (want);

  /* Alpha is the input's, to the bit, dots or not.  */
  {
    guchar *src = g_new (guchar, rect.width * rect.height * 4);
    gint    i;

    gegl_buffer_get (u8, &rect, 1.0, RGBA_U8, src, GEGL_AUTO_ROWSTRIDE,
                     GEGL_ABYSS_NONE);
    for (i = 0; i < rect.width * rect.height; i++)
      src[i * 4 + 3] = (guchar) (i % rect.width * 255 / (rect.width - 1));
    gegl_buffer_set (u8, &rect, 0, RGBA_U8, src, GEGL_AUTO_ROWSTRIDE);
    got = render (u8, NULL, &rect, RGBA_U8, "px-per-mm", 15.0, NULL);
    for (i = 0; i < rect.width * rect.height; i++)
      g_assert_cmpint (got[i * 4 + 3], ==, src[i * 4 + 3]);
    g_free (got);
    g_free (src);
  }
  g_object_unref (u8);
  g_object_unref (photo);
}

/* 8. NaN and Inf pixels stay where they are.  */
static void
test_bad_pixels (void)
{
  GeglRectangle rect = { 0, 0, 200, 160 };
  GeglBuffer   *clean = smp_test_uniform (&rect, RGBA_FLOAT, skin);
  GeglBuffer   *bad   = smp_test_uniform (&rect, RGBA_FLOAT, skin);
  GeglBuffer   *aux   = smp_test_uniform (&rect, babl_format ("Y'A float"),
                                          (const gfloat[4]) { 1, 1, 1, 1 });
  const gfloat  nan4[4] = { NAN, NAN, NAN, NAN };
  const gfloat  inf4[4] = { INFINITY, -INFINITY, INFINITY, INFINITY };
  gfloat       *a, *b;
  gint          i, x, y;

  for (i = 0; i < 40; i++)
    {
      GeglRectangle p = { (i * 37) % rect.width, (i * 53) % rect.height, 1, 1 };

      gegl_buffer_set (bad, &p, 0, RGBA_FLOAT, i & 1 ? nan4 : inf4,
                       GEGL_AUTO_ROWSTRIDE);
      /* The mask too: a NaN mask is no mask.  */
      gegl_buffer_set (aux, &p, 0, babl_format ("Y'A float"), nan4,
                       GEGL_AUTO_ROWSTRIDE);
    }
  a = render (clean, aux, &rect, RGBA_FLOAT, "px-per-mm", 20.0, NULL);
  b = render (bad, aux, &rect, RGBA_FLOAT, "px-per-mm", 20.0, NULL);
  for (y = 0; y < rect.height; y++)
    for (x = 0; x < rect.width; x++)
      {
        gboolean poisoned = FALSE;

        for (i = 0; i < 40; i++)
          poisoned |= x == (i * 37) % rect.width && y == (i * 53) % rect.height;
        if (! poisoned)
          g_assert_cmpmem (a + (y * rect.width + x) * 4, 16,
                           b + (y * rect.width + x) * 4, 16);
      }
  g_free (a);
  g_free (b);
  g_object_unref (clean);
  g_object_unref (bad);
  g_object_unref (aux);
}

/* 8. Zero density (and zero darkness) is the photo, bit for bit.  */
static void
test_identity (void)
{
  GeglRectangle rect = { 3, -5, 250, 170 };
  GeglBuffer   *in   = smp_test_photo (&rect, RGBA_FLOAT);
  gfloat       *src  = g_new (gfloat, rect.width * rect.height * 4);
  gfloat       *out;

  gegl_buffer_get (in, &rect, 1.0, RGBA_FLOAT, src, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  out = render (in, NULL, &rect, RGBA_FLOAT, "density", 0.0, NULL);
  g_assert_cmpmem (out, rect.width * rect.height * 16,
                   src, rect.width * rect.height * 16);
  g_free (out);
  out = render (in, NULL, &rect, RGBA_FLOAT, "darkness", 0.0, NULL);
  g_assert_cmpmem (out, rect.width * rect.height * 16,
                   src, rect.width * rect.height * 16);
  g_free (out);
  g_free (src);
  g_object_unref (in);
}

/* An infinite input (gegl:color) renders any region asked for.  */
static void
test_infinite (void)
{
  GeglNode     *graph;
  GeglNode     *op    = smp_test_graph_unbounded (&graph, "smp:follicles",
                                                "rgb(0.8,0.6,0.5)", NULL);
  GeglRectangle far   = { -3000000, 2500000, 300, 200 };
  GeglRectangle box;
  gfloat       *out;
  gint          i, dark = 0;

  box = gegl_node_get_bounding_box (op);
  g_assert_true (gegl_rectangle_is_infinite_plane (&box));
  out = smp_test_blit (op, &far, RGBA_FLOAT);
  for (i = 0; i < far.width * far.height; i++)
    {
      g_assert_true (isfinite (out[i * 4]) && out[i * 4] >= 0.0f);
      dark += out[i * 4] < 0.9f * out[0 * 4 + 0] || out[i * 4] < 0.5f;
    }
  g_test_message ("%d darkened pixels at (%d, %d)", dark, far.x, far.y);
  g_assert_cmpint (dark, >, 50);
  g_free (out);
  g_object_unref (graph);
}

/* Out of range values are clamped to the specs' ranges, silently, and
 * render as the limits do.  */
static void
test_clamped (void)
{
  GeglRectangle rect = { 0, 0, 160, 120 };
  GeglBuffer   *in   = smp_test_uniform (&rect, RGBA_FLOAT, skin);
  GeglNode     *graph, *node = smp_test_graph (&graph, "smp:follicles", in,
                                               NULL);
  gdouble       density, ppm, depth;
  gint          sessions;
  gpointer      a, b;

  gegl_node_set (node, "density", 1000.0, "px-per-mm", -4.0, "depth", NAN,
                 "sessions", 99, NULL);
  gegl_node_get (node, "density", &density, "px-per-mm", &ppm,
                 "depth", &depth, "sessions", &sessions, NULL);
  g_test_message ("density 1000 -> %g, px-per-mm -4 -> %g, depth NaN -> %g, "
                  "sessions 99 -> %d", density, ppm, depth, sessions);
  g_assert_cmpfloat (density, ==, 250.0);
  g_assert_cmpfloat (ppm, ==, 0.5);
  g_assert_cmpint (sessions, ==, 4);
  g_object_unref (graph);

  /* NaN passes GObject's range check: the op renders its default.  */
  a = render (in, NULL, &rect, RGBA_U8, "depth", (gdouble) NAN,
              "angle", (gdouble) NAN, NULL);
  b = render (in, NULL, &rect, RGBA_U8, NULL);
  g_assert_cmpmem (a, rect.width * rect.height * 4, b,
                   rect.width * rect.height * 4);
  g_free (a);
  g_free (b);

  a = render (in, NULL, &rect, RGBA_U8, "density", 1000.0, "dot-diameter", 5.0,
              NULL);
  b = render (in, NULL, &rect, RGBA_U8, "density", 250.0, "dot-diameter", 1.0,
              NULL);
  g_assert_cmpmem (a, rect.width * rect.height * 4, b,
                   rect.width * rect.height * 4);
  g_free (a);
  g_free (b);
  g_object_unref (in);
}

/* The mask: missing means everywhere, outside its extent means 0, an empty
 * one means nowhere; with only a mask and no photo, nothing breaks.  */
static void
test_aux_extent (void)
{
  GeglRectangle rect  = { 0, 0, 300, 200 };
  GeglRectangle small = { 0, 0, 150, 200 };
  GeglRectangle empty = { 0, 0, 0, 0 };
  GeglBuffer   *in    = smp_test_photo (&rect, RGBA_FLOAT);
  GeglBuffer   *white = smp_test_uniform (&small, babl_format ("Y' float"),
                                          (const gfloat[4]) { 1, 1, 1, 1 });
  GeglBuffer   *none  = gegl_buffer_new (&empty, babl_format ("Y' float"));
  GeglBuffer   *full  = smp_test_uniform (&rect, babl_format ("Y' float"),
                                          (const gfloat[4]) { 1, 1, 1, 1 });
  gfloat       *src   = g_new (gfloat, rect.width * rect.height * 4);
  gfloat       *a, *b, *c;
  gint          y, row = rect.width * 4;

  gegl_buffer_get (in, &rect, 1.0, RGBA_FLOAT, src, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  a = render (in, NULL, &rect, RGBA_FLOAT, "px-per-mm", 12.0, NULL);
  b = render (in, full, &rect, RGBA_FLOAT, "px-per-mm", 12.0, NULL);
  /* No mask is a white mask, but for dots centred outside the mask's
   * extent, which count as masked: compare farther from the border than
   * a dot's halo reaches.  */
  for (y = 30; y < rect.height - 30; y++)
    g_assert_cmpmem (a + y * row + 30 * 4, (rect.width - 60) * 16,
                     b + y * row + 30 * 4, (rect.width - 60) * 16);
  g_free (b);

  /* A mask covering the left half: the right half is untouched, the left
   * half is as with no mask (away from the mask's edge).  */
  b = render (in, white, &rect, RGBA_FLOAT, "px-per-mm", 12.0,
              "feather", 0.0, "match", 0, NULL);
  for (y = 0; y < rect.height; y++)
    {
      g_assert_cmpmem (b + y * row + 150 * 4, 150 * 16,
                       src + y * row + 150 * 4, 150 * 16);
      if (y >= 30 && y < rect.height - 30)
        g_assert_cmpmem (b + y * row + 30 * 4, 90 * 16,
                         a + y * row + 30 * 4, 90 * 16);
    }

  c = render (in, none, &rect, RGBA_FLOAT, "px-per-mm", 12.0, NULL);
  g_assert_cmpmem (c, rect.width * rect.height * 16, src,
                   rect.width * rect.height * 16);
  g_free (c);

  {
    GeglNode     *graph, *node = smp_test_graph (&graph, "smp:follicles",
                                                 NULL, full);
    GeglRectangle box = gegl_node_get_bounding_box (node);

    g_assert_cmpint (box.width * box.height, ==, 0);
    c = smp_test_blit (node, &rect, RGBA_FLOAT);
    g_free (c);
    gegl_node_set (node, "output", 1, NULL);
    c = smp_test_blit (node, &rect, RGBA_FLOAT);
    g_free (c);
    g_object_unref (graph);
  }

  g_free (a);
  g_free (b);
  g_free (src);
  g_object_unref (in);
  g_object_unref (white);
  g_object_unref (none);
  g_object_unref (full);
}

/* 9. The reference hash, checked as GEGL's gegl-tester checks it: the
 * op's reference composition saved as PNG, loaded, MD5 of its R'G'B'A u8
 * pixels.  */
static void
test_reference_hash (void)
{
  smp_test_reference_hash ("smp:follicles");
}

/* What the gegl binary printed on stderr, less the one warning GEGL 0.4.42's
 * binary prints at exit for any chain with an aux branch (the same for
 * `gegl:over aux=[ gegl:load ... ]`): a buffer of the parsed chain that it
 * never frees.  */
static void
assert_quiet (const gchar *err)
{
  gchar **lines = g_strsplit (err, "\n", -1);
  gint    i;

  for (i = 0; lines[i]; i++)
    {
      if (! *g_strstrip (lines[i]) ||
          strstr (lines[i], "gegl_tile_cache_destroy: runtime check failed") ||
          strstr (lines[i], "GeglBuffers leaked"))
        continue;
      g_assert_cmpstr (lines[i], ==, "");
    }
  g_strfreev (lines);
}

/* The real `gegl` binary: a command-line chain with a mask from a file,
 * and an XML graph, against the same graphs run in this process.  */
static void
test_gegl_binary (void)
{
  const gchar  *gegl_bin = g_getenv ("SMP_GEGL_BIN");
  const gchar  *src_dir  = g_getenv ("SMP_SOURCE_DIR");
  const gchar  *dir      = smp_test_tmpdir ();
  GeglRectangle rect = { 0, 0, 320, 240 }, box;
  GeglBuffer   *photo = smp_test_photo (&rect, RGBA_U8);
  GeglBuffer   *ramp  = smp_test_ramp (&rect);
  gchar        *in_png   = g_build_filename (dir, "photo.png", NULL);
  gchar        *mask_png = g_build_filename (dir, "mask.png", NULL);
  gchar        *out_png  = g_build_filename (dir, "cli.png", NULL);
  gchar        *xml_png  = g_build_filename (dir, "xml.png", NULL);
  gchar        *xml      = g_build_filename (src_dir, "tests", "graphs",
                                             "follicles.xml", NULL);
  gchar        *aux_arg  = g_strdup_printf ("path=%s", mask_png);
  gchar        *err      = NULL, *out;
  guchar       *cli, *mine, *orig;
  gint          worst;

  g_assert_nonnull (gegl_bin);
  smp_test_save_png (photo, in_png);
  smp_test_save_png (ramp, mask_png);

  {
    const gchar *argv[] = { gegl_bin, "-i", in_png, "-o", out_png, "--",
                            "smp:follicles", "px-per-mm=4", "density=80",
                            "seed=3", "aux=[", "gegl:load", aux_arg, "]",
                            NULL };

    out = smp_test_run (argv, NULL, &err);
    assert_quiet (err);
    g_free (out);
    g_free (err);
  }
  cli  = smp_test_load (out_png, RGBA_U8, &box);
  g_assert_cmpint (box.width, ==, rect.width);
  g_assert_cmpint (box.height, ==, rect.height);
  {
    GeglNode *graph = gegl_node_new ();
    GeglNode *load  = gegl_node_new_child (graph, "operation", "gegl:load",
                                           "path", in_png, NULL);
    GeglNode *mask  = gegl_node_new_child (graph, "operation", "gegl:load",
                                           "path", mask_png, NULL);
    GeglNode *op    = gegl_node_new_child (graph, "operation",
                                           "smp:follicles", "px-per-mm", 4.0,
                                           "density", 80.0, "seed", 3, NULL);

    gegl_node_link (load, op);
    gegl_node_connect_to (mask, "output", op, "aux");
    mine = smp_test_blit (op, &rect, RGBA_U8);
    orig = smp_test_blit (load, &rect, RGBA_U8);
    g_object_unref (graph);
  }
  g_assert_true (u8_close (cli, mine, rect.width * rect.height * 4, 1,
                           &worst));
  g_test_message ("gegl command line vs in-process: worst %d/255", worst);
  g_assert_false (u8_close (cli, orig, rect.width * rect.height * 4, 1,
                            &worst));
  g_free (cli);
  g_free (mine);
  g_free (orig);

  {
    const gchar *argv[] = { gegl_bin, xml, "-o", xml_png, NULL };
    GeglNode    *graph;

    out = smp_test_run (argv, NULL, &err);
    assert_quiet (err);
    g_free (out);
    g_free (err);
    cli   = smp_test_load (xml_png, RGBA_U8, &box);
    graph = gegl_node_new_from_file (xml);
    g_assert_nonnull (graph);
    mine  = smp_test_blit (graph, &box, RGBA_U8);
    g_assert_true (u8_close (cli, mine, box.width * box.height * 4, 1,
                             &worst));
    g_test_message ("gegl %s, %dx%d: worst %d/255 from in-process", xml,
                    box.width, box.height, worst);
    g_free (cli);
    g_free (mine);
    g_object_unref (graph);
  }

  g_free (in_png);
  g_free (mask_png);
  g_free (out_png);
  g_free (xml_png);
  g_free (xml);
  g_free (aux_arg);
  g_object_unref (photo);
  g_object_unref (ramp);
}

/* The real photos of ../shared/data: each one stippled whole, without a
 * mask, at its scale (about 4 px/mm, SOURCES.md), written before | after
 * into the build dir's review/; the mean darkening of the photo stays in
 * the range of a real treatment.  (The shaved look over the bald areas,
 * matched to the client's hair, is reviewed by tests/test-look.c.)  */
static void
test_real_photos (void)
{
  const gchar *data = g_getenv ("SMP_SHARED_DATA");
  gchar       *dir  = data ? g_build_filename (data, "scalp-photos", NULL) : NULL;
  gchar       *review;
  GDir        *d;
  const gchar *name;
  gint         seen = 0;

  if (! dir || ! g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("../shared/data/scalp-photos is absent (a fresh clone): "
                   "the real photos are not reviewed");
      g_free (dir);
      return;
    }
  review = g_build_filename (g_getenv ("SMP_BUILD_DIR"), "review", NULL);
  g_mkdir_with_parents (review, 0755);
  d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    {
      gchar        *path, *out;
      GeglNode     *graph, *load, *op, *over, *shift, *save;
      GeglRectangle box;
      gfloat       *before, *after;
      gdouble       lb = 0, la = 0;
      gint          i, n;

      if (! g_str_has_suffix (name, ".jpg"))
        continue;
      path  = g_build_filename (dir, name, NULL);
      out   = g_strdup_printf ("%s/follicles-%.*s.png", review,
                               (gint) strlen (name) - 4, name);
      graph = gegl_node_new ();
      load  = gegl_node_new_child (graph, "operation", "gegl:load",
                                   "path", path, NULL);
      op    = gegl_node_new_child (graph, "operation", "smp:follicles",
                                   "px-per-mm", 4.0, "seed", 1, NULL);
      gegl_node_link (load, op);
      box = gegl_node_get_bounding_box (load);
      g_assert_cmpint (box.width, >, 0);
      before = smp_test_blit (load, &box, RGBA_FLOAT);
      after  = smp_test_blit (op, &box, RGBA_FLOAT);
      n = box.width * box.height;
      for (i = 0; i < n; i++)
        {
          g_assert_true (isfinite (after[i * 4]) && isfinite (after[i * 4 + 2]));
          lb += 0.2126 * before[i * 4] + 0.7152 * before[i * 4 + 1] +
                0.0722 * before[i * 4 + 2];
          la += 0.2126 * after[i * 4] + 0.7152 * after[i * 4 + 1] +
                0.0722 * after[i * 4 + 2];
        }
      g_test_message ("%s: %dx%d, mean luminance %.4f -> %.4f (%.1f %% "
                      "darker), review: %s", name, box.width, box.height,
                      lb / n, la / n, 100 * (1 - la / lb), out);
      /* The defaults darken light skin by about 10 L*, a quarter of its
       * luminance: the whole photo, with its background and hair, by
       * less.  */
      g_assert_cmpfloat (1 - la / lb, >, 0.05);
      g_assert_cmpfloat (1 - la / lb, <, 0.35);

      /* before | after, side by side, for the eye.  */
      over  = gegl_node_new_child (graph, "operation", "gegl:over", NULL);
      shift = gegl_node_new_child (graph, "operation", "gegl:translate",
                                   "x", (gdouble) box.width, NULL);
      save  = gegl_node_new_child (graph, "operation", "gegl:png-save",
                                   "path", out, "bitdepth", 8, NULL);
      gegl_node_link_many (load, over, save, NULL);
      gegl_node_link (op, shift);
      gegl_node_connect_to (shift, "output", over, "aux");
      gegl_node_process (save);

      g_free (before);
      g_free (after);
      g_free (path);
      g_free (out);
      g_object_unref (graph);
      seen++;
    }
  g_dir_close (d);
  g_assert_cmpint (seen, >=, 1);
  g_free (review);
  g_free (dir);
}

int
main (int    argc,
      char **argv)
{
  if (smp_test_tile_child (&argc, &argv, &tile_rect, tile_render))
    return 0;
  smp_test_init (&argc, &argv);
  g_test_add_func ("/follicles/density", test_density);
  g_test_add_func ("/follicles/mask", test_mask);
  g_test_add_func ("/follicles/mask-u8", test_mask_u8);
  g_test_add_func ("/follicles/tone-at-every-scale", test_tone);
  g_test_add_func ("/follicles/tile-independence", test_tiles);
  g_test_add_func ("/follicles/pigment-output", test_pigment);
  g_test_add_func ("/follicles/formats", test_formats);
  g_test_add_func ("/follicles/bad-pixels", test_bad_pixels);
  g_test_add_func ("/follicles/zero-is-identity", test_identity);
  g_test_add_func ("/follicles/infinite-input", test_infinite);
  g_test_add_func ("/follicles/clamped-properties", test_clamped);
  g_test_add_func ("/follicles/aux-extent", test_aux_extent);
  g_test_add_func ("/follicles/reference-hash", test_reference_hash);
  g_test_add_func ("/follicles/gegl-binary", test_gegl_binary);
  g_test_add_func ("/follicles/real-photos", test_real_photos);
  return g_test_run ();
}
