/*
 * clients/egl/scene.c - two clears: the background, then the square as a
 * scissored clear.  Real GL work for the driver, and exact colours for the
 * screenshot test (no blending, no filtering).
 */
#include "scene.h"

#include <GLES2/gl2.h>

static void clear_rgb(uint32_t rgb)
{
	glClearColor(((rgb >> 16) & 0xff) / 255.0f, ((rgb >> 8) & 0xff) / 255.0f,
		     (rgb & 0xff) / 255.0f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
}

void egl_scene_draw(int32_t width, int32_t height, uint32_t rgb, uint64_t seq)
{
	glViewport(0, 0, width, height);
	glDisable(GL_SCISSOR_TEST);
	clear_rgb(rgb);

	int32_t side = height / 8, margin = height / 32;
	int32_t travel = width - side - 2 * margin;
	if (side <= 0 || travel <= 0)
		return;
	int64_t pos = (int64_t)((seq * 4) % (uint64_t)(2 * travel));
	int32_t x0 = margin + (int32_t)(pos < travel ? pos : 2 * travel - pos);
	unsigned r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
	uint32_t square = (r * 299 + g * 587 + b * 114) / 1000 > 128 ? 0x000000 : 0xffffff;

	/* GL's origin is bottom-left; the band is at the top of the window. */
	glEnable(GL_SCISSOR_TEST);
	glScissor(x0, height - margin - side, side, side);
	clear_rgb(square);
	glDisable(GL_SCISSOR_TEST);
}
