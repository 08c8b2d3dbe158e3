/*
 * clients/demo/pool.h - a pool of wl_shm buffers in one memfd.
 *
 * Ownership: struct demo_pool is owned by the caller; the memfd, the
 * mapping, the wl_shm_pool and the wl_buffers belong to it and go away in
 * demo_pool_finish().  Backend state inside the buffers must have been
 * torn down before.
 */
#ifndef DEMO_POOL_H
#define DEMO_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "buffer.h"

struct wl_shm;

struct demo_pool {
	int fd;
	void *map;
	size_t size;
	struct wl_shm_pool *wl_pool;
	struct demo_buffer *buffers;
	unsigned count;
	int32_t width, height, stride;
};

/* @count XRGB8888 buffers of @width x @height.  0, or -1 (printed). */
int demo_pool_init(struct demo_pool *p, struct wl_shm *shm,
		   struct demo_app *app, unsigned count, int32_t width,
		   int32_t height);
void demo_pool_finish(struct demo_pool *p);

#endif
