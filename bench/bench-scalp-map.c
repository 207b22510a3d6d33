/* bench-scalp-map.c: how long smp:scalp-map takes on a whole-head photo of
 * 640 x 640 and on the same photo at 12 MP, with one and two threads, and
 * gegl:gaussian-blur on the same buffers in the same process for scale.
 *
 * The photo is ../shared/data/scalp-photos/16_top_buzzed_sides_bald_top.jpg
 * when it is there (3.5 px/mm), otherwise a head drawn from GEGL's own
 * render ops.  Run without arguments it runs itself twice, with
 * GEGL_THREADS=1 and 2.  A benchmark: it prints figures, asserts nothing.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <gegl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPEATS 3
#define PPM     3.5

/* The photo as R'G'B'A u8, 640 x 640.  */
static GeglBuffer *
photo_640 (gboolean *real)
{
  const gchar  *data  = g_getenv ("SMP_SHARED_DATA");
  gchar        *path  = data ? g_build_filename (data, "scalp-photos",
                                                 "16_top_buzzed_sides_bald_top.jpg",
                                                 NULL) : NULL;
  GeglRectangle rect  = { 0, 0, 640, 640 };
  GeglNode     *graph = gegl_node_new (), *src;
  GeglBuffer   *out   = gegl_buffer_new (&rect, babl_format ("R'G'B'A u8"));
  gpointer      px;

  *real = path && g_file_test (path, G_FILE_TEST_EXISTS);
  if (*real)
    src = gegl_node_new_child (graph, "operation", "gegl:load", "path", path,
                               NULL);
  else
    {
      /* A skin-coloured dome fading into dark hair, on a grey wall.  */
      GeglNode *wall = gegl_node_new_child (graph, "operation", "gegl:color",
                                            "value", gegl_color_new ("rgb(0.4,0.42,0.45)"),
                                            NULL);
      GeglNode *head = gegl_node_new_child (graph, "operation",
                                            "gegl:radial-gradient",
                                            "start-x", 320.0, "start-y", 300.0,
                                            "end-x", 560.0, "end-y", 300.0,
                                            "start-color", gegl_color_new ("rgb(0.62,0.42,0.33)"),
                                            "end-color", gegl_color_new ("rgb(0.02,0.015,0.01)"),
                                            NULL);
      GeglNode *crop = gegl_node_new_child (graph, "operation", "gegl:crop",
                                            "x", 90.0, "y", 60.0,
                                            "width", 460.0, "height", 500.0,
                                            NULL);
      GeglNode *grain = gegl_node_new_child (graph, "operation",
                                             "gegl:noise-rgb", "seed", 3,
                                             NULL);

      src = gegl_node_new_child (graph, "operation", "gegl:over", NULL);
      gegl_node_link_many (head, grain, crop, NULL);
      gegl_node_link (wall, src);
      gegl_node_connect_to (crop, "output", src, "aux");
    }
  px = g_malloc ((gsize) rect.width * rect.height * 4);
  gegl_node_blit (src, 1.0, &rect, babl_format ("R'G'B'A u8"), px,
                  GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  gegl_buffer_set (out, &rect, 0, babl_format ("R'G'B'A u8"), px,
                   GEGL_AUTO_ROWSTRIDE);
  g_free (px);
  g_free (path);
  g_object_unref (graph);
  return out;
}

/* The same photo at width x height (cubic), as R'G'B'A u8.  */
static GeglBuffer *
scaled (GeglBuffer *photo,
        gint        width,
        gint        height)
{
  GeglRectangle rect  = { 0, 0, width, height };
  GeglNode     *graph = gegl_node_new ();
  GeglNode     *src   = gegl_node_new_child (graph, "operation",
                                             "gegl:buffer-source",
                                             "buffer", photo, NULL);
  GeglNode     *scale = gegl_node_new_child (graph, "operation",
                                             "gegl:scale-size",
                                             "x", (gdouble) width,
                                             "y", (gdouble) height,
                                             "sampler", GEGL_SAMPLER_CUBIC,
                                             NULL);
  GeglBuffer   *out   = gegl_buffer_new (&rect, babl_format ("R'G'B'A u8"));
  GeglNode     *sink  = gegl_node_new_child (graph, "operation",
                                             "gegl:write-buffer",
                                             "buffer", out, NULL);

  gegl_node_link_many (src, scale, sink, NULL);
  gegl_node_process (sink);
  g_object_unref (graph);
  return out;
}

/* Best of REPEATS, seconds, for op over the whole buffer into memory; a
 * new graph each time so that nothing learnt is kept.  */
static gdouble
time_op (const gchar *op,
         GeglBuffer  *input,
         gdouble      ppm)
{
  const GeglRectangle *rect = gegl_buffer_get_extent (input);
  const Babl          *fmt  = babl_format ("Y' float");
  gpointer             out  = g_malloc ((gsize) rect->width * rect->height *
                                        babl_format_get_bytes_per_pixel (fmt));
  gdouble              best = G_MAXDOUBLE;
  gint                 i;

  for (i = 0; i < REPEATS; i++)
    {
      GeglNode *graph = gegl_node_new ();
      GeglNode *src   = gegl_node_new_child (graph,
                                             "operation", "gegl:buffer-source",
                                             "buffer", input, NULL);
      GeglNode *node  = gegl_node_new_child (graph, "operation", op, NULL);
      gint64    t0;

      if (g_str_has_prefix (op, "smp:"))
        gegl_node_set (node, "px-per-mm", ppm, NULL);
      else
        gegl_node_set (node, "std-dev-x", 2.0 * ppm, "std-dev-y", 2.0 * ppm,
                       NULL);
      gegl_node_link (src, node);
      t0 = g_get_monotonic_time ();
      gegl_node_blit (node, 1.0, rect, fmt, out, GEGL_AUTO_ROWSTRIDE,
                      GEGL_BLIT_DEFAULT);
      best = MIN (best, (g_get_monotonic_time () - t0) / 1e6);
      g_object_unref (graph);
    }
  g_free (out);
  return best;
}

/* One process, one thread count: "size op seconds" lines.  */
static int
run_child (int    argc,
           char **argv)
{
  const gchar *ops[] = { "smp:scalp-map", "gegl:gaussian-blur" };
  GeglBuffer  *small, *large;
  gboolean     real;
  guint        k;

  gegl_init (&argc, &argv);
  if (! gegl_has_operation ("smp:scalp-map"))
    {
      fprintf (stderr, "no operation smp:scalp-map: is GEGL_PATH set?\n");
      return 1;
    }
  small = photo_640 (&real);
  large = scaled (small, 4000, 3000);
  printf ("photo %s\n", real ? "16_top_buzzed_sides_bald_top.jpg"
                             : "a drawn head");
  for (k = 0; k < G_N_ELEMENTS (ops); k++)
    {
      printf ("640 %s %.4f\n", ops[k], time_op (ops[k], small, PPM));
      /* 4000 x 3000 from 640 x 640: the head 6.25 times as many pixels
       * wide, so 6.25 times the scale.  */
      printf ("12MP %s %.4f\n", ops[k],
              time_op (ops[k], large, PPM * 4000.0 / 640.0));
      fflush (stdout);
    }
  g_object_unref (small);
  g_object_unref (large);
  gegl_exit ();
  return 0;
}

static gchar *
measure (const gchar *self,
         const gchar *threads)
{
  gchar  *argv[] = { (gchar *) self, "--child", NULL };
  gchar **env    = g_environ_setenv (g_get_environ (), "GEGL_THREADS",
                                     threads, TRUE);
  gchar  *out    = NULL;
  gint    status;

  if (! g_spawn_sync (NULL, argv, env, 0, NULL, NULL, &out, NULL, &status,
                      NULL) || ! g_spawn_check_wait_status (status, NULL))
    {
      g_free (out);
      out = NULL;
    }
  g_strfreev (env);
  return out;
}

int
main (int    argc,
      char **argv)
{
  gchar *one, *two;

  if (argc > 1 && ! strcmp (argv[1], "--child"))
    return run_child (argc, argv);
  one = measure (argv[0], "1");
  two = measure (argv[0], "2");
  if (! one || ! two)
    {
      fprintf (stderr, "bench-scalp-map: a measuring run failed\n");
      return 1;
    }
  printf ("smp:scalp-map, best of %d, seconds (gaussian-blur of 2 mm on "
          "the same buffer for scale; aim: 640 x 640 under 0.3 s, 12 MP "
          "under 6 s with 2 threads)\n", REPEATS);
  printf ("--- GEGL_THREADS=1\n%s--- GEGL_THREADS=2\n%s", one, two);
  g_free (one);
  g_free (two);
  return 0;
}
