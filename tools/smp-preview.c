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
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smp-presets.h"
#include "smp-sheet.h"

/* What a worker tells the parent, a line each:
 *   p INDEX PERMILLE    how far a photo is
 *   d INDEX             its sheet is written
 *   n INDEX             its sheet is written, and it had no mask
 *   e INDEX MESSAGE     it failed, and why  */

typedef struct
{
  gint     state;      /* 0 waiting, 1 working, 2 done, 3 failed */
  gint     permille;
} Photo;

static gchar   **opt_presets;
static gdouble   opt_ppm = 4.0;
static gchar    *opt_mask;
static gint64    opt_seed = -1;
static gchar    *opt_out;
static gboolean  opt_contact;
static gint      opt_jobs = 1;
static gboolean  opt_force;
static gboolean  opt_list;
static gchar   **opt_photos;

static const GOptionEntry entries[] = {
  { "preset", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &opt_presets,
    "A preset: its name (see --list-presets) or a .gegl file; repeat it for "
    "more columns", "NAME|FILE" },
  { "px-per-mm", 's', 0, G_OPTION_ARG_DOUBLE, &opt_ppm,
    "Pixels per millimetre of scalp in the photos (default 4: a whole head "
    "640 px wide; 15-30 for close-ups); a file PHOTO.px-per-mm beside a "
    "photo, holding a number, gives that photo's own", "PX" },
  { "mask", 'm', 0, G_OPTION_ARG_FILENAME, &opt_mask,
    "The mask for every photo (density, scar or region, by preset); "
    "without it, PHOTO.mask.png beside each photo when there is one", "FILE" },
  { "seed", 0, 0, G_OPTION_ARG_INT64, &opt_seed,
    "Seed of the dots for every preset (default: each preset's own)", "N" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out,
    "Where the sheets go, OUTDIR/PHOTO-preview.png (made if missing)",
    "OUTDIR" },
  { "contact-sheet", 0, 0, G_OPTION_ARG_NONE, &opt_contact,
    "Also write OUTDIR/contact-sheet.png, every sheet small, one under "
    "another", NULL },
  { "jobs", 'j', 0, G_OPTION_ARG_INT, &opt_jobs,
    "Photos in parallel (default 1)", "N" },
  { "force", 'f', 0, G_OPTION_ARG_NONE, &opt_force,
    "Replace sheets that exist (otherwise they are kept and reported)",
    NULL },
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
      total += photos[i].state >= 2 ? 1.0 : photos[i].permille / 1000.0;
      done  += photos[i].state >= 2;
    }
  fill = (gint) (width * total / MAX (n, 1));
  g_string_append (line, "[");
  for (k = 0; k < width; k++)
    g_string_append_c (line, k < fill ? '#' : '.');
  g_string_append_printf (line, "] %3d %%  %d/%d photos", (gint) (100 * total /
                          MAX (n, 1)), done, n);
  for (i = 0; i < n; i++)
    if (photos[i].state == 1)
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


/* A worker.  */

typedef struct
{
  gint fd;
  gint index;
  gint last;
} Reporter;

static void
tell (gint         fd,
      const gchar *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
tell (gint         fd,
      const gchar *format,
      ...)
{
  gchar   line[PIPE_BUF];
  va_list ap;
  gint    len;

  va_start (ap, format);
  len = g_vsnprintf (line, sizeof line - 1, format, ap);
  va_end (ap);
  len = MIN (len, (gint) sizeof line - 2);
  line[len++] = '\n';
  /* Under PIPE_BUF: written whole, never mixed with another worker's.  */
  if (write (fd, line, len) < 0)
    _exit (3);
}

static void
report (gdouble  fraction,
        gpointer data)
{
  Reporter *r = data;
  gint      p = (gint) (1000 * fraction);

  if (p - r->last >= 10 || p == 1000)
    {
      tell (r->fd, "p %d %d", r->index, p);
      r->last = p;
    }
}

static void
on_signal (int sig)
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

  /* Interrupted (Ctrl+C reaches every worker): no half sheet is left.  */
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGHUP, on_signal);
  gegl_init (NULL, NULL);
  /* Memory stays bounded: GEGL keeps this much of its tiles in memory and
   * swaps the rest (unless GEGL_SWAP=RAM).  */
  if (! g_getenv ("GEGL_TILE_CACHE_SIZE") && ! g_getenv ("GEGL_CACHE_SIZE"))
    g_object_set (gegl_config (), "tile-cache-size",
                  (guint64) 384 << 20, NULL);

  for (i = first; i < n; i += step)
    {
      Reporter r = { fd, i, -100 };
      GError  *error = NULL;
      gboolean masked = FALSE;
      gchar   *line;

      if (! photos[i])
        continue;
      tell (fd, "p %d 0", i);
      if (smp_sheet_render (job, photos[i], report, &r, &masked, &error))
        tell (fd, "%c %d", masked ? 'd' : 'n', i);
      else
        {
          line = g_strdelimit (g_strdup (error->message), "\n", ' ');
          tell (fd, "e %d %s", i, line);
          g_free (line);
          g_error_free (error);
        }
    }
  gegl_exit ();
  return 0;
}


/* The presets are checked by a first, short worker: GEGL parses them.  */
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
        }
      g_object_unref (graph);
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

int
main (int    argc,
      char **argv)
{
  GOptionContext *ctx;
  GError         *error = NULL;
  SmpSheetJob     job   = { 0 };
  GPtrArray      *presets;
  Photo          *photos;
  GHashTable     *outs;
  pid_t          *pids;
  gint            pipefd[2], n, i, failed = 0, unmasked = 0, jobs;
  GString        *pending = g_string_new (NULL);

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
    "A photo that cannot be read is reported on stderr, one line, and the "
    "others go on; the exit status is then 1.  Sheets that exist are kept "
    "unless --force.  A progress bar shows on a terminal.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (! g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "smp-preview: %s (see --help)\n", error->message);
      return 2;
    }
  g_option_context_free (ctx);
  if (opt_list)
    return list_presets ();

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
  if (! (opt_ppm >= 0.5 && opt_ppm <= 200.0))
    {
      fprintf (stderr, "smp-preview: --px-per-mm %g is out of range "
               "(0.5 to 200)\n", opt_ppm);
      return 2;
    }
  if (opt_jobs < 1 || opt_jobs > 64)
    {
      fprintf (stderr, "smp-preview: --jobs %d is out of range (1 to 64)\n",
               opt_jobs);
      return 2;
    }
  if (opt_seed > G_MAXUINT32)
    {
      fprintf (stderr, "smp-preview: --seed %" G_GINT64_FORMAT
               " is out of range (0 to %u)\n", opt_seed, G_MAXUINT32);
      return 2;
    }
  if (opt_mask)
    {
      gchar *why = smp_sheet_check_file (opt_mask);

      if (why)
        {
          fprintf (stderr, "smp-preview: mask %s: %s\n", opt_mask, why);
          return 2;
        }
    }

  presets = g_ptr_array_new ();
  for (i = 0; opt_presets[i]; i++)
    {
      SmpPreset *p = smp_preset_load (opt_presets[i], &error);

      if (! p)
        {
          fprintf (stderr, "smp-preview: %s\n", error->message);
          return 2;
        }
      g_ptr_array_add (presets, p);
    }
  if (! check_presets ((SmpPreset **) presets->pdata, presets->len))
    return 2;

  if (g_mkdir_with_parents (opt_out, 0755) != 0)
    {
      fprintf (stderr, "smp-preview: cannot make %s: %s\n", opt_out,
               g_strerror (errno));
      return 2;
    }

  job.presets    = (SmpPreset **) presets->pdata;
  job.n_presets  = presets->len;
  job.px_per_mm  = opt_ppm;
  job.seed_given = opt_seed >= 0;
  job.seed       = (guint) MAX (opt_seed, 0);
  job.mask       = opt_mask;
  job.outdir     = opt_out;
  job.force      = opt_force;
  job.thumbnail  = opt_contact;

  on_tty = isatty (2);
  photos = g_new0 (Photo, n);
  /* Two photos whose sheets would have one name: the second is refused,
   * rather than silently replacing the first.  */
  outs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (i = 0; i < n; i++)
    {
      gchar *out = smp_sheet_path (&job, opt_photos[i]);

      if (g_hash_table_contains (outs, out))
        {
          say ("%s: its sheet %s would replace another photo's in this "
               "batch: skipped", opt_photos[i], out);
          photos[i].state = 3;
          failed++;
          g_free (out);
        }
      else
        g_hash_table_add (outs, out);
    }
  g_hash_table_unref (outs);

  /* The workers, photo i to worker i % jobs.  */
  signal (SIGPIPE, SIG_IGN);
  if (pipe (pipefd) != 0)
    {
      fprintf (stderr, "smp-preview: %s\n", g_strerror (errno));
      return 2;
    }
  jobs = MIN (opt_jobs, n);
  pids = g_new0 (pid_t, jobs);
  {
    /* The photos to do; those refused already are left out.  */
    gchar **todo = g_new0 (gchar *, n + 1);

    for (i = 0; i < n; i++)
      todo[i] = photos[i].state ? NULL : opt_photos[i];
    fflush (stderr);
    for (i = 0; i < jobs; i++)
      {
        pids[i] = fork ();
        if (pids[i] == 0)
          {
            close (pipefd[0]);
            _exit (worker (&job, todo, n, i, jobs, pipefd[1]));
          }
        if (pids[i] < 0)
          {
            fprintf (stderr, "smp-preview: cannot start a worker: %s\n",
                     g_strerror (errno));
            return 2;
          }
      }
    g_free (todo);
  }
  close (pipefd[1]);

  /* Listen until every worker has closed its end.  */
  for (;;)
    {
      gchar    buf[4096];
      gssize   got = read (pipefd[0], buf, sizeof buf);
      gchar   *nl;

      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        break;
      g_string_append_len (pending, buf, got);
      while ((nl = strchr (pending->str, '\n')))
        {
          gchar  kind = pending->str[0];
          gchar *rest = NULL;
          gint   idx  = (gint) g_ascii_strtoll (pending->str + 2, &rest, 10);

          *nl = '\0';
          if (idx >= 0 && idx < n)
            switch (kind)
              {
              case 'p':
                photos[idx].state    = 1;
                photos[idx].permille = atoi (rest);
                break;
              case 'n':
                unmasked++;
                /* fall through */
              case 'd':
                photos[idx].state = 2;
                break;
              case 'e':
                photos[idx].state = 3;
                failed++;
                say ("%s: %s", opt_photos[idx], rest + 1);
                break;
              }
          g_string_erase (pending, 0, nl - pending->str + 1);
          draw_bar (photos, n, opt_photos);
        }
    }
  close (pipefd[0]);
  for (i = 0; i < jobs; i++)
    {
      gint status = 0;

      while (waitpid (pids[i], &status, 0) < 0 && errno == EINTR)
        ;
      if (! (WIFEXITED (status) && WEXITSTATUS (status) == 0))
        {
          gint k;

          /* The photo it was on, and those after it, never got done.  */
          for (k = i; k < n; k += jobs)
            if (photos[k].state < 2)
              {
                photos[k].state = 3;
                failed++;
                say ("%s: its worker %s %d while on it", opt_photos[k],
                     WIFSIGNALED (status) ? "died of signal" : "exited with",
                     WIFSIGNALED (status) ? WTERMSIG (status)
                                          : WEXITSTATUS (status));
              }
        }
    }
  clear_bar ();

  if (opt_contact)
    {
      GPtrArray *thumbs = g_ptr_array_new_with_free_func (g_free);
      GPtrArray *names  = g_ptr_array_new_with_free_func (g_free);
      GPtrArray *columns = g_ptr_array_new_with_free_func (g_free);
      gchar     *path   = g_build_filename (opt_out, "contact-sheet.png", NULL);

      g_ptr_array_add (columns, g_strdup ("before"));
      for (i = 0; i < job.n_presets; i++)
        g_ptr_array_add (columns, g_strdup_printf ("%s (simulation)",
                                                   job.presets[i]->name));
      g_ptr_array_add (columns, NULL);

      for (i = 0; i < n; i++)
        if (photos[i].state == 2)
          {
            g_ptr_array_add (thumbs, smp_sheet_thumb (&job, opt_photos[i]));
            g_ptr_array_add (names, g_path_get_basename (opt_photos[i]));
          }
      g_ptr_array_add (thumbs, NULL);
      g_ptr_array_add (names, NULL);
      if (thumbs->len > 1)
        {
          gegl_init (NULL, NULL);
          if (! opt_force && g_file_test (path, G_FILE_TEST_EXISTS))
            {
              say ("%s exists (--force replaces it)", path);
              failed++;
            }
          else if (! smp_sheet_contact ((const gchar * const *) thumbs->pdata,
                                        (const gchar * const *) names->pdata,
                                        (const gchar * const *) columns->pdata,
                                        path, &error))
            {
              say ("%s", error->message);
              g_clear_error (&error);
              failed++;
            }
          for (i = 0; i + 1 < (gint) thumbs->len; i++)
            g_unlink (g_ptr_array_index (thumbs, i));
          gegl_exit ();
        }
      g_free (path);
      g_ptr_array_unref (thumbs);
      g_ptr_array_unref (names);
      g_ptr_array_unref (columns);
    }

  if (unmasked)
    say ("note: %d of the photos had no mask (PHOTO.mask.png beside it, or "
         "--mask): there the presets treated the whole photo", unmasked);
  if (on_tty)
    say ("%d of %d sheets written to %s%s", n - failed, n, opt_out,
         failed ? "; see above for the others" : "");
  g_string_free (pending, TRUE);
  g_free (pids);
  g_free (photos);
  return failed ? 1 : 0;
}
