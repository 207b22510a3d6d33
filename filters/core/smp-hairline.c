/* smp-hairline.c: see smp-hairline.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smp-hairline.h"
#include "smp-hash.h"

/* Coordinates beyond this many pixels are refused by the check: no image
 * GEGL can hold is that large, and the noise keys stay in range.  */
#define MAX_COORD 1.0e6

/* Knot spacings of the noises, in units of the irregularity's scale: the
 * broad undulation, the fine peaks, the envelope that clusters the peaks,
 * the patches of the zone.  */
#define BROAD_SPACING    2.5
#define PEAK_SPACING     0.8
#define CLUSTER_SPACING  4.0
#define PATCH_SPACING    0.6

/* Rendered in square blocks: the segments that can be nearest to a pixel
 * of a block are found once for the block.  */
#define BLOCK 16

/* How far (px) a curve's polyline may stray from it.  */
#define FLATNESS 0.05

/* A piece of a line: origin a, unit direction e, parameter range
 * [tmin, tmax] along e (pixels; infinite for the rays that continue an
 * open line beyond its ends), arc length s0 at a.  n is its normal towards
 * behind, na and nb the normals at its end points (the mean with the
 * neighbour's, so that the side of a point nearest to a corner is right).  */
typedef struct
{
  double ax, ay, ex, ey;
  double tmin, tmax, s0;
  double nx, ny, nax, nay, nbx, nby;
  int    line;
} Piece;

typedef struct
{
  double length;   /* pixels */
  int    closed;
  size_t first, count;   /* its vertices in SmpHairline.vx/vy */
} Line;

struct SmpHairline
{
  SmpHairlineParams p;
  Piece  *open, *closed;
  size_t  n_open, n_closed;
  Line   *lines;
  size_t  n_lines;
  double *vx, *vy;        /* every line's vertices */
  size_t  n_v;
  double  box[4];         /* extent of the closed lines' vertices */
};

typedef struct
{
  double x, y;
} Pt;

/* ---- Parsing ---------------------------------------------------------- */

static void
say (char       *why,
     size_t      size,
     const char *format,
     ...)
{
  va_list ap;

  if (! why || ! size)
    return;
  va_start (ap, format);
  vsnprintf (why, size, format, ap);
  va_end (ap);
}

static int
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

static int
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

static int
n_numbers (char type)
{
  switch (type)
    {
    case 'M': case 'L': case 'm': case 'l':
      return 2;
    case 'C': case 'c':
      return 6;
    case 'z':
      return 0;
    default:
      return -1;
    }
}

/* A number as GeglPath reads it right: '-'? digits ('.' digits)?
 * (e sign? digits)?, or with svg as SVG writes it (also a '+', or no
 * digit before the point: "-.5"); read without the C library's locale (a
 * plug-in may run with a comma as its decimal point).  NULL when there is
 * none.  */
static const char *
parse_number (const char *p,
              double     *value,
              int         svg)
{
  double mant = 0.0;
  int    neg = 0, exp10 = 0;

  if (*p == '-' || (svg && *p == '+'))
    {
      neg = *p == '-';
      p++;
    }
  if (! is_digit (*p) && ! (svg && *p == '.' && is_digit (p[1])))
    return NULL;
  while (is_digit (*p))
    mant = mant * 10.0 + (*p++ - '0');
  if (*p == '.')
    for (p++; is_digit (*p); p++)
      {
        mant = mant * 10.0 + (*p - '0');
        exp10--;
      }
  if ((*p == 'e' || *p == 'E') &&
      (is_digit (p[1]) || ((p[1] == '-' || p[1] == '+') && is_digit (p[2]))))
    {
      int eneg = 0, e = 0;

      p++;
      if (*p == '-' || *p == '+')
        eneg = *p++ == '-';
      while (is_digit (*p))
        {
          if (e < 10000)
            e = e * 10 + (*p - '0');
          p++;
        }
      exp10 += eneg ? -e : e;
    }
  *value = (neg ? -mant : mant) * pow (10.0, exp10);
  return p;
}

int
smp_hairline_parse (const char   *d,
                    SmpPathItem **items,
                    size_t       *n,
                    char         *why,
                    size_t        why_size)
{
  const char  *p = d ? d : "";
  SmpPathItem *list = NULL;
  size_t       count = 0, alloc = 0;
  int          subpath = 0;

  *items = NULL;
  *n = 0;
  while (1)
    {
      SmpPathItem item = { 0 };
      size_t      at;
      int         want, k;

      while (is_space (*p))
        p++;
      if (! *p)
        break;
      at = (size_t) (p - d) + 1;
      if (*p == 'Z')
        {
          say (why, why_size, "'Z' at character %zu: GEGL 0.4.42 ignores an "
               "upper-case Z, write z", at);
          goto fail;
        }
      if (strchr ("HVSQTAhvsqta", *p))
        {
          say (why, why_size, "command '%c' at character %zu: GEGL's paths "
               "read only M, L, C, m, l, c and z", *p, at);
          goto fail;
        }
      want = n_numbers (*p);
      if (want < 0)
        {
          if (is_digit (*p) || *p == '-' || *p == '.' || *p == '+')
            say (why, why_size, "a number at character %zu with no command "
                 "before it: each point needs its own letter (M, L, C)", at);
          else
            say (why, why_size, "character %zu ('%c') is not path data",
                 at, *p);
          goto fail;
        }
      if (! subpath && *p != 'M')
        {
          if (*p == 'm' && count == 0)
            say (why, why_size, "the path starts with a relative m: GEGL "
                 "0.4.42 crashes on that, write M");
          else
            say (why, why_size, "'%c' at character %zu: a path (and every "
                 "part after z) starts with M", *p, at);
          goto fail;
        }
      item.type = *p++;
      for (k = 0; k < want; k++)
        {
          const char *q;

          while (is_space (*p))
            p++;
          at = (size_t) (p - d) + 1;
          if (*p == '.' || *p == '+' || (*p == '-' && p[1] == '.'))
            {
              say (why, why_size, "the number at character %zu starts with "
                   "'%c': GEGL reads it wrong, write it with a leading 0 "
                   "(0.5, -0.5) and no '+'", at, *p == '-' ? '.' : *p);
              goto fail;
            }
          q = parse_number (p, &item.p[k], 0);
          if (! q)
            {
              say (why, why_size, "'%c' needs %d numbers and has %d: GEGL "
                   "0.4.42 would hang on it", item.type, want, k);
              goto fail;
            }
          if (! (fabs (item.p[k]) <= MAX_COORD))
            {
              say (why, why_size, "the number at character %zu is beyond a "
                   "million pixels", at);
              goto fail;
            }
          p = q;
          if (*p && ! is_space (*p) && *p != '-' && ! strchr ("MLCmlczZ", *p)
              && ! strchr ("HVSQTAhvsqta", *p))
            {
              say (why, why_size, "character %zu ('%c') does not belong to "
                   "a number", (size_t) (p - d) + 1, *p);
              goto fail;
            }
        }
      /* More numbers after a command's own: SVG repeats the command,
       * GeglPath skips them with a warning.  */
      while (is_space (*p))
        p++;
      if (is_digit (*p) || *p == '-' || *p == '.')
        {
          say (why, why_size, "'%c' has more than %d numbers (character "
               "%zu): write the letter again before each point", item.type,
               want, (size_t) (p - d) + 1);
          goto fail;
        }
      subpath = item.type != 'z';
      if (count == alloc)
        {
          SmpPathItem *grown;

          alloc = alloc ? 2 * alloc : 16;
          grown = realloc (list, alloc * sizeof (SmpPathItem));
          if (! grown)
            {
              say (why, why_size, "out of memory");
              goto fail;
            }
          list = grown;
        }
      list[count++] = item;
    }
  if (count == 0)
    {
      say (why, why_size, "the path is empty");
      return -1;
    }
  *items = list;
  *n = count;
  return 0;

fail:
  free (list);
  return -1;
}

/* Appends an item to a growing list; -1 when out of memory.  */
static int
append_item (SmpPathItem **list,
             size_t       *count,
             size_t       *alloc,
             char          type,
             const double *p,
             int           n)
{
  int k;

  if (*count == *alloc)
    {
      SmpPathItem *grown;

      *alloc = *alloc ? 2 * *alloc : 16;
      grown = realloc (*list, *alloc * sizeof (SmpPathItem));
      if (! grown)
        return -1;
      *list = grown;
    }
  (*list)[*count].type = type;
  for (k = 0; k < 6; k++)
    (*list)[*count].p[k] = k < n ? p[k] : 0.0;
  (*count)++;
  return 0;
}

char *
smp_hairline_normalize (const char *svg,
                        char       *why,
                        size_t      why_size)
{
  const char  *p = svg ? svg : "";
  SmpPathItem *list = NULL;
  size_t       count = 0, alloc = 0;
  double       cx = 0, cy = 0, sx = 0, sy = 0, rx = 0, ry = 0;
  char         cmd = 0, last = 0;
  char        *d;

  while (1)
    {
      double v[6] = { 0 }, q[6] = { 0 };
      int    want, k, rel;

      while (is_space (*p))
        p++;
      if (! *p)
        break;
      if (strchr ("MLHVCSQTAZmlhvcsqtaz", *p))
        cmd = *p++;
      else if (! cmd || cmd == 'Z' || cmd == 'z' ||
               ! (is_digit (*p) || strchr ("+-.", *p)))
        {
          say (why, why_size, "character %zu ('%c') is not path data",
               (size_t) (p - svg) + 1, *p);
          goto fail;
        }
      /* else: more numbers, the same command again (after M: L).  */
      rel = cmd >= 'a';
      switch (cmd | 0x20)
        {
        case 'a':
          say (why, why_size, "an arc (A) at character %zu: draw the "
               "hairline with lines and curves", (size_t) (p - svg));
          goto fail;
        case 'z':
          if (append_item (&list, &count, &alloc, 'z', v, 0))
            goto oom;
          cx = sx;
          cy = sy;
          last = 'z';
          continue;
        case 'h': case 'v':
          want = 1;
          break;
        case 'm': case 'l': case 't':
          want = 2;
          break;
        case 's': case 'q':
          want = 4;
          break;
        default:
          want = 6;
          break;
        }
      if (! count && (cmd | 0x20) != 'm')
        {
          say (why, why_size, "the path starts with '%c', not M", cmd);
          goto fail;
        }
      for (k = 0; k < want; k++)
        {
          const char *next;

          while (is_space (*p))
            p++;
          next = parse_number (p, &v[k], 1);
          if (! next || ! (fabs (v[k]) <= MAX_COORD))
            {
              say (why, why_size, "'%c' at character %zu needs %d numbers",
                   cmd, (size_t) (p - svg) + 1, want);
              goto fail;
            }
          p = next;
        }
      /* Everything absolute, as M, L and C.  */
      for (k = 0; k < want; k++)
        q[k] = v[k] + (rel ? ((cmd | 0x20) == 'v' || (want > 1 && k & 1)
                              ? cy : cx) : 0.0);
      switch (cmd | 0x20)
        {
        case 'm':
          if (append_item (&list, &count, &alloc, 'M', q, 2))
            goto oom;
          sx = cx = q[0];
          sy = cy = q[1];
          cmd = rel ? 'l' : 'L';
          break;
        case 'l': case 'h': case 'v':
          {
            double to[2] = { (cmd | 0x20) == 'v' ? cx : q[0],
                             (cmd | 0x20) == 'h' ? cy
                             : (cmd | 0x20) == 'v' ? q[0] : q[1] };

            if (append_item (&list, &count, &alloc, 'L', to, 2))
              goto oom;
            cx = to[0];
            cy = to[1];
          }
          break;
        case 'c': case 's':
          {
            double c[6];
            int    smooth = (cmd | 0x20) == 's';

            /* S: the first control point mirrors the previous curve's
             * last one.  */
            c[0] = smooth ? (last == 'c' ? 2 * cx - rx : cx) : q[0];
            c[1] = smooth ? (last == 'c' ? 2 * cy - ry : cy) : q[1];
            memcpy (c + 2, q + (smooth ? 0 : 2), 4 * sizeof (double));
            if (append_item (&list, &count, &alloc, 'C', c, 6))
              goto oom;
            rx = c[2];
            ry = c[3];
            cx = c[4];
            cy = c[5];
          }
          break;
        default: /* q, t: a quadratic is a cubic with its control point
                  * two thirds of the way.  */
          {
            double qx, qy, c[6];
            int    smooth = (cmd | 0x20) == 't';

            qx = smooth ? (last == 'q' ? 2 * cx - rx : cx) : q[0];
            qy = smooth ? (last == 'q' ? 2 * cy - ry : cy) : q[1];
            c[4] = q[smooth ? 0 : 2];
            c[5] = q[smooth ? 1 : 3];
            c[0] = cx + 2.0 / 3.0 * (qx - cx);
            c[1] = cy + 2.0 / 3.0 * (qy - cy);
            c[2] = c[4] + 2.0 / 3.0 * (qx - c[4]);
            c[3] = c[5] + 2.0 / 3.0 * (qy - c[5]);
            if (append_item (&list, &count, &alloc, 'C', c, 6))
              goto oom;
            rx = qx;
            ry = qy;
            cx = c[4];
            cy = c[5];
          }
          break;
        }
      last = (cmd | 0x20) == 's' ? 'c' : (cmd | 0x20) == 't' ? 'q'
             : (cmd | 0x20);
    }
  if (! count)
    {
      say (why, why_size, "the path is empty");
      return NULL;
    }
  d = smp_hairline_to_d (list, count);
  free (list);
  if (! d)
    say (why, why_size, "out of memory");
  return d;

oom:
  say (why, why_size, "out of memory");
fail:
  free (list);
  return NULL;
}

/* ---- Geometry --------------------------------------------------------- */

typedef struct
{
  Pt    *pt;
  size_t n, alloc;
  int    failed;
} PtList;

static void
push (PtList *l,
      double  x,
      double  y)
{
  if (l->failed || ! isfinite (x) || ! isfinite (y))
    return;
  /* Repeated points make no segment.  */
  if (l->n && l->pt[l->n - 1].x == x && l->pt[l->n - 1].y == y)
    return;
  if (l->n == l->alloc)
    {
      Pt *grown;

      l->alloc = l->alloc ? 2 * l->alloc : 64;
      grown = realloc (l->pt, l->alloc * sizeof (Pt));
      if (! grown)
        {
          l->failed = 1;
          return;
        }
      l->pt = grown;
    }
  l->pt[l->n].x = x;
  l->pt[l->n].y = y;
  l->n++;
}

/* A cubic Bezier in as many equal steps as keep the polyline within
 * FLATNESS px of the curve (its second differences bound the error): few
 * segments along a gentle curve keep far pixels cheap.  */
static void
push_curve (PtList *l,
            Pt      p0,
            Pt      p1,
            Pt      p2,
            Pt      p3)
{
  double dd = fmax (hypot (p0.x - 2 * p1.x + p2.x, p0.y - 2 * p1.y + p2.y),
                    hypot (p1.x - 2 * p2.x + p3.x, p1.y - 2 * p2.y + p3.y));
  double n  = ceil (sqrt (6.0 * dd / (8.0 * FLATNESS)));
  int    steps = isfinite (n) ? (int) fmin (4096.0, fmax (1.0, n)) : 0;
  int    i;

  for (i = 1; i <= steps; i++)
    {
      double t = (double) i / steps, u = 1.0 - t;
      double a = u * u * u, b = 3 * u * u * t, c = 3 * u * t * t,
             e = t * t * t;

      push (l, a * p0.x + b * p1.x + c * p2.x + e * p3.x,
               a * p0.y + b * p1.y + c * p2.y + e * p3.y);
    }
}

static void
piece_set (Piece  *pc,
           double  ax,
           double  ay,
           double  bx,
           double  by,
           double  s0,
           int     line)
{
  double len = hypot (bx - ax, by - ay);

  pc->ax = ax;
  pc->ay = ay;
  pc->ex = (bx - ax) / len;
  pc->ey = (by - ay) / len;
  /* Left of the direction of travel as the image is seen (y down).  */
  pc->nx = pc->ey;
  pc->ny = -pc->ex;
  pc->tmin = 0.0;
  pc->tmax = len;
  pc->s0 = s0;
  pc->line = line;
}

static void
mean_normal (const Piece *a,
             const Piece *b,
             double      *nx,
             double      *ny)
{
  double x = a->nx + b->nx, y = a->ny + b->ny, len = hypot (x, y);

  if (len < 1e-9)
    {
      *nx = b->nx;
      *ny = b->ny;
    }
  else
    {
      *nx = x / len;
      *ny = y / len;
    }
}

/* The corner normals of pieces[0 .. n-1], a chain, wrapping when closed.  */
static void
corner_normals (Piece  *pieces,
                size_t  n,
                int     closed)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      pieces[i].nax = pieces[i].nbx = pieces[i].nx;
      pieces[i].nay = pieces[i].nby = pieces[i].ny;
    }
  for (i = 0; i + 1 < n || (closed && i < n); i++)
    {
      Piece *a = &pieces[i], *b = &pieces[(i + 1) % n];
      double nx, ny;

      mean_normal (a, b, &nx, &ny);
      a->nbx = b->nax = nx;
      a->nby = b->nay = ny;
    }
}

/* One finished subpath: its vertices become a line and its pieces.  */
static int
add_line (SmpHairline *h,
          PtList      *pts,
          int          closed)
{
  size_t n = pts->n, i, np, base;
  Line  *line;
  Piece *pieces;
  double s = 0.0;

  if (closed && n > 2 && pts->pt[0].x == pts->pt[n - 1].x &&
      pts->pt[0].y == pts->pt[n - 1].y)
    n--;
  /* A subpath that comes back to its start is closed, even where GEGL
   * dropped the Z that said so.  */
  if (! closed && n > 3 && pts->pt[0].x == pts->pt[n - 1].x &&
      pts->pt[0].y == pts->pt[n - 1].y)
    {
      closed = 1;
      n--;
    }
  if (n < 2 || (closed && n < 3))
    {
      pts->n = 0;
      return 0;
    }

  {
    Line   *grown = realloc (h->lines, (h->n_lines + 1) * sizeof (Line));
    double *gx, *gy;

    if (! grown)
      return -1;
    h->lines = grown;
    gx = realloc (h->vx, (h->n_v + n) * sizeof (double));
    if (! gx)
      return -1;
    h->vx = gx;
    gy = realloc (h->vy, (h->n_v + n) * sizeof (double));
    if (! gy)
      return -1;
    h->vy = gy;
  }
  line = &h->lines[h->n_lines];
  line->closed = closed;
  line->first = h->n_v;
  line->count = n;
  for (i = 0; i < n; i++)
    {
      h->vx[h->n_v + i] = pts->pt[i].x;
      h->vy[h->n_v + i] = pts->pt[i].y;
    }
  h->n_v += n;

  /* An open line: a ray before its start, its segments, a ray after its
   * end.  A closed one: its segments, the last back to the first point.  */
  np = closed ? n : n - 1 + 2;
  {
    Piece **set   = closed ? &h->closed : &h->open;
    size_t *count = closed ? &h->n_closed : &h->n_open;
    Piece  *grown = realloc (*set, (*count + np) * sizeof (Piece));

    if (! grown)
      return -1;
    *set = grown;
    base = *count;
    pieces = grown + base;
    *count += np;
  }
  if (closed)
    for (i = 0; i < n; i++)
      {
        Pt a = pts->pt[i], b = pts->pt[(i + 1) % n];

        piece_set (&pieces[i], a.x, a.y, b.x, b.y, s, (int) h->n_lines);
        s += pieces[i].tmax;
      }
  else
    {
      for (i = 0; i + 1 < n; i++)
        {
          Pt a = pts->pt[i], b = pts->pt[i + 1];

          piece_set (&pieces[i + 1], a.x, a.y, b.x, b.y, s, (int) h->n_lines);
          s += pieces[i + 1].tmax;
        }
      /* The rays go along the chord, from the first point to the last,
       * not along the end tangents: a line whose ends curl back (temples
       * drawn up the sides) still has the whole canvas behind it, and the
       * fade beyond its ends runs across the chord.  Only a line that
       * nearly closes on itself, whose chord says nothing, uses its
       * tangents.  */
      {
        Pt     a = pts->pt[0], b = pts->pt[n - 1];
        double chord = hypot (b.x - a.x, b.y - a.y);

        if (chord >= 0.05 * s)
          {
            piece_set (&pieces[0], a.x, a.y, b.x, b.y, 0.0, (int) h->n_lines);
            pieces[np - 1] = pieces[0];
          }
        else
          {
            pieces[0] = pieces[1];
            pieces[np - 1] = pieces[np - 2];
          }
      }
      pieces[0].ax = pts->pt[0].x;
      pieces[0].ay = pts->pt[0].y;
      pieces[0].tmin = -INFINITY;
      pieces[0].tmax = 0.0;
      pieces[0].s0 = 0.0;
      pieces[np - 1].ax = pts->pt[n - 1].x;
      pieces[np - 1].ay = pts->pt[n - 1].y;
      pieces[np - 1].tmin = 0.0;
      pieces[np - 1].tmax = INFINITY;
      pieces[np - 1].s0 = s;
    }
  corner_normals (pieces, np, closed);
  line->length = s;
  h->n_lines++;
  pts->n = 0;
  return 0;
}

static double
clamp_or (double v,
          double lo,
          double hi,
          double nan)
{
  return isnan (v) ? nan : v < lo ? lo : v > hi ? hi : v;
}

SmpHairline *
smp_hairline_new (const SmpPathItem       *items,
                  size_t                   n,
                  const SmpHairlineParams *params)
{
  SmpHairline *h = calloc (1, sizeof (SmpHairline));
  PtList       pts = { 0 };
  Pt           cur = { 0, 0 }, start = { 0, 0 };
  size_t       i, k;
  int          ok = 1;

  if (! h)
    return NULL;
  /* Absurd parameters are taken as the nearest sane ones, NaN as none.  */
  h->p = *params;
  h->p.px_per_mm    = clamp_or (params->px_per_mm, 1e-3, 1e4, 1.0);
  h->p.transition   = clamp_or (params->transition, 1e-3, 1e4, 1.0);
  h->p.scale        = clamp_or (params->scale, 1e-2, 1e4, 1.0);
  h->p.blend        = clamp_or (params->blend, 0.0, 1e4, 0.0);
  h->p.irregularity = params->irregularity > 0.0
                      ? fmin (1.0, params->irregularity) : 0.0;
  for (i = 0; ok && i < n; i++)
    {
      const SmpPathItem *it = &items[i];
      int                rel = it->type == 'm' || it->type == 'l' ||
                               it->type == 'c';
      Pt                 q[3];

      for (k = 0; k < 3; k++)
        {
          q[k].x = it->p[2 * k] + (rel ? cur.x : 0.0);
          q[k].y = it->p[2 * k + 1] + (rel ? cur.y : 0.0);
        }
      switch (it->type)
        {
        case 'M': case 'm':
          ok = add_line (h, &pts, 0) == 0;
          start = cur = q[0];
          push (&pts, cur.x, cur.y);
          break;
        case 'L': case 'l':
          if (pts.n == 0)
            push (&pts, cur.x, cur.y);
          cur = q[0];
          push (&pts, cur.x, cur.y);
          break;
        case 'C': case 'c':
          if (pts.n == 0)
            push (&pts, cur.x, cur.y);
          push_curve (&pts, cur, q[0], q[1], q[2]);
          cur = q[2];
          break;
        case 'z':
          ok = add_line (h, &pts, 1) == 0;
          cur = start;
          break;
        default:
          break;
        }
      ok = ok && ! pts.failed;
    }
  ok = ok && ! pts.failed && add_line (h, &pts, 0) == 0;
  free (pts.pt);
  if (! ok)
    {
      smp_hairline_free (h);
      return NULL;
    }

  h->box[0] = h->box[1] = INFINITY;
  h->box[2] = h->box[3] = -INFINITY;
  for (i = 0; i < h->n_lines; i++)
    if (h->lines[i].closed)
      for (k = h->lines[i].first; k < h->lines[i].first + h->lines[i].count;
           k++)
        {
          h->box[0] = fmin (h->box[0], h->vx[k]);
          h->box[1] = fmin (h->box[1], h->vy[k]);
          h->box[2] = fmax (h->box[2], h->vx[k]);
          h->box[3] = fmax (h->box[3], h->vy[k]);
        }
  return h;
}

void
smp_hairline_free (SmpHairline *h)
{
  if (! h)
    return;
  free (h->open);
  free (h->closed);
  free (h->lines);
  free (h->vx);
  free (h->vy);
  free (h);
}

void
smp_hairline_reach (const SmpHairlineParams *p,
                    double                  *ahead,
                    double                  *behind)
{
  double irr = fmin (1.0, fmax (0.0, p->irregularity)) * p->scale;

  *ahead  = SMP_HAIRLINE_FRONT_BAND * p->transition +
            irr * (SMP_HAIRLINE_BROAD + SMP_HAIRLINE_PEAKS);
  *behind = p->transition + irr * SMP_HAIRLINE_BROAD;
}

int
smp_hairline_extent (const SmpHairline *h,
                     double             box[4])
{
  double ahead, behind, grow;
  int    k;

  if (h->n_open == 0 && h->n_closed == 0)
    return 0;
  if (h->n_closed == 0)
    return 2;
  /* Only an outline: its isolated impressions reach out of it.  */
  smp_hairline_reach (&h->p, &ahead, &behind);
  grow = (h->n_open ? 0.0 : ahead * h->p.px_per_mm) + 1.0;
  for (k = 0; k < 4; k++)
    box[k] = h->box[k] + (k < 2 ? -grow : grow);
  return 1;
}

/* ---- The mask ----------------------------------------------------------- */

double
smp_hairline_profile (double x)
{
  const double f = SMP_HAIRLINE_FRONT_BAND, a = SMP_HAIRLINE_FRONT_DENSITY;
  double       t;

  if (x <= -f)
    return 0.0;
  if (x < 0.0)
    {
      t = (x + f) / f;
      return a * t * t * (3.0 - 2.0 * t);
    }
  if (x >= 1.0)
    return 1.0;
  return a + (1.0 - a) * x * x * (3.0 - 2.0 * x);
}

static double
smoothstep (double e0,
            double e1,
            double x)
{
  double t = (x - e0) / (e1 - e0);

  t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
  return t * t * (3.0 - 2.0 * t);
}

/* Smooth noise along a line, |value| <= 1: a uniform cubic B-spline
 * through values hashed at integer knots of u, which wrap every `period`
 * knots when period > 0 (a closed outline).  */
static double
noise1 (uint32_t seed,
        int      line,
        uint32_t stream,
        double   u,
        int64_t  period)
{
  double  fl = floor (fmax (-1.0e9, fmin (1.0e9, u))), f = u - fl, v = 0.0;
  double  w[4];
  int64_t k = (int64_t) fl;
  int     i;

  f = fmin (1.0, fmax (0.0, f));
  w[0] = (1.0 - f) * (1.0 - f) * (1.0 - f) / 6.0;
  w[1] = (3.0 * f * f * f - 6.0 * f * f + 4.0) / 6.0;
  w[2] = (-3.0 * f * f * f + 3.0 * f * f + 3.0 * f + 1.0) / 6.0;
  w[3] = f * f * f / 6.0;
  for (i = 0; i < 4; i++)
    {
      int64_t knot = k - 1 + i;

      if (period > 0)
        knot = ((knot % period) + period) % period;
      v += w[i] * (2.0 * smp_hash_uniform (seed, (int32_t) knot, line,
                                           stream) - 1.0);
    }
  return v;
}

/* Smooth noise over the scalp (u, v in knot units), |value| <= 1.  */
static double
noise2 (uint32_t seed,
        uint32_t stream,
        double   u,
        double   v)
{
  double  fu = floor (u), fv = floor (v);
  double  tu = u - fu, tv = v - fv;
  int32_t iu = (int32_t) fu, iv = (int32_t) fv;
  double  a, b, c, d;

  tu = tu * tu * (3.0 - 2.0 * tu);
  tv = tv * tv * (3.0 - 2.0 * tv);
  a = smp_hash_uniform (seed, iu, iv, stream);
  b = smp_hash_uniform (seed, iu + 1, iv, stream);
  c = smp_hash_uniform (seed, iu, iv + 1, stream);
  d = smp_hash_uniform (seed, iu + 1, iv + 1, stream);
  return 2.0 * ((a + (b - a) * tu) * (1.0 - tv) +
                (c + (d - c) * tu) * tv) - 1.0;
}

enum
{
  STREAM_BROAD = 1,
  STREAM_PEAKS,
  STREAM_CLUSTER,
  STREAM_PATCH,
  STREAM_ENDS
};

/* Noise along line `line` at arc length s (mm), knots `spacing` mm apart,
 * wrapping around a closed outline.  */
static double
along (const SmpHairline *h,
       int                line,
       uint32_t           stream,
       double             s,
       double             spacing)
{
  const Line *l = &h->lines[line];
  double      len = l->length / h->p.px_per_mm;

  if (l->closed)
    {
      int64_t knots = (int64_t) fmax (3.0, floor (len / spacing + 0.5));

      return noise1 (h->p.seed, line, stream, s / len * knots, knots);
    }
  return noise1 (h->p.seed, line, stream, s / spacing, 0);
}

/* How far (mm) the edge is moved forward at arc length s of a line: a
 * broad undulation, plus sharp peaks where a finer noise crosses zero,
 * gathered in clusters by a third.  */
static double
edge_shift (const SmpHairline *h,
            int                line,
            double             s)
{
  const double sc = h->p.scale;
  double       broad, ridge, cluster;

  broad   = along (h, line, STREAM_BROAD, s, BROAD_SPACING * sc);
  ridge   = 1.0 - fabs (along (h, line, STREAM_PEAKS, s, PEAK_SPACING * sc));
  ridge   = ridge * ridge;
  cluster = smoothstep (-0.2, 0.4, along (h, line, STREAM_CLUSTER, s,
                                          CLUSTER_SPACING * sc));
  return h->p.irregularity * sc * (SMP_HAIRLINE_BROAD * broad +
                                   SMP_HAIRLINE_PEAKS * cluster * ridge);
}

/* The mask at distance d (mm, positive behind) from a line, at arc length
 * s (mm) along it, at (mx, my) mm on the scalp.  */
static double
edge_mask (const SmpHairline *h,
           double             d,
           int                line,
           double             s,
           double             mx,
           double             my,
           double             ahead,
           double             behind)
{
  const double irr = h->p.irregularity, t = h->p.transition;
  double       x, m, w;

  if (d <= -ahead)
    return 0.0;
  if (d >= behind)
    return 1.0;
  if (irr > 0.0)
    d += edge_shift (h, line, s);
  x = d / t;
  m = smp_hairline_profile (x);
  if (irr > 0.0 && m > 0.0 && x < 1.0)
    {
      /* Patches: the front of the zone thins in clumps and gaps.  */
      w = x <= 0.0 ? 1.0 : (1.0 - x) * (1.0 - x);
      m *= 1.0 + SMP_HAIRLINE_PATCHES * irr * w *
                 noise2 (h->p.seed, STREAM_PATCH,
                         mx / (PATCH_SPACING * h->p.scale),
                         my / (PATCH_SPACING * h->p.scale));
      m = m < 0.0 ? 0.0 : m > 1.0 ? 1.0 : m;
    }
  return m;
}

static double
piece_d2 (const Piece *pc,
          double       px,
          double       py,
          double      *t_out)
{
  double t = (px - pc->ax) * pc->ex + (py - pc->ay) * pc->ey;
  double qx, qy;

  t = t < pc->tmin ? pc->tmin : t > pc->tmax ? pc->tmax : t;
  qx = pc->ax + t * pc->ex;
  qy = pc->ay + t * pc->ey;
  *t_out = t;
  return (px - qx) * (px - qx) + (py - qy) * (py - qy);
}

/* The pieces of set[0 .. n-1] that can be nearest to a point within r of
 * (cx, cy), in their order, into cand; returns how many, and in *near the
 * distance of the nearest one from (cx, cy).  */
static size_t
candidates (const Piece *set,
            size_t       n,
            double       cx,
            double       cy,
            double       r,
            size_t      *cand,
            double      *dist,
            double      *near)
{
  double best = INFINITY, t;
  size_t i, k = 0;

  for (i = 0; i < n; i++)
    {
      dist[i] = sqrt (piece_d2 (&set[i], cx, cy, &t));
      best = fmin (best, dist[i]);
    }
  for (i = 0; i < n; i++)
    if (dist[i] - r <= best + r)
      cand[k++] = i;
  *near = best;
  return k;
}

/* The nearest piece among the candidates: the first of equal ones, so the
 * choice does not depend on which candidates a block kept.  Returns the
 * signed distance (pixels, positive behind) and the arc length there.  */
static double
nearest (const Piece  *set,
         const size_t *cand,
         size_t        n,
         double        px,
         double        py,
         double       *s,
         int          *line)
{
  const Piece *pc = NULL;
  double       best = INFINITY, bt = 0.0, t, d2, nx, ny, side;
  size_t       i;

  for (i = 0; i < n; i++)
    {
      d2 = piece_d2 (&set[cand[i]], px, py, &t);
      if (d2 < best)
        {
          best = d2;
          bt = t;
          pc = &set[cand[i]];
        }
    }
  if (! pc)
    return -INFINITY;
  nx = bt == pc->tmin ? pc->nax : bt == pc->tmax ? pc->nbx : pc->nx;
  ny = bt == pc->tmin ? pc->nay : bt == pc->tmax ? pc->nby : pc->ny;
  side = (px - pc->ax - bt * pc->ex) * nx + (py - pc->ay - bt * pc->ey) * ny;
  *s = pc->s0 + bt;
  *line = pc->line;
  return side < 0.0 ? -sqrt (best) : sqrt (best);
}

/* Non-zero winding of the closed outlines around (px, py).  */
static int
winding (const SmpHairline *h,
         double             px,
         double             py)
{
  int    w = 0;
  size_t i, k;

  for (i = 0; i < h->n_lines; i++)
    {
      const Line *l = &h->lines[i];

      if (! l->closed)
        continue;
      for (k = 0; k < l->count; k++)
        {
          size_t a = l->first + k, b = l->first + (k + 1) % l->count;
          double ax = h->vx[a], ay = h->vy[a], bx = h->vx[b], by = h->vy[b];
          double cross = (bx - ax) * (py - ay) - (px - ax) * (by - ay);

          if (ay <= py)
            {
              if (by > py && cross > 0.0)
                w++;
            }
          else if (by <= py && cross < 0.0)
            w--;
        }
    }
  return w;
}

int
smp_hairline_render (const SmpHairline *h,
                     int                x,
                     int                y,
                     int                width,
                     int                height,
                     int                factor,
                     float             *out)
{
  const double ppm = h->p.px_per_mm, f = factor > 1 ? factor : 1;
  const double r   = BLOCK * f * M_SQRT1_2;
  size_t       most = h->n_open > h->n_closed ? h->n_open : h->n_closed;
  size_t      *co  = malloc ((h->n_open + 1) * sizeof (size_t));
  size_t      *cc  = malloc ((h->n_closed + 1) * sizeof (size_t));
  double      *dist = malloc ((most + 1) * sizeof (double));
  double       ahead, behind;
  int          bx, by;

  if (! co || ! cc || ! dist)
    {
      free (co);
      free (cc);
      free (dist);
      return -1;
    }
  smp_hairline_reach (&h->p, &ahead, &behind);

  for (by = 0; by < height; by += BLOCK)
    for (bx = 0; bx < width; bx += BLOCK)
      {
        double cx = (x + bx + BLOCK / 2.0) * f;
        double cy = (y + by + BLOCK / 2.0) * f;
        size_t no = 0, nc = 0, k;
        double near_o = INFINITY, near_c = INFINITY;
        int    far_c = 1, inside_all = 0, i, j, line, ray = 0;
        double fill = -1.0, s;

        if (h->n_open)
          no = candidates (h->open, h->n_open, cx, cy, r, co, dist, &near_o);
        if (h->n_closed)
          {
            nc = candidates (h->closed, h->n_closed, cx, cy, r, cc, dist,
                             &near_c);
            /* A block that no outline crosses is inside or out as a
             * whole.  */
            far_c = near_c > r;
            if (far_c)
              inside_all = winding (h, cx, cy) != 0;
          }
        for (k = 0; k < no; k++)
          ray |= isinf (h->open[co[k]].tmin) || isinf (h->open[co[k]].tmax);

        /* A block out of the line's reach is all 0 ahead of it; behind
         * it, all 1 where no end is near and no area's edge is.  These
         * are the values the pixels below would get, only sooner.  */
        if (no && near_o - r > fmax (ahead, behind) * ppm)
          {
            if (nearest (h->open, co, no, cx, cy, &s, &line) < 0.0)
              fill = 0.0;
            else if (! ray && (! nc || (far_c && near_c - r >
                                                h->p.blend * ppm)))
              fill = nc && ! inside_all ? 0.0 : 1.0;
          }
        else if (! no && nc && near_c - r > fmax (ahead, behind) * ppm)
          fill = inside_all ? 1.0 : 0.0;
        if (fill >= 0.0)
          {
            for (j = by; j < by + BLOCK && j < height; j++)
              for (i = bx; i < bx + BLOCK && i < width; i++)
                out[(size_t) j * width + i] = (float) fill;
            continue;
          }

        for (j = by; j < by + BLOCK && j < height; j++)
          for (i = bx; i < bx + BLOCK && i < width; i++)
            {
              double px = (x + i + 0.5) * f, py = (y + j + 0.5) * f;
              double m = 0.0, da = 0.0;
              int    inside = inside_all;

              s = 0.0;
              line = 0;

              if (nc)
                {
                  double sa;
                  int    la;

                  if (! far_c)
                    inside = winding (h, px, py) != 0;
                  da = fabs (nearest (h->closed, cc, nc, px, py, &sa, &la))
                       / ppm;
                  da = inside ? da : -da;
                  if (! no)
                    m = edge_mask (h, da, la, sa / ppm, px / ppm, py / ppm,
                                   ahead, behind);
                }
              if (no)
                {
                  double d = nearest (h->open, co, no, px, py, &s, &line)
                             / ppm;
                  double len = h->lines[line].length / ppm, u;

                  s /= ppm;
                  m = edge_mask (h, d, line, s, px / ppm, py / ppm, ahead,
                                 behind);
                  /* Beyond the line's ends: the fade into the hair at the
                   * sides, its edge broken up as the front's is.  */
                  u = fmax (0.0, fmax (-s, s - len));
                  if (m > 0.0 && u > 0.0)
                    {
                      if (h->p.blend <= 0.0)
                        m = 0.0;
                      else
                        {
                          u *= 1.0 + 0.5 * h->p.irregularity *
                                     noise2 (h->p.seed, STREAM_ENDS,
                                             px / ppm / (PATCH_SPACING *
                                                         h->p.scale),
                                             py / ppm / (PATCH_SPACING *
                                                         h->p.scale));
                          m *= 1.0 - smoothstep (0.0, h->p.blend, u);
                        }
                    }
                  if (nc)
                    m *= h->p.blend > 0.0 ? smoothstep (0.0, h->p.blend, da)
                                          : (inside ? 1.0 : 0.0);
                }
              out[(size_t) j * width + i] = (float) m;
            }
      }
  free (co);
  free (cc);
  free (dist);
  return 0;
}

/* ---- Templates and path text -------------------------------------------- */

/* Half of each template, from the side (x < 0) to the centre, in mm; the
 * other half is its mirror image.  */
static const double adult[][2] = {
  { -62, -34 }, { -56, -14 }, { -44, -4 }, { -22, -0.5 }, { 0, 0 }
};
static const double mature[][2] = {
  { -64, -16 }, { -56, -26 }, { -44, -22 }, { -30, -10 }, { -14, -2 },
  { 0, 0 }
};
static const double rounded[][2] = {
  { -60, -44 }, { -55, -24 }, { -45, -10 }, { -28, -2.5 }, { 0, 0 }
};

size_t
smp_hairline_template (int          template_id,
                       double       px_per_mm,
                       double       x,
                       double       y,
                       SmpPathItem *items,
                       size_t       max)
{
  const double (*half)[2];
  size_t       nh, np, i, k = 0;
  Pt           pts[32];

  switch (template_id)
    {
    case SMP_TEMPLATE_ADULT:
      half = adult;
      nh = sizeof adult / sizeof adult[0];
      break;
    case SMP_TEMPLATE_MATURE:
      half = mature;
      nh = sizeof mature / sizeof mature[0];
      break;
    case SMP_TEMPLATE_ROUNDED:
      half = rounded;
      nh = sizeof rounded / sizeof rounded[0];
      break;
    default:
      return 0;
    }
  np = 2 * nh - 1;
  for (i = 0; i < np; i++)
    {
      const double *q = half[i < nh ? i : np - 1 - i];

      pts[i].x = x + (i < nh ? q[0] : -q[0]) * px_per_mm;
      pts[i].y = y + q[1] * px_per_mm;
    }
  /* Through the points, a Catmull-Rom spline written as cubic Beziers.  */
  if (max < np)
    return 0;
  items[k].type = 'M';
  items[k].p[0] = pts[0].x;
  items[k].p[1] = pts[0].y;
  k++;
  for (i = 0; i + 1 < np; i++)
    {
      Pt a = pts[i ? i - 1 : 0], b = pts[i], c = pts[i + 1],
         e = pts[i + 2 < np ? i + 2 : np - 1];

      items[k].type = 'C';
      items[k].p[0] = b.x + (c.x - a.x) / 6.0;
      items[k].p[1] = b.y + (c.y - a.y) / 6.0;
      items[k].p[2] = c.x - (e.x - b.x) / 6.0;
      items[k].p[3] = c.y - (e.y - b.y) / 6.0;
      items[k].p[4] = c.x;
      items[k].p[5] = c.y;
      k++;
    }
  return k;
}

typedef struct
{
  char  *text;
  size_t len, alloc;
  int    failed;
} Text;

static void
put (Text       *t,
     const char *s)
{
  size_t n = strlen (s);

  if (t->failed)
    return;
  if (t->len + n + 1 > t->alloc)
    {
      char *grown;

      t->alloc = (t->len + n + 1) * 2;
      grown = realloc (t->text, t->alloc);
      if (! grown)
        {
          t->failed = 1;
          return;
        }
      t->text = grown;
    }
  memcpy (t->text + t->len, s, n + 1);
  t->len += n;
}

/* A coordinate to 1/1000 px, without the locale's decimal comma.  */
static void
put_number (Text  *t,
            double v)
{
  long long q = llround (fmin (MAX_COORD, fmax (-MAX_COORD, v)) * 1000.0);
  char      buf[48];
  int       n;

  n = snprintf (buf, sizeof buf, " %s%lld.%03lld", q < 0 ? "-" : "",
                llabs (q) / 1000, llabs (q) % 1000);
  while (n > 0 && buf[n - 1] == '0')
    buf[--n] = '\0';
  if (buf[n - 1] == '.')
    buf[--n] = '\0';
  if (! strcmp (buf, " -0"))
    strcpy (buf, " 0");
  put (t, buf);
}

char *
smp_hairline_to_d (const SmpPathItem *items,
                   size_t             n)
{
  Text   t = { 0 };
  Pt     cur = { 0, 0 }, start = { 0, 0 };
  size_t i;
  int    k;

  put (&t, "");
  for (i = 0; i < n; i++)
    {
      const SmpPathItem *it = &items[i];
      int                rel = it->type == 'm' || it->type == 'l' ||
                               it->type == 'c';
      int                count = n_numbers (it->type);
      char               letter[3] = { ' ', 0, 0 };

      if (count < 0)
        continue;
      letter[1] = it->type == 'z' ? 'z' : it->type & ~0x20;
      put (&t, i ? letter : letter + 1);
      for (k = 0; k < count; k++)
        put_number (&t, it->p[k] + (rel ? (k & 1 ? cur.y : cur.x) : 0.0));
      if (it->type == 'z')
        cur = start;
      else if (count)
        {
          cur.x = it->p[count - 2] + (rel ? cur.x : 0.0);
          cur.y = it->p[count - 1] + (rel ? cur.y : 0.0);
          if (it->type == 'M' || it->type == 'm')
            start = cur;
        }
    }
  if (t.failed)
    {
      free (t.text);
      return NULL;
    }
  return t.text;
}

char *
smp_hairline_d_from_stroke (const double *coords,
                            size_t        n_coords,
                            int           closed)
{
  size_t       anchors = n_coords / 6, i, k = 0;
  SmpPathItem *items;
  char        *d;

  if (anchors < 2)
    return NULL;
  items = malloc ((anchors + 2) * sizeof (SmpPathItem));
  if (! items)
    return NULL;
  /* Each anchor: control-in, anchor, control-out.  */
  items[k].type = 'M';
  items[k].p[0] = coords[2];
  items[k].p[1] = coords[3];
  k++;
  for (i = 0; i + 1 < anchors + (closed ? 1 : 0); i++)
    {
      const double *a = coords + 6 * i, *b = coords + 6 * ((i + 1) % anchors);

      items[k].type = 'C';
      items[k].p[0] = a[4];
      items[k].p[1] = a[5];
      items[k].p[2] = b[0];
      items[k].p[3] = b[1];
      items[k].p[4] = b[2];
      items[k].p[5] = b[3];
      k++;
    }
  if (closed)
    items[k++].type = 'z';
  d = smp_hairline_to_d (items, k);
  free (items);
  return d;
}

int
smp_hairline_check (const char *d,
                    int         width,
                    int         height,
                    char       *why,
                    size_t      why_size)
{
  SmpPathItem      *items;
  SmpHairline      *h;
  SmpHairlineParams p = { 1.0, 1.0, 0.0, 1.0, 0.0, 0 };
  size_t            n, i;
  double            x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY,
                    y1 = -INFINITY;
  int               inside = 0;

  if (smp_hairline_parse (d, &items, &n, why, why_size))
    return -1;
  h = smp_hairline_new (items, n, &p);
  free (items);
  if (! h)
    {
      say (why, why_size, "out of memory");
      return -1;
    }
  if (h->n_lines == 0)
    {
      say (why, why_size, "the path has no two distinct points: it draws "
           "no line");
      smp_hairline_free (h);
      return -1;
    }
  for (i = 0; i < h->n_v; i++)
    {
      x0 = fmin (x0, h->vx[i]);
      y0 = fmin (y0, h->vy[i]);
      x1 = fmax (x1, h->vx[i]);
      y1 = fmax (y1, h->vy[i]);
    }
  /* Some segment crosses the image, or some vertex lies in it.  */
  if (width > 0 && height > 0)
    for (i = 0; ! inside && i < h->n_open + h->n_closed; i++)
      {
        const Piece *pc = i < h->n_open ? &h->open[i]
                                        : &h->closed[i - h->n_open];
        double       t0 = 0.0, t1 = pc->tmax, dd[2] = { pc->ex, pc->ey },
                     o[2] = { pc->ax, pc->ay }, lo[2] = { 0, 0 },
                     hi[2] = { width, height };
        int          a;

        if (! isfinite (pc->tmin) || ! isfinite (pc->tmax))
          continue;
        /* Liang-Barsky: the part of the segment within the image.  */
        for (a = 0; a < 2 && t0 <= t1; a++)
          {
            if (fabs (dd[a]) < 1e-12)
              {
                if (o[a] < lo[a] || o[a] > hi[a])
                  t1 = -1.0;
                continue;
              }
            {
              double ta = (lo[a] - o[a]) / dd[a], tb = (hi[a] - o[a]) / dd[a];

              t0 = fmax (t0, fmin (ta, tb));
              t1 = fmin (t1, fmax (ta, tb));
            }
          }
        inside = t0 <= t1;
      }
  smp_hairline_free (h);
  if (width > 0 && height > 0 && ! inside)
    {
      say (why, why_size, "the path lies outside the %d x %d image (it "
           "spans x %.0f to %.0f, y %.0f to %.0f)", width, height, x0, x1,
           y0, y1);
      return -1;
    }
  return 0;
}
