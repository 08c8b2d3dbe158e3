/*
 * clients/demo/pool.c - the shm buffer pool.
 */
#include "pool.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-client.h>

int demo_pool_init(struct demo_pool *p, struct wl_shm *shm,
		   struct demo_app *app, unsigned count, int32_t width,
		   int32_t height)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->count = count;
	p->width = width;
	p->height = height;
	p->stride = width * 4;
	size_t one = (size_t)p->stride * (size_t)height;
	p->size = one * count;

	p->buffers = calloc(count, sizeof(*p->buffers));
	if (!p->buffers) {
		fprintf(stderr, "out of memory for the buffer pool\n");
		return -1;
	}
	/* Sealed against shrinking: the compositor maps this memory, and a
	 * shrink under its mapping would fault it (wl_shm pools are a classic
	 * source of SIGBUS).  We never resize the pool. */
	p->fd = memfd_create("fenceway-demo-pool",
			     MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (p->fd < 0) {
		perror("memfd_create");
		goto fail;
	}
	if (ftruncate(p->fd, (off_t)p->size) < 0) {
		perror("ftruncate");
		goto fail;
	}
	fcntl(p->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL);
	p->map = mmap(NULL, p->size, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd,
		      0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		perror("mmap");
		goto fail;
	}
	p->wl_pool = wl_shm_create_pool(shm, p->fd, (int32_t)p->size);
	for (unsigned i = 0; i < count; i++) {
		struct demo_buffer *b = &p->buffers[i];
		b->app = app;
		b->index = i;
		b->released = true;
		b->rendered = true;
		b->pixels = (uint32_t *)((char *)p->map + one * i);
		b->wl_buffer = wl_shm_pool_create_buffer(
			p->wl_pool, (int32_t)(one * i), width, height,
			p->stride, WL_SHM_FORMAT_XRGB8888);
	}
	return 0;
fail:
	demo_pool_finish(p);
	return -1;
}

void demo_pool_finish(struct demo_pool *p)
{
	for (unsigned i = 0; p->buffers && i < p->count; i++) {
		if (p->buffers[i].wl_buffer)
			wl_buffer_destroy(p->buffers[i].wl_buffer);
	}
	free(p->buffers);
	if (p->wl_pool)
		wl_shm_pool_destroy(p->wl_pool);
	if (p->map)
		munmap(p->map, p->size);
	if (p->fd >= 0)
		close(p->fd);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}
