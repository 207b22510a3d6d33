/* smp-view.h: the dialog's preview: a view onto the whole layer, opened
 * centred on the selection at 1:1, that zooms (1/8 to 16x, whole pixels)
 * and scrolls, shows the result or the layer as it is, and has a status
 * line under it.  Its pixels are what a render function gives for the
 * layer's area in view, drawn as they are: no blend with the selection.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_VIEW_H
#define SMP_VIEW_H

#include <libgimp/gimpui.h>

typedef struct _SmpView SmpView;

/* Fills pixels (format's, area->width a row) with area (layer
 * coordinates, 1:1) of the result, or of the layer as it is when
 * `original`.  */
typedef void (*SmpViewRender) (const GeglRectangle *area,
                               gboolean             original,
                               const Babl          *format,
                               guchar              *pixels,
                               gpointer             data);

/* A view of drawable, its area `size` px square, centred on (cx, cy).  */
SmpView    *smp_view_new        (gint32         drawable,
                                 gint           size,
                                 gint           cx,
                                 gint           cy,
                                 SmpViewRender  render,
                                 gpointer       data);

/* The widget to pack; the view goes with it.  */
GtkWidget  *smp_view_widget     (SmpView       *view);

/* Renders again soon (settings changed).  */
void        smp_view_invalidate (SmpView       *view);

/* The line under the view (Pango markup).  */
void        smp_view_set_status (SmpView       *view,
                                 const gchar   *markup);

/* Zoom in (steps > 0) or out (< 0), or back to 1:1 (0).  */
void        smp_view_zoom       (SmpView       *view,
                                 gint           steps);

/* Keys for the view when the focus is not in a text field: + and - zoom,
 * 1 is 1:1.  TRUE when the key was the view's.  */
gboolean    smp_view_key        (SmpView       *view,
                                 GdkEventKey   *event);

#endif
