/* test-core.c: the point process and the rasterizer of filters/core, alone.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smp-hash.h"
#include "smp-look.h"
#include "smp-pattern.h"
#include "smp-render.h"
#include "smp-stats.h"

/* The op's defaults (smp-follicles.c).  */
#define DEFAULT_DENSITY    100.0
#define DEFAULT_CLUSTERING 0.2

static double *
dots_xy (const SmpDot *dots,
         size_t        n,
         double        x0,
         double        y0)
{
  double *xy = g_new (double, 2 * n);
  size_t  k;

  for (k = 0; k < n; k++)
    {
      xy[2 * k]     = dots[k].x - x0;
      xy[2 * k + 1] = dots[k].y - y0;
    }
  return xy;
}

/* Dot count over at least 20 cm², for several densities and seeds.  */
static void
test_density (void)
{
  const double densities[] = { 20, 50, 75, 100, 150, 250 };
  guint        i, seed;

  for (i = 0; i < G_N_ELEMENTS (densities); i++)
    for (seed = 1; seed <= 3; seed++)
      {
        SmpPattern pattern;
        SmpDot    *dots = NULL;
        size_t     alloc = 0, n;
        double     area_cm2 = 6.0 * 4.0, got;

        smp_pattern_init (&pattern, densities[i], DEFAULT_CLUSTERING, seed);
        /* Away from the origin too: nothing may depend on it.  */
        n = smp_pattern_collect (&pattern, 1000.0 * seed, -500.0,
                                 1000.0 * seed + 60.0, -460.0, &dots, &alloc);
        got = n / area_cm2;
        g_test_message ("density %g/cm²: %zu dots in %g cm² = %.2f/cm² "
                        "(%+.2f %%)", densities[i], n, area_cm2, got,
                        100.0 * (got / densities[i] - 1.0));
        g_assert_cmpfloat (fabs (got / densities[i] - 1.0), <, 0.03);
        free (dots);
      }
}

/* The spacing and order criteria, applied alike to our pattern and to the
 * patterns it must not be.  */
static gboolean
spacing_ok (const SmpPointStats *s)
{
  return s->mean_rho >= 0.65 &&
         s->psi4 < 0.05 && s->psi6 < 0.05 && s->local_psi6 < 0.6;
}

static void
report (const char          *name,
        const SmpPointStats *s)
{
  g_test_message ("%-22s rho mean %.3f min %.3f, order psi4 %.3f psi6 %.3f "
                  "local psi6 %.3f (%zu points)", name, s->mean_rho,
                  s->min_rho, s->psi4, s->psi6, s->local_psi6, s->n_measured);
}

static void
test_spacing (void)
{
  const double  side = 120.0;
  SmpPattern    pattern;
  SmpPointStats stats;
  SmpDot       *dots = NULL;
  size_t        alloc = 0, n, k;
  double       *xy;
  double        h;
  int           i, j, m, seed;

  for (seed = 1; seed <= 2; seed++)
    {
      smp_pattern_init (&pattern, DEFAULT_DENSITY, DEFAULT_CLUSTERING, seed);
      n  = smp_pattern_collect (&pattern, 0, 0, side, side, &dots, &alloc);
      xy = dots_xy (dots, n, 0, 0);
      smp_stats_points (xy, n, side, side, 3.0, &stats);
      report ("smp pattern (defaults)", &stats);
      g_assert_true (spacing_ok (&stats));
      g_free (xy);

      /* Without pairs the pattern alone is between dart throwing and CVT.  */
      smp_pattern_init (&pattern, DEFAULT_DENSITY, 0.0, seed);
      n  = smp_pattern_collect (&pattern, 0, 0, side, side, &dots, &alloc);
      xy = dots_xy (dots, n, 0, 0);
      smp_stats_points (xy, n, side, side, 3.0, &stats);
      report ("smp pattern (no pairs)", &stats);
      g_assert_cmpfloat (stats.mean_rho, >=, 0.75);
      g_assert_true (spacing_ok (&stats));
      g_free (xy);
    }

  /* The same measures must reject a lattice, a jittered grid and random
   * points, or they prove nothing.  */
  h  = 1.15;
  m  = (int) (side / h);
  xy = g_new (double, 2 * m * m);
  for (j = 0, k = 0; j < m; j++)
    for (i = 0; i < m; i++, k++)
      {
        xy[2 * k]     = (i + 0.5) * h;
        xy[2 * k + 1] = (j + 0.5) * h;
      }
  smp_stats_points (xy, k, side, side, 3.0, &stats);
  report ("square lattice", &stats);
  g_assert_false (spacing_ok (&stats));

  for (j = 0, k = 0; j < m; j++)
    for (i = 0; i < m; i++, k++)
      {
        /* A hexagonal lattice, rows offset by half a step.  */
        xy[2 * k]     = (i + 0.5 * (j & 1) + 0.25) * h;
        xy[2 * k + 1] = (j + 0.5) * h * 0.866;
      }
  smp_stats_points (xy, k, side, side * 0.866, 3.0, &stats);
  report ("hexagonal lattice", &stats);
  g_assert_false (spacing_ok (&stats));

  for (j = 0, k = 0; j < m; j++)
    for (i = 0; i < m; i++, k++)
      {
        xy[2 * k]     = (i + smp_hash_uniform (9, i, j, 0)) * h;
        xy[2 * k + 1] = (j + smp_hash_uniform (9, i, j, 1)) * h;
      }
  smp_stats_points (xy, k, side, side, 3.0, &stats);
  report ("jittered grid", &stats);
  g_assert_false (spacing_ok (&stats));

  for (k = 0; k < (size_t) (m * m); k++)
    {
      xy[2 * k]     = side * smp_hash_uniform (11, (int) k, 0, 0);
      xy[2 * k + 1] = side * smp_hash_uniform (11, (int) k, 0, 1);
    }
  smp_stats_points (xy, k, side, side, 3.0, &stats);
  report ("uniform random", &stats);
  g_assert_false (spacing_ok (&stats));

  g_free (xy);
  free (dots);
}

/* Thinning by rank: each band of a ramp keeps its share of the dots.  */
static void
test_rank_thinning (void)
{
  SmpPattern pattern;
  SmpDot    *dots = NULL;
  size_t     alloc = 0, n, k;
  const double thresholds[] = { 0.1, 0.2, 0.35, 0.5, 0.75, 0.9 };
  guint      t;

  smp_pattern_init (&pattern, DEFAULT_DENSITY, DEFAULT_CLUSTERING, 4);
  n = smp_pattern_collect (&pattern, 0, 0, 50, 40, &dots, &alloc);
  for (t = 0; t < G_N_ELEMENTS (thresholds); t++)
    {
      size_t kept = 0;

      for (k = 0; k < n; k++)
        kept += dots[k].rank < thresholds[t];
      g_test_message ("rank < %.2f keeps %.4f of the dots", thresholds[t],
                      (double) kept / n);
      /* Strata of 16 cells leave about 1/3 of the binomial noise.  */
      g_assert_cmpfloat (fabs ((double) kept / n / thresholds[t] - 1.0), <,
                         0.08);
    }
  free (dots);
}

/* Any rectangle gives the same dots, bit for bit, in the same order.  */
static void
test_region_independence (void)
{
  SmpPattern pattern;
  SmpDot    *all = NULL, *part = NULL;
  size_t     alloc_all = 0, alloc_part = 0, n, m, k, found = 0;
  int        q;

  smp_pattern_init (&pattern, 90, 0.3, 12);
  n = smp_pattern_collect (&pattern, -20, -20, 20, 20, &all, &alloc_all);
  g_assert_cmpuint (n, >, 1000);
  for (q = 0; q < 4; q++)
    {
      double x0 = (q & 1) ? 0 : -20, y0 = (q & 2) ? 0 : -20;
      size_t j = 0;

      m = smp_pattern_collect (&pattern, x0, y0, x0 + 20, y0 + 20,
                               &part, &alloc_part);
      /* Each quarter's dots are a subsequence of the whole, in order.  */
      for (k = 0; k < n && j < m; k++)
        if (! memcmp (&all[k], &part[j], sizeof (SmpDot)))
          j++;
      g_assert_cmpuint (j, ==, m);
      found += m;
    }
  g_assert_cmpuint (found, ==, n);
  free (all);
  free (part);
}

/* Mass of one dot's shadow: its area times its absorption, at any scale
 * and sub-pixel position, even when it is far smaller than a pixel.  */
static double
dot_mass (double ppm,
          double elongation,
          int    k)
{
  SmpDotStyle style = { 0 };
  SmpRenderer renderer;
  SmpDot      dot;
  float      *field, *scratch;
  int         side, x0, y0, p;
  double      mass = 0.0;

  style.px_per_mm    = ppm;
  style.dot_diameter = 0.15;
  style.colour[0] = style.colour[1] = style.colour[2] = 0.5;
  style.darkness     = 0.9;
  style.depth        = 0.1;
  style.elongation   = elongation;
  style.sessions     = 1;
  smp_renderer_init (&renderer, &style);

  dot.x    = 3.0 + 0.137 * k;
  dot.y    = 5.0 + 0.071 * k;
  dot.rank = 0.0f;
  dot.key  = 77 + k;
  side = (int) (2 * renderer.reach_px) + 8;
  x0   = (int) floor (dot.x * ppm) - side / 2;
  y0   = (int) floor (dot.y * ppm) - side / 2;
  field   = g_new (float, side * side * 3);
  scratch = g_new (float, smp_renderer_scratch_size (&renderer));
  for (p = 0; p < side * side * 3; p++)
    field[p] = 1.0f;
  smp_render_dot (&renderer, &dot, 1.0f, field, NULL, x0, y0, side, side,
                  scratch);
  for (p = 0; p < side * side * 3; p += 3)
    mass += 1.0 - field[p + 2];
  g_free (field);
  g_free (scratch);
  /* Darkening times pixel area: mm².  */
  return mass / (ppm * ppm);
}

/* Mass of one dot's shadow: its area times its absorption, the same at any
 * scale and sub-pixel position, even far smaller than a pixel.  */
static void
test_dot_area (void)
{
  const double scales[] = { 0.5, 2.0, 4.0, 10.0 };
  /* Blue absorption at 0.1 mm: the veil of skin above, then the pigment
   * (colour 0.5, darkness 0.9), over the dot's area: size variation 0 keeps
   * the nominal size, and elongation keeps the area.  The dot's depth
   * varies by 15 %, and the shadow of a faint pigment grows little.  */
  const double analytic = M_PI * 0.075 * 0.075 * exp (-0.1 / 1.1) *
                          (1.0 - pow (0.5, 0.9));
  guint        i, k;

  for (k = 0; k < 5; k++)
    {
      double elongation = 1.0 + 0.5 * k;
      double fine       = dot_mass (40.0, elongation, k);

      g_assert_cmpfloat (fabs (fine / analytic - 1.0), <, 0.1);
      for (i = 0; i < G_N_ELEMENTS (scales); i++)
        {
          double mass = dot_mass (scales[i], elongation, k);

          g_test_message ("elongation %.1f: dot mass %.6f mm² at %4.1f px/mm, "
                          "%.6f at 40, analytic %.6f", elongation, mass,
                          scales[i], fine, analytic);
          g_assert_cmpfloat (fabs (mass / fine - 1.0), <, 0.02);
        }
    }
}

/* What match=ring takes for hair: around a bald disc (whose skin varies by
 * +-3 % from pixel to pixel), stubble (each pixel 0.3 or 0.6 of the skin,
 * at random) is learnt; an even shade of the same mean darkening and
 * colour, smoother than the skin (+-1 %: shade in a photo loses its fine
 * detail, as photo 16's forehead does; or a plain dark shirt), is not, and
 * then nothing is learnt.  */
static int
look_ring (gboolean stubble)
{
  const int    side = 240;
  const double ppm  = 4.0;
  float       *rgb  = g_new (float, side * side * 3);
  float       *mask = g_new (float, side * side);
  SmpLookInput in   = { 0 };
  SmpHairLook  look;
  uint32_t     state = 12345;
  int          x, y, c, learnt;

  for (y = 0; y < side; y++)
    for (x = 0; x < side; x++)
      {
        double r = hypot (x + 0.5 - side / 2.0, y + 0.5 - side / 2.0);
        double f, u;

        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        u = (state & 0xffff) / 65536.0;
        /* The skin's own fine grain: +-3 %.  */
        f = 1.0 + 0.06 * (u - 0.5);
        mask[y * side + x] = r <= 60.0 ? 1.0f : 0.0f;
        if (r > 60.0)
          f = stubble ? f * (u < 0.5 ? 0.3 : 0.6)
                      : 0.45 * (1.0 + 0.02 * (u - 0.5));
        for (c = 0; c < 3; c++)
          rgb[3 * (y * side + x) + c] =
            (float) (f * (const double[3]) { 0.50, 0.34, 0.27 }[c]);
      }
  in.rgb       = rgb;
  in.mask      = mask;
  in.width     = side;
  in.height    = side;
  in.px_per_mm = ppm;
  in.ring_px   = (int) ceil (10.0 * ppm);
  learnt = smp_look_learn (&in, &look);
  g_test_message ("%s around the disc: %d hair pixels learnt",
                  stubble ? "stubble" : "an even shade", learnt);
  g_free (rgb);
  g_free (mask);
  return learnt;
}

static void
test_look_ring_shade (void)
{
  g_assert_cmpint (look_ring (TRUE), >, 1000);
  g_assert_cmpint (look_ring (FALSE), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/density", test_density);
  g_test_add_func ("/core/spacing", test_spacing);
  g_test_add_func ("/core/rank-thinning", test_rank_thinning);
  g_test_add_func ("/core/region-independence", test_region_independence);
  g_test_add_func ("/core/dot-area", test_dot_area);
  g_test_add_func ("/core/look-ring-shade", test_look_ring_shade);
  return g_test_run ();
}
