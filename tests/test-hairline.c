/* test-hairline.c: smp:hairline, its geometry (filters/core/smp-hairline.c)
 * and smp:follicles fed by it, in-process and through the real `gegl`.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <gegl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "smp-hairline.h"
#include "smp-stats.h"
#include "smp-test-util.h"

#define Y_FLOAT    babl_format ("Y' float")
#define RGBA_FLOAT babl_format ("RGBA float")
#define RGBA_U8    babl_format ("R'G'B'A u8")

/* The README's bounds, written out here rather than taken from the code:
 * nothing farther ahead of the line than 0.3 T + 1.9 s i, full density
 * farther behind it than T + 0.7 s i (T the transition, s the
 * irregularity's scale, i the irregularity).  */
static gdouble
ahead_mm (gdouble t,
          gdouble s,
          gdouble i)
{
  return 0.3 * t + 1.9 * s * i;
}

static gdouble
behind_mm (gdouble t,
           gdouble s,
           gdouble i)
{
  return t + 0.7 * s * i;
}

/* A graph with smp:hairline in it, d from path data (or none); the node
 * is returned, owned by *graph.  */
static GeglNode *
hairline_node (GeglNode   **graph,
               const gchar *d)
{
  GeglNode *node;

  *graph = gegl_node_new ();
  node   = gegl_node_new_child (*graph, "operation", "smp:hairline", NULL);
  if (d)
    {
      GeglPath *path = gegl_path_new_from_string (d);

      gegl_node_set (node, "d", path, NULL);
      g_object_unref (path);
    }
  return node;
}

/* The mask over rect, properties after d as for g_object_set.  */
static gfloat *
mask_render (const gchar         *d,
             const GeglRectangle *rect,
             const gchar         *first,
             ...)
{
  GeglNode *graph, *node = hairline_node (&graph, d);
  gfloat   *out;
  va_list   ap;

  va_start (ap, first);
  if (first)
    gegl_node_set_valist (node, first, ap);
  va_end (ap);
  out = smp_test_blit (node, rect, Y_FLOAT);
  g_object_unref (graph);
  return out;
}

static gchar *
line_d (gdouble x0,
        gdouble y0,
        gdouble x1,
        gdouble y1)
{
  gchar a[4][G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup_printf ("M %s %s L %s %s",
                          g_ascii_dtostr (a[0], sizeof a[0], x0),
                          g_ascii_dtostr (a[1], sizeof a[1], y0),
                          g_ascii_dtostr (a[2], sizeof a[2], x1),
                          g_ascii_dtostr (a[3], sizeof a[3], y1));
}

/* 1. A straight line across the field at 2, 10 and 30 px/mm: 0 beyond the
 * isolated impressions' band ahead, 1 deep behind, the mean of 10 bands
 * across the zone rising, and the same layout in mm at every scale.  */
static void
test_profile (void)
{
  const gdouble scales[] = { 2.0, 10.0, 30.0 };
  const gdouble t = 10.0, irr = 0.5, sc = 5.0, y0_mm = 35.0;
  gdouble       bands[3][10], front[3], width[3];
  guint         k;
  gint          b;

  for (k = 0; k < G_N_ELEMENTS (scales); k++)
    {
      const gdouble ppm = scales[k];
      GeglRectangle rect = { 0, 0, (gint) (120 * ppm), (gint) (60 * ppm) };
      /* The ends far outside: no fade at the sides here.  */
      gchar        *d = line_d (-60 * ppm, y0_mm * ppm, 180 * ppm,
                                y0_mm * ppm);
      gfloat       *m = mask_render (d, &rect, "px-per-mm", ppm,
                                     "transition", t, "irregularity", irr,
                                     "irregularity-scale", sc, "seed", 4,
                                     NULL);
      gdouble       sum[10] = { 0 }, fsum = 0.0, lo = -1, hi = -1;
      gint          n[10] = { 0 }, fn = 0, zero_bad = 0, one_bad = 0, x, y;

      for (y = 0; y < rect.height; y++)
        {
          /* Distance behind the line (mm) of the row's centres.  */
          gdouble behind = y0_mm - (y + 0.5) / ppm, row = 0.0;

          for (x = 0; x < rect.width; x++)
            {
              gfloat v = m[(gsize) y * rect.width + x];

              row += v;
              zero_bad += -behind > ahead_mm (t, sc, irr) && v != 0.0f;
              one_bad  += behind > behind_mm (t, sc, irr) && v != 1.0f;
            }
          row /= rect.width;
          if (behind >= 0.0 && behind < t)
            {
              b = (gint) (behind / t * 10.0);
              sum[b] += row;
              n[b]++;
            }
          else if (behind < 0.0 && -behind < ahead_mm (t, sc, irr))
            {
              fsum += row;
              fn++;
            }
          /* Rows are scanned from the back: the last row still above 0.95
           * and the first below 0.05.  */
          if (row > 0.95)
            hi = behind;
          if (row > 0.05)
            lo = behind;
        }
      for (b = 0; b < 10; b++)
        bands[k][b] = sum[b] / MAX (n[b], 1);
      front[k] = fsum / MAX (fn, 1);
      width[k] = hi - lo;
      g_test_message ("%4.0f px/mm: bands %.3f %.3f %.3f %.3f %.3f %.3f %.3f "
                      "%.3f %.3f %.3f; isolated band ahead %.4f; 0.05-0.95 "
                      "over %.2f mm (%.0f px); %d pixels not 0 ahead, %d not "
                      "1 behind", ppm, bands[k][0], bands[k][1], bands[k][2],
                      bands[k][3], bands[k][4], bands[k][5], bands[k][6],
                      bands[k][7], bands[k][8], bands[k][9], front[k],
                      width[k], width[k] * ppm, zero_bad, one_bad);
      g_assert_cmpint (zero_bad, ==, 0);
      g_assert_cmpint (one_bad, ==, 0);
      for (b = 1; b < 10; b++)
        g_assert_cmpfloat (bands[k][b], >, bands[k][b - 1]);
      g_assert_cmpfloat (bands[k][0], <, 0.2);
      g_assert_cmpfloat (bands[k][9], >, 0.9);
      /* A few isolated impressions ahead: some density, very little.  */
      g_assert_cmpfloat (front[k], >, 0.002);
      g_assert_cmpfloat (front[k], <, 0.05);
      g_free (m);
      g_free (d);
    }
  /* The same layout in mm at every scale: the zone in pixels grows with
   * the scale.  */
  for (k = 1; k < G_N_ELEMENTS (scales); k++)
    {
      for (b = 0; b < 10; b++)
        g_assert_cmpfloat (fabs (bands[k][b] - bands[0][b]), <, 0.04);
      g_assert_cmpfloat (fabs (front[k] - front[0]), <, 0.01);
      g_assert_cmpfloat (fabs (width[k] - width[0]), <, 1.0 / scales[0]);
    }
}

/* The 0.5 iso-line of a mask by marching squares over the pixel centres:
 * its length (pixels) and its points (x, y pairs) in *points.  */
static gdouble
iso_line (const gfloat *m,
          gint          w,
          gint          h,
          GArray       *points)
{
  gdouble len = 0.0;
  gint    x, y;

  for (y = 0; y + 1 < h; y++)
    for (x = 0; x + 1 < w; x++)
      {
        const gdouble v[4] = { m[(gsize) y * w + x] - 0.5,
                               m[(gsize) y * w + x + 1] - 0.5,
                               m[(gsize) (y + 1) * w + x + 1] - 0.5,
                               m[(gsize) (y + 1) * w + x] - 0.5 };
        const gdouble cx[4] = { 0, 1, 1, 0 }, cy[4] = { 0, 0, 1, 1 };
        gdouble       px[4], py[4];
        gint          e, n = 0;

        /* The crossings on the cell's four edges, in order round it.  */
        for (e = 0; e < 4; e++)
          {
            gint a = e, b = (e + 1) % 4;

            if ((v[a] < 0.0) != (v[b] < 0.0))
              {
                gdouble f = v[a] / (v[a] - v[b]);

                px[n] = x + 0.5 + cx[a] + f * (cx[b] - cx[a]);
                py[n] = y + 0.5 + cy[a] + f * (cy[b] - cy[a]);
                n++;
              }
          }
        for (e = 0; e + 1 < n; e += 2)
          len += hypot (px[e + 1] - px[e], py[e + 1] - py[e]);
        /* The points on the top and left edges: each edge once.  */
        if (points)
          for (e = 0; e < 2; e++)
            {
              gint a = e == 0 ? 0 : 3, b = e == 0 ? 1 : 0;

              if ((v[a] < 0.0) != (v[b] < 0.0))
                {
                  gdouble f = v[a] / (v[a] - v[b]);
                  gdouble p[2] = { x + 0.5 + cx[a] + f * (cx[b] - cx[a]),
                                   y + 0.5 + cy[a] + f * (cy[b] - cy[a]) };

                  g_array_append_vals (points, p, 2);
                }
            }
      }
  return len;
}

/* Distance from (x, y) to a cubic Bezier sampled finely; *t is where.  */
static gdouble
bezier_distance (const gdouble c[8],
                 gdouble       x,
                 gdouble       y,
                 gdouble      *t)
{
  const gint n = 20000;
  gdouble    best = INFINITY, px = c[0], py = c[1];
  gint       i;

  for (i = 1; i <= n; i++)
    {
      gdouble u = (gdouble) i / n, v = 1.0 - u;
      gdouble qx = v * v * v * c[0] + 3 * v * v * u * c[2] +
                   3 * v * u * u * c[4] + u * u * u * c[6];
      gdouble qy = v * v * v * c[1] + 3 * v * v * u * c[3] +
                   3 * v * u * u * c[5] + u * u * u * c[7];
      gdouble dx = qx - px, dy = qy - py, l2 = dx * dx + dy * dy;
      gdouble f = l2 > 0 ? ((x - px) * dx + (y - py) * dy) / l2 : 0.0, d;

      f = CLAMP (f, 0.0, 1.0);
      d = hypot (x - px - f * dx, y - py - f * dy);
      if (d < best)
        {
          best = d;
          *t = u;
        }
      px = qx;
      py = qy;
    }
  return best;
}

static gint
by_value (gconstpointer a,
          gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

/* 2. Raising the irregularity raises the roughness of the 0.5 iso-line
 * (its length over the path's, its lateral deviation); at 0 it follows a
 * curved path within half a pixel.  */
static void
test_irregularity (void)
{
  const gdouble ppm = 10.0, levels[] = { 0.0, 0.25, 0.5, 0.75, 1.0 };
  GeglRectangle rect = { 0, 0, 2000, 600 };
  gdouble       ratio[5], dev[5];
  guint         k;

  for (k = 0; k < G_N_ELEMENTS (levels); k++)
    {
      gfloat *m = mask_render ("M -500 300 L 2500 300", &rect, "px-per-mm",
                               ppm, "irregularity", levels[k], "seed", 9,
                               NULL);
      GArray *pts = g_array_new (FALSE, FALSE, sizeof (gdouble));
      gdouble sum = 0.0, sum2 = 0.0;
      guint   i, n;

      ratio[k] = iso_line (m, rect.width, rect.height, pts) / (rect.width - 1);
      n = pts->len / 2;
      for (i = 0; i < n; i++)
        {
          gdouble y = g_array_index (pts, gdouble, 2 * i + 1) / ppm;

          sum += y;
          sum2 += y * y;
        }
      dev[k] = sqrt (MAX (0.0, sum2 / n - (sum / n) * (sum / n)));
      g_test_message ("irregularity %.2f: 0.5 iso-line %.4f x the path's "
                      "length, lateral deviation %.3f mm (%u points)",
                      levels[k], ratio[k], dev[k], n);
      if (k > 0)
        {
          g_assert_cmpfloat (ratio[k], >, ratio[k - 1]);
          g_assert_cmpfloat (dev[k], >, dev[k - 1]);
        }
      g_array_free (pts, TRUE);
      g_free (m);
    }
  g_assert_cmpfloat (ratio[0], <, 1.001);
  g_assert_cmpfloat (dev[0], <, 0.05 / ppm);
  g_assert_cmpfloat (ratio[2], >, 1.02);

  /* A curve, irregularity 0: the iso-line at a constant distance behind
   * it, the one where the profile crosses 0.5.  */
  {
    const gdouble c[8] = { 0, 420, 300, 100, 700, 560, 1000, 200 };
    GeglRectangle r = { 0, 0, 1000, 620 };
    gfloat       *m = mask_render ("M 0 420 C 300 100 700 560 1000 200", &r,
                                   "px-per-mm", ppm, "irregularity", 0.0,
                                   NULL);
    GArray       *pts = g_array_new (FALSE, FALSE, sizeof (gdouble));
    GArray       *dist = g_array_new (FALSE, FALSE, sizeof (gdouble));
    gdouble       lo = 0.0, hi = 1.0, median, worst = 0.0, t = 0.0;
    guint         i;
    gint          step;

    iso_line (m, r.width, r.height, pts);
    for (i = 0; i < pts->len / 2; i++)
      {
        gdouble x = g_array_index (pts, gdouble, 2 * i);
        gdouble y = g_array_index (pts, gdouble, 2 * i + 1);
        gdouble d = bezier_distance (c, x, y, &t);

        /* Away from the ends, where the chord's rays take over.  */
        if (t > 0.03 && t < 0.97)
          g_array_append_val (dist, d);
      }
    g_array_sort (dist, by_value);
    median = g_array_index (dist, gdouble, dist->len / 2);
    for (i = 0; i < dist->len; i++)
      worst = MAX (worst, fabs (g_array_index (dist, gdouble, i) - median));
    /* Where the profile (README) crosses 0.5, by bisection.  */
    for (step = 0; step < 60; step++)
      {
        gdouble mid = 0.5 * (lo + hi);

        if (smp_hairline_profile (mid) < 0.5)
          lo = mid;
        else
          hi = mid;
      }
    g_test_message ("curved path, irregularity 0: %u iso-line points %.3f px "
                    "behind it (the profile's 0.5 at %.3f px), worst %.3f px "
                    "from that", dist->len, median, lo * 10.0 * ppm, worst);
    g_assert_cmpuint (dist->len, >, 500);
    g_assert_cmpfloat (worst, <=, 0.5);
    g_assert_cmpfloat (fabs (median - lo * 10.0 * ppm), <=, 0.5);
    g_array_free (pts, TRUE);
    g_array_free (dist, TRUE);
    g_free (m);
  }
}

/* 1 - out / in of the blue channel, per pixel.  */
static gfloat *
darkening (const gfloat *out,
           gsize         n,
           const gfloat  in[4])
{
  gfloat *d = g_new (gfloat, n);
  gsize   i;

  for (i = 0; i < n; i++)
    d[i] = 1.0f - out[i * 4 + 2] / in[2];
  return d;
}

/* 3. smp:follicles fed by smp:hairline at 20 px/mm over 40 cm²: the
 * impressions counted from the pixels in 10 bands across the zone follow
 * the mask within 15 % of full density, full density measured deep
 * behind the line in the same render.  */
static void
test_follicles_density (void)
{
  const gfloat  skin[4] = { 0.55f, 0.33f, 0.24f, 1.0f };
  const gdouble ppm = 20.0, t = 15.0, sc = 5.0, irr = 0.5, y0 = 32.0;
  const gdouble x0 = 2.0, x1 = 78.0;
  GeglRectangle rect = { 0, 0, (gint) (80 * ppm), (gint) (50 * ppm) };
  GeglBuffer   *photo = smp_test_uniform (&rect, RGBA_FLOAT, skin);
  GeglNode     *graph, *hair, *op;
  gchar        *d = line_d (-40 * ppm, y0 * ppm, 120 * ppm, y0 * ppm);
  GeglPath     *path = gegl_path_new_from_string (d);
  gfloat       *out, *dark, *m;
  gdouble      *c, full, msum[10] = { 0 }, deep_area;
  gsize         n, i;
  gint          counts[10] = { 0 }, mn[10] = { 0 }, deep = 0, ahead = 0;
  gint          b, x, y;

  op   = smp_test_graph (&graph, "smp:follicles", photo, NULL);
  hair = gegl_node_new_child (graph, "operation", "smp:hairline", "d", path,
                              "px-per-mm", ppm, "transition", t,
                              "irregularity", irr, "irregularity-scale", sc,
                              "seed", 6, NULL);
  gegl_node_connect_to (hair, "output", op, "aux");
  /* The mask as it is (the hairline carries its own transition), and the
   * impressions alone, without their halo and the even shade between
   * them, to be counted one by one.  */
  gegl_node_set (op, "px-per-mm", ppm, "density", 100.0, "seed", 5,
                 "feather", 0.0, "match", 0, "halo", 0.0, "tone", 0.0,
                 NULL);
  out  = smp_test_blit (op, &rect, RGBA_FLOAT);
  m    = smp_test_blit (hair, &rect, Y_FLOAT);
  dark = darkening (out, (gsize) rect.width * rect.height, skin);
  n    = smp_stats_blobs (dark, rect.width, rect.height, 0.12f, &c);

  for (i = 0; i < n; i++)
    {
      gdouble cx = c[2 * i] / ppm, cy = c[2 * i + 1] / ppm;
      gdouble behind = y0 - cy;

      if (cx < x0 || cx >= x1)
        continue;
      if (behind >= 0.0 && behind < t)
        counts[(gint) (behind / t * 10.0)]++;
      else if (behind > behind_mm (t, sc, irr) + 1.0 && cy >= 2.0)
        deep++;
      else if (-behind > ahead_mm (t, sc, irr) + 0.5)
        ahead++;
    }
  for (y = 0; y < rect.height; y++)
    for (x = (gint) (x0 * ppm); x < (gint) (x1 * ppm); x++)
      {
        gdouble behind = y0 - (y + 0.5) / ppm;

        if (behind >= 0.0 && behind < t)
          {
            b = (gint) (behind / t * 10.0);
            msum[b] += m[(gsize) y * rect.width + x];
            mn[b]++;
          }
      }
  deep_area = (x1 - x0) * (y0 - behind_mm (t, sc, irr) - 1.0 - 2.0);
  full = deep / deep_area;
  g_test_message ("%zu impressions; full density deep behind the line: "
                  "%.1f /cm² (%d over %.1f cm²); none beyond the isolated "
                  "band ahead: %d", n, full * 100.0, deep, deep_area / 100.0,
                  ahead);
  for (b = 0; b < 10; b++)
    {
      gdouble area = (x1 - x0) * t / 10.0;
      gdouble got  = counts[b] / (full * area), want = msum[b] / mn[b];

      g_test_message ("band %d (%.1f-%.1f mm behind): %d impressions, %.3f of "
                      "full density, the mask %.3f (%+.3f)", b, b * t / 10.0,
                      (b + 1) * t / 10.0, counts[b], got, want, got - want);
      g_assert_cmpfloat (fabs (got - want), <, 0.15);
    }
  g_assert_cmpint (deep, >, 500);
  g_assert_cmpint (ahead, ==, 0);
  free (c);
  g_free (out);
  g_free (dark);
  g_free (m);
  g_free (d);
  g_object_unref (path);
  g_object_unref (graph);
  g_object_unref (photo);
}

/* 4. Path strings: what the check refuses and why; what it accepts GEGL
 * reads the same way.  */
static void
test_check (void)
{
  static const struct
  {
    const gchar *d, *why;
  } bad[] = {
    { "", "empty" },
    { "   ", "empty" },
    { "hello", "read only M, L, C" },
    { "M 0 0 L 5 5 # x", "not path data" },
    { "300 300", "no command" },
    { "M 10", "would hang" },
    { "M 0 0 L 10", "would hang" },
    { "M .5 1 L 20 20", "leading 0" },
    { "M 0 0 L +5 5", "leading 0" },
    { "M 0 0 H 100", "read only M, L, C" },
    { "M 0 0 L 10 10 L 0 10 Z", "upper-case Z" },
    { "m 10 10 l 50 50", "crashes" },
    { "L 10 10 L 20 20", "starts with M" },
    { "M 0 0 L 10 10 20 20", "more than 2 numbers" },
    { "M 0 0 L 1.5.5 2", "does not belong" },
    { "M 0 0 L 0x10 5", "does not belong" },
    { "M 0 0 L 1e999 5", "million" },
    { "M 5 5", "no two distinct points" },
    { "M 5 5 L 5 5 z", "no two distinct points" },
    { "M 900 900 L 1000 950", "outside the 640 x 480 image" },
    { "M -50 -10 C -20 -90 30 -60 -5 -1", "outside" },
  };
  static const gchar *good[] = {
    "M 0 300 L 600 300",
    "M 10,20 C 30,40 50,-60 70,80 L 90 100",
    "M 0 0 L 100 0 L 100 100 z M 200 200 l 10 10 c 1 2 3 4 5 6",
    "M -10 -10 L 700 500",
    "M 1e2 2E1 L -3.25 4e-1",
  };
  gchar why[256];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      why[0] = '\0';
      g_assert_cmpint (smp_hairline_check (bad[i].d, 640, 480, why,
                                           sizeof why), ==, -1);
      g_test_message ("\"%s\": %s", bad[i].d, why);
      g_assert_nonnull (strstr (why, bad[i].why));
    }
  for (i = 0; i < G_N_ELEMENTS (good); i++)
    {
      SmpPathItem *items;
      gsize        n, k = 0;
      GeglPath    *path = gegl_path_new_from_string (good[i]);
      gint         nodes = gegl_path_get_n_nodes (path), j, p;

      g_assert_cmpint (smp_hairline_check (good[i], 640, 480, why,
                                           sizeof why), ==, 0);
      g_assert_cmpint (smp_hairline_parse (good[i], &items, &n, why,
                                           sizeof why), ==, 0);
      g_assert_cmpint (nodes, ==, (gint) n);
      for (j = 0; j < nodes; j++, k++)
        {
          GeglPathItem node;
          gint         pairs = items[k].type == 'z' ? 0
                             : g_ascii_tolower (items[k].type) == 'c' ? 3 : 1;

          g_assert_true (gegl_path_get_node (path, j, &node));
          g_assert_cmpint (node.type, ==, items[k].type);
          for (p = 0; p < pairs; p++)
            {
              g_assert_cmpfloat (fabs (node.point[p].x - items[k].p[2 * p]),
                                 <, 1e-3);
              g_assert_cmpfloat (fabs (node.point[p].y -
                                       items[k].p[2 * p + 1]), <, 1e-3);
            }
        }
      g_test_message ("\"%s\": accepted, %d items as GEGL reads them",
                      good[i], nodes);
      free (items);
      g_object_unref (path);
    }
  /* Without an image size, only the text and the geometry are checked.  */
  g_assert_cmpint (smp_hairline_check ("M 900 900 L 1000 950", 0, 0, why,
                                       sizeof why), ==, 0);
}

/* 4. Bad input to the op: an empty mask, silently (the check above is
 * what the plug-in and the tool say); nothing unbounded, nothing
 * non-finite, absurd numbers clamped.  */
static void
test_bad_paths (void)
{
  /* Not "hello": GEGL 0.4.42 hangs on its "l" (a command without numbers).  */
  const gchar  *empty[] = { NULL, "", "xyz", "M 5 5", "M 5 5 L 5 5 z" };
  GeglRectangle rect = { -20, -10, 300, 200 };
  guint         k;
  gint          i;

  for (k = 0; k < G_N_ELEMENTS (empty); k++)
    {
      GeglNode     *graph, *node = hairline_node (&graph, empty[k]);
      GeglRectangle box = gegl_node_get_bounding_box (node);
      gfloat       *m = smp_test_blit (node, &rect, Y_FLOAT);
      gfloat        most = 0.0f;

      for (i = 0; i < rect.width * rect.height; i++)
        most = MAX (most, m[i]);
      g_test_message ("d \"%s\": extent %dx%d, largest value %g",
                      empty[k] ? empty[k] : "(none)", box.width, box.height,
                      most);
      g_assert_cmpint (box.width * box.height, ==, 0);
      g_assert_cmpfloat (most, ==, 0.0f);
      g_free (m);
      g_object_unref (graph);
    }

  /* A line outside the image with the image ahead of it: nothing.  (With
   * the image behind it, all of it is behind: the check warns.)  */
  {
    gfloat *m = mask_render ("M 5100 5000 L 5000 5000", &rect, NULL);

    for (i = 0; i < rect.width * rect.height; i++)
      g_assert_cmpfloat (m[i], ==, 0.0f);
    g_free (m);
  }

  /* NaN and out-of-range properties: clamped or the defaults; the values
   * stay in 0..1.  */
  {
    GeglNode *graph, *node = hairline_node (&graph, "M 0 100 L 300 80");
    gdouble   tr, irr;
    gfloat   *a, *b;

    gegl_node_set (node, "transition", 1000.0, "irregularity", -3.0,
                   "px-per-mm", (gdouble) NAN, "blend", (gdouble) NAN,
                   NULL);
    gegl_node_get (node, "transition", &tr, "irregularity", &irr, NULL);
    g_assert_cmpfloat (tr, ==, 50.0);
    g_assert_cmpfloat (irr, ==, 0.0);
    a = smp_test_blit (node, &rect, Y_FLOAT);
    g_object_unref (graph);
    b = mask_render ("M 0 100 L 300 80", &rect, "transition", 50.0,
                     "irregularity", 0.0, NULL);
    for (i = 0; i < rect.width * rect.height; i++)
      g_assert_true (a[i] >= 0.0f && a[i] <= 1.0f);
    g_assert_cmpmem (a, rect.width * rect.height * 4, b,
                     rect.width * rect.height * 4);
    g_free (a);
    g_free (b);
  }
}

/* Zoomed out with mipmap rendering on (GIMP's canvas): a level-1 pixel
 * holds the mask at its centre, close to the mean of the four it covers,
 * not the top-left quarter of the image blown up.  */
static void
test_mipmap (void)
{
  GeglRectangle full = { 0, 0, 640, 480 }, half = { 0, 0, 320, 240 };
  GeglNode     *graph, *node = hairline_node (&graph,
                                              "M 0 300 C 200 200 400 400 "
                                              "640 250");
  gfloat       *a, *b;
  gdouble       sum = 0.0, worst = 0.0;
  gboolean      was;
  gint          x, y;

  gegl_node_set (node, "px-per-mm", 4.0, NULL);
  a = smp_test_blit (node, &full, Y_FLOAT);
  g_object_get (gegl_config (), "mipmap-rendering", &was, NULL);
  g_object_set (gegl_config (), "mipmap-rendering", TRUE, NULL);
  b = g_new0 (gfloat, half.width * half.height);
  gegl_node_blit (node, 0.5, &half, Y_FLOAT, b, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  g_object_set (gegl_config (), "mipmap-rendering", was, NULL);
  for (y = 0; y < half.height; y++)
    for (x = 0; x < half.width; x++)
      {
        gdouble mean = (a[2 * y * 640 + 2 * x] + a[2 * y * 640 + 2 * x + 1] +
                        a[(2 * y + 1) * 640 + 2 * x] +
                        a[(2 * y + 1) * 640 + 2 * x + 1]) / 4.0;
        gdouble d = fabs (b[y * half.width + x] - mean);

        sum += d;
        worst = MAX (worst, d);
      }
  g_test_message ("half size: mean difference %.4f, worst %.4f from the "
                  "full size's 2x2 means", sum / (half.width * half.height),
                  worst);
  g_assert_cmpfloat (sum / (half.width * half.height), <, 0.01);
  g_assert_cmpfloat (worst, <, 0.25);
  g_free (a);
  g_free (b);
  g_object_unref (graph);
}

/* The render for tile independence, also run in a child process: a
 * curved, irregular hairline with an area.  */
static gpointer
tile_render (const GeglRectangle *rect,
             gint                 seed)
{
  GeglNode *graph, *node = hairline_node (&graph,
                                          "M -40 300 C 150 120 400 380 700 90 "
                                          "M 20 -30 L 620 -30 L 560 420 "
                                          "L 60 460 z");
  gpointer  out;

  gegl_node_set (node, "px-per-mm", 6.0, "transition", 12.0,
                 "irregularity", 0.8, "irregularity-scale", 4.0,
                 "blend", 6.0, "seed", seed, NULL);
  out = smp_test_blit (node, rect, RGBA_U8);
  g_object_unref (graph);
  return out;
}

static const GeglRectangle tile_rect = { -37, -11, 640, 480 };

/* 4. Tiles, threads and region order change no byte.  */
static void
test_tiles (void)
{
  smp_test_tile_independence (&tile_rect, tile_render);
}

static void
test_reference_hash (void)
{
  smp_test_reference_hash ("smp:hairline");
}

/* Closed parts of the path: with an open line, the area treated (nothing
 * outside it, the edge faded inwards over `blend`); alone, an outline
 * whose whole edge is the front.  */
static void
test_area (void)
{
  GeglRectangle rect = { 0, 0, 400, 300 };
  const gchar  *area = "M 50 20 L 350 20 L 350 280 L 50 280 z";
  gchar        *both = g_strconcat ("M 0 200 L 400 200 ", area, NULL);
  gfloat       *m = mask_render (both, &rect, "px-per-mm", 10.0,
                                 "transition", 5.0, "blend", 2.0,
                                 "irregularity", 0.0, NULL);
  gfloat       *o;
  gint          x, y;

  for (y = 0; y < rect.height; y++)
    for (x = 0; x < rect.width; x++)
      {
        gfloat v = m[y * rect.width + x];

        if (x < 50 || x >= 350 || y < 20)
          g_assert_cmpfloat (v, ==, 0.0f);
        else if (x >= 70 && x < 330 && y >= 40 && y < 140)
          g_assert_cmpfloat (v, ==, 1.0f);
        else if (y > 200 + 16)
          g_assert_cmpfloat (v, ==, 0.0f);
      }
  /* The outline alone: 0 well outside, 1 deep inside, rising inwards.  */
  o = mask_render (area, &rect, "px-per-mm", 10.0, "transition", 5.0,
                   "irregularity", 0.0, NULL);
  g_assert_cmpfloat (o[150 * rect.width + 200], ==, 1.0f);
  g_assert_cmpfloat (o[150 * rect.width + 20], ==, 0.0f);
  for (x = 51; x < 100; x++)
    g_assert_cmpfloat (o[150 * rect.width + x], >=,
                       o[150 * rect.width + x - 1]);
  g_assert_cmpfloat (o[150 * rect.width + 46], >, 0.0f);
  {
    GeglNode     *graph, *node = hairline_node (&graph, area);
    GeglRectangle box = gegl_node_get_bounding_box (node);

    g_test_message ("outline 50..350 x 20..280: extent %d,%d %dx%d", box.x,
                    box.y, box.width, box.height);
    g_assert_cmpint (box.x, <=, 50 - 15);
    g_assert_cmpint (box.x + box.width, >=, 350 + 15);
    g_object_unref (graph);
  }
  g_free (o);
  g_free (m);
  g_free (both);
}

/* The templates: each one renders from `template` alone; written out as
 * path data (in mm scaled, moved by x, y) GEGL gives the same mask;
 * mirror-symmetric; its centre at x, y is the front of the line.  */
static void
test_templates (void)
{
  const gchar  *names[] = { "adult", "mature", "rounded" };
  const gdouble ppm = 4.0, cx = 320.0, cy = 420.0;
  GeglRectangle rect = { 0, 0, 640, 480 };
  guint         k;

  for (k = 0; k < G_N_ELEMENTS (names); k++)
    {
      SmpPathItem items[32];
      gsize       n = smp_hairline_template (SMP_TEMPLATE_ADULT + k, ppm, cx,
                                             cy, items, G_N_ELEMENTS (items));
      gchar      *d = smp_hairline_to_d (items, n), why[200];
      GeglNode   *graph, *node = hairline_node (&graph, NULL);
      gfloat     *a, *b, worst = 0.0f, asym = 0.0f;
      gint        i, x, y;

      g_assert_cmpint (n, >, 4);
      g_assert_cmpint (smp_hairline_check (d, 640, 480, why, sizeof why), ==,
                       0);
      gegl_node_set (node, "px-per-mm", ppm, "irregularity", 0.0, "x", cx,
                     "y", cy, NULL);
      gegl_node_set (node, "template", k + 1, NULL);
      a = smp_test_blit (node, &rect, Y_FLOAT);
      g_object_unref (graph);
      b = mask_render (d, &rect, "px-per-mm", ppm, "irregularity", 0.0, NULL);
      for (i = 0; i < rect.width * rect.height; i++)
        worst = MAX (worst, fabsf (a[i] - b[i]));
      for (y = 0; y < rect.height; y++)
        for (x = 0; x < rect.width; x++)
          asym = MAX (asym, fabsf (a[y * rect.width + x] -
                                   a[y * rect.width + 639 - x]));
      g_test_message ("template %s: %s; from the text %g apart, mirror %g "
                      "apart; at the centre %g, 12 mm behind %g, 2 mm ahead "
                      "%g", names[k], d, worst, asym,
                      a[(gint) cy * rect.width + (gint) cx],
                      a[(gint) (cy - 12 * ppm) * rect.width + (gint) cx],
                      a[(gint) (cy + 2 * ppm) * rect.width + (gint) cx]);
      g_assert_cmpfloat (worst, <, 1e-3);
      g_assert_cmpfloat (asym, <, 1e-3);
      g_assert_cmpfloat (a[(gint) cy * rect.width + (gint) cx], <, 0.1);
      g_assert_cmpfloat (a[(gint) (cy - 12 * ppm) * rect.width + (gint) cx],
                         ==, 1.0f);
      g_assert_cmpfloat (a[(gint) (cy + 4 * ppm) * rect.width + (gint) cx],
                         ==, 0.0f);
      g_free (a);
      g_free (b);
      free (d);
    }
  g_assert_cmpuint (smp_hairline_template (SMP_TEMPLATE_NONE, ppm, 0, 0, NULL,
                                           0), ==, 0);

  /* x, y move a path too; a path wins over a template.  */
  {
    gfloat *a = mask_render ("M 0 200 C 200 150 400 250 640 180", &rect,
                             "x", 30.0, "y", -20.0, "template", 2, NULL);
    gfloat *b = mask_render ("M 30 180 C 230 130 430 230 670 160", &rect,
                             NULL);

    g_assert_cmpmem (a, rect.width * rect.height * 4, b,
                     rect.width * rect.height * 4);
    g_free (a);
    g_free (b);
  }
}

/* What the plug-in needs from a GIMP path: a stroke's control points
 * (control-in, anchor, control-out an anchor) as path data GEGL reads,
 * open and closed.  */
static void
test_from_stroke (void)
{
  const gdouble coords[] = { 0, 300, 10, 300, 60, 280,
                             240, 250, 300, 250, 360, 250,
                             540, 280, 590, 300, 600, 300 };
  gchar        *open = smp_hairline_d_from_stroke (coords, 18, FALSE);
  gchar        *closed = smp_hairline_d_from_stroke (coords, 18, TRUE);
  gchar         why[200];

  g_test_message ("open: %s; closed: %s", open, closed);
  g_assert_cmpstr (open, ==, "M 10 300 C 60 280 240 250 300 250 "
                             "C 360 250 540 280 590 300");
  g_assert_cmpstr (closed, ==, "M 10 300 C 60 280 240 250 300 250 "
                               "C 360 250 540 280 590 300 "
                               "C 600 300 0 300 10 300 z");
  g_assert_cmpint (smp_hairline_check (open, 640, 480, why, sizeof why), ==,
                   0);
  g_assert_cmpint (smp_hairline_check (closed, 640, 480, why, sizeof why), ==,
                   0);
  g_assert_null (smp_hairline_d_from_stroke (coords, 6, FALSE));
  free (open);
  free (closed);
}

/* What a tool needs from an SVG file: any path data, as GIMP 2.10 exports
 * a path (one C for many curves, upper-case Z) or Inkscape writes one
 * (relative, H V S Q T), written as the path data GEGL reads right.  */
static void
test_normalize (void)
{
  static const struct
  {
    const gchar *svg, *d;
  } cases[] = {
    { "M 10.00,300.00\n           C 60.00,280.00 240.00,250.00 300.00,250.00\n"
      "           360.00,250.00 540.00,280.00 590.00,300.00",
      "M 10 300 C 60 280 240 250 300 250 C 360 250 540 280 590 300" },
    { "M 10,10 20,10 20,20 Z",
      "M 10 10 L 20 10 L 20 20 z" },
    { "m 10,300 c 50,-20 230,-50 290,-50 h 100 v 20 s 50,10 60,20 "
      "q 10,5 20,0 t 10,0 z",
      "M 10 300 C 60 280 240 250 300 250 L 400 250 L 400 270 "
      "C 400 270 450 280 460 290 C 466.667 293.333 473.333 293.333 480 290 "
      "C 486.667 286.667 490 286.667 490 290 z" },
    { "M1.5.5L-.5+2e1", "M 1.5 0.5 L -0.5 20" },
  };
  static const struct
  {
    const gchar *svg, *why;
  } bad[] = {
    { "M 0 0 A 10 10 0 0 1 20 20", "arc" },
    { "L 10 10", "not M" },
    { "M 0 0 L 10", "needs 2 numbers" },
    { "M 0 0 # L 10 10", "not path data" },
    { "", "empty" },
  };
  gchar why[200];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gchar *d = smp_hairline_normalize (cases[i].svg, why, sizeof why);

      g_test_message ("\"%s\" -> \"%s\"", cases[i].svg, d);
      g_assert_cmpstr (d, ==, cases[i].d);
      g_assert_cmpint (smp_hairline_check (d, 0, 0, why, sizeof why), ==, 0);
      free (d);
    }
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (smp_hairline_normalize (bad[i].svg, why, sizeof why));
      g_test_message ("\"%s\": %s", bad[i].svg, why);
      g_assert_nonnull (strstr (why, bad[i].why));
    }
}

/* The real `gegl` binary: the README's command, against the same op in
 * this process; an unparsable path gives an empty mask (and GEGL's own
 * warning, not ours).  */
static void
test_gegl_binary (void)
{
  const gchar  *gegl_bin = g_getenv ("SMP_GEGL_BIN");
  gchar        *out = g_build_filename (smp_test_tmpdir (), "m.png", NULL);
  GeglRectangle rect = { 0, 0, 600, 600 }, box;
  gfloat       *cli, *mine;
  gchar        *err, *so;
  gint          i;

  {
    const gchar *argv[] = { gegl_bin, "-o", out, "--", "smp:hairline",
                            "d=M 0 300 L 600 300", "px-per-mm=10",
                            "transition=10", "gegl:crop", "width=600",
                            "height=600", NULL };

    so = smp_test_run (argv, NULL, &err);
    g_test_message ("the README's command: stderr \"%s\"", err);
    g_assert_cmpstr (g_strstrip (err), ==, "");
    g_free (so);
    g_free (err);
  }
  cli  = smp_test_load (out, Y_FLOAT, &box);
  mine = mask_render ("M 0 300 L 600 300", &rect, "px-per-mm", 10.0,
                      "transition", 10.0, NULL);
  g_assert_cmpint (box.width, ==, 600);
  g_assert_cmpint (box.height, ==, 600);
  for (i = 0; i < 600 * 600; i++)
    g_assert_cmpfloat (fabsf (cli[i] - mine[i]), <, 1.0f / 255.0f);
  /* Behind the line (above it) full, ahead of it empty.  */
  g_assert_cmpfloat (cli[100 * 600 + 300], ==, 1.0f);
  g_assert_cmpfloat (cli[500 * 600 + 300], ==, 0.0f);
  g_free (cli);
  g_free (mine);

  {
    const gchar *argv[] = { gegl_bin, "-o", out, "--", "smp:hairline",
                            "d=300 300", "gegl:crop", "width=64", "height=64",
                            NULL };

    so = smp_test_run (argv, NULL, &err);
    g_test_message ("d=\"300 300\": stderr \"%s\"", g_strstrip (err));
    /* GEGL 0.4.42's own parser says so (README): the op says nothing.  */
    g_assert_nonnull (strstr (err, "EEEK invalid path"));
    g_free (so);
    g_free (err);
    cli = smp_test_load (out, Y_FLOAT, &box);
    for (i = 0; i < box.width * box.height; i++)
      g_assert_cmpfloat (cli[i], ==, 0.0f);
    g_free (cli);
  }
  g_free (out);
}

/* A picture for a person to look at: rows of panels, 8-bit RGBA.  */
typedef struct
{
  const gchar *file;
  gdouble      ppm;
  const gchar *hairline;   /* the front edge, drawn left to right */
  const gchar *area;       /* the scalp: a closed outline */
  GeglRectangle crop;      /* the hairline's stretch shown at 2x */
} Design;

/* 6. Photos 04 (receded front), 07 (deep frontal recession) and 09 (bald
 * front) with a hairline designed for each, stippled through it: before,
 * after and the mask at fit size, and 2x crops of the line, in
 * build/review/hairline-NN.png.  */
static void
test_real_photos (void)
{
  static const Design designs[] = {
    { "04_top_afro_hair_frontal_thinning.jpg", 3.8,
      "M 92 408 C 140 478 215 522 310 528 C 402 532 470 488 528 404",
      "M 30 400 C 20 170 160 40 320 40 C 480 40 620 170 600 400 "
      "C 590 500 560 560 300 580 C 80 560 40 500 30 400 z",
      { 150, 400, 320, 160 } },
    { "07_top_light_brown_hair_thinning.jpg", 3.7,
      "M 66 396 C 128 470 226 528 330 534 C 430 538 508 470 566 382",
      "M 30 380 C 30 150 170 50 330 45 C 500 45 630 170 610 380 "
      "C 600 500 560 580 330 590 C 100 580 40 500 30 380 z",
      { 170, 410, 320, 160 } },
    { "09_front_top_bald_sparse_residual_hairs.jpg", 3.8, NULL,
      "M 45 600 C 20 330 110 70 320 60 C 530 70 625 330 600 600 z",
      { 150, 400, 320, 160 } },
  };
  gchar *review = g_build_filename (g_getenv ("SMP_BUILD_DIR"), "review",
                                    NULL);
  guint  k;

  g_mkdir_with_parents (review, 0755);
  for (k = 0; k < G_N_ELEMENTS (designs); k++)
    {
      const Design *ds = &designs[k];
      GeglBuffer   *photo = smp_test_shared_photo (ds->file);
      GeglRectangle box, c = ds->crop;
      GeglNode     *graph, *src, *op, *hair;
      GeglPath     *path;
      gchar        *d, *out, why[200];
      guchar       *before, *after, *mask, *cb, *ca, *cm;
      gfloat       *mv, *bf, *af;
      gdouble       dark[3] = { 0 }, nn[3] = { 0 };
      SmpTestSheet  s;
      gint          i;

      if (! photo)
        break;
      box = *gegl_buffer_get_extent (photo);
      if (ds->hairline)
        d = g_strconcat (ds->hairline, " ", ds->area, NULL);
      else
        {
          SmpPathItem items[32];
          gsize       n = smp_hairline_template (SMP_TEMPLATE_ADULT, ds->ppm,
                                                 320, 498, items, 32);
          gchar      *line = smp_hairline_to_d (items, n);

          d = g_strconcat (line, " ", ds->area, NULL);
          free (line);
        }
      g_assert_cmpint (smp_hairline_check (d, box.width, box.height, why,
                                           sizeof why), ==, 0);
      path = gegl_path_new_from_string (d);
      op   = smp_test_graph (&graph, "smp:follicles", photo, NULL);
      hair = gegl_node_new_child (graph, "operation", "smp:hairline",
                                  "d", path, "px-per-mm", ds->ppm,
                                  "blend", 8.0, "seed", 1, NULL);
      gegl_node_connect_to (hair, "output", op, "aux");
      gegl_node_set (op, "px-per-mm", ds->ppm, "seed", 1, "feather", 0.0,
                     NULL);
      src    = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                    "buffer", photo, NULL);
      before = smp_test_blit (src, &box, RGBA_U8);
      after  = smp_test_blit (op, &box, RGBA_U8);
      mask   = smp_test_blit (hair, &box, RGBA_U8);
      cb     = smp_test_blit (src, &c, RGBA_U8);
      ca     = smp_test_blit (op, &c, RGBA_U8);
      cm     = smp_test_blit (hair, &c, RGBA_U8);
      /* Outside the mask's extent: black, not transparent.  */
      for (i = 0; i < box.width * box.height; i++)
        mask[i * 4 + 3] = 255;
      for (i = 0; i < c.width * c.height; i++)
        cm[i * 4 + 3] = 255;

      /* The darkening where the mask is full, in the zone, and 0.  */
      mv = smp_test_blit (hair, &box, Y_FLOAT);
      bf = smp_test_blit (src, &box, RGBA_FLOAT);
      af = smp_test_blit (op, &box, RGBA_FLOAT);
      for (i = 0; i < box.width * box.height; i++)
        {
          gint   z = mv[i] >= 1.0f ? 0 : mv[i] > 0.0f ? 1 : 2;
          gfloat lb = 0.2126f * bf[i * 4] + 0.7152f * bf[i * 4 + 1] +
                      0.0722f * bf[i * 4 + 2];
          gfloat la = 0.2126f * af[i * 4] + 0.7152f * af[i * 4 + 1] +
                      0.0722f * af[i * 4 + 2];

          g_assert_true (isfinite (la));
          dark[z] += 1.0 - la / MAX (lb, 1e-6f);
          nn[z]++;
        }
      for (i = 0; i < 3; i++)
        dark[i] /= MAX (nn[i], 1.0);

      s.w  = 3 * box.width;
      s.h  = box.height + 2 * c.height;
      s.px = g_new0 (guchar, (gsize) s.w * s.h * 4);
      smp_test_sheet_put (&s, before, box.width, box.height, 0, 0, 1);
      smp_test_sheet_put (&s, after, box.width, box.height, box.width, 0,
                          1);
      smp_test_sheet_put (&s, mask, box.width, box.height, 2 * box.width,
                          0, 1);
      smp_test_sheet_put (&s, cb, c.width, c.height, 0, box.height, 2);
      smp_test_sheet_put (&s, ca, c.width, c.height, box.width, box.height,
                          2);
      smp_test_sheet_put (&s, cm, c.width, c.height, 2 * box.width,
                          box.height, 2);
      {
        GeglRectangle all = { 0, 0, s.w, s.h };
        GeglBuffer   *buf = gegl_buffer_new (&all, RGBA_U8);

        gegl_buffer_set (buf, &all, 0, RGBA_U8, s.px, GEGL_AUTO_ROWSTRIDE);
        out = g_strdup_printf ("%s/hairline-%.2s.png", review, ds->file);
        smp_test_save_png (buf, out);
        g_object_unref (buf);
      }
      g_test_message ("%s at %.1f px/mm: mean darkening %.4f where the mask "
                      "is full, %.4f in the transition, %.5f where it is 0; "
                      "before | after | mask, 2x crops below: %s", ds->file,
                      ds->ppm, dark[0], dark[1], dark[2], out);
      g_assert_cmpfloat (dark[0], >, dark[1]);
      g_assert_cmpfloat (dark[1], >, dark[2]);
      g_assert_cmpfloat (fabs (dark[2]), <, 1e-3);

      g_free (s.px);
      g_free (out);
      g_free (before);
      g_free (after);
      g_free (mask);
      g_free (cb);
      g_free (ca);
      g_free (cm);
      g_free (mv);
      g_free (bf);
      g_free (af);
      g_free (d);
      g_object_unref (path);
      g_object_unref (graph);
      g_object_unref (photo);
    }
  g_free (review);
}

int
main (int    argc,
      char **argv)
{
  if (smp_test_tile_child (&argc, &argv, &tile_rect, tile_render))
    return 0;
  smp_test_init (&argc, &argv);
  g_test_add_func ("/hairline/profile", test_profile);
  g_test_add_func ("/hairline/irregularity", test_irregularity);
  g_test_add_func ("/hairline/follicles-density", test_follicles_density);
  g_test_add_func ("/hairline/check", test_check);
  g_test_add_func ("/hairline/bad-paths", test_bad_paths);
  g_test_add_func ("/hairline/tile-independence", test_tiles);
  g_test_add_func ("/hairline/mipmap", test_mipmap);
  g_test_add_func ("/hairline/reference-hash", test_reference_hash);
  g_test_add_func ("/hairline/area", test_area);
  g_test_add_func ("/hairline/templates", test_templates);
  g_test_add_func ("/hairline/from-stroke", test_from_stroke);
  g_test_add_func ("/hairline/normalize", test_normalize);
  g_test_add_func ("/hairline/gegl-binary", test_gegl_binary);
  g_test_add_func ("/hairline/real-photos", test_real_photos);
  return g_test_run ();
}
