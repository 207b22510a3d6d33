/* smp-test-util.c: see smp-test-util.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sys/wait.h>

#include "smp-test-util.h"

static gchar *tmpdir = NULL;

static void
remove_tmpdir (void)
{
  GDir        *dir;
  const gchar *name;

  if (! tmpdir)
    return;
  dir = g_dir_open (tmpdir, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)))
    {
      gchar *path = g_build_filename (tmpdir, name, NULL);

      g_unlink (path);
      g_free (path);
    }
  if (dir)
    g_dir_close (dir);
  g_rmdir (tmpdir);
}

const gchar *
smp_test_tmpdir (void)
{
  if (! tmpdir)
    {
      tmpdir = g_dir_make_tmp ("smp-test-XXXXXX", NULL);
      g_assert_nonnull (tmpdir);
      atexit (remove_tmpdir);
    }
  return tmpdir;
}

void
smp_test_init (int    *argc,
               char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  gegl_init (argc, argv);
  g_assert_true (gegl_has_operation ("smp:follicles"));
  g_assert_true (gegl_has_operation ("gegl:noise-hurl"));
}

GeglBuffer *
smp_test_uniform (const GeglRectangle *rect,
                  const Babl          *format,
                  const gfloat         rgba[4])
{
  GeglBuffer *buffer = gegl_buffer_new (rect, format);
  GeglColor  *color  = gegl_color_new (NULL);

  gegl_color_set_pixel (color, babl_format ("RGBA float"), rgba);
  gegl_buffer_set_color (buffer, rect, color);
  g_object_unref (color);
  return buffer;
}

GeglBuffer *
smp_test_ramp (const GeglRectangle *rect)
{
  GeglBuffer *buffer = gegl_buffer_new (rect, babl_format ("Y' float"));
  gfloat     *row    = g_new (gfloat, rect->width);
  gint        x, y;

  for (x = 0; x < rect->width; x++)
    row[x] = (x + 0.5f) / rect->width;
  for (y = 0; y < rect->height; y++)
    {
      GeglRectangle r = { rect->x, rect->y + y, rect->width, 1 };

      gegl_buffer_set (buffer, &r, 0, babl_format ("Y' float"), row,
                       GEGL_AUTO_ROWSTRIDE);
    }
  g_free (row);
  return buffer;
}

GeglBuffer *
smp_test_photo (const GeglRectangle *rect,
                const Babl          *format)
{
  GeglBuffer *buffer = gegl_buffer_new (rect, format);
  gfloat     *row    = g_new (gfloat, (gsize) rect->width * 4);
  GRand      *rand   = g_rand_new_with_seed (7);
  gint        x, y;

  /* Skin tone with slow shading and a little pore-scale grain.  */
  for (y = 0; y < rect->height; y++)
    {
      GeglRectangle r = { rect->x, rect->y + y, rect->width, 1 };

      for (x = 0; x < rect->width; x++)
        {
          gfloat shade = 0.8f + 0.2f * sinf (x * 0.013f) * cosf (y * 0.017f);
          gfloat grain = 1.0f + 0.04f * (gfloat) g_rand_double_range (rand, -1, 1);

          row[x * 4 + 0] = 0.55f * shade * grain;
          row[x * 4 + 1] = 0.33f * shade * grain;
          row[x * 4 + 2] = 0.24f * shade * grain;
          row[x * 4 + 3] = 1.0f;
        }
      gegl_buffer_set (buffer, &r, 0, babl_format ("RGBA float"), row,
                       GEGL_AUTO_ROWSTRIDE);
    }
  g_rand_free (rand);
  g_free (row);
  return buffer;
}

GeglNode *
smp_test_graph (GeglNode   **graph,
                const gchar *op,
                GeglBuffer  *input,
                GeglBuffer  *aux)
{
  GeglNode *node, *src;

  *graph = gegl_node_new ();
  node   = gegl_node_new_child (*graph, "operation", op, NULL);
  if (input)
    {
      src = gegl_node_new_child (*graph, "operation", "gegl:buffer-source",
                                 "buffer", input, NULL);
      gegl_node_connect_to (src, "output", node, "input");
    }
  if (aux)
    {
      src = gegl_node_new_child (*graph, "operation", "gegl:buffer-source",
                                 "buffer", aux, NULL);
      gegl_node_connect_to (src, "output", node, "aux");
    }
  return node;
}

GeglNode *
smp_test_graph_unbounded (GeglNode    **graph,
                          const gchar  *op,
                          const gchar  *color,
                          GeglBuffer   *aux)
{
  GeglNode  *node = smp_test_graph (graph, op, NULL, aux);
  GeglColor *c    = gegl_color_new (color);
  GeglNode  *src  = gegl_node_new_child (*graph, "operation", "gegl:color",
                                         "value", c, NULL);

  g_object_unref (c);
  gegl_node_connect_to (src, "output", node, "input");
  return node;
}

gpointer
smp_test_render_valist (const gchar         *op,
                        GeglBuffer          *input,
                        GeglBuffer          *aux,
                        const GeglRectangle *rect,
                        const Babl          *format,
                        const gchar         *first_property,
                        va_list              ap)
{
  GeglNode *graph;
  GeglNode *node = smp_test_graph (&graph, op, input, aux);
  gpointer  data;

  if (first_property)
    gegl_node_set_valist (node, first_property, ap);
  data = smp_test_blit (node, rect, format);
  g_object_unref (graph);
  return data;
}

gpointer
smp_test_render (const gchar         *op,
                 GeglBuffer          *input,
                 GeglBuffer          *aux,
                 const GeglRectangle *rect,
                 const Babl          *format,
                 const gchar         *first_property,
                 ...)
{
  gpointer data;
  va_list  ap;

  va_start (ap, first_property);
  data = smp_test_render_valist (op, input, aux, rect, format,
                                 first_property, ap);
  va_end (ap);
  return data;
}

gpointer
smp_test_blit (GeglNode            *node,
               const GeglRectangle *rect,
               const Babl          *format)
{
  gpointer data = g_malloc0 ((gsize) rect->width * rect->height *
                             babl_format_get_bytes_per_pixel (format));

  gegl_node_blit (node, 1.0, rect, format, data, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  return data;
}

gpointer
smp_test_load (const gchar   *path,
               const Babl    *format,
               GeglRectangle *box)
{
  GeglNode *graph = gegl_node_new ();
  GeglNode *load  = gegl_node_new_child (graph, "operation", "gegl:load",
                                         "path", path, NULL);
  gpointer  data;

  *box = gegl_node_get_bounding_box (load);
  data = smp_test_blit (load, box, format);
  g_object_unref (graph);
  return data;
}

gchar *
smp_test_md5 (gconstpointer data,
              gsize         length)
{
  return g_compute_checksum_for_data (G_CHECKSUM_MD5, data, length);
}

gchar *
smp_test_spawn (const gchar * const *argv,
                const gchar * const *extra_env,
                gchar              **stderr_text,
                gint                *exit_status)
{
  gchar  **env = g_get_environ ();
  gchar   *out = NULL, *err = NULL;
  gint     status = 0;
  GError  *error = NULL;
  gint     i;

  for (i = 0; extra_env && extra_env[i]; i += 2)
    env = g_environ_setenv (env, extra_env[i], extra_env[i + 1], TRUE);
  /* In the sanitizer build: what an uninstrumented program needs to load
   * the instrumented module.  */
  if (g_getenv ("SMP_CHILD_PRELOAD") && *g_getenv ("SMP_CHILD_PRELOAD"))
    env = g_environ_setenv (env, "LD_PRELOAD", g_getenv ("SMP_CHILD_PRELOAD"),
                            TRUE);
  if (! g_spawn_sync (NULL, (gchar **) argv, env, G_SPAWN_SEARCH_PATH,
                      NULL, NULL, &out, &err, &status, &error))
    g_error ("cannot run %s: %s", argv[0], error->message);
  *exit_status = WIFEXITED (status) ? WEXITSTATUS (status)
                                    : 128 + WTERMSIG (status);
  g_strfreev (env);
  if (stderr_text)
    *stderr_text = err;
  else
    g_free (err);
  return out;
}

gchar *
smp_test_run (const gchar * const *argv,
              const gchar * const *extra_env,
              gchar              **stderr_text)
{
  gchar *err = NULL;
  gint   status;
  gchar *out = smp_test_spawn (argv, extra_env, &err, &status);

  if (status != 0)
    {
      g_test_message ("%s failed (%d):\n%s\n%s", argv[0], status, out, err);
      g_test_fail ();
    }
  if (stderr_text)
    *stderr_text = err;
  else
    g_free (err);
  return out;
}

void
smp_test_save_png (GeglBuffer  *buffer,
                   const gchar *path)
{
  GeglNode *graph = gegl_node_new ();
  GeglNode *src   = gegl_node_new_child (graph, "operation",
                                         "gegl:buffer-source",
                                         "buffer", buffer, NULL);
  GeglNode *save  = gegl_node_new_child (graph, "operation", "gegl:png-save",
                                         "path", path, "bitdepth", 8, NULL);
  gchar    *dir   = g_path_get_dirname (path);

  /* A suite run alone (or first) in a fresh build directory has no
   * review/ yet: another suite used to make it.  */
  g_mkdir_with_parents (dir, 0755);
  g_free (dir);
  gegl_node_link (src, save);
  gegl_node_process (save);
  g_object_unref (graph);
}

void
smp_test_sheet_put (SmpTestSheet *sheet,
                    const guchar *rgba,
                    gint          w,
                    gint          h,
                    gint          x0,
                    gint          y0,
                    gint          zoom)
{
  gint x, y;

  for (y = 0; y < h * zoom; y++)
    for (x = 0; x < w * zoom; x++)
      if (x0 + x < sheet->w && y0 + y < sheet->h)
        memcpy (sheet->px + ((gsize) (y0 + y) * sheet->w + x0 + x) * 4,
                rgba + ((gsize) (y / zoom) * w + x / zoom) * 4, 4);
}

void
smp_test_reference_hash (const gchar *op)
{
  const gchar  *xml  = gegl_operation_get_key (op, "reference-composition");
  const gchar  *want = gegl_operation_get_key (op, "reference-hash");
  gchar        *path = g_build_filename (smp_test_tmpdir (), "reference.png",
                                         NULL);
  GeglNode     *graph, *save;
  GeglRectangle box;
  gpointer      pixels;
  gchar        *got;

  g_assert_nonnull (xml);
  g_assert_nonnull (want);
  graph = gegl_node_new_from_xml (xml, "/");
  g_assert_nonnull (graph);
  save  = gegl_node_new_child (graph, "operation", "gegl:png-save",
                               "compression", 9, "path", path, NULL);
  gegl_node_link (graph, save);
  gegl_node_process (save);
  g_object_unref (graph);

  pixels = smp_test_load (path, babl_format ("R'G'B'A u8"), &box);
  g_assert_cmpint (box.width, ==, 200);
  got    = smp_test_md5 (pixels, box.width * box.height * 4);
  g_test_message ("%s reference hash %s, expected %s", op, got, want);
  g_assert_cmpstr (got, ==, want);
  g_free (pixels);
  g_free (got);
  g_free (path);
}

gboolean
smp_test_tile_child (int                  *argc,
                     char               ***argv,
                     const GeglRectangle  *rect,
                     SmpTestRender         render)
{
  gpointer pixels;
  gchar   *hash;
  gint     tw, th, threads;

  if (*argc < 2 || strcmp ((*argv)[1], "--tile-hash"))
    {
      g_setenv ("SMP_TEST_SELF", (*argv)[0], TRUE);
      return FALSE;
    }
  gegl_init (argc, argv);
  g_object_get (gegl_config (), "tile-width", &tw, "tile-height", &th,
                "threads", &threads, NULL);
  pixels = render (rect, 1);
  hash   = smp_test_md5 (pixels, (gsize) rect->width * rect->height * 4);
  g_print ("%s\n", hash);
  g_printerr ("tiles %dx%d threads %d", tw, th, threads);
  g_free (hash);
  g_free (pixels);
  gegl_exit ();
  return TRUE;
}

void
smp_test_tile_independence (const GeglRectangle *rect,
                            SmpTestRender        render)
{
  smp_test_tile_independence_env (rect, render, NULL);
}

void
smp_test_tile_independence_env (const GeglRectangle *rect,
                                SmpTestRender        render,
                                const gchar * const *more)
{
  const gchar *argv[] = { g_getenv ("SMP_TEST_SELF"), "--tile-hash", NULL };
  const gchar *env[16] = { "GEGL_TILE_SIZE", "37x53", "GEGL_THREADS", "2",
                           NULL };
  const gsize  size   = (gsize) rect->width * rect->height * 4;
  const gint   cx     = rect->width * 3 / 5, cy = rect->height * 5 / 9;
  guchar      *all    = render (rect, 1), *other = render (rect, 2);
  guchar      *parts  = g_malloc0 (size);
  gchar       *whole, *split, *child, *config = NULL;
  gint         q, y, e = 4;

  for (q = 0; more && more[q] && e < 14; q++)
    env[e++] = more[q];
  env[e] = NULL;
  for (q = 3; q >= 0; q--)
    {
      GeglRectangle r = { rect->x + (q & 1) * cx, rect->y + (q & 2) / 2 * cy,
                          (q & 1) ? rect->width - cx : cx,
                          (q & 2) ? rect->height - cy : cy };
      guchar       *part = render (&r, 1);

      for (y = 0; y < r.height; y++)
        memcpy (parts + ((gsize) (r.y - rect->y + y) * rect->width +
                         (r.x - rect->x)) * 4,
                part + (gsize) y * r.width * 4, (gsize) r.width * 4);
      g_free (part);
    }
  whole = smp_test_md5 (all, size);
  split = smp_test_md5 (parts, size);
  g_assert_nonnull (argv[0]);
  child = smp_test_run (argv, env, &config);
  g_strstrip (child);
  g_test_message ("whole %s; four parts, last first %s; %s: %s", whole,
                  split, config, child);
  g_assert_cmpmem (parts, size, all, size);
  g_assert_cmpstr (config, ==, "tiles 37x53 threads 2");
  g_assert_cmpstr (child, ==, whole);
  g_assert_cmpint (memcmp (other, all, size), !=, 0);
  g_free (all);
  g_free (other);
  g_free (parts);
  g_free (whole);
  g_free (split);
  g_free (child);
  g_free (config);
}

GeglBuffer *
smp_test_poison (GeglBuffer          *photo,
                 const GeglRectangle *where,
                 gint                 n,
                 guchar             **poisoned)
{
  const GeglRectangle *all = gegl_buffer_get_extent (photo);
  GeglBuffer          *bad = gegl_buffer_dup (photo);
  const gfloat         nan4[4] = { NAN, NAN, NAN, NAN };
  gint                 i;

  *poisoned = g_new0 (guchar, (gsize) all->width * all->height);
  for (i = 0; i < n; i++)
    {
      GeglRectangle p = { where->x + (i * 37) % where->width,
                          where->y + (i * 13) % where->height, 1, 1 };

      gegl_buffer_set (bad, &p, 0, babl_format ("RGBA float"), nan4,
                       GEGL_AUTO_ROWSTRIDE);
      (*poisoned)[(gsize) (p.y - all->y) * all->width + p.x - all->x] = 1;
    }
  return bad;
}

gint
smp_test_max_diff_u8 (const guchar *a,
                      const guchar *b,
                      const guchar *skip,
                      gsize         pixels)
{
  gint  worst = 0, k;
  gsize i;

  for (i = 0; i < pixels; i++)
    if (! skip || ! skip[i])
      for (k = 0; k < 4; k++)
        worst = MAX (worst, abs ((gint) a[i * 4 + k] - (gint) b[i * 4 + k]));
  return worst;
}

void
smp_test_assert_finite (GeglNode            *node,
                        const GeglRectangle *rect)
{
  gfloat *out = smp_test_blit (node, rect, babl_format ("RGBA float"));
  gsize   i;

  for (i = 0; i < (gsize) rect->width * rect->height * 4; i++)
    g_assert_true (isfinite (out[i]));
  g_free (out);
}

GeglBuffer *
smp_test_shared_photo (const gchar *file)
{
  const gchar  *root = g_getenv ("SMP_SHARED_DATA");
  gchar        *path = root ? g_build_filename (root, "scalp-photos", file,
                                                NULL) : NULL;
  GeglRectangle box;
  GeglBuffer   *photo;
  gfloat       *px;

  if (! path || ! g_file_test (path, G_FILE_TEST_EXISTS))
    {
      gchar *why = g_strdup_printf ("../shared/data/scalp-photos is absent (a "
                                    "fresh clone): %s is not tested", file);

      g_test_skip (why);
      g_free (why);
      g_free (path);
      return NULL;
    }
  px    = smp_test_load (path, babl_format ("RGBA float"), &box);
  g_assert_cmpint (box.width, >, 0);
  photo = gegl_buffer_new (&box, babl_format ("RGBA float"));
  gegl_buffer_set (photo, &box, 0, babl_format ("RGBA float"), px,
                   GEGL_AUTO_ROWSTRIDE);
  g_free (px);
  g_free (path);
  return photo;
}

gboolean
smp_test_plan_validates (const gchar  *json_path,
                         gchar       **why)
{
  const gchar *python = g_getenv ("SMP_PYTHON");
  gchar       *schema = g_build_filename (g_getenv ("SMP_SOURCE_DIR"), "data",
                                          "plan.schema.json", NULL);
  const gchar *argv[] = {
    python ? python : "python3", "-c",
    "import json, sys\n"
    "try:\n"
    "    import jsonschema\n"
    "except ImportError:\n"
    "    sys.exit('python3-jsonschema is not installed (./run install "
    "installs it)')\n"
    "schema = json.load(open(sys.argv[2]))\n"
    "jsonschema.Draft202012Validator.check_schema(schema)\n"
    "errors = list(jsonschema.Draft202012Validator(schema).iter_errors("
    "json.load(open(sys.argv[1]))))\n"
    "for e in errors:\n"
    "    print(e.message)\n"
    "sys.exit(1 if errors else 0)\n",
    json_path, schema, NULL };
  gint   status;
  gchar *out = NULL, *err = NULL;

  /* Not through smp_test_spawn: Python needs none of the sanitizer runtime
   * it preloads into children, and would report its own leaks with it.  */
  g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL,
                               G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                               &status, NULL));
  status = WIFEXITED (status) ? WEXITSTATUS (status) : 128;
  g_assert_false (strstr (err, "not installed"));
  g_assert_false (strstr (err, "Traceback"));
  *why = g_strconcat (out, err, NULL);
  g_free (out);
  g_free (err);
  g_free (schema);
  return status == 0;
}

/* Before | after, side by side, of `crop` of two CIE Lab float images of
 * extent `box` (3 floats a pixel), each pixel drawn scale x scale.  */
static void
save_pair (const gchar         *path,
           const GeglRectangle *box,
           const gfloat        *before,
           const gfloat        *after,
           const GeglRectangle *crop,
           gint                 scale)
{
  const Babl   *lab   = babl_format ("CIE Lab float");
  gint          w     = crop->width * scale, h = crop->height * scale;
  GeglRectangle two   = { 0, 0, 2 * w, h };
  GeglBuffer   *sheet = gegl_buffer_new (&two, lab);
  gfloat       *px    = g_new (gfloat, (gsize) two.width * h * 3);
  gint          x, y, side, c;

  for (side = 0; side < 2; side++)
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++)
        {
          gint          sx = crop->x + x / scale - box->x;
          gint          sy = crop->y + y / scale - box->y;
          const gfloat *p  = (side ? after : before) +
                             ((gsize) sy * box->width + sx) * 3;

          for (c = 0; c < 3; c++)
            px[((gsize) y * two.width + side * w + x) * 3 + c] = p[c];
        }
  gegl_buffer_set (sheet, &two, 0, lab, px, GEGL_AUTO_ROWSTRIDE);
  smp_test_save_png (sheet, path);
  g_object_unref (sheet);
  g_free (px);
}

gchar *
smp_test_review (const gchar         *name,
                 const GeglRectangle *box,
                 const gfloat        *before,
                 const gfloat        *after,
                 const GeglRectangle *zoom)
{
  gchar        *dir  = g_build_filename (g_getenv ("SMP_BUILD_DIR"), "review",
                                         NULL);
  gchar        *base = g_build_filename (dir, name, NULL);
  gchar        *fit  = g_strdup_printf ("%s.png", base);
  gchar        *two  = g_strdup_printf ("%s-2x.png", base);
  GeglRectangle crop;

  g_mkdir_with_parents (dir, 0755);
  save_pair (fit, box, before, after, box, 1);
  gegl_rectangle_intersect (&crop, zoom, box);
  save_pair (two, box, before, after, &crop, 2);
  g_free (dir);
  g_free (base);
  g_free (two);
  return fit;
}

static void
box_clear (gpointer data)
{
  g_free (((SmpTestBox *) data)->file);
}

GArray *
smp_test_read_boxes (const gchar *dir)
{
  gchar  *tsv = g_build_filename (dir, "boxes.tsv", NULL);
  gchar  *text = NULL, **lines;
  GArray *boxes;
  gint    i;

  if (! g_file_get_contents (tsv, &text, NULL, NULL))
    {
      g_free (tsv);
      return NULL;
    }
  boxes = g_array_new (FALSE, FALSE, sizeof (SmpTestBox));
  g_array_set_clear_func (boxes, box_clear);
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i]; i++)
    {
      gchar      **f = g_strsplit (lines[i], "\t", -1);
      SmpTestBox   b;

      if (lines[i][0] != '#' && g_strv_length (f) == 6 &&
          strcmp (f[0], "file"))
        {
          b.file  = g_strdup (f[0]);
          b.treat = ! strcmp (f[1], "treat");
          g_assert_true (b.treat || ! strcmp (f[1], "keep"));
          b.x0 = atoi (f[2]);
          b.x1 = atoi (f[3]);
          b.y0 = atoi (f[4]);
          b.y1 = atoi (f[5]);
          g_array_append_val (boxes, b);
        }
      g_strfreev (f);
    }
  g_strfreev (lines);
  g_free (text);
  g_free (tsv);
  return boxes;
}
