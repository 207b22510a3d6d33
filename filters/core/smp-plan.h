/* smp-plan.h: the treatment plan a preview stands for: the area treated,
 * how many impressions, how the sessions share them, how long they take.
 *
 * From the mask the ops stipple with and the scale, in plain C, so that
 * the GIMP plug-in (live, for the current selection), smp-preview (beside
 * each sheet, as PHOTO-plan.json) and the tests compute the same figures:
 *
 *   SmpPlanInput in;
 *   SmpPlan      plan;
 *   char         err[256];
 *
 *   smp_plan_input_init (&in);
 *   in.px_per_mm = 3.5;  in.density = 100;  in.sessions = 3;
 *   for each band of the mask read as "Y'A float":
 *     smp_plan_add_mask_ya (&in, band, pixels_in_band);
 *   if (! smp_plan_compute (&in, &plan, err, sizeof err))
 *     tell the user err;
 *   json = smp_plan_json (&plan, "photo.jpg");   (free () it)
 *
 * The numbers (DOMAIN.md: about 14,000 impressions in a session of 2-4
 * hours; 2-4 sessions) are defaults the caller may change; the JSON names
 * them and follows data/plan.schema.json.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_PLAN_H
#define SMP_PLAN_H

#include <stddef.h>

#include "smp-render.h"

/* DOMAIN.md: "about 14,000 impressions in 2-4 hours" a session.  */
#define SMP_PLAN_SESSION_IMPRESSIONS 14000.0
#define SMP_PLAN_SESSION_HOURS_MIN   2.0
#define SMP_PLAN_SESSION_HOURS_MAX   4.0
/* DOMAIN.md: 2-4 sessions; the ops' `sessions` default.  */
#define SMP_PLAN_SESSIONS_DEFAULT    3
/* The ops' px-per-mm range.  */
#define SMP_PLAN_SCALE_MIN           0.5
#define SMP_PLAN_SCALE_MAX           200.0

typedef struct
{
  double px_per_mm;           /* scale of the scalp in the photo; required */
  double mask_sum;            /* sum over the pixels of the mask, 0..1 each
                               * (smp_plan_add_mask_ya adds to it) */
  double density;             /* impressions/cm², finished (the op's) */
  int    sessions;            /* the op's `sessions`, 1..4; 0 = default */
  /* The pace of a session: this many impressions (new and worked over
   * again) take between hours_min and hours_max.  */
  double session_impressions;
  double hours_min, hours_max;
} SmpPlanInput;

typedef struct
{
  double new_impressions;     /* sites first placed in this session */
  double worked;              /* impressions worked: the new ones and every
                               * earlier one again (the plan's strengths) */
  double hours_min, hours_max;
  int    visits;              /* sittings it needs at session_impressions
                               * a sitting */
} SmpPlanSession;

typedef struct
{
  SmpPlanInput   input;
  double         area_cm2;
  double         impressions;   /* density x area: the finished sites */
  int            sessions;
  SmpPlanSession session[SMP_MAX_SESSIONS];
  double         hours_min, hours_max;   /* all sessions */
  int            visits;
} SmpPlan;

/* The defaults: no scale, an empty mask, 100 /cm², DOMAIN's pace.  */
void   smp_plan_input_init  (SmpPlanInput       *in);

/* Adds n pixels of a mask read as Y'A float (2 floats a pixel) the way the
 * ops read it: luminance times alpha, NaN and below 0 as 0, above 1 as 1.  */
void   smp_plan_add_mask_ya (SmpPlanInput       *in,
                             const float        *ya,
                             size_t              n);

/* The plan; 0 with a sentence naming the problem in err (a missing or
 * absurd scale, an empty mask, a density or pace out of range), and plan
 * untouched.  */
int    smp_plan_compute     (const SmpPlanInput *in,
                             SmpPlan            *plan,
                             char               *err,
                             size_t              err_size);

/* The plan as JSON (data/plan.schema.json), numbers written the same in
 * every locale; photo (may be NULL) is the file it is for.  NULL when
 * memory ran out; free () it.  */
char  *smp_plan_json        (const SmpPlan      *plan,
                             const char         *photo);

#endif
