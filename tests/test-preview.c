/* test-preview.c: the smp-preview tool, the presets and the XML graphs,
 * through the real programs: smp-preview as built, and the real `gegl`.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <gegl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "smp-test-util.h"

#define RGB_U8 babl_format ("R'G'B' u8")

/* A scalp photo: skin with shading and grain, and in its upper half dark
 * strands of hair (so that every preset has something to do).  */
static void
make_photo (const gchar *path,
            gint         width,
            gint         height,
            gint         variant)
{
  GeglRectangle rect  = { 0, 0, width, height };
  GeglBuffer   *photo = smp_test_photo (&rect, babl_format ("RGBA float"));
  gfloat       *px    = g_new (gfloat, (gsize) width * height * 4);
  GeglNode     *graph, *src, *save;
  gint          x, y, k;

  gegl_buffer_get (photo, &rect, 1.0, babl_format ("RGBA float"), px,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (y = 0; y < height / 2; y++)
    for (x = 0; x < width; x++)
      for (k = 0; k < 12; k++)
        {
          gdouble d = fabs (x - (k * width / 12.0 + 0.4 * y + 7 * variant));

          if (d < 1.5)
            {
              gfloat *p = px + 4 * ((gsize) y * width + x);

              p[0] = 0.03f;
              p[1] = 0.02f;
              p[2] = 0.015f;
            }
        }
  gegl_buffer_set (photo, &rect, 0, babl_format ("RGBA float"), px,
                   GEGL_AUTO_ROWSTRIDE);
  graph = gegl_node_new ();
  src   = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                               "buffer", photo, NULL);
  save  = gegl_node_new_child (graph, "operation", "gegl:save", "path", path,
                               NULL);
  gegl_node_link (src, save);
  gegl_node_process (save);
  g_object_unref (graph);
  g_object_unref (photo);
  g_free (px);
}

/* A mask: a pale vertical band in the middle, as a scar or an area.  */
static void
make_mask (const gchar *path,
           gint         width,
           gint         height)
{
  GeglRectangle rect = { 0, 0, width, height };
  GeglBuffer   *mask = gegl_buffer_new (&rect, babl_format ("Y' float"));
  gfloat       *m    = g_new (gfloat, (gsize) width * height);
  gint          i;

  for (i = 0; i < width * height; i++)
    m[i] = abs (i % width - width / 2) < width / 8 ? 1.0f : 0.0f;
  gegl_buffer_set (mask, &rect, 0, babl_format ("Y' float"), m,
                   GEGL_AUTO_ROWSTRIDE);
  smp_test_save_png (mask, path);
  g_object_unref (mask);
  g_free (m);
}

static guchar *
read_rgb (const gchar *path,
          gint        *width,
          gint        *height)
{
  GeglNode     *graph = gegl_node_new ();
  GeglNode     *load  = gegl_node_new_child (graph, "operation", "gegl:load",
                                             "path", path, NULL);
  GeglRectangle box   = gegl_node_get_bounding_box (load);
  guchar       *rgb;

  g_assert_cmpint (box.width, >, 0);
  rgb = smp_test_blit (load, &box, RGB_U8);
  *width  = box.width;
  *height = box.height;
  g_object_unref (graph);
  return rgb;
}

static gchar *
tool (void)
{
  return g_build_filename (g_getenv ("SMP_BUILD_DIR"), "tools", "smp-preview",
                           NULL);
}

static gchar *
tmp (const gchar *name)
{
  return g_build_filename (smp_test_tmpdir (), name, NULL);
}

/* Runs smp-preview with the arguments given (NULL-terminated); returns its
 * exit status and stderr.  */
static gint
preview (gchar      **err,
         const gchar *first,
         ...)
{
  GPtrArray   *argv = g_ptr_array_new_with_free_func (g_free);
  const gchar *a;
  va_list      ap;
  gint         status;
  gchar       *out;

  g_ptr_array_add (argv, tool ());
  va_start (ap, first);
  for (a = first; a; a = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, g_strdup (a));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  out = smp_test_spawn ((const gchar * const *) argv->pdata, NULL, err,
                        &status);
  g_test_message ("smp-preview exit %d; stderr:\n%s", status, *err);
  g_free (out);
  g_ptr_array_unref (argv);
  return status;
}

static gint
gap_of (gint width)
{
  return MAX (4, width / 150);
}

/* Panel i (0 = before) of a sheet, rows of the photo only.  */
static guchar *
panel (const guchar *sheet,
       gint          sheet_w,
       gint          i,
       gint          w,
       gint          h)
{
  guchar *p = g_new (guchar, (gsize) w * h * 3);
  gint    y;

  for (y = 0; y < h; y++)
    memcpy (p + (gsize) y * w * 3,
            sheet + ((gsize) y * sheet_w + i * (w + gap_of (w))) * 3,
            (gsize) w * 3);
  return p;
}

static gchar *
file_md5 (const gchar *path)
{
  gchar *data, *sum;
  gsize  len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  sum = smp_test_md5 (data, len);
  g_free (data);
  return sum;
}

/* 1: a folder of generated photos, one truncated, one with a mask, two
 * presets.  */
static void
test_batch (void)
{
  gchar  *a = tmp ("a.png"), *b = tmp ("b.jpg"), *bm = tmp ("b.mask.png");
  gchar  *c = tmp ("c.jpg"), *out = tmp ("batch"), *err, *data;
  gchar  *sa, *sb, *sc, *md5a, *md5b, *again;
  gsize   len;
  gint    status, w, h, pw, ph, i;
  guchar *sheet, *photo, *before, *after;
  struct { const gchar *path; gint w, h; } good[] = { { NULL, 300, 200 },
                                                      { NULL, 260, 180 } };

  make_photo (a, 300, 200, 0);
  make_photo (b, 260, 180, 1);
  make_mask (bm, 260, 180);
  /* c: the first half of a good JPEG.  */
  make_photo (c, 280, 190, 2);
  g_assert_true (g_file_get_contents (c, &data, &len, NULL));
  g_assert_true (g_file_set_contents (c, data, len / 2, NULL));
  g_free (data);

  status = preview (&err, "--preset", "shaved-dark-hair", "--preset",
                    "fut-strip-scar", "--px-per-mm", "8", "--seed", "3",
                    a, c, b, "-o", out, NULL);
  g_assert_cmpint (status, ==, 1);
  /* The bad photo, named with its reason, one line; then one note for the
   * photo without a mask; nothing else.  */
  g_assert_nonnull (strstr (err, "c.jpg: truncated JPEG"));
  g_assert_nonnull (strstr (err, "note: 1 of the photos had no mask"));
  {
    gchar **lines = g_strsplit (g_strstrip (err), "\n", -1);

    g_assert_cmpint (g_strv_length (lines), ==, 2);
    g_strfreev (lines);
  }
  g_free (err);

  sa = g_build_filename (out, "a-preview.png", NULL);
  sb = g_build_filename (out, "b-preview.png", NULL);
  sc = g_build_filename (out, "c-preview.png", NULL);
  g_assert_false (g_file_test (sc, G_FILE_TEST_EXISTS));
  good[0].path = sa;
  good[1].path = sb;
  for (i = 0; i < 2; i++)
    {
      sheet = read_rgb (good[i].path, &w, &h);
      photo = read_rgb (i ? b : a, &pw, &ph);
      g_assert_cmpint (pw, ==, good[i].w);
      /* Before, and two presets, at equal size; captions below.  */
      g_assert_cmpint (w, ==, 3 * pw + 2 * gap_of (pw));
      g_assert_cmpint (h, >, ph + gap_of (pw) + 10);
      g_assert_cmpint (h, <, 2 * ph);
      before = panel (sheet, w, 0, pw, ph);
      g_assert_cmpmem (before, pw * ph * 3, photo, pw * ph * 3);
      /* Each after panel changed the photo.  */
      after = panel (sheet, w, 1, pw, ph);
      g_assert_true (memcmp (after, photo, pw * ph * 3) != 0);
      g_free (after);
      after = panel (sheet, w, 2, pw, ph);
      /* The scar preset needs its mask: only b has one.  */
      g_assert_true ((memcmp (after, photo, pw * ph * 3) != 0) == (i == 1));
      g_test_message ("%s: %d x %d, panels %d x %d", good[i].path, w, h, pw,
                      ph);
      g_free (after);
      g_free (before);
      g_free (sheet);
      g_free (photo);
    }

  /* Again without --force: nothing replaced, each refusal said.  */
  md5a = file_md5 (sa);
  md5b = file_md5 (sb);
  status = preview (&err, "-p", "shaved-dark-hair", "-p", "fut-strip-scar",
                    "-s", "8", "--seed", "3", a, b, "-o", out, NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "a-preview.png exists (--force"));
  g_assert_nonnull (strstr (err, "b-preview.png exists (--force"));
  g_free (err);
  again = file_md5 (sa);
  g_assert_cmpstr (again, ==, md5a);
  g_free (again);

  /* With --force: written again, the same bytes.  */
  status = preview (&err, "-p", "shaved-dark-hair", "-p", "fut-strip-scar",
                    "-s", "8", "--seed", "3", "--force", a, b, "-o", out,
                    NULL);
  g_assert_cmpint (status, ==, 0);
  g_free (err);
  again = file_md5 (sb);
  g_assert_cmpstr (again, ==, md5b);
  g_free (again);

  g_free (md5a);
  g_free (md5b);
  g_free (sa);
  g_free (sb);
  g_free (sc);
  g_free (a);
  g_free (b);
  g_free (bm);
  g_free (c);
  g_free (out);
}

/* Bad arguments and bad masks: a clear message, and the right status.  */
static void
test_errors (void)
{
  gchar *a = tmp ("e.png"), *m = tmp ("e-small.png"), *out = tmp ("errors");
  gchar *missing = tmp ("nothing-here.jpg"), *text = tmp ("notes.png");
  gchar *err;

  make_photo (a, 120, 90, 0);
  make_mask (m, 60, 40);
  g_assert_true (g_file_set_contents (text, "not an image\n", -1, NULL));

  g_assert_cmpint (preview (&err, "-p", "no-such-preset", a, "-o", out, NULL),
                   ==, 2);
  g_assert_nonnull (strstr (err, "no preset named \"no-such-preset\""));
  g_free (err);
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", a, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "no output folder"));
  g_free (err);
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "-s", "0", a,
                            "-o", out, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--px-per-mm 0 is out of range"));
  g_free (err);

  /* A mask of another size, a missing photo, a text file: each named, the
   * batch goes on.  */
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "--mask", m,
                            a, "-o", out, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "is 60x40, the photo 120x90"));
  g_free (err);
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", missing, text, a,
                            "-o", out, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "nothing-here.jpg: no such file"));
  g_assert_nonnull (strstr (err, "notes.png: not an image"));
  g_free (err);
  {
    gchar *s = g_build_filename (out, "e-preview.png", NULL);

    g_assert_true (g_file_test (s, G_FILE_TEST_EXISTS));
    g_free (s);
  }

  /* A photo's own scale beside it: used, and a bad one refused.  */
  {
    gchar *f = tmp ("f.png"), *fs = tmp ("f.px-per-mm");
    gchar *sheet = g_build_filename (out, "f-preview.png", NULL);
    gchar *with, *without;

    make_photo (f, 120, 90, 1);
    g_assert_true (g_file_set_contents (fs, "twelve\n", -1, NULL));
    g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", f, "-o", out,
                              NULL), ==, 1);
    g_assert_nonnull (strstr (err, "f.px-per-mm: not a scale"));
    g_free (err);
    g_assert_true (g_file_set_contents (fs, "12\n", -1, NULL));
    g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "-s", "4", f,
                              "-o", out, NULL), ==, 0);
    g_free (err);
    with = file_md5 (sheet);
    g_unlink (fs);
    g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "-s", "4",
                              "--force", f, "-o", out, NULL), ==, 0);
    g_free (err);
    without = file_md5 (sheet);
    g_assert_cmpstr (with, !=, without);
    g_free (with);
    g_free (without);
    g_free (sheet);
    g_free (f);
    g_free (fs);
  }

  /* A preset GEGL cannot parse.  */
  {
    gchar *bad = tmp ("bad.gegl");

    g_assert_true (g_file_set_contents (bad, "# broken\nsmp:follicles "
                                        "densty=3\n", -1, NULL));
    g_assert_cmpint (preview (&err, "-p", bad, a, "-o", out, "--force",
                              NULL), ==, 2);
    g_assert_nonnull (strstr (err, "bad.gegl"));
    g_assert_nonnull (strstr (err, "densty"));
    g_free (err);
    g_free (bad);
  }
  g_free (a);
  g_free (m);
  g_free (out);
  g_free (missing);
  g_free (text);
}

/* The pixels `gegl` gives for a preset's text (unchanged) on a photo, with
 * the scale, seed and mask after it: the command line the README gives.  */
static guchar *
gegl_after (const gchar *preset,
            const gchar *photo,
            const gchar *mask,
            const gchar *out)
{
  gchar       *text, *chain, *at;
  const gchar *argv[12];
  gchar       *stdout_text;
  guchar      *rgb;
  gint         w, h;

  g_assert_true (g_file_get_contents (preset, &text, NULL, NULL));
  /* A preset that makes its own mask keeps it, at the photo's scale, as
   * smp-preview does (and GEGL 0.4.42's chains cannot give a node a
   * second aux).  */
  if ((at = g_strrstr (text, "smp:hairline")))
    chain = g_strdup_printf ("string=%.*s px-per-mm=8%s px-per-mm=8 seed=3",
                             (gint) (at - text + 12), text, at + 12);
  else
    chain = g_strdup_printf ("string=%s px-per-mm=8 seed=3 aux=[ gegl:load "
                             "path=%s ]", text, mask);
  argv[0] = g_getenv ("SMP_GEGL_BIN");
  argv[1] = "-i";
  argv[2] = photo;
  argv[3] = "-o";
  argv[4] = out;
  argv[5] = "--";
  argv[6] = "gegl:gegl";
  argv[7] = chain;
  /* 8 bits as the sheet has them, converted where the op's output is.  */
  argv[8] = "gegl:convert-format";
  argv[9] = "format=R'G'B'A u8";
  argv[10] = NULL;
  stdout_text = smp_test_run (argv, NULL, NULL);
  g_free (stdout_text);
  rgb = read_rgb (out, &w, &h);
  g_free (text);
  g_free (chain);
  return rgb;
}

static gint
by_path (gconstpointer a,
         gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

static gchar **
files_in (const gchar *dir,
          const gchar *suffix)
{
  GDir        *d    = g_dir_open (dir, 0, NULL);
  GPtrArray   *list = g_ptr_array_new ();
  const gchar *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, suffix))
      g_ptr_array_add (list, g_build_filename (dir, name, NULL));
  g_dir_close (d);
  g_ptr_array_sort (list, by_path);
  g_ptr_array_add (list, NULL);
  return (gchar **) g_ptr_array_free (list, FALSE);
}

/* 2: every preset, through `gegl` and through smp-preview: the same after
 * panel.  */
static void
test_presets_match_gegl (void)
{
  gchar  *dir     = g_build_filename (g_getenv ("SMP_SOURCE_DIR"), "data",
                                      "presets", NULL);
  gchar **presets = files_in (dir, ".gegl");
  gchar  *photo   = tmp ("p.jpg"), *mask = tmp ("p.mask.png");
  gint    i, n = 0;

  make_photo (photo, 240, 160, 3);
  make_mask (mask, 240, 160);
  for (i = 0; presets[i]; i++, n++)
    {
      gchar  *out  = tmp ("presets-out");
      gchar  *cli  = tmp ("cli.png");
      gchar  *sheet_path = g_build_filename (out, "p-preview.png", NULL);
      gchar  *err;
      guchar *sheet, *after, *want, *orig;
      gint    w, h, pw, ph, differs;

      g_assert_cmpint (preview (&err, "-p", presets[i], "-s", "8", "--seed",
                                "3", "--force", photo, "-o", out, NULL), ==, 0);
      g_free (err);
      sheet = read_rgb (sheet_path, &w, &h);
      orig  = read_rgb (photo, &pw, &ph);
      after = panel (sheet, w, 1, pw, ph);
      want  = gegl_after (presets[i], photo, mask, cli);
      differs = memcmp (after, orig, pw * ph * 3) != 0;
      g_test_message ("%s: smp-preview's after panel and gegl's output %s; "
                      "it changed the photo: %s", presets[i],
                      memcmp (after, want, pw * ph * 3) ? "DIFFER" : "agree",
                      differs ? "yes" : "no");
      g_assert_cmpmem (after, pw * ph * 3, want, pw * ph * 3);
      g_assert_true (differs);
      g_free (sheet);
      g_free (after);
      g_free (want);
      g_free (orig);
      g_free (sheet_path);
      g_free (out);
      g_free (cli);
    }
  /* One per use: shaved dark, shaved grey, density, FUT, FUE, soft
   * hairline (a mask given), a designed hairline (smp:hairline).  */
  g_assert_cmpint (n, ==, 9);
  g_strfreev (presets);
  g_free (dir);
  g_free (photo);
  g_free (mask);
}

/* The settings a preset cannot hold that an XML graph gives its
 * smp:hairline (the photo's scale, the line's place), as chain text.  */
static gchar *
hairline_place (const gchar *xml,
                const gchar *dir)
{
  GeglNode *graph    = gegl_node_new_from_xml (xml, dir);
  GSList   *children = gegl_node_get_children (graph), *l;
  gchar    *place    = NULL;

  for (l = children; l; l = l->next)
    if (! g_strcmp0 (gegl_node_get_operation (l->data), "smp:hairline"))
      {
        gdouble ppm, x, y;

        gegl_node_get (l->data, "px-per-mm", &ppm, "x", &x, "y", &y, NULL);
        place = g_strdup_printf ("px-per-mm=%g x=%g y=%g", ppm, x, y);
      }
  g_slist_free (children);
  g_object_unref (graph);
  g_assert_nonnull (place);
  return place;
}

/* 3: every XML graph through `gegl`: beside a photo.jpg and its mask it
 * renders, and gives what its preset gives at 4 px/mm, seed 1.  */
static void
test_graphs (void)
{
  gchar  *dir    = g_build_filename (g_getenv ("SMP_SOURCE_DIR"), "data",
                                     "graphs", NULL);
  gchar  *pdir   = g_build_filename (g_getenv ("SMP_SOURCE_DIR"), "data",
                                     "presets", NULL);
  gchar **graphs = files_in (dir, ".xml");
  gchar  *work   = tmp ("graphs");
  gchar  *photo  = g_build_filename (work, "photo.jpg", NULL);
  gchar  *mask   = g_build_filename (work, "photo.mask.png", NULL);
  gint    i, n = 0;

  g_mkdir_with_parents (work, 0755);
  make_photo (photo, 240, 160, 4);
  make_mask (mask, 240, 160);
  for (i = 0; graphs[i]; i++, n++)
    {
      gchar       *base  = g_path_get_basename (graphs[i]);
      gchar       *copy  = g_build_filename (work, base, NULL);
      gchar       *out   = tmp ("graph-out.png");
      gchar       *name  = g_strndup (base, strlen (base) - 4);
      gchar       *pfile = g_strconcat (pdir, "/", name, ".gegl", NULL);
      gchar       *xml, *text, *chain, *so, *at;
      const gchar *argv[6];
      guchar      *got, *want, *orig;
      gint         w, h, pw, ph;

      g_assert_true (g_file_get_contents (graphs[i], &xml, NULL, NULL));
      g_assert_true (g_file_set_contents (copy, xml, -1, NULL));
      argv[0] = g_getenv ("SMP_GEGL_BIN");
      argv[1] = "-i";
      argv[2] = copy;
      argv[3] = "-o";
      argv[4] = out;
      argv[5] = NULL;
      so = smp_test_run (argv, NULL, NULL);
      g_free (so);
      got  = read_rgb (out, &w, &h);
      orig = read_rgb (photo, &pw, &ph);
      g_assert_cmpint (w, ==, pw);
      g_assert_cmpint (h, ==, ph);
      g_assert_true (memcmp (got, orig, pw * ph * 3) != 0);

      /* Its preset, by the same binary.  */
      g_assert_true (g_file_test (pfile, G_FILE_TEST_EXISTS));
      g_assert_true (g_file_get_contents (pfile, &text, NULL, NULL));
      /* A preset that makes its own mask (smp:hairline in its aux) takes
       * no mask file; its hairline gets the scale and the place the graph
       * gives it, as a tool must give them.  */
      if ((at = g_strrstr (text, "smp:hairline")))
        {
          gchar *place = hairline_place (xml, work);

          chain = g_strdup_printf ("string=%.*s %s%s px-per-mm=4 seed=1",
                                   (gint) (at - text + 12), text, place,
                                   at + 12);
          g_free (place);
        }
      else
        chain = g_strdup_printf ("string=%s px-per-mm=4 seed=1 aux=[ "
                                 "gegl:load path=%s ]", text, mask);
      {
        const gchar *full[9] = { argv[0], "-i", photo, "-o", out, "--",
                                 "gegl:gegl", chain, NULL };

        so = smp_test_run (full, NULL, NULL);
        g_free (so);
      }
      want = read_rgb (out, &w, &h);
      g_test_message ("%s: %s its preset", base,
                      memcmp (got, want, pw * ph * 3) ? "DIFFERS from"
                                                      : "agrees with");
      g_assert_cmpmem (got, pw * ph * 3, want, pw * ph * 3);

      g_free (got);
      g_free (want);
      g_free (orig);
      g_free (xml);
      g_free (text);
      g_free (chain);
      g_free (base);
      g_free (copy);
      g_free (out);
      g_free (name);
      g_free (pfile);
    }
  g_assert_cmpint (n, ==, 9);
  g_strfreev (graphs);
  g_free (dir);
  g_free (pdir);
  g_free (work);
  g_free (photo);
  g_free (mask);
}

/* 4: -j 2 writes the same bytes as -j 1, contact sheet included.  */
static void
test_jobs (void)
{
  const gchar *names[] = { "j1.png", "j2.jpg", "j3.png", "j4.jpg", "j5.png" };
  gchar       *paths[5], *one = tmp ("jobs-1"), *two = tmp ("jobs-2"), *err;
  gint         i;

  for (i = 0; i < 5; i++)
    {
      paths[i] = tmp (names[i]);
      make_photo (paths[i], 200 + 10 * i, 150, i);
    }
  {
    gchar *m = tmp ("j2.mask.png");

    make_mask (m, 210, 150);
    g_free (m);
  }
  for (i = 0; i < 2; i++)
    {
      gint status = preview (&err, "-p", "shaved-salt-pepper", "-p",
                             "density-long-hair", "--contact-sheet",
                             "--seed", "9", "-j", i ? "2" : "1",
                             paths[0], paths[1], paths[2], paths[3], paths[4],
                             "-o", i ? two : one, NULL);

      g_assert_cmpint (status, ==, 0);
      g_free (err);
    }
  for (i = 0; i < 6; i++)
    {
      gchar *base = i < 5 ? g_path_get_basename (paths[i])
                          : g_strdup ("contact-sheet.xxx");
      gchar *name;

      base[strlen (base) - 4] = '\0';
      name = g_strconcat (base, i < 5 ? "-preview.png" : ".png", NULL);
      gchar *p1   = g_build_filename (one, name, NULL);
      gchar *p2   = g_build_filename (two, name, NULL);
      gchar *m1   = file_md5 (p1), *m2 = file_md5 (p2);

      g_test_message ("%s: -j 1 %s, -j 2 %s", name, m1, m2);
      g_assert_cmpstr (m1, ==, m2);
      g_free (base);
      g_free (name);
      g_free (p1);
      g_free (p2);
      g_free (m1);
      g_free (m2);
    }
  {
    /* The contact sheet's small copies are gone.  */
    gchar **left = files_in (two, ".thumb.png");

    g_assert_cmpint (g_strv_length (left), ==, 0);
    g_strfreev (left);
  }
  for (i = 0; i < 5; i++)
    g_free (paths[i]);
  g_free (one);
  g_free (two);
}

int
main (int    argc,
      char **argv)
{
  smp_test_init (&argc, &argv);
  g_test_add_func ("/preview/batch", test_batch);
  g_test_add_func ("/preview/errors", test_errors);
  g_test_add_func ("/preview/presets-match-gegl", test_presets_match_gegl);
  g_test_add_func ("/preview/graphs", test_graphs);
  g_test_add_func ("/preview/jobs", test_jobs);
  return g_test_run ();
}
