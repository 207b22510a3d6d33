/* smp-presets.c: see smp-presets.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <string.h>

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

GeglNode *
smp_preset_build (const SmpPreset  *preset,
                  GeglNode         *graph,
                  GeglNode         *input,
                  const gchar      *extra,
                  GError          **error)
{
  GeglNode *end  = gegl_node_new_child (graph, "operation", "gegl:nop", NULL);
  gchar    *text = g_strconcat (preset->text, "\n", extra ? extra : "", NULL);
  gchar    *root = g_path_get_dirname (preset->path);
  GError   *err  = NULL;

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

GeglNode *
smp_preset_last_op (GeglNode *end)
{
  return gegl_node_get_producer (end, "input", NULL);
}
