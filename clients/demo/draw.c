/*
 * clients/demo/draw.c - the CPU "GPU" of the shm demo.
 */
#include "draw.h"

#include <stddef.h>

#include "../common/square.h"

void demo_draw_fill(uint32_t *pixels, int32_t width, int32_t height,
		    int32_t stride, uint32_t rgb)
{
	uint32_t px = 0xff000000u | rgb;
	for (int32_t y = 0; y < height; y++) {
		uint32_t *row = (uint32_t *)((char *)pixels +
					     (size_t)y * (size_t)stride);
		for (int32_t x = 0; x < width; x++)
			row[x] = px;
	}
}

int32_t demo_draw_band_height(int32_t height)
{
	return fwd_square_band_height(height);
}

void demo_draw_frame(uint32_t *pixels, int32_t width, int32_t height,
		     int32_t stride, uint32_t rgb, uint64_t seq)
{
	demo_draw_fill(pixels, width, height, stride, rgb);

	struct fwd_square sq;
	if (!fwd_square_at(width, height, rgb, seq, &sq))
		return;
	uint32_t px = 0xff000000u | sq.rgb;
	for (int32_t y = sq.y; y < sq.y + sq.side; y++) {
		uint32_t *row = (uint32_t *)((char *)pixels +
					     (size_t)y * (size_t)stride);
		for (int32_t x = sq.x; x < sq.x + sq.side; x++)
			row[x] = px;
	}
}
