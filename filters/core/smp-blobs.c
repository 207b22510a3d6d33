/* smp-blobs.c: see smp-blobs.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <stdlib.h>

#include "smp-blobs.h"

size_t
smp_blobs (const unsigned char *on,
           int                  width,
           int                  height,
           double             **centroids)
{
  size_t         n     = (size_t) width * height, count = 0, cap = 256, i;
  unsigned char *seen  = calloc (n ? n : 1, 1);
  int           *stack = malloc (sizeof (int) * (n ? n : 1));
  double        *cen   = centroids ? malloc (sizeof (double) * 2 * cap) : NULL;

  if (! seen || ! stack || (centroids && ! cen))
    goto oom;
  for (i = 0; i < n; i++)
    {
      int    top = 0;
      double sx = 0, sy = 0, sn = 0;

      if (seen[i] || ! on[i])
        continue;
      seen[i] = 1;
      stack[top++] = (int) i;
      while (top)
        {
          int p = stack[--top], px = p % width, py = p / width, dx, dy;

          sx += px + 0.5;
          sy += py + 0.5;
          sn += 1.0;
          for (dy = -1; dy <= 1; dy++)
            for (dx = -1; dx <= 1; dx++)
              {
                int qx = px + dx, qy = py + dy, q = qy * width + qx;

                if (qx >= 0 && qy >= 0 && qx < width && qy < height &&
                    ! seen[q] && on[q])
                  {
                    seen[q] = 1;
                    stack[top++] = q;
                  }
              }
        }
      if (cen)
        {
          if (count >= cap)
            {
              double *grown = realloc (cen, sizeof (double) * 4 * cap);

              if (! grown)
                goto oom;
              cen  = grown;
              cap *= 2;
            }
          cen[2 * count]     = sx / sn;
          cen[2 * count + 1] = sy / sn;
        }
      count++;
    }
  free (seen);
  free (stack);
  if (centroids)
    *centroids = cen;
  return count;

oom:
  free (seen);
  free (stack);
  free (cen);
  return (size_t) -1;
}
