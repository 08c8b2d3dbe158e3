/*
 * clients/demo/draw.h - what a frame looks like.
 *
 * Most of the window is the plain --color, so a screenshot test can check
 * it anywhere outside the top band; a small square moves along the top
 * band so consecutive frames differ (and damage is real).  An unfinished
 * frame is the --poison colour all over: a compositor that shows a buffer
 * before its acquire point signalled shows poison.
 */
#ifndef DEMO_DRAW_H
#define DEMO_DRAW_H

#include <stdint.h>

/* Fill @pixels (XRGB8888, @stride bytes per row) with @rgb. */
void demo_draw_fill(uint32_t *pixels, int32_t width, int32_t height,
		    int32_t stride, uint32_t rgb);

/* The finished frame @seq: @rgb with the moving square. */
void demo_draw_frame(uint32_t *pixels, int32_t width, int32_t height,
		     int32_t stride, uint32_t rgb, uint64_t seq);

/*
 * The band at the top that the moving square may cover: rows
 * [0, demo_draw_band_height(h)).  Everything below is plain colour.
 */
int32_t demo_draw_band_height(int32_t height);

#endif
