/*
 * clients/demo/draw.c - the CPU "GPU" of the shm demo.
 */
#include "draw.h"

#include <stddef.h>

void demo_draw_fill(uint32_t *pixels, int32_t width, int32_t height,
		    int32_t stride, uint32_t rgb)
{
	uint32_t px = 0xff000000u | rgb;
	for (int32_t y = 0; y < height; y++) {
		uint32_t *row = (uint32_t *)((char *)pixels + (size_t)y * (size_t)stride);
		for (int32_t x = 0; x < width; x++)
			row[x] = px;
	}
}

int32_t demo_draw_band_height(int32_t height)
{
	/* The square is an eighth of the height, a little margin around it. */
	return height / 8 + height / 32 * 2;
}

/* Black on light colours, white on dark ones, so the square stands out. */
static uint32_t contrast(uint32_t rgb)
{
	unsigned r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
	return (r * 299 + g * 587 + b * 114) / 1000 > 128 ? 0x000000 : 0xffffff;
}

void demo_draw_frame(uint32_t *pixels, int32_t width, int32_t height,
		     int32_t stride, uint32_t rgb, uint64_t seq)
{
	demo_draw_fill(pixels, width, height, stride, rgb);

	int32_t side = height / 8, margin = height / 32;
	int32_t travel = width - side - 2 * margin;
	if (side <= 0 || travel <= 0)
		return;
	/* Bounce from left to right and back, 4 pixels per frame. */
	int64_t pos = (int64_t)((seq * 4) % (uint64_t)(2 * travel));
	int32_t x0 = margin + (int32_t)(pos < travel ? pos : 2 * travel - pos);
	uint32_t px = 0xff000000u | contrast(rgb);
	for (int32_t y = margin; y < margin + side; y++) {
		uint32_t *row = (uint32_t *)((char *)pixels + (size_t)y * (size_t)stride);
		for (int32_t x = x0; x < x0 + side; x++)
			row[x] = px;
	}
}
