/* smp-render.h: pigment optics and the sub-pixel dot rasterizer.
 *
 * The result of rendering is a pigment field: per pixel and per linear RGB
 * channel, the fraction of light the skin still returns (1 = no pigment).
 * A photo times that field is the tattooed photo.
 *
 * Optics (DOMAIN.md): a dot absorbs as Beer-Lambert, T^c per channel, T the
 * pigment colour and c its concentration; the skin above it scatters short
 * wavelengths back before they reach the pigment (so the dot darkens blue
 * least and looks cool grey-blue, more so the deeper it sits) and spreads
 * it sideways, red farthest, more with depth.
 *
 * Light that enters the skin beside a dot diffuses under it and passes the
 * pigment too, on its way in or out: every dot also casts a faint, wide
 * halo (a Gaussian of a few tenths of a millimetre, red widest), whose mass
 * is `halo` times the dot's own.  At whole-head scale the halos are most of
 * the shadow a treatment casts; at 1:1 they soften the dot into the skin.
 *
 * Rasterizer: each dot's shadow is a smooth elliptical profile whose sum over
 * the pixels it touches is normalized to its exact area times its
 * absorption, so a dot smaller than a pixel darkens that pixel by its area,
 * at every scale, and the mean tone of a pattern does not depend on the
 * resolution.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_RENDER_H
#define SMP_RENDER_H

#include <stddef.h>

#include "smp-pattern.h"

#define SMP_MAX_SESSIONS 4

/* Where on the treatment's timeline the dots are shown (the numbers and
 * their sources are in smp-render.c).  */
typedef enum
{
  SMP_STAGE_HEALED = 0,   /* weeks after the session: the default */
  SMP_STAGE_FRESH,        /* the first days after it: redness, scabs,
                           * larger and darker dots */
  SMP_STAGE_AGED          /* years after: lighter, cooler, softer */
} SmpStage;

/* All zero: the finished treatment, healed.  */
typedef struct
{
  int      after_session;  /* 1..sessions: as after that session (its
                            * dots, as many passes as they had by then);
                            * 0 (or sessions and more): all of them */
  SmpStage stage;
  double   years;          /* aged: years since the session shown, 0..15 */
  int      touch_up;       /* aged, then touched up (one more session into
                            * the same impressions), healed */
} SmpTimeline;

/* The edge profile table: SMP_EDGE_STEPS entries a sigma over
 * [-SMP_EDGE_RANGE, SMP_EDGE_RANGE] sigmas.  */
#define SMP_EDGE_RANGE   6
#define SMP_EDGE_STEPS   32

/* The optical density tables: SMP_OD_STEPS steps over [0, SMP_OD_MAX]; a
 * pigment of transmittance 1e-4 at full concentration has od 9.2.  */
#define SMP_OD_MAX       12.0
#define SMP_OD_STEPS     384

/* What the user sets, physical units.  */
typedef struct
{
  double px_per_mm;
  double dot_diameter;     /* mm, healed */
  double size_variation;   /* 0..1 */
  double colour[3];        /* pigment, linear RGB 0..1 */
  double colour2[3];       /* second shade, linear RGB 0..1 */
  double shade_variation;  /* 0..1: up to half of the dots in colour2 */
  double darkness;         /* 0..1, concentration of a fully worked dot */
  double depth;            /* mm below the surface */
  double elongation;       /* 1..3, length over width */
  double angle;            /* degrees, direction of the length */
  int    sessions;         /* 1..SMP_MAX_SESSIONS */
  double clustering;       /* share of pattern sites with a pair (the
                            * pattern's, kept here with the rest) */
  double halo;             /* the diffuse shadow around a dot: its mass
                            * over the dot's own, 0 = none */
  double tone;             /* an even layer of the pigment between the
                            * dots, as a share of a fully worked dot's
                            * optical density (sessions laid one over
                            * another), 0 = dots only */
  double layer[3];         /* that layer's transmittance where the mask
                            * is white, linear RGB; all 0: derived from
                            * tone (set directly by the look's fit) */
  double blur_px;          /* the photo's own blur, a Gaussian sigma in
                            * pixels: the whole pigment field is seen
                            * through it (smp-stipple.h) */
  SmpTimeline timeline;    /* when the dots are seen; applied by the
                            * renderer to whatever style this is (as set,
                            * or as fitted to the client's hair) */
} SmpDotStyle;

/* Derived once per render.  */
typedef struct
{
  SmpDotStyle style;
  double      log_t[2][3];                 /* log of both pigment colours */
  double      fraction[SMP_MAX_SESSIONS];  /* cumulative share of dots */
  double      strength[SMP_MAX_SESSIONS];  /* concentration per session */
  double      size[SMP_MAX_SESSIONS];      /* dot size factor per session */
  double      reach_px;                    /* farthest pixel a dot touches */
  float       edge_lut[2 * SMP_EDGE_RANGE * SMP_EDGE_STEPS + 1];
  double      od_dark[SMP_OD_STEPS + 1];   /* 1 - exp (-od) */
  double      od_half[SMP_OD_STEPS + 1];   /* t of the shadow's half edge */
  double      tone_od[3];                  /* -log of the even layer's
                                            * transmittance */
  float       tone_full[3];                /* and that transmittance */
  /* The timeline (style.timeline), derived once; at the default (the
   * finished treatment, healed) every factor is exactly 1 or 0, and the
   * dots are those of the plain healed look, bit for bit.  */
  double      keep;                        /* the share of the plan's dots
                                            * placed by the session shown */
  double      depth;                       /* mean depth of the pigment, mm:
                                            * the style's, deeper as it
                                            * migrates */
  double      migrate_px;                  /* sigma of its sideways
                                            * migration, px */
  double      conc_scale;                  /* concentration over healed */
  double      grow_mm;                     /* added to the dot's diameter
                                            * (fresh), mm */
  double      veil_scale;                  /* 0 while the skin above has
                                            * not re-formed (fresh) */
  double      flush_px;                    /* sigma of the redness around
                                            * each dot (fresh), px; 0 none */
  double      flush_mass[3];               /* its mass, px^2 of full
                                            * absorption, per channel */
  double      layer_scale;                 /* the even layer's optical
                                            * density over the finished,
                                            * healed one (an op that lays
                                            * a layer of its own scales it
                                            * by this) */
  double      scab_share;                  /* share of dots under a scab */
  double      log_scab[3];                 /* log of a scab's colour */
} SmpRenderer;

void   smp_renderer_init         (SmpRenderer       *renderer,
                                  const SmpDotStyle *style);

/* The style's timeline set to the finished treatment, healed: what a look
 * is fitted to (the timeline then acts on the fitted dots).  */
void   smp_dot_style_finished    (SmpDotStyle       *style);

/* The session plan every stipple follows: the share (0..1) of the finished
 * treatment's dots placed by sessions 1..k of a plan of `sessions`
 * (1..SMP_MAX_SESSIONS; k clamped to 0..sessions).  */
double smp_session_fraction      (int                sessions,
                                  int                k);

/* Multiplies the 3 floats of a pixel of pigment field by the even layer of
 * the style's tone, laid `amount` (0..1: the mask) thick.  */
void   smp_render_tone           (const SmpRenderer *renderer,
                                  float              amount,
                                  float             *pixel);

/* The darkest an even layer of pigment at the style's depth can make
 * channel c: the skin above returns the rest before any light reaches it.  */
double smp_render_layer_floor    (const SmpDotStyle *style,
                                  int                c);

/* Floats of scratch smp_render_dot needs.  */
size_t smp_renderer_scratch_size (const SmpRenderer *renderer);

/* Multiplies the pigment field `pigment` (3 floats a pixel, width x height
 * pixels whose top left pixel is absolute pixel x0, y0) by the shadow of
 * `dot`, kept since dot->rank < threshold (the mask at its centre).  Where
 * `gate` (1 float a pixel, or NULL) is not above 0 the field is left as is.
 * Pixel (i, j) covers [i, i+1) x [j, j+1) in absolute pixel units, and
 * 0 mm is pixel 0.  */
void   smp_render_dot            (const SmpRenderer *renderer,
                                  const SmpDot      *dot,
                                  float              threshold,
                                  float             *pigment,
                                  const float       *gate,
                                  int                x0,
                                  int                y0,
                                  int                width,
                                  int                height,
                                  float             *scratch);

#endif
