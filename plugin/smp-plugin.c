/* smp-plugin.c: GIMP 2.10 plug-in that offers every smp: op of the project's
 * GEGL module as Filters > SMP > ..., and as PDB procedures
 * plug-in-smp-<op> for scripts, with no code of its own for any one op: the
 * arguments and the dialog come from the op's property specs.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <string.h>
#include <math.h>

#include <libgimp/gimp.h>

#include "smp-plugin.h"

#define PROC_PREFIX "plug-in-smp-"

/* Select > SMP Scalp: smp:scalp-map's treatment mask as the selection.  */
#define SELECT_PROC "plug-in-smp-select-scalp"
#define SELECT_OP   "smp:scalp-map"

/* Arguments before the op's own properties.  */
#define N_LEADING  3

static void query (void);
static void run   (const gchar      *name,
                   gint              nparams,
                   const GimpParam  *param,
                   gint             *nreturn_vals,
                   GimpParam       **return_vals);

const GimpPlugInInfo PLUG_IN_INFO =
{
  NULL,
  NULL,
  query,
  run,
};

MAIN ()

static gchar *
proc_name (const gchar *op)
{
  gchar *name = g_strconcat (PROC_PREFIX, smp_settings_short_name (op), NULL);

  return g_strdelimit (name, "_", '-');
}

/* The PDB type that carries a property.  */
static GimpPDBArgType
pdb_type (GParamSpec *pspec)
{
  if (G_IS_PARAM_SPEC_DOUBLE (pspec) || G_IS_PARAM_SPEC_FLOAT (pspec))
    return GIMP_PDB_FLOAT;
  if (GEGL_IS_PARAM_SPEC_COLOR (pspec))
    return GIMP_PDB_COLOR;
  if (G_IS_PARAM_SPEC_STRING (pspec))
    return GIMP_PDB_STRING;
  return GIMP_PDB_INT32;   /* int, uint (seeds), enum, boolean */
}

/* "Density (impressions/cm²): Pigment impressions per ... [0 to 250,
 * default 100]": what a script writer needs in the procedure browser.  */
static gchar *
pdb_description (GParamSpec *pspec)
{
  GString *d = g_string_new (g_param_spec_get_nick (pspec));

  if (g_param_spec_get_blurb (pspec) && *g_param_spec_get_blurb (pspec))
    g_string_append_printf (d, ": %s", g_param_spec_get_blurb (pspec));
  if (G_IS_PARAM_SPEC_DOUBLE (pspec))
    {
      GParamSpecDouble *p = G_PARAM_SPEC_DOUBLE (pspec);

      g_string_append_printf (d, " [%g to %g, default %g]", p->minimum,
                              p->maximum, p->default_value);
    }
  else if (G_IS_PARAM_SPEC_INT (pspec))
    {
      GParamSpecInt *p = G_PARAM_SPEC_INT (pspec);

      g_string_append_printf (d, " [%d to %d, default %d]", p->minimum,
                              p->maximum, p->default_value);
    }
  else if (G_IS_PARAM_SPEC_ENUM (pspec))
    {
      GEnumClass *klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;
      guint       i;

      g_string_append (d, " [");
      for (i = 0; i < klass->n_values; i++)
        g_string_append_printf (d, "%s%d = %s", i ? ", " : "",
                                klass->values[i].value,
                                klass->values[i].value_nick);
      g_string_append (d, "]");
    }
  else if (G_IS_PARAM_SPEC_BOOLEAN (pspec))
    g_string_append (d, " [0 or 1]");
  else if (smp_settings_color_is_auto (pspec))
    g_string_append (d, " [(0 0 0) = automatic, the default]");
  return g_string_free (d, FALSE);
}

/* The arguments after the op's own properties: mask, mask-channel,
 * result, the reference (ops with an aux2), the hairline's path, side and
 * settings (those offered).  */
static gint
n_trailing (const SmpSettings *s,
            const SmpSettings *hairline)
{
  gint  n = 3 + (smp_settings_has_reference (s) ? 1 : 0) + 2;
  guint k;

  for (k = 0; hairline && k < hairline->n_specs; k++)
    n += smp_settings_hairline_offered (hairline->specs[k]);
  return n;
}

/* "The op's mask (density, region or scar): 0 = the selection ...", from
 * the table of mask sources.  */
static gchar *
mask_description (void)
{
  GString *d = g_string_new ("The op's mask (density, region or scar; white "
                             "= full): ");
  guint    i;

  for (i = 0; i < smp_n_mask_sources; i++)
    g_string_append_printf (d, "%s%d = %s", i ? ", " : "",
                            smp_mask_sources[i].id, smp_mask_sources[i].pdb);
  return g_string_free (d, FALSE);
}

/* The PDB arguments of settings' properties from args[i] on (those
 * offered, NULL: all), named prefix + name; returns the next i.  */
static gint
spec_args (GimpParamDef      *args,
           gint               i,
           const SmpSettings *s,
           const gchar       *prefix,
           gboolean         (*offered) (GParamSpec *pspec))
{
  guint k;

  for (k = 0; k < s->n_specs; k++)
    if (! offered || offered (s->specs[k]))
      {
        args[i].type        = pdb_type (s->specs[k]);
        args[i].name        = g_strconcat (prefix, s->specs[k]->name, NULL);
        args[i].description = pdb_description (s->specs[k]);
        i++;
      }
  return i;
}

/* Frees what spec_args made of args[from .. to - 1].  */
static void
free_spec_args (GimpParamDef *args,
                gint          from,
                gint          to)
{
  gint i;

  for (i = from; i < to; i++)
    {
      g_free (args[i].name);
      g_free (args[i].description);
    }
}

static void
leading_args (GimpParamDef *args)
{
  args[0] = (GimpParamDef) { GIMP_PDB_INT32, "run-mode",
                             "The run mode { RUN-INTERACTIVE (0), "
                             "RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }" };
  args[1] = (GimpParamDef) { GIMP_PDB_IMAGE, "image", "Input image" };
  args[2] = (GimpParamDef) { GIMP_PDB_DRAWABLE, "drawable",
                             "Input layer (RGB or grayscale)" };
}

/* plug-in-smp-<op>: the op's properties, then the trailing arguments.  */
static void
install_op (const gchar       *op,
            const SmpSettings *hairline,
            const gchar       *mask_help)
{
  static GimpParamDef look[] =
  {
    { GIMP_PDB_STRING, "look", "What the op learnt of the client's hair "
      "with match = ring or reference, in words (\"Learnt from 12,400 hair "
      "pixels around the selection: darkening 41 %, grain 0.35 mm\", or "
      "that none was found and the settings were used as set); \"\" when "
      "it matches nothing" }
  };
  SmpSettings  *s     = smp_settings_new (op);
  gint          n     = N_LEADING + s->n_specs + n_trailing (s, hairline);
  GimpParamDef *args  = g_new0 (GimpParamDef, n);
  gchar        *name  = proc_name (op);
  const gchar  *title = gegl_operation_get_key (op, "title");
  const gchar  *label = gegl_operation_get_key (op, "gimp:menu-label");
  const gchar  *descr = gegl_operation_get_key (op, "description");
  gchar        *menu  = label ? g_strdup (label)
                              : g_strdup_printf ("%s...", title ? title : op);
  gchar        *help;
  gint          i, end, h0;

  leading_args (args);
  i = end = spec_args (args, N_LEADING, s, "", NULL);
  args[i++] = (GimpParamDef) { GIMP_PDB_INT32, "mask", (gchar *) mask_help };
  args[i++] = (GimpParamDef) { GIMP_PDB_CHANNEL, "mask-channel",
    "Channel or layer mask used when mask = 1 (white = full density), "
    "else -1" };
  args[i++] = (GimpParamDef) { GIMP_PDB_INT32, "result",
    "0 = new layer with the result directly above the drawable (what "
    "changed, the rest transparent), 1 = new layer with the pigment "
    "alone in Multiply mode, 2 = apply to the drawable itself (it keeps "
    "its ID, mask, opacity and mode)" };
  if (smp_settings_has_reference (s))
    args[i++] = (GimpParamDef) { GIMP_PDB_CHANNEL, "reference",
      "With match = reference: a channel or layer mask marking the "
      "client's own short hair (white), whose look the dots are matched "
      "to; else -1" };
  args[i++] = (GimpParamDef) { GIMP_PDB_VECTORS, "hairline-path",
    "With mask = 4: the path along the designed front edge (open strokes; "
    "closed ones are an area); -1 = the image's active path" };
  args[i++] = (GimpParamDef) { GIMP_PDB_INT32, "hairline-side",
    "With mask = 4: 0 = the scalp behind the line is on the side the "
    "selection is on (no selection: most of the layer), 1 = the other side" };
  h0 = i;
  if (hairline)
    i = spec_args (args, i, hairline, "hairline-", smp_settings_hairline_offered);
  g_assert (i == n);

  help = g_strdup_printf ("%s\n\nRuns the GEGL operation %s; every "
                          "property is an argument, in physical units. "
                          "The original layer is left as it was unless "
                          "result = 2; one undo step undoes it all. "
                          "Result layers are named with the op, the "
                          "preset their settings match and the scale, "
                          "and are refused as input. RUN-WITH-LAST-VALS "
                          "takes the image's own scale when it has one "
                          "(the parasite \"" SMP_SCALE_PARASITE "\", "
                          "\"3.3 how it was found\"). The hairline-* "
                          "arguments are smp:hairline's, used with mask = "
                          "4 at the op's scale and seed.",
                          descr ? descr : "", op);
  gimp_install_procedure (name, title ? title : op, help,
                          "SMP preview project", "SMP preview project",
                          "2026", menu, "RGB*, GRAY*", GIMP_PLUGIN,
                          n, G_N_ELEMENTS (look), args, look);
  gimp_plugin_menu_register (name, "<Image>/Filters/SMP");

  free_spec_args (args, N_LEADING, end);
  free_spec_args (args, h0, n);
  g_free (args);
  g_free (help);
  g_free (menu);
  g_free (name);
  smp_settings_free (s);
}

/* Select > SMP Scalp: the scalp map's settings as arguments.  */
static void
install_select (void)
{
  SmpSettings  *map  = smp_settings_new (SELECT_OP);
  gint          n;
  GimpParamDef *args;

  if (! map)
    return;
  n    = N_LEADING + map->n_specs;
  args = g_new0 (GimpParamDef, n);
  leading_args (args);
  spec_args (args, N_LEADING, map, "", NULL);
  gimp_install_procedure (SELECT_PROC, "Select the scalp (SMP scalp map)",
                          "Replaces the selection with the bald or thinning "
                          "scalp that smp:scalp-map finds in the layer (its "
                          "treatment mask, feathered inside the scalp), to "
                          "refine by hand; one undo step. When it finds no "
                          "head, or no bald or thinning scalp on it, the "
                          "selection is left as it was and a message says "
                          "so. Interactively the photo's own scale is used "
                          "(see the SMP filters' dialogs).",
                          "SMP preview project", "SMP preview project",
                          "2026", "SMP _Scalp", "RGB*, GRAY*", GIMP_PLUGIN,
                          n, 0, args, NULL);
  gimp_plugin_menu_register (SELECT_PROC, "<Image>/Select");
  free_spec_args (args, N_LEADING, n);
  g_free (args);
  smp_settings_free (map);
}

static void
query (void)
{
  gchar      **ops;
  gchar       *mask_help = mask_description ();
  SmpOptions   opt;
  gint         k;

  gegl_init (NULL, NULL);
  smp_options_init (&opt);
  ops = smp_settings_list_ops ();
  for (k = 0; ops[k]; k++)
    install_op (ops[k], opt.hairline, mask_help);
  install_select ();
  g_strfreev (ops);
  g_free (mask_help);
  smp_options_clear (&opt);
}

/* Reads one property's argument; FALSE with the reason when it is no
 * value the op takes: a script gets a clear error, not a silently
 * clamped value.  */
static gboolean
read_value (SmpSettings      *s,
            guint             k,
            const gchar      *prefix,
            const GimpParam  *p,
            GError          **error)
{
  GParamSpec *pspec = s->specs[k];
  GValue     *v     = &s->values[k];
  GValue      check = G_VALUE_INIT;
  gboolean    ok    = TRUE;

  switch (p->type)
    {
    case GIMP_PDB_FLOAT:
      if (! isfinite (p->data.d_float))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "%s: %s%s is not a number", s->op, prefix,
                       pspec->name);
          return FALSE;
        }
      g_value_set_double (v, p->data.d_float);
      break;
    case GIMP_PDB_INT32:
      if (G_VALUE_HOLDS_ENUM (v))
        g_value_set_enum (v, p->data.d_int32);
      else if (G_VALUE_HOLDS_BOOLEAN (v))
        g_value_set_boolean (v, p->data.d_int32 != 0);
      else if (G_VALUE_HOLDS_UINT (v))
        g_value_set_uint (v, (guint) p->data.d_int32);
      else
        g_value_set_int (v, p->data.d_int32);
      break;
    case GIMP_PDB_COLOR:
      {
        /* PDB colours are sRGB (perceptual) doubles.  */
        gdouble rgba[4] = { p->data.d_color.r, p->data.d_color.g,
                            p->data.d_color.b, p->data.d_color.a };

        /* Script-Fu colours have no alpha: for a colour the op can
         * estimate, pure black asks it to.  */
        if (smp_settings_color_is_auto (pspec) && rgba[0] == 0.0 &&
            rgba[1] == 0.0 && rgba[2] == 0.0)
          rgba[3] = 0.0;
        g_value_take_object (v, smp_settings_color_new (rgba));
      }
      break;
    case GIMP_PDB_STRING:
      g_value_set_string (v, p->data.d_string);
      break;
    default:
      break;
    }

  g_value_init (&check, G_VALUE_TYPE (v));
  g_value_copy (v, &check);
  if (g_param_value_validate (pspec, &check))
    {
      gchar *given = g_strdup_value_contents (v);
      gchar *range = pdb_description (pspec);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s: %s%s = %s is out of range: %s", s->op, prefix,
                   pspec->name, given, range);
      g_free (given);
      g_free (range);
      ok = FALSE;
    }
  g_value_unset (&check);
  return ok;
}

/* Reads the op's arguments, then the trailing ones into opt.  */
static gboolean
read_args (SmpSettings      *s,
           SmpOptions       *opt,
           const GimpParam  *param,
           gint              nparams,
           GError          **error)
{
  gint  want = N_LEADING + s->n_specs + n_trailing (s, opt->hairline), i;
  guint k;

  if (nparams != want)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s takes %d arguments, not %d", s->op, want, nparams);
      return FALSE;
    }
  for (k = 0, i = N_LEADING; k < s->n_specs; k++, i++)
    if (! read_value (s, k, "", &param[i], error))
      return FALSE;
  opt->mask         = param[i++].data.d_int32;
  opt->mask_channel = param[i++].data.d_channel;
  opt->result       = param[i++].data.d_int32;
  if (smp_settings_has_reference (s))
    opt->reference  = param[i++].data.d_channel;
  opt->hairline_path = param[i++].data.d_vectors;
  opt->hairline_flip = param[i].data.d_int32;
  if (param[i++].data.d_int32 & ~1)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "hairline-side = %d: 0 (the selection's side) or 1 (the "
                   "other side)", param[i - 1].data.d_int32);
      return FALSE;
    }
  for (k = 0; opt->hairline && k < opt->hairline->n_specs; k++)
    if (smp_settings_hairline_offered (opt->hairline->specs[k]) &&
        ! read_value (opt->hairline, k, "hairline-", &param[i++], error))
      return FALSE;
  if (! smp_mask_source (opt->mask))
    {
      gchar *help = mask_description ();

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "mask = %d is none of these: %s", opt->mask, help);
      g_free (help);
      return FALSE;
    }
  if (opt->result < SMP_RESULT_LAYER || opt->result > SMP_RESULT_IN_PLACE)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "result = %d: 0 (new layer), 1 (pigment layer, Multiply) "
                   "or 2 (in place)", opt->result);
      return FALSE;
    }
  return TRUE;
}

/* Last values: the options, the op's settings as text, the hairline's
 * on a line of their own.  */
static void
save_last (const gchar       *name,
           const SmpSettings *s,
           const SmpOptions  *opt)
{
  gchar *text = smp_settings_to_string (s);
  gchar *line = opt->hairline ? smp_settings_to_string (opt->hairline)
                              : g_strdup ("");
  gchar *all  = g_strdup_printf ("%d %d %d %d %d %s\n%s", opt->mask,
                                 opt->result, opt->hairline_flip,
                                 opt->mask_channel, opt->reference, text,
                                 line);

  gimp_set_data (name, all, strlen (all) + 1);
  g_free (all);
  g_free (line);
  g_free (text);
}

static gboolean
load_last (const gchar *name,
           SmpSettings *s,
           SmpOptions  *opt)
{
  gint   size = gimp_get_data_size (name);
  gchar *all, *rest, *line;

  if (size <= 0)
    return FALSE;
  all = g_malloc0 (size + 1);
  gimp_get_data (name, all);
  opt->mask          = (gint) g_ascii_strtoll (all, &rest, 10);
  opt->result        = (gint) g_ascii_strtoll (rest, &rest, 10);
  opt->hairline_flip = g_ascii_strtoll (rest, &rest, 10) != 0;
  /* Channels by ID: within this GIMP session, used if still there.  */
  opt->mask_channel  = (gint32) g_ascii_strtoll (rest, &rest, 10);
  opt->reference     = (gint32) g_ascii_strtoll (rest, &rest, 10);
  if (! smp_mask_source (opt->mask))
    opt->mask = SMP_MASK_SELECTION;
  opt->result = CLAMP (opt->result, SMP_RESULT_LAYER, SMP_RESULT_IN_PLACE);
  if ((line = strchr (rest, '\n')))
    {
      *line++ = '\0';
      if (opt->hairline)
        smp_settings_from_string (opt->hairline, line, NULL);
    }
  /* A module that changed since is no reason to fail: what is still
   * understood is kept.  */
  smp_settings_from_string (s, rest, NULL);
  g_free (all);
  return TRUE;
}

/* The scale a run without a dialog of its own uses: the photo's, else the
 * last one used (and say so).  */
static gdouble
photo_scale (gint32       image,
             gdouble      fallback,
             const gchar *who)
{
  SmpScale scale = { 0 };
  gdouble  ppm;

  smp_scale_of_image (image, fallback, &scale);
  ppm = scale.px_per_mm;
  if (scale.source == SMP_SCALE_UNKNOWN)
    g_message ("%s used %.2f px/mm: the scale of this photo is not known "
               "(%s). Measure it in an SMP filter's dialog (Measure along a "
               "path).", who, ppm, scale.how);
  smp_scale_clear (&scale);
  return ppm;
}

/* Select > SMP Scalp.  */
static GimpPDBStatusType
run_select (const GimpParam  *param,
            gint              nparams,
            GError          **error)
{
  GimpRunMode  run_mode = param[0].data.d_int32;
  gint32       image    = param[1].data.d_image;
  gint32       drawable = param[2].data.d_drawable;
  SmpSettings *map      = smp_settings_new (SELECT_OP);
  gchar       *refusal;
  guint        k;
  GimpPDBStatusType status = GIMP_PDB_SUCCESS;

  if (! map)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "GEGL has no operation %s: is the project's GEGL module "
                   "installed (./run install)?", SELECT_OP);
      return GIMP_PDB_EXECUTION_ERROR;
    }
  if ((refusal = smp_refusal (image, drawable)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s", refusal);
      g_free (refusal);
      status = GIMP_PDB_EXECUTION_ERROR;
    }
  else if (run_mode == GIMP_RUN_NONINTERACTIVE)
    {
      if (nparams != N_LEADING + (gint) map->n_specs)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "%s takes %d arguments, not %d", SELECT_PROC,
                       N_LEADING + map->n_specs, nparams);
          status = GIMP_PDB_CALLING_ERROR;
        }
      for (k = 0; status == GIMP_PDB_SUCCESS && k < map->n_specs; k++)
        if (! read_value (map, k, "", &param[N_LEADING + k], error))
          status = GIMP_PDB_CALLING_ERROR;
    }
  else
    smp_settings_set_double (map, "px-per-mm",
                             photo_scale (image,
                                          smp_settings_get_double (map,
                                                                   "px-per-mm"),
                                          "SMP Scalp"));
  if (status == GIMP_PDB_SUCCESS &&
      ! smp_select_scalp (map, image, drawable, error))
    status = GIMP_PDB_EXECUTION_ERROR;
  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();
  smp_settings_free (map);
  return status;
}

static void
run (const gchar      *name,
     gint              nparams,
     const GimpParam  *param,
     gint             *nreturn_vals,
     GimpParam       **return_vals)
{
  static GimpParam  values[2];
  static gchar     *look     = NULL;
  GimpRunMode       run_mode = param[0].data.d_int32;
  gint32            image    = param[1].data.d_image;
  gint32            drawable = param[2].data.d_drawable;
  GimpPDBStatusType status   = GIMP_PDB_SUCCESS;
  SmpSettings      *s        = NULL;
  SmpOptions        opt;
  SmpScale          scale    = { 0 };
  GError           *error    = NULL;
  gchar            *op = NULL, *refusal;

  *nreturn_vals = 1;
  *return_vals  = values;
  values[0].type = GIMP_PDB_STATUS;
  g_clear_pointer (&look, g_free);

  gegl_init (NULL, NULL);
  smp_options_init (&opt);
  if (! strcmp (name, SELECT_PROC))
    {
      status = run_select (param, nparams, &error);
      goto done;
    }
  op = g_strconcat ("smp:", name + strlen (PROC_PREFIX), NULL);
  s  = smp_settings_new (op);
  if (! s)
    {
      /* The _ of an op name became - in the procedure's.  */
      g_free (op);
      op = g_strdelimit (g_strconcat ("smp:", name + strlen (PROC_PREFIX),
                                      NULL), "-", '_');
      s  = smp_settings_new (op);
    }
  if (! s)
    {
      g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "GEGL has no operation %s: is the project's GEGL module "
                   "installed (./run install)?", op);
      status = GIMP_PDB_EXECUTION_ERROR;
    }
  /* Said before any dialog: a result or a pigment layer is no photo.  */
  else if ((refusal = smp_refusal (image, drawable)))
    {
      g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s", refusal);
      g_free (refusal);
      status = GIMP_PDB_EXECUTION_ERROR;
    }

  if (status == GIMP_PDB_SUCCESS)
    switch (run_mode)
      {
      case GIMP_RUN_INTERACTIVE:
        load_last (name, s, &opt);
        smp_scale_of_image (image, smp_settings_get_double (s, "px-per-mm"),
                            &scale);
        smp_settings_set_double (s, "px-per-mm", scale.px_per_mm);
        if (! smp_dialog (s, &opt, &scale, image, drawable))
          status = GIMP_PDB_CANCEL;
        break;
      case GIMP_RUN_NONINTERACTIVE:
        if (! read_args (s, &opt, param, nparams, &error))
          status = GIMP_PDB_CALLING_ERROR;
        scale.px_per_mm = smp_settings_get_double (s, "px-per-mm");
        break;
      case GIMP_RUN_WITH_LAST_VALS:
        /* The look of the last run, at this photo's own scale when it
         * has one: the scale belongs to the photo.  */
        load_last (name, s, &opt);
        smp_scale_of_image (image, smp_settings_get_double (s, "px-per-mm"),
                            &scale);
        smp_settings_set_double (s, "px-per-mm", scale.px_per_mm);
        break;
      }

  if (status == GIMP_PDB_SUCCESS)
    {
      /* Before the run's undo group: undoing the run keeps what was
       * measured of the photo.  */
      smp_scale_remember (image, &scale);
      if (smp_apply (s, &opt, image, drawable, run_mode != GIMP_RUN_NONINTERACTIVE,
                     &error))
        {
          save_last (name, s, &opt);
          look = smp_learnt_text (s, &opt, image, FALSE);
        }
      else
        status = GIMP_PDB_EXECUTION_ERROR;
      if (run_mode != GIMP_RUN_NONINTERACTIVE)
        gimp_displays_flush ();
    }

 done:
  if (error && error->domain == SMP_NOTHING_TO_DO)
    {
      /* A no-op (the selection misses the layer, nothing changed, no head
       * found) is said, and succeeds.  */
      status = GIMP_PDB_SUCCESS;
      g_message ("%s", error->message);
    }
  else if (error)
    {
      if (run_mode == GIMP_RUN_INTERACTIVE)
        g_message ("%s", error->message);
      /* A failure's second value is its message.  */
      *nreturn_vals = 2;
      values[1].type          = GIMP_PDB_STRING;
      values[1].data.d_string = error->message;
    }
  if (status == GIMP_PDB_SUCCESS && strcmp (name, SELECT_PROC))
    {
      /* What the op learnt: the procedure's return value.  */
      *nreturn_vals = 2;
      values[1].type          = GIMP_PDB_STRING;
      values[1].data.d_string = look ? look : (gchar *) "";
    }
  values[0].data.d_status = status;
  smp_scale_clear (&scale);
  smp_settings_free (s);
  smp_options_clear (&opt);
  g_free (op);
}
