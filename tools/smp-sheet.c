/* smp-sheet.c: see smp-sheet.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "smp-sheet.h"

#define RGBA_U8     babl_format ("R'G'B'A u8")
/* Rows rendered at once: bounds the band buffers.  */
#define BAND_ROWS   128
/* Width of the contact sheet's small copies, at most.  */
#define THUMB_WIDTH 1600

/* The sheet's frame and captions.  */
static const guchar frame[3] = { 0x1e, 0x1e, 0x1e };
#define CAPTION_BG   "#1e1e1e"
#define CAPTION_FG   "#f2f2f2"
#define CAPTION_FONT "DejaVu Sans"


/* PNG writing.  */

struct SmpPng
{
  FILE       *file;
  png_structp png;
  png_infop   info;
  gchar      *path;
  gint        width;
  gchar       message[256];
};

static void
png_fail (png_structp png,
          png_const_charp message)
{
  g_strlcpy (png_get_error_ptr (png), message, 256);
  png_longjmp (png, 1);
}

SmpPng *
smp_png_open (const gchar  *path,
              gint          width,
              gint          height,
              GError      **error)
{
  SmpPng *p = g_new0 (SmpPng, 1);

  p->file = g_fopen (path, "wb");
  if (! p->file)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "cannot write %s: %s", path, g_strerror (errno));
      g_free (p);
      return NULL;
    }
  p->path  = g_strdup (path);
  p->width = width;
  p->png   = png_create_write_struct (PNG_LIBPNG_VER_STRING, p->message,
                                      png_fail, NULL);
  p->info  = png_create_info_struct (p->png);
  if (setjmp (png_jmpbuf (p->png)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "writing %s: %s",
                   path, p->message);
      png_destroy_write_struct (&p->png, &p->info);
      fclose (p->file);
      g_free (p->path);
      g_free (p);
      return NULL;
    }
  png_init_io (p->png, p->file);
  /* Fast deflate: a sheet of large photos is hundreds of megapixels.  */
  png_set_compression_level (p->png, 3);
  png_set_IHDR (p->png, p->info, width, height, 8, PNG_COLOR_TYPE_RGB,
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  png_set_sRGB (p->png, p->info, PNG_sRGB_INTENT_PERCEPTUAL);
  png_write_info (p->png, p->info);
  return p;
}

gboolean
smp_png_rows (SmpPng        *p,
              const guchar  *rgb,
              gint           rows,
              GError       **error)
{
  gint i;

  if (setjmp (png_jmpbuf (p->png)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "writing %s: %s",
                   p->path, p->message);
      return FALSE;
    }
  for (i = 0; i < rows; i++)
    png_write_row (p->png, rgb + (gsize) i * p->width * 3);
  return TRUE;
}

gboolean
smp_png_close (SmpPng   *p,
               GError  **error)
{
  volatile gboolean ok = TRUE;

  if (setjmp (png_jmpbuf (p->png)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "writing %s: %s",
                   p->path, p->message);
      ok = FALSE;
    }
  else
    png_write_end (p->png, NULL);
  png_destroy_write_struct (&p->png, &p->info);
  if (fclose (p->file) != 0 && ok)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "writing %s: %s", p->path, g_strerror (errno));
      ok = FALSE;
    }
  g_free (p->path);
  g_free (p);
  return ok;
}


/* Files.  */

static gchar *
stem (const gchar *photo)
{
  gchar *base = g_path_get_basename (photo);
  gchar *dot  = strrchr (base, '.');

  if (dot && dot != base)
    *dot = '\0';
  return base;
}

gchar *
smp_sheet_path (const SmpSheetJob *job,
                const gchar       *photo)
{
  gchar *s    = stem (photo);
  gchar *name = g_strconcat (s, "-preview.png", NULL);
  gchar *path = g_build_filename (job->outdir, name, NULL);

  g_free (s);
  g_free (name);
  return path;
}

gchar *
smp_sheet_thumb (const SmpSheetJob *job,
                 const gchar       *photo)
{
  gchar *s    = stem (photo);
  gchar *name = g_strconcat (".", s, "-preview.thumb.png", NULL);
  gchar *path = g_build_filename (job->outdir, name, NULL);

  g_free (s);
  g_free (name);
  return path;
}

/* The mask that goes with a photo by the naming rule: photo.jpg ->
 * photo.mask.png beside it.  */
static gchar *
sibling_mask (const gchar *photo)
{
  gchar *dir  = g_path_get_dirname (photo);
  gchar *s    = stem (photo);
  gchar *name = g_strconcat (s, ".mask.png", NULL);
  gchar *path = g_build_filename (dir, name, NULL);

  g_free (dir);
  g_free (s);
  g_free (name);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return path;
  g_free (path);
  return NULL;
}

/* The scale of one photo, when a PHOTO.px-per-mm file beside it gives it
 * (photos of one batch are seldom all at one scale): 0 when there is none,
 * -1 when it does not hold a number in range.  */
static gdouble
sibling_scale (const gchar *photo,
               gchar      **path_out)
{
  gchar  *dir  = g_path_get_dirname (photo);
  gchar  *s    = stem (photo);
  gchar  *name = g_strconcat (s, ".px-per-mm", NULL);
  gchar  *path = g_build_filename (dir, name, NULL);
  gchar  *text = NULL, *end;
  gdouble v    = 0.0;

  if (g_file_get_contents (path, &text, NULL, NULL))
    {
      v = g_ascii_strtod (g_strstrip (text), &end);
      if (end == text || *end || ! (v >= 0.5 && v <= 200.0))
        v = -1.0;
    }
  *path_out = path;
  g_free (text);
  g_free (dir);
  g_free (s);
  g_free (name);
  return v;
}

gchar *
smp_sheet_check_file (const gchar *path)
{
  GStatBuf st;
  guchar   head[16] = { 0 }, tail[1024];
  FILE    *f;
  gsize    n_head, n_tail, i;
  gboolean end = FALSE;

  if (g_stat (path, &st) != 0)
    return g_strdup (errno == ENOENT ? "no such file" : g_strerror (errno));
  if (! S_ISREG (st.st_mode))
    return g_strdup ("not a regular file");
  if (st.st_size == 0)
    return g_strdup ("empty file");
  f = g_fopen (path, "rb");
  if (! f)
    return g_strdup_printf ("cannot read it: %s", g_strerror (errno));
  n_head = fread (head, 1, sizeof head, f);
  n_tail = MIN ((gsize) st.st_size, sizeof tail);
  fseek (f, -(long) n_tail, SEEK_END);
  n_tail = fread (tail, 1, n_tail, f);
  fclose (f);

  if (n_head >= 8 && ! memcmp (head, "\x89PNG\r\n\x1a\n", 8))
    {
      /* The last chunk is IEND, length 0, then its CRC.  */
      if (n_tail < 12 || memcmp (tail + n_tail - 8, "IEND", 4))
        return g_strdup ("truncated PNG (no IEND chunk at the end)");
      return NULL;
    }
  if (n_head >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
    {
      /* An end-of-image marker, perhaps followed by padding.  */
      for (i = 0; i + 1 < n_tail; i++)
        end |= tail[i] == 0xff && tail[i + 1] == 0xd9;
      if (! end)
        return g_strdup ("truncated JPEG (no end-of-image marker)");
      return NULL;
    }
  if ((n_head >= 4 && (! memcmp (head, "II*\0", 4) ||
                       ! memcmp (head, "MM\0*", 4))) ||
      (n_head >= 12 && ! memcmp (head, "RIFF", 4) &&
       ! memcmp (head + 8, "WEBP", 4)) ||
      (n_head >= 4 && ! memcmp (head, "GIF8", 4)) ||
      (n_head >= 4 && ! memcmp (head, "\x76\x2f\x31\x01", 4)) ||
      (n_head >= 2 && head[0] == 'P' && head[1] >= '1' && head[1] <= '6') ||
      (n_head >= 10 && ! memcmp (head, "#?RADIANCE", 10)))
    return NULL;
  return g_strdup ("not an image (PNG, JPEG, TIFF, WebP, GIF, PNM, OpenEXR "
                   "or Radiance HDR)");
}


/* Captions.  */

static gchar *
color_hex (GeglColor *color)
{
  guchar rgb[3];

  gegl_color_get_pixel (color, babl_format ("R'G'B' u8"), rgb);
  return g_strdup_printf ("#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* "name=value" of the properties that say most about a preset's look.  */
static void
add_setting (GString     *s,
             GeglNode    *op,
             const gchar *name,
             const gchar *label,
             const gchar *unit)
{
  const gchar *type = gegl_node_get_operation (op);
  GParamSpec  *pspec = gegl_operation_find_property (type, name);
  GValue       v = G_VALUE_INIT;

  if (! pspec)
    return;
  g_value_init (&v, pspec->value_type);
  gegl_node_get_property (op, name, &v);
  g_string_append_printf (s, " · %s%s", label, *label ? " " : "");
  if (G_VALUE_HOLDS_DOUBLE (&v))
    g_string_append_printf (s, "%g%s", g_value_get_double (&v), unit);
  else if (G_VALUE_HOLDS_INT (&v))
    g_string_append_printf (s, "%d%s", g_value_get_int (&v), unit);
  else if (G_VALUE_HOLDS_UINT (&v))
    g_string_append_printf (s, "%u%s", g_value_get_uint (&v), unit);
  else if (G_VALUE_HOLDS (&v, GEGL_TYPE_COLOR) && g_value_get_object (&v))
    {
      gdouble rgba[4];
      gchar  *hex;

      gegl_color_get_pixel (g_value_get_object (&v),
                            babl_format ("RGBA double"), rgba);
      hex = rgba[3] > 0.0 ? color_hex (g_value_get_object (&v))
                          : g_strdup ("matched");
      g_string_append (s, hex);
      g_free (hex);
    }
  g_value_unset (&v);
}

static gchar *
caption_after (const SmpPreset *preset,
               GeglNode        *op,
               const gchar     *mask)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "SIMULATION · %s: %s\n%s", preset->name,
                          preset->description, gegl_node_get_operation (op));
  if (gegl_operation_find_property (gegl_node_get_operation (op), "ring-width"))
    {
      gdouble density;

      /* scar-blend: 0 is the density of the stubble around the scar.  */
      gegl_node_get (op, "density", &density, NULL);
      if (density == 0.0)
        g_string_append (s, " · density as around");
      else
        add_setting (s, op, "density", "", " /cm²");
    }
  else
    add_setting (s, op, "density", "", " /cm²");
  add_setting (s, op, "dot-diameter", "dot", " mm");
  add_setting (s, op, "tone", "shade", "");
  add_setting (s, op, "ring-width", "ring", " mm");
  add_setting (s, op, "uptake", "uptake", "");
  add_setting (s, op, "pigment", "pigment", "");
  add_setting (s, op, "px-per-mm", "", " px/mm");
  add_setting (s, op, "seed", "seed", "");
  if (mask && gegl_node_has_pad (op, "aux"))
    {
      gchar *base = g_path_get_basename (mask);

      g_string_append_printf (s, " · mask %s", base);
      g_free (base);
    }
  else if (gegl_operation_find_property (gegl_node_get_operation (op),
                                         "ring-width"))
    g_string_append (s, " · no scar mask: unchanged");
  else if (gegl_node_has_pad (op, "aux"))
    g_string_append (s, " · no mask: whole photo");
  return g_string_free (s, FALSE);
}

/* A caption strip, width x height (height 0: only measure), 8-bit RGB;
 * returns the height the text needs.  */
static gint
caption (const gchar *text,
         gint         width,
         gint         height,
         gdouble      size,
         guchar      *rgb)
{
  GeglNode     *graph = gegl_node_new ();
  gint          pad   = (gint) ceil (size * 0.6);
  GeglNode     *label = gegl_node_new_child (graph, "operation", "gegl:text",
                                             "string", text,
                                             "font", CAPTION_FONT,
                                             "size", size,
                                             "wrap", MAX (1, width - 2 * pad),
                                             NULL);
  GeglRectangle box   = gegl_node_get_bounding_box (label);
  gint          need  = box.height + 2 * pad;

  if (height > 0)
    {
      GeglColor    *fg    = gegl_color_new (CAPTION_FG);
      GeglColor    *bg    = gegl_color_new (CAPTION_BG);
      GeglNode     *back  = gegl_node_new_child (graph, "operation",
                                                 "gegl:color", "value", bg,
                                                 NULL);
      GeglNode     *shift = gegl_node_new_child (graph, "operation",
                                                 "gegl:translate",
                                                 "x", (gdouble) pad,
                                                 "y", (gdouble) pad, NULL);
      GeglNode     *over  = gegl_node_new_child (graph, "operation",
                                                 "gegl:over", NULL);
      GeglRectangle rect  = { 0, 0, width, height };
      guchar       *rgba  = g_new (guchar, (gsize) width * height * 4);
      gsize         i;

      gegl_node_set (label, "color", fg, NULL);
      gegl_node_link (label, shift);
      gegl_node_link (back, over);
      gegl_node_connect_to (shift, "output", over, "aux");
      gegl_node_blit (over, 1.0, &rect, RGBA_U8, rgba, GEGL_AUTO_ROWSTRIDE,
                      GEGL_BLIT_DEFAULT);
      for (i = 0; i < (gsize) width * height; i++)
        memcpy (rgb + 3 * i, rgba + 4 * i, 3);
      g_free (rgba);
      g_object_unref (fg);
      g_object_unref (bg);
    }
  g_object_unref (graph);
  return need;
}


/* The sheet being written, for smp_sheet_interrupted.  */
static char writing[4096];

void
smp_sheet_interrupted (void)
{
  /* Async-signal-safe: unlink only.  */
  if (writing[0])
    unlink (writing);
}

/* The sheet.  */

typedef struct
{
  gint     factor, width, height, filled;
  guint64 *sum;
  guchar  *rgb;
} Thumb;

static void
thumb_rows (Thumb        *t,
            const guchar *rgb,
            gint          width,
            gint          rows)
{
  gint r, x, c;

  for (r = 0; r < rows; r++, t->filled++)
    {
      gint ty = t->filled / t->factor;

      if (ty >= t->height)
        continue;
      for (x = 0; x < t->width * t->factor; x++)
        for (c = 0; c < 3; c++)
          t->sum[(x / t->factor) * 3 + c] += rgb[((gsize) r * width + x) * 3 + c];
      if ((t->filled + 1) % t->factor == 0)
        {
          guint64 n = (guint64) t->factor * t->factor;

          for (x = 0; x < t->width * 3; x++)
            {
              t->rgb[(gsize) ty * t->width * 3 + x] = (t->sum[x] + n / 2) / n;
              t->sum[x] = 0;
            }
        }
    }
}

/* An 8-bit RGBA band of a panel into the sheet's RGB rows, over the
 * frame colour (photos with alpha).  */
static void
put_panel (const guchar *rgba,
           gint          w,
           gint          rows,
           guchar       *sheet,
           gint          sheet_w,
           gint          x0)
{
  gint r, x, c;

  for (r = 0; r < rows; r++)
    for (x = 0; x < w; x++)
      {
        const guchar *s = rgba + ((gsize) r * w + x) * 4;
        guchar       *d = sheet + ((gsize) r * sheet_w + x0 + x) * 3;

        for (c = 0; c < 3; c++)
          d[c] = (s[c] * s[3] + frame[c] * (255 - s[3]) + 127) / 255;
      }
}

static void
fill_frame (guchar *rgb,
            gsize   pixels)
{
  gsize i;

  for (i = 0; i < pixels; i++)
    memcpy (rgb + 3 * i, frame, 3);
}

gboolean
smp_sheet_render (const SmpSheetJob *job,
                  const gchar       *photo,
                  SmpSheetProgress   progress,
                  gpointer           data,
                  gboolean          *masked,
                  GError           **error)
{
  gchar        *out   = smp_sheet_path (job, photo);
  gchar        *tmp   = NULL, *reason, *mask = NULL, *base;
  GeglNode     *graph = NULL, *load, *mask_node = NULL;
  GeglNode    **ends  = NULL;
  gchar       **texts = NULL;
  GeglRectangle box;
  SmpPng       *png   = NULL;
  Thumb         thumb = { 0 };
  guchar       *band  = NULL, *panel = NULL, *strip = NULL;
  gint          n     = job->n_presets + 1, gap, sheet_w, sheet_h, cap_h;
  gint          i, y;
  gdouble       size, ppm = job->px_per_mm;
  gboolean      ok    = FALSE;

  if (! job->force && g_file_test (out, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                   "%s exists (--force replaces it)", out);
      goto done;
    }
  if ((reason = smp_sheet_check_file (photo)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s", reason);
      g_free (reason);
      goto done;
    }
  mask = job->mask ? g_strdup (job->mask) : sibling_mask (photo);
  *masked = mask != NULL;
  {
    gchar  *scale_file;
    gdouble v = sibling_scale (photo, &scale_file);

    if (v < 0.0)
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s: not a scale (a number of px/mm, 0.5 to 200)",
                   scale_file);
    else if (v > 0.0)
      ppm = v;
    g_free (scale_file);
    if (v < 0.0)
      goto done;
  }
  if (mask && (reason = smp_sheet_check_file (mask)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "mask %s: %s",
                   mask, reason);
      g_free (reason);
      goto done;
    }

  graph = gegl_node_new ();
  load  = gegl_node_new_child (graph, "operation", "gegl:load", "path", photo,
                               NULL);
  box   = gegl_node_get_bounding_box (load);
  if (box.width <= 0 || box.height <= 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "GEGL could not read it as an image");
      goto done;
    }
  if (mask)
    {
      GeglRectangle mb;

      mask_node = gegl_node_new_child (graph, "operation", "gegl:load",
                                       "path", mask, NULL);
      mb = gegl_node_get_bounding_box (mask_node);
      if (mb.width <= 0 || mb.height <= 0)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "mask %s: GEGL could not read it as an image", mask);
          goto done;
        }
      if (! gegl_rectangle_equal (&mb, &box))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "mask %s is %dx%d, the photo %dx%d", mask, mb.width,
                       mb.height, box.width, box.height);
          goto done;
        }
    }

  /* The presets, as GEGL parses them, with the scale and seed after.  */
  ends  = g_new0 (GeglNode *, n);
  texts = g_new0 (gchar *, n + 1);
  ends[0] = load;
  base = g_path_get_basename (photo);
  texts[0] = g_strdup_printf ("BEFORE · %s\n%d x %d px · %g px/mm", base,
                              box.width, box.height, ppm);
  g_free (base);
  for (i = 1; i < n; i++)
    {
      gchar    *extra = job->seed_given
                        ? g_strdup_printf ("px-per-mm=%.17g seed=%u", ppm,
                                           job->seed)
                        : g_strdup_printf ("px-per-mm=%.17g", ppm);
      GeglNode *op, *own;

      ends[i] = smp_preset_build (job->presets[i - 1], graph, load, extra,
                                  error);
      g_free (extra);
      if (! ends[i])
        goto done;
      op = smp_preset_last_op (ends[i]);
      own = gegl_node_has_pad (op, "aux")
            ? gegl_node_get_producer (op, "aux", NULL) : NULL;
      /* A preset that makes its own mask (smp:hairline in its aux) keeps
       * it, at the photo's scale; the others take the mask file.  */
      if (own && gegl_node_find_property (own, "px-per-mm"))
        gegl_node_set (own, "px-per-mm", ppm, NULL);
      else if (mask_node && gegl_node_has_pad (op, "aux"))
        gegl_node_connect_to (mask_node, "output", op, "aux");
      texts[i] = caption_after (job->presets[i - 1], op, mask);
    }

  /* Geometry: equal panels side by side, a frame between, captions under
   * every panel as tall as the tallest needs.  */
  gap   = MAX (4, box.width / 150);
  size  = CLAMP (box.width / 48.0, 11.0, 160.0);
  cap_h = 0;
  for (i = 0; i < n; i++)
    cap_h = MAX (cap_h, caption (texts[i], box.width, 0, size, NULL));
  sheet_w = n * box.width + (n - 1) * gap;
  sheet_h = box.height + gap + cap_h;

  tmp = g_strdup_printf ("%s.%d.tmp", out, (gint) getpid ());
  g_strlcpy (writing, tmp, sizeof writing);
  png = smp_png_open (tmp, sheet_w, sheet_h, error);
  if (! png)
    goto done;
  if (job->thumbnail)
    {
      thumb.factor = MAX (1, (sheet_w + THUMB_WIDTH - 1) / THUMB_WIDTH);
      thumb.width  = sheet_w / thumb.factor;
      thumb.height = sheet_h / thumb.factor;
      thumb.sum    = g_new0 (guint64, (gsize) thumb.width * 3);
      thumb.rgb    = g_new0 (guchar, (gsize) thumb.width * thumb.height * 3);
    }
  band  = g_new (guchar, (gsize) sheet_w * MAX (BAND_ROWS, cap_h) * 3);
  panel = g_new (guchar, (gsize) box.width * BAND_ROWS * 4);

  for (y = 0; y < box.height; y += BAND_ROWS)
    {
      gint rows = MIN (BAND_ROWS, box.height - y);

      fill_frame (band, (gsize) sheet_w * rows);
      for (i = 0; i < n; i++)
        {
          GeglRectangle r = { box.x, box.y + y, box.width, rows };

          gegl_node_blit (ends[i], 1.0, &r, RGBA_U8, panel,
                          GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
          put_panel (panel, box.width, rows, band, sheet_w,
                     i * (box.width + gap));
        }
      if (! smp_png_rows (png, band, rows, error))
        goto done;
      if (job->thumbnail)
        thumb_rows (&thumb, band, sheet_w, rows);
      if (progress)
        progress ((gdouble) (y + rows) / box.height, data);
    }

  /* The frame under the photos, then the captions.  */
  fill_frame (band, (gsize) sheet_w * MAX (gap, cap_h));
  if (! smp_png_rows (png, band, gap, error))
    goto done;
  if (job->thumbnail)
    thumb_rows (&thumb, band, sheet_w, gap);
  strip = g_new (guchar, (gsize) box.width * cap_h * 3);
  for (i = 0; i < n; i++)
    {
      gint r;

      caption (texts[i], box.width, cap_h, size, strip);
      for (r = 0; r < cap_h; r++)
        memcpy (band + ((gsize) r * sheet_w + i * (box.width + gap)) * 3,
                strip + (gsize) r * box.width * 3, (gsize) box.width * 3);
    }
  if (! smp_png_rows (png, band, cap_h, error))
    goto done;
  if (job->thumbnail)
    thumb_rows (&thumb, band, sheet_w, cap_h);
  ok = smp_png_close (png, error);
  png = NULL;
  if (ok && g_rename (tmp, out) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "cannot write %s: %s", out, g_strerror (errno));
      ok = FALSE;
    }

  if (ok && job->thumbnail)
    {
      gchar  *path = smp_sheet_thumb (job, photo);
      SmpPng *t    = smp_png_open (path, thumb.width, thumb.height, error);

      ok = t && smp_png_rows (t, thumb.rgb, thumb.height, error) &&
           smp_png_close (t, error);
      g_free (path);
    }

done:
  if (png)
    smp_png_close (png, NULL);
  if (tmp && ! ok)
    g_unlink (tmp);
  writing[0] = '\0';
  if (graph)
    g_object_unref (graph);
  g_strfreev (texts);
  g_free (ends);
  g_free (band);
  g_free (panel);
  g_free (strip);
  g_free (thumb.sum);
  g_free (thumb.rgb);
  g_free (tmp);
  g_free (mask);
  g_free (out);
  return ok;
}


/* The contact sheet: every sheet's small copy under its photo's name and
 * its columns' titles, at a size one can read.  */
gboolean
smp_sheet_contact (const gchar * const *thumbs,
                   const gchar * const *names,
                   const gchar * const *columns,
                   const gchar         *path,
                   GError             **error)
{
  GeglNode     *graph = gegl_node_new ();
  GPtrArray    *loads = g_ptr_array_new ();
  const gdouble size  = 22.0, small = 15.0;
  gint          n_col = g_strv_length ((gchar **) columns);
  gint          width = 0, height = 0, name_h = 0, col_h = 0, i, c, n;
  gchar        *tmp   = g_strconcat (path, ".tmp", NULL);
  SmpPng       *png;
  gboolean      ok    = TRUE;

  for (n = 0; thumbs[n]; n++)
    {
      GeglNode     *load = gegl_node_new_child (graph, "operation", "gegl:load",
                                                "path", thumbs[n], NULL);
      GeglRectangle box  = gegl_node_get_bounding_box (load);

      g_ptr_array_add (loads, load);
      width  = MAX (width, box.width);
      height += box.height;
    }
  width = MAX (width, 400);
  for (i = 0; i < n; i++)
    name_h = MAX (name_h, caption (names[i], width, 0, size, NULL));
  for (c = 0; c < n_col; c++)
    col_h = MAX (col_h, caption (columns[c], width / n_col, 0, small, NULL));
  height += n * (name_h + col_h);

  png = smp_png_open (tmp, width, MAX (height, 1), error);
  ok  = png != NULL;
  for (i = 0; ok && i < n; i++)
    {
      GeglNode     *load = g_ptr_array_index (loads, i);
      GeglRectangle box  = gegl_node_get_bounding_box (load);
      gint          rows = MAX (name_h + col_h, box.height);
      gint          cw   = box.width / n_col;
      guchar       *rgb  = g_new (guchar, (gsize) width * rows * 3);
      guchar       *cell = g_new (guchar, (gsize) MAX (cw, 1) * col_h * 3);
      guchar       *rgba = g_new (guchar, (gsize) box.width * box.height * 4);
      gint          r;

      caption (names[i], width, name_h, size, rgb);
      fill_frame (rgb + (gsize) width * name_h * 3, (gsize) width * col_h);
      /* Each column's title over its panel (the panels are equal).  */
      for (c = 0; c < n_col && cw > 0; c++)
        {
          caption (columns[c], cw, col_h, small, cell);
          for (r = 0; r < col_h; r++)
            memcpy (rgb + ((gsize) (name_h + r) * width + c * box.width /
                           n_col) * 3,
                    cell + (gsize) r * cw * 3, (gsize) cw * 3);
        }
      ok = smp_png_rows (png, rgb, name_h + col_h, error);
      fill_frame (rgb, (gsize) width * box.height);
      gegl_node_blit (load, 1.0, &box, RGBA_U8, rgba, GEGL_AUTO_ROWSTRIDE,
                      GEGL_BLIT_DEFAULT);
      put_panel (rgba, box.width, box.height, rgb, width, 0);
      ok = ok && smp_png_rows (png, rgb, box.height, error);
      g_free (rgb);
      g_free (cell);
      g_free (rgba);
    }
  if (png)
    ok = smp_png_close (png, ok ? error : NULL) && ok;
  if (ok && g_rename (tmp, path) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "cannot write %s: %s", path, g_strerror (errno));
      ok = FALSE;
    }
  if (! ok)
    g_unlink (tmp);
  g_free (tmp);
  g_ptr_array_unref (loads);
  g_object_unref (graph);
  return ok;
}
