/* module.c: registers every operation of the project's GEGL module.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <gegl.h>
#include <gegl-plugin.h>

/* smp-ops.h is written by meson from the list of ops in meson.build: one
 * SMP_OP (name) line an op.  */
#define SMP_OP(name) void gegl_op_##name##_register_type (GTypeModule *module);
#include "smp-ops.h"
#undef SMP_OP

#include "core/smp-render.h"

/* The stage of the timeline (smp-dot-properties.inc), one GType for every
 * op of the module that stipples.  */
GType smp_stage_get_type (void);

GType
smp_stage_get_type (void)
{
  static gsize            type = 0;
  static const GEnumValue values[] =
  {
    { SMP_STAGE_FRESH,  "Fresh: the first days after the session", "fresh" },
    { SMP_STAGE_HEALED, "Healed",                                   "healed" },
    { SMP_STAGE_AGED,   "Aged: years later",                        "aged" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("SmpStage", values));
  return type;
}

static const GeglModuleInfo modinfo =
{
  GEGL_MODULE_ABI_VERSION
};

G_MODULE_EXPORT const GeglModuleInfo *gegl_module_query    (GTypeModule *module);
G_MODULE_EXPORT gboolean              gegl_module_register (GTypeModule *module);

G_MODULE_EXPORT const GeglModuleInfo *
gegl_module_query (GTypeModule *module)
{
  return &modinfo;
}

G_MODULE_EXPORT gboolean
gegl_module_register (GTypeModule *module)
{
#define SMP_OP(name) gegl_op_##name##_register_type (module);
#include "smp-ops.h"
#undef SMP_OP
  return TRUE;
}
