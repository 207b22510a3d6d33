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
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "smp-image.h"
#include "smp-sheet.h"
#include "smp-panels.h"
#include "smp-sources.h"

#define RGBA_U8     babl_format ("R'G'B'A u8")
#define RGBA_FLOAT  babl_format ("RGBA float")
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

/* This host as the names of temporaries give it: its name, with only
 * letters, digits and '-' (a '.' would end it).  */
static const gchar *
host_tag (void)
{
  static gchar tag[41];

  if (! tag[0])
    {
      const gchar *host = g_get_host_name ();
      gint         i;

      for (i = 0; host[i] && i < (gint) sizeof tag - 1; i++)
        tag[i] = g_ascii_isalnum (host[i]) || host[i] == '-' ? host[i] : '-';
      if (! tag[0])
        g_strlcpy (tag, "host", sizeof tag);
    }
  return tag;
}

/* The file being written, for smp_sheet_interrupted.  Its name holds the
 * run's PID, so whatever a handler finds here is this run's.  */
static char writing[4096];

void
smp_sheet_interrupted (void)
{
  /* Async-signal-safe: unlink only.  */
  if (writing[0])
    unlink (writing);
}

struct SmpPng
{
  FILE       *file;
  png_structp png;
  png_infop   info;
  gchar      *path, *tmp;
  gint        width, channels;
  gchar       message[256];
};

/* libpng's message, and the system's reason when there is one (its "Write
 * Error" on a full disk).  */
static void
png_fail (png_structp     png,
          png_const_charp message)
{
  gchar *m = png_get_error_ptr (png);

  if (errno)
    g_snprintf (m, 256, "%s (%s)", message, g_strerror (errno));
  else
    g_strlcpy (m, message, 256);
  png_longjmp (png, 1);
}

/* A new temporary of the run beside path, named in `writing` (so that a
 * signal removes it); its descriptor, or -1 with errno set.  */
static gint
open_temp (const gchar *path,
           gint         run)
{
  gchar *dir = g_path_get_dirname (path);
  gint   fd  = -1;

  errno = ENAMETOOLONG;
  if (g_snprintf (writing, sizeof writing, "%s/" SMP_TEMP_PREFIX "%d@%s.XXXXXX",
                  dir, run, host_tag ()) < (gint) sizeof writing)
    fd = g_mkstemp_full (writing, O_RDWR, 0666);
  g_free (dir);
  return fd;
}

SmpPng *
smp_png_open (const gchar  *path,
              gint          run,
              gint          width,
              gint          height,
              gint          channels,
              GError      **error)
{
  SmpPng *p  = g_new0 (SmpPng, 1);
  gint    fd = open_temp (path, run);

  if (fd < 0 || ! (p->file = fdopen (fd, "wb")))
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "cannot write %s: %s", path, g_strerror (errno));
      if (fd >= 0)
        {
          close (fd);
          unlink (writing);
        }
      writing[0] = '\0';
      g_free (p);
      return NULL;
    }
  p->path  = g_strdup (path);
  p->tmp   = g_strdup (writing);
  p->width    = width;
  p->channels = channels;
  p->png      = png_create_write_struct (PNG_LIBPNG_VER_STRING, p->message,
                                      png_fail, NULL);
  p->info  = png_create_info_struct (p->png);
  errno    = 0;
  if (setjmp (png_jmpbuf (p->png)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "writing %s: %s",
                   path, p->message);
      smp_png_finish (p, FALSE, NULL);
      return NULL;
    }
  png_init_io (p->png, p->file);
  /* Fast deflate: a sheet of large photos is hundreds of megapixels.  */
  png_set_compression_level (p->png, 3);
  png_set_IHDR (p->png, p->info, width, height, 8,
                channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
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

  errno = 0;
  if (setjmp (png_jmpbuf (p->png)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "writing %s: %s",
                   p->path, p->message);
      return FALSE;
    }
  for (i = 0; i < rows; i++)
    png_write_row (p->png, rgb + (gsize) i * p->width * p->channels);
  return TRUE;
}

gboolean
smp_png_describe (SmpPng       *p,
                  const gchar  *text,
                  GError      **error)
{
  png_text t = { 0 };

  errno = 0;
  if (setjmp (png_jmpbuf (p->png)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "writing %s: %s",
                   p->path, p->message);
      return FALSE;
    }
  /* UTF-8 (iTXt): a photo's name may be any text.  */
  t.compression = PNG_ITXT_COMPRESSION_NONE;
  t.key         = (png_charp) "Description";
  t.text        = (png_charp) text;
  t.lang        = (png_charp) "";
  t.lang_key    = (png_charp) "";
  png_set_text (p->png, p->info, &t, 1);
  return TRUE;
}

gboolean
smp_png_finish (SmpPng    *p,
                gboolean   keep,
                GError   **error)
{
  volatile gboolean ok = keep;

  errno = 0;
  if (setjmp (png_jmpbuf (p->png)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "writing %s: %s",
                   p->path, p->message);
      ok = FALSE;
    }
  else if (keep)
    png_write_end (p->png, p->info);
  png_destroy_write_struct (&p->png, &p->info);
  if (fclose (p->file) != 0 && ok)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "writing %s: %s", p->path, g_strerror (errno));
      ok = FALSE;
    }
  if (ok && g_rename (p->tmp, p->path) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "cannot write %s: %s", p->path, g_strerror (errno));
      ok = FALSE;
    }
  if (! ok)
    g_unlink (p->tmp);
  writing[0] = '\0';
  g_free (p->path);
  g_free (p->tmp);
  g_free (p);
  return ok;
}


/* Files.  */

gchar *
smp_sheet_path (const SmpSheetJob *job,
                const gchar       *photo)
{
  gchar *s    = smp_stem (photo);
  gchar *name = g_strconcat (s, "-preview.png", NULL);
  gchar *path = g_build_filename (job->outdir, name, NULL);

  g_free (s);
  g_free (name);
  return path;
}

gchar *
smp_sheet_saved_mask (const SmpSheetJob *job,
                      const gchar       *photo)
{
  gchar *s    = smp_stem (photo);
  gchar *name = g_strconcat (s, SMP_SUFFIX_SAVED, NULL);
  gchar *path = g_build_filename (job->outdir, name, NULL);

  g_free (s);
  g_free (name);
  return path;
}

gchar *
smp_sheet_plan (const SmpSheetJob *job,
                const gchar       *photo)
{
  gchar *s    = smp_stem (photo);
  gchar *name = g_strconcat (s, SMP_SUFFIX_PLAN, NULL);
  gchar *path = g_build_filename (job->outdir, name, NULL);

  g_free (s);
  g_free (name);
  return path;
}

/* A text file written as the sheets are: a temporary of the run, renamed
 * once whole.  */
static gboolean
text_write (const gchar  *path,
            gint          run,
            const gchar  *text,
            GError      **error)
{
  gsize    len = strlen (text), done = 0;
  gint     fd  = open_temp (path, run);
  gboolean ok  = fd >= 0;

  while (ok && done < len)
    {
      gssize n = write (fd, text + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      ok = n > 0;
      done += ok ? (gsize) n : 0;
    }
  if (fd >= 0 && close (fd) != 0)
    ok = FALSE;
  if (ok && g_rename (writing, path) != 0)
    ok = FALSE;
  if (! ok)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "cannot write %s: %s", path, g_strerror (errno));
      if (fd >= 0)
        g_unlink (writing);
    }
  writing[0] = '\0';
  return ok;
}

gchar *
smp_sheet_thumb (const SmpSheetJob *job,
                 gint               index)
{
  gchar *name = g_strdup_printf (SMP_TEMP_PREFIX "%d@%s.%d.thumb.png",
                                 job->run, host_tag (), index);
  gchar *path = g_build_filename (job->outdir, name, NULL);

  g_free (name);
  return path;
}

gchar **
smp_sheet_inputs (const SmpSheetJob *job,
                  const gchar       *photo)
{
  static const gchar *beside[] = { SMP_SUFFIX_REFERENCE, SMP_SUFFIX_HAIRLINE,
                                   SMP_SUFFIX_SCALE };
  GPtrArray *all = g_ptr_array_new ();
  gchar     *p;
  guint      i;

  if (job->mask)
    g_ptr_array_add (all, g_strdup (job->mask));
  else if (job->mask_mode != SMP_MASK_NONE &&
           (p = smp_sibling (photo, SMP_SUFFIX_MASK)))
    g_ptr_array_add (all, p);
  for (i = 0; i < G_N_ELEMENTS (beside); i++)
    if ((p = smp_sibling (photo, beside[i])))
      g_ptr_array_add (all, p);
  g_ptr_array_add (all, NULL);
  return (gchar **) g_ptr_array_free (all, FALSE);
}

/* Whether a name is a temporary of a run on this host: SMP_TEMP_PREFIX
 * RUN@HOST. ..., or, as older versions named them, SMP_TEMP_PREFIX RUN. ...
 * and NAME.RUN.tmp; *run is its PID.  Another host's (a batch spread over
 * machines that share the output folder) are not this host's to judge by
 * their PID.  */
static gboolean
temporary (const gchar *name,
           gint        *run)
{
  const gchar *p;
  gchar       *end;
  gint64       pid;

  if (g_str_has_prefix (name, SMP_TEMP_PREFIX))
    {
      pid = g_ascii_strtoll (name + strlen (SMP_TEMP_PREFIX), &end, 10);
      if (end == name + strlen (SMP_TEMP_PREFIX))
        return FALSE;
      if (*end == '@')
        {
          gsize n = strlen (host_tag ());

          if (strncmp (end + 1, host_tag (), n) || end[1 + n] != '.')
            return FALSE;
          end += 1 + n;
        }
      if (*end != '.')
        return FALSE;
    }
  else if (g_str_has_suffix (name, ".tmp") && (p = strstr (name, ".png.")))
    {
      pid = g_ascii_strtoll (p + 5, &end, 10);
      if (end == p + 5 || strcmp (end, ".tmp"))
        return FALSE;
    }
  else
    return FALSE;
  if (pid <= 0 || pid > G_MAXINT)
    return FALSE;
  *run = (gint) pid;
  return TRUE;
}

gint
smp_sheet_clean (const gchar *dir,
                 gint         run)
{
  GDir        *d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  gint         n = 0, pid;

  while (d && (name = g_dir_read_name (d)))
    if (temporary (name, &pid) &&
        (run > 0 ? pid == run : kill (pid, 0) != 0 && errno == ESRCH))
      {
        gchar *path = g_build_filename (dir, name, NULL);

        if (g_unlink (path) == 0)
          n++;
        g_free (path);
      }
  if (d)
    g_dir_close (d);
  return n;
}


/* Captions.  */

/* A caption strip: the text over the frame colour, `width` wide, `need`
 * rows tall; `out` gives its pixels.  */
typedef struct
{
  GeglNode *graph, *out;
  gint      width, need;
} Caption;

static void
caption_open (Caption     *c,
              const gchar *text,
              gint         width,
              gdouble      size)
{
  gint          pad   = (gint) ceil (size * 0.6);
  GeglColor    *fg    = gegl_color_new (CAPTION_FG);
  GeglColor    *bg    = gegl_color_new (CAPTION_BG);
  GeglNode     *label, *back, *shift;
  GeglRectangle box;

  c->graph = gegl_node_new ();
  c->width = width;
  label = gegl_node_new_child (c->graph, "operation", "gegl:text",
                               "string", text, "font", CAPTION_FONT,
                               "size", size, "color", fg,
                               "wrap", MAX (1, width - 2 * pad), NULL);
  back  = gegl_node_new_child (c->graph, "operation", "gegl:color",
                               "value", bg, NULL);
  shift = gegl_node_new_child (c->graph, "operation", "gegl:translate",
                               "x", (gdouble) pad, "y", (gdouble) pad, NULL);
  c->out = gegl_node_new_child (c->graph, "operation", "gegl:over", NULL);
  gegl_node_link (label, shift);
  gegl_node_link (back, c->out);
  gegl_node_connect_to (shift, "output", c->out, "aux");
  box     = gegl_node_get_bounding_box (label);
  c->need = box.height + 2 * pad;
  g_object_unref (fg);
  g_object_unref (bg);
}

/* Its rows y to y + rows, encoded here as the panels are (see
 * smp-image.h), into 8-bit RGB rows `stride` pixels apart.  */
static void
caption_rows (const Caption *c,
              gint           y,
              gint           rows,
              guchar        *rgb,
              gint           stride)
{
  GeglRectangle band = { 0, y, c->width, rows };
  gsize         n    = (gsize) c->width * rows, i;
  gfloat       *lin  = g_new (gfloat, n * 4);
  guchar       *rgba = g_new (guchar, n * 4);

  gegl_node_blit (c->out, 1.0, &band, RGBA_FLOAT, lin, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  smp_image_encode (lin, n, rgba);
  for (i = 0; i < n; i++)
    memcpy (rgb + 3 * ((i / c->width) * stride + i % c->width), rgba + 4 * i,
            3);
  g_free (lin);
  g_free (rgba);
}

/* A whole caption strip, width x height (height 0: only measure), 8-bit
 * RGB; returns the height the text needs.  */
static gint
caption (const gchar *text,
         gint         width,
         gint         height,
         gdouble      size,
         guchar      *rgb)
{
  Caption c;
  gint    y;

  caption_open (&c, text, width, size);
  for (y = 0; y < height; y += BAND_ROWS)
    caption_rows (&c, y, MIN (BAND_ROWS, height - y),
                  rgb + (gsize) y * width * 3, width);
  g_object_unref (c.graph);
  return c.need;
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

/* Its small copy for the contact sheet; a message when it cannot be
 * written (the sheet itself is).  */
static gchar *
sheet_thumb (const SmpSheetJob *job,
             gint               index,
             const Thumb       *thumb)
{
  gchar  *path  = smp_sheet_thumb (job, index);
  GError *error = NULL;
  SmpPng *t     = smp_png_open (path, job->run, thumb->width, thumb->height,
                                3, &error);
  gchar  *why   = NULL;

  if (t && ! smp_png_rows (t, thumb->rgb, thumb->height, &error))
    smp_png_finish (t, FALSE, NULL);
  else if (t)
    smp_png_finish (t, TRUE, &error);
  if (error)
    why = g_strdup_printf ("its sheet is written, but not its small copy "
                           "for the contact sheet: %s", error->message);
  g_clear_error (&error);
  g_free (path);
  return why;
}

/* Geometry: equal panels side by side, a frame between, captions under
 * every panel as tall as the tallest needs; rendered and written in bands
 * of rows, each panel encoded to 8 bits here (see smp-image.h) and
 * compared with the photo's.  A caption's height is set before any pixel
 * is rendered, its text after all are: it leaves room for "nothing
 * changed", which only the pixels tell.  */
static gboolean
sheet_write (const SmpSheetJob *job,
             SmpPanels         *p,
             const gchar       *out,
             gint               index,
             SmpSheetProgress   progress,
             gpointer           data,
             gchar            **warning,
             GError           **error)
{
  const GeglRectangle box  = p->box;
  const gint          n    = p->n;
  const gint          gap  = MAX (4, box.width / 150);
  const gdouble       size = CLAMP (box.width / 48.0, 11.0, 160.0);
  Caption            *caps = g_new0 (Caption, n);
  gboolean           *unchanged = g_new (gboolean, n);
  gint                cap_h = 0, sheet_w, sheet_h, i, y;
  SmpPng             *png;
  Thumb               thumb = { 0 };
  guchar             *band, *panel, *before;
  gfloat             *lin;
  gboolean            ok = FALSE;

  for (i = 0; i < n; i++)
    {
      gchar *most = smp_panels_caption (p, i, TRUE);

      caption_open (&caps[i], most, box.width, size);
      cap_h = MAX (cap_h, caps[i].need);
      unchanged[i] = i > 0;
      g_free (most);
    }
  sheet_w = n * box.width + (n - 1) * gap;
  sheet_h = box.height + gap + cap_h;

  png = smp_png_open (out, job->run, sheet_w, sheet_h, 3, error);
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
  band   = g_new (guchar, (gsize) sheet_w * BAND_ROWS * 3);
  lin    = g_new (gfloat, (gsize) box.width * BAND_ROWS * 4);
  panel  = g_new (guchar, (gsize) box.width * BAND_ROWS * 4);
  before = g_new (guchar, (gsize) box.width * BAND_ROWS * 4);

  /* The photos, then the frame under them, then the captions: bands of at
   * most BAND_ROWS rows all.  */
  for (y = 0; y < sheet_h; y += BAND_ROWS)
    {
      gint top  = y < box.height ? 0 : y < box.height + gap ? box.height
                : box.height + gap;
      gint rows = MIN (BAND_ROWS, (top == 0 ? box.height
                                   : top == box.height ? box.height + gap
                                   : sheet_h) - y);
      gsize values = (gsize) box.width * rows * 4;

      fill_frame (band, (gsize) sheet_w * rows);
      for (i = 0; i < n && top == 0; i++)
        {
          GeglRectangle r = { box.x, box.y + y, box.width, rows };
          guchar       *px = i ? panel : before;

          gegl_node_blit (p->panels[i].end, 1.0, &r, RGBA_FLOAT, lin,
                          GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
          smp_image_encode (lin, (gsize) box.width * rows, px);
          if (i && unchanged[i])
            unchanged[i] = ! memcmp (px, before, values);
          put_panel (px, box.width, rows, band, sheet_w,
                     i * (box.width + gap));
        }
      /* The captions' text, now that the pixels are known; also in the
       * file, for programs to read.  */
      if (y == box.height + gap)
        {
          GString *all = g_string_new (NULL);
          gboolean described;

          for (i = 0; i < n; i++)
            {
              gchar *text = smp_panels_caption (p, i, unchanged[i]);

              g_object_unref (caps[i].graph);
              caption_open (&caps[i], text, box.width, size);
              g_string_append_printf (all, "%s%s", i ? "\n\n" : "", text);
              g_free (text);
            }
          described = smp_png_describe (png, all->str, error);
          g_string_free (all, TRUE);
          if (! described)
            break;
        }
      for (i = 0; i < n && top == box.height + gap; i++)
        caption_rows (&caps[i], y - top, rows,
                      band + (gsize) i * (box.width + gap) * 3, sheet_w);
      if (! smp_png_rows (png, band, rows, error))
        break;
      if (job->thumbnail)
        thumb_rows (&thumb, band, sheet_w, rows);
      if (progress && top == 0)
        progress ((gdouble) (y + rows) / box.height, data);
      /* Bands do not cross from photos to frame to captions.  */
      y += rows - BAND_ROWS;
    }
  if (y >= sheet_h)
    {
      ok  = smp_png_finish (png, TRUE, error);
      png = NULL;
    }
  if (ok)
    smp_panels_unchanged (p, unchanged);
  if (ok && job->thumbnail)
    *warning = sheet_thumb (job, index, &thumb);
  g_free (band);
  g_free (lin);
  g_free (panel);
  g_free (before);

done:
  if (png)
    smp_png_finish (png, FALSE, NULL);
  for (i = 0; i < n; i++)
    g_object_unref (caps[i].graph);
  g_free (caps);
  g_free (unchanged);
  g_free (thumb.sum);
  g_free (thumb.rgb);
  return ok;
}

/* An output that exists is kept unless --force.  */
static gboolean
may_write (const SmpSheetJob *job,
           const gchar       *path,
           GError           **error)
{
  if (job->force || ! g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
               "%s exists (--force replaces it)", path);
  return FALSE;
}

gboolean
smp_sheet_render (const SmpSheetJob *job,
                  const gchar       *photo,
                  gint               index,
                  SmpSheetProgress   progress,
                  gpointer           data,
                  SmpSheetResult    *result,
                  GError           **error)
{
  gchar    *out   = smp_sheet_path (job, photo);
  gchar    *saved = NULL, *plan = NULL;
  SmpPanels p     = { 0 };
  gboolean  ok    = FALSE;

  memset (result, 0, sizeof *result);
  if (job->plan)
    plan = smp_sheet_plan (job, photo);
  if (may_write (job, out, error) && (! plan || may_write (job, plan, error)) &&
      smp_panels_open (job, photo, &p, error))
    {
      gboolean wrote = FALSE;

      /* The automatic mask first, so that the sheet is written only with
       * it; removed again if the sheet is not.  */
      if (p.auto_buffer && job->save_masks)
        saved = smp_sheet_saved_mask (job, photo);
      ok = ! saved || (may_write (job, saved, error) &&
                       (wrote = smp_mask_write (p.auto_buffer, saved,
                                                job->run, error)));
      ok = ok && sheet_write (job, &p, out, index, progress, data,
                              &result->warning, error);
      /* The plan beside its sheet (the sheet prints it).  */
      if (ok && p.plan_json)
        {
          ok = text_write (plan, job->run, p.plan_json, error);
          if (! ok)
            g_unlink (out);
        }
      if (! ok && wrote)
        g_unlink (saved);
      result->whole_photo = smp_panels_whole_photo (&p);
      result->no_head     = p.auto_buffer && p.found == SMP_AUTO_NO_HEAD;
    }
  if (p.notes)
    {
      g_ptr_array_add (p.notes, NULL);
      result->notes = g_strdupv ((gchar **) p.notes->pdata);
    }
  smp_panels_clear (&p);
  g_free (saved);
  g_free (plan);
  g_free (out);
  return ok;
}


/* The contact sheet: every sheet's small copy under its photo's name and
 * its columns' titles, at a size one can read.  */
gboolean
smp_sheet_contact (const SmpSheetJob   *job,
                   const gchar * const *thumbs,
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

  png = smp_png_open (path, job->run, width, MAX (height, 1), 3, error);
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
      /* The small copies are this tool's own 8-bit sRGB: read as they
       * are.  */
      gegl_node_blit (load, 1.0, &box, RGBA_U8, rgba, GEGL_AUTO_ROWSTRIDE,
                      GEGL_BLIT_DEFAULT);
      put_panel (rgba, box.width, box.height, rgb, width, 0);
      ok = ok && smp_png_rows (png, rgb, box.height, error);
      g_free (rgb);
      g_free (cell);
      g_free (rgba);
    }
  if (png)
    ok = smp_png_finish (png, ok, ok ? error : NULL) && ok;
  g_ptr_array_unref (loads);
  g_object_unref (graph);
  return ok;
}
