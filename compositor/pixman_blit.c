/*
 * wlroots 0.15's pixman renderer draws every texture through a transform:
 * it turns the scene's matrix into a pixman transform and inverts it, even
 * when the matrix only moves the texture by whole pixels.  pixman treats
 * only the identity as untransformed, so a window anywhere but (0,0) goes
 * through pixman's transformed fetch, one pixel gathered at a time, instead
 * of a plain copy; that is where fenceway's per-frame CPU grew with window
 * area (docs/compositor.md).
 *
 * This renderer forwards everything to the pixman renderer it wraps, except
 * that a texture drawn at an integer translation, unscaled and uncropped, is
 * composited with pixman's source offsets and no transform: the same pixels
 * (nearest sampling of an integer translation picks exactly these), through
 * pixman's copy and blend fast paths.
 *
 * The scene clears every damaged rectangle before it draws the windows in
 * it, so each opaque window's pixels were written twice a frame.  Clears
 * are therefore held back as a region: an opaque texture drawn by the copy
 * above takes the pixels it covers out of that region (it overwrites them
 * whole, and writes nothing else), and whatever is left is filled before
 * any drawing that blends or goes the stock way, before pixels are read,
 * and at the end of the frame.  The frame comes out the same.
 *
 * Drawing straight from a texture's pixman image needs the buffer behind
 * it: the buffer's data access is what protects against a client that
 * shrinks its shm file (libwayland's SIGBUS guard) and what says whether
 * the image still points at the buffer's current mapping.  wlroots keeps
 * that pairing private, so the wrapper notes it when it creates each
 * texture.  A texture whose buffer is unknown takes the stock path.
 */
#include <assert.h>
#include <math.h>
#include <pixman.h>
#include <stdlib.h>
#include <string.h>
#include <wlr/render/interface.h>
#include <wlr/render/pixman.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_matrix.h>
#include <wlr/util/box.h>
#include "pixman_blit.h"

struct blit_renderer {
	struct wlr_renderer base;
	struct wlr_renderer *pixman; /* owned */
	struct wl_list sources;      /* blit_source.link, newest first */

	/* Between begin and end: the frame's size, the scissor box last set
	 * (NULL: none) and the clears not written yet, all of one colour. */
	int32_t width, height;
	bool scissor_set;
	struct wlr_box scissor;
	pixman_region32_t pending_clear;
	float clear_color[4];
};

/*
 * A buffer that textures were made from, and the latest such texture.
 * The pixman texture locks its buffer, so while a texture is alive its
 * buffer is too; once the texture is gone its address may be reused by
 * a new texture, which then takes the entry over (blit_texture_from_buffer).
 * Entries go with their buffer.
 */
struct blit_source {
	struct wlr_buffer *buffer;
	struct wlr_texture *texture; /* not owned; NULL when superseded */
	struct wl_listener buffer_destroy;
	struct wl_list link;
};

static const struct wlr_renderer_impl blit_impl;

static struct blit_renderer *blit_renderer(struct wlr_renderer *wlr) {
	assert(wlr->impl == &blit_impl);
	struct blit_renderer *r = wl_container_of(wlr, r, base);
	return r;
}

static void source_destroy(struct blit_source *src) {
	wl_list_remove(&src->buffer_destroy.link);
	wl_list_remove(&src->link);
	free(src);
}

static void source_handle_buffer_destroy(struct wl_listener *listener,
	void *data) {
	struct blit_source *src = wl_container_of(listener, src, buffer_destroy);
	source_destroy(src);
}

static struct blit_source *find_source(struct blit_renderer *r,
	struct wlr_texture *texture) {
	struct blit_source *src;
	wl_list_for_each(src, &r->sources, link) {
		if (src->texture == texture) {
			return src;
		}
	}
	return NULL;
}

static struct wlr_texture *blit_texture_from_buffer(struct wlr_renderer *wlr,
	struct wlr_buffer *buffer) {
	struct blit_renderer *r = blit_renderer(wlr);
	struct wlr_texture *texture =
		r->pixman->impl->texture_from_buffer(r->pixman, buffer);
	if (texture == NULL) {
		return NULL;
	}
	/* A destroyed texture's address may come back for a new one. */
	struct blit_source *stale = find_source(r, texture);
	if (stale != NULL) {
		stale->texture = NULL;
	}
	struct blit_source *src, *found = NULL;
	wl_list_for_each(src, &r->sources, link) {
		if (src->buffer == buffer) {
			found = src;
			break;
		}
	}
	if (found == NULL) {
		found = calloc(1, sizeof(*found));
		if (found == NULL) {
			return texture; /* drawn the stock way */
		}
		found->buffer = buffer;
		found->buffer_destroy.notify = source_handle_buffer_destroy;
		wl_signal_add(&buffer->events.destroy, &found->buffer_destroy);
	} else {
		wl_list_remove(&found->link);
	}
	/* Newest first: the textures drawn now are the ones made lately. */
	wl_list_insert(&r->sources, &found->link);
	found->texture = texture;
	return texture;
}

/* The matrix pixman would invert, if it is a whole-pixel translation. */
static bool integer_translation(struct wlr_texture *texture,
	const struct wlr_fbox *box, const float matrix[static 9], int32_t *x,
	int32_t *y) {
	if (box->x != 0 || box->y != 0 || box->width != texture->width ||
		box->height != texture->height) {
		return false;
	}
	float m[9];
	memcpy(m, matrix, sizeof(m));
	wlr_matrix_scale(m, 1.0 / box->width, 1.0 / box->height);
	if (m[0] != 1.0f || m[1] != 0.0f || m[3] != 0.0f || m[4] != 1.0f ||
		m[6] != 0.0f || m[7] != 0.0f || m[8] != 1.0f || floorf(m[2]) != m[2] ||
		floorf(m[5]) != m[5] || fabsf(m[2]) > 1 << 24 ||
		fabsf(m[5]) > 1 << 24) {
		return false;
	}
	*x = (int32_t)m[2];
	*y = (int32_t)m[5];
	return true;
}

static void set_scissor(struct blit_renderer *r) {
	r->pixman->impl->scissor(r->pixman, r->scissor_set ? &r->scissor : NULL);
}

/* Write the clears held back so far. */
static void flush_clear(struct blit_renderer *r) {
	int n;
	pixman_box32_t *boxes = pixman_region32_rectangles(&r->pending_clear, &n);
	if (n == 0) {
		return;
	}
	/* What wlroots' pixman clear writes for this colour. */
	const pixman_color_t colour = {
		.red = r->clear_color[0] * 0xFFFF,
		.green = r->clear_color[1] * 0xFFFF,
		.blue = r->clear_color[2] * 0xFFFF,
		.alpha = r->clear_color[3] * 0xFFFF,
	};
	pixman_image_t *dst = wlr_pixman_renderer_get_current_image(r->pixman);
	/* The region was clipped when it was held back; the image's clip
	 * (the current scissor) must not cut it again. */
	pixman_image_set_clip_region32(dst, NULL);
	pixman_image_fill_boxes(PIXMAN_OP_SRC, dst, &colour, n, boxes);
	set_scissor(r);
	pixman_region32_clear(&r->pending_clear);
}

static bool blit(struct blit_renderer *r, struct wlr_texture *texture,
	int32_t x, int32_t y, float alpha) {
	struct blit_source *src = find_source(r, texture);
	if (src == NULL) {
		return false;
	}
	void *data;
	uint32_t format;
	size_t stride;
	if (!wlr_buffer_begin_data_ptr_access(src->buffer,
			WLR_BUFFER_DATA_PTR_ACCESS_READ, &data, &format, &stride)) {
		return false;
	}
	pixman_image_t *image = wlr_pixman_texture_get_image(texture);
	if (pixman_image_get_data(image) != data) {
		/* The shm pool was resized: the stock path makes a new image. */
		wlr_buffer_end_data_ptr_access(src->buffer);
		return false;
	}
	if (alpha >= 1.0f && wlr_texture_is_opaque(texture)) {
		/* Every pixel it covers is overwritten whole: no clear there. */
		pixman_region32_t covered;
		pixman_region32_init_rect(&covered, x, y, texture->width,
			texture->height);
		pixman_region32_intersect_rect(&covered, &covered, 0, 0, r->width,
			r->height);
		if (r->scissor_set) {
			pixman_region32_intersect_rect(&covered, &covered, r->scissor.x,
				r->scissor.y, r->scissor.width, r->scissor.height);
		}
		pixman_region32_subtract(&r->pending_clear, &r->pending_clear,
			&covered);
		pixman_region32_fini(&covered);
	} else {
		/* It blends with what is below: that must be there first. */
		flush_clear(r);
	}
	pixman_image_t *mask = NULL;
	if (alpha < 1.0f) {
		struct pixman_color colour = {.alpha = 0xFFFF * alpha};
		mask = pixman_image_create_solid_fill(&colour);
	}
	pixman_image_set_transform(image, NULL);
	pixman_image_composite32(PIXMAN_OP_OVER, image, mask,
		wlr_pixman_renderer_get_current_image(r->pixman), 0, 0, 0, 0, x, y,
		texture->width, texture->height);
	if (mask != NULL) {
		pixman_image_unref(mask);
	}
	wlr_buffer_end_data_ptr_access(src->buffer);
	return true;
}

static bool blit_render_subtexture_with_matrix(struct wlr_renderer *wlr,
	struct wlr_texture *texture, const struct wlr_fbox *box,
	const float matrix[static 9], float alpha) {
	struct blit_renderer *r = blit_renderer(wlr);
	int32_t x, y;
	if (integer_translation(texture, box, matrix, &x, &y) &&
		blit(r, texture, x, y, alpha)) {
		return true;
	}
	flush_clear(r);
	return r->pixman->impl->render_subtexture_with_matrix(r->pixman, texture,
		box, matrix, alpha);
}

/* ---- everything else goes to the pixman renderer ---- */

static bool blit_bind_buffer(struct wlr_renderer *wlr,
	struct wlr_buffer *buffer) {
	struct wlr_renderer *p = blit_renderer(wlr)->pixman;
	return p->impl->bind_buffer(p, buffer);
}

static void blit_begin(struct wlr_renderer *wlr, uint32_t width,
	uint32_t height) {
	struct blit_renderer *r = blit_renderer(wlr);
	r->pixman->impl->begin(r->pixman, width, height);
	r->width = (int32_t)width;
	r->height = (int32_t)height;
	r->scissor_set = false;
	pixman_region32_clear(&r->pending_clear);
}

static void blit_end(struct wlr_renderer *wlr) {
	struct blit_renderer *r = blit_renderer(wlr);
	flush_clear(r);
	if (r->pixman->impl->end != NULL) {
		r->pixman->impl->end(r->pixman);
	}
}

static void blit_clear(struct wlr_renderer *wlr, const float color[static 4]) {
	struct blit_renderer *r = blit_renderer(wlr);
	if (memcmp(color, r->clear_color, sizeof(r->clear_color)) != 0) {
		flush_clear(r);
		memcpy(r->clear_color, color, sizeof(r->clear_color));
	}
	/* What the clear covers: the scissor box, within the frame. */
	pixman_region32_t area;
	pixman_region32_init_rect(&area, 0, 0, r->width, r->height);
	if (r->scissor_set) {
		pixman_region32_intersect_rect(&area, &area, r->scissor.x, r->scissor.y,
			r->scissor.width, r->scissor.height);
	}
	pixman_region32_union(&r->pending_clear, &r->pending_clear, &area);
	pixman_region32_fini(&area);
}

static void blit_scissor(struct wlr_renderer *wlr, struct wlr_box *box) {
	struct blit_renderer *r = blit_renderer(wlr);
	r->scissor_set = box != NULL;
	if (box != NULL) {
		r->scissor = *box;
	}
	set_scissor(r);
}

static void blit_render_quad_with_matrix(struct wlr_renderer *wlr,
	const float color[static 4], const float matrix[static 9]) {
	struct blit_renderer *r = blit_renderer(wlr);
	flush_clear(r);
	r->pixman->impl->render_quad_with_matrix(r->pixman, color, matrix);
}

static const uint32_t *blit_get_shm_texture_formats(struct wlr_renderer *wlr,
	size_t *len) {
	struct wlr_renderer *p = blit_renderer(wlr)->pixman;
	return p->impl->get_shm_texture_formats(p, len);
}

static const struct wlr_drm_format_set *blit_get_render_formats(
	struct wlr_renderer *wlr) {
	struct wlr_renderer *p = blit_renderer(wlr)->pixman;
	return p->impl->get_render_formats != NULL ? p->impl->get_render_formats(p)
											   : NULL;
}

static uint32_t blit_preferred_read_format(struct wlr_renderer *wlr) {
	struct wlr_renderer *p = blit_renderer(wlr)->pixman;
	return p->impl->preferred_read_format(p);
}

static bool blit_read_pixels(struct wlr_renderer *wlr, uint32_t fmt,
	uint32_t *flags, uint32_t stride, uint32_t width, uint32_t height,
	uint32_t src_x, uint32_t src_y, uint32_t dst_x, uint32_t dst_y,
	void *data) {
	struct blit_renderer *r = blit_renderer(wlr);
	flush_clear(r);
	return r->pixman->impl->read_pixels(r->pixman, fmt, flags, stride, width,
		height, src_x, src_y, dst_x, dst_y, data);
}

static uint32_t blit_get_render_buffer_caps(struct wlr_renderer *wlr) {
	struct wlr_renderer *p = blit_renderer(wlr)->pixman;
	return p->impl->get_render_buffer_caps(p);
}

static void blit_destroy(struct wlr_renderer *wlr) {
	struct blit_renderer *r = blit_renderer(wlr);
	struct blit_source *src, *tmp;
	wl_list_for_each_safe(src, tmp, &r->sources, link) {
		source_destroy(src);
	}
	pixman_region32_fini(&r->pending_clear);
	wlr_renderer_destroy(r->pixman);
	free(r);
}

/* The pixman renderer's own set of operations, no more: wlroots asks an
 * implementation what it can do by which of these are set. */
static const struct wlr_renderer_impl blit_impl = {
	.bind_buffer = blit_bind_buffer,
	.begin = blit_begin,
	.end = blit_end,
	.clear = blit_clear,
	.scissor = blit_scissor,
	.render_subtexture_with_matrix = blit_render_subtexture_with_matrix,
	.render_quad_with_matrix = blit_render_quad_with_matrix,
	.get_shm_texture_formats = blit_get_shm_texture_formats,
	.get_render_formats = blit_get_render_formats,
	.preferred_read_format = blit_preferred_read_format,
	.read_pixels = blit_read_pixels,
	.destroy = blit_destroy,
	.get_render_buffer_caps = blit_get_render_buffer_caps,
	.texture_from_buffer = blit_texture_from_buffer,
};

struct wlr_renderer *fw_pixman_blit_wrap(struct wlr_renderer *renderer) {
	if (renderer == NULL || !wlr_renderer_is_pixman(renderer)) {
		return renderer;
	}
	struct blit_renderer *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return renderer;
	}
	wlr_renderer_init(&r->base, &blit_impl);
	r->pixman = renderer;
	wl_list_init(&r->sources);
	pixman_region32_init(&r->pending_clear);
	return &r->base;
}
