/* smp-image.c: see smp-image.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "smp-image.h"

/* Rows converted at once.  */
#define BAND_ROWS 64

static gchar *
too_big (guint64 width,
         guint64 height,
         guint64 max_pixels)
{
  return g_strdup_printf ("its header claims %" G_GUINT64_FORMAT " x %"
                          G_GUINT64_FORMAT " pixels (%.1f megapixels), more "
                          "than the limit of %g megapixels (--max-megapixels "
                          "raises it)", width, height,
                          width * (gdouble) height / 1e6, max_pixels / 1e6);
}


/* PNG: libpng over the whole file.  */

typedef struct
{
  gchar    error[256];
  gchar    warning[256];
  jmp_buf  jump;
} PngCheck;

static void
png_check_error (png_structp     png,
                 png_const_charp message)
{
  PngCheck *c = png_get_error_ptr (png);

  g_strlcpy (c->error, message, sizeof c->error);
  longjmp (c->jump, 1);
}

/* libpng says as warnings what it forgives in the image data (too much of
 * it, bytes after the compressed stream); those mean a damaged file.
 * Warnings about ancillary chunks (a profile libpng dislikes) do not.  */
static void
png_check_warning (png_structp     png,
                   png_const_charp message)
{
  PngCheck *c = png_get_error_ptr (png);

  if (! c->warning[0] && (strstr (message, "image data") ||
                          strstr (message, "compressed data") ||
                          strstr (message, "IDAT")))
    g_strlcpy (c->warning, message, sizeof c->warning);
}

static gchar *
check_png (FILE     *file,
           guint64   max_pixels,
           gboolean  decode)
{
  PngCheck            c = { { 0 } };
  png_structp         png;
  png_infop           info;
  png_bytep volatile  row = NULL;
  volatile gint       step = 0;
  volatile png_uint_32 w = 0, h = 0;
  gchar              *why;
  gint                passes, pass;
  png_uint_32         y;

  png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &c, png_check_error,
                                png_check_warning);
  info = png_create_info_struct (png);
  if (setjmp (c.jump))
    {
      if (step == 0)
        why = g_strdup_printf ("not a valid PNG (libpng: %s)", c.error);
      else if (! strcmp (c.error, "Read Error"))
        why = step == 1
              ? g_strdup_printf ("truncated PNG (the file ends inside its "
                                 "image data; its header says %u x %u)", w, h)
              : g_strdup ("truncated PNG (no IEND chunk at the end)");
      else
        why = g_strdup_printf ("corrupt PNG %s (libpng: %s)",
                               step == 1 ? "image data" : "after its image data",
                               c.error);
      png_destroy_read_struct (&png, &info, NULL);
      g_free (row);
      return why;
    }
  png_init_io (png, file);
  png_read_info (png, info);
  w = png_get_image_width (png, info);
  h = png_get_image_height (png, info);
  if ((guint64) w * h > max_pixels || ! decode)
    {
      png_destroy_read_struct (&png, &info, NULL);
      return (guint64) w * h > max_pixels ? too_big (w, h, max_pixels) : NULL;
    }
  /* Every row of every pass is inflated and unfiltered, then thrown away.  */
  step   = 1;
  passes = png_set_interlace_handling (png);
  png_read_update_info (png, info);
  row = g_malloc (png_get_rowbytes (png, info));
  for (pass = 0; pass < passes; pass++)
    for (y = 0; y < h; y++)
      png_read_row (png, row, NULL);
  step = 2;
  png_read_end (png, NULL);
  png_destroy_read_struct (&png, &info, NULL);
  g_free (row);
  if (c.warning[0])
    return g_strdup_printf ("corrupt PNG image data (libpng: %s)", c.warning);
  return NULL;
}


/* JPEG: libjpeg over the whole file, at 1/8 scale (every block is still
 * entropy-decoded, which is where damage shows).  */

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
  gchar                 warning[JMSG_LENGTH_MAX];
  gint                  warning_code;
} JpegCheck;

static void
jpeg_check_error (j_common_ptr cinfo)
{
  longjmp (((JpegCheck *) cinfo->err)->jump, 1);
}

/* libjpeg goes on past damaged data with a warning (level -1) and
 * makes up the pixels it lost: here those warnings are the finding.
 * Traces (level >= 0) and the two warnings about metadata are not.  */
static void
jpeg_check_message (j_common_ptr cinfo,
                    int          level)
{
  JpegCheck *c = (JpegCheck *) cinfo->err;

  if (level >= 0 || c->warning[0])
    return;
  if (c->pub.msg_code == JWRN_JFIF_MAJOR || c->pub.msg_code == JWRN_ADOBE_XFORM)
    return;
  c->warning_code = c->pub.msg_code;
  c->pub.format_message (cinfo, c->warning);
}

static gchar *
check_jpeg (FILE     *file,
            guint64   max_pixels,
            gboolean  decode)
{
  struct jpeg_decompress_struct cinfo;
  JpegCheck                     c;
  JSAMPARRAY                    row;
  gchar                         message[JMSG_LENGTH_MAX];
  guint64                       pixels;

  memset (&c, 0, sizeof c);
  cinfo.err = jpeg_std_error (&c.pub);
  c.pub.error_exit   = jpeg_check_error;
  c.pub.emit_message = jpeg_check_message;
  if (setjmp (c.jump))
    {
      c.pub.format_message ((j_common_ptr) &cinfo, message);
      jpeg_destroy_decompress (&cinfo);
      return g_strdup_printf ("corrupt JPEG (libjpeg: %s)", message);
    }
  jpeg_create_decompress (&cinfo);
  jpeg_stdio_src (&cinfo, file);
  jpeg_read_header (&cinfo, TRUE);
  pixels = (guint64) cinfo.image_width * cinfo.image_height;
  if (pixels > max_pixels || ! decode)
    {
      gchar *why = pixels > max_pixels ? too_big (cinfo.image_width,
                                                  cinfo.image_height,
                                                  max_pixels)
                                       : NULL;

      jpeg_destroy_decompress (&cinfo);
      return why;
    }
  cinfo.scale_num           = 1;
  cinfo.scale_denom         = 8;
  cinfo.dct_method          = JDCT_IFAST;
  cinfo.do_fancy_upsampling = FALSE;
  jpeg_start_decompress (&cinfo);
  row = (*cinfo.mem->alloc_sarray) ((j_common_ptr) &cinfo, JPOOL_IMAGE,
                                    cinfo.output_width *
                                    cinfo.output_components, 1);
  while (cinfo.output_scanline < cinfo.output_height)
    jpeg_read_scanlines (&cinfo, row, 1);
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  if (c.warning_code == JWRN_JPEG_EOF)
    return g_strdup ("truncated JPEG (the file ends before its "
                     "end-of-image marker)");
  if (c.warning[0])
    return g_strdup_printf ("corrupt JPEG data (libjpeg: %s)", c.warning);
  return NULL;
}

gchar *
smp_image_check (const gchar *path,
                 guint64      max_pixels,
                 gboolean     decode)
{
  GStatBuf st;
  guchar   head[16] = { 0 };
  FILE    *f;
  gsize    n;
  gchar   *why = NULL;

  if (g_stat (path, &st) != 0)
    return g_strdup (errno == ENOENT ? "no such file" : g_strerror (errno));
  if (! S_ISREG (st.st_mode))
    return g_strdup ("not a regular file");
  if (st.st_size == 0)
    return g_strdup ("empty file");
  f = g_fopen (path, "rb");
  if (! f)
    return g_strdup_printf ("cannot read it: %s", g_strerror (errno));
  n = fread (head, 1, sizeof head, f);
  rewind (f);

  if (n >= 8 && ! memcmp (head, "\x89PNG\r\n\x1a\n", 8))
    why = check_png (f, max_pixels, decode);
  else if (n >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
    why = check_jpeg (f, max_pixels, decode);
  else if (! ((n >= 4 && (! memcmp (head, "II*\0", 4) ||
                          ! memcmp (head, "MM\0*", 4))) ||
              (n >= 12 && ! memcmp (head, "RIFF", 4) &&
               ! memcmp (head + 8, "WEBP", 4)) ||
              (n >= 4 && ! memcmp (head, "GIF8", 4)) ||
              (n >= 4 && ! memcmp (head, "\x76\x2f\x31\x01", 4)) ||
              (n >= 2 && head[0] == 'P' && head[1] >= '1' && head[1] <= '6') ||
              (n >= 10 && ! memcmp (head, "#?RADIANCE", 10))))
    why = g_strdup ("not an image (PNG, JPEG, TIFF, WebP, GIF, PNM, OpenEXR "
                    "or Radiance HDR)");
  fclose (f);
  return why;
}


/* sRGB's transfer curve, exactly (IEC 61966-2-1).  */

static gdouble
srgb_decode (gdouble v)
{
  return v > 0.04045 ? pow ((v + 0.055) / 1.055, 2.4) : v / 12.92;
}

static gdouble
srgb_encode (gdouble v)
{
  return v > 0.0031308 ? 1.055 * pow (v, 1.0 / 2.4) - 0.055 : v * 12.92;
}

/* Encoding to 8 bits: k is the code of v when v lies between the linear
 * values of codes k - 0.5 and k + 0.5; a table indexed by the top bits of
 * the float gives a k at most one or two steps below it.  */
static gdouble threshold[255];
static guint8  bucket[0x3f800000 >> 15];

static void
encode_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      guint32 b;
      gint    k = 0;

      for (k = 0; k < 255; k++)
        threshold[k] = srgb_decode ((k + 0.5) / 255.0);
      k = 0;
      for (b = 0; b < G_N_ELEMENTS (bucket); b++)
        {
          guint32 bits = b << 15;
          gfloat  low;

          memcpy (&low, &bits, sizeof low);
          while (k < 255 && low >= threshold[k])
            k++;
          bucket[b] = k;
        }
      g_once_init_leave (&done, 1);
    }
}

static inline guint8
encode_u8 (gfloat v)
{
  guint32 bits;
  gint    k;

  if (! (v > 0.0f))
    return 0;
  if (v >= 1.0f)
    return 255;
  memcpy (&bits, &v, sizeof bits);
  k = bucket[bits >> 15];
  while (k < 255 && v >= threshold[k])
    k++;
  return k;
}

static inline guint8
alpha_u8 (gfloat a)
{
  if (! (a > 0.0f))
    return 0;
  if (a >= 1.0f)
    return 255;
  return (guint8) floor (a * 255.0 + 0.5);
}

void
smp_image_encode (const gfloat *rgba,
                  gsize         pixels,
                  guchar       *out)
{
  gsize i;

  encode_init ();
  for (i = 0; i < pixels; i++)
    {
      out[4 * i + 0] = encode_u8 (rgba[4 * i + 0]);
      out[4 * i + 1] = encode_u8 (rgba[4 * i + 1]);
      out[4 * i + 2] = encode_u8 (rgba[4 * i + 2]);
      out[4 * i + 3] = alpha_u8 (rgba[4 * i + 3]);
    }
}


/* Decoding what GEGL's loaders give, in their own format (reading a
 * buffer in its own format copies it, no conversion).  */

typedef enum
{
  TRC_LINEAR,
  TRC_SRGB,
  TRC_GAMMA
} TrcKind;

typedef struct
{
  const Babl *format;
  gint        bpp, n_comp, n_color, type;  /* type: 1 u8, 2 u16, 4 float */
  gboolean    alpha, curve;                /* curve: a primed (R'G'B', Y') model */
  TrcKind     trc;
  gdouble     gamma;
  gboolean    identity;                    /* the space has sRGB's primaries */
  gdouble     m[9];                        /* its linear RGB to sRGB's */
  gfloat     *lut;                         /* u8 and u16: code -> linear */
  const Babl *fallback;                    /* anything else: babl, to
                                              "RGBA double" */
} Decoder;

/* A babl fish into a double format that takes only paths as exact as
 * double precision (1e-10: babl 0.1.98 reads its own "exact" as 0 and
 * finds none), kept, as babl does not keep such fishes; babl's usual one
 * when there is no such path.  */
static const Babl *
exact_fish (const Babl *from,
            const Babl *to)
{
  static struct { const Babl *from, *to, *fish; } kept[32];
  static gint n_kept;
  const Babl *fish;
  gint        i;

  for (i = 0; i < n_kept; i++)
    if (kept[i].from == from && kept[i].to == to)
      return kept[i].fish;
  fish = babl_fast_fish (from, to, "0.0000000001");
  if (! fish || n_kept == G_N_ELEMENTS (kept))
    return fish ? fish : babl_fish (from, to);
  kept[n_kept].from = from;
  kept[n_kept].to   = to;
  kept[n_kept].fish = fish;
  return kept[n_kept++].fish;
}

/* The space's linear RGB in sRGB's, from babl in double precision, snapped
 * to 1e-9 so that which double path babl took cannot show.  */
static void
space_matrix (const Babl *space,
              Decoder    *d)
{
  static const gdouble unit[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  gdouble              out[9];
  gint                 i;

  d->identity = TRUE;
  if (! space || space == babl_space ("sRGB"))
    return;
  babl_process (exact_fish (babl_format_with_space ("RGB double", space),
                            babl_format ("RGB double")), unit, out, 3);
  for (i = 0; i < 9; i++)
    {
      /* out holds the columns: out[3 j + i] is row i, column j.  */
      d->m[(i % 3) * 3 + i / 3] = nearbyint (out[i] * 1e9) / 1e9;
      if (fabs (out[i] - unit[i]) > 1e-6)
        d->identity = FALSE;
    }
}

static gdouble
trc_decode (const Decoder *d,
            gdouble        v)
{
  switch (d->trc)
    {
    case TRC_SRGB:
      return srgb_decode (v);
    case TRC_GAMMA:
      return v > 0.0 ? pow (v, d->gamma) : v;
    default:
      return v;
    }
}

static void
decoder_init (Decoder    *d,
              const Babl *format)
{
  const Babl  *space = babl_format_get_space (format);
  const Babl  *type  = babl_format_get_type (format, 0);
  const gchar *model = babl_get_name (babl_format_get_model (format));
  const Babl  *r = NULL, *g = NULL, *b = NULL;
  gboolean     known;

  memset (d, 0, sizeof *d);
  d->format = format;
  d->bpp    = babl_format_get_bytes_per_pixel (format);
  d->n_comp = babl_format_get_n_components (format);
  d->type   = type == babl_type ("u8") ? 1 : type == babl_type ("u16") ? 2
            : type == babl_type ("float") ? 4 : 0;
  known = d->type && (! strcmp (model, "R'G'B'") || ! strcmp (model, "RGB") ||
                      ! strcmp (model, "R'G'B'A") || ! strcmp (model, "RGBA") ||
                      ! strcmp (model, "Y'") || ! strcmp (model, "Y") ||
                      ! strcmp (model, "Y'A") || ! strcmp (model, "YA"));
  d->alpha   = model[strlen (model) - 1] == 'A';
  d->curve   = strchr (model, '\'') != NULL;
  d->n_color = d->n_comp - (d->alpha ? 1 : 0);

  /* The curve of a primed model: sRGB's, a pure gamma, or linear; any
   * other (an ICC profile's own curves) is left to babl.  */
  d->trc = TRC_LINEAR;
  if (known && d->curve && space && space != babl_space ("sRGB"))
    {
      gdouble gamma = babl_space_get_gamma (space);

      babl_space_get (space, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                      &r, &g, &b);
      if (gamma > 0.0)
        {
          d->trc   = gamma == 1.0 ? TRC_LINEAR : TRC_GAMMA;
          d->gamma = gamma;
        }
      else if (r == babl_trc ("sRGB") && (! g || g == r) && (! b || b == r))
        d->trc = TRC_SRGB;
      else
        known = FALSE;
    }
  else if (d->curve)
    d->trc = TRC_SRGB;

  if (! known)
    {
      d->fallback = exact_fish (format, babl_format ("RGBA double"));
      return;
    }
  space_matrix (space, d);
  if (d->type != 4)
    {
      gint  n   = d->type == 1 ? 256 : 65536, i;
      gdouble max = n - 1;

      d->lut = g_new (gfloat, n);
      for (i = 0; i < n; i++)
        d->lut[i] = d->curve ? trc_decode (d, i / max) : i / max;
    }
}

static inline gfloat
component (const Decoder *d,
           const guchar  *px,
           gint           c,
           gboolean       color)
{
  gfloat v;

  if (d->type == 1)
    return color ? d->lut[px[c]] : px[c] / 255.0f;
  if (d->type == 2)
    {
      guint16 u;

      memcpy (&u, px + 2 * c, 2);
      return color ? d->lut[u] : u / 65535.0f;
    }
  memcpy (&v, px + 4 * c, 4);
  return color && d->curve ? trc_decode (d, v) : v;
}

/* n pixels of the native format to linear sRGB RGBA float.  */
static void
decode_rows (const Decoder *d,
             const guchar  *src,
             gsize          n,
             gfloat        *rgba)
{
  gsize i;

  if (d->fallback)
    {
      gdouble *wide = g_new (gdouble, 4 * n);

      babl_process (d->fallback, src, wide, n);
      for (i = 0; i < 4 * n; i++)
        rgba[i] = wide[i];
      g_free (wide);
      return;
    }
  for (i = 0; i < n; i++)
    {
      const guchar *px = src + i * d->bpp;
      gfloat       *o  = rgba + 4 * i;

      if (d->n_color == 1)
        o[0] = o[1] = o[2] = component (d, px, 0, TRUE);
      else
        {
          o[0] = component (d, px, 0, TRUE);
          o[1] = component (d, px, 1, TRUE);
          o[2] = component (d, px, 2, TRUE);
        }
      o[3] = d->alpha ? component (d, px, d->n_color, FALSE) : 1.0f;
      if (! d->identity)
        {
          gdouble r = o[0], g = o[1], b = o[2];

          o[0] = d->m[0] * r + d->m[1] * g + d->m[2] * b;
          o[1] = d->m[3] * r + d->m[4] * g + d->m[5] * b;
          o[2] = d->m[6] * r + d->m[7] * g + d->m[8] * b;
        }
    }
}

/* A grey pixel stored in sRGB's curve keeps its code as Y', exactly; any
 * other is weighed by sRGB's luminance (D50-adapted, as babl's Y) and
 * encoded.  *coloured counts the visible pixels that are not grey.  */
static void
to_mask (const Decoder *d,
         const guchar  *src,
         const gfloat  *rgba,
         gsize          n,
         gfloat        *ya,
         guint64       *coloured,
         guint64       *visible)
{
  const gboolean plain = ! d->fallback && d->identity && d->type != 4 &&
                         d->curve && d->trc == TRC_SRGB;
  const gfloat   max   = d->type == 1 ? 255.0f : 65535.0f;
  gsize          i;

  encode_init ();
  for (i = 0; i < n; i++)
    {
      const gfloat *p = rgba + 4 * i;
      const guchar *px = src + i * d->bpp;
      gint          lo, hi;

      ya[2 * i + 1] = p[3];
      if (p[3] > 0.5f)
        {
          guint8 e[3] = { encode_u8 (p[0]), encode_u8 (p[1]),
                          encode_u8 (p[2]) };

          (*visible)++;
          lo = MIN (e[0], MIN (e[1], e[2]));
          hi = MAX (e[0], MAX (e[1], e[2]));
          if (hi - lo > 32)
            (*coloured)++;
        }
      if (plain && (d->n_color == 1 ||
                                (! memcmp (px, px + d->type, d->type) &&
                                 ! memcmp (px, px + 2 * d->type, d->type))))
        {
          guint v = px[0];

          if (d->type == 2)
            {
              guint16 u;

              memcpy (&u, px, 2);
              v = u;
            }
          ya[2 * i] = (gfloat) (v / (gdouble) max);
          continue;
        }
      ya[2 * i] = srgb_encode (0.2225045 * p[0] + 0.7168786 * p[1] +
                               0.0606169 * p[2]);
    }
}

GeglBuffer *
smp_image_load (const gchar   *path,
                SmpImageKind   kind,
                guint64        max_pixels,
                gdouble       *coloured,
                GError       **error)
{
  GeglNode     *graph  = gegl_node_new ();
  GeglBuffer   *native = NULL, *out = NULL;
  GeglNode     *load   = gegl_node_new_child (graph, "operation", "gegl:load",
                                              "path", path, NULL);
  GeglNode     *sink   = gegl_node_new_child (graph, "operation",
                                              "gegl:buffer-sink",
                                              "buffer", &native, NULL);
  GeglRectangle box    = gegl_node_get_bounding_box (load);
  const Babl   *to     = babl_format (kind == SMP_IMAGE_PHOTO ? "RGBA float"
                                                             : "Y'A float");
  Decoder       d;
  guchar       *src;
  gfloat       *rgba, *ya;
  guint64       n_coloured = 0, n_visible = 0;
  gint          y;

  if (box.width <= 0 || box.height <= 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "GEGL could not read it as an image");
      g_object_unref (graph);
      return NULL;
    }
  if ((guint64) box.width * box.height > max_pixels)
    {
      gchar *why = too_big (box.width, box.height, max_pixels);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s", why);
      g_free (why);
      g_object_unref (graph);
      return NULL;
    }
  gegl_node_link (load, sink);
  gegl_node_process (sink);
  if (! native)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "GEGL could not read it as an image");
      g_object_unref (graph);
      return NULL;
    }

  decoder_init (&d, gegl_buffer_get_format (native));
  box  = *gegl_buffer_get_extent (native);
  out  = gegl_buffer_new (&box, to);
  src  = g_new (guchar, (gsize) box.width * BAND_ROWS * d.bpp);
  rgba = g_new (gfloat, (gsize) box.width * BAND_ROWS * 4);
  ya   = kind == SMP_IMAGE_MASK ? g_new (gfloat, (gsize) box.width *
                                               BAND_ROWS * 2) : NULL;
  for (y = box.y; y < box.y + box.height; y += BAND_ROWS)
    {
      GeglRectangle band = { box.x, y, box.width,
                             MIN (BAND_ROWS, box.y + box.height - y) };
      gsize         n    = (gsize) band.width * band.height;

      gegl_buffer_get (native, &band, 1.0, d.format, src, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_NONE);
      decode_rows (&d, src, n, rgba);
      if (ya)
        {
          to_mask (&d, src, rgba, n, ya, &n_coloured, &n_visible);
          gegl_buffer_set (out, &band, 0, to, ya, GEGL_AUTO_ROWSTRIDE);
        }
      else
        gegl_buffer_set (out, &band, 0, to, rgba, GEGL_AUTO_ROWSTRIDE);
    }
  if (coloured)
    *coloured = n_visible ? (gdouble) n_coloured / n_visible : 0.0;

  g_free (src);
  g_free (rgba);
  g_free (ya);
  g_free (d.lut);
  g_object_unref (native);
  g_object_unref (graph);
  return out;
}
