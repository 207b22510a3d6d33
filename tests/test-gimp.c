/* test-gimp.c: the GIMP plug-in, run by the real GIMP 2.10 (gimp-console)
 * in batch mode through script-fu, for every smp: op of the module; the
 * results are exported by GIMP and checked here.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <gegl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smp-settings.h"
#include "smp-stats.h"
#include "smp-test-util.h"

#define RGBA_U8 babl_format ("R'G'B'A u8")

static gchar *gimp_dir;   /* GIMP2_DIRECTORY of the tests */

/* A personal GIMP directory whose plug-in path holds the built plug-in
 * beside GIMP's own (script-fu among them).  */
static void
setup_gimp (void)
{
  const gchar *plugin = g_getenv ("SMP_GIMP_PLUGIN");
  const gchar *system = g_getenv ("SMP_GIMP_SYSTEM_PLUGINS");
  gchar       *plugins, *link, *rc, *text;

  g_assert_nonnull (plugin);
  gimp_dir = g_build_filename (smp_test_tmpdir (), "gimp", NULL);
  plugins  = g_build_filename (gimp_dir, "plug-ins", NULL);
  g_mkdir_with_parents (plugins, 0700);
  /* GIMP complains at exit about data folders it cannot find.  */
  {
    const gchar *data[] = { "brushes", "dynamics", "fonts", "gradients",
                            "palettes", "patterns", "tool-presets", NULL };
    gint         i;

    for (i = 0; data[i]; i++)
      {
        gchar *dir = g_build_filename (gimp_dir, data[i], NULL);

        g_mkdir_with_parents (dir, 0700);
        g_free (dir);
      }
  }
  link = g_build_filename (plugins, "smp-gimp", NULL);
  g_assert_cmpint (symlink (plugin, link), ==, 0);
  rc   = g_build_filename (gimp_dir, "gimprc", NULL);
  text = g_strdup_printf ("(plug-in-path \"%s:%s\")\n", plugins, system);
  g_assert_true (g_file_set_contents (rc, text, -1, NULL));
  g_free (plugins);
  g_free (link);
  g_free (rc);
  g_free (text);
}

/* Runs script-fu code in gimp-console, then `then` (NULL: nothing) as a
 * second batch command in the same session, which runs even when the first
 * failed: the images are still there.  Returns what GIMP said on stderr
 * (gimp-message lines and PDB errors among it).  */
static gchar *
run_gimp2 (const gchar *script,
           const gchar *then)
{
  gchar       *path = g_build_filename (smp_test_tmpdir (), "script.scm", NULL);
  gchar       *load = g_strdup_printf ("(load \"%s\")", path);
  const gchar *argv[] = { "gimp-console", "-i", "-d", "-f", "-b", load,
                          "-b", then ? then : "(gimp-quit 0)",
                          "-b", "(gimp-quit 0)", NULL };
  const gchar *env[]  = { "GIMP2_DIRECTORY", gimp_dir, NULL };
  gchar       *out, *err = NULL;

  g_assert_true (g_file_set_contents (path, script, -1, NULL));
  out = smp_test_run (argv, env, &err);
  g_free (out);
  g_free (path);
  g_free (load);
  return err;
}

static gchar *
run_gimp (const gchar *script)
{
  return run_gimp2 (script, NULL);
}

/* The op's defaults as script-fu arguments, with px-per-mm set.  */
static gchar *
default_args (const gchar *op,
              gdouble      ppm)
{
  SmpSettings *s    = smp_settings_new (op);
  GString     *args = g_string_new (NULL);
  guint        i;

  g_assert_nonnull (s);
  for (i = 0; i < s->n_specs; i++)
    {
      const GValue *v = &s->values[i];
      gchar         num[G_ASCII_DTOSTR_BUF_SIZE];

      if (! strcmp (s->specs[i]->name, "px-per-mm"))
        g_string_append_printf (args, " %s",
                                g_ascii_dtostr (num, sizeof num, ppm));
      else if (G_VALUE_HOLDS_DOUBLE (v))
        g_string_append_printf (args, " %s",
                                g_ascii_dtostr (num, sizeof num,
                                                g_value_get_double (v)));
      else if (G_VALUE_HOLDS_INT (v))
        g_string_append_printf (args, " %d", g_value_get_int (v));
      else if (G_VALUE_HOLDS_UINT (v))
        g_string_append_printf (args, " %u", g_value_get_uint (v));
      else if (G_VALUE_HOLDS_ENUM (v))
        g_string_append_printf (args, " %d", g_value_get_enum (v));
      else if (G_VALUE_HOLDS_BOOLEAN (v))
        g_string_append_printf (args, " %d", g_value_get_boolean (v));
      else if (G_VALUE_HOLDS (v, GEGL_TYPE_COLOR))
        {
          guchar rgba[4];

          gegl_color_get_pixel (g_value_get_object (v), RGBA_U8, rgba);
          g_string_append_printf (args, " '(%d %d %d)", rgba[0], rgba[1],
                                  rgba[2]);
        }
      else if (G_VALUE_HOLDS_STRING (v))
        g_string_append_printf (args, " \"%s\"",
                                g_value_get_string (v) ? g_value_get_string (v)
                                                       : "");
    }
  smp_settings_free (s);
  return g_string_free (args, FALSE);
}

static gchar *
tmp_path (const gchar *name)
{
  return g_build_filename (smp_test_tmpdir (), name, NULL);
}

static guchar *
load_png (const gchar   *name,
          GeglRectangle *box)
{
  gchar    *path  = tmp_path (name);
  GeglNode *graph = gegl_node_new ();
  GeglNode *load  = gegl_node_new_child (graph, "operation", "gegl:load",
                                         "path", path, NULL);
  guchar   *data;

  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  *box = gegl_node_get_bounding_box (load);
  data = smp_test_blit (load, box, RGBA_U8);
  g_object_unref (graph);
  g_free (path);
  return data;
}

static gboolean
said (const gchar *err,
      const gchar *what)
{
  return strstr (err, what) != NULL;
}

/* 1 and 2: every op on a feathered elliptical selection.  */
static void
test_op_on_selection (gconstpointer data)
{
  const gchar  *op   = data;
  const gchar  *proc = smp_settings_short_name (op);
  GeglRectangle rect = { 0, 0, 600, 400 }, box;
  GeglBuffer   *photo = smp_test_photo (&rect, RGBA_U8);
  gchar        *in    = tmp_path ("in.png");
  gchar        *args  = default_args (op, 20.0);
  gchar        *script, *err, *d = g_strdup (smp_test_tmpdir ());
  guchar       *orig, *after, *result, *sel;
  gfloat       *dark;
  gint          i, n = rect.width * rect.height, outside_changed = 0;
  gint          inside_changed = 0;
  gsize         core_dots = 0, feather_dots = 0, core_px = 0, feather_px = 0;
  gdouble      *c;
  gsize         nb, k;

  smp_test_save_png (photo, in);
  script = g_strdup_printf (
    "(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE \"%s\" \"%s\")))\n"
    "       (layer (car (gimp-image-get-active-layer image))))\n"
    "  (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 120 60 360 280)\n"
    "  (gimp-selection-feather image 80)\n"
    "  (let ((sel (car (gimp-selection-save image))))\n"
    "    (gimp-file-save RUN-NONINTERACTIVE image sel \"%s/sel.png\" \"sel.png\")\n"
    "    (gimp-image-remove-channel image sel))\n"
    "  (plug-in-smp-%s RUN-NONINTERACTIVE image layer%s 0 -1 0)\n"
    "  (let* ((layers (gimp-image-get-layers image))\n"
    "         (top (vector-ref (cadr layers) 0)))\n"
    "    (gimp-message (string-append \"LAYERS \" (number->string (car layers))\n"
    "                  \" TOP \" (car (gimp-item-get-name top))))\n"
    "    (gimp-file-save RUN-NONINTERACTIVE image top \"%s/result.png\" \"r.png\")\n"
    "    (gimp-file-save RUN-NONINTERACTIVE image layer \"%s/orig.png\" \"o.png\")))\n",
    in, in, d, proc, args, d, d);
  err = run_gimp (script);
  g_test_message ("%s", err);
  g_assert_true (said (err, "LAYERS 2 TOP SMP "));

  orig   = load_png ("in.png", &box);
  after  = load_png ("orig.png", &box);
  result = load_png ("result.png", &box);
  sel    = load_png ("sel.png", &box);
  g_assert_cmpint (box.width, ==, rect.width);

  /* The original layer, bit for bit.  */
  g_assert_cmpmem (after, n * 4, orig, n * 4);

  /* Pigment inside the selection only, density falling off in the
   * feather.  */
  dark = g_new (gfloat, n);
  for (i = 0; i < n; i++)
    {
      gboolean changed = memcmp (result + i * 4, orig + i * 4, 4) != 0;

      if (sel[i * 4] == 0)
        outside_changed += changed;
      else
        inside_changed += changed;
      dark[i] = 1.0f - (result[i * 4 + 2] + 0.5f) / (orig[i * 4 + 2] + 0.5f);
      core_px    += sel[i * 4] == 255;
      feather_px += sel[i * 4] > 25 && sel[i * 4] < 128;
    }
  nb = smp_stats_blobs (dark, rect.width, rect.height, 0.12f, &c);
  for (k = 0; k < nb; k++)
    {
      gint s = sel[((gint) c[2 * k + 1] * rect.width + (gint) c[2 * k]) * 4];

      core_dots    += s == 255;
      feather_dots += s > 25 && s < 128;
    }
  g_test_message ("%s: %d pixels changed inside the selection, %d outside; "
                  "%.4f dots/px in the core, %.4f in the feather (10-50 %%)",
                  op, inside_changed, outside_changed,
                  (gdouble) core_dots / core_px,
                  (gdouble) feather_dots / feather_px);
  g_assert_cmpint (outside_changed, ==, 0);
  g_assert_cmpint (inside_changed, >, n / 50);
  if (! strcmp (op, "smp:density-soften"))
    {
      /* Its effect is mostly an even shade, not dots one can count: the
       * mean darkening falls off in the feather instead.  */
      gdouble core = 0.0, feather = 0.0;

      for (i = 0; i < n; i++)
        {
          core    += sel[i * 4] == 255 ? dark[i] : 0.0;
          feather += sel[i * 4] > 25 && sel[i * 4] < 128 ? dark[i] : 0.0;
        }
      core    /= core_px;
      feather /= feather_px;
      g_test_message ("%s: mean darkening %.3f in the core, %.3f in the "
                      "feather", op, core, feather);
      g_assert_cmpfloat (feather, <, 0.7 * core);
      g_assert_cmpfloat (feather, >, 0.0);
    }
  else
    {
      g_assert_cmpfloat ((gdouble) feather_dots / feather_px, <,
                         0.7 * core_dots / core_px);
      g_assert_cmpfloat ((gdouble) feather_dots / feather_px, >, 0.0);
    }

  free (c);
  g_free (dark);
  g_free (orig);
  g_free (after);
  g_free (result);
  g_free (sel);
  g_free (args);
  g_free (script);
  g_free (err);
  g_free (in);
  g_free (d);
  g_object_unref (photo);
}

/* One case of test 3: setup code (binds image and drawable), the call,
 * then GIMP says how many top-level layers the image has.  */
static gchar *
bad_case (const gchar *setup,
          const gchar *call)
{
  gchar *in     = tmp_path ("small.png");
  gchar *script = g_strdup_printf (
    "(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE \"%s\" \"%s\")))\n"
    "       (layer (car (gimp-image-get-active-layer image)))\n"
    "       (drawable layer))\n"
    "  %s\n"
    "  (gimp-message \"CALLING\")\n"
    "  %s\n"
    "  (gimp-message \"RAN\"))\n", in, in, setup, call);
  gchar *check  = g_strdup_printf (
    "(let* ((image (vector-ref (cadr (gimp-image-list)) 0))\n"
    "       (layer (vector-ref (cadr (gimp-image-get-layers image))\n"
    "                          (- (car (gimp-image-get-layers image)) 1))))\n"
    "  (gimp-message (string-append \"LAYERS \"\n"
    "    (number->string (car (gimp-image-get-layers image)))))\n"
    "  (if (= (car (gimp-image-base-type image)) INDEXED)\n"
    "      (gimp-image-convert-rgb image))\n"
    "  (gimp-file-save RUN-NONINTERACTIVE image layer \"%s/after.png\" \"a.png\"))",
    smp_test_tmpdir ());
  gchar *err    = run_gimp2 (script, check);

  g_test_message ("%s", err);
  g_assert_true (strstr (err, "CALLING") != NULL);
  g_assert_true (strstr (err, "CRITICAL") == NULL);
  g_free (script);
  g_free (check);
  g_free (in);
  return err;
}

static void
assert_unchanged (void)
{
  GeglRectangle box, box2;
  guchar       *orig  = load_png ("small.png", &box);
  guchar       *after = load_png ("after.png", &box2);

  g_assert_cmpint (box.width, ==, box2.width);
  g_assert_cmpmem (after, box.width * box.height * 4, orig,
                   box.width * box.height * 4);
  g_free (orig);
  g_free (after);
}

/* 3: indexed image, a selection that misses the layer, an empty selection,
 * a layer group, an out-of-range argument: a clear error or a no-op, the
 * original layer unchanged.  Each in its own GIMP session (script-fu's
 * catch leaves it unstable).  */
static void
test_bad_drawables (void)
{
  GeglRectangle rect = { 0, 0, 200, 150 };
  GeglBuffer   *photo = smp_test_photo (&rect, RGBA_U8);
  gchar        *in    = tmp_path ("small.png");
  gchar        *args  = default_args ("smp:follicles", 10.0);
  gchar        *call  = g_strdup_printf ("(plug-in-smp-follicles "
                                         "RUN-NONINTERACTIVE image drawable%s "
                                         "0 -1 0)", args);
  gchar        *range = g_strdup_printf ("(plug-in-smp-follicles "
                                         "RUN-NONINTERACTIVE image drawable "
                                         "1000%s 0 -1 0)",
                                         strchr (args + 1, ' '));
  gchar        *err;

  smp_test_save_png (photo, in);

  /* Indexed: an error that says what to do, no new layer.  */
  err = bad_case ("(gimp-image-convert-indexed image CONVERT-DITHER-NONE "
                  "CONVERT-PALETTE-GENERATE 256 FALSE FALSE \"\")", call);
  g_assert_true (said (err, "Image > Mode > RGB"));
  g_assert_false (said (err, "RAN"));
  g_assert_true (said (err, "LAYERS 1"));
  g_free (err);

  /* A selection that misses the layer: a no-op that says so.  */
  err = bad_case ("(gimp-image-resize image 600 400 0 0)"
                  "(gimp-image-select-rectangle image CHANNEL-OP-REPLACE "
                  "400 250 100 100)", call);
  g_assert_true (said (err, "does not touch the layer"));
  g_assert_true (said (err, "RAN"));
  g_assert_true (said (err, "LAYERS 1"));
  assert_unchanged ();
  g_free (err);

  /* A zero-size selection is an empty one, which GIMP reads as no
   * selection: the whole layer, on a new layer.  */
  err = bad_case ("(gimp-image-select-rectangle image CHANNEL-OP-REPLACE "
                  "10 10 0 0)", call);
  g_assert_true (said (err, "RAN"));
  g_assert_true (said (err, "LAYERS 2"));
  g_free (err);

  /* A layer group: an error naming it, nothing added.  */
  err = bad_case ("(set! drawable (car (gimp-layer-group-new image)))"
                  "(gimp-image-insert-layer image drawable 0 0)", call);
  g_assert_true (said (err, "is a layer group"));
  g_assert_false (said (err, "RAN"));
  g_assert_true (said (err, "LAYERS 2"));
  assert_unchanged ();
  g_free (err);

  /* An out-of-range argument: an error naming it and its range.  */
  err = bad_case ("", range);
  g_assert_true (said (err, "px-per-mm = 1000"));
  g_assert_false (said (err, "RAN"));
  g_assert_true (said (err, "LAYERS 1"));
  assert_unchanged ();
  g_free (err);

  g_free (call);
  g_free (range);
  g_free (args);
  g_free (in);
  g_object_unref (photo);
}

/* 4: the pigment layer in Multiply mode, flattened, is the composite.  */
static void
test_pigment_layer (void)
{
  GeglRectangle rect = { 0, 0, 400, 300 }, box;
  GeglBuffer   *photo = smp_test_photo (&rect, RGBA_U8);
  gchar        *in    = tmp_path ("pig.png");
  gchar        *args  = default_args ("smp:follicles", 16.0);
  gchar        *d     = g_strdup (smp_test_tmpdir ());
  gchar        *script, *err;
  guchar       *comp, *flat;
  gint          i, worst = 0, n = rect.width * rect.height, differ = 0;

  smp_test_save_png (photo, in);
  script = g_strdup_printf (
    "(define (run result path)\n"
    "  (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE \"%s\" \"%s\")))\n"
    "         (layer (car (gimp-image-get-active-layer image))))\n"
    "    (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 50 40 300 220)\n"
    "    (gimp-selection-feather image 40)\n"
    "    (plug-in-smp-follicles RUN-NONINTERACTIVE image layer%s 0 -1 result)\n"
    "    (let ((flat (car (gimp-image-flatten image))))\n"
    "      (gimp-file-save RUN-NONINTERACTIVE image flat path path))))\n"
    "(run 0 \"%s/composite.png\")\n"
    "(run 1 \"%s/pigment-flat.png\")\n"
    "(run 2 \"%s/in-place.png\")\n",
    in, in, args, d, d, d);
  err = run_gimp (script);
  g_test_message ("%s", err);
  comp = load_png ("composite.png", &box);
  flat = load_png ("pigment-flat.png", &box);
  for (i = 0; i < n * 4; i++)
    {
      worst   = MAX (worst, abs ((gint) comp[i] - (gint) flat[i]));
      differ += comp[i] != flat[i];
    }
  g_test_message ("pigment layer (Multiply, flattened) vs composite: worst "
                  "%d/255, %d channel values differ", worst, differ);
  g_assert_cmpint (worst, <=, 1);
  g_free (flat);
  flat = load_png ("in-place.png", &box);
  g_assert_cmpmem (flat, n * 4, comp, n * 4);

  g_free (comp);
  g_free (flat);
  g_free (script);
  g_free (err);
  g_free (args);
  g_free (in);
  g_free (d);
  g_object_unref (photo);
}

/* One Xvfb for the GUI tests, on the first free display number, stopped
 * at exit.  */
static GPid   xvfb_pid;
static gchar *xvfb_display;

static void
stop_xvfb (void)
{
  kill (xvfb_pid, SIGTERM);
  waitpid (xvfb_pid, NULL, 0);
}

static const gchar *
xvfb (void)
{
  const gchar *argv[] = { "Xvfb", "-displayfd", "1", "-screen", "0",
                          "1600x1000x24", "-nolisten", "tcp", NULL };
  gchar        buf[32] = { 0 };
  gint         out_fd;

  if (xvfb_display)
    return xvfb_display;
  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL,
                                           G_SPAWN_SEARCH_PATH |
                                           G_SPAWN_DO_NOT_REAP_CHILD |
                                           G_SPAWN_STDERR_TO_DEV_NULL,
                                           NULL, NULL, &xvfb_pid, NULL,
                                           &out_fd, NULL, NULL));
  /* The display number, once the server is ready.  The pipe stays open:
   * Xvfb may write to it again.  */
  g_assert_cmpint (read (out_fd, buf, sizeof buf - 1), >, 0);
  xvfb_display = g_strdup_printf (":%d", atoi (buf));
  atexit (stop_xvfb);
  return xvfb_display;
}

/* The real GIMP with its GUI on the test display, running the batch
 * command `batch`, its output in log.  */
static GPid
spawn_gimp_gui (const gchar *batch,
                const gchar *log)
{
  gchar  *cmd = g_strdup_printf ("gimp --no-splash --no-data --no-fonts %s "
                                 "> %s 2>&1", batch, log);
  gchar **env = g_environ_setenv (g_get_environ (), "DISPLAY", xvfb (), TRUE);
  const gchar *argv[] = { "/bin/sh", "-c", cmd, NULL };
  GPid    pid;

  env = g_environ_setenv (env, "GIMP2_DIRECTORY", gimp_dir, TRUE);
  env = g_environ_setenv (env, "SMP_PREVIEW_TIMING", "1", TRUE);
  /* In the sanitizer build (unused there today: see tests/meson.build).  */
  if (g_getenv ("SMP_CHILD_PRELOAD") && *g_getenv ("SMP_CHILD_PRELOAD"))
    env = g_environ_setenv (env, "LD_PRELOAD", g_getenv ("SMP_CHILD_PRELOAD"),
                            TRUE);
  g_assert_true (g_spawn_async (NULL, (gchar **) argv, env,
                                G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                NULL));
  g_strfreev (env);
  g_free (cmd);
  return pid;
}

/* Waits up to a minute for GIMP to quit, then ends it; TRUE if it quit.  */
static gboolean
wait_gimp (GPid pid)
{
  gint i, status;

  for (i = 0; i < 600; i++)
    {
      if (waitpid (pid, &status, WNOHANG) == pid)
        return TRUE;
      g_usleep (100000);
    }
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  return FALSE;
}

/* The X window whose name matches the regex, waiting for it; NULL if none
 * came within about a minute.  */
static gchar *
find_window (const gchar *display,
             const gchar *name)
{
  gchar *cmd = g_strdup_printf ("env DISPLAY=%s timeout 2 xdotool search "
                                "--sync --onlyvisible --name '%s'",
                                display, name);
  gchar *id  = NULL;
  gint   tries;

  for (tries = 0; tries < 45 && ! (id && *id); tries++)
    {
      g_free (id);
      id = NULL;
      g_spawn_command_line_sync (cmd, &id, NULL, NULL, NULL);
      if (id)
        {
          g_strstrip (id);
          /* The first match, if several.  */
          if (strchr (id, '\n'))
            *strchr (id, '\n') = '\0';
        }
    }
  g_free (cmd);
  if (id && ! *id)
    g_clear_pointer (&id, g_free);
  return id;
}

/* Keys to a window, as a person types them.  */
static void
press (const gchar *display,
       const gchar *window,
       const gchar *keys)
{
  gchar *cmd = g_strdup_printf ("env DISPLAY=%s xdotool windowfocus --sync %s "
                                "key %s", display, window, keys);

  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  g_free (cmd);
}

/* One script-fu command through GIMP's script-fu server: 'G', length,
 * text; the answer is 'G', error flag, length, text.  With failed NULL no
 * answer is read and NULL returned.  */
static gchar *
script_fu (guint16      port,
           const gchar *command,
           gboolean    *failed)
{
  GSocketClient     *client = g_socket_client_new ();
  GSocketConnection *conn   = NULL;
  GInputStream      *in;
  GOutputStream     *out;
  guchar             head[4];
  gsize              n = strlen (command), got;
  gchar             *answer;
  gint               tries;

  /* The server starts with GIMP: wait for it.  */
  for (tries = 0; tries < 120 && ! conn; tries++)
    {
      conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL,
                                              NULL);
      if (! conn)
        g_usleep (500000);
    }
  g_assert_nonnull (conn);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  in  = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  head[0] = 'G';
  head[1] = (guchar) (n >> 8);
  head[2] = (guchar) (n & 0xff);
  g_assert_true (g_output_stream_write_all (out, head, 3, NULL, NULL, NULL));
  g_assert_true (g_output_stream_write_all (out, command, n, NULL, NULL, NULL));
  if (! failed)
    {
      /* No answer wanted (gimp-quit gives none).  */
      g_object_unref (conn);
      g_object_unref (client);
      return NULL;
    }
  g_assert_true (g_input_stream_read_all (in, head, 4, &got, NULL, NULL));
  g_assert_cmpint (got, ==, 4);
  n = (head[2] << 8) | head[3];
  answer = g_malloc0 (n + 1);
  g_assert_true (g_input_stream_read_all (in, answer, n, &got, NULL, NULL));
  *failed = head[1] != 0;
  g_object_unref (conn);
  g_object_unref (client);
  return answer;
}

static guint16
free_port (void)
{
  GSocket        *sock = g_socket_new (G_SOCKET_FAMILY_IPV4,
                                       G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress   *lo   = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0);
  GSocketAddress *got;
  guint16         port;

  g_assert_true (g_socket_bind (sock, addr, TRUE, NULL));
  got  = g_socket_get_local_address (sock, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (got));
  g_object_unref (got);
  g_object_unref (addr);
  g_object_unref (lo);
  g_socket_close (sock, NULL);
  g_object_unref (sock);
  return port;
}

/* 1 and 2, the undo: in the real GIMP with its GUI, each op run on a
 * feathered selection, then one Ctrl+Z in the image window: the image is
 * as before (the new layer gone, or the layer's own pixels back for
 * "apply to the layer itself"), and the selection, made before, is still
 * there, so exactly the plug-in's one step was undone.  */
static void
test_undo (void)
{
  GeglRectangle rect = { 0, 0, 400, 300 }, box;
  GeglBuffer   *photo = smp_test_photo (&rect, RGBA_U8);
  gchar        *in = tmp_path ("undo.png"), *log = tmp_path ("undo.log");
  gchar        *d  = g_strdup (smp_test_tmpdir ());
  gchar       **ops = smp_settings_list_ops ();
  guint16       port = free_port ();
  gchar        *display, *serve, *window, *answer;
  GPid          gimp;
  gint          i, result;

  smp_test_save_png (photo, in);
  display = g_strdup (xvfb ());
  g_test_message ("Xvfb on %s, GIMP's script-fu server on port %d", display,
                  port);
  serve = g_strdup_printf ("-b '(plug-in-script-fu-server RUN-NONINTERACTIVE "
                           "\"127.0.0.1\" %d \"\")'", port);
  gimp  = spawn_gimp_gui (serve, log);

  /* The server starts with GIMP: wait for it, or say why not.  */
  {
    GSocketClient     *client = g_socket_client_new ();
    GSocketConnection *conn   = NULL;
    gchar             *text   = NULL;

    for (i = 0; i < 120 && ! conn; i++)
      if (! (conn = g_socket_client_connect_to_host (client, "127.0.0.1", port,
                                                     NULL, NULL)))
        g_usleep (500000);
    if (! conn)
      {
        g_file_get_contents (log, &text, NULL, NULL);
        g_test_message ("GIMP's script-fu server did not start:\n%s", text);
        g_free (text);
      }
    g_assert_nonnull (conn);
    g_object_unref (conn);
    g_object_unref (client);
  }

  for (i = 0; ops[i]; i++)
    for (result = 0; result <= 2; result += 2)
      {
        gchar   *args = default_args (ops[i], 12.0);
        gchar   *cmd;
        gboolean failed;
        guchar  *orig, *before, *after;

        cmd = g_strdup_printf (
          "(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE \"%s\" \"%s\")))"
          "       (layer (car (gimp-image-get-active-layer image))))"
          "  (gimp-display-new image)"
          "  (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 60 40 280 220)"
          "  (gimp-selection-feather image 50)"
          "  (plug-in-smp-%s RUN-NONINTERACTIVE image layer%s 0 -1 %d)"
          "  (gimp-file-save RUN-NONINTERACTIVE image"
          "    (vector-ref (cadr (gimp-image-get-layers image)) 0)"
          "    \"%s/undo-before.png\" \"b.png\")"
          "  (car (gimp-image-get-layers image)))",
          in, in, smp_settings_short_name (ops[i]), args, result, d);
        answer = script_fu (port, cmd, &failed);
        g_test_message ("%s, result %d: %d layers after the run", ops[i],
                        result, atoi (answer));
        g_assert_false (failed);
        g_assert_cmpint (atoi (answer), ==, result == 2 ? 1 : 2);
        g_free (answer);
        g_free (cmd);

        window = find_window (display, "undo.png");
        g_assert_nonnull (window);
        press (display, window, "ctrl+z");
        g_usleep (500000);

        cmd = g_strdup_printf (
          "(let* ((image (vector-ref (cadr (gimp-image-list)) 0))"
          "       (layer (vector-ref (cadr (gimp-image-get-layers image)) 0)))"
          "  (gimp-file-save RUN-NONINTERACTIVE image layer"
          "    \"%s/undo-after.png\" \"a.png\")"
          "  (list (car (gimp-image-get-layers image))"
          "        (car (gimp-selection-is-empty image))))", d);
        answer = script_fu (port, cmd, &failed);
        g_test_message ("after one Ctrl+Z: (layers, selection empty) = %s",
                        answer);
        g_assert_false (failed);
        g_assert_cmpstr (answer, ==, "(1 0)");
        g_free (answer);
        g_free (cmd);

        orig   = load_png ("undo.png", &box);
        before = load_png ("undo-before.png", &box);
        after  = load_png ("undo-after.png", &box);
        g_assert_cmpint (memcmp (before, orig, box.width * box.height * 4),
                         !=, 0);
        g_assert_cmpmem (after, box.width * box.height * 4, orig,
                         box.width * box.height * 4);
        g_free (orig);
        g_free (before);
        g_free (after);

        answer = script_fu (port, "(gimp-display-delete (vector-ref (cadr "
                            "(gimp-display-list)) 0))", &failed);
        g_free (answer);
        g_free (window);
        g_free (args);
      }

  script_fu (port, "(gimp-quit 1)", NULL);
  g_assert_true (wait_gimp (gimp));
  {
    gchar *text = NULL;

    g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
    g_assert_null (strstr (text, "CRITICAL"));
    g_free (text);
  }

  g_strfreev (ops);
  g_free (serve);
  g_free (display);
  g_free (in);
  g_free (log);
  g_free (d);
  g_object_unref (photo);
}

/* 5: the real GIMP with its GUI under Xvfb opens each op's dialog; a
 * screenshot of each is written to the build dir's review/ for a person
 * to look at, and GIMP prints no GLib critical.  */
static void
test_dialogs (void)
{
  GeglRectangle rect = { 0, 0, 800, 600 };
  GeglBuffer   *photo = smp_test_photo (&rect, RGBA_U8);
  gchar        *in = tmp_path ("gui.png"), *log = tmp_path ("gui.log");
  gchar        *review = g_build_filename (g_getenv ("SMP_BUILD_DIR"),
                                           "review", NULL);
  gchar        *path = tmp_path ("gui.scm"), *display, *load, *text = NULL;
  gchar       **ops = smp_settings_list_ops ();
  GString      *script = g_string_new (NULL);
  GPid          gimp;
  gint          i, status;
  gboolean      quit;

  smp_test_save_png (photo, in);
  g_mkdir_with_parents (review, 0755);
  display = g_strdup (xvfb ());

  /* Each op's dialog in turn, on a photo with a feathered selection.  */
  g_string_append_printf (script,
    "(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE \"%s\" \"%s\")))\n"
    "       (layer (car (gimp-image-get-active-layer image))))\n"
    "  (gimp-display-new image)\n"
    "  (gimp-image-select-ellipse image CHANNEL-OP-REPLACE 100 80 600 440)\n"
    "  (gimp-selection-feather image 120)\n", in, in);
  for (i = 0; ops[i]; i++)
    {
      gchar *args = default_args (ops[i], 10.0);

      g_string_append_printf (script,
        "  (plug-in-smp-%s RUN-INTERACTIVE image layer%s 0 -1 0)\n",
        smp_settings_short_name (ops[i]), args);
      g_free (args);
    }
  g_string_append (script, "  (gimp-quit 1))\n");
  g_assert_true (g_file_set_contents (path, script->str, -1, NULL));

  /* The forced quit runs even when a cancelled dialog fails the script.  */
  load = g_strdup_printf ("-b '(load \"%s\")' -b '(gimp-quit 1)'", path);
  gimp = spawn_gimp_gui (load, log);

  for (i = 0; ops[i]; i++)
    {
      const gchar *title = gegl_operation_get_key (ops[i], "title");
      gchar       *name  = g_strdup_printf ("^%s$", title);
      gchar       *id    = find_window (display, name);
      gchar       *shot, *cmd;

      g_assert_nonnull (id);
      /* Let the preview render before the shot.  */
      g_usleep (1500000);
      shot = g_strdup_printf ("%s/gimp-dialog-%s.png", review,
                              smp_settings_short_name (ops[i]));
      cmd  = g_strdup_printf ("env DISPLAY=%s import -window %s %s", display,
                              id, shot);
      g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
      g_assert_true (g_file_test (shot, G_FILE_TEST_EXISTS));
      g_test_message ("dialog \"%s\" (window %s): %s", title, id, shot);
      g_free (cmd);
      press (display, id, "Escape");
      g_free (shot);
      g_free (id);
      g_free (name);
    }

  /* GIMP quits by itself once the last dialog is closed (forced: the
   * image is unsaved, on purpose).  */
  quit = wait_gimp (gimp);

  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  g_test_message ("GIMP said:\n%s", text);
  g_assert_nonnull (strstr (text, "smp-gimp: preview of"));
  g_assert_null (strstr (text, "CRITICAL"));
  g_assert_null (strstr (text, "smp-gimp-WARNING"));
  g_assert_true (quit);

  g_free (text);
  g_strfreev (ops);
  g_string_free (script, TRUE);
  g_free (load);
  g_free (display);
  g_free (path);
  g_free (review);
  g_free (in);
  g_free (log);
  g_object_unref (photo);
}

/* RUN-WITH-LAST-VALS repeats the last run's settings, not the defaults.  */
static void
test_last_values (void)
{
  GeglRectangle rect = { 0, 0, 300, 200 }, box;
  GeglBuffer   *photo = smp_test_photo (&rect, RGBA_U8);
  gchar        *in    = tmp_path ("last.png");
  gchar        *args  = default_args ("smp:follicles", 14.0);
  gchar        *d     = g_strdup (smp_test_tmpdir ());
  gchar        *script, *err, *dense;
  guchar       *a, *b, *c;

  /* The same run with density 180 instead of the default.  */
  dense = g_strdup_printf ("%s", args);
  {
    gchar **w = g_strsplit (g_strstrip (dense), " ", -1);

    g_free (w[1]);
    w[1] = g_strdup ("180");
    g_free (dense);
    dense = g_strjoinv (" ", w);
    g_strfreev (w);
  }
  smp_test_save_png (photo, in);
  script = g_strdup_printf (
    "(define (run mode args path)\n"
    "  (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE \"%s\" \"%s\")))\n"
    "         (layer (car (gimp-image-get-active-layer image))))\n"
    "    (apply plug-in-smp-follicles (append (list mode image layer) args))\n"
    "    (gimp-file-save RUN-NONINTERACTIVE image\n"
    "      (vector-ref (cadr (gimp-image-get-layers image)) 0) path path)))\n"
    "(run RUN-NONINTERACTIVE (list %s 0 -1 0) \"%s/last-a.png\")\n"
    "(run RUN-WITH-LAST-VALS (list %s 0 -1 0) \"%s/last-b.png\")\n"
    "(run RUN-NONINTERACTIVE (list %s 0 -1 0) \"%s/last-c.png\")\n",
    in, in, dense, d, args, d, args, d);
  err = run_gimp (script);
  g_test_message ("%s", err);
  a = load_png ("last-a.png", &box);
  b = load_png ("last-b.png", &box);
  c = load_png ("last-c.png", &box);
  /* b repeats a (density 180), not c (the defaults).  */
  g_assert_cmpmem (b, box.width * box.height * 4, a, box.width * box.height * 4);
  g_assert_cmpint (memcmp (c, a, box.width * box.height * 4), !=, 0);
  g_free (a);
  g_free (b);
  g_free (c);
  g_free (script);
  g_free (err);
  g_free (dense);
  g_free (args);
  g_free (in);
  g_free (d);
  g_object_unref (photo);
}

int
main (int    argc,
      char **argv)
{
  gchar **ops;
  gint    i;

  smp_test_init (&argc, &argv);
  setup_gimp ();
  ops = smp_settings_list_ops ();
  g_assert_nonnull (ops[0]);
  for (i = 0; ops[i]; i++)
    {
      gchar *path = g_strdup_printf ("/gimp/%s/selection",
                                     smp_settings_short_name (ops[i]));

      g_test_add_data_func (path, ops[i], test_op_on_selection);
      g_free (path);
    }
  g_test_add_func ("/gimp/bad-drawables", test_bad_drawables);
  g_test_add_func ("/gimp/pigment-layer", test_pigment_layer);
  g_test_add_func ("/gimp/dialogs", test_dialogs);
  g_test_add_func ("/gimp/undo", test_undo);
  g_test_add_func ("/gimp/last-values", test_last_values);
  return g_test_run ();
}
