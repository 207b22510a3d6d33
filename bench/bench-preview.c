/* bench-preview.c: how long the GIMP dialog's live preview takes to draw
 * a 600 x 400 view of a 12 MP photo, through the very code the dialog uses
 * (the renderer it keeps while it is open, smp_settings_renderer_*): a
 * head seen from above, short dark hair around a bald area, a mask drawn
 * by hand over that area (a wobbly feathered ellipse), px-per-mm 8; for
 * smp:scar-blend a pale strip scar across it and a rough corridor mask.
 *
 * For every op of the dialog (and follicles with match=ring and =none):
 * the first draw (the op learns: match=ring's look, the scalp map), then
 * the redraws of zoom and pan (what was learnt kept: the target, a mean
 * under 50 ms), and redraws after a control moved (the seed: the op learns
 * again when learning reads it).  Prints figures, and fails only when an
 * op changed nothing (a figure of a copy is no figure).
 *
 * `bench-preview RUN [N]` times only RUN ("smp:follicles match=ring"),
 * with N redraws: for a profile of the redraws.
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
#include <time.h>

#include "smp-settings.h"

#define RUNS    20
#define WIDTH   4000
#define HEIGHT  3000
#define TARGET  50.0

static guint32
hash (guint32 a,
      guint32 b)
{
  guint32 h = a * 0x9e3779b1u ^ (b + 0x7f4a7c15u + (a << 6) + (a >> 2));

  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  return h ^ (h >> 16);
}

/* The pale, smooth line of a healed strip scar across the bald area and
 * into the hair on the right, in every view: what smp:scar-blend has to
 * conceal (since issue 12 it leaves alone what is not scar-like, such as
 * the whole bald area).  */
#define SCAR_X0 2250
#define SCAR_X1 3450
#define SCAR_Y0 1240
#define SCAR_Y1 1254

/* Skin with grain, strands of dark hair (1-2 px, 1.5-3 mm) one every
 * 4 x 4 px cell but in an ellipse of 2800 x 2000 px at the middle, whose
 * edge thins out over 60 px, and the scar.  */
static GeglBuffer *
make_photo (void)
{
  GeglRectangle rect = { 0, 0, WIDTH, HEIGHT };
  GeglBuffer   *buffer = gegl_buffer_new (&rect, babl_format ("R'G'B'A u8"));
  guchar       *px = g_new (guchar, (gsize) WIDTH * HEIGHT * 4);
  gint          x, y, cx, cy, k;

  for (y = 0; y < HEIGHT; y++)
    for (x = 0; x < WIDTH; x++)
      {
        guchar *p = px + ((gsize) y * WIDTH + x) * 4;
        gint    g = (gint) (hash (x, y) % 11u) - 5;

        p[0] = (guchar) (190 + g);
        p[1] = (guchar) (146 + g);
        p[2] = (guchar) (122 + g);
        p[3] = 255;
        if (x >= SCAR_X0 && x < SCAR_X1 && y >= SCAR_Y0 && y < SCAR_Y1)
          {
            p[0] = 232;
            p[1] = 206;
            p[2] = 196;
          }
      }
  for (cy = 0; cy < HEIGHT / 4; cy++)
    for (cx = 0; cx < WIDTH / 4; cx++)
      {
        guint32 h  = hash (cx * 7919 + 1, cy);
        gdouble sx = cx * 4 + (h & 3), sy = cy * 4 + ((h >> 2) & 3);
        gdouble dx = (sx - WIDTH / 2.0) / 1400.0;
        gdouble dy = (sy - HEIGHT / 2.0) / 1000.0;
        gdouble out = (sqrt (dx * dx + dy * dy) - 1.0) * 1000.0 / 60.0;
        gdouble angle = 1.0 + ((h >> 8) & 255) / 256.0;
        gint    len = 12 + (gint) ((h >> 16) % 12u);

        if (out < 1.0 && (h >> 24) >= 256.0 * out)
          continue;
        for (k = 0; k < len; k++)
          {
            gint fx = (gint) (sx + k * cos (angle));
            gint fy = (gint) (sy + k * sin (angle));

            if (fx >= 0 && fx < WIDTH && fy >= 0 && fy < HEIGHT)
              {
                guchar *p = px + ((gsize) fy * WIDTH + fx) * 4;

                p[0] = 38;
                p[1] = 27;
                p[2] = 22;
              }
          }
      }
  gegl_buffer_set (buffer, &rect, 0, babl_format ("R'G'B'A u8"), px,
                   GEGL_AUTO_ROWSTRIDE);
  g_free (px);
  return buffer;
}

/* The mask as a designer draws it over the bald area: an ellipse a little
 * inside it whose radius wobbles by a few per cent, feathered over 40 px.  */
static GeglBuffer *
make_mask (void)
{
  GeglRectangle rect = { 0, 0, WIDTH, HEIGHT };
  GeglBuffer   *buffer = gegl_buffer_new (&rect, babl_format ("Y' float"));
  gfloat       *m = g_new (gfloat, (gsize) WIDTH * HEIGHT);
  gint          x, y;

  for (y = 0; y < HEIGHT; y++)
    for (x = 0; x < WIDTH; x++)
      {
        gdouble dx = (x + 0.5 - WIDTH / 2.0) / 1300.0;
        gdouble dy = (y + 0.5 - HEIGHT / 2.0) / 900.0;
        gdouble a  = atan2 (dy, dx);
        gdouble rr = 1.0 + 0.04 * sin (3.0 * a + 0.5) + 0.02 * sin (7.0 * a);

        m[(gsize) y * WIDTH + x] =
          (gfloat) CLAMP ((rr - sqrt (dx * dx + dy * dy)) * 900.0 / 40.0 + 0.5,
                          0.0, 1.0);
      }
  gegl_buffer_set (buffer, &rect, 0, babl_format ("Y' float"), m,
                   GEGL_AUTO_ROWSTRIDE);
  g_free (m);
  return buffer;
}

/* A scar mask as a designer draws it: the scar's corridor grown by 10 px,
 * feathered over 6 px.  */
static GeglBuffer *
make_scar_mask (void)
{
  GeglRectangle rect = { 0, 0, WIDTH, HEIGHT };
  GeglBuffer   *buffer = gegl_buffer_new (&rect, babl_format ("Y' float"));
  gfloat       *m = g_new0 (gfloat, (gsize) WIDTH * HEIGHT);
  gint          x, y;

  for (y = SCAR_Y0 - 16; y < SCAR_Y1 + 16; y++)
    for (x = SCAR_X0 - 16; x < SCAR_X1 + 16; x++)
      {
        gdouble dx = MAX (SCAR_X0 - 10 - x, x + 1 - (SCAR_X1 + 10));
        gdouble dy = MAX (SCAR_Y0 - 10 - y, y + 1 - (SCAR_Y1 + 10));

        m[(gsize) y * WIDTH + x] =
          (gfloat) CLAMP (0.5 - MAX (dx, dy) / 6.0, 0.0, 1.0);
      }
  gegl_buffer_set (buffer, &rect, 0, babl_format ("Y' float"), m,
                   GEGL_AUTO_ROWSTRIDE);
  g_free (m);
  return buffer;
}

/* The process's CPU time, ms: what a draw costs whatever else the
 * machine runs (with one thread, the wall time on an idle machine).  */
static gdouble
cpu_ms (void)
{
  struct timespec t;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Milliseconds for one draw of area; its CPU time added to *cpu.  */
static gdouble
draw (SmpSettingsRenderer *r,
      SmpSettings         *s,
      GeglBuffer          *photo,
      GeglBuffer          *mask,
      const GeglRectangle *area,
      gpointer             pixels,
      gdouble             *cpu)
{
  gint64  t0 = g_get_monotonic_time ();
  gdouble c0 = cpu_ms ();

  smp_settings_renderer_render (r, s, photo, mask, 0, 0, FALSE, area,
                                babl_format ("R'G'B'A u8"), pixels);
  *cpu += cpu_ms () - c0;
  return (g_get_monotonic_time () - t0) / 1000.0;
}

/* The view of redraw i: panned about the mask's edge (where the look
 * blends in) and its middle, as a user looks.  */
static GeglRectangle
view (gint i)
{
  GeglRectangle area = { 2300 + (i % 5) * 120, 900 + (i % 4) * 100, 600,
                         400 };

  return area;
}

int
main (int    argc,
      char **argv)
{
  GeglBuffer  *photo, *mask, *scar_mask;
  gchar      **ops;
  GPtrArray   *runs = g_ptr_array_new_with_free_func (g_free);
  gpointer     pixels = g_malloc ((gsize) 600 * 400 * 4);
  guchar      *before = g_malloc ((gsize) 600 * 400 * 4);
  gint         k, i, status = 0, redraws = RUNS;
  guint        j;

  gegl_init (&argc, &argv);
  photo = make_photo ();
  mask  = make_mask ();
  scar_mask = make_scar_mask ();

  ops = smp_settings_list_ops ();
  if (argc > 1)
    {
      g_ptr_array_add (runs, g_strdup (argv[1]));
      redraws = argc > 2 ? MAX (1, atoi (argv[2])) : RUNS;
    }
  else
  for (k = 0; ops[k]; k++)
    if (! strcmp (ops[k], "smp:follicles"))
      {
        g_ptr_array_add (runs, g_strdup ("smp:follicles match=ring"));
        g_ptr_array_add (runs, g_strdup ("smp:follicles match=none"));
      }
    else
      g_ptr_array_add (runs, g_strdup (ops[k]));
  g_strfreev (ops);

  printf ("preview of 600x400 px on a %dx%d photo (%.0f MP, px-per-mm 8, a "
          "hand-drawn mask over its bald area), GEGL_THREADS=%s, through the "
          "dialog's kept renderer; target: redraws < %.0f ms mean\n\n",
          WIDTH, HEIGHT, WIDTH * HEIGHT / 1e6,
          g_getenv ("GEGL_THREADS") ? g_getenv ("GEGL_THREADS") : "default",
          TARGET);
  printf ("ms of wall time (of the process's CPU time)\n\n");
  printf ("| operation | first draw (learns), ms | zoom/pan redraw mean, ms "
          "| worst, ms | a control moved, mean ms | changed | target |\n"
          "|---|---|---|---|---|---|---|\n");
  for (j = 0; j < runs->len; j++)
    {
      const gchar         *run = g_ptr_array_index (runs, j);
      gchar               *op = g_strndup (run, strcspn (run, " "));
      SmpSettings         *s = smp_settings_new (op);
      SmpSettingsRenderer *r = smp_settings_renderer_new ();
      GeglBuffer          *m = strcmp (op, "smp:scar-blend") ? mask : scar_mask;
      GeglRectangle        first = view (0);
      gdouble              t_first, total = 0, worst = 0, moved = 0;
      gdouble              c_first = 0, c_redraw = 0, c_moved = 0;
      gsize                n = (gsize) 600 * 400, changed = 0, p;

      smp_settings_from_string (s, "px-per-mm=8 seed=1", NULL);
      if (strchr (run, ' '))
        smp_settings_from_string (s, run, NULL);
      t_first = draw (r, s, photo, m, &first, pixels, &c_first);
      for (i = 1; i <= redraws; i++)
        {
          GeglRectangle area = view (i);
          gdouble       ms   = draw (r, s, photo, m, &area, pixels,
                                      &c_redraw);

          total += ms;
          worst  = MAX (worst, ms);
        }
      /* A control moved: the seed, a few times.  */
      for (i = 0; i < 3; i++)
        {
          gchar *text = g_strdup_printf ("seed=%d", 2 + i);

          smp_settings_from_string (s, text, NULL);
          g_free (text);
          moved += draw (r, s, photo, m, &first, pixels, &c_moved) / 3;
        }
      gegl_buffer_get (photo, &first, 1.0, babl_format ("R'G'B'A u8"),
                       before, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      for (p = 0; p < n; p++)
        changed += memcmp (before + 4 * p, (guchar *) pixels + 4 * p, 4) != 0;
      printf ("| %s | %.0f (%.0f) | %.1f (%.1f) | %.1f | %.0f (%.0f) | "
              "%.0f %% | %s |\n", run, t_first, c_first, total / redraws,
              c_redraw / redraws, worst, moved, c_moved / 3,
              100.0 * changed / n,
              total / redraws < TARGET ? "met" : "NOT met");
      fflush (stdout);
      if (! changed)
        status = 1;
      smp_settings_renderer_free (r);
      smp_settings_free (s);
      g_free (op);
    }
  g_ptr_array_unref (runs);
  g_free (pixels);
  g_free (before);
  g_object_unref (photo);
  g_object_unref (mask);
  g_object_unref (scar_mask);
  gegl_exit ();
  return status;
}
