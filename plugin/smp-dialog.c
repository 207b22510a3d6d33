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
  GtkWidget   *channel_combo;
  GeglBuffer  *input;
  SmpMask      mask;         /* as the options say, made once a change */
  gchar       *mask_problem; /* why the mask cannot be used, or NULL */
  gboolean     updating;     /* set while controls are set from values */
  gboolean     measuring;    /* set while the scale is set from a path */
  GPtrArray   *presets;      /* this op's, for the Preset menu */
  gint         preset;       /* the one chosen (index + 1), 0 none */
} Dialog;

/* The mask the preview uses, remade when the mask options change.  */
static void
update_mask (Dialog *d)
{
  GError *error = NULL;

  smp_mask_clear (&d->mask);
  g_clear_pointer (&d->mask_problem, g_free);
  if (! smp_mask_make (d->opt, d->image, d->drawable, &d->mask, &error))
    {
      d->mask_problem = g_strdup (error->message);
      g_error_free (error);
    }
}

/* What OK will do, for the status line.  */
static const gchar *
result_note (Dialog *d)
{
  switch (d->opt->result)
    {
    case SMP_RESULT_PIGMENT:
      return "Shown: the look; OK: the pigment alone, a Multiply layer.";
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
  gchar  *status;

  gegl_buffer_get (d->input, area, 1.0, format, pixels, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  if (d->mask_problem)
    {
      status = g_markup_printf_escaped ("<b>%s</b>", d->mask_problem);
      smp_view_set_status (d->view, status);
      g_free (status);
      return;
    }
  if (original)
    {
      smp_view_set_status (d->view, "Shown: the layer as it is.");
      return;
    }
  before = g_malloc (n * bpp);
  memcpy (before, pixels, n * bpp);
  smp_settings_render (d->s, d->input, d->mask.buffer, d->mask.dx,
                       d->mask.dy, FALSE, area, format, pixels);
  for (i = 0; i < n; i++)
    changed += memcmp (pixels + i * bpp, before + i * bpp, bpp) != 0;
  g_free (before);

  if (changed)
    status = g_markup_printf_escaped ("%.0f %% of the pixels in view "
                                      "change. %s", 100.0 * changed / n,
                                      result_note (d));
  else
    status = g_markup_printf_escaped ("<b>Nothing changes in view</b>: %s.",
                                      smp_nothing_hint (d->s));
  smp_view_set_status (d->view, status);
  g_free (status);
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
  settings_edited (d);
  changed (d);
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
  gdouble    rgba[4] = { rgb->r, rgb->g, rgb->b, alpha };
  GeglColor *c       = gegl_color_new (NULL);

  gegl_color_set_pixel (c, babl_format ("R'G'B'A double"), rgba);
  g_value_take_object (&d->s->values[k], c);
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
  d->updating = FALSE;
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

/* The path the scale is measured along: the active one, or the only one.  */
static gint32
measuring_path (gint32 image)
{
  gint32  vectors = gimp_image_get_active_vectors (image);
  gint32 *all;
  gint    n;

  if (vectors > 0)
    return vectors;
  all = gimp_image_get_vectors (image, &n);
  vectors = n == 1 ? all[0] : -1;
  g_free (all);
  return vectors;
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
  gint32     vectors = measuring_path (d->image);
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

static void
mask_changed (GtkWidget *radio,
              Dialog    *d)
{
  if (! gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (radio)))
    return;
  d->opt->mask = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (radio),
                                                     "source"));
  if (d->channel_combo)
    gtk_widget_set_sensitive (d->channel_combo,
                              d->opt->mask == SMP_MASK_CHANNEL);
  update_mask (d);
  changed (d);
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

/* A scale entry for a double spec; Enter in its field is OK.  */
static GtkObject *
double_entry (Dialog      *d,
              GtkTable    *table,
              gint         row,
              guint        k,
              const gchar *label)
{
  GParamSpec       *pspec = d->s->specs[k];
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
                              g_value_get_double (&d->s->values[k]), lo, hi,
                              step, step * 10, digits, FALSE, p->minimum,
                              p->maximum, g_param_spec_get_blurb (pspec), NULL);
  gtk_entry_set_activates_default (GTK_ENTRY (GIMP_SCALE_ENTRY_SPINBUTTON (adj)),
                                   TRUE);
  g_object_set_data (G_OBJECT (adj), "spec", GINT_TO_POINTER (k));
  g_signal_connect (adj, "value-changed", G_CALLBACK (double_changed), d);
  return adj;
}

/* One row of the table for spec k.  */
static void
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
    d->controls[k] = (GtkWidget *) double_entry (d, table, row, k, label);
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
                                       klass->values[i].value_name,
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
          gboolean   found    = FALSE;
          guint      c;

          d->channel_combo = g_object_new (GIMP_TYPE_INT_COMBO_BOX,
                                           "ellipsize", PANGO_ELLIPSIZE_MIDDLE,
                                           NULL);
          for (c = 0; c < channels->len; c++)
            {
              SmpMaskChannel *ch = &g_array_index (channels, SmpMaskChannel, c);

              gimp_int_combo_box_append (GIMP_INT_COMBO_BOX (d->channel_combo),
                                         GIMP_INT_STORE_VALUE, ch->id,
                                         GIMP_INT_STORE_LABEL, ch->label, -1);
              found = found || ch->id == d->opt->mask_channel;
            }
          if (! found)
            d->opt->mask_channel = g_array_index (channels, SmpMaskChannel,
                                                  0).id;
          gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (d->channel_combo),
                                         d->opt->mask_channel);
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
    d->controls[k] = (GtkWidget *) double_entry (d, GTK_TABLE (table), 0, k,
                                                 "Scale (p_x/mm):");

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

  return CLAMP (h - 410, 240, 640);
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
          add_control (d, GTK_TABLE (dots), dot_rows++, k);
        else
          add_control (d, GTK_TABLE (table), rows++, k);
      }
  if (rows)
    page (notebook, table, "Se_ttings", page_height);
  else
    gtk_widget_destroy (table);
  if (dot_rows)
    page (notebook, dots, "_Dots", page_height);
  else
    gtk_widget_destroy (dots);
  gtk_box_pack_start (GTK_BOX (right), notebook, TRUE, TRUE, 0);

  hbox = gtk_hbox_new (TRUE, 12);
  gtk_box_pack_start (GTK_BOX (hbox), mask_frame (d), TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), result_frame (d), TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (right), hbox, FALSE, FALSE, 0);
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
  GtkWidget   *dialog, *main_hbox, *left;
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
  d.presets  = smp_settings_presets (s);

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
  gtk_box_pack_start (GTK_BOX (main_hbox), look_column (&d, size - 70), FALSE,
                      FALSE, 0);
  update_mask (&d);

  gtk_widget_show_all (dialog);
  gtk_widget_grab_focus (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog),
                                                            GTK_RESPONSE_OK));

  while ((response = gimp_dialog_run (GIMP_DIALOG (dialog))) == RESPONSE_RESET)
    {
      /* Every setting back to the op's defaults but the scale, which is
       * the photo's; the preset box back to none.  */
      smp_settings_reset (s);
      smp_settings_set_double (s, "px-per-mm", scale->px_per_mm);
      d.preset   = 0;
      d.updating = TRUE;
      gtk_combo_box_set_active (GTK_COMBO_BOX (d.preset_combo), 0);
      d.updating = FALSE;
      show_values (&d);
    }
  run = response == GTK_RESPONSE_OK;

  gtk_widget_destroy (dialog);
  smp_mask_clear (&d.mask);
  g_free (d.mask_problem);
  g_object_unref (d.input);
  g_free (d.controls);
  g_ptr_array_unref (d.presets);
  return run;
}
