/* smp:follicles: scalp micropigmentation stippling.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 *
 * This program is distributed in the hope that it will be useful, but
 * WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU Lesser
 * General Public License for more details.
 *
 * Paints thousands of tiny pigment dots onto a photo of a scalp, the way an
 * SMP treatment deposits them: a blue-noise pattern with small clusters,
 * sub-pixel dots rendered by area, pigment seen through skin.  The pattern
 * and the dots are pure functions of absolute position, properties and
 * seed; the pixels come from filters/core, which knows nothing of GEGL.
 */

#include "config.h"
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

enum_start (smp_follicles_output)
  enum_value (SMP_FOLLICLES_OUTPUT_COMPOSITE, "composite", N_("Composite"))
  enum_value (SMP_FOLLICLES_OUTPUT_PIGMENT,   "pigment",   N_("Pigment only"))
enum_end (SmpFolliclesOutput)

property_double (px_per_mm, _("Scale (px/mm)"), 10.0)
    description (_("Pixels per millimetre of scalp in the photo: about 3-4 "
                   "for a whole head 640 px wide, 15-30 for a close "
                   "consultation photo"))
    value_range (0.5, 200.0)
    ui_range    (1.0, 60.0)

property_double (density, _("Density (impressions/cm²)"), 100.0)
    description (_("Pigment impressions per square centimetre in the finished "
                   "result where the mask is white; 0.8-1 mm apart at 100"))
    value_range (0.0, 250.0)
    ui_range    (10.0, 150.0)

/* The dot's look, shared by every op that stipples (same names, same
 * meanings).  */
#include "smp-dot-properties.inc"

property_enum   (output, _("Output"),
                 SmpFolliclesOutput, smp_follicles_output,
                 SMP_FOLLICLES_OUTPUT_COMPOSITE)
    description (_("The stippled photo, or the pigment alone as per-channel "
                   "transmittance (photo x pigment = composite: use it as a "
                   "Multiply layer)"))

#else

#define GEGL_OP_COMPOSER
#define GEGL_OP_NAME     smp_follicles
#define GEGL_OP_C_SOURCE smp-follicles.c

#include "gegl-op.h"
#include <math.h>

#include "smp-common.h"
#include "core/smp-pattern.h"
#include "core/smp-render.h"
#include "core/smp-stipple.h"

static void
setup (GeglOperation *operation,
       SmpPattern    *pattern,
       SmpRenderer   *renderer)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  SmpDotStyle     style;

  SMP_DOT_STYLE (operation, o, &style);
  smp_pattern_init (pattern, smp_finite (operation, "density", o->density),
                    style.clustering, (uint32_t) o->seed);
  smp_renderer_init (renderer, &style);
}

/* Pixels around an output pixel whose aux values matter.  */
static gint
margin_px (GeglOperation *operation)
{
  SmpPattern  pattern;
  SmpRenderer renderer;

  setup (operation, &pattern, &renderer);
  return smp_stipple_margin (&renderer);
}

/* Light is mixed in linear RGBA float; see smp_output_format.  */
static void
prepare (GeglOperation *operation)
{
  const Babl *space = smp_source_space (operation);

  gegl_operation_set_format (operation, "input",
                             babl_format_with_space ("RGBA float", space));
  gegl_operation_set_format (operation, "aux", babl_format ("Y'A float"));
  gegl_operation_set_format (operation, "output",
    smp_output_format (operation, GEGL_PROPERTIES (operation)->output ==
                                  SMP_FOLLICLES_OUTPUT_COMPOSITE));
}

/* The mask is read around the output: a dot near the edge of a region has
 * its centre, and so its mask value, outside it.  */
static GeglRectangle
get_required_for_output (GeglOperation       *operation,
                         const gchar         *input_pad,
                         const GeglRectangle *roi)
{
  if (! strcmp (input_pad, "aux") && ! gegl_rectangle_is_infinite_plane (roi))
    return smp_rect_grow (*roi, margin_px (operation));
  return *roi;
}

static GeglRectangle
get_invalidated_by_change (GeglOperation       *operation,
                           const gchar         *input_pad,
                           const GeglRectangle *roi)
{
  return get_required_for_output (operation, input_pad, roi);
}


typedef struct
{
  GeglOperation *operation;
  GeglBuffer    *input, *output;
  SmpPattern     pattern;
  SmpRenderer    renderer;
} Job;

/* One strip: the photo (or nothing) times the pigment field.  */
static gboolean
composite_strip (const GeglRectangle *strip,
                 gfloat              *pix,
                 const gfloat        *field,
                 const gfloat        *mask,
                 gint                 margin,
                 gpointer             data)
{
  Job        *job  = data;
  const Babl *rgba = gegl_operation_get_format (job->operation, "input");
  gsize       np   = (gsize) strip->width * strip->height, i;

  if (GEGL_PROPERTIES (job->operation)->output == SMP_FOLLICLES_OUTPUT_PIGMENT)
    for (i = 0; i < np; i++)
      {
        pix[i * 4 + 0] = field[i * 3 + 0];
        pix[i * 4 + 1] = field[i * 3 + 1];
        pix[i * 4 + 2] = field[i * 3 + 2];
        pix[i * 4 + 3] = 1.0f;
      }
  else
    {
      gegl_buffer_get (job->input, strip, 1.0, rgba, pix,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      for (i = 0; i < np; i++)
        {
          pix[i * 4 + 0] *= field[i * 3 + 0];
          pix[i * 4 + 1] *= field[i * 3 + 1];
          pix[i * 4 + 2] *= field[i * 3 + 2];
        }
    }
  gegl_buffer_set (job->output, strip, 0, rgba, pix, GEGL_AUTO_ROWSTRIDE);
  return TRUE;
}

static gboolean
process (GeglOperation       *operation,
         GeglBuffer          *input,
         GeglBuffer          *aux,
         GeglBuffer          *output,
         const GeglRectangle *result,
         gint                 level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  Job             job = { operation, input, output };

  if (! input && o->output == SMP_FOLLICLES_OUTPUT_COMPOSITE)
    return TRUE;

  setup (operation, &job.pattern, &job.renderer);

  /* A mask that is connected but has no pixels here (an empty one) is a
   * black mask, not a missing one.  */
  if (! aux && gegl_operation_get_source_node (operation, "aux"))
    job.pattern.cell = 0.0;

  /* Nothing to draw: the photo as it is, bit for bit.  */
  if (job.pattern.cell <= 0.0 && o->output == SMP_FOLLICLES_OUTPUT_COMPOSITE)
    {
      gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);
      return TRUE;
    }
  return smp_stipple_regions (result, &job.pattern, &job.renderer, aux,
                              composite_strip, &job);
}

/* Run and hashed by GEGL's gegl-tester and by tests/test-follicles.c: a
 * skin tone under a left-to-right density ramp, elongated dots.  */
static const gchar *reference_composition =
  "<?xml version='1.0' encoding='UTF-8'?>"
  "<gegl>"
  "  <node operation='gegl:crop' width='200' height='200'/>"
  "  <node operation='smp:follicles' px-per-mm='12' seed='3'"
  "        elongation='1.6'>"
  "    <node operation='gegl:linear-gradient' start-x='0' start-y='0'"
  "          end-x='200' end-y='0' start-color='black' end-color='white'/>"
  "  </node>"
  "  <node operation='gegl:color' value='rgb(0.78,0.58,0.48)'/>"
  "</gegl>";

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass         *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationComposerClass *composer_class  =
    GEGL_OPERATION_COMPOSER_CLASS (klass);

  operation_class->prepare                   = prepare;
  operation_class->get_bounding_box          = smp_input_bounding_box;
  operation_class->get_required_for_output   = get_required_for_output;
  operation_class->get_invalidated_by_change = get_invalidated_by_change;
  composer_class->process                    = process;
  smp_clamp_out_of_range (G_OBJECT_CLASS (klass));

  gegl_operation_class_set_keys (operation_class,
    "name",               "smp:follicles",
    "title",              _("SMP Follicles"),
    "categories",         "render:smp",
    "position-dependent", "true",
    "gimp:menu-path",     "<Image>/Filters/SMP",
    "gimp:menu-label",    _("Follicles..."),
    "reference-composition", reference_composition,
    "reference-hash",     "b93593493eea9f7ae826eb8ad2dd9edb",
    "description",
      _("Scalp micropigmentation preview: paints pigment impressions, "
        "thousands of tiny dots that read as the stubble of a closely shaved "
        "head, onto a photo of a scalp. Physical units throughout; the "
        "optional aux input is a density mask (white = full density, black = "
        "untouched)."),
    NULL);
}

#endif
