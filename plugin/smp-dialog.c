/* smp-dialog.c: the plug-in's dialog, built from the op's property specs:
 * on the left the preview (the op's own pixels, zoomable, opened on the
 * selection) with a status line, and the photo's scale; on the right the
 * presets, the op's settings and its dot properties on two pages, the mask
 * (a table of sources) and the result.  Sized to fit a 1366 x 768 screen.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "smp-plan.h"
#include "smp-plugin.h"
#include "smp-view.h"

#define RESPONSE_RESET 1

typedef struct
{
  SmpSettings *s;
  SmpOptions  *opt;
  SmpScale    *scale;
  gint32       image;
  gint32       drawable;
  GtkWidget   *dialog;
  SmpView     *view;
  GtkWidget  **controls;     /* one a spec: adjustment, combo, button */
  GtkWidget   *preset_combo;
  GtkWidget   *scale_icon;
  GtkWidget   *scale_hint;
  GtkWidget   *plan_label;   /* the treatment plan of the mask, live */
  GtkWidget   *channel_combo;
  GtkWidget   *notebook;
  GtkWidget   *hairline_page;    /* shown while the hairline is the mask */
  GtkWidget   *hairline_note;    /* what the hairline source made */
  GtkWidget  **hairline_controls; /* one a spec of opt->hairline */
  GtkWidget   *flip_toggle;
  GtkWidget   *match_combo;      /* the op's match, when it has aux2 */
  GtkWidget   *reference_combo;
  GeglBuffer  *input;
  SmpSettingsRenderer *renderer; /* the preview's, what it learnt kept */
  SmpMask      mask;         /* as the options say, made once a change */
  gboolean     mask_dirty;   /* to be made again before the next render */
  gchar       *mask_problem; /* why the mask cannot be used, or NULL */
  gdouble      mask_sum;     /* the mask's pixels as the op reads them */
  gchar       *reference_problem; /* why the reference cannot, or NULL */
  gdouble      feather_before; /* the feather before the hairline set it
                                * to 0; < 0: none */
  gboolean     updating;     /* set while controls are set from values */
  gboolean     measuring;    /* set while the scale is set from a path */
  GPtrArray   *presets;      /* this op's, for the Preset menu */
  gint         preset;       /* the one chosen (index + 1), 0 none */
} Dialog;

/* A box of the image's channels and layer masks (channels: not empty)
 * showing *id, or the first of them when *id is none (*id then names
 * it).  */
static GtkWidget *
channel_combo_new (GArray *channels,
                   gint32 *id)
{
  GtkWidget *combo = g_object_new (GIMP_TYPE_INT_COMBO_BOX,
                                   "ellipsize", PANGO_ELLIPSIZE_MIDDLE, NULL);
  gboolean   found = FALSE;
  guint      c;

  for (c = 0; c < channels->len; c++)
    {
      SmpMaskChannel *ch = &g_array_index (channels, SmpMaskChannel, c);

      gimp_int_combo_box_append (GIMP_INT_COMBO_BOX (combo),
                                 GIMP_INT_STORE_VALUE, ch->id,
                                 GIMP_INT_STORE_LABEL, ch->label, -1);
      found = found || ch->id == *id;
    }
  if (! found)
    *id = g_array_index (channels, SmpMaskChannel, 0).id;
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combo), *id);
  return combo;
}

/* What the treatment plan counts of a mask: its pixels as the op reads
 * them (luminance x alpha, a feather by its share); everywhere, the whole
 * drawable.  */
static gdouble
mask_sum (const SmpMask *mask)
{
  SmpPlanInput  in;
  GeglRectangle box;
  gfloat       *ya;
  gint          row;

  if (! mask->buffer)
    return (gdouble) mask->region.width * mask->region.height;
  smp_plan_input_init (&in);
  box = *gegl_buffer_get_extent (mask->buffer);
  ya  = g_new (gfloat, (gsize) MAX (box.width, 1) * 64 * 2);
  for (row = box.y; row < box.y + box.height; row += 64)
    {
      GeglRectangle band = { box.x, row, box.width,
                             MIN (64, box.y + box.height - row) };

      gegl_buffer_get (mask->buffer, &band, 1.0, babl_format ("Y'A float"), ya,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      smp_plan_add_mask_ya (&in, ya, (gsize) band.width * band.height);
    }
  g_free (ya);
  return in.mask_sum;
}

/* The treatment plan of the mask at the scale, with the density the op
 * uses (what follicles learnt to match the hair, when it did): area,
 * impressions, sessions, hours, in full (*brief: what one line under the
 * scale holds).  NULL for an op that lays no planned dots or finds its
 * density in the photo.  */
static gchar *
plan_text (Dialog  *d,
           gchar  **brief)
{
  gint         ks = smp_settings_find (d->s, "sessions");
  SmpPlanInput in;
  SmpPlan      plan;
  gchar        err[256], *text, *imp;
  gdouble      learnt = smp_settings_learnt (d->s, "learnt-density");

  if (ks < 0 || smp_settings_find (d->s, "density") < 0 || d->mask_problem)
    return NULL;
  smp_plan_input_init (&in);
  in.px_per_mm = smp_settings_get_double (d->s, "px-per-mm");
  in.density   = learnt > 0.0 ? learnt
                              : smp_settings_get_double (d->s, "density");
  in.sessions  = g_value_get_int (&d->s->values[ks]);
  in.mask_sum  = d->mask_sum;
  /* 0: the density the op finds around (scar-blend): none to plan.  */
  if (! (in.density > 0.0))
    return NULL;
  if (! smp_plan_compute (&in, &plan, err, sizeof err))
    {
      *brief = g_strdup_printf ("Plan: %s", err);
      return g_strdup (*brief);
    }
  imp    = smp_thousands ((gint64) floor (plan.impressions + 0.5));
  text   = g_strdup_printf ("Plan (an estimate): %.1f cm², %s impressions "
                            "at %.0f/cm² in %d sessions, %.1f-%.1f hours",
                            plan.area_cm2, imp, in.density, plan.sessions,
                            plan.hours_min, plan.hours_max);
  *brief = g_strdup_printf ("Plan: %.1f cm², %s impressions, %d sessions",
                            plan.area_cm2, imp, plan.sessions);
  g_free (imp);
  return text;
}

/* The mask the preview uses, remade when the mask options change (or,
 * for a source made with the op's scale and seed, when those do).  */
static void
update_mask (Dialog *d)
{
  GError *error = NULL;

  d->mask_dirty = FALSE;
  smp_mask_clear (&d->mask);
  g_clear_pointer (&d->mask_problem, g_free);
  if (! smp_mask_make (d->s, d->opt, d->image, d->drawable, &d->mask, &error))
    {
      d->mask_problem = g_strdup (error->message);
      g_error_free (error);
    }
  d->mask_sum = mask_sum (&d->mask);
  if (d->hairline_note)
    gtk_label_set_text (GTK_LABEL (d->hairline_note),
                        d->mask_problem ? d->mask_problem
                        : d->mask.about ? d->mask.about : "");
  /* For the GUI test: what the mask source said it made.  */
  if (g_getenv ("SMP_PREVIEW_TIMING") && d->mask.about)
    g_printerr ("smp-gimp: mask: %s\n", d->mask.about);
}

/* The reference of the client's hair (aux2), when the match asks for it.  */
static void
update_reference (Dialog *d)
{
  GError *error = NULL;

  g_clear_pointer (&d->reference_problem, g_free);
  if (! smp_mask_reference (d->s, d->opt, d->image, d->drawable, &error))
    {
      d->reference_problem = g_strdup (error->message);
      g_error_free (error);
    }
}

/* Whether the mask source is made with the op's scale and seed.  */
static gboolean
mask_follows_op (Dialog *d)
{
  const SmpMaskSourceInfo *src = smp_mask_source (d->opt->mask);

  return src && src->follows_op;
}

/* What OK will do, for the status line.  */
static const gchar *
result_note (Dialog *d)
{
  switch (d->opt->result)
    {
    case SMP_RESULT_PIGMENT:
      return "OK: the pigment, a Multiply layer; shown: its look.";
    case SMP_RESULT_IN_PLACE:
      return "OK: into the layer itself (one undo step).";
    default:
      return "OK: a new layer above the photo.";
    }
}

/* The view's pixels: what OK will make of the layer (for a pigment layer
 * the look it gives, the composite), or the layer as it is.  */
static void
render_view (const GeglRectangle *area,
             gboolean             original,
             const Babl          *format,
             guchar              *pixels,
             gpointer             data)
{
  Dialog *d   = data;
  gint    bpp = babl_format_get_bytes_per_pixel (format);
  gsize   n   = (gsize) area->width * area->height, i, changed = 0;
  guchar *before;
  gchar  *status, *learnt, *line;

  if (d->mask_dirty)
    update_mask (d);
  gegl_buffer_get (d->input, area, 1.0, format, pixels, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  if (d->mask_problem || d->reference_problem)
    {
      status = g_markup_printf_escaped ("<b>%s</b>", d->mask_problem
                                                     ? d->mask_problem
                                                     : d->reference_problem);
      smp_view_set_status (d->view, status);
      g_free (status);
      if (d->plan_label)
        gtk_label_set_text (GTK_LABEL (d->plan_label), "");
      return;
    }
  if (original)
    {
      smp_view_set_status (d->view, "Shown: the layer as it is.");
      return;
    }
  before = g_malloc (n * bpp);
  memcpy (before, pixels, n * bpp);
  smp_settings_renderer_render (d->renderer, d->s, d->input, d->mask.buffer,
                                d->mask.dx, d->mask.dy, FALSE, area, format,
                                pixels);
  for (i = 0; i < n; i++)
    changed += memcmp (pixels + i * bpp, before + i * bpp, bpp) != 0;
  g_free (before);

  if (changed)
    line = g_markup_printf_escaped ("%.0f %% of the view changes. %s",
                                    100.0 * changed / n, result_note (d));
  else
    line = g_markup_printf_escaped ("<b>Nothing changes in view</b>: %s.",
                                    smp_nothing_hint (d->s));
  /* What the op learnt of the client's hair, read from it after the
   * render, first.  */
  learnt = smp_learnt_text (d->s, d->opt, d->image, TRUE);
  if (learnt)
    {
      gchar *first = g_markup_printf_escaped ("%s.\n", learnt);

      status = g_strconcat (first, line, NULL);
      g_free (first);
      g_free (line);
    }
  else
    status = line;
  smp_view_set_status (d->view, status);
  g_free (learnt);
  g_free (status);

  /* The plan follows the mask, the scale and what the op learnt.  */
  if (d->plan_label)
    {
      gchar *brief = NULL, *plan = plan_text (d, &brief);

      gtk_label_set_text (GTK_LABEL (d->plan_label), brief ? brief : "");
      gimp_help_set_help_data (d->plan_label, plan, NULL);
      if (g_getenv ("SMP_PREVIEW_TIMING") && plan)
        g_printerr ("smp-gimp: plan: %s\n", plan);
      g_free (plan);
      g_free (brief);
    }
}

static void
changed (Dialog *d)
{
  if (! d->updating)
    smp_view_invalidate (d->view);
}

/* The preset box shows a preset only while the settings are its look.  */
static void
settings_edited (Dialog *d)
{
  if (d->updating || d->preset == 0)
    return;
  if (smp_settings_matching_preset (d->s, d->presets) !=
      g_ptr_array_index (d->presets, d->preset - 1))
    {
      d->preset   = 0;
      d->updating = TRUE;
      gtk_combo_box_set_active (GTK_COMBO_BOX (d->preset_combo), 0);
      d->updating = FALSE;
    }
}

static void
show_scale (Dialog *d)
{
  const SmpScale *sc   = d->scale;
  gboolean        warn = sc->source == SMP_SCALE_UNKNOWN;
  gchar          *text;

  switch (sc->source)
    {
    case SMP_SCALE_REMEMBERED:
      text = g_markup_printf_escaped ("Kept with this photo: %s.", sc->how);
      break;
    case SMP_SCALE_RESOLUTION:
      text = g_markup_printf_escaped ("Taken %s: measure to be sure.",
                                      sc->how);
      break;
    case SMP_SCALE_MEASURED:
      text = g_markup_printf_escaped ("Measured %s; kept with this photo.",
                                      sc->how);
      break;
    case SMP_SCALE_TYPED:
      text = g_strdup ("Typed; kept with this photo when you press OK.");
      break;
    default:
      text = g_markup_printf_escaped ("<b>Scale not known</b> (%s): "
                                      "measure along a path, or type it. A "
                                      "whole head 640 px wide is 3-4 px/mm.",
                                      sc->how);
      break;
    }
  gtk_label_set_markup (GTK_LABEL (d->scale_hint), text);
  gtk_image_set_from_icon_name (GTK_IMAGE (d->scale_icon),
                                warn ? GIMP_ICON_DIALOG_WARNING
                                     : GIMP_ICON_DIALOG_INFORMATION,
                                GTK_ICON_SIZE_BUTTON);
  g_free (text);
}

static void
double_changed (GtkAdjustment *adj,
                Dialog        *d)
{
  gint k = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (adj), "spec"));

  g_value_set_double (&d->s->values[k], gtk_adjustment_get_value (adj));
  if (! strcmp (d->s->specs[k]->name, "px-per-mm"))
    {
      d->mask_dirty = d->mask_dirty || mask_follows_op (d);
      d->scale->px_per_mm = gtk_adjustment_get_value (adj);
      if (! d->updating && ! d->measuring)
        {
          d->scale->source = SMP_SCALE_TYPED;
          g_free (d->scale->how);
          d->scale->how = g_strdup ("typed in the SMP dialog");
          show_scale (d);
        }
    }
  else
    settings_edited (d);
  changed (d);
}

static void
int_changed (GtkAdjustment *adj,
             Dialog        *d)
{
  gint    k = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (adj), "spec"));
  GValue *v = &d->s->values[k];
  gdouble x = gtk_adjustment_get_value (adj);

  if (G_VALUE_HOLDS_UINT (v))
    g_value_set_uint (v, (guint) x);
  else
    g_value_set_int (v, (gint) lround (x));
  if (! strcmp (d->s->specs[k]->name, "seed"))
    d->mask_dirty = d->mask_dirty || mask_follows_op (d);
  settings_edited (d);
  changed (d);
}

/* A setting of the hairline's page: the mask is made again.  */
static void
hairline_changed (GtkAdjustment *adj,
                  Dialog        *d)
{
  gint k = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (adj), "spec"));

  g_value_set_double (&d->opt->hairline->values[k],
                      gtk_adjustment_get_value (adj));
  d->mask_dirty = TRUE;
  changed (d);
}

static void
flip_toggled (GtkToggleButton *toggle,
              Dialog          *d)
{
  d->opt->hairline_flip = gtk_toggle_button_get_active (toggle);
  d->mask_dirty = TRUE;
  changed (d);
}

/* The match chosen: the reference's channel is offered when it is the
 * reference, and read.  */
static void
match_changed (Dialog *d)
{
  if (d->reference_combo)
    gtk_widget_set_sensitive (d->reference_combo,
                              ! g_strcmp0 (smp_settings_get_nick (d->s,
                                                                  SMP_MATCH_PROPERTY),
                                           "reference"));
  update_reference (d);
}

static void
enum_changed (GtkWidget *combo,
              Dialog    *d)
{
  gint k = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (combo), "spec"));
  gint value;

  if (gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &value))
    {
      if (G_VALUE_HOLDS_ENUM (&d->s->values[k]))
        g_value_set_enum (&d->s->values[k], value);
      else
        g_value_set_boolean (&d->s->values[k], value);
      if (combo == d->match_combo)
        match_changed (d);
      settings_edited (d);
      changed (d);
    }
}

static void
set_color (Dialog  *d,
           gint     k,
           GimpRGB *rgb,
           gdouble  alpha)
{
  /* GimpRGB in a colour button is sRGB.  */
  gdouble rgba[4] = { rgb->r, rgb->g, rgb->b, alpha };

  g_value_take_object (&d->s->values[k], smp_settings_color_new (rgba));
  settings_edited (d);
  changed (d);
}

static void
color_changed (GimpColorButton *button,
               Dialog          *d)
{
  gint            k      = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button),
                                                               "spec"));
  GtkToggleButton *toggle = g_object_get_data (G_OBJECT (button), "auto");
  GimpRGB          rgb;

  gimp_color_button_get_color (button, &rgb);
  /* A colour picked is a colour given: no longer automatic.  */
  if (! d->updating && toggle)
    {
      d->updating = TRUE;
      gtk_toggle_button_set_active (toggle, FALSE);
      d->updating = FALSE;
      rgb.a = 1.0;
    }
  set_color (d, k, &rgb, rgb.a);
}

/* "Automatic" next to a colour the op can estimate: on, the colour is
 * transparent (the op's "estimate it"); off, the button's colour.  */
static void
auto_toggled (GtkToggleButton *toggle,
              Dialog          *d)
{
  GtkWidget *button = g_object_get_data (G_OBJECT (toggle), "button");
  gint       k      = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button),
                                                          "spec"));
  GimpRGB    rgb;

  if (d->updating)
    return;
  gimp_color_button_get_color (GIMP_COLOR_BUTTON (button), &rgb);
  set_color (d, k, &rgb, gtk_toggle_button_get_active (toggle) ? 0.0 : 1.0);
}

/* Sets every control from the values (after Reset or a preset).  */
static void
show_values (Dialog *d)
{
  guint i;

  d->updating = TRUE;
  for (i = 0; i < d->s->n_specs; i++)
    {
      GValue    *v = &d->s->values[i];
      GtkWidget *w = d->controls[i];

      if (! w)
        continue;
      if (G_VALUE_HOLDS_DOUBLE (v))
        gtk_adjustment_set_value (GTK_ADJUSTMENT (w), g_value_get_double (v));
      else if (G_VALUE_HOLDS_INT (v))
        gtk_adjustment_set_value (GTK_ADJUSTMENT (w), g_value_get_int (v));
      else if (G_VALUE_HOLDS_UINT (v))
        gtk_adjustment_set_value (GTK_ADJUSTMENT (w), g_value_get_uint (v));
      else if (G_VALUE_HOLDS_ENUM (v))
        gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w),
                                       g_value_get_enum (v));
      else if (G_VALUE_HOLDS_BOOLEAN (v))
        gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w),
                                       g_value_get_boolean (v));
      else if (G_VALUE_HOLDS (v, GEGL_TYPE_COLOR))
        {
          gdouble rgba[4];
          GimpRGB rgb;

          gegl_color_get_pixel (g_value_get_object (v),
                                babl_format ("R'G'B'A double"), rgba);
          gimp_rgba_set (&rgb, rgba[0], rgba[1], rgba[2], rgba[3]);
          gimp_color_button_set_color (GIMP_COLOR_BUTTON (w), &rgb);
          if (g_object_get_data (G_OBJECT (w), "auto"))
            gtk_toggle_button_set_active (g_object_get_data (G_OBJECT (w),
                                                             "auto"),
                                          rgba[3] == 0.0);
        }
    }
  for (i = 0; d->hairline_controls && i < d->opt->hairline->n_specs; i++)
    if (d->hairline_controls[i])
      gtk_adjustment_set_value (GTK_ADJUSTMENT (d->hairline_controls[i]),
                                g_value_get_double (&d->opt->hairline->values[i]));
  d->updating = FALSE;
  d->mask_dirty = d->mask_dirty || mask_follows_op (d);
  match_changed (d);
  changed (d);
}

/* A preset chosen: its look (every property but scale and seed).  */
static void
preset_chosen (GtkComboBox *combo,
               Dialog      *d)
{
  gint    k     = gtk_combo_box_get_active (combo);
  GError *error = NULL;

  if (d->updating)
    return;
  d->preset = k;
  if (k <= 0 || k > (gint) d->presets->len)
    return;
  if (! smp_settings_apply_preset (d->s, g_ptr_array_index (d->presets, k - 1),
                                   &error))
    {
      smp_view_set_status (d->view, error->message);
      g_error_free (error);
      return;
    }
  show_values (d);
}

static void
scale_problem (Dialog      *d,
               const gchar *text)
{
  gtk_label_set_text (GTK_LABEL (d->scale_hint), text);
  gtk_image_set_from_icon_name (GTK_IMAGE (d->scale_icon),
                                GIMP_ICON_DIALOG_WARNING, GTK_ICON_SIZE_BUTTON);
}

/* The scale from a path drawn along something of known length.  */
static void
scale_from_path (GtkWidget *button,
                 Dialog    *d)
{
  gint32     vectors = smp_active_path (d->image);
  gint       n_strokes = 0, i, k = smp_settings_find (d->s, "px-per-mm");
  gint      *strokes;
  gdouble    length = 0.0, mm, px;
  gchar      num[G_ASCII_DTOSTR_BUF_SIZE];
  GtkWidget *dialog, *vbox, *label, *spin;
  GtkObject *adj;
  gchar     *text;

  if (vectors <= 0)
    {
      scale_problem (d, "No path to measure: draw one with the Paths tool "
                     "(B) along something whose length you know, a ruler "
                     "held to the head say, make it the active path, then "
                     "press Measure again.");
      return;
    }
  strokes = gimp_vectors_get_strokes (vectors, &n_strokes);
  for (i = 0; i < n_strokes; i++)
    length += gimp_vectors_stroke_get_length (vectors, strokes[i], 0.1);
  g_free (strokes);
  if (length <= 0.0)
    {
      scale_problem (d, "The active path has no length: draw it from one "
                     "end of the known length to the other.");
      return;
    }

  dialog = gimp_dialog_new ("Scale from a path", PLUG_IN_ROLE,
                            gtk_widget_get_toplevel (button), GTK_DIALOG_MODAL,
                            gimp_standard_help_func, NULL,
                            "_Cancel", GTK_RESPONSE_CANCEL,
                            "_OK", GTK_RESPONSE_OK, NULL);
  gtk_dialog_set_alternative_button_order (GTK_DIALOG (dialog),
                                           GTK_RESPONSE_OK,
                                           GTK_RESPONSE_CANCEL, -1);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  vbox = gtk_vbox_new (FALSE, 6);
  gtk_container_set_border_width (GTK_CONTAINER (vbox), 12);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      vbox, TRUE, TRUE, 0);
  text = g_strdup_printf ("The path \"%s\" is %.1f px long.\n"
                          "Its _length on the scalp (mm):",
                          gimp_item_get_name (vectors), length);
  label = gtk_label_new_with_mnemonic (text);
  g_free (text);
  gtk_misc_set_alignment (GTK_MISC (label), 0.0, 0.5);
  gtk_box_pack_start (GTK_BOX (vbox), label, FALSE, FALSE, 0);
  /* It starts at what the scale now says, so OK alone changes nothing.  */
  adj  = gtk_adjustment_new (length / d->scale->px_per_mm, 0.1, 5000.0, 1.0,
                             10.0, 0.0);
  spin = gtk_spin_button_new (GTK_ADJUSTMENT (adj), 1.0, 1);
  gtk_entry_set_activates_default (GTK_ENTRY (spin), TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), spin);
  gtk_box_pack_start (GTK_BOX (vbox), spin, FALSE, FALSE, 0);
  gtk_widget_show_all (dialog);
  gtk_widget_grab_focus (spin);

  if (gimp_dialog_run (GIMP_DIALOG (dialog)) == GTK_RESPONSE_OK && k >= 0)
    {
      GParamSpecDouble *spec = G_PARAM_SPEC_DOUBLE (d->s->specs[k]);

      gtk_spin_button_update (GTK_SPIN_BUTTON (spin));
      mm = gtk_adjustment_get_value (GTK_ADJUSTMENT (adj));
      /* To six digits, as it is kept: 495 px over 150 mm is 3.3.  */
      px = g_ascii_strtod (g_ascii_formatd (num, sizeof num, "%.6g",
                                            length / mm), NULL);
      if (px < spec->minimum || px > spec->maximum)
        {
          text = g_strdup_printf ("%.1f px over %g mm is %.3g px/mm, outside "
                                  "%g-%g px/mm: check the length.", length,
                                  mm, px, spec->minimum, spec->maximum);
          scale_problem (d, text);
          g_free (text);
        }
      else
        {
          d->measuring = TRUE;
          gtk_adjustment_set_value (GTK_ADJUSTMENT (d->controls[k]), px);
          d->measuring = FALSE;
          d->scale->px_per_mm = px;
          d->scale->source    = SMP_SCALE_MEASURED;
          g_free (d->scale->how);
          d->scale->how = g_strdup_printf ("along the path \"%s\": %.1f px "
                                           "= %g mm",
                                           gimp_item_get_name (vectors),
                                           length, mm);
          /* A measurement of the photo, kept whatever happens next.  */
          smp_scale_remember (d->image, d->scale);
          show_scale (d);
        }
    }
  gtk_widget_destroy (dialog);
}

/* The op's feather while the hairline is the mask: 0, the line carries
 * its own transition (a feather would carry the dots past it); the one
 * before is back when another mask is chosen.  */
static void
hairline_feather (Dialog   *d,
                  gboolean  hairline)
{
  gint k = smp_settings_find (d->s, "feather");

  if (k < 0 || ! d->controls[k] || ! G_VALUE_HOLDS_DOUBLE (&d->s->values[k]))
    return;
  if (hairline && g_value_get_double (&d->s->values[k]) > 0.0)
    {
      d->feather_before = g_value_get_double (&d->s->values[k]);
      gtk_adjustment_set_value (GTK_ADJUSTMENT (d->controls[k]), 0.0);
    }
  else if (! hairline && d->feather_before > 0.0 &&
           g_value_get_double (&d->s->values[k]) == 0.0)
    gtk_adjustment_set_value (GTK_ADJUSTMENT (d->controls[k]),
                              d->feather_before);
  if (! hairline)
    d->feather_before = -1.0;
}

/* The Hairline page, shown (and turned to) while the hairline is the
 * mask.  */
static void
show_hairline_page (Dialog *d)
{
  if (! d->hairline_page)
    return;
  if (d->opt->mask == SMP_MASK_HAIRLINE)
    {
      gtk_widget_show (d->hairline_page);
      gtk_notebook_set_current_page (GTK_NOTEBOOK (d->notebook),
                                     gtk_notebook_page_num (GTK_NOTEBOOK (d->notebook),
                                                            d->hairline_page));
    }
  else
    gtk_widget_hide (d->hairline_page);
}

static void
mask_changed (GtkWidget *radio,
              Dialog    *d)
{
  gint was = d->opt->mask;

  if (! gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (radio)))
    return;
  d->opt->mask = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (radio),
                                                     "source"));
  if (d->channel_combo)
    gtk_widget_set_sensitive (d->channel_combo,
                              d->opt->mask == SMP_MASK_CHANNEL);
  if ((was == SMP_MASK_HAIRLINE) != (d->opt->mask == SMP_MASK_HAIRLINE))
    hairline_feather (d, d->opt->mask == SMP_MASK_HAIRLINE);
  show_hairline_page (d);
  update_mask (d);
  changed (d);
}

static void
reference_chosen (GtkWidget *combo,
                  Dialog    *d)
{
  gint id;

  if (gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &id))
    {
      d->opt->reference = id;
      update_reference (d);
      changed (d);
    }
}

static void
channel_changed (GtkWidget *combo,
                 Dialog    *d)
{
  gint id;

  if (gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &id))
    {
      d->opt->mask_channel = id;
      update_mask (d);
      changed (d);
    }
}

static void
result_changed (GtkWidget *radio,
                Dialog    *d)
{
  if (! gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (radio)))
    return;
  d->opt->result = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (radio),
                                                       "result"));
  changed (d);
}

static void
new_seed (GtkWidget *button,
          Dialog    *d)
{
  GtkAdjustment *adj = g_object_get_data (G_OBJECT (button), "adj");

  gtk_adjustment_set_value (adj, g_random_int_range (0, G_MAXINT32));
}

/* A scale entry for a double spec k of s, calling back `changed`;
 * Enter in its field is OK.  */
static GtkObject *
double_entry (Dialog      *d,
              SmpSettings *s,
              GtkTable    *table,
              gint         row,
              guint        k,
              const gchar *label,
              GCallback    changed)
{
  GParamSpec       *pspec = s->specs[k];
  GParamSpecDouble *p     = G_PARAM_SPEC_DOUBLE (pspec);
  gdouble           lo = p->minimum, hi = p->maximum, step = 0.01;
  gint              digits = 2;
  GtkObject        *adj;

  if (GEGL_IS_PARAM_SPEC_DOUBLE (pspec))
    {
      GeglParamSpecDouble *g = GEGL_PARAM_SPEC_DOUBLE (pspec);

      lo     = g->ui_minimum;
      hi     = g->ui_maximum;
      step   = g->ui_step_small;
      digits = g->ui_digits;
    }
  /* The slider covers the usual range; the number field takes the whole
   * range of the spec.  */
  adj = gimp_scale_entry_new (table, 0, row, label, 150, 6,
                              g_value_get_double (&s->values[k]), lo, hi,
                              step, step * 10, digits, FALSE, p->minimum,
                              p->maximum, g_param_spec_get_blurb (pspec), NULL);
  gtk_entry_set_activates_default (GTK_ENTRY (GIMP_SCALE_ENTRY_SPINBUTTON (adj)),
                                   TRUE);
  g_object_set_data (G_OBJECT (adj), "spec", GINT_TO_POINTER (k));
  g_signal_connect (adj, "value-changed", changed, d);
  return adj;
}

/* "Why not", small and grey, under an option that is greyed out.  */
static GtkWidget *
reason_label (const gchar *why)
{
  GtkWidget *label = gtk_label_new (NULL);
  gchar     *text  = g_markup_printf_escaped ("<small><i>%s</i></small>", why);

  gtk_label_set_markup (GTK_LABEL (label), text);
  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  gtk_misc_set_alignment (GTK_MISC (label), 0.0, 0.5);
  gtk_misc_set_padding (GTK_MISC (label), 22, 0);
  gtk_widget_set_size_request (label, 210, -1);
  g_free (text);
  return label;
}

/* An enum value's label: the op's, but the match's reference in the
 * dialog's words (the op's names its pad).  */
static const gchar *
enum_label (GParamSpec       *pspec,
            const GEnumValue *value)
{
  if (! strcmp (pspec->name, SMP_MATCH_PROPERTY))
    {
      if (! strcmp (value->value_nick, "none"))
        return "None: the settings as set";
      if (! strcmp (value->value_nick, "ring"))
        return "The client's hair around the mask";
      if (! strcmp (value->value_nick, "reference"))
        return "The client's hair in a channel:";
    }
  return value->value_name;
}

/* Every match but the reference (its value in data).  */
static gboolean
match_sensitive (gint     value,
                 gpointer data)
{
  return value != GPOINTER_TO_INT (data);
}

/* Under the match: the channel or layer mask holding the client's own
 * hair, for match = reference (the op's aux2); greyed out with the reason
 * when the image has none.  Returns the rows used.  */
static gint
reference_row (Dialog   *d,
               GtkTable *table,
               gint      row)
{
  GArray    *channels = smp_mask_channels (d->image);
  GtkWidget *w;

  if (channels->len == 0)
    {
      gint        k     = smp_settings_find (d->s, SMP_MATCH_PROPERTY);
      GEnumClass *klass = G_PARAM_SPEC_ENUM (d->s->specs[k])->enum_class;

      /* No reference to offer: the match cannot be it.  */
      gimp_int_combo_box_set_sensitivity (GIMP_INT_COMBO_BOX (d->match_combo),
                                          match_sensitive,
                                          GINT_TO_POINTER (g_enum_get_value_by_nick (klass,
                                                             "reference")->value),
                                          NULL);
      if (! g_strcmp0 (smp_settings_get_nick (d->s, SMP_MATCH_PROPERTY),
                       "reference"))
        {
          smp_settings_set_nick (d->s, SMP_MATCH_PROPERTY, "ring");
          gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (d->match_combo),
                                         g_value_get_enum (&d->s->values[k]));
        }
      w = reason_label ("A reference needs the client's hair marked in a "
                        "channel: select it, then Select > Save to Channel");
      gtk_misc_set_padding (GTK_MISC (w), 0, 0);
      gtk_table_attach (table, w, 1, 3, row, row + 1, GTK_FILL, GTK_FILL, 0, 0);
      gtk_widget_show (w);
      g_array_unref (channels);
      return 1;
    }
  d->reference_combo = channel_combo_new (channels, &d->opt->reference);
  g_signal_connect (d->reference_combo, "changed",
                    G_CALLBACK (reference_chosen), d);
  gimp_help_set_help_data (d->reference_combo, "The channel or layer mask "
                           "marking the client's own short hair (white): "
                           "the dots are matched to its look", NULL);
  gimp_table_attach_aligned (table, 0, row, "Reference:", 0.0, 0.5,
                             d->reference_combo, 2, FALSE);
  g_array_unref (channels);
  return 1;
}

/* One row of the table for spec k (two for the match of an op with a
 * reference); returns the rows used.  */
static gint
add_control (Dialog   *d,
             GtkTable *table,
             gint      row,
             guint     k)
{
  GParamSpec  *pspec = d->s->specs[k];
  GValue      *v     = &d->s->values[k];
  const gchar *nick  = g_param_spec_get_nick (pspec);
  const gchar *blurb = g_param_spec_get_blurb (pspec);
  gchar       *label = g_strdup_printf ("%s:", nick);
  GtkWidget   *w     = NULL;

  if (G_IS_PARAM_SPEC_DOUBLE (pspec))
    d->controls[k] = (GtkWidget *) double_entry (d, d->s, table, row, k, label,
                                                 G_CALLBACK (double_changed));
  else if (! strcmp (pspec->name, "seed"))
    {
      /* A seed: a number, and a button for a new one.  */
      GtkObject *adj;
      GtkWidget *spin, *button, *hbox = gtk_hbox_new (FALSE, 4);
      gint       seed = G_VALUE_HOLDS_UINT (v) ? (gint) g_value_get_uint (v)
                                               : g_value_get_int (v);

      adj  = gtk_adjustment_new (seed, 0, G_MAXINT32, 1, 10, 0);
      spin = gtk_spin_button_new (GTK_ADJUSTMENT (adj), 1.0, 0);
      gtk_entry_set_activates_default (GTK_ENTRY (spin), TRUE);
      gtk_box_pack_start (GTK_BOX (hbox), spin, TRUE, TRUE, 0);
      button = gtk_button_new_with_mnemonic ("_New seed");
      gtk_box_pack_start (GTK_BOX (hbox), button, FALSE, FALSE, 0);
      g_object_set_data (G_OBJECT (button), "adj", adj);
      g_signal_connect (button, "clicked", G_CALLBACK (new_seed), d);
      g_object_set_data (G_OBJECT (adj), "spec", GINT_TO_POINTER (k));
      g_signal_connect (adj, "value-changed", G_CALLBACK (int_changed), d);
      gimp_help_set_help_data (spin, blurb, NULL);
      gimp_table_attach_aligned (table, 0, row, label, 0.0, 0.5, hbox, 2,
                                 FALSE);
      d->controls[k] = (GtkWidget *) adj;
    }
  else if (G_IS_PARAM_SPEC_INT (pspec) || G_IS_PARAM_SPEC_UINT (pspec))
    {
      gint       lo, hi, value;
      GtkObject *adj;

      if (G_IS_PARAM_SPEC_INT (pspec))
        {
          lo    = G_PARAM_SPEC_INT (pspec)->minimum;
          hi    = G_PARAM_SPEC_INT (pspec)->maximum;
          value = g_value_get_int (v);
        }
      else
        {
          lo    = (gint) G_PARAM_SPEC_UINT (pspec)->minimum;
          hi    = (gint) MIN (G_PARAM_SPEC_UINT (pspec)->maximum, G_MAXINT32);
          value = (gint) g_value_get_uint (v);
        }
      adj = gimp_scale_entry_new (table, 0, row, label, 150, 6, value, lo, hi,
                                  1, 1, 0, TRUE, lo, hi, blurb, NULL);
      gtk_entry_set_activates_default (GTK_ENTRY (GIMP_SCALE_ENTRY_SPINBUTTON (adj)),
                                       TRUE);
      g_object_set_data (G_OBJECT (adj), "spec", GINT_TO_POINTER (k));
      g_signal_connect (adj, "value-changed", G_CALLBACK (int_changed), d);
      d->controls[k] = (GtkWidget *) adj;
    }
  else if (G_IS_PARAM_SPEC_ENUM (pspec) || G_IS_PARAM_SPEC_BOOLEAN (pspec))
    {
      GtkWidget *combo;

      if (G_IS_PARAM_SPEC_ENUM (pspec))
        {
          GEnumClass *klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;
          guint       i;

          combo = g_object_new (GIMP_TYPE_INT_COMBO_BOX, NULL);
          for (i = 0; i < klass->n_values; i++)
            gimp_int_combo_box_append (GIMP_INT_COMBO_BOX (combo),
                                       GIMP_INT_STORE_VALUE,
                                       klass->values[i].value,
                                       GIMP_INT_STORE_LABEL,
                                       enum_label (pspec, &klass->values[i]),
                                       -1);
          gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combo),
                                         g_value_get_enum (v));
        }
      else
        {
          combo = gimp_int_combo_box_new ("Off", 0, "On", 1, NULL);
          gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combo),
                                         g_value_get_boolean (v));
        }
      g_object_set_data (G_OBJECT (combo), "spec", GINT_TO_POINTER (k));
      g_signal_connect (combo, "changed", G_CALLBACK (enum_changed), d);
      gimp_help_set_help_data (combo, blurb, NULL);
      gimp_table_attach_aligned (table, 0, row, label, 0.0, 0.5, combo, 2,
                                 FALSE);
      d->controls[k] = combo;
      if (! strcmp (pspec->name, SMP_MATCH_PROPERTY) &&
          smp_settings_has_reference (d->s))
        {
          d->match_combo = combo;
          g_free (label);
          return 1 + reference_row (d, table, row + 1);
        }
    }
  else if (GEGL_IS_PARAM_SPEC_COLOR (pspec))
    {
      GimpRGB rgb;
      gdouble rgba[4];

      gegl_color_get_pixel (g_value_get_object (v),
                            babl_format ("R'G'B'A double"), rgba);
      gimp_rgba_set (&rgb, rgba[0], rgba[1], rgba[2], rgba[3]);
      w = gimp_color_button_new (nick, 60, 20, &rgb,
                                 GIMP_COLOR_AREA_SMALL_CHECKS);
      gimp_color_button_set_update (GIMP_COLOR_BUTTON (w), TRUE);
      g_object_set_data (G_OBJECT (w), "spec", GINT_TO_POINTER (k));
      g_signal_connect (w, "color-changed", G_CALLBACK (color_changed), d);
      gimp_help_set_help_data (w, blurb, NULL);
      d->controls[k] = w;
      if (smp_settings_color_is_auto (pspec))
        {
          GtkWidget *box    = gtk_hbox_new (FALSE, 6);
          GtkWidget *toggle = gtk_check_button_new_with_mnemonic ("_Automatic");

          gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle),
                                        rgba[3] == 0.0);
          gimp_help_set_help_data (toggle, "Estimated from the photo", NULL);
          g_object_set_data (G_OBJECT (w), "auto", toggle);
          g_object_set_data (G_OBJECT (toggle), "button", w);
          g_signal_connect (toggle, "toggled", G_CALLBACK (auto_toggled), d);
          gtk_box_pack_start (GTK_BOX (box), w, FALSE, FALSE, 0);
          gtk_box_pack_start (GTK_BOX (box), toggle, FALSE, FALSE, 0);
          gtk_widget_show (w);
          gtk_widget_show (toggle);
          w = box;
        }
      gimp_table_attach_aligned (table, 0, row, label, 0.0, 0.5, w, 1, TRUE);
    }
  g_free (label);
  return 1;
}

/* The Mask frame, a row a source of smp_mask_sources.  */
static GtkWidget *
mask_frame (Dialog *d)
{
  GtkWidget *frame = gimp_frame_new ("Mask (density, region or scar)");
  GtkWidget *vbox  = gtk_vbox_new (FALSE, 2);
  GSList    *group = NULL;
  guint      i;

  gtk_container_add (GTK_CONTAINER (frame), vbox);
  /* A source that cannot be used here is not the one chosen.  */
  for (i = 0; i < smp_n_mask_sources; i++)
    if (smp_mask_sources[i].id == d->opt->mask && smp_mask_sources[i].unavailable)
      {
        gchar *why = smp_mask_sources[i].unavailable (d->image, d->drawable);

        if (why)
          d->opt->mask = SMP_MASK_SELECTION;
        g_free (why);
      }

  for (i = 0; i < smp_n_mask_sources; i++)
    {
      const SmpMaskSourceInfo *src = &smp_mask_sources[i];
      gchar     *why   = src->unavailable ? src->unavailable (d->image,
                                                              d->drawable)
                                          : NULL;
      GtkWidget *radio = gtk_radio_button_new_with_mnemonic (group, src->label);

      group = gtk_radio_button_get_group (GTK_RADIO_BUTTON (radio));
      g_object_set_data (G_OBJECT (radio), "source", GINT_TO_POINTER (src->id));
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (radio),
                                    src->id == d->opt->mask);
      gimp_help_set_help_data (radio, why ? why : src->tooltip, NULL);
      gtk_widget_set_sensitive (radio, why == NULL);
      g_signal_connect (radio, "toggled", G_CALLBACK (mask_changed), d);
      gtk_box_pack_start (GTK_BOX (vbox), radio, FALSE, FALSE, 0);
      if (why)
        gtk_box_pack_start (GTK_BOX (vbox), reason_label (why), FALSE, FALSE, 0);
      else if (src->needs_channel)
        {
          GArray    *channels = smp_mask_channels (d->image);
          GtkWidget *align    = gtk_alignment_new (0.0, 0.5, 1.0, 1.0);

          d->channel_combo = channel_combo_new (channels,
                                                &d->opt->mask_channel);
          g_array_unref (channels);
          gtk_widget_set_sensitive (d->channel_combo,
                                    d->opt->mask == SMP_MASK_CHANNEL);
          g_signal_connect (d->channel_combo, "changed",
                            G_CALLBACK (channel_changed), d);
          gtk_alignment_set_padding (GTK_ALIGNMENT (align), 0, 0, 22, 0);
          gtk_container_add (GTK_CONTAINER (align), d->channel_combo);
          gtk_box_pack_start (GTK_BOX (vbox), align, FALSE, FALSE, 0);
        }
      g_free (why);
    }
  return frame;
}

static GtkWidget *
result_frame (Dialog *d)
{
  static const struct { gint id; const gchar *label, *tip; } results[] =
  {
    { SMP_RESULT_LAYER, "New _layer above",
      "A new layer directly above the photo with what changes (clear "
      "elsewhere); the photo is left as it is" },
    { SMP_RESULT_PIGMENT, "Pigment alone (_Multiply)",
      "A new white layer in Multiply mode with the pigment alone: over the "
      "photo it gives the same look, and its opacity fades it" },
    { SMP_RESULT_IN_PLACE, "Apply to the layer _itself",
      "Changes the layer itself; it keeps its mask, opacity and mode. One "
      "undo step undoes it" },
  };
  GtkWidget *frame = gimp_frame_new ("Result");
  GtkWidget *vbox  = gtk_vbox_new (FALSE, 2);
  GSList    *group = NULL;
  guint      i;

  gtk_container_add (GTK_CONTAINER (frame), vbox);
  if (d->opt->result == SMP_RESULT_PIGMENT && ! smp_settings_has_pigment (d->s))
    d->opt->result = SMP_RESULT_LAYER;
  for (i = 0; i < G_N_ELEMENTS (results); i++)
    {
      GtkWidget *radio = gtk_radio_button_new_with_mnemonic (group,
                                                             results[i].label);
      gchar     *why   = NULL;

      group = gtk_radio_button_get_group (GTK_RADIO_BUTTON (radio));
      g_object_set_data (G_OBJECT (radio), "result",
                         GINT_TO_POINTER (results[i].id));
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (radio),
                                    results[i].id == d->opt->result);
      if (results[i].id == SMP_RESULT_PIGMENT && ! smp_settings_has_pigment (d->s))
        {
          const gchar *title = gegl_operation_get_key (d->s->op, "title");

          why = g_strdup_printf ("%s has no pigment alone: it changes the "
                                 "skin's tone and sheen too.",
                                 title ? title : d->s->op);
        }
      gimp_help_set_help_data (radio, why ? why : results[i].tip, NULL);
      gtk_widget_set_sensitive (radio, why == NULL);
      g_signal_connect (radio, "toggled", G_CALLBACK (result_changed), d);
      gtk_box_pack_start (GTK_BOX (vbox), radio, FALSE, FALSE, 0);
      if (why)
        gtk_box_pack_start (GTK_BOX (vbox), reason_label (why), FALSE, FALSE, 0);
      g_free (why);
    }
  return frame;
}

/* The Preset menu: each preset's name and what it is for (the first line
 * of its file).  */
static GtkWidget *
preset_combo (Dialog *d)
{
  GtkListStore    *store = gtk_list_store_new (1, G_TYPE_STRING);
  GtkWidget       *combo = gtk_combo_box_new_with_model (GTK_TREE_MODEL (store));
  GtkCellRenderer *cell  = gtk_cell_renderer_text_new ();
  const SmpPreset *look  = smp_settings_matching_preset (d->s, d->presets);
  GtkTreeIter      iter;
  guint            k;

  gtk_list_store_append (store, &iter);
  gtk_list_store_set (store, &iter, 0,
                      d->presets->len ? "(choose one)" : "(none installed)",
                      -1);
  for (k = 0; k < d->presets->len; k++)
    {
      SmpPreset *p    = g_ptr_array_index (d->presets, k);
      gchar     *text = g_markup_printf_escaped ("<b>%s</b>\n<small>%s</small>",
                                                 p->name, p->description);

      gtk_list_store_append (store, &iter);
      gtk_list_store_set (store, &iter, 0, text, -1);
      g_free (text);
      /* Settings that are a preset's look (the last run's) show it.  */
      if (p == look)
        d->preset = k + 1;
    }
  g_object_unref (store);
  g_object_set (cell, "wrap-width", 330, "wrap-mode", PANGO_WRAP_WORD, NULL);
  gtk_cell_layout_pack_start (GTK_CELL_LAYOUT (combo), cell, TRUE);
  gtk_cell_layout_set_attributes (GTK_CELL_LAYOUT (combo), cell,
                                  "markup", 0, NULL);
  gtk_combo_box_set_active (GTK_COMBO_BOX (combo), d->preset);
  gtk_widget_set_sensitive (combo, d->presets->len > 0);
  gimp_help_set_help_data (combo, "The look of a preset (data/presets, the "
                           "files smp-preview and gegl run): every setting "
                           "but the scale and the seed", NULL);
  g_signal_connect (combo, "changed", G_CALLBACK (preset_chosen), d);
  return combo;
}

/* A notebook page of a table in a scrolled window, scrolling only when the
 * screen is too small for it.  */
static GtkWidget *
page (GtkWidget *notebook,
      GtkWidget *table,
      const gchar *title,
      gint        max_height)
{
  GtkWidget     *scrolled = gtk_scrolled_window_new (NULL, NULL);
  GtkWidget     *top      = gtk_vbox_new (FALSE, 0);
  GtkRequisition req;

  gtk_container_set_border_width (GTK_CONTAINER (table), 6);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  /* The rows at the top of a page taller than they need, not stretched.  */
  gtk_box_pack_start (GTK_BOX (top), table, FALSE, FALSE, 0);
  gtk_scrolled_window_add_with_viewport (GTK_SCROLLED_WINDOW (scrolled), top);
  gtk_viewport_set_shadow_type (GTK_VIEWPORT (gtk_bin_get_child (GTK_BIN (scrolled))),
                                GTK_SHADOW_NONE);
  gtk_widget_size_request (table, &req);
  gtk_widget_set_size_request (scrolled, req.width + 20,
                               MIN (req.height, max_height));
  g_object_set_data (G_OBJECT (scrolled), "rows-height",
                     GINT_TO_POINTER (req.height));
  gtk_notebook_append_page (GTK_NOTEBOOK (notebook), scrolled,
                            gtk_label_new_with_mnemonic (title));
  return scrolled;
}

static GtkWidget *
scale_frame (Dialog *d,
             gint    width)
{
  GtkWidget *frame = gimp_frame_new ("Scale of the photo");
  GtkWidget *vbox  = gtk_vbox_new (FALSE, 4);
  GtkWidget *table = gtk_table_new (1, 3, FALSE);
  GtkWidget *hbox, *button;
  gint       k     = smp_settings_find (d->s, "px-per-mm");

  gtk_container_add (GTK_CONTAINER (frame), vbox);
  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_box_pack_start (GTK_BOX (vbox), table, FALSE, FALSE, 0);
  if (k >= 0)
    d->controls[k] = (GtkWidget *) double_entry (d, d->s, GTK_TABLE (table),
                                                 0, k, "Scale (p_x/mm):",
                                                 G_CALLBACK (double_changed));

  hbox = gtk_hbox_new (FALSE, 6);
  gtk_box_pack_start (GTK_BOX (vbox), hbox, FALSE, FALSE, 0);
  button = gtk_button_new_with_mnemonic ("Measure along a _path...");
  gimp_help_set_help_data (button, "Sets the scale from the active path, "
                           "drawn along something of known length (a ruler "
                           "in the photo): you type its length in mm", NULL);
  g_signal_connect (button, "clicked", G_CALLBACK (scale_from_path), d);
  gtk_box_pack_start (GTK_BOX (hbox), button, FALSE, FALSE, 0);

  hbox = gtk_hbox_new (FALSE, 6);
  gtk_box_pack_start (GTK_BOX (vbox), hbox, FALSE, FALSE, 0);
  d->scale_icon = gtk_image_new ();
  gtk_misc_set_alignment (GTK_MISC (d->scale_icon), 0.5, 0.0);
  gtk_box_pack_start (GTK_BOX (hbox), d->scale_icon, FALSE, FALSE, 0);
  d->scale_hint = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (d->scale_hint), TRUE);
  gtk_misc_set_alignment (GTK_MISC (d->scale_hint), 0.0, 0.0);
  gtk_box_pack_start (GTK_BOX (hbox), d->scale_hint, TRUE, TRUE, 0);
  /* As tall as its longest text, so that the dialog does not jump when it
   * changes.  */
  {
    SmpScale       shown   = *d->scale;
    GtkRequisition req;

    d->scale->source = SMP_SCALE_UNKNOWN;
    gtk_widget_set_size_request (d->scale_hint, width - 40, -1);
    show_scale (d);
    gtk_widget_size_request (d->scale_hint, &req);
    gtk_widget_set_size_request (d->scale_hint, width - 40, req.height);
    *d->scale = shown;
  }
  show_scale (d);

  return frame;
}

/* +, - and 1 zoom the preview unless a text field has the focus.  */
static gboolean
dialog_key (GtkWidget   *dialog,
            GdkEventKey *event,
            Dialog      *d)
{
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (dialog));

  if ((focus && GTK_IS_EDITABLE (focus)) ||
      (event->state & (GDK_CONTROL_MASK | GDK_MOD1_MASK)))
    return FALSE;
  return smp_view_key (d->view, event);
}

/* The preview's side: as large as a screen's height allows, the dialog
 * fitting a 768 px screen with a window title and a panel.  */
static gint
preview_size (GtkWidget *dialog)
{
  gint h = gdk_screen_get_height (gtk_widget_get_screen (dialog));

  return CLAMP (h - 438, 240, 640);
}

/* The Hairline page: smp:hairline's settings the plug-in offers, which
 * side of the line is the scalp, and what the path made.  */
static GtkWidget *
hairline_page (Dialog *d,
               gint    page_height)
{
  SmpSettings *h     = d->opt->hairline;
  GtkWidget   *table = gtk_table_new (h->n_specs + 2, 3, FALSE);
  gint         rows  = 0;
  guint        k;

  d->hairline_controls = g_new0 (GtkWidget *, h->n_specs);
  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_table_set_row_spacings (GTK_TABLE (table), 2);
  for (k = 0; k < h->n_specs; k++)
    if (smp_settings_hairline_offered (h->specs[k]) &&
        G_IS_PARAM_SPEC_DOUBLE (h->specs[k]))
      {
        gchar *label = g_strdup_printf ("%s:",
                                        g_param_spec_get_nick (h->specs[k]));

        d->hairline_controls[k] =
          (GtkWidget *) double_entry (d, h, GTK_TABLE (table), rows++, k,
                                      label, G_CALLBACK (hairline_changed));
        g_free (label);
      }
  d->flip_toggle = gtk_check_button_new_with_mnemonic ("_Flip: the scalp on "
                                                       "the other side");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (d->flip_toggle),
                                d->opt->hairline_flip);
  gimp_help_set_help_data (d->flip_toggle, "The scalp behind the line is on "
                           "the side the selection (or most of the layer) "
                           "is on; this takes the other side", NULL);
  g_signal_connect (d->flip_toggle, "toggled", G_CALLBACK (flip_toggled), d);
  gtk_table_attach (GTK_TABLE (table), d->flip_toggle, 0, 3, rows, rows + 1,
                    GTK_FILL, GTK_FILL, 0, 0);
  rows++;
  d->hairline_note = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (d->hairline_note), TRUE);
  gtk_misc_set_alignment (GTK_MISC (d->hairline_note), 0.0, 0.0);
  gtk_widget_set_size_request (d->hairline_note, 330, -1);
  gtk_table_attach (GTK_TABLE (table), d->hairline_note, 0, 3, rows, rows + 1,
                    GTK_FILL, GTK_FILL, 0, 0);
  return page (d->notebook, table, "H_airline", page_height);
}

/* The pages scroll sooner when the right column would be taller than the
 * left (a mask frame with more sources, reasons under them): the dialog
 * keeps to the preview's height.  */
static void
fit_pages (Dialog    *d,
           GtkWidget *left,
           GtkWidget *right)
{
  GtkRequisition l, r;
  gint           i, n = gtk_notebook_get_n_pages (GTK_NOTEBOOK (d->notebook));

  gtk_widget_size_request (left, &l);
  gtk_widget_size_request (right, &r);
  if (r.height <= l.height)
    return;
  for (i = 0; i < n; i++)
    {
      GtkWidget *page = gtk_notebook_get_nth_page (GTK_NOTEBOOK (d->notebook), i);
      gint       w, h;

      gtk_widget_get_size_request (page, &w, &h);
      gtk_widget_set_size_request (page, w, MAX (60, h - (r.height - l.height)));
    }
}

/* The right column: the look (preset, the op's settings, its dots on a
 * page of their own), then mask and result side by side.  */
static GtkWidget *
look_column (Dialog *d,
             gint    page_height)
{
  GtkWidget *right = gtk_vbox_new (FALSE, 12);
  GtkWidget *hbox  = gtk_hbox_new (FALSE, 6);
  GtkWidget *label = gtk_label_new_with_mnemonic ("Pr_eset:");
  GtkWidget *table = gtk_table_new (d->s->n_specs, 3, FALSE);
  GtkWidget *dots  = gtk_table_new (d->s->n_specs, 3, FALSE);
  GtkWidget *notebook = gtk_notebook_new ();
  gint       rows = 0, dot_rows = 0;
  guint      k;

  d->preset_combo = preset_combo (d);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), d->preset_combo);
  gtk_box_pack_start (GTK_BOX (hbox), label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), d->preset_combo, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (right), hbox, FALSE, FALSE, 0);

  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_table_set_row_spacings (GTK_TABLE (table), 2);
  gtk_table_set_col_spacings (GTK_TABLE (dots), 6);
  gtk_table_set_row_spacings (GTK_TABLE (dots), 2);
  for (k = 0; k < d->s->n_specs; k++)
    if (strcmp (d->s->specs[k]->name, "px-per-mm"))
      {
        if (smp_settings_is_dot (d->s, k))
          dot_rows += add_control (d, GTK_TABLE (dots), dot_rows, k);
        else
          rows += add_control (d, GTK_TABLE (table), rows, k);
      }
  if (rows)
    page (notebook, table, "Se_ttings", page_height);
  else
    gtk_widget_destroy (table);
  if (dot_rows)
    page (notebook, dots, "_Dots", page_height);
  else
    gtk_widget_destroy (dots);
  d->notebook = notebook;
  if (d->opt->hairline)
    d->hairline_page = hairline_page (d, page_height);
  gtk_box_pack_start (GTK_BOX (right), notebook, TRUE, TRUE, 0);

  hbox = gtk_hbox_new (TRUE, 12);
  gtk_box_pack_start (GTK_BOX (hbox), mask_frame (d), TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), result_frame (d), TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (right), hbox, FALSE, FALSE, 0);

  /* The treatment plan of the mask at the scale, on one line (in full in
   * its tooltip); the pages give up its room (smp_dialog).  */
  d->plan_label = gtk_label_new (NULL);
  gtk_misc_set_alignment (GTK_MISC (d->plan_label), 0.0, 0.5);
  gtk_label_set_ellipsize (GTK_LABEL (d->plan_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_text (GTK_LABEL (d->plan_label), "Plan");
  {
    GtkRequisition req;

    gtk_widget_size_request (d->plan_label, &req);
    gtk_widget_set_size_request (d->plan_label, -1, req.height);
  }
  gtk_label_set_text (GTK_LABEL (d->plan_label), "");
  gtk_box_pack_start (GTK_BOX (right), d->plan_label, FALSE, FALSE, 0);
  return right;
}

gboolean
smp_dialog (SmpSettings *s,
            SmpOptions  *opt,
            SmpScale    *scale,
            gint32       image,
            gint32       drawable)
{
  Dialog       d = { 0 };
  const gchar *title = gegl_operation_get_key (s->op, "title");
  GtkWidget   *dialog, *main_hbox, *left, *right;
  gboolean     run;
  gint         response, size, sx, sy, sw, sh;

  gimp_ui_init (PLUG_IN_BINARY, TRUE);

  d.s        = s;
  d.opt      = opt;
  d.scale    = scale;
  d.image    = image;
  d.drawable = drawable;
  d.controls = g_new0 (GtkWidget *, s->n_specs);
  d.input    = gimp_drawable_get_buffer (drawable);
  d.renderer = smp_settings_renderer_new ();
  d.presets  = smp_settings_presets (s);
  d.feather_before = -1.0;

  dialog = d.dialog = gimp_dialog_new (title ? title : s->op, PLUG_IN_ROLE,
                                       NULL, 0, gimp_standard_help_func, NULL,
                                       "_Reset", RESPONSE_RESET,
                                       "_Cancel", GTK_RESPONSE_CANCEL,
                                       "_OK", GTK_RESPONSE_OK,
                                       NULL);
  gtk_dialog_set_alternative_button_order (GTK_DIALOG (dialog),
                                           GTK_RESPONSE_OK,
                                           GTK_RESPONSE_CANCEL,
                                           RESPONSE_RESET, -1);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  gimp_window_set_transient (GTK_WINDOW (dialog));
  g_signal_connect (dialog, "key-press-event", G_CALLBACK (dialog_key), &d);
  size = preview_size (dialog);

  main_hbox = gtk_hbox_new (FALSE, 12);
  gtk_container_set_border_width (GTK_CONTAINER (main_hbox), 12);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      main_hbox, TRUE, TRUE, 0);

  /* Left: the preview, opened at 1:1 on the selection's middle, and the
   * scale, which is the photo's.  */
  left = gtk_vbox_new (FALSE, 12);
  gtk_box_pack_start (GTK_BOX (main_hbox), left, TRUE, TRUE, 0);
  if (! gimp_drawable_mask_intersect (drawable, &sx, &sy, &sw, &sh))
    {
      sx = sy = 0;
      sw = gimp_drawable_width (drawable);
      sh = gimp_drawable_height (drawable);
    }
  if (opt->mask == SMP_MASK_CHANNEL && ! gimp_item_is_valid (opt->mask_channel))
    opt->mask = SMP_MASK_SELECTION;
  d.view = smp_view_new (drawable, size, sx + sw / 2, sy + sh / 2,
                         render_view, &d);
  gtk_box_pack_start (GTK_BOX (left), smp_view_widget (d.view), TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (left), scale_frame (&d, size), FALSE, FALSE, 0);
  /* The pages as tall as the preview but the preset and the plan's
   * line.  */
  right = look_column (&d, size - 100);
  gtk_box_pack_start (GTK_BOX (main_hbox), right, FALSE, FALSE, 0);
  fit_pages (&d, left, right);
  update_mask (&d);
  update_reference (&d);

  gtk_widget_show_all (dialog);
  show_hairline_page (&d);
  gtk_widget_grab_focus (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog),
                                                            GTK_RESPONSE_OK));

  while ((response = gimp_dialog_run (GIMP_DIALOG (dialog))) == RESPONSE_RESET)
    {
      /* Every setting back to the op's defaults but the scale, which is
       * the photo's; the preset box back to none.  */
      smp_settings_reset (s);
      smp_settings_set_double (s, "px-per-mm", scale->px_per_mm);
      if (opt->hairline)
        smp_settings_reset (opt->hairline);
      d.preset   = 0;
      d.updating = TRUE;
      gtk_combo_box_set_active (GTK_COMBO_BOX (d.preset_combo), 0);
      d.updating = FALSE;
      show_values (&d);
      if (opt->mask == SMP_MASK_HAIRLINE)
        hairline_feather (&d, TRUE);
    }
  run = response == GTK_RESPONSE_OK;

  gtk_widget_destroy (dialog);
  smp_settings_renderer_free (d.renderer);
  smp_mask_clear (&d.mask);
  g_free (d.mask_problem);
  g_free (d.reference_problem);
  g_free (d.hairline_controls);
  g_object_unref (d.input);
  g_free (d.controls);
  g_ptr_array_unref (d.presets);
  return run;
}
