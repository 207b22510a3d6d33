/* smp-panels.c: see smp-panels.h.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "smp-image.h"
#include "smp-panels.h"
#include "smp-plan.h"

/* What an op's aux means here, by op (the ops do not say it themselves):
 * every op takes a mask file; the automatic mask, the bald or thinning
 * scalp, is a density mask or a region, never a scar; a designed hairline
 * is a density mask.  */
typedef struct
{
  const gchar *op;
  gboolean     auto_mask;   /* takes the automatic mask */
  gboolean     hairline;    /* takes PHOTO.hairline.svg */
  gboolean     around;      /* density 0: the stubble's around the mask */
  const gchar *none;        /* its panel without a mask */
  const gchar *needs;       /* what it changes nothing without */
} Role;

static const Role roles[] = {
  { "smp:follicles",      TRUE,  TRUE,  FALSE, "no mask: whole photo", NULL },
  { "smp:density-soften", TRUE,  FALSE, FALSE, "no region: whole photo",
    NULL },
  { "smp:scar-blend",     FALSE, FALSE, TRUE,  "no scar mask: unchanged",
    "a scar mask" },
};
static const Role other_op = { NULL, FALSE, FALSE, FALSE, "no mask", NULL };

static const Role *
role_of (GeglNode *op)
{
  const gchar *name = gegl_node_get_operation (op);
  guint        i;

  for (i = 0; i < G_N_ELEMENTS (roles); i++)
    if (! g_strcmp0 (roles[i].op, name))
      return &roles[i];
  return &other_op;
}

void
smp_panels_clear (SmpPanels *p)
{
  gint i;

  for (i = 0; i < p->n; i++)
    {
      g_free (p->panels[i].caption);
      g_free (p->panels[i].nothing);
    }
  g_free (p->panels);
  if (p->graph)
    g_object_unref (p->graph);
  g_clear_object (&p->image);
  g_clear_object (&p->mask_buffer);
  g_clear_object (&p->reference_buffer);
  g_clear_object (&p->auto_buffer);
  g_free (p->name);
  g_free (p->mask);
  g_free (p->reference);
  g_free (p->hairline);
  g_free (p->hairline_d);
  g_free (p->plan_json);
  if (p->notes)
    g_ptr_array_unref (p->notes);
  memset (p, 0, sizeof *p);
}


/* Reading.  */

/* The scale of one photo, when a PHOTO.px-per-mm file beside it gives it
 * (photos of one batch are seldom all at one scale): 0 when there is none,
 * -1 when it does not hold a decimal number in range.  */
static gdouble
sibling_scale (const gchar *photo,
               gchar      **path_out)
{
  gchar  *path = smp_sibling (photo, SMP_SUFFIX_SCALE);
  gchar  *text = NULL;
  gdouble v    = 0.0;

  if (path && g_file_get_contents (path, &text, NULL, NULL))
    {
      if (! smp_parse_number (g_strstrip (text), &v) ||
          ! (v >= 0.5 && v <= 200.0))
        v = -1.0;
    }
  *path_out = path;
  g_free (text);
  return v;
}

/* A share of coloured pixels above which a mask is a colour image (a
 * photo given by mistake), not a grey mask with some noise.  */
#define MASK_COLOURED 0.02

/* A grey image the size of the photo: the mask, or the reference.  */
static GeglBuffer *
load_mask (const SmpSheetJob   *job,
           const gchar         *path,
           const gchar         *what,
           const gchar         *white,
           const GeglRectangle *box,
           GError             **error)
{
  gchar        *reason;
  gdouble       coloured = 0.0;
  GError       *err = NULL;
  GeglBuffer   *mask;
  GeglRectangle mb;

  mask = smp_image_load (path, SMP_IMAGE_MASK, job->max_pixels, &coloured,
                         &err);
  if (! mask)
    {
      g_set_error (error, err->domain, err->code, "%s %s: %s", what, path,
                   err->message);
      g_error_free (err);
      return NULL;
    }
  mb = *gegl_buffer_get_extent (mask);
  if (! gegl_rectangle_equal (&mb, box))
    reason = g_strdup_printf ("%s %s is %dx%d, the photo %dx%d", what, path,
                              mb.width, mb.height, box->width, box->height);
  /* The ops read any picture as a mask (its grey); a colour photo given
   * as one would silently do next to nothing.  */
  else if (coloured > MASK_COLOURED)
    reason = g_strdup_printf ("%s %s is a colour image (%.0f %% of its pixels "
                              "are coloured), not a mask: a %s is grey, %s",
                              what, path, 100.0 * coloured, what, white);
  else
    return mask;
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s", reason);
  g_free (reason);
  g_object_unref (mask);
  return NULL;
}

/* The photo, its scale, and the files beside it (or given) that go with
 * it: their headers checked, then read.  */
static gboolean
read_photo (const SmpSheetJob *job,
            const gchar       *photo,
            SmpPanels         *p,
            GError           **error)
{
  gchar  *reason = NULL, *scale_file;
  gdouble scale;

  if ((reason = smp_image_check (photo, job->max_pixels, TRUE)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s", reason);
      g_free (reason);
      return FALSE;
    }
  scale = sibling_scale (photo, &scale_file);
  if (scale < 0.0)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                 "%s: not a scale (a decimal number of px/mm, 0.5 to 200)",
                 scale_file);
  g_free (scale_file);
  if (scale < 0.0)
    return FALSE;
  p->ppm = scale > 0.0 ? scale : job->px_per_mm;
  if (job->mask)
    p->mask = g_strdup (job->mask);
  else if (job->mask_mode != SMP_MASK_NONE)
    p->mask = smp_sibling (photo, SMP_SUFFIX_MASK);
  p->reference = smp_sibling (photo, SMP_SUFFIX_REFERENCE);
  p->hairline  = smp_sibling (photo, SMP_SUFFIX_HAIRLINE);
  if (p->mask && (reason = smp_image_check (p->mask, job->max_pixels, TRUE)))
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "mask %s: %s",
                 p->mask, reason);
  else if (p->reference && (reason = smp_image_check (p->reference,
                                                      job->max_pixels, TRUE)))
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "reference %s: %s",
                 p->reference, reason);
  g_free (reason);
  if (reason)
    return FALSE;

  p->image = smp_image_load (photo, SMP_IMAGE_PHOTO, job->max_pixels, NULL,
                             error);
  if (! p->image)
    return FALSE;
  p->box = *gegl_buffer_get_extent (p->image);
  if (p->hairline &&
      ! (p->hairline_d = smp_hairline_read (p->hairline, p->box.width,
                                            p->box.height, error)))
    return FALSE;
  if (p->mask &&
      ! (p->mask_buffer = load_mask (job, p->mask, "mask", "white where the "
                                     "preset works, black where it leaves "
                                     "the photo", &p->box, error)))
    return FALSE;
  if (p->reference &&
      ! (p->reference_buffer = load_mask (job, p->reference, "reference",
                                          "white on the client's own hair "
                                          "that the look is learnt from",
                                          &p->box, error)))
    return FALSE;
  return TRUE;
}


/* Building.  */

/* The photo's automatic mask as a node, made once; NULL when it found
 * nothing to treat.  */
static GeglNode *
auto_mask (SmpPanels *p)
{
  if (! p->auto_buffer)
    {
      p->auto_buffer = smp_auto_mask (p->image, p->ppm, &p->found);
      /* No head is said by the parent, as a failed photo (it names the
       * photo its own way).  */
      if (p->found == SMP_AUTO_NOTHING)
        g_ptr_array_add (p->notes,
                         g_strdup ("the automatic mask found no bald or "
                                   "thinning scalp: nothing treated"));
    }
  if (p->found != SMP_AUTO_TREAT)
    return NULL;
  return gegl_node_new_child (p->graph, "operation", "gegl:buffer-source",
                              "buffer", p->auto_buffer, NULL);
}

/* The photo's designed hairline as the op's density mask: into the
 * preset's own smp:hairline (its transition and irregularity kept), or a
 * new one; the hairline carries its own transition, so nothing spills
 * past it (feather 0).  */
static void
wire_hairline (SmpPanels *p,
               GeglNode  *op,
               GeglNode  *own)
{
  GeglPath *path = gegl_path_new_from_string (p->hairline_d);

  if (own && ! g_strcmp0 (gegl_node_get_operation (own), "smp:hairline"))
    gegl_node_set (own, "d", path, "px-per-mm", p->ppm, NULL);
  else
    {
      GeglNode *line = gegl_node_new_child (p->graph, "operation",
                                            "smp:hairline", "d", path,
                                            "px-per-mm", p->ppm, NULL);

      gegl_node_connect_to (line, "output", op, "aux");
      if (gegl_node_find_property (op, "feather"))
        gegl_node_set (op, "feather", 0.0, NULL);
    }
  g_object_unref (path);
}

/* One preset's panel: its chain on the photo, and what its op is given
 * besides.  */
static gboolean
build_panel (const SmpSheetJob *job,
             SmpPanels         *p,
             SmpPanel          *panel,
             GeglNode          *src,
             GeglNode          *mask,
             GeglNode          *reference,
             GError           **error)
{
  gchar      *extra = job->seed_given
                      ? g_strdup_printf ("px-per-mm=%.17g seed=%u", p->ppm,
                                         job->seed)
                      : g_strdup_printf ("px-per-mm=%.17g", p->ppm);
  const Role *role;
  GeglNode   *op, *own, *made;
  gboolean    has_aux;

  panel->end = smp_preset_build (panel->preset, p->graph, src, extra, error);
  g_free (extra);
  if (! panel->end)
    return FALSE;
  op = panel->op = smp_preset_last_op (panel->end);
  /* A column of --timeline: the stage on the op that stipples (that it
   * has one, check_presets made sure).  */
  if (panel->preset->stage && gegl_node_find_property (op, "stage"))
    {
      smp_node_set_enum (op, "stage", panel->preset->stage);
      gegl_node_set (op, "after-session", panel->preset->after_session,
                     "years", panel->preset->years,
                     "touch-up", panel->preset->touch_up, NULL);
    }
  role    = role_of (op);
  has_aux = gegl_node_has_pad (op, "aux");
  own     = has_aux ? gegl_node_get_producer (op, "aux", NULL) : NULL;
  /* Each band is asked for once: what an op rendered is not kept.  */
  gegl_node_set (op, "dont-cache", TRUE, NULL);

  panel->from = SMP_FROM_NOTHING;
  if (p->hairline_d && role->hairline)
    {
      wire_hairline (p, op, own);
      panel->from = SMP_FROM_HAIRLINE;
    }
  else if (own)
    {
      /* A preset that makes its own mask keeps it, at the photo's
       * scale.  */
      if (gegl_node_find_property (own, "px-per-mm"))
        gegl_node_set (own, "px-per-mm", p->ppm, NULL);
      panel->from = SMP_FROM_OWN;
    }
  else if (has_aux && mask)
    {
      gegl_node_connect_to (mask, "output", op, "aux");
      panel->from = SMP_FROM_FILE;
    }
  else if (has_aux && role->auto_mask && job->mask_mode == SMP_MASK_AUTO)
    {
      if ((made = auto_mask (p)))
        {
          gegl_node_connect_to (made, "output", op, "aux");
          panel->from = SMP_FROM_AUTO;
        }
      else
        {
          /* Nothing to treat: the panel is the photo.  */
          panel->end  = src;
          panel->from = SMP_FROM_UNTREATED;
        }
    }

  /* The client's own hair, marked: the look is learnt from it, unless the
   * preset asks for the look as it sets it.  */
  if (reference && gegl_node_has_pad (op, "aux2") &&
      g_strcmp0 (smp_node_get_enum (op, "match"), "none"))
    {
      smp_node_set_enum (op, "match", "reference");
      gegl_node_connect_to (reference, "output", op, "aux2");
    }
  return TRUE;
}


/* Captions.  */

/* #rrggbb, or NULL for a transparent colour (one the op matches).  GEGL
 * keeps "#rrggbb" as R'G'B'A float: read as double and rounded here, it
 * is the same text on every machine (babl picks its 8-bit code by
 * timing).  */
static gchar *
color_hex (GeglColor *color)
{
  gdouble rgba[4];
  guint   c[3];
  gint    i;

  gegl_color_get_pixel (color, babl_format ("R'G'B'A double"), rgba);
  if (! (rgba[3] > 0.0))
    return NULL;
  for (i = 0; i < 3; i++)
    c[i] = (guint) floor (CLAMP (rgba[i], 0.0, 1.0) * 255.0 + 0.5);
  return g_strdup_printf ("#%02x%02x%02x", c[0], c[1], c[2]);
}

/* " · label value" of a property that says something of a panel's look,
 * when its op has it.  */
static void
add_setting (GString     *s,
             GeglNode    *op,
             const gchar *name,
             const gchar *label,
             const gchar *unit)
{
  GParamSpec *pspec = gegl_node_find_property (op, name);
  GValue      v     = G_VALUE_INIT;

  if (! pspec)
    return;
  g_value_init (&v, pspec->value_type);
  gegl_node_get_property (op, name, &v);
  g_string_append_printf (s, " · %s%s", label, *label ? " " : "");
  if (G_VALUE_HOLDS_DOUBLE (&v))
    g_string_append_printf (s, "%g%s", g_value_get_double (&v), unit);
  else if (G_VALUE_HOLDS_INT (&v))
    g_string_append_printf (s, "%d%s", g_value_get_int (&v), unit);
  else if (G_VALUE_HOLDS_UINT (&v))
    g_string_append_printf (s, "%u%s", g_value_get_uint (&v), unit);
  else if (G_VALUE_HOLDS (&v, GEGL_TYPE_COLOR) && g_value_get_object (&v))
    {
      gchar *hex = color_hex (g_value_get_object (&v));

      g_string_append (s, hex ? hex : "matched");
      g_free (hex);
    }
  g_value_unset (&v);
}

/* What a panel's op learnt from the photo (it has learnt by now), or NULL
 * for an op that learns no look; *learnt when it found hair, *no_hair when
 * the reference held none.  */
static gchar *
look_of (const SmpPanels *p,
         const SmpPanel  *panel,
         gboolean        *learnt,
         gboolean        *no_hair)
{
  const gchar *match = smp_node_get_enum (panel->op, "match");
  gchar       *ref, *where, *n, *look;
  gint         hair = 0;
  gdouble      darkening = 0.0, grain = 0.0, density = 0.0;

  *learnt = *no_hair = FALSE;
  if (! match || ! gegl_node_find_property (panel->op, "learnt-hair"))
    return NULL;
  ref = p->reference ? g_path_get_basename (p->reference) : NULL;
  if (! strcmp (match, "none"))
    look = ref ? g_strdup_printf ("explicit look (match=none: %s not used)",
                                  ref)
               : g_strdup ("explicit look (match=none)");
  else
    {
      gegl_node_get (panel->op, "learnt-hair", &hair, "learnt-darkening",
                     &darkening, "learnt-grain", &grain, NULL);
      /* The density chosen to match, where the op says it.  */
      if (gegl_node_find_property (panel->op, "learnt-density"))
        gegl_node_get (panel->op, "learnt-density", &density, NULL);
      where = ! strcmp (match, "reference") && ref
              ? g_strdup_printf ("in %s", ref) : g_strdup ("around the mask");
      n = smp_thousands (hair);
      if (hair > 0 && density > 0.0)
        look = g_strdup_printf ("matched to %s hair pixels %s: darkening "
                                "%.0f %%, grain %.2f mm, %.0f /cm²", n, where,
                                100.0 * darkening, grain, density);
      else if (hair > 0)
        look = g_strdup_printf ("matched to %s hair pixels %s: darkening "
                                "%.0f %%, grain %.2f mm", n, where,
                                100.0 * darkening, grain);
      else if (! strcmp (match, "reference") && ! ref)
        {
          gchar *stem = smp_stem (p->name);

          look = g_strdup_printf ("match=reference, but no %s%s beside the "
                                  "photo: explicit look", stem,
                                  SMP_SUFFIX_REFERENCE);
          g_free (stem);
        }
      else if (! strcmp (match, "reference"))
        look = g_strdup_printf ("no hair found %s: explicit look", where);
      else if (panel->from == SMP_FROM_NOTHING)
        look = g_strdup ("no mask to seek hair around: explicit look");
      else
        look = g_strdup ("no hair found around the mask: explicit look");
      *learnt  = hair > 0;
      *no_hair = hair == 0 && ! strcmp (match, "reference") && ref;
      g_free (where);
      g_free (n);
    }
  g_free (ref);
  return look;
}

/* Where a panel's mask came from.  */
static gchar *
mask_of (const SmpPanels *p,
         const SmpPanel  *panel)
{
  gchar *base, *text;

  switch (panel->from)
    {
    case SMP_FROM_FILE:
      base = g_path_get_basename (p->mask);
      text = g_strdup_printf ("mask %s", base);
      g_free (base);
      return text;
    case SMP_FROM_AUTO:
      return g_strdup ("auto mask (smp:scalp-map)");
    case SMP_FROM_UNTREATED:
      return g_strdup (p->found == SMP_AUTO_NO_HEAD
                       ? "no head found: untreated"
                       : "auto mask: no bald or thinning scalp found: "
                         "untreated");
    case SMP_FROM_OWN:
      return g_strdup_printf ("the preset's own mask (%s)",
                              gegl_node_get_operation (
                                gegl_node_get_producer (panel->op, "aux",
                                                        NULL)));
    case SMP_FROM_HAIRLINE:
      base = g_path_get_basename (p->hairline);
      text = g_strdup_printf ("hairline from %s", base);
      g_free (base);
      return text;
    case SMP_FROM_NOTHING:
    default:
      return g_strdup (role_of (panel->op)->none);
    }
}

/* Why a panel would change nothing, or NULL when that is said already.  */
static gchar *
nothing_of (const SmpPanels *p,
            const SmpPanel  *panel)
{
  const Role *role = role_of (panel->op);
  GeglColor  *skin = NULL;
  gdouble     rgba[4] = { 0.0, 0.0, 0.0, 1.0 };

  if (panel->from == SMP_FROM_UNTREATED)
    return NULL;
  if (panel->from == SMP_FROM_NOTHING && role->needs)
    {
      gchar *stem = smp_stem (p->name);
      gchar *why  = g_strdup_printf ("it needs %s (%s%s beside the photo, or "
                                     "--mask)", role->needs, stem,
                                     SMP_SUFFIX_MASK);

      g_free (stem);
      return why;
    }
  if (gegl_node_find_property (panel->op, "skin-color"))
    {
      gegl_node_get (panel->op, "skin-color", &skin, NULL);
      gegl_color_get_pixel (skin, babl_format ("RGBA double"), rgba);
      g_object_unref (skin);
    }
  if (rgba[3] == 0.0)
    return g_strdup ("its automatic colours need a region with both hair "
                     "and scalp in it: a larger mask, or hair-color and "
                     "skin-color in the preset");
  return g_strdup ("the mask is black there, or the density or darkness "
                   "is 0");
}

/* A preset's caption: what it is, its settings (those of the look only
 * when it is not learnt), its mask and what it learnt.  */
static gchar *
caption_after (const SmpPanels *p,
               const SmpPanel  *panel,
               const gchar     *look,
               gboolean         learnt)
{
  GString     *s     = g_string_new (NULL);
  GeglNode    *op    = panel->op;
  const gchar *match = smp_node_get_enum (op, "match");
  gchar       *mask  = mask_of (p, panel);
  gdouble      density;

  g_string_append_printf (s, "SIMULATION · %s: %s\n%s", panel->preset->name,
                          panel->preset->description,
                          gegl_node_get_operation (op));
  if (role_of (op)->around)
    {
      /* scar-blend: 0 is the density of the stubble around the scar.  */
      gegl_node_get (op, "density", &density, NULL);
      if (density == 0.0)
        g_string_append (s, " · density as around");
      else
        add_setting (s, op, "density", "", " /cm²");
      add_setting (s, op, "ring-width", "ring", " mm");
    }
  else if (! learnt)
    add_setting (s, op, "density", "", " /cm²");
  if (! learnt)
    {
      add_setting (s, op, "dot-diameter", "dot", " mm");
      add_setting (s, op, "tone", "shade", "");
      add_setting (s, op, "pigment", "pigment", "");
    }
  if (! g_strcmp0 (match, "ring"))
    add_setting (s, op, "ring-width", "ring", " mm");
  add_setting (s, op, "uptake", "uptake", "");
  if (panel->from == SMP_FROM_HAIRLINE)
    add_setting (s, op, "feather", "feather", " mm");
  add_setting (s, op, "px-per-mm", "", " px/mm");
  add_setting (s, op, "seed", "seed", "");
  g_string_append_printf (s, "\n%s", mask);
  if (look && panel->from != SMP_FROM_UNTREATED)
    g_string_append_printf (s, " · %s", look);
  g_free (mask);
  return g_string_free (s, FALSE);
}

/* Lets every op that learns from the photo learn (one pixel asked for is
 * enough: it learns from the whole photo, once per render), then writes
 * the captions; one note when the reference held no hair.  */
static void
learn_and_caption (SmpPanels *p)
{
  GString *empty = NULL;
  gint     i;

  p->panels[0].caption = g_strdup_printf ("BEFORE · %s\n%d x %d px · %g "
                                          "px/mm", p->name, p->box.width,
                                          p->box.height, p->ppm);
  for (i = 1; i < p->n; i++)
    {
      SmpPanel     *panel = &p->panels[i];
      GeglRectangle one   = { p->box.x, p->box.y, 1, 1 };
      gfloat        px[4];
      gboolean      learnt = FALSE, no_hair = FALSE;
      gchar        *look   = NULL;

      if (panel->from != SMP_FROM_UNTREATED &&
          gegl_node_find_property (panel->op, "learnt-hair"))
        {
          gegl_node_blit (panel->end, 1.0, &one, babl_format ("RGBA float"),
                          px, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
          look = look_of (p, panel, &learnt, &no_hair);
        }
      if (no_hair)
        {
          if (! empty)
            empty = g_string_new (panel->preset->name);
          else
            g_string_append_printf (empty, ", %s", panel->preset->name);
        }
      panel->caption = caption_after (p, panel, look, learnt);
      panel->nothing = nothing_of (p, panel);
      g_free (look);
    }
  if (empty)
    g_ptr_array_add (p->notes,
                     g_strdup_printf ("its reference %s marks no hair the "
                                      "look could be learnt from: %s used "
                                      "the explicit look (the preset's "
                                      "properties)", p->reference,
                                      empty->str));
  if (empty)
    g_string_free (empty, TRUE);
}

/* The treatment plan (issue 16) of the first panel that lays dots
 * through a mask: the area the mask covers as the op reads it (Y'A, a
 * feather counted by its share), the op's density and sessions, at the
 * photo's scale.  Printed under the photo before, kept for its JSON; or a
 * note saying why there is none.  */
#define PLAN_ROWS 64

static void
make_plan (SmpPanels *p)
{
  SmpPanel    *panel = NULL;
  GeglNode    *aux   = NULL;
  SmpPlanInput in;
  SmpPlan      plan;
  gchar        err[256], *line, *imp;
  gfloat      *ya;
  gdouble      density = 0.0;
  gint         i, sessions = 0, row;

  for (i = 1; i < p->n && ! panel; i++)
    if (p->panels[i].from != SMP_FROM_NOTHING &&
        p->panels[i].from != SMP_FROM_UNTREATED &&
        gegl_node_find_property (p->panels[i].op, "density") &&
        gegl_node_find_property (p->panels[i].op, "sessions") &&
        (aux = gegl_node_get_producer (p->panels[i].op, "aux", NULL)))
      {
        gegl_node_get (p->panels[i].op, "density", &density,
                       "sessions", &sessions, NULL);
        /* The density follicles gave its dots to match the client's
         * hair, when it learnt one: the impressions the panel shows.  */
        if (gegl_node_find_property (p->panels[i].op, "learnt-density"))
          {
            gdouble learnt = 0.0;

            gegl_node_get (p->panels[i].op, "learnt-density", &learnt, NULL);
            if (learnt > 0.0)
              density = learnt;
          }
        /* 0: the density the op finds around (scar-blend): none to
         * plan.  */
        if (density > 0.0)
          panel = &p->panels[i];
      }
  if (! panel)
    {
      g_ptr_array_add (p->notes,
                       g_strdup ("no treatment plan: no preset lays dots "
                                 "through a mask here (a plan needs the "
                                 "treated area)"));
      return;
    }
  smp_plan_input_init (&in);
  in.px_per_mm = p->ppm;
  in.density   = density;
  in.sessions  = sessions;
  ya = g_new (gfloat, (gsize) p->box.width * PLAN_ROWS * 2);
  for (row = p->box.y; row < p->box.y + p->box.height; row += PLAN_ROWS)
    {
      GeglRectangle band = { p->box.x, row, p->box.width,
                             MIN (PLAN_ROWS, p->box.y + p->box.height - row) };

      gegl_node_blit (aux, 1.0, &band, babl_format ("Y'A float"), ya,
                      GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
      smp_plan_add_mask_ya (&in, ya, (gsize) band.width * band.height);
    }
  g_free (ya);
  if (! smp_plan_compute (&in, &plan, err, sizeof err))
    {
      g_ptr_array_add (p->notes, g_strdup_printf ("no treatment plan: %s",
                                                  err));
      return;
    }
  p->plan_json = smp_plan_json (&plan, p->name);
  imp  = smp_thousands ((gint64) floor (plan.impressions + 0.5));
  line = g_strdup_printf ("%s\nplan (%s's mask, %.0f/cm²): %.1f cm², %s "
                          "impressions in %d sessions, %.1f-%.1f hours "
                          "(an estimate)", p->panels[0].caption,
                          panel->preset->name, density, plan.area_cm2, imp,
                          plan.sessions, plan.hours_min, plan.hours_max);
  g_free (p->panels[0].caption);
  p->panels[0].caption = line;
  g_free (imp);
}

gboolean
smp_panels_open (const SmpSheetJob *job,
                 const gchar       *photo,
                 SmpPanels         *p,
                 GError           **error)
{
  GeglNode *src, *mask = NULL, *reference = NULL;
  gint      i;

  p->notes = g_ptr_array_new_with_free_func (g_free);
  p->name  = g_path_get_basename (photo);
  if (! read_photo (job, photo, p, error))
    return FALSE;

  p->graph = gegl_node_new ();
  src = gegl_node_new_child (p->graph, "operation", "gegl:buffer-source",
                             "buffer", p->image, NULL);
  if (p->mask_buffer)
    mask = gegl_node_new_child (p->graph, "operation", "gegl:buffer-source",
                                "buffer", p->mask_buffer, NULL);
  if (p->reference_buffer)
    reference = gegl_node_new_child (p->graph, "operation",
                                     "gegl:buffer-source",
                                     "buffer", p->reference_buffer, NULL);
  p->n      = job->n_presets + 1;
  p->panels = g_new0 (SmpPanel, p->n);
  p->panels[0].end = src;
  for (i = 1; i < p->n; i++)
    {
      p->panels[i].preset = job->presets[i - 1];
      if (! build_panel (job, p, &p->panels[i], src, mask, reference, error))
        return FALSE;
    }
  learn_and_caption (p);
  if (job->plan)
    make_plan (p);
  return TRUE;
}

gchar *
smp_panels_caption (const SmpPanels *p,
                    gint             i,
                    gboolean         unchanged)
{
  const SmpPanel *panel = &p->panels[i];

  if (unchanged && panel->nothing)
    return g_strdup_printf ("%s · nothing changed: %s", panel->caption,
                            panel->nothing);
  return g_strdup (panel->caption);
}

void
smp_panels_unchanged (SmpPanels      *p,
                      const gboolean *unchanged)
{
  gint i;

  for (i = 1; i < p->n; i++)
    if (unchanged[i] && p->panels[i].nothing)
      g_ptr_array_add (p->notes,
                       g_strdup_printf ("%s changed nothing: %s",
                                        p->panels[i].preset->name,
                                        p->panels[i].nothing));
}

gboolean
smp_panels_whole_photo (const SmpPanels *p)
{
  gint i;

  for (i = 1; i < p->n; i++)
    if (p->panels[i].from == SMP_FROM_NOTHING &&
        ! role_of (p->panels[i].op)->needs)
      return TRUE;
  return FALSE;
}
