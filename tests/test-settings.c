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

int
main (int    argc,
      char **argv)
{
  smp_test_init (&argc, &argv);
  g_test_add_func ("/settings/ops", test_ops);
  g_test_add_func ("/settings/text", test_text);
  g_test_add_func ("/settings/render", test_render);
  g_test_add_func ("/settings/presets", test_presets);
  return g_test_run ();
}
