/*
 * clients/common/square.c - where the moving square is and what colour.
 */
#include "square.h"

uint32_t fwd_contrast(uint32_t rgb)
{
	unsigned r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
	return (r * 299 + g * 587 + b * 114) / 1000 > 128 ? 0x000000 : 0xffffff;
}

bool fwd_square_at(int32_t width, int32_t height, uint32_t rgb, uint64_t seq,
		   struct fwd_square *sq)
{
	/* An eighth of the height, a little margin around it. */
	int32_t side = height / 8, margin = height / 32;
	int32_t travel = width - side - 2 * margin;
	if (side <= 0 || travel <= 0)
		return false;
	/* Bounce from left to right and back, 4 pixels per frame. */
	int64_t pos = (int64_t)((seq * 4) % (uint64_t)(2 * travel));
	sq->x = margin + (int32_t)(pos < travel ? pos : 2 * travel - pos);
	sq->y = margin;
	sq->side = side;
	sq->rgb = fwd_contrast(rgb);
	return true;
}

int32_t fwd_square_band_height(int32_t height)
{
	return height / 8 + height / 32 * 2;
}
