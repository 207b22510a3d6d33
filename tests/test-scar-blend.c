/* test-scar-blend.c: smp:scar-blend on synthetic scars (a pale smooth FUT
 * stripe with sheen, a field of FUE dots) drawn on textured, stubbled skin,
 * and on a real photo of a linear scar.
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

#include "smp-hash.h"
#include "smp-stats.h"
#include "smp-test-util.h"

#define RGBA_FLOAT babl_format ("RGBA float")
#define RGBA_U8    babl_format ("R'G'B'A u8")
#define LAB        babl_format ("CIE Lab float")

/* Synthetic scene: textured skin, stubble from smp:follicles at 100/cm²,
 * then a scar painted over it (scar tissue grows no hair): pale, smooth,
 * with shiny spots.  The mask is the scar grown by 0.2 mm, as a user
 * would paint it.  */
typedef struct
{
  GeglRectangle rect;
  gdouble       ppm;
  GeglBuffer   *photo;   /* RGBA float */
  GeglBuffer   *mask;    /* Y' float */
  guchar       *scar;    /* 1 on the scar itself */
} Scene;

static gboolean
in_scar (gint     fue,
         gdouble  xmm,
         gdouble  ymm,
         gdouble  h_mm,
         gdouble  grow)
{
  if (! fue)
    return fabs (ymm - h_mm / 2) < 1.5 + grow;
  /* FUE: pale discs of 0.5 mm radius, about 4 mm apart.  */
  {
    gint    cx = (gint) floor (xmm / 4.0), cy = (gint) floor (ymm / 4.0);
    gdouble px = cx * 4.0 + 1.0 + 2.0 * smp_hash_uniform (5, cx, cy, 0);
    gdouble py = cy * 4.0 + 1.0 + 2.0 * smp_hash_uniform (5, cx, cy, 1);

    return hypot (xmm - px, ymm - py) < 0.5 + grow;
  }
}

/* With `bald`, a FUT stripe whose lower side is bald skin (no stubble
 * below the scar), and a mask drawn 3 mm too wide onto it.  */
static Scene *
scene_new_full (gint    fue,
                gint    bald,
                gdouble ppm,
                gint    w,
                gint    h)
{
  Scene      *s = g_new0 (Scene, 1);
  GeglNode   *graph, *op;
  GeglBuffer *hair = NULL;
  gfloat     *px, *mk;
  gint        x, y;

  s->rect  = (GeglRectangle) { 0, 0, w, h };
  s->ppm   = ppm;
  s->photo = smp_test_photo (&s->rect, RGBA_FLOAT);
  if (bald)
    {
      /* Stubble down to the scar's lower edge only.  */
      mk = g_new0 (gfloat, (gsize) w * h);
      for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
          mk[(gsize) y * w + x] = (y + 0.5) / ppm < h / ppm / 2 + 1.5;
      hair = gegl_buffer_new (&s->rect, babl_format ("Y' float"));
      gegl_buffer_set (hair, &s->rect, 0, babl_format ("Y' float"), mk,
                       GEGL_AUTO_ROWSTRIDE);
      g_free (mk);
    }
  op = smp_test_graph (&graph, "smp:follicles", s->photo, hair);
  /* Crisp stubble, without the shaved look's halo and blur.  */
  gegl_node_set (op, "px-per-mm", ppm, "density", 100.0, "seed", 9,
                 "match", 0, "halo", 0.0, "tone", 0.0, "photo-blur", 0.0,
                 "feather", 0.0, NULL);
  px = smp_test_blit (op, &s->rect, RGBA_FLOAT);
  g_object_unref (graph);
  if (hair)
    g_object_unref (hair);

  mk = g_new0 (gfloat, (gsize) w * h);
  s->scar = g_new0 (guchar, (gsize) w * h);
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        gdouble xmm = (x + 0.5) / ppm, ymm = (y + 0.5) / ppm;
        gsize   i   = (gsize) y * w + x;

        mk[i] = in_scar (fue, xmm, ymm, h / ppm, 0.2) ||
                (bald && in_scar (fue, xmm, ymm - 1.5, h / ppm, 1.7))
                ? 1.0f : 0.0f;
        if (in_scar (fue, xmm, ymm, h / ppm, 0.0))
          {
            /* Pale, smooth, and shiny in spots every 6 mm.  */
            gdouble shine = 0.12 * exp (-pow (fmod (xmm, 6.0) - 3.0, 2) / 0.3);

            s->scar[i] = 1;
            px[i * 4 + 0] = (gfloat) (0.80 + shine);
            px[i * 4 + 1] = (gfloat) (0.62 + shine);
            px[i * 4 + 2] = (gfloat) (0.54 + shine);
          }
      }
  g_object_unref (s->photo);
  s->photo = gegl_buffer_new (&s->rect, RGBA_FLOAT);
  gegl_buffer_set (s->photo, &s->rect, 0, RGBA_FLOAT, px, GEGL_AUTO_ROWSTRIDE);
  s->mask = gegl_buffer_new (&s->rect, babl_format ("Y' float"));
  gegl_buffer_set (s->mask, &s->rect, 0, babl_format ("Y' float"), mk,
                   GEGL_AUTO_ROWSTRIDE);
  g_free (px);
  g_free (mk);
  return s;
}

static Scene *
scene_new (gint    fue,
           gdouble ppm,
           gint    w,
           gint    h)
{
  return scene_new_full (fue, FALSE, ppm, w, h);
}

static void
scene_free (Scene *s)
{
  g_object_unref (s->photo);
  g_object_unref (s->mask);
  g_free (s->scar);
  g_free (s);
}

static gpointer
blend (GeglBuffer          *photo,
       GeglBuffer          *mask,
       const GeglRectangle *rect,
       const Babl          *format,
       gdouble              ppm,
       const gchar         *first,
       ...)
{
  GeglNode *graph, *op = smp_test_graph (&graph, "smp:scar-blend", photo, mask);
  gpointer  data;
  va_list   ap;

  /* px-per-mm first, then the rest.  */
  gegl_node_set (op, "px-per-mm", ppm, NULL);
  va_start (ap, first);
  if (first)
    gegl_node_set_valist (op, first, ap);
  va_end (ap);
  data = smp_test_blit (op, rect, format);
  g_object_unref (graph);
  return data;
}

/* 1 where some pixel of `on` lies within r pixels (a square).  */
static guchar *
dilate (const guchar *on,
        gint          w,
        gint          h,
        gint          r)
{
  guchar *row = g_new0 (guchar, (gsize) w * h);
  guchar *out = g_new0 (guchar, (gsize) w * h);
  gint    x, y, k;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      for (k = MAX (0, x - r); k <= MIN (w - 1, x + r); k++)
        if (on[(gsize) y * w + k])
          {
            row[(gsize) y * w + x] = 1;
            break;
          }
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      for (k = MAX (0, y - r); k <= MIN (h - 1, y + r); k++)
        if (row[(gsize) k * w + x])
          {
            out[(gsize) y * w + x] = 1;
            break;
          }
  g_free (row);
  return out;
}

/* Lightness over a box of radius r: the local background.  */
static gfloat *
local_mean (const gfloat *lab,
            gint          w,
            gint          h,
            gint          r)
{
  gfloat *out = g_new (gfloat, (gsize) w * h);
  gint    x, y, i, j;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        gdouble sum = 0;
        gint    n = 0;

        for (j = MAX (0, y - r); j <= MIN (h - 1, y + r); j += 2)
          for (i = MAX (0, x - r); i <= MIN (w - 1, x + r); i += 2, n++)
            sum += lab[((gsize) j * w + i) * 3];
        out[(gsize) y * w + x] = (gfloat) (sum / n);
      }
  return out;
}

typedef struct
{
  gdouble mean[3];      /* Lab, all pixels */
  gdouble texture;      /* sd of L - local mean, between stubble */
  gdouble density;      /* dots per cm² */
  gdouble darkness;     /* mean peak (local mean - L) of the dots */
} Region;

/* Measures the pixels where `in` is set: dots against the 1 mm background
 * bg, texture against the 0.25 mm one, fine (skin grain, not the lie of
 * the stubble around).  */
static void
measure (const gfloat *lab,
         const gfloat *bg,
         const gfloat *fine,
         const guchar *in,
         gint          w,
         gint          h,
         gdouble       ppm,
         Region       *r)
{
  gfloat  *dark = g_new (gfloat, (gsize) w * h);
  guchar  *dot  = g_new0 (guchar, (gsize) w * h);
  guchar  *near;
  gdouble *c, s = 0, q = 0, n = 0, area = 0, peak = 0;
  gsize    nb, k, counted = 0;
  gint     i;

  memset (r, 0, sizeof (*r));
  for (i = 0; i < w * h; i++)
    {
      dark[i] = bg[i] - lab[i * 3];
      dot[i]  = dark[i] > 6.0f;
    }
  near = dilate (dot, w, h, MAX (1, (gint) lround (0.15 * ppm)));
  for (i = 0; i < w * h; i++)
    {
      gint k3;

      if (! in[i])
        continue;
      area += 1;
      for (k3 = 0; k3 < 3; k3++)
        r->mean[k3] += lab[i * 3 + k3];
      if (! near[i])
        {
          gdouble d = lab[i * 3] - fine[i];

          s += d;
          q += d * d;
          n += 1;
        }
    }
  for (i = 0; i < 3; i++)
    r->mean[i] /= area;
  r->texture = n > 1 ? sqrt (MAX (0.0, q / n - (s / n) * (s / n))) : 0.0;

  /* Faint scar dots (uptake) count too: a lower bar than the stubble's.  */
  nb = smp_stats_blobs (dark, w, h, 3.0f, &c);
  for (k = 0; k < nb; k++)
    {
      gint x = (gint) c[2 * k], y = (gint) c[2 * k + 1];

      if (in[y * w + x])
        {
          counted++;
          peak += dark[y * w + x];
        }
    }
  r->density  = counted / (area / (ppm * ppm) / 100.0);
  r->darkness = counted ? peak / counted : 0.0;
  free (c);
  g_free (dark);
  g_free (dot);
  g_free (near);
}

static gdouble
delta_e (const Region *a,
         const Region *b)
{
  return sqrt (pow (a->mean[0] - b->mean[0], 2) +
               pow (a->mean[1] - b->mean[1], 2) +
               pow (a->mean[2] - b->mean[2], 2));
}

static gint
compare_float (gconstpointer a,
               gconstpointer b,
               gpointer      data)
{
  gfloat x = *(const gfloat *) a, y = *(const gfloat *) b;

  return (x > y) - (x < y);
}

/* The texture: the mean |L* - its 7 px box mean| over the pixels
 * of `in` (the box clipped to the image).  */
static gdouble
texture_7 (const gfloat *lab,
           gint          w,
           gint          h,
           const guchar *in)
{
  gdouble sum = 0.0;
  gsize   n = 0;
  gint    x, y, i, j;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        gdouble m = 0.0;
        gint    k = 0;

        if (! in[(gsize) y * w + x])
          continue;
        for (j = MAX (0, y - 3); j <= MIN (h - 1, y + 3); j++)
          for (i = MAX (0, x - 3); i <= MIN (w - 1, x + 3); i++, k++)
            m += lab[((gsize) j * w + i) * 3];
        sum += fabs (lab[((gsize) y * w + x) * 3] - m / k);
        n++;
      }
  return n ? sum / n : 0.0;
}

/* 1 and 3: tone, texture, density and uptake on both synthetic scars.  */
static void
test_synthetic (gconstpointer data)
{
  gint          fue   = GPOINTER_TO_INT (data);
  const gdouble ppm   = 20.0;
  /* FUE dots are small: a field large enough to hold some 300 of them,
   * and so stubble enough on them to count.  */
  Scene        *s     = fue ? scene_new (fue, ppm, 1600, 1200)
                            : scene_new (fue, ppm, 800, 600);
  gint          w = s->rect.width, h = s->rect.height, n = w * h, i;
  gfloat       *before = g_new (gfloat, (gsize) n * 3);
  gfloat       *after, *bgb, *bga, *fnb, *fna;
  guchar       *near, *ring = g_new0 (guchar, n), *scar = s->scar;
  Region        sb, rb, sa, ra;
  gdouble       tex_scar, tex_ring;
  gchar        *path;

  gegl_buffer_get (s->photo, &s->rect, 1.0, LAB, before, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  after = blend (s->photo, s->mask, &s->rect, LAB, ppm, "seed", 4, NULL);

  /* The ring the test measures: 0.5 to 4 mm from the scar.  */
  {
    guchar *inner = dilate (scar, w, h, (gint) (0.5 * ppm));

    near = dilate (scar, w, h, (gint) (4.0 * ppm));
    for (i = 0; i < n; i++)
      ring[i] = near[i] && ! inner[i];
    g_free (inner);
  }
  bgb = local_mean (before, w, h, (gint) ppm);
  bga = local_mean (after, w, h, (gint) ppm);
  fnb = local_mean (before, w, h, (gint) (ppm / 4));
  fna = local_mean (after, w, h, (gint) (ppm / 4));
  measure (before, bgb, fnb, scar, w, h, ppm, &sb);
  measure (before, bgb, fnb, ring, w, h, ppm, &rb);
  measure (after, bga, fna, scar, w, h, ppm, &sa);
  measure (after, bga, fna, ring, w, h, ppm, &ra);

  g_test_message ("%s scar: dE76 scar-ring %.2f before, %.2f after (%.0f %% "
                  "less)", fue ? "FUE" : "FUT", delta_e (&sb, &rb),
                  delta_e (&sa, &ra),
                  100 * (1 - delta_e (&sa, &ra) / delta_e (&sb, &rb)));
  g_test_message ("texture (sd of L between stubble): scar %.2f -> %.2f, "
                  "ring %.2f", sb.texture, sa.texture, ra.texture);
  tex_scar = texture_7 (after, w, h, scar);
  tex_ring = texture_7 (after, w, h, ring);
  g_test_message ("texture (mean |L* - 7 px box mean|): scar %.2f -> %.2f, "
                  "ring %.2f: ratio %.2f", texture_7 (before, w, h, scar),
                  tex_scar, tex_ring, tex_scar / tex_ring);
  g_test_message ("density: scar %.1f /cm², ring %.1f /cm² (%+.1f %%); dot "
                  "darkness scar %.1f, ring %.1f L* (uptake 0.7)",
                  sa.density, ra.density,
                  100 * (sa.density / ra.density - 1), sa.darkness,
                  ra.darkness);

  /* For the eye: before above after.  */
  path = g_strdup_printf ("%s/review/scar-blend-%s.png",
                          g_getenv ("SMP_BUILD_DIR"), fue ? "fue" : "fut");
  {
    gchar *dir = g_path_get_dirname (path);

    g_mkdir_with_parents (dir, 0755);
    g_free (dir);
  }
  {
    GeglRectangle two = { 0, 0, w, 2 * h };
    GeglBuffer   *sheet = gegl_buffer_new (&two, LAB);
    GeglRectangle lower = { 0, h, w, h };

    gegl_buffer_set (sheet, &s->rect, 0, LAB, before, GEGL_AUTO_ROWSTRIDE);
    gegl_buffer_set (sheet, &lower, 0, LAB, after, GEGL_AUTO_ROWSTRIDE);
    smp_test_save_png (sheet, path);
    g_object_unref (sheet);
  }

  g_assert_cmpfloat (delta_e (&sb, &rb), >, 5.0);
  g_assert_cmpfloat (delta_e (&sa, &ra), <=, 0.2 * delta_e (&sb, &rb));
  g_assert_cmpfloat (tex_scar / tex_ring, >=, 0.75);
  g_assert_cmpfloat (tex_scar / tex_ring, <=, 1.3);
  g_assert_cmpfloat (fabs (sa.texture / ra.texture - 1.0), <, 0.3);
  g_assert_cmpfloat (fabs (sa.density / ra.density - 1.0), <, 0.15);
  g_assert_cmpfloat (sa.darkness, <, 0.9 * ra.darkness);
  g_assert_cmpfloat (sa.darkness, >, 0.4 * ra.darkness);

  g_free (path);
  g_free (before);
  g_free (after);
  g_free (bgb);
  g_free (bga);
  g_free (fnb);
  g_free (fna);
  g_free (near);
  g_free (ring);
  scene_free (s);
}

/* 1: a mask drawn 3 mm too wide onto bald skin below a FUT scar: that
 * skin changes by at most 2 dE76 on average, and the mask's outline there
 * shows no edge (no L* step across it larger than the ring's own 95th
 * percentile step).  */
static void
test_bald_side (void)
{
  const gdouble ppm = 20.0;
  Scene        *s   = scene_new_full (0, TRUE, ppm, 800, 600);
  gint          w = s->rect.width, h = s->rect.height, x, y, n = 0;
  gfloat       *before = g_new (gfloat, (gsize) w * h * 3), *after, *mk;
  gfloat       *steps = g_new (gfloat, (gsize) w * h);
  gdouble       de = 0.0, worst = 0.0, natural = 0.0, p95;
  gint          ns = 0, outline;

  mk = g_new (gfloat, (gsize) w * h);
  gegl_buffer_get (s->mask, &s->rect, 1.0, babl_format ("Y' float"), mk,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  gegl_buffer_get (s->photo, &s->rect, 1.0, LAB, before, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  after = blend (s->photo, s->mask, &s->rect, LAB, ppm, "seed", 4, NULL);

  /* The bald skin under the mask: below the scar and its 0.2 mm.  */
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        gsize   i   = (gsize) y * w + x;
        gdouble ymm = (y + 0.5) / ppm - h / ppm / 2;

        if (mk[i] > 0.5f && ymm > 1.7)
          {
            de += sqrt (pow (after[3 * i] - before[3 * i], 2) +
                        pow (after[3 * i + 1] - before[3 * i + 1], 2) +
                        pow (after[3 * i + 2] - before[3 * i + 2], 2));
            n++;
          }
        /* The ring's own steps, down the image, in the stubble above.  */
        if (ymm > -5.5 && ymm < -2.0 && y + 1 < h)
          steps[ns++] = fabsf (before[3 * (i + w)] - before[3 * i]);
      }
  de /= n;
  /* The mask's lower outline: its last row and the one below.  */
  for (outline = h - 2; outline > 0 && mk[(gsize) outline * w] < 0.5f;
       outline--)
    ;
  for (x = 0; x < w; x++)
    {
      gsize i = (gsize) outline * w + x;

      worst   = MAX (worst, fabs (after[3 * (i + w)] - after[3 * i]));
      natural = MAX (natural, fabs (before[3 * (i + w)] - before[3 * i]));
    }
  g_qsort_with_data (steps, ns, sizeof (gfloat), compare_float, NULL);
  p95 = steps[(gint) (0.95 * (ns - 1))];
  g_test_message ("mask 3 mm onto bald skin: that skin moves by %.2f dE76 "
                  "on average; largest L* step across the outline %.2f "
                  "(%.2f before), the ring's 95th percentile step %.2f",
                  de, worst, natural, p95);
  {
    GeglRectangle zoom = { 200, h / 2 - 150, 400, 300 };
    gchar        *path = smp_test_review ("scar-blend-bald-side", &s->rect,
                                          before, after, &zoom);

    g_free (path);
  }
  g_assert_cmpfloat (de, <=, 2.0);
  g_assert_cmpfloat (worst, <=, p95);
  g_free (before);
  g_free (after);
  g_free (steps);
  g_free (mk);
  scene_free (s);
}

/* 2: nothing farther than the feather from the mask changes, bit for bit;
 * and no mask at all is the photo.  */
static void
test_feather (void)
{
  const gdouble ppm = 12.0, feather = 1.5;
  Scene        *s   = scene_new (0, ppm, 400, 300);
  gint          w = s->rect.width, h = s->rect.height, i, changed = 0;
  gfloat       *src = g_new (gfloat, (gsize) w * h * 4);
  gfloat       *out = blend (s->photo, s->mask, &s->rect, RGBA_FLOAT, ppm,
                             "feather", feather, NULL);
  guchar       *m   = g_new (guchar, (gsize) w * h), *near;
  gfloat       *mk  = g_new (gfloat, (gsize) w * h);

  gegl_buffer_get (s->photo, &s->rect, 1.0, RGBA_FLOAT, src,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  gegl_buffer_get (s->mask, &s->rect, 1.0, babl_format ("Y' float"), mk,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (i = 0; i < w * h; i++)
    m[i] = mk[i] > 0.0f;
  near = dilate (m, w, h, (gint) ceil (feather * ppm));
  for (i = 0; i < w * h; i++)
    if (! near[i])
      g_assert_cmpmem (out + i * 4, 16, src + i * 4, 16);
    else
      changed += memcmp (out + i * 4, src + i * 4, 16) != 0;
  g_test_message ("%d pixels changed, all within %.1f mm of the mask",
                  changed, feather);
  g_assert_cmpint (changed, >, w * 10);
  g_free (out);

  out = blend (s->photo, NULL, &s->rect, RGBA_FLOAT, ppm, NULL);
  g_assert_cmpmem (out, w * h * 16, src, w * h * 16);
  g_free (out);
  g_free (src);
  g_free (mk);
  g_free (m);
  g_free (near);
  scene_free (s);
}

/* The render for tile independence: the FUE field, whose many small scars
 * give many edges.  */
static gpointer
tile_render (const GeglRectangle *rect,
             gint                 seed)
{
  Scene   *s   = scene_new (1, 10.0, 520, 400);
  gpointer out = blend (s->photo, s->mask, rect, RGBA_U8, 10.0, "seed", seed,
                        NULL);

  scene_free (s);
  return out;
}

static const GeglRectangle tile_rect = { -20, 7, 500, 360 };

/* 4: tiles, threads and region order change no byte.  */
static void
test_tiles (void)
{
  smp_test_tile_independence (&tile_rect, tile_render);
}

/* 4: bad input as for smp:follicles.  */
static void
test_bad_input (void)
{
  const gdouble ppm = 10.0;
  Scene        *s   = scene_new (0, ppm, 300, 200);
  GeglRectangle empty = { 0, 0, 0, 0 };
  GeglBuffer   *none = gegl_buffer_new (&empty, babl_format ("Y' float"));
  GeglBuffer   *bad;
  gint          w = s->rect.width, h = s->rect.height, worst;
  guchar       *a, *b, *poisoned;
  gfloat       *src = g_new (gfloat, (gsize) w * h * 4), *out;
  gdouble       v;

  /* NaN pixels, some in the ring, some in the scar: they stay where they
   * are; the statistics leave them out, so other pixels move by no more
   * than a rounding.  */
  {
    GeglRectangle band = { 0, 60, w, 80 };

    bad = smp_test_poison (s->photo, &band, 30, &poisoned);
  }
  a = blend (s->photo, s->mask, &s->rect, RGBA_U8, ppm, NULL);
  b = blend (bad, s->mask, &s->rect, RGBA_U8, ppm, NULL);
  worst = smp_test_max_diff_u8 (a, b, poisoned, (gsize) w * h);
  g_test_message ("30 NaN pixels: others within %d/255", worst);
  g_assert_cmpint (worst, <=, 1);
  g_free (a);
  g_free (b);
  g_free (poisoned);

  /* An empty mask, zero strength and no stipple: the photo.  */
  gegl_buffer_get (s->photo, &s->rect, 1.0, RGBA_FLOAT, src,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  out = blend (s->photo, none, &s->rect, RGBA_FLOAT, ppm, NULL);
  g_assert_cmpmem (out, w * h * 16, src, w * h * 16);
  g_free (out);

  /* Out of range: clamped; NaN: the default.  */
  {
    GeglNode *graph, *op = smp_test_graph (&graph, "smp:scar-blend", s->photo,
                                           s->mask);

    gegl_node_set (op, "ring-width", 500.0, "uptake", -3.0, "feather", NAN,
                   NULL);
    gegl_node_get (op, "ring-width", &v, NULL);
    g_assert_cmpfloat (v, ==, 30.0);
    gegl_node_get (op, "uptake", &v, NULL);
    g_assert_cmpfloat (v, ==, 0.0);
    smp_test_assert_finite (op, &s->rect);
    g_object_unref (graph);
  }

  /* An infinite photo (gegl:color) with a finite scar mask.  */
  {
    GeglNode     *graph;
    GeglNode     *op    = smp_test_graph_unbounded (&graph, "smp:scar-blend",
                                                  "rgb(0.6,0.45,0.38)",
                                                  s->mask);
    GeglRectangle far   = { -5000, -5000, 200, 200 };

    gegl_node_set (op, "px-per-mm", ppm, NULL);
    smp_test_assert_finite (op, &s->rect);
    smp_test_assert_finite (op, &far);
    g_object_unref (graph);
  }

  g_free (src);
  g_object_unref (bad);
  g_object_unref (none);
  scene_free (s);
}

/* The op's reference hash, checked the way GEGL's gegl-tester does.  */
static void
test_reference_hash (void)
{
  smp_test_reference_hash ("smp:scar-blend");
}

/* 2 and 5: the real photo of a linear scar at 3.5 px/mm, with a rough
 * mask made here: the pixels of the scar's corridor (found by looking at
 * the photo) clearly lighter than the buzzed hair around them, grown by
 * 4 px (a designer's lasso, over a millimetre wide on each side).  */
static void
test_real_photo (void)
{
  GeglBuffer   *photo = smp_test_shared_photo ("01_back_linear_scar_buzzed.jpg");
  GeglRectangle box, zoom = { 250, 90, 180, 240 };
  gfloat       *lab, *bg, *after, *bga, *mk;
  guchar       *scar, *grown, *ring, *near, *inner;
  GeglBuffer   *mask;
  Region        sb, rb, sa, ra;
  gint          w, h, x, y, i, n_scar = 0;
  gdouble       tex_scar, tex_ring;
  gchar        *out;

  if (! photo)
    return;
  box = *gegl_buffer_get_extent (photo);
  w = box.width;
  h = box.height;

  lab = g_new (gfloat, (gsize) w * h * 3);
  gegl_buffer_get (photo, &box, 1.0, LAB, lab, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  bg   = local_mean (lab, w, h, 12);
  scar = g_new0 (guchar, (gsize) w * h);
  /* The scar runs down the middle of the buzzed area, x 300-380,
   * y 130-290 in the 640 x 640 photo.  */
  for (y = 130; y < 290; y++)
    for (x = 300; x < 380; x++)
      if (lab[((gsize) y * w + x) * 3] > bg[(gsize) y * w + x] + 9.0f)
        {
          scar[(gsize) y * w + x] = 1;
          n_scar++;
        }
  grown = dilate (scar, w, h, 4);
  mk    = g_new (gfloat, (gsize) w * h);
  for (i = 0; i < w * h; i++)
    mk[i] = grown[i];
  mask = gegl_buffer_new (&box, babl_format ("Y' float"));
  gegl_buffer_set (mask, &box, 0, babl_format ("Y' float"), mk,
                   GEGL_AUTO_ROWSTRIDE);

  {
    gchar *path = g_build_filename (g_getenv ("SMP_BUILD_DIR"), "review",
                                    "scar-blend-01-mask.png", NULL);

    smp_test_save_png (mask, path);
    g_free (path);
  }
  after = blend (photo, mask, &box, LAB, 3.5, "seed", 2, NULL);
  /* The ring: 2 to 12 px beyond the mask.  */
  near  = dilate (grown, w, h, 12);
  inner = dilate (grown, w, h, 2);
  ring  = g_new0 (guchar, (gsize) w * h);
  for (i = 0; i < w * h; i++)
    ring[i] = near[i] && ! inner[i];
  bga = local_mean (after, w, h, 12);
  measure (lab, bg, bg, scar, w, h, 3.5, &sb);
  measure (lab, bg, bg, ring, w, h, 3.5, &rb);
  measure (after, bga, bga, scar, w, h, 3.5, &sa);
  measure (after, bga, bga, ring, w, h, 3.5, &ra);
  tex_scar = texture_7 (after, w, h, scar);
  tex_ring = texture_7 (after, w, h, ring);
  out = smp_test_review ("scar-blend-01", &box, lab, after, &zoom);
  g_test_message ("01_back_linear_scar_buzzed.jpg: mask of %d scar pixels "
                  "grown by 4 px; dE76 scar-ring %.2f before, %.2f after "
                  "(%.0f %% less); texture (mean |L* - 7 px box mean|) scar "
                  "%.2f -> %.2f, ring %.2f: ratio %.2f; before | after: %s",
                  n_scar, delta_e (&sb, &rb), delta_e (&sa, &ra),
                  100 * (1 - delta_e (&sa, &ra) / delta_e (&sb, &rb)),
                  texture_7 (lab, w, h, scar), tex_scar, tex_ring,
                  tex_scar / tex_ring, out);
  g_assert_cmpint (n_scar, >, 300);
  g_assert_cmpfloat (delta_e (&sa, &ra), <=, 0.2 * delta_e (&sb, &rb));
  g_assert_cmpfloat (tex_scar / tex_ring, >=, 0.7);
  g_assert_cmpfloat (tex_scar / tex_ring, <=, 1.4);

  g_free (out);
  g_free (lab);
  g_free (bg);
  g_free (after);
  g_free (bga);
  g_free (mk);
  g_free (scar);
  g_free (grown);
  g_free (ring);
  g_free (near);
  g_free (inner);
  g_object_unref (photo);
  g_object_unref (mask);
}

int
main (int    argc,
      char **argv)
{
  if (smp_test_tile_child (&argc, &argv, &tile_rect, tile_render))
    return 0;
  smp_test_init (&argc, &argv);
  g_test_add_data_func ("/scar-blend/fut-stripe", GINT_TO_POINTER (0),
                        test_synthetic);
  g_test_add_data_func ("/scar-blend/fue-dots", GINT_TO_POINTER (1),
                        test_synthetic);
  g_test_add_func ("/scar-blend/bald-side", test_bald_side);
  g_test_add_func ("/scar-blend/feather", test_feather);
  g_test_add_func ("/scar-blend/tile-independence", test_tiles);
  g_test_add_func ("/scar-blend/bad-input", test_bad_input);
  g_test_add_func ("/scar-blend/reference-hash", test_reference_hash);
  g_test_add_func ("/scar-blend/real-photo", test_real_photo);
  return g_test_run ();
}
