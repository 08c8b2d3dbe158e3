/*
 * clients/egl/label_quad.h - the demo label (common/label.h) in a GLES2
 * window: cairo and pango draw it into CPU pixels, which are uploaded as a
 * texture and drawn over the top rows of the frame with one quad.
 *
 * The texture keeps the pixels' XRGB8888 bytes as they are (B, G, R, X in
 * memory) and the fragment shader swizzles them, because GLES2 has no BGRA
 * upload without an extension.  Nearest filtering at a 1:1 scale keeps the
 * colours exact for the screenshot checks.
 *
 * Ownership: struct egl_label_quad is the caller's; egl_label_quad_finish()
 * frees what init made.  Needs the GL context current on the calling
 * thread in every call.
 */
#ifndef EGL_LABEL_QUAD_H
#define EGL_LABEL_QUAD_H

#include <GLES2/gl2.h>
#include <stdint.h>

struct fwd_label;

struct egl_label_quad {
	struct fwd_label *label;
	uint32_t *pixels;      /* width x height XRGB8888 */
	int32_t width, height; /* of the strip; height 0: no label */
	GLuint program, texture;
	GLint position, sampler;
};

/* The label of a @width x @height window.  0, or -1 after printing why. */
int egl_label_quad_init(struct egl_label_quad *q, int32_t width,
			int32_t height);
void egl_label_quad_finish(struct egl_label_quad *q);

/* Draw @line1 and @line2 on @rgb over the top rows of the current
 * @window_height-row surface. */
void egl_label_quad_draw(struct egl_label_quad *q, int32_t window_height,
			 uint32_t rgb, const char *line1, const char *line2);

#endif
