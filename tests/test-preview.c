/* test-preview.c: the smp-preview tool, the presets and the XML graphs,
 * through the real programs: smp-preview as built, and the real `gegl`.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#define _GNU_SOURCE  /* memmem */
#include <gegl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
  GeglRectangle box;
  guchar       *rgb = smp_test_load (path, RGB_U8, &box);

  g_assert_cmpint (box.width, >, 0);
  *width  = box.width;
  *height = box.height;
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

  /* Masks from files only: a photo without one is treated whole.  */
  status = preview (&err, "--preset", "shaved-dark-hair", "--preset",
                    "fut-strip-scar", "--px-per-mm", "8", "--seed", "3",
                    "--mask-mode", "file", a, c, b, "-o", out, NULL);
  g_assert_cmpint (status, ==, 1);
  /* The bad photo, named with its reason, one line; the scar preset that
   * changed nothing without a scar mask, one line; then one note for the
   * photo without a mask; nothing else.  */
  g_assert_nonnull (strstr (err, "c.jpg: truncated JPEG"));
  g_assert_nonnull (strstr (err, "a.png: fut-strip-scar changed nothing: it "
                                 "needs a scar mask (a.mask.png beside the "
                                 "photo, or --mask)"));
  g_assert_nonnull (strstr (err, "note: 1 of the photos had no mask"));
  {
    gchar **lines = g_strsplit (g_strstrip (err), "\n", -1);

    g_assert_cmpint (g_strv_length (lines), ==, 3);
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
      /* Before, and two presets, at equal size; captions below (a
       * preset's description wraps to several lines on a 300 px panel).  */
      g_assert_cmpint (w, ==, 3 * pw + 2 * gap_of (pw));
      g_assert_cmpint (h, >, ph + gap_of (pw) + 10);
      g_assert_cmpint (h, <, 3 * ph);
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
                    "-s", "8", "--seed", "3", "--mask-mode", "file", a, b,
                    "-o", out, NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "a-preview.png exists (--force"));
  g_assert_nonnull (strstr (err, "b-preview.png exists (--force"));
  g_free (err);
  again = file_md5 (sa);
  g_assert_cmpstr (again, ==, md5a);
  g_free (again);

  /* With --force: written again, the same bytes.  */
  status = preview (&err, "-p", "shaved-dark-hair", "-p", "fut-strip-scar",
                    "-s", "8", "--seed", "3", "--mask-mode", "file",
                    "--force", a, b, "-o", out, NULL);
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
  g_assert_nonnull (strstr (err, "--px-per-mm 0 is not a scale"));
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
    g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "-s", "4",
                              "--mask-mode", "none", f, "-o", out, NULL),
                     ==, 0);
    g_free (err);
    with = file_md5 (sheet);
    g_unlink (fs);
    g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "-s", "4",
                              "--mask-mode", "none", "--force", f, "-o", out,
                              NULL), ==, 0);
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
      {
        gint k, most = 0, n_diff = 0;

        for (k = 0; k < pw * ph * 3; k++)
          {
            most = MAX (most, abs (after[k] - want[k]));
            n_diff += after[k] != want[k];
          }
        g_test_message ("%s: smp-preview's after panel and gegl's output: "
                        "%d of %d values differ, by at most %d; it changed "
                        "the photo: %s", presets[i], n_diff, pw * ph * 3,
                        most, differs ? "yes" : "no");
        /* gegl converts the 8-bit photo with babl's faster code, whose
         * last bit can differ from the exact decoding smp-preview does
         * (see tools/smp-image.h): one level, on a few values.  */
        g_assert_cmpint (most, <=, 1);
        g_assert_cmpint (n_diff, <=, pw * ph * 3 / 1000);
      }
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
                             "--mask-mode", "file",
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

/* Issue 10: nothing lost, nothing silently wrong.  */

/* Removes a folder the test made, and what is in it.  */
static void
rm_rf (const gchar *path)
{
  GDir        *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      gchar *p = g_build_filename (path, name, NULL);

      if (g_file_test (p, G_FILE_TEST_IS_DIR) &&
          ! g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        rm_rf (p);
      else
        g_unlink (p);
      g_free (p);
    }
  if (dir)
    g_dir_close (dir);
  g_rmdir (path);
}

static gchar *
fresh_dir (const gchar *name)
{
  gchar *dir = tmp (name);

  rm_rf (dir);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return dir;
}

/* The temporaries smp-preview writes or wrote in dir: this version's
 * .smp-preview.RUN.*, and the NAME.PID.tmp of earlier ones.  */
static gint
temporaries (const gchar *dir)
{
  GDir        *d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  gint         n = 0;

  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_prefix (name, ".smp-preview.") ||
        g_str_has_suffix (name, ".tmp") || g_str_has_suffix (name, ".thumb.png"))
      {
        g_test_message ("left in %s: %s", dir, name);
        n++;
      }
  if (d)
    g_dir_close (d);
  return n;
}

/* CRC-32 of PNG chunks (ISO 3309, as zlib's).  */
static guint32
crc32_of (const guchar *data,
          gsize         length,
          guint32       crc)
{
  gsize i;
  gint  k;

  crc = ~crc;
  for (i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
  return ~crc;
}

static void
put_be32 (GByteArray *a,
          guint32     v)
{
  guchar b[4] = { v >> 24, v >> 16, v >> 8, v };

  g_byte_array_append (a, b, 4);
}

static void
put_chunk (GByteArray   *png,
           const gchar  *type,
           const guchar *data,
           gsize         length)
{
  GByteArray *body = g_byte_array_new ();

  g_byte_array_append (body, (const guchar *) type, 4);
  if (length)
    g_byte_array_append (body, data, length);
  put_be32 (png, length);
  g_byte_array_append (png, body->data, body->len);
  put_be32 (png, crc32_of (body->data, body->len, 0));
  g_byte_array_unref (body);
}

/* A copy of a PNG with its colour chunks (sRGB, iCCP, gAMA, cHRM) replaced
 * by gAMA `gamma` (as PNG stores it, x 100000; none when 0) and, unless
 * chrm is NULL, a cHRM of white point and primaries: what ImageMagick
 * writes.  */
static void
png_with_gamma (const gchar   *from,
                const gchar   *to,
                guint32        gamma,
                const guint32 *chrm)
{
  gchar      *data;
  gsize       len, at = 8;
  GByteArray *png = g_byte_array_new ();

  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_byte_array_append (png, (guchar *) data, 8);
  while (at + 12 <= len)
    {
      const guchar *c = (guchar *) data + at;
      guint32       n = (guint32) c[0] << 24 | c[1] << 16 | c[2] << 8 | c[3];
      gchar         type[5] = { 0 };

      memcpy (type, c + 4, 4);
      if (strcmp (type, "sRGB") && strcmp (type, "iCCP") &&
          strcmp (type, "gAMA") && strcmp (type, "cHRM"))
        g_byte_array_append (png, c, n + 12);
      if (! strcmp (type, "IHDR") && gamma)
        {
          GByteArray *body = g_byte_array_new ();
          gint        i;

          put_be32 (body, gamma);
          put_chunk (png, "gAMA", body->data, 4);
          g_byte_array_set_size (body, 0);
          for (i = 0; chrm && i < 8; i++)
            put_be32 (body, chrm[i]);
          if (chrm)
            put_chunk (png, "cHRM", body->data, 32);
          g_byte_array_unref (body);
        }
      at += n + 12;
    }
  g_assert_true (g_file_set_contents (to, (gchar *) png->data, png->len,
                                      NULL));
  g_byte_array_unref (png);
  g_free (data);
}

/* A PNG of width x height RGB 8-bit whose image data is `raw` stored
 * (uncompressed deflate blocks), however few bytes that is.  */
static void
png_claiming (const gchar  *path,
              guint32       width,
              guint32       height,
              const guchar *raw,
              gsize         raw_len)
{
  GByteArray *png = g_byte_array_new (), *body = g_byte_array_new ();
  guint32     a = 1, b = 0;
  gsize       i;
  guchar      head[2] = { 0x78, 0x01 };

  g_byte_array_append (png, (const guchar *) "\x89PNG\r\n\x1a\n", 8);
  put_be32 (body, width);
  put_be32 (body, height);
  g_byte_array_append (body, (const guchar *) "\x08\x02\x00\x00\x00", 5);
  put_chunk (png, "IHDR", body->data, 13);
  g_byte_array_set_size (body, 0);
  g_byte_array_append (body, head, 2);
  {
    guchar block[5] = { 1, raw_len & 0xff, raw_len >> 8,
                        ~raw_len & 0xff, (~raw_len >> 8) & 0xff };

    g_assert_cmpuint (raw_len, <, 65536);
    g_byte_array_append (body, block, 5);
    g_byte_array_append (body, raw, raw_len);
  }
  for (i = 0; i < raw_len; i++)
    {
      a = (a + raw[i]) % 65521;
      b = (b + a) % 65521;
    }
  put_be32 (body, b << 16 | a);
  put_chunk (png, "IDAT", body->data, body->len);
  put_chunk (png, "IEND", NULL, 0);
  g_assert_true (g_file_set_contents (path, (gchar *) png->data, png->len,
                                      NULL));
  g_byte_array_unref (body);
  g_byte_array_unref (png);
}

/* 1: an output that is an input, by any name, is refused before any work,
 * even with --force, and the input keeps its bytes: a photo named as
 * another's sheet, a photo named as the contact sheet, a mask named as a
 * sheet, and sheets that are a symlink and a hard link to photos.  */
static void
test_same_file (void)
{
  gchar *d     = fresh_dir ("same");
  gchar *a     = g_build_filename (d, "a.jpg", NULL);
  gchar *c     = g_build_filename (d, "c.jpg", NULL);
  gchar *ap    = g_build_filename (d, "a-preview.png", NULL);
  gchar *cp    = g_build_filename (d, "c-preview.png", NULL);
  gchar *cs    = g_build_filename (d, "contact-sheet.png", NULL);
  gchar *b     = g_build_filename (d, "b.png", NULL);
  gchar *bp    = g_build_filename (d, "b-preview.png", NULL);
  gchar *other = g_build_filename (d, "other", NULL);
  gchar *soft  = g_build_filename (other, "c-preview.png", NULL);
  gchar *hard  = g_build_filename (other, "a-preview.png", NULL);
  gchar *sums[4], *err;
  gint   i;

  make_photo (a, 120, 90, 0);
  make_photo (c, 120, 90, 1);
  make_photo (ap, 120, 90, 2);
  make_photo (cs, 120, 90, 3);
  make_photo (b, 120, 90, 4);
  make_mask (bp, 120, 90);
  g_assert_cmpint (g_mkdir (other, 0755), ==, 0);
  g_assert_cmpint (symlink (c, soft), ==, 0);
  g_assert_cmpint (link (a, hard), ==, 0);
  sums[0] = file_md5 (a);
  sums[1] = file_md5 (c);
  sums[2] = file_md5 (ap);
  sums[3] = file_md5 (cs);

  g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", c, a, ap,
                            "-o", d, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "a-preview.png, the sheet of "));
  g_assert_nonnull (strstr (err, "(the same file)"));
  g_free (err);
  g_assert_cmpint (preview (&err, "-f", "--contact-sheet", "-j", "2", "-p",
                            "shaved-dark-hair", c, cs, "-o", d, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "contact-sheet.png, the contact sheet, is "
                                 "the photo"));
  g_free (err);
  g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", "-m", bp, b,
                            "-o", d, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "is the mask"));
  g_free (err);
  g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", c, "-o",
                            other, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "(the same file)"));
  g_free (err);
  g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", a, "-o",
                            other, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "(the same file)"));
  g_free (err);

  /* Every input as it was, and no work done: no sheet of c, written
   * first had the run gone ahead.  */
  for (i = 0; i < 4; i++)
    {
      gchar *now = file_md5 (i == 0 ? a : i == 1 ? c : i == 2 ? ap : cs);

      g_assert_cmpstr (now, ==, sums[i]);
      g_free (now);
      g_free (sums[i]);
    }
  g_assert_true (g_file_test (bp, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (cp, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (soft, G_FILE_TEST_IS_SYMLINK));
  rm_rf (d);
  g_free (d);
  g_free (a);
  g_free (c);
  g_free (ap);
  g_free (cp);
  g_free (cs);
  g_free (b);
  g_free (bp);
  g_free (other);
  g_free (soft);
  g_free (hard);
}

/* 2: an empty PNG, and one whose header says width 0: every smp: op passes
 * them through in `gegl` as GEGL's own ops do (it aborted in prepare), and
 * smp-preview names them.  */
static void
test_empty_images (void)
{
  gchar       *d     = fresh_dir ("empty");
  gchar       *zero  = g_build_filename (d, "zero.png", NULL);
  gchar       *w0    = g_build_filename (d, "width0.png", NULL);
  gchar       *out   = g_build_filename (d, "out.png", NULL);
  gchar      **ops   = gegl_list_operations (NULL);
  const guchar raw[] = { 0, 1, 2, 3 };
  gchar       *err;
  gint         i, f, n = 0;

  g_assert_true (g_file_set_contents (zero, "", 0, NULL));
  png_claiming (w0, 0, 10, raw, sizeof raw);
  for (i = 0; ops[i]; i++)
    if (g_str_has_prefix (ops[i], "smp:") || ! strcmp (ops[i], "gegl:nop"))
      for (f = 0; f < 2; f++)
        {
          const gchar *argv[] = { g_getenv ("SMP_GEGL_BIN"), "-i",
                                  f ? w0 : zero, "-o", out, "--", ops[i],
                                  NULL };
          gint         status;
          gchar       *so = smp_test_spawn (argv, NULL, NULL, &status);

          g_test_message ("gegl -i %s -- %s: exit %d", f ? "width0.png"
                          : "zero.png", ops[i], status);
          g_assert_cmpint (status, ==, 0);
          g_free (so);
          n += g_str_has_prefix (ops[i], "smp:");
        }
  g_assert_cmpint (n, >=, 6);
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", zero, w0, "-o",
                            d, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "zero.png: empty file"));
  g_assert_nonnull (strstr (err, "width0.png: not a valid PNG"));
  g_free (err);
  g_free (ops);
  rm_rf (d);
  g_free (d);
  g_free (zero);
  g_free (w0);
  g_free (out);
}

/* A PNG of a photo as GEGL writes it at 8 bits (grey: one channel).  */
static void
make_photo8 (const gchar *path,
             gint         width,
             gint         height,
             gint         variant,
             gboolean     grey)
{
  gchar        *deep  = g_strconcat (path, ".16.png", NULL);
  GeglNode     *graph = gegl_node_new ();
  GeglNode     *load;
  GeglRectangle box;
  GeglBuffer   *buf;
  gpointer      px;

  make_photo (deep, width, height, variant);
  load = gegl_node_new_child (graph, "operation", "gegl:load", "path", deep,
                              NULL);
  box  = gegl_node_get_bounding_box (load);
  px   = smp_test_blit (load, &box, babl_format (grey ? "Y' float"
                                                      : "R'G'B' float"));
  buf  = gegl_buffer_new (&box, babl_format (grey ? "Y' float"
                                                  : "R'G'B' float"));
  gegl_buffer_set (buf, &box, 0, gegl_buffer_get_format (buf), px,
                   GEGL_AUTO_ROWSTRIDE);
  smp_test_save_png (buf, path);
  g_object_unref (buf);
  g_object_unref (graph);
  g_free (px);
  g_unlink (deep);
  g_free (deep);
}

/* The largest difference between two 8-bit RGB images.  */
static gint
max_diff_rgb (const guchar *a,
              const guchar *b,
              gsize         values)
{
  gsize i;
  gint  most = 0;

  for (i = 0; i < values; i++)
    most = MAX (most, abs (a[i] - b[i]));
  return most;
}

/* OUTDIR/STEM-preview.png for a photo's file name.  */
static gchar *
sheet_of (const gchar *outdir,
          const gchar *photo)
{
  gchar *base = g_path_get_basename (photo);
  gchar *name, *path;

  *strrchr (base, '.') = '\0';
  name = g_strconcat (base, "-preview.png", NULL);
  path = g_build_filename (outdir, name, NULL);
  g_free (base);
  g_free (name);
  return path;
}

/* Runs smp-preview with extra environment (name, value pairs); argv
 * without the program, NULL-terminated.  */
static gint
preview_env (const gchar * const *env,
             const gchar * const *args,
             gchar              **err)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  gint       status, i;
  gchar     *out;

  g_ptr_array_add (argv, tool ());
  for (i = 0; args[i]; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  out = smp_test_spawn ((const gchar * const *) argv->pdata, env, err,
                        &status);
  g_test_message ("smp-preview exit %d; stderr:\n%s", status, *err);
  g_free (out);
  g_ptr_array_unref (argv);
  return status;
}

/* 3: the same bytes on every run, with -j 1, 2, 3, other tiles and
 * threads, for PNGs with and without colour chunks (gAMA and cHRM, as
 * ImageMagick writes them: GEGL makes a colour space of them, and babl
 * converts from it with code it picks by timing, differently from run to
 * run), JPEG, 16-bit and grey photos; and the before panel is the photo as
 * GEGL reads its colour chunks, to within one level.  */
static void
test_deterministic (void)
{
  static const guint32 srgb[8]  = { 31270, 32900, 64000, 33000, 30000,
                                    60000, 15000, 6000 };
  static const guint32 adobe[8] = { 31270, 32900, 64000, 33000, 21000,
                                    71000, 15000, 6000 };
  static const gchar  *names[]  = { "gamma.png", "adobe.png", "plain.png",
                                    "photo.jpg", "deep.png", "deep-gamma.png",
                                    "grey.png", "grey-gamma.png" };
  static const gchar  *runs[][6] = {
    { "1", NULL },
    { "2", NULL },
    { "1", "GEGL_TILE_SIZE", "37x53", "GEGL_THREADS", "2" },
    { "3", "GEGL_THREADS", "1", NULL },
    { "1", NULL } };
  enum { N = G_N_ELEMENTS (names), RUNS = G_N_ELEMENTS (runs) };
  gchar *d = fresh_dir ("determinism");
  gchar *base8 = g_build_filename (d, "base8.png", NULL);
  gchar *paths[N], *sums[N + 1][RUNS];
  gint   i, r;

  for (i = 0; i < N; i++)
    paths[i] = g_build_filename (d, names[i], NULL);
  make_photo8 (base8, 200, 140, 0, FALSE);
  png_with_gamma (base8, paths[0], 45455, srgb);
  png_with_gamma (base8, paths[1], 45455, adobe);
  png_with_gamma (base8, paths[2], 0, NULL);
  make_photo (paths[3], 200, 140, 1);
  make_photo (paths[4], 200, 140, 2);
  png_with_gamma (paths[4], paths[5], 50000, NULL);
  make_photo8 (paths[6], 200, 140, 3, TRUE);
  png_with_gamma (paths[6], paths[7], 45455, NULL);

  for (r = 0; r < RUNS; r++)
    {
      gchar       *name = g_strdup_printf ("out-%d", r);
      gchar       *out  = g_build_filename (d, name, NULL);
      /* Masks from files (there are none): the presets treat the whole
       * photo.  */
      const gchar *args[N + 16] = { "-p", "shaved-dark-hair", "-p",
                                    "density-long-hair", "--seed", "5",
                                    "--contact-sheet", "--mask-mode", "file",
                                    "-j", runs[r][0], "-o", out };
      gchar       *err, *cs;

      for (i = 0; i < N; i++)
        args[13 + i] = paths[i];
      g_assert_cmpint (preview_env (runs[r] + 1, args, &err), ==, 0);
      g_free (err);
      for (i = 0; i < N; i++)
        {
          gchar *sheet = sheet_of (out, names[i]);

          sums[i][r] = file_md5 (sheet);
          g_free (sheet);
        }
      cs = g_build_filename (out, "contact-sheet.png", NULL);
      sums[N][r] = file_md5 (cs);
      g_free (cs);
      g_free (out);
      g_free (name);
    }
  for (i = 0; i <= N; i++)
    for (r = 1; r < RUNS; r++)
      {
        g_test_message ("%s: run 0 %s, run %d %s",
                        i < N ? names[i] : "contact-sheet.png", sums[i][0], r,
                        sums[i][r]);
        g_assert_cmpstr (sums[i][r], ==, sums[i][0]);
      }

  /* What the colour chunks say is honoured: the before panel is the photo
   * as GEGL reads it (babl's conversion, to within its last bit).  */
  for (i = 0; i < N; i++)
    {
      gchar  *out   = g_build_filename (d, "out-0", NULL);
      gchar  *sheet = sheet_of (out, names[i]);
      gint    w, h, pw, ph, most;
      guchar *s     = read_rgb (sheet, &w, &h);
      guchar *p     = read_rgb (paths[i], &pw, &ph);
      guchar *b     = panel (s, w, 0, pw, ph);

      most = max_diff_rgb (b, p, (gsize) pw * ph * 3);
      g_test_message ("%s: its before panel and GEGL's reading of it differ "
                      "by at most %d", names[i], most);
      g_assert_cmpint (most, <=, 1);
      g_free (b);
      g_free (p);
      g_free (s);
      g_free (sheet);
      g_free (out);
    }
  for (i = 0; i <= N; i++)
    for (r = 0; r < RUNS; r++)
      g_free (sums[i][r]);
  for (i = 0; i < N; i++)
    g_free (paths[i]);
  rm_rf (d);
  g_free (d);
  g_free (base8);
}

/* 4: damaged photos and masks are named with what is wrong: random bytes
 * spliced into a JPEG, eight bytes of a PNG's image data overwritten, a
 * header claiming more pixels than the data holds; and a decompression
 * bomb (a few hundred bytes claiming 100000 x 100000) refused at once by
 * its header, unless --max-megapixels allows it.  */
static void
test_corrupt (void)
{
  gchar  *d      = fresh_dir ("corrupt");
  gchar  *good   = g_build_filename (d, "good.jpg", NULL);
  gchar  *splice = g_build_filename (d, "splice.jpg", NULL);
  gchar  *idat   = g_build_filename (d, "idat.png", NULL);
  gchar  *shortp = g_build_filename (d, "short.png", NULL);
  gchar  *bomb   = g_build_filename (d, "bomb.png", NULL);
  gchar  *other  = g_build_filename (d, "other.jpg", NULL);
  gchar  *omask  = g_build_filename (d, "other.mask.png", NULL);
  gchar  *out    = g_build_filename (d, "out", NULL);
  guchar  raw[300] = { 0 };
  gchar  *data, *err, *sheet;
  gsize   len, at;
  gint    status, i;
  GRand  *rand = g_rand_new_with_seed (10);

  make_photo (good, 240, 160, 0);
  make_photo (other, 240, 160, 1);
  g_assert_true (g_file_get_contents (good, &data, &len, NULL));
  {
    GByteArray *b = g_byte_array_new ();

    g_byte_array_append (b, (guchar *) data, len / 2);
    for (i = 0; i < 3000; i++)
      {
        guchar c = g_rand_int_range (rand, 0, 256);

        g_byte_array_append (b, &c, 1);
      }
    g_byte_array_append (b, (guchar *) data + len / 2, len - len / 2);
    g_assert_true (g_file_set_contents (splice, (gchar *) b->data, b->len,
                                        NULL));
    g_byte_array_unref (b);
  }
  g_free (data);
  make_photo (idat, 240, 160, 2);
  g_assert_true (g_file_get_contents (idat, &data, &len, NULL));
  at = (gchar *) memmem (data, len, "IDAT", 4) - data + 4 + 200;
  memset (data + at, 0xa5, 8);
  g_assert_true (g_file_set_contents (idat, data, len, NULL));
  g_assert_true (g_file_set_contents (omask, data, len, NULL));
  g_free (data);
  png_claiming (shortp, 3000, 3000, raw, sizeof raw);
  png_claiming (bomb, 100000, 100000, raw, sizeof raw);
  g_assert_true (g_file_get_contents (bomb, &data, &len, NULL));
  g_assert_cmpuint (len, <, 400);
  g_free (data);

  status = preview (&err, "-p", "shaved-dark-hair", splice, idat, shortp,
                    good, "-o", out, NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "splice.jpg: corrupt JPEG"));
  g_assert_nonnull (strstr (err, "idat.png: corrupt PNG"));
  g_assert_nonnull (strstr (err, "short.png: corrupt PNG image data"));
  g_free (err);
  sheet = sheet_of (out, "good.jpg");
  g_assert_true (g_file_test (sheet, G_FILE_TEST_EXISTS));
  g_free (sheet);
  sheet = sheet_of (out, "splice.jpg");
  g_assert_false (g_file_test (sheet, G_FILE_TEST_EXISTS));
  g_free (sheet);

  /* As a mask: for every photo (before any work), or one photo's own.  */
  g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", "-m", idat,
                            good, "-o", out, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "idat.png: corrupt PNG"));
  g_free (err);
  g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", other,
                            "-o", out, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "mask "));
  g_assert_nonnull (strstr (err, "other.mask.png: corrupt PNG"));
  g_free (err);

  /* The bomb: named with its claimed size at once, as photo and as mask.
   * (`timeout`: the version before this one ran past 120 s on it.)  */
  {
    gchar       *t = tool ();
    const gchar *argv[] = { "timeout", "60", t, "-p", "shaved-dark-hair",
                            bomb, "-o", out, NULL };
    gint64       start = g_get_monotonic_time ();
    gchar       *so = smp_test_spawn (argv, NULL, &err, &status);

    g_test_message ("the bomb: exit %d after %.2f s: %s", status,
                    (g_get_monotonic_time () - start) / 1e6, err);
    g_assert_cmpint (status, ==, 1);
    g_assert_nonnull (strstr (err, "bomb.png: its header claims 100000 x "
                                   "100000 pixels (10000.0 megapixels), more "
                                   "than the limit of 200 megapixels"));
    g_free (so);
    g_free (err);
    {
      const gchar *masked[] = { "timeout", "60", t, "-p", "shaved-dark-hair",
                                "-m", bomb, good, "-o", out, NULL };

      so = smp_test_spawn (masked, NULL, &err, &status);
    }
    g_assert_cmpint (status, ==, 2);
    g_assert_nonnull (strstr (err, "bomb.png: its header claims 100000 x "
                                   "100000"));
    g_free (so);
    g_free (err);
    g_free (t);
  }
  /* Allowed, it is decoded, and found short of data.  */
  g_assert_cmpint (preview (&err, "--max-megapixels", "10000", "-p",
                            "shaved-dark-hair", bomb, "-o", out, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "bomb.png: corrupt PNG image data"));
  g_free (err);

  g_rand_free (rand);
  rm_rf (d);
  g_free (d);
  g_free (good);
  g_free (splice);
  g_free (idat);
  g_free (shortp);
  g_free (bomb);
  g_free (other);
  g_free (omask);
  g_free (out);
}

/* 4: preset values that do not parse are errors naming the file, the
 * property and the value (GEGL reads density=abc as 0 and renders the
 * photo unchanged, a colour it cannot read as transparent cyan).  */
static void
test_bad_presets (void)
{
  static const gchar *bad[] = { "density=abc", "density=", "sessions=lots",
                                "pigment=notacolour" };
  gchar *d     = fresh_dir ("bad-presets");
  gchar *photo = g_build_filename (d, "p.jpg", NULL);
  gchar *file  = g_build_filename (d, "mine.gegl", NULL);
  gchar *out   = g_build_filename (d, "out", NULL);
  gchar *sheet = sheet_of (out, "p.jpg");
  guint  i;

  make_photo (photo, 120, 90, 0);
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gchar *text = g_strdup_printf ("# mine\nsmp:follicles density=90 %s "
                                     "dot-diameter=0.12\n", bad[i]);
      gchar *err, *want;

      g_assert_true (g_file_set_contents (file, text, -1, NULL));
      g_assert_cmpint (preview (&err, "-p", file, photo, "-o", out, NULL), ==,
                       2);
      want = g_strdup_printf ("preset %s: %s: ", file, bad[i]);
      g_assert_nonnull (strstr (err, want));
      g_assert_false (g_file_test (sheet, G_FILE_TEST_EXISTS));
      g_free (want);
      g_free (err);
      g_free (text);
    }
  /* Path data GEGL's own parser would loop on for ever, in a preset's
   * smp:hairline: refused before GEGL reads it.  */
  {
    gchar       *t    = tool ();
    const gchar *argv[] = { "timeout", "60", t, "-p", file, photo, "-o", out,
                            NULL };
    gchar       *err, *so;
    gint         status;

    g_assert_true (g_file_set_contents (file, "# mine\nsmp:follicles "
                                        "aux=[ smp:hairline d=\"M 10\" ]\n",
                                        -1, NULL));
    so = smp_test_spawn (argv, NULL, &err, &status);
    g_test_message ("exit %d\n%s", status, err);
    g_assert_cmpint (status, ==, 2);
    g_assert_nonnull (strstr (err, "d=M 10: not path data GEGL reads "
                                   "right"));
    g_free (so);
    g_free (err);
    g_free (t);
  }
  rm_rf (d);
  g_free (d);
  g_free (photo);
  g_free (file);
  g_free (out);
  g_free (sheet);
}

/* 4: numbers are read as people write them: a seed of -1 is not 0, a scale
 * file holding 0x10 is not 16.  */
static void
test_bad_numbers (void)
{
  gchar *d     = fresh_dir ("numbers");
  gchar *photo = g_build_filename (d, "p.jpg", NULL);
  gchar *scale = g_build_filename (d, "p.px-per-mm", NULL);
  gchar *out   = g_build_filename (d, "out", NULL);
  gchar *err;

  make_photo (photo, 120, 90, 0);
  g_assert_cmpint (preview (&err, "--seed", "-1", "-p", "shaved-dark-hair",
                            photo, "-o", out, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--seed -1 is not a seed: a whole number "
                                 "from 0 to 4294967295"));
  g_free (err);
  g_assert_cmpint (preview (&err, "--seed", "4294967296", "-p",
                            "shaved-dark-hair", photo, "-o", out, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "is not a seed"));
  g_free (err);
  g_assert_cmpint (preview (&err, "-s", "0x10", "-p", "shaved-dark-hair",
                            photo, "-o", out, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--px-per-mm 0x10 is not a scale"));
  g_free (err);
  g_assert_true (g_file_set_contents (scale, "0x10\n", -1, NULL));
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", photo, "-o", out,
                            NULL), ==, 1);
  g_assert_nonnull (strstr (err, "p.px-per-mm: not a scale"));
  g_free (err);
  /* 16 px/mm: 7.5 mm of skin, no head for the automatic mask to find.  */
  g_assert_true (g_file_set_contents (scale, " 16\n", -1, NULL));
  g_assert_cmpint (preview (&err, "--mask-mode", "none", "-p",
                            "shaved-dark-hair", photo, "-o", out, NULL), ==, 0);
  g_free (err);
  rm_rf (d);
  g_free (d);
  g_free (photo);
  g_free (scale);
  g_free (out);
}

/* 4: a colour photo given as density-soften's region (the ops read any
 * picture's grey as a mask, and say nothing): the tool says so.  */
static void
test_colour_mask (void)
{
  gchar *d     = fresh_dir ("colour-mask");
  gchar *photo = g_build_filename (d, "p.png", NULL);
  gchar *other = g_build_filename (d, "q.jpg", NULL);
  gchar *own   = g_build_filename (d, "p.mask.png", NULL);
  gchar *out   = g_build_filename (d, "out", NULL);
  gchar *sheet = sheet_of (out, "p.png");
  gchar *err;

  make_photo (photo, 160, 120, 0);
  make_photo (other, 160, 120, 5);
  make_photo (own, 160, 120, 6);
  g_assert_cmpint (preview (&err, "-p", "density-long-hair", "-m", other,
                            photo, "-o", out, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "q.jpg is a colour image"));
  g_free (err);
  g_assert_cmpint (preview (&err, "-p", "density-long-hair", photo, "-o",
                            out, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "p.mask.png is a colour image"));
  g_assert_false (g_file_test (sheet, G_FILE_TEST_EXISTS));
  g_free (err);
  /* A grey mask is a mask.  */
  make_mask (own, 160, 120);
  g_assert_cmpint (preview (&err, "-p", "density-long-hair", photo, "-o",
                            out, NULL), ==, 0);
  g_assert_true (g_file_test (sheet, G_FILE_TEST_EXISTS));
  g_free (err);
  rm_rf (d);
  g_free (d);
  g_free (photo);
  g_free (other);
  g_free (own);
  g_free (out);
  g_free (sheet);
}

/* Whether a process still has `text` in its command line (a worker of a
 * run whose parent is gone has its parent's).  */
static gboolean
process_with (const gchar *text)
{
  GDir        *d = g_dir_open ("/proc", 0, NULL);
  const gchar *name;
  gboolean     found = FALSE;

  while (d && ! found && (name = g_dir_read_name (d)))
    {
      gchar *path = g_build_filename ("/proc", name, "cmdline", NULL);
      gchar *cmd  = NULL;
      gsize  len, i;

      if (g_ascii_isdigit (name[0]) &&
          g_file_get_contents (path, &cmd, &len, NULL))
        {
          for (i = 0; i + 1 < len; i++)
            if (! cmd[i])
              cmd[i] = ' ';
          found = len && strstr (cmd, text) != NULL;
        }
      g_free (cmd);
      g_free (path);
    }
  if (d)
    g_dir_close (d);
  return found;
}

/* 5: a signal to smp-preview's parent alone, while its workers write
 * sheets: no temporary file is left; and a later run removes those of runs
 * that died without a chance to (a PID that is gone), not those of a
 * process alive.  */
static void
test_signals (void)
{
  static const gint sigs[] = { SIGINT, SIGTERM, SIGHUP };
  gchar *d   = fresh_dir ("signals");
  gchar *a   = g_build_filename (d, "a.jpg", NULL);
  gchar *b   = g_build_filename (d, "b.jpg", NULL);
  gchar *t   = tool ();
  guint  s;

  make_photo (a, 1800, 1200, 0);
  make_photo (b, 1800, 1200, 1);
  for (s = 0; s < G_N_ELEMENTS (sigs); s++)
    {
      gchar       *name = g_strdup_printf ("out-%d", sigs[s]);
      gchar       *out  = g_build_filename (d, name, NULL);
      const gchar *argv[] = { t, "-j", "2", "--contact-sheet", "-p",
                              "shaved-dark-hair", "-p", "density-long-hair",
                              a, b, "-o", out, NULL };
      GError      *error = NULL;
      GPid         pid;
      gint         status = 0, waited;

      g_assert_true (g_spawn_async (NULL, (gchar **) argv, NULL,
                                    G_SPAWN_DO_NOT_REAP_CHILD |
                                    G_SPAWN_STDOUT_TO_DEV_NULL |
                                    G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                    &pid, &error));
      /* Until a worker has a sheet on the way.  */
      for (waited = 0; waited < 6000 && ! temporaries (out); waited++)
        g_usleep (20000);
      g_assert_cmpint (temporaries (out), >, 0);
      g_assert_cmpint (kill (pid, sigs[s]), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_test_message ("signal %d to the parent: it %s %d", sigs[s],
                      WIFSIGNALED (status) ? "died of" : "exited with",
                      WIFSIGNALED (status) ? WTERMSIG (status)
                                           : WEXITSTATUS (status));
      /* Its workers too are gone, in time.  */
      for (waited = 0; waited < 3000 && process_with (out); waited++)
        g_usleep (20000);
      g_assert_false (process_with (out));
      g_assert_cmpint (temporaries (out), ==, 0);
      g_free (out);
      g_free (name);
    }

  /* Temporaries of runs long dead, in both namings, and one of a process
   * alive (this test).  */
  {
    gchar *out  = g_build_filename (d, "stale", NULL);
    pid_t  gone = fork ();
    gchar *dead1, *dead2, *alive, *err;

    if (gone == 0)
      _exit (0);
    g_assert_cmpint (waitpid (gone, NULL, 0), ==, gone);
    g_mkdir (out, 0755);
    dead1 = g_strdup_printf ("%s/.smp-preview.%d.Ab12Cd", out, (gint) gone);
    dead2 = g_strdup_printf ("%s/a-preview.png.%d.tmp", out, (gint) gone);
    alive = g_strdup_printf ("%s/.smp-preview.%d.Ef34Gh", out,
                             (gint) getpid ());
    g_assert_true (g_file_set_contents (dead1, "half a sheet", -1, NULL));
    g_assert_true (g_file_set_contents (dead2, "half a sheet", -1, NULL));
    g_assert_true (g_file_set_contents (alive, "being written", -1, NULL));
    /* 40 px/mm: no head to find, the whole photo.  */
    g_assert_cmpint (preview (&err, "--mask-mode=none", "-p",
                              "shaved-dark-hair", "-s", "40", a, "-o", out,
                              NULL), ==, 0);
    g_assert_nonnull (strstr (err, "removed 2 temporary files"));
    g_assert_false (g_file_test (dead1, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (dead2, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (alive, G_FILE_TEST_EXISTS));
    g_free (err);
    g_free (dead1);
    g_free (dead2);
    g_free (alive);
    g_free (out);
  }
  rm_rf (d);
  g_free (d);
  g_free (a);
  g_free (b);
  g_free (t);
}

/* 5: a full disk (a small tmpfs, in a user namespace of its own): the sheet
 * is written whole, its small copy for the contact sheet is not, and then
 * nothing half-written stays and the photo is not reported as failed.  */
static void
test_full_disk (void)
{
  const gchar *probe[] = { "unshare", "--user", "--map-root-user", "--mount",
                           "true", NULL };
  gchar       *d     = fresh_dir ("full-disk");
  gchar       *photo = g_build_filename (d, "a.jpg", NULL);
  gchar       *ref   = g_build_filename (d, "ref", NULL);
  gchar       *fs    = g_build_filename (d, "fs", NULL);
  gchar       *t     = tool ();
  gchar       *sheet, *want, *got, *size, *err, *so;
  gint         status;
  GStatBuf     st;

  so = smp_test_spawn (probe, NULL, NULL, &status);
  g_free (so);
  if (status != 0)
    {
      g_test_skip ("no user namespace here (unshare --user --mount) to "
                   "mount a small tmpfs in");
      rm_rf (d);
      g_free (d);
      g_free (photo);
      g_free (ref);
      g_free (fs);
      g_free (t);
      return;
    }
  /* A patch of skin with no head in it: the whole photo (an automatic
   * mask would find no head, and that counts as a failed photo).  */
  make_photo (photo, 300, 200, 0);
  g_assert_cmpint (preview (&err, "--mask-mode=none", "-p",
                            "shaved-dark-hair", photo, "-o", ref, NULL), ==, 0);
  g_free (err);
  sheet = sheet_of (ref, "a.jpg");
  g_assert_cmpint (g_stat (sheet, &st), ==, 0);
  want = file_md5 (sheet);
  g_free (sheet);
  g_mkdir (fs, 0755);
  /* Room for the sheet, not for its small copy (as large: the sheet is
   * narrower than the contact sheet's width).  */
  size = g_strdup_printf ("size=%" G_GINT64_FORMAT,
                          (gint64) st.st_size * 3 / 2);
  {
    const gchar *argv[] = { "unshare", "--user", "--map-root-user", "--mount",
                            "sh", "-c",
                            "mount -t tmpfs -o \"$1\" tmpfs \"$2\" && "
                            "shift 2 && exec \"$@\"",
                            "sh", size, fs, t, "--mask-mode=none",
                            "--contact-sheet", "-p", "shaved-dark-hair", photo,
                            "-o", fs, NULL };

    so = smp_test_spawn (argv, NULL, &err, &status);
    g_test_message ("on a full disk: exit %d\n%s", status, err);
    g_free (so);
  }
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "a.jpg: its sheet is written, but not its "
                                 "small copy for the contact sheet"));
  g_assert_nonnull (strstr (err, "No space left on device"));
  g_assert_nonnull (strstr (err, "contact-sheet.png is not written"));
  g_free (err);
  /* (The tmpfs is gone with its namespace: its contents are checked from
   * inside it.)  */
  {
    gchar       *script = g_strdup_printf (
      "mount -t tmpfs -o %s tmpfs \"$1\" && \"$2\" --mask-mode=none "
      "--contact-sheet -p "
      "shaved-dark-hair \"$3\" -o \"$1\" 2>/dev/null; ls -A \"$1\"; "
      "md5sum < \"$1\"/a-preview.png", size);
    const gchar *argv[] = { "unshare", "--user", "--map-root-user", "--mount",
                            "sh", "-c", script, "sh", fs, t, photo, NULL };

    so = smp_test_spawn (argv, NULL, NULL, &status);
    g_test_message ("left on the full disk:\n%s", so);
    got = g_strdup_printf ("a-preview.png\n%s  -\n", want);
    g_assert_cmpstr (so, ==, got);
    g_free (got);
    g_free (so);
    g_free (script);
  }
  g_free (want);
  g_free (size);
  rm_rf (d);
  g_free (d);
  g_free (photo);
  g_free (ref);
  g_free (fs);
  g_free (t);
}

/* 5: a photo whose sheet's name is as long as a file name can be (255
 * bytes): the run's temporaries have short names of their own, the small
 * copy for the contact sheet too.  */
static void
test_long_name (void)
{
  gchar *d     = fresh_dir ("long-name");
  gchar *stem  = g_strnfill (255 - strlen ("-preview.png"), 'n');
  gchar *file  = g_strconcat (stem, ".jpg", NULL);
  gchar *photo = g_build_filename (d, file, NULL);
  gchar *out   = g_build_filename (d, "out", NULL);
  gchar *sheet = sheet_of (out, file);
  gchar *err;

  make_photo (photo, 120, 90, 0);
  g_assert_cmpint (preview (&err, "--mask-mode=none", "--contact-sheet", "-p",
                            "shaved-dark-hair", photo, "-o", out, NULL), ==, 0);
  g_assert_true (g_file_test (sheet, G_FILE_TEST_EXISTS));
  g_assert_cmpint (temporaries (out), ==, 0);
  g_free (err);
  rm_rf (d);
  g_free (d);
  g_free (stem);
  g_free (file);
  g_free (photo);
  g_free (out);
  g_free (sheet);
}


/* Issues 11, 13, 14, 15 and 17: what a photo brings besides itself (an
 * automatic mask, a reference of the client's hair, a designed hairline),
 * what the ops learnt and whether they changed anything, said; and
 * batches spread over jobs and machines.  */

/* The Description a sheet carries: its captions (an iTXt chunk).  */
static gchar *
png_description (const gchar *path)
{
  gchar *data, *text = NULL;
  gsize  len, at = 8;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  while (at + 12 <= len)
    {
      const guchar *c = (const guchar *) data + at;
      guint32       n = (guint32) c[0] << 24 | c[1] << 16 | c[2] << 8 | c[3];

      if (at + 12 + n > len)
        break;
      if (! memcmp (c + 4, "iTXt", 4) && n > 16 &&
          ! memcmp (c + 8, "Description", 12))
        {
          const gchar *p   = (const gchar *) c + 8 + 12 + 2;
          const gchar *end = (const gchar *) c + 8 + n;

          p += strlen (p) + 1;   /* language */
          p += strlen (p) + 1;   /* translated keyword */
          text = g_strndup (p, end - p);
        }
      at += n + 12;
    }
  g_free (data);
  g_assert_nonnull (text);
  return text;
}

/* A head as smp:scalp-map's reference composition draws it (a bald disc
 * fading into dark hair, on a wall), 200 x 200 at 1.2 px/mm: the
 * automatic mask finds its crown.  */
static void
make_head (const gchar *path)
{
  GeglNode  *graph = gegl_node_new ();
  GeglColor *skin  = gegl_color_new ("rgb(0.62,0.42,0.33)");
  GeglColor *hair  = gegl_color_new ("rgb(0.02,0.015,0.01)");
  GeglColor *wall  = gegl_color_new ("rgb(0.35,0.4,0.45)");
  GeglNode  *grad  = gegl_node_new_child (graph, "operation",
                                          "gegl:radial-gradient",
                                          "start-x", 100.0, "start-y", 95.0,
                                          "end-x", 175.0, "end-y", 95.0,
                                          "start-color", skin,
                                          "end-color", hair, NULL);
  GeglNode  *head  = gegl_node_new_child (graph, "operation", "gegl:crop",
                                          "x", 30.0, "y", 25.0,
                                          "width", 140.0, "height", 150.0,
                                          NULL);
  GeglNode  *back  = gegl_node_new_child (graph, "operation", "gegl:color",
                                          "value", wall, NULL);
  GeglNode  *over  = gegl_node_new_child (graph, "operation", "gegl:over",
                                          NULL);
  GeglNode  *crop  = gegl_node_new_child (graph, "operation", "gegl:crop",
                                          "width", 200.0, "height", 200.0,
                                          NULL);
  GeglNode  *save  = gegl_node_new_child (graph, "operation", "gegl:png-save",
                                          "path", path, "bitdepth", 8, NULL);

  gegl_node_link (grad, head);
  gegl_node_link_many (back, over, crop, save, NULL);
  gegl_node_connect_to (head, "output", over, "aux");
  gegl_node_process (save);
  g_object_unref (graph);
  g_object_unref (skin);
  g_object_unref (hair);
  g_object_unref (wall);
}

/* A grey mask, white where inside (x, y) says.  */
static void
make_grey (const gchar *path,
           gint         width,
           gint         height,
           gboolean   (*inside) (gint x, gint y))
{
  GeglRectangle rect = { 0, 0, width, height };
  GeglBuffer   *mask = gegl_buffer_new (&rect, babl_format ("Y' float"));
  gfloat       *m    = g_new (gfloat, (gsize) width * height);
  gint          x, y;

  for (y = 0; y < height; y++)
    for (x = 0; x < width; x++)
      m[(gsize) y * width + x] = inside && inside (x, y) ? 1.0f : 0.0f;
  gegl_buffer_set (mask, &rect, 0, babl_format ("Y' float"), m,
                   GEGL_AUTO_ROWSTRIDE);
  smp_test_save_png (mask, path);
  g_object_unref (mask);
  g_free (m);
}

static gboolean
head_hair (gint x,
           gint y)
{
  gdouble r = hypot (x - 100.0, y - 95.0);

  /* The dark rim of make_head's disc, inside its square.  */
  return r > 62.0 && x >= 32 && x < 168 && y >= 27 && y < 173;
}

static gboolean
tiny_region (gint x,
             gint y)
{
  return x >= 100 && x < 103 && y >= 100 && y < 102;
}

/* The panels of a sheet whose photo is w x h: 1 when panel i equals the
 * photo's (panel 0), else 0.  */
static gboolean
panel_unchanged (const gchar *sheet_path,
                 gint         i,
                 gint         w,
                 gint         h)
{
  gint     sw, sh;
  guchar  *sheet  = read_rgb (sheet_path, &sw, &sh);
  guchar  *before = panel (sheet, sw, 0, w, h);
  guchar  *after  = panel (sheet, sw, i, w, h);
  gboolean same   = ! memcmp (before, after, (gsize) w * h * 3);

  g_free (sheet);
  g_free (before);
  g_free (after);
  return same;
}

/* Copies a file.  */
static void
copy_file (const gchar *from,
           const gchar *to)
{
  gchar *data;
  gsize  len;

  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_assert_true (g_file_set_contents (to, data, len, NULL));
  g_free (data);
}

/* Lines of a stderr text that contain `what`.  */
static gint
lines_with (const gchar *text,
            const gchar *what)
{
  gchar **lines = g_strsplit (text, "\n", -1);
  gint    n = 0, i;

  for (i = 0; lines[i]; i++)
    n += strstr (lines[i], what) != NULL;
  g_strfreev (lines);
  return n;
}

/* Mask modes (issue 14): auto (the default) takes the mask file, else the
 * automatic mask, which finds make_head's crown and nothing in a wall;
 * --save-masks writes the masks used beside the sheets, never over an
 * input, and a saved mask put beside its photo as PHOTO.mask.png gives the
 * same panels; file and none as before; the options' conflicts refused.  */
static void
test_mask_modes (void)
{
  gchar        *d     = fresh_dir ("modes");
  gchar        *head  = g_build_filename (d, "head.png", NULL);
  gchar        *wall  = g_build_filename (d, "wall.png", NULL);
  gchar        *out   = g_build_filename (d, "out", NULL);
  gchar        *hs    = sheet_of (out, "head.png");
  gchar        *ws    = sheet_of (out, "wall.png");
  gchar        *hm    = g_build_filename (out, "head-auto-mask.png", NULL);
  gchar        *wm    = g_build_filename (out, "wall-auto-mask.png", NULL);
  gchar        *own   = g_build_filename (d, "head.mask.png", NULL);
  gchar        *text, *err, *sum, *again;
  GeglRectangle r     = { 0, 0, 200, 160 };
  const gfloat  beige[4] = { 0.5f, 0.4f, 0.3f, 1.0f };
  GeglBuffer   *flat  = smp_test_uniform (&r, babl_format ("RGBA float"),
                                          beige);
  gint          w, h;
  guchar       *m;

  make_head (head);
  smp_test_save_png (flat, wall);
  g_object_unref (flat);

  /* No head in the wall: its sheet shows it untreated, and the exit
   * status is that of a photo that failed.  */
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "-p",
                            "density-long-hair", "-p", "fut-strip-scar",
                            "-s", "1.2", "--save-masks", "-j", "2", head,
                            wall, "-o", out, NULL), ==, 1);
  /* One line for the wall, naming it, one for each photo's scar preset
   * (no scar mask), nothing else.  */
  text = g_strdup_printf ("smp-preview: no head found in %s (automatic "
                          "mask): nothing treated", wall);
  g_assert_cmpint (lines_with (err, text), ==, 1);
  g_free (text);
  g_assert_cmpint (lines_with (err, "fut-strip-scar changed nothing: it "
                                    "needs a scar mask"), ==, 2);
  g_assert_cmpint (lines_with (err, "smp-preview: "), ==, 3);
  g_free (err);
  text = png_description (hs);
  g_test_message ("head's captions:\n%s", text);
  g_assert_nonnull (strstr (text, "auto mask (smp:scalp-map) · matched to "));
  g_assert_nonnull (strstr (text, "no scar mask: unchanged · nothing "
                                  "changed: it needs a scar mask"));
  g_free (text);
  g_assert_false (panel_unchanged (hs, 1, 200, 200));
  g_assert_false (panel_unchanged (hs, 2, 200, 200));
  g_assert_true (panel_unchanged (hs, 3, 200, 200));
  text = png_description (ws);
  g_assert_nonnull (strstr (text, "no head found: untreated"));
  g_free (text);
  g_assert_true (panel_unchanged (ws, 1, 200, 160));
  g_assert_true (panel_unchanged (ws, 2, 200, 160));

  /* The masks used: 8-bit grey, the crown's white, the wall's black.  */
  m = read_rgb (hm, &w, &h);
  g_assert_cmpint (w, ==, 200);
  g_assert_cmpint (m[(95 * 200 + 100) * 3], ==, 255);
  g_assert_cmpint (m[(5 * 200 + 5) * 3], ==, 0);
  g_free (m);
  m = read_rgb (wm, &w, &h);
  g_assert_cmpint (max_diff_rgb (m, m + 3, (gsize) (w * h - 1) * 3), ==, 0);
  g_assert_cmpint (m[0], ==, 0);
  g_free (m);

  /* Fixed by hand, or not: beside the photo as head.mask.png, it gives the
   * same panels (the captions name the file).  */
  copy_file (hm, own);
  sum = g_build_filename (d, "again", NULL);
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "-p",
                            "density-long-hair", "-p", "fut-strip-scar",
                            "-s", "1.2", head, "-o", sum, NULL), ==, 0);
  g_free (err);
  {
    gchar  *hs2 = sheet_of (sum, "head.png");
    gint    sw, sh, sw2, sh2, i;
    guchar *a = read_rgb (hs, &sw, &sh), *b = read_rgb (hs2, &sw2, &sh2);

    for (i = 1; i <= 2; i++)
      {
        guchar *pa = panel (a, sw, i, 200, 200), *pb = panel (b, sw2, i, 200,
                                                              200);

        g_assert_cmpmem (pa, 200 * 200 * 3, pb, 200 * 200 * 3);
        g_free (pa);
        g_free (pb);
      }
    text = png_description (hs2);
    g_assert_nonnull (strstr (text, "mask head.mask.png"));
    g_free (text);
    g_free (a);
    g_free (b);
    g_free (hs2);
  }
  g_free (sum);

  /* A saved mask that exists is kept without --force, and so the photo is
   * not done; an input is never one.  */
  g_unlink (own);
  sum = file_md5 (hm);
  g_unlink (hs);
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "-s", "1.2",
                            "--save-masks", head, "-o", out, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "head-auto-mask.png exists (--force "));
  g_free (err);
  g_assert_false (g_file_test (hs, G_FILE_TEST_EXISTS));
  again = file_md5 (hm);
  g_assert_cmpstr (sum, ==, again);
  g_free (again);
  {
    gchar *victim = g_build_filename (d, "head-auto-mask.png", NULL);

    copy_file (head, victim);
    again = file_md5 (victim);
    g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", "-s",
                              "1.2", "--save-masks", head, victim, "-o", d,
                              NULL), ==, 2);
    g_assert_nonnull (strstr (err, "head-auto-mask.png, the automatic mask "
                                   "of "));
    g_assert_nonnull (strstr (err, "(the same file)"));
    g_free (err);
    g_free (sum);
    sum = file_md5 (victim);
    g_assert_cmpstr (sum, ==, again);
    g_free (victim);
  }
  g_free (sum);
  g_free (again);

  /* file: no mask file, the whole photo, and the note; none: a mask file
   * there is not read.  */
  g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", "-s", "1.2",
                            "--mask-mode", "file", wall, "-o", out, NULL),
                   ==, 0);
  g_assert_nonnull (strstr (err, "note: 1 of the photos had no mask"));
  g_free (err);
  g_assert_false (panel_unchanged (ws, 1, 200, 160));
  text = png_description (ws);
  g_assert_nonnull (strstr (text, "no mask: whole photo"));
  g_free (text);
  make_grey (own, 200, 200, tiny_region);
  g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", "-s", "1.2",
                            "--mask-mode", "none", head, "-o", out, NULL),
                   ==, 0);
  g_assert_null (strstr (err, "note:"));
  g_free (err);
  text = png_description (hs);
  g_assert_nonnull (strstr (text, "no mask: whole photo"));
  g_free (text);

  /* Conflicts.  */
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "--mask-mode",
                            "sometimes", head, "-o", out, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--mask-mode sometimes is not a mode"));
  g_free (err);
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "--mask-mode",
                            "none", "-m", own, head, "-o", out, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "give one or the other"));
  g_free (err);
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "--mask-mode",
                            "file", "--save-masks", head, "-o", out, NULL),
                   ==, 2);
  g_assert_nonnull (strstr (err, "--save-masks writes the automatic masks"));
  g_free (err);

  rm_rf (d);
  g_free (d);
  g_free (head);
  g_free (wall);
  g_free (out);
  g_free (hs);
  g_free (ws);
  g_free (hm);
  g_free (wm);
  g_free (own);
}

/* The look matched to a reference (issue 11): PHOTO.reference.png beside a
 * photo makes the follicles presets learn from the hair it marks, and the
 * caption says what was learnt; a reference that marks no hair is said in
 * one line naming the photo and the file, and the panel is the explicit
 * look's, exactly (the op falls back to it); a preset that asks for the
 * explicit look keeps it; a reference of the wrong size or in colour is
 * refused.  */
static void
test_reference (void)
{
  gchar *d     = fresh_dir ("reference");
  gchar *head  = g_build_filename (d, "head.png", NULL);
  gchar *ref   = g_build_filename (d, "head.reference.png", NULL);
  gchar *out   = g_build_filename (d, "out", NULL);
  gchar *hs    = sheet_of (out, "head.png");
  gchar *expl  = g_build_filename (d, "explicit.gegl", NULL);
  gchar *preset, *text, *err, *dark, *other;
  gint   sw, sh;

  make_head (head);
  /* shaved-dark-hair with the look as it sets it.  */
  dark = g_build_filename (g_getenv ("SMP_SOURCE_DIR"), "data", "presets",
                           "shaved-dark-hair.gegl", NULL);
  g_assert_true (g_file_get_contents (dark, &preset, NULL, NULL));
  g_assert_nonnull (strstr (preset, "match=ring"));
  memcpy (strstr (preset, "match=ring"), "match=none", 10);
  g_assert_true (g_file_set_contents (expl, preset, -1, NULL));
  g_free (preset);

  /* The hair it marks: the look is learnt from it.  */
  make_grey (ref, 200, 200, head_hair);
  g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "-p", expl,
                            "-s", "1.2", head, "-o", out, NULL), ==, 0);
  g_assert_null (strstr (err, "reference"));
  g_free (err);
  text = png_description (hs);
  g_test_message ("captions:\n%s", text);
  g_assert_nonnull (strstr (text, " hair pixels in head.reference.png: "
                                  "darkening "));
  /* And the density the dots were given for it (learnt-density).  */
  g_assert_true (g_regex_match_simple ("matched to [0-9,]+ hair pixels in "
                                       "head\\.reference\\.png: darkening "
                                       "[0-9]+ %, grain [0-9.]+ mm, "
                                       "[1-9][0-9]* /cm²$", text,
                                       G_REGEX_MULTILINE, 0));
  g_assert_null (strstr (text, "matched to 0 "));
  g_assert_nonnull (strstr (text, "explicit look (match=none: "
                                  "head.reference.png not used)"));
  g_free (text);

  /* No hair in it: one line, and the explicit look's pixels.  */
  make_grey (ref, 200, 200, NULL);
  g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", "-p", expl,
                            "-s", "1.2", head, "-o", out, NULL), ==, 0);
  other = g_strdup_printf ("head.png: its reference %s marks no hair the "
                           "look could be learnt from: shaved-dark-hair used "
                           "the explicit look", ref);
  g_assert_cmpint (lines_with (err, other), ==, 1);
  g_assert_cmpint (lines_with (err, "smp-preview: "), ==, 1);
  g_free (other);
  g_free (err);
  text = png_description (hs);
  g_assert_nonnull (strstr (text, "no hair found in head.reference.png: "
                                  "explicit look"));
  g_free (text);
  {
    guchar *s = read_rgb (hs, &sw, &sh);
    guchar *a = panel (s, sw, 1, 200, 200), *b = panel (s, sw, 2, 200, 200);

    g_assert_cmpmem (a, 200 * 200 * 3, b, 200 * 200 * 3);
    g_free (s);
    g_free (a);
    g_free (b);
  }

  /* match=ring with no hair around the mask (bare skin all round): the
   * caption says the look was not learnt, and the settings used.  */
  {
    GeglRectangle r    = { 0, 0, 200, 160 };
    const gfloat  skin[4] = { 0.62f, 0.42f, 0.33f, 1.0f };
    GeglBuffer   *flat = smp_test_uniform (&r, babl_format ("RGBA float"),
                                           skin);
    gchar        *bare = g_build_filename (d, "bare.png", NULL);
    gchar        *mask = g_build_filename (d, "bare.mask.png", NULL);
    gchar        *bs   = sheet_of (out, "bare.png");

    smp_test_save_png (flat, bare);
    g_object_unref (flat);
    make_mask (mask, 200, 160);
    g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "-s", "4", bare,
                              "-o", out, NULL), ==, 0);
    g_free (err);
    text = png_description (bs);
    g_test_message ("bare skin's captions:\n%s", text);
    g_assert_nonnull (strstr (text, "no hair found around the mask: "
                                    "explicit look"));
    /* The explicit look's settings, shown only when not learnt.  */
    g_assert_nonnull (strstr (text, "smp:follicles · "));
    g_assert_nonnull (strstr (text, " · dot "));
    g_free (text);
    g_free (bare);
    g_free (mask);
    g_free (bs);
  }

  /* Wrong size; in colour (a photo given as the reference).  */
  make_grey (ref, 100, 100, NULL);
  g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", "-s", "1.2",
                            head, "-o", out, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "head.reference.png is 100x100, the photo "
                                 "200x200"));
  g_free (err);
  copy_file (head, ref);
  g_assert_cmpint (preview (&err, "-f", "-p", "shaved-dark-hair", "-s", "1.2",
                            head, "-o", out, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "head.reference.png is a colour image"));
  g_free (err);

  rm_rf (d);
  g_free (d);
  g_free (head);
  g_free (ref);
  g_free (out);
  g_free (hs);
  g_free (expl);
  g_free (dark);
}

/* What GIMP 2.10's Export Path writes (checked with gimp-console 2.10.34),
 * with a path of our own.  */
static gchar *
gimp_svg (gint         width,
          gint         height,
          const gchar *view_box,
          const gchar *paths)
{
  return g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
    "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 20010904//EN\"\n"
    "              \"http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/"
    "svg10.dtd\">\n\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\"\n"
    "     width=\"%.5fin\" height=\"%.5fin\"\n"
    "     viewBox=\"%s\">\n%s</svg>\n",
    width / 300.0, height / 300.0, view_box, paths);
}

static gchar *
gimp_path (const gchar *d,
           const gchar *more)
{
  return g_strdup_printf ("  <path id=\"Hairline\"\n"
                          "        fill=\"none\" stroke=\"black\" "
                          "stroke-width=\"1\"%s\n"
                          "        d=\"%s\" />\n", more, d);
}

/* A designed hairline (issue 15): PHOTO.hairline.svg as GIMP exports a
 * path is the follicles presets' density mask (in the preset's own
 * smp:hairline when it has one): treated behind the line, nothing ahead
 * of its reach; a bad file is named with what is wrong and its photo
 * skipped, the others done, and no path text reaches GEGL's parser, which
 * would hang on some of it.  */
static void
test_hairline (void)
{
  static const struct { const gchar *what, *d, *more, *box; } bad[] = {
    { "its path: ", "M 10", "", NULL },
    { "its path: ", "hello", "", NULL },
    { "its path: ", "M 10 10 A 5 5 0 0 1 250 50", "", NULL },
    { "its path: ", "", "", NULL },
    { "its path: ", "M 1000 1000 L 1200 1000", "", NULL },
    { "it has a transform", "M 10 110 L 290 110",
      " transform=\"translate(5,0)\"", NULL },
    { "its viewBox is \"0 0 100 100\"", "M 10 110 L 290 110", "",
      "0 0 100 100" },
    { "it holds 2 paths", "M 10 110 L 290 110", "", "two" },
    { "it holds no <path>", NULL, "", NULL },
    { "not an SVG file", NULL, "", "text" },
  };
  gchar   *d     = fresh_dir ("hairline");
  gchar   *good  = g_build_filename (d, "good.png", NULL);
  gchar   *svg   = g_build_filename (d, "good.hairline.svg", NULL);
  gchar   *out   = g_build_filename (d, "out", NULL);
  gchar   *gs    = sheet_of (out, "good.png");
  gchar   *t     = tool ();
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  gchar   *text, *path, *err, *so;
  gint     status, sw, sh, x, y, changed_behind = 0, changed_ahead = 0;
  guint    i;
  guchar  *sheet;

  make_photo (good, 300, 200, 0);
  /* Left to right across the photo at y = 110: behind is above.  */
  path = gimp_path ("M 10.00,110.00\n           C 100.00,105.00 200.00,105.00 "
                    "290.00,110.00", "");
  text = gimp_svg (300, 200, "0 0 300 200", path);
  g_assert_true (g_file_set_contents (svg, text, -1, NULL));
  g_free (text);
  g_free (path);

  g_ptr_array_add (argv, g_strdup ("timeout"));
  g_ptr_array_add (argv, g_strdup ("300"));
  g_ptr_array_add (argv, g_strdup (t));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup ("shaved-dark-hair"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup ("hairline-soft-adult"));
  g_ptr_array_add (argv, g_strdup ("-s"));
  g_ptr_array_add (argv, g_strdup ("4"));
  g_ptr_array_add (argv, g_strdup ("-j"));
  g_ptr_array_add (argv, g_strdup ("2"));
  g_ptr_array_add (argv, g_strdup (good));
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gchar *name  = g_strdup_printf ("bad%u.png", i);
      gchar *photo = g_build_filename (d, name, NULL);
      gchar *file  = g_strdup_printf ("%s/bad%u.hairline.svg", d, i);

      make_photo (photo, 300, 200, 1);
      if (! g_strcmp0 (bad[i].box, "text"))
        text = g_strdup ("a hairline, more or less\n");
      else
        {
          gchar *p = bad[i].d ? gimp_path (bad[i].d, bad[i].more)
                              : g_strdup ("");

          if (! g_strcmp0 (bad[i].box, "two"))
            {
              gchar *both = g_strconcat (p, p, NULL);

              g_free (p);
              p = both;
            }
          text = gimp_svg (300, 200, bad[i].box && strchr (bad[i].box, ' ')
                                     ? bad[i].box : "0 0 300 200", p);
          g_free (p);
        }
      g_assert_true (g_file_set_contents (file, text, -1, NULL));
      g_ptr_array_add (argv, photo);
      g_free (text);
      g_free (file);
      g_free (name);
    }
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup (out));
  g_ptr_array_add (argv, NULL);
  so = smp_test_spawn ((const gchar * const *) argv->pdata, NULL, &err,
                       &status);
  g_test_message ("exit %d\n%s", status, err);
  g_assert_cmpint (status, ==, 1);
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gchar *name  = g_strdup_printf ("bad%u.png", i);
      gchar *line  = g_strdup_printf ("bad%u.png: %s/bad%u.hairline.svg: %s",
                                      i, d, i, bad[i].what);
      gchar *sheet_path = sheet_of (out, name);

      g_assert_cmpint (lines_with (err, line), ==, 1);
      g_assert_false (g_file_test (sheet_path, G_FILE_TEST_EXISTS));
      g_free (sheet_path);
      g_free (line);
      g_free (name);
    }
  g_free (so);
  g_free (err);

  /* The good one: both presets follow the line.  */
  text = png_description (gs);
  g_test_message ("captions:\n%s", text);
  g_assert_cmpint (lines_with (text, "hairline from good.hairline.svg"), ==,
                   2);
  g_assert_nonnull (strstr (text, "feather 0 mm"));
  g_free (text);
  sheet = read_rgb (gs, &sw, &sh);
  for (i = 1; i <= 2; i++)
    {
      guchar *b = panel (sheet, sw, 0, 300, 200);
      guchar *a = panel (sheet, sw, i, 300, 200);
      gint    behind = 0, ahead = 0;

      for (y = 0; y < 200; y++)
        for (x = 0; x < 300 * 3; x++)
          {
            gboolean differs = a[y * 900 + x] != b[y * 900 + x];

            /* Full density 10 + 0.7 x 5 x 0.5 mm behind the line (40 px at
             * 4 px/mm, plus the curve's 5 px); nothing drawn farther ahead
             * than 3 + 1.9 x 5 x 0.5 mm (31 px), and a dot's blur.  */
            behind += differs && y < 60;
            ahead  += differs && y >= 150;
          }
      g_test_message ("panel %u: %d values changed behind the line, %d "
                      "ahead of its reach", i, behind, ahead);
      changed_behind += behind > 60 * 300 * 3 / 4;
      changed_ahead  += ahead;
      g_free (a);
      g_free (b);
    }
  g_assert_cmpint (changed_behind, ==, 2);
  g_assert_cmpint (changed_ahead, ==, 0);
  g_free (sheet);

  g_ptr_array_unref (argv);
  rm_rf (d);
  g_free (d);
  g_free (good);
  g_free (svg);
  g_free (out);
  g_free (gs);
  g_free (t);
}

/* Issue 13's follow-up: an op that changes nothing says so, in its
 * caption and one line (density-soften on a region too small to learn
 * colours from).  */
static void
test_nothing_changed (void)
{
  gchar *d     = fresh_dir ("nothing");
  gchar *photo = g_build_filename (d, "p.png", NULL);
  gchar *mask  = g_build_filename (d, "p.mask.png", NULL);
  gchar *out   = g_build_filename (d, "out", NULL);
  gchar *ps    = sheet_of (out, "p.png");
  gchar *err, *text;

  make_photo (photo, 200, 150, 0);
  make_grey (mask, 200, 150, tiny_region);
  g_assert_cmpint (preview (&err, "-p", "density-long-hair", "-s", "4",
                            photo, "-o", out, NULL), ==, 0);
  g_assert_cmpint (lines_with (err, "p.png: density-long-hair changed "
                                    "nothing: its automatic colours need a "
                                    "region with both hair and scalp in it"),
                   ==, 1);
  g_free (err);
  g_assert_true (panel_unchanged (ps, 1, 200, 150));
  text = png_description (ps);
  g_assert_nonnull (strstr (text, "mask p.mask.png · nothing changed: its "
                                  "automatic colours need"));
  g_free (text);
  /* A panel that changed does not say so.  */
  make_mask (mask, 200, 150);
  g_assert_cmpint (preview (&err, "-f", "-p", "density-long-hair", "-s", "4",
                            photo, "-o", out, NULL), ==, 0);
  g_assert_null (strstr (err, "changed nothing"));
  g_free (err);
  g_assert_false (panel_unchanged (ps, 1, 200, 150));
  text = png_description (ps);
  g_assert_null (strstr (text, "nothing changed"));
  g_free (text);
  rm_rf (d);
  g_free (d);
  g_free (photo);
  g_free (mask);
  g_free (out);
  g_free (ps);
}

/* --timeline (issue 16): five columns for a preset, each the preset's look
 * at one stage, in the order of a treatment's course, captioned with the
 * stage and as a simulation: on a generated photo with a band mask, the
 * band's mean darkening grows from session 1 to the last (fresh), the
 * fresh columns are redder than healed, 5 years lighter than healed and
 * touched up back within 10 % of healed.  A preset whose op lays no dots
 * is refused, named.  */
static void
test_timeline (void)
{
  static const gchar *stages[] = {
    "after session 1 (fresh)", "after the last session (fresh)", "healed",
    "in 5 years", "touched up after 5 years"
  };
  gchar   *d     = fresh_dir ("timeline");
  gchar   *photo = g_build_filename (d, "t.png", NULL);
  gchar   *mask  = g_build_filename (d, "t.mask.png", NULL);
  gchar   *bad   = g_build_filename (d, "map.gegl", NULL);
  gchar   *out   = g_build_filename (d, "out", NULL);
  gchar   *ts    = sheet_of (out, "t.png");
  gchar   *err, *text;
  guchar  *sheet, *before;
  gdouble  dark[5], red[5], red0 = 0.0;
  gint     w = 240, h = 160, sw, sh, i, k, n = 0;

  make_photo (photo, w, h, 0);
  make_mask (mask, w, h);
  g_assert_cmpint (preview (&err, "--timeline", "-p", "shaved-dark-hair",
                            "-s", "10", "--seed", "3", photo, "-o", out,
                            NULL), ==, 0);
  g_free (err);
  sheet = read_rgb (ts, &sw, &sh);
  g_assert_cmpint (sw, ==, 6 * w + 5 * gap_of (w));
  before = panel (sheet, sw, 0, w, h);
  /* The band, in the lower half of the photo (bare skin).  */
  for (k = 0; k < w * h; k++)
    if (abs (k % w - w / 2) < w / 8 - 2 && k / w > h / 2)
      {
        red0 += before[3 * k] - before[3 * k + 1];
        n++;
      }
  red0 /= n;
  for (i = 0; i < 5; i++)
    {
      guchar *after = panel (sheet, sw, i + 1, w, h);
      gdouble lb = 0.0, la = 0.0, r = 0.0;

      for (k = 0; k < w * h; k++)
        if (abs (k % w - w / 2) < w / 8 - 2 && k / w > h / 2)
          {
            lb += before[3 * k] + before[3 * k + 1] + before[3 * k + 2];
            la += after[3 * k] + after[3 * k + 1] + after[3 * k + 2];
            r  += after[3 * k] - after[3 * k + 1];
          }
      dark[i] = 1.0 - la / lb;
      red[i]  = r / n - red0;
      g_test_message ("%s: darkening %.3f, red over green %+.1f levels "
                      "more than before", stages[i], dark[i], red[i]);
      g_free (after);
    }
  g_assert_cmpfloat (dark[0], >, 0.0);
  g_assert_cmpfloat (dark[0], <, dark[1]);
  g_assert_cmpfloat (dark[2], >, 0.0);
  g_assert_cmpfloat (dark[3], <, dark[2]);
  g_assert_cmpfloat (fabs (dark[4] / dark[2] - 1.0), <, 0.10);
  g_assert_cmpfloat (red[1], >, red[2]);
  g_assert_cmpfloat (red[0], >, red[2]);
  text = png_description (ts);
  for (i = 0; i < 5; i++)
    {
      gchar *cap = g_strdup_printf ("SIMULATION · shaved-dark-hair, %s:",
                                    stages[i]);

      g_assert_nonnull (strstr (text, cap));
      g_free (cap);
    }
  g_free (text);

  /* An op without dots has no timeline: refused before any photo.  */
  g_assert_true (g_file_set_contents (bad, "# a map\nsmp:scalp-map\n", -1,
                                      NULL));
  g_assert_cmpint (preview (&err, "-f", "--timeline", "-p", bad, "-s", "10",
                            photo, "-o", out, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "map.gegl: its op smp:scalp-map lays no "
                                 "dots, so it has no timeline"));
  g_free (err);

  g_free (sheet);
  g_free (before);
  rm_rf (d);
  g_free (d);
  g_free (photo);
  g_free (mask);
  g_free (bad);
  g_free (out);
  g_free (ts);
}

/* --plan (issue 16): the treatment plan of a photo from its mask and
 * scale, printed under the photo and written beside the sheet as JSON
 * that validates against data/plan.schema.json; its area that of the
 * mask (a band of 59 x 160 px at 10 px/mm: 0.944 cm²) within 2 % and its
 * impressions the preset's density times it within 3 %.  Without a mask,
 * no plan and a line saying why.  */
static void
test_plan (void)
{
  gchar  *d     = fresh_dir ("plan");
  gchar  *photo = g_build_filename (d, "t.png", NULL);
  gchar  *mask  = g_build_filename (d, "t.mask.png", NULL);
  gchar  *out   = g_build_filename (d, "out", NULL);
  gchar  *json  = g_build_filename (out, "t-plan.json", NULL);
  gchar  *ts    = sheet_of (out, "t.png");
  gchar  *err, *text, *why, *at;
  gdouble area, impressions, want = 59.0 * 160.0 / 100.0 / 100.0;

  make_photo (photo, 240, 160, 0);
  make_mask (mask, 240, 160);
  g_assert_cmpint (preview (&err, "--plan", "-p", "shaved-dark-hair",
                            "-s", "10", photo, "-o", out, NULL), ==, 0);
  g_free (err);
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  g_assert_true (smp_test_plan_validates (json, &why));
  g_free (why);
  g_assert_nonnull (at = strstr (text, "\"area_cm2\": "));
  area = g_ascii_strtod (at + strlen ("\"area_cm2\": "), NULL);
  g_assert_nonnull (at = strstr (text, "\"impressions\": "));
  impressions = g_ascii_strtod (at + strlen ("\"impressions\": "), NULL);
  g_test_message ("plan: %.3f cm² (the mask: %.3f), %.0f impressions",
                  area, want, impressions);
  g_assert_cmpfloat (fabs (area / want - 1.0), <, 0.02);
  g_assert_cmpfloat (fabs (impressions / (100.0 * want) - 1.0), <, 0.03);
  g_free (text);
  text = png_description (ts);
  g_assert_nonnull (strstr (text, "plan (shaved-dark-hair's mask, "
                                  "100/cm²): 0.9 cm², 94 impressions in 3 "
                                  "sessions"));
  g_free (text);

  /* No mask: the preset treats the whole photo; a plan of that would be
   * no plan.  */
  g_unlink (json);
  g_assert_cmpint (preview (&err, "-f", "--plan", "--mask-mode=none", "-p",
                            "shaved-dark-hair", "-s", "10", photo, "-o", out,
                            NULL), ==, 0);
  g_assert_cmpint (lines_with (err, "t.png: no treatment plan: no preset "
                                    "lays dots through a mask here"), ==, 1);
  g_free (err);
  g_assert_false (g_file_test (json, G_FILE_TEST_EXISTS));

  rm_rf (d);
  g_free (d);
  g_free (photo);
  g_free (mask);
  g_free (out);
  g_free (json);
  g_free (ts);
}

/* This host as smp-preview names it in its temporaries.  */
static gchar *
host_tag (void)
{
  gchar *tag = g_strndup (g_get_host_name (), 40);
  gchar *c;

  for (c = tag; *c; c++)
    if (! g_ascii_isalnum (*c) && *c != '-')
      *c = '-';
  return tag;
}

/* Issue 17: the photos from a list (a file, or standard input; CRLF and
 * empty lines as a script writes them), and sheets (and saved masks) whose
 * bytes do not depend on how the batch is cut up or where it runs: -j 1,
 * -j 2, two runs on the halves of the list, xargs -P 2 with one photo a
 * run, and a run as on another machine (a fresh babl cache, whose
 * conversions babl picks by timing; glibc's maths without AVX2 and FMA;
 * one thread, odd tiles) give the same bytes.  Temporaries are named with
 * the host: another host's in a shared folder are left alone.  */
static void
test_from_list (void)
{
  gchar       *d     = fresh_dir ("list");
  gchar       *list  = g_build_filename (d, "photos.txt", NULL);
  gchar       *cache = g_build_filename (d, "cache", NULL);
  gchar       *t     = tool ();
  const gchar *names[] = { "a.png", "head.png", "c.jpg", "d.png" };
  const gchar *common = "-p shaved-dark-hair -p density-long-hair -s 1.2 "
                        "--save-masks";
  gchar       *paths[4], *lines, *sums[4][6], *msums[6], *err, *so, *tag;
  gint         i, r, status;

  for (i = 0; i < 4; i++)
    paths[i] = g_build_filename (d, names[i], NULL);
  make_photo (paths[0], 200, 150, 0);
  make_head (paths[1]);
  make_photo (paths[2], 180, 140, 1);
  make_photo (paths[3], 160, 160, 2);
  {
    gchar *m = g_build_filename (d, "d.mask.png", NULL);
    gchar *ma = g_build_filename (d, "a.mask.png", NULL);
    gchar *mc = g_build_filename (d, "c.mask.png", NULL);
    gchar *h = g_build_filename (d, "c.hairline.svg", NULL);
    gchar *p = gimp_path ("M 10.00,90.00 C 60.00,80.00 120.00,80.00 "
                          "170.00,90.00", "");
    gchar *svg = gimp_svg (180, 140, "0 0 180 140", p);

    /* a and c are patches of skin, where the automatic mask finds no
     * head (a photo that fails): masks of their own.  */
    make_mask (m, 160, 160);
    make_mask (ma, 200, 150);
    make_mask (mc, 180, 140);
    g_assert_true (g_file_set_contents (h, svg, -1, NULL));
    g_free (ma);
    g_free (mc);
    g_free (m);
    g_free (h);
    g_free (p);
    g_free (svg);
  }
  lines = g_strdup_printf ("%s\r\n\r\n%s\r\n%s\n\n%s\n", paths[0], paths[1],
                           paths[2], paths[3]);
  g_assert_true (g_file_set_contents (list, lines, -1, NULL));
  g_free (lines);

  for (r = 0; r < 6; r++)
    {
      gchar *out = g_strdup_printf ("%s/out-%d", d, r);
      gchar *script = NULL;
      const gchar *env[] = { "XDG_CACHE_HOME", cache, "GLIBC_TUNABLES",
                             "glibc.cpu.hwcaps=-AVX2,-FMA,-AVX512F",
                             "GEGL_THREADS", "1", "GEGL_TILE_SIZE", "37x53",
                             NULL };

      switch (r)
        {
        case 0:
          script = g_strdup_printf ("\"$0\" %s -j 1 --from-list \"$1\" -o %s",
                                    common, out);
          break;
        case 1:
          script = g_strdup_printf ("\"$0\" %s -j 2 --from-list - -o %s < "
                                    "\"$1\"", common, out);
          break;
        case 2:
          /* The halves, as two machines would do them.  */
          script = g_strdup_printf ("head -n 3 \"$1\" | \"$0\" %s --from-list "
                                    "- -o %s && tail -n +4 \"$1\" | \"$0\" %s "
                                    "--from-list - -o %s", common, out,
                                    common, out);
          break;
        case 3:
          script = g_strdup_printf ("tr -d '\\r' < \"$1\" | grep . | xargs "
                                    "-d '\\n' -P 2 -n 1 \"$0\" %s -o %s",
                                    common, out);
          break;
        case 4:
        case 5:
          script = g_strdup_printf ("\"$0\" %s -j 2 --from-list \"$1\" -o %s",
                                    common, out);
          break;
        }
      {
        const gchar *argv[] = { "sh", "-c", script, t, list, NULL };

        so = smp_test_spawn (argv, r == 5 ? env : NULL, &err, &status);
        g_test_message ("run %d: exit %d\n%s", r, status, err);
        g_assert_cmpint (status, ==, 0);
        g_free (so);
        g_free (err);
      }
      for (i = 0; i < 4; i++)
        {
          gchar *sheet = sheet_of (out, names[i]);

          sums[i][r] = file_md5 (sheet);
          g_free (sheet);
        }
      {
        gchar *m = g_build_filename (out, "head-auto-mask.png", NULL);

        msums[r] = file_md5 (m);
        g_free (m);
      }
      g_free (script);
      g_free (out);
    }
  for (i = 0; i < 4; i++)
    for (r = 1; r < 6; r++)
      {
        g_test_message ("%s: run 0 %s, run %d %s", names[i], sums[i][0], r,
                        sums[i][r]);
        g_assert_cmpstr (sums[i][r], ==, sums[i][0]);
      }
  for (r = 1; r < 6; r++)
    g_assert_cmpstr (msums[r], ==, msums[0]);
  {
    /* The head was treated (its automatic mask), c by its hairline, d by
     * its mask.  */
    gchar *out   = g_strdup_printf ("%s/out-0", d);
    gchar *hs    = sheet_of (out, "head.png");
    gchar *cs    = sheet_of (out, "c.jpg");
    gchar *ds    = sheet_of (out, "d.png");

    g_assert_false (panel_unchanged (hs, 1, 200, 200));
    g_assert_false (panel_unchanged (cs, 1, 180, 140));
    g_assert_false (panel_unchanged (ds, 1, 160, 160));
    g_free (hs);
    g_free (cs);
    g_free (ds);
    g_free (out);
  }

  /* A list that cannot be read; one with a NUL; an empty one.  */
  {
    gchar *missing = g_build_filename (d, "nothing.txt", NULL);
    gchar *nul     = g_build_filename (d, "nul.txt", NULL);
    gchar *empty   = g_build_filename (d, "empty.txt", NULL);
    gchar *out     = g_build_filename (d, "out-x", NULL);

    g_assert_true (g_file_set_contents (nul, "a.png\0b.png\n", 12, NULL));
    g_assert_true (g_file_set_contents (empty, "\n\r\n", -1, NULL));
    g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "--from-list",
                              missing, "-o", out, NULL), ==, 2);
    g_assert_nonnull (strstr (err, "--from-list: "));
    g_assert_nonnull (strstr (err, "nothing.txt"));
    g_free (err);
    g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "--from-list",
                              nul, "-o", out, NULL), ==, 2);
    g_assert_nonnull (strstr (err, "holds a NUL byte"));
    g_free (err);
    g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "--from-list",
                              empty, "-o", out, NULL), ==, 2);
    g_assert_nonnull (strstr (err, "no photos given"));
    g_free (err);
    g_free (missing);
    g_free (nul);
    g_free (empty);
    g_free (out);
  }

  /* Temporaries of runs gone: this host's removed (either naming), another
   * host's kept, whatever its PID.  */
  {
    gchar *out   = g_build_filename (d, "stale", NULL);
    pid_t  gone  = fork ();
    gchar *mine, *old, *theirs;

    if (gone == 0)
      _exit (0);
    g_assert_cmpint (waitpid (gone, NULL, 0), ==, gone);
    g_mkdir (out, 0755);
    tag    = host_tag ();
    mine   = g_strdup_printf ("%s/.smp-preview.%d@%s.Ab12Cd", out,
                              (gint) gone, tag);
    old    = g_strdup_printf ("%s/.smp-preview.%d.Ef34Gh", out, (gint) gone);
    theirs = g_strdup_printf ("%s/.smp-preview.%d@%s-elsewhere.Ij56Kl", out,
                              (gint) gone, tag);
    g_assert_true (g_file_set_contents (mine, "half a sheet", -1, NULL));
    g_assert_true (g_file_set_contents (old, "half a sheet", -1, NULL));
    g_assert_true (g_file_set_contents (theirs, "being written", -1, NULL));
    g_assert_cmpint (preview (&err, "-p", "shaved-dark-hair", "-s", "4",
                              paths[0], "-o", out, NULL), ==, 0);
    g_assert_nonnull (strstr (err, "removed 2 temporary files"));
    g_free (err);
    g_assert_false (g_file_test (mine, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (theirs, G_FILE_TEST_EXISTS));
    g_free (mine);
    g_free (old);
    g_free (theirs);
    g_free (tag);
    g_free (out);
  }

  for (i = 0; i < 4; i++)
    {
      g_free (paths[i]);
      for (r = 0; r < 6; r++)
        g_free (sums[i][r]);
    }
  for (r = 0; r < 6; r++)
    g_free (msums[r]);
  rm_rf (d);
  g_free (d);
  g_free (list);
  g_free (cache);
  g_free (t);
}

/* A box of boxes.tsv.  */
/* Boxes known not to be met, by the ops rather than the tool (each in
 * /work/notes/issue-14.md with its figures): reported as TODO, not
 * failed.  05's treat box: the automatic mask covers it (mean 0.93, 93 %
 * at 0.5 or more), but smp:follicles' dots, matched to the dark hair
 * around, change that dim brown scalp by a mean of about 4/255.  */
static const gchar *known_failures[] = {
  "05 treat 265-335 x 265-335 shaved-dark-hair",
  NULL
};

/* Issue 14, item 2: smp-preview, -j 2, on the twelve shared photos with no
 * mask files (each photo linked into a folder of its own making), and
 * again with -j 1, the same bytes (sheets and saved masks): every
 * sheet's after panels change no pixel of a keep box (background,
 * clothes, ears, neck, face) by more than 2/255, and the shaved look
 * visibly changes every treat box (bald or thin scalp): a mean change of
 * at least 8/255 (about 3 L*; DOMAIN.md: 1-2 L* shows nothing at
 * whole-head scale).  */
static void
test_auto_masks (void)
{
  const gchar *data  = g_getenv ("SMP_SHARED_DATA");
  gchar       *dir   = data ? g_build_filename (data, "scalp-photos", NULL)
                            : NULL;
  GArray      *boxes = dir ? smp_test_read_boxes (dir) : NULL;
  gchar       *d, *in, *out, *out1, *err;
  GPtrArray   *args;
  GHashTable  *seen;
  guint        i;
  gint         failed = 0, known_failed = 0, k;

  if (! boxes)
    {
      g_test_skip ("../shared/data/scalp-photos/boxes.tsv is absent (a fresh "
                   "clone): the automatic masks are not judged on real "
                   "photos");
      g_free (dir);
      return;
    }
  d    = fresh_dir ("auto");
  in   = g_build_filename (d, "in", NULL);
  out  = g_build_filename (d, "out", NULL);
  args = g_ptr_array_new_with_free_func (g_free);
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_mkdir (in, 0755);
  g_ptr_array_add (args, g_strdup ("-j"));
  g_ptr_array_add (args, g_strdup ("2"));
  g_ptr_array_add (args, g_strdup ("-s"));
  g_ptr_array_add (args, g_strdup ("3.5"));
  g_ptr_array_add (args, g_strdup ("--save-masks"));
  g_ptr_array_add (args, g_strdup ("-p"));
  g_ptr_array_add (args, g_strdup ("shaved-dark-hair"));
  g_ptr_array_add (args, g_strdup ("-p"));
  g_ptr_array_add (args, g_strdup ("density-long-hair"));
  g_ptr_array_add (args, g_strdup ("-o"));
  g_ptr_array_add (args, g_strdup (out));
  for (i = 0; i < boxes->len; i++)
    {
      SmpTestBox *b = &g_array_index (boxes, SmpTestBox, i);

      if (! g_hash_table_contains (seen, b->file))
        {
          gchar *from = g_build_filename (dir, b->file, NULL);
          gchar *to   = g_build_filename (in, b->file, NULL);

          g_assert_cmpint (symlink (from, to), ==, 0);
          g_hash_table_add (seen, b->file);
          g_ptr_array_add (args, to);
          g_free (from);
        }
    }
  g_assert_cmpint (g_hash_table_size (seen), ==, 12);
  g_ptr_array_add (args, NULL);
  g_assert_cmpint (preview_env (NULL, (const gchar * const *) args->pdata,
                                &err), ==, 0);
  g_free (err);
  /* -j 1: the same files, the same bytes.  */
  out1 = g_build_filename (d, "out-j1", NULL);
  g_free (g_ptr_array_index (args, 1));
  g_ptr_array_index (args, 1) = g_strdup ("1");
  g_free (g_ptr_array_index (args, 10));
  g_ptr_array_index (args, 10) = g_strdup (out1);
  g_assert_cmpint (preview_env (NULL, (const gchar * const *) args->pdata,
                                &err), ==, 0);
  g_free (err);
  {
    GDir        *dir1 = g_dir_open (out, 0, NULL);
    const gchar *name;
    gint         files = 0;

    g_assert_nonnull (dir1);
    while ((name = g_dir_read_name (dir1)))
      {
        gchar *a  = g_build_filename (out, name, NULL);
        gchar *b  = g_build_filename (out1, name, NULL);
        gchar *ma = file_md5 (a), *mb = file_md5 (b);

        g_assert_cmpstr (ma, ==, mb);
        files++;
        g_free (a);
        g_free (b);
        g_free (ma);
        g_free (mb);
      }
    g_dir_close (dir1);
    /* A sheet and a saved mask for each photo.  */
    g_assert_cmpint (files, ==, 24);
  }

  for (i = 0; i < boxes->len; i++)
    {
      SmpTestBox *b     = &g_array_index (boxes, SmpTestBox, i);
      gchar    *sheet = sheet_of (out, b->file);
      gchar    *text  = png_description (sheet);
      gint      sw, sh, pw = 640, ph = 640, p;
      guchar   *rgb   = read_rgb (sheet, &sw, &sh);
      guchar   *before = panel (rgb, sw, 0, pw, ph);
      GString  *line  = g_string_new (NULL);

      g_assert_nonnull (strstr (text, "auto mask (smp:scalp-map)"));
      g_string_append_printf (line, "%.2s %s %d-%d x %d-%d:", b->file,
                              b->treat ? "treat" : "keep ", b->x0, b->x1,
                              b->y0, b->y1);
      for (p = 1; p <= 2; p++)
        {
          guchar *after = panel (rgb, sw, p, pw, ph);
          gint    most = 0, x, y, c;
          gdouble sum = 0.0;

          for (y = b->y0; y < b->y1; y++)
            for (x = b->x0; x < b->x1; x++)
              {
                gint worst = 0;

                for (c = 0; c < 3; c++)
                  worst = MAX (worst, abs (after[(y * pw + x) * 3 + c] -
                                           before[(y * pw + x) * 3 + c]));
                most = MAX (most, worst);
                sum += worst;
              }
          sum /= (gdouble) (b->x1 - b->x0) * (b->y1 - b->y0);
          g_string_append_printf (line, "  %s: most %3d, mean %5.1f",
                                  p == 1 ? "shaved" : "density", most, sum);
          /* The shaved look must change a treat box visibly; no panel may
           * change a keep box.  */
          if (b->treat ? p == 1 && sum < 8.0 : most > 2)
            {
              gchar   *which = g_strdup_printf ("%.2s %s %d-%d x %d-%d %s",
                                                b->file, b->treat ? "treat"
                                                : "keep", b->x0, b->x1,
                                                b->y0, b->y1, p == 1
                                                ? "shaved-dark-hair"
                                                : "density-long-hair");
              gboolean known = g_strv_contains (known_failures, which);

              g_string_append (line, known ? " (known: by the ops)"
                                           : " FAILS");
              failed += ! known;
              known_failed += known;
              g_free (which);
            }
          g_free (after);
        }
      g_test_message ("%s", line->str);
      g_string_free (line, TRUE);
      g_free (before);
      g_free (rgb);
      g_free (text);
      g_free (sheet);
    }
  /* The masks it used, beside the sheets.  */
  for (k = 0; k < (gint) args->len - 1; k++)
    if (g_str_has_suffix (g_ptr_array_index (args, k), ".jpg"))
      {
        gchar *base = g_path_get_basename (g_ptr_array_index (args, k));
        gchar *m;

        base[strlen (base) - 4] = '\0';
        m = g_strdup_printf ("%s/%s-auto-mask.png", out, base);
        g_assert_true (g_file_test (m, G_FILE_TEST_EXISTS));
        g_free (m);
        g_free (base);
      }
  g_test_message ("%d boxes not met, %d of them known", failed + known_failed,
                  known_failed);
  g_assert_cmpint (failed, ==, 0);
  if (known_failed < (gint) g_strv_length ((gchar **) known_failures))
    g_test_message ("a box of known_failures is met now: take it off the "
                    "list");
  if (known_failed)
    g_test_incomplete ("boxes known not to be met, by the ops (see "
                       "known_failures)");

  g_array_unref (boxes);
  g_hash_table_unref (seen);
  g_ptr_array_unref (args);
  rm_rf (d);
  g_free (d);
  g_free (in);
  g_free (out);
  g_free (out1);
  g_free (dir);
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
  g_test_add_func ("/preview/same-file", test_same_file);
  g_test_add_func ("/preview/empty-images", test_empty_images);
  g_test_add_func ("/preview/deterministic", test_deterministic);
  g_test_add_func ("/preview/corrupt", test_corrupt);
  g_test_add_func ("/preview/bad-presets", test_bad_presets);
  g_test_add_func ("/preview/bad-numbers", test_bad_numbers);
  g_test_add_func ("/preview/colour-mask", test_colour_mask);
  g_test_add_func ("/preview/signals", test_signals);
  g_test_add_func ("/preview/full-disk", test_full_disk);
  g_test_add_func ("/preview/long-name", test_long_name);
  g_test_add_func ("/preview/mask-modes", test_mask_modes);
  g_test_add_func ("/preview/reference", test_reference);
  g_test_add_func ("/preview/hairline", test_hairline);
  g_test_add_func ("/preview/nothing-changed", test_nothing_changed);
  g_test_add_func ("/preview/timeline", test_timeline);
  g_test_add_func ("/preview/plan", test_plan);
  g_test_add_func ("/preview/from-list", test_from_list);
  g_test_add_func ("/preview/auto-masks", test_auto_masks);
  return g_test_run ();
}
