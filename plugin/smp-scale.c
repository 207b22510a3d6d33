/* smp-scale.c: a photo's scale (px per mm of scalp): remembered with the
 * image once measured or typed, taken from the file's resolution only
 * when that was really stated, otherwise not known.
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

#include <libgimp/gimp.h>

#include "smp-plugin.h"

/* The last scale used, shared by every op (gimp_set_data).  */
#define LAST_SCALE "smp-px-per-mm"

/* The resolution GIMP gives an image whose file states none: that of a
 * new image (the default template's, 72 or 300 ppi as configured).  */
static gdouble
gimp_default_ppi (void)
{
  gint32  image = gimp_image_new (1, 1, GIMP_RGB);
  gdouble x = 0.0, y = 0.0;

  gimp_image_get_resolution (image, &x, &y);
  gimp_image_delete (image);
  return x;
}

static gboolean
last_scale (gdouble *px_per_mm)
{
  if (gimp_get_data_size (LAST_SCALE) != sizeof (gdouble))
    return FALSE;
  gimp_get_data (LAST_SCALE, px_per_mm);
  return isfinite (*px_per_mm) && *px_per_mm > 0.0;
}

void
smp_scale_of_image (gint32    image,
                    gdouble   fallback,
                    SmpScale *scale)
{
  GimpParasite *parasite = gimp_image_get_parasite (image, SMP_SCALE_PARASITE);
  gdouble       xres = 0.0, yres = 0.0, def;
  gboolean      last;
  gchar        *why;

  memset (scale, 0, sizeof *scale);
  if (parasite)
    {
      gchar *text = g_strndup (gimp_parasite_data (parasite),
                               gimp_parasite_data_size (parasite));
      gchar *end;

      scale->px_per_mm = g_ascii_strtod (text, &end);
      gimp_parasite_free (parasite);
      if (end != text && isfinite (scale->px_per_mm) && scale->px_per_mm > 0.0)
        {
          scale->source = SMP_SCALE_REMEMBERED;
          scale->how    = g_strdup (g_strstrip (end));
          g_free (text);
          return;
        }
      g_free (text);
    }

  gimp_image_get_resolution (image, &xres, &yres);
  def = gimp_default_ppi ();
  /* A print resolution is no measurement of a scalp: only one that is no
   * camera's or program's default (72, 300, GIMP's own) was set by
   * someone for this photo.  */
  if (fabs (xres - def) > 0.01 && fabs (xres - 72.0) > 0.01 &&
      fabs (xres - 300.0) > 0.01 && fabs (xres - yres) < 0.01 * xres)
    {
      scale->px_per_mm = xres / 25.4;
      scale->source    = SMP_SCALE_RESOLUTION;
      scale->how       = g_strdup_printf ("from the resolution the file "
                                          "states, %.1f ppi", xres);
      return;
    }

  last = last_scale (&scale->px_per_mm);
  if (! last)
    scale->px_per_mm = fallback;
  scale->source = SMP_SCALE_UNKNOWN;
  if (fabs (xres - def) <= 0.01)
    why = g_strdup ("the file states none");
  else if (fabs (xres - 72.0) <= 0.01 || fabs (xres - 300.0) <= 0.01)
    why = g_strdup_printf ("its %.0f ppi is a default, not a measurement",
                           xres);
  else
    why = g_strdup_printf ("its resolution, %.1f x %.1f ppi, is not square",
                           xres, yres);
  scale->how = g_strdup_printf ("%s; shown, %s", why,
                                last ? "the last scale used"
                                     : "the op's default");
  g_free (why);
}

void
smp_scale_clear (SmpScale *scale)
{
  g_clear_pointer (&scale->how, g_free);
}

void
smp_scale_remember (gint32          image,
                    const SmpScale *scale)
{
  gimp_set_data (LAST_SCALE, &scale->px_per_mm, sizeof scale->px_per_mm);
  if (scale->source == SMP_SCALE_MEASURED || scale->source == SMP_SCALE_TYPED)
    {
      gchar         num[G_ASCII_DTOSTR_BUF_SIZE];
      gchar        *text = g_strdup_printf ("%s %s",
                                            g_ascii_formatd (num, sizeof num,
                                                             "%.6g",
                                                             scale->px_per_mm),
                                            scale->how ? scale->how : "");
      GimpParasite *parasite = gimp_parasite_new (SMP_SCALE_PARASITE,
                                                  GIMP_PARASITE_PERSISTENT,
                                                  strlen (text) + 1, text);

      gimp_image_attach_parasite (image, parasite);
      gimp_parasite_free (parasite);
      g_free (text);
    }
}
