/* bench-preview.c: how long the GIMP dialog's live preview takes to
 * re-render a 600 x 400 region at default settings, through the very code
 * the dialog uses (smp_settings_render), on a 12 MP photo with a feathered
 * selection as the mask.  Prints figures, and fails only when an op
 * changed nothing (a figure of a copy is no figure).
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <gegl.h>
#include <stdio.h>
#include <string.h>

#include "smp-settings.h"

#define RUNS 20

int
main (int    argc,
      char **argv)
{
  GeglRectangle whole = { 0, 0, 4000, 3000 };
  GeglRectangle area  = { 1700, 1300, 600, 400 };
  GeglBuffer   *photo, *mask;
  GeglColor    *skin;
  gchar       **ops;
  gpointer      pixels = g_malloc ((gsize) area.width * area.height * 4);
  guchar       *before = g_malloc ((gsize) area.width * area.height * 4);
  gint          k, i, status = 0;

  gegl_init (&argc, &argv);
  photo = gegl_buffer_new (&whole, babl_format ("R'G'B'A u8"));
  skin  = gegl_color_new ("rgb(0.74,0.56,0.46)");
  gegl_buffer_set_color (photo, &whole, skin);
  /* Dark strands of hair over the skin every 12 px, so that every op
   * (density-soften tells hair from skin) has work.  */
  {
    guchar hair[4] = { 40, 28, 22, 255 };
    gint   x;

    for (x = 0; x < whole.width; x += 12)
      {
        GeglRectangle strand = { x, 0, 2, whole.height };
        guchar       *col    = g_new (guchar, (gsize) whole.height * 2 * 4);
        gint          j;

        for (j = 0; j < whole.height * 2; j++)
          memcpy (col + 4 * j, hair, 4);
        gegl_buffer_set (photo, &strand, 0, babl_format ("R'G'B'A u8"), col,
                         GEGL_AUTO_ROWSTRIDE);
        g_free (col);
      }
  }
  /* A selection feathered across the preview: a radial ramp.  */
  mask = gegl_buffer_new (&whole, babl_format ("Y' float"));
  {
    GeglNode *g = gegl_node_new ();
    GeglNode *r = gegl_node_new_child (g, "operation", "gegl:radial-gradient",
                                       "start-x", 2000.0, "start-y", 1500.0,
                                       "end-x", 2400.0, "end-y", 1500.0,
                                       "start-color", gegl_color_new ("white"),
                                       "end-color", gegl_color_new ("black"),
                                       NULL);
    /* Cropped: write-buffer processes its input's extent, and an
     * unbounded gradient's is none (the mask stayed black before).  */
    GeglNode *c = gegl_node_new_child (g, "operation", "gegl:crop",
                                       "width", (gdouble) whole.width,
                                       "height", (gdouble) whole.height,
                                       NULL);
    GeglNode *w = gegl_node_new_child (g, "operation", "gegl:write-buffer",
                                       "buffer", mask, NULL);
    gegl_node_link_many (r, c, w, NULL);
    gegl_node_process (w);
    g_object_unref (g);
  }

  printf ("preview re-render of %dx%d px (GEGL_THREADS=%s), %d runs, "
          "target < 150 ms\n", area.width, area.height,
          g_getenv ("GEGL_THREADS") ? g_getenv ("GEGL_THREADS") : "default",
          RUNS);
  ops = smp_settings_list_ops ();
  for (k = 0; ops[k]; k++)
    {
      SmpSettings *s = smp_settings_new (ops[k]);
      gdouble      total = 0, worst = 0;

      for (i = 0; i < RUNS; i++)
        {
          gint64  t0;
          gdouble ms;
          gint    seed = smp_settings_find (s, "seed");

          /* As a user moving a control: new settings each time.  */
          if (seed >= 0 && G_VALUE_HOLDS_INT (&s->values[seed]))
            g_value_set_int (&s->values[seed], i);
          t0 = g_get_monotonic_time ();
          smp_settings_render (s, photo, mask, 0, 0, FALSE, &area,
                               babl_format ("R'G'B'A u8"), pixels);
          ms = (g_get_monotonic_time () - t0) / 1000.0;
          total += ms;
          worst  = MAX (worst, ms);
        }
      {
        gsize  n = (gsize) area.width * area.height, changed = 0, j;
        guchar *after = pixels;

        gegl_buffer_get (photo, &area, 1.0, babl_format ("R'G'B'A u8"),
                         before, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        for (j = 0; j < n; j++)
          changed += memcmp (before + 4 * j, after + 4 * j, 4) != 0;
        printf ("%-20s mean %6.1f ms, worst %6.1f ms (%.0f %% of the pixels "
                "changed)\n", ops[k], total / RUNS, worst, 100.0 * changed / n);
        if (! changed)
          status = 1;
      }
      smp_settings_free (s);
    }
  g_strfreev (ops);
  g_free (pixels);
  g_free (before);
  g_object_unref (photo);
  g_object_unref (mask);
  g_object_unref (skin);
  gegl_exit ();
  return status;
}
