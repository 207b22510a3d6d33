/* test-timeline.c: the treatment's timeline (after each session, fresh,
 * healed, aged, touched up) through smp:follicles, and the treatment plan
 * (filters/core/smp-plan.h).
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
#include <sys/wait.h>

#include "smp-box.h"
#include "smp-color.h"
#include "smp-pattern.h"
#include "smp-plan.h"
#include "smp-render.h"
#include "smp-stats.h"
#include "smp-test-util.h"

#define RGBA_FLOAT babl_format ("RGBA float")
#define RGBA_U8    babl_format ("R'G'B'A u8")

static const gfloat skin[4] = { 0.55f, 0.33f, 0.24f, 1.0f };

/* The stages the tests look at.  */
typedef struct
{
  const gchar *name;
  gint         after;     /* after-session */
  SmpStage     stage;
  gdouble      years;
  gboolean     touch_up;
} Stage;

enum
{
  S1, S2, HEALED, FRESH1, FRESH, AGED2, AGED5, TOUCHED, N_STAGES
};

static const Stage stages[N_STAGES] =
{
  { "after session 1",          1, SMP_STAGE_HEALED, 0, FALSE },
  { "after session 2",          2, SMP_STAGE_HEALED, 0, FALSE },
  { "healed",                   0, SMP_STAGE_HEALED, 0, FALSE },
  { "fresh after session 1",    1, SMP_STAGE_FRESH,  0, FALSE },
  { "fresh after the last",     0, SMP_STAGE_FRESH,  0, FALSE },
  { "aged 2 years",             0, SMP_STAGE_AGED,   2, FALSE },
  { "aged 5 years",             0, SMP_STAGE_AGED,   5, FALSE },
  { "aged 5 years, touched up", 0, SMP_STAGE_AGED,   5, TRUE },
};

/* The stage's properties on an smp:follicles node.  */
static void
set_stage (GeglNode    *op,
           const Stage *st)
{
  gegl_node_set (op, "after-session", st->after, "stage", (gint) st->stage,
                 "years", st->years, "touch-up", st->touch_up, NULL);
}

/* smp:follicles at the defaults (3 sessions, 100 /cm²) in a stage over
 * flat skin of side mm millimetres at ppm, seed 3, as RGBA float.  */
static gfloat *
render_flat (const Stage *st,
             gdouble      ppm,
             gdouble      side,
             gint        *w)
{
  GeglRectangle rect = { 0, 0, (gint) lround (side * ppm),
                         (gint) lround (side * ppm) };
  GeglBuffer   *in   = smp_test_uniform (&rect, RGBA_FLOAT, skin);
  GeglNode     *graph;
  GeglNode     *op   = smp_test_graph (&graph, "smp:follicles", in, NULL);
  gfloat       *out;

  gegl_node_set (op, "px-per-mm", ppm, "seed", 3, NULL);
  set_stage (op, st);
  out = smp_test_blit (op, &rect, RGBA_FLOAT);
  *w  = rect.width;
  g_object_unref (graph);
  g_object_unref (in);
  return out;
}

/* The renders at 20 px/mm (40 mm square), shared by the tests.  */
#define FINE_PPM  20.0
#define FLAT_MM   40.0
static gfloat *fine[N_STAGES];
static gint    fine_w;

static const gfloat *
fine_render (gint s)
{
  if (! fine[s])
    fine[s] = render_flat (&stages[s], FINE_PPM, FLAT_MM, &fine_w);
  return fine[s];
}

static gdouble
luma (const gfloat *p)
{
  return 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
}

/* 1 - mean luminance over the skin's: the treatment's mean darkening.  */
static gdouble
mean_darkening (const gfloat *out,
                gsize         n)
{
  gdouble sum = 0.0;
  gsize   i;

  for (i = 0; i < n; i++)
    sum += luma (out + 4 * i);
  return 1.0 - sum / n / luma (skin);
}

/* The channel's mean darkening.  */
static gdouble
channel_darkening (const gfloat *out,
                   gsize         n,
                   gint          c)
{
  gdouble sum = 0.0;
  gsize   i;

  for (i = 0; i < n; i++)
    sum += out[4 * i + c];
  return 1.0 - sum / n / skin[c];
}

/* 1. Tone along the timeline on flat skin at 4 and 20 px/mm: the sessions
 * build it up, healed is the finished shade, ageing lightens it (more
 * with the years), a touch-up brings it back; the same at both scales;
 * aged dots cooler (blue darkened less against red), fresh ones darker.  */
static void
test_tone (void)
{
  const gdouble scales[] = { 4.0, FINE_PPM };
  gdouble       d[2][N_STAGES], cool[N_STAGES];
  guint         k;
  gint          s;

  for (k = 0; k < G_N_ELEMENTS (scales); k++)
    for (s = 0; s < N_STAGES; s++)
      {
        gint    w;
        gfloat *out = k == 1 ? (gfloat *) fine_render (s)
                             : render_flat (&stages[s], scales[k], FLAT_MM,
                                            &w);

        if (k == 1)
          w = fine_w;
        d[k][s] = mean_darkening (out, (gsize) w * w);
        if (k == 1)
          cool[s] = channel_darkening (out, (gsize) w * w, 2) /
                    channel_darkening (out, (gsize) w * w, 0);
        else
          g_free (out);
      }
  for (s = 0; s < N_STAGES; s++)
    g_test_message ("%-26s mean darkening %.4f at 4 px/mm, %.4f at 20 "
                    "(%+.1f %%); blue over red darkening %.3f",
                    stages[s].name, d[0][s], d[1][s],
                    100.0 * (d[0][s] / d[1][s] - 1.0), cool[s]);
  for (k = 0; k < G_N_ELEMENTS (scales); k++)
    {
      g_assert_cmpfloat (d[k][S1], >, 0.005);
      g_assert_cmpfloat (d[k][S1], <, d[k][S2]);
      g_assert_cmpfloat (d[k][S2], <, d[k][HEALED]);
      g_assert_cmpfloat (d[k][AGED5], <, d[k][HEALED]);
      g_assert_cmpfloat (d[k][AGED5], <, d[k][AGED2]);
      g_assert_cmpfloat (d[k][AGED2], <, d[k][HEALED]);
      g_assert_cmpfloat (fabs (d[k][TOUCHED] / d[k][HEALED] - 1.0), <, 0.10);
      g_assert_cmpfloat (d[k][FRESH], >, d[k][HEALED]);
      g_assert_cmpfloat (d[k][FRESH1], <, d[k][FRESH]);
    }
  for (s = 0; s < N_STAGES; s++)
    g_assert_cmpfloat (fabs (d[0][s] / d[1][s] - 1.0), <, 0.10);
  g_assert_cmpfloat (cool[AGED5], <, cool[HEALED]);
}

/* The dots of a render: where the blue darkening stands out by 0.08 above
 * its mean over 0.4 mm around; their centroids (free () them).  */
static gsize
dots_of (const gfloat *out,
         gint          w,
         gdouble       ppm,
         gdouble     **centroids)
{
  gsize   n = (gsize) w * w, i, count;
  gfloat *dark = g_new (gfloat, n), *mean = g_new (gfloat, n);

  for (i = 0; i < n; i++)
    dark[i] = 1.0f - out[4 * i + 2] / skin[2];
  g_assert_true (smp_box_mean (dark, mean, w, w,
                               MAX (1, (gint) lround (0.4 * ppm))));
  for (i = 0; i < n; i++)
    dark[i] -= mean[i];
  count = smp_stats_blobs (dark, w, w, 0.08f, centroids);
  g_free (dark);
  g_free (mean);
  return count;
}

/* How many of a's points have one of b's within tol, those nearer than
 * `border` to the edge of a w-pixel square left out (*counted of them).  */
static gsize
matched (const gdouble *a,
         gsize          na,
         const gdouble *b,
         gsize          nb,
         gdouble        tol,
         gint           w,
         gdouble        border,
         gsize         *counted)
{
  gsize i, j, hits = 0;

  *counted = 0;
  for (i = 0; i < na; i++)
    {
      const gdouble *p = a + 2 * i;

      if (p[0] < border || p[1] < border || p[0] > w - border ||
          p[1] > w - border)
        continue;
      (*counted)++;
      for (j = 0; j < nb; j++)
        if (hypot (b[2 * j] - p[0], b[2 * j + 1] - p[1]) <= tol)
          {
            hits++;
            break;
          }
    }
  return hits;
}

/* 2. The sites, counted from the pixels at 20 px/mm: each session's are a
 * subset of the next's and of the finished plan's, in the plan's shares
 * (50 % and 80 % of the dots after sessions 1 and 2 of 3); ageing and a
 * touch-up keep the healed sites and add none; fresh dots are the same
 * sites.  */
static void
test_sites (void)
{
  const gdouble border = 1.0 * FINE_PPM;
  /* Within 0.15 mm; fresh dots, 1.6 times larger, 0.3 mm: the two dots of
   * a follicular pair (0.4-0.6 mm apart) may merge into one blob whose
   * centroid lies between them.  */
  const struct { gint sub, super; gdouble share, tol; } pairs[] =
  {
    { S1, S2, -1, 0.15 }, { S2, HEALED, -1, 0.15 }, { S1, HEALED, 0.5, 0.15 },
    { S2, HEALED, 0.8, 0.15 }, { AGED2, HEALED, -1, 0.15 },
    { AGED5, HEALED, -1, 0.15 }, { TOUCHED, HEALED, 1.0, 0.15 },
    { HEALED, TOUCHED, 1.0, 0.15 }, { FRESH1, HEALED, 0.5, 0.3 },
    { FRESH, HEALED, 1.0, 0.3 },
  };
  gdouble *c[N_STAGES];
  gsize    n[N_STAGES];
  guint    k;
  gint     s;

  for (s = 0; s < N_STAGES; s++)
    n[s] = dots_of (fine_render (s), fine_w, FINE_PPM, &c[s]);
  for (k = 0; k < G_N_ELEMENTS (pairs); k++)
    {
      gint  a = pairs[k].sub, b = pairs[k].super;
      gsize counted, hit = matched (c[a], n[a], c[b], n[b],
                                    pairs[k].tol * FINE_PPM, fine_w, border,
                                    &counted);

      g_test_message ("%-26s %5zu dots, %5zu inside, %5zu (%.1f %%) at a "
                      "site of %s (%zu dots, ratio %.3f)", stages[a].name,
                      n[a], counted, hit, 100.0 * hit / MAX (counted, 1),
                      stages[b].name, n[b], (gdouble) n[a] / n[b]);
      g_assert_cmpuint (counted, >, 100);
      /* Two dots of a follicular pair may merge into one blob in one
       * render and not in the other: a few in a thousand.  */
      g_assert_cmpfloat ((gdouble) hit / counted, >, 0.99);
      if (pairs[k].share > 0.0)
        g_assert_cmpfloat (fabs ((gdouble) n[a] / n[b] / pairs[k].share -
                                 1.0), <, 0.05);
    }
  /* No stage shows more sites than the plan.  */
  for (s = 0; s < N_STAGES; s++)
    g_assert_cmpfloat ((gdouble) n[s], <=, n[HEALED] * 1.01);
  for (s = 0; s < N_STAGES; s++)
    free (c[s]);
}

/* The CIE L*a*b* of a linear RGB pixel.  */
static void
lab_of (const gfloat *rgb,
        gfloat       *lab)
{
  smp_rgb_to_lab (rgb, lab);
}

/* 3. Fresh redness: a* in the ring 0.3-1 mm around each impression (the
 * dots of the point process, all kept without a mask) at 20 px/mm rises
 * over the bare skin's; healed, it is gone.  */
static void
test_redness (void)
{
  const gdouble ppm = FINE_PPM;
  const gint    w = (gint) lround (FLAT_MM * ppm);
  SmpPattern    pattern;
  SmpDot       *dots = NULL;
  size_t        alloc = 0, nd, k;
  gfloat       *nearest = g_new (gfloat, (gsize) w * w);
  gfloat        lab[3], bare[3];
  gdouble       sum[N_STAGES][3] = { { 0 } }, ring = 0;
  gint          x, y, s;
  const gint    which[] = { HEALED, FRESH, FRESH1, AGED5 };
  guint         q;

  lab_of (skin, bare);
  smp_pattern_init (&pattern, 100.0, 0.2, 3);
  nd = smp_pattern_collect (&pattern, -2.0, -2.0, FLAT_MM + 2.0,
                            FLAT_MM + 2.0, &dots, &alloc);
  for (y = 0; y < w * w; y++)
    nearest[y] = G_MAXFLOAT;
  for (k = 0; k < nd; k++)
    {
      gint x0 = MAX (0, (gint) floor ((dots[k].x - 1.0) * ppm));
      gint x1 = MIN (w, (gint) ceil ((dots[k].x + 1.0) * ppm));
      gint y0 = MAX (0, (gint) floor ((dots[k].y - 1.0) * ppm));
      gint y1 = MIN (w, (gint) ceil ((dots[k].y + 1.0) * ppm));

      for (y = y0; y < y1; y++)
        for (x = x0; x < x1; x++)
          {
            gfloat dd = (gfloat) hypot ((x + 0.5) / ppm - dots[k].x,
                                        (y + 0.5) / ppm - dots[k].y);

            if (dd < nearest[(gsize) y * w + x])
              nearest[(gsize) y * w + x] = dd;
          }
    }
  /* The inner 36 mm: every pixel's nearest dot is among those collected.  */
  for (y = 2 * (gint) ppm; y < w - 2 * (gint) ppm; y++)
    for (x = 2 * (gint) ppm; x < w - 2 * (gint) ppm; x++)
      {
        gfloat dd = nearest[(gsize) y * w + x];

        if (dd < 0.3f || dd > 1.0f)
          continue;
        ring++;
        for (q = 0; q < G_N_ELEMENTS (which); q++)
          {
            s = which[q];
            lab_of (fine_render (s) + ((gsize) y * w + x) * 4, lab);
            sum[s][0] += lab[0];
            sum[s][1] += lab[1];
            sum[s][2] += lab[2];
          }
      }
  for (q = 0; q < G_N_ELEMENTS (which); q++)
    {
      s = which[q];
      g_test_message ("%-26s in the ring 0.3-1 mm around the dots (%.0f px): "
                      "L* %+.2f, a* %+.2f, b* %+.2f against bare skin",
                      stages[s].name, ring, sum[s][0] / ring - bare[0],
                      sum[s][1] / ring - bare[1], sum[s][2] / ring - bare[2]);
    }
  g_assert_cmpfloat (ring, >, 0.2 * w * w);
  g_assert_cmpfloat (sum[FRESH][1] / ring - bare[1], >, 3.0);
  g_assert_cmpfloat (sum[FRESH1][1] / ring - bare[1], >, 1.0);
  g_assert_cmpfloat (sum[HEALED][1] / ring - bare[1], <, 0.3);
  g_assert_cmpfloat (sum[AGED5][1] / ring - bare[1], <, 0.3);
  free (dots);
  g_free (nearest);
}

/* The stage the tile-independence renders are in: set by test_tiles, and
 * in its child process by SMP_TEST_STAGE.  */
static gint tile_stage = HEALED;

/* The render for tile independence (also in the child process with other
 * tiles and threads): a photo under a ramp mask at 8 px/mm.  */
static gpointer
tile_render (const GeglRectangle *rect,
             gint                 seed)
{
  GeglRectangle all   = { -200, -200, 1100, 900 };
  GeglBuffer   *in    = smp_test_photo (&all, RGBA_FLOAT);
  GeglBuffer   *ramp  = smp_test_ramp (&all);
  const gchar  *which = g_getenv ("SMP_TEST_STAGE");
  GeglNode     *graph;
  GeglNode     *op    = smp_test_graph (&graph, "smp:follicles", in, ramp);
  gpointer      out;

  if (which)
    tile_stage = CLAMP (atoi (which), 0, N_STAGES - 1);
  gegl_node_set (op, "px-per-mm", 8.0, "seed", seed, NULL);
  set_stage (op, &stages[tile_stage]);
  out = smp_test_blit (op, rect, RGBA_U8);
  g_object_unref (graph);
  g_object_unref (in);
  g_object_unref (ramp);
  return out;
}

static const GeglRectangle tile_rect = { -37, 11, 480, 360 };

/* 4. Every stage: tiles, threads and region order change no byte.  */
static void
test_tiles (void)
{
  gint s;

  for (s = 0; s < N_STAGES; s++)
    {
      gchar        which[8];
      const gchar *env[] = { "SMP_TEST_STAGE", which, NULL };

      g_snprintf (which, sizeof which, "%d", s);
      tile_stage = s;
      g_test_message ("%s:", stages[s].name);
      smp_test_tile_independence_env (&tile_rect, tile_render, env);
    }
  tile_stage = HEALED;
}

/* The render each stage's reference hash is of: smp:follicles over the
 * test photo at 10 px/mm, seed 1, as R'G'B'A u8; stage NULL: the
 * timeline's properties left as they are.  */
static gchar *
stage_hash (const Stage *st)
{
  GeglRectangle rect = { 0, 0, 200, 200 };
  GeglBuffer   *in   = smp_test_photo (&rect, RGBA_U8);
  GeglNode     *graph;
  GeglNode     *op   = smp_test_graph (&graph, "smp:follicles", in, NULL);
  guchar       *px;
  gchar        *hash;

  gegl_node_set (op, "px-per-mm", 10.0, "seed", 1, NULL);
  if (st)
    set_stage (op, st);
  px   = smp_test_blit (op, &rect, RGBA_U8);
  hash = smp_test_md5 (px, (gsize) rect.width * rect.height * 4);
  g_free (px);
  g_object_unref (graph);
  g_object_unref (in);
  return hash;
}

/* 5. Reference hashes per stage, recorded in tests/timeline.md5 (run with
 * SMP_UPDATE_REFERENCE=1 to record them anew after a change meant to
 * change the pixels): a change of any stage's pixels is caught.  The
 * healed stage set explicitly gives the bytes of the op's defaults, and
 * every stage others.  */
static void
test_hashes (void)
{
  gchar   *path = g_build_filename (g_getenv ("SMP_SOURCE_DIR"), "tests",
                                    "timeline.md5", NULL);
  gchar   *want = NULL, *plain = stage_hash (NULL);
  GString *got  = g_string_new (NULL);
  gchar   *h[N_STAGES];
  gint     s, t;

  for (s = 0; s < N_STAGES; s++)
    {
      h[s] = stage_hash (&stages[s]);
      g_string_append_printf (got, "%s  %s\n", h[s], stages[s].name);
    }
  g_assert_cmpstr (h[HEALED], ==, plain);
  for (s = 0; s < N_STAGES; s++)
    for (t = s + 1; t < N_STAGES; t++)
      g_assert_cmpstr (h[s], !=, h[t]);
  if (g_getenv ("SMP_UPDATE_REFERENCE"))
    {
      g_assert_true (g_file_set_contents (path, got->str, -1, NULL));
      g_test_message ("recorded %s", path);
    }
  g_assert_true (g_file_get_contents (path, &want, NULL, NULL));
  g_test_message ("%s", got->str);
  g_assert_cmpstr (got->str, ==, want);
  for (s = 0; s < N_STAGES; s++)
    g_free (h[s]);
  g_string_free (got, TRUE);
  g_free (want);
  g_free (plain);
  g_free (path);
}

/* A hand-made mask as a user's file would hold it (Y' u8, 255 inside):
 * a rectangle of wmm x hmm, or a disc of diameter wmm (hmm 0), at ppm,
 * centred in a canvas 20 mm larger; its area in cm² in *area.  */
static GeglBuffer *
draw_mask (gdouble  wmm,
           gdouble  hmm,
           gdouble  ppm,
           gdouble *area)
{
  gdouble       side = MAX (wmm, hmm) + 20.0;
  GeglRectangle rect = { 0, 0, (gint) ceil (side * ppm),
                         (gint) ceil (side * ppm) };
  GeglBuffer   *mask = gegl_buffer_new (&rect, babl_format ("Y' u8"));
  guchar       *px   = g_new0 (guchar, (gsize) rect.width * rect.height);
  gdouble       cx   = rect.width / 2.0 + 0.37, cy = rect.height / 2.0 - 0.21;
  gint          x, y;

  for (y = 0; y < rect.height; y++)
    for (x = 0; x < rect.width; x++)
      {
        gdouble dx = (x + 0.5 - cx) / ppm, dy = (y + 0.5 - cy) / ppm;
        gboolean in = hmm > 0.0 ? fabs (dx) < wmm / 2 && fabs (dy) < hmm / 2
                                : hypot (dx, dy) < wmm / 2;

        px[(gsize) y * rect.width + x] = in ? 255 : 0;
      }
  gegl_buffer_set (mask, &rect, 0, babl_format ("Y' u8"), px,
                   GEGL_AUTO_ROWSTRIDE);
  g_free (px);
  *area = (hmm > 0.0 ? wmm * hmm : G_PI * wmm * wmm / 4.0) / 100.0;
  return mask;
}

/* The plan of a mask buffer, read in bands as the tool and the plug-in
 * would.  */
static gboolean
plan_of (GeglBuffer *mask,
         gdouble     ppm,
         SmpPlan    *plan,
         gchar      *err,
         gsize       size)
{
  const GeglRectangle *r = gegl_buffer_get_extent (mask);
  SmpPlanInput         in;
  gfloat              *band = g_new (gfloat, (gsize) r->width * 64 * 2);
  gint                 y;
  gboolean             ok;

  smp_plan_input_init (&in);
  in.px_per_mm = ppm;
  in.sessions  = 3;
  for (y = r->y; y < r->y + r->height; y += 64)
    {
      GeglRectangle b = { r->x, y, r->width, MIN (64, r->y + r->height - y) };

      gegl_buffer_get (mask, &b, 1.0, babl_format ("Y'A float"), band,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      smp_plan_add_mask_ya (&in, band, (gsize) b.width * b.height);
    }
  g_free (band);
  ok = smp_plan_compute (&in, plan, err, size);
  return ok;
}

/* The impressions the op lays under a mask: the dots whose rank is below
 * the mask at their centre (smp-stipple.c's rule, feather 0), in all and
 * as after each session.  */
static void
count_impressions (GeglBuffer *mask,
                   gdouble     ppm,
                   gdouble     density,
                   guint32     seed,
                   gdouble     counts[SMP_MAX_SESSIONS])
{
  const GeglRectangle *r = gegl_buffer_get_extent (mask);
  gfloat              *m = g_new (gfloat, (gsize) r->width * r->height);
  SmpPattern           pattern;
  SmpDot              *dots = NULL;
  size_t               alloc = 0, n, k;
  gint                 j;

  gegl_buffer_get (mask, r, 1.0, babl_format ("Y' float"), m,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  smp_pattern_init (&pattern, density, 0.2, seed);
  n = smp_pattern_collect (&pattern, 0, 0, r->width / ppm, r->height / ppm,
                           &dots, &alloc);
  for (j = 0; j < SMP_MAX_SESSIONS; j++)
    counts[j] = 0;
  for (k = 0; k < n; k++)
    {
      gint   x = (gint) floor (dots[k].x * ppm), y = (gint) floor (dots[k].y *
                                                                  ppm);
      gfloat t;

      if (x < 0 || y < 0 || x >= r->width || y >= r->height)
        continue;
      t = m[(gsize) y * r->width + x];
      if (! (dots[k].rank < t))
        continue;
      for (j = 0; j < 3; j++)
        counts[j] += dots[k].rank / t < smp_session_fraction (3, j + 1);
    }
  free (dots);
  g_free (m);
}

/* 6. The plan on masks of known area (a 40 x 25 mm rectangle, a 30 mm disc,
 * and the disc feathered as a GIMP selection is, over 2 mm, at 4 and 12
 * px/mm): the area within 2 %, the impressions within 3 % of what the op
 * lays under the mask (and of density x area), each session's within
 * 5 %.  */
static void
test_plan_areas (void)
{
  const gdouble scales[] = { 4.0, 12.0 };
  guint         k, shape;

  for (k = 0; k < G_N_ELEMENTS (scales); k++)
    for (shape = 0; shape < 3; shape++)
      {
        const gdouble ppm = scales[k];
        gdouble       area, counts[SMP_MAX_SESSIONS];
        GeglBuffer   *mask = shape == 0 ? draw_mask (40, 25, ppm, &area)
                                        : draw_mask (30, 0, ppm, &area);
        SmpPlan       plan;
        gchar         err[256];
        guint32       seed;
        gint          j;

        /* Feathered, as a GIMP selection is: the mask's own values (the
         * op reads Y') blurred twice by a 2 mm box, which keeps their sum.  */
        if (shape == 2)
          {
            const GeglRectangle *r = gegl_buffer_get_extent (mask);
            gsize       n   = (gsize) r->width * r->height;
            gfloat     *v   = g_new (gfloat, n), *t = g_new (gfloat, n);
            GeglBuffer *soft = gegl_buffer_new (r, babl_format ("Y' float"));

            gegl_buffer_get (mask, r, 1.0, babl_format ("Y' float"), v,
                             GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
            g_assert_true (smp_box_mean (v, t, r->width, r->height,
                                         (gint) lround (2.0 * ppm)));
            g_assert_true (smp_box_mean (t, v, r->width, r->height,
                                         (gint) lround (2.0 * ppm)));
            gegl_buffer_set (soft, r, 0, babl_format ("Y' float"), v,
                             GEGL_AUTO_ROWSTRIDE);
            g_free (v);
            g_free (t);
            g_object_unref (mask);
            mask = soft;
          }
        g_assert_true (plan_of (mask, ppm, &plan, err, sizeof err));
        g_test_message ("%s at %.0f px/mm: area %.3f cm² (true %.3f, %+.2f "
                        "%%), %.0f impressions", shape == 0 ? "rectangle"
                        : shape == 1 ? "disc" : "feathered disc", ppm,
                        plan.area_cm2, area,
                        100.0 * (plan.area_cm2 / area - 1.0),
                        plan.impressions);
        g_assert_cmpfloat (fabs (plan.area_cm2 / area - 1.0), <, 0.02);
        g_assert_cmpfloat (fabs (plan.impressions / (100.0 * area) - 1.0), <,
                           0.02);
        for (seed = 1; seed <= 3; seed++)
          {
            count_impressions (mask, ppm, 100.0, seed, counts);
            g_test_message ("  seed %u: the op lays %.0f (%+.2f %%); after "
                            "sessions 1, 2: %.0f, %.0f (plan %.0f, %.0f)",
                            seed, counts[2],
                            100.0 * (counts[2] / plan.impressions - 1.0),
                            counts[0], counts[1], plan.session[0].worked,
                            plan.session[1].worked);
            g_assert_cmpfloat (fabs (counts[2] / plan.impressions - 1.0), <,
                               0.03);
            for (j = 0; j < 3; j++)
              g_assert_cmpfloat (fabs (counts[j] / plan.session[j].worked -
                                       1.0), <, 0.05);
          }
        g_object_unref (mask);
      }
}

/* Whether the JSON file validates against the schema, by python3's
 * jsonschema (Debian's python3-jsonschema); its message in *why.  */
static gboolean
validates (const gchar  *json_path,
           gchar       **why)
{
  const gchar *python = g_getenv ("SMP_PYTHON");
  gchar       *schema = g_build_filename (g_getenv ("SMP_SOURCE_DIR"), "data",
                                          "plan.schema.json", NULL);
  const gchar *argv[] = {
    python ? python : "python3", "-c",
    "import json, sys\n"
    "try:\n"
    "    import jsonschema\n"
    "except ImportError:\n"
    "    sys.exit('python3-jsonschema is not installed (./run install "
    "installs it)')\n"
    "schema = json.load(open(sys.argv[2]))\n"
    "jsonschema.Draft202012Validator.check_schema(schema)\n"
    "errors = list(jsonschema.Draft202012Validator(schema).iter_errors("
    "json.load(open(sys.argv[1]))))\n"
    "for e in errors:\n"
    "    print(e.message)\n"
    "sys.exit(1 if errors else 0)\n",
    json_path, schema, NULL };
  gint   status;
  gchar *out = NULL, *err = NULL;

  /* Not through smp_test_spawn: Python needs none of the sanitizer runtime
   * it preloads into children, and would report its own leaks with it.  */
  g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL,
                               G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                               &status, NULL));
  status = WIFEXITED (status) ? WEXITSTATUS (status) : 128;
  g_assert_false (strstr (err, "not installed"));
  g_assert_false (strstr (err, "Traceback"));
  *why = g_strconcat (out, err, NULL);
  g_free (out);
  g_free (err);
  g_free (schema);
  return status == 0;
}

/* 7. The JSON validates against data/plan.schema.json; a plan broken in
 * three ways does not (so the check can fail); a name that needs escaping
 * stays valid JSON.  */
static void
test_plan_json (void)
{
  gdouble     area;
  GeglBuffer *mask = draw_mask (40, 25, 4.0, &area);
  SmpPlan     plan;
  gchar       err[256], *json, *why = NULL;
  gchar      *path = g_build_filename (smp_test_tmpdir (), "12-plan.json",
                                       NULL);
  const gchar *broken[][2] = {
    { "\"sessions\": 3", "\"sessions\": 7" },
    { "\"area_cm2\": ", "\"area\": " },
    { "\"format\": \"smp-plan 1\",",
      "\"format\": \"smp-plan 1\", \"extra\": true," },
  };
  guint k;

  g_assert_true (plan_of (mask, 4.0, &plan, err, sizeof err));
  json = smp_plan_json (&plan, "12 \"front\"\\bald.jpg");
  g_assert_nonnull (json);
  g_test_message ("%s", json);
  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  g_assert_true (validates (path, &why));
  g_free (why);
  for (k = 0; k < G_N_ELEMENTS (broken); k++)
    {
      GString *bad = g_string_new (json);

      g_assert_nonnull (strstr (json, broken[k][0]));
      g_string_replace (bad, broken[k][0], broken[k][1], 1);
      g_assert_true (g_file_set_contents (path, bad->str, -1, NULL));
      g_assert_false (validates (path, &why));
      g_test_message ("broken (%s -> %s): %s", broken[k][0], broken[k][1],
                      why);
      g_free (why);
      g_string_free (bad, TRUE);
    }
  free (json);
  g_free (path);
  g_object_unref (mask);
}

/* 8. A bad or missing scale, an empty mask, absurd settings: a clear
 * error naming the problem, and no plan.  */
static void
test_plan_errors (void)
{
  const struct { gdouble ppm, sum, density; gint sessions; gdouble pace;
                 const gchar *said; } cases[] =
  {
    { 0.0,  1e4, 100, 3, 14000, "No scale" },
    { NAN,  1e4, 100, 3, 14000, "No scale" },
    { -3.5, 1e4, 100, 3, 14000, "No scale" },
    { INFINITY, 1e4, 100, 3, 14000, "No scale" },
    { 0.1,  1e4, 100, 3, 14000, "outside 0.5-200" },
    { 1000, 1e4, 100, 3, 14000, "outside 0.5-200" },
    { 3.5,  0.0, 100, 3, 14000, "empty" },
    { 3.5,  NAN, 100, 3, 14000, "could not be read" },
    { 3.5,  1e4, 0.0, 3, 14000, "Density" },
    { 3.5,  1e4, 900, 3, 14000, "Density" },
    { 3.5,  1e4, 100, 9, 14000, "Sessions" },
    { 3.5,  1e4, 100, 3, 0.0,   "pace" },
  };
  guint k;

  for (k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      SmpPlanInput in;
      SmpPlan      plan;
      gchar        err[256] = "";

      smp_plan_input_init (&in);
      in.px_per_mm           = cases[k].ppm;
      in.mask_sum            = cases[k].sum;
      in.density             = cases[k].density;
      in.sessions            = cases[k].sessions;
      in.session_impressions = cases[k].pace;
      memset (&plan, 0x5a, sizeof plan);
      g_assert_false (smp_plan_compute (&in, &plan, err, sizeof err));
      g_test_message ("%s", err);
      g_assert_nonnull (strstr (err, cases[k].said));
      g_assert_cmpint (((guchar *) &plan)[0], ==, 0x5a);
    }
  /* A mask of NaN and out-of-range values reads as the ops read it.  */
  {
    const gfloat ya[] = { NAN, 1, 2, 1, -1, 1, 0.5f, 0.5f, 1, NAN };
    SmpPlanInput in;

    smp_plan_input_init (&in);
    smp_plan_add_mask_ya (&in, ya, 5);
    g_assert_cmpfloat (in.mask_sum, ==, 1.25);
  }
}

/* 9. Photos 12 (fully bald, light skin) and 13 (thin crown, buzzed sides)
 * at 3.5 px/mm, treated where smp:scalp-map says (output treat), the look
 * learnt from the client's hair: before | after session 1 fresh | after
 * session 1 healed | after the last session, fresh | healed | 5 years |
 * touched up, at fit size and 2x around the middle of the treated area, in
 * build/review/timeline-NN.png; in the treated area the mean L* and a*
 * follow the timeline as on flat skin.  */
static void
test_photos (void)
{
  static const gchar *files[] = { "12_front_fully_bald_light_skin.jpg",
                                  "13_back_thin_crown_buzzed_sides.jpg" };
  static const struct { const gchar *name; gint stage; } cols[] =
  {
    { "before", -1 }, { "after session 1, fresh", FRESH1 },
    { "after session 1, healed", S1 }, { "after the last session, fresh",
                                         FRESH },
    { "healed", HEALED }, { "5 years", AGED5 },
    { "5 years, touched up", TOUCHED },
  };
  const gint ncols = G_N_ELEMENTS (cols);
  gchar     *review = g_build_filename (g_getenv ("SMP_BUILD_DIR"), "review",
                                        NULL);
  guint      f;

  g_mkdir_with_parents (review, 0755);
  for (f = 0; f < G_N_ELEMENTS (files); f++)
    {
      GeglBuffer   *photo = smp_test_shared_photo (files[f]);
      GeglRectangle box, crop;
      GeglNode     *graph, *src, *map, *op;
      gfloat       *treat;
      gdouble       mx = 0, my = 0, mn = 0, L[G_N_ELEMENTS (cols)],
                    A[G_N_ELEMENTS (cols)], H[G_N_ELEMENTS (cols)];
      SmpTestSheet  sheet;
      gchar        *out;
      gint          c, i;

      if (! photo)
        break;
      box = *gegl_buffer_get_extent (photo);
      op  = smp_test_graph (&graph, "smp:follicles", photo, NULL);
      src = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                 "buffer", photo, NULL);
      /* Its default output: the treatment mask.  */
      map = gegl_node_new_child (graph, "operation", "smp:scalp-map",
                                 "px-per-mm", 3.5, NULL);
      gegl_node_link (src, map);
      gegl_node_connect_to (map, "output", op, "aux");
      gegl_node_set (op, "px-per-mm", 3.5, "seed", 1, NULL);

      treat = smp_test_blit (map, &box, babl_format ("Y float"));
      for (i = 0; i < box.width * box.height; i++)
        {
          mx += treat[i] * (i % box.width);
          my += treat[i] * (i / box.width);
          mn += treat[i];
        }
      g_assert_cmpfloat (mn, >, 1000.0);
      crop.width  = 320;
      crop.height = 240;
      crop.x = CLAMP ((gint) (mx / mn) - crop.width / 2, 0,
                      box.width - crop.width);
      crop.y = CLAMP ((gint) (my / mn) - crop.height / 2, 0,
                      box.height - crop.height);

      sheet.w  = ncols * box.width;
      sheet.h  = box.height + 2 * crop.height;
      sheet.px = g_new0 (guchar, (gsize) sheet.w * sheet.h * 4);
      for (c = 0; c < ncols; c++)
        {
          GeglNode *node = cols[c].stage < 0 ? src : op;
          guchar   *fit, *zoom;
          gfloat   *rgb;
          gdouble   sl = 0, sa = 0, sb = 0, sw = 0;

          gint      y;

          if (cols[c].stage >= 0)
            set_stage (op, &stages[cols[c].stage]);
          /* One render (the op learns the look again in each), as float
           * to measure and as 8-bit to show.  */
          rgb  = smp_test_blit (node, &box, RGBA_FLOAT);
          fit  = g_new (guchar, (gsize) box.width * box.height * 4);
          zoom = g_new (guchar, (gsize) crop.width * crop.height * 4);
          babl_process (babl_fish (RGBA_FLOAT, RGBA_U8), rgb, fit,
                        (glong) box.width * box.height);
          for (y = 0; y < crop.height; y++)
            memcpy (zoom + (gsize) y * crop.width * 4,
                    fit + ((gsize) (crop.y + y) * box.width + crop.x) * 4,
                    (gsize) crop.width * 4);
          smp_test_sheet_put (&sheet, fit, box.width, box.height, c * box.width, 0, 1);
          smp_test_sheet_put (&sheet, zoom, crop.width, crop.height, c * box.width,
                     box.height, 2);
          for (i = 0; i < box.width * box.height; i++)
            if (treat[i] >= 0.9f)
              {
                gfloat lab[3];

                lab_of (rgb + 4 * i, lab);
                sl += lab[0];
                sa += lab[1];
                sb += lab[2];
                sw++;
              }
          L[c] = sl / sw;
          A[c] = sa / sw;
          H[c] = atan2 (sb / sw, A[c]) * 180.0 / G_PI;
          g_test_message ("%s, %-30s: in the treated area mean L* %.2f, a* "
                          "%.2f, b* %.2f, hue %.1f°", files[f], cols[c].name,
                          L[c], A[c], sb / sw, H[c]);
          g_free (fit);
          g_free (zoom);
          g_free (rgb);
        }
      {
        GeglRectangle all = { 0, 0, sheet.w, sheet.h };
        GeglBuffer   *buf = gegl_buffer_new (&all, RGBA_U8);

        gegl_buffer_set (buf, &all, 0, RGBA_U8, sheet.px, GEGL_AUTO_ROWSTRIDE);
        out = g_strdup_printf ("%s/timeline-%.2s.png", review, files[f]);
        smp_test_save_png (buf, out);
        g_object_unref (buf);
      }
      g_test_message ("%s", out);
      /* Columns: 0 before, 1 fresh s1, 2 s1, 3 fresh, 4 healed, 5 aged,
       * 6 touched up.  */
      g_assert_cmpfloat (L[2], <, L[0]);
      g_assert_cmpfloat (L[4], <, L[2]);
      g_assert_cmpfloat (L[5], >, L[4]);
      g_assert_cmpfloat (fabs (L[6] - L[4]), <, 0.1 * (L[0] - L[4]));
      /* Fresh: redder (a hue nearer red's) than healed.  */
      g_assert_cmpfloat (H[3], <, H[4] - 2.0);
      g_assert_cmpfloat (H[1], <, H[2] - 2.0);
      g_free (treat);
      g_free (sheet.px);
      g_free (out);
      g_object_unref (graph);
      g_object_unref (photo);
    }
  g_free (review);
}

int
main (int    argc,
      char **argv)
{
  gint s, result;

  if (smp_test_tile_child (&argc, &argv, &tile_rect, tile_render))
    return 0;
  smp_test_init (&argc, &argv);
  g_test_add_func ("/timeline/tone", test_tone);
  g_test_add_func ("/timeline/sites", test_sites);
  g_test_add_func ("/timeline/redness", test_redness);
  g_test_add_func ("/timeline/tiles", test_tiles);
  g_test_add_func ("/timeline/hashes", test_hashes);
  g_test_add_func ("/timeline/plan-areas", test_plan_areas);
  g_test_add_func ("/timeline/plan-json", test_plan_json);
  g_test_add_func ("/timeline/plan-errors", test_plan_errors);
  g_test_add_func ("/timeline/photos", test_photos);
  result = g_test_run ();
  for (s = 0; s < N_STAGES; s++)
    g_free (fine[s]);
  gegl_exit ();
  return result;
}
