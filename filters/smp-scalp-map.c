/* smp:scalp-map: where the scalp, the hair and the background are.
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
 * Photo in, mask out: the bald or thinning scalp that SMP would cover
 * (treat), the client's hair, the head, or a false-colour picture of all
 * of them to check.  The photo is read once per render into a working grid
 * of about 1.75 cells a millimetre, where filters/core/smp-scalp.c learns
 * this photo's skin, light and background and decides the classes; every
 * output pixel is then sampled from that grid by its absolute position, so
 * the mask is the same whatever part of it is rendered.  A photo where no
 * head is found gives an empty mask (all zero): a tool says so.
 */

#include "config.h"
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

enum_start (smp_scalp_map_output)
  enum_value (SMP_SCALP_MAP_OUTPUT_TREAT,   "treat",   N_("Treatment mask"))
  enum_value (SMP_SCALP_MAP_OUTPUT_HAIR,    "hair",    N_("Hair"))
  enum_value (SMP_SCALP_MAP_OUTPUT_HEAD,    "head",    N_("Head"))
  enum_value (SMP_SCALP_MAP_OUTPUT_CLASSES, "classes", N_("Classes"))
enum_end (SmpScalpMapOutput)

property_double (px_per_mm, _("Scale (px/mm)"), 10.0)
    description (_("Pixels per millimetre of scalp in the photo: about 3-4 "
                   "for a whole head 640 px wide, 15-30 for a close "
                   "consultation photo"))
    value_range (0.5, 200.0)
    ui_range    (1.0, 60.0)

property_double (feather, _("Feather (mm)"), 5.0)
    description (_("Width of the treatment mask's soft edge, inside the "
                   "scalp: 0 at the scalp's border, full this far in"))
    value_range (0.0, 50.0)
    ui_range    (0.0, 20.0)

property_enum   (output, _("Output"),
                 SmpScalpMapOutput, smp_scalp_map_output,
                 SMP_SCALP_MAP_OUTPUT_TREAT)
    description (_("treat: the bald or thinning scalp SMP would cover, "
                   "feathered (white = treat); hair: the client's hair; "
                   "head: hair plus scalp; classes: a false-colour picture "
                   "of the photo (scalp red, hair blue, face, ears and neck "
                   "yellow, the head's outline white) to check the map"))

#else

#define GEGL_OP_FILTER
#define GEGL_OP_NAME     smp_scalp_map
#define GEGL_OP_C_SOURCE smp-scalp-map.c

#include "gegl-op.h"
#include <math.h>

#include "smp-common.h"
#include "core/smp-scalp.h"

/* The map is learnt from the whole photo; an unbounded one (gegl:color)
 * has nothing to learn from.  */
static gboolean
bounded (const GeglRectangle *r)
{
  return r && r->width > 0 && r->height > 0 && ! smp_rect_unbounded (r);
}

static void
prepare (GeglOperation *operation)
{
  GeglProperties *o     = GEGL_PROPERTIES (operation);
  const Babl     *space = smp_source_space (operation);

  gegl_operation_set_format (operation, "input",
                             babl_format_with_space ("RGBA float", space));
  /* A mask is read as it is stored: other ops take their aux as Y', an
   * 8-bit PNG holds Y'; a value of 0.5 is half the density everywhere.  */
  gegl_operation_set_format (operation, "output",
    o->output == SMP_SCALP_MAP_OUTPUT_CLASSES
      ? babl_format_with_space ("R'G'B'A float", space)
      : babl_format ("Y' float"));
  smp_cache_invalidate (&o->user_data, sizeof (SmpScalpMap *));
}

static void
finalize (GObject *object)
{
  GeglProperties *o     = GEGL_PROPERTIES (object);
  SmpCache       *cache = o->user_data;

  if (cache)
    smp_scalp_map_free (*(SmpScalpMap **) cache->data);
  smp_cache_free (&o->user_data);
  G_OBJECT_CLASS (gegl_op_parent_class)->finalize (object);
}

/* Every output pixel depends on the whole photo.  */
static GeglRectangle
get_required_for_output (GeglOperation       *operation,
                         const gchar         *input_pad,
                         const GeglRectangle *roi)
{
  const GeglRectangle *in = gegl_operation_source_get_bounding_box (operation,
                                                                    "input");

  if (bounded (in))
    return *in;
  return *roi;
}

static GeglRectangle
get_invalidated_by_change (GeglOperation       *operation,
                           const gchar         *input_pad,
                           const GeglRectangle *roi)
{
  return smp_invalidate_all (operation, *roi);
}

/* Reads the whole photo, band by band, into the working grid and decides
 * the classes (filters/core/smp-scalp.c).  *data is the SmpScalpMap
 * pointer; NULL when there is no photo to learn from.  */
static void
learn (GeglOperation *operation,
       GeglBuffer    *input,
       GeglBuffer    *aux,
       GeglBuffer    *aux2,
       gpointer       data)
{
  GeglProperties *o   = GEGL_PROPERTIES (operation);
  SmpScalpMap   **out = data;

  smp_scalp_map_free (*out);
  *out = smp_scalp_map_learn (operation, input,
                              smp_finite (operation, "px-per-mm",
                                          o->px_per_mm),
                              smp_finite (operation, "feather", o->feather));
}

/* The false colours: the photo's lightness, dimmed, tinted by class.  */
static void
classes_pixel (const SmpScalpMap *map,
               const gfloat      *rgba,
               gdouble            x,
               gdouble            y,
               gfloat            *out)
{
  static const gfloat tint[4][3] = {
    { 0.95f, 0.12f, 0.10f },    /* treat: red */
    { 0.15f, 0.30f, 0.95f },    /* hair: blue */
    { 0.95f, 0.85f, 0.15f },    /* face, ears, neck: yellow */
    { 1.00f, 1.00f, 1.00f },    /* the head's outline */
  };
  gfloat grey = 0.0f, w[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
  gint   c, k;

  if (isfinite (rgba[0]) && isfinite (rgba[1]) && isfinite (rgba[2]))
    grey = CLAMP (0.2126f * rgba[0] + 0.7152f * rgba[1] +
                  0.0722f * rgba[2], 0.0f, 1.0f);
  /* Perceptual grey, dimmed so that the tints show.  */
  grey = 0.15f + 0.6f * powf (grey, 1.0f / 2.2f);
  if (map)
    {
      gfloat h = smp_scalp_sample (map, SMP_SCALP_HEAD, x, y);

      w[0] = 0.7f * smp_scalp_sample (map, SMP_SCALP_TREAT, x, y);
      w[1] = 0.6f * smp_scalp_sample (map, SMP_SCALP_HAIR, x, y);
      w[2] = 0.5f * smp_scalp_sample (map, SMP_SCALP_BODY, x, y);
      /* A line where the head's plane crosses one half.  */
      w[3] = CLAMP (1.0f - fabsf (h - 0.5f) * 2.5f, 0.0f, 1.0f);
    }
  for (c = 0; c < 3; c++)
    out[c] = grey;
  for (k = 0; k < 4; k++)
    for (c = 0; c < 3; c++)
      out[c] = out[c] * (1.0f - w[k]) + tint[k][c] * w[k];
  out[3] = 1.0f;
}

static gboolean
process (GeglOperation       *operation,
         GeglBuffer          *input,
         GeglBuffer          *output,
         const GeglRectangle *result,
         gint                 level)
{
  GeglProperties      *o   = GEGL_PROPERTIES (operation);
  const GeglRectangle *in  = gegl_operation_source_get_bounding_box (operation,
                                                                     "input");
  const gboolean       classes = o->output == SMP_SCALP_MAP_OUTPUT_CLASSES;
  const Babl          *fmt = gegl_operation_get_format (operation, "output");
  SmpScalpPlane        plane = o->output == SMP_SCALP_MAP_OUTPUT_HAIR
                             ? SMP_SCALP_HAIR
                             : o->output == SMP_SCALP_MAP_OUTPUT_HEAD
                             ? SMP_SCALP_HEAD : SMP_SCALP_TREAT;
  SmpScalpMap         *map = NULL;
  gint                 rows = MIN (SMP_STRIP_ROWS, MAX (1, result->height));
  gint                 y, i, j;
  gfloat              *px, *photo = NULL;

  smp_cache_get (o->user_data, learn, operation, input, NULL, NULL, &map,
                 sizeof map);
  px = g_new (gfloat, (gsize) result->width * rows * (classes ? 4 : 1));
  if (classes)
    photo = g_new (gfloat, (gsize) result->width * rows * 4);

  for (y = result->y; y < result->y + result->height; y += rows)
    {
      GeglRectangle strip = { result->x, y, result->width,
                              MIN (rows, result->y + result->height - y) };

      if (classes)
        gegl_buffer_get (input, &strip, 1.0,
                         gegl_operation_get_format (operation, "input"),
                         photo, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      for (j = 0; j < strip.height; j++)
        for (i = 0; i < strip.width; i++)
          {
            gsize   k  = (gsize) j * strip.width + i;
            /* The pixel's centre, relative to the photo.  */
            gdouble px_x = map ? strip.x + i + 0.5 - in->x : 0.0;
            gdouble px_y = map ? strip.y + j + 0.5 - in->y : 0.0;

            if (classes)
              classes_pixel (map, photo + 4 * k, px_x, px_y, px + 4 * k);
            else
              px[k] = map ? smp_scalp_sample (map, plane, px_x, px_y)
                          : 0.0f;
          }
      gegl_buffer_set (output, &strip, 0, fmt, px, GEGL_AUTO_ROWSTRIDE);
    }
  g_free (px);
  g_free (photo);
  return TRUE;
}

/* Run and hashed by GEGL's gegl-tester and by tests/test-scalp-map.c: a
 * bald head made by GEGL's own render ops, a skin-coloured disc with a
 * dark fringe of hair below it, on a blue-grey wall.  */
static const gchar *reference_composition =
  "<?xml version='1.0' encoding='UTF-8'?>"
  "<gegl>"
  "  <node operation='smp:scalp-map' px-per-mm='1.2' output='treat'/>"
  "  <node operation='gegl:crop' width='200' height='200'/>"
  "  <node operation='gegl:over'>"
  "    <node operation='gegl:crop' x='30' y='25' width='140' height='150'/>"
  "    <node operation='gegl:radial-gradient' start-x='100' start-y='95'"
  "          end-x='175' end-y='95' start-color='rgb(0.62,0.42,0.33)'"
  "          end-color='rgb(0.02,0.015,0.01)'/>"
  "  </node>"
  "  <node operation='gegl:color' value='rgb(0.35,0.4,0.45)'/>"
  "</gegl>";

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass       *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationFilterClass *filter_class    =
    GEGL_OPERATION_FILTER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize           = finalize;
  operation_class->prepare                   = prepare;
  operation_class->get_bounding_box          = smp_input_bounding_box;
  operation_class->get_required_for_output   = get_required_for_output;
  operation_class->get_invalidated_by_change = get_invalidated_by_change;
  filter_class->process                      = process;
  smp_clamp_out_of_range (G_OBJECT_CLASS (klass));

  gegl_operation_class_set_keys (operation_class,
    "name",               "smp:scalp-map",
    "title",              _("SMP Scalp Map"),
    "categories",         "render:smp",
    "position-dependent", "true",
    /* A mask maker, not a filter of the photo: the plug-in does not list
     * it among the filters.  */
    "smp:role",           "mask",
    "reference-composition", reference_composition,
    "reference-hash",     "d080cb19ce568b53d1ad9785414d2ebc",
    "description",
      _("Where the scalp is: a mask of the bald or thinning scalp that scalp "
        "micropigmentation would cover (or of the hair, or of the head), "
        "found in a photo of a head by what this photo's skin, hair, light "
        "and background look like and by the head's shape. An empty mask "
        "means that no head was found."),
    NULL);
}

#endif
