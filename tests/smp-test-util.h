/* smp-test-util.h: helpers shared by the op test suites: synthetic inputs,
 * rendering an op in-process or through the real `gegl` binary, hashes.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_TEST_UTIL_H
#define SMP_TEST_UTIL_H

#include <gegl.h>
#include <stdarg.h>

/* g_test_init, gegl_init, and every GLib warning or critical fatal.  */
void        smp_test_init         (int                  *argc,
                                   char               ***argv);

/* A buffer of `format` filled with one linear RGBA colour.  */
GeglBuffer *smp_test_uniform      (const GeglRectangle  *rect,
                                   const Babl           *format,
                                   const gfloat          rgba[4]);

/* A linear ramp of grey (Y' from 0 at the left to 1 at the right).  */
GeglBuffer *smp_test_ramp         (const GeglRectangle  *rect);

/* A skin-like test photo: smooth colour variation and fine texture, made
 * from GEGL's own render ops, as `format`.  */
GeglBuffer *smp_test_photo        (const GeglRectangle  *rect,
                                   const Babl           *format);

/* A new graph source -> op (aux from aux_buffer when not NULL); returns the
 * op node, owned by *graph.  Properties are set by the caller.  */
GeglNode   *smp_test_graph        (GeglNode            **graph,
                                   const gchar          *op,
                                   GeglBuffer           *input,
                                   GeglBuffer           *aux);

/* The same with an unbounded photo of one colour (gegl:color) in input.  */
GeglNode   *smp_test_graph_unbounded (GeglNode         **graph,
                                      const gchar       *op,
                                      const gchar       *color,
                                      GeglBuffer        *aux);

/* Renders op over rect as format, input and aux from buffers (either may
 * be NULL), properties as for g_object_set; g_free the result.  */
gpointer    smp_test_render_valist (const gchar         *op,
                                    GeglBuffer          *input,
                                    GeglBuffer          *aux,
                                    const GeglRectangle *rect,
                                    const Babl          *format,
                                    const gchar         *first_property,
                                    va_list              ap);

/* The same with the properties as arguments, NULL-terminated.  */
gpointer    smp_test_render       (const gchar          *op,
                                   GeglBuffer           *input,
                                   GeglBuffer           *aux,
                                   const GeglRectangle  *rect,
                                   const Babl           *format,
                                   const gchar          *first_property,
                                   ...);

/* Blits `rect` of node as `format` into new memory (g_free it).  */
gpointer    smp_test_blit         (GeglNode             *node,
                                   const GeglRectangle  *rect,
                                   const Babl           *format);

/* A file as gegl:load reads it, as `format`, into new memory (g_free it);
 * its extent in *box.  */
gpointer    smp_test_load         (const gchar          *path,
                                   const Babl           *format,
                                   GeglRectangle        *box);

/* The MD5 of length bytes, as hex text (g_free it).  */
gchar      *smp_test_md5          (gconstpointer         data,
                                   gsize                 length);

/* Runs a command line (argv, NULL-terminated) with extra environment
 * (name, value pairs, NULL-terminated).  Returns its stdout, its stderr in
 * *stderr_text if asked and its exit status (128 + signal when killed).  */
gchar      *smp_test_spawn        (const gchar * const  *argv,
                                   const gchar * const  *extra_env,
                                   gchar               **stderr_text,
                                   gint                 *exit_status);

/* Runs a command line (argv, NULL-terminated) with extra environment
 * (name, value pairs, NULL-terminated); marks the test failed when it does
 * not exit 0.  Returns its stdout; its stderr in *stderr_text if asked.  */
gchar      *smp_test_run          (const gchar * const  *argv,
                                   const gchar * const  *extra_env,
                                   gchar               **stderr_text);

/* A scratch directory for this test program, removed at exit.  */
const gchar *smp_test_tmpdir      (void);

/* Writes a buffer as PNG (8 bit) to path.  */
void        smp_test_save_png     (GeglBuffer           *buffer,
                                   const gchar          *path);

/* A review picture being laid out: w x h pixels of R'G'B'A u8.  */
typedef struct
{
  guchar *px;
  gint    w, h;
} SmpTestSheet;

/* Copies a w x h R'G'B'A u8 picture into the sheet at x0, y0, each pixel
 * made zoom x zoom (what falls off the sheet is cut).  */
void        smp_test_sheet_put    (SmpTestSheet         *sheet,
                                   const guchar         *rgba,
                                   gint                  w,
                                   gint                  h,
                                   gint                  x0,
                                   gint                  y0,
                                   gint                  zoom);

/* Checks op's "reference-hash" as GEGL's gegl-tester does: its
 * "reference-composition" saved as PNG, loaded, MD5 of its R'G'B'A u8
 * pixels.  */
void        smp_test_reference_hash (const gchar        *op);

/* Renders rect as R'G'B'A u8 (g_free it) with the given seed: what the
 * tile-independence check compares.  */
/* A copy of photo with n NaN pixels at fixed places inside `where`;
 * *poisoned (one byte a pixel of the photo's extent, g_free it) marks
 * them.  */
GeglBuffer *smp_test_poison       (GeglBuffer           *photo,
                                   const GeglRectangle  *where,
                                   gint                  n,
                                   guchar              **poisoned);

/* The largest difference of any channel between two 8-bit RGBA images of
 * `pixels` pixels, those marked in skip (or none) left out.  */
gint        smp_test_max_diff_u8  (const guchar         *a,
                                   const guchar         *b,
                                   const guchar         *skip,
                                   gsize                 pixels);

/* Renders node over rect as RGBA float: every value must be finite.  */
void        smp_test_assert_finite (GeglNode            *node,
                                    const GeglRectangle *rect);

/* One of ../shared/data/scalp-photos, in an RGBA float buffer; NULL,
 * with the test skipped and the reason said, where the data are absent
 * (a fresh clone).  */
GeglBuffer *smp_test_shared_photo (const gchar          *file);

typedef gpointer (*SmpTestRender) (const GeglRectangle *rect,
                                   gint                 seed);

/* For main (), before smp_test_init: when run as the tile-independence
 * check's child (--tile-hash), prints the MD5 of render (rect, 1) and the
 * tile size and thread count it ran with, and returns TRUE.  */
gboolean    smp_test_tile_child     (int                  *argc,
                                     char               ***argv,
                                     const GeglRectangle  *rect,
                                     SmpTestRender         render);

/* The check: rect whole, in four parts rendered last to first, and in a
 * child process (this program, SMP_TEST_SELF) with 37x53 tiles and two
 * threads give the same bytes; seed 2 gives others.  */
void        smp_test_tile_independence (const GeglRectangle *rect,
                                        SmpTestRender        render);

/* The same with more environment for the child (name, value pairs,
 * NULL-terminated): what else its render must know.  */
void        smp_test_tile_independence_env (const GeglRectangle *rect,
                                            SmpTestRender        render,
                                            const gchar * const *env);

/* Whether a treatment plan's JSON file validates against
 * data/plan.schema.json, by python3's jsonschema (Debian's
 * python3-jsonschema); its message in *why.  */
gboolean      smp_test_plan_validates (const gchar  *json_path,
                                       gchar       **why);

/* For the eye: build/review/<name>.png, the before | after of two CIE Lab
 * float images of extent box (3 floats a pixel), and <name>-2x.png, the
 * same of `zoom` drawn twice as large.  Returns the first path (g_free
 * it).  */
gchar      *smp_test_review       (const gchar          *name,
                                   const GeglRectangle  *box,
                                   const gfloat         *before,
                                   const gfloat         *after,
                                   const GeglRectangle  *zoom);

/* A box of ../shared/data/scalp-photos/boxes.tsv: an area of a photo that
 * a treatment must cover (treat: bald or thin scalp) or leave alone (keep:
 * background, clothes, ears, neck, face).  */
typedef struct
{
  gchar   *file;
  gboolean treat;
  gint     x0, x1, y0, y1;
} SmpTestBox;

/* The boxes of dir/boxes.tsv in the file's order (the array frees their
 * names), or NULL when it is absent.  */
GArray     *smp_test_read_boxes   (const gchar          *dir);

#endif
