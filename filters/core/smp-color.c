/* smp-color.c: see smp-color.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <math.h>

#include "smp-color.h"

/* D65 white of sRGB.  */
static const double white[3] = { 0.95047, 1.0, 1.08883 };

static double
lab_f (double t)
{
  const double d = 6.0 / 29.0;

  return t > d * d * d ? cbrt (t) : t / (3.0 * d * d) + 4.0 / 29.0;
}

static double
lab_f_inverse (double f)
{
  const double d = 6.0 / 29.0;

  return f > d ? f * f * f : 3.0 * d * d * (f - 4.0 / 29.0);
}

void
smp_rgb_to_lab (const float *rgb,
                float       *lab)
{
  double r = rgb[0], g = rgb[1], b = rgb[2];
  double x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / white[0];
  double y = (0.2126729 * r + 0.7151522 * g + 0.0721750 * b) / white[1];
  double z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / white[2];
  double fx = lab_f (x), fy = lab_f (y), fz = lab_f (z);

  lab[0] = (float) (116.0 * fy - 16.0);
  lab[1] = (float) (500.0 * (fx - fy));
  lab[2] = (float) (200.0 * (fy - fz));
}

float
smp_rgb_to_L (const float *rgb)
{
  double r = rgb[0], g = rgb[1], b = rgb[2];
  double y = (0.2126729 * r + 0.7151522 * g + 0.0721750 * b) / white[1];

  return (float) (116.0 * lab_f (y) - 16.0);
}

void
smp_lab_to_rgb (const float *lab,
                float       *rgb)
{
  double fy = (lab[0] + 16.0) / 116.0;
  double fx = fy + lab[1] / 500.0;
  double fz = fy - lab[2] / 200.0;
  double x  = lab_f_inverse (fx) * white[0];
  double y  = lab_f_inverse (fy) * white[1];
  double z  = lab_f_inverse (fz) * white[2];

  rgb[0] = (float) ( 3.2404542 * x - 1.5371385 * y - 0.4985314 * z);
  rgb[1] = (float) (-0.9692660 * x + 1.8760108 * y + 0.0415560 * z);
  rgb[2] = (float) ( 0.0556434 * x - 0.2040259 * y + 1.0572252 * z);
}

void
smp_lightness (const float *rgb,
               int          stride,
               size_t       n,
               float       *L)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      const float *p = rgb + (size_t) stride * i;
      float        lab[3] = { NAN, 0.0f, 0.0f };

      if (isfinite (p[0]) && isfinite (p[1]) && isfinite (p[2]))
        smp_rgb_to_lab (p, lab);
      L[i] = lab[0];
    }
}
