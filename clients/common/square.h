/*
 * clients/common/square.h - the small square that moves along the top band
 * of every demo frame.  fenceway-demo draws it into shm pixels and
 * fenceway-demo-egl with a scissored GL clear; both take its place and
 * colour from here, so the same screenshot checks hold for both.
 *
 * Ownership: plain values, nothing to free.
 */
#ifndef FWD_SQUARE_H
#define FWD_SQUARE_H

#include <stdbool.h>
#include <stdint.h>

struct fwd_square {
	int32_t x, y; /* top-left corner, from the window's top-left */
	int32_t side;
	uint32_t rgb; /* black on light backgrounds, white on dark ones */
};

/*
 * The square of frame @seq in a @width x @height window of colour @rgb: false
 * when the window is too small to show one (then @sq is left alone).
 */
bool fwd_square_at(int32_t width, int32_t height, uint32_t rgb, uint64_t seq,
		   struct fwd_square *sq);

/* Black on light colours, white on dark ones: what stands out on @rgb
 * (the square, the shm demo's label text). */
uint32_t fwd_contrast(uint32_t rgb);

/* Rows [0, fwd_square_band_height(h)) are all the square may cover. */
int32_t fwd_square_band_height(int32_t height);

#endif
