/*
 * clients/egl/scene.c - two clears: the background, then the square as a
 * scissored clear.  Real GL work for the driver, and exact colours for the
 * screenshot test (no blending, no filtering).
 */
#include "scene.h"

#include <GLES2/gl2.h>

#include "../common/square.h"

static void clear_rgb(uint32_t rgb)
{
	glClearColor(((rgb >> 16) & 0xff) / 255.0f,
		     ((rgb >> 8) & 0xff) / 255.0f, (rgb & 0xff) / 255.0f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
}

void egl_scene_draw(int32_t width, int32_t height, int32_t top, uint32_t rgb,
		    uint64_t seq)
{
	/* The frame is the rows below the label, as in the shm demo; GL's
	 * origin is bottom-left, so they start at row 0. */
	int32_t rows = height - top;

	glViewport(0, 0, width, rows);
	glEnable(GL_SCISSOR_TEST);
	glScissor(0, 0, width, rows);
	clear_rgb(rgb);

	struct fwd_square sq;
	if (fwd_square_at(width, rows, rgb, seq, &sq)) {
		/* The band is at the top of the frame. */
		glScissor(sq.x, rows - sq.y - sq.side, sq.side, sq.side);
		clear_rgb(sq.rgb);
	}
	glDisable(GL_SCISSOR_TEST);
}
