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

/* Arguments before the op's own properties, and after them.  */
#define N_LEADING  3
#define N_TRAILING 3

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

static void
query (void)
{
  gchar **ops;
  gchar  *mask_help = mask_description ();
  gint    k;

  gegl_init (NULL, NULL);
  ops = smp_settings_list_ops ();
  for (k = 0; ops[k]; k++)
    {
      SmpSettings  *s     = smp_settings_new (ops[k]);
      gint          n     = N_LEADING + s->n_specs + N_TRAILING, i;
      GimpParamDef *args  = g_new0 (GimpParamDef, n);
      gchar        *name  = proc_name (ops[k]);
      const gchar  *title = gegl_operation_get_key (ops[k], "title");
      const gchar  *label = gegl_operation_get_key (ops[k], "gimp:menu-label");
      const gchar  *descr = gegl_operation_get_key (ops[k], "description");
      gchar        *menu  = label ? g_strdup (label)
                                  : g_strdup_printf ("%s...", title ? title : ops[k]);
      gchar        *help;

      args[0] = (GimpParamDef) { GIMP_PDB_INT32, "run-mode",
                                 "The run mode { RUN-INTERACTIVE (0), "
                                 "RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }" };
      args[1] = (GimpParamDef) { GIMP_PDB_IMAGE, "image", "Input image" };
      args[2] = (GimpParamDef) { GIMP_PDB_DRAWABLE, "drawable",
                                 "Input layer (RGB or grayscale)" };
      for (i = 0; i < (gint) s->n_specs; i++)
        {
          args[N_LEADING + i].type        = pdb_type (s->specs[i]);
          args[N_LEADING + i].name        = (gchar *) s->specs[i]->name;
          args[N_LEADING + i].description = pdb_description (s->specs[i]);
        }
      i += N_LEADING;
      args[i++] = (GimpParamDef) { GIMP_PDB_INT32, "mask", mask_help };
      args[i++] = (GimpParamDef) { GIMP_PDB_CHANNEL, "mask-channel",
        "Channel or layer mask used when mask = 1 (white = full density), "
        "else -1" };
      args[i++] = (GimpParamDef) { GIMP_PDB_INT32, "result",
        "0 = new layer with the result directly above the drawable (what "
        "changed, the rest transparent), 1 = new layer with the pigment "
        "alone in Multiply mode, 2 = apply to the drawable itself (it keeps "
        "its ID, mask, opacity and mode)" };

      help = g_strdup_printf ("%s\n\nRuns the GEGL operation %s; every "
                              "property is an argument, in physical units. "
                              "The original layer is left as it was unless "
                              "result = 2; one undo step undoes it all. "
                              "Result layers are named with the op, the "
                              "preset their settings match and the scale, "
                              "and are refused as input. RUN-WITH-LAST-VALS "
                              "takes the image's own scale when it has one "
                              "(the parasite \"" SMP_SCALE_PARASITE "\", "
                              "\"3.3 how it was found\").",
                              descr ? descr : "", ops[k]);
      gimp_install_procedure (name, title ? title : ops[k], help,
                              "SMP preview project", "SMP preview project",
                              "2026", menu, "RGB*, GRAY*", GIMP_PLUGIN,
                              n, 0, args, NULL);
      gimp_plugin_menu_register (name, "<Image>/Filters/SMP");

      for (i = 0; i < (gint) s->n_specs; i++)
        g_free (args[N_LEADING + i].description);
      g_free (args);
      g_free (help);
      g_free (menu);
      g_free (name);
      smp_settings_free (s);
    }
  g_strfreev (ops);
  g_free (mask_help);
}

/* Reads the op's arguments; FALSE with the reason when one is no value the
 * op takes: a script gets a clear error, not a silently clamped value.  */
static gboolean
read_args (SmpSettings      *s,
           SmpOptions       *opt,
           const GimpParam  *param,
           gint              nparams,
           GError          **error)
{
  gint i;

  if (nparams != N_LEADING + (gint) s->n_specs + N_TRAILING)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s takes %d arguments, not %d", s->op,
                   N_LEADING + s->n_specs + N_TRAILING, nparams);
      return FALSE;
    }
  for (i = 0; i < (gint) s->n_specs; i++)
    {
      GParamSpec     *pspec = s->specs[i];
      GValue         *v     = &s->values[i];
      const GimpParam *p    = &param[N_LEADING + i];
      GValue          check = G_VALUE_INIT;

      switch (p->type)
        {
        case GIMP_PDB_FLOAT:
          if (! isfinite (p->data.d_float))
            {
              g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                           "%s: %s is not a number", s->op, pspec->name);
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
            GeglColor *c    = gegl_color_new (NULL);
            gdouble    rgba[4] = { p->data.d_color.r, p->data.d_color.g,
                                   p->data.d_color.b, p->data.d_color.a };

            /* Script-Fu colours have no alpha: for a colour the op can
             * estimate, pure black asks it to.  */
            if (smp_settings_color_is_auto (pspec) && rgba[0] == 0.0 &&
                rgba[1] == 0.0 && rgba[2] == 0.0)
              rgba[3] = 0.0;
            gegl_color_set_pixel (c, babl_format ("R'G'B'A double"), rgba);
            g_value_take_object (v, c);
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
                       "%s: %s = %s is out of range: %s", s->op, pspec->name,
                       given, range);
          g_free (given);
          g_free (range);
          g_value_unset (&check);
          return FALSE;
        }
      g_value_unset (&check);
    }
  i = N_LEADING + s->n_specs;
  opt->mask         = param[i].data.d_int32;
  opt->mask_channel = param[i + 1].data.d_channel;
  opt->result       = param[i + 2].data.d_int32;
  if (opt->mask < 0 || opt->mask >= (gint) smp_n_mask_sources)
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

/* Last values: the settings as text, then the options.  */
static void
save_last (const gchar      *name,
           const SmpSettings *s,
           const SmpOptions  *opt)
{
  gchar *text = smp_settings_to_string (s);
  gchar *all  = g_strdup_printf ("%d %d %s", opt->mask, opt->result, text);

  gimp_set_data (name, all, strlen (all) + 1);
  g_free (all);
  g_free (text);
}

static gboolean
load_last (const gchar *name,
           SmpSettings *s,
           SmpOptions  *opt)
{
  gint   size = gimp_get_data_size (name);
  gchar *all, *rest;

  if (size <= 0)
    return FALSE;
  all = g_malloc0 (size + 1);
  gimp_get_data (name, all);
  opt->mask   = (gint) g_ascii_strtoll (all, &rest, 10);
  opt->result = (gint) g_ascii_strtoll (rest, &rest, 10);
  opt->mask   = CLAMP (opt->mask, 0, (gint) smp_n_mask_sources - 1);
  opt->result = CLAMP (opt->result, SMP_RESULT_LAYER, SMP_RESULT_IN_PLACE);
  /* A module that changed since is no reason to fail: what is still
   * understood is kept.  */
  smp_settings_from_string (s, rest, NULL);
  g_free (all);
  return TRUE;
}

static void
run (const gchar      *name,
     gint              nparams,
     const GimpParam  *param,
     gint             *nreturn_vals,
     GimpParam       **return_vals)
{
  static GimpParam  values[2];
  GimpRunMode       run_mode = param[0].data.d_int32;
  gint32            image    = param[1].data.d_image;
  gint32            drawable = param[2].data.d_drawable;
  GimpPDBStatusType status   = GIMP_PDB_SUCCESS;
  SmpSettings      *s        = NULL;
  SmpOptions        opt      = { SMP_MASK_SELECTION, -1, SMP_RESULT_LAYER };
  SmpScale          scale    = { 0 };
  GError           *error    = NULL;
  gchar            *op, *refusal;

  *nreturn_vals = 1;
  *return_vals  = values;
  values[0].type = GIMP_PDB_STATUS;

  gegl_init (NULL, NULL);
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
        save_last (name, s, &opt);
      else
        status = GIMP_PDB_EXECUTION_ERROR;
      if (run_mode != GIMP_RUN_NONINTERACTIVE)
        gimp_displays_flush ();
    }

  if (error && error->domain == SMP_NOTHING_TO_DO)
    {
      /* A no-op (the selection misses the layer, nothing changed) is
       * said, and succeeds: a success returns no more than the status.  */
      status = GIMP_PDB_SUCCESS;
      g_message ("%s", error->message);
    }
  else if (error)
    {
      if (run_mode == GIMP_RUN_INTERACTIVE)
        g_message ("%s", error->message);
      *nreturn_vals = 2;
      values[1].type          = GIMP_PDB_STRING;
      values[1].data.d_string = error->message;
    }
  values[0].data.d_status = status;
  smp_scale_clear (&scale);
  smp_settings_free (s);
  g_free (op);
}
