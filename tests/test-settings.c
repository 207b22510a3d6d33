/* test-settings.c: the plug-in's GIMP-free half: the ops it finds, their
 * properties in order, settings as text both ways, and the preview's
 * rendering, which must be the op's own pixels.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <gegl.h>
#include <math.h>
#include <string.h>

#include "smp-settings.h"
#include "smp-test-util.h"

static void
test_ops (void)
{
  gchar      **ops = smp_settings_list_ops ();
  SmpSettings *s;

  g_assert_nonnull (ops[0]);
  g_assert_true (g_strv_contains ((const gchar * const *) ops,
                                  "smp:follicles"));
  s = smp_settings_new ("smp:follicles");
  /* Declaration order, without the output choice.  */
  g_assert_cmpstr (s->specs[0]->name, ==, "px-per-mm");
  g_assert_cmpstr (s->specs[1]->name, ==, "density");
  g_assert_cmpint (smp_settings_find (s, "output"), ==, -1);
  g_assert_cmpint (smp_settings_find (s, "match"), ==, 2);
  g_assert_cmpint (smp_settings_find (s, "dot_diameter"), ==, 5);
  /* What the op reports back is no setting.  */
  g_assert_cmpint (smp_settings_find (s, "learnt_hair"), ==, -1);
  g_assert_true (smp_settings_has_pigment (s));
  g_assert_null (smp_settings_new ("smp:no-such-op"));
  smp_settings_free (s);
  g_strfreev (ops);
}

static void
test_text (void)
{
  SmpSettings *a = smp_settings_new ("smp:follicles");
  SmpSettings *b = smp_settings_new ("smp:follicles");
  gchar       *ta, *tb;
  GError      *error = NULL;

  g_assert_true (smp_settings_from_string (a, "smp:follicles density=42.5 "
                                           "sessions=2 pigment=#102030 "
                                           "seed=7", &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (g_value_get_double (&a->values[smp_settings_find (a, "density")]),
                     ==, 42.5);
  ta = smp_settings_to_string (a);
  g_assert_true (smp_settings_from_string (b, ta, &error));
  tb = smp_settings_to_string (b);
  g_test_message ("%s", ta);
  g_assert_cmpstr (ta, ==, tb);

  /* Out of range: clamped to the spec, as the op does.  */
  g_assert_true (smp_settings_from_string (b, "density=1000", NULL));
  g_assert_cmpfloat (g_value_get_double (&b->values[smp_settings_find (b, "density")]),
                     ==, 250.0);
  /* Nonsense: an error naming it, the rest kept.  */
  g_assert_false (smp_settings_from_string (b, "density=lots colour=1 "
                                            "sessions=3", &error));
  g_assert_nonnull (strstr (error->message, "density=lots"));
  g_assert_nonnull (strstr (error->message, "colour"));
  g_assert_cmpint (g_value_get_int (&b->values[smp_settings_find (b, "sessions")]),
                   ==, 3);
  g_clear_error (&error);
  g_assert_false (smp_settings_from_string (b, "density='unclosed", &error));
  g_clear_error (&error);

  g_free (ta);
  g_free (tb);
  smp_settings_free (a);
  smp_settings_free (b);
}

/* The preview's pixels are the op's pixels, for every op: a region of
 * the photo rendered alone is that region of the whole photo rendered
 * (ops that learn from the whole mask learn it from there too).  */
static void
test_render (void)
{
  GeglRectangle rect = { 0, 0, 300, 200 }, area = { 40, 30, 120, 80 };
  GeglBuffer   *photo = smp_test_photo (&rect, babl_format ("R'G'B'A u8"));
  GeglBuffer   *mask  = gegl_buffer_new (&rect, babl_format ("Y' float"));
  gchar       **ops   = smp_settings_list_ops ();
  gfloat       *m     = g_new (gfloat, rect.width * rect.height);
  gint          k, i;

  /* The mask: a band away from the area, and a bit of it inside.  */
  for (i = 0; i < rect.width * rect.height; i++)
    m[i] = (i % rect.width > 140 && i % rect.width < 220) ? 1.0f : 0.0f;
  gegl_buffer_set (mask, &rect, 0, babl_format ("Y' float"), m,
                   GEGL_AUTO_ROWSTRIDE);
  for (k = 0; ops[k]; k++)
    {
      SmpSettings *s = smp_settings_new (ops[k]);
      guchar      *a = g_malloc (area.width * area.height * 4);
      guchar      *b, *whole;
      GeglNode    *graph, *op;
      gint         y, same = 1;

      smp_settings_from_string (s, "px-per-mm=12 seed=3", NULL);
      smp_settings_render (s, photo, mask, 0, 0, FALSE, &area,
                           babl_format ("R'G'B'A u8"), a);
      op = smp_test_graph (&graph, ops[k], photo, mask);
      gegl_node_set (op, "px-per-mm", 12.0, "seed", 3, NULL);
      whole = smp_test_blit (op, &rect, babl_format ("R'G'B'A u8"));
      b = g_malloc (area.width * area.height * 4);
      for (y = 0; y < area.height; y++)
        memcpy (b + y * area.width * 4,
                whole + ((area.y + y) * rect.width + area.x) * 4,
                area.width * 4);
      same = ! memcmp (a, b, area.width * area.height * 4);
      g_test_message ("%s: preview of %dx%d %s the whole render", ops[k],
                      area.width, area.height, same ? "equals" : "DIFFERS from");
      g_assert_cmpmem (a, area.width * area.height * 4, b,
                       area.width * area.height * 4);
      g_object_unref (graph);
      g_free (a);
      g_free (b);
      g_free (whole);
      smp_settings_free (s);
    }
  g_strfreev (ops);
  g_free (m);
  g_object_unref (photo);
  g_object_unref (mask);
}

/* One redraw of the dialog's renderer equals a fresh render of the same
 * settings; says whether the op changed anything.  */
static gboolean
redraw_equals_fresh (SmpSettingsRenderer *r,
                     SmpSettings         *s,
                     GeglBuffer          *photo,
                     GeglBuffer          *mask,
                     gint                 dx,
                     gboolean             pigment,
                     const GeglRectangle *area,
                     const gchar         *what)
{
  gsize   n = (gsize) area->width * area->height * 4;
  guchar *a = g_malloc (n), *b = g_malloc (n), *before = g_malloc (n);
  gboolean changed;

  gdouble  hair;

  smp_settings_renderer_render (r, s, photo, mask, dx, 0, pigment, area,
                                babl_format ("R'G'B'A u8"), a);
  /* What the kept op reports it learnt is what a fresh one learns.  */
  hair = smp_settings_learnt (s, "learnt-hair");
  smp_settings_render (s, photo, mask, dx, 0, pigment, area,
                       babl_format ("R'G'B'A u8"), b);
  if (! isnan (hair))
    g_assert_cmpfloat (hair, ==, smp_settings_learnt (s, "learnt-hair"));
  gegl_buffer_get (photo, area, 1.0, babl_format ("R'G'B'A u8"), before,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  changed = memcmp (a, before, n) != 0;
  g_test_message ("%s, %s: the kept renderer %s a fresh one%s", s->op, what,
                  memcmp (a, b, n) ? "DIFFERS from" : "equals",
                  changed ? "" : " (nothing changed)");
  g_assert_cmpmem (a, n, b, n);
  g_free (a);
  g_free (b);
  g_free (before);
  return changed;
}

/* The steps of a dialog's life: zoom and pan, composite and pigment (no
 * change to what is learnt), a new scale, a moved mask and a new seed
 * (each learnt anew); every redraw the pixels of a fresh render.  */
static gint
renderer_steps (SmpSettings         *s,
                GeglBuffer          *photo,
                GeglBuffer          *mask,
                const GeglRectangle *area,
                const GeglRectangle *pan)
{
  SmpSettingsRenderer *r = smp_settings_renderer_new ();
  gdouble              ppm = smp_settings_get_double (s, "px-per-mm");
  gint                 changed = 0, seed = smp_settings_find (s, "seed");

  changed += redraw_equals_fresh (r, s, photo, mask, 0, FALSE, area, "first");
  changed += redraw_equals_fresh (r, s, photo, mask, 0, FALSE, pan, "panned");
  changed += redraw_equals_fresh (r, s, photo, mask, 0, FALSE, area,
                                  "back");
  changed += redraw_equals_fresh (r, s, photo, mask, 0, TRUE, area,
                                  "pigment");
  changed += redraw_equals_fresh (r, s, photo, mask, 0, FALSE, pan,
                                  "composite again");
  smp_settings_set_double (s, "px-per-mm", ppm * 0.8);
  changed += redraw_equals_fresh (r, s, photo, mask, 0, FALSE, area,
                                  "another scale");
  changed += redraw_equals_fresh (r, s, photo, mask, 9, FALSE, area,
                                  "the mask moved");
  if (seed >= 0)
    {
      g_assert_true (smp_settings_from_string (s, "seed=11", NULL));
      changed += redraw_equals_fresh (r, s, photo, mask, 9, FALSE, pan,
                                      "another seed");
    }
  smp_settings_renderer_free (r);
  smp_settings_set_double (s, "px-per-mm", ppm);
  return changed;
}

/* The dialog's renderer, kept across redraws with what its op learnt,
 * gives the pixels of a fresh render at every step, for every op, and for
 * match=ring on a real photo with a hand-placed mask.  */
static void
test_renderer (void)
{
  GeglRectangle rect = { 0, 0, 300, 200 }, area = { 40, 30, 120, 80 };
  GeglRectangle pan  = { 120, 60, 120, 80 };
  GeglBuffer   *photo = smp_test_photo (&rect, babl_format ("R'G'B'A u8"));
  GeglBuffer   *mask  = smp_test_ramp (&rect);
  gchar       **ops   = smp_settings_list_ops ();
  gint          k;

  for (k = 0; ops[k]; k++)
    {
      SmpSettings *s = smp_settings_new (ops[k]);

      smp_settings_from_string (s, "px-per-mm=12 seed=3", NULL);
      renderer_steps (s, photo, mask, &area, &pan);
      smp_settings_free (s);
    }
  g_strfreev (ops);
  g_object_unref (photo);
  g_object_unref (mask);

  /* 16: a bald top, buzzed sides (regions.tsv: the ellipse 330,300
   * 170x170), the mask fading over 12 px.  */
  photo = smp_test_shared_photo ("16_top_buzzed_sides_bald_top.jpg");
  if (photo)
    {
      GeglRectangle whole = *gegl_buffer_get_extent (photo);
      GeglRectangle top   = { 200, 160, 260, 180 }, edge = { 360, 300, 200, 150 };
      gfloat       *m     = g_new (gfloat, (gsize) whole.width * whole.height);
      SmpSettings  *s     = smp_settings_new ("smp:follicles");
      gint          x, y;

      for (y = 0; y < whole.height; y++)
        for (x = 0; x < whole.width; x++)
          {
            gdouble dx = (x + 0.5 - 330.0) / 170.0, dy = (y + 0.5 - 300.0) / 170.0;

            m[(gsize) y * whole.width + x] =
              (gfloat) CLAMP ((1.0 - sqrt (dx * dx + dy * dy)) * 170.0 / 12.0,
                              0.0, 1.0);
          }
      mask = gegl_buffer_new (&whole, babl_format ("Y' float"));
      gegl_buffer_set (mask, &whole, 0, babl_format ("Y' float"), m,
                       GEGL_AUTO_ROWSTRIDE);
      g_assert_true (smp_settings_from_string (s, "px-per-mm=3.5 match=ring "
                                               "seed=2", NULL));
      g_assert_cmpint (renderer_steps (s, photo, mask, &top, &edge), ==, 8);
      smp_settings_free (s);
      g_free (m);
      g_object_unref (mask);
      g_object_unref (photo);
    }
}

/* The plug-in's Preset menu: each op lists its presets; a preset chosen
 * gives the pixels GEGL gives for the preset's text (the same scale and
 * seed), and keeps the scale the dialog had.  */
static void
test_presets (void)
{
  const gchar  *ops[] = { "smp:follicles", "smp:scar-blend",
                          "smp:density-soften" };
  const gint    want[] = { 4, 3, 2 };
  GeglRectangle rect = { 0, 0, 240, 160 }, area = { 20, 10, 200, 140 };
  GeglBuffer   *photo = smp_test_photo (&rect, babl_format ("R'G'B'A u8"));
  GeglBuffer   *mask  = smp_test_ramp (&rect);
  gint          i, total = 0;
  guint         k;

  for (i = 0; i < 3; i++)
    {
      SmpSettings *s       = smp_settings_new (ops[i]);
      GPtrArray   *presets = smp_settings_presets (s);

      g_test_message ("%s: %u presets", ops[i], presets->len);
      g_assert_cmpint (presets->len, ==, want[i]);
      for (k = 0; k < presets->len; k++)
        {
          SmpPreset *p = g_ptr_array_index (presets, k);
          GeglNode  *graph = gegl_node_new ();
          GeglNode  *src   = gegl_node_new_child (graph, "operation",
                                                  "gegl:buffer-source",
                                                  "buffer", photo, NULL);
          GeglNode  *msrc  = gegl_node_new_child (graph, "operation",
                                                  "gegl:buffer-source",
                                                  "buffer", mask, NULL);
          GeglNode  *end;
          guchar    *a = g_malloc (area.width * area.height * 4), *b;
          gdouble    ppm;
          GError    *error = NULL;

          smp_settings_from_string (s, "px-per-mm=7 seed=4", NULL);
          g_assert_true (smp_settings_apply_preset (s, p, &error));
          ppm = g_value_get_double (&s->values[smp_settings_find (s,
                                                                 "px-per-mm")]);
          g_assert_cmpfloat (ppm, ==, 7.0);
          smp_settings_render (s, photo, mask, 0, 0, FALSE, &area,
                               babl_format ("R'G'B'A u8"), a);

          end = smp_preset_build (p, graph, src, "px-per-mm=7 seed=4",
                                  &error);
          g_assert_no_error (error);
          gegl_node_connect_to (msrc, "output", smp_preset_last_op (end),
                                "aux");
          b = smp_test_blit (end, &area, babl_format ("R'G'B'A u8"));
          g_assert_cmpmem (a, area.width * area.height * 4, b,
                           area.width * area.height * 4);
          g_free (a);
          g_free (b);
          g_object_unref (graph);
          total++;
        }
      /* Another op's preset is refused with a message.  */
      {
        SmpSettings *other = smp_settings_new (ops[(i + 1) % 3]);
        GPtrArray   *theirs = smp_settings_presets (other);
        GError      *error = NULL;

        g_assert_false (smp_settings_apply_preset (s, g_ptr_array_index (theirs,
                                                                         0),
                                                   &error));
        g_assert_nonnull (strstr (error->message, "is for"));
        g_error_free (error);
        g_ptr_array_unref (theirs);
        smp_settings_free (other);
      }
      g_ptr_array_unref (presets);
      smp_settings_free (s);
    }
  g_assert_cmpint (total, ==, 9);
  g_object_unref (photo);
  g_object_unref (mask);
}

/* What the dialog's pages and the result layers' names rest on: the dot
 * properties every stippling op shares; the preset whose look settings
 * are, found from their values alone; the name's words.  */
static void
test_look (void)
{
  SmpSettings *s       = smp_settings_new ("smp:follicles");
  GPtrArray   *presets = smp_settings_presets (s);
  gchar       *name;
  guint        k, dots = 0;

  for (k = 0; k < s->n_specs; k++)
    dots += smp_settings_is_dot (s, k);
  /* dot-diameter .. seed in smp-dot-properties.inc, the timeline's four
   * (after-session, stage, years, touch-up) among them.  */
  g_assert_cmpuint (dots, ==, 19);
  g_assert_false (smp_settings_is_dot (s, smp_settings_find (s, "density")));
  g_assert_true (smp_settings_is_dot (s, smp_settings_find (s, "seed")));

  /* The defaults are no preset of follicles; shaved-dark-hair's values,
   * given one by one as a script would, are that preset, at any scale and
   * seed; one value off, and they are not.  */
  smp_settings_from_string (s, "px-per-mm=3.3", NULL);
  g_assert_null (smp_settings_matching_preset (s, presets));
  name = smp_settings_describe (s, presets);
  g_assert_cmpstr (name, ==, "own settings, 3.30 px/mm");
  g_free (name);
  g_assert_true (smp_settings_from_string (s, "match=ring ring-width=10 "
                                           "feather=20 density=100 "
                                           "dot-diameter=0.15 "
                                           "pigment=#26282e darkness=0.85 "
                                           "depth=0.35 halo=2 tone=0.08 "
                                           "sessions=3 clustering=0.2 "
                                           "shade-variation=0.1 "
                                           "elongation=1.15 seed=9", NULL));
  g_assert_nonnull (smp_settings_matching_preset (s, presets));
  g_assert_cmpstr (smp_settings_matching_preset (s, presets)->name, ==,
                   "shaved-dark-hair");
  name = smp_settings_describe (s, presets);
  g_assert_cmpstr (name, ==, "shaved-dark-hair, 3.30 px/mm");
  g_free (name);
  smp_settings_from_string (s, "darkness=0.8", NULL);
  g_assert_null (smp_settings_matching_preset (s, presets));

  /* Every preset is its own look, and only its own.  */
  for (k = 0; k < presets->len; k++)
    {
      SmpPreset *p = g_ptr_array_index (presets, k);

      g_assert_true (smp_settings_apply_preset (s, p, NULL));
      g_assert_true (smp_settings_matching_preset (s, presets) == p);
    }
  g_ptr_array_unref (presets);
  smp_settings_free (s);
}

/* Logged by GEGL's ops: anything an op says is a failure here.  */
static void
count_message (const gchar    *domain,
               GLogLevelFlags  level,
               const gchar    *message,
               gpointer        data)
{
  g_test_message ("an op said: %s", message);
  (*(gint *) data)++;
}

/* What the plug-in renders onto a layer: the reach of every op over a
 * small mask holds every pixel it changes, and, for an op that changes
 * nothing beyond its mask and learns from nothing around it, less than
 * the photo.  And the ops stay silent
 * when there is nothing to learn from (the plug-in says it): an empty
 * region, a region of a few pixels.  */
static void
test_reach (void)
{
  GeglRectangle rect = { 0, 0, 300, 200 }, spot = { 120, 70, 40, 30 };
  GeglRectangle tiny = { 150, 90, 3, 2 };
  GeglRectangle stripe = { 124, 80, 32, 8 };
  GeglBuffer   *photo = smp_test_photo (&rect, babl_format ("R'G'B'A u8"));
  GeglBuffer   *scarred = smp_test_photo (&rect, babl_format ("R'G'B'A u8"));
  gchar       **ops   = smp_settings_list_ops ();
  gint          k, said = 0;
  guint         handler = g_log_set_handler (NULL, G_LOG_LEVEL_MASK |
                                             G_LOG_FLAG_FATAL |
                                             G_LOG_FLAG_RECURSION,
                                             count_message, &said);
  guint         gegl_handler = g_log_set_handler ("GEGL", G_LOG_LEVEL_MASK,
                                                  count_message, &said);

  /* scar-blend conceals only what is scar-like and fades the rest of its
   * mask: it gets a pale stripe in the spot to conceal.  */
  {
    GeglColor *pale = gegl_color_new ("rgb(0.75, 0.62, 0.58)");

    gegl_buffer_set_color (scarred, &stripe, pale);
    g_object_unref (pale);
  }
  for (k = 0; ops[k]; k++)
    {
      SmpSettings  *s = smp_settings_new (ops[k]);
      GeglBuffer   *in = g_str_equal (ops[k], "smp:scar-blend") ? scarred
                                                                : photo;
      const GeglRectangle *masks[] = { &spot, &tiny };
      gint          m;

      smp_settings_from_string (s, "px-per-mm=4", NULL);
      for (m = 0; m < 2; m++)
        {
          GeglBuffer   *mask = smp_test_uniform (masks[m],
                                                 babl_format ("Y' float"),
                                                 (gfloat[4]) { 1, 1, 1, 1 });
          GeglNode     *graph, *op;
          GeglRectangle reach, changed = { 0, 0, 0, 0 };
          guchar       *before, *after;
          gint          i;

          op    = smp_settings_graph (s, in, mask, 0, 0, FALSE, &graph);
          reach = smp_settings_reach (op, masks[m]);
          after = smp_test_blit (op, &rect, babl_format ("R'G'B'A u8"));
          before = g_malloc ((gsize) rect.width * rect.height * 4);
          gegl_buffer_get (in, &rect, 1.0, babl_format ("R'G'B'A u8"),
                           before, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
          for (i = 0; i < rect.width * rect.height; i++)
            if (memcmp (before + i * 4, after + i * 4, 4))
              {
                GeglRectangle p = { i % rect.width, i / rect.width, 1, 1 };

                gegl_rectangle_bounding_box (&changed, &changed, &p);
              }
          g_test_message ("%s, mask %dx%d at (%d,%d): changed %dx%d at "
                          "(%d,%d), reach %dx%d at (%d,%d)", ops[k],
                          masks[m]->width, masks[m]->height, masks[m]->x,
                          masks[m]->y, changed.width, changed.height,
                          changed.x, changed.y, reach.width, reach.height,
                          reach.x, reach.y);
          g_assert_true (changed.width == 0 ||
                         gegl_rectangle_contains (&reach, &changed));
          g_assert_true (gegl_rectangle_contains (&reach, masks[m]));
          g_assert_true (gegl_rectangle_contains (&rect, &reach));
          if (m == 0)
            g_assert_cmpint (changed.width, >, 0);
          /* An op that learns from a ring around its mask (scar-blend,
           * follicles' match=ring) reads more of it than it changes.  */
          if (m == 0 && ! gegl_operation_find_property (ops[k],
                                                        "ring-width"))
            g_assert_cmpint (reach.width, <, rect.width);
          g_free (before);
          g_free (after);
          g_object_unref (graph);
          g_object_unref (mask);
        }
      smp_settings_free (s);
    }
  g_log_remove_handler (NULL, handler);
  g_log_remove_handler ("GEGL", gegl_handler);
  g_assert_cmpint (said, ==, 0);
  g_strfreev (ops);
  g_object_unref (photo);
  g_object_unref (scarred);
}

int
main (int    argc,
      char **argv)
{
  smp_test_init (&argc, &argv);
  g_test_add_func ("/settings/ops", test_ops);
  g_test_add_func ("/settings/text", test_text);
  g_test_add_func ("/settings/render", test_render);
  g_test_add_func ("/settings/renderer", test_renderer);
  g_test_add_func ("/settings/presets", test_presets);
  g_test_add_func ("/settings/look", test_look);
  g_test_add_func ("/settings/reach", test_reach);
  return g_test_run ();
}
