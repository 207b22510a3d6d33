/* bench-ops.c: throughput of smp:follicles and smp:density-soften against
 * GEGL's own ops, on the same 12 MP R'G'B'A u8 buffer in one process.
 *
 * Run without arguments it runs itself twice, with GEGL_THREADS=1 and 2,
 * and prints MP/s, the ratios to GEGL's ops and the two-thread speedup.
 * This is a benchmark, not a test: it prints figures and asserts nothing
 * (the targets are printed beside them).
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

#define WIDTH   4000
#define HEIGHT  3000
#define REPEATS 3

static const gchar *ops[] =
{
  "smp:follicles",
  "gegl:invert-linear",
  "gegl:noise-hurl",
  "gegl:newsprint",
  "gegl:gaussian-blur",
  "smp:density-soften",
};

static GeglBuffer *
make_input (void)
{
  GeglRectangle rect   = { 0, 0, WIDTH, HEIGHT };
  GeglBuffer   *buffer = gegl_buffer_new (&rect, babl_format ("R'G'B'A u8"));
  guchar       *row    = g_new (guchar, WIDTH * 4);
  gint          x, y;

  /* A skin-like tone with gentle shading and pixel grain.  */
  for (y = 0; y < HEIGHT; y++)
    {
      GeglRectangle r = { 0, y, WIDTH, 1 };

      for (x = 0; x < WIDTH; x++)
        {
          gint grain = (gint) ((x * 7919u + y * 104729u) % 13u) - 6;
          gint shade = (x / 40 + y / 30) % 24;

          row[x * 4 + 0] = (guchar) (190 + shade / 2 + grain);
          row[x * 4 + 1] = (guchar) (150 + shade / 2 + grain);
          row[x * 4 + 2] = (guchar) (130 + shade / 2 + grain);
          row[x * 4 + 3] = 255;
        }
      gegl_buffer_set (buffer, &r, 0, babl_format ("R'G'B'A u8"), row,
                       GEGL_AUTO_ROWSTRIDE);
    }
  g_free (row);
  return buffer;
}

/* Best of REPEATS, seconds, for op over the whole buffer into u8 memory; a
 * new graph each time so that nothing is cached.  */
static gdouble
time_op (const gchar *op,
         GeglBuffer  *input,
         guchar      *out)
{
  GeglRectangle rect = { 0, 0, WIDTH, HEIGHT };
  gdouble       best = G_MAXDOUBLE;
  gint          i;

  for (i = 0; i < REPEATS; i++)
    {
      GeglNode *graph = gegl_node_new ();
      GeglNode *src   = gegl_node_new_child (graph,
                                             "operation", "gegl:buffer-source",
                                             "buffer", input, NULL);
      GeglNode *node  = gegl_node_new_child (graph, "operation", op, NULL);
      gint64    t0;
      gdouble   t;

      gegl_node_link (src, node);
      t0 = g_get_monotonic_time ();
      gegl_node_blit (node, 1.0, &rect, babl_format ("R'G'B'A u8"), out,
                      GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
      t  = (g_get_monotonic_time () - t0) / 1e6;
      best = MIN (best, t);
      g_object_unref (graph);
    }
  return best;
}

/* One process, one thread count: prints "op MP/s" lines.  */
static int
run_child (int    argc,
           char **argv)
{
  GeglBuffer *input;
  guchar     *out;
  guint       i;

  gegl_init (&argc, &argv);
  input = make_input ();
  out   = g_malloc ((gsize) WIDTH * HEIGHT * 4);
  for (i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      gdouble t;

      if (! gegl_has_operation (ops[i]))
        {
          fprintf (stderr, "no operation %s: is GEGL_PATH set?\n", ops[i]);
          return 1;
        }
      t = time_op (ops[i], input, out);
      printf ("%s %.3f\n", ops[i], WIDTH * HEIGHT / 1e6 / t);
      fflush (stdout);
    }
  g_free (out);
  g_object_unref (input);
  gegl_exit ();
  return 0;
}

static gboolean
measure (const gchar *self,
         const gchar *threads,
         gdouble      mps[])
{
  gchar  *argv[] = { (gchar *) self, "--child", NULL };
  gchar **env    = g_environ_setenv (g_get_environ (), "GEGL_THREADS",
                                     threads, TRUE);
  gchar  *out = NULL, **lines;
  gint    status, i;
  guint   k;

  if (! g_spawn_sync (NULL, argv, env, 0, NULL, NULL, &out, NULL, &status,
                      NULL) || ! g_spawn_check_wait_status (status, NULL))
    return FALSE;
  lines = g_strsplit (out, "\n", -1);
  for (i = 0; lines[i]; i++)
    for (k = 0; k < G_N_ELEMENTS (ops); k++)
      if (g_str_has_prefix (lines[i], ops[k]) &&
          lines[i][strlen (ops[k])] == ' ')
        mps[k] = g_ascii_strtod (lines[i] + strlen (ops[k]) + 1, NULL);
  g_strfreev (lines);
  g_strfreev (env);
  g_free (out);
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  gdouble one[G_N_ELEMENTS (ops)] = { 0 }, two[G_N_ELEMENTS (ops)] = { 0 };
  guint   k;

  if (argc > 1 && ! strcmp (argv[1], "--child"))
    return run_child (argc, argv);

  if (! measure (argv[0], "1", one) || ! measure (argv[0], "2", two))
    {
      fprintf (stderr, "bench-ops: a measuring run failed\n");
      return 1;
    }

  printf ("%d x %d R'G'B'A u8 (%.1f MP), best of %d, %s\n", WIDTH, HEIGHT,
          WIDTH * HEIGHT / 1e6, REPEATS, "MP/s");
  printf ("%-20s %10s %10s %9s\n", "operation", "1 thread", "2 threads",
          "speedup");
  for (k = 0; k < G_N_ELEMENTS (ops); k++)
    printf ("%-20s %10.1f %10.1f %8.2fx\n", ops[k], one[k], two[k],
            two[k] / one[k]);
  printf ("\nsmp:follicles / gegl:noise-hurl, 1 thread:     %.2fx "
          "(target >= 1.0x)\n", one[0] / one[2]);
  printf ("smp:follicles / gegl:invert-linear, 1 thread: %.2fx "
          "(target >= 0.5x)\n", one[0] / one[1]);
  printf ("smp:follicles / gegl:newsprint, 1 thread:     %.2fx\n",
          one[0] / one[3]);
  printf ("smp:follicles / gegl:gaussian-blur, 1 thread: %.2fx\n",
          one[0] / one[4]);
  printf ("smp:follicles, 2 threads / 1 thread:          %.2fx "
          "(target >= 1.6x)\n", two[0] / one[0]);
  printf ("smp:density-soften / gegl:noise-hurl, 1 thread: %.2fx; "
          "2 threads / 1: %.2fx\n", one[5] / one[2], two[5] / one[5]);
  return 0;
}
