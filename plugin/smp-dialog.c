/* smp-dialog.c: the plug-in's dialog, built from the op's property specs:
 * a live preview rendered by the op itself, the scale (with "from a path"),
 * one control a property in the op's order, the mask and the result.
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

typedef struct
{
  SmpSettings *s;
  SmpOptions  *opt;
  gint32       image;
  gint32       drawable;
  GtkWidget   *preview;
  GtkWidget   *channel_combo;
  GtkWidget  **controls;     /* one a spec: adjustment, combo, button */
  GeglBuffer  *input;
  GeglBuffer  *mask;         /* as the options say, made once a change */
  gint         mask_dx, mask_dy;
  gboolean     mask_ok;
  gboolean     updating;     /* set while controls are set from values */
  GPtrArray   *presets;      /* this op's, for the Preset menu */
} Dialog;

/* The mask the preview uses, remade when the mask options change.  */
static void
update_mask (Dialog *d)
{
  GeglRectangle region;

  g_clear_object (&d->mask);
  d->mask_ok = smp_mask_for (d->opt, d->image, d->drawable, &d->mask,
                             &d->mask_dx, &d->mask_dy, &region, NULL);
}

/* Renders the preview's area through the op, as the final run will.  */
static void
render_preview (GimpPreview *preview,
                Dialog      *d)
{
  GeglRectangle area;
  const Babl   *format;
  guchar       *pixels;
  gint          bpp;
  gint64        t0;

  gimp_preview_get_position (preview, &area.x, &area.y);
  gimp_preview_get_size (preview, &area.width, &area.height);

  /* The preview shows 8-bit pixels of the drawable's kind.  */
  switch (gimp_drawable_type (d->drawable))
    {
    case GIMP_RGB_IMAGE:   format = babl_format ("R'G'B' u8");  break;
    case GIMP_GRAY_IMAGE:  format = babl_format ("Y' u8");      break;
    case GIMP_GRAYA_IMAGE: format = babl_format ("Y'A u8");     break;
    default:               format = babl_format ("R'G'B'A u8"); break;
    }
  bpp    = babl_format_get_bytes_per_pixel (format);
  pixels = g_new (guchar, (gsize) area.width * area.height * bpp);

  t0 = g_get_monotonic_time ();
  if (d->mask_ok)
    smp_settings_render (d->s, d->input, d->mask, d->mask_dx, d->mask_dy,
                         d->opt->result == SMP_RESULT_PIGMENT, &area, format,
                         pixels);
  else
    /* Nothing would change: show the layer as it is.  */
    gegl_buffer_get (d->input, &area, 1.0, format, pixels,
                     GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);

  gimp_preview_draw_buffer (preview, pixels, area.width * bpp);
  g_free (pixels);
  /* For the GUI test and for anyone curious: the real preview's time.  */
  if (g_getenv ("SMP_PREVIEW_TIMING"))
    g_printerr ("smp-gimp: preview of %dx%d px rendered in %.1f ms\n",
                area.width, area.height,
                (g_get_monotonic_time () - t0) / 1000.0);
}

static void
changed (Dialog *d)
{
  if (! d->updating)
    gimp_preview_invalidate (GIMP_PREVIEW (d->preview));
}

static void
double_changed (GtkAdjustment *adj,
                Dialog        *d)
{
  gint k = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (adj), "spec"));

  g_value_set_double (&d->s->values[k], gtk_adjustment_get_value (adj));
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
      changed (d);
    }
}

static void
color_changed (GimpColorButton *button,
               Dialog          *d)
{
  gint      k = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "spec"));
  GimpRGB   rgb;
  GeglColor *c = gegl_color_new (NULL);
  gdouble   rgba[4];

  gimp_color_button_get_color (button, &rgb);
  rgba[0] = rgb.r; rgba[1] = rgb.g; rgba[2] = rgb.b; rgba[3] = rgb.a;
  /* A colour picked is a colour given: no longer automatic.  */
  if (! d->updating && g_object_get_data (G_OBJECT (button), "auto"))
    {
      GtkToggleButton *toggle = g_object_get_data (G_OBJECT (button), "auto");

      rgba[3] = 1.0;
      d->updating = TRUE;
      gtk_toggle_button_set_active (toggle, FALSE);
      d->updating = FALSE;
    }
  /* GimpRGB in a colour button is sRGB.  */
  gegl_color_set_pixel (c, babl_format ("R'G'B'A double"), rgba);
  g_value_take_object (&d->s->values[k], c);
  changed (d);
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
  gdouble    rgba[4];
  GeglColor *c;

  if (d->updating)
    return;
  gimp_color_button_get_color (GIMP_COLOR_BUTTON (button), &rgb);
  rgba[0] = rgb.r; rgba[1] = rgb.g; rgba[2] = rgb.b;
  rgba[3] = gtk_toggle_button_get_active (toggle) ? 0.0 : 1.0;
  c = gegl_color_new (NULL);
  gegl_color_set_pixel (c, babl_format ("R'G'B'A double"), rgba);
  g_value_take_object (&d->s->values[k], c);
  changed (d);
}

/* Sets every control from the values (after Reset).  */
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
  gint       k = gtk_combo_box_get_active (combo);
  GError    *error = NULL;

  if (k <= 0 || k > (gint) d->presets->len)
    return;
  if (! smp_settings_apply_preset (d->s, g_ptr_array_index (d->presets, k - 1),
                                   &error))
    {
      g_message ("%s", error->message);
      g_error_free (error);
      return;
    }
  show_values (d);
}

/* The scale from a path drawn along something of known length.  */
static void
scale_from_path (GtkWidget *button,
                 Dialog    *d)
{
  gint32     vectors = gimp_image_get_active_vectors (d->image);
  gint       n_strokes = 0, i, k = smp_settings_find (d->s, "px-per-mm");
  gint      *strokes;
  gdouble    length = 0.0;
  GtkWidget *dialog, *hbox, *label, *spin;
  GtkObject *adj;

  if (vectors <= 0)
    {
      g_message ("Draw a path (Paths tool) along something whose length "
                 "you know, a ruler in the photo, say, then press this "
                 "button again.");
      return;
    }
  strokes = gimp_vectors_get_strokes (vectors, &n_strokes);
  for (i = 0; i < n_strokes; i++)
    length += gimp_vectors_stroke_get_length (vectors, strokes[i], 0.1);
  g_free (strokes);
  if (length <= 0.0)
    {
      g_message ("The active path has no length.");
      return;
    }

  dialog = gimp_dialog_new ("Scale from a path", PLUG_IN_ROLE,
                            gtk_widget_get_toplevel (button), 0,
                            gimp_standard_help_func, NULL,
                            "_Cancel", GTK_RESPONSE_CANCEL,
                            "_OK", GTK_RESPONSE_OK, NULL);
  hbox = gtk_hbox_new (FALSE, 6);
  gtk_container_set_border_width (GTK_CONTAINER (hbox), 12);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      hbox, TRUE, TRUE, 0);
  label = gtk_label_new (NULL);
  {
    gchar *text = g_strdup_printf ("The path \"%s\" is %.1f px long. "
                                   "Its real length (mm):",
                                   gimp_item_get_name (vectors), length);

    gtk_label_set_text (GTK_LABEL (label), text);
    g_free (text);
  }
  gtk_box_pack_start (GTK_BOX (hbox), label, FALSE, FALSE, 0);
  adj  = gtk_adjustment_new (10.0, 0.1, 1000.0, 0.5, 5.0, 0.0);
  spin = gtk_spin_button_new (GTK_ADJUSTMENT (adj), 1.0, 1);
  gtk_box_pack_start (GTK_BOX (hbox), spin, FALSE, FALSE, 0);
  gtk_widget_show_all (dialog);
  if (gimp_dialog_run (GIMP_DIALOG (dialog)) == GTK_RESPONSE_OK && k >= 0)
    gtk_adjustment_set_value (GTK_ADJUSTMENT (d->controls[k]),
                              length / gtk_adjustment_get_value (GTK_ADJUSTMENT (adj)));
  gtk_widget_destroy (dialog);
}

static void
mask_changed (GtkWidget *radio,
              Dialog    *d)
{
  if (! gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (radio)))
    return;
  d->opt->mask = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (radio),
                                                     "gimp-item-data"));
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
                                                       "gimp-item-data"));
  changed (d);
}

static void
new_seed (GtkWidget *button,
          Dialog    *d)
{
  GtkAdjustment *adj = g_object_get_data (G_OBJECT (button), "adj");

  gtk_adjustment_set_value (adj, g_random_int_range (0, G_MAXINT32));
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
    {
      GParamSpecDouble *p  = G_PARAM_SPEC_DOUBLE (pspec);
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
      /* The slider covers the usual range; the number field takes the
       * whole range of the spec.  */
      adj = gimp_scale_entry_new (table, 0, row, label, 160, 6,
                                  g_value_get_double (v), lo, hi, step,
                                  step * 10, digits, FALSE,
                                  p->minimum, p->maximum, blurb, NULL);
      g_object_set_data (G_OBJECT (adj), "spec", GINT_TO_POINTER (k));
      g_signal_connect (adj, "value-changed", G_CALLBACK (double_changed), d);
      d->controls[k] = (GtkWidget *) adj;
    }
  else if (! strcmp (pspec->name, "seed"))
    {
      /* A seed: a number, and a button for a new one.  */
      GtkObject *adj;
      GtkWidget *spin, *button, *hbox = gtk_hbox_new (FALSE, 4);
      gint       seed = G_VALUE_HOLDS_UINT (v) ? (gint) g_value_get_uint (v)
                                               : g_value_get_int (v);

      adj  = gtk_adjustment_new (seed, 0, G_MAXINT32, 1, 10, 0);
      spin = gtk_spin_button_new (GTK_ADJUSTMENT (adj), 1.0, 0);
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
      gint       lo = 0, hi = 100, value;
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
      adj = gimp_scale_entry_new (table, 0, row, label, 160, 6, value, lo, hi,
                                  1, 1, 0, TRUE, lo, hi, blurb, NULL);
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
      GimpRGB  rgb;
      gdouble  rgba[4];

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

gboolean
smp_dialog (SmpSettings *s,
            SmpOptions  *opt,
            gint32       image,
            gint32       drawable)
{
  Dialog       d = { 0 };
  const gchar *title = gegl_operation_get_key (s->op, "title");
  GtkWidget   *dialog, *main_hbox, *vbox, *table, *frame, *button, *radio;
  gboolean     run;
  gint         row = 0, response;
  guint        k;

  gimp_ui_init (PLUG_IN_BINARY, TRUE);

  d.s        = s;
  d.opt      = opt;
  d.image    = image;
  d.drawable = drawable;
  d.controls = g_new0 (GtkWidget *, s->n_specs);
  d.input    = gimp_drawable_get_buffer (drawable);
  if (opt->mask == SMP_MASK_CHANNEL && ! gimp_item_is_valid (opt->mask_channel))
    opt->mask = SMP_MASK_SELECTION;
  update_mask (&d);

  dialog = gimp_dialog_new (title ? title : s->op, PLUG_IN_ROLE, NULL, 0,
                            gimp_standard_help_func, NULL,
                            "_Reset", 1,
                            "_Cancel", GTK_RESPONSE_CANCEL,
                            "_OK", GTK_RESPONSE_OK,
                            NULL);
  gtk_dialog_set_alternative_button_order (GTK_DIALOG (dialog),
                                           GTK_RESPONSE_OK,
                                           GTK_RESPONSE_CANCEL, 1, -1);
  gimp_window_set_transient (GTK_WINDOW (dialog));

  main_hbox = gtk_hbox_new (FALSE, 12);
  gtk_container_set_border_width (GTK_CONTAINER (main_hbox), 12);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      main_hbox, TRUE, TRUE, 0);

  d.preview = gimp_drawable_preview_new_from_drawable_id (drawable);
  gtk_widget_set_size_request (d.preview, 480, 560);
  gtk_box_pack_start (GTK_BOX (main_hbox), d.preview, TRUE, TRUE, 0);
  g_signal_connect (d.preview, "invalidated", G_CALLBACK (render_preview), &d);

  vbox = gtk_vbox_new (FALSE, 12);
  gtk_box_pack_start (GTK_BOX (main_hbox), vbox, FALSE, FALSE, 0);

  /* Scale first: every other length depends on it.  */
  frame = gimp_frame_new ("Scale of the photo");
  gtk_box_pack_start (GTK_BOX (vbox), frame, FALSE, FALSE, 0);
  {
    GtkWidget *box = gtk_vbox_new (FALSE, 4);

    gtk_container_add (GTK_CONTAINER (frame), box);
    table = gtk_table_new (1, 3, FALSE);
    gtk_table_set_col_spacings (GTK_TABLE (table), 6);
    gtk_box_pack_start (GTK_BOX (box), table, FALSE, FALSE, 0);
    k = smp_settings_find (s, "px-per-mm");
    if ((gint) k >= 0)
      add_control (&d, GTK_TABLE (table), 0, k);
    button = gtk_button_new_with_mnemonic ("Measure along a _path...");
    gimp_help_set_help_data (button,
                             "Sets the scale from the active path, drawn "
                             "along something of known length (a ruler in "
                             "the photo): you type its length in mm.",
                             NULL);
    g_signal_connect (button, "clicked", G_CALLBACK (scale_from_path), &d);
    gtk_box_pack_start (GTK_BOX (box), button, FALSE, FALSE, 0);
  }

  frame = gimp_frame_new ("Settings");
  gtk_box_pack_start (GTK_BOX (vbox), frame, FALSE, FALSE, 0);
  table = gtk_table_new (s->n_specs + 1, 3, FALSE);
  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_table_set_row_spacings (GTK_TABLE (table), 2);
  gtk_container_add (GTK_CONTAINER (frame), table);

  /* The presets for this op, the same files smp-preview and `gegl` run.  */
  d.presets = smp_settings_presets (s);
  {
    GtkWidget *combo = gtk_combo_box_text_new ();
    GString   *tip   = g_string_new ("The look of a preset (data/presets): "
                                     "every setting but the scale and the "
                                     "seed.");

    gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (combo),
                                    d.presets->len ? "(choose one)"
                                                   : "(none installed)");
    for (k = 0; k < d.presets->len; k++)
      {
        SmpPreset *p = g_ptr_array_index (d.presets, k);

        gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (combo), p->name);
        g_string_append_printf (tip, "\n%s: %s", p->name, p->description);
      }
    gtk_combo_box_set_active (GTK_COMBO_BOX (combo), 0);
    gtk_widget_set_sensitive (combo, d.presets->len > 0);
    gimp_help_set_help_data (combo, tip->str, NULL);
    g_string_free (tip, TRUE);
    g_signal_connect (combo, "changed", G_CALLBACK (preset_chosen), &d);
    gimp_table_attach_aligned (GTK_TABLE (table), 0, row++, "Pr_eset:", 0.0,
                               0.5, combo, 2, FALSE);
  }

  for (k = 0; k < s->n_specs; k++)
    if (strcmp (s->specs[k]->name, "px-per-mm"))
      add_control (&d, GTK_TABLE (table), row++, k);

  frame = gimp_int_radio_group_new (TRUE, "Mask (density, region or scar)",
                                    G_CALLBACK (mask_changed), &d, opt->mask,
                                    "The _selection (none: everywhere)",
                                    SMP_MASK_SELECTION, NULL,
                                    "A _channel or layer mask:",
                                    SMP_MASK_CHANNEL, &radio,
                                    "_Everywhere", SMP_MASK_NONE, NULL,
                                    NULL);
  gtk_box_pack_start (GTK_BOX (vbox), frame, FALSE, FALSE, 0);
  d.channel_combo = gimp_channel_combo_box_new (NULL, NULL);
  if (gimp_item_is_valid (opt->mask_channel))
    gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (d.channel_combo),
                                   opt->mask_channel);
  else
    {
      gint id;

      if (gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (d.channel_combo),
                                         &id))
        opt->mask_channel = id;
    }
  g_signal_connect (d.channel_combo, "changed", G_CALLBACK (channel_changed),
                    &d);
  {
    gint id;

    /* No channel or layer mask anywhere: nothing to choose.  */
    if (! gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (d.channel_combo),
                                         &id) || id <= 0)
      {
        gtk_widget_set_sensitive (radio, FALSE);
        gtk_widget_hide (d.channel_combo);
        gtk_widget_set_no_show_all (d.channel_combo, TRUE);
      }
  }
  gtk_widget_set_sensitive (d.channel_combo, opt->mask == SMP_MASK_CHANNEL);
  gtk_box_pack_start (GTK_BOX (gtk_bin_get_child (GTK_BIN (frame))),
                      d.channel_combo, FALSE, FALSE, 0);
  gtk_box_reorder_child (GTK_BOX (gtk_bin_get_child (GTK_BIN (frame))),
                         d.channel_combo, 2);

  frame = gimp_int_radio_group_new (TRUE, "Result",
                                    G_CALLBACK (result_changed), &d,
                                    opt->result,
                                    "New _layer above", SMP_RESULT_LAYER, NULL,
                                    "Pigment alone, as a _Multiply layer",
                                    SMP_RESULT_PIGMENT, &radio,
                                    "_Apply to the layer itself",
                                    SMP_RESULT_IN_PLACE, NULL,
                                    NULL);
  gtk_widget_set_sensitive (radio, smp_settings_has_pigment (s));
  gtk_box_pack_start (GTK_BOX (vbox), frame, FALSE, FALSE, 0);

  gtk_widget_show_all (dialog);

  while ((response = gimp_dialog_run (GIMP_DIALOG (dialog))) == 1)
    {
      smp_settings_reset (s);
      smp_settings_default_scale (s, image);
      show_values (&d);
    }
  run = response == GTK_RESPONSE_OK;

  gtk_widget_destroy (dialog);
  g_clear_object (&d.mask);
  g_object_unref (d.input);
  g_free (d.controls);
  g_ptr_array_unref (d.presets);
  return run;
}
