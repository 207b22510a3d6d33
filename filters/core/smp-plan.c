/* smp-plan.c: the treatment plan; see smp-plan.h.
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

#include "smp-plan.h"

/* The ops' density range (impressions/cm²).  */
#define DENSITY_MAX 250.0

void
smp_plan_input_init (SmpPlanInput *in)
{
  memset (in, 0, sizeof *in);
  in->density             = 100.0;
  in->sessions            = 0;
  in->session_impressions = SMP_PLAN_SESSION_IMPRESSIONS;
  in->hours_min           = SMP_PLAN_SESSION_HOURS_MIN;
  in->hours_max           = SMP_PLAN_SESSION_HOURS_MAX;
}

void
smp_plan_add_mask_ya (SmpPlanInput *in,
                      const float  *ya,
                      size_t        n)
{
  double sum = 0.0;
  size_t i;

  for (i = 0; i < n; i++)
    {
      float m = ya[2 * i] * ya[2 * i + 1];

      if (m > 0.0f)
        sum += m < 1.0f ? m : 1.0f;
    }
  in->mask_sum += sum;
}

static int
fail (char       *err,
      size_t      size,
      const char *format,
      ...)
{
  va_list ap;

  if (err && size > 0)
    {
      va_start (ap, format);
      vsnprintf (err, size, format, ap);
      va_end (ap);
    }
  return 0;
}

int
smp_plan_compute (const SmpPlanInput *in,
                  SmpPlan            *plan,
                  char               *err,
                  size_t              err_size)
{
  SmpPlan p;
  double  ppm = in->px_per_mm, prev = 0.0;
  int     k;

  if (! isfinite (ppm) || ppm <= 0.0)
    return fail (err, err_size, "No scale: the plan needs px-per-mm (pixels "
                 "per millimetre of scalp in the photo, about 3-4 for a "
                 "whole head 640 px wide) to measure the treated area");
  if (ppm < SMP_PLAN_SCALE_MIN || ppm > SMP_PLAN_SCALE_MAX)
    return fail (err, err_size, "Scale %g px/mm is outside %g-%g px/mm: "
                 "the treated area cannot be measured with it", ppm,
                 SMP_PLAN_SCALE_MIN, SMP_PLAN_SCALE_MAX);
  if (! isfinite (in->mask_sum) || in->mask_sum < 0.0)
    return fail (err, err_size, "The mask could not be read (its sum is "
                 "not a number)");
  if (in->mask_sum <= 0.0)
    return fail (err, err_size, "The mask is empty: no pixel is to be "
                 "treated, so there is nothing to plan");
  if (! isfinite (in->density) || in->density <= 0.0 ||
      in->density > DENSITY_MAX)
    return fail (err, err_size, "Density %g impressions/cm² is outside "
                 "0-%g (0: no dots, nothing to plan)", in->density,
                 DENSITY_MAX);
  if (in->sessions < 0 || in->sessions > SMP_MAX_SESSIONS)
    return fail (err, err_size, "Sessions %d is outside 1-%d (0: the "
                 "default, %d)", in->sessions, SMP_MAX_SESSIONS,
                 SMP_PLAN_SESSIONS_DEFAULT);
  if (! isfinite (in->session_impressions) || in->session_impressions <= 0.0 ||
      ! isfinite (in->hours_min) || ! isfinite (in->hours_max) ||
      in->hours_min <= 0.0 || in->hours_max < in->hours_min)
    return fail (err, err_size, "The pace of a session (%g impressions in "
                 "%g-%g hours) is not a pace", in->session_impressions,
                 in->hours_min, in->hours_max);

  memset (&p, 0, sizeof p);
  p.input       = *in;
  p.area_cm2    = in->mask_sum / (ppm * ppm) / 100.0;
  p.impressions = in->density * p.area_cm2;
  p.sessions    = in->sessions > 0 ? in->sessions : SMP_PLAN_SESSIONS_DEFAULT;
  /* The sessions share the sites as the renderer lays them
   * (smp_session_fraction); each works the new ones and, again, every
   * earlier one (the plan's strengths: the earliest dots are the most
   * worked).  */
  for (k = 0; k < p.sessions; k++)
    {
      SmpPlanSession *s   = &p.session[k];
      double          now = smp_session_fraction (p.sessions, k + 1);

      s->new_impressions = p.impressions * (now - prev);
      s->worked          = p.impressions * now;
      s->hours_min       = s->worked / in->session_impressions * in->hours_min;
      s->hours_max       = s->worked / in->session_impressions * in->hours_max;
      s->visits          = (int) fmax (1.0, ceil (s->worked /
                                                  in->session_impressions -
                                                  1e-9));
      p.hours_min += s->hours_min;
      p.hours_max += s->hours_max;
      p.visits    += s->visits;
      prev = now;
    }
  *plan = p;
  return 1;
}

/* A growing string.  */
typedef struct
{
  char  *text;
  size_t length, size;
  int    oom;
} Out;

static void
put (Out        *o,
     const char *s)
{
  size_t n = strlen (s);

  if (o->oom)
    return;
  if (o->length + n + 1 > o->size)
    {
      size_t size = (o->size ? o->size * 2 : 1024) + n;
      char  *text = realloc (o->text, size);

      if (! text)
        {
          o->oom = 1;
          return;
        }
      o->text = text;
      o->size = size;
    }
  memcpy (o->text + o->length, s, n + 1);
  o->length += n;
}

/* A number with `decimals` digits after the point, by integer arithmetic:
 * the same text in every locale (printf's %f writes a comma in some).  */
static void
put_number (Out    *o,
            double  value,
            int     decimals)
{
  char      digits[48], text[64];
  long long scale = 1, v, whole, frac;
  int       i;

  for (i = 0; i < decimals; i++)
    scale *= 10;
  v     = llround (fabs (value) * (double) scale);
  whole = v / scale;
  frac  = v % scale;
  snprintf (digits, sizeof digits, "%lld", whole);
  snprintf (text, sizeof text, "%s%s", value < 0.0 && v > 0 ? "-" : "",
            digits);
  put (o, text);
  if (decimals > 0)
    {
      char f[24];

      snprintf (f, sizeof f, ".%0*lld", decimals, frac);
      put (o, f);
    }
}

static void
put_string (Out        *o,
            const char *s)
{
  char c[8];

  put (o, "\"");
  for (; *s; s++)
    {
      unsigned char u = (unsigned char) *s;

      if (u == '"' || u == '\\')
        {
          c[0] = '\\';
          c[1] = (char) u;
          c[2] = 0;
        }
      else if (u < 0x20)
        snprintf (c, sizeof c, "\\u%04x", u);
      else
        {
          c[0] = (char) u;
          c[1] = 0;
        }
      put (o, c);
    }
  put (o, "\"");
}

static void
put_field (Out        *o,
           const char *indent,
           const char *name,
           double      value,
           int         decimals,
           int         last)
{
  put (o, indent);
  put_string (o, name);
  put (o, ": ");
  put_number (o, value, decimals);
  put (o, last ? "\n" : ",\n");
}

char *
smp_plan_json (const SmpPlan *plan,
               const char    *photo)
{
  const SmpPlanInput *in = &plan->input;
  Out                 o  = { NULL, 0, 0, 0 };
  int                 k;

  put (&o, "{\n  \"format\": \"smp-plan 1\",\n");
  put (&o, "  \"note\": \"A simulation: estimated from the mask, the scale "
       "and published figures (DOMAIN.md), not a clinical prescription\",\n");
  put (&o, "  \"photo\": ");
  if (photo)
    put_string (&o, photo);
  else
    put (&o, "null");
  put (&o, ",\n");
  put_field (&o, "  ", "px_per_mm", in->px_per_mm, 4, 0);
  put_field (&o, "  ", "mask_pixels", in->mask_sum, 2, 0);
  put_field (&o, "  ", "area_cm2", plan->area_cm2, 2, 0);
  put_field (&o, "  ", "density_per_cm2", in->density, 2, 0);
  put_field (&o, "  ", "impressions", plan->impressions, 0, 0);
  put_field (&o, "  ", "sessions", plan->sessions, 0, 0);
  put (&o, "  \"pace\": {\n");
  put_field (&o, "    ", "impressions_per_session", in->session_impressions,
             0, 0);
  put_field (&o, "    ", "hours_min", in->hours_min, 2, 0);
  put_field (&o, "    ", "hours_max", in->hours_max, 2, 1);
  put (&o, "  },\n  \"session_plan\": [\n");
  for (k = 0; k < plan->sessions; k++)
    {
      const SmpPlanSession *s = &plan->session[k];

      put (&o, "    {\n");
      put_field (&o, "      ", "session", k + 1, 0, 0);
      put_field (&o, "      ", "new_impressions", s->new_impressions, 0, 0);
      put_field (&o, "      ", "impressions_worked", s->worked, 0, 0);
      put_field (&o, "      ", "hours_min", s->hours_min, 2, 0);
      put_field (&o, "      ", "hours_max", s->hours_max, 2, 0);
      put_field (&o, "      ", "visits", s->visits, 0, 1);
      put (&o, k + 1 < plan->sessions ? "    },\n" : "    }\n");
    }
  put (&o, "  ],\n");
  put_field (&o, "  ", "hours_min", plan->hours_min, 2, 0);
  put_field (&o, "  ", "hours_max", plan->hours_max, 2, 0);
  put_field (&o, "  ", "visits", plan->visits, 0, 1);
  put (&o, "}\n");
  if (o.oom)
    {
      free (o.text);
      return NULL;
    }
  return o.text;
}
