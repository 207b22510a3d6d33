/* smp-preview: before/after sheets of scalp micropigmentation for a batch
 * of photos, one column per preset.
 *
 *   smp-preview [options] PHOTO... -o OUTDIR
 *
 * Photos are shared among -j worker processes, each with its own GEGL (a
 * process that forks after starting GEGL's threads is not safe, and a
 * photo that crashes an image loader takes only its worker down).  The
 * workers tell the parent how far they are over a pipe, in lines short
 * enough to be written whole; the parent draws the progress bar and
 * reports, one line each, the photos that failed.  Every photo's sheet is
 * a function of that photo, its mask and the options only, so -j never
 * changes a byte.
 *
 * Nothing of the user's is overwritten: an output that is one of the
 * inputs (by any name) is refused before any work; files are written under
 * a temporary name of the run and renamed; an interrupted run (a signal to
 * the parent or to a worker) removes its temporaries, and a later run
 * removes those of runs that died without a chance to.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "smp-image.h"
#include "smp-presets.h"
#include "smp-sheet.h"

typedef enum
{
  PHOTO_WAITING,
  PHOTO_WORKING,
  PHOTO_DONE,
  PHOTO_FAILED
} PhotoState;

typedef struct
{
  PhotoState state;
  gint       permille;
  gboolean   thumb;      /* its small copy for the contact sheet exists */
} Photo;

/* What a worker tells the parent about photo INDEX, a line each:
 *   p INDEX PERMILLE   how far it is
 *   i INDEX MESSAGE    something to say about it (a panel that changed
 *                      nothing, ...)
 *   h INDEX            the automatic mask found no head in it: its sheet
 *                      shows it untreated, and it counts as failed
 *   d INDEX            its sheet is written
 *   n INDEX            its sheet is written, and a preset treated the
 *                      whole photo for want of a mask
 *   w INDEX MESSAGE    its sheet is written, but its small copy is not
 *   e INDEX MESSAGE    it failed, and why  */
typedef enum
{
  MSG_PROGRESS      = 'p',
  MSG_NOTE          = 'i',
  MSG_NO_HEAD       = 'h',
  MSG_DONE          = 'd',
  MSG_DONE_UNMASKED = 'n',
  MSG_WARNING       = 'w',
  MSG_FAILED        = 'e'
} MsgKind;

static gchar   **opt_presets;
static gchar    *opt_ppm;
static gchar    *opt_mask;
static gchar    *opt_mask_mode;
static gboolean  opt_save_masks;
static gchar    *opt_list_file;
static gchar    *opt_seed;
static gchar    *opt_out;
static gboolean  opt_contact;
static gboolean  opt_timeline;
static gboolean  opt_plan;
static gint      opt_jobs = 1;
static gboolean  opt_force;
static gchar    *opt_max;
static gboolean  opt_list;
static gchar   **opt_photos;

static const GOptionEntry entries[] = {
  { "preset", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &opt_presets,
    "A preset: its name (see --list-presets) or a .gegl file; repeat it for "
    "more columns", "NAME|FILE" },
  { "px-per-mm", 's', 0, G_OPTION_ARG_STRING, &opt_ppm,
    "Pixels per millimetre of scalp in the photos (default 4: a whole head "
    "640 px wide; 15-30 for close-ups); a file PHOTO.px-per-mm beside a "
    "photo, holding a number, gives that photo's own", "PX" },
  { "mask", 'm', 0, G_OPTION_ARG_FILENAME, &opt_mask,
    "The mask for every photo (density, scar or region, by preset); "
    "without it, PHOTO.mask.png beside each photo when there is one", "FILE" },
  { "mask-mode", 0, 0, G_OPTION_ARG_STRING, &opt_mask_mode,
    "Where masks come from: auto (the default: the mask file, else the "
    "bald or thinning scalp smp:scalp-map finds; a scar needs a file), "
    "file (only mask files; without one, the whole photo), none (the whole "
    "photo)", "auto|file|none" },
  { "save-masks", 0, 0, G_OPTION_ARG_NONE, &opt_save_masks,
    "Also write the automatic masks used, OUTDIR/PHOTO" SMP_SUFFIX_SAVED
    ": to fix one by hand, copy it beside the photo as PHOTO.mask.png and "
    "run again", NULL },
  { "from-list", 0, 0, G_OPTION_ARG_FILENAME, &opt_list_file,
    "Read the photos from FILE, one path a line (- for standard input), "
    "after those given as arguments", "FILE" },
  { "seed", 0, 0, G_OPTION_ARG_STRING, &opt_seed,
    "Seed of the dots for every preset, 0 to 4294967295 (default: each "
    "preset's own)", "N" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out,
    "Where the sheets go, OUTDIR/PHOTO-preview.png (made if missing)",
    "OUTDIR" },
  { "timeline", 0, 0, G_OPTION_ARG_NONE, &opt_timeline,
    "Five columns for each preset, a simulation of the treatment's course: "
    "after session 1 and after the last session (fresh: red, larger "
    "dots), healed, in 5 years (faded) and touched up then", NULL },
  { "plan", 0, 0, G_OPTION_ARG_NONE, &opt_plan,
    "Also a treatment plan for each photo from its mask and scale (area, "
    "impressions, sessions, hours: an estimate), printed under the photo "
    "and written as OUTDIR/PHOTO" SMP_SUFFIX_PLAN, NULL },
  { "contact-sheet", 0, 0, G_OPTION_ARG_NONE, &opt_contact,
    "Also write OUTDIR/contact-sheet.png, every sheet small, one under "
    "another", NULL },
  { "jobs", 'j', 0, G_OPTION_ARG_INT, &opt_jobs,
    "Photos in parallel (default 1)", "N" },
  { "force", 'f', 0, G_OPTION_ARG_NONE, &opt_force,
    "Replace sheets that exist (otherwise they are kept and reported); an "
    "input is never replaced", NULL },
  { "max-megapixels", 0, 0, G_OPTION_ARG_STRING, &opt_max,
    "Refuse photos and masks larger than this (default "
    G_STRINGIFY (SMP_IMAGE_MAX_MEGAPIXELS) "), by their header, before "
    "reading them", "MP" },
  { "list-presets", 0, 0, G_OPTION_ARG_NONE, &opt_list,
    "List the presets found, and where", NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_photos,
    NULL, "PHOTO..." },
  { NULL }
};

static void
say (const gchar *format,
     ...) G_GNUC_PRINTF (1, 2);

static gboolean on_tty;
static gboolean bar_shown;

static void
clear_bar (void)
{
  if (bar_shown)
    fputs ("\r\033[K", stderr);
  bar_shown = FALSE;
}

/* One line on stderr, above the progress bar.  */
static void
say (const gchar *format,
     ...)
{
  va_list ap;

  clear_bar ();
  fputs ("smp-preview: ", stderr);
  va_start (ap, format);
  vfprintf (stderr, format, ap);
  va_end (ap);
  fputc ('\n', stderr);
}

static void
draw_bar (Photo  *photos,
          gint    n,
          gchar **names)
{
  GString *line  = g_string_new ("\r\033[K");
  gdouble  total = 0.0;
  gint     done  = 0, i, k, width = 30, fill;

  if (! on_tty)
    return;
  for (i = 0; i < n; i++)
    {
      total += photos[i].state >= PHOTO_DONE ? 1.0
                                             : photos[i].permille / 1000.0;
      done  += photos[i].state >= PHOTO_DONE;
    }
  fill = (gint) (width * total / MAX (n, 1));
  g_string_append (line, "[");
  for (k = 0; k < width; k++)
    g_string_append_c (line, k < fill ? '#' : '.');
  g_string_append_printf (line, "] %3d %%  %d/%d photos", (gint) (100 * total /
                          MAX (n, 1)), done, n);
  for (i = 0; i < n; i++)
    if (photos[i].state == PHOTO_WORKING)
      {
        gchar *base = g_path_get_basename (names[i]);

        g_string_append_printf (line, "  %.24s %d %%", base,
                                photos[i].permille / 10);
        g_free (base);
      }
  fputs (line->str, stderr);
  fflush (stderr);
  bar_shown = TRUE;
  g_string_free (line, TRUE);
}


/* The pipe: one writer, one reader.  */

static void
tell (gint         fd,
      MsgKind      kind,
      gint         index,
      gint         value,
      const gchar *text)
{
  gchar line[PIPE_BUF];
  gint  len;

  if (text)
    len = g_snprintf (line, sizeof line - 1, "%c %d %s", kind, index, text);
  else if (kind == MSG_PROGRESS)
    len = g_snprintf (line, sizeof line - 1, "%c %d %d", kind, index, value);
  else
    len = g_snprintf (line, sizeof line - 1, "%c %d", kind, index);
  len = MIN (len, (gint) sizeof line - 2);
  g_strdelimit (line, "\n", ' ');
  line[len++] = '\n';
  /* Under PIPE_BUF: written whole, never mixed with another worker's.  A
   * parent gone: nothing left to work for.  */
  if (write (fd, line, len) < 0)
    {
      smp_sheet_interrupted ();
      _exit (3);
    }
}

/* A line from tell, without its newline; FALSE when it is not one.  */
static gboolean
parse_message (gchar        *line,
               MsgKind      *kind,
               gint         *index,
               gint         *value,
               const gchar **text)
{
  gchar *rest;

  *kind  = line[0];
  *value = 0;
  *text  = "";
  if (! line[0] || line[1] != ' ')
    return FALSE;
  *index = (gint) g_ascii_strtoll (line + 2, &rest, 10);
  if (rest == line + 2)
    return FALSE;
  if (*rest == ' ')
    rest++;
  if (*kind == MSG_PROGRESS)
    *value = (gint) g_ascii_strtoll (rest, NULL, 10);
  else
    *text = rest;
  return TRUE;
}


/* A worker.  */

typedef struct
{
  gint fd;
  gint index;
  gint last;
} Reporter;

static void
report (gdouble  fraction,
        gpointer data)
{
  Reporter *r = data;
  gint      p = (gint) (1000 * fraction);

  if (p - r->last >= 10 || p == 1000)
    {
      tell (r->fd, MSG_PROGRESS, r->index, p, NULL);
      r->last = p;
    }
}

static void
on_worker_signal (int sig)
{
  smp_sheet_interrupted ();
  _exit (128 + sig);
}

static gint
worker (const SmpSheetJob *job,
        gchar            **photos,
        gint               n,
        gint               first,
        gint               step,
        gint               fd)
{
  gint i;

  /* Interrupted (Ctrl+C reaches every worker, a signal to the parent is
   * passed on, and so is the parent's death): no half sheet is left.  */
  signal (SIGINT, on_worker_signal);
  signal (SIGTERM, on_worker_signal);
  signal (SIGHUP, on_worker_signal);
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
  if (getppid () != job->run)
    _exit (3);
  gegl_init (NULL, NULL);
  /* Memory stays bounded: GEGL keeps this much of its tiles in memory and
   * swaps the rest (unless GEGL_SWAP=RAM).  */
  if (! g_getenv ("GEGL_TILE_CACHE_SIZE") && ! g_getenv ("GEGL_CACHE_SIZE"))
    g_object_set (gegl_config (), "tile-cache-size",
                  (guint64) 384 << 20, NULL);

  for (i = first; i < n; i += step)
    {
      Reporter       r = { fd, i, -100 };
      GError        *error = NULL;
      SmpSheetResult result;
      gboolean       ok;
      gint           k;

      if (! photos[i])
        continue;
      tell (fd, MSG_PROGRESS, i, 0, NULL);
      ok = smp_sheet_render (job, photos[i], i, report, &r, &result, &error);
      for (k = 0; result.notes && result.notes[k]; k++)
        tell (fd, MSG_NOTE, i, 0, result.notes[k]);
      if (ok && result.no_head)
        tell (fd, MSG_NO_HEAD, i, 0, NULL);
      if (ok)
        {
          if (result.warning)
            tell (fd, MSG_WARNING, i, 0, result.warning);
          tell (fd, result.whole_photo ? MSG_DONE_UNMASKED : MSG_DONE, i, 0,
                NULL);
        }
      else
        {
          tell (fd, MSG_FAILED, i, 0, error->message);
          g_error_free (error);
        }
      g_free (result.warning);
      g_strfreev (result.notes);
    }
  gegl_exit ();
  return 0;
}


/* The parent.  */

/* The signal that stops the run, the workers it passes on to, and the
 * files it removes at once while it writes the contact sheet itself.  */
static volatile sig_atomic_t stop_signal;
static pid_t                *workers;
static gint                  n_workers;
static gchar               **contact_temps;

static void
on_parent_signal (int sig)
{
  gint i;

  stop_signal = sig;
  for (i = 0; i < n_workers; i++)
    if (workers[i] > 0)
      kill (workers[i], sig);
  if (contact_temps)
    {
      smp_sheet_interrupted ();
      for (i = 0; contact_temps[i]; i++)
        unlink (contact_temps[i]);
      signal (sig, SIG_DFL);
      raise (sig);
    }
}

/* After the workers are gone: the run's temporaries removed, then the
 * signal taken as it would have been.  */
static void
stop_if_signalled (const gchar *outdir,
                   gint         run)
{
  gint sig = stop_signal;

  if (! sig)
    return;
  smp_sheet_clean (outdir, run);
  clear_bar ();
  signal (sig, SIG_DFL);
  raise (sig);
  _exit (128 + sig);
}

/* The presets are checked by a first, short worker: GEGL parses them, and
 * their values are checked against the ops' property specs.  */
static gboolean
check_presets (SmpPreset **presets,
               gint        n)
{
  pid_t pid;
  gint  status;

  fflush (stderr);
  pid = fork ();
  if (pid == 0)
    {
      GeglNode *graph, *src;
      gint      i, bad = 0;

      gegl_init (NULL, NULL);
      graph = gegl_node_new ();
      src   = gegl_node_new_child (graph, "operation", "gegl:nop", NULL);
      for (i = 0; i < n; i++)
        {
          GError   *error = NULL;
          GeglNode *end   = smp_preset_build (presets[i], graph, src,
                                              "px-per-mm=4", &error);

          if (! end)
            {
              say ("%s", error->message);
              g_error_free (error);
              bad = 1;
            }
          else if (! g_str_has_prefix (gegl_node_get_operation (
                                         smp_preset_last_op (end)), "smp:"))
            {
              say ("preset %s: its last operation, %s, is not an smp: op",
                   presets[i]->path,
                   gegl_node_get_operation (smp_preset_last_op (end)));
              bad = 1;
            }
          else if (presets[i]->stage &&
                   ! gegl_node_find_property (smp_preset_last_op (end),
                                              "stage"))
            {
              say ("preset %s: its op %s lays no dots, so it has no "
                   "timeline (--timeline needs a preset that stipples)",
                   presets[i]->path,
                   gegl_node_get_operation (smp_preset_last_op (end)));
              bad = 1;
            }
        }
      g_object_unref (graph);
      gegl_exit ();
      fflush (stderr);
      _exit (bad);
    }
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    return FALSE;
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

static gint
list_presets (void)
{
  GPtrArray *all  = smp_presets_list ();
  gchar    **dirs = smp_presets_dirs ();
  guint      i;

  for (i = 0; i < all->len; i++)
    {
      SmpPreset *p = g_ptr_array_index (all, i);

      printf ("%-22s %s\n", p->name, p->description);
    }
  printf ("\n(looked in");
  for (i = 0; dirs[i]; i++)
    printf (" %s", dirs[i]);
  printf (")\n");
  g_strfreev (dirs);
  g_ptr_array_unref (all);
  return 0;
}

/* The options that are numbers, read strictly (a scale of "0x10" or a
 * seed of -1 is a mistake, not 16 or 0); the rest of the job.  */
static gboolean
read_options (SmpSheetJob *job)
{
  gdouble v;

  job->px_per_mm = 4.0;
  if (opt_ppm && ! (smp_parse_number (opt_ppm, &job->px_per_mm) &&
                    job->px_per_mm >= 0.5 && job->px_per_mm <= 200.0))
    {
      fprintf (stderr, "smp-preview: --px-per-mm %s is not a scale: a "
               "decimal number from 0.5 to 200\n", opt_ppm);
      return FALSE;
    }
  if (opt_seed)
    {
      const gchar *p = opt_seed;

      while (g_ascii_isdigit (*p))
        p++;
      if (p == opt_seed || *p || strlen (opt_seed) > 10 ||
          g_ascii_strtoull (opt_seed, NULL, 10) > G_MAXUINT32)
        {
          fprintf (stderr, "smp-preview: --seed %s is not a seed: a whole "
                   "number from 0 to %u\n", opt_seed, G_MAXUINT32);
          return FALSE;
        }
      job->seed_given = TRUE;
      job->seed       = (guint) g_ascii_strtoull (opt_seed, NULL, 10);
    }
  job->max_pixels = (guint64) SMP_IMAGE_MAX_MEGAPIXELS * 1000000;
  if (opt_max)
    {
      if (! smp_parse_number (opt_max, &v) || ! (v > 0.0 && v <= 1e6))
        {
          fprintf (stderr, "smp-preview: --max-megapixels %s is not a "
                   "number of megapixels (above 0, at most 1000000)\n",
                   opt_max);
          return FALSE;
        }
      job->max_pixels = (guint64) (v * 1e6);
    }
  if (opt_jobs < 1 || opt_jobs > 64)
    {
      fprintf (stderr, "smp-preview: --jobs %d is out of range (1 to 64)\n",
               opt_jobs);
      return FALSE;
    }
  job->mask_mode = SMP_MASK_AUTO;
  if (opt_mask_mode)
    {
      static const gchar *modes[] = { "auto", "file", "none", NULL };
      gint                m;

      for (m = 0; modes[m] && strcmp (modes[m], opt_mask_mode); m++)
        ;
      if (! modes[m])
        {
          fprintf (stderr, "smp-preview: --mask-mode %s is not a mode: auto, "
                   "file or none\n", opt_mask_mode);
          return FALSE;
        }
      job->mask_mode = (SmpMaskMode) m;
    }
  if (opt_mask && job->mask_mode == SMP_MASK_NONE)
    {
      fprintf (stderr, "smp-preview: --mask gives every photo a mask, "
               "--mask-mode=none gives none: give one or the other\n");
      return FALSE;
    }
  if (opt_save_masks && (opt_mask || job->mask_mode != SMP_MASK_AUTO))
    {
      fprintf (stderr, "smp-preview: --save-masks writes the automatic masks "
               "used, and with %s there are none (it needs --mask-mode=auto "
               "and no --mask)\n", opt_mask ? "--mask" : "this --mask-mode");
      return FALSE;
    }
  job->save_masks = opt_save_masks;
  job->plan       = opt_plan;
  job->mask       = opt_mask;
  job->outdir     = opt_out;
  job->force     = opt_force;
  job->thumbnail = opt_contact;
  job->run       = (gint) getpid ();
  return TRUE;
}

/* The photos of --from-list FILE (-: standard input), one path a line,
 * after those given as arguments: what a distributor (xargs, GNU parallel)
 * or a script hands over.  Empty lines are none; a line's end may be
 * \r\n.  FALSE, and said, when the list cannot be read.  */
static gboolean
read_list (void)
{
  GPtrArray *all  = g_ptr_array_new ();
  GError    *error = NULL;
  gchar     *text = NULL;
  gsize      len  = 0;
  gchar    **lines;
  gint       i;

  if (! opt_list_file)
    return TRUE;
  if (! strcmp (opt_list_file, "-"))
    {
      GString *in = g_string_new (NULL);
      gchar    buf[65536];
      gsize    got;

      while ((got = fread (buf, 1, sizeof buf, stdin)) > 0)
        g_string_append_len (in, buf, got);
      if (ferror (stdin))
        g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno),
                     "cannot read standard input: %s", g_strerror (errno));
      len  = in->len;
      text = g_string_free (in, FALSE);
    }
  else
    g_file_get_contents (opt_list_file, &text, &len, &error);
  if (! error && memchr (text, '\0', len))
    g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                 "%s holds a NUL byte: the list is one path a line",
                 opt_list_file);
  if (error)
    {
      fprintf (stderr, "smp-preview: --from-list: %s\n", error->message);
      g_error_free (error);
      g_free (text);
      g_ptr_array_unref (all);
      return FALSE;
    }
  for (i = 0; opt_photos && opt_photos[i]; i++)
    g_ptr_array_add (all, g_strdup (opt_photos[i]));
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i]; i++)
    {
      gsize l = strlen (lines[i]);

      if (l && lines[i][l - 1] == '\r')
        lines[i][l - 1] = '\0';
      if (lines[i][0])
        g_ptr_array_add (all, g_strdup (lines[i]));
    }
  g_ptr_array_add (all, NULL);
  g_strfreev (lines);
  g_strfreev (opt_photos);
  opt_photos = (gchar **) g_ptr_array_free (all, FALSE);
  g_free (text);
  return TRUE;
}

/* dev:ino of a file that exists, or NULL.  */
static gchar *
file_id (const gchar *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return NULL;
  return g_strdup_printf ("%ju:%ju", (uintmax_t) st.st_dev,
                          (uintmax_t) st.st_ino);
}

static void
add_input (GHashTable  *inputs,
           const gchar *path,
           const gchar *role)
{
  gchar *id = file_id (path);

  if (id && ! g_hash_table_contains (inputs, id))
    g_hash_table_insert (inputs, id, g_strdup_printf ("%s %s", role, path));
  else
    g_free (id);
}

/* Whether an output (freed here) is one of the inputs: it would be
 * replaced by a sheet.  FALSE, and said, when one is: `what`, of `photo`
 * when there is one.  */
static gboolean
check_output (GHashTable  *inputs,
              gchar       *out,
              const gchar *what,
              const gchar *photo)
{
  gchar       *id   = file_id (out);
  const gchar *is   = id ? g_hash_table_lookup (inputs, id) : NULL;

  if (is)
    fprintf (stderr, "smp-preview: %s, %s%s%s, is the %s (the same file): "
             "an input is never replaced, even with --force; write the "
             "sheets to another folder (-o)\n", out, what,
             photo ? " of " : "", photo ? photo : "", is);
  g_free (id);
  g_free (out);
  return is == NULL;
}

/* Inputs and outputs that are the same file, by whatever name (a symlink,
 * a hard link, another spelling of the path), are refused before any
 * work.  */
static gboolean
check_outputs (const SmpSheetJob *job,
               gchar            **photos,
               gint               n)
{
  GHashTable *inputs = g_hash_table_new_full (g_str_hash, g_str_equal,
                                              g_free, g_free);
  gboolean    ok     = TRUE;
  gint        i, k;

  for (i = 0; i < n; i++)
    {
      gchar **more = smp_sheet_inputs (job, photos[i]);

      add_input (inputs, photos[i], "photo");
      for (k = 0; more[k]; k++)
        add_input (inputs, more[k],
                   g_str_has_suffix (more[k], SMP_SUFFIX_SCALE)
                   ? "scale file"
                   : g_str_has_suffix (more[k], SMP_SUFFIX_HAIRLINE)
                   ? "hairline"
                   : g_str_has_suffix (more[k], SMP_SUFFIX_REFERENCE)
                   ? "reference" : "mask");
      g_strfreev (more);
    }
  for (i = 0; i < job->n_presets; i++)
    add_input (inputs, job->presets[i]->path, "preset");
  for (i = 0; ok && i < n; i++)
    ok = check_output (inputs, smp_sheet_path (job, photos[i]), "the sheet",
                       photos[i]) &&
         (! job->save_masks ||
          check_output (inputs, smp_sheet_saved_mask (job, photos[i]),
                        "the automatic mask", photos[i])) &&
         (! job->plan ||
          check_output (inputs, smp_sheet_plan (job, photos[i]),
                        "the treatment plan", photos[i]));
  if (ok && job->thumbnail)
    ok = check_output (inputs,
                       g_build_filename (job->outdir, "contact-sheet.png",
                                         NULL),
                       "the contact sheet", NULL);
  g_hash_table_unref (inputs);
  return ok;
}

/* Runs the workers, photo i on worker i % jobs, and follows them until
 * they are gone; returns how many photos failed.  */
static gint
run_workers (const SmpSheetJob *job,
             Photo             *photos,
             gint               n,
             gint              *unmasked)
{
  GString *pending = g_string_new (NULL);
  gchar  **todo    = g_new0 (gchar *, n + 1);
  gint     pipefd[2], i, failed = 0;

  if (pipe (pipefd) != 0)
    {
      say ("%s", g_strerror (errno));
      exit (2);
    }
  /* The photos to do; those refused already are left out.  */
  for (i = 0; i < n; i++)
    todo[i] = photos[i].state == PHOTO_WAITING ? opt_photos[i] : NULL;
  n_workers = MIN (opt_jobs, n);
  workers   = g_new0 (pid_t, n_workers);
  fflush (stderr);
  for (i = 0; i < n_workers; i++)
    {
      pid_t pid = fork ();

      if (pid == 0)
        {
          close (pipefd[0]);
          _exit (worker (job, todo, n, i, n_workers, pipefd[1]));
        }
      if (pid < 0)
        {
          gint k;

          say ("cannot start a worker: %s", g_strerror (errno));
          for (k = i; k < n; k += n_workers)
            if (todo[k])
              {
                photos[k].state = PHOTO_FAILED;
                failed++;
              }
          continue;
        }
      workers[i] = pid;
    }
  g_free (todo);
  close (pipefd[1]);

  /* Listen until every worker has closed its end.  */
  for (;;)
    {
      gchar  buf[4096];
      gssize got = read (pipefd[0], buf, sizeof buf);
      gchar *nl;

      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        break;
      g_string_append_len (pending, buf, got);
      while ((nl = strchr (pending->str, '\n')))
        {
          MsgKind      kind;
          gint         idx, value;
          const gchar *text;

          *nl = '\0';
          if (parse_message (pending->str, &kind, &idx, &value, &text) &&
              idx >= 0 && idx < n)
            switch (kind)
              {
              case MSG_PROGRESS:
                photos[idx].state    = PHOTO_WORKING;
                photos[idx].permille = value;
                break;
              case MSG_DONE_UNMASKED:
                (*unmasked)++;
                /* fall through */
              case MSG_DONE:
                photos[idx].state = PHOTO_DONE;
                break;
              case MSG_WARNING:
                photos[idx].thumb = FALSE;
                /* fall through */
              case MSG_NOTE:
                say ("%s: %s", opt_photos[idx], text);
                break;
              case MSG_NO_HEAD:
                /* Not a bad file, but nothing a clinic asked for was
                 * done: the exit status says so, as for a bad file.  */
                failed++;
                say ("no head found in %s (automatic mask): nothing "
                     "treated", opt_photos[idx]);
                break;
              case MSG_FAILED:
                photos[idx].state = PHOTO_FAILED;
                failed++;
                say ("%s: %s", opt_photos[idx], text);
                break;
              }
          g_string_erase (pending, 0, nl - pending->str + 1);
          draw_bar (photos, n, opt_photos);
        }
    }
  close (pipefd[0]);
  g_string_free (pending, TRUE);

  for (i = 0; i < n_workers; i++)
    {
      gint status = 0, k;

      if (workers[i] <= 0)
        continue;
      while (waitpid (workers[i], &status, 0) < 0 && errno == EINTR)
        ;
      workers[i] = 0;
      if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
        continue;
      /* The photo it was on, and those after it, never got done.  */
      for (k = i; k < n; k += n_workers)
        if (photos[k].state < PHOTO_DONE && ! stop_signal)
          {
            photos[k].state = PHOTO_FAILED;
            failed++;
            say ("%s: its worker %s %d while on it", opt_photos[k],
                 WIFSIGNALED (status) ? "died of signal" : "exited with",
                 WIFSIGNALED (status) ? WTERMSIG (status)
                                      : WEXITSTATUS (status));
          }
    }
  clear_bar ();
  return failed;
}

/* The contact sheet, from the small copies of the sheets written;
 * returns 1 when it could not be written whole.  */
static gint
write_contact_sheet (const SmpSheetJob *job,
                     Photo             *photos,
                     gint               n)
{
  GPtrArray *thumbs  = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *names   = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *columns = g_ptr_array_new_with_free_func (g_free);
  gchar     *path    = g_build_filename (job->outdir, "contact-sheet.png",
                                         NULL);
  GError    *error   = NULL;
  gint       lacking = 0, failed = 0, i;

  g_ptr_array_add (columns, g_strdup ("before"));
  for (i = 0; i < job->n_presets; i++)
    g_ptr_array_add (columns, g_strdup_printf ("%s (simulation)",
                                               job->presets[i]->name));
  g_ptr_array_add (columns, NULL);
  for (i = 0; i < n; i++)
    if (photos[i].state == PHOTO_DONE && photos[i].thumb)
      {
        g_ptr_array_add (thumbs, smp_sheet_thumb (job, i));
        g_ptr_array_add (names, g_path_get_basename (opt_photos[i]));
      }
    else if (photos[i].state == PHOTO_DONE)
      lacking++;
  g_ptr_array_add (thumbs, NULL);
  g_ptr_array_add (names, NULL);
  if (thumbs->len > 1)
    {
      /* From here a signal removes the small copies at once.  */
      contact_temps = (gchar **) thumbs->pdata;
      gegl_init (NULL, NULL);
      if (! opt_force && g_file_test (path, G_FILE_TEST_EXISTS))
        {
          say ("%s exists (--force replaces it)", path);
          failed = 1;
        }
      else if (! smp_sheet_contact (job,
                                    (const gchar * const *) thumbs->pdata,
                                    (const gchar * const *) names->pdata,
                                    (const gchar * const *) columns->pdata,
                                    path, &error))
        {
          say ("%s", error->message);
          g_clear_error (&error);
          failed = 1;
        }
      gegl_exit ();
      contact_temps = NULL;
    }
  if (lacking && thumbs->len > 1)
    say ("%s lacks %d of the sheets written (see above)", path, lacking);
  else if (lacking)
    say ("%s is not written: the small copies of the sheets could not be "
         "(see above)", path);
  failed |= lacking > 0;
  g_free (path);
  g_ptr_array_unref (thumbs);
  g_ptr_array_unref (names);
  g_ptr_array_unref (columns);
  return failed;
}

/* The run, once the options are read and the presets loaded: checks that
 * need nothing of GEGL, the presets through GEGL, the workers, the contact
 * sheet; returns the exit status.  */
static gint
run (SmpSheetJob *job,
     gint         n)
{
  Photo      *photos;
  GHashTable *outs;
  gint        i, failed = 0, unmasked = 0, stale;

  if (! check_outputs (job, opt_photos, n))
    return 2;

  /* What a photo's first bytes say (a missing file, an oversized header:
   * a decompression bomb) is said at once; the workers decode the rest.  */
  photos = g_new0 (Photo, n);
  for (i = 0; i < n; i++)
    {
      gchar *why = smp_image_check (opt_photos[i], job->max_pixels, FALSE);

      photos[i].thumb = opt_contact;
      if (why)
        {
          say ("%s: %s", opt_photos[i], why);
          photos[i].state = PHOTO_FAILED;
          failed++;
          g_free (why);
        }
    }
  if (failed == n || ! check_presets (job->presets, job->n_presets))
    {
      g_free (photos);
      return failed == n ? 1 : 2;
    }
  if (g_mkdir_with_parents (opt_out, 0755) != 0)
    {
      fprintf (stderr, "smp-preview: cannot make %s: %s\n", opt_out,
               g_strerror (errno));
      g_free (photos);
      return 2;
    }
  on_tty = isatty (2);
  signal (SIGPIPE, SIG_IGN);
  signal (SIGINT, on_parent_signal);
  signal (SIGTERM, on_parent_signal);
  signal (SIGHUP, on_parent_signal);
  if ((stale = smp_sheet_clean (opt_out, 0)) > 0)
    say ("note: removed %d temporary file%s left in %s by an interrupted run",
         stale, stale > 1 ? "s" : "", opt_out);

  /* Two photos whose sheets would have one name: the second is refused,
   * rather than silently replacing the first.  */
  outs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (i = 0; i < n; i++)
    {
      gchar *out = smp_sheet_path (job, opt_photos[i]);

      if (photos[i].state == PHOTO_FAILED)
        g_free (out);
      else if (g_hash_table_contains (outs, out))
        {
          say ("%s: its sheet %s would replace another photo's in this "
               "batch: skipped", opt_photos[i], out);
          photos[i].state = PHOTO_FAILED;
          failed++;
          g_free (out);
        }
      else
        g_hash_table_add (outs, out);
    }
  g_hash_table_unref (outs);

  failed += run_workers (job, photos, n, &unmasked);
  stop_if_signalled (opt_out, job->run);
  if (opt_contact)
    failed += write_contact_sheet (job, photos, n);
  stop_if_signalled (opt_out, job->run);
  smp_sheet_clean (opt_out, job->run);

  if (unmasked && job->mask_mode != SMP_MASK_NONE)
    say ("note: %d of the photos had no mask (PHOTO.mask.png beside it, or "
         "--mask): there the presets treated the whole photo", unmasked);
  if (on_tty)
    {
      gint written = 0;

      for (i = 0; i < n; i++)
        written += photos[i].state == PHOTO_DONE;
      say ("%d of %d sheets written to %s%s", written, n, opt_out,
           written < n ? "; see above for the others" : "");
    }
  g_free (photos);
  g_clear_pointer (&workers, g_free);
  return failed ? 1 : 0;
}

int
main (int    argc,
      char **argv)
{
  GOptionContext *ctx;
  GError         *error  = NULL;
  SmpSheetJob     job    = { 0 };
  GPtrArray      *presets;
  gint            n, i, status = 2;

  ctx = g_option_context_new ("-o OUTDIR");
  g_option_context_set_summary (ctx,
    "Writes, for every photo, a PNG sheet: the photo before, then the "
    "simulated scalp micropigmentation of each preset, at equal size, each "
    "with a caption (preset, key settings, \"simulation\").");
  g_option_context_set_description (ctx,
    "Presets are GEGL chain text (data/presets/*.gegl); the same text runs "
    "in the gegl binary:\n"
    "  gegl -i photo.jpg -o after.png -- \\\n"
    "    gegl:gegl string=\"$(cat shaved-dark-hair.gegl) px-per-mm=4\"\n"
    "Beside a photo PHOTO.EXT, smp-preview also reads PHOTO.mask.png (its "
    "mask), PHOTO.reference.png (white on the client's own short hair: the "
    "look is learnt from it, match=reference), PHOTO.hairline.svg (a "
    "designed front edge, as GIMP's Export Path writes it: the density "
    "mask) and PHOTO.px-per-mm (its scale).\n"
    "A photo that cannot be read is reported on stderr, one line, and the "
    "others go on; the exit status is then 1.  Sheets that exist are kept "
    "unless --force; an input is never replaced.  A progress bar shows on "
    "a terminal.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (! g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "smp-preview: %s (see --help)\n", error->message);
      g_error_free (error);
      g_option_context_free (ctx);
      return 2;
    }
  g_option_context_free (ctx);
  if (opt_list)
    return list_presets ();
  if (! read_list ())
    return 2;

  n = opt_photos ? g_strv_length (opt_photos) : 0;
  if (n == 0 || ! opt_out)
    {
      fprintf (stderr, "smp-preview: %s (see --help)\n",
               n == 0 ? "no photos given" : "no output folder given (-o OUTDIR)");
      return 2;
    }
  if (! opt_presets || ! opt_presets[0])
    {
      fprintf (stderr, "smp-preview: no preset given (--preset NAME; "
               "--list-presets shows them)\n");
      return 2;
    }
  if (! read_options (&job))
    return 2;
  if (opt_mask)
    {
      gchar *why = smp_image_check (opt_mask, job.max_pixels, TRUE);

      if (why)
        {
          fprintf (stderr, "smp-preview: mask %s: %s\n", opt_mask, why);
          g_free (why);
          return 2;
        }
    }

  presets = g_ptr_array_new_with_free_func ((GDestroyNotify) smp_preset_free);
  for (i = 0; opt_presets[i] && ! error; i++)
    {
      SmpPreset *p = smp_preset_load (opt_presets[i], &error);

      if (p && opt_timeline)
        {
          smp_preset_timeline (p, presets);
          smp_preset_free (p);
        }
      else if (p)
        g_ptr_array_add (presets, p);
      else
        fprintf (stderr, "smp-preview: %s\n", error->message);
    }
  job.presets   = (SmpPreset **) presets->pdata;
  job.n_presets = presets->len;
  if (! error)
    status = run (&job, n);
  g_clear_error (&error);
  g_ptr_array_unref (presets);
  return status;
}
