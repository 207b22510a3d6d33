/* smp-settings.c: see smp-settings.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smp-settings.h"

static int
compare_names (const void *a,
               const void *b)
{
  return strcmp (*(gchar * const *) a, *(gchar * const *) b);
}

/* Whether op takes a photo: a render op (smp:hairline, a mask) is no
 * filter for a layer.  */
static gboolean
takes_input (const gchar *op)
{
  GeglNode *graph = gegl_node_new ();
  GeglNode *node  = gegl_node_new_child (graph, "operation", op, NULL);
  gboolean  yes   = gegl_node_has_pad (node, "input");

  g_object_unref (graph);
  return yes;
}

gchar **
smp_settings_list_ops (void)
{
  guint    n, i, k = 0;
  gchar  **all  = gegl_list_operations (&n);
  gchar  **mine = g_new0 (gchar *, n + 1);

  /* Ops that make a mask rather than change the photo (smp:scalp-map,
   * class key "smp:role" = "mask") are not filters to list.  */
  for (i = 0; i < n; i++)
    if (g_str_has_prefix (all[i], "smp:") && takes_input (all[i]) &&
        g_strcmp0 (gegl_operation_get_key (all[i], "smp:role"), "mask"))
      mine[k++] = g_strdup (all[i]);
  qsort (mine, k, sizeof (gchar *), compare_names);
  g_free (all);
  return mine;
}

const gchar *
smp_settings_short_name (const gchar *op)
{
  const gchar *colon = strchr (op, ':');

  return colon ? colon + 1 : op;
}

static int
compare_specs (const void *a,
               const void *b)
{
  const GParamSpec *pa = *(GParamSpec * const *) a;
  const GParamSpec *pb = *(GParamSpec * const *) b;

  /* param_id is the order of declaration in the op's file.  */
  return (pa->param_id > pb->param_id) - (pa->param_id < pb->param_id);
}

SmpSettings *
smp_settings_new (const gchar *op)
{
  SmpSettings *s;
  GParamSpec **all;
  guint        n, i;

  if (! gegl_has_operation (op))
    return NULL;
  all = gegl_operation_list_properties (op, &n);
  s   = g_new0 (SmpSettings, 1);
  s->op     = g_strdup (op);
  s->specs  = g_new0 (GParamSpec *, n + 1);
  /* Not the output choice, nor what an op reports back (read only,
   * "role" "output-extent", as gegl:text's size).  */
  for (i = 0; i < n; i++)
    if (strcmp (all[i]->name, SMP_OUTPUT_PROPERTY) &&
        g_strcmp0 (gegl_param_spec_get_property_key (all[i], "role"),
                   "output-extent"))
      s->specs[s->n_specs++] = all[i];
  qsort (s->specs, s->n_specs, sizeof (GParamSpec *), compare_specs);
  s->values = g_new0 (GValue, s->n_specs);
  for (i = 0; i < s->n_specs; i++)
    g_value_init (&s->values[i], s->specs[i]->value_type);
  smp_settings_reset (s);
  g_free (all);
  return s;
}

void
smp_settings_free (SmpSettings *settings)
{
  guint i;

  if (! settings)
    return;
  for (i = 0; i < settings->n_specs; i++)
    g_value_unset (&settings->values[i]);
  g_free (settings->values);
  g_free (settings->specs);
  g_free (settings->op);
  g_free (settings);
}

void
smp_settings_reset (SmpSettings *settings)
{
  guint i;

  for (i = 0; i < settings->n_specs; i++)
    {
      GParamSpec *pspec = settings->specs[i];

      if (GEGL_IS_PARAM_SPEC_COLOR (pspec))
        {
          /* A new colour of its own: the default is shared by the spec.  */
          GeglColor *def = gegl_param_spec_color_get_default (pspec);

          g_value_take_object (&settings->values[i],
                               def ? gegl_color_duplicate (def)
                                   : gegl_color_new ("black"));
        }
      else
        g_param_value_set_default (pspec, &settings->values[i]);
    }
}

gint
smp_settings_find (const SmpSettings *settings,
                   const gchar       *name)
{
  guint  i;
  gchar *canon = g_strdelimit (g_strdup (name), "_", '-');

  for (i = 0; i < settings->n_specs; i++)
    if (! strcmp (settings->specs[i]->name, canon))
      {
        g_free (canon);
        return (gint) i;
      }
  g_free (canon);
  return -1;
}

gboolean
smp_settings_has_pigment (const SmpSettings *settings)
{
  GParamSpec *pspec = gegl_operation_find_property (settings->op,
                                                    SMP_OUTPUT_PROPERTY);

  return pspec && G_IS_PARAM_SPEC_ENUM (pspec) &&
         g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class,
                                   "pigment") != NULL;
}

gboolean
smp_settings_is_dot (const SmpSettings *settings,
                     guint              k)
{
  gint first = smp_settings_find (settings, "dot-diameter");
  gint last  = smp_settings_find (settings, "seed");

  /* The shared properties are declared together, in this order.  */
  return first >= 0 && last >= first && (gint) k >= first && (gint) k <= last;
}

gdouble
smp_settings_get_double (const SmpSettings *settings,
                         const gchar       *name)
{
  gint k = smp_settings_find (settings, name);

  return k >= 0 && G_VALUE_HOLDS_DOUBLE (&settings->values[k])
         ? g_value_get_double (&settings->values[k]) : 0.0;
}

void
smp_settings_set_double (SmpSettings *settings,
                         const gchar *name,
                         gdouble      value)
{
  gint k = smp_settings_find (settings, name);

  if (k < 0 || ! G_VALUE_HOLDS_DOUBLE (&settings->values[k]))
    return;
  g_value_set_double (&settings->values[k], value);
  g_param_value_validate (settings->specs[k], &settings->values[k]);
}

/* The node of a preset's last op, built on a nop in graph.  */
static GeglNode *
preset_op (GeglNode        *graph,
           const SmpPreset *preset,
           GError         **error)
{
  GeglNode *src = gegl_node_new_child (graph, "operation", "gegl:nop", NULL);
  GeglNode *end = smp_preset_build (preset, graph, src, NULL, error);

  return end ? smp_preset_last_op (end) : NULL;
}

GPtrArray *
smp_settings_presets (const SmpSettings *settings)
{
  GPtrArray *all  = smp_presets_list ();
  GPtrArray *mine = g_ptr_array_new_with_free_func ((GDestroyNotify) smp_preset_free);
  guint      i;

  for (i = 0; i < all->len; i++)
    {
      SmpPreset *p     = g_ptr_array_index (all, i);
      GeglNode  *graph = gegl_node_new ();
      GeglNode  *op    = preset_op (graph, p, NULL);

      if (op && ! g_strcmp0 (gegl_node_get_operation (op), settings->op))
        g_ptr_array_add (mine, g_ptr_array_steal_index (all, i--));
      g_object_unref (graph);
    }
  g_ptr_array_unref (all);
  return mine;
}

gboolean
smp_settings_apply_preset (SmpSettings      *settings,
                           const SmpPreset  *preset,
                           GError          **error)
{
  GeglNode *graph = gegl_node_new ();
  GeglNode *op    = preset_op (graph, preset, error);
  guint     i;

  if (op && g_strcmp0 (gegl_node_get_operation (op), settings->op))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "preset %s is for %s, not %s", preset->name,
                   gegl_node_get_operation (op), settings->op);
      op = NULL;
    }
  for (i = 0; op && i < settings->n_specs; i++)
    {
      const gchar *name = settings->specs[i]->name;

      if (! strcmp (name, "px-per-mm") || ! strcmp (name, "seed"))
        continue;
      gegl_node_get_property (op, name, &settings->values[i]);
    }
  g_object_unref (graph);
  return op != NULL;
}

/* Equal as a control shows them: numbers to a millionth, colours to a
 * hundredth of a percent per channel (a colour button's round trip).  */
static gboolean
values_equal (const GValue *a,
              const GValue *b)
{
  if (G_VALUE_HOLDS_DOUBLE (a))
    return fabs (g_value_get_double (a) - g_value_get_double (b)) <=
           1e-6 * MAX (1.0, fabs (g_value_get_double (a)));
  if (G_VALUE_HOLDS_INT (a))
    return g_value_get_int (a) == g_value_get_int (b);
  if (G_VALUE_HOLDS_UINT (a))
    return g_value_get_uint (a) == g_value_get_uint (b);
  if (G_VALUE_HOLDS_BOOLEAN (a))
    return g_value_get_boolean (a) == g_value_get_boolean (b);
  if (G_VALUE_HOLDS_ENUM (a))
    return g_value_get_enum (a) == g_value_get_enum (b);
  if (G_VALUE_HOLDS_STRING (a))
    return ! g_strcmp0 (g_value_get_string (a), g_value_get_string (b));
  if (G_VALUE_HOLDS (a, GEGL_TYPE_COLOR))
    {
      gdouble ca[4], cb[4];
      gint    c;

      if (! g_value_get_object (a) || ! g_value_get_object (b))
        return g_value_get_object (a) == g_value_get_object (b);
      gegl_color_get_pixel (g_value_get_object (a),
                            babl_format ("R'G'B'A double"), ca);
      gegl_color_get_pixel (g_value_get_object (b),
                            babl_format ("R'G'B'A double"), cb);
      for (c = 0; c < 4; c++)
        if (fabs (ca[c] - cb[c]) > 1e-4)
          return FALSE;
      return TRUE;
    }
  return FALSE;
}

const SmpPreset *
smp_settings_matching_preset (const SmpSettings *settings,
                              GPtrArray         *presets)
{
  SmpSettings     *look  = smp_settings_new (settings->op);
  const SmpPreset *found = NULL;
  guint            p, i;

  for (p = 0; look && ! found && p < presets->len; p++)
    {
      SmpPreset *preset = g_ptr_array_index (presets, p);
      gboolean   same   = smp_settings_apply_preset (look, preset, NULL);

      for (i = 0; same && i < settings->n_specs; i++)
        {
          const gchar *name = settings->specs[i]->name;

          if (strcmp (name, "px-per-mm") && strcmp (name, "seed"))
            same = values_equal (&settings->values[i], &look->values[i]);
        }
      if (same)
        found = preset;
    }
  smp_settings_free (look);
  return found;
}

gchar *
smp_settings_describe (const SmpSettings *settings,
                       GPtrArray         *presets)
{
  const SmpPreset *preset = smp_settings_matching_preset (settings, presets);

  return g_strdup_printf ("%s, %.2f px/mm",
                          preset ? preset->name : "own settings",
                          smp_settings_get_double (settings, "px-per-mm"));
}

gboolean
smp_settings_color_is_auto (GParamSpec *pspec)
{
  GeglColor *def;
  gdouble    rgba[4];

  if (! GEGL_IS_PARAM_SPEC_COLOR (pspec))
    return FALSE;
  def = gegl_param_spec_color_get_default (pspec);
  if (! def)
    return FALSE;
  gegl_color_get_pixel (def, babl_format ("RGBA double"), rgba);
  return rgba[3] == 0.0;
}

gchar *
smp_settings_to_string (const SmpSettings *settings)
{
  GString *text = g_string_new (settings->op);
  guint    i;

  for (i = 0; i < settings->n_specs; i++)
    {
      const GValue *v    = &settings->values[i];
      const gchar  *name = settings->specs[i]->name;
      gchar         num[G_ASCII_DTOSTR_BUF_SIZE];

      if (G_VALUE_HOLDS_DOUBLE (v))
        g_string_append_printf (text, " %s=%s", name,
                                g_ascii_dtostr (num, sizeof num,
                                                g_value_get_double (v)));
      else if (G_VALUE_HOLDS_INT (v))
        g_string_append_printf (text, " %s=%d", name, g_value_get_int (v));
      else if (G_VALUE_HOLDS_UINT (v))
        g_string_append_printf (text, " %s=%u", name, g_value_get_uint (v));
      else if (G_VALUE_HOLDS_BOOLEAN (v))
        g_string_append_printf (text, " %s=%s", name,
                                g_value_get_boolean (v) ? "true" : "false");
      else if (G_VALUE_HOLDS_ENUM (v))
        {
          GEnumClass *klass = g_type_class_ref (G_VALUE_TYPE (v));
          GEnumValue *ev    = g_enum_get_value (klass, g_value_get_enum (v));

          if (ev)
            g_string_append_printf (text, " %s=%s", name, ev->value_nick);
          g_type_class_unref (klass);
        }
      else if (G_VALUE_HOLDS (v, GEGL_TYPE_COLOR) && g_value_get_object (v))
        {
          GeglColor   *color  = g_value_get_object (v);
          const Babl  *stored = gegl_color_get_format (color);
          const gchar *model  = babl_get_name (babl_format_get_model (stored));
          gdouble      rgba[4], p[4];
          gchar        c[4][G_ASCII_DTOSTR_BUF_SIZE];
          gint         k;
          gboolean     bytes = ! strcmp (model, "R'G'B'A");

          /* A colour given in hex (a preset's, a spec's default) is
           * written back in hex: the ops decode sRGB colours themselves,
           * and the same colour through linear text would differ in its
           * last bits (a pixel a level off on Filters > Repeat).  */
          gegl_color_get_pixel (color, babl_format ("R'G'B'A double"), p);
          for (k = 0; k < 4 && bytes; k++)
            bytes = fabs (p[k] * 255.0 - round (p[k] * 255.0)) < 1e-4;
          if (bytes)
            {
              g_string_append_printf (text, " %s=#%02x%02x%02x", name,
                                      (guint) round (p[0] * 255.0),
                                      (guint) round (p[1] * 255.0),
                                      (guint) round (p[2] * 255.0));
              if (round (p[3] * 255.0) < 255.0)
                g_string_append_printf (text, "%02x",
                                        (guint) round (p[3] * 255.0));
              continue;
            }
          gegl_color_get_rgba (color, &rgba[0], &rgba[1], &rgba[2],
                               &rgba[3]);
          /* Shortest text that reads back to the same double.  */
          for (k = 0; k < 4; k++)
            g_ascii_dtostr (c[k], sizeof c[k], rgba[k]);
          g_string_append_printf (text, " %s=rgba(%s,%s,%s,%s)", name,
                                  c[0], c[1], c[2], c[3]);
        }
      else if (G_VALUE_HOLDS_STRING (v) && g_value_get_string (v))
        g_string_append_printf (text, " %s='%s'", name,
                                g_value_get_string (v));
    }
  return g_string_free (text, FALSE);
}

static gboolean
set_from_text (GValue      *v,
               GParamSpec  *pspec,
               const gchar *text)
{
  gchar *end = NULL;

  if (G_VALUE_HOLDS_DOUBLE (v))
    {
      gdouble d = g_ascii_strtod (text, &end);

      if (end == text || *end)
        return FALSE;
      g_value_set_double (v, d);
    }
  else if (G_VALUE_HOLDS_INT (v) || G_VALUE_HOLDS_UINT (v))
    {
      gint64 i = g_ascii_strtoll (text, &end, 10);

      if (end == text || *end)
        return FALSE;
      if (G_VALUE_HOLDS_INT (v))
        g_value_set_int (v, (gint) i);
      else
        g_value_set_uint (v, (guint) i);
    }
  else if (G_VALUE_HOLDS_BOOLEAN (v))
    g_value_set_boolean (v, ! strcmp (text, "true") || ! strcmp (text, "1"));
  else if (G_VALUE_HOLDS_ENUM (v))
    {
      GEnumClass *klass = g_type_class_ref (G_VALUE_TYPE (v));
      GEnumValue *ev    = g_enum_get_value_by_nick (klass, text);

      if (ev)
        g_value_set_enum (v, ev->value);
      g_type_class_unref (klass);
      if (! ev)
        return FALSE;
    }
  else if (G_VALUE_HOLDS (v, GEGL_TYPE_COLOR))
    {
      GeglColor *c = gegl_color_new (NULL);

      /* gegl_color_set_from_string warns on nonsense; check the form.  */
      if (! g_regex_match_simple ("^(#[0-9a-fA-F]{3,8}|[a-z]+|rgba?\\([-0-9.e, ]+\\))$",
                                  text, 0, 0))
        {
          g_object_unref (c);
          return FALSE;
        }
      g_object_set (c, "string", text, NULL);
      g_value_take_object (v, c);
    }
  else if (G_VALUE_HOLDS_STRING (v))
    g_value_set_string (v, text);
  else
    return FALSE;

  /* Out of range: clamped to the spec, as the op itself does.  */
  g_param_value_validate (pspec, v);
  return TRUE;
}

gboolean
smp_settings_from_string (SmpSettings  *settings,
                          const gchar  *text,
                          GError      **error)
{
  gchar   **words;
  gint      argc = 0, i;
  GString  *bad = g_string_new (NULL);
  gboolean  ok;

  /* No words, nothing to change (g_shell_parse_argv calls it an error).  */
  if (! text[strspn (text, " \t\n")])
    {
      g_string_free (bad, TRUE);
      return TRUE;
    }
  if (! g_shell_parse_argv (text, &argc, &words, NULL))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "cannot read the settings \"%s\"", text);
      g_string_free (bad, TRUE);
      return FALSE;
    }
  for (i = 0; i < argc; i++)
    {
      gchar *eq = strchr (words[i], '=');
      gint   k;

      if (! eq)
        {
          /* The op's own name may lead; another op's is an error.  */
          if (i == 0 && ! strcmp (words[i], settings->op))
            continue;
          g_string_append_printf (bad, " %s (not name=value)", words[i]);
          continue;
        }
      *eq = '\0';
      k = smp_settings_find (settings, words[i]);
      if (k < 0)
        g_string_append_printf (bad, " %s (no such property of %s)",
                                words[i], settings->op);
      else if (! set_from_text (&settings->values[k], settings->specs[k],
                                eq + 1))
        g_string_append_printf (bad, " %s=%s (not a value for it)",
                                words[i], eq + 1);
    }
  g_strfreev (words);
  ok = bad->len == 0;
  if (! ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                 "settings for %s not understood:%s", settings->op, bad->str);
  g_string_free (bad, TRUE);
  return ok;
}

GeglNode *
smp_settings_graph (const SmpSettings *settings,
                    GeglBuffer        *input,
                    GeglBuffer        *mask,
                    gint               mask_dx,
                    gint               mask_dy,
                    gboolean           pigment,
                    GeglNode         **graph)
{
  GeglNode *src, *op;
  guint     i;

  *graph = gegl_node_new ();
  src = gegl_node_new_child (*graph, "operation", "gegl:buffer-source",
                             "buffer", input, NULL);
  op  = gegl_node_new_child (*graph, "operation", settings->op, NULL);
  for (i = 0; i < settings->n_specs; i++)
    gegl_node_set_property (op, settings->specs[i]->name,
                            &settings->values[i]);
  if (pigment && smp_settings_has_pigment (settings))
    {
      GParamSpec *pspec = gegl_operation_find_property (settings->op,
                                                        SMP_OUTPUT_PROPERTY);

      gegl_node_set (op, SMP_OUTPUT_PROPERTY,
                     g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class,
                                               "pigment")->value, NULL);
    }
  gegl_node_link (src, op);
  if (mask)
    {
      GeglNode *msrc  = gegl_node_new_child (*graph,
                                             "operation", "gegl:buffer-source",
                                             "buffer", mask, NULL);
      GeglNode *shift = gegl_node_new_child (*graph,
                                             "operation", "gegl:translate",
                                             "x", (gdouble) mask_dx,
                                             "y", (gdouble) mask_dy,
                                             "sampler", GEGL_SAMPLER_NEAREST,
                                             NULL);

      gegl_node_link (msrc, shift);
      gegl_node_connect_to (shift, "output", op, "aux");
    }
  return op;
}

GeglRectangle
smp_settings_reach (GeglNode            *op,
                    const GeglRectangle *mask_bounds)
{
  /* The bounding boxes first: the op reads its inputs' from them.  */
  GeglRectangle in = gegl_node_get_bounding_box (op), r;

  r = gegl_operation_get_required_for_output (gegl_node_get_gegl_operation (op),
                                              "aux", mask_bounds);
  if (! gegl_rectangle_intersect (&r, &r, &in))
    r.width = r.height = 0;
  return r;
}

void
smp_settings_render (const SmpSettings   *settings,
                     GeglBuffer          *input,
                     GeglBuffer          *mask,
                     gint                 mask_dx,
                     gint                 mask_dy,
                     gboolean             pigment,
                     const GeglRectangle *area,
                     const Babl          *format,
                     gpointer             pixels)
{
  GeglNode *graph;
  GeglNode *op = smp_settings_graph (settings, input, mask, mask_dx, mask_dy,
                                     pigment, &graph);

  gegl_node_blit (op, 1.0, area, format, pixels, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  g_object_unref (graph);
}
