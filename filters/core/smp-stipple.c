/* smp-stipple.c: see smp-stipple.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <math.h>
#include <stdlib.h>

#include "smp-stipple.h"

int
smp_stipple_margin (const SmpRenderer *renderer)
{
  return (int) ceil (renderer->reach_px) + 2;
}

int
smp_stipple_dots (const SmpRenderer *renderer,
                  const SmpDot      *dots,
                  size_t             n,
                  int                x0,
                  int                y0,
                  int                width,
                  int                height,
                  const float       *mask,
                  float             *field)
{
  const double ppm    = renderer->style.px_per_mm;
  const int    margin = smp_stipple_margin (renderer);
  const int    mw     = width + 2 * margin;
  float       *gate   = NULL, *scratch;
  size_t       k;
  int          i, j;

  if (width <= 0 || height <= 0)
    return 1;
  scratch = malloc (sizeof (float) * smp_renderer_scratch_size (renderer));
  if (mask)
    {
      gate = malloc (sizeof (float) * (size_t) width * height);
      if (gate)
        for (j = 0; j < height; j++)
          for (i = 0; i < width; i++)
            gate[(size_t) j * width + i] =
              mask[(size_t) (j + margin) * mw + i + margin];
    }
  if (! scratch || (mask && ! gate))
    {
      free (scratch);
      free (gate);
      return 0;
    }

  /* In the pattern's canonical order, whatever the rectangle; a dot that
   * does not reach the rectangle costs a comparison.  */
  for (k = 0; k < n; k++)
    {
      float threshold = 1.0f;

      if (mask)
        {
          int x = (int) floor (dots[k].x * ppm) - (x0 - margin);
          int y = (int) floor (dots[k].y * ppm) - (y0 - margin);

          threshold = 0.0f;
          if (x >= 0 && y >= 0 && x < mw && y < height + 2 * margin)
            threshold = mask[(size_t) y * mw + x];
        }
      smp_render_dot (renderer, &dots[k], threshold, field, gate, x0, y0,
                      width, height, scratch);
    }
  free (scratch);
  free (gate);
  return 1;
}

int
smp_stipple (const SmpPattern  *pattern,
             const SmpRenderer *renderer,
             int                x0,
             int                y0,
             int                width,
             int                height,
             const float       *mask,
             float             *field)
{
  const double ppm   = renderer->style.px_per_mm;
  const double reach = renderer->reach_px;
  SmpDot      *dots  = NULL;
  size_t       alloc = 0, n;
  int          ok;

  if (pattern->cell <= 0.0 || width <= 0 || height <= 0)
    return 1;
  n = smp_pattern_collect (pattern, (x0 - reach) / ppm, (y0 - reach) / ppm,
                           (x0 + width + reach) / ppm,
                           (y0 + height + reach) / ppm, &dots, &alloc);
  if (n == (size_t) -1)
    return 0;
  ok = smp_stipple_dots (renderer, dots, n, x0, y0, width, height, mask,
                         field);
  free (dots);
  return ok;
}
