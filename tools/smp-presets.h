/* smp-presets.h: presets, as GEGL chain text in data/presets/NAME.gegl, for
 * the batch tool and the GIMP plug-in alike.  A preset is the text
 * gegl_create_chain parses (comments from '#' to the end of a line, as in
 * a shell); its first line, a comment, says what it is for.  There is no
 * second format: what a preset does is what GEGL makes of its text.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_PRESETS_H
#define SMP_PRESETS_H

#include <gegl.h>

typedef struct
{
  gchar *name;          /* file name without .gegl */
  gchar *path;
  gchar *description;   /* the first comment line, without '#' */
  gchar *text;          /* the whole file */
  /* A stage of the timeline its last op renders (smp-preview --timeline),
   * or stage NULL: as the preset says.  */
  const gchar *stage;   /* "fresh", "healed", "aged" */
  gint         after_session;
  gdouble      years;
  gboolean     touch_up;
} SmpPreset;

/* Where presets are looked for, in order: the directories in
 * $SMP_PRESET_PATH (colon-separated), then the installed one.  */
gchar     **smp_presets_dirs   (void);

/* Every preset found, sorted by name; a name found twice is the first
 * directory's.  Free with g_ptr_array_unref.  */
GPtrArray  *smp_presets_list   (void);

/* A preset by name (looked up in the directories) or by path (anything
 * with a '/' or ending in .gegl).  NULL and a message saying why when it
 * cannot be read.  */
SmpPreset  *smp_preset_load    (const gchar     *name_or_path,
                                GError         **error);

void        smp_preset_free    (SmpPreset       *preset);

/* The columns of a timeline sheet: each a copy of preset at one stage,
 * named "NAME, STAGE" (after session 1, after the last session, healed,
 * in 5 years, touched up after 5 years).  Appends them to presets.  */
void        smp_preset_timeline (const SmpPreset *preset,
                                 GPtrArray       *presets);

/* Builds the preset in graph between `input` (whose output it reads) and
 * a new gegl:nop it returns, with `extra` (more chain text, such as
 * "px-per-mm=4 seed=1": it applies to the preset's last op) after it.
 * NULL and a message on a chain GEGL cannot parse, and on a value its
 * property cannot take (GEGL itself reads "density=abc" as 0 and a colour
 * it cannot parse as transparent cyan), the message naming the preset's
 * file, the property and the value.  */
GeglNode   *smp_preset_build   (const SmpPreset *preset,
                                GeglNode        *graph,
                                GeglNode        *input,
                                const gchar     *extra,
                                GError         **error);

/* A decimal number as people write one: digits, perhaps a sign, a point
 * and an exponent.  FALSE for anything else g_ascii_strtod would take as
 * well ("", "0x10", "inf", "nan", "1e999").  */
gboolean    smp_parse_number   (const gchar     *text,
                                gdouble         *value);

/* n with a comma between thousands ("12,400"), whatever the locale: what
 * the tool's captions and the plug-in's lines write.  */
gchar      *smp_thousands      (gint64           n);

/* The node of the preset's last operation in what smp_preset_build
 * returned (the one `extra` and a mask apply to).  */
GeglNode   *smp_preset_last_op (GeglNode        *end);

#endif
