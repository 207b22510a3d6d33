/* smp-view.c: see smp-view.h.  libgimp's previews blend what they are
 * given with the drawable through the selection (a second mask over the
 * op's own, and "Everywhere" shown only inside the selection), show only
 * the selection's bounds, and in 2.10 draw a preview narrower than its
 * buffer with the wrong row stride; this view draws the pixels it is given
 * into a GimpPreviewArea as they are.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>
#include <gdk/gdkkeysyms.h>

#include "smp-view.h"

/* Whole pixels only: a zoomed-in pixel is a square block, a zoomed-out one
 * the mean of a block.  */
static const struct { gint num, den; } zooms[] =
{
  { 1, 8 }, { 1, 4 }, { 1, 2 }, { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 },
  { 6, 1 }, { 8, 1 }, { 12, 1 }, { 16, 1 }
};
#define ZOOM_1 3

struct _SmpView
{
  gint32         drawable;
  gint           lw, lh;        /* the layer's size */
  const Babl    *format;
  GimpImageType  type;
  gint           bpp;
  SmpViewRender  render;
  gpointer       data;

  GtkWidget     *box, *area, *zoom_label, *toggle, *status;
  GtkAdjustment *hadj, *vadj;
  gint           zoom;          /* index in zooms */
  gdouble        cx, cy;        /* what zooming keeps in the middle: the
                                 * selection's, until the view is moved */
  gboolean       placing;       /* set while the view places itself */
  guint          pending;
  gboolean       dragging;
  gdouble        drag_x, drag_y, drag_h, drag_v;
};

static gdouble
factor (const SmpView *v)
{
  return (gdouble) zooms[v->zoom].num / zooms[v->zoom].den;
}

/* Scroll ranges for the area's size and zoom, keeping (cx, cy) of the
 * layer in the middle where the layer allows.  */
static void
set_geometry (SmpView *v,
              gdouble  cx,
              gdouble  cy)
{
  GtkAllocation  a;
  gdouble        pw, ph;
  gchar         *text;

  v->placing = TRUE;
  gtk_widget_get_allocation (v->area, &a);
  pw = MIN (a.width / factor (v), v->lw);
  ph = MIN (a.height / factor (v), v->lh);
  gtk_adjustment_configure (v->hadj,
                            rint (CLAMP (cx - pw / 2, 0, v->lw - pw)), 0,
                            v->lw, MAX (1.0, 16 / factor (v)), pw * 0.9, pw);
  gtk_adjustment_configure (v->vadj,
                            rint (CLAMP (cy - ph / 2, 0, v->lh - ph)), 0,
                            v->lh, MAX (1.0, 16 / factor (v)), ph * 0.9, ph);
  text = g_strdup_printf ("%d %%", (gint) rint (100 * factor (v)));
  gtk_label_set_text (GTK_LABEL (v->zoom_label), text);
  g_free (text);
  v->placing = FALSE;
}

/* Pixel (x, y) of out, from src (sw x sh) seen at zoom num/den.  */
static void
scale_pixels (const SmpView *v,
              const guchar  *src,
              gint           sw,
              gint           sh,
              guchar        *out,
              gint           dw,
              gint           dh)
{
  gint num = zooms[v->zoom].num, den = zooms[v->zoom].den;
  gint bpp = v->bpp, x, y, c;

  for (y = 0; y < dh; y++)
    for (x = 0; x < dw; x++)
      {
        guchar *o = out + ((gsize) y * dw + x) * bpp;

        if (den == 1)
          memcpy (o, src + ((gsize) (y / num) * sw + x / num) * bpp, bpp);
        else
          {
            /* The mean of the block, the part of it inside the layer.  */
            gint x0 = x * den, y0 = y * den;
            gint x1 = MIN (x0 + den, sw), y1 = MIN (y0 + den, sh), i, j;
            gint n  = (x1 - x0) * (y1 - y0);

            for (c = 0; c < bpp; c++)
              {
                gint sum = 0;

                for (j = y0; j < y1; j++)
                  for (i = x0; i < x1; i++)
                    sum += src[((gsize) j * sw + i) * bpp + c];
                o[c] = (sum + n / 2) / n;
              }
          }
      }
}

static gboolean
render_now (gpointer data)
{
  SmpView       *v = data;
  GtkAllocation  a;
  GeglRectangle  s;
  gint           num = zooms[v->zoom].num, den = zooms[v->zoom].den;
  gint           dw, dh, dx, dy;
  guchar        *src, *out;
  gint64         t0 = g_get_monotonic_time ();

  v->pending = 0;
  gtk_widget_get_allocation (v->area, &a);
  if (a.width < 2 || a.height < 2)
    return G_SOURCE_REMOVE;

  /* The layer's pixels in view, 1:1.  */
  s.x      = (gint) rint (gtk_adjustment_get_value (v->hadj));
  s.y      = (gint) rint (gtk_adjustment_get_value (v->vadj));
  s.width  = MIN (den == 1 ? (a.width + num - 1) / num : a.width * den,
                  v->lw - s.x);
  s.height = MIN (den == 1 ? (a.height + num - 1) / num : a.height * den,
                  v->lh - s.y);
  if (s.width <= 0 || s.height <= 0)
    return G_SOURCE_REMOVE;
  dw = den == 1 ? MIN (s.width * num, a.width) : (s.width + den - 1) / den;
  dh = den == 1 ? MIN (s.height * num, a.height) : (s.height + den - 1) / den;
  /* A layer smaller than the view sits in its middle.  */
  dx = MAX (0, (a.width - dw) / 2);
  dy = MAX (0, (a.height - dh) / 2);

  src = g_malloc ((gsize) s.width * s.height * v->bpp);
  v->render (&s, ! gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (v->toggle)),
             v->format, src, v->data);
  if (num == 1 && den == 1)
    out = src;
  else
    {
      out = g_malloc ((gsize) dw * dh * v->bpp);
      scale_pixels (v, src, s.width, s.height, out, dw, dh);
    }

  gimp_preview_area_fill (GIMP_PREVIEW_AREA (v->area), 0, 0, a.width,
                          a.height, 0x80, 0x80, 0x80);
  gimp_preview_area_draw (GIMP_PREVIEW_AREA (v->area), dx, dy, dw, dh,
                          v->type, out, dw * v->bpp);
  if (out != src)
    g_free (out);
  g_free (src);

  /* For the GUI test, and for anyone curious: what is shown where.  */
  if (g_getenv ("SMP_PREVIEW_TIMING"))
    g_printerr ("smp-gimp: preview of %dx%d px of the layer at (%d,%d), "
                "zoom %d/%d, drawn %dx%d at (%d,%d) of %dx%d, rendered in "
                "%.1f ms\n", s.width, s.height, s.x, s.y, num, den, dw, dh,
                dx, dy, a.width, a.height,
                (g_get_monotonic_time () - t0) / 1000.0);
  return G_SOURCE_REMOVE;
}

void
smp_view_invalidate (SmpView *v)
{
  /* Several changes in a row (a slider dragged) make one render.  */
  if (! v->pending)
    v->pending = g_timeout_add (60, render_now, v);
}

static void
area_allocated (GtkWidget     *area,
                GtkAllocation *a,
                SmpView       *v)
{
  set_geometry (v, v->cx, v->cy);
  smp_view_invalidate (v);
}

void
smp_view_zoom (SmpView *v,
               gint     steps)
{
  v->zoom = steps == 0 ? ZOOM_1
                       : CLAMP (v->zoom + steps, 0, (gint) G_N_ELEMENTS (zooms) - 1);
  set_geometry (v, v->cx, v->cy);
  smp_view_invalidate (v);
}

static void
zoom_fit (SmpView *v)
{
  GtkAllocation a;

  gtk_widget_get_allocation (v->area, &a);
  for (v->zoom = G_N_ELEMENTS (zooms) - 1; v->zoom > 0; v->zoom--)
    if (v->lw * factor (v) <= a.width && v->lh * factor (v) <= a.height)
      break;
  v->cx = v->lw / 2.0;
  v->cy = v->lh / 2.0;
  set_geometry (v, v->cx, v->cy);
  smp_view_invalidate (v);
}

gboolean
smp_view_key (SmpView     *v,
              GdkEventKey *event)
{
  switch (event->keyval)
    {
    case GDK_KEY_plus: case GDK_KEY_KP_Add: case GDK_KEY_equal:
      smp_view_zoom (v, 1);
      return TRUE;
    case GDK_KEY_minus: case GDK_KEY_KP_Subtract:
      smp_view_zoom (v, -1);
      return TRUE;
    case GDK_KEY_1: case GDK_KEY_KP_1:
      smp_view_zoom (v, 0);
      return TRUE;
    default:
      return FALSE;
    }
}

/* Dragging moves the view, the wheel scrolls it (with Shift sideways),
 * Ctrl and the wheel zoom.  */
static gboolean
area_button (GtkWidget      *area,
             GdkEventButton *event,
             SmpView        *v)
{
  if (event->button != 1)
    return FALSE;
  v->dragging = event->type == GDK_BUTTON_PRESS;
  v->drag_x   = event->x;
  v->drag_y   = event->y;
  v->drag_h   = gtk_adjustment_get_value (v->hadj);
  v->drag_v   = gtk_adjustment_get_value (v->vadj);
  gtk_widget_grab_focus (area);
  return TRUE;
}

static void
scroll_to (GtkAdjustment *adj,
           gdouble        value)
{
  gtk_adjustment_set_value (adj, rint (CLAMP (value,
                                              gtk_adjustment_get_lower (adj),
                                              gtk_adjustment_get_upper (adj) -
                                              gtk_adjustment_get_page_size (adj))));
}

static gboolean
area_motion (GtkWidget      *area,
             GdkEventMotion *event,
             SmpView        *v)
{
  if (! v->dragging)
    return FALSE;
  scroll_to (v->hadj, v->drag_h - (event->x - v->drag_x) / factor (v));
  scroll_to (v->vadj, v->drag_v - (event->y - v->drag_y) / factor (v));
  return TRUE;
}

static gboolean
area_scroll (GtkWidget      *area,
             GdkEventScroll *event,
             SmpView        *v)
{
  gboolean       up  = event->direction == GDK_SCROLL_UP ||
                       event->direction == GDK_SCROLL_LEFT;
  GtkAdjustment *adj = (event->state & GDK_SHIFT_MASK) ||
                       event->direction == GDK_SCROLL_LEFT ||
                       event->direction == GDK_SCROLL_RIGHT ? v->hadj : v->vadj;

  if (event->state & GDK_CONTROL_MASK)
    smp_view_zoom (v, up ? 1 : -1);
  else
    scroll_to (adj, gtk_adjustment_get_value (adj) +
                    (up ? -1 : 1) * gtk_adjustment_get_step_increment (adj) * 4);
  return TRUE;
}

static void
scrolled (GtkAdjustment *adj,
          SmpView       *v)
{
  /* Moved by the user: zooming keeps this middle from now on.  */
  if (! v->placing)
    {
      v->cx = gtk_adjustment_get_value (v->hadj) +
              gtk_adjustment_get_page_size (v->hadj) / 2;
      v->cy = gtk_adjustment_get_value (v->vadj) +
              gtk_adjustment_get_page_size (v->vadj) / 2;
    }
  smp_view_invalidate (v);
}

static void
view_destroyed (GtkWidget *box,
                SmpView   *v)
{
  if (v->pending)
    g_source_remove (v->pending);
  g_free (v);
}

static GtkWidget *
tool_button (const gchar *icon,
             const gchar *tip,
             GCallback    callback,
             SmpView     *v)
{
  GtkWidget *button = gtk_button_new ();

  gtk_button_set_relief (GTK_BUTTON (button), GTK_RELIEF_NONE);
  gtk_container_add (GTK_CONTAINER (button),
                     gtk_image_new_from_icon_name (icon, GTK_ICON_SIZE_MENU));
  gimp_help_set_help_data (button, tip, NULL);
  g_signal_connect_swapped (button, "clicked", callback, v);
  return button;
}

static void
zoom_in (SmpView *v)
{
  smp_view_zoom (v, 1);
}

static void
zoom_out (SmpView *v)
{
  smp_view_zoom (v, -1);
}

static void
zoom_one (SmpView *v)
{
  smp_view_zoom (v, 0);
}

SmpView *
smp_view_new (gint32         drawable,
              gint           size,
              gint           cx,
              gint           cy,
              SmpViewRender  render,
              gpointer       data)
{
  SmpView   *v = g_new0 (SmpView, 1);
  GtkWidget *table, *bar, *scrollbar;

  v->drawable = drawable;
  v->lw       = gimp_drawable_width (drawable);
  v->lh       = gimp_drawable_height (drawable);
  v->render   = render;
  v->data     = data;
  v->zoom     = ZOOM_1;
  v->cx       = cx;
  v->cy       = cy;
  if (gimp_drawable_is_gray (drawable))
    {
      v->format = babl_format ("Y'A u8");
      v->type   = GIMP_GRAYA_IMAGE;
    }
  else
    {
      v->format = babl_format ("R'G'B'A u8");
      v->type   = GIMP_RGBA_IMAGE;
    }
  v->bpp = babl_format_get_bytes_per_pixel (v->format);

  v->box = gtk_vbox_new (FALSE, 4);
  g_signal_connect (v->box, "destroy", G_CALLBACK (view_destroyed), v);

  table = gtk_table_new (2, 2, FALSE);
  gtk_box_pack_start (GTK_BOX (v->box), table, TRUE, TRUE, 0);
  v->area = gimp_preview_area_new ();
  /* Colour-managed as GIMP's canvas is, to the display's profile.  */
  {
    GimpColorConfig *config = gimp_get_color_configuration ();

    gimp_preview_area_set_color_config (GIMP_PREVIEW_AREA (v->area), config);
    g_object_unref (config);
  }
  gtk_widget_set_size_request (v->area, size, size);
  gtk_widget_set_can_focus (v->area, TRUE);
  gtk_widget_add_events (v->area, GDK_BUTTON_PRESS_MASK |
                                  GDK_BUTTON_RELEASE_MASK |
                                  GDK_POINTER_MOTION_MASK | GDK_SCROLL_MASK);
  gimp_help_set_help_data (v->area, "Drag to move the view; the wheel "
                           "scrolls, Ctrl+wheel (or + and -) zooms", NULL);
  g_signal_connect (v->area, "size-allocate", G_CALLBACK (area_allocated), v);
  g_signal_connect (v->area, "button-press-event", G_CALLBACK (area_button), v);
  g_signal_connect (v->area, "button-release-event", G_CALLBACK (area_button), v);
  g_signal_connect (v->area, "motion-notify-event", G_CALLBACK (area_motion), v);
  g_signal_connect (v->area, "scroll-event", G_CALLBACK (area_scroll), v);
  gtk_table_attach (GTK_TABLE (table), v->area, 0, 1, 0, 1,
                    GTK_EXPAND | GTK_FILL, GTK_EXPAND | GTK_FILL, 0, 0);

  v->hadj = GTK_ADJUSTMENT (gtk_adjustment_new (0, 0, 1, 1, 1, 1));
  v->vadj = GTK_ADJUSTMENT (gtk_adjustment_new (0, 0, 1, 1, 1, 1));
  g_signal_connect (v->hadj, "value-changed", G_CALLBACK (scrolled), v);
  g_signal_connect (v->vadj, "value-changed", G_CALLBACK (scrolled), v);
  scrollbar = gtk_hscrollbar_new (v->hadj);
  gtk_table_attach (GTK_TABLE (table), scrollbar, 0, 1, 1, 2,
                    GTK_EXPAND | GTK_FILL, GTK_FILL, 0, 0);
  scrollbar = gtk_vscrollbar_new (v->vadj);
  gtk_table_attach (GTK_TABLE (table), scrollbar, 1, 2, 0, 1,
                    GTK_FILL, GTK_EXPAND | GTK_FILL, 0, 0);

  bar = gtk_hbox_new (FALSE, 2);
  gtk_box_pack_start (GTK_BOX (v->box), bar, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (bar),
                      tool_button (GIMP_ICON_ZOOM_OUT, "Zoom out (-)",
                                   G_CALLBACK (zoom_out), v),
                      FALSE, FALSE, 0);
  v->zoom_label = gtk_label_new ("100 %");
  gtk_label_set_width_chars (GTK_LABEL (v->zoom_label), 6);
  gtk_box_pack_start (GTK_BOX (bar), v->zoom_label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (bar),
                      tool_button (GIMP_ICON_ZOOM_IN, "Zoom in (+): the "
                                   "dots at 2x to 16x",
                                   G_CALLBACK (zoom_in), v),
                      FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (bar),
                      tool_button (GIMP_ICON_ZOOM_ORIGINAL, "1:1, one pixel "
                                   "of the photo a pixel of the screen (1)",
                                   G_CALLBACK (zoom_one), v),
                      FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (bar),
                      tool_button (GIMP_ICON_ZOOM_FIT_BEST, "The whole layer",
                                   G_CALLBACK (zoom_fit), v),
                      FALSE, FALSE, 0);
  v->toggle = gtk_check_button_new_with_mnemonic ("Pre_view");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (v->toggle), TRUE);
  gimp_help_set_help_data (v->toggle, "Off: the layer as it is, to compare",
                           NULL);
  g_signal_connect_swapped (v->toggle, "toggled",
                            G_CALLBACK (smp_view_invalidate), v);
  gtk_box_pack_end (GTK_BOX (bar), v->toggle, FALSE, FALSE, 0);

  /* Two lines always: the view does not jump when the text changes.  */
  v->status = gtk_label_new ("1\n2");
  gtk_label_set_line_wrap (GTK_LABEL (v->status), TRUE);
  gtk_misc_set_alignment (GTK_MISC (v->status), 0.0, 0.0);
  {
    GtkRequisition req;

    gtk_widget_size_request (v->status, &req);
    gtk_widget_set_size_request (v->status, size, req.height);
    gtk_label_set_text (GTK_LABEL (v->status), "");
  }
  gtk_box_pack_start (GTK_BOX (v->box), v->status, FALSE, FALSE, 0);
  return v;
}

GtkWidget *
smp_view_widget (SmpView *v)
{
  return v->box;
}

void
smp_view_set_status (SmpView     *v,
                     const gchar *markup)
{
  gtk_label_set_markup (GTK_LABEL (v->status), markup);
}
