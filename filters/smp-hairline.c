/* smp:hairline: the density mask of a designed hairline.
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
 * Renders, from a path (the front edge a designer drew, or a template), the
 * density mask that smp:follicles takes in its aux: 0 ahead of the line, a
 * few isolated impressions just in front of it, a transition zone of rising
 * density broken up like a natural hairline, full density behind.  The
 * geometry is filters/core/smp-hairline.c, which knows nothing of GEGL.
 */

#include "config.h"
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

enum_start (smp_hairline_template)
  enum_value (SMP_HAIRLINE_TEMPLATE_NONE,    "none",    N_("None (the path)"))
  enum_value (SMP_HAIRLINE_TEMPLATE_ADULT,   "adult",
              N_("Straight, soft adult line"))
  enum_value (SMP_HAIRLINE_TEMPLATE_MATURE,  "mature",
              N_("Slightly receded mature line"))
  enum_value (SMP_HAIRLINE_TEMPLATE_ROUNDED, "rounded",
              N_("Rounded temples"))
enum_end (SmpHairlineTemplate)

property_path   (d, _("Hairline"), NULL)
    description (_("The front edge as SVG path data in pixels (M, L, C, z). "
                   "Walking along an open path from its first point, the "
                   "treated scalp lies on the left as the image is seen: a "
                   "line drawn left to right treats what is above it. "
                   "Closed parts (ending in z) are the area treated"))

property_enum   (template, _("Template"),
                 SmpHairlineTemplate, smp_hairline_template,
                 SMP_HAIRLINE_TEMPLATE_NONE)
    description (_("When the path is empty: a hairline to start from, drawn "
                   "left to right, its centre at x, y"))

property_double (x, _("X"), 0.0)
    description (_("Moves the hairline this many pixels to the right (a "
                   "template: where its centre goes)"))
    ui_range    (-2000.0, 2000.0)
    ui_meta     ("unit", "pixel-coordinate")
    ui_meta     ("axis", "x")

property_double (y, _("Y"), 0.0)
    description (_("Moves the hairline this many pixels down (a template: "
                   "where the front-most point of its centre goes)"))
    ui_range    (-2000.0, 2000.0)
    ui_meta     ("unit", "pixel-coordinate")
    ui_meta     ("axis", "y")

property_double (px_per_mm, _("Scale (px/mm)"), 10.0)
    description (_("Pixels per millimetre of scalp in the photo: about 3-4 "
                   "for a whole head 640 px wide, 15-30 for a close "
                   "consultation photo"))
    value_range (0.5, 200.0)
    ui_range    (1.0, 60.0)

property_double (transition, _("Transition (mm)"), 10.0)
    description (_("Width of the zone behind the line over which the density "
                   "rises to full; 5-15 mm for a natural hairline"))
    value_range (0.5, 50.0)
    ui_range    (2.0, 25.0)

property_double (irregularity, _("Irregularity"), 0.5)
    description (_("How much the edge breaks up into the small peaks and "
                   "gaps of a natural hairline, 0 = it follows the path"))
    value_range (0.0, 1.0)

property_double (irregularity_scale, _("Irregularity scale (mm)"), 5.0)
    description (_("Size of the edge's peaks and gaps along the line"))
    value_range (0.5, 30.0)
    ui_range    (1.0, 15.0)

property_double (blend, _("Side blend (mm)"), 15.0)
    description (_("Beyond the ends of the line, and inside the edge of a "
                   "closed area, the density fades out over this distance "
                   "into the hair at the sides"))
    value_range (0.0, 100.0)
    ui_range    (0.0, 40.0)

property_seed   (seed, _("Random seed"), rand)
    description (_("Another seed breaks the edge up differently"))

#else

#define GEGL_OP_SOURCE
#define GEGL_OP_NAME     smp_hairline
#define GEGL_OP_C_SOURCE smp-hairline.c

#include <gegl-plugin.h>

static void path_changed (GeglPath            *path,
                          const GeglRectangle *roi,
                          gpointer             operation);

#include "gegl-op.h"
#include <math.h>

#include "smp-common.h"
#include "core/smp-hairline.h"

G_STATIC_ASSERT ((gint) SMP_HAIRLINE_TEMPLATE_ROUNDED ==
                 (gint) SMP_TEMPLATE_ROUNDED);

/* The path was edited in place: all of the mask may change.  */
static void
path_changed (GeglPath            *path,
              const GeglRectangle *roi,
              gpointer             operation)
{
  GeglRectangle all = gegl_rectangle_infinite_plane ();

  gegl_operation_invalidate (operation, &all, FALSE);
}

typedef struct
{
  GArray *items;
  gdouble dx, dy;
} Collect;

/* GeglPath's items as plain ones, moved by x, y; a kind of item GeglPath
 * was taught by someone else is left out.  */
static void
collect_item (const GeglPathItem *item,
              gpointer            data)
{
  Collect    *c = data;
  SmpPathItem it = { item->type };
  gint        n, k;
  gboolean    rel = g_ascii_islower (item->type);

  switch (item->type)
    {
    case 'M': case 'L': case 'm': case 'l':
      n = 1;
      break;
    case 'C': case 'c':
      n = 3;
      break;
    case 'z':
      n = 0;
      break;
    default:
      return;
    }
  for (k = 0; k < n; k++)
    {
      it.p[2 * k]     = item->point[k].x + (rel ? 0.0 : c->dx);
      it.p[2 * k + 1] = item->point[k].y + (rel ? 0.0 : c->dy);
    }
  g_array_append_val (c->items, it);
}

/* The hairline the properties describe; NULL when out of memory.  */
static SmpHairline *
hairline_new (GeglOperation *operation)
{
  GeglProperties   *o = GEGL_PROPERTIES (operation);
  SmpHairlineParams p;
  SmpHairline      *h;
  Collect           c = { g_array_new (FALSE, FALSE, sizeof (SmpPathItem)),
                          smp_finite (operation, "x", o->x),
                          smp_finite (operation, "y", o->y) };

  p.px_per_mm    = smp_finite (operation, "px-per-mm", o->px_per_mm);
  p.transition   = smp_finite (operation, "transition", o->transition);
  p.irregularity = smp_finite (operation, "irregularity", o->irregularity);
  p.scale        = smp_finite (operation, "irregularity-scale",
                               o->irregularity_scale);
  p.blend        = smp_finite (operation, "blend", o->blend);
  p.seed         = (guint32) o->seed;

  if (o->d && gegl_path_get_n_nodes (o->d) > 0)
    gegl_path_foreach (o->d, collect_item, &c);
  else
    {
      SmpPathItem items[32];
      gsize       n = smp_hairline_template (o->template, p.px_per_mm,
                                             c.dx, c.dy, items,
                                             G_N_ELEMENTS (items));

      g_array_append_vals (c.items, items, n);
    }
  h = smp_hairline_new ((SmpPathItem *) c.items->data, c.items->len, &p);
  g_array_free (c.items, TRUE);
  return h;
}

static void
prepare (GeglOperation *operation)
{
  /* The value is the density as a grey mask holds it, which is what
   * smp:follicles reads (Y'): a linear Y would be re-encoded on the way
   * and 0.5 would become 0.74.  */
  gegl_operation_set_format (operation, "output", babl_format ("Y' float"));
}

/* An open line treats the whole canvas behind it: an infinite plane, as
 * gegl:checkerboard's (crop it; smp:follicles reads it over the photo).
 * Closed outlines bound it; an empty path has no extent.  */
static GeglRectangle
get_bounding_box (GeglOperation *operation)
{
  GeglRectangle box = { 0, 0, 0, 0 };
  SmpHairline  *h   = hairline_new (operation);
  gdouble       b[4];

  if (! h)
    return box;
  switch (smp_hairline_extent (h, b))
    {
    case 2:
      box = gegl_rectangle_infinite_plane ();
      break;
    case 1:
      box.x = (gint) floor (MAX (b[0], -1.0e8));
      box.y = (gint) floor (MAX (b[1], -1.0e8));
      box.width  = (gint) ceil (MIN (b[2], 1.0e8)) - box.x;
      box.height = (gint) ceil (MIN (b[3], 1.0e8)) - box.y;
      break;
    default:
      break;
    }
  smp_hairline_free (h);
  return box;
}

/* Rows of the strips a region is rendered in: bounds the float copy.  */
#define STRIP_ROWS 64

/* At a mipmap level (GIMP's canvas zoomed out) result is in that level's
 * pixels: each is the mask at its centre.  */
static gboolean
process (GeglOperation       *operation,
         GeglBuffer          *output,
         const GeglRectangle *result,
         gint                 level)
{
  SmpHairline *h = hairline_new (operation);
  gfloat      *rows;
  gboolean     ok = h != NULL;
  gint         y;

  if (! ok)
    return FALSE;
  rows = g_new (gfloat, (gsize) result->width * STRIP_ROWS);
  for (y = result->y; ok && y < result->y + result->height; y += STRIP_ROWS)
    {
      GeglRectangle strip = { result->x, y, result->width,
                              MIN (STRIP_ROWS, result->y + result->height - y) };

      ok = smp_hairline_render (h, strip.x, strip.y, strip.width,
                                strip.height, 1 << level, rows) == 0;
      if (ok)
        gegl_buffer_set (output, &strip, level, babl_format ("Y' float"),
                         rows, GEGL_AUTO_ROWSTRIDE);
    }
  g_free (rows);
  smp_hairline_free (h);
  return ok;
}

/* Run and hashed by GEGL's gegl-tester and by tests/test-hairline.c: a
 * curved line across a 200 px square, an irregular edge.  */
static const gchar *reference_composition =
  "<?xml version='1.0' encoding='UTF-8'?>"
  "<gegl>"
  "  <node operation='gegl:crop' width='200' height='200'/>"
  "  <node operation='smp:hairline' d='M 0 150 C 60 110 140 170 200 120'"
  "        px-per-mm='6' transition='12' irregularity='0.8'"
  "        irregularity-scale='4' seed='3'/>"
  "</gegl>";

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass       *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationSourceClass *source_class    =
    GEGL_OPERATION_SOURCE_CLASS (klass);

  operation_class->prepare          = prepare;
  operation_class->get_bounding_box = get_bounding_box;
  source_class->process             = process;
  smp_clamp_out_of_range (G_OBJECT_CLASS (klass));

  /* No gimp:menu-path: GIMP applies filters to a layer; the hairline is a
   * mask that the Follicles dialog makes from the active path.  */
  gegl_operation_class_set_keys (operation_class,
    "name",               "smp:hairline",
    "title",              _("SMP Hairline"),
    "categories",         "render:smp",
    "position-dependent", "true",
    "reference-composition", reference_composition,
    "reference-hash",     "7ca1508145986d5e9e935e53f175bd45",
    "description",
      _("Density mask of a designed hairline for smp:follicles' aux: 0 ahead "
        "of the line, a few isolated impressions just in front of it, a "
        "transition zone of rising density broken up like a natural "
        "hairline, full density behind; from a path or a template, in "
        "physical units."),
    NULL);
}

#endif
