/* test-scalp-map.c: smp:scalp-map on the shared photos (hand-placed boxes
 * through the real `gegl` binary), on a head drawn here, and on photos with
 * no head, bad pixels, unbounded input and absurd settings.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <gegl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smp-test-util.h"

#define RGBA_FLOAT babl_format ("RGBA float")
#define RGBA_U8    babl_format ("R'G'B'A u8")
#define Y_FLOAT    babl_format ("Y' float")
#define OP         "smp:scalp-map"

/* The output property's values.  */
enum { TREAT, HAIR, HEAD, CLASSES };

/* The scale of the shared photos: whole heads 640 px wide, SOURCES.md.  */
#define PHOTO_PPM  3.5

/* A head drawn for the tests, 640 x 560 at 3.5 px/mm: a pale wall with
 * grain, a dark shirt across the bottom, a head 130 mm wide seen from
 * behind whose crown is bald (skin lit from above) and whose sides and
 * back are short dark hair (random strands).  *bald is where the crown's
 * bald skin is (one byte a pixel).  */
static GeglBuffer *
draw_head (const GeglRectangle *rect,
           guchar             **bald)
{
  GeglBuffer *buffer = gegl_buffer_new (rect, RGBA_FLOAT);
  gfloat     *px     = g_new (gfloat, (gsize) rect->width * rect->height * 4);
  GRand      *rand   = g_rand_new_with_seed (11);
  const gdouble cx = rect->width * 0.5, cy = rect->height * 0.47;
  const gdouble rx = 65.0 * PHOTO_PPM, ry = 65.0 * PHOTO_PPM;
  gint        x, y, c;

  if (bald)
    *bald = g_new0 (guchar, (gsize) rect->width * rect->height);
  for (y = 0; y < rect->height; y++)
    for (x = 0; x < rect->width; x++)
      {
        gfloat *p = px + ((gsize) y * rect->width + x) * 4;
        gdouble u = (x + 0.5 - cx) / rx, v = (y + 0.5 - cy) / ry;
        gdouble r = u * u + v * v;
        gdouble grain = g_rand_double_range (rand, -1.0, 1.0);
        gfloat  rgb[3];

        /* Wall; shirt below the head.  */
        rgb[0] = 0.62f + 0.02f * grain;
        rgb[1] = 0.63f + 0.02f * grain;
        rgb[2] = 0.66f + 0.02f * grain;
        if (y > rect->height * 0.88 && fabs (x + 0.5 - cx) < rect->width * 0.45)
          {
            rgb[0] = 0.02f;
            rgb[1] = 0.025f;
            rgb[2] = 0.06f;
          }
        if (r < 1.0)
          {
            /* Skin lit from above, a little darker towards the edge.  */
            gdouble lit = 0.75 + 0.25 * (1.0 - r) - 0.15 * v;

            rgb[0] = (gfloat) (0.60 * lit * (1.0 + 0.03 * grain));
            rgb[1] = (gfloat) (0.38 * lit * (1.0 + 0.03 * grain));
            rgb[2] = (gfloat) (0.28 * lit * (1.0 + 0.03 * grain));
            /* Hair on the sides and the back, a bald crown above.  */
            if (v > -0.15 || fabs (u) > 0.7)
              {
                gdouble strand = g_rand_double (rand);

                for (c = 0; c < 3; c++)
                  rgb[c] = (gfloat) (strand < 0.6 ? 0.012 + 0.02 * strand
                                                  : rgb[c] * 0.35);
              }
            else if (bald && r < 0.8 && v < -0.25 && fabs (u) < 0.6)
              (*bald)[(gsize) y * rect->width + x] = 1;
          }
        for (c = 0; c < 3; c++)
          p[c] = rgb[c];
        p[3] = 1.0f;
      }
  gegl_buffer_set (buffer, rect, 0, RGBA_FLOAT, px, GEGL_AUTO_ROWSTRIDE);
  g_rand_free (rand);
  g_free (px);
  return buffer;
}

/* Renders the op over rect as one float a pixel (Y'), from a buffer.  */
static gfloat *
render_mask (GeglBuffer          *photo,
             const GeglRectangle *rect,
             gint                 output,
             gdouble              ppm,
             gdouble              feather)
{
  return smp_test_render (OP, photo, NULL, rect, Y_FLOAT,
                          "px-per-mm", ppm, "feather", feather,
                          "output", output, NULL);
}

static gfloat
max_of (const gfloat *v,
        gsize         n)
{
  gfloat m = 0.0f;
  gsize  i;

  for (i = 0; i < n; i++)
    {
      g_assert_true (isfinite (v[i]));
      m = MAX (m, v[i]);
    }
  return m;
}

/* 1: a head drawn here: the bald crown treated, the hair, the wall and the
 * shirt not; the hair output holds the hair, the head output both.  */
static void
test_drawn_head (void)
{
  GeglRectangle rect = { 0, 0, 640, 560 };
  guchar       *bald;
  GeglBuffer   *photo = draw_head (&rect, &bald);
  gfloat       *treat = render_mask (photo, &rect, TREAT, PHOTO_PPM, 5.0);
  gfloat       *hair  = render_mask (photo, &rect, HAIR, PHOTO_PPM, 5.0);
  gsize         n = (gsize) rect.width * rect.height, i;
  gsize         crown = 0, covered = 0, wall = 0, wall_on = 0;
  gsize         shirt = 0, shirt_on = 0;

  for (i = 0; i < n; i++)
    {
      gint x = i % rect.width, y = i / rect.width;

      if (bald[i])
        {
          crown++;
          covered += treat[i] >= 0.5f;
        }
      if (y < 40 || (x < 40 && y < rect.height * 0.8))
        {
          wall++;
          wall_on += treat[i] > 0.1f || hair[i] > 0.1f;
        }
      if (y > rect.height * 0.9 && abs (x - rect.width / 2) < 200)
        {
          shirt++;
          shirt_on += treat[i] > 0.1f || hair[i] > 0.1f;
        }
    }
  /* The photo and its classes, for the eye.  */
  {
    gchar      *review = g_build_filename (g_getenv ("SMP_BUILD_DIR"),
                                           "review", NULL);
    gchar      *path   = g_build_filename (review, "scalp-map-drawn.png",
                                           NULL);
    guchar     *cls    = smp_test_render (OP, photo, NULL, &rect, RGBA_U8,
                                          "px-per-mm", PHOTO_PPM,
                                          "output", CLASSES, NULL);
    GeglRectangle both = { 0, 0, 2 * rect.width, rect.height };
    GeglBuffer *sheet  = gegl_buffer_new (&both, RGBA_U8);
    GeglRectangle right = { rect.width, 0, rect.width, rect.height };

    g_mkdir_with_parents (review, 0755);
    gegl_buffer_copy (photo, &rect, GEGL_ABYSS_NONE, sheet, &rect);
    gegl_buffer_set (sheet, &right, 0, RGBA_U8, cls, GEGL_AUTO_ROWSTRIDE);
    smp_test_save_png (sheet, path);
    g_object_unref (sheet);
    g_free (cls);
    g_free (path);
    g_free (review);
  }
  g_test_message ("drawn head: crown %.1f %% treated; wall %.2f %%, shirt "
                  "%.2f %% marked", 100.0 * covered / crown,
                  100.0 * wall_on / wall, 100.0 * shirt_on / shirt);
  g_assert_cmpfloat ((gdouble) covered / crown, >=, 0.85);
  g_assert_cmpfloat ((gdouble) wall_on / wall, <=, 0.01);
  g_assert_cmpfloat ((gdouble) shirt_on / shirt, <=, 0.01);
  g_free (treat);
  g_free (hair);
  g_free (bald);
  g_object_unref (photo);
}

/* 3: photos with no head, 285 x 228 mm (wider than a head, so that their
 * middle is far from the frame's edge): one flat colour (a skin tone), a
 * wall's texture of a skin-like beige and a gradient from skin to dark:
 * every mask empty.  */
static void
test_no_head (void)
{
  GeglRectangle rect = { 0, 0, 1000, 800 };
  const gchar  *chains[] = {
    "gegl:color value=rgb(0.62,0.40,0.30)",
    "gegl:perlin-noise zoff=1.5 scale=0.8 gegl:levels in-low=-1 in-high=1 "
      "out-low=0.45 out-high=0.6 gegl:multiply aux=[ gegl:color "
      "value=rgb(1.0,0.86,0.72) ] gegl:noise-rgb seed=4 red=0.03 green=0.03 "
      "blue=0.03",
    "gegl:linear-gradient start-x=0 start-y=0 end-x=1000 end-y=800 "
      "start-color=rgb(0.65,0.43,0.33) end-color=rgb(0.03,0.02,0.02)",
  };
  const gchar  *names[] = { "flat skin colour", "wall texture", "gradient" };
  guint         k;

  for (k = 0; k < G_N_ELEMENTS (chains); k++)
    {
      const gchar *outputs[] = { "treat", "hair", "head" };
      GeglNode    *graph = gegl_node_new (), *start, *end;
      GeglBuffer  *photo;
      GError      *error = NULL;
      gfloat      *px;
      guint        j;

      /* The chain between two nops, as smp-preview builds a preset.  */
      start = gegl_node_new_child (graph, "operation", "gegl:nop", NULL);
      end   = gegl_node_new_child (graph, "operation", "gegl:nop", NULL);
      gegl_node_link (start, end);
      gegl_create_chain (chains[k], start, end, 0.0, rect.height, NULL,
                         &error);
      g_assert_no_error (error);
      px    = smp_test_blit (end, &rect, RGBA_FLOAT);
      photo = gegl_buffer_new (&rect, RGBA_FLOAT);
      gegl_buffer_set (photo, &rect, 0, RGBA_FLOAT, px, GEGL_AUTO_ROWSTRIDE);
      g_free (px);
      g_object_unref (graph);

      for (j = 0; j < G_N_ELEMENTS (outputs); j++)
        {
          gfloat *mask = render_mask (photo, &rect, (gint) j, PHOTO_PPM,
                                      5.0);

          g_test_message ("%s, output=%s: largest value %g", names[k],
                          outputs[j], max_of (mask, (gsize) rect.width *
                                                    rect.height));
          g_assert_cmpfloat (max_of (mask, (gsize) rect.width * rect.height),
                             ==, 0.0f);
          g_free (mask);
        }
      g_object_unref (photo);
    }
}

/* 3: tiles, threads and region order change no byte: the classes picture
 * of the drawn head (every plane in it), with the feather set by the
 * seed.  */
static const GeglRectangle tile_rect = { 0, 0, 640, 560 };

static gpointer
tile_render (const GeglRectangle *rect,
             gint                 seed)
{
  GeglBuffer *photo = draw_head (&tile_rect, NULL);
  gpointer    out;

  out = smp_test_render (OP, photo, NULL, rect, RGBA_U8,
                         "px-per-mm", PHOTO_PPM, "feather", 3.0 * seed,
                         "output", CLASSES, NULL);
  g_object_unref (photo);
  return out;
}

static void
test_tiles (void)
{
  smp_test_tile_independence (&tile_rect, tile_render);
}

/* 3: NaN pixels in the photo: finite masks, the same elsewhere (a few bad
 * pixels do not move the head).  */
static void
test_bad_pixels (void)
{
  GeglRectangle rect = { 0, 0, 640, 560 }, where = { 100, 80, 400, 300 };
  GeglBuffer   *photo = draw_head (&rect, NULL), *bad;
  guchar       *poisoned;
  gfloat       *a, *b;
  gsize         n = (gsize) rect.width * rect.height, i;
  gint          differ = 0;

  bad = smp_test_poison (photo, &where, 40, &poisoned);
  a = render_mask (photo, &rect, TREAT, PHOTO_PPM, 5.0);
  b = render_mask (bad, &rect, TREAT, PHOTO_PPM, 5.0);
  max_of (b, n);
  for (i = 0; i < n; i++)
    differ += fabsf (a[i] - b[i]) > 0.02f;
  g_test_message ("40 NaN pixels: %d of %" G_GSIZE_FORMAT " mask values "
                  "moved by more than 0.02", differ, n);
  g_assert_cmpint (differ, <, (gint) (n / 100));
  {
    GeglNode *graph;
    GeglNode *op = smp_test_graph (&graph, OP, bad, NULL);

    gegl_node_set (op, "px-per-mm", PHOTO_PPM, "output", CLASSES, NULL);
    smp_test_assert_finite (op, &rect);
    g_object_unref (graph);
  }
  g_free (a);
  g_free (b);
  g_free (poisoned);
  g_object_unref (photo);
  g_object_unref (bad);
}

/* 3: an unbounded photo (gegl:color): nothing to learn from, an empty
 * mask, and no crash for every output.  */
static void
test_unbounded (void)
{
  GeglRectangle rect = { -50, 20, 300, 200 };
  gint          k;

  for (k = 0; k < 4; k++)
    {
      GeglNode *graph;
      GeglNode *op = smp_test_graph_unbounded (&graph, OP,
                                               "rgb(0.6,0.4,0.3)", NULL);
      gfloat   *px;

      gegl_node_set (op, "px-per-mm", PHOTO_PPM, "output", k, NULL);
      smp_test_assert_finite (op, &rect);
      if (k != CLASSES)
        {
          px = smp_test_blit (op, &rect, Y_FLOAT);
          g_assert_cmpfloat (max_of (px, (gsize) rect.width * rect.height),
                             ==, 0.0f);
          g_free (px);
        }
      g_object_unref (graph);
    }
}

/* 3: absurd settings are clamped (or, NaN, taken as the default): no
 * crash, finite values; the scale's extremes on a small and a large
 * photo; a photo of one pixel.  */
static void
test_absurd (void)
{
  GeglRectangle rect = { 0, 0, 640, 560 }, one = { 5, 5, 1, 1 };
  GeglBuffer   *photo = draw_head (&rect, NULL);
  GeglBuffer   *dot = smp_test_uniform (&one, RGBA_FLOAT,
                                        (const gfloat[4]) { 0.6f, 0.4f, 0.3f,
                                                            1.0f });
  const gdouble ppm[]     = { 1e9, -5.0, NAN, 0.5, 200.0 };
  const gdouble feather[] = { 1e6, -1.0, NAN, 0.0, 50.0 };
  guint         k;

  for (k = 0; k < G_N_ELEMENTS (ppm); k++)
    {
      gfloat *m = render_mask (photo, &rect, TREAT, ppm[k], feather[k]);

      g_test_message ("px-per-mm %g, feather %g: largest value %g", ppm[k],
                      feather[k], max_of (m, (gsize) rect.width *
                                             rect.height));
      g_free (m);
      m = render_mask (dot, &one, TREAT, ppm[k], feather[k]);
      max_of (m, 1);
      g_free (m);
    }
  g_object_unref (photo);
  g_object_unref (dot);
}

static void
test_reference_hash (void)
{
  smp_test_reference_hash (OP);
}

/* 1 and 5: the shared photos through the real `gegl` binary at 3.5 px/mm:
 * every treat box at least 85 % covered (mask >= 0.5), in every keep box at
 * most 1 % of pixels above 0.1; the classes picture of each photo written
 * to build/review/scalp-map-NN.png for a person to look at.  */
static void
test_shared_photos (void)
{
  const gchar *data     = g_getenv ("SMP_SHARED_DATA");
  const gchar *gegl_bin = g_getenv ("SMP_GEGL_BIN");
  gchar       *dir      = data ? g_build_filename (data, "scalp-photos",
                                                   NULL) : NULL;
  GArray      *all      = dir ? smp_test_read_boxes (dir) : NULL;
  gchar       *review;
  GHashTable  *boxes;
  GList       *files, *l;
  guint        i;
  gint         failed = 0;
  gint         treat_boxes = 0, keep_boxes = 0;

  if (! all)
    {
      g_test_skip ("../shared/data/scalp-photos/boxes.tsv is absent (a fresh "
                   "clone): the automatic mask is not judged on real photos");
      g_free (dir);
      return;
    }
  g_assert_nonnull (gegl_bin);
  review = g_build_filename (g_getenv ("SMP_BUILD_DIR"), "review", NULL);
  g_mkdir_with_parents (review, 0755);

  /* Each photo's boxes (their names are all's).  */
  boxes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                 (GDestroyNotify) g_array_unref);
  for (i = 0; i < all->len; i++)
    {
      SmpTestBox *b = &g_array_index (all, SmpTestBox, i);
      GArray     *a = g_hash_table_lookup (boxes, b->file);

      if (! a)
        {
          a = g_array_new (FALSE, FALSE, sizeof (SmpTestBox));
          g_hash_table_insert (boxes, b->file, a);
        }
      g_array_append_val (a, *b);
    }

  files = g_list_sort (g_hash_table_get_keys (boxes), (GCompareFunc) strcmp);
  g_assert_cmpint (g_list_length (files), ==, 12);
  for (l = files; l; l = l->next)
    {
      const gchar  *name = l->data;
      GArray       *a    = g_hash_table_lookup (boxes, name);
      gchar        *path = g_build_filename (dir, name, NULL);
      gchar        *out  = g_strdup_printf ("%s/scalp-map-%.2s-treat.png",
                                            smp_test_tmpdir (), name);
      gchar        *cls  = g_strdup_printf ("%s/scalp-map-%.2s.png", review,
                                            name);
      gchar        *ppm  = g_strdup_printf ("px-per-mm=%g", PHOTO_PPM);
      const gchar  *argv[] = { gegl_bin, "-i", path, "-o", out, "--", OP,
                               ppm, "output=treat", NULL };
      const gchar  *argv2[] = { gegl_bin, "-i", path, "-o", cls, "--", OP,
                                ppm, "output=classes", NULL };
      GeglNode     *graph, *load;
      GeglRectangle box;
      gfloat       *mask;
      GString      *msg = g_string_new (name);
      guint         k;

      g_free (smp_test_run (argv, NULL, NULL));
      g_free (smp_test_run (argv2, NULL, NULL));
      graph = gegl_node_new ();
      load  = gegl_node_new_child (graph, "operation", "gegl:load", "path",
                                   out, NULL);
      box   = gegl_node_get_bounding_box (load);
      g_assert_cmpint (box.width, ==, 640);
      mask  = smp_test_blit (load, &box, Y_FLOAT);
      g_object_unref (graph);

      for (k = 0; k < a->len; k++)
        {
          const SmpTestBox *b = &g_array_index (a, SmpTestBox, k);
          gint       x, y, on = 0, all = 0;

          for (y = b->y0; y < b->y1; y++)
            for (x = b->x0; x < b->x1; x++)
              {
                gfloat v = mask[y * box.width + x];

                all++;
                on += b->treat ? v >= 0.5f : v > 0.1f;
              }
          gboolean fails = b->treat ? on < 0.85 * all : on > 0.01 * all;

          g_string_append_printf (msg, "; %s %d-%d x %d-%d: %.1f %%%s",
                                  b->treat ? "treat" : "keep", b->x0, b->x1,
                                  b->y0, b->y1, 100.0 * on / all,
                                  fails ? " FAILS" : "");
          failed += fails;
          treat_boxes += b->treat;
          keep_boxes += ! b->treat;
        }
      g_test_message ("%s (classes: %s)", msg->str, cls);
      g_string_free (msg, TRUE);
      g_free (mask);
      g_free (path);
      g_free (out);
      g_free (cls);
      g_free (ppm);
    }
  g_test_message ("%d treat and %d keep boxes, %d failed", treat_boxes,
                  keep_boxes, failed);
  g_assert_cmpint (failed, ==, 0);
  g_list_free (files);
  g_hash_table_unref (boxes);
  g_array_unref (all);
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
  g_test_add_func ("/scalp-map/drawn-head", test_drawn_head);
  g_test_add_func ("/scalp-map/no-head", test_no_head);
  g_test_add_func ("/scalp-map/tile-independence", test_tiles);
  g_test_add_func ("/scalp-map/bad-pixels", test_bad_pixels);
  g_test_add_func ("/scalp-map/unbounded-input", test_unbounded);
  g_test_add_func ("/scalp-map/absurd-settings", test_absurd);
  g_test_add_func ("/scalp-map/reference-hash", test_reference_hash);
  g_test_add_func ("/scalp-map/shared-photos", test_shared_photos);
  return g_test_run ();
}
