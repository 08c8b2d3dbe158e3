/*
 * clients/common/label.c - the window's label, drawn with pango and cairo.
 */
#include "label.h"

#include <stdio.h>
#include <stdlib.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "square.h"

struct fwd_label {
	int32_t width, height; /* of the label strip */
	PangoFontMap *font_map;
	PangoContext *context;
	PangoLayout *layout;
};

int32_t fwd_label_height(int32_t height)
{
	/* Two lines of text need about 40 rows to be legible. */
	int32_t h = height / 5;
	return h >= 24 ? h : 0;
}

struct fwd_label *fwd_label_create(int32_t width, int32_t height)
{
	struct fwd_label *l = calloc(1, sizeof(*l));
	if (!l) {
		fprintf(stderr, "out of memory for the label\n");
		return NULL;
	}
	l->width = width;
	l->height = fwd_label_height(height);
	/* A font map of our own rather than pango's per-thread default, so
	 * that destroy() gives back everything but fontconfig's process-wide
	 * caches. */
	l->font_map = pango_cairo_font_map_new();
	l->context = pango_font_map_create_context(l->font_map);
	l->layout = pango_layout_new(l->context);

	/* The two lines fill the strip: each about 40 % of it. */
	PangoFontDescription *font =
		pango_font_description_from_string("DejaVu Sans");
	pango_font_description_set_absolute_size(font,
						 l->height * 0.3 * PANGO_SCALE);
	pango_layout_set_font_description(l->layout, font);
	pango_font_description_free(font);
	pango_layout_set_width(l->layout,
			       (width - 2 * (l->height / 8)) * PANGO_SCALE);
	pango_layout_set_ellipsize(l->layout, PANGO_ELLIPSIZE_END);
	return l;
}

void fwd_label_destroy(struct fwd_label *l)
{
	if (!l)
		return;
	g_object_unref(l->layout);
	g_object_unref(l->context);
	g_object_unref(l->font_map);
	free(l);
}

static void set_rgb(cairo_t *cr, uint32_t rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0,
			     ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

/* One line at (@x, @y), clipped to the layout's width. */
static void show_line(struct fwd_label *l, cairo_t *cr, double x, double y,
		      const char *text)
{
	pango_layout_set_text(l->layout, text, -1);
	pango_cairo_update_layout(cr, l->layout);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l->layout);
}

void fwd_label_draw(struct fwd_label *l, uint32_t *pixels, int32_t stride,
		    uint32_t rgb, const char *line1, const char *line2)
{
	if (!l->height)
		return;
	cairo_surface_t *s = cairo_image_surface_create_for_data(
		(unsigned char *)pixels, CAIRO_FORMAT_RGB24, l->width,
		l->height, stride);
	cairo_t *cr = cairo_create(s);

	/* The window's colour, a line under the label, the text in the
	 * moving square's contrast colour. */
	uint32_t ink = fwd_contrast(rgb);
	set_rgb(cr, rgb);
	cairo_paint(cr);
	set_rgb(cr, ink);
	cairo_rectangle(cr, 0, l->height - 2, l->width, 2);
	cairo_fill(cr);

	double pad = l->height / 8;
	show_line(l, cr, pad, pad, line1);
	show_line(l, cr, pad, l->height / 2.0, line2);

	cairo_destroy(cr);
	cairo_surface_flush(s);
	cairo_surface_destroy(s);
}
