/*
 * clients/egl/scene.h - what the GLES2 demo draws: like the shm demo, the
 * plain colour with a small square moving along the top band, so the same
 * screenshot checks apply.
 */
#ifndef EGL_SCENE_H
#define EGL_SCENE_H

#include <stdint.h>

/*
 * Draw frame @seq into the current surface (@width x @height) below its
 * top @top rows, which are the label's (label_quad.h).
 */
void egl_scene_draw(int32_t width, int32_t height, int32_t top, uint32_t rgb,
		    uint64_t seq);

#endif
