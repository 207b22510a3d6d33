/* smp-sources.c: see smp-sources.h.
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
#include "smp-sheet.h"
#include "smp-sources.h"

/* Rows read or written at once.  */
#define BAND_ROWS 128
/* A hairline is a few curves: a file larger than this is not one.  */
#define SVG_MAX_BYTES (4 << 20)

gchar *
smp_stem (const gchar *photo)
{
  gchar *base = g_path_get_basename (photo);
  gchar *dot  = strrchr (base, '.');

  if (dot && dot != base)
    *dot = '\0';
  return base;
}

gchar *
smp_sibling (const gchar *photo,
             const gchar *suffix)
{
  gchar *dir  = g_path_get_dirname (photo);
  gchar *s    = smp_stem (photo);
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


/* The hairline's SVG file.  */

typedef struct
{
  GPtrArray *d;          /* each <path>'s d */
  GPtrArray *ids;        /* and its id, for the message */
  gchar     *view_box;
  gchar     *transform;  /* the first transform met, which is refused */
} Svg;

static void
svg_start (GMarkupParseContext *context,
           const gchar         *element,
           const gchar        **names,
           const gchar        **values,
           gpointer             data,
           GError             **error)
{
  Svg         *svg = data;
  const gchar *d = NULL, *id = NULL;
  gint         i;

  for (i = 0; names[i]; i++)
    {
      if (! strcmp (names[i], "transform") && ! svg->transform)
        svg->transform = g_strdup (values[i]);
      else if (! strcmp (names[i], "d"))
        d = values[i];
      else if (! strcmp (names[i], "id"))
        id = values[i];
      else if (! strcmp (names[i], "viewBox") && ! strcmp (element, "svg") &&
               ! svg->view_box)
        svg->view_box = g_strdup (values[i]);
    }
  if (! strcmp (element, "path"))
    {
      g_ptr_array_add (svg->d, g_strdup (d ? d : ""));
      g_ptr_array_add (svg->ids, g_strdup (id ? id : "without an id"));
    }
}

/* Whether a viewBox maps its user units to the photo's pixels: "0 0 W H"
 * with the photo's size (what GIMP writes; its width and height are in
 * inches, at the image's resolution, and say nothing of the pixels).  */
static gboolean
view_box_is_pixels (const gchar *view_box,
                    gint         width,
                    gint         height)
{
  gchar  **parts = g_strsplit_set (view_box, " ,\t\n\r", -1);
  gdouble  v[4];
  gint     n = 0, i;

  for (i = 0; parts[i] && n < 5; i++)
    if (*parts[i])
      {
        gchar *end;

        if (n < 4)
          v[n] = g_ascii_strtod (parts[i], &end);
        if (n >= 4 || *end)
          n = 5;
        else
          n++;
      }
  g_strfreev (parts);
  return n == 4 && v[0] == 0.0 && v[1] == 0.0 &&
         fabs (v[2] - width) < 0.5 && fabs (v[3] - height) < 0.5;
}

/* The one path's data, or NULL and why.  */
static gchar *
svg_path (const gchar *text,
          gsize        length,
          gint         width,
          gint         height,
          gchar      **why)
{
  static const GMarkupParser parser = { svg_start, NULL, NULL, NULL, NULL };
  Svg                  svg   = { g_ptr_array_new_with_free_func (g_free),
                                 g_ptr_array_new_with_free_func (g_free),
                                 NULL, NULL };
  GMarkupParseContext *ctx   = g_markup_parse_context_new (&parser, 0, &svg,
                                                           NULL);
  GError              *error = NULL;
  gchar               *d     = NULL;

  *why = NULL;
  if (! g_markup_parse_context_parse (ctx, text, length, &error) ||
      ! g_markup_parse_context_end_parse (ctx, &error))
    *why = g_strdup_printf ("not an SVG file GLib can read (%s)",
                            error->message);
  else if (svg.d->len != 1)
    {
      GString *ids = g_string_new (NULL);
      guint    i;

      for (i = 0; i < svg.ids->len; i++)
        g_string_append_printf (ids, "%s%s", i ? ", " : "",
                                (gchar *) g_ptr_array_index (svg.ids, i));
      *why = svg.d->len
             ? g_strdup_printf ("it holds %u paths (%s): a hairline file "
                                "holds one, the front edge (GIMP: Export "
                                "Path of that path alone)", svg.d->len,
                                ids->str)
             : g_strdup ("it holds no <path>: a hairline file holds one, "
                         "the front edge (GIMP: Export Path)");
      g_string_free (ids, TRUE);
    }
  else if (svg.transform)
    *why = g_strdup_printf ("it has a transform (\"%s\"): the path must be "
                            "in the photo's pixels, as GIMP's Export Path "
                            "writes it", svg.transform);
  else if (svg.view_box && ! view_box_is_pixels (svg.view_box, width, height))
    *why = g_strdup_printf ("its viewBox is \"%s\", and the photo %d x %d "
                            "pixels: the path must be in the photo's pixels "
                            "(viewBox \"0 0 %d %d\", as GIMP's Export Path "
                            "writes it from this photo)", svg.view_box,
                            width, height, width, height);
  else
    d = g_strdup (g_ptr_array_index (svg.d, 0));
  g_clear_error (&error);
  g_markup_parse_context_free (ctx);
  g_ptr_array_unref (svg.d);
  g_ptr_array_unref (svg.ids);
  g_free (svg.view_box);
  g_free (svg.transform);
  return d;
}

gchar *
smp_hairline_read (const gchar  *path,
                   gint          width,
                   gint          height,
                   GError      **error)
{
  gchar  *text = NULL, *d = NULL, *why = NULL, *result = NULL;
  gchar   reason[256];
  gsize   length;
  GError *err = NULL;

  if (! g_file_get_contents (path, &text, &length, &err))
    {
      why = g_strdup (err->message);
      g_error_free (err);
    }
  else if (length > SVG_MAX_BYTES)
    why = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes: too large for a "
                           "hairline (at most %d)", length, SVG_MAX_BYTES);
  else if ((d = svg_path (text, length, width, height, &why)))
    {
      /* Any SVG path data to what GEGL reads right, then checked as the
       * op will read it.  */
      char *plain = smp_hairline_normalize (d, reason, sizeof reason);

      if (! plain)
        why = g_strdup_printf ("its path: %s", reason);
      else if (smp_hairline_check (plain, width, height, reason,
                                   sizeof reason) != 0)
        why = g_strdup_printf ("its path: %s", reason);
      else
        result = g_strdup (plain);
      free (plain);
    }
  if (why)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", path,
                 why);
  g_free (why);
  g_free (text);
  g_free (d);
  return result;
}


/* Enum properties by nick.  */

void
smp_node_set_enum (GeglNode    *node,
                   const gchar *property,
                   const gchar *nick)
{
  GParamSpec *pspec = gegl_node_find_property (node, property);
  GEnumValue *value;

  g_return_if_fail (pspec && G_IS_PARAM_SPEC_ENUM (pspec));
  value = g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class,
                                    nick);
  g_return_if_fail (value);
  gegl_node_set (node, property, value->value, NULL);
}

const gchar *
smp_node_get_enum (GeglNode    *node,
                   const gchar *property)
{
  GParamSpec *pspec = gegl_node_find_property (node, property);
  GEnumValue *value;
  gint        v;

  if (! pspec || ! G_IS_PARAM_SPEC_ENUM (pspec))
    return NULL;
  gegl_node_get (node, property, &v, NULL);
  value = g_enum_get_value (G_PARAM_SPEC_ENUM (pspec)->enum_class, v);
  return value ? value->value_nick : NULL;
}


/* The automatic mask.  */

/* A plane of smp:scalp-map, band by band, rounded to the 8-bit grid, into
 * out ("Y'A float") when it is not NULL; returns its largest code.  */
static gint
scalp_plane (GeglNode            *map,
             const GeglRectangle *box,
             GeglBuffer          *out)
{
  gfloat *y  = g_new (gfloat, (gsize) box->width * BAND_ROWS);
  gfloat *ya = g_new (gfloat, (gsize) box->width * BAND_ROWS * 2);
  gint    top = 0, row;

  for (row = box->y; row < box->y + box->height; row += BAND_ROWS)
    {
      GeglRectangle band = { box->x, row, box->width,
                             MIN (BAND_ROWS, box->y + box->height - row) };
      gsize         n    = (gsize) band.width * band.height, i;

      /* The op's own format: no conversion on the way.  */
      gegl_node_blit (map, 1.0, &band, babl_format ("Y' float"), y,
                      GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
      for (i = 0; i < n; i++)
        {
          gfloat v    = isfinite (y[i]) ? CLAMP (y[i], 0.0f, 1.0f) : 0.0f;
          gint   code = (gint) floor (v * 255.0 + 0.5);

          top = MAX (top, code);
          /* As smp_image_load reads the code back from a grey PNG.  */
          ya[2 * i]     = (gfloat) (code / 255.0);
          ya[2 * i + 1] = 1.0f;
        }
      if (out)
        gegl_buffer_set (out, &band, 0, babl_format ("Y'A float"), ya,
                         GEGL_AUTO_ROWSTRIDE);
    }
  g_free (y);
  g_free (ya);
  return top;
}

GeglBuffer *
smp_auto_mask (GeglBuffer   *photo,
               gdouble       px_per_mm,
               SmpAutoFound *found)
{
  const GeglRectangle box   = *gegl_buffer_get_extent (photo);
  GeglNode           *graph = gegl_node_new ();
  GeglNode           *src   = gegl_node_new_child (graph, "operation",
                                                   "gegl:buffer-source",
                                                   "buffer", photo, NULL);
  GeglNode           *map   = gegl_node_new_child (graph, "operation",
                                                   "smp:scalp-map",
                                                   "px-per-mm", px_per_mm,
                                                   NULL);
  GeglBuffer         *mask  = gegl_buffer_new (&box,
                                               babl_format ("Y'A float"));

  /* Each band is asked for once.  */
  gegl_node_set (map, "dont-cache", TRUE, NULL);
  smp_node_set_enum (map, "output", "treat");
  gegl_node_link (src, map);
  *found = SMP_AUTO_TREAT;
  if (scalp_plane (map, &box, mask) == 0)
    {
      /* Nothing to treat: a head without bald scalp, or no head.  */
      smp_node_set_enum (map, "output", "head");
      *found = scalp_plane (map, &box, NULL) > 0 ? SMP_AUTO_NOTHING
                                                 : SMP_AUTO_NO_HEAD;
    }
  g_object_unref (graph);
  return mask;
}

gboolean
smp_mask_write (GeglBuffer   *mask,
                const gchar  *path,
                gint          run,
                GError      **error)
{
  const GeglRectangle box  = *gegl_buffer_get_extent (mask);
  SmpPng             *png  = smp_png_open (path, run, box.width, box.height,
                                           1, error);
  gfloat             *ya   = g_new (gfloat, (gsize) box.width * BAND_ROWS * 2);
  guchar             *grey = g_new (guchar, (gsize) box.width * BAND_ROWS);
  gboolean            ok   = png != NULL;
  gint                row;

  for (row = box.y; ok && row < box.y + box.height; row += BAND_ROWS)
    {
      GeglRectangle band = { box.x, row, box.width,
                             MIN (BAND_ROWS, box.y + box.height - row) };
      gsize         n    = (gsize) band.width * band.height, i;

      gegl_buffer_get (mask, &band, 1.0, babl_format ("Y'A float"), ya,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      for (i = 0; i < n; i++)
        grey[i] = (guchar) floor (CLAMP (ya[2 * i], 0.0f, 1.0f) * 255.0 + 0.5);
      ok = smp_png_rows (png, grey, band.height, error);
    }
  if (png)
    ok = smp_png_finish (png, ok, ok ? error : NULL) && ok;
  g_free (ya);
  g_free (grey);
  return ok;
}
