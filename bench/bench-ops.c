/* bench-ops.c: throughput of every smp: op against GEGL's own ops, on the
 * same 3000 x 2000 R'G'B'A u8 photo in one process, pulled the two ways
 * GEGL's users pull: into a gegl:write-buffer sink (as GIMP's filters fill
 * a shadow buffer) and with gegl_node_blit into memory (as a viewer does).
 *
 * Run without arguments it runs itself twice, with GEGL_THREADS=1 and 2,
 * and prints MP/s, the ratios to gegl:invert-linear and gegl:noise-hurl
 * measured in the same process, and the two-thread speedup.  With
 * --save FILE it also writes the figures to FILE; with --baseline FILE it
 * compares them with those saved there (bench/baseline.tsv is the one
 * kept with the code).  A benchmark, not a test: it prints figures and the
 * targets beside them, and fails only when a run fails or the photo gave
 * an op nothing to do.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include <gegl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WIDTH   3000
#define HEIGHT  2000
#define PPM     10.0

/* The head, its bald area (ellipses, px), the treatment mask drawn roughly
 * over that, and the scar of scar-blend.  */
#define HEAD_RX   1300.0
#define HEAD_RY   880.0
#define BALD_RX   900.0
#define BALD_RY   600.0
#define MASK_RX   820.0
#define MASK_RY   540.0
#define MASK_FADE 60.0

enum { AUX_NONE, AUX_TREAT, AUX_SCAR };
/* The two pulls, each timed in wall time and in the process's CPU time
 * (MP per CPU second: with one thread, what the op costs whatever else a
 * shared machine runs).  */
enum { MODE_WRITE, MODE_BLIT, MODE_WRITE_CPU, MODE_BLIT_CPU, N_MODES };
#define N_PULLS 2

static const gchar *mode_names[N_MODES] = { "write-buffer", "blit",
                                            "write-buffer cpu", "blit cpu" };

typedef struct
{
  const gchar *name;    /* as reported, and in the baseline file */
  const gchar *chain;   /* GEGL chain text */
  gint         aux;
  gboolean     source;  /* a render op: no input, cropped to the photo */
} Case;

/* The first two are the yardsticks every other is divided by.  */
static const Case cases[] =
{
  { "gegl:invert-linear",   "gegl:invert-linear",  AUX_NONE,  FALSE },
  { "gegl:noise-hurl",      "gegl:noise-hurl",     AUX_NONE,  FALSE },
  { "follicles match=none", "smp:follicles match=none", AUX_TREAT, FALSE },
  { "follicles match=ring", "smp:follicles match=ring", AUX_TREAT, FALSE },
  { "scar-blend",           "smp:scar-blend",      AUX_SCAR,  FALSE },
  { "density-soften",       "smp:density-soften",  AUX_TREAT, FALSE },
  { "scalp-map",            "smp:scalp-map",       AUX_NONE,  FALSE },
  { "hairline",
    "smp:hairline template=adult x=1500 y=350 transition=10",
    AUX_NONE, TRUE },
};
#define N_CASES ((gint) G_N_ELEMENTS (cases))
#define INVERT  0
#define HURL    1
#define NONE    2
#define RING    3

static guint32
hash (guint32 a,
      guint32 b)
{
  guint32 h = a * 0x9e3779b1u ^ (b + 0x7f4a7c15u + (a << 6) + (a >> 2));

  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

/* Whether (x, y) lies in the head: an ellipse filling most of the frame.  */
static gboolean
in_head (gdouble x,
         gdouble y)
{
  gdouble dx = (x - WIDTH / 2.0) / HEAD_RX, dy = (y - HEIGHT / 2.0) / HEAD_RY;

  return dx * dx + dy * dy < 1.0;
}

/* The photo, a head seen from above: light skin with gentle shading and
 * pixel grain, short dark hair (strands 1 px wide, 1-2.5 mm long, about
 * 400 a cm²) all over it but a bald ellipse in the middle whose edge thins
 * out over 6 mm, on a grey-blue wall: the shaved look's case, with hair
 * around the bald area for match=ring to learn and a head for
 * smp:scalp-map to find.  */
static GeglBuffer *
make_photo (void)
{
  GeglRectangle rect   = { 0, 0, WIDTH, HEIGHT };
  GeglBuffer   *buffer = gegl_buffer_new (&rect, babl_format ("R'G'B'A u8"));
  guchar       *px     = g_new (guchar, (gsize) WIDTH * HEIGHT * 4);
  const gint    cell   = 5;
  gint          x, y, cx, cy;

  for (y = 0; y < HEIGHT; y++)
    for (x = 0; x < WIDTH; x++)
      {
        guchar  *p     = px + ((gsize) y * WIDTH + x) * 4;
        gint     grain = (gint) (hash (x, y) % 13u) - 6;
        gint     shade = (gint) (20.0 * cos (x / 700.0) * cos (y / 500.0));
        gboolean head  = in_head (x + 0.5, y + 0.5);

        p[0] = (guchar) CLAMP ((head ? 196 : 92) + shade + grain, 0, 255);
        p[1] = (guchar) CLAMP ((head ? 152 : 98) + shade + grain, 0, 255);
        p[2] = (guchar) CLAMP ((head ? 128 : 110) + shade + grain, 0, 255);
        p[3] = 255;
      }
  /* One strand a cell, kept with a probability that rises from 0 inside
   * the bald ellipse to 1 past its edge.  */
  for (cy = 0; cy < HEIGHT / cell; cy++)
    for (cx = 0; cx < WIDTH / cell; cx++)
      {
        guint32 h  = hash (cx * 7919 + 1, cy);
        gdouble sx = (cx + (h & 255) / 256.0) * cell;
        gdouble sy = (cy + ((h >> 8) & 255) / 256.0) * cell;
        gdouble dx = (sx - WIDTH / 2.0) / BALD_RX;
        gdouble dy = (sy - HEIGHT / 2.0) / BALD_RY;
        gdouble out = (sqrt (dx * dx + dy * dy) - 1.0) * BALD_RY / 60.0;
        gdouble angle = 1.2 + ((h >> 16) & 255) / 256.0 * 0.7;
        gint    len   = 10 + (gint) ((h >> 24) % 16u), k;

        if (out < 1.0 && hash (cx, cy * 31 + 5) % 1000u >= 1000.0 * out)
          continue;
        for (k = 0; k < len; k++)
          {
            gdouble fx = sx + k * cos (angle), fy = sy + k * sin (angle);
            guchar *p;

            if (! in_head (fx, fy))
              continue;
            p = px + ((gsize) fy * WIDTH + (gsize) fx) * 4;
            p[0] = (guchar) (p[0] / 8 + 14);
            p[1] = (guchar) (p[1] / 8 + 9);
            p[2] = (guchar) (p[2] / 8 + 7);
          }
      }
  gegl_buffer_set (buffer, &rect, 0, babl_format ("R'G'B'A u8"), px,
                   GEGL_AUTO_ROWSTRIDE);
  g_free (px);
  return buffer;
}

/* A Y' u8 mask: the rough treatment mask (an ellipse over most of the bald
 * area, fading over 6 mm) or a strip scar (4 mm x 150 mm, fading over
 * 1 mm) across it.  */
static GeglBuffer *
make_mask (gint which)
{
  GeglRectangle rect   = { 0, 0, WIDTH, HEIGHT };
  GeglBuffer   *buffer = gegl_buffer_new (&rect, babl_format ("Y' u8"));
  guchar       *m      = g_new (guchar, (gsize) WIDTH * HEIGHT);
  gint          x, y;

  for (y = 0; y < HEIGHT; y++)
    for (x = 0; x < WIDTH; x++)
      {
        gdouble v;

        if (which == AUX_TREAT)
          {
            gdouble dx = (x + 0.5 - WIDTH / 2.0) / MASK_RX;
            gdouble dy = (y + 0.5 - HEIGHT / 2.0) / MASK_RY;

            v = 1.0 - (sqrt (dx * dx + dy * dy) - 1.0) * MASK_RY / MASK_FADE;
          }
        else
          v = 1.0 - MAX (fabs (x + 0.5 - WIDTH / 2.0) - 750.0,
                         fabs (y + 0.5 - HEIGHT / 2.0 - 200.0) - 20.0) /
                    10.0;
        m[(gsize) y * WIDTH + x] = (guchar) lround (255.0 * CLAMP (v, 0.0,
                                                                   1.0));
      }
  gegl_buffer_set (buffer, &rect, 0, babl_format ("Y' u8"), m,
                   GEGL_AUTO_ROWSTRIDE);
  g_free (m);
  return buffer;
}

/* A graph for case k: photo -> op (aux: its mask) -> nop; the op node in
 * *op, the nop returned.  */
static GeglNode *
build (GeglNode   *graph,
       gint        k,
       GeglBuffer *photo,
       GeglBuffer *masks[],
       GeglNode  **op)
{
  GeglNode *src = gegl_node_new_child (graph, "operation",
                                       "gegl:buffer-source", "buffer", photo,
                                       NULL);
  GeglNode *end = gegl_node_new_child (graph, "operation", "gegl:nop", NULL);
  gchar    *chain;
  GError   *error = NULL;

  chain = g_strdup_printf ("%s%s", cases[k].chain,
                           g_str_has_prefix (cases[k].chain, "smp:")
                           ? " px-per-mm=10" : "");
  if (cases[k].source)
    {
      /* A render op over the photo's extent; its output is a mask.  */
      gchar *t = g_strdup_printf ("%s gegl:crop width=%d height=%d", chain,
                                  WIDTH, HEIGHT);

      g_free (chain);
      chain = t;
      src = NULL;
    }
  gegl_create_chain (chain, src, end, 0.0, 0, NULL, &error);
  if (error)
    {
      fprintf (stderr, "bench-ops: %s: %s\n", chain, error->message);
      exit (1);
    }
  g_free (chain);
  *op = gegl_node_get_producer (end, "input", NULL);
  if (cases[k].source)
    *op = gegl_node_get_producer (*op, "input", NULL);
  if (cases[k].aux != AUX_NONE)
    {
      GeglNode *m = gegl_node_new_child (graph, "operation",
                                         "gegl:buffer-source",
                                         "buffer", masks[cases[k].aux], NULL);

      gegl_node_connect_to (m, "output", *op, "aux");
    }
  return end;
}

static gdouble
cpu_seconds (void)
{
  struct timespec t;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* Seconds for one run of case k, pulled as `mode`; a new graph each time,
 * so that nothing learnt or cached is kept.  */
static gdouble
time_case (gint        k,
           gint        mode,
           GeglBuffer *photo,
           GeglBuffer *masks[],
           guchar     *memory,
           gint       *learnt,
           gdouble    *cpu)
{
  GeglRectangle rect  = { 0, 0, WIDTH, HEIGHT };
  GeglNode     *graph = gegl_node_new (), *op;
  GeglNode     *end   = build (graph, k, photo, masks, &op);
  GeglBuffer   *out   = NULL;
  gint64        t0;
  gdouble       t, c0 = cpu_seconds ();

  if (mode == MODE_WRITE)
    {
      GeglNode *sink;

      out  = gegl_buffer_new (&rect, babl_format ("R'G'B'A u8"));
      sink = gegl_node_new_child (graph, "operation", "gegl:write-buffer",
                                  "buffer", out, NULL);
      gegl_node_link (end, sink);
      t0 = g_get_monotonic_time ();
      gegl_node_process (sink);
      t = (g_get_monotonic_time () - t0) / 1e6;
    }
  else
    {
      t0 = g_get_monotonic_time ();
      gegl_node_blit (end, 1.0, &rect, babl_format ("R'G'B'A u8"), memory,
                      GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
      t = (g_get_monotonic_time () - t0) / 1e6;
    }
  *cpu = cpu_seconds () - c0;
  if (learnt && gegl_node_find_property (op, "learnt-hair"))
    gegl_node_get (op, "learnt-hair", learnt, NULL);
  g_clear_object (&out);
  g_object_unref (graph);
  return t;
}

/* One process, one thread count: "mode<TAB>case<TAB>MP/s" lines, best of
 * `repeats` rounds; each round times every case once, so that the load of
 * a shared machine falls alike on the ops compared.  */
static int
run_child (gint         repeats,
           const gchar *only)
{
  GeglBuffer *photo, *masks[3] = { NULL };
  guchar     *memory = g_malloc ((gsize) WIDTH * HEIGHT * 4);
  gdouble     best[N_MODES][N_CASES];
  gint        r, m, k, learnt = 0;
  guint       n, i;
  gchar     **all = gegl_list_operations (&n);

  for (i = 0; i < n; i++)
    if (g_str_has_prefix (all[i], "smp:"))
      {
        gboolean found = FALSE;

        for (k = 0; k < N_CASES; k++)
          found |= g_str_has_prefix (cases[k].chain, all[i]) &&
                   cases[k].chain[strlen (all[i])] <= ' ';
        if (! found)
          printf ("# not benchmarked: %s\n", all[i]);
      }
  g_free (all);
  for (k = 0; k < N_CASES; k++)
    {
      gchar   *name = g_strndup (cases[k].chain,
                                 strcspn (cases[k].chain, " "));
      gboolean has  = gegl_has_operation (name);

      if (! has)
        fprintf (stderr, "no operation %s: is GEGL_PATH set?\n", name);
      g_free (name);
      if (! has)
        return 1;
    }

  photo = make_photo ();
  masks[AUX_TREAT] = make_mask (AUX_TREAT);
  masks[AUX_SCAR]  = make_mask (AUX_SCAR);
  for (m = 0; m < N_MODES; m++)
    for (k = 0; k < N_CASES; k++)
      best[m][k] = G_MAXDOUBLE;
  for (r = 0; r < repeats; r++)
    for (m = 0; m < N_PULLS; m++)
      for (k = 0; k < N_CASES; k++)
        if (! only || ! strcmp (only, cases[k].name))
          {
            gdouble cpu, t = time_case (k, m, photo, masks, memory,
                                        k == RING ? &learnt : NULL, &cpu);

            best[m][k] = MIN (best[m][k], t);
            best[m + N_PULLS][k] = MIN (best[m + N_PULLS][k], cpu);
          }
  for (m = 0; m < N_MODES; m++)
    for (k = 0; k < N_CASES; k++)
      printf ("%s\t%s\t%.3f\n", mode_names[m], cases[k].name,
              WIDTH * HEIGHT / 1e6 / best[m][k]);
  printf ("learnt-hair\t%d\n", learnt);
  g_free (memory);
  g_object_unref (photo);
  g_object_unref (masks[AUX_TREAT]);
  g_object_unref (masks[AUX_SCAR]);
  return 0;
}

/* Figures: mps[threads - 1][mode][case], 0 where unknown.  */
typedef gdouble Figures[2][N_MODES][N_CASES];

static gint
case_index (const gchar *name)
{
  gint k;

  for (k = 0; k < N_CASES; k++)
    if (! strcmp (cases[k].name, name))
      return k;
  return -1;
}

static gint
mode_index (const gchar *name)
{
  gint m;

  for (m = 0; m < N_MODES; m++)
    if (! strcmp (mode_names[m], name))
      return m;
  return -1;
}

/* Reads "mode<TAB>case<TAB>MP/s" lines (threads from `threads`, or from a
 * leading "threads<TAB>" column when it is 0) into f.  */
static void
parse (const gchar *text,
       gint         threads,
       Figures      f,
       gint        *learnt)
{
  gchar **lines = g_strsplit (text, "\n", -1);
  gint    i;

  for (i = 0; lines[i]; i++)
    {
      gchar **w = g_strsplit (lines[i], "\t", -1);
      guint   n = g_strv_length (w), o = threads ? 0 : 1;
      /* (An empty line splits into no words.)  */
      gint    t = threads ? threads : n > 0 ? atoi (w[0]) : 0;

      if (n == 2 && learnt && ! strcmp (w[0], "learnt-hair"))
        *learnt = atoi (w[1]);
      if (n == 3 + o && (t == 1 || t == 2) && mode_index (w[o]) >= 0 &&
          case_index (w[o + 1]) >= 0)
        f[t - 1][mode_index (w[o])][case_index (w[o + 1])] =
          g_ascii_strtod (w[o + 2], NULL);
      g_strfreev (w);
    }
  g_strfreev (lines);
}

static gchar *
measure (const gchar *self,
         const gchar *threads,
         gint         repeats)
{
  gchar  *reps   = g_strdup_printf ("%d", repeats);
  gchar  *argv[] = { (gchar *) self, "--child", reps, NULL };
  gchar **env    = g_environ_setenv (g_get_environ (), "GEGL_THREADS",
                                     threads, TRUE);
  gchar  *out    = NULL;
  gint    status;

  if (! g_spawn_sync (NULL, argv, env, 0, NULL, NULL, &out, NULL, &status,
                      NULL) || ! g_spawn_check_wait_status (status, NULL))
    g_clear_pointer (&out, g_free);
  g_strfreev (env);
  g_free (reps);
  return out;
}

/* The table of one pull mode, markdown.  */
static void
print_table (Figures f,
             gint    m)
{
  gint k;

  printf ("\n%s, MP/s (ratios: to gegl:invert-linear and gegl:noise-hurl in "
          "the same process, 1 thread)\n\n", mode_names[m]);
  printf ("| operation | 1 thread | 2 threads | 2 / 1 | / invert-linear | "
          "/ noise-hurl |\n|---|---|---|---|---|---|\n");
  for (k = 0; k < N_CASES; k++)
    printf ("| %s | %.1f | %.1f | %.2fx | %.2fx | %.2fx |\n", cases[k].name,
            f[0][m][k], f[1][m][k], f[1][m][k] / f[0][m][k],
            f[0][m][k] / f[0][m][INVERT], f[0][m][k] / f[0][m][HURL]);
}

static void
print_targets (Figures f)
{
  const gdouble *w = f[0][MODE_WRITE];

  printf ("\ntargets (write-buffer):\n");
  printf ("  follicles match=none / invert-linear, 1 thread: %.2fx "
          "(target >= 0.8x) %s\n", w[NONE] / w[INVERT],
          w[NONE] / w[INVERT] >= 0.8 ? "met" : "NOT met");
  printf ("  follicles match=none / noise-hurl, 1 thread:    %.2fx "
          "(target >= 1.5x) %s\n", w[NONE] / w[HURL],
          w[NONE] / w[HURL] >= 1.5 ? "met" : "NOT met");
  printf ("  follicles match=none, 2 threads / 1:            %.2fx "
          "(target >= 1.85x) %s\n", f[1][MODE_WRITE][NONE] / w[NONE],
          f[1][MODE_WRITE][NONE] / w[NONE] >= 1.85 ? "met" : "NOT met");
  printf ("  follicles match=ring / invert-linear, 1 thread: %.2fx "
          "(target >= 0.5x) %s\n", w[RING] / w[INVERT],
          w[RING] / w[INVERT] >= 0.5 ? "met" : "NOT met");
  w = f[0][MODE_WRITE_CPU];
  printf ("the same of CPU time (write-buffer cpu, 1 thread):\n");
  printf ("  follicles match=none / invert-linear: %.2fx (target >= 0.8x) "
          "%s\n", w[NONE] / w[INVERT],
          w[NONE] / w[INVERT] >= 0.8 ? "met" : "NOT met");
  printf ("  follicles match=none / noise-hurl:    %.2fx (target >= 1.5x) "
          "%s\n", w[NONE] / w[HURL],
          w[NONE] / w[HURL] >= 1.5 ? "met" : "NOT met");
  printf ("  follicles match=ring / invert-linear: %.2fx\n",
          w[RING] / w[INVERT]);
}

/* Now against the baseline: MP/s, and the ratio to invert-linear (which
 * the machine's load changes less), each as now / then.  */
static void
print_comparison (Figures now,
                  Figures base,
                  const gchar *path)
{
  gint t, m, k;

  printf ("\nagainst the baseline %s: now / then, of MP/s and of the ratio "
          "to gegl:invert-linear (same pull, same threads)\n\n", path);
  printf ("| pull | threads | operation | MP/s then | MP/s now | now / then "
          "| / invert-linear then | now | now / then |\n"
          "|---|---|---|---|---|---|---|---|---|\n");
  for (m = 0; m < N_MODES; m++)
    for (t = 0; t < 2; t++)
      for (k = 0; k < N_CASES; k++)
        {
          gdouble a = base[t][m][k], b = now[t][m][k];
          gdouble ra = a / base[t][m][INVERT], rb = b / now[t][m][INVERT];

          if (a <= 0.0 || b <= 0.0)
            continue;
          printf ("| %s | %d | %s | %.1f | %.1f | %.2fx | %.2fx | %.2fx | "
                  "%.2fx |\n", mode_names[m], t + 1, cases[k].name, a, b,
                  b / a, ra, rb, rb / ra);
        }
}

static gboolean
save (Figures      f,
      gint         learnt,
      const gchar *path)
{
  GString *s = g_string_new (NULL);
  gchar   *comment = NULL;
  gboolean ok;
  gint     t, m, k;

  g_spawn_command_line_sync ("git log -1 --format='%h %s'", &comment, NULL,
                             NULL, NULL);
  g_string_append_printf (s, "# bench-ops figures, MP/s: threads, pull, "
                          "operation, MP/s (%d x %d R'G'B'A u8)\n# commit %s",
                          WIDTH, HEIGHT, comment && *comment ? comment
                                                             : "unknown\n");
  for (t = 0; t < 2; t++)
    for (m = 0; m < N_MODES; m++)
      for (k = 0; k < N_CASES; k++)
        g_string_append_printf (s, "%d\t%s\t%s\t%.3f\n", t + 1,
                                mode_names[m], cases[k].name, f[t][m][k]);
  g_string_append_printf (s, "learnt-hair\t%d\n", learnt);
  ok = g_file_set_contents (path, s->str, -1, NULL);
  g_string_free (s, TRUE);
  g_free (comment);
  return ok;
}

int
main (int    argc,
      char **argv)
{
  const gchar *save_path = NULL, *base_path = NULL, *figures = NULL;
  gint         repeats = 3, learnt = 0, i;
  gchar       *one, *two;
  Figures      f = { { { 0 } } };

  if (argc > 2 && ! strcmp (argv[1], "--child"))
    {
      gegl_init (&argc, &argv);
      i = run_child (atoi (argv[2]), argc > 3 ? argv[3] : NULL);
      gegl_exit ();
      return i;
    }
  for (i = 1; i < argc; i++)
    if (! strcmp (argv[i], "--save") && i + 1 < argc)
      save_path = argv[++i];
    else if (! strcmp (argv[i], "--baseline") && i + 1 < argc)
      base_path = argv[++i];
    else if (! strcmp (argv[i], "--figures") && i + 1 < argc)
      figures = argv[++i];
    else if (! strcmp (argv[i], "--repeats") && i + 1 < argc)
      repeats = MAX (1, atoi (argv[++i]));
    else
      {
        fprintf (stderr, "usage: bench-ops [--repeats N] [--save FILE] "
                 "[--baseline FILE] [--figures FILE]\n");
        return 2;
      }

  if (figures)
    {
      /* Figures saved before (--save), printed again, measuring nothing.  */
      if (! g_file_get_contents (figures, &one, NULL, NULL))
        {
          fprintf (stderr, "bench-ops: cannot read %s\n", figures);
          return 1;
        }
      parse (one, 0, f, &learnt);
      two = g_strdup ("");
    }
  else
    {
      one = measure (argv[0], "1", repeats);
      two = one ? measure (argv[0], "2", repeats) : NULL;
      if (! one || ! two)
        {
          fprintf (stderr, "bench-ops: a measuring run failed\n");
          return 1;
        }
      parse (one, 1, f, &learnt);
      parse (two, 2, f, NULL);
    }
  if (strstr (one, "# not benchmarked"))
    fputs (one, stdout);

  printf ("%d x %d R'G'B'A u8 (%.1f MP) at %.0f px/mm, best of %d, "
          "GEGL_THREADS=1 and 2; follicles match=ring learnt from %d "
          "pixels of hair\n", WIDTH, HEIGHT, WIDTH * HEIGHT / 1e6, PPM,
          repeats, learnt);
  print_table (f, MODE_WRITE);
  print_table (f, MODE_BLIT);
  print_table (f, MODE_WRITE_CPU);
  print_table (f, MODE_BLIT_CPU);
  print_targets (f);
  if (base_path)
    {
      gchar  *text = NULL;
      Figures base = { { { 0 } } };

      if (! g_file_get_contents (base_path, &text, NULL, NULL))
        {
          fprintf (stderr, "bench-ops: cannot read the baseline %s\n",
                   base_path);
          return 1;
        }
      parse (text, 0, base, NULL);
      if (g_str_has_prefix (text, "#"))
        printf ("\nbaseline: %.*s", (gint) (strchr (strchr (text, '\n') + 1,
                                                    '\n') -
                                            strchr (text, '\n')),
                strchr (text, '\n') + 1);
      print_comparison (f, base, base_path);
      g_free (text);
    }
  if (save_path && ! save (f, learnt, save_path))
    {
      fprintf (stderr, "bench-ops: cannot write %s\n", save_path);
      return 1;
    }
  g_free (one);
  g_free (two);
  /* Ring matching that found no hair timed match=none again.  */
  return learnt > 0 ? 0 : 1;
}
