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
  gint        width;
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

SmpPng *
smp_png_open (const gchar  *path,
              gint          run,
              gint          width,
              gint          height,
              GError      **error)
{
  SmpPng *p   = g_new0 (SmpPng, 1);
  gchar  *dir = g_path_get_dirname (path);
  gint    fd  = -1;

  errno = ENAMETOOLONG;
  if (g_snprintf (writing, sizeof writing, "%s/" SMP_TEMP_PREFIX "%d.XXXXXX",
                  dir, run) < (gint) sizeof writing)
    fd = g_mkstemp_full (writing, O_RDWR, 0666);
  g_free (dir);
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
  p->width = width;
  p->png   = png_create_write_struct (PNG_LIBPNG_VER_STRING, p->message,
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

  errno = 0;
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
    png_write_end (p->png, NULL);
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
                 gint               index)
{
  gchar *name = g_strdup_printf (SMP_TEMP_PREFIX "%d.%d.thumb.png", job->run,
                                 index);
  gchar *path = g_build_filename (job->outdir, name, NULL);

  g_free (name);
  return path;
}

/* A file beside the photo, named PHOTO-STEM + suffix, when it exists.  */
static gchar *
sibling (const gchar *photo,
         const gchar *suffix)
{
  gchar *dir  = g_path_get_dirname (photo);
  gchar *s    = stem (photo);
  gchar *name = g_strconcat (s, suffix, NULL);
  gchar *path = g_build_filename (dir, name, NULL);

  g_free (dir);
  g_free (s);
  g_free (name);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return path;
  g_free (path);
  return NULL;
}

gchar **
smp_sheet_inputs (const SmpSheetJob *job,
                  const gchar       *photo)
{
  GPtrArray *all = g_ptr_array_new ();
  gchar     *p;

  if (job->mask)
    g_ptr_array_add (all, g_strdup (job->mask));
  else if ((p = sibling (photo, ".mask.png")))
    g_ptr_array_add (all, p);
  if ((p = sibling (photo, ".px-per-mm")))
    g_ptr_array_add (all, p);
  g_ptr_array_add (all, NULL);
  return (gchar **) g_ptr_array_free (all, FALSE);
}

/* The scale of one photo, when a PHOTO.px-per-mm file beside it gives it
 * (photos of one batch are seldom all at one scale): 0 when there is none,
 * -1 when it does not hold a decimal number in range.  */
static gdouble
sibling_scale (const gchar *photo,
               gchar      **path_out)
{
  gchar  *path = sibling (photo, ".px-per-mm");
  gchar  *text = NULL;
  gdouble v    = 0.0;

  if (path && g_file_get_contents (path, &text, NULL, NULL))
    {
      if (! smp_parse_number (g_strstrip (text), &v) ||
          ! (v >= 0.5 && v <= 200.0))
        v = -1.0;
    }
  *path_out = path;
  g_free (text);
  return v;
}

/* Whether a name is a temporary of a run: SMP_TEMP_PREFIX RUN . ..., or,
 * as older versions named them, NAME.RUN.tmp; *run is its PID.  */
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
      if (end == name + strlen (SMP_TEMP_PREFIX) || *end != '.')
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

/* One photo's sheet as it is put together: the photo and its mask as the
 * ops read them, a graph with one end per panel, their captions.  */
typedef struct
{
  GeglBuffer   *photo, *mask_buffer;
  gchar        *mask;
  gdouble       ppm;
  GeglRectangle box;
  GeglNode     *graph;
  GeglNode    **ends;
  gchar       **texts;
  gint          n;
} Sheet;

static void
sheet_clear (Sheet *s)
{
  if (s->graph)
    g_object_unref (s->graph);
  g_clear_object (&s->photo);
  g_clear_object (&s->mask_buffer);
  g_strfreev (s->texts);
  g_free (s->ends);
  g_free (s->mask);
}

/* A share of coloured pixels above which a mask is a colour image (a
 * photo given by mistake), not a grey mask with some noise.  */
#define MASK_COLOURED 0.02

/* The photo, its scale and its mask: checked, then read.  */
static gboolean
sheet_read (const SmpSheetJob *job,
            const gchar       *photo,
            Sheet             *s,
            GError           **error)
{
  gchar        *reason, *scale_file;
  gdouble       scale, coloured = 0.0;
  GError       *err = NULL;
  GeglRectangle mb;

  if ((reason = smp_image_check (photo, job->max_pixels, TRUE)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s", reason);
      g_free (reason);
      return FALSE;
    }
  s->mask = job->mask ? g_strdup (job->mask) : sibling (photo, ".mask.png");
  scale   = sibling_scale (photo, &scale_file);
  if (scale < 0.0)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                 "%s: not a scale (a decimal number of px/mm, 0.5 to 200)",
                 scale_file);
  g_free (scale_file);
  if (scale < 0.0)
    return FALSE;
  s->ppm = scale > 0.0 ? scale : job->px_per_mm;
  if (s->mask && (reason = smp_image_check (s->mask, job->max_pixels, TRUE)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "mask %s: %s",
                   s->mask, reason);
      g_free (reason);
      return FALSE;
    }

  s->photo = smp_image_load (photo, SMP_IMAGE_PHOTO, job->max_pixels, NULL,
                             error);
  if (! s->photo)
    return FALSE;
  s->box = *gegl_buffer_get_extent (s->photo);
  if (! s->mask)
    return TRUE;
  s->mask_buffer = smp_image_load (s->mask, SMP_IMAGE_MASK, job->max_pixels,
                                   &coloured, &err);
  if (! s->mask_buffer)
    {
      g_set_error (error, err->domain, err->code, "mask %s: %s", s->mask,
                   err->message);
      g_error_free (err);
      return FALSE;
    }
  mb = *gegl_buffer_get_extent (s->mask_buffer);
  if (! gegl_rectangle_equal (&mb, &s->box))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "mask %s is %dx%d, the photo %dx%d", s->mask, mb.width,
                   mb.height, s->box.width, s->box.height);
      return FALSE;
    }
  /* The ops read any picture as a mask (its grey); a colour photo given
   * as one would silently do next to nothing.  */
  if (coloured > MASK_COLOURED)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "mask %s is a colour image (%.0f %% of its pixels are "
                   "coloured), not a mask: a mask is grey, white where the "
                   "preset works, black where it leaves the photo", s->mask,
                   100.0 * coloured);
      return FALSE;
    }
  return TRUE;
}

/* The panels: the photo, then each preset as GEGL parses it, with the
 * scale and seed after.  */
static gboolean
sheet_build (const SmpSheetJob *job,
             const gchar       *photo,
             Sheet             *s,
             GError           **error)
{
  GeglNode *src, *mask_node = NULL;
  gchar    *base;
  gint      i;

  s->graph = gegl_node_new ();
  src      = gegl_node_new_child (s->graph, "operation", "gegl:buffer-source",
                                  "buffer", s->photo, NULL);
  if (s->mask_buffer)
    mask_node = gegl_node_new_child (s->graph, "operation",
                                     "gegl:buffer-source",
                                     "buffer", s->mask_buffer, NULL);
  s->n     = job->n_presets + 1;
  s->ends  = g_new0 (GeglNode *, s->n);
  s->texts = g_new0 (gchar *, s->n + 1);
  s->ends[0] = src;
  base = g_path_get_basename (photo);
  s->texts[0] = g_strdup_printf ("BEFORE · %s\n%d x %d px · %g px/mm", base,
                                 s->box.width, s->box.height, s->ppm);
  g_free (base);
  for (i = 1; i < s->n; i++)
    {
      gchar    *extra = job->seed_given
                        ? g_strdup_printf ("px-per-mm=%.17g seed=%u", s->ppm,
                                           job->seed)
                        : g_strdup_printf ("px-per-mm=%.17g", s->ppm);
      GeglNode *op, *own;

      s->ends[i] = smp_preset_build (job->presets[i - 1], s->graph, src, extra,
                                     error);
      g_free (extra);
      if (! s->ends[i])
        return FALSE;
      op = smp_preset_last_op (s->ends[i]);
      /* Each band is asked for once: what an op rendered is not kept.  */
      gegl_node_set (op, "dont-cache", TRUE, NULL);
      own = gegl_node_has_pad (op, "aux")
            ? gegl_node_get_producer (op, "aux", NULL) : NULL;
      /* A preset that makes its own mask (smp:hairline in its aux) keeps
       * it, at the photo's scale; the others take the mask file.  */
      if (own && gegl_node_find_property (own, "px-per-mm"))
        gegl_node_set (own, "px-per-mm", s->ppm, NULL);
      else if (mask_node && gegl_node_has_pad (op, "aux"))
        gegl_node_connect_to (mask_node, "output", op, "aux");
      s->texts[i] = caption_after (job->presets[i - 1], op, s->mask);
    }
  return TRUE;
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
                                &error);
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
 * of rows, each panel encoded to 8 bits here (see smp-image.h).  */
static gboolean
sheet_write (const SmpSheetJob *job,
             const Sheet       *s,
             const gchar       *out,
             gint               index,
             SmpSheetProgress   progress,
             gpointer           data,
             gchar            **warning,
             GError           **error)
{
  const GeglRectangle box  = s->box;
  const gint          n    = s->n;
  const gint          gap  = MAX (4, box.width / 150);
  const gdouble       size = CLAMP (box.width / 48.0, 11.0, 160.0);
  Caption            *caps = g_new0 (Caption, n);
  gint                cap_h = 0, sheet_w, sheet_h, i, y;
  SmpPng             *png;
  Thumb               thumb = { 0 };
  guchar             *band, *panel;
  gfloat             *lin;
  gboolean            ok = FALSE;

  for (i = 0; i < n; i++)
    {
      caption_open (&caps[i], s->texts[i], box.width, size);
      cap_h = MAX (cap_h, caps[i].need);
    }
  sheet_w = n * box.width + (n - 1) * gap;
  sheet_h = box.height + gap + cap_h;

  png = smp_png_open (out, job->run, sheet_w, sheet_h, error);
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
  band  = g_new (guchar, (gsize) sheet_w * BAND_ROWS * 3);
  lin   = g_new (gfloat, (gsize) box.width * BAND_ROWS * 4);
  panel = g_new (guchar, (gsize) box.width * BAND_ROWS * 4);

  /* The photos, then the frame under them, then the captions: bands of at
   * most BAND_ROWS rows all.  */
  for (y = 0; y < sheet_h; y += BAND_ROWS)
    {
      gint top  = y < box.height ? 0 : y < box.height + gap ? box.height
                : box.height + gap;
      gint rows = MIN (BAND_ROWS, (top == 0 ? box.height
                                   : top == box.height ? box.height + gap
                                   : sheet_h) - y);

      fill_frame (band, (gsize) sheet_w * rows);
      for (i = 0; i < n && top == 0; i++)
        {
          GeglRectangle r = { box.x, box.y + y, box.width, rows };

          gegl_node_blit (s->ends[i], 1.0, &r, RGBA_FLOAT, lin,
                          GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
          smp_image_encode (lin, (gsize) box.width * rows, panel);
          put_panel (panel, box.width, rows, band, sheet_w,
                     i * (box.width + gap));
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
  if (ok && job->thumbnail)
    *warning = sheet_thumb (job, index, &thumb);
  g_free (band);
  g_free (lin);
  g_free (panel);

done:
  if (png)
    smp_png_finish (png, FALSE, NULL);
  for (i = 0; i < n; i++)
    g_object_unref (caps[i].graph);
  g_free (caps);
  g_free (thumb.sum);
  g_free (thumb.rgb);
  return ok;
}

gboolean
smp_sheet_render (const SmpSheetJob *job,
                  const gchar       *photo,
                  gint               index,
                  SmpSheetProgress   progress,
                  gpointer           data,
                  gboolean          *masked,
                  gchar            **warning,
                  GError           **error)
{
  gchar   *out = smp_sheet_path (job, photo);
  Sheet    s   = { 0 };
  gboolean ok  = FALSE;

  *warning = NULL;
  if (! job->force && g_file_test (out, G_FILE_TEST_EXISTS))
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                 "%s exists (--force replaces it)", out);
  else if (sheet_read (job, photo, &s, error) &&
           sheet_build (job, photo, &s, error))
    ok = sheet_write (job, &s, out, index, progress, data, warning, error);
  *masked = s.mask != NULL;
  sheet_clear (&s);
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

  png = smp_png_open (path, job->run, width, MAX (height, 1), error);
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
