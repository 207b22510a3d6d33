/* smp-presets.c: see smp-presets.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smp-hairline.h"
#include "smp-presets.h"

gchar **
smp_presets_dirs (void)
{
  GPtrArray   *dirs = g_ptr_array_new ();
  const gchar *env  = g_getenv ("SMP_PRESET_PATH");

  if (env && *env)
    {
      gchar **parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
      gint    i;

      for (i = 0; parts[i]; i++)
        if (*parts[i])
          g_ptr_array_add (dirs, g_strdup (parts[i]));
      g_strfreev (parts);
    }
  g_ptr_array_add (dirs, g_strdup (SMP_PRESET_DIR));
  g_ptr_array_add (dirs, NULL);
  return (gchar **) g_ptr_array_free (dirs, FALSE);
}

void
smp_preset_timeline (const SmpPreset *preset,
                     GPtrArray       *presets)
{
  /* What a client asks at the consultation (issue 16): right after the
   * first session and after the last, while still red; healed; five years
   * on, faded; and touched up then.  */
  static const struct
  {
    const gchar *label, *stage;
    gint         after_session;
    gdouble      years;
    gboolean     touch_up;
  } stages[] = {
    { "after session 1 (fresh)",        "fresh",  1, 0.0, FALSE },
    { "after the last session (fresh)", "fresh",  0, 0.0, FALSE },
    { "healed",                         "healed", 0, 0.0, FALSE },
    { "in 5 years",                     "aged",   0, 5.0, FALSE },
    { "touched up after 5 years",       "aged",   0, 5.0, TRUE  },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (stages); i++)
    {
      SmpPreset *p = g_new0 (SmpPreset, 1);

      p->name          = g_strdup_printf ("%s, %s", preset->name,
                                          stages[i].label);
      p->path          = g_strdup (preset->path);
      p->description   = g_strdup (preset->description);
      p->text          = g_strdup (preset->text);
      p->stage         = stages[i].stage;
      p->after_session = stages[i].after_session;
      p->years         = stages[i].years;
      p->touch_up      = stages[i].touch_up;
      g_ptr_array_add (presets, p);
    }
}

void
smp_preset_free (SmpPreset *preset)
{
  if (! preset)
    return;
  g_free (preset->name);
  g_free (preset->path);
  g_free (preset->description);
  g_free (preset->text);
  g_free (preset);
}

static SmpPreset *
read_preset (const gchar  *path,
             GError      **error)
{
  SmpPreset *p = g_new0 (SmpPreset, 1);
  gchar     *base;
  gchar    **lines;
  gint       i;

  if (! g_file_get_contents (path, &p->text, NULL, error))
    {
      g_free (p);
      return NULL;
    }
  if (! g_utf8_validate (p->text, -1, NULL))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s: not a preset (not text)", path);
      smp_preset_free (p);
      return NULL;
    }
  p->path = g_strdup (path);
  base    = g_path_get_basename (path);
  if (g_str_has_suffix (base, ".gegl"))
    base[strlen (base) - 5] = '\0';
  p->name = base;

  /* The first comment is the description.  */
  lines = g_strsplit (p->text, "\n", -1);
  for (i = 0; lines[i] && ! p->description; i++)
    {
      gchar *l = g_strstrip (lines[i]);

      if (l[0] == '#')
        p->description = g_strdup (g_strstrip (l + 1));
      else if (l[0])
        break;
    }
  g_strfreev (lines);
  if (! p->description)
    p->description = g_strdup (p->name);
  return p;
}

SmpPreset *
smp_preset_load (const gchar  *name_or_path,
                 GError      **error)
{
  gchar    **dirs;
  SmpPreset *p = NULL;
  gint       i;

  if (strchr (name_or_path, '/') || g_str_has_suffix (name_or_path, ".gegl"))
    return read_preset (name_or_path, error);

  dirs = smp_presets_dirs ();
  for (i = 0; dirs[i] && ! p; i++)
    {
      gchar *file = g_strconcat (name_or_path, ".gegl", NULL);
      gchar *path = g_build_filename (dirs[i], file, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        p = read_preset (path, error);
      g_free (path);
      g_free (file);
      if (! p && error && *error)
        break;
    }
  if (! p && error && ! *error)
    {
      gchar *where = g_strjoinv (", ", dirs);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "no preset named \"%s\" (looked in %s)", name_or_path,
                   where);
      g_free (where);
    }
  g_strfreev (dirs);
  return p;
}

static gint
by_name (gconstpointer a,
         gconstpointer b)
{
  return strcmp ((*(SmpPreset * const *) a)->name,
                 (*(SmpPreset * const *) b)->name);
}

GPtrArray *
smp_presets_list (void)
{
  GPtrArray  *all  = g_ptr_array_new_with_free_func ((GDestroyNotify) smp_preset_free);
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            NULL);
  gchar     **dirs = smp_presets_dirs ();
  gint        i;

  for (i = 0; dirs[i]; i++)
    {
      GDir        *dir = g_dir_open (dirs[i], 0, NULL);
      const gchar *entry;

      while (dir && (entry = g_dir_read_name (dir)))
        {
          gchar     *path;
          SmpPreset *p;

          if (! g_str_has_suffix (entry, ".gegl"))
            continue;
          path = g_build_filename (dirs[i], entry, NULL);
          p    = read_preset (path, NULL);
          g_free (path);
          if (p && ! g_hash_table_contains (seen, p->name))
            {
              g_hash_table_add (seen, g_strdup (p->name));
              g_ptr_array_add (all, p);
            }
          else
            smp_preset_free (p);
        }
      if (dir)
        g_dir_close (dir);
    }
  g_ptr_array_sort (all, by_name);
  g_strfreev (dirs);
  g_hash_table_unref (seen);
  return all;
}

gboolean
smp_parse_number (const gchar *text,
                  gdouble     *value)
{
  const gchar *p = text;
  gint         digits = 0;
  gdouble      v;

  if (*p == '+' || *p == '-')
    p++;
  for (; g_ascii_isdigit (*p); p++)
    digits++;
  if (*p == '.')
    for (p++; g_ascii_isdigit (*p); p++)
      digits++;
  if (digits && (*p == 'e' || *p == 'E'))
    {
      p++;
      if (*p == '+' || *p == '-')
        p++;
      if (! g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }
  if (! digits || *p)
    return FALSE;
  v = g_ascii_strtod (text, NULL);
  if (! isfinite (v))
    return FALSE;
  *value = v;
  return TRUE;
}

static void
note_warning (const gchar    *domain,
              GLogLevelFlags  level,
              const gchar    *message,
              gpointer        data)
{
  *(gboolean *) data = TRUE;
}

/* What is wrong with a value for a property, or NULL.  */
static gchar *
bad_value (const gchar *op,
           GParamSpec  *pspec,
           const gchar *value)
{
  static const gchar *yes_no[] = { "true", "TRUE", "yes", "YES", "y", "Y",
                                   "1", "on", "false", "FALSE", "no", "NO",
                                   "n", "N", "0", "off", NULL };
  GType   type = pspec->value_type;
  gdouble v;

  if (! *value)
    return g_strdup ("no value");
  if (type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT || type == G_TYPE_INT ||
      type == G_TYPE_UINT)
    {
      gchar   *number = g_strdup (value);
      gboolean whole  = type == G_TYPE_INT || type == G_TYPE_UINT;
      gboolean ok;

      /* GEGL's "0.5rel": relative to the image's height.  */
      if (g_str_has_suffix (number, "rel"))
        number[strlen (number) - 3] = '\0';
      ok = smp_parse_number (number, &v) && (! whole || v == floor (v));
      g_free (number);
      if (ok)
        return NULL;
      if (G_IS_PARAM_SPEC_DOUBLE (pspec))
        return g_strdup_printf ("not a number (%s %s is a number from %g to "
                                "%g)", op, pspec->name,
                                G_PARAM_SPEC_DOUBLE (pspec)->minimum,
                                G_PARAM_SPEC_DOUBLE (pspec)->maximum);
      if (G_IS_PARAM_SPEC_INT (pspec))
        return g_strdup_printf ("not a whole number (%s %s is one from %d to "
                                "%d)", op, pspec->name,
                                G_PARAM_SPEC_INT (pspec)->minimum,
                                G_PARAM_SPEC_INT (pspec)->maximum);
      return g_strdup_printf ("not a %snumber (%s %s)", whole ? "whole " : "",
                              op, pspec->name);
    }
  if (type == G_TYPE_BOOLEAN)
    return g_strv_contains (yes_no, value)
           ? NULL : g_strdup ("neither true nor false");
  if (G_TYPE_IS_ENUM (type))
    {
      GEnumClass *klass = g_type_class_ref (type);
      GString    *names = g_string_new ("not one of ");
      guint       i;
      gboolean    found = g_enum_get_value_by_nick (klass, value) != NULL;

      for (i = 0; i < klass->n_values; i++)
        g_string_append_printf (names, "%s%s", i ? ", " : "",
                                klass->values[i].value_nick);
      g_type_class_unref (klass);
      return g_string_free (names, found);
    }
  if (type == GEGL_TYPE_PATH)
    {
      /* GEGL's own parser loops forever on some text ("M 10"): the
       * project's strict reading first.  */
      SmpPathItem *items = NULL;
      size_t       n;
      gchar        why[200];

      if (smp_hairline_parse (value, &items, &n, why, sizeof why) == 0)
        {
          free (items);
          return NULL;
        }
      return g_strdup_printf ("not path data GEGL reads right (%s)", why);
    }
  if (type == GEGL_TYPE_COLOR)
    {
      /* GEGL's colour parser is the judge: it warns when it fails.  */
      gboolean   failed = FALSE;
      guint      id     = g_log_set_handler ("GEGL", G_LOG_LEVEL_WARNING,
                                             note_warning, &failed);
      GeglColor *color  = gegl_color_new (value);

      g_log_remove_handler ("GEGL", id);
      g_object_unref (color);
      return failed ? g_strdup ("not a colour (#rrggbb, rgb(r, g, b) with "
                                "linear 0-1 values, or a name such as black)")
                    : NULL;
    }
  return NULL;
}

/* An op's name as GEGL reads it in a chain: "gegl:" when none is given.  */
static const gchar *
op_name (const gchar *text)
{
  gchar       *name = strchr (text, ':') ? g_strdup (text)
                                         : g_strconcat ("gegl:", text, NULL);
  const gchar *interned = g_intern_string (name);

  g_free (name);
  return interned;
}

/* gegl_create_chain takes any text for a value: the values of a preset are
 * checked first, against the property specs of the ops they are for.  The
 * text is split as GEGL splits it (g_shell_parse_argv), the current op
 * followed as GEGL follows it (an op name; "pad=[ op" opens a level, "]"
 * closes it).  */
static gboolean
check_values (const SmpPreset  *preset,
              GError          **error)
{
  const gchar *op[16] = { NULL };
  gchar      **argv   = NULL;
  gint         argc   = 0, level = 0, i;
  gboolean     ok     = TRUE, keyframes = FALSE;

  if (! g_shell_parse_argv (preset->text, &argc, &argv, NULL))
    return TRUE;
  for (i = 0; ok && i < argc; i++)
    {
      gchar      *arg = argv[i], *eq = strchr (arg, '='), *key, *value, *why;
      gboolean    close = FALSE;
      GParamSpec *pspec;

      if (keyframes)
        {
          keyframes = strchr (arg, '}') == NULL;
          continue;
        }
      if (! eq)
        {
          if (strchr (arg, ']'))
            level = MAX (level - 1, 0);
          else
            op[level] = op_name (arg);
          continue;
        }
      if (eq[1] == '[')
        {
          level = MIN (level + 1, (gint) G_N_ELEMENTS (op) - 1);
          op[level] = eq[2] ? op_name (eq + 2) : NULL;
          continue;
        }
      if (eq[1] == '{')
        {
          keyframes = strchr (eq, '}') == NULL;
          continue;
        }
      key   = g_strndup (arg, eq - arg);
      value = g_strdup (eq + 1);
      if (g_str_has_suffix (value, "]"))
        {
          value[strlen (value) - 1] = '\0';
          close = TRUE;
        }
      pspec = op[level] && strcmp (key, "id") && strcmp (key, "ref") &&
              gegl_has_operation (op[level])
              ? gegl_operation_find_property (op[level], key) : NULL;
      /* An unknown property GEGL reports itself.  */
      if (pspec && (why = bad_value (op[level], pspec, value)))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "preset %s: %s=%s: %s", preset->path, key, value, why);
          g_free (why);
          ok = FALSE;
        }
      if (close)
        level = MAX (level - 1, 0);
      g_free (key);
      g_free (value);
    }
  g_strfreev (argv);
  return ok;
}

GeglNode *
smp_preset_build (const SmpPreset  *preset,
                  GeglNode         *graph,
                  GeglNode         *input,
                  const gchar      *extra,
                  GError          **error)
{
  GeglNode *end;
  gchar    *text, *root;
  GError   *err  = NULL;

  if (! check_values (preset, error))
    return NULL;
  end  = gegl_node_new_child (graph, "operation", "gegl:nop", NULL);
  text = g_strconcat (preset->text, "\n", extra ? extra : "", NULL);
  root = g_path_get_dirname (preset->path);
  gegl_node_link (input, end);
  gegl_create_chain (text, input, end, 0.0,
                     gegl_node_get_bounding_box (input).height, root, &err);
  g_free (text);
  g_free (root);
  if (! err && smp_preset_last_op (end) == input)
    g_set_error (&err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "no operation in it");
  if (err)
    {
      g_set_error (error, err->domain, err->code, "preset %s: %s",
                   preset->path, err->message);
      g_error_free (err);
      return NULL;
    }
  return end;
}

gchar *
smp_thousands (gint64 n)
{
  gchar   *digits = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  GString *s      = g_string_new (NULL);
  gint     len    = strlen (digits), i;

  for (i = 0; i < len; i++)
    {
      if (i > 0 && digits[i - 1] != '-' && (len - i) % 3 == 0)
        g_string_append_c (s, ',');
      g_string_append_c (s, digits[i]);
    }
  g_free (digits);
  return g_string_free (s, FALSE);
}

GeglNode *
smp_preset_last_op (GeglNode *end)
{
  return gegl_node_get_producer (end, "input", NULL);
}
