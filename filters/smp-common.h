/* smp-common.h: small things every smp: op does the same way.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_COMMON_H
#define SMP_COMMON_H

#include <gegl-plugin.h>
#include <math.h>

/* GObject refuses an out-of-range value with a warning and keeps the old
 * one, so `gegl ... density=1000` would silently render the default.  With
 * lax validation the value is clamped to the spec's range instead, which is
 * what a user who asked for "a lot" means.  */
static inline void
smp_clamp_out_of_range (GObjectClass *klass)
{
  guint        n, i;
  GParamSpec **specs = g_object_class_list_properties (klass, &n);

  for (i = 0; i < n; i++)
    if (G_IS_PARAM_SPEC_DOUBLE (specs[i]) || G_IS_PARAM_SPEC_INT (specs[i]))
      specs[i]->flags |= G_PARAM_LAX_VALIDATION;
  g_free (specs);
}

/* NaN passes GObject's range check (CLAMP keeps it): read a double
 * property through this to get its default instead.  */
static inline gdouble
smp_finite (GeglOperation *operation,
            const gchar   *name,
            gdouble        value)
{
  GParamSpec *pspec;

  if (isfinite (value))
    return value;
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (operation), name);
  return G_PARAM_SPEC_DOUBLE (pspec)->default_value;
}

/* A mask value from Y'A: premultiplied luminance, NaN and out of range
 * made safe.  */
static inline gfloat
smp_mask_value (const gfloat *ya)
{
  gfloat m = ya[0] * ya[1];

  if (! (m > 0.0f))
    return 0.0f;
  return m < 1.0f ? m : 1.0f;
}

/* The photo's extent: a mask never adds to it.  */
static inline GeglRectangle
smp_input_bounding_box (GeglOperation *operation)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");
  GeglRectangle        none = { 0, 0, 0, 0 };

  return in ? *in : none;
}

/* Fills an SmpDotStyle (core/smp-render.h) from the properties of
 * smp-dot-properties.inc and px-per-mm, colours in the input's space.  */
#define SMP_DOT_STYLE(operation, o, style)                                     \
  G_STMT_START {                                                               \
    const Babl *rgb_ = babl_format_with_space ("RGB double",                   \
      gegl_operation_get_source_space ((operation), "input"));                 \
                                                                               \
    (style)->px_per_mm       = smp_finite ((operation), "px-per-mm",           \
                                           (o)->px_per_mm);                    \
    (style)->dot_diameter    = smp_finite ((operation), "dot-diameter",        \
                                           (o)->dot_diameter);                 \
    (style)->size_variation  = smp_finite ((operation), "size-variation",      \
                                           (o)->size_variation);               \
    (style)->shade_variation = smp_finite ((operation), "shade-variation",     \
                                           (o)->shade_variation);              \
    (style)->darkness        = smp_finite ((operation), "darkness",            \
                                           (o)->darkness);                     \
    (style)->depth           = smp_finite ((operation), "depth", (o)->depth);  \
    (style)->elongation      = smp_finite ((operation), "elongation",          \
                                           (o)->elongation);                   \
    (style)->angle           = smp_finite ((operation), "angle", (o)->angle);  \
    (style)->clustering      = smp_finite ((operation), "clustering",          \
                                           (o)->clustering);                   \
    (style)->sessions        = (o)->sessions;                                  \
    gegl_color_get_pixel ((o)->pigment, rgb_, (style)->colour);                \
    gegl_color_get_pixel ((o)->shade_color, rgb_, (style)->colour2);           \
  } G_STMT_END

#endif
