/* smp-stipple.c: see smp-stipple.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smp-stipple.h"

/* The photo's blur is cut at this many sigmas.  */
#define BLUR_SIGMAS 3.0

static int
blur_margin (const SmpRenderer *renderer)
{
  double b = renderer->style.blur_px;

  return b > 0.0 ? (int) ceil (BLUR_SIGMAS * b) : 0;
}

int
smp_stipple_margin (const SmpRenderer *renderer)
{
  return (int) ceil (renderer->reach_px) + 2 + blur_margin (renderer);
}

double
smp_stipple_reach (const SmpRenderer *renderer)
{
  return renderer->reach_px + blur_margin (renderer);
}

/* The dots over the rectangle, without the blur; mask as smp_stipple's but
 * `margin` wide.  */
static int
stipple_sharp (const SmpRenderer *renderer,
               const SmpDot      *dots,
               size_t             n,
               int                x0,
               int                y0,
               int                width,
               int                height,
               const float       *mask,
               int                margin,
               int                gated,
               float             *field)
{
  const double ppm  = renderer->style.px_per_mm;
  const int    mw   = width + 2 * margin;
  float       *gate = NULL, *scratch;
  size_t       k;
  int          i, j;

  scratch = malloc (sizeof (float) * smp_renderer_scratch_size (renderer));
  if (mask && gated)
    {
      gate = malloc (sizeof (float) * (size_t) width * height);
      if (gate)
        for (j = 0; j < height; j++)
          for (i = 0; i < width; i++)
            gate[(size_t) j * width + i] =
              mask[(size_t) (j + margin) * mw + i + margin];
    }
  if (! scratch || (mask && gated && ! gate))
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

/* A separable Gaussian of sigma s over a w x h field of 3 floats a pixel,
 * in place; the kernel is cut at BLUR_SIGMAS and its weights sum to one,
 * and every output pixel used reads only pixels inside the array.  */
static int
blur_field (float  *field,
            int     w,
            int     h,
            double  s,
            int     r)
{
  float  *ker  = malloc (sizeof (float) * (2 * r + 1));
  float  *line = malloc (sizeof (float) * 3 * (size_t) (w > h ? w : h));
  double  sum  = 0.0;
  int     x, y, k, c;

  if (! ker || ! line)
    {
      free (ker);
      free (line);
      return 0;
    }
  for (k = -r; k <= r; k++)
    sum += exp (-0.5 * k * k / (s * s));
  for (k = -r; k <= r; k++)
    ker[k + r] = (float) (exp (-0.5 * k * k / (s * s)) / sum);
  for (y = 0; y < h; y++)
    {
      float *row = field + (size_t) y * w * 3;

      memcpy (line, row, sizeof (float) * 3 * w);
      for (x = r; x < w - r; x++)
        for (c = 0; c < 3; c++)
          {
            float v = 0.0f;

            for (k = -r; k <= r; k++)
              v += ker[k + r] * line[(x + k) * 3 + c];
            row[x * 3 + c] = v;
          }
    }
  for (x = r; x < w - r; x++)
    {
      for (y = 0; y < h; y++)
        for (c = 0; c < 3; c++)
          line[y * 3 + c] = field[((size_t) y * w + x) * 3 + c];
      for (y = r; y < h - r; y++)
        for (c = 0; c < 3; c++)
          {
            float v = 0.0f;

            for (k = -r; k <= r; k++)
              v += ker[k + r] * line[(y + k) * 3 + c];
            field[((size_t) y * w + x) * 3 + c] = v;
          }
    }
  free (ker);
  free (line);
  return 1;
}

/* The even layer under the dots, as thick as the mask says.  */
static void
lay_tone (const SmpRenderer *renderer,
          int                width,
          int                height,
          const float       *mask,
          int                margin,
          float             *field)
{
  const int mw = width + 2 * margin;
  int       i, j;

  if (! (renderer->tone_od[0] > 0.0 || renderer->tone_od[1] > 0.0 ||
         renderer->tone_od[2] > 0.0))
    return;
  for (j = 0; j < height; j++)
    for (i = 0; i < width; i++)
      smp_render_tone (renderer,
                       mask ? mask[(size_t) (j + margin) * mw + i + margin]
                            : 1.0f,
                       field + ((size_t) j * width + i) * 3);
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
  const int margin = smp_stipple_margin (renderer);
  const int b      = blur_margin (renderer);
  const int mw     = width + 2 * margin;
  float    *big;
  int       bw, bh, i, j, c;

  if (width <= 0 || height <= 0)
    return 1;
  if (b == 0)
    {
      if (! stipple_sharp (renderer, dots, n, x0, y0, width, height, mask,
                           margin, 1, field))
        return 0;
      lay_tone (renderer, width, height, mask, margin, field);
      return 1;
    }

  /* Sharp over the rectangle grown by the blur's reach, then blurred: the
   * pixels of the rectangle read only pixels rendered in full.  */
  bw  = width + 2 * b;
  bh  = height + 2 * b;
  big = malloc (sizeof (float) * 3 * (size_t) bw * bh);
  if (! big)
    return 0;
  for (i = 0; i < bw * bh * 3; i++)
    big[i] = 1.0f;
  if (! stipple_sharp (renderer, dots, n, x0 - b, y0 - b, bw, bh, mask,
                       margin - b, 0, big) ||
      ! blur_field (big, bw, bh, renderer->style.blur_px, b))
    {
      free (big);
      return 0;
    }
  /* Where the mask is 0 the field stays as it was, bit for bit.  */
  for (j = 0; j < height; j++)
    for (i = 0; i < width; i++)
      {
        size_t o = (size_t) j * width + i;
        float *p = big + ((size_t) (j + b) * bw + i + b) * 3;

        if (mask && ! (mask[(size_t) (j + margin) * mw + i + margin] > 0.0f))
          continue;
        for (c = 0; c < 3; c++)
          field[o * 3 + c] *= p[c];
      }
  free (big);
  lay_tone (renderer, width, height, mask, margin, field);
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
  const double reach = smp_stipple_reach (renderer);
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
